"""Compartments: a component's named values, read with ``get()``, written with
``set(x)`` and wired with ``source >> target``, as in ngcsimlib 3.1.1."""

import math
import warnings

import numpy as np


def _as_array(value):
    """A numpy view or copy of any array-like (numpy, JAX arrays, lists, scalars)."""
    if isinstance(value, Compartment):
        value = value.get()
    return np.asarray(value)


class Compartment:
    """One compartment of a component: ``comp.v``.

    ``Compartment(initial_value, display_name=None, units=None, plot_method=None,
    auto_save=True)`` makes one in the constructor of a component class of one's own
    (a ``JaxComponent`` subclass), as in ngclearn: it holds its initial value until the
    component is made, then the engine holds it."""

    __slots__ = ("_owner", "name", "_is_key", "_initial", "display_name", "units", "plot_method", "auto_save",
                 "_nd_shape")

    def __init__(self, initial_value, display_name=None, units=None, plot_method=None, auto_save=True):
        self._nd_shape = None
        self._owner = None
        self.name = None
        self._is_key = False
        self._initial = initial_value
        self.display_name = display_name
        self.units = units
        self.plot_method = plot_method
        self.auto_save = auto_save

    @classmethod
    def _bound(cls, owner, name, is_key=False, declared=None):
        """The compartment ``name`` of the engine's component ``owner``."""
        self = object.__new__(cls)
        self._nd_shape = None
        self._owner = owner
        self.name = name
        self._is_key = is_key
        self._initial = None
        self.display_name = getattr(declared, "display_name", None)
        self.units = getattr(declared, "units", None)
        self.plot_method = getattr(declared, "plot_method", None)
        self.auto_save = getattr(declared, "auto_save", True)
        return self

    # --- addressing ------------------------------------------------------------
    @property
    def _path(self):
        return f"{self._owner.name}:{self.name}"

    @property
    def _context(self):
        return self._owner._context

    @property
    def root(self):
        """The global key of this compartment (``ctx:component:field``)."""
        return f"{self._context.path}:{self._path}"

    @property
    def targeted(self):
        """Whether it is wired (reads another compartment or an operation)."""
        if self._owner is None:
            return False
        return not self._is_key and self._context._circuit.is_wired(self._path)

    @property
    def target(self):
        """What it reads: its own key, or its wire's source."""
        if not self.targeted:
            return self.root
        for t, src in self._context._circuit.wires():
            if t == self._path:
                import json

                src = json.loads(src)
                if isinstance(src, str):
                    return f"{self._context.path}:{src}"
                return src
        return self.root

    # --- values ----------------------------------------------------------------
    def get(self):
        """The current value (float32, ``(batch, units)`` or the N axes ngclearn gives
        it; int32 for indices; a key as two uint32). A wired compartment reads its
        source."""
        if self._owner is None:
            return self._initial  # not yet part of a component
        circuit = self._context._circuit
        if self._is_key:
            return np.array(circuit.get_key(self._path), dtype=np.uint32)
        a = circuit.get(self._path)
        if self.name in getattr(type(self._owner), "_scalars", ()):
            return a.reshape(())  # ngclearn holds it as a scalar
        shape = self._owner.__dict__.get("_logical_shapes", {}).get(self.name)
        if shape is not None and a.shape != shape:
            return a.reshape(shape)  # a user's compartment of rank 0 or 1
        lead = self._owner.__dict__.get("_lead_axes", {}).get(self.name)
        if lead:
            return a.reshape((1,) * lead + a.shape)  # see LEADING_AXES_FOLLOW
        return a

    def set(self, value):
        """Sets the value: numpy or JAX arrays, lists or scalars; a scalar fills the
        compartment, any array of its size is reshaped to it. Setting a wired
        compartment does nothing (as in ngclearn), with a warning."""
        if self._owner is None:
            self._initial = value  # not yet part of a component
            return
        circuit = self._context._circuit
        if self._is_key:
            from ._component import _key_pair

            hi, lo = _key_pair(value, self.root)
            circuit.set_key(self._path, (hi, lo))
            return
        if circuit.is_wired(self._path):
            warnings.warn(
                f"{self.root} is wired: setting it does nothing (set its source)",
                stacklevel=2,
            )
            return
        from ._context import _float32_array

        shape = self._nd_shape
        if shape is None:
            shape = tuple(circuit.dims(self._path))  # its shape, without copying its values
            if len(shape) != 2:
                self._nd_shape = shape  # fixed at construction (2-D ones may change rows)
        size = math.prod(shape)
        arr = _float32_array(value, self.root)
        lead = self._leading_axes(arr, shape)
        if arr.ndim == 0:
            arr = np.full(shape, arr, dtype=np.float32)
        elif arr.shape != shape:
            other_batch = arr.ndim == 2 and len(shape) == 2 and arr.shape[1] == shape[1]
            if other_batch:
                pass  # the engine takes another batch where the class sums over it, else refuses
            elif arr.size != size:
                raise ValueError(
                    f"{self.root}: shape mismatch: expected {shape}, got {arr.shape}"
                )
            else:
                arr = arr.reshape(shape)
        if arr.ndim != 2:
            # a compartment of N axes is held as (its first axis, the rest), row-major
            arr = arr.reshape(shape[0] if shape else 1, -1)
        circuit.set(self._path, np.ascontiguousarray(arr))
        if lead is not None:
            lead_axes, followers = lead
            axes = self._owner.__dict__.setdefault("_lead_axes", {})
            for name in (self.name,) + followers:
                axes[name] = lead_axes

    def _leading_axes(self, arr, shape):
        """Where ngclearn's class broadcasts a compartment set with extra leading axes
        of length 1 into the ones it computes from it (``LEADING_AXES_FOLLOW``): how many
        such axes ``arr`` has and which compartments follow, to record once the value is
        set; ``None`` for any other compartment."""
        from ._component import LEADING_AXES_FOLLOW

        followers = LEADING_AXES_FOLLOW.get(type(self._owner).__name__, {}).get(self.name)
        if followers is None:
            return None
        lead = arr.ndim - len(shape)
        if lead <= 0 or arr.shape[:lead] != (1,) * lead or arr.shape[lead:] != tuple(shape):
            lead = 0
        return lead, followers

    # --- wiring ----------------------------------------------------------------
    def __rshift__(self, other):
        """``source >> target`` wires ``target`` to read this compartment."""
        if not isinstance(other, Compartment):
            return NotImplemented
        other._wire_from(self)
        return None

    def __rrshift__(self, other):
        from .operations import BaseOp

        if isinstance(other, (Compartment, BaseOp)):
            self._wire_from(other)
            return None
        raise ValueError(("Invalid compartment target ", other))

    def _wire_from(self, source):
        import json

        from .operations import _source_spec

        if self._is_key:
            raise TypeError(f"{self.root}: a PRNG key cannot be wired")
        if source is self:
            return  # ngclearn: wiring a compartment to itself changes nothing
        spec = _source_spec(source, self._context)
        self._context._circuit.wire(json.dumps(spec), self._path)

    # --- numpy interoperation ---------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        a = self.get()
        return a if dtype is None else a.astype(dtype)

    def __jax_array__(self):
        return self.get()

    @property
    def shape(self):
        """The value's shape (``(batch, units)``, ``()`` for a scalar)."""
        return self.get().shape

    def __repr__(self):
        if self._owner is None:
            return f"Compartment({self._initial!r})"
        return f"Compartment({self.root})"

    def __str__(self):
        return str(self.get())


def _binary(op):
    def f(self, other):
        return op(self.get(), _as_array(other))

    def r(self, other):
        return op(_as_array(other), self.get())

    return f, r


for _name, _op in {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "truediv": np.true_divide,
    "floordiv": np.floor_divide,
    "mod": np.mod,
    "pow": np.power,
    "matmul": np.matmul,
    "and": np.bitwise_and,
    "or": np.bitwise_or,
    "xor": np.bitwise_xor,
}.items():
    _f, _r = _binary(_op)
    setattr(Compartment, f"__{_name}__", _f)
    setattr(Compartment, f"__r{_name}__", _r)
Compartment.__neg__ = lambda self: -self.get()
for _name, _op in {"lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}.items():
    setattr(Compartment, f"__{_name}__", _binary(_op)[0])
