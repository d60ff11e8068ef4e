"""RateCell gives ngclearn's states and activities for every activation, prior,
integrator name and threshold the fixtures cover."""

import numpy as np
import pytest

from conftest import fixture, fresh, rel_close
from ngclearn_rs import Context, MethodProcess, random
from ngclearn_rs.components import RateCell

CASES = fixture("rate_cells.json")["cases"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_rate_cells_match_ngclearn(case):
    c_ = CASES[case]
    kw = dict(c_["kwargs"])
    for k in ("prior", "threshold"):
        if k in kw:
            kw[k] = tuple(kw[k])
    with Context(fresh("rate")):
        z = RateCell("z", n_units=c_["n_units"], batch_size=c_["batch_size"], key=random.PRNGKey(6), **kw)
        adv = MethodProcess("adv") >> z.advance_state
        rst = MethodProcess("rst") >> z.reset
    rst.run()
    for t in range(c_["steps"]):
        z.j.set(np.asarray(c_["j"][t], dtype=np.float32))
        z.j_td.set(np.asarray(c_["j_td"][t], dtype=np.float32))
        adv.run(dt=c_["dt"])
        for out in ("z", "zF", "j"):
            assert rel_close(getattr(z, out).get(), c_["trace"][out][t]), (out, t)


def test_what_ngclearn_cannot_run_is_refused():
    with Context(fresh("rate")):
        with pytest.raises(ValueError, match="cauchy"):
            RateCell("a", 2, 10., threshold=("cauchy_threshold", 0.1))
        with pytest.raises(ValueError, match="omega_0"):
            RateCell("b", 2, 10., act_fx="sine")
        with pytest.raises(ValueError, match="act_fx"):
            RateCell("c", 2, 10., act_fx="swish")
        with pytest.raises(ValueError, match="shape"):
            RateCell("d", 2, 10., shape=(1, 2))  # ngclearn reads three sizes (an IndexError there)
        with pytest.raises(ValueError, match="softmax"):
            RateCell("e", 2, 0., act_fx="softmax", shape=(1, 2, 3))  # its softmax runs over the maps' rows


def test_a_rate_cell_over_maps_has_four_axes():
    with Context(fresh("rate")):
        z = RateCell("z", 2, 10., batch_size=3, shape=(4, 5, 2))
    assert z.z.get().shape == (3, 4, 5, 2)
    z.j.set(np.ones((3, 4, 5, 2), dtype=np.float32))
    assert z.j.get().shape == (3, 4, 5, 2)
    with pytest.raises(ValueError, match="shape"):
        z.j.set(np.ones((3, 4, 5, 3), dtype=np.float32))


def test_error_and_leaky_noise_cells_over_maps_have_four_axes():
    from ngclearn_rs.components import BernoulliErrorCell, GaussianErrorCell, LaplacianErrorCell, LeakyNoiseCell

    with Context(fresh("maps")):
        g = GaussianErrorCell("g", 2, batch_size=2, shape=(3, 4, 2))
        lap = LaplacianErrorCell("l", 2, batch_size=2, shape=(3, 4, 2))
        b = BernoulliErrorCell("b", 2, batch_size=2, shape=(3, 4, 2))
        n = LeakyNoiseCell("n", 2, 5.0, batch_size=2, shape=(3, 4, 2))
    for c, comp in ((g, "mu"), (g, "dmu"), (lap, "shift"), (b, "p"), (n, "x"), (n, "r")):
        assert getattr(c, comp).get().shape == (2, 3, 4, 2), (c.name, comp)
    assert np.asarray(g.L.get()).shape == ()  # the sum over all the maps stays a scalar
    with Context(fresh("maps")):
        with pytest.raises(ValueError, match="bkwta"):
            LeakyNoiseCell("k", 8, 5.0, act_fx="bkwta", shape=(2, 2, 2))
