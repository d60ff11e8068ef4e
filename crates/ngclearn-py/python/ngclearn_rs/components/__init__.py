"""The component classes, with ngclearn 3.1.1's names, signatures and module paths
(``ngclearn_rs.components.neurons.spiking.LIFCell.LIFCell``, ...)."""

from .input_encoders import BernoulliCell, LatencyCell, PoissonCell
from .neurons import (
    AdExCell, BernoulliErrorCell, FitzhughNagumoCell, GaussianErrorCell, IFCell, IzhikevichCell, LaplacianErrorCell,
    LeakyNoiseCell, LIFCell, QuadLIFCell, RateCell, RewardErrorCell, SLIFCell, WTASCell,
)
from .other import ExpKernel, VarTrace
from .synapses import (
    AlphaSynapse, BCMSynapse, DenseSynapse, DoubleExpSynapse, EventSTDPSynapse, ExpSTDPSynapse, ExponentialSynapse,
    HebbianSynapse, MSTDPETSynapse, STPDenseSynapse, StaticSynapse, TraceSTDPSynapse,
)

__all__ = [
    "AdExCell", "AlphaSynapse", "BCMSynapse", "BernoulliCell", "BernoulliErrorCell", "DenseSynapse",
    "DoubleExpSynapse", "EventSTDPSynapse", "ExpKernel", "ExpSTDPSynapse", "ExponentialSynapse", "FitzhughNagumoCell",
    "GaussianErrorCell", "HebbianSynapse", "IFCell", "IzhikevichCell", "LaplacianErrorCell", "LatencyCell",
    "LeakyNoiseCell", "LIFCell", "MSTDPETSynapse", "PoissonCell", "QuadLIFCell", "RateCell", "RewardErrorCell",
    "SLIFCell", "STPDenseSynapse", "StaticSynapse", "TraceSTDPSynapse", "VarTrace", "WTASCell",
]
