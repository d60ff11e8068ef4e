from .graded import BernoulliErrorCell, GaussianErrorCell, LaplacianErrorCell, RateCell, RewardErrorCell
from .spiking import LIFCell

__all__ = ["BernoulliErrorCell", "GaussianErrorCell", "LaplacianErrorCell", "LIFCell", "RateCell", "RewardErrorCell"]
