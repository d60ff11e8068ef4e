"""The spiking cells, LatencyCell, ExpKernel and LeakyNoiseCell through the Python API,
as a user of ngclearn writes them: every case of ngclearn 3.1.1's `spiking_cells.json` and
`raf_cells.json` and `hodgkin_huxley_cells.json` (deprecated argument names included) gives the same numbers, spikes and
keys here."""

import warnings

import numpy as np
import pytest

from conftest import fixture, fresh, rel_close

from ngclearn_rs import Context, MethodProcess, components, random

CASES = {
    **fixture("spiking_cells.json")["cases"],
    **fixture("raf_cells.json")["cases"],
    **fixture("hodgkin_huxley_cells.json")["cases"],
}
#: ngclearn's IFCell, QuadLIFCell, IzhikevichCell, FitzhughNagumoCell and HodgkinHuxleyCell
#: take no batch_size.
NO_BATCH = {"IFCell", "QuadLIFCell", "IzhikevichCell", "FitzhughNagumoCell", "HodgkinHuxleyCell"}


def _want(values, shape):
    """A fixture value in this package's shape: ExpKernel's (win_len, batch, n) window
    stacked, a (1, n) threshold row repeated over the batch."""
    want = np.asarray(values, dtype=np.float32)
    if want.ndim == 3:
        want = want.reshape(-1, want.shape[-1])
    return np.broadcast_to(want, shape)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_case_matches_ngclearn(name):
    c = CASES[name]
    cls = getattr(components, c["component"])
    kw = dict(c["kwargs"])
    if c["component"] not in NO_BATCH:
        kw["batch_size"] = c["batch_size"]
    with Context(fresh("cell")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the deprecated names some cases use
            cell = cls("c", n_units=c["n_units"], key=random.PRNGKey(c["key_seed"]), **kw)
        step = MethodProcess("step")
        if c["component"] == "LatencyCell":
            step = step >> cell.calc_spike_times
        step = step >> cell.advance_state
        rst = MethodProcess("rst") >> cell.reset
    rst.run()
    for comp, value in c["initial"].items():
        got = np.asarray(getattr(cell, comp).get())
        assert rel_close(got, _want(value, got.shape)), (name, comp, "initial")
    for t in range(c["steps"]):
        if c.get("reset_at") == t:
            rst.run()
        for comp, vals in c["inputs"].items():
            getattr(cell, comp).set(np.asarray(vals[t], dtype=np.float32))
        step.run(t=t * c["dt"], dt=c["dt"])
        for comp, vals in c["trace"].items():
            got = np.asarray(getattr(cell, comp).get())
            assert rel_close(got, _want(vals[t], got.shape)), (name, comp, t)
        if "key_trace" in c:
            assert cell.key.get().tolist() == c["key_trace"][t], (name, "key", t)


def test_what_ngclearn_cannot_run_is_refused():
    with Context(fresh("cell")):
        with pytest.raises(AssertionError):
            components.IFCell("a", 2, 10., resist_m=0.)
        with pytest.raises(ValueError, match="tau_m"):
            components.QuadLIFCell("b", 2, 0.)
        with pytest.raises(ValueError, match="integration_type"):
            components.LeakyNoiseCell("c", 2, 10., integration_type="rk4")
        with pytest.raises(ValueError, match="act_fx"):
            components.LeakyNoiseCell("d", 4, 10., act_fx="bkwta")
        with pytest.raises(ZeroDivisionError):
            components.ExpKernel("e", 2, 0.)
        with pytest.raises(TypeError, match="bogus"):
            components.AdExCell("f", 2, bogus=1)
