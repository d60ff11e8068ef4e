from .bernoulliCell import BernoulliCell
from .latencyCell import LatencyCell
from .poissonCell import PoissonCell

__all__ = ["BernoulliCell", "LatencyCell", "PoissonCell"]
