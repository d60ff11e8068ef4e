from .alphaSynapse import AlphaSynapse
from .denseSynapse import DenseSynapse
from .doubleExpSynapse import DoubleExpSynapse
from .exponentialSynapse import ExponentialSynapse

__all__ = ["AlphaSynapse", "DenseSynapse", "DoubleExpSynapse", "ExponentialSynapse"]
