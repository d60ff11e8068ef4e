"""Bit-for-bit parity with ngclearn 3.1.1 itself, run live: for each class a few drawn
configurations (time constants, steps of dt, integrators, activations and priors that
make XLA fuse, divide and sum the way the fixtures alone did not pin), the same inputs
into both engines, and every compartment compared by its float32 bits (signs of zero
included) after each step.

Sizes stay at or below 4,096 values per summed array (above that XLA hands a sum to
another library, not reproduced) and at or above 200 weights per matrix (below that XLA
unrolls small loops and vectorises them in groups that fuse differently)."""

import zlib

import numpy as np
import pytest

from conftest import fresh, ngclearn_or_skip

f32 = np.float32


def _run(mod, comps, cls, kw, key, init, steps, procs, outs, dt):
    import jax

    import importlib

    kw = dict(kw)
    if key is not None:
        kw["key"] = jax.random.PRNGKey(key)
    if "weight_init" in kw:
        # ("uniform", low, high), made by each engine's DistributionGenerator.
        dg = importlib.import_module(mod.__name__ + ".utils.distribution_generator")
        dist, *args = kw["weight_init"]
        kw["weight_init"] = getattr(dg.DistributionGenerator, dist)(*args)
    with mod.Context(fresh("live")):
        c = getattr(comps, cls)("c", **kw)
        run = {p: mod.MethodProcess(p) >> getattr(c, p) for p in procs}
    import jax.numpy as jnp

    for k, v in init.items():
        getattr(c, k).set(jnp.asarray(v))
    got = []
    for t, given in enumerate(steps):
        for k, v in given.items():
            getattr(c, k).set(jnp.asarray(v))
        for p in procs:
            run[p].run(t=float(t) * dt, dt=dt)
        got.append({k: np.asarray(getattr(c, k).get(), dtype=f32) for k in outs})
    return got


def _same(cls, kw, steps, outs, init=None, procs=("advance_state",), dt=1.0, key=None):
    ngclearn = ngclearn_or_skip()
    import ngclearn.components as theirs
    import ngclearn_rs
    import ngclearn_rs.components as ours

    a = _run(ngclearn, theirs, cls, kw, key, init or {}, steps, procs, outs, dt)
    b = _run(ngclearn_rs, ours, cls, kw, key, init or {}, steps, procs, outs, dt)
    for t, (sa, sb) in enumerate(zip(a, b)):
        for k in outs:
            x, y = sa[k], sb[k].reshape(sa[k].shape)
            differ = (x.view(np.uint32) != y.view(np.uint32)) & ~(np.isnan(x) & np.isnan(y))
            assert not differ.any(), (
                f"{cls} {kw} dt={dt}: {k} at step {t} differs in {int(differ.sum())} of "
                f"{x.size} values, e.g. ngclearn {x[differ][:3]} here {y[differ][:3]}"
            )


def _normal(rng, *shape, scale=1.0):
    return rng.normal(0.0, scale, shape).astype(f32)


def _spikes(rng, *shape, p=0.3):
    return (rng.uniform(0.0, 1.0, shape) < p).astype(f32)


@pytest.mark.parametrize("act", ["tanh", "relu", "sigmoid", "telu", "gelu", "softplus"])
@pytest.mark.parametrize("integration", ["euler", "midpoint", "heun"])
def test_rate_cells(act, integration):
    rng = np.random.default_rng(zlib.crc32(f"rate/{act}/{integration}".encode()))
    prior = ["gaussian", "laplacian", "cauchy", "exp"][int(rng.integers(4))]
    kw = dict(n_units=700, batch_size=2, tau_m=7.0, act_fx=act, prior=(prior, 0.6),
              integration_type=integration, resist_scale=float(rng.choice([1.0, 1.7])))
    steps = [dict(j=_normal(rng, 2, 700), j_td=_normal(rng, 2, 700)) for _ in range(3)]
    _same("RateCell", kw, steps, ["z", "zF", "j"], init=dict(z=_normal(rng, 2, 700)), dt=0.3)


@pytest.mark.parametrize("r", [1.7, -1.5])
@pytest.mark.parametrize("integration", ["euler", "heun"])
def test_rate_cells_with_relu_and_a_resist_scale(r, integration):
    # relu's derivative is a select: XLA takes a positive resist_scale into it.
    rng = np.random.default_rng(zlib.crc32(f"relu/{r}/{integration}".encode()))
    kw = dict(n_units=700, batch_size=2, tau_m=7.0, act_fx="relu", prior=("gaussian", 0.6),
              integration_type=integration, resist_scale=r)
    steps = [dict(j=_normal(rng, 2, 700), j_td=_normal(rng, 2, 700)) for _ in range(3)]
    _same("RateCell", kw, steps, ["z", "zF", "j"], init=dict(z=_normal(rng, 2, 700)), dt=0.3)


@pytest.mark.parametrize("act", ["identity", "tanh", "telu", "gelu", "silu"])
@pytest.mark.parametrize("integration", ["euler", "midpoint", "heun"])
def test_leaky_noise_cells(act, integration):
    rng = np.random.default_rng(zlib.crc32(f"leaky/{act}/{integration}".encode()))
    kw = dict(n_units=600, batch_size=2, tau_x=7.0, act_fx=act, integration_type=integration,
              sigma_pre=0.3, sigma_post=0.2, leak_scale=0.6)
    steps = [dict(j_input=_normal(rng, 2, 600), j_recurrent=_normal(rng, 2, 600)) for _ in range(3)]
    _same("LeakyNoiseCell", kw, steps, ["x", "r", "r_prime"], init=dict(x=_normal(rng, 2, 600)),
          dt=0.3, key=4)


@pytest.mark.parametrize("gamma", [1.0, 2.0])
@pytest.mark.parametrize("integration", ["euler", "midpoint"])
def test_fitzhugh_nagumo_cells(gamma, integration):
    rng = np.random.default_rng(7)
    kw = dict(n_units=500, tau_m=1.0, tau_w=12.5, gamma=gamma, integration_type=integration)
    steps = [dict(j=_normal(rng, 1, 500)) for _ in range(4)]
    _same("FitzhughNagumoCell", kw, steps, ["v", "w", "s"], dt=0.3)


@pytest.mark.parametrize("case", [
    dict(decay_type="exp", a_delta=0.0), dict(decay_type="lin", a_delta=0.0),
    dict(decay_type="exp", a_delta=0.0, P_scale=0.7),
    dict(decay_type="exp", a_delta=0.13, n_nearest_spikes=3), dict(decay_type="exp", a_delta=0.4),
])
def test_var_traces(case):
    rng = np.random.default_rng(3)
    kw = dict(n_units=800, batch_size=2, tau_tr=13.0, gamma_tr=0.9, **case)
    steps = [dict(inputs=rng.uniform(0.0, 1.0, (2, 800)).astype(f32)) for _ in range(4)]
    _same("VarTrace", kw, steps, ["trace", "outputs"], dt=0.7)


@pytest.mark.parametrize("disable", [False, True])
def test_phasor_cells(disable):
    rng = np.random.default_rng(5)
    kw = dict(n_units=500, batch_size=2, target_freq=100.0, disable_phasor=disable)
    steps = [dict(inputs=rng.uniform(0.0, 1.0, (2, 500)).astype(f32)) for _ in range(4)]
    _same("PhasorCell", kw, steps, ["angles", "outputs", "tols"], dt=2.3, key=9)


def test_exp_kernels_sum_their_windows_as_xla():
    rng = np.random.default_rng(11)
    kw = dict(n_units=500, batch_size=2, dt=0.5, tau_w=13.0, nu=10.0)
    steps = [dict(inputs=_spikes(rng, 2, 500, p=0.6)) for _ in range(24)]
    _same("ExpKernel", kw, steps, ["epsp"], dt=0.5)


@pytest.mark.parametrize("shape", [(1, 40), (3, 100), (64, 10), (40, 40), (2, 1500)])
def test_error_cells_sum_their_likelihoods_as_xla(shape):
    rng = np.random.default_rng(shape[0] * 10000 + shape[1])
    b, n = shape
    for cls, pred, scale in [("GaussianErrorCell", "mu", dict(sigma=0.7)),
                             ("LaplacianErrorCell", "shift", dict(scale=1.3))]:
        steps = [{pred: _normal(rng, b, n), "target": _normal(rng, b, n)} for _ in range(2)]
        _same(cls, dict(n_units=n, batch_size=b, **scale), steps, [f"d{pred}", "dtarget", "L"], dt=0.5)
    steps = [dict(p=rng.uniform(0.01, 0.99, (b, n)).astype(f32), target=_spikes(rng, b, n, p=0.5))
             for _ in range(2)]
    _same("BernoulliErrorCell", dict(n_units=n, batch_size=b), steps, ["dp", "dtarget", "L"])


@pytest.mark.parametrize("cls,extra", [
    ("ExponentialSynapse", dict(tau_decay=5.3)),
    ("AlphaSynapse", dict(tau_decay=2.7)),
    ("DoubleExpSynapse", dict(tau_decay=3.0, tau_rise=1.3)),
])
@pytest.mark.parametrize("batch", [1, 3])
def test_conductance_synapses_with_graded_inputs(cls, extra, batch):
    rng = np.random.default_rng(batch)
    kw = dict(shape=(60, 40), batch_size=batch, g_syn_bar=2.4, syn_rest=-80.3, is_nonplastic=False,
              weight_init=("uniform", 0.0, 1.0), **extra)
    steps = [dict(inputs=_normal(rng, batch, 60), v=_normal(rng, batch, 40, scale=10.0) - 60.0)
             for _ in range(3)]
    outs = ["g_syn", "i_syn", "outputs"] + (["h_syn"] if cls != "ExponentialSynapse" else [])
    _same(cls, kw, steps, outs, dt=0.1, key=168)


def _learning_steps(rng, batch, n_pre, n_post, names):
    make = {
        "pre": lambda: rng.uniform(0.0, 1.0, (batch, n_pre)).astype(f32),
        "post": lambda: _normal(rng, batch, n_post),
        "inputs": lambda: _spikes(rng, batch, n_pre),
        "preSpike": lambda: _spikes(rng, batch, n_pre),
        "postSpike": lambda: _spikes(rng, batch, n_post),
        "preTrace": lambda: rng.uniform(0.0, 1.0, (batch, n_pre)).astype(f32),
        "postTrace": lambda: rng.uniform(0.0, 1.0, (batch, n_post)).astype(f32),
    }
    return [{k: make[k]() for k in names} for _ in range(3)]


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("prior", [("constant", 0.0), ("ridge", 0.3), ("l1l2", (0.013, 0.37))])
@pytest.mark.parametrize("w_bound", [0.0, 0.8])
def test_hebbian_synapses(batch, prior, w_bound):
    rng = np.random.default_rng(batch * 7 + int(w_bound * 10))
    kw = dict(shape=(37, 23), batch_size=batch, eta=0.37, w_bound=w_bound, prior=prior,
              sign_value=0.3, pre_wght=2.3, post_wght=1.9, weight_init=("uniform", -0.5, 0.5))
    steps = _learning_steps(rng, batch, 37, 23, ["pre", "post"])
    _same("HebbianSynapse", kw, steps, ["weights", "dWeights"], procs=("evolve",), key=503)


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("w_bound,w_decay", [(0.0, 0.3), (1.0, 0.0)])
def test_bcm_synapses(batch, w_bound, w_decay):
    rng = np.random.default_rng(batch + 40)
    kw = dict(shape=(60, 40), batch_size=batch, tau_w=3.7, tau_theta=1.7, theta0=0.5, w_bound=w_bound,
              w_decay=w_decay, weight_init=("uniform", -0.5, 0.5))
    steps = _learning_steps(rng, batch, 60, 40, ["pre", "post"])
    _same("BCMSynapse", kw, steps, ["weights", "dWeights", "theta"], procs=("evolve",), dt=0.7, key=91)


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("mu", [0.0, 0.65, 1.5])
def test_trace_stdp_synapses(batch, mu):
    rng = np.random.default_rng(batch * 100 + int(mu * 10))
    # tau_w > 0: every weight is updated each step (the event-driven update, which
    # leaves the signs of silent pairs' zero dWeights as +0, is not taken).
    kw = dict(shape=(40, 30), batch_size=batch, A_plus=0.37, A_minus=0.13, eta=0.07, mu=mu,
              pretrace_target=0.3, w_bound=1.0, tau_w=17.0, weight_init=("uniform", 0.1, 0.6))
    steps = _learning_steps(rng, batch, 40, 30, ["inputs", "preSpike", "postSpike", "preTrace", "postTrace"])
    _same("TraceSTDPSynapse", kw, steps, ["weights", "dWeights", "outputs"],
          procs=("advance_state", "evolve"), key=7)
