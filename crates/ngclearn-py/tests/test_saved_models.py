"""Saved models cross both ways: ngclearn's directory loads here and continues as
ngclearn's run did; a directory saved here loads here and in ngclearn 3.1.1 and both
continue with the same spikes; and one ngclearn saves loads here."""

import os

import numpy as np
import pytest

from conftest import FIXTURES, fixture, fresh, ngclearn_or_skip, rel_close
from test_tutorial import ei_circuit
from ngclearn_rs import Context


def run_here(ctx, steps):
    adv = ctx.get_objects("advance_proc", objectType="process")
    post = ctx.get_components("post_exc")
    v, spk = [], []
    for t in range(1, steps + 1):
        adv.run(t=t * 0.1, dt=0.1)
        v.append(post.v.get()[0].tolist())
        spk.append(np.nonzero(post.s.get()[0])[0].tolist())
    return v, spk


def test_ngclearns_saved_tutorial_loads_and_continues_as_ngclearn_ran_it():
    ref = fixture("ei_alpha_poisson_seed1234.json")
    ctx = Context.load(os.path.join(FIXTURES, "models"), "ei_alpha_tutorial")
    assert ctx.path == "ei_alpha_tutorial"
    assert sorted(ctx.get_objects_by_type("component")) == ["Wexc", "Winh", "post_exc", "pre_exc", "pre_inh"]
    v, spk = run_here(ctx, 3000)
    assert spk == ref["trace"]["spike_indices"][:3000]
    assert rel_close(v, ref["trace"]["v"][:3000])
    # Loading the same name again returns the context as it is (ngclearn's rule).
    assert Context.load(os.path.join(FIXTURES, "models"), "ei_alpha_tutorial") is ctx


def test_a_model_saved_here_loads_here_with_its_state(tmp_path):
    name = fresh("saved")
    ctx, adv, pe, pi, post = ei_circuit(name)
    for t in range(1, 1001):
        adv.run(t=t * 0.1, dt=0.1)
    ctx.save_to_json(str(tmp_path), overwrite=True)
    assert sorted(os.listdir(tmp_path / name)) == ["component", "connections.json", "contextData.json", "process"]
    # A second context of that path cannot be made while the first exists: load it
    # under the saved path after forgetting the first.
    from ngclearn_rs import _context

    del _context._contexts[ctx.path]
    loaded = Context.load(str(tmp_path), name)
    assert loaded is not ctx
    for k, val in ctx.state().items():
        assert np.array_equal(loaded.state()[k], val), k
    want = run_here_continued(ctx, 1001, 2000)
    got = run_here_continued(loaded, 1001, 2000)
    assert got == want
    with pytest.raises(FileNotFoundError):
        ctx.save_to_json(str(tmp_path / "missing" / "deeper"))
    with pytest.raises(FileNotFoundError):
        Context.load(str(tmp_path), "no_such_model")


def run_here_continued(ctx, first, last):
    adv = ctx.get_objects("advance_proc", objectType="process")
    post = ctx.get_components("post_exc")
    out = []
    for t in range(first, last + 1):
        adv.run(t=t * 0.1, dt=0.1)
        out.append((post.v.get()[0, 0].item(), post.s.get()[0, 0].item()))
    return out


def test_a_model_saved_here_runs_in_ngclearn_as_here(tmp_path):
    ngclearn_or_skip()
    from ngclearn import Context as NgContext

    name = fresh("tong")
    ctx, adv, pe, pi, post = ei_circuit(name)
    for t in range(1, 501):
        adv.run(t=t * 0.1, dt=0.1)
    ctx.save_to_json(str(tmp_path), overwrite=True)
    theirs = NgContext.load(str(tmp_path), name)
    t_adv = theirs.get_objects("advance_proc", objectType="process")
    t_post = theirs.get_components("post_exc")
    for t in range(501, 2501):
        adv.run(t=t * 0.1, dt=0.1)
        t_adv.run(t=t * 0.1, dt=0.1)
        assert np.array_equal(np.asarray(t_post.s.get()), post.s.get()), t
        assert rel_close(post.v.get(), np.asarray(t_post.v.get())), t


def test_a_model_ngclearn_saves_runs_here_as_there(tmp_path):
    ngclearn_or_skip()
    import jax.numpy as jnp
    from jax import random as jr
    from ngclearn import Context as NgContext, MethodProcess as NgProcess
    from ngclearn.components import AlphaSynapse, LIFCell, PoissonCell
    from ngclearn.operations import Summation
    from ngclearn.utils.distribution_generator import DistributionGenerator as DG

    name = fresh("fromng")
    sk = jr.split(jr.PRNGKey(7), 4)
    with NgContext(name) as nctx:
        pe = PoissonCell("pre_exc", n_units=30, target_freq=40., key=sk[0])
        We = AlphaSynapse(name="Wexc", shape=(30, 2), tau_decay=2., g_syn_bar=1.0, syn_rest=0., resist_scale=0.1,
                          weight_init=DG.constant(value=1.), key=sk[1])
        post = LIFCell("post_exc", n_units=2, tau_m=10., thr=-55., v_rest=-75., v_reset=-75., tau_theta=0.,
                       theta_plus=0., refract_time=2., key=sk[2])
        pe.outputs >> We.inputs
        post.v >> We.v
        We.i_syn >> post.j
        adv = NgProcess("advance_proc") >> pe.advance_state >> We.advance_state >> post.advance_state
        NgProcess("reset_proc") >> pe.reset >> We.reset >> post.reset
    pe.inputs.set(jnp.ones((1, 30)))
    nctx.save_to_json(str(tmp_path), overwrite=True)
    mine = Context.load(str(tmp_path), name)
    m_adv = mine.get_objects("advance_proc", objectType="process")
    m_post = mine.get_components("post_exc")
    spikes = 0
    for t in range(1, 1501):
        adv.run(t=t * 0.1, dt=0.1)
        m_adv.run(t=t * 0.1, dt=0.1)
        assert np.array_equal(np.asarray(post.s.get()), m_post.s.get()), t
        assert rel_close(m_post.v.get(), np.asarray(post.v.get())), t
        spikes += int(m_post.s.get().sum())
    assert spikes > 0


def test_loading_a_checkpoint_refills_its_context(tmp_path):
    # As ngclearn: a directory saved from context `c` under another name, loaded while
    # `c` exists, fills `c` with the saved values.
    name = fresh("ckpt")
    ctx, adv, pe, pi, post = ei_circuit(name)
    ctx.save_to_json(str(tmp_path), model_name="best", overwrite=True)
    saved_v = post.v.get().copy()
    for t in range(1, 301):
        adv.run(t=t * 0.1, dt=0.1)
    assert not np.array_equal(post.v.get(), saved_v)
    back = Context.load(str(tmp_path), "best")
    assert back is ctx
    assert np.array_equal(ctx.get_components("post_exc").v.get(), saved_v)


def test_a_raf_cell_saved_here_loads_in_ngclearn_and_continues_bit_for_bit(tmp_path):
    ngclearn_or_skip()
    from jax import numpy as jnp
    from ngclearn import Context as NgContext
    from ngclearn_rs import MethodProcess, random
    from ngclearn_rs.components import RAFCell

    name = fresh("rafsave")
    with Context(name) as ctx:
        c = RAFCell("c", n_units=5, tau_v=2., omega=7., dampen_factor=-0.6, resist_v=1.2,
                    integration_type="midpoint", key=random.PRNGKey(3))
        adv = MethodProcess("advance_proc") >> c.advance_state
    js = np.random.default_rng(1).uniform(0., 20., (100, 1, 5)).astype(np.float32)
    for t in range(50):
        c.j.set(js[t])
        adv.run(t=t * 0.1, dt=0.1)
    ctx.save_to_json(str(tmp_path), overwrite=True)
    theirs = NgContext.load(str(tmp_path), name)
    tc = theirs.get_components("c")
    t_adv = theirs.get_objects("advance_proc", objectType="process")
    for t in range(50, 100):
        c.j.set(js[t])
        adv.run(t=t * 0.1, dt=0.1)
        tc.j.set(jnp.asarray(js[t]))
        t_adv.run(t=t * 0.1, dt=0.1)
        for comp in ("v", "w", "s", "tols"):
            here = np.asarray(getattr(c, comp).get(), dtype=np.float32)
            there = np.asarray(getattr(tc, comp).get(), dtype=np.float32)
            assert np.array_equal(here.view(np.int32), there.view(np.int32)), (comp, t)


def test_a_hodgkin_huxley_cell_saved_here_loads_in_ngclearn_and_continues_bit_for_bit(tmp_path):
    ngclearn_or_skip()
    from jax import numpy as jnp
    from ngclearn import Context as NgContext
    from ngclearn_rs import MethodProcess, random
    from ngclearn_rs.components import HodgkinHuxleyCell

    name = fresh("hhsave")
    with Context(name) as ctx:
        c = HodgkinHuxleyCell("c", n_units=4, tau_v=1.5, resist_m=1.2, g_Na=110., spike_reset=True,
                              v_reset=-2., integration_type="midpoint", key=random.PRNGKey(5))
        adv = MethodProcess("advance_proc") >> c.advance_state
        rst = MethodProcess("reset_proc") >> c.reset
    rst.run()
    js = np.random.default_rng(2).uniform(0., 25., (200, 1, 4)).astype(np.float32)
    for t in range(100):
        c.j.set(js[t])
        adv.run(t=t * 0.01, dt=0.01)
    ctx.save_to_json(str(tmp_path), overwrite=True)
    theirs = NgContext.load(str(tmp_path), name)
    tc = theirs.get_components("c")
    t_adv = theirs.get_objects("advance_proc", objectType="process")
    for t in range(100, 200):
        c.j.set(js[t])
        adv.run(t=t * 0.01, dt=0.01)
        tc.j.set(jnp.asarray(js[t]))
        t_adv.run(t=t * 0.01, dt=0.01)
        for comp in ("v", "n", "m", "h", "s", "tols"):
            here = np.asarray(getattr(c, comp).get(), dtype=np.float32)
            there = np.asarray(getattr(tc, comp).get(), dtype=np.float32)
            assert np.array_equal(here.view(np.int32), there.view(np.int32)), (comp, t)


def _patched_circuit(lib, name):
    """Three patched synapses of `lib` (ngclearn or ngclearn_rs), the Hebbian one
    learning by SGD with an L2 prior, and the process that steps them."""
    from jax import random as jrandom

    with lib.Context(name) as ctx:
        comps = lib.components
        w = comps.PatchedSynapse("W", (10, 5), n_sub_models=2, stride_shape=(1, 1), key=jrandom.PRNGKey(3))
        s = comps.StaticPatchedSynapse("S", (9, 6), n_sub_models=3, key=jrandom.PRNGKey(5))
        h = comps.HebbianPatchedSynapse("H", (8, 8), n_sub_models=2, stride_shape=(1, 1), eta=0.1,
                                        prior=("l2", 0.01), key=jrandom.PRNGKey(4))
        adv = lib.MethodProcess("advance_proc") >> w.advance_state >> s.advance_state >> h.advance_state >> h.evolve
    return ctx


def _patched_signals(steps):
    r = np.random.default_rng(7)
    u = lambda *s: r.uniform(-1., 1., (steps, 1) + s).astype(np.float32)
    return {"W": {"inputs": u(12), "post_in": u(6)}, "S": {"inputs": u(9), "post_in": u(6)},
            "H": {"inputs": u(10), "post_in": u(10), "pre": u(10), "post": u(10)}}


def _step_patched(ctx, sig, t, to_array):
    for c, comps in sig.items():
        for comp, xs in comps.items():
            getattr(ctx.get_components(c), comp).set(to_array(xs[t]))
    ctx.get_objects("advance_proc", objectType="process").run(t=float(t), dt=1.)


def _same_patched_state(a, b, t):
    for c, comps in (("W", ("outputs", "pre_out")), ("S", ("outputs", "pre_out")),
                     ("H", ("outputs", "pre_out", "weights", "dWeights", "dBiases"))):
        for comp in comps:
            x = np.asarray(getattr(a.get_components(c), comp).get(), dtype=np.float32).reshape(-1)
            y = np.asarray(getattr(b.get_components(c), comp).get(), dtype=np.float32).reshape(-1)
            assert np.array_equal(x.view(np.int32), y.view(np.int32)), (c, comp, t)


def test_patched_synapses_saved_here_load_in_ngclearn_and_continue_bit_for_bit(tmp_path):
    ngclearn_or_skip()
    import ngclearn
    import ngclearn.components
    import ngclearn_rs
    import ngclearn_rs.components
    from jax import numpy as jnp
    from ngclearn import Context as NgContext

    name = fresh("patchedsave")
    ours = _patched_circuit(ngclearn_rs, name)
    sig = _patched_signals(20)
    for t in range(10):
        _step_patched(ours, sig, t, np.asarray)
    ours.save_to_json(str(tmp_path), overwrite=True)
    theirs = NgContext.load(str(tmp_path), name)
    for t in range(10, 20):
        _step_patched(ours, sig, t, np.asarray)
        _step_patched(theirs, sig, t, jnp.asarray)
        _same_patched_state(ours, theirs, t)


def test_patched_synapses_ngclearn_saved_load_here_and_continue_bit_for_bit(tmp_path):
    ngclearn_or_skip()
    import ngclearn
    import ngclearn.components
    from jax import numpy as jnp

    name = fresh("patchedng")
    theirs = _patched_circuit(ngclearn, name)
    sig = _patched_signals(20)
    for t in range(10):
        _step_patched(theirs, sig, t, jnp.asarray)
    theirs.save_to_json(str(tmp_path), overwrite=True)
    ours = Context.load(str(tmp_path), name)
    assert float(np.asarray(ours.get_components("H").opt_params.get()).reshape(-1)[0]) == 10.0
    for t in range(10, 20):
        _step_patched(ours, sig, t, np.asarray)
        _step_patched(theirs, sig, t, jnp.asarray)
        _same_patched_state(ours, theirs, t)


def test_a_phasor_cell_crosses_both_ways_with_its_state(tmp_path):
    # Its rate scales (ngclearn's `base_scale`) are not saved, by ngclearn or here: a
    # loaded cell draws them again. Its compartments and key cross as they are.
    ngclearn_or_skip()
    import ngclearn
    import ngclearn.components
    import ngclearn_rs
    import ngclearn_rs.components
    from jax import numpy as jnp, random as jrandom

    def build(lib, name):
        with lib.Context(name) as ctx:
            c = lib.components.PhasorCell("c", n_units=6, target_freq=250., key=jrandom.PRNGKey(9))
            lib.MethodProcess("advance_proc") >> c.advance_state
        return ctx

    xs = np.random.default_rng(3).uniform(0., 2., (20, 1, 6)).astype(np.float32)
    for first, second, to_array in ((ngclearn_rs, ngclearn, np.asarray), (ngclearn, ngclearn_rs, jnp.asarray)):
        name = fresh("phasor")
        ctx = build(first, name)
        c = ctx.get_components("c")
        for t in range(20):
            c.inputs.set(to_array(xs[t]))
            ctx.get_objects("advance_proc", objectType="process").run(t=t * 0.1, dt=0.1)
        ctx.save_to_json(str(tmp_path), overwrite=True)
        loaded = second.Context.load(str(tmp_path), name).get_components("c")
        for comp in ("outputs", "angles", "tols", "key"):
            here = np.asarray(getattr(c, comp).get())
            there = np.asarray(getattr(loaded, comp).get())
            assert np.array_equal(here, there), (first.__name__, comp)


def test_a_gerstner_hebbian_synapse_crosses_both_ways_and_continues_bit_for_bit(tmp_path):
    ngclearn_or_skip()
    import ngclearn
    import ngclearn.components.synapses.hebbian
    import ngclearn_rs
    import ngclearn_rs.components.synapses.hebbian
    from jax import numpy as jnp, random as jrandom

    def build(lib, name):
        with lib.Context(name) as ctx:
            w = lib.components.synapses.hebbian.GerstnerHebbianSynapse(
                "W", (5, 5), eta=0.05, batch_size=2, key=jrandom.PRNGKey(4),
                coeffs={"c0": -0.1, "c1_pre": -0.3, "c1_post": 0.2, "c2_corr": 0.8})
            lib.MethodProcess("advance_proc") >> w.advance_state >> w.evolve
        return ctx

    r = np.random.default_rng(5)
    sig = {k: r.uniform(-1., 1., (20, 2, 5)).astype(np.float32) for k in ("inputs", "pre", "post")}

    def step(ctx, t, to_array):
        w = ctx.get_components("W")
        for k, xs in sig.items():
            getattr(w, k).set(to_array(xs[t]))
        ctx.get_objects("advance_proc", objectType="process").run(t=float(t), dt=1.)

    for first, second, to1, to2 in ((ngclearn_rs, ngclearn, np.asarray, jnp.asarray),
                                    (ngclearn, ngclearn_rs, jnp.asarray, np.asarray)):
        name = fresh("gerstner")
        a = build(first, name)
        for t in range(10):
            step(a, t, to1)
        a.save_to_json(str(tmp_path), overwrite=True)
        b = second.Context.load(str(tmp_path), name)
        for t in range(10, 20):
            step(a, t, to1)
            step(b, t, to2)
            for comp in ("outputs", "weights"):
                x = np.asarray(getattr(a.get_components("W"), comp).get(), dtype=np.float32)
                y = np.asarray(getattr(b.get_components("W"), comp).get(), dtype=np.float32)
                assert np.array_equal(x.view(np.int32), y.view(np.int32)), (first.__name__, comp, t)


def test_a_som_synapse_crosses_both_ways_and_continues_bit_for_bit(tmp_path):
    # Its `delta` has three axes and its `bmu` is int32: both directions keep them.
    ngclearn_or_skip()
    import ngclearn
    import ngclearn_rs
    from jax import numpy as jnp, random as jrandom
    from ngclearn.components.synapses.competitive.SOMSynapse import SOMSynapse as Theirs
    from ngclearn_rs.components.synapses.competitive.SOMSynapse import SOMSynapse as Ours

    def build(lib, cls, name):
        with lib.Context(name) as ctx:
            s = cls("W", n_inputs=6, n_units_x=5, n_units_y=5, eta=0.3, neighbor_function="ricker",
                    batch_size=3, key=jrandom.PRNGKey(8))
            lib.MethodProcess("adv") >> s.advance_state
            lib.MethodProcess("evo") >> s.evolve
        return ctx

    xs = np.random.default_rng(9).normal(0.5, 0.5, (20, 3, 6)).astype(np.float32)

    def step(ctx, t, to_array):
        ctx.get_components("W").inputs.set(to_array(xs[t]))
        for p in ("adv", "evo"):
            ctx.get_objects(p, objectType="process").run(t=float(t), dt=1.)

    for first, second, cls1, to1, to2 in ((ngclearn_rs, ngclearn, Ours, np.asarray, jnp.asarray),
                                          (ngclearn, ngclearn_rs, Theirs, jnp.asarray, np.asarray)):
        name = fresh("som")
        a = build(first, cls1, name)
        for t in range(10):
            step(a, t, to1)
        a.save_to_json(str(tmp_path), overwrite=True)
        b = second.Context.load(str(tmp_path), name)
        for comp, shape, dtype in (("delta", (3, 6, 25), np.float32), ("bmu", (3, 1), np.int32)):
            v = np.asarray(getattr(b.get_components("W"), comp).get())
            assert v.shape == shape and v.dtype == dtype, (first.__name__, comp, v.shape, v.dtype)
        for t in range(10, 20):
            step(a, t, to1)
            step(b, t, to2)
            for comp in ("outputs", "weights", "bmu", "delta", "radius", "eta", "i_tick"):
                x = np.asarray(getattr(a.get_components("W"), comp).get())
                y = np.asarray(getattr(b.get_components("W"), comp).get())
                assert x.shape == y.shape and x.dtype == y.dtype, (first.__name__, comp, x.shape, y.shape)
                assert np.array_equal(x.view(np.int32), y.view(np.int32)), (first.__name__, comp, t)


def test_convolutional_synapses_cross_both_ways_with_their_four_axes(tmp_path):
    # A ConvSynapse and a HebbianConvSynapse (4-D inputs, filters and gradients; scalar
    # biases): saved on one side, loaded on the other, the same numbers after.
    ngclearn_or_skip()
    import ngclearn
    import ngclearn_rs
    from jax import numpy as jnp, random as jrandom
    from ngclearn.components.synapses.convolution import ConvSynapse as C1, HebbianConvSynapse as H1
    from ngclearn_rs.components.synapses.convolution import ConvSynapse as C2, HebbianConvSynapse as H2

    def build(lib, conv, hebb, name):
        with lib.Context(name) as ctx:
            c = conv("c", (3, 3, 2, 3), (6, 6), padding="SAME", batch_size=2, key=jrandom.PRNGKey(3))
            h = hebb("h", (3, 3, 2, 2), (6, 6), padding="SAME", eta=0.01, batch_size=2, key=jrandom.PRNGKey(4))
            lib.MethodProcess("adv") >> c.advance_state
            lib.MethodProcess("evo") >> h.evolve >> h.backtransmit
        return ctx

    r = np.random.default_rng(7)
    xs = r.uniform(-1., 1., (6, 2, 6, 6, 2)).astype(np.float32)
    posts = r.uniform(-1., 1., (6, 2, 6, 6, 2)).astype(np.float32)

    def step(ctx, t, to_array, learn=True):
        c, h = ctx.get_components("c", "h")
        c.inputs.set(to_array(xs[t]))
        h.pre.set(to_array(xs[t]))
        h.post.set(to_array(posts[t]))
        for p in ("adv", "evo") if learn else ("adv",):
            ctx.get_objects(p, objectType="process").run(t=float(t), dt=1.)

    for first, second, l1, to1, to2 in ((ngclearn_rs, ngclearn, (C2, H2), np.asarray, jnp.asarray),
                                        (ngclearn, ngclearn_rs, (C1, H1), jnp.asarray, np.asarray)):
        name = fresh("conv")
        a = build(first, *l1, name)
        # ngclearn's Hebbian evolve leaves the biases None without bias_init, which it
        # then saves as a pickled object (refused here by name): it saves before learning.
        for t in range(3):
            step(a, t, to1, learn=first is ngclearn_rs)
        a.save_to_json(str(tmp_path), overwrite=True)
        b = second.Context.load(str(tmp_path), name)
        for comp in ("inputs", "outputs", "weights"):
            x = np.asarray(getattr(a.get_components("c"), comp).get())
            y = np.asarray(getattr(b.get_components("c"), comp).get())
            assert x.shape == y.shape and np.array_equal(x, y), (first.__name__, comp, x.shape, y.shape)
        for t in range(3, 6):
            step(a, t, to1)
            step(b, t, to2)
            for cname, comps in (("c", ("outputs",)), ("h", ("weights", "dWeights", "dInputs"))):
                for comp in comps:
                    x = np.asarray(getattr(a.get_components(cname), comp).get(), dtype=np.float32)
                    y = np.asarray(getattr(b.get_components(cname), comp).get(), dtype=np.float32)
                    assert x.shape == y.shape, (first.__name__, cname, comp, x.shape, y.shape)
                    assert np.array_equal(x.view(np.int32), y.view(np.int32)), (first.__name__, cname, comp, t)


def test_an_mps_synapse_crosses_both_ways_with_its_three_axis_cores(tmp_path):
    ngclearn_or_skip()
    import ngclearn
    import ngclearn_rs
    from jax import numpy as jnp, random as jrandom
    from ngclearn.components.synapses.mpsSynapse import MPSSynapse as Theirs
    from ngclearn_rs.components.synapses.mpsSynapse import MPSSynapse as Ours

    def build(lib, cls, name):
        with lib.Context(name) as ctx:
            m = cls("W", (5, 3), bond_dim=4, batch_size=2, key=jrandom.PRNGKey(6))
            lib.MethodProcess("adv") >> m.advance_state
            lib.MethodProcess("evo") >> m.evolve
        return ctx

    r = np.random.default_rng(8)
    sig = {k: r.normal(size=(12, 2, n)).astype(np.float32) for k, n in (("inputs", 5), ("pre", 5), ("post", 3))}

    def step(ctx, t, to_array):
        m = ctx.get_components("W")
        for k, xs in sig.items():
            getattr(m, k).set(to_array(xs[t]))
        ctx.get_objects("adv", objectType="process").run()
        ctx.get_objects("evo", objectType="process").run(eta=0.2)

    for first, second, cls1, to1, to2 in ((ngclearn_rs, ngclearn, Ours, np.asarray, jnp.asarray),
                                          (ngclearn, ngclearn_rs, Theirs, jnp.asarray, np.asarray)):
        name = fresh("mps")
        a = build(first, cls1, name)
        for t in range(6):
            step(a, t, to1)
        a.save_to_json(str(tmp_path), overwrite=True)
        b = second.Context.load(str(tmp_path), name)
        for t in range(6, 12):
            step(a, t, to1)
            step(b, t, to2)
            for comp in ("outputs", "core1", "core2"):
                x = np.asarray(getattr(a.get_components("W"), comp).get(), dtype=np.float32)
                y = np.asarray(getattr(b.get_components("W"), comp).get(), dtype=np.float32)
                assert x.shape == y.shape and np.array_equal(x.view(np.int32), y.view(np.int32)), (first.__name__, comp, t)


def test_a_rate_cell_over_maps_crosses_both_ways_with_its_four_axes(tmp_path):
    ngclearn_or_skip()
    import ngclearn
    import ngclearn_rs
    from jax import numpy as jnp

    def build(lib, name):
        with lib.Context(name) as ctx:
            z = lib.components.RateCell("z", 7, tau_m=10.0, act_fx="identity", prior=("gaussian", 0.1),
                                        batch_size=2, shape=(3, 4, 2))
            lib.MethodProcess("adv") >> z.advance_state
        return ctx

    r = np.random.default_rng(4)
    js = r.normal(size=(10, 2, 3, 4, 2)).astype(np.float32)

    def step(ctx, t, to_array):
        z = ctx.get_components("z")
        z.j.set(to_array(js[t]))
        ctx.get_objects("adv", objectType="process").run(t=float(t), dt=0.5)

    for first, second, to1, to2 in ((ngclearn_rs, ngclearn, np.asarray, jnp.asarray),
                                    (ngclearn, ngclearn_rs, jnp.asarray, np.asarray)):
        name = fresh("maps")
        a = build(first, name)
        for t in range(5):
            step(a, t, to1)
        a.save_to_json(str(tmp_path), overwrite=True)
        b = second.Context.load(str(tmp_path), name)
        for t in range(5, 10):
            step(a, t, to1)
            step(b, t, to2)
            for comp in ("z", "zF", "j"):
                x = np.asarray(getattr(a.get_components("z"), comp).get(), dtype=np.float32)
                y = np.asarray(getattr(b.get_components("z"), comp).get(), dtype=np.float32)
                assert x.shape == y.shape == (2, 3, 4, 2), (first.__name__, comp, x.shape, y.shape)
                assert np.array_equal(x.view(np.int32), y.view(np.int32)), (first.__name__, comp, t)


def test_a_reinforce_synapse_crosses_both_ways_with_its_two_keys(tmp_path):
    ngclearn_or_skip()
    import ngclearn
    import ngclearn_rs
    from jax import numpy as jnp, random as jrandom
    from ngclearn.components.synapses.modulated.REINFORCESynapse import REINFORCESynapse as Theirs
    from ngclearn_rs.components.synapses.modulated.REINFORCESynapse import REINFORCESynapse as Ours

    def build(lib, cls, name):
        with lib.Context(name) as ctx:
            m = cls("W", (4, 3), eta=0.05, act_fx="tanh", mu_act_fx="tanh", batch_size=2, seed=11,
                    mu_out_min=-0.9, key=jrandom.PRNGKey(6))
            lib.MethodProcess("evo") >> m.evolve
        return ctx

    r = np.random.default_rng(9)
    xs = r.normal(size=(12, 2, 4)).astype(np.float32)
    rs = r.normal(size=(12, 2)).astype(np.float32)

    def step(ctx, t, to_array):
        m = ctx.get_components("W")
        m.inputs.set(to_array(xs[t]))
        m.rewards.set(to_array(rs[t]))
        m.learning_mask.set(to_array(np.float32(t % 2)))
        ctx.get_objects("evo", objectType="process").run(t=float(t), dt=1.0)

    for first, second, cls1, to1, to2 in ((ngclearn_rs, ngclearn, Ours, np.asarray, jnp.asarray),
                                          (ngclearn, ngclearn_rs, Theirs, jnp.asarray, np.asarray)):
        name = fresh("reinforce")
        a = build(first, cls1, name)
        for t in range(5):
            step(a, t, to1)
        a.save_to_json(str(tmp_path), overwrite=True)
        b = second.Context.load(str(tmp_path), name)
        for k in ("seed", "key"):
            x = np.asarray(getattr(a.get_components("W"), k).get()).astype(np.uint32)
            y = np.asarray(getattr(b.get_components("W"), k).get()).astype(np.uint32)
            assert np.array_equal(x, y), (first.__name__, k)
        for t in range(5, 12):
            step(a, t, to1)
            step(b, t, to2)
            for comp in ("outputs", "weights", "dWeights", "accumulated_gradients", "objective", "step_count"):
                x = np.asarray(getattr(a.get_components("W"), comp).get(), dtype=np.float32)
                y = np.asarray(getattr(b.get_components("W"), comp).get(), dtype=np.float32)
                assert x.shape == y.shape and np.array_equal(x.view(np.int32), y.view(np.int32)), (first.__name__, comp, t)


@pytest.mark.parametrize("cls_name", ["HopfieldSynapse", "VectorQuantizeSynapse", "ART2ASynapse"])
def test_the_competitive_synapses_cross_both_ways_and_continue_bit_for_bit(tmp_path, cls_name):
    ngclearn_or_skip()
    import ngclearn
    import ngclearn_rs
    from jax import numpy as jnp, random as jrandom
    import ngclearn.components.synapses.competitive as theirs
    import ngclearn_rs.components.synapses.competitive as ours

    kwargs = {
        "HopfieldSynapse": dict(eta=0.1, reg_lambda=0.01, beta=4.0),
        "VectorQuantizeSynapse": dict(eta=0.2, label_dim=2, syn_decay=0.01),
        "ART2ASynapse": dict(eta=0.2, vigilance=0.2),
    }[cls_name]
    state = {
        "HopfieldSynapse": ("outputs", "weights", "similarities", "memory_weights", "energy", "dWeights"),
        "VectorQuantizeSynapse": ("inputs", "outputs", "weights", "pred_labels", "eta", "dWeights"),
        "ART2ASynapse": ("outputs", "weights", "xprobe", "eta", "misses", "used"),
    }[cls_name]

    def build(lib, mod, name):
        with lib.Context(name) as ctx:
            c = getattr(mod, cls_name)("W", (5, 4), batch_size=2, key=jrandom.PRNGKey(3), **kwargs)
            lib.MethodProcess("adv") >> c.advance_state
            lib.MethodProcess("evo") >> c.evolve
        if cls_name == "ART2ASynapse":
            for i in range(3):  # three memories placed by hand
                c.insert(np.random.default_rng(i).normal(size=(1, 5)).astype(np.float32), i)
        return ctx

    r = np.random.default_rng(4)
    xs = r.normal(size=(12, 2, 5)).astype(np.float32)
    ys = np.eye(2, dtype=np.float32)[r.integers(0, 2, (12, 2))]

    def step(ctx, t, to_array):
        c = ctx.get_components("W")
        c.inputs.set(to_array(xs[t]))
        ctx.get_objects("adv", objectType="process").run()
        if cls_name == "VectorQuantizeSynapse":
            c.labels.set(to_array(ys[t]))
        ctx.get_objects("evo", objectType="process").run(t=float(t), dt=1.0)

    for first, second, mod1, to1, to2 in ((ngclearn_rs, ngclearn, ours, np.asarray, jnp.asarray),
                                          (ngclearn, ngclearn_rs, theirs, jnp.asarray, np.asarray)):
        name = fresh(cls_name.lower())
        a = build(first, mod1, name)
        for t in range(5):
            step(a, t, to1)
        a.save_to_json(str(tmp_path), overwrite=True)
        b = second.Context.load(str(tmp_path), name)
        for t in range(5, 12):
            step(a, t, to1)
            step(b, t, to2)
            for comp in state:
                x = np.asarray(getattr(a.get_components("W"), comp).get(), dtype=np.float32)
                y = np.asarray(getattr(b.get_components("W"), comp).get(), dtype=np.float32)
                assert x.shape == y.shape and np.array_equal(x.view(np.int32), y.view(np.int32)), (first.__name__, comp, t)


def test_art2a_insert_places_a_memory_as_ngclearns():
    ngclearn_or_skip()
    import ngclearn
    import ngclearn_rs
    from jax import random as jrandom
    import ngclearn.components.synapses.competitive as theirs
    import ngclearn_rs.components.synapses.competitive as ours

    got = []
    for lib, mod in ((ngclearn, theirs), (ngclearn_rs, ours)):
        with lib.Context(fresh("art_insert")):
            c = mod.ART2ASynapse("W", (3, 4), key=jrandom.PRNGKey(2))
        c.insert(np.array([[0.5, -1.0, 2.0]], dtype=np.float32), 2)
        c.insert(np.array([[-0.0, 3.0, 1.0]], dtype=np.float32), 0)
        got.append((np.asarray(c.weights.get(), dtype=np.float32), np.asarray(c.used.get(), dtype=np.float32)))
    for x, y in zip(*got):
        assert x.shape == y.shape and np.array_equal(x.view(np.int32), y.view(np.int32))


def test_retinal_ganglion_cells_cross_both_ways_with_their_three_axis_stimulus(tmp_path):
    ngclearn_or_skip()
    import contextlib
    import io

    import ngclearn
    import ngclearn_rs
    from jax import numpy as jnp
    from ngclearn.components.input_encoders.ganglionCell import RetinalGanglionCell as Theirs
    from ngclearn_rs.components.input_encoders.ganglionCell import RetinalGanglionCell as Ours

    def build(lib, cls, name):
        with lib.Context(name) as ctx, contextlib.redirect_stdout(io.StringIO()):
            c = cls("R", "difference_of_gaussian", (9, 9), 9, (5, 5), (2, 2), batch_size=2, sigma=0.8)
            lib.MethodProcess("adv") >> c.advance_state
        return ctx

    xs = np.random.default_rng(5).random((8, 2, 9, 9)).astype(np.float32)

    def step(ctx, t, to_array):
        ctx.get_components("R").inputs.set(to_array(xs[t]))
        ctx.get_objects("adv", objectType="process").run(t=float(t))

    for first, second, cls1, to1, to2 in ((ngclearn_rs, ngclearn, Ours, np.asarray, jnp.asarray),
                                          (ngclearn, ngclearn_rs, Theirs, jnp.asarray, np.asarray)):
        name = fresh("rgc")
        a = build(first, cls1, name)
        for t in range(3):
            step(a, t, to1)
        a.save_to_json(str(tmp_path), overwrite=True)
        with contextlib.redirect_stdout(io.StringIO()):
            b = second.Context.load(str(tmp_path), name)
        for comp in ("inputs", "filter", "outputs"):
            x = np.asarray(getattr(a.get_components("R"), comp).get(), dtype=np.float32)
            y = np.asarray(getattr(b.get_components("R"), comp).get(), dtype=np.float32)
            assert x.shape == y.shape and np.array_equal(x.view(np.int32), y.view(np.int32)), (first.__name__, comp)
        for t in range(3, 8):
            step(a, t, to1)
            step(b, t, to2)
            x = np.asarray(a.get_components("R").outputs.get(), dtype=np.float32)
            y = np.asarray(b.get_components("R").outputs.get(), dtype=np.float32)
            assert x.shape == y.shape and np.array_equal(x.view(np.int32), y.view(np.int32)), (first.__name__, t)
