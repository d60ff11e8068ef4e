"""Writes `ganglion_cells.json` into crates/ngclearn/tests/fixtures/ngclearn-3.1.1: the
reference of `tests/parity_ganglion_cells.rs`, from ngclearn 3.1.1's RetinalGanglionCell
(`ngclearn.components.input_encoders.ganglionCell`). Each case: the constructed filter, then
per step the given stimulus (batch, ix, iy), `advance_state` (or `reset`), and the outputs.
Gaussian, difference- and ratio-of-Gaussian and identity filters; strided, overlapping and
zero steps; batches 1 to 3.

Usage (a Python 3.12 with `pip install ngclearn==3.1.1 jax==0.12.0.1`):
    python scripts/make_ganglion_fixtures.py [OUT_DIR]"""
import contextlib, io, json, os, sys
import numpy as np
from jax import numpy as jnp
from ngclearn import Context, MethodProcess
from ngclearn.components.input_encoders.ganglionCell import RetinalGanglionCell

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1")
rng = np.random.default_rng(2031)
L = lambda a: np.asarray(a, dtype=np.float32).tolist()
n_ctx = [0]


def case(filter_type, area, n_cells, patch, step, batch=1, steps=("advance_state",) * 3, **kw):
    n_ctx[0] += 1
    with Context(f"rgc{n_ctx[0]}") as ctx, contextlib.redirect_stdout(io.StringIO()):
        c = RetinalGanglionCell("R", filter_type=filter_type, area_shape=area, n_cells=n_cells,
                                patch_shape=patch, step_shape=step, batch_size=batch, **kw)
        procs = {m: MethodProcess(m) >> getattr(c, m) for m in ("advance_state", "reset")}
    given, outputs = [], []
    for m in steps:
        x = rng.random((batch, *area)).astype(np.float32)
        given.append(L(x) if m == "advance_state" else None)
        if m == "advance_state":
            c.inputs.set(jnp.asarray(x))
        procs[m].run(t=0.0)
        outputs.append(L(c.outputs.get()))
    return {"kwargs": {"filter_type": filter_type, "area_shape": list(area), "n_cells": n_cells,
                       "patch_shape": list(patch), "step_shape": list(step), "batch_size": batch, **kw},
            "filter": L(c.filter.get()), "steps": list(steps), "given": given, "outputs": outputs}


cases = {
    "gaussian_tiled": case("gaussian", (16, 16), 16, (4, 4), (4, 4), batch=2, sigma=1.5),
    "gaussian_default_sigma_16": case("gaussian", (16, 26), 3, (16, 16), (0, 5)),
    "dog_overlapping": case("difference_of_gaussian", (9, 9), 9, (5, 5), (2, 2), batch=3, sigma=0.8),
    "dog_short_name": case("DoG", (10, 10), 4, (5, 5), (5, 5), sigma=1.2,
                           steps=("advance_state", "reset", "advance_state")),
    "rog_wide": case("ratio_of_gaussian", (8, 12), 6, (4, 4), (4, 4), batch=2, sigma=0.7),
    "rog_short_name": case("RoG", (6, 6), 4, (3, 3), (3, 3), sigma=2.0),
    "identity_zero_steps": case("identity", (8, 8), 4, (4, 4), (0, 0), batch=2),
    "gaussian_big_patch": case("gaussian", (12, 12), 1, (12, 12), (1, 1), sigma=3.0),
}
path = os.path.join(out, "ganglion_cells.json")
with open(path, "w") as f:
    json.dump({"description": "ngclearn 3.1.1's RetinalGanglionCell (scripts/make_ganglion_fixtures.py)",
               "cases": cases}, f)
print(path, os.path.getsize(path))
