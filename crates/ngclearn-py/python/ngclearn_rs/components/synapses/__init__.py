from .alphaSynapse import AlphaSynapse
from .denseSynapse import DenseSynapse
from .doubleExpSynapse import DoubleExpSynapse
from .exponentialSynapse import ExponentialSynapse
from .hebbian import BCMSynapse, EventSTDPSynapse, ExpSTDPSynapse, HebbianSynapse, TraceSTDPSynapse
from .modulated import MSTDPETSynapse
from .staticSynapse import StaticSynapse
from .STPDenseSynapse import STPDenseSynapse

__all__ = [
    "AlphaSynapse", "BCMSynapse", "DenseSynapse", "DoubleExpSynapse", "EventSTDPSynapse", "ExpSTDPSynapse",
    "ExponentialSynapse", "HebbianSynapse", "MSTDPETSynapse", "STPDenseSynapse", "StaticSynapse", "TraceSTDPSynapse",
]
