from .graded import BernoulliErrorCell, GaussianErrorCell, LaplacianErrorCell, RateCell
from .spiking import LIFCell

__all__ = ["BernoulliErrorCell", "GaussianErrorCell", "LaplacianErrorCell", "LIFCell", "RateCell"]
