from .LIFCell import LIFCell

__all__ = ["LIFCell"]
