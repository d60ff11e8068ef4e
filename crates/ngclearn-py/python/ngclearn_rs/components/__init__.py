"""The component classes, with ngclearn 3.1.1's names, signatures and module paths
(``ngclearn_rs.components.neurons.spiking.LIFCell.LIFCell``, ...)."""

from .input_encoders import BernoulliCell, LatencyCell, PoissonCell
from .neurons import (
    AdExCell, BernoulliErrorCell, FitzhughNagumoCell, GaussianErrorCell, IFCell, IzhikevichCell, LaplacianErrorCell,
    LeakyNoiseCell, LIFCell, QuadLIFCell, RateCell, SLIFCell, WTASCell,
)
from .other import ExpKernel, VarTrace
from .synapses import (
    AlphaSynapse, DenseSynapse, DoubleExpSynapse, ExpSTDPSynapse, ExponentialSynapse, HebbianSynapse, StaticSynapse,
    TraceSTDPSynapse,
)

__all__ = [
    "AdExCell", "AlphaSynapse", "BernoulliCell", "BernoulliErrorCell", "DenseSynapse", "DoubleExpSynapse", "ExpKernel",
    "ExpSTDPSynapse", "ExponentialSynapse", "FitzhughNagumoCell", "GaussianErrorCell", "HebbianSynapse", "IFCell",
    "IzhikevichCell", "LaplacianErrorCell", "LatencyCell", "LeakyNoiseCell", "LIFCell", "PoissonCell", "QuadLIFCell",
    "RateCell", "SLIFCell", "StaticSynapse", "TraceSTDPSynapse", "VarTrace", "WTASCell",
]
