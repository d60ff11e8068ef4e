"""ngclearn's ``utils``: the ``DistributionGenerator`` initialisers and the processes."""

from .._process import JointProcess, MethodProcess
from .distribution_generator import DistributionGenerator

__all__ = ["DistributionGenerator", "JointProcess", "MethodProcess"]
