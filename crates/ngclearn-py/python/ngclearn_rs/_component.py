"""The component base: builds the engine's component from ngclearn's constructor
arguments and gives it its compartments and methods as attributes."""

import json
import math
import numbers
import warnings

import numpy as np

from . import _core
from ._compartment import Compartment
from ._context import ContextObjectTypes, _require_context

#: Python classes by engine class name, filled as the component modules load.
_classes = {}


def _key_pair(key, where):
    """A PRNG key as ``[hi, lo]``: a JAX key (raw or typed), or any array-like of two
    uint32."""
    dtype = getattr(key, "dtype", None)
    if dtype is not None and str(dtype).startswith("key<"):
        # A typed JAX key (jax.random.key): its raw data is the pair.
        import jax

        key = jax.random.key_data(key)
    try:
        k = np.asarray(key)
    except Exception as e:
        raise TypeError(f"{where}: `key` must be a JAX key or two uint32, got {key!r}") from e
    if k.dtype == object or k.size != 2 or not np.issubdtype(k.dtype, np.integer):
        raise TypeError(
            f"{where}: `key` must be a JAX key or two uint32 (e.g. ngclearn_rs.random.PRNGKey(0)), "
            f"got {key!r}"
        )
    k = k.reshape(-1).astype(np.int64)
    if (k < 0).any() or (k > 0xFFFFFFFF).any():
        raise ValueError(f"{where}: `key` values must be uint32, got {k.tolist()}")
    return [int(k[0]), int(k[1])]


def _jsonable(value, where):
    """ngclearn's argument as the engine's JSON value."""
    from .utils.distribution_generator import _Initializer

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"{where} = {v} is invalid: it must be finite")
        return v
    if isinstance(value, _Initializer):
        return value.spec
    if callable(value):
        raise TypeError(
            f"{where}: an initialiser must come from ngclearn_rs's DistributionGenerator, "
            f"not {value!r}"
        )
    if isinstance(value, (list, tuple)):
        return [_jsonable(x, where) for x in value]
    arr = np.asarray(value)
    if arr.dtype != object and arr.ndim >= 1 and arr.size <= 16:
        return [_jsonable(x, where) for x in arr.tolist()]
    if arr.ndim == 0 and arr.dtype != object:
        return _jsonable(arr.item(), where)
    raise TypeError(f"{where}: cannot use a {type(value).__name__} here")


def _deprecated(qualname, kwargs, renamed):
    """ngcsimlib's ``deprecate_args``: each old name found in ``kwargs`` is removed with a
    warning; its value is returned under the new name (``renamed[old]``), which it
    overrides, as ngclearn's decorator does (a new name of ``None``: dropped)."""
    out = {}
    for old, new in renamed.items():
        if old not in kwargs:
            continue
        value = kwargs.pop(old)
        if new is None:
            warnings.warn(f'The argument "{old}" is deprecated for {qualname}, and will no longer be supported',
                          stacklevel=3)
        else:
            warnings.warn(f'The argument "{old}" is deprecated for {qualname}, use "{new}" instead', stacklevel=3)
            out[new] = value
    return out


def _only(qualname, kwargs, allowed=("key",)):
    """ngclearn's ``JaxComponent`` takes only ``key`` (and what ``allowed`` adds) besides
    a class's own parameters: anything else is a ``TypeError``, as there."""
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        raise TypeError(f"{qualname}() got an unexpected keyword argument {unknown[0]!r}")


class _Method:
    """A component's method as processes take it (``MethodProcess >> comp.advance_state``)."""

    __slots__ = ("__self__", "__name__")

    def __init__(self, owner, name):
        self.__self__ = owner
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        raise TypeError(
            f"{self.__self__.name}.{self.__name__} runs inside a process: "
            f"MethodProcess('p') >> {self.__self__.name}.{self.__name__}"
        )

    def __repr__(self):
        return f"<method {self.__name__} of {self.__self__.name}>"


class Component:
    """Base of every component class: ``Class(name, ...)`` inside a context."""

    #: The engine's class name.
    _class = None
    #: The keywords each method reads (ngclearn's method signatures), in order.
    _keywords = {"advance_state": ("t", "dt"), "reset": ()}
    #: Compartments ngclearn holds as scalars (stored here as (1, 1)).
    _scalars = ()

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls._class is not None:
            _classes[cls._class] = cls

    def _build(self, name, kwargs):
        ctx = _require_context(f"component {name!r}")
        if not isinstance(name, str):
            raise TypeError(f"a component's name is a string, not {name!r}")
        where = f"{self._class} {name!r}"
        args = {"name": name}
        for k, v in kwargs.items():
            if k == "key":
                args[k] = None if v is None else _key_pair(v, where)
            else:
                args[k] = _jsonable(v, f"{where}: parameter `{k}`")
        ctx._circuit.add(self._class, "[]", json.dumps(args))
        self._attach(ctx, name)

    def _attach(self, ctx, name):
        self.name = name
        self._context = ctx
        schema = _schema(self._class)
        for c in schema["compartments"]:
            object.__setattr__(self, c["name"], Compartment(self, c["name"], c["kind"] == "key"))
        for m in schema["methods"]:
            object.__setattr__(self, m["name"], _Method(self, m["name"]))
        ctx._register(ContextObjectTypes.component, self)

    @property
    def compartments(self):
        """``(name, Compartment)`` of every compartment."""
        return [(c["name"], getattr(self, c["name"])) for c in _schema(self._class)["compartments"]]

    @classmethod
    def help(cls):
        """The class's help: parameters, compartments, methods and equations."""
        return _schema(cls._class)

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r})"


_schemas = {}


def _schema(cls):
    s = _schemas.get(cls)
    if s is None:
        s = _schemas[cls] = json.loads(_core.schema(cls))
    return s


def _wrap_loaded(ctx, name, klass):
    """The Python object of a component the engine loaded."""
    cls = _classes.get(klass)
    if cls is None:
        raise KeyError(f"no Python class for engine class {klass!r}")
    obj = cls.__new__(cls)
    obj._attach(ctx, name)
    return obj
