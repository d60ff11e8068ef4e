"""Writes `error_sums.json` into crates/ngclearn/tests/fixtures/ngclearn-3.1.1: the
reference of `tests/parity_error_cells.rs` for the likelihoods of ngclearn 3.1.1's
GaussianErrorCell and LaplacianErrorCell over populations whose sum XLA reduces by its
tree reduction (a dimension above 32) or in one fused chain (both 32 or fewer), up to
3,000 values. Each case: per step the given mu/shift and target, `advance_state`, and the
compartments after it (the same layout as `error_cells.json`).

Usage (a Python 3.12 with `pip install ngclearn==3.1.1 jax==0.12.0.1`):
    python scripts/make_error_sum_fixtures.py [OUT_DIR]"""
import json, os, sys
import numpy as np
from jax import numpy as jnp
from ngclearn import Context, MethodProcess
from ngclearn.components import GaussianErrorCell, LaplacianErrorCell

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1")
rng = np.random.default_rng(4096)
L = lambda a: np.asarray(a, dtype=np.float32).tolist()
n_ctx = [0]


def case(cls, n, batch, steps=3, **kw):
    n_ctx[0] += 1
    pred = "mu" if cls is GaussianErrorCell else "shift"
    with Context(f"sums{n_ctx[0]}") as ctx:
        c = cls("e", n, batch_size=batch, **kw)
        adv = MethodProcess("adv") >> c.advance_state
    inputs = {pred: [], "target": []}
    outs = [f"d{pred}", "dtarget", "L"]
    trace = {k: [] for k in outs}
    for t in range(steps):
        for k in inputs:
            x = rng.normal(0.0, 1.0, (batch, n)).astype(np.float32)
            inputs[k].append(L(x))
            getattr(c, k).set(jnp.asarray(x))
        adv.run(t=t * 0.5, dt=0.5)
        for k in outs:
            v = np.asarray(getattr(c, k).get(), dtype=np.float32)
            trace[k].append(float(v.reshape(-1)[0]) if k == "L" else L(v))
    return {"component": cls.__name__, "kwargs": kw, "n_units": n, "batch_size": batch, "steps": steps,
            "inputs": inputs, "trace": trace}


cases = {}
for n, b in [(20, 1), (32, 1), (7, 5), (16, 4), (10, 4), (33, 1), (40, 4), (100, 3), (10, 64), (40, 40), (1500, 2)]:
    cases[f"gaussian_{b}x{n}"] = case(GaussianErrorCell, n, b, sigma=0.7)
for n, b in [(40, 4), (10, 64), (1500, 2)]:
    cases[f"laplacian_{b}x{n}"] = case(LaplacianErrorCell, n, b, scale=1.3)
path = os.path.join(out, "error_sums.json")
with open(path, "w") as f:
    json.dump({"description": "ngclearn 3.1.1's Gaussian and Laplacian error cells over populations of up to "
                              "3,000 values (scripts/make_error_sum_fixtures.py)", "cases": cases}, f)
print(path, os.path.getsize(path))
