"""Regenerates the reference outputs in crates/ngclearn/tests/fixtures/ngclearn-3.1.1 from
ngclearn 3.1.1 (JAX, float32, CPU), as JSON files plus one saved model directory.

Usage (a Python 3.12 with `pip install ngclearn==3.1.1`):
    python scripts/make_fixtures.py [OUTDIR]
OUTDIR defaults to the fixtures directory of the repository. Every array is float32 values
written as JSON numbers (exact), shape [batch, units] per step. Each file says what it holds
in its `description` field; scripts/compare_fixtures.py checks a regenerated directory
against the committed one."""
import sys, os, json
import numpy as np
from jax import numpy as jnp, random
import jax
from ngclearn import Context, MethodProcess, JointProcess
from ngclearn.operations import Summation
from ngclearn.components import (AlphaSynapse, ExponentialSynapse, DoubleExpSynapse, LIFCell,
                                 PoissonCell, BernoulliCell, DenseSynapse, VarTrace, TraceSTDPSynapse,
                                 StaticSynapse, ExpSTDPSynapse, GaussianErrorCell, LaplacianErrorCell,
                                 BernoulliErrorCell, RateCell)
from ngclearn.utils.distribution_generator import DistributionGenerator as DG

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1")
os.makedirs(out, exist_ok=True)
L = lambda a: np.asarray(a, dtype=np.float32).tolist()
ctr = [0]
def ctxname(p):
    ctr[0] += 1; return f"{p}{ctr[0]}"

def dump(name, obj):
    obj["generator"] = "ngclearn 3.1.1 / ngcsimlib 3.1.1 / jax 0.12.0.1, float32, CPU"
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(obj, f)

rng = np.random.default_rng(7)

# ---------- 1. the tutorial probe: one pulse at t = 1 ms through three dynamic synapses ----------
def probe(dt, T, tau_e, tau_a, tau_r, tau_d, pulse_step, v):
    k = random.split(random.PRNGKey(1234), 6)
    with Context(ctxname("probe")) as ctx:
        We = ExponentialSynapse(name="We", shape=(1, 1), tau_decay=tau_e, g_syn_bar=1., syn_rest=0., resist_scale=1., weight_init=DG.constant(value=1.), key=k[1])
        Wa = AlphaSynapse(name="Wa", shape=(1, 1), tau_decay=tau_a, g_syn_bar=1., syn_rest=0., resist_scale=1., weight_init=DG.constant(value=1.), key=k[1])
        W2 = DoubleExpSynapse(name="W2", shape=(1, 1), tau_rise=tau_r, tau_decay=tau_d, g_syn_bar=1., syn_rest=0., resist_scale=1., weight_init=DG.constant(value=1.), key=k[1])
        adv = MethodProcess("adv") >> We.advance_state >> Wa.advance_state >> W2.advance_state
        rst = MethodProcess("rst") >> We.reset >> Wa.reset >> W2.reset
    rst.run()
    rec = {k_: [] for k_ in ["g_exp", "i_exp", "g_alpha", "h_alpha", "i_alpha", "g_exp2", "h_exp2", "i_exp2"]}
    n = int(T / dt) + 1
    for t in range(n):
        s = jnp.ones((1, 1)) if t == pulse_step else jnp.zeros((1, 1))
        for W in (We, Wa, W2):
            W.inputs.set(s); W.v.set(jnp.zeros((1, 1)) + v)
        adv.run(t=t * dt, dt=dt)
        rec["g_exp"].append(float(We.g_syn.get()[0, 0])); rec["i_exp"].append(float(We.i_syn.get()[0, 0]))
        rec["g_alpha"].append(float(Wa.g_syn.get()[0, 0])); rec["h_alpha"].append(float(Wa.h_syn.get()[0, 0])); rec["i_alpha"].append(float(Wa.i_syn.get()[0, 0]))
        rec["g_exp2"].append(float(W2.g_syn.get()[0, 0])); rec["h_exp2"].append(float(W2.h_syn.get()[0, 0])); rec["i_exp2"].append(float(W2.i_syn.get()[0, 0]))
    return {"description": "One pre-synaptic pulse at step pulse_step through an ExponentialSynapse, an AlphaSynapse and a DoubleExpSynapse, "
                           "each shape (1,1), g_syn_bar=1, syn_rest=0, resist_scale=1, weights 1; v clamped each step; advance_state(t=step*dt, dt) once per step; "
                           "values after each step.",
            "params": {"dt": dt, "steps": n, "pulse_step": pulse_step, "v": v, "exp": {"tau_decay": tau_e}, "alpha": {"tau_decay": tau_a},
                       "exp2": {"tau_rise": tau_r, "tau_decay": tau_d}}, "trace": rec}

dump("probe_tutorial", probe(0.1, 8.0, 3., 1., 1., 3., 10, -65.))
# ---------- 2. multi-unit dynamic synapses with given weights, spikes, graded inputs and voltages ----------
def multi(cls, n_pre, n_post, steps, dt, kw, plastic_weights, graded, vary_v):
    k = random.split(random.PRNGKey(5), 4)
    with Context(ctxname("multi")) as ctx:
        extra = {"is_nonplastic": False} if cls is AlphaSynapse and plastic_weights else {}
        W = cls(name="W", shape=(n_pre, n_post), weight_init=DG.constant(value=1.), key=k[1], **kw, **extra)
        adv = MethodProcess("adv") >> W.advance_state
        rst = MethodProcess("rst") >> W.reset
    rst.run()
    weights = rng.uniform(0.1, 1.5, size=(n_pre, n_post)).astype(np.float32) if plastic_weights else np.ones((n_pre, n_post), np.float32)
    if plastic_weights or cls is not AlphaSynapse:
        W.weights.set(jnp.asarray(weights))
    ins = (rng.uniform(0, 1, size=(steps, 1, n_pre)) < 0.3).astype(np.float32)
    if graded:
        ins = ins * rng.uniform(0.2, 2.0, size=ins.shape).astype(np.float32)
    vs = (-65. + (rng.normal(0, 8, size=(steps, 1, n_post)) if vary_v else np.zeros((steps, 1, n_post)))).astype(np.float32)
    rec = {"g_syn": [], "i_syn": [], "outputs": []}
    if hasattr(W, "h_syn"): rec["h_syn"] = []
    for t in range(steps):
        W.inputs.set(jnp.asarray(ins[t])); W.v.set(jnp.asarray(vs[t]))
        adv.run(t=t * dt, dt=dt)
        for key_ in rec: rec[key_].append(L(getattr(W, key_).get()))
    return {"description": "One synapse component built with these kwargs (weights as below); after reset, for each step k: "
                           "inputs[k] set on `inputs` and v[k] on `v`, then advance_state(t=k*dt, dt); trace = values after each step.",
            "component": cls.__name__, "kwargs": kw, "shape": [n_pre, n_post], "dt": dt, "steps": steps,
            "weights": L(weights), "weights_note": "weights set on the weights compartment after construction" if (plastic_weights or cls is not AlphaSynapse) else "is_nonplastic=True default: all weights 1",
            "is_nonplastic": (not plastic_weights) if cls is AlphaSynapse else None,
            "inputs": L(ins), "v": L(vs), "trace": rec}

cases = []
cases = [
    ("alpha_excitatory", AlphaSynapse, 6, 4, 60, 0.1, dict(tau_decay=2., g_syn_bar=2.4, syn_rest=0., resist_scale=0.1), True, False, True),
    ("alpha_inhibitory_nonplastic", AlphaSynapse, 5, 3, 60, 0.1, dict(tau_decay=5., g_syn_bar=2.4, syn_rest=-80., resist_scale=0.1), False, False, True),
    ("alpha_voltage_independent_graded", AlphaSynapse, 4, 2, 40, 0.5, dict(tau_decay=3., g_syn_bar=0.7, syn_rest=None, resist_scale=1.3), True, True, False),
    ("exp_excitatory", ExponentialSynapse, 6, 4, 60, 0.1, dict(tau_decay=2., g_syn_bar=2.4, syn_rest=0., resist_scale=0.1), True, False, True),
    ("exp2_inhibitory", DoubleExpSynapse, 5, 3, 60, 0.1, dict(tau_rise=1., tau_decay=5., g_syn_bar=2.4, syn_rest=-80., resist_scale=0.1), True, False, True),
]
for name, cls, npre, npost, steps, dt, kw, pw, graded, vv in cases:
    dump(name, multi(cls, npre, npost, steps, dt, kw, pw, graded, vv))

# ---------- 3. LIF cell driven by a given current ----------
def lif(n, steps, dt, kw, jscale):
    with Context(ctxname("lif")) as ctx:
        c = LIFCell("c", n_units=n, key=random.PRNGKey(3), **kw)
        adv = MethodProcess("adv") >> c.advance_state
        rst = MethodProcess("rst") >> c.reset
    rst.run()
    js = (rng.uniform(0, 1, size=(steps, 1, n)) * jscale).astype(np.float32)
    rec = {k_: [] for k_ in ["v", "s", "rfr", "thr_theta", "tols"]}
    for t in range(steps):
        c.j.set(jnp.asarray(js[t])); adv.run(t=t * dt, dt=dt)
        for k_ in rec: rec[k_].append(L(getattr(c, k_).get()))
    return {"component": "LIFCell", "kwargs": kw, "n_units": n, "dt": dt, "steps": steps, "j": L(js), "trace": rec,
            "note": "j set before each step; advance_state(t=step*dt, dt); initial state from reset"}
dump("lif_tutorial_params", lif(4, 400, 0.1, dict(tau_m=10., resist_m=1., thr=-55., v_rest=-75., conduct_leak=1., v_reset=-75., tau_theta=0., theta_plus=0., refract_time=2.), 60.))
dump("lif_defaults_adaptive", lif(3, 300, 0.25, dict(tau_m=20.), 40.))
# ---------- 4. E-I circuit with fixed pre-synaptic rasters (no RNG): wiring and ordering semantics ----------
def ei_fixed(syn_cls, steps, n_exc, n_inh, n_post, p):
    with Context(ctxname("eifixed")) as ctx:
        kk = random.split(random.PRNGKey(11), 4)
        rise = {"tau_rise": 1.} if syn_cls is DoubleExpSynapse else {}
        if syn_cls is AlphaSynapse: rise["is_nonplastic"] = False
        We = syn_cls(name="We", shape=(n_exc, n_post), **rise, tau_decay=2., g_syn_bar=2.4, syn_rest=0., resist_scale=0.1, weight_init=DG.constant(value=1.), key=kk[0])
        Wi = syn_cls(name="Wi", shape=(n_inh, n_post), **rise, tau_decay=5., g_syn_bar=2.4, syn_rest=-80., resist_scale=0.1, weight_init=DG.constant(value=1.), key=kk[1])
        post = LIFCell("post", n_units=n_post, tau_m=10., resist_m=1., thr=-55., v_rest=-75., conduct_leak=1., v_reset=-75., tau_theta=0., theta_plus=0., refract_time=2., key=kk[2])
        post.v >> We.v; post.v >> Wi.v
        Summation(We.i_syn, Wi.i_syn) >> post.j
        adv = MethodProcess("adv") >> We.advance_state >> Wi.advance_state >> post.advance_state
        rst = MethodProcess("rst") >> We.reset >> Wi.reset >> post.reset
    we = rng.uniform(0.5, 1.5, size=(n_exc, n_post)).astype(np.float32); wi = rng.uniform(0.5, 1.5, size=(n_inh, n_post)).astype(np.float32)
    We.weights.set(jnp.asarray(we)); Wi.weights.set(jnp.asarray(wi))
    rst.run()
    post.v.set(post.v.get() * 0 - 65.)
    se = (rng.uniform(0, 1, size=(steps, 1, n_exc)) < p).astype(np.float32)
    si = (rng.uniform(0, 1, size=(steps, 1, n_inh)) < p).astype(np.float32)
    v, s = [], []
    for t in range(1, steps + 1):
        We.inputs.set(jnp.asarray(se[t - 1])); Wi.inputs.set(jnp.asarray(si[t - 1]))
        adv.run(t=t * 0.1, dt=0.1)
        v.append(L(post.v.get())); s.append(L(post.s.get()))
    return {"synapse": syn_cls.__name__, "dt": 0.1, "steps": steps, "n_exc": n_exc, "n_inh": n_inh, "n_post": n_post,
            "description": "LIF post cells (tau_m=10, thr=-55, v_rest=-75, v_reset=-75, refract 2 ms, no adaptive threshold) driven by an excitatory "
                           "(tau_decay 2, g_syn_bar 2.4, syn_rest 0, resist_scale 0.1) and an inhibitory (tau_decay 5, syn_rest -80) synapse, "
                           "post.v wired to both synapses' v, Summation(We.i_syn, Wi.i_syn) wired to post.j; process order We, Wi, post; "
                           "weights set after construction (AlphaSynapse with is_nonplastic=False); post.v set to -65 after reset; step t=1..steps with inputs[t-1] set on the synapses' inputs before the step",
            "exc_weights": L(we), "inh_weights": L(wi), "exc_inputs": L(se), "inh_inputs": L(si), "trace": {"v": v, "s": s}}
dump("ei_alpha_fixed_rasters", ei_fixed(AlphaSynapse, 1500, 16, 4, 3, 0.02))
# ---------- 5. JAX PRNG (threefry2x32, partitionable) and the stochastic components ----------
def prng(seeds):
    recs = []
    for sd in seeds:
        key = random.PRNGKey(sd)
        sp2 = random.split(key, 2); sp6 = random.split(key, 6)
        recs.append({"seed": sd, "key": np.asarray(key).tolist(), "split2": np.asarray(sp2).tolist(), "split6": np.asarray(sp6).tolist(),
                     "uniform_1x7": L(random.uniform(key, (1, 7))), "uniform_3x4": L(random.uniform(key, (3, 4))),
                     "uniform_1x7_range": L(random.uniform(key, (1, 7), minval=0.025, maxval=0.8)),
                     "normal_2x3": L(random.normal(key, (2, 3))), "bernoulli_p03_2x5": np.asarray(random.bernoulli(key, 0.3, (2, 5))).astype(int).tolist()})
    return {"description": "jax.random with the default threefry2x32 implementation (jax_threefry_partitionable=True); keys are uint32 pairs",
            "cases": recs}
def poisson_cell(sd, n, freq, steps, dt):
    with Context(ctxname("pois")) as ctx:
        c = PoissonCell("c", n_units=n, target_freq=freq, key=random.PRNGKey(sd))
        adv = MethodProcess("adv") >> c.advance_state
        rst = MethodProcess("rst") >> c.reset
    rst.run(); c.inputs.set(jnp.ones((1, n)))
    spikes = []
    for t in range(steps):
        adv.run(t=t * dt, dt=dt); spikes.append([int(i) for i in np.nonzero(np.asarray(c.outputs.get())[0])[0]])
    return {"seed": sd, "n_units": n, "target_freq": freq, "dt": dt, "steps": steps, "spike_indices_per_step": spikes,
            "final_key": np.asarray(c.key.get()).tolist()}
def init_weights(sd):
    kk = random.PRNGKey(sd)
    out_ = {}
    for nm, gen in [("uniform_default", DG.uniform(0.025, 0.8)), ("gaussian_0_0.05", DG.gaussian(0.0, 0.05)), ("constant_0.3", DG.constant(value=0.3)),
                    ("fan_in_uniform", DG.fan_in_uniform()), ("fan_in_gaussian", DG.fan_in_gaussian())]:
        out_[nm] = L(gen((4, 3), kk))
    with Context(ctxname("dense")) as ctx:
        D = DenseSynapse("D", shape=(6, 5), p_conn=0.5, key=random.PRNGKey(sd))
    out_["dense_default_init_p_conn_0.5"] = L(D.weights.get())
    with Context(ctxname("dense")) as ctx:  # signed weights: the masked ones are +0.0, not -0.0
        D = DenseSynapse("D", shape=(6, 5), weight_init=DG.uniform(-1.0, 1.0), p_conn=0.5, key=random.PRNGKey(sd))
    out_["dense_signed_init_p_conn_0.5"] = L(D.weights.get())
    return {"seed": sd, "shape": [4, 3], "weights": out_, "note": "DistributionGenerator.X(...)(shape, PRNGKey(seed)); DenseSynapse(shape=(6,5), p_conn=0.5, key=PRNGKey(seed)) weights, default and uniform(-1, 1)"}
dump("jax_prng", prng([0, 1, 1234, 42]))
dump("poisson_cell_seed1234", poisson_cell(1234, 20, 80., 200, 0.1))
dump("weight_init_seed7", init_weights(7))
print("wrote", sorted(os.listdir(out)))

# ---------- 6. the stochastic E-I tutorial circuit with AlphaSynapses, and its saved model directory ----------
def ei_poisson(seed, n_exc, n_inh, n_post, exc_freq, inh_freq, steps, save_dir, model_name):
    dkey = random.PRNGKey(seed); dkey, *sk = random.split(dkey, 6)
    with Context(model_name) as ctx:
        pe = PoissonCell("pre_exc", n_units=n_exc, target_freq=exc_freq, key=sk[0])
        pi = PoissonCell("pre_inh", n_units=n_inh, target_freq=inh_freq, key=sk[1])
        We = AlphaSynapse(name="Wexc", shape=(n_exc, n_post), tau_decay=2., g_syn_bar=2.4, syn_rest=0., resist_scale=0.1, weight_init=DG.constant(value=1.), key=sk[2])
        Wi = AlphaSynapse(name="Winh", shape=(n_inh, n_post), tau_decay=5., g_syn_bar=2.4, syn_rest=-80., resist_scale=0.1, weight_init=DG.constant(value=1.), key=sk[2])
        post = LIFCell("post_exc", n_units=n_post, tau_m=10., resist_m=1., thr=-55., v_rest=-75., conduct_leak=1., v_reset=-75., tau_theta=0., theta_plus=0., refract_time=2., key=sk[3])
        pe.outputs >> We.inputs; pi.outputs >> Wi.inputs
        post.v >> We.v; post.v >> Wi.v
        Summation(We.i_syn, Wi.i_syn) >> post.j
        adv = MethodProcess("advance_proc") >> pe.advance_state >> pi.advance_state >> We.advance_state >> Wi.advance_state >> post.advance_state
        rst = MethodProcess("reset_proc") >> pe.reset >> pi.reset >> We.reset >> Wi.reset >> post.reset
    rst.run()
    pe.inputs.set(jnp.ones((1, n_exc))); pi.inputs.set(jnp.ones((1, n_inh)))
    post.v.set(post.v.get() * 0 - 65.)
    if save_dir:
        os.makedirs(save_dir, exist_ok=True); ctx.save_to_json(save_dir, overwrite=True)
    v, spk, pre_counts = [], [], []
    for t in range(1, steps + 1):
        adv.run(t=t * 0.1, dt=0.1)
        v.append(L(post.v.get())[0]); spk.append([int(i) for i in np.nonzero(np.asarray(post.s.get())[0])[0]])
        pre_counts.append(int(np.sum(np.asarray(pe.outputs.get()))) + int(np.sum(np.asarray(pi.outputs.get()))))
    return {"description": "The tutorial's E-I circuit with AlphaSynapses: keys from random.split(PRNGKey(seed), 6) as in the tutorial "
                           "(sk[0] pre_exc, sk[1] pre_inh, sk[2] both synapses, sk[3] post); after reset, inputs of both Poisson cells set to ones "
                           "and post v to -65; steps t=1..steps with advance(t=t*dt, dt=0.1). If a model directory was saved, it holds this state.",
            "seed": seed, "n_exc": n_exc, "n_inh": n_inh, "n_post": n_post, "exc_freq": exc_freq, "inh_freq": inh_freq, "steps": steps,
            "model_dir": model_name if save_dir else None,
            "trace": {"v": v, "spike_indices": spk, "pre_spike_count": pre_counts}}
dump("ei_alpha_poisson_seed1234", ei_poisson(1234, 80, 20, 1, 10., 10., 10000, os.path.join(out, "models"), "ei_alpha_tutorial"))
print("done 6")

# ---------- 7. trace-based learning: VarTrace, TraceSTDPSynapse (given signals), and a learning circuit ----------
def var_trace(n, batch, steps, dt, kw, graded):
    with Context(ctxname("tr")) as ctx:
        tr = VarTrace("tr", n_units=n, batch_size=batch, key=random.PRNGKey(2), **kw)
        adv = MethodProcess("adv") >> tr.advance_state
        rst = MethodProcess("rst") >> tr.reset
    rst.run()
    ins = (rng.uniform(0, 1, size=(steps, batch, n)) < 0.2).astype(np.float32)
    if graded:
        ins = ins * rng.uniform(0.2, 1.5, size=ins.shape).astype(np.float32)
    rec = []
    for t in range(steps):
        tr.inputs.set(jnp.asarray(ins[t])); adv.run(t=t * dt, dt=dt)
        rec.append(L(tr.trace.get()))
    return {"component": "VarTrace", "kwargs": kw, "n_units": n, "batch_size": batch, "dt": dt, "steps": steps,
            "inputs": L(ins), "trace": rec, "note": "inputs[k] set before step k; advance_state(t=k*dt, dt); trace after each step"}
trace_cases = [
    ("var_trace_exp_pulse", 6, 1, 200, 1.0, dict(tau_tr=20., a_delta=0.)),
    ("var_trace_lin_additive", 5, 2, 150, 0.5, dict(tau_tr=10., a_delta=0.5, gamma_tr=0.9, decay_type="lin")),
    ("var_trace_step_scaled", 4, 1, 100, 1.0, dict(tau_tr=5., a_delta=0., P_scale=0.7, decay_type="step")),
    ("var_trace_nearest", 5, 1, 150, 1.0, dict(tau_tr=15., a_delta=1.0, n_nearest_spikes=1)),
]
out7 = {}
for name, n, b, steps, dt, kw in trace_cases:
    out7[name] = var_trace(n, b, steps, dt, kw, graded=(name == "var_trace_lin_additive"))
dump("var_trace_cases", {"description": "VarTrace driven by given inputs (spikes, graded in the lin case)", "cases": out7})

def stdp_given(n_pre, n_post, batch, steps, kw, mask, cls=TraceSTDPSynapse, gen=None):
    gen = rng if gen is None else gen
    k = random.split(random.PRNGKey(11), 3)
    with Context(ctxname("stdp")) as ctx:
        W = cls("W", shape=(n_pre, n_post), batch_size=batch, weight_init=DG.uniform(0.1, 0.6),
                             weight_mask=None if mask is None else jnp.asarray(mask), key=k[1], **kw)
        adv = MethodProcess("adv") >> W.advance_state >> W.evolve
        rst = MethodProcess("rst") >> W.reset
    rst.run()
    w0 = L(W.weights.get())
    sp = (gen.uniform(0, 1, size=(steps, batch, n_pre)) < 0.15).astype(np.float32)
    sq = (gen.uniform(0, 1, size=(steps, batch, n_post)) < 0.1).astype(np.float32)
    zp = gen.uniform(0, 1, size=(steps, batch, n_pre)).astype(np.float32)
    zq = gen.uniform(0, 1, size=(steps, batch, n_post)).astype(np.float32)
    outs, ws, dws = [], [], []
    for t in range(steps):
        W.inputs.set(jnp.asarray(sp[t])); W.preSpike.set(jnp.asarray(sp[t])); W.postSpike.set(jnp.asarray(sq[t]))
        W.preTrace.set(jnp.asarray(zp[t])); W.postTrace.set(jnp.asarray(zq[t]))
        adv.run(t=t * 1.0, dt=1.0)
        outs.append(L(W.outputs.get()))
        if t % 10 == 9 or t < 3:
            ws.append([t, L(W.weights.get())]); dws.append([t, L(W.dWeights.get())])
    return {"component": cls.__name__, "kwargs": kw, "shape": [n_pre, n_post], "batch_size": batch, "steps": steps,
            "weight_init": "uniform(0.1, 0.6)", "weights0": w0, "weight_mask": None if mask is None else L(mask),
            "preSpike": L(sp), "postSpike": L(sq), "preTrace": L(zp), "postTrace": L(zq),
            "outputs": outs, "weights_at": ws, "dWeights_at": dws,
            "note": "each step: inputs = preSpike[k] and the four signals set, then advance_state then evolve (one process); "
                    "weights/dWeights recorded after steps 0, 1, 2 and every 10th"}
mask7 = (rng.uniform(0, 1, size=(8, 5)) < 0.7).astype(np.float32)
stdp_cases = {
    "mu0_plain": stdp_given(8, 5, 1, 120, dict(A_plus=0.02, A_minus=0.01), None),
    "mu_power_target_decay_mask": stdp_given(8, 5, 1, 120, dict(A_plus=0.03, A_minus=0.02, mu=1.5, pretrace_target=0.2, tau_w=40., eta=0.5, w_bound=0.9), mask7),
    "batch2_no_ltd": stdp_given(8, 5, 2, 80, dict(A_plus=0.02, A_minus=0.), None),
}
# A masked matrix of 200 weights with mu > 0, decay and eta not a power of two (its own
# generator, so the cases after it keep their draws). Up to 16 x 8 weights (measured) XLA's
# update is unrolled and vectorised in groups that fuse differently; at 20 x 10 and above
# its loop is uniform.
_g16 = np.random.default_rng(16)
stdp_cases["mu_power_decay_mask_20x10"] = stdp_given(
    20, 10, 1, 60, dict(A_plus=0.03, A_minus=0.02, mu=1.5, pretrace_target=0.2, tau_w=33., eta=0.37, w_bound=0.9),
    (_g16.uniform(0, 1, size=(20, 10)) < 0.7).astype(np.float32), gen=_g16)
dump("trace_stdp_given", {"description": "TraceSTDPSynapse driven by given spikes and traces", "cases": stdp_cases})

def stdp_circuit(steps, save_dir, model_name):
    k = random.split(random.PRNGKey(21), 5)
    with Context(model_name) as ctx:
        pre = PoissonCell("pre", n_units=20, target_freq=60., key=k[0])
        W = TraceSTDPSynapse("W", shape=(20, 4), A_plus=0.01, A_minus=0.004, eta=1., pretrace_target=0.05,
                             weight_init=DG.uniform(0.1, 0.5), resist_scale=40., w_bound=1., key=k[1])
        post = LIFCell("post", n_units=4, tau_m=10., thr=-52., v_rest=-65., v_reset=-60., tau_theta=500., theta_plus=0.2,
                       refract_time=2., key=k[2])
        tp = VarTrace("tp", n_units=20, tau_tr=20., a_delta=0., key=k[3])
        tq = VarTrace("tq", n_units=4, tau_tr=20., a_delta=0., key=k[4])
        pre.outputs >> W.inputs; W.outputs >> post.j
        pre.outputs >> tp.inputs; post.s >> tq.inputs
        pre.outputs >> W.preSpike; post.s >> W.postSpike; tp.trace >> W.preTrace; tq.trace >> W.postTrace
        adv = MethodProcess("advance_proc") >> pre.advance_state >> W.advance_state >> post.advance_state \
            >> tp.advance_state >> tq.advance_state >> W.evolve
        rst = MethodProcess("reset_proc") >> pre.reset >> W.reset >> post.reset >> tp.reset >> tq.reset
    rst.run()
    pre.inputs.set(jnp.ones((1, 20)))
    w0 = L(W.weights.get())
    spk, ws = [], []
    for t in range(1, steps + 1):
        adv.run(t=t * 1.0, dt=1.0)
        spk.append([int(i) for i in np.nonzero(np.asarray(post.s.get())[0])[0]])
        if t % 50 == 0:
            ws.append([t, L(W.weights.get())])
    if save_dir:
        os.makedirs(save_dir, exist_ok=True); ctx.save_to_json(save_dir, overwrite=True)
    return {"description": "Poisson(20, 60 Hz) -> TraceSTDPSynapse(20x4) -> adaptive LIF(4), VarTraces on both sides; "
                           "keys split(PRNGKey(21), 5) in the order pre, W, post, tp, tq; after reset pre.inputs = ones; "
                           "steps t=1..steps with advance_proc(t=t, dt=1.0), which ends with W.evolve. The saved model holds the final state.",
            "steps": steps, "weights0": w0, "post_spike_indices": spk, "weights_at": ws, "model_dir": model_name if save_dir else None}
dump("trace_stdp_circuit", stdp_circuit(500, os.path.join(out, "models"), "stdp_circuit"))
print("done 7")

# ---------- 8. ExpSTDPSynapse driven by given signals ----------
mask8 = (rng.uniform(0, 1, size=(7, 4)) < 0.7).astype(np.float32)
exp_cases = {
    "beta2_target_mask": stdp_given(7, 4, 1, 120, dict(A_plus=0.03, A_minus=0.02, exp_beta=2.0, pretrace_target=0.2, eta=0.7), mask8, cls=ExpSTDPSynapse),
    "batch2_no_ltd": stdp_given(7, 4, 2, 80, dict(A_plus=0.02, A_minus=0., exp_beta=1.0, tau_w=30.), None, cls=ExpSTDPSynapse),
}
dump("exp_stdp_given", {"description": "ExpSTDPSynapse driven by given spikes and traces (as trace_stdp_given)", "cases": exp_cases})
print("done 8")

# ---------- 9. error cells (predictive coding) driven by given predictions and targets ----------
def error_cell(cls, n, batch, steps, kw, pred, inputs):
    with Context(ctxname("err")) as ctx:
        c = cls("e", n_units=n, batch_size=batch, key=random.PRNGKey(4), **kw)
        adv = MethodProcess("adv") >> c.advance_state
        rst = MethodProcess("rst") >> c.reset
    rst.run()
    outs = [o for o in ("dmu", "dshift", "dp", "dtarget", "dSigma", "dScale") if hasattr(c, o)]
    rec = {o: [] for o in outs + ["L", "mask"]}
    for t in range(steps):
        for name_, arr in inputs.items():
            getattr(c, name_).set(jnp.asarray(arr[t]))
        adv.run(t=t * 0.5, dt=0.5)
        for o in outs + ["mask"]:
            rec[o].append(L(getattr(c, o).get()))
        rec["L"].append(float(c.L.get()))
    return {"component": cls.__name__, "kwargs": kw, "n_units": n, "batch_size": batch, "steps": steps,
            "inputs": {k_: L(v) for k_, v in inputs.items()}, "trace": rec,
            "note": "each step the inputs are set, then advance_state(dt=0.5); outputs after each step"}
def err_inputs(names, steps, batch, n, binary_target=False, prob=None):
    d = {}
    for nm in names:
        if nm == "target" and binary_target:
            d[nm] = (rng.uniform(0, 1, size=(steps, batch, n)) < 0.5).astype(np.float32)
        elif nm == "p" and prob == "prob":
            d[nm] = rng.uniform(-0.05, 1.05, size=(steps, batch, n)).astype(np.float32)
        elif nm == "mask":
            d[nm] = (rng.uniform(0, 1, size=(steps, batch, n)) < 0.8).astype(np.float32)
        elif nm == "modulator":
            d[nm] = rng.uniform(0.5, 1.5, size=(steps, batch, n)).astype(np.float32)
        else:
            d[nm] = rng.normal(0, 1, size=(steps, batch, n)).astype(np.float32)
    return d
err = {
    "gaussian_sigma05_batch2": error_cell(GaussianErrorCell, 5, 2, 40, dict(sigma=0.5), "mu", err_inputs(["mu", "target", "modulator", "mask"], 40, 2, 5)),
    "laplacian_scale2": error_cell(LaplacianErrorCell, 6, 1, 40, dict(scale=2.0), "shift", err_inputs(["shift", "target", "modulator", "mask"], 40, 1, 6)),
    "bernoulli_logits": error_cell(BernoulliErrorCell, 5, 2, 40, dict(input_logits=True), "p", err_inputs(["p", "target", "modulator", "mask"], 40, 2, 5, binary_target=True)),
    "bernoulli_probs": error_cell(BernoulliErrorCell, 5, 1, 40, dict(input_logits=False), "p", err_inputs(["p", "target", "modulator"], 40, 1, 5, binary_target=True, prob="prob")),
}
dump("error_cells", {"description": "Gaussian, Laplacian and Bernoulli error cells driven by given inputs", "cases": err})
print("done 9")

# ---------- 10. RateCell: activations, priors, integrators, thresholds, stateless ----------
def rate_cell(n, batch, steps, dt, kw):
    with Context(ctxname("rate")) as ctx:
        c = RateCell("z", n_units=n, batch_size=batch, key=random.PRNGKey(6), **kw)
        adv = MethodProcess("adv") >> c.advance_state
        rst = MethodProcess("rst") >> c.reset
    rst.run()
    js = rng.normal(0, 1.5, size=(steps, batch, n)).astype(np.float32)
    jtd = rng.normal(0, 0.5, size=(steps, batch, n)).astype(np.float32)
    rec = {"z": [], "zF": [], "j": []}
    for t in range(steps):
        c.j.set(jnp.asarray(js[t])); c.j_td.set(jnp.asarray(jtd[t]))
        adv.run(t=t * dt, dt=dt)
        for k_ in rec: rec[k_].append(L(getattr(c, k_).get()))
    kw_out = {k_: (list(v) if isinstance(v, tuple) else v) for k_, v in kw.items()}
    return {"component": "RateCell", "kwargs": kw_out, "n_units": n, "batch_size": batch, "dt": dt, "steps": steps,
            "j": L(js), "j_td": L(jtd), "trace": rec,
            "note": "j and j_td set before each step; advance_state(dt); z, zF and j (as modulated by the cell) after each step"}
rate = {}
for act in ["identity", "relu", "lrelu", "relu6", "tanh", "sigmoid", "softplus", "elu", "silu", "gelu", "telu",
            "unit_threshold", "heaviside"]:
    rate["act_" + act] = rate_cell(4, 1, 25, 1.0, dict(tau_m=10., act_fx=act))
rate["act_sine"] = rate_cell(4, 1, 25, 1.0, dict(tau_m=10., act_fx="sine", omega_0=3.0))
rate["prior_laplacian"] = rate_cell(4, 2, 25, 1.0, dict(tau_m=8., prior=("laplacian", 0.3), act_fx="tanh"))
rate["prior_cauchy_midpoint"] = rate_cell(4, 1, 25, 1.0, dict(tau_m=8., prior=("cauchy", 0.5), integration_type="midpoint"))
rate["prior_exp_heun"] = rate_cell(4, 1, 25, 1.0, dict(tau_m=8., prior=("exp", 0.5), integration_type="heun", act_fx="sigmoid"))
rate["gaussian_rk4_name"] = rate_cell(4, 1, 25, 1.0, dict(tau_m=8., prior=("gaussian", 0.2), integration_type="rk4"))
rate["soft_threshold_scales"] = rate_cell(5, 1, 25, 0.5, dict(tau_m=5., threshold=("soft_threshold", 0.1), resist_scale=2., output_scale=0.5, act_fx="relu"))
rate["stateless_softmax"] = rate_cell(5, 2, 10, 1.0, dict(tau_m=0., act_fx="softmax"))
rate["stateless_flag"] = rate_cell(5, 1, 10, 1.0, dict(tau_m=10., is_stateful=False, act_fx="tanh"))
dump("rate_cells", {"description": "RateCell driven by given j and j_td", "cases": rate})
print("done 10")

# ---------- 11. a saved model with a JointProcess (advance, then evolve), continued after saving ----------
def joint_model(save_dir, model_name, before, after):
    k = random.split(random.PRNGKey(31), 5)
    with Context(model_name) as ctx:
        pre = PoissonCell("pre", n_units=12, target_freq=80., key=k[0])
        W = TraceSTDPSynapse("W", shape=(12, 3), A_plus=0.02, A_minus=0.005, weight_init=DG.uniform(0.2, 0.6),
                             resist_scale=40., key=k[1])
        post = LIFCell("post", n_units=3, tau_m=10., thr=-52., v_rest=-65., v_reset=-60., tau_theta=0., theta_plus=0.,
                       refract_time=2., key=k[2])
        tp = VarTrace("tp", n_units=12, tau_tr=20., a_delta=0., key=k[3])
        tq = VarTrace("tq", n_units=3, tau_tr=20., a_delta=0., key=k[4])
        pre.outputs >> W.inputs; W.outputs >> post.j; pre.outputs >> tp.inputs; post.s >> tq.inputs
        pre.outputs >> W.preSpike; post.s >> W.postSpike; tp.trace >> W.preTrace; tq.trace >> W.postTrace
        adv = MethodProcess("advance") >> pre.advance_state >> W.advance_state >> post.advance_state \
            >> tp.advance_state >> tq.advance_state
        evo = MethodProcess("evolve") >> W.evolve
        fwd = JointProcess("forward") >> adv >> evo
        rst = MethodProcess("reset") >> pre.reset >> W.reset >> post.reset >> tp.reset >> tq.reset
    rst.run()
    pre.inputs.set(jnp.ones((1, 12)))
    for t in range(1, before + 1):
        fwd.run(t=t * 1.0, dt=1.0)
    os.makedirs(save_dir, exist_ok=True); ctx.save_to_json(save_dir, overwrite=True)
    spk = []
    for t in range(before + 1, before + after + 1):
        fwd.run(t=t * 1.0, dt=1.0)
        spk.append([int(i) for i in np.nonzero(np.asarray(post.s.get())[0])[0]])
    return {"description": "Poisson(12) -> TraceSTDP(12x3) -> LIF(3) with traces; processes advance, evolve and the "
                           "JointProcess forward = advance >> evolve; run `before` steps of forward (t = 1.., dt = 1), "
                           "saved, then `after` more steps (spikes and final weights recorded)",
            "model_dir": model_name, "before": before, "after": after, "post_spike_indices": spk,
            "weights_after": L(W.weights.get())}
dump("joint_process_model", joint_model(os.path.join(out, "models"), "joint_circuit", 100, 200))
print("done 11")

# ---------- 12. jnp.tanh as XLA computes it (jitted), on values across its ranges ----------
xs = np.concatenate([rng.normal(0, 1.5, 3000), rng.uniform(-0.002, 0.002, 500), rng.uniform(-12, 12, 500),
                     np.array([0.0, -0.0, 0.0004, -0.0004, 0.00039, 9.0, -9.0, 20.0, -20.0])]).astype(np.float32)
dump("xla_tanh", {"description": "jax.jit(jnp.tanh) of float32 values (bit patterns as uint32)",
                  "x_bits": xs.view(np.uint32).tolist(),
                  "tanh_bits": np.asarray(jax.jit(jnp.tanh)(jnp.asarray(xs))).view(np.uint32).tolist()})
print("done 12")

# ---------- 13. HebbianSynapse: the rule, its priors and bounds, SGD / Adam / NAG, biases, and saved optimiser state ----------
from ngclearn.components import HebbianSynapse
rng13 = np.random.default_rng(1313)
def hebbian_given(n_pre, n_post, batch, steps, kw, bias=False, mask=None):
    with Context(ctxname("hebb")) as ctx:
        extra = {} if mask is None else {"mask": jnp.asarray(mask)}
        W = HebbianSynapse("W", shape=(n_pre, n_post), batch_size=batch, weight_init=DG.uniform(-0.5, 0.5),
                           bias_init=DG.uniform(-0.1, 0.1) if bias else None, key=random.PRNGKey(13), **kw, **extra)
        adv = MethodProcess("adv") >> W.advance_state >> W.evolve
        rst = MethodProcess("rst") >> W.reset
    rst.run()
    w0, b0 = L(W.weights.get()), L(W.biases.get())
    xs = rng13.normal(0, 1, size=(steps, batch, n_pre)).astype(np.float32)
    pre = rng13.uniform(-1, 1, size=(steps, batch, n_pre)).astype(np.float32)
    post = rng13.normal(0, 0.5, size=(steps, batch, n_post)).astype(np.float32)
    rec = {"outputs": [], "weights": [], "biases": [], "dWeights": [], "dBiases": []}
    for t in range(steps):
        W.inputs.set(jnp.asarray(xs[t])); W.pre.set(jnp.asarray(pre[t])); W.post.set(jnp.asarray(post[t]))
        adv.run(t=t * 1.0, dt=1.0)
        for k_ in rec: rec[k_].append(L(getattr(W, k_).get()))
    kw_out = {k_: (list(v) if isinstance(v, tuple) else v) for k_, v in kw.items()}
    kw_out = {k_: ([v[0], list(v[1])] if isinstance(v, list) and len(v) == 2 and isinstance(v[1], tuple) else v)
              for k_, v in kw_out.items()}
    return {"component": "HebbianSynapse", "kwargs": kw_out, "shape": [n_pre, n_post], "batch_size": batch,
            "steps": steps, "bias_init": "uniform(-0.1, 0.1)" if bias else None, "weights0": w0, "biases0": b0,
            "mask": None if mask is None else L(mask), "inputs": L(xs), "pre": L(pre), "post": L(post), "trace": rec,
            "note": "weights0/biases0 are those built from key PRNGKey(13) (weights uniform(-0.5, 0.5)); each step "
                    "inputs, pre and post set, then advance_state then evolve (one process, t = k, dt = 1); "
                    "compartments after each step"}
mask13 = (rng13.uniform(0, 1, size=(6, 4)) < 0.7).astype(np.float32)
hebb = {
    "sgd_default_bound": hebbian_given(6, 4, 1, 150, dict(eta=0.01)),
    "sgd_unbounded_sign": hebbian_given(6, 4, 1, 150, dict(eta=0.02, w_bound=0., sign_value=-1.)),
    "sgd_nonneg_l2_batch2": hebbian_given(6, 4, 2, 150, dict(eta=0.01, w_bound=0.8, is_nonnegative=True, prior=("l2", 0.05), pre_wght=0.7, post_wght=1.5)),
    "sgd_l1_weights_biases": hebbian_given(6, 4, 1, 150, dict(eta=0.01, prior=("lasso", 0.02), pre_wght=0.5, post_wght=2.0), bias=True),
    "sgd_elastic_net_mask": hebbian_given(6, 4, 1, 150, dict(eta=0.01, prior=("elastic_net", (0.05, 0.3)), resist_scale=2.0), mask=mask13),
    "sgd_gaussian_name_wdecay": hebbian_given(6, 4, 1, 100, dict(eta=0.01, prior=("gaussian", 0.0), w_decay=0.03)),
    "sgd_laplacian_name": hebbian_given(6, 4, 1, 100, dict(eta=0.01, prior=("laplacian", 0.01))),
    "adam_biases": hebbian_given(6, 4, 1, 200, dict(eta=0.005, optim_type="adam", sign_value=-1., resist_scale=1.5), bias=True),
    "adam_batch2_l1l2": hebbian_given(6, 4, 2, 200, dict(eta=0.002, optim_type="adam", w_bound=0., prior=("l1l2", (0.01, 0.5)))),
    "nag_biases": hebbian_given(6, 4, 1, 150, dict(eta=0.01, optim_type="nag", w_bound=2.0), bias=True),
}
dump("hebbian_given", {"description": "HebbianSynapse driven by given inputs, pre and post statistics", "cases": hebb})

def hebbian_model(save_dir, model_name, optim, before, after, bias):
    rs = np.random.default_rng(1314)
    with Context(model_name) as ctx:
        W = HebbianSynapse("W", shape=(5, 3), eta=0.01, optim_type=optim, sign_value=-1., w_bound=0.,
                           weight_init=DG.gaussian(0., 0.3), bias_init=DG.constant(0.05) if bias else None,
                           key=random.PRNGKey(14))
        adv = MethodProcess("adv") >> W.advance_state >> W.evolve
        rst = MethodProcess("rst") >> W.reset
    rst.run()
    sig = [(rs.normal(0, 1, (1, 5)).astype(np.float32), rs.normal(0, 1, (1, 5)).astype(np.float32),
            rs.normal(0, 0.5, (1, 3)).astype(np.float32)) for _ in range(before + after)]
    def step(t):
        x, p, q = sig[t]
        W.inputs.set(jnp.asarray(x)); W.pre.set(jnp.asarray(p)); W.post.set(jnp.asarray(q))
        adv.run(t=t * 1.0, dt=1.0)
    for t in range(before): step(t)
    os.makedirs(save_dir, exist_ok=True); ctx.save_to_json(save_dir, overwrite=True)
    outs = []
    for t in range(before, before + after):
        step(t); outs.append(L(W.outputs.get()))
    # ngclearn as a user meets it after loading (a fresh interpreter: one process keeps one context per name).
    # Loaded, a synapse has no bias_init (ngclearn does not save initialisers), so its biases stop learning.
    code = ("import sys, json, numpy as np; from jax import numpy as jnp; from ngclearn import Context\n"
            "d, n, before, after, sig = json.loads(sys.stdin.read())\n"
            "ctx = Context.load(d, n); W = ctx.get_components('W'); adv = ctx.get_objects('adv', objectType='process')\n"
            "outs = []\n"
            "for t in range(before, before + after):\n"
            "    x, p, q = sig[t]\n"
            "    W.inputs.set(jnp.asarray(x, dtype=jnp.float32)); W.pre.set(jnp.asarray(p, dtype=jnp.float32)); W.post.set(jnp.asarray(q, dtype=jnp.float32))\n"
            "    adv.run(t=t * 1.0, dt=1.0); outs.append(np.asarray(W.outputs.get()).tolist())\n"
            "print(json.dumps([outs, np.asarray(W.weights.get()).tolist(), np.asarray(W.biases.get()).tolist()]))\n")
    import subprocess
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         input=json.dumps([save_dir, model_name, before, after, [[L(a) for a in s] for s in sig]]))
    lo, lw, lb = json.loads(res.stdout.strip().splitlines()[-1])
    return {"model_dir": model_name, "optim_type": optim, "before": before, "after": after,
            "loaded_outputs_after": lo, "loaded_weights_after": lw, "loaded_biases_after": lb,
            "inputs": [L(s[0]) for s in sig], "pre": [L(s[1]) for s in sig], "post": [L(s[2]) for s in sig],
            "outputs_after": outs, "weights_after": L(W.weights.get()), "biases_after": L(W.biases.get())}
hm = {o: hebbian_model(os.path.join(out, "models"), f"hebbian_{o}", o, 40, 30, o != "sgd") for o in ["sgd", "adam", "nag"]}
dump("hebbian_models", {"description": "HebbianSynapse(5x3, eta 0.01, sign_value -1, w_bound 0) with each optimiser (biases "
                        "constant(0.05) for adam and nag): run `before` steps of adv = advance_state >> evolve with the "
                        "given signals, saved (with custom/W_opt_params.pkl), then `after` more steps", "models": hm})
print("done 13")

# ---------- 14. learning rules: MSTDPETSynapse, RewardErrorCell, EventSTDPSynapse, BCMSynapse, STPDenseSynapse ----------
from ngclearn.components import (MSTDPETSynapse, RewardErrorCell, EventSTDPSynapse, BCMSynapse, STPDenseSynapse)
rng_rules = np.random.default_rng(1304)
RULE_CLS = {c.__name__: c for c in (MSTDPETSynapse, RewardErrorCell, EventSTDPSynapse, BCMSynapse, STPDenseSynapse)}
RULE_TRACE = {
    "MSTDPETSynapse": ["outputs", "weights", "dWeights", "eligibility", "outmask"],
    "RewardErrorCell": ["mu", "rpe", "accum_reward", "n_ep_steps"],
    "EventSTDPSynapse": ["outputs", "weights", "dWeights"],
    "BCMSynapse": ["outputs", "weights", "dWeights", "theta", "post_term"],
    "STPDenseSynapse": ["outputs", "u", "x", "Wdyn"],
}

def rule_case(comp, kw, dt, steps, inputs, batch=1, shape=None, n_units=None, weights0=None, resources0=None,
              methods=("advance_state", "evolve"), key_seed=13, note=""):
    cls = RULE_CLS[comp]
    with Context(ctxname("rules")) as ctx:
        if shape is not None:
            W = cls("W", shape=tuple(shape), batch_size=batch, weight_init=DG.constant(value=0.5),
                    key=random.PRNGKey(key_seed), **kw)
        else:
            W = cls("W", n_units=n_units, batch_size=batch, key=random.PRNGKey(key_seed), **kw)
        step = MethodProcess("step")
        for m in methods:
            step = step >> getattr(W, m)
        rst = MethodProcess("rst") >> W.reset
    case = {"component": comp, "kwargs": {k_: (list(v) if isinstance(v, tuple) else v) for k_, v in kw.items()}}
    if shape is not None:
        case["shape"] = list(shape)
    else:
        case["n_units"] = n_units
    case.update({"batch_size": batch, "key_seed": key_seed, "dt": dt, "steps": steps})
    if weights0 is not None:
        W.weights.set(jnp.asarray(weights0, dtype=jnp.float32)); case["weights0"] = L(weights0)
    if comp == "STPDenseSynapse":
        if resources0 is not None:
            W.resources.set(jnp.asarray(resources0, dtype=jnp.float32))
            case["resources_from_key"] = False
        else:
            case["resources_from_key"] = True  # resources_init default uniform(0.125, 0.175), drawn with the key
        case["resources0"] = L(W.resources.get())
    if comp == "BCMSynapse":
        case["theta0_value"] = L(W.theta.get())
    if comp == "MSTDPETSynapse" and kw.get("tau_elg", 0.) > 0.:
        # the per-step eligibility decay as XLA computes it: exp(f32(-dt) * f32(1/tau_elg))
        case["elg_exp_factor"] = float(jax.jit(lambda a: jnp.exp(-a * (1. / kw["tau_elg"])))(jnp.float32(dt)))
    rst.run()
    rec = {n_: [] for n_ in RULE_TRACE[comp]}
    for t in range(steps):
        for c_, arr in inputs.items():
            getattr(W, c_).set(jnp.asarray(arr[t]))
        step.run(t=t * dt, dt=dt)
        for n_ in rec:
            rec[n_].append(L(getattr(W, n_).get()))
    case["inputs"] = {k_: L(v) for k_, v in inputs.items()}
    case["methods"] = list(methods)
    case["trace"] = rec
    case["note"] = note
    return case

def spikes_r(steps, b, n, p):
    return (rng_rules.uniform(0, 1, size=(steps, b, n)) < p).astype(np.float32)
def unif_r(steps, b, n, lo=0., hi=1.):
    return rng_rules.uniform(lo, hi, size=(steps, b, n)).astype(np.float32)
def w0_r(n_pre, n_post, lo=0.1, hi=0.6):
    return rng_rules.uniform(lo, hi, size=(n_pre, n_post)).astype(np.float32)

rules_cases = {}
# --- MSTDPETSynapse: spikes + given traces + a reward modulator (batch, 1) ---
def mstdp_inputs(steps, b, n_pre, n_post, mod):
    sp = spikes_r(steps, b, n_pre, 0.15); sq = spikes_r(steps, b, n_post, 0.1)
    return {"inputs": sp, "preSpike": sp, "postSpike": sq, "preTrace": unif_r(steps, b, n_pre),
            "postTrace": unif_r(steps, b, n_post), "modulator": mod.astype(np.float32)}
T = 200
rules_cases["mstdp_defaults"] = rule_case("MSTDPETSynapse", dict(A_plus=0.02, A_minus=0.01), 1.0, T,
    mstdp_inputs(T, 1, 5, 3, rng_rules.uniform(-1, 1, size=(T, 1, 1))), shape=(5, 3), weights0=w0_r(5, 3), key_seed=21,
    note="tau_elg=0: M-STDP, eligibility = previous dWeights; modulator uniform(-1, 1) each step")
T = 300
sparse_r = np.where(rng_rules.uniform(0, 1, size=(T, 1, 1)) < 0.1, rng_rules.choice([-1., 1.], size=(T, 1, 1)), 0.)
rules_cases["mstdpet_elg_sparse_reward"] = rule_case("MSTDPETSynapse", dict(A_plus=0.03, A_minus=0.015, tau_elg=10.), 1.0, T,
    mstdp_inputs(T, 1, 5, 3, sparse_r), shape=(5, 3), weights0=w0_r(5, 3), key_seed=22,
    note="M-STDP-ET, tau_elg=10, elg_decay=1; sparse +-1 rewards (10% of steps)")
T = 200
rules_cases["mstdpet_decay_tauw_mu"] = rule_case("MSTDPETSynapse", dict(A_plus=0.05, A_minus=0.03, eta=0.5, mu=1.0, pretrace_target=0.1,
    tau_elg=5., elg_decay=0.7, tau_w=100., w_bound=0.9, resist_scale=2.0), 0.5, T,
    mstdp_inputs(T, 1, 5, 3, rng_rules.uniform(0, 1.5, size=(T, 1, 1))), shape=(5, 3), weights0=w0_r(5, 3), key_seed=23,
    note="elg_decay, tau_w decay (W * (1/tau_w)), power mu=1, pretrace_target, w_bound, resist_scale, dt=0.5")
T = 200
rules_cases["mstdpet_no_ltd"] = rule_case("MSTDPETSynapse", dict(A_plus=0.04, A_minus=0., tau_elg=20.), 1.0, T,
    mstdp_inputs(T, 1, 4, 3, rng_rules.normal(0, 1, size=(T, 1, 1))), shape=(4, 3), weights0=w0_r(4, 3), key_seed=24,
    note="A_minus=0: no depression term; tau_elg=20; gaussian modulator")
T = 150
rules_cases["mstdpet_batch2_rowquirk"] = rule_case("MSTDPETSynapse", dict(A_plus=0.03, A_minus=0.02, tau_elg=8.), 1.0, T,
    mstdp_inputs(T, 2, 2, 4, rng_rules.uniform(-1, 1, size=(T, 2, 1))), batch=2, shape=(2, 4), weights0=w0_r(2, 4), key_seed=25,
    note="QUIRK: batch 2 only runs because n_pre == batch_size == 2: modulator (2,1) scales weight ROW i by batch row i's "
         "reward; outmask is (2,4). Any batch_size > 1 with n_pre != batch_size crashes in evolve")
# --- RewardErrorCell: graded reward ---
def rewards(T, b, n):
    return (rng_rules.normal(0.3, 1.0, size=(T, b, n)) * (rng_rules.uniform(0, 1, size=(T, b, n)) < 0.6)).astype(np.float32)
T = 200
rules_cases["reward_defaults_advance"] = rule_case("RewardErrorCell", dict(alpha=0.1), 1.0, T, {"reward": rewards(T, 1, 4)},
    n_units=4, methods=("advance_state",), key_seed=31, note="advance_state only; online predictor (default)")
rules_cases["reward_batch2_advance_evolve"] = rule_case("RewardErrorCell", dict(alpha=0.05), 1.0, T, {"reward": rewards(T, 2, 4)},
    batch=2, n_units=4, key_seed=32, note="advance_state then evolve every step; ema_window_len=10 (default)")
rules_cases["reward_ema20_alpha03"] = rule_case("RewardErrorCell", dict(alpha=0.3, ema_window_len=20), 0.5, T, {"reward": rewards(T, 1, 5)},
    n_units=5, key_seed=33, note="alpha=0.3, ema_window_len=20, advance then evolve")
rules_cases["reward_single_unit_batch2"] = rule_case("RewardErrorCell", dict(alpha=0.15, ema_window_len=7), 1.0, 150,
    {"reward": rewards(150, 2, 1)}, batch=2, n_units=1, key_seed=35,
    note="n_units=1: accum_reward / n_ep_steps stays a true division (for n_units > 1 XLA computes accum_reward * (1 / n_ep_steps))")
rules_cases["reward_no_online_predictor"] = rule_case("RewardErrorCell", dict(alpha=0.2, ema_window_len=5, use_online_predictor=False), 1.0, 150,
    {"reward": rewards(150, 2, 3)}, batch=2, n_units=3, key_seed=34,
    note="use_online_predictor=False: mu never changes (stays 0) in advance or evolve; rpe = reward")
# --- EventSTDPSynapse: pre-synaptic time-of-last-spike + post spikes ---
def event_inputs(T, b, n_pre, n_post, dt, p_pre=0.15, p_post=0.1):
    sp = spikes_r(T, b, n_pre, p_pre); sq = spikes_r(T, b, n_post, p_post)
    tols = np.zeros_like(sp); cur = np.zeros((b, n_pre), np.float32)
    for t in range(T):
        cur = np.where(sp[t] > 0, np.float32(t * dt), cur).astype(np.float32); tols[t] = cur
    return {"inputs": sp, "pre_tols": tols, "postSpike": sq}
T = 200
rules_cases["event_defaults"] = rule_case("EventSTDPSynapse", dict(eta=0.05), 1.0, T, event_inputs(T, 1, 5, 3, 1.0),
    shape=(5, 3), weights0=w0_r(5, 3), key_seed=41,
    note="pre_tols[k] = k*dt where inputs[k] spikes, else previous (0 initially); defaults lmbda=0.01, A_plus=A_minus=1, presyn_win_len=2")
T = 300
rules_cases["event_lmbda_amps_win5"] = rule_case("EventSTDPSynapse", dict(eta=0.1, lmbda=0.1, A_plus=0.6, A_minus=0.3, presyn_win_len=5.,
    w_bound=0.8, resist_scale=1.5), 0.5, T, event_inputs(T, 1, 5, 3, 0.5, 0.1, 0.15), shape=(5, 3), weights0=w0_r(5, 3), key_seed=42,
    note="lmbda, A_plus, A_minus, presyn_win_len=5 (10 steps at dt=0.5), w_bound=0.8 (upper clip), resist_scale")
T = 200
rules_cases["event_win0_lowclip"] = rule_case("EventSTDPSynapse", dict(eta=0.2, presyn_win_len=0.), 1.0, T, event_inputs(T, 1, 4, 3, 1.0, 0.2, 0.2),
    shape=(4, 3), weights0=w0_r(4, 3, 0.0, 0.5), key_seed=43,
    note="presyn_win_len=0: pre spike iff pre_tols == t (and > 0); weights0 in [0, 0.5): the hard-coded 0.01 lower clip lifts small weights at step 0")
# --- BCMSynapse: graded pre / post (given) ---
def bcm_inputs(T, b, n_pre, n_post, lo=0., hi=1.):
    x = unif_r(T, b, n_pre, 0., 1.)
    return {"inputs": x, "pre": x, "post": unif_r(T, b, n_post, lo, hi)}
T = 200
rules_cases["bcm_defaults"] = rule_case("BCMSynapse", dict(tau_w=200., tau_theta=20.), 1.0, T, bcm_inputs(T, 1, 5, 3),
    shape=(5, 3), weights0=w0_r(5, 3), key_seed=51,
    note="theta0=-1 (default), w_bound=0 (no bound factor), w_decay=0; theta is NOT reset by reset()")
rules_cases["bcm_theta0_bound_decay_batch2"] = rule_case("BCMSynapse", dict(tau_w=50., tau_theta=30., theta0=0.5, w_bound=1.0, w_decay=0.1),
    0.5, T, bcm_inputs(T, 2, 5, 3, 0.2, 1.2), batch=2, shape=(5, 3), weights0=w0_r(5, 3), key_seed=52,
    note="batch 2 (dW sums over batch rows, theta target = batch mean of post^2, theta rows stay equal); w_bound factor (w_bound-|W|); w_decay")
rules_cases["bcm_wbound2_rscale"] = rule_case("BCMSynapse", dict(tau_w=100., tau_theta=10., theta0=0.2, w_bound=2.0, resist_scale=0.5),
    1.0, 300, bcm_inputs(300, 1, 4, 3, 0., 1.5), shape=(4, 3), weights0=w0_r(4, 3), key_seed=53,
    note="theta0=0.2, w_bound=2 (multiplicative factor only, no clipping), resist_scale=0.5, 300 steps")
# --- STPDenseSynapse: only square shapes (n_pre == n_post) with batch 1 (or batch == n) run ---
T = 200
rules_cases["stp_defaults"] = rule_case("STPDenseSynapse", {}, 1.0, T, {"inputs": spikes_r(T, 1, 4, 0.2)}, shape=(4, 4),
    weights0=w0_r(4, 4, 0.2, 1.0), methods=("advance_state",), key_seed=61,
    note="tau_f=750, tau_d=50; resources from the key (subkeys[2] of split(key, 4), the same subkey DenseSynapse uses for biases); "
         "u, x are (1,4) after reset and (4,4) after the first step (broadcast), pre unit indexed along the LAST axis")
rules_cases["stp_facilitation"] = rule_case("STPDenseSynapse", dict(tau_f=30., tau_d=200., resist_scale=2.0), 1.0, T,
    {"inputs": spikes_r(T, 1, 4, 0.15)}, shape=(4, 4), weights0=w0_r(4, 4, 0.2, 1.0),
    resources0=rng_rules.uniform(0.05, 0.2, size=(4, 4)).astype(np.float32), methods=("advance_state",), key_seed=62,
    note="STF-dominated; resources set via W.resources.set before reset")
rules_cases["stp_no_stf"] = rule_case("STPDenseSynapse", dict(tau_f=0., tau_d=20.), 1.0, T, {"inputs": spikes_r(T, 1, 4, 0.2)},
    shape=(4, 4), weights0=w0_r(4, 4, 0.2, 1.0), resources0=rng_rules.uniform(0.3, 0.6, size=(4, 4)).astype(np.float32),
    methods=("advance_state",), key_seed=63, note="tau_f=0: u = resources every step")
rules_cases["stp_no_std"] = rule_case("STPDenseSynapse", dict(tau_f=50., tau_d=0.), 1.0, T, {"inputs": spikes_r(T, 1, 5, 0.1)},
    shape=(5, 5), weights0=w0_r(5, 5, 0.2, 1.0), resources0=rng_rules.uniform(0.1, 0.3, size=(5, 5)).astype(np.float32),
    methods=("advance_state",), key_seed=64, note="tau_d=0: x never changes after reset (stays (1,5) ones)")
rules_cases["stp_batch3_quirk"] = rule_case("STPDenseSynapse", dict(tau_f=40., tau_d=30.), 1.0, 100, {"inputs": spikes_r(100, 3, 3, 0.25)},
    batch=3, shape=(3, 3), weights0=w0_r(3, 3, 0.2, 1.0), methods=("advance_state",), key_seed=65,
    note="QUIRK: batch 3 runs only because batch == n_pre == n_post: batch row b of u/x/s is broadcast onto weight row b")
dump("learning_rules", {"description": "MSTDPETSynapse, RewardErrorCell, EventSTDPSynapse, BCMSynapse and STPDenseSynapse driven by given "
    "signals. Per case: construct (weight_init irrelevant: weights0 set via W.weights.set after construction; STP resources0 set via "
    "W.resources.set unless resources_from_key), reset once, then for step k = 0..steps-1: every inputs[c][k] set on compartment c, "
    "one MethodProcess of `methods` run with t = k*dt, dt; trace = compartments after each step (shapes as ngclearn has them)",
    "cases": rules_cases})
print("done 14")

# ---------- 15. more spiking cells, LatencyCell, ExpKernel and LeakyNoiseCell driven by given inputs ----------
from ngclearn.components import (SLIFCell, IFCell, QuadLIFCell, AdExCell, IzhikevichCell, FitzhughNagumoCell,
                                 WTASCell, LatencyCell, ExpKernel, LeakyNoiseCell)
rng_cells = np.random.default_rng(1303)

from fixture_cases import cell_case  # noqa: E402  (the case format other scripts share)

def u_in(steps, b, n, lo, hi):
    return rng_cells.uniform(lo, hi, size=(steps, b, n)).astype(np.float32)
def spikes_in(steps, b, n, p):
    return (rng_cells.uniform(0, 1, size=(steps, b, n)) < p).astype(np.float32)
def const_in(steps, b, n, lo, hi):
    x = rng_cells.uniform(lo, hi, size=(1, b, n)).astype(np.float32)
    return np.repeat(x, steps, axis=0)

cells = {}
# --- SLIFCell: tau_m, resist_m, thr required; thresholds = thr + uniform jitter (2nd key split) ---
SLIF_TR = ["v", "s", "thr", "rfr", "tols", "surrogate", "j"]
cells["slif_defaults"] = cell_case(SLIFCell, dict(tau_m=20., resist_m=1., thr=0.4), 5, 1, 101, 1.0, 120,
                                   {"j": u_in(120, 1, 5, 0.2, 1.5)}, SLIF_TR)
cells["slif_refract_sticky_adaptive_batch2"] = cell_case(
    SLIFCell, dict(tau_m=10., resist_m=1.5, thr=0.5, thr_gain=0.02, thr_leak=0.002, refract_time=3., sticky_spikes=True,
                   thr_jitter=0.1), 4, 2, 102, 1.0, 120, {"j": u_in(120, 2, 4, 0.0, 1.6)}, SLIF_TR, reset_at=60,
    note="thr_persist=False: reset at reset_at restores thr to its initial value")
cells["slif_persist_inhibition"] = cell_case(
    SLIFCell, dict(tau_m=8., resist_m=1., thr=0.45, resist_inh=0.3, thr_persist=True, thr_gain=0.01, thr_leak=0.001,
                   refract_time=2.), 5, 1, 103, 0.5, 160, {"j": u_in(160, 1, 5, 0.0, 2.0)}, SLIF_TR, reset_at=80,
    note="lateral inhibition uses the previous step's s and the cell's internal inh_weights (1st key split); "
         "thr_persist=True: thr is not reset at reset_at")
cells["slif_rho_b_batch2"] = cell_case(
    SLIFCell, dict(tau_m=12., resist_m=1.3, thr=0.3, rho_b=0.002, refract_time=1.5, thr_jitter=0., resist_inh=0.2), 5, 2, 104, 1.0, 100,
    {"j": u_in(100, 2, 5, -0.2, 1.4)}, SLIF_TR,
    note="rho_b > 0: thr += (sum_row(s) - 1) * rho_b, floored at 0.025 (thr becomes [batch, n])")

# --- IFCell (no batch_size argument: batch is always 1) ---
IF_TR = ["v", "s", "rfr", "tols"]
cells["if_defaults"] = cell_case(IFCell, dict(tau_m=10.), 5, 1, 201, 0.1, 200,
                                 {"j": u_in(200, 1, 5, -20., 90.)}, IF_TR, batch_kw=False,
                                 note="no batch_size argument; lower_clamp_voltage=True clamps v at v_rest")
cells["if_refract_rk2"] = cell_case(IFCell, dict(tau_m=5., resist_m=2., thr=-50., v_rest=-70., v_reset=-65., refract_time=1.,
                                                 integration_type="rk2"), 4, 1, 202, 0.1, 200,
                                    {"j": u_in(200, 1, 4, 0., 30.)}, IF_TR, batch_kw=False, reset_at=100)
cells["if_no_clamp"] = cell_case(IFCell, dict(tau_m=8., refract_time=0.5, lower_clamp_voltage=False), 4, 1, 203, 0.1, 150,
                                 {"j": u_in(150, 1, 4, -40., 70.)}, IF_TR, batch_kw=False,
                                 note="lower_clamp_voltage=False: 3.1.1 stores the pre-reset voltage, so v is never reset "
                                      "after a spike (quirk) and it is not clamped")

# --- QuadLIFCell (LIFCell subclass; no batch_size) ---
Q_TR = ["v", "s", "s_raw", "rfr", "thr_theta", "tols"]
cells["quadlif_defaults"] = cell_case(QuadLIFCell, dict(tau_m=10.), 5, 1, 301, 0.1, 200,
                                      {"j": u_in(200, 1, 5, 0., 15.)}, Q_TR, batch_kw=False)
cells["quadlif_rk2_adaptive"] = cell_case(
    QuadLIFCell, dict(tau_m=8., resist_m=1.5, thr=-50., v_rest=-66., v_reset=-62., v_scale=-45., critical_v=0.05,
                      tau_theta=40., theta_plus=0.8, refract_time=2., integration_type="midpoint"), 5, 1, 302, 0.1, 200,
    {"j": u_in(200, 1, 5, 10., 40.)}, Q_TR, batch_kw=False, reset_at=120,
    note="thr_theta is not reset by reset")
cells["quadlif_vmin_critical_V_alias"] = cell_case(
    QuadLIFCell, dict(tau_m=10., v_reset=-68., critical_V=0.05, v_min=-70., refract_time=1., tau_theta=0.), 4, 1, 303, 0.1, 200,
    {"j": u_in(200, 1, 4, 20., 45.)}, Q_TR, batch_kw=False,
    note="critical_V is the deprecated alias of critical_v; tau_theta=0 disables the threshold update; v_min clamps v")
cells["quadlif_one_spike"] = cell_case(
    QuadLIFCell, dict(tau_m=10., critical_v=0.03, refract_time=1., one_spike=True), 4, 1, 304, 0.1, 200,
    {"j": u_in(200, 1, 4, 20., 45.)}, Q_TR, batch_kw=False, key_trace=True,
    note="one_spike: key, skey = split(key); s = one_hot(argmax(s * uniform(skey, s.shape))) if any spike; key advances "
         "every step; key_trace = key (uint32 pair) after each step")
cells["quadlif_max_one_spike"] = cell_case(
    QuadLIFCell, dict(tau_m=10., critical_v=0.03, refract_time=1., max_one_spike=True), 4, 1, 305, 0.1, 200,
    {"j": u_in(200, 1, 4, 20., 45.)}, Q_TR, batch_kw=False,
    note="max_one_spike (LIFCell kwarg passed through **kwargs): s = s * one_hot(argmax(v before the step))")

# --- AdExCell ---
A_TR = ["v", "w", "s", "tols"]
cells["adex_defaults"] = cell_case(AdExCell, {}, 5, 1, 401, 0.5, 200, {"j": u_in(200, 1, 5, 20., 60.)}, A_TR)
cells["adex_rk2_batch2"] = cell_case(AdExCell, dict(integration_type="rk2", v_sharpness=8., tau_m=10., resist_m=0.8, tau_w=100., a=0.3, b=2.),
                                     4, 2, 402, 0.2, 200, {"j": u_in(200, 2, 4, 30., 80.)}, A_TR, reset_at=100,
                                     note="v_sharpness=8 keeps the midpoint stage finite (with the default 2, rk2 overflows exp to inf and the reset gives NaN)")
cells["adex_bursting_v_thr_alias"] = cell_case(
    AdExCell, dict(tau_m=5., resist_m=0.7, tau_w=100., v_sharpness=1.5, intrinsic_mem_thr=-50., v_thr=0., v_rest=-70.,
                   v_reset=-51., a=0.5, b=7., v0=-68., w0=1.), 4, 1, 403, 0.2, 200,
    {"j": u_in(200, 1, 4, 60., 120.)}, A_TR, note="v_thr is the deprecated alias of thr")

# --- IzhikevichCell (no batch_size) ---
I_TR = ["v", "w", "s", "tols"]
izh_types = {
    "izh_regular_spiking": ({}, 0.25, 10., 20.),
    "izh_intrinsically_bursting_rk2": (dict(v_reset=-55., w_reset=4., integration_type="rk2"), 0.25, 10., 20.),
    "izh_chattering": (dict(v_reset=-50., w_reset=2.), 0.25, 10., 20.),
    "izh_fast_spiking_resist": (dict(tau_w=10., resist_m=1.7), 0.25, 6., 12.),
    "izh_low_threshold": (dict(tau_w=10., coupling_factor=0.25, w_reset=2.), 0.25, 5., 15.),
    "izh_resonator_rk2": (dict(tau_w=10., coupling_factor=0.26, integration_type="midpoint", tau_m=2.), 0.5, 5., 15.),
}
for i_, (name_, (kw_, dt_, lo_, hi_)) in enumerate(izh_types.items()):
    cells[name_] = cell_case(IzhikevichCell, kw_, 4, 1, 501 + i_, dt_, 200, {"j": u_in(200, 1, 4, lo_, hi_)}, I_TR,
                             batch_kw=False, reset_at=(100 if i_ == 0 else None),
                             note="spikes are taken from v BEFORE the step (s = v_prev > v_thr), so v overshoots for one step")

# --- FitzhughNagumoCell (no batch_size) ---
F_TR = ["v", "w", "s", "tols"]
cells["fn_defaults"] = cell_case(FitzhughNagumoCell, {}, 4, 1, 601, 0.5, 200, {"j": u_in(200, 1, 4, 0.3, 1.0)}, F_TR,
                                 batch_kw=False, note="s = v > v_thr on every step above threshold (no reset by default)")
cells["fn_rk2_spike_reset"] = cell_case(
    FitzhughNagumoCell, dict(integration_type="rk2", spike_reset=True, v0=-1.2, w0=-0.6, v_thr=1.0), 4, 1, 602, 0.5, 200,
    {"j": u_in(200, 1, 4, 0.3, 1.2)}, F_TR, batch_kw=False, reset_at=100)
cells["fn_params"] = cell_case(
    FitzhughNagumoCell, dict(tau_m=2., resist_m=1.5, tau_w=10., alpha=0.5, beta=0.6, gamma=2.5, v_thr=0.9), 4, 1, 603,
    0.5, 200, {"j": u_in(200, 1, 4, 0.2, 0.8)}, F_TR, batch_kw=False)

# --- WTASCell ---
W_TR = ["v", "s", "thr", "rfr", "tols"]
cells["wtas_defaults"] = cell_case(WTASCell, dict(tau_m=1.), 5, 1, 701, 1.0, 80,
                                   {"j": rng_cells.normal(0, 2.0, size=(80, 1, 5)).astype(np.float32)}, W_TR)
cells["wtas_refract_batch2_thrBase_alias"] = cell_case(
    WTASCell, dict(tau_m=5., resist_m=1.5, thrBase=0.3, thr_gain=0.05, refract_time=2., thr_jitter=0.02), 4, 2, 702, 1.0, 80,
    {"j": rng_cells.normal(0, 1.5, size=(80, 2, 4)).astype(np.float32)}, W_TR, reset_at=40,
    note="thrBase is the deprecated alias of thr_base; thr is [1, n] until the first step, then [batch, n]; "
         "reset does not touch thr")
cells["wtas_threshold_floor"] = cell_case(
    WTASCell, dict(tau_m=1., thr_base=0.3, thr_gain=0.15, refract_time=1.), 6, 1, 703, 0.5, 60,
    {"j": rng_cells.normal(0, 1.0, size=(60, 1, 6)).astype(np.float32)}, W_TR,
    note="large thr_gain drives thr to its floor 0.025")

# --- LatencyCell: process = calc_spike_times >> advance_state each step ---
LT_TR = ["outputs", "mask", "clip_mask", "targ_sp_times", "tols"]
LT_NOTE = ("process = calc_spike_times then advance_state, each step, with t = step*dt (the cell uses t, not dt; "
           "spike times are compared with t)")
def lat_inputs(steps, b, n, half=True):
    a = rng_cells.uniform(0, 1, size=(1, b, n)).astype(np.float32)
    a[0, 0, 0] = 0.005; a[0, -1, -1] = 0.0100001; a[0, 0, 1 % n] = 1.0
    x = np.repeat(a, steps, axis=0)
    if half:
        x[steps // 2:] = rng_cells.uniform(0, 1, size=(1, b, n)).astype(np.float32)
    return x
LT = ("calc_spike_times", "advance_state")
cells["latency_defaults"] = cell_case(LatencyCell, {}, 5, 1, 801, 1.0, 40, {"inputs": lat_inputs(40, 1, 5)}, LT_TR,
                                      reset_at=20, methods=LT,
                                      note=LT_NOTE + "; inputs change at reset_at; 3.1.1 passes num_steps (1.0) as eps, so every "
                                                     "input below threshold+1 gets the same time")
cells["latency_log_eps_first_clip_batch2"] = cell_case(
    LatencyCell, dict(tau=30., threshold=0.05, first_spike_time=3., clip_spikes=True, num_steps=1e-7), 5, 2, 802, 1.0, 60,
    {"inputs": lat_inputs(60, 2, 5)}, LT_TR, reset_at=30, methods=LT,
    note=LT_NOTE + "; inputs change at reset_at; num_steps=1e-7 lands in the eps slot of the log encoder (positional "
                   "mix-up in 3.1.1), which recovers the documented log code")
cells["latency_log_normalize_ignored"] = cell_case(
    LatencyCell, dict(tau=100., threshold=0.02, normalize=True, num_steps=0.3), 6, 1, 803, 1.0, 50,
    {"inputs": lat_inputs(50, 1, 6, half=False)}, LT_TR, methods=LT,
    note=LT_NOTE + "; normalize=True is NOT applied by 3.1.1's log encoder (it lands in the num_steps slot) and "
                   "num_steps=0.3 acts as eps")
cells["latency_linear"] = cell_case(
    LatencyCell, dict(tau=40., threshold=0.1, linearize=True), 6, 1, 804, 1.0, 50,
    {"inputs": lat_inputs(50, 1, 6, half=False)}, LT_TR, methods=LT, note=LT_NOTE)
cells["latency_linear_normalize_first_batch2"] = cell_case(
    LatencyCell, dict(tau=5., threshold=0.1, linearize=True, normalize=True, num_steps=40., first_spike_time=2.,
                      clip_spikes=True), 5, 2, 805, 0.5, 90,
    {"inputs": lat_inputs(90, 2, 5, half=False)}, LT_TR, methods=LT, note=LT_NOTE + "; dt=0.5 so t = 0, 0.5, 1, ...")

# --- ExpKernel: dt is a constructor argument (window length int(nu/dt)+1) ---
E_TR = ["epsp", "tf"]
E_NOTE = "advance_state(t) with t = step*dt (the cell uses t only); tf = spike-time window [win_len, batch, n]"
cells["expkernel_defaults"] = cell_case(ExpKernel, dict(dt=1.0), 4, 1, 901, 1.0, 60,
                                        {"inputs": spikes_in(60, 1, 4, 0.35)}, E_TR, note=E_NOTE)
cells["expkernel_tau_nu_batch2"] = cell_case(
    ExpKernel, dict(dt=0.5, tau_w=5., nu=3.), 3, 2, 902, 0.5, 80, {"inputs": spikes_in(80, 2, 3, 0.3)}, E_TR,
    reset_at=40, note=E_NOTE + "; win_len = int(3/0.5)+1 = 7")
cells["expkernel_float_window_graded"] = cell_case(
    ExpKernel, dict(dt=0.1, tau_w=0.4, nu=0.3), 3, 1, 903, 0.1, 60,
    {"inputs": spikes_in(60, 1, 3, 0.5) * u_in(60, 1, 3, 0.5, 1.5)}, E_TR,
    note=E_NOTE + "; win_len = int(0.3/0.1)+1 = 3 (0.3/0.1 = 2.9999999999999996 in float64); graded inputs: tf = s*t")

# --- LeakyNoiseCell: inputs j_input and j_recurrent; key advances every step ---
LN_TR = ["x", "r", "r_prime"]
LN_NOTE = ("eps_pre and eps_post are the SAME draw: both normal(split(key)[1], x.shape); the key becomes split(key)[0] "
           "each step; key_trace = key after each step")
cells["leaky_noise_defaults"] = cell_case(
    LeakyNoiseCell, dict(tau_x=10.), 5, 1, 1001, 1.0, 60,
    {"j_input": u_in(60, 1, 5, -1., 2.), "j_recurrent": u_in(60, 1, 5, -0.5, 0.5)}, LN_TR, key_trace=True,
    reset_at=30, note=LN_NOTE + "; reset does not touch the key")
cells["leaky_noise_rk2_tanh_batch2"] = cell_case(
    LeakyNoiseCell, dict(tau_x=5., act_fx="tanh", integration_type="midpoint", sigma_pre=0.5, sigma_post=0.2,
                         leak_scale=0.5), 4, 2, 1002, 0.5, 60,
    {"j_input": u_in(60, 2, 4, -1., 1.), "j_recurrent": u_in(60, 2, 4, -0.5, 0.5)}, LN_TR, key_trace=True, note=LN_NOTE)
cells["leaky_noise_heun_is_rk4_sigmoid"] = cell_case(
    LeakyNoiseCell, dict(tau_x=4., act_fx="sigmoid", integration_type="heun", sigma_rec=0.3, sigma_post=0.05), 4, 1, 1003,
    1.0, 50, {"j_input": u_in(50, 1, 4, -2., 2.), "j_recurrent": u_in(50, 1, 4, -0.5, 0.5)}, LN_TR, key_trace=True,
    note=LN_NOTE + "; integration_type 'heun' (code 2) selects step_rk4 in 3.1.1; sigma_rec is the deprecated alias of sigma_pre")
cells["leaky_noise_noiseless_lrelu"] = cell_case(
    LeakyNoiseCell, dict(tau_x=3., act_fx="lrelu", sigma_pre=0., sigma_post=0., leak_scale=0.), 4, 2, 1004, 0.5, 40,
    {"j_input": u_in(40, 2, 4, -1., 1.), "j_recurrent": u_in(40, 2, 4, -0.5, 0.5)}, LN_TR, key_trace=True,
    note=LN_NOTE + "; leak_scale=0 (pure integrator), no noise")

dump("spiking_cells", {"description": "SLIF, IF, QuadLIF, AdEx, Izhikevich, FitzHugh-Nagumo and WTAS spiking cells, "
                                      "LatencyCell, ExpKernel and LeakyNoiseCell, each driven by given inputs. Per case: the "
                                      "component is built with kwargs (+ n_units, batch_size if the class takes it, "
                                      "key=PRNGKey(key_seed)); reset once; then for each step k: if k == reset_at, reset; "
                                      "every input compartment set from inputs[name][k]; the advance process run with "
                                      "t=k*dt, dt=dt; trace = compartments after each step ([batch, n] per step, "
                                      "tf [win_len, batch, n]); initial = compartments after the first reset; "
                                      "key_trace (uint32 pairs) where the class draws randomness while running.",
                       "cases": cells})
print("done 15")

# ---------- 16. jnp.exp as XLA computes it (jitted), on values across its ranges ----------
rng_exp = np.random.default_rng(1616)
xs = np.concatenate([rng_exp.normal(0, 3, 3000), rng_exp.uniform(-90, 90, 2000), rng_exp.uniform(-1e-3, 1e-3, 300),
                     rng_exp.uniform(86, 89, 300), rng_exp.uniform(-105, -85, 500),
                     np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 88.72, 88.73, 89.0, -87.33, -87.34, -103.9, -104.0,
                               -200.0, 200.0, np.inf, -np.inf, np.nan, 1e-40, -1e-40, 3.4e38, -3.4e38])]).astype(np.float32)
dump("xla_exp", {"description": "jax.jit(jnp.exp) of float32 values (bit patterns as uint32); XLA's CPU code flushes "
                                "subnormal results to 0",
                 "x_bits": xs.view(np.uint32).tolist(),
                 "exp_bits": np.asarray(jax.jit(jnp.exp)(jnp.asarray(xs))).view(np.uint32).tolist()})
print("done 16")
