"""A recurrent network of conductance synapses, as ngclearn saved it, scanned here: every
step's spikes and the potentials after the last step are ngclearn's bit for bit
(scripts/make_recurrent_fixture.py writes the reference from ngclearn 3.1.1)."""

import os

import numpy as np

from conftest import FIXTURES, fixture
from ngclearn_rs import Context


def test_ngclearns_recurrent_network_scans_here_to_the_last_spike():
    ref = fixture("recurrent_conductance.json")
    ctx = Context.load(os.path.join(FIXTURES, "models"), "recurrent_conductance")
    adv = ctx.get_objects("advance_proc", objectType="process")
    e, i = ctx.get_components("E", "I")
    adv.watch(e.s, i.s, e.v, i.v)
    dt, steps = ref["dt"], ref["steps"]
    final, res = adv.scan(adv.pack_rows(steps, t=lambda k: (k + 1) * dt, dt=dt))
    for p, s in (("E", res[0]), ("I", res[1])):
        got = [np.nonzero(row[0])[0].tolist() for row in np.asarray(s)]
        assert got == ref["raster"][p], p
    for p, v in (("E", res[2]), ("I", res[3])):
        want = np.asarray(ref["v_final"][p], dtype=np.float32)
        assert np.array_equal(np.asarray(v[-1], dtype=np.float32).view(np.int32), want.view(np.int32)), p
