"""scan as ngclearn's: it leaves the context's state as it was, a final state passed
back continues from it, its rows follow get_keywords(), and JointProcess runs its
children's calls in order."""

import numpy as np
import pytest

from conftest import fresh
from test_tutorial import ei_circuit
from ngclearn_rs import JointProcess, MethodProcess


def test_scan_leaves_the_state_and_a_second_scan_repeats_the_first():
    ctx, adv, pe, pi, post = ei_circuit(fresh("scan"))
    adv.watch(post.v)
    before = {k: np.array(v) for k, v in ctx.state().items()}
    rows = np.array(adv.pack_rows(3000, t=lambda i: (i + 1) * 0.1, dt=0.1))
    f1, (v1,) = adv.scan(rows)
    after = ctx.state()
    for k, v in before.items():
        assert np.array_equal(after[k], v), k
    f2, (v2,) = adv.scan(rows)
    assert np.array_equal(v1, v2)
    assert np.array_equal(f1["%s:post_exc:v" % ctx.path], f2["%s:post_exc:v" % ctx.path])


def test_a_final_state_passed_back_continues_as_one_long_scan():
    ctx, adv, pe, pi, post = ei_circuit(fresh("scan"))
    adv.watch(post.v, pe.outputs)
    rows = np.array(adv.pack_rows(4000, t=lambda i: (i + 1) * 0.1, dt=0.1))
    _, (v_all, s_all) = adv.scan(rows)
    f1, (v1, s1) = adv.scan(rows[:1500])
    f2, (v2, s2) = adv.scan(rows[1500:], current_state=f1)
    assert np.array_equal(np.concatenate([v1, v2]), v_all)
    assert np.array_equal(np.concatenate([s1, s2]), s_all)
    # A changed final state is honoured; the scan does not change what it was given.
    key = f"{ctx.path}:post_exc:v"
    f1[key] = np.full((1, 1), -70.0, dtype=np.float32)
    f3, _ = adv.scan(rows[:1], current_state=f1)
    assert f1[key][0, 0] == -70.0
    assert f3[key][0, 0] != f2[key][0, 0]


def test_scan_equals_run_and_run_updates_the_state():
    ctx, adv, pe, pi, post = ei_circuit(fresh("scan"))
    adv.watch(post.v)
    rows = np.array(adv.pack_rows(500, t=lambda i: (i + 1) * 0.1, dt=0.1))
    _, (v,) = adv.scan(rows)
    got = []
    for t in range(1, 501):
        state, watched = adv.run(t=t * 0.1, dt=0.1)
        got.append(watched[0])
    assert np.array_equal(np.stack(got), v)
    assert np.array_equal(post.v.get(), v[-1])
    assert np.array_equal(state[f"{ctx.path}:post_exc:v"], v[-1])


def test_run_without_update_leaves_the_state():
    ctx, adv, pe, pi, post = ei_circuit(fresh("scan"))
    v0 = post.v.get()
    for t in range(1, 200):
        final, _ = adv.run(t=t * 0.1, dt=0.1, update=False)
    assert np.array_equal(post.v.get(), v0)


def test_rows_follow_the_keywords_and_missing_ones_are_errors():
    ctx, adv, pe, pi, post = ei_circuit(fresh("scan"))
    assert adv.get_keywords() == ["t", "dt"]
    rows = adv.pack_rows(3, t=lambda i: i * 0.5, dt=0.25)
    assert rows == [[0.0, 0.25], [0.5, 0.25], [1.0, 0.25]]
    with pytest.raises(RuntimeError):
        adv.pack_rows(3, t=lambda i: i)
    with pytest.raises(TypeError):
        adv.run(t=1.0)
    with pytest.raises(ValueError):
        adv.scan(np.zeros((5, 3)))
    with pytest.raises(ValueError):
        adv.scan(np.array([[0.1, 0.0]]))  # dt = 0


def test_a_joint_process_runs_its_childrens_calls_in_order():
    ctx, adv, pe, pi, post = ei_circuit(fresh("joint"))
    with ctx:
        first = MethodProcess("first") >> pe.advance_state >> pi.advance_state
        second = MethodProcess("second") >> ctx.get_components("Wexc").advance_state \
            >> ctx.get_components("Winh").advance_state >> post.advance_state
        both = JointProcess("both") >> first >> second
        second.watch(post.v)
    rows = np.array(both.pack_rows(800, t=lambda i: (i + 1) * 0.1, dt=0.1))
    adv.watch(post.v)
    _, (want,) = adv.scan(rows)
    _, (got,) = both.scan(rows)
    assert np.array_equal(got, want)
    assert ctx.get_objects("both", objectType="process") is both
    assert set(ctx.get_objects_by_type("process")) == {"advance_proc", "reset_proc", "first", "second", "both"}


def test_a_state_outlives_a_change_to_its_context():
    # A state taken before a process is added still starts a scan (applied by path).
    ctx, adv, pe, pi, post = ei_circuit(fresh("grow"))
    adv.watch(post.v)
    rows = np.array(adv.pack_rows(300, t=lambda i: (i + 1) * 0.1, dt=0.1))
    f1, (v1,) = adv.scan(rows[:100])
    _, (want,) = adv.scan(rows[100:], current_state=f1)
    with ctx:
        MethodProcess("extra") >> post.reset
    _, (got,) = adv.scan(rows[100:], current_state=f1)
    assert np.array_equal(got, want)


def test_the_same_compartment_watched_twice_comes_back_twice():
    ctx, adv, pe, pi, post = ei_circuit(fresh("twice"))
    adv.watch(post.v, post.v, post.s)
    rows = np.array(adv.pack_rows(50, t=lambda i: (i + 1) * 0.1, dt=0.1))
    _, watched = adv.scan(rows)
    assert len(watched) == 3 and np.array_equal(watched[0], watched[1])


def test_the_state_run_returns_writes_through():
    ctx, adv, pe, pi, post = ei_circuit(fresh("live"))
    state, _ = adv.run(t=0.1, dt=0.1)
    state[f"{ctx.path}:post_exc:v"] = -70.0
    assert post.v.get()[0, 0] == -70.0
    assert state[f"{ctx.path}:post_exc:v"][0, 0] == -70.0


def test_a_replaced_process_refuses_to_run_and_joints_stay_in_their_context():
    ctx, adv, pe, pi, post = ei_circuit(fresh("names"))
    with ctx:
        old = MethodProcess("p") >> post.advance_state
        new = MethodProcess("p") >> pe.advance_state
    new.run(t=0.1, dt=0.1)
    with pytest.raises(RuntimeError, match="replaced"):
        old.run(t=0.1, dt=0.1)
    other, *_ = ei_circuit(fresh("other"))
    with other:
        with pytest.raises(ValueError, match="context"):
            JointProcess("j") >> new


def test_the_global_state_takes_a_scans_final_state():
    # ngclearn's idiom: `stateManager.state, outputs = proc.scan(rows)` keeps the result.
    from ngclearn_rs.global_state import stateManager

    ctx, adv, pe, pi, post = ei_circuit(fresh("global"))
    rows = np.array(adv.pack_rows(400, t=lambda i: (i + 1) * 0.1, dt=0.1))
    final, _ = adv.scan(rows)
    key = f"{ctx.path}:post_exc:v"
    assert not np.array_equal(post.v.get(), final[key])
    stateManager.state = final
    assert np.array_equal(post.v.get(), final[key])
    assert np.array_equal(stateManager.state[key], final[key])
    stateManager.state = {key: np.full((1, 1), -71.0, dtype=np.float32)}
    assert post.v.get()[0, 0] == -71.0
    with pytest.raises(KeyError):
        stateManager.state = {"no_such_context:z:v": 0.0}
