"""Writes `patched_synapses.json` into crates/ngclearn/tests/fixtures/ngclearn-3.1.1: the
reference of `tests/parity_patched_synapses.rs`, from ngclearn 3.1.1's PatchedSynapse,
StaticPatchedSynapse and HebbianPatchedSynapse. Each case builds one synapse from its
keyword arguments and key, records its drawn weights, their transpose and biases, then
per step sets the given signals (`inputs`, `post_in`, and for the Hebbian class `pre`,
`post`), runs `advance_state` (and `evolve`) and records the compartments in `trace`.
The cases: ngc-learn's own test's (10x5, 2 patches, stride 1), other patch counts and
strides (with overlapping patches, and shapes the patch count does not divide), each
initialiser, p_conn, biases, resist_scale, batches of 1 and 2, and the Hebbian rule with its
bound, priors (l1, l2, elastic net), sign, pre/post weights, the three optimisers and
a block mask, weights set from outside (ngc-learn's test: 0.5 everywhere, signals of a batch of 10).

Usage (a Python 3.12 with `pip install ngclearn==3.1.1 jax==0.12.0.1`):
    python scripts/make_patched_fixtures.py [OUT_DIR]"""
import json, os, sys
import numpy as np
from jax import numpy as jnp, random
from ngclearn import Context, MethodProcess
from ngclearn.components import PatchedSynapse, StaticPatchedSynapse, HebbianPatchedSynapse
from ngclearn.utils.distribution_generator import DistributionGenerator as DG

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1")
rng = np.random.default_rng(2311)
L = lambda a: np.asarray(a, dtype=np.float32).tolist()
CLASSES = {c.__name__: c for c in (PatchedSynapse, StaticPatchedSynapse, HebbianPatchedSynapse)}


def init(spec):
    """The initialiser ngclearn is given, from the JSON form the engine reads."""
    if spec is None:
        return None
    args = {k: v for k, v in spec.items() if k != "dist"}
    return getattr(DG, spec["dist"])(**args)


n_ctx = [0]


def case(cls, shape, seed, steps, batch=1, weight_init=None, bias_init=None, set_weights=None, signal_batch=None,
         signals=(-1., 1.), **kw):
    """One synapse; `signal_batch` rows in `pre` and `post` (the batch_size kwarg otherwise)."""
    n_ctx[0] += 1
    c = CLASSES[cls]
    with Context(f"patched{n_ctx[0]}") as ctx:
        extra = {k: (jnp.asarray(v, dtype=jnp.float32) if k == "block_mask" else v) for k, v in kw.items()}
        w = c("W", shape=tuple(shape), weight_init=init(weight_init), bias_init=init(bias_init), batch_size=batch,
              key=random.PRNGKey(seed), **extra)
        adv = MethodProcess("adv") >> w.advance_state
        if cls == "HebbianPatchedSynapse":
            adv = adv >> w.evolve
        rst = MethodProcess("rst") >> w.reset
    rec0 = {"weights0": L(w.weights.get()), "weights_T0": L(w.weights_T.get()),
            "biases0": L(jnp.asarray(w.biases.get()))}
    if set_weights is not None:
        w.weights.set(jnp.asarray(set_weights, dtype=jnp.float32))
    rst.run()
    n_pre, n_post = np.asarray(w.weights.get()).shape
    rb = signal_batch or batch
    sig = {"inputs": (batch, n_pre), "post_in": (batch, n_post)}
    if cls == "HebbianPatchedSynapse":
        sig.update(pre=(rb, n_pre), post=(rb, n_post))
    given = {k: [] for k in sig}
    trace_names = ["outputs", "pre_out", "weights", "biases"]
    if cls == "HebbianPatchedSynapse":
        trace_names += ["dWeights", "dBiases"]
    trace = {k: [] for k in trace_names}
    for t in range(steps):
        for k, s in sig.items():
            x = rng.uniform(*signals, size=s).astype(np.float32)
            if k in ("inputs", "pre"):
                x[rng.random(s) < 0.3] = 0.0  # some zero inputs, as spikes have
            given[k].append(L(x))
            getattr(w, k).set(jnp.asarray(x))
        adv.run(t=float(t), dt=1.)
        for k in trace_names:
            trace[k].append(L(jnp.asarray(getattr(w, k).get())))
    for k, vals in trace.items():
        assert all(np.all(np.isfinite(np.asarray(v, dtype=np.float32))) for v in vals), (cls, k)
    kwargs = dict(kw, shape=list(shape), batch_size=batch)
    kwargs = {k: (list(v) if isinstance(v, tuple) else L(v) if isinstance(v, np.ndarray) else v)
              for k, v in kwargs.items()}
    if weight_init is not None:
        kwargs["weight_init"] = weight_init
    if bias_init is not None:
        kwargs["bias_init"] = bias_init
    return {"class": cls, "kwargs": kwargs, "key_seed": seed, "steps": steps, "given": given, "trace": trace,
            "set_weights": None if set_weights is None else L(set_weights), **rec0}


G = lambda std: {"dist": "gaussian", "mean": 0.0, "std": std}
U = lambda lo, hi: {"dist": "uniform", "low": lo, "high": hi}
cases = {
    "ngc_learn_test": case("PatchedSynapse", (10, 5), 42, 3, n_sub_models=2, stride_shape=(1, 1), resist_scale=1.0,
                           weight_init=G(0.1), bias_init={"dist": "constant", "value": 0.0}),
    "default_init_three_patches_batch_2": case("PatchedSynapse", (9, 30), 7, 4, batch=2, n_sub_models=3),
    "overlap_uniform_p_conn_bias_scale": case("PatchedSynapse", (8, 8), 8, 4, n_sub_models=4, stride_shape=(1, 2),
                                              weight_init=U(-0.5, 0.5), bias_init=U(-0.1, 0.1), p_conn=0.5,
                                              resist_scale=2.0),
    "one_patch_row_stride": case("PatchedSynapse", (20, 12), 9, 3, n_sub_models=1, stride_shape=(2, 0),
                                 weight_init=U(-1.0, 1.0)),
    # (Batches of 1 and 2 only: for 3 or more rows XLA computes some products as chains of
    # unfused multiply-adds, by a rule of the shapes not reproduced yet.)
    "undivided_shape_batch_2": case("PatchedSynapse", (13, 7), 10, 3, batch=2, n_sub_models=3, stride_shape=(1, 1),
                                    weight_init=G(0.5)),
    "static_fan_in_uniform": case("StaticPatchedSynapse", (12, 12), 11, 3, n_sub_models=3, stride_shape=(1, 1),
                                  weight_init={"dist": "fan_in_uniform"}, bias_init=U(0.0, 0.2)),
    "hebbian_ngc_learn_test": case("HebbianPatchedSynapse", (10, 10), 42, 1, n_sub_models=2, stride_shape=(1, 1),
                                   set_weights=np.full((12, 12), 0.5, np.float32), signal_batch=10,
                                   signals=(0.75, 0.75)),
    "hebbian_sgd_l2_bound": case("HebbianPatchedSynapse", (8, 8), 12, 20, n_sub_models=2, stride_shape=(1, 1),
                                 eta=0.1, prior=("l2", 0.01), weight_init=U(-0.5, 0.5)),
    "hebbian_adam_l1_unbounded_nonneg_sign_weights_bias": case(
        "HebbianPatchedSynapse", (9, 6), 13, 20, batch=2, n_sub_models=3, stride_shape=(0, 1), eta=0.05,
        prior=("l1", 0.02), w_bound=0.0, is_nonnegative=True, sign_value=-1.0, pre_wght=0.5, post_wght=2.0,
        optim_type="adam", weight_init=U(-0.5, 0.5), bias_init=U(-0.1, 0.1)),
    "hebbian_elastic_net_nonneg_bound_p_conn": case(
        "HebbianPatchedSynapse", (8, 8), 14, 20, n_sub_models=4, stride_shape=(1, 1), eta=0.2,
        prior=("l1l2", (0.01, 0.3)), is_nonnegative=True, w_bound=0.8, p_conn=0.6, weight_init=U(0.0, 0.8)),
    "hebbian_lasso_ridge_names_sgd": case(
        "HebbianPatchedSynapse", (6, 6), 15, 10, n_sub_models=2, eta=0.3, prior=("ridge", 0.05),
        weight_init=G(0.3)),
    "hebbian_l1_bound_sgd": case(
        "HebbianPatchedSynapse", (8, 8), 17, 20, n_sub_models=2, stride_shape=(1, 1), eta=0.1, prior=("lasso", 0.02),
        weight_init=U(-0.5, 0.5)),
    "hebbian_l2_unbounded_adam_bias_batch_2": case(
        "HebbianPatchedSynapse", (8, 8), 18, 20, batch=2, n_sub_models=2, eta=0.05, prior=("l2", 0.03), w_bound=0.0,
        optim_type="adam", weight_init=U(-0.5, 0.5), bias_init=U(-0.1, 0.1)),
    "hebbian_elastic_net_unbounded_sign": case(
        "HebbianPatchedSynapse", (8, 8), 19, 20, n_sub_models=2, stride_shape=(1, 1), eta=0.1,
        prior=("elastic_net", (0.02, 0.6)), w_bound=0.0, sign_value=-1.0, weight_init=U(-0.5, 0.5)),
    "hebbian_no_prior_bound_adam_batch_2": case(
        "HebbianPatchedSynapse", (8, 8), 20, 20, batch=2, n_sub_models=2, stride_shape=(1, 1), eta=0.05,
        optim_type="adam", weight_init=U(-0.5, 0.5)),
    "hebbian_l2_unbounded": case(
        "HebbianPatchedSynapse", (8, 8), 21, 20, n_sub_models=2, eta=0.1, prior=("l2", 0.03), w_bound=0.0,
        weight_init=U(-0.5, 0.5)),
    "hebbian_l1_unbounded_pre_post_weights": case(
        "HebbianPatchedSynapse", (8, 8), 22, 20, n_sub_models=2, eta=0.1, prior=("l1", 0.03), w_bound=0.0,
        pre_wght=1.5, post_wght=0.5, weight_init=U(-0.5, 0.5)),
    "hebbian_l2_bound_batch_2_pre_post_weights": case(
        "HebbianPatchedSynapse", (8, 8), 23, 20, batch=2, n_sub_models=2, stride_shape=(1, 1), eta=0.1,
        prior=("l2", 0.03), pre_wght=0.7, post_wght=1.3, weight_init=U(-0.5, 0.5)),
    "hebbian_elastic_net_bound_batch_2": case(
        "HebbianPatchedSynapse", (8, 8), 24, 20, batch=2, n_sub_models=2, stride_shape=(1, 1), eta=0.1,
        prior=("l1l2", (0.02, 0.4)), weight_init=U(-0.5, 0.5)),
    "hebbian_l1_bound_pre_post_weights": case(
        "HebbianPatchedSynapse", (8, 8), 25, 20, n_sub_models=2, stride_shape=(1, 1), eta=0.1, prior=("l1", 0.02),
        pre_wght=0.7, post_wght=1.3, weight_init=U(-0.5, 0.5)),
    "hebbian_block_mask": case(
        "HebbianPatchedSynapse", (8, 8), 16, 10, n_sub_models=2, stride_shape=(1, 1), eta=0.1,
        block_mask=(rng.random((10, 10)) < 0.7).astype(np.float32), weight_init=U(-0.5, 0.5)),
}
path = os.path.join(out, "patched_synapses.json")
with open(path, "w") as f:
    json.dump({"description": "ngclearn 3.1.1's patched synapses (scripts/make_patched_fixtures.py): each case's "
                              "drawn weights, weights_T and biases, then per step the given signals and the "
                              "compartments after advance_state (and evolve)", "cases": cases}, f)
print(path, os.path.getsize(path), "bytes,", len(cases), "cases")
