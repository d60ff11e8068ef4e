"""Every constructor has ngclearn 3.1.1's signature (names, order, defaults), and
names the engine's parameters in the engine's order."""

import inspect
import json

import pytest

import ngclearn_rs
from conftest import ngclearn_or_skip
from ngclearn_rs import _core, components

CLASSES = sorted(components.__all__)


def params(cls):
    f = cls.__init__
    # ngclearn's deprecate_args decorator hides the signature (no __wrapped__): the
    # constructor is the function in its closure.
    for cell in getattr(f, "__closure__", None) or ():
        if inspect.isfunction(cell.cell_contents) and cell.cell_contents.__name__ == "__init__":
            f = cell.cell_contents
    return [p for p in inspect.signature(f).parameters.values() if p.name != "self"]


@pytest.mark.parametrize("name", CLASSES)
def test_constructors_have_ngclearns_signature(name):
    ngclearn_or_skip()
    import ngclearn.components as ngc

    mine, theirs = params(getattr(components, name)), params(getattr(ngc, name))
    assert [(p.name, p.kind) for p in mine] == [(p.name, p.kind) for p in theirs]
    for a, b in zip(mine, theirs):
        assert a.default == b.default or (a.default is b.default), (name, a.name, a.default, b.default)


@pytest.mark.parametrize("name", CLASSES)
def test_constructors_bind_the_engines_positional_parameters(name):
    engine = json.loads(_core.schema(name))["signature"]
    mine = [p.name for p in params(getattr(components, name)) if p.kind is p.POSITIONAL_OR_KEYWORD]
    # ngclearn's positional parameters, less those the engine takes by keyword here
    # (a synapse's `mask`/`batch_size`/`key` ride in **kwargs) and the error cells' 4-D
    # `shape`, which the Python class refuses.
    assert [n for n in engine if n in mine] == [n for n in mine if n in engine]
    extra = {"mask", "batch_size", "key", "surrogate_type"}
    if name.endswith("ErrorCell"):
        extra.add("shape")
    assert set(mine) <= set(engine) | extra, name


def test_module_paths_mirror_ngclearns():
    from ngclearn_rs.components.input_encoders.bernoulliCell import BernoulliCell
    from ngclearn_rs.components.input_encoders.poissonCell import PoissonCell
    from ngclearn_rs.components.neurons.spiking.LIFCell import LIFCell
    from ngclearn_rs.components.synapses.alphaSynapse import AlphaSynapse
    from ngclearn_rs.components.synapses.denseSynapse import DenseSynapse
    from ngclearn_rs.components.synapses.doubleExpSynapse import DoubleExpSynapse
    from ngclearn_rs.components.synapses.exponentialSynapse import ExponentialSynapse
    from ngclearn_rs.components.synapses.staticSynapse import StaticSynapse
    from ngclearn_rs.components.synapses.hebbian.traceSTDPSynapse import TraceSTDPSynapse
    from ngclearn_rs.components.synapses.hebbian.expSTDPSynapse import ExpSTDPSynapse
    from ngclearn_rs.components.other.varTrace import VarTrace
    from ngclearn_rs.components.neurons.spiking.sLIFCell import SLIFCell
    from ngclearn_rs.components.neurons.spiking.IFCell import IFCell
    from ngclearn_rs.components.neurons.spiking.quadLIFCell import QuadLIFCell
    from ngclearn_rs.components.neurons.spiking.adExCell import AdExCell
    from ngclearn_rs.components.neurons.spiking.izhikevichCell import IzhikevichCell
    from ngclearn_rs.components.neurons.spiking.fitzhughNagumoCell import FitzhughNagumoCell
    from ngclearn_rs.components.neurons.spiking.WTASCell import WTASCell
    from ngclearn_rs.components.input_encoders.latencyCell import LatencyCell
    from ngclearn_rs.components.other.expKernel import ExpKernel
    from ngclearn_rs.components.neurons.graded.leakyNoiseCell import LeakyNoiseCell

    for cls in (BernoulliCell, PoissonCell, LIFCell, AlphaSynapse, DenseSynapse, DoubleExpSynapse, ExponentialSynapse,
                StaticSynapse, TraceSTDPSynapse, ExpSTDPSynapse, VarTrace, SLIFCell, IFCell, QuadLIFCell, AdExCell,
                IzhikevichCell, FitzhughNagumoCell, WTASCell, LatencyCell, ExpKernel, LeakyNoiseCell):
        assert getattr(components, cls.__name__) is cls
        engine = json.loads(_core.schema(cls.__name__))["module_path"]
        assert engine == "ngclearn" + cls.__module__[len("ngclearn_rs"):] + "." + cls.__name__
    assert set(_core.classes()) == set(CLASSES)
    assert ngclearn_rs.MethodProcess is ngclearn_rs.utils.MethodProcess
