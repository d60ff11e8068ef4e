from .expSTDPSynapse import ExpSTDPSynapse
from .traceSTDPSynapse import TraceSTDPSynapse

__all__ = ["ExpSTDPSynapse", "TraceSTDPSynapse"]
