"""Prints reference values from ngclearn 3.1.1 / JAX that the Rust tests embed
(crates/ngclearn/tests/parity_initializers.rs): permutations, choice without
replacement, and DistributionGenerator options not covered by ../shared/fixtures.
(A mask given as a list of indices fails inside ngclearn 3.1.1 with a TypeError, so
it has no reference values here.)
Usage (Python 3.12 venv with `pip install ngclearn==3.1.1`):
    python scripts/reference_vectors.py"""
import json
import numpy as np
from jax import random
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
print(json.dumps(out))
