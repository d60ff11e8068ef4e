"""Writes `gerstner_hebbian_synapses.json` into crates/ngclearn/tests/fixtures/ngclearn-3.1.1:
the reference of `tests/parity_gerstner_hebbian_synapses.rs`, from ngclearn 3.1.1's
GerstnerHebbianSynapse (`ngclearn.components.synapses.hebbian`, not exported from
`ngclearn.components`). It runs in ngclearn for square shapes only (its terms broadcast
against the weights). Each case: the drawn weights, then per step the given inputs, pre
and post, `advance_state` then `evolve`, and the outputs and weights after them: the
default (bilinear Hebb) and every coefficient, batches of 1, 2 and 3, p_conn and
resist_scale.

Usage (a Python 3.12 with `pip install ngclearn==3.1.1 jax==0.12.0.1`):
    python scripts/make_gerstner_fixtures.py [OUT_DIR]"""
import json, os, sys
import numpy as np
from jax import numpy as jnp, random
from ngclearn import Context, MethodProcess
from ngclearn.components.synapses.hebbian import GerstnerHebbianSynapse
from ngclearn.utils.distribution_generator import DistributionGenerator as DG

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1")
rng = np.random.default_rng(2002)
L = lambda a: np.asarray(a, dtype=np.float32).tolist()
n_ctx = [0]


def case(n, seed, steps, batch=1, coeffs=None, **kw):
    n_ctx[0] += 1
    with Context(f"gerstner{n_ctx[0]}") as ctx:
        w = GerstnerHebbianSynapse("W", shape=(n, n), weight_init=DG.uniform(-0.5, 0.5), coeffs=coeffs,
                                   batch_size=batch, key=random.PRNGKey(seed), **kw)
        adv = MethodProcess("adv") >> w.advance_state >> w.evolve
        rst = MethodProcess("rst") >> w.reset
    w0 = L(w.weights.get())
    rst.run()
    given = {"inputs": [], "pre": [], "post": []}
    trace = {"outputs": [], "weights": []}
    for t in range(steps):
        for k in given:
            x = rng.uniform(-1.0, 1.0, (batch, n)).astype(np.float32)
            x[rng.random((batch, n)) < 0.25] = 0.0
            given[k].append(L(x))
            getattr(w, k).set(jnp.asarray(x))
        adv.run(t=float(t), dt=1.0)
        for k in trace:
            trace[k].append(L(getattr(w, k).get()))
    kwargs = dict(kw, shape=[n, n], batch_size=batch, weight_init={"dist": "uniform", "low": -0.5, "high": 0.5})
    if coeffs is not None:
        kwargs["coeffs"] = coeffs
    return {"kwargs": kwargs, "key_seed": seed, "steps": steps, "weights0": w0, "given": given, "trace": trace}


cases = {
    "default_bilinear": case(4, 31, 20, eta=0.01),
    "every_coefficient_batch_2": case(5, 32, 20, batch=2, eta=0.05,
                                      coeffs={"c0": -0.1, "c1_pre": -0.3, "c1_post": 0.2, "c2_corr": 0.8}),
    "covariance": case(6, 33, 20, eta=0.02, coeffs={"c0": 0.0, "c1_pre": -0.5, "c1_post": 0.0, "c2_corr": 1.0}),
    "anti_hebbian_p_conn_scale_batch_2": case(5, 34, 20, batch=2, eta=0.03, p_conn=0.5, resist_scale=2.0,
                                              coeffs={"c0": 0.0, "c1_pre": 0.0, "c1_post": 0.0, "c2_corr": -1.0}),
    "decay_and_post_gating": case(4, 35, 20, eta=0.1, coeffs={"c0": -0.2, "c1_pre": 0.0, "c1_post": 0.4, "c2_corr": 0.0}),
    # 1 / 3 is not a power of two: which constants XLA folds shows in the bits.
    "every_coefficient_batch_3": case(4, 36, 20, batch=3, eta=0.05,
                                      coeffs={"c0": -0.1, "c1_pre": -0.3, "c1_post": 0.2, "c2_corr": 0.8}),
}
path = os.path.join(out, "gerstner_hebbian_synapses.json")
with open(path, "w") as f:
    json.dump({"description": "ngclearn 3.1.1's GerstnerHebbianSynapse (scripts/make_gerstner_fixtures.py)",
               "cases": cases}, f)
print(path, os.path.getsize(path))
