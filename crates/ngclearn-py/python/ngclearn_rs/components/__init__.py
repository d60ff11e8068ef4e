"""The component classes, with ngclearn 3.1.1's names, signatures and module paths
(``ngclearn_rs.components.neurons.spiking.LIFCell.LIFCell``, ...)."""

from .input_encoders import BernoulliCell, PoissonCell
from .neurons import BernoulliErrorCell, GaussianErrorCell, LaplacianErrorCell, LIFCell, RateCell
from .other import VarTrace
from .synapses import (
    AlphaSynapse, DenseSynapse, DoubleExpSynapse, ExpSTDPSynapse, ExponentialSynapse, HebbianSynapse, StaticSynapse,
    TraceSTDPSynapse,
)

__all__ = [
    "AlphaSynapse", "BernoulliCell", "BernoulliErrorCell", "GaussianErrorCell", "LaplacianErrorCell", "DenseSynapse", "DoubleExpSynapse", "ExpSTDPSynapse", "ExponentialSynapse", "HebbianSynapse",
    "LIFCell", "PoissonCell", "RateCell", "StaticSynapse", "TraceSTDPSynapse", "VarTrace",
]
