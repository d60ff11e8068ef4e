"""A circuit that learns (Poisson -> TraceSTDPSynapse -> adaptive LIF, VarTraces on both
sides), written as for ngclearn with only the imports changed, learns as ngclearn's did;
its saved directory runs on in ngclearn as here."""

import numpy as np

from conftest import fixture, fresh, ngclearn_or_skip, rel_close

# ngclearn's imports were: from jax import numpy as jnp, random; from ngclearn import ...
import numpy as jnp
from ngclearn_rs import random
from ngclearn_rs import Context, MethodProcess
from ngclearn_rs.components import LIFCell, PoissonCell, TraceSTDPSynapse, VarTrace
from ngclearn_rs.utils.distribution_generator import DistributionGenerator as DG


def stdp_circuit(model_name):
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
    return ctx, adv, W, post


def test_the_learning_circuit_learns_as_ngclearns():
    ref = fixture("trace_stdp_circuit.json")
    ctx, adv, W, post = stdp_circuit(fresh("stdp"))
    assert W.weights.get().tolist() == ref["weights0"]
    assert adv.get_keywords() == ["t", "dt"]
    checkpoints = dict((t, w) for t, w in ref["weights_at"])
    for t in range(1, ref["steps"] + 1):
        adv.run(t=t * 1.0, dt=1.0)
        assert np.nonzero(post.s.get()[0])[0].tolist() == ref["post_spike_indices"][t - 1], t
        if t in checkpoints:
            assert rel_close(W.weights.get(), checkpoints[t]), t


def test_the_learning_circuit_scanned_learns_the_same():
    ref = fixture("trace_stdp_circuit.json")
    ctx, adv, W, post = stdp_circuit(fresh("stdp"))
    adv.watch(post.s, W.weights)
    rows = np.array(adv.pack_rows(ref["steps"], t=lambda i: i + 1.0, dt=1.0))
    final, (s, w) = adv.scan(rows)
    assert w.shape == (ref["steps"], 20, 4)
    assert [np.nonzero(x[0])[0].tolist() for x in s] == ref["post_spike_indices"]
    assert rel_close(final[f"{ctx.path}:W:weights"], ref["weights_at"][-1][1])
    assert W.weights.get().tolist() == ref["weights0"], "scan left the weights as they were"


def test_a_learning_circuit_saved_here_learns_on_in_ngclearn(tmp_path):
    ngclearn_or_skip()
    from ngclearn import Context as NgContext

    name = fresh("stdpsave")
    ctx, adv, W, post = stdp_circuit(name)
    for t in range(1, 201):
        adv.run(t=t * 1.0, dt=1.0)
    ctx.save_to_json(str(tmp_path), overwrite=True)
    theirs = NgContext.load(str(tmp_path), name)
    t_adv = theirs.get_objects("advance_proc", objectType="process")
    t_W, t_post = theirs.get_components("W", "post")
    for t in range(201, 401):
        adv.run(t=t * 1.0, dt=1.0)
        t_adv.run(t=t * 1.0, dt=1.0)
        assert np.array_equal(np.asarray(t_post.s.get()), post.s.get()), t
    assert rel_close(W.weights.get(), np.asarray(t_W.weights.get()))


def test_a_joint_process_is_saved_as_one_and_ngclearn_runs_it(tmp_path):
    import json
    import os

    name = fresh("jointsave")
    ctx, adv, W, post = stdp_circuit(name)
    from ngclearn_rs import JointProcess
    with ctx:
        evo = MethodProcess("evo") >> W.evolve
        fwd = JointProcess("fwd") >> adv >> evo
    ctx.save_to_json(str(tmp_path), overwrite=True)
    with open(os.path.join(str(tmp_path), name, "process", "roots.json")) as f:
        procs = json.load(f)
    assert procs["fwd"]["modulePath"] == "ngclearn.JointProcess"
    assert procs["fwd"]["process_order"] == ["advance_proc", "evo"]
    ngclearn_or_skip()
    from ngclearn import Context as NgContext
    theirs = NgContext.load(str(tmp_path), name)
    t_fwd = theirs.get_objects("fwd", objectType="process")
    t_post = theirs.get_components("post")
    for t in range(1, 101):
        fwd.run(t=t * 1.0, dt=1.0)
        t_fwd.run(t=t * 1.0, dt=1.0)
        assert np.array_equal(np.asarray(t_post.s.get()), post.s.get()), t
