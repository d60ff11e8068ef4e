"""Bad input raises the exception that fits, with the engine's message, and leaves
the context usable."""

import math

import numpy as np
import pytest

from conftest import fresh
from ngclearn_rs import Context, MethodProcess, Summation, random
from ngclearn_rs.components import AlphaSynapse, DenseSynapse, LIFCell, PoissonCell
from ngclearn_rs.utils.distribution_generator import DistributionGenerator as DG


def test_non_finite_and_non_positive_parameters_are_value_errors():
    with Context(fresh("err")):
        with pytest.raises(ValueError, match="tau_m"):
            LIFCell("z", 3, tau_m=math.nan)
        with pytest.raises(ValueError, match="tau_m"):
            LIFCell("z", 3, tau_m=-1.0)
        with pytest.raises(ValueError, match="n_units"):
            LIFCell("z", 0, tau_m=10.0)
        with pytest.raises(ValueError, match="n_units"):
            LIFCell("z", -3, tau_m=10.0)
        with pytest.raises(ValueError, match="tau_decay"):
            AlphaSynapse("W", (2, 3), tau_decay=0.0, g_syn_bar=1.0, syn_rest=0.0)
        with pytest.raises(ValueError, match="resist_scale"):
            DenseSynapse("D", (2, 3), resist_scale=math.inf)
        with pytest.raises(ValueError):
            DG.uniform(0.0, math.nan)
        with pytest.raises(ValueError):
            LIFCell("z", 3, tau_m=10.0, integration_type="rk9")


def test_wrong_arguments_are_type_errors():
    with Context(fresh("err")):
        with pytest.raises(TypeError):
            LIFCell("z", 3)  # tau_m is required
        with pytest.raises(TypeError):
            LIFCell("z", 3, 10.0, bogus=1)
        with pytest.raises(TypeError):
            DenseSynapse("D", (2, 3), nonsense=1)
        with pytest.raises(TypeError):
            LIFCell("z", 3, 10.0, key="abc")
        with pytest.raises(TypeError):
            DenseSynapse("D", (2, 3), weight_init=lambda shape, key: None)
        with pytest.raises(TypeError, match="thr"):
            LIFCell("z", 3, 10.0, thr="high")
        with pytest.raises(TypeError, match="one_spike"):
            LIFCell("z", 3, 10.0, one_spike=2.5)


def test_wrong_shapes_unknown_names_and_wires():
    with Context(fresh("err")) as ctx:
        z = LIFCell("z", 3, tau_m=10.0, key=random.PRNGKey(0))
        p = PoissonCell("p", 4, key=random.PRNGKey(1))
        W = DenseSynapse("W", (4, 2), key=random.PRNGKey(2))
        with pytest.raises(ValueError, match="shape"):
            W.outputs >> z.j  # (1, 2) into (1, 3)
        with pytest.raises(ValueError, match="shape"):
            z.v.set(np.zeros((2, 2)))
        with pytest.raises(TypeError):
            z.v.set("hello")
        with pytest.raises(ValueError):
            3 >> z.j
        with pytest.raises(TypeError):
            MethodProcess("bad") >> z
        with pytest.raises(KeyError):
            ctx._circuit.get("nobody:v")
        p.outputs >> W.inputs
        adv = MethodProcess("adv") >> p.advance_state >> W.advance_state >> z.advance_state
    # The failed wire left nothing behind: the circuit runs.
    adv.run(t=0.1, dt=0.1)
    assert not z.j.targeted and W.inputs.targeted
    with pytest.raises(ValueError, match="dt"):
        adv.run(t=0.1, dt=-1.0)
    with pytest.raises(ValueError):
        adv.run(t=math.nan, dt=0.1)


def test_components_need_a_context():
    with pytest.raises(RuntimeError, match="Context"):
        LIFCell("lonely", 3, tau_m=10.0)


def test_wires_do_not_cross_contexts():
    with Context(fresh("a")):
        z = LIFCell("z", 1, tau_m=10.0)
    with Context(fresh("b")):
        y = LIFCell("y", 1, tau_m=10.0)
        with pytest.raises(ValueError, match="context"):
            z.s >> y.j
        with pytest.raises(ValueError, match="context"):
            Summation(z.s, y.s) >> y.j


def test_setting_a_wired_compartment_does_nothing_as_in_ngclearn():
    with Context(fresh("w")):
        z = LIFCell("z", 1, tau_m=10.0)
        y = LIFCell("y", 1, tau_m=10.0)
        z.s >> y.j
    with pytest.warns(UserWarning, match="wired"):
        y.j.set(np.ones((1, 1)))
    assert y.j.get()[0, 0] == 0.0


def test_huge_draws_are_refused_not_fatal():
    with pytest.raises(ValueError):
        random.uniform(random.PRNGKey(0), (10**11,))
    with pytest.raises(ValueError):
        random.split(random.PRNGKey(0), 10**11)
    with pytest.raises(ValueError):
        random.split(random.PRNGKey(0), 0)


def test_keys_are_checked_wherever_they_are_set():
    with Context(fresh("keys")):
        z = LIFCell("z", 2, tau_m=10.0)
    with pytest.raises(ValueError):
        z.key.set([-1, 2])
    with pytest.raises(TypeError):
        z.key.set([1.7, 2.2])
    z.key.set(random.PRNGKey(9))
    assert z.key.get().tolist() == random.PRNGKey(9).tolist()
