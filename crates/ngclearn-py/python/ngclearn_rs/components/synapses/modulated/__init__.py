from .MSTDPETSynapse import MSTDPETSynapse

__all__ = ["MSTDPETSynapse"]
