"""``scan(progress=...)``: a tqdm bar or a callable, moved between the blocks the
engine runs in anyway, so the numbers are the same bit for bit with and without it."""

import sys

import numpy as np
import pytest

from conftest import fresh
from ngclearn_rs import Context, MethodProcess, components


def circuit():
    with Context(fresh()) as ctx:
        P = components.PoissonCell("P", 4, target_freq=200.0, key=(0, 7))
        W = components.DenseSynapse("W", (4, 3), resist_scale=60.0, key=(0, 8))
        z = components.LIFCell("z", 3, 5.0, key=(0, 9))
        P.outputs >> W.inputs
        W.outputs >> z.j
        adv = MethodProcess("adv") >> P.advance_state >> W.advance_state >> z.advance_state
        adv.watch(z.v, z.s, P.outputs)
    P.inputs.set(np.ones((1, 4)))
    return ctx, adv


def run(progress):
    ctx, adv = circuit()
    keys = adv.get_keywords()
    data = [[{"t": 1.0 * i, "dt": 1.0}[k] for k in keys] for i in range(1000)]  # 4 blocks of 256
    final, watched = adv.scan(data, progress=progress)
    return {k.split(":", 1)[1]: np.array(final[k]) for k in final}, watched


def test_the_numbers_are_the_same_bit_for_bit_with_a_bar_or_a_callable():
    pytest.importorskip("tqdm")
    plain_state, plain = run(False)
    bar_state, bar = run(True)
    seen = []
    cb_state, cb = run(lambda done, total: seen.append((done, total)))
    for a, b, c in zip(plain, bar, cb):
        assert a.tobytes() == b.tobytes() == c.tobytes()
    assert plain[1].sum() > 0  # the cells spiked: the comparison compares something
    assert plain_state.keys() == bar_state.keys() == cb_state.keys()
    for k in plain_state:
        assert plain_state[k].tobytes() == bar_state[k].tobytes() == cb_state[k].tobytes(), k
    assert seen == [(256, 1000), (512, 1000), (768, 1000), (1000, 1000)]


def test_the_bar_counts_every_step_and_closes(capsys):
    pytest.importorskip("tqdm")
    ctx, adv = circuit()
    adv.scan([[0.1 * i, 0.1] for i in range(600)], progress="warming up")
    err = capsys.readouterr().err
    assert "warming up" in err and "600/600" in err


def test_a_missing_tqdm_is_said_clearly_before_anything_runs(monkeypatch):
    ctx, adv = circuit()
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    before = ctx.state()
    with pytest.raises(ImportError, match=r"tqdm, which is not installed: pip install tqdm"):
        adv.scan([[0.0, 0.1]], progress=True)
    assert adv.previous_state is None
    assert all(np.array_equal(before[k], ctx.state()[k]) for k in before)


def test_an_exception_in_the_callback_stops_the_scan_leaving_the_state():
    ctx, adv = circuit()
    before = ctx.state()

    def stop(done, total):
        raise RuntimeError("enough")

    with pytest.raises(RuntimeError, match="enough"):
        adv.scan([[0.1 * i, 0.1] for i in range(600)], progress=stop)
    assert all(np.array_equal(before[k], ctx.state()[k]) for k in before)


def test_a_bad_progress_value_is_refused():
    ctx, adv = circuit()
    with pytest.raises(TypeError, match="`progress` is True, a description string or a callable"):
        adv.scan([[0.0, 0.1]], progress=3)
