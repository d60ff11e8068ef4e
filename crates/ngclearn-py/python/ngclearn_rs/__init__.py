"""ngclearn_rs: ngclearn 3.1.1's Python API on the ngclearn-rs engine.

A script written for ngclearn runs with its imports changed from ``ngclearn`` to
``ngclearn_rs``::

    from ngclearn_rs import Context, MethodProcess
    from ngclearn_rs.components import PoissonCell, AlphaSynapse, LIFCell

Values are numpy float32 arrays; no JAX is needed (``ngclearn_rs.random`` gives JAX's
keys). Errors are Python exceptions carrying the engine's message.
"""

from . import components, global_state, operations, random, utils
from ._compartment import Compartment
from ._component import Component
from ._context import Context, ContextObjectTypes, StateDict
from ._process import JointProcess, MethodProcess
from ._user import JaxComponent, UntranslatedMethodWarning, compilable
from .operations import Concatenation, Product, Summation
from .utils.distribution_generator import DistributionGenerator

__version__ = "0.1.0"
#: The ngclearn release whose API and numbers this package reproduces.
ngclearn_version = "3.1.1"

__all__ = [
    "Compartment", "Component", "Context", "JaxComponent", "UntranslatedMethodWarning", "compilable", "ContextObjectTypes", "DistributionGenerator",
    "Concatenation", "JointProcess", "MethodProcess", "Product", "StateDict", "Summation", "components",
    "global_state", "operations", "random", "utils",
]
