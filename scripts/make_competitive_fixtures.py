"""Writes `competitive_synapses.json` into crates/ngclearn/tests/fixtures/ngclearn-3.1.1: the
reference of `tests/parity_competitive_synapses.rs`, from ngclearn 3.1.1's unexported
competitive synapses (`ngclearn.components.synapses.competitive`): HopfieldSynapse (delta and
contrastive rules, decay, stored patterns), VectorQuantizeSynapse (Euclidean, Manhattan,
Chebyshev and Minkowski-3 distances; with labels; with a bound and decay) and ART2ASynapse
(vigilance, eta schedule). Each case: the constructed compartments, then per step the given
inputs (and labels), one method, and every array compartment after it. And `xla`: JAX's
`lax.rsqrt`, row norms and powers, as bits, for xla_math's rsqrt, row sums of squares and
pow.

Usage (a Python 3.12 with `pip install ngclearn==3.1.1 jax==0.12.0.1`):
    python scripts/make_competitive_fixtures.py [OUT_DIR]"""
import json, os, sys
import numpy as np
from jax import numpy as jnp, random
from ngclearn import Context, MethodProcess
from ngclearn.components.synapses.competitive import HopfieldSynapse, VectorQuantizeSynapse, ART2ASynapse
from ngclearn.utils.distribution_generator import DistributionGenerator as DG

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1")
rng = np.random.default_rng(2030)
L = lambda a: np.asarray(a, dtype=np.float32).tolist()
n_ctx = [0]
CLASSES = {"HopfieldSynapse": HopfieldSynapse, "VectorQuantizeSynapse": VectorQuantizeSynapse,
           "ART2ASynapse": ART2ASynapse}
STATE = {
    "HopfieldSynapse": ("inputs", "outputs", "weights", "similarities", "memory_weights", "energy", "i_tick",
                        "dWeights"),
    "VectorQuantizeSynapse": ("inputs", "outputs", "weights", "labels", "pred_labels", "label_weights", "eta",
                              "i_tick", "dWeights"),
    "ART2ASynapse": ("inputs", "outputs", "weights", "xprobe", "eta", "i_tick", "misses", "used"),
}


def case(cls, shape, batch, key_seed, steps, given_weights=None, labels=0, init=None, used=None, **kw):
    """`steps`: method names; inputs (and one-hot labels) are drawn before each; `used`:
    ART2A's memory slots in use, set after the weights."""
    n_ctx[0] += 1
    extra = {} if init is None else {"weight_init": init[1]}
    with Context(f"cs{n_ctx[0]}") as ctx:
        c = CLASSES[cls]("W", shape, batch_size=batch, key=random.PRNGKey(key_seed), **extra, **kw)
        procs = {m: MethodProcess(m) >> getattr(c, m) for m in ("advance_state", "evolve", "reset")}
    names = STATE[cls]
    built = {k: L(getattr(c, k).get()) for k in names}
    given = {"weights": None, "inputs": [], "labels": [], "used": None}
    if given_weights is not None:
        w = (rng.random(shape) * 2 - 1).astype(np.float32) * given_weights
        given["weights"] = L(w)
        c.weights.set(jnp.asarray(w))
    if used is not None:
        given["used"] = L([used])
        c.used.set(jnp.asarray([used], dtype=jnp.float32))
    trace = {k: [] for k in names}
    for m in steps:
        x = rng.normal(0.0, 1.0, (batch, shape[0])).astype(np.float32)
        if m == "advance_state":
            c.inputs.set(jnp.asarray(x))
        given["inputs"].append(L(x) if m == "advance_state" else None)
        if labels and m == "evolve":
            y = np.eye(labels, dtype=np.float32)[rng.integers(0, labels, batch)]
            c.labels.set(jnp.asarray(y))
            given["labels"].append(L(y))
        else:
            given["labels"].append(None)
        procs[m].run(t=0.0, dt=1.0)
        for k in names:
            trace[k].append(L(getattr(c, k).get()))
    kwargs = {"shape": list(shape), "batch_size": batch, **kw}
    if init is not None:
        kwargs["weight_init"] = init[0]
    for k, v in list(kwargs.items()):
        if isinstance(v, tuple):
            kwargs[k] = list(v)
    return {"class": cls, "kwargs": kwargs, "key_seed": key_seed, "built": built, "steps": steps,
            "given": given, "trace": trace}


A, E, R = "advance_state", "evolve", "reset"
cases = {
    "hopfield_delta": case("HopfieldSynapse", (5, 4), 2, 1, [A, E] * 4, given_weights=1.0, eta=0.2),
    "hopfield_delta_decay_beta": case("HopfieldSynapse", (6, 3), 3, 2, [A, E] * 3 + [R, A, E], given_weights=0.5,
                                      eta=0.1, reg_lambda=0.01, beta=2.0),
    "hopfield_contrastive": case("HopfieldSynapse", (4, 6), 1, 3, [A, E] * 4, given_weights=1.0, eta=0.05,
                                 update_rule="contrastive", beta=4.0),
    "hopfield_contrastive_wide": case("HopfieldSynapse", (3, 9), 1, 12, [A, E] * 4, given_weights=1.0, eta=0.1,
                                      update_rule="contrastive"),
    "hopfield_drawn": case("HopfieldSynapse", (3, 5), 2, 4, [A, E] * 2, eta=0.3,
                           init=({"dist": "gaussian", "mean": 0.0, "std": 0.5}, DG.gaussian(0.0, 0.5))),
    "vq_euclidean": case("VectorQuantizeSynapse", (4, 5), 2, 5, [A, E] * 4, given_weights=1.0, eta=0.3),
    "vq_manhattan_decay": case("VectorQuantizeSynapse", (5, 3), 3, 6, [A, E] * 3 + [R, A, E], given_weights=1.0,
                               eta=0.2, syn_decay=0.01, distance_function=("manhattan", 1)),
    "vq_chebyshev_bound": case("VectorQuantizeSynapse", (3, 4), 1, 7, [A, E] * 4, given_weights=0.5, eta=0.1,
                               w_bound=1.0, distance_function=("chebyshev", 0)),
    "vq_minkowski3_labels": case("VectorQuantizeSynapse", (4, 6), 2, 8, [A, E] * 4, given_weights=1.0,
                                 labels=3, label_dim=3, eta=0.25, distance_function=("minkowski", 3)),
    "vq_langevin": case("VectorQuantizeSynapse", (4, 3), 2, 11, [A, E] * 3, given_weights=1.0, eta=0.2,
                        eta_decrement=0.01, langevin_noise_scale=0.5),
    "art2a_unused": case("ART2ASynapse", (4, 3), 2, 9, [A, E] * 3),
    "art2a_default": case("ART2ASynapse", (4, 3), 2, 9, [A, E] * 4, given_weights=1.0, used=[1.0, 1.0, 1.0]),
    "art2a_vigilant_schedule": case("ART2ASynapse", (5, 4), 3, 10, [A, E] * 3 + [R, A, E], given_weights=1.0,
                                    used=[1.0, 0.0, 1.0, 1.0], eta=0.2, eta_decrement=0.05, vigilance=0.6),
}
# XLA's rsqrt and its row sums of squares (as `jnp.linalg.norm(W, axis=1)`), as bits:
# 3,000 values over many magnitudes with zero, subnormals and infinity; 40 rows of each
# width 1 to 9.
import jax
xs = np.concatenate([
    (10.0 ** rng.uniform(-30, 30, 2990)).astype(np.float32),
    np.array([0.0, 1e-45, 1e-40, 1.1754944e-38, 1.0, 4.0, 0.25, np.inf, 3.4e38, 2.0], dtype=np.float32)])
ys = np.asarray(jax.jit(jax.lax.rsqrt)(xs))
rows = [rng.normal(0.0, 1.0, (40, n)).astype(np.float32) for n in range(1, 10)]
norms = [np.asarray(jax.jit(lambda W: jnp.linalg.norm(W, ord=2, axis=1))(r)) for r in rows]
bits = lambda a: np.asarray(a, dtype=np.float32).view(np.uint32).tolist()
px = rng.uniform(0.0, 2.0, 300).astype(np.float32)
powers = {str(y): bits(np.asarray(jax.jit(lambda v, y=y: jnp.power(v, y))(px))) for y in (1.5, 0.5, 2.0, 3.0, 0.3, 2.5, -0.5)}
xla = {"rsqrt": {"x": bits(xs), "y": bits(ys)}, "pow": {"x": bits(px), "y": powers},
       "norms": [{"rows": bits(r.ravel()), "width": r.shape[1], "norm": bits(n)} for r, n in zip(rows, norms)]}
path = os.path.join(out, "competitive_synapses.json")
with open(path, "w") as f:
    json.dump({"description": "ngclearn 3.1.1's HopfieldSynapse, VectorQuantizeSynapse and ART2ASynapse "
                              "(scripts/make_competitive_fixtures.py)", "cases": cases, "xla": xla}, f)
print(path, os.path.getsize(path))
