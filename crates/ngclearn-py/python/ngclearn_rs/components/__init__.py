"""The component classes, with ngclearn 3.1.1's names, signatures and module paths
(``ngclearn_rs.components.neurons.spiking.LIFCell.LIFCell``, ...)."""

from .input_encoders import BernoulliCell, PoissonCell
from .neurons import LIFCell
from .synapses import AlphaSynapse, DenseSynapse, DoubleExpSynapse, ExponentialSynapse

__all__ = [
    "AlphaSynapse", "BernoulliCell", "DenseSynapse", "DoubleExpSynapse", "ExponentialSynapse",
    "LIFCell", "PoissonCell",
]
