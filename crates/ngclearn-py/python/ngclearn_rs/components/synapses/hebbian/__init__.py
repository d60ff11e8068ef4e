from .traceSTDPSynapse import TraceSTDPSynapse

__all__ = ["TraceSTDPSynapse"]
