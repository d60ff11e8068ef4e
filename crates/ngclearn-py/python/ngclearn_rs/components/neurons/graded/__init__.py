from .bernoulliErrorCell import BernoulliErrorCell
from .gaussianErrorCell import GaussianErrorCell
from .laplacianErrorCell import LaplacianErrorCell

__all__ = ["BernoulliErrorCell", "GaussianErrorCell", "LaplacianErrorCell"]
