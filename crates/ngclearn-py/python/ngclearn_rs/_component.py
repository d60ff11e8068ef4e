"""The component base: builds the engine's component from ngclearn's constructor
arguments and gives it its compartments and methods as attributes."""

import inspect
import json
import math
import numbers
import re
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
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real) or (
        isinstance(value, np.ndarray) and np.iscomplexobj(value)
    ):
        raise TypeError(f"{where} = {value!r} is complex: parameters are real numbers")
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


#: ngclearn 3.1.1's attribute names for constructor arguments it keeps under another
#: name (``LIFCell(refract_time=...)`` keeps ``self.refract_T``): each component answers
#: to both. One table for every class: a name applies to any class with the argument.
NGCLEARN_ATTRIBUTE_NAMES = {
    "refract_time": ("refract_T",),
    "integration_type": ("integrationType",),
    "conduct_leak": ("g_L",),
    "resist_m": ("R_m",),
    "resist_scale": ("Rscale",),
    "A_plus": ("Aplus",),
    "A_minus": ("Aminus",),
    "pretrace_target": ("preTrace_target",),
    "v_sharpness": ("sharpV",),
    "intrinsic_mem_thr": ("vT",),
    "v_scale": ("v_c",),
    "critical_v": ("a0",),
    "resist_inh": ("inh_R",),
    "thr_gain": ("thrGain",),
    "thr_leak": ("thrLeak",),
}

class FixedParameterError(AttributeError):
    """Assigning a constructor argument of a component (``cell.tau_m = 20``): the
    engine's model was built from it, so a new value would not reach the simulation."""


class CompartmentAssignmentError(AttributeError, TypeError):
    """Assigning to a compartment attribute (``cell.v = x``): a compartment is set with
    ``cell.v.set(x)`` and wired with ``source >> cell.v``."""


def _signature(cls):
    sig = cls.__dict__.get("_init_signature")
    if sig is None:
        sig = inspect.signature(cls.__init__)
        type.__setattr__(cls, "_init_signature", sig)
    return sig


#: What ``_schema_default`` returns for a default that is a description, not a value.
_NO_VALUE = object()


def _schema_default(text):
    """A parameter's default from the engine's help text (``"1"``, ``"false"``,
    ``"none"``, ``"uniform(0.025, 0.8)"``), or ``_NO_VALUE`` when the text is a
    description (``"from the clock"``)."""
    from .utils.distribution_generator import DistributionGenerator

    if text is None:
        return _NO_VALUE
    if text == "none":
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    m = re.fullmatch(r"(\w+)\(([^()]*)\)", text)
    if m and not m.group(1).startswith("_") and hasattr(DistributionGenerator, m.group(1)):
        try:
            args = [float(a) for a in m.group(2).split(",") if a.strip()]
            return getattr(DistributionGenerator, m.group(1))(*args)
        except (TypeError, ValueError):
            return _NO_VALUE
    return _NO_VALUE


def _bind_params(cls, args, kwargs, resolved=None):
    """The constructor's arguments by name, defaults applied (``**kwargs`` merged in);
    then ``resolved`` (what the class handed the engine, deprecated names resolved)
    over them; then the engine's defaults of parameters the constructor does not take
    (``LIFCell``'s ``batch_size``)."""
    sig = _signature(cls)
    params = {}
    try:
        bound = sig.bind(None, *args, **kwargs)
    except TypeError:
        bound = None
    if bound is not None:
        bound.apply_defaults()
        for i, (k, v) in enumerate(bound.arguments.items()):
            if i == 0:
                continue  # self
            if sig.parameters[k].kind is inspect.Parameter.VAR_KEYWORD:
                params.update(v)
            elif sig.parameters[k].kind is not inspect.Parameter.VAR_POSITIONAL:
                params[k] = v
    params.pop("name", None)
    if resolved is not None:
        engine = {h["name"] for h in _schema(cls._class)["hyperparameters"]}
        # A keyword the class resolved away (a deprecated name) is not an argument.
        for k in [k for k in params if k not in resolved and k not in sig.parameters and k not in engine]:
            del params[k]
        for k, v in resolved.items():
            # The user's own object where the class only reformatted it (a list for a
            # tuple); the resolved value where it differs (a deprecated name's value).
            if k not in params or not _same(params[k], v):
                params[k] = v
    from .utils.distribution_generator import _Initializer

    for h in _schema(cls._class)["hyperparameters"]:
        name = h["name"]
        if name not in params or params[name] is None:
            v = _schema_default(h["default"])
            # ``None`` stands for the engine's default: ngclearn keeps the initialiser
            # it draws with (``uniform(0.025, 0.8)``), so does this.
            if v is not _NO_VALUE and (name not in params or isinstance(v, _Initializer)):
                params[name] = v
    # What ngclearn keeps that the constructor leaves out: a shape of None is its
    # cells' ``(n_units,)``; its dense base keeps ``bias_init`` (None) on the synapses
    # that take none; and what a class fixes for its base (``_ngclearn_fixed``).
    if "shape" in params and params["shape"] is None and "n_units" in params:
        params["shape"] = (params["n_units"],)
    if "weight_init" in params and "bias_init" not in params:
        params["bias_init"] = None
    for k, v in cls._ngclearn_fixed.items():
        params.setdefault(k, v)
    if isinstance(params.get("shape"), list):
        params["shape"] = tuple(params["shape"])
    return params


def _same(a, b):
    try:
        if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
            return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
        r = a == b
        return bool(r) if isinstance(r, (bool, np.bool_)) else bool(np.all(r))
    except Exception:
        return a is b


def _check_name(name, what):
    if not isinstance(name, str) or not name:
        raise TypeError(f"a {what}'s name is a non-empty string, not {name!r}")
    if "\x00" in name:
        raise ValueError(
            f"a {what}'s name cannot hold a NUL byte ('\\x00'): {name!r} (names become file "
            f"names and JSON keys when the model is saved); use printable characters"
        )


class Component:
    """Base of every component class: ``Class(name, ...)`` inside a context.

    A component keeps its constructor arguments as read-only attributes, defaults
    applied (``cell.n_units``, ``cell.tau_m``, ``syn.shape``, ``syn.batch_size``), also
    under ngclearn's own attribute names where they differ (``cell.refract_T``; see
    ``NGCLEARN_ATTRIBUTE_NAMES``); ``parameters()`` gives them all. Its compartments
    (``cell.v``) and methods (``cell.advance_state``) are attributes too."""

    #: The engine's class name.
    _class = None
    #: The keywords each method reads (ngclearn's method signatures), in order.
    _keywords = {"advance_state": ("t", "dt"), "reset": ()}
    #: Compartments ngclearn holds as scalars (stored here as (1, 1)).
    _scalars = ()
    #: Arguments ngclearn's class passes its base class as constants (QuadLIFCell's
    #: ``conduct_leak=1``): they are attributes there, so they are here.
    _ngclearn_fixed = {}

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls._class is not None:
            _classes[cls._class] = cls

    def __new__(cls, *args, **kwargs):
        self = super().__new__(cls)
        # The constructor's arguments as given (``_build`` completes them).
        object.__setattr__(self, "_call", (args, kwargs))
        return self

    def _build(self, name, kwargs):
        ctx = _require_context(f"component {name!r}")
        _check_name(name, "component")
        where = f"{self._class} {name!r}"
        args = {"name": name}
        for k, v in kwargs.items():
            if k == "key":
                args[k] = None if v is None else _key_pair(v, where)
            else:
                args[k] = _jsonable(v, f"{where}: parameter `{k}`")
        call_args, call_kwargs = self.__dict__.get("_call", ((), {}))
        params = _bind_params(type(self), call_args, call_kwargs, kwargs)
        ctx._circuit.add(self._class, "[]", json.dumps(args))
        self.__dict__.pop("_call", None)
        self._attach(ctx, name, params)

    def _attach(self, ctx, name, params):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_context", ctx)
        object.__setattr__(self, "_params", params)
        schema = _schema(self._class)
        for c in schema["compartments"]:
            object.__setattr__(self, c["name"], Compartment(self, c["name"], c["kind"] == "key"))
        for m in schema["methods"]:
            object.__setattr__(self, m["name"], _Method(self, m["name"]))
        ctx._register(ContextObjectTypes.component, self)

    # --- constructor arguments as attributes -----------------------------------
    def __getattr__(self, attr):
        # Called only when ordinary lookup fails: compartments and methods are found
        # first.
        params = self.__dict__.get("_params")
        if params is not None and not attr.startswith("__"):
            if attr in params:
                return params[attr]
            for arg, names in NGCLEARN_ATTRIBUTE_NAMES.items():
                if attr in names and arg in params:
                    return params[arg]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")

    def _parameter_name(self, attr):
        params = self.__dict__.get("_params") or {}
        if attr in params:
            return attr
        for arg, names in NGCLEARN_ATTRIBUTE_NAMES.items():
            if attr in names and arg in params:
                return arg
        return None

    def __setattr__(self, attr, value):
        current = self.__dict__.get(attr)
        where = f"{type(self).__name__} {self.__dict__.get('name')!r}"
        if isinstance(current, Compartment):
            raise CompartmentAssignmentError(
                f"{where}: `{attr}` is a compartment and cannot be replaced by assignment "
                f"(got a {type(value).__name__}); set its value with "
                f"{self.name}.{attr}.set(value), or wire it with source >> {self.name}.{attr}"
            )
        if isinstance(current, _Method):
            raise AttributeError(
                f"{where}: `{attr}` is one of the class's methods, run through a process; "
                f"it cannot be replaced"
            )
        arg = self._parameter_name(attr)
        if arg is not None or attr == "name":
            named = "" if arg in (None, attr) else f" (ngclearn's name for `{arg}`)"
            raise FixedParameterError(
                f"{where}: `{attr}`{named} is fixed at construction: the engine's model was "
                f"built from it, so assigning it would not change the simulation. Make a new "
                f"{type(self).__name__}(..., {arg or attr}=...) instead (in a new context, or "
                f"under another name), or set a compartment's value with "
                f"{self.name}.<compartment>.set(...)"
            )
        object.__setattr__(self, attr, value)

    def __delattr__(self, attr):
        raise AttributeError(
            f"{type(self).__name__} {self.name!r}: `{attr}` cannot be deleted (its parameters, "
            f"compartments and methods are fixed at construction)"
        )

    def parameters(self):
        """The constructor's arguments as a dictionary (defaults applied, deprecated
        names resolved, with the engine's defaults of what the constructor leaves to
        it, such as ``batch_size``); each is also an attribute."""
        return dict(self._params)

    def __dir__(self):
        names = set(super().__dir__()) | set(self._params)
        for arg, aliases in NGCLEARN_ATTRIBUTE_NAMES.items():
            if arg in self._params:
                names.update(aliases)
        return sorted(names)

    # --- copies -----------------------------------------------------------------
    def __copy__(self):
        raise TypeError(_copy_message(self))

    def __deepcopy__(self, memo):
        raise TypeError(_copy_message(self))

    def __reduce_ex__(self, protocol):
        raise TypeError(_copy_message(self, "pickled"))

    @property
    def compartments(self):
        """``(name, Compartment)`` of every compartment."""
        return [(c["name"], getattr(self, c["name"])) for c in _schema(self._class)["compartments"]]

    @classmethod
    def help(cls):
        """The class's help: parameters, compartments, methods and equations."""
        return _schema(cls._class)

    def __repr__(self):
        from ._repr import component_repr

        return component_repr(self)

    def _repr_html_(self):
        from ._repr import component_html

        return component_html(self)


def _copy_message(comp, how="copied"):
    cls = type(comp).__name__
    return (
        f"{cls} {comp.name!r} cannot be {how}: a component belongs to its context "
        f"({comp._context.path!r}), whose engine model holds its state, so a copy would be "
        f"a component no context runs. To copy its values, take {comp.name}.<compartment>.get() "
        f"or the context's state (ctx.state()); to make another, call {cls}('other_name', ...) "
        f"inside the context (its arguments: {comp.name}.parameters()); to copy a whole "
        f"model, save_to_json and Context.load it"
    )


_schemas = {}


def _schema(cls):
    s = _schemas.get(cls)
    if s is None:
        s = _schemas[cls] = json.loads(_core.schema(cls))
    return s


def _wrap_loaded(ctx, name, klass, args=(), kwargs=None):
    """The Python object of a component the engine loaded (``args``/``kwargs``: its
    saved constructor arguments)."""
    cls = _classes.get(klass)
    if cls is None:
        raise KeyError(f"no Python class for engine class {klass!r}")
    obj = cls.__new__(cls)
    obj.__dict__.pop("_call", None)
    kwargs = dict(kwargs or {})
    if not args:
        kwargs.setdefault("name", name)
    obj._attach(ctx, name, _bind_params(cls, list(args), kwargs))
    return obj
