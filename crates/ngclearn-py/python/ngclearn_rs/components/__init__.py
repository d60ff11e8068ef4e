"""The component classes, with ngclearn 3.1.1's names, signatures and module paths
(``ngclearn_rs.components.neurons.spiking.LIFCell.LIFCell``, ...).

They are made when the package is imported, one for each class of the engine (its one
list of classes), from the class's schema; so are the modules at ngclearn's paths (the
family packages export their classes and those of the families under them, as
ngclearn's do)."""

import sys
import types
from importlib.machinery import ModuleSpec

from .. import _core
from .._component import make_class

__all__ = []


def _module(name, package, doc):
    """The module ``name`` (made, and added to ``sys.modules`` and to its parent, the
    first time it is asked for)."""
    module = sys.modules.get(name)
    if module is None:
        module = types.ModuleType(name, doc)
        module.__spec__ = ModuleSpec(name, None, is_package=package)
        module.__package__ = name if package else name.rpartition(".")[0]
        module.__all__ = []
        if package:
            module.__path__ = []
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        setattr(sys.modules[parent], child, module)
    return module


def _install(class_name):
    cls = make_class(class_name)
    parts = cls.__module__.split(".")  # ngclearn_rs, components, family..., file
    for depth in range(3, len(parts)):
        family = ".".join(parts[:depth])
        _module(family, True, f"ngclearn 3.1.1's {family[len('ngclearn_rs.'):]}: its component classes.")
    module = _module(cls.__module__, False, f"``{class_name}`` (ngclearn 3.1.1's module path).")
    # The class under its name in its module and every package above it (a module
    # named as its class, such as spiking.LIFCell, is the class there, as in ngclearn).
    for depth in range(2, len(parts) + 1):
        holder = sys.modules[".".join(parts[:depth])]
        setattr(holder, class_name, cls)
        holder.__all__.append(class_name)
    return cls


for _name in _core.classes():
    _install(_name)
del _name


def _gaussian_logpdf(event, mean, stddev):
    """ngclearn 3.1.1's ``REINFORCESynapse._gaussian_logpdf`` (a function of its module):
    the log-density of ``event`` under a Gaussian of ``mean`` and ``stddev``, elementwise,
    ``-0.5 * (log(2 pi stddev^2) + (event - mean)^2 / stddev^2)``. It computes with the
    array module of its arguments (JAX's for JAX arrays and tracers, so that it can be
    differentiated as ngc-learn's tests do; else NumPy's)."""
    import numpy as np

    xp = None
    for v in (event, mean, stddev):
        space = getattr(v, "__array_namespace__", None)
        if space is not None and not isinstance(v, np.ndarray):
            xp = space()
            break
    if xp is None:  # NumPy values compute in float32, as ngclearn's JAX arrays do
        xp = np
        event, mean, stddev = (np.asarray(v, dtype=np.float32) for v in (event, mean, stddev))
    scale_sqrd = stddev ** 2
    log_normalizer = xp.log(2 * xp.pi * scale_sqrd)
    quadratic = (event - mean) ** 2 / scale_sqrd
    return -0.5 * (log_normalizer + quadratic)


# ngclearn 3.1.1 defines it in REINFORCESynapse's module; later versions make it the
# class's static method (ngc-learn's tests use both): here it is both.
_reinforce = sys.modules.get(__name__ + ".synapses.modulated.REINFORCESynapse")
if _reinforce is not None:
    _reinforce._gaussian_logpdf = _gaussian_logpdf
    _reinforce.REINFORCESynapse._gaussian_logpdf = staticmethod(_gaussian_logpdf)
del _reinforce

# ngclearn's base of the classes users write: ngclearn_rs.components.jaxComponent.
from .._user import JaxComponent  # noqa: E402

_module(__name__ + ".jaxComponent", False, "ngclearn 3.1.1's ``JaxComponent``, the base of component classes of one's own.")
sys.modules[__name__ + ".jaxComponent"].JaxComponent = JaxComponent
sys.modules[__name__ + ".jaxComponent"].__all__.append("JaxComponent")
