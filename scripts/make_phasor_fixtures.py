"""Writes into crates/ngclearn/tests/fixtures/ngclearn-3.1.1:

- `poisson_draws.json`: `jax.random.poisson(PRNGKey(seed), lam, (n,))` for rates on both
  sides of JAX's switch from Knuth's sampler to transformed rejection (10), and
  `jax.lax.lgamma` (jitted, float32) on every integer 1..20000 and on other values at or
  above 0.5: the reference of `tests/parity_poisson.rs`;
- `phasor_cells.json`: ngclearn 3.1.1's PhasorCell driven by given inputs (the cell
  fixtures' case format, scripts/fixture_cases.py): the reference of
  `tests/parity_phasor_cells.rs`. Its rate scales come from a Poisson draw at
  construction, so the cases cover both samplers.

Usage (a Python 3.12 with `pip install ngclearn==3.1.1 jax==0.12.0.1`):
    python scripts/make_phasor_fixtures.py [OUT_DIR]"""
import json, os, sys
import numpy as np
import jax
from jax import numpy as jnp, random
from ngclearn.components import PhasorCell
from fixture_cases import cell_case

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1")
rng = np.random.default_rng(1907)

draws = []
for lam in [0.0, 0.3, 2.0, 9.99, 10.0, 17.5, 63.75, 250.0, 1000.0, 12345.5, 1e5]:
    for seed, n in [(0, 1), (1, 7), (2, 100), (3, 1000)]:
        k = random.poisson(random.PRNGKey(seed), lam, shape=(n,))
        draws.append({"lam": lam, "seed": seed, "n": n, "counts": np.asarray(k).astype(int).tolist()})
xs = np.concatenate([np.arange(1, 20001, dtype=np.float32),
                     rng.uniform(0.5, 50.0, 2000).astype(np.float32),
                     np.exp(rng.uniform(0.0, 30.0, 2000)).astype(np.float32)])
lg = np.asarray(jax.jit(jax.lax.lgamma)(jnp.asarray(xs)))
with open(os.path.join(out, "poisson_draws.json"), "w") as f:
    json.dump({"description": "jax.random.poisson draws and jax.lax.lgamma values (float32 bits as uint32) "
                              "(scripts/make_phasor_fixtures.py)", "draws": draws,
               "lgamma": {"x_bits": xs.view(np.uint32).tolist(), "y_bits": lg.view(np.uint32).tolist()}}, f)

TR = ["outputs", "angles", "tols"]


def ones_then_given(steps, b, n, p):
    x = (rng.random((steps, b, n)) < p).astype(np.float32)
    return x


cases = {
    "phasor_defaults_dt_1": cell_case(PhasorCell, dict(), 10, 1, 601, 1.0, 200, {"inputs": np.ones((200, 1, 10), np.float32)},
                                      TR, key_trace=True),
    "phasor_disabled_ngc_learn_test": cell_case(
        PhasorCell, dict(target_freq=1000., disable_phasor=True), 1, 1, 602, 1.0, 5,
        {"inputs": np.asarray([1., 1., 0., 0., 1.], np.float32).reshape(5, 1, 1)}, TR, key_trace=True),
    "phasor_knuth_rate_5_batch_2": cell_case(
        PhasorCell, dict(target_freq=5.), 6, 2, 603, 0.5, 300, {"inputs": ones_then_given(300, 2, 6, 0.8)}, TR,
        key_trace=True),
    "phasor_rate_250_graded_inputs_reset": cell_case(
        PhasorCell, dict(target_freq=250.), 8, 1, 604, 0.1, 300,
        {"inputs": rng.uniform(0.0, 2.0, (300, 1, 8)).astype(np.float32)}, TR, reset_at=150, key_trace=True),
    "phasor_rate_1000_many": cell_case(
        PhasorCell, dict(target_freq=1000.), 300, 1, 605, 0.1, 50, {"inputs": np.ones((50, 1, 300), np.float32)}, TR,
        key_trace=True),
    # A rate float32 cannot hold: ngclearn computes 1000 / target_freq in double.
    "phasor_rate_63_7": cell_case(
        PhasorCell, dict(target_freq=63.7), 20, 1, 606, 0.25, 200, {"inputs": np.ones((200, 1, 20), np.float32)}, TR,
        key_trace=True),
}
with open(os.path.join(out, "phasor_cells.json"), "w") as f:
    json.dump({"description": "ngclearn 3.1.1's PhasorCell (scripts/make_phasor_fixtures.py; each case: kwargs, "
                              "inputs per step, the trace after each step)", "cases": cases}, f)
print("wrote poisson_draws.json and phasor_cells.json")
