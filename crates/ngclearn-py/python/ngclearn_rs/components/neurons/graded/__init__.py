from .bernoulliErrorCell import BernoulliErrorCell
from .gaussianErrorCell import GaussianErrorCell
from .laplacianErrorCell import LaplacianErrorCell
from .leakyNoiseCell import LeakyNoiseCell
from .rateCell import RateCell
from .rewardErrorCell import RewardErrorCell

__all__ = ["BernoulliErrorCell", "GaussianErrorCell", "LaplacianErrorCell", "LeakyNoiseCell", "RateCell", "RewardErrorCell"]
