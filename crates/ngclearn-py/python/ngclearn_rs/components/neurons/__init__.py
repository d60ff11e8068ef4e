from .graded import BernoulliErrorCell, GaussianErrorCell, LaplacianErrorCell
from .spiking import LIFCell

__all__ = ["BernoulliErrorCell", "GaussianErrorCell", "LaplacianErrorCell", "LIFCell"]
