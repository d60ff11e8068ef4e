from .expKernel import ExpKernel
from .varTrace import VarTrace

__all__ = ["ExpKernel", "VarTrace"]
