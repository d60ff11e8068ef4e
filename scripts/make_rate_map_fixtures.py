"""Writes `rate_cell_maps.json` into crates/ngclearn/tests/fixtures/ngclearn-3.1.1: the
reference of `tests/parity_rate_cell_maps.rs`, from ngclearn 3.1.1's RateCell, GaussianErrorCell,
LaplacianErrorCell and LeakyNoiseCell with a 4-D `shape` (the maps of convolutional predictive coding). Each
case: per step the given inputs (batch, h, w, c), `advance_state`, and the compartments
after it.

Usage (a Python 3.12 with `pip install ngclearn==3.1.1 jax==0.12.0.1`):
    python scripts/make_rate_map_fixtures.py [OUT_DIR]"""
import json, os, sys
import numpy as np
from jax import numpy as jnp
from ngclearn import Context, MethodProcess
from ngclearn.components import RateCell, GaussianErrorCell, LeakyNoiseCell, LaplacianErrorCell
from jax import random

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1")
rng = np.random.default_rng(2029)
L = lambda a: np.asarray(a, dtype=np.float32).tolist()
n_ctx = [0]


def case(shape, batch, steps, dt=0.5, **kw):
    n_ctx[0] += 1
    with Context(f"maps{n_ctx[0]}") as ctx:
        z = RateCell("z", 7, batch_size=batch, shape=shape, **kw)
        adv = MethodProcess("adv") >> z.advance_state
        rst = MethodProcess("rst") >> z.reset
    rst.run()
    given = {"j": [], "j_td": []}
    trace = {"z": [], "zF": [], "j": []}
    for t in range(steps):
        for k in given:
            x = rng.normal(0.0, 1.0, (batch,) + shape).astype(np.float32)
            given[k].append(L(x))
            getattr(z, k).set(jnp.asarray(x))
        adv.run(t=float(t), dt=dt)
        for k in trace:
            trace[k].append(L(getattr(z, k).get()))
    kwargs = dict(kw, n_units=7, batch_size=batch, shape=list(shape))
    return {"kwargs": kwargs, "steps": steps, "dt": dt, "given": given, "trace": trace}


cases = {
    "tanh_gaussian_prior": case((4, 4, 3), 2, 6, tau_m=10.0, act_fx="tanh", prior=("gaussian", 0.1)),
    "relu_laplacian_prior_threshold": case((3, 5, 2), 1, 6, tau_m=5.0, act_fx="relu", prior=("laplacian", 0.05),
                                           threshold=("soft_threshold", 0.01)),
    "stateless_sigmoid": case((2, 2, 4), 3, 3, tau_m=0.0, act_fx="sigmoid"),
    "midpoint_identity": case((3, 3, 1), 2, 5, tau_m=8.0, integration_type="midpoint"),
    # Steps of dt that are not powers of two: each `z + k dt` of the integrators is then
    # one rounding (fused) or two.
    "euler_gaussian_dt_0_1": case((2, 3, 4), 2, 8, dt=0.1, tau_m=3.0, prior=("gaussian", 0.7), act_fx="tanh"),
    "midpoint_cauchy_dt_0_7": case((3, 2, 2), 2, 8, dt=0.7, tau_m=6.0, prior=("cauchy", 0.4),
                                   integration_type="midpoint", act_fx="sigmoid"),
    "heun_exp_dt_0_3": case((2, 2, 5), 1, 8, dt=0.3, tau_m=7.0, prior=("exp", 0.6), integration_type="heun",
                            act_fx="telu"),
    "heun_relu_resist_dt_0_3": case((3, 3, 2), 2, 8, dt=0.3, tau_m=4.0, prior=("gaussian", 0.3),
                                    integration_type="heun", act_fx="relu", resist_scale=1.5),
}


def other(cls, shape, batch, steps, given_names, traced, dt=0.5, **kw):
    n_ctx[0] += 1
    with Context(f"maps{n_ctx[0]}") as ctx:
        c = cls("c", 7, batch_size=batch, shape=shape, **kw)
        adv = MethodProcess("adv") >> c.advance_state
    given = {k: [] for k in given_names}
    trace = {k: [] for k in traced}
    for t in range(steps):
        for k in given:
            x = rng.normal(0.0, 1.0, (batch,) + shape).astype(np.float32)
            given[k].append(L(x))
            getattr(c, k).set(jnp.asarray(x))
        adv.run(t=float(t), dt=dt)
        for k in trace:
            trace[k].append(L(getattr(c, k).get()))
    kwargs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}
    kwargs.update(n_units=7, batch_size=batch, shape=list(shape))
    return {"class": cls.__name__, "kwargs": kwargs, "steps": steps, "dt": dt, "given": given, "trace": trace}


others = {
    "gaussian_error_maps": other(GaussianErrorCell, (3, 4, 2), 2, 4, ["mu", "target"], ["dmu", "dtarget", "L"],
                                 sigma=0.5),
    "laplacian_error_maps": other(LaplacianErrorCell, (2, 2, 3), 3, 4, ["shift", "target"],
                                  ["dshift", "dtarget", "L"], scale=2.0),
    "leaky_noise_maps_relu": other(LeakyNoiseCell, (2, 3, 2), 2, 5, ["j_input", "j_recurrent"], ["x", "r", "r_prime"],
                                   tau_x=5.0, act_fx="relu", key=random.PRNGKey(5)),
    # RK4's last slope fused into the weighted sum; telu's and gelu's own product fused
    # into r = fx(x) + eps * sigma_post; steps of dt that are not powers of two.
    "leaky_noise_maps_heun_telu": other(LeakyNoiseCell, (4, 5, 3), 2, 6, ["j_input", "j_recurrent"],
                                        ["x", "r", "r_prime"], dt=0.3, tau_x=7.0, act_fx="telu",
                                        integration_type="heun", sigma_pre=0.3, sigma_post=0.2, leak_scale=0.6,
                                        key=random.PRNGKey(6)),
    "leaky_noise_maps_midpoint_gelu": other(LeakyNoiseCell, (3, 4, 5), 2, 6, ["j_input", "j_recurrent"],
                                            ["x", "r", "r_prime"], dt=0.7, tau_x=4.0, act_fx="gelu",
                                            integration_type="midpoint", sigma_pre=0.4, sigma_post=0.1,
                                            key=random.PRNGKey(7)),
}
for k, v in others.items():
    seed = {"leaky_noise_maps_relu": 5, "leaky_noise_maps_heun_telu": 6, "leaky_noise_maps_midpoint_gelu": 7}.get(k)
    v["kwargs"].pop("key", None)
    if seed is not None:
        v["key_seed"] = seed
cases.update(others)
path = os.path.join(out, "rate_cell_maps.json")
with open(path, "w") as f:
    json.dump({"description": "ngclearn 3.1.1's RateCell with 4-D maps (scripts/make_rate_map_fixtures.py)",
               "cases": cases}, f)
print(path, os.path.getsize(path))
