"""Shared helpers: where ngclearn's reference outputs are, and unique context names."""

import itertools
import json
import os

import pytest

FIXTURES = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "..", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1",
)

_names = itertools.count()


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


def fresh(prefix="t"):
    """A context name no test has used."""
    return f"{prefix}{next(_names)}"


def ngclearn_or_skip():
    """ngclearn 3.1.1 itself, or a skip saying why it is absent."""
    try:
        import ngclearn  # noqa: F401
        from importlib.metadata import version
    except ImportError:
        pytest.skip("ngclearn 3.1.1 is not installed here (pip install ngclearn==3.1.1, Python >= 3.10)")
    if version("ngclearn") != "3.1.1":
        pytest.skip(f"ngclearn {version('ngclearn')} is installed, not 3.1.1")
    # ngclearn 3.1.1's STDPSynapse cannot be constructed as released: it reads
    # `Compartment.value`, which ngcsimlib 3.1.1 lacks. The one read is supplied (as
    # scripts/make_stdp_synapse_fixtures.py does), so its own code can be compared.
    from ngclearn import Compartment

    if not hasattr(Compartment, "value"):
        Compartment.value = property(lambda self: self.get())
    return ngclearn


def rel_close(a, b, rtol=1e-5, atol=1e-30):
    import numpy as np

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def params(cls):
    """The constructor parameters of `cls` (ngclearn's or this package's), `self` aside."""
    import inspect

    f = cls.__init__
    # ngclearn's deprecate_args decorator hides the signature (no __wrapped__): the
    # constructor is the function in its closure.
    for cell in getattr(f, "__closure__", None) or ():
        if inspect.isfunction(cell.cell_contents) and cell.cell_contents.__name__ == "__init__":
            f = cell.cell_contents
    return [p for p in inspect.signature(f).parameters.values() if p.name != "self"]


def ngclearn_class(name):
    """ngclearn 3.1.1's class of the same name, from the module path ours mirrors (some,
    as GerstnerHebbianSynapse, are not exported from ``ngclearn.components``)."""
    import importlib

    from ngclearn_rs import components

    module = getattr(components, name).__module__
    return getattr(importlib.import_module("ngclearn" + module[len("ngclearn_rs"):]), name)
