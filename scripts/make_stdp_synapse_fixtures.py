"""Regenerates crates/ngclearn/tests/fixtures/ngclearn-3.1.1/stdp_synapse.json from
ngclearn 3.1.1's STDPSynapse (JAX, float32, CPU): given pre/post spikes and times of
last spike, the synapse's outputs, weights and dWeights after every step.

ngclearn 3.1.1's STDPSynapse cannot be constructed as released: its constructor reads
`self.weights.value`, which ngcsimlib 3.1.1's Compartment does not have (it has `get()`).
This script supplies that one read (`Compartment.value` as `get()`) and nothing else,
so every number is ngclearn's own computation.

Usage (a Python 3.12 with `pip install ngclearn==3.1.1 jax==0.12.0.1`):
    python scripts/make_stdp_synapse_fixtures.py [OUTDIR]
"""
import json
import os
import sys

import numpy as np
from jax import numpy as jnp, random
from ngclearn import Compartment, Context, MethodProcess
from ngclearn.components import STDPSynapse
from ngclearn.utils.distribution_generator import DistributionGenerator as DG

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1")
L = lambda a: np.asarray(a, dtype=np.float32).tolist()
# The one read ngclearn 3.1.1's STDPSynapse makes that ngcsimlib 3.1.1 lacks.
Compartment.value = property(lambda self: self.get())
rng = np.random.default_rng(2024)
TRACE = ["outputs", "weights", "dWeights"]


def signals(steps, n_pre, n_post, dt, p_pre, p_post):
    """Pre and post spikes, and each side's time of last spike (0 before the first)."""
    pre = (rng.uniform(0, 1, size=(steps, 1, n_pre)) < p_pre).astype(np.float32)
    post = (rng.uniform(0, 1, size=(steps, 1, n_post)) < p_post).astype(np.float32)
    tols = {}
    for name, s in (("pre_tols", pre), ("post_tols", post)):
        t_last = np.zeros_like(s)
        cur = np.zeros(s.shape[1:], np.float32)
        for k in range(steps):
            cur = np.where(s[k] > 0, np.float32((k + 1) * dt), cur).astype(np.float32)
            t_last[k] = cur
        tols[name] = t_last
    return {"inputs": pre, "preSpike": pre, "postSpike": post, **tols}


def case(kw, n_pre, n_post, dt, steps, p_pre, p_post, key_seed, note):
    with Context(f"stdp{key_seed}") as ctx:
        W = STDPSynapse("W", shape=(n_pre, n_post), weight_init=DG.constant(value=0.5),
                        key=random.PRNGKey(key_seed), **kw)
        step = MethodProcess("step") >> W.advance_state >> W.evolve
        rst = MethodProcess("rst") >> W.reset
    w0 = rng.uniform(0.05, 0.9, size=(n_pre, n_post)).astype(np.float32)
    W.weights.set(jnp.asarray(w0))
    rst.run()
    ins = signals(steps, n_pre, n_post, dt, p_pre, p_post)
    rec = {n: [] for n in TRACE}
    for k in range(steps):
        for c, arr in ins.items():
            getattr(W, c).set(jnp.asarray(arr[k]))
        step.run(t=(k + 1) * dt, dt=dt)
        for n in TRACE:
            rec[n].append(L(getattr(W, n).get()))
    return {"kwargs": kw, "shape": [n_pre, n_post], "dt": dt, "steps": steps, "key_seed": key_seed,
            "weights0": L(w0), "inputs": {c: L(a) for c, a in ins.items()}, "trace": rec, "note": note}


cases = {
    "defaults": case(dict(A_plus=0.05, A_minus=0.03), 6, 4, 1.0, 150, 0.15, 0.12, 71,
                     "tau_plus = tau_minus = 10, w_decay = 0, tau_w = 0, eta = 1, w_bound = 1"),
    "euler_tau_w": case(dict(A_plus=0.1, A_minus=0.06, tau_plus=15., tau_minus=25., tau_w=40., eta=0.5), 5, 3, 0.5, 200,
                        0.2, 0.2, 72, "tau_w > 0: weights + (-weights * dt / tau_w + dW * eta)"),
    "decay_no_ltd_bound": case(dict(A_plus=0.2, A_minus=0.0, tau_plus=5., w_decay=0.01, w_bound=0.8,
                                    resist_scale=2.0), 4, 5, 1.0, 150, 0.25, 0.15, 73,
                               "A_minus = 0 (no depression term), w_decay, w_bound = 0.8 (clip to [0.001, 0.799]), resist_scale"),
}
doc = {
    "description": "STDPSynapse driven by given signals. Per case: construct with weight_init constant 0.5 and the key, "
                   "set weights0, reset once, then for step k = 0..steps-1: every inputs[c][k] set on compartment c, one "
                   "MethodProcess (advance_state, evolve) run with t = (k+1)*dt, dt; trace = compartments after each step",
    "cases": cases,
    "generator": "ngclearn 3.1.1 / ngcsimlib 3.1.1 / jax 0.12.0.1, float32, CPU "
                 "(Compartment.value supplied as get(): see the script)",
}
with open(os.path.join(out, "stdp_synapse.json"), "w") as f:
    json.dump(doc, f)
