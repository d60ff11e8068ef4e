from .graded import (
    BernoulliErrorCell, GaussianErrorCell, LaplacianErrorCell, LeakyNoiseCell, RateCell, RewardErrorCell,
)
from .spiking import (
    AdExCell, FitzhughNagumoCell, IFCell, IzhikevichCell, LIFCell, QuadLIFCell, SLIFCell, WTASCell,
)

__all__ = ["AdExCell", "BernoulliErrorCell", "FitzhughNagumoCell", "GaussianErrorCell", "IFCell", "IzhikevichCell",
           "LaplacianErrorCell", "LeakyNoiseCell", "LIFCell", "QuadLIFCell", "RateCell", "RewardErrorCell", "SLIFCell",
           "WTASCell"]
