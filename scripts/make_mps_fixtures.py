"""Writes `mps_synapses.json` into crates/ngclearn/tests/fixtures/ngclearn-3.1.1: the
reference of `tests/parity_mps_synapses.rs`, from ngclearn 3.1.1's MPSSynapse
(`ngclearn.components.synapses.mpsSynapse`). Each case: the drawn cores, then per step the
given inputs, pre and post, `advance_state`, then `evolve` with the step's `eta` (given to
the process's run: ngclearn requires it there), and the outputs and cores after them; and the dense `weights` (core1 . core2) at the end. Batches of 1 to 3,
bond dimensions 1 to 5.

Usage (a Python 3.12 with `pip install ngclearn==3.1.1 jax==0.12.0.1`):
    python scripts/make_mps_fixtures.py [OUT_DIR]"""
import json, os, sys
import numpy as np
from jax import numpy as jnp, random
from ngclearn import Context, MethodProcess
from ngclearn.components.synapses.mpsSynapse import MPSSynapse

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1")
rng = np.random.default_rng(2028)
L = lambda a: np.asarray(a, dtype=np.float32).tolist()
n_ctx = [0]


def case(shape, bond, seed, etas, batch=1):
    n_ctx[0] += 1
    with Context(f"mps{n_ctx[0]}") as ctx:
        m = MPSSynapse("W", shape, bond_dim=bond, batch_size=batch, key=random.PRNGKey(seed))
        adv = MethodProcess("adv") >> m.advance_state
        evo = MethodProcess("evo") >> m.evolve
    c1, c2 = L(m.core1.get()), L(m.core2.get())
    given = {"inputs": [], "pre": [], "post": []}
    trace = {"outputs": [], "core1": [], "core2": []}
    for t, eta in enumerate(etas):
        for k, n in (("inputs", shape[0]), ("pre", shape[0]), ("post", shape[1])):
            x = rng.normal(0.0, 1.0, (batch, n)).astype(np.float32)
            given[k].append(L(x))
            getattr(m, k).set(jnp.asarray(x))
        adv.run()
        evo.run(eta=eta)
        for k in trace:
            trace[k].append(L(getattr(m, k).get()))
    return {"kwargs": {"shape": list(shape), "bond_dim": bond, "batch_size": batch}, "key_seed": seed,
            "etas": etas, "core1": c1, "core2": c2, "given": given, "trace": trace,
            "weights": L(m.weights.get())}


cases = {
    "bond_4_batch_1": case((5, 3), 4, 21, [0.1, 0.01, 0.5, 0.05, 1.0]),
    "bond_3_batch_3": case((6, 4), 3, 22, [0.2, 0.2, 0.01, 0.7]),
    "bond_1_batch_2": case((3, 2), 1, 23, [0.3, 0.25, 0.3]),
    "bond_5_batch_1_wide": case((2, 7), 5, 24, [0.01, 0.9, 0.01]),
}
path = os.path.join(out, "mps_synapses.json")
with open(path, "w") as f:
    json.dump({"description": "ngclearn 3.1.1's MPSSynapse (scripts/make_mps_fixtures.py)", "cases": cases}, f)
print(path, os.path.getsize(path))
