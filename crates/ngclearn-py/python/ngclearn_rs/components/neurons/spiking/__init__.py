from .adExCell import AdExCell
from .fitzhughNagumoCell import FitzhughNagumoCell
from .IFCell import IFCell
from .izhikevichCell import IzhikevichCell
from .LIFCell import LIFCell
from .quadLIFCell import QuadLIFCell
from .sLIFCell import SLIFCell
from .WTASCell import WTASCell

__all__ = ["AdExCell", "FitzhughNagumoCell", "IFCell", "IzhikevichCell", "LIFCell", "QuadLIFCell", "SLIFCell",
           "WTASCell"]
