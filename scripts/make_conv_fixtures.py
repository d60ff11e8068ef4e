"""Writes `conv_synapses.json` into crates/ngclearn/tests/fixtures/ngclearn-3.1.1: the
reference of `tests/parity_conv_synapses.rs`, from ngclearn 3.1.1's convolutional
synapses (`ngclearn.components.synapses.convolution`). Each case: the drawn filters, then
per step the given inputs (and the Hebbian classes' pre and post, the trace-STDP classes'
spikes and traces), `advance_state`,
`evolve` and `backtransmit` (each its own process), and the outputs, filters, their
update and the input gradient after them (the Hebbian classes advance at the first step
only: ngclearn's evolve then leaves their biases None, on which advance_state fails). SAME and VALID, strides 1 to 3, 1 to 4 input
and output channels, batches of 1 to 3, resist_scale, biases, w_decay, sign_value,
w_bound, SGD and Adam, pretrace_target.

Usage (a Python 3.12 with `pip install ngclearn==3.1.1 jax==0.12.0.1`):
    python scripts/make_conv_fixtures.py [OUT_DIR]"""
import json, os, sys
import numpy as np
from jax import numpy as jnp, random
from ngclearn import Context, MethodProcess
from ngclearn.components.synapses.convolution import (ConvSynapse, StaticConvSynapse, DeconvSynapse,
                                                       StaticDeconvSynapse, HebbianConvSynapse,
                                                       HebbianDeconvSynapse, TraceSTDPConvSynapse,
                                                       TraceSTDPDeconvSynapse)
from ngclearn.utils.distribution_generator import DistributionGenerator as DG

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1")
rng = np.random.default_rng(2027)
L = lambda a: np.asarray(a, dtype=np.float32).tolist()
CLASSES = {c.__name__: c for c in (ConvSynapse, StaticConvSynapse, DeconvSynapse, StaticDeconvSynapse,
                                   HebbianConvSynapse, HebbianDeconvSynapse, TraceSTDPConvSynapse,
                                   TraceSTDPDeconvSynapse)}
n_ctx = [0]


def case(cls, shape, x, seed, steps=3, batch=1, bias=False, **kw):
    n_ctx[0] += 1
    hebbian = cls.startswith("Hebbian")
    stdp = cls.startswith("TraceSTDP")
    with Context(f"conv{n_ctx[0]}") as ctx:
        if stdp:
            a = CLASSES[cls]("a", shape, (x, x), filter_init=DG.uniform(0.0, 1.0), batch_size=batch,
                             key=random.PRNGKey(seed), **kw)
        else:
            a = CLASSES[cls]("a", shape, (x, x), filter_init=DG.uniform(-1.0, 1.0),
                             bias_init=DG.uniform(-0.5, 0.5) if bias else None, batch_size=batch,
                             key=random.PRNGKey(seed), **kw)
        adv = MethodProcess("adv") >> a.advance_state
        if hebbian or stdp:
            evo = MethodProcess("evo") >> a.evolve
            back = MethodProcess("back") >> a.backtransmit
        rst = MethodProcess("rst") >> a.reset
    w0 = L(a.weights.get())
    rst.run()
    given = {"inputs": [], "pre": [], "post": [], "preSpike": [], "preTrace": [], "postSpike": [], "postTrace": []}
    names = ["outputs", "weights"] + (["dWeights", "dInputs"] if hebbian or stdp else [])
    trace = {k: [] for k in names}
    for t in range(steps):
        # ngclearn's Hebbian evolve sets the biases to None without bias_init, after
        # which advance_state fails there: those run advance_state at the first step only.
        if t == 0 or not hebbian:
            xs = rng.uniform(-1.0, 1.0, np.asarray(a.inputs.get()).shape).astype(np.float32)
            given["inputs"].append(L(xs))
            a.inputs.set(jnp.asarray(xs))
            adv.run(t=float(t), dt=1.0)
        if hebbian:
            pre = rng.uniform(0.0, 1.0, np.asarray(a.pre.get()).shape).astype(np.float32)
            post = rng.uniform(-1.0, 1.0, np.asarray(a.post.get()).shape).astype(np.float32)
            given["pre"].append(L(pre))
            given["post"].append(L(post))
            a.pre.set(jnp.asarray(pre))
            a.post.set(jnp.asarray(post))
            evo.run(t=float(t), dt=1.0)
            back.run(t=float(t), dt=1.0)
        if stdp:
            for k in ("preSpike", "preTrace", "postSpike", "postTrace"):
                shape_k = np.asarray(getattr(a, k).get()).shape
                if k.endswith("Spike"):
                    v = (rng.random(shape_k) < 0.4).astype(np.float32)
                else:
                    v = rng.uniform(0.0, 1.0, shape_k).astype(np.float32)
                given[k].append(L(v))
                getattr(a, k).set(jnp.asarray(v))
            evo.run(t=float(t), dt=1.0)
            back.run(t=float(t), dt=1.0)
        for k in names:
            if k == "outputs" and hebbian and t > 0:
                continue
            trace[k].append(L(getattr(a, k).get()))
    kwargs = dict(kw, shape=list(shape), x_shape=[x, x], batch_size=batch,
                  filter_init={"dist": "uniform", "low": 0.0 if stdp else -1.0, "high": 1.0})
    if bias:
        kwargs["bias_init"] = {"dist": "uniform", "low": -0.5, "high": 0.5}
    return {"class": cls, "kwargs": kwargs, "key_seed": seed, "steps": steps, "weights0": w0,
            "given": {k: v for k, v in given.items() if v}, "trace": trace}


cases = {
    "conv_same_3x3_2to4": case("ConvSynapse", (3, 3, 2, 4), 6, 1, padding="SAME"),
    "conv_valid_stride_2_batch_2": case("ConvSynapse", (3, 3, 3, 2), 7, 2, batch=2, padding="VALID", stride=2),
    "conv_same_stride_3_scale_bias": case("ConvSynapse", (2, 2, 1, 2), 8, 3, padding="SAME", stride=3,
                                          resist_scale=2.5, bias=True),
    "conv_one_output_channel": case("ConvSynapse", (3, 3, 2, 1), 5, 4, padding="SAME"),
    "static_conv_same": case("StaticConvSynapse", (2, 2, 2, 3), 5, 5, padding="SAME"),
    "deconv_same_stride_2": case("DeconvSynapse", (3, 3, 2, 3), 4, 6, padding="SAME", stride=2),
    "deconv_valid_batch_3": case("DeconvSynapse", (2, 2, 3, 2), 3, 7, batch=3, padding="VALID"),
    "static_deconv_same_scale": case("StaticDeconvSynapse", (3, 3, 1, 2), 4, 8, padding="SAME", resist_scale=0.5),
    "hebbian_conv_same_sgd": case("HebbianConvSynapse", (3, 3, 2, 3), 6, 9, padding="SAME", eta=0.01),
    "hebbian_conv_valid_stride_2_decay_sign_batch_2": case(
        "HebbianConvSynapse", (3, 3, 2, 2), 7, 10, batch=2, padding="VALID", stride=2, eta=0.05, w_decay=0.1,
        sign_value=-1.0),
    "hebbian_conv_adam_bound": case("HebbianConvSynapse", (2, 2, 2, 2), 5, 11, padding="SAME", eta=0.02,
                                    optim_type="adam", w_bound=0.5),
    "hebbian_deconv_same_stride_2": case("HebbianDeconvSynapse", (3, 3, 2, 2), 4, 12, padding="SAME", stride=2,
                                         eta=0.01),
    "hebbian_deconv_valid_batch_2_sign": case("HebbianDeconvSynapse", (2, 2, 2, 3), 3, 13, batch=2,
                                              padding="VALID", eta=0.05, sign_value=-1.0, w_decay=0.05),
    "trace_stdp_conv_same": case("TraceSTDPConvSynapse", (3, 3, 2, 3), 6, 14, A_plus=0.8, A_minus=0.4, eta=0.05,
                                 padding="SAME"),
    "trace_stdp_conv_valid_stride_2_target_decay_bound_batch_2": case(
        "TraceSTDPConvSynapse", (3, 3, 2, 2), 7, 15, batch=2, A_plus=1.0, A_minus=0.6, eta=0.1, padding="VALID",
        stride=2, pretrace_target=0.3, w_decay=0.02, w_bound=1.0),
    "trace_stdp_deconv_same": case("TraceSTDPDeconvSynapse", (2, 2, 2, 2), 4, 16, A_plus=0.5, A_minus=0.5, eta=0.05,
                                   padding="SAME"),
}
path = os.path.join(out, "conv_synapses.json")
with open(path, "w") as f:
    json.dump({"description": "ngclearn 3.1.1's convolutional synapses (scripts/make_conv_fixtures.py)",
               "cases": cases}, f)
print(path, os.path.getsize(path))
