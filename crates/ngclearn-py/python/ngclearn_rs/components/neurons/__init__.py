from .spiking import LIFCell

__all__ = ["LIFCell"]
