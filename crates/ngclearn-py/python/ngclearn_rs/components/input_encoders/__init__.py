from .bernoulliCell import BernoulliCell
from .poissonCell import PoissonCell

__all__ = ["BernoulliCell", "PoissonCell"]
