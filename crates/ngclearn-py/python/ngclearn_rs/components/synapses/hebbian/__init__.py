from .BCMSynapse import BCMSynapse
from .eventSTDPSynapse import EventSTDPSynapse
from .expSTDPSynapse import ExpSTDPSynapse
from .hebbianSynapse import HebbianSynapse
from .traceSTDPSynapse import TraceSTDPSynapse

__all__ = ["BCMSynapse", "EventSTDPSynapse", "ExpSTDPSynapse", "HebbianSynapse", "TraceSTDPSynapse"]
