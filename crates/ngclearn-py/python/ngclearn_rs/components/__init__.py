"""The component classes, with ngclearn 3.1.1's names, signatures and module paths
(``ngclearn_rs.components.neurons.spiking.LIFCell.LIFCell``, ...)."""

from .input_encoders import BernoulliCell, PoissonCell
from .neurons import BernoulliErrorCell, GaussianErrorCell, LaplacianErrorCell, LIFCell, RateCell, RewardErrorCell
from .other import VarTrace
from .synapses import (
    AlphaSynapse, BCMSynapse, DenseSynapse, DoubleExpSynapse, EventSTDPSynapse, ExpSTDPSynapse, ExponentialSynapse,
    HebbianSynapse, MSTDPETSynapse, STPDenseSynapse, StaticSynapse, TraceSTDPSynapse,
)

__all__ = [
    "AlphaSynapse", "BCMSynapse", "BernoulliCell", "BernoulliErrorCell", "DenseSynapse", "DoubleExpSynapse",
    "EventSTDPSynapse", "ExpSTDPSynapse", "ExponentialSynapse", "GaussianErrorCell", "HebbianSynapse",
    "LaplacianErrorCell", "LIFCell", "MSTDPETSynapse", "PoissonCell", "RateCell", "RewardErrorCell",
    "STPDenseSynapse", "StaticSynapse", "TraceSTDPSynapse", "VarTrace",
]
