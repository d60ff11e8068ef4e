from .varTrace import VarTrace

__all__ = ["VarTrace"]
