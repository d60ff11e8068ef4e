"""Prints reference values from ngclearn 3.1.1 / JAX that the Rust tests embed
(crates/ngclearn/tests/parity_initializers.rs): permutations, choice without
replacement, and DistributionGenerator options not covered by the fixtures in crates/ngclearn/tests/fixtures.
(A mask given as a list of indices fails inside ngclearn 3.1.1 with a TypeError, so
it has no reference values here.)
Usage (Python 3.12 venv with `pip install ngclearn==3.1.1`):
    python scripts/reference_vectors.py"""
import json
import numpy as np
from jax import random
from jax import numpy as jnp
from ngclearn import Context, MethodProcess
from ngclearn.components import BernoulliCell, DenseSynapse
from ngclearn.utils.distribution_generator import DistributionGenerator as DG

out = {"permutation": [], "initializers": {}}
for seed, n, k in [(0, 10, 3), (42, 100, 10), (9, 50000, 4)]:
    key = random.PRNGKey(seed)
    out["permutation"].append({"seed": seed, "n": n, "k": k,
                               "head": np.asarray(random.permutation(key, n))[:12].tolist(),
                               "choice": np.asarray(random.choice(key, n, shape=(k,), replace=False)).tolist()})
cases = {
    "uniform_col_mask_2": (DG.uniform(0.0, 1.0, col_mask=2), (4, 5)),
    "constant_row_mask_2": (DG.constant(1.0, row_mask=2), (4, 4)),
    "uniform_hollow": (DG.uniform(0.0, 1.0, hollow=True), (3, 3)),
    "uniform_eye": (DG.uniform(0.0, 1.0, eye=True), (3, 4)),
    "uniform_lower": (DG.uniform(0.0, 1.0, lower_triangle=True), (3, 3)),
    "uniform_upper": (DG.uniform(0.0, 1.0, upper_triangle=True), (3, 3)),
    "gaussian_clip": (DG.gaussian(0.0, 1.0, amin=-0.5, amax=0.5), (3, 4)),
}
for name, (gen, shape) in cases.items():
    out["initializers"][name] = np.asarray(gen(shape, random.PRNGKey(3)), dtype=np.float32).tolist()
with Context("bern") as ctx:
    b = BernoulliCell("b", n_units=12, key=random.PRNGKey(21))
    adv = MethodProcess("adv") >> b.advance_state
    rst = MethodProcess("rst") >> b.reset
rst.run()
b.inputs.set(jnp.linspace(0.0, 1.0, 12).reshape(1, 12))
spikes = []
for t in range(30):
    adv.run(t=t * 0.5, dt=0.5)
    spikes.append([int(i) for i in np.nonzero(np.asarray(b.outputs.get())[0])[0]])
out["bernoulli_cell_seed21"] = {"inputs": np.asarray(jnp.linspace(0.0, 1.0, 12), dtype=np.float32).tolist(), "spikes": spikes, "final_key": np.asarray(b.key.get()).tolist(),
                                "tols": np.asarray(b.tols.get(), dtype=np.float32).tolist()}
with Context("dense") as ctx:
    D = DenseSynapse("D", shape=(5, 4), weight_init=DG.gaussian(0.1, 0.5), p_conn=0.6, key=random.PRNGKey(8))
out["dense_gaussian_p_conn_0.6_seed8"] = np.asarray(D.weights.get(), dtype=np.float32).tolist()
print(json.dumps(out))
