"""The case format of the cell fixtures (`spiking_cells.json`, `raf_cells.json`): one
component driven by given inputs, its compartments recorded each step. Shared by
scripts/make_fixtures.py and scripts/make_cell_fixtures.py."""
import itertools

import numpy as np
from jax import numpy as jnp, random
from ngclearn import Context, MethodProcess

L = lambda a: np.asarray(a, dtype=np.float32).tolist()
_names = itertools.count()


def ctxname(prefix):
    return f"{prefix}_case{next(_names)}"


def cell_case(cls, kw, n, batch, seed, dt, steps, inputs, trace, reset_at=None, batch_kw=True, note="",
              methods=("advance_state",), key_trace=False):
    """One component (key=PRNGKey(seed)); reset once, then per step k: (reset if k == reset_at), set every input
    compartment from inputs[name][k], run the advance process with t=k*dt, dt=dt; record trace compartments."""
    kw_all = dict(kw)
    if batch_kw:
        kw_all["batch_size"] = batch
    with Context(ctxname("cells")) as ctx:
        c = cls("c", n_units=n, key=random.PRNGKey(seed), **kw_all)
        adv = MethodProcess("adv")
        for m in methods:
            adv = adv >> getattr(c, m)
        rst = MethodProcess("rst") >> c.reset
    rst.run()
    initial = {k_: L(getattr(c, k_).get()) for k_ in trace}
    rec = {k_: [] for k_ in trace}
    keys = []
    for t in range(steps):
        if reset_at is not None and t == reset_at:
            rst.run()
        for name_, arr in inputs.items():
            getattr(c, name_).set(jnp.asarray(arr[t]))
        adv.run(t=t * dt, dt=dt)
        for k_ in trace:
            rec[k_].append(L(getattr(c, k_).get()))
        if key_trace:
            keys.append(np.asarray(c.key.get()).astype(np.uint32).tolist())
    for k_, vals in rec.items():
        assert np.all(np.isfinite(np.asarray(vals, dtype=np.float32))), (cls.__name__, kw, k_)
    kw_out = {k_: (list(v) if isinstance(v, tuple) else v) for k_, v in kw.items()}
    case = {"component": cls.__name__, "kwargs": kw_out, "n_units": n, "batch_size": batch, "key_seed": seed, "dt": dt,
            "steps": steps, "inputs": {k_: L(v) for k_, v in inputs.items()}, "initial": initial, "trace": rec,
            "note": note}
    if reset_at is not None:
        case["reset_at"] = reset_at
    if key_trace:
        case["key_trace"] = keys
    return case
