"""ngclearn 3.2's ``max_delay_steps`` through the package: a script written against
3.2's ``DenseSynapse``/``StaticSynapse`` gives 3.2.3's outputs bit for bit (the
fixture ``scripts/make_axon_delay_fixtures.py`` writes from ngclearn 3.2.3), and the
classes where 3.2 delays nothing refuse it with an exception."""

import json
import os

import numpy as np
import pytest

from ngclearn_rs import Context, MethodProcess
from ngclearn_rs.components import DenseSynapse, ExponentialSynapse, StaticSynapse

FIXTURE = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "..", "ngclearn", "tests", "fixtures", "ngclearn-3.2.3", "axon_delays.json",
)


@pytest.mark.parametrize("case", ["dense_spikes", "static_reset"])
def test_axon_delays_give_ngclearn_3_2s_outputs(case):
    with open(FIXTURE) as f:
        c = json.load(f)["cases"][case]
    cls = {"DenseSynapse": DenseSynapse, "StaticSynapse": StaticSynapse}[c["class"]]
    with Context(f"delays_{case}"):
        W = cls("W", shape=tuple(c["shape"]), key=np.array([0, c["key_seed"]], np.uint32), **c["kwargs"])
        step = MethodProcess("step") >> W.advance_state
        rst = MethodProcess("rst") >> W.reset
    rst.run()
    inputs = np.asarray(c["inputs"], np.float32)
    want = np.asarray(c["trace"]["outputs"], np.float32)
    for k in range(c["steps"]):
        if k == c["reset_at"]:
            rst.run()
        W.inputs.set(inputs[k])
        step.run(t=k * 0.1, dt=0.1)
        got = np.asarray(W.outputs.get(), np.float32)
        assert got.view(np.uint32).tolist() == want[k].view(np.uint32).tolist(), f"step {k}"
    assert want.sum() > 0


def test_max_delay_steps_is_refused_where_ngclearn_3_2_delays_nothing():
    with pytest.raises(Exception, match="max_delay_steps"):
        with Context("delays_refused"):
            ExponentialSynapse("W", shape=(4, 3), tau_decay=3., g_syn_bar=1., syn_rest=0., max_delay_steps=3)
