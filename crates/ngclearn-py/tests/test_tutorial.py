"""ngclearn's tutorial scripts with only their import lines changed give ngclearn's
numbers: the stochastic E-I circuit (AlphaSynapses, 10,000 steps) and the probe of the
three dynamic synapses."""

import numpy as np

from conftest import fixture, fresh, rel_close

# --- the import lines: ngclearn's were
#   from jax import numpy as jnp, random
#   from ngclearn import Context, MethodProcess
#   from ngclearn.operations import Summation
#   from ngclearn.components import AlphaSynapse, ExponentialSynapse, DoubleExpSynapse, LIFCell, PoissonCell
#   from ngclearn.utils.distribution_generator import DistributionGenerator as DG
import numpy as jnp
from ngclearn_rs import random
from ngclearn_rs import Context, MethodProcess
from ngclearn_rs.operations import Summation
from ngclearn_rs.components import AlphaSynapse, ExponentialSynapse, DoubleExpSynapse, LIFCell, PoissonCell
from ngclearn_rs.utils.distribution_generator import DistributionGenerator as DG
# --- the script, as ngclearn's reference generator runs it


def ei_circuit(model_name, seed=1234, n_exc=80, n_inh=20, n_post=1, exc_freq=10., inh_freq=10.):
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
    return ctx, adv, pe, pi, post


def test_the_tutorial_circuit_stepped_in_a_loop_gives_ngclearns_trace():
    ref = fixture("ei_alpha_poisson_seed1234.json")
    ctx, adv, pe, pi, post = ei_circuit(fresh("ei"))
    v, spk, pre = [], [], []
    for t in range(1, ref["steps"] + 1):
        adv.run(t=t * 0.1, dt=0.1)
        v.append(post.v.get()[0].tolist())
        spk.append([int(i) for i in np.nonzero(np.asarray(post.s.get())[0])[0]])
        pre.append(int(np.sum(np.asarray(pe.outputs.get()))) + int(np.sum(np.asarray(pi.outputs.get()))))
    assert spk == ref["trace"]["spike_indices"]
    assert pre == ref["trace"]["pre_spike_count"]
    assert rel_close(v, ref["trace"]["v"])
    assert sum(len(s) for s in spk) == 243


def test_the_tutorial_circuit_scanned_gives_the_same_trace():
    ref = fixture("ei_alpha_poisson_seed1234.json")
    ctx, adv, pe, pi, post = ei_circuit(fresh("ei"))
    adv.watch(post.v, post.s)
    rows = jnp.array(adv.pack_rows(ref["steps"], t=lambda i: (i + 1) * 0.1, dt=0.1))
    final, (v, s) = adv.scan(rows)
    assert v.shape == (ref["steps"], 1, 1) and v.dtype == np.float32
    assert [[int(i) for i in np.nonzero(row[0])[0]] for row in s] == ref["trace"]["spike_indices"]
    assert rel_close(v[:, 0, :], ref["trace"]["v"])


def test_the_probe_gives_ngclearns_conductances():
    ref = fixture("probe_tutorial.json")
    p = ref["params"]
    dt, n, pulse, vv = p["dt"], p["steps"], p["pulse_step"], p["v"]
    k = random.split(random.PRNGKey(1234), 6)
    with Context(fresh("probe")) as ctx:
        We = ExponentialSynapse(name="We", shape=(1, 1), tau_decay=p["exp"]["tau_decay"], g_syn_bar=1., syn_rest=0., resist_scale=1., weight_init=DG.constant(value=1.), key=k[1])
        Wa = AlphaSynapse(name="Wa", shape=(1, 1), tau_decay=p["alpha"]["tau_decay"], g_syn_bar=1., syn_rest=0., resist_scale=1., weight_init=DG.constant(value=1.), key=k[1])
        W2 = DoubleExpSynapse(name="W2", shape=(1, 1), tau_rise=p["exp2"]["tau_rise"], tau_decay=p["exp2"]["tau_decay"], g_syn_bar=1., syn_rest=0., resist_scale=1., weight_init=DG.constant(value=1.), key=k[1])
        adv = MethodProcess("adv") >> We.advance_state >> Wa.advance_state >> W2.advance_state
        rst = MethodProcess("rst") >> We.reset >> Wa.reset >> W2.reset
    rst.run()
    rec = {k_: [] for k_ in ref["trace"]}
    for t in range(n):
        s = jnp.ones((1, 1)) if t == pulse else jnp.zeros((1, 1))
        for W in (We, Wa, W2):
            W.inputs.set(s); W.v.set(jnp.zeros((1, 1)) + vv)
        adv.run(t=t * dt, dt=dt)
        rec["g_exp"].append(float(We.g_syn.get()[0, 0])); rec["i_exp"].append(float(We.i_syn.get()[0, 0]))
        rec["g_alpha"].append(float(Wa.g_syn.get()[0, 0])); rec["h_alpha"].append(float(Wa.h_syn.get()[0, 0])); rec["i_alpha"].append(float(Wa.i_syn.get()[0, 0]))
        rec["g_exp2"].append(float(W2.g_syn.get()[0, 0])); rec["h_exp2"].append(float(W2.h_syn.get()[0, 0])); rec["i_exp2"].append(float(W2.i_syn.get()[0, 0]))
    for name, want in ref["trace"].items():
        assert rel_close(rec[name], want), name


def test_keys_splits_and_initialisers_are_jaxs():
    for case in fixture("jax_prng.json")["cases"]:
        key = random.PRNGKey(case["seed"])
        assert key.dtype == np.uint32 and key.tolist() == case["key"]
        assert random.split(key, 2).tolist() == case["split2"]
        assert random.split(key, 6).tolist() == case["split6"]
        assert random.uniform(key, (1, 7)).tolist() == case["uniform_1x7"]
    ref = fixture("weight_init_seed7.json")
    kk = random.PRNGKey(ref["seed"])
    for name, gen in [("uniform_default", DG.uniform(0.025, 0.8)), ("gaussian_0_0.05", DG.gaussian(0.0, 0.05)),
                      ("constant_0.3", DG.constant(value=0.3)), ("fan_in_uniform", DG.fan_in_uniform()),
                      ("fan_in_gaussian", DG.fan_in_gaussian())]:
        assert gen((4, 3), kk).tolist() == ref["weights"][name], name
    from ngclearn_rs.components import DenseSynapse
    with Context(fresh("dense")):
        D = DenseSynapse("D", shape=(6, 5), p_conn=0.5, key=random.PRNGKey(ref["seed"]))
    assert D.weights.get().tolist() == ref["weights"]["dense_default_init_p_conn_0.5"]


def test_a_key_may_be_jaxs_own_raw_or_typed():
    try:
        import jax
    except ImportError:
        import pytest

        pytest.skip("JAX is not installed here (the package does not need it)")
    from ngclearn_rs.components import PoissonCell as P

    with Context(fresh("keys")):
        a = P("a", 5, key=random.PRNGKey(3))
        b = P("b", 5, key=jax.random.PRNGKey(3))
        c = P("c", 5, key=jax.random.key(3))
        d = P("d", 5, key=[0, 3])
    for x in (b, c, d):
        assert x.key.get().tolist() == a.key.get().tolist()
