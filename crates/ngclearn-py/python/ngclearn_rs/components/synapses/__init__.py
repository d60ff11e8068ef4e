from .alphaSynapse import AlphaSynapse
from .denseSynapse import DenseSynapse
from .doubleExpSynapse import DoubleExpSynapse
from .exponentialSynapse import ExponentialSynapse
from .hebbian import ExpSTDPSynapse, HebbianSynapse, TraceSTDPSynapse
from .staticSynapse import StaticSynapse

__all__ = [
    "AlphaSynapse", "DenseSynapse", "DoubleExpSynapse", "ExpSTDPSynapse", "ExponentialSynapse", "HebbianSynapse", "StaticSynapse",
    "TraceSTDPSynapse",
]
