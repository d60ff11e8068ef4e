"""Writes `reinforce_synapses.json` into crates/ngclearn/tests/fixtures/ngclearn-3.1.1: the
reference of `tests/parity_reinforce_synapses.rs`, from ngclearn 3.1.1's REINFORCESynapse
(`ngclearn.components.synapses.modulated.REINFORCESynapse`). Each case: the constructed
weights (means' columns, then log-deviations'), then per step the given inputs, rewards and
learning mask, one method (`evolve` or `reset`), and every compartment
after it (weights, dWeights, outputs, objective, accumulated_gradients, step_count, seed).
Learnt and scalar deviations, masks 0 and 1, clipped samples, batches 1 to 4, resets.
And `batch_sums`: the objective's batch mean as XLA sums it, for batches of 1 to 32.

Usage (a Python 3.12 with `pip install ngclearn==3.1.1 jax==0.12.0.1`):
    python scripts/make_reinforce_fixtures.py [OUT_DIR]"""
import json, os, sys
import jax
import numpy as np
from jax import numpy as jnp, random
from ngclearn import Context, MethodProcess
from ngclearn.components.synapses.modulated.REINFORCESynapse import REINFORCESynapse
from ngclearn.utils.distribution_generator import DistributionGenerator as DG

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1")
rng = np.random.default_rng(2029)
L = lambda a: np.asarray(a, dtype=np.float32).tolist()
n_ctx = [0]
STATE = ("weights", "dWeights", "outputs", "objective", "accumulated_gradients", "step_count")


def case(shape, seed, steps, batch=1, key_seed=None, weights=None, init=None, **kw):
    """`steps`: a list of (method, learning_mask); `weights`: a scale for given weights
    (uniform in [0, scale)) or None for the constructed ones."""
    n_ctx[0] += 1
    kwargs = dict(kw)
    with Context(f"rf{n_ctx[0]}") as ctx:
        extra = {} if init is None else {"weight_init": init[1]}
        a = REINFORCESynapse("a", shape, batch_size=batch, seed=seed,
                             key=random.PRNGKey(key_seed if key_seed is not None else 7), **extra, **kwargs)
        procs = {m: MethodProcess(m) >> getattr(a, m) for m in ("evolve", "reset")}
    built = L(a.weights.get())
    given = {"weights": None, "inputs": [], "rewards": [], "learning_mask": []}
    if weights is not None:
        w = (rng.random((shape[0], 2 * shape[1])) * weights).astype(np.float32)
        given["weights"] = L(w)
        a.weights.set(jnp.asarray(w))
    trace = {k: [] for k in STATE + ("seed",)}
    for method, mask in steps:
        x = rng.normal(0.0, 1.0, (batch, shape[0])).astype(np.float32)
        r = rng.normal(0.0, 1.0, (batch,)).astype(np.float32)
        given["inputs"].append(L(x))
        given["rewards"].append(L(r))
        given["learning_mask"].append(mask)
        a.inputs.set(jnp.asarray(x))
        a.rewards.set(jnp.asarray(r))
        a.learning_mask.set(jnp.asarray(mask, dtype=jnp.float32))
        procs[method].run(t=0.0, dt=1.0)
        for k in STATE:
            trace[k].append(L(getattr(a, k).get()))
        trace["seed"].append(np.asarray(a.seed.get()).astype(np.uint32).tolist())
    if init is not None:
        kwargs["weight_init"] = init[0]
    return {"kwargs": {"shape": list(shape), "batch_size": batch, "seed": seed, **kwargs},
            "key_seed": key_seed if key_seed is not None else 7, "built": built, "steps": [m for m, _ in steps],
            "given": given, "trace": trace}


E = "evolve"
cases = {
    # ngc-learn's own test's setting: tanh inputs and means, learnt deviations, batch 1
    "learnt_std_tanh": case((1, 1), 42, [(E, 0.0)] * 4 + [(E, 1.0)] * 4, weights=0.5,
                            decay=0.99, act_fx="tanh", mu_act_fx="tanh", scalar_stddev=-1.0),
    "learnt_std_wide_batch_3": case((4, 3), 5, [(E, 1.0)] * 6 + [(E, 0.0)] * 2, batch=3, weights=1.0,
                                    eta=0.1, act_fx="tanh", mu_act_fx="tanh"),
    "scalar_std_identity": case((3, 2), 11, [(E, 1.0)] * 5, batch=2, weights=0.8, eta=0.05,
                                scalar_stddev=2.0),
    "clipped_samples_sigmoid": case((3, 4), 3, [(E, 1.0), (E, 0.0)] * 3, batch=4, weights=0.6, eta=0.2,
                                    act_fx="relu", mu_act_fx="sigmoid", mu_out_min=0.2, mu_out_max=0.7,
                                    w_bound=0.9, decay=0.9),
    "constructed_weights_and_reset": case(
        (5, 2), 9, [(E, 1.0), (E, 1.0), ("reset", 1.0), (E, 1.0), (E, 0.0)],
        batch=2, key_seed=31, eta=0.01, resist_scale=2.0, act_fx="tanh", scalar_stddev=0.5),
    "p_conn_gaussian_init": case((6, 3), 1, [(E, 1.0)] * 4, batch=1, key_seed=8, p_conn=0.5,
                                 init=({"dist": "gaussian", "mean": 0.0, "std": 0.2}, DG.gaussian(0.0, 0.2)),
                                 eta=0.5, act_fx="identity", mu_act_fx="tanh"),
}
# The objective's batch mean, `(-(T.sum(-1)) * r).mean()` jitted, for the batch sizes
# whose order of summation is reproduced (xla_math::dot_sum_xla): 20 draws each.
mean_of = jax.jit(lambda T, r: (-(T.sum(-1)) * r).mean())
batch_sums = []
for B in range(1, 33):
    for _ in range(20):
        T = rng.normal(0.0, 1.0, (B, 4)).astype(np.float32)
        r = rng.normal(0.0, 1.0, (B,)).astype(np.float32)
        batch_sums.append({"T": L(T), "r": L(r), "mean": float(mean_of(T, r))})
path = os.path.join(out, "reinforce_synapses.json")
with open(path, "w") as f:
    json.dump({"description": "ngclearn 3.1.1's REINFORCESynapse (scripts/make_reinforce_fixtures.py)",
               "cases": cases, "batch_sums": batch_sums}, f)
print(path, os.path.getsize(path))
