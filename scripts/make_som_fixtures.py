"""Writes `som_synapses.json` into crates/ngclearn/tests/fixtures/ngclearn-3.1.1: the
reference of `tests/parity_som_synapses.rs`, from ngclearn 3.1.1's SOMSynapse
(`ngclearn.components.synapses.competitive`). Each case: the drawn weights, then per step
the given inputs, `advance_state` then `evolve` (each its own process), and after them the best-matching units,
neighbourhood weights, outputs, learnt weights, radius, eta and tick; the last step's
change of the weights, and its `delta` (batch, n_inputs, n_units) of the first sample. Every distance (euclidean,
manhattan, cosine) and neighbourhood (gaussian, ricker), batches of 1, 2, 3 and 4, maps of
4x4 to 32x32 (ngclearn builds square maps only), resist_scale and p_conn.

Usage (a Python 3.12 with `pip install ngclearn==3.1.1 jax==0.12.0.1`):
    python scripts/make_som_fixtures.py [OUT_DIR]"""
import json, os, sys
import numpy as np
from jax import numpy as jnp, random
from ngclearn import Context, MethodProcess
from ngclearn.components.synapses.competitive.SOMSynapse import SOMSynapse
from ngclearn.utils.distribution_generator import DistributionGenerator as DG

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1")
rng = np.random.default_rng(2026)
L = lambda a: np.asarray(a).tolist()
n_ctx = [0]


def case(n_in, nx, ny, seed, steps, batch=1, **kw):
    n_ctx[0] += 1
    with Context(f"som{n_ctx[0]}") as ctx:
        s = SOMSynapse("W", n_inputs=n_in, n_units_x=nx, n_units_y=ny, weight_init=DG.uniform(0.0, 1.0),
                       batch_size=batch, key=random.PRNGKey(seed), **kw)
        # Two processes, as ngc-learn's test and scripts run a SOM: one process compiles
        # into one XLA program, whose fusions across the two methods would differ.
        adv = MethodProcess("adv") >> s.advance_state
        evo = MethodProcess("evo") >> s.evolve
        rst = MethodProcess("rst") >> s.reset
    w0 = L(s.weights.get())
    rst.run()
    given = []
    names = ["bmu", "neighbor_weights", "outputs", "weights", "dWeights", "radius", "eta", "i_tick"]
    trace = {k: [] for k in names}
    for t in range(steps):
        x = rng.normal(0.5, 0.5, (batch, n_in)).astype(np.float32)
        given.append(L(x))
        s.inputs.set(jnp.asarray(x))
        adv.run(t=float(t), dt=1.0)
        evo.run(t=float(t), dt=1.0)
        for k in names:
            trace[k].append(L(getattr(s, k).get()))
    kwargs = dict(kw, n_inputs=n_in, n_units_x=nx, n_units_y=ny, batch_size=batch,
                  weight_init={"dist": "uniform", "low": 0.0, "high": 1.0})
    trace["dWeights"] = trace["dWeights"][-1:]  # the last step's (the weights show every step)
    delta = np.asarray(s.delta.get())
    return {"kwargs": kwargs, "key_seed": seed, "steps": steps, "weights0": w0, "inputs": given,
            "trace": trace, "delta_last": L(delta[:1])}


cases = {
    "euclidean_gaussian_15x15": case(15, 15, 15, 1234, 4, eta=0.05),
    "euclidean_ricker_batch_4": case(15, 15, 15, 7, 3, batch=4, eta=0.05, neighbor_function="ricker"),
    "manhattan_gaussian_5x5": case(7, 5, 5, 11, 8, eta=0.5, distance_function="manhattan"),
    "cosine_ricker_batch_3": case(9, 4, 4, 12, 8, batch=3, eta=0.3, distance_function="cosine",
                                  neighbor_function="ricker"),
    "euclidean_conductance_p_conn_batch_3": case(6, 6, 6, 13, 8, batch=3, eta=0.2, resist_scale=2.5,
                                                 p_conn=0.6),
    # XLA computes the batch mean in YNNPACK from 4,096 summed values, and scales it there
    # from 4,096 weights: both sides of each threshold.
    "large_map_32x32_batch_2": case(5, 32, 32, 14, 2, batch=2, eta=0.1),
    "large_map_30x30_batch_3": case(5, 30, 30, 15, 2, batch=3, eta=0.1),
    "map_20x20_batch_2": case(5, 20, 20, 16, 2, batch=2, eta=0.1),
}
path = os.path.join(out, "som_synapses.json")
with open(path, "w") as f:
    json.dump({"description": "ngclearn 3.1.1's SOMSynapse (scripts/make_som_fixtures.py)", "cases": cases}, f)
print(path, os.path.getsize(path))

# XLA's sum of a row (the softmax's denominator), jitted as ngclearn's code is: rows of
# 1 to 1,025 values, as bit patterns.
import jax
row_sum = jax.jit(lambda x: jnp.sum(x, axis=1, keepdims=True))
rows = []
for n in list(range(1, 70)) + [95, 96, 97, 100, 127, 128, 129, 200, 225, 255, 256, 257, 400, 511, 512, 513,
                                 900, 1000, 1023, 1024, 1025]:
    x = (rng.standard_normal((1, n)) * rng.choice([1e-3, 1.0, 1e3])).astype(np.float32)
    rows.append({"x_bits": x[0].view(np.uint32).tolist(),
                 "sum_bits": int(np.asarray(row_sum(jnp.asarray(x)))[0, 0].view(np.uint32))})
path = os.path.join(out, "xla_row_sum.json")
with open(path, "w") as f:
    json.dump({"description": "jnp.sum(x, axis=1) of one row, jitted by JAX 0.12 on CPU (scripts/make_som_fixtures.py)",
               "rows": rows}, f)
print(path, os.path.getsize(path))
