"""ngcsimlib's operations: ``Summation(a, b, ...) >> c`` and ``Product(a, b, ...) >> c``
wire ``c`` to the elementwise sum or product of their operands (compartments or
nested operations), evaluated when ``c`` is read. ``Concatenation(a, b, ...) >> c``, an
extension, wires ``c`` to its operands' columns side by side (one synapse fed by
several populations)."""

from functools import reduce

import numpy as np

from ._compartment import Compartment

__all__ = ["BaseOp", "Summation", "Product", "Concatenation"]


class BaseOp:
    """An operation over compartments and nested operations."""

    _name = None

    def __init__(self, *components):
        for c in components:
            if not isinstance(c, (Compartment, BaseOp)):
                raise TypeError(
                    f"{type(self).__name__} takes compartments or operations, not {c!r}"
                )
        self._comps = list(components)

    def _values(self):
        return [c.get() for c in self._comps]

    def get(self):
        """The operation's current value, from its operands' values."""
        raise NotImplementedError

    def __rshift__(self, other):
        """``Summation(a, b) >> c`` wires ``c`` to read the operation."""
        if not isinstance(other, Compartment):
            return NotImplemented
        other._wire_from(self)
        return None

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(map(repr, self._comps))})"


class Summation(BaseOp):
    """The elementwise sum of its operands."""

    _name = "Summation"

    def get(self):
        """The elementwise sum of the operands' current values."""
        return reduce(np.add, self._values())


class Product(BaseOp):
    """The elementwise product of its operands."""

    _name = "Product"

    def get(self):
        """The elementwise product of the operands' current values."""
        return reduce(np.multiply, self._values())


class Concatenation(BaseOp):
    """Its operands' columns side by side (an extension of ngcsimlib's operations)."""

    _name = "Concatenation"

    def get(self):
        """The operands' current values joined along their last axis."""
        return np.concatenate(self._values(), axis=-1)


def _source_spec(source, ctx):
    """A wire source as the engine takes it; every compartment must be in ``ctx``."""
    if isinstance(source, Compartment):
        if source._context is not ctx:
            raise ValueError(
                f"{source.root} is in another context than {ctx.path!r}: wires stay in one context"
            )
        if source._is_key:
            raise TypeError(f"{source.root}: a PRNG key cannot be wired")
        return source._path
    if isinstance(source, BaseOp):
        if not source._comps:
            raise ValueError(f"{type(source).__name__} has no operands")
        return {"op": source._name, "args": [_source_spec(c, ctx) for c in source._comps]}
    raise ValueError(("Invalid compartment target ", source))
