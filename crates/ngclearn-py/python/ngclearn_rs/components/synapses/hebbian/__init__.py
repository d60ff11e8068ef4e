from .expSTDPSynapse import ExpSTDPSynapse
from .hebbianSynapse import HebbianSynapse
from .traceSTDPSynapse import TraceSTDPSynapse

__all__ = ["ExpSTDPSynapse", "HebbianSynapse", "TraceSTDPSynapse"]
