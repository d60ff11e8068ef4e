"""Writes crates/ngclearn/tests/fixtures/ngclearn-3.2.3/axon_delays.json from ngclearn
3.2.3 (JAX, float32, CPU): `DenseSynapse` and `StaticSynapse` with `max_delay_steps`
(ngclearn 3.2's per-axon delays), driven by given inputs step by step, with their
delay indices, `delayed_inputs` and `outputs` after every step, and `jax.random.randint`
draws over several ranges (the delay indices are one).

Only ngclearn 3.2 has `max_delay_steps`; the engine otherwise follows 3.1.1, whose
`DenseSynapse` has the same numbers when the delays are off.

Usage (a Python 3.12 with `pip install ngclearn==3.2.3`):
    python scripts/make_axon_delay_fixtures.py [OUTDIR]
"""
import json
import os
import sys

import jax
import numpy as np
from jax import numpy as jnp, random
from ngclearn import Context, MethodProcess
from ngclearn.components import DenseSynapse, StaticSynapse
from ngclearn.utils.distribution_generator import DistributionGenerator as DG

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures",
    "ngclearn-3.2.3")
L = lambda a: np.asarray(a).tolist()
rng = np.random.default_rng(32)


def signals(steps, batch, n_pre, p, graded):
    """Spikes (or graded values where a spike would be) for each step."""
    s = (rng.uniform(0, 1, size=(steps, batch, n_pre)) < p).astype(np.float32)
    if graded:
        s *= rng.uniform(0.1, 2.0, size=s.shape).astype(np.float32)
    return s


def case(cls, kw, shape, steps, p, key_seed, note, batch=1, graded=False, reset_at=None):
    with Context(f"delays{key_seed}") as ctx:
        W = cls("W", shape=shape, key=random.PRNGKey(key_seed), batch_size=batch, **kw)
        step = MethodProcess("step") >> W.advance_state
        rst = MethodProcess("rst") >> W.reset
    rst.run()
    ins = signals(steps, batch, shape[0], p, graded)
    rec = {"outputs": [], "delayed_inputs": []}
    for k in range(steps):
        if k == reset_at:
            rst.run()
        W.inputs.set(jnp.asarray(ins[k]))
        step.run(t=k * 0.1, dt=0.1)
        rec["outputs"].append(L(W.outputs.get()))
        rec["delayed_inputs"].append(L(W.delayed_inputs.get()))
    return {
        "note": note,
        "class": cls.__name__,
        "kwargs": kw,
        "shape": list(shape),
        "batch_size": batch,
        "key_seed": key_seed,
        "steps": steps,
        "reset_at": reset_at,
        "syn_delay_indices": L(W.syn_delay_indices),
        "inputs": L(ins),
        "trace": rec,
    }


cases = {
    "dense_spikes": case(DenseSynapse, {"max_delay_steps": 5, "p_conn": 0.3}, (40, 12), 60, 0.2, 11,
                         "spikes, p_conn mask, delays of 1 to 5 steps"),
    "dense_graded_batch": case(
        DenseSynapse,
        {"max_delay_steps": 3, "g_conduct_factor": 2.5, "bias_init": DG.constant(value=0.1)},
        (16, 9), 40, 0.4, 5, "graded inputs, a batch of 2, a scale and biases", batch=2, graded=True),
    "static_reset": case(StaticSynapse, {"max_delay_steps": 7, "p_conn": 0.1}, (50, 30), 80, 0.15, 23,
                         "a reset after 40 steps empties the delays", reset_at=40),
    "dense_one_step": case(DenseSynapse, {"max_delay_steps": 1}, (10, 4), 20, 0.3, 3,
                           "max_delay_steps 1: every input one step late"),
}
# The initialisers are not JSON: say which one was given.
cases["dense_graded_batch"]["kwargs"]["bias_init"] = {"dist": "constant", "value": 0.1}

draws = []
for seed, lo, hi, n in [(0, 0, 5, 64), (7, 0, 1, 16), (9, -3, 12, 64), (1, 0, 65537, 64),
                        (2, -2000000000, 2000000000, 64), (4, 5, 5, 8), (6, 9, 2, 8)]:
    v = random.randint(random.PRNGKey(seed), (n,), lo, hi)
    draws.append({"seed": seed, "minval": lo, "maxval": hi, "values": L(v)})

os.makedirs(out, exist_ok=True)
doc = {
    "description": "ngclearn 3.2.3's max_delay_steps: per step, the synapse's delayed_inputs and "
                   "outputs given its inputs; its syn_delay_indices; and jax.random.randint(PRNGKey(seed), "
                   "(n,), minval, maxval) draws",
    "versions": {"ngclearn": "3.2.3", "jax": jax.__version__},
    "cases": cases,
    "randint": draws,
}
with open(os.path.join(out, "axon_delays.json"), "w") as fh:
    json.dump(doc, fh)
print("wrote", os.path.join(out, "axon_delays.json"))
