"""The component base: builds the engine's component from ngclearn's constructor
arguments and gives it its compartments and methods as attributes."""

import inspect
import json
import math
import numbers

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


def _jsonable(value, where, kind="any"):
    """ngclearn's argument as the engine's JSON value (``kind``: the parameter's type
    in the class schema: an ``array`` is taken whole, as rows)."""
    from .utils.distribution_generator import _Initializer

    if value is None:
        return value
    if kind.startswith("key"):
        return _key_pair(value, where.rsplit(":", 1)[0])
    if isinstance(value, (bool, str)):
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
        if kind == "bound" and math.isinf(v):
            return "inf" if v > 0 else "-inf"  # a bound that may be infinite
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
    if kind.startswith("array"):
        arr = np.asarray(value)
        if np.iscomplexobj(arr):
            raise TypeError(f"{where} is complex: parameters are real numbers")
        if arr.dtype != object and np.issubdtype(arr.dtype, np.number):
            if not np.isfinite(arr).all():
                raise ValueError(f"{where} must be finite")
            return arr.astype(np.float64).tolist()
    if isinstance(value, dict):
        # An object (a connection rule): its arrays (an explicit rule's lists) whole,
        # integers as integers.
        out = {}
        for k, v in value.items():
            at = f"{where}[{k!r}]"
            if isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.integer):
                out[str(k)] = v.astype(np.int64).ravel().tolist()
            elif isinstance(v, np.ndarray) and v.ndim >= 1:
                out[str(k)] = _jsonable(v, at, "array")
            else:
                out[str(k)] = _jsonable(v, at)
        return out
    if isinstance(value, (list, tuple)):
        return [_jsonable(x, where) for x in value]
    arr = np.asarray(value)
    if arr.dtype != object and arr.ndim >= 1 and arr.size <= 16:
        return [_jsonable(x, where) for x in arr.tolist()]
    if arr.ndim == 0 and arr.dtype != object:
        return _jsonable(arr.item(), where, kind)
    raise TypeError(f"{where}: cannot use a {type(value).__name__} here")


def _from_json(value, kind):
    """A value of the class schema (a typed default) as a Python object: lists as
    tuples (ngclearn's defaults are tuples), an initialiser as one."""
    from .utils.distribution_generator import _Initializer

    if isinstance(value, dict) and kind.startswith("initializer"):
        return _Initializer(value)
    if isinstance(value, list):
        return tuple(_from_json(v, "any") for v in value)
    if kind == "bound" and value in ("inf", "-inf"):
        return float(value)
    return value


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
    "stride_shape": ("sub_stride",),
}


def _som_attributes(p):
    """SOMSynapse's attributes that ngclearn derives from its arguments."""
    return {
        "shape": (p["n_inputs"], p["n_units_x"] * p["n_units_y"]),
        "dist_fx": 1 if "manhattan" in p["distance_function"] else 2 if "cosine" in p["distance_function"] else 0,
        "neighbor_fx": 1 if "ricker" in p["neighbor_function"] else 0,
        "initial_eta": p["eta"],
        "tau_eta": 50000,
    }


def _conv_attributes(p):
    """The convolutional synapses' attributes that ngclearn derives from its arguments."""
    d = {"x_size": p["x_shape"][0]}
    if "w_bound" in p:
        d["w_bounds"] = p["w_bound"]
    return d


#: Attributes a class's ngclearn constructor derives from its arguments (beyond the
#: arguments themselves and NGCLEARN_ATTRIBUTE_NAMES): class name -> params -> values.
def _vq_order(p):
    """VectorQuantizeSynapse's distance order, as ngclearn reads its distance_function."""
    name, order = p["distance_function"]
    name = name.lower()
    if "euclidean" in name:
        return 2
    if "manhattan" in name:
        return 1
    if "chebyshev" in name:
        return float("inf")
    return order


DERIVED_ATTRIBUTES = {
    "SOMSynapse": _som_attributes,
    "HopfieldSynapse": lambda p: {"l1_lambda": 0.0, "rule_fx": 1 if p["update_rule"] == "contrastive" else 2},
    "VectorQuantizeSynapse": lambda p: {"K": 1, "dist_order": _vq_order(p), "initial_eta": p["eta"],
                                        "eta_decr": p["eta_decrement"], "zeta": p["langevin_noise_scale"]},
    "ART2ASynapse": lambda p: {"K": 1, "norm_fx": 0, "initial_eta": p["eta"], "eta_decr": p["eta_decrement"]},
    **{c: _conv_attributes for c in ("ConvSynapse", "StaticConvSynapse", "DeconvSynapse",
                                     "StaticDeconvSynapse", "HebbianConvSynapse", "HebbianDeconvSynapse",
                                     "TraceSTDPConvSynapse", "TraceSTDPDeconvSynapse")},
}


def _mps_weights_get(self):
    """ngclearn's ``MPSSynapse.weights``: the dense product of the cores,
    ``einsum('mik,kno->in', core1, core2)`` as XLA's dot computes it, in a (detached)
    Compartment as ngclearn returns it."""
    import numpy as np

    from ._compartment import Compartment
    from ._core import dot

    c1 = np.asarray(self.core1.get(), dtype=np.float32)
    c2 = np.asarray(self.core2.get(), dtype=np.float32)
    return Compartment(dot(np.ascontiguousarray(c1[0]), np.ascontiguousarray(c2[:, :, 0])))


def _mps_weights_set(self, W):
    """ngclearn's ``MPSSynapse.weights = W``: the cores from a truncated SVD of ``W``
    (``U_k sqrt(S_k)`` and ``sqrt(S_k) Vh_k``; numpy's LAPACK SVD, whose last bits may
    differ from JAX's)."""
    import numpy as np

    from ._compartment import Compartment

    if isinstance(W, Compartment):
        W = W.get()
    W = np.asarray(W, dtype=np.float32)
    n_in, n_out = self.shape
    if W.shape != (n_in, n_out):
        raise ValueError(f"{self.name}.weights: expected shape {(n_in, n_out)}, got {W.shape}")
    U, S, Vh = np.linalg.svd(W, full_matrices=False)
    k = min(self.bond_dim, len(S))
    if k < self.bond_dim:
        raise ValueError(
            f"{self.name}.weights: a ({n_in}, {n_out}) matrix has {len(S)} singular values, fewer "
            f"than bond_dim = {self.bond_dim}: ngclearn's cores would shrink to {k}, which this "
            f"component's fixed shapes cannot hold (make it with bond_dim={k})"
        )
    s = np.sqrt(S[:k]).astype(np.float32)
    self.core1.set((U[:, :k] * s).astype(np.float32).reshape(1, n_in, k))
    self.core2.set((s[:, None] * Vh[:k, :]).astype(np.float32).reshape(k, n_out, 1))


#: Compartments that ngclearn's class computes by broadcasting with another, so that
#: setting that one with extra leading axes of length 1 (ngc-learn's REINFORCESynapse
#: test sets (1, n_pre, 2 n_post) weights) gives them those axes too: class name ->
#: {compartment set: compartments that follow}. The engine computes on the 2-D values.
LEADING_AXES_FOLLOW = {
    "REINFORCESynapse": {"weights": ("dWeights", "accumulated_gradients", "outputs")},
}


#: Members a class's ngclearn counterpart defines in Python beyond its compartments and
#: methods (a property computed from them): class name -> namespace entries.
def _art2a_insert(self, x, idx):
    """ngclearn's ``ART2ASynapse.insert(x, idx)``: memory slot ``idx`` takes ``x`` (a row of
    ``n_pre`` values) and is marked used, as ngclearn computes it
    (``W + (W * 0 + x^T) * one_hot(idx)``, in float32)."""
    import numpy as np

    W = np.asarray(self.weights.get(), dtype=np.float32)
    x = np.asarray(x, dtype=np.float32).reshape(1, -1)
    if x.shape[1] != W.shape[0]:
        raise ValueError(f"{self.name}.insert: x has {x.shape[1]} values, the memories {W.shape[0]}")
    z = np.zeros((1, W.shape[1]), dtype=np.float32)
    i = float(np.asarray(idx).reshape(()))
    if i.is_integer() and 0 <= i < W.shape[1]:
        z[0, int(i)] = 1.0  # jax's one_hot: an index that is no slot's gives none
    self.weights.set(W + (W * np.float32(0) + x.T) * z)
    used = np.asarray(self.used.get(), dtype=np.float32)
    self.used.set(((used + z) > 0).astype(np.float32))


def _art2a_grow(self, n_memories):
    """ngclearn's ``ART2ASynapse.grow``: refused (its shapes are fixed at construction)."""
    raise NotImplementedError(
        f"{self.name}.grow({n_memories}): a component's shapes are fixed when it is built; make the "
        f"ART2ASynapse with the number of memory slots it will need"
    )


EXTRA_MEMBERS = {
    "MPSSynapse": {"weights": property(_mps_weights_get, _mps_weights_set)},
    "ART2ASynapse": {"insert": _art2a_insert, "grow": _art2a_grow},
}


class FixedParameterError(AttributeError):
    """Assigning a constructor argument of a component (``cell.tau_m = 20``): the
    engine's model was built from it, so a new value would not reach the simulation."""


class CompartmentAssignmentError(AttributeError, TypeError):
    """Assigning to a compartment attribute (``cell.v = x``): a compartment is set with
    ``cell.v.set(x)`` and wired with ``source >> cell.v``."""


def _param(p):
    """The ``inspect.Parameter`` of a schema's parameter, with its typed default."""
    default = _from_json(p["value"], p["type"]) if "value" in p else inspect.Parameter.empty
    return inspect.Parameter(p["name"], inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default)


def _init_signature(schema):
    """ngclearn's constructor signature, from the class schema: its positional
    parameters with their defaults, then ``**kwargs`` where ngclearn's has it."""
    by_name = {p["name"]: p for p in schema["hyperparameters"]}
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
              inspect.Parameter("name", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    params += [_param(by_name[n]) for n in schema["signature"][1:]]
    if schema["kwargs"] != "absent":
        params.append(inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(params)


def _dropped(p):
    """Whether ngclearn drops the parameter (deprecated, with nothing to use instead)."""
    return p["deprecated"] is not None and p["deprecated"]["use"] is None


def _keywords_beyond_signature(schema):
    """The keywords ngclearn's constructor takes besides its positional parameters
    (through ``**kwargs``): its base's (``key``, a synapse's ``mask``), the deprecated
    ones and the old names of renamed ones; and the engine's own extensions (a
    synapse's ``connect`` and ``storage``), by keyword only."""
    names = set()
    for p in schema["hyperparameters"]:
        if p["name"] not in schema["signature"]:
            names.add(p["name"])
        names.update(p["old_names"])
    return names


def _parameters(cls, given):
    """A component's attributes, as ngclearn keeps them: the arguments ``given`` (by
    name, the user's own objects) over the defaults, an old name's value under its new
    name, dropped arguments left out; then the engine's defaults of what the
    constructor leaves to it (``LIFCell``'s ``batch_size``), what ``None`` stands for
    (the initialiser drawn with) and what the class fixes for its base."""
    schema = cls._schema
    hp = {p["name"]: p for p in schema["hyperparameters"]}
    renamed = {old: p["name"] for p in schema["hyperparameters"] for old in p["old_names"]}
    params = {}
    for n in schema["signature"][1:]:
        if n in given:
            params[n] = given[n]
        elif "value" in hp[n]:
            params[n] = _from_json(hp[n]["value"], hp[n]["type"])
    for k, v in given.items():
        if k in renamed:
            params[renamed[k]] = v  # ngclearn's deprecate_args rebinds it, overriding
        elif k in hp and k not in params and not _dropped(hp[k]):
            params[k] = v
    for n, p in hp.items():
        if n not in params and "value" in p and not _dropped(p):
            params[n] = _from_json(p["value"], p["type"])
        if n in params and params[n] is None and "none_means" in p:
            params[n] = _from_json(p["none_means"], p["type"])
    for k, v in schema["fixed"].items():
        params.setdefault(k, _from_json(v, "initializer" if isinstance(v, dict) else "any"))
    # ngclearn keeps a graded cell's `shape` of None as its cells' `(n_units,)`.
    if "shape" in params and params["shape"] is None and "n_units" in params:
        params["shape"] = (params["n_units"],)
    if isinstance(params.get("shape"), list):
        params["shape"] = tuple(params["shape"])
    return params


def _construct(self, args, kwargs):
    """A component class's constructor: binds the call to ngclearn's signature (with
    its ``TypeError``s) and hands the arguments as given to the engine, which applies
    the defaults, checks the values and says ngclearn's deprecation warnings."""
    cls = type(self)
    schema = cls._schema
    qualname = f"{cls.__name__}.__init__()"
    sig = cls.__init__.__signature__
    named = set(list(sig.parameters)[1:1 + len(args)]) | set(kwargs)
    missing = [f"'{n}'" for n, p in list(sig.parameters.items())[1:]
               if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD and n not in named]
    if missing and len(args) < len(sig.parameters):
        # Python's own message for a function's missing arguments.
        names = missing[0] if len(missing) == 1 else (
            f"{missing[0]} and {missing[1]}" if len(missing) == 2 else f"{', '.join(missing[:-1])}, and {missing[-1]}")
        s = "s" if len(missing) > 1 else ""
        raise TypeError(f"{qualname} missing {len(missing)} required positional argument{s}: {names}")
    try:
        bound = sig.bind(self, *args, **kwargs)
    except TypeError as e:
        raise TypeError(f"{qualname} {e}") from None
    given = dict(bound.arguments)
    del given["self"]
    extra = dict(given.pop("kwargs", {}))
    unknown = sorted(set(extra) - _keywords_beyond_signature(schema))
    if unknown and schema["kwargs"] == "checked":
        raise TypeError(f"{qualname} got an unexpected keyword argument {unknown[0]!r}")
    for k in unknown:
        del extra[k]  # ngclearn's constructor drops them
    name = given["name"]
    ctx = _require_context(f"component {name!r}")
    _check_name(name, "component")
    where = f"{cls._class} {name!r}"
    kinds = {"name": "str"}
    for p in schema["hyperparameters"]:
        for n in [p["name"], *p["old_names"]]:
            kinds[n] = p["type"]
    positional = [
        _jsonable(v, f"{where}: parameter `{k}`", kinds.get(k, "any"))
        for k, v in zip(schema["signature"], args)
    ]
    by_keyword = list(given.items())[len(positional):] + list(extra.items())
    keywords = {k: _jsonable(v, f"{where}: parameter `{k}`", kinds.get(k, "any")) for k, v in by_keyword}
    ctx._circuit.add(cls._class, json.dumps(positional), json.dumps(keywords))
    self._attach(ctx, name, _parameters(cls, {**given, **extra}))


def _docstring(schema):
    """A class's docstring, from its schema: what it models, the notes, its equations,
    compartments and methods, and the ngclearn class it reproduces."""
    import textwrap

    def para(text):
        return textwrap.fill(text, 88)

    def names(items):
        return ", ".join(f"``{x}``" for x in items)

    out = [para(schema["description"].rstrip(".") + ".")]
    if schema["notes"]:
        out += [para(n) for n in schema["notes"].split("\n\n")]
    out.append("Equations, as computed here::\n\n" + textwrap.indent(schema["dynamics"].rstrip(), "    "))
    comps = []
    for role, label in (("input", "inputs"), ("state", "states"), ("output", "outputs")):
        found = [c["name"] for c in schema["compartments"] if c["role"] == role and c["kind"] == "array"]
        if found:
            comps.append(f"{label} {names(found)}")
    key = [c["name"] for c in schema["compartments"] if c["kind"] == "key"]
    if key:
        comps.append(f"the PRNG key {names(key)}")
    methods = ", ".join(f"``{m['name']}({', '.join(m['keywords'])})``" for m in schema["methods"])
    tail = [f"Compartments: {'; '.join(comps)}.", f"Methods (run through a process): {methods}."]
    hp = schema["hyperparameters"]
    old = [f"``{o}`` (read as ``{p['name']}``)" for p in hp for o in p["old_names"]]
    old += [f"``{p['name']}`` (dropped)" for p in hp if _dropped(p)]
    old += [f"``{p['name']}`` (use ``{p['deprecated']['use']}``)" for p in hp
            if p["deprecated"] is not None and p["deprecated"]["use"] is not None]
    if old:
        tail.append(f"Deprecated in ngclearn, with its warning: {', '.join(old)}.")
    if schema["kwargs"] == "ignored":
        tail.append("Other keyword arguments are ignored, as ngclearn's are.")
    tail.append(
        f"Reproduces ngclearn 3.1.1's ``{schema['module_path']}``; each parameter, with its "
        f"units and default: ``{schema['class']}.help()``."
    )
    out.append(para(" ".join(tail)))
    return "\n\n".join(out)


def make_class(class_name):
    """The Python class of the engine's class ``class_name``, made from its schema (once):
    a ``Component`` with ngclearn's name, base class, constructor signature (defaults
    included), docstring and module path
    (``ngclearn_rs.components.neurons.spiking.LIFCell``)."""
    if class_name in _classes:
        return _classes[class_name]
    schema = _schema(class_name)
    module = "ngclearn_rs" + schema["module_path"][len("ngclearn"):].rsplit(".", 1)[0]
    # ngclearn's base class, where it is one of these (AlphaSynapse is a DenseSynapse).
    base = make_class(schema["extends"]) if schema["extends"] else Component

    def __init__(self, *args, **kwargs):
        _construct(self, args, kwargs)

    __init__.__signature__ = _init_signature(schema)
    __init__.__qualname__ = f"{class_name}.__init__"
    __init__.__module__ = module
    namespace = {
        "__init__": __init__,
        "__module__": module,
        "__qualname__": class_name,
        "__doc__": _docstring(schema),
        "_class": class_name,
        "_schema": schema,
        "_keywords": {m["name"]: tuple(m["keywords"]) for m in schema["methods"]},
        "_scalars": tuple(c["name"] for c in schema["compartments"] if c["scalar"]),
        "_ngclearn_fixed": dict(schema["fixed"]),
        **EXTRA_MEMBERS.get(class_name, {}),
    }
    return type(class_name, (base,), namespace)


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
    #: The engine's class schema (what ``help()`` gives), which the class is made from.
    _schema = None
    #: The keywords each method reads (ngclearn's method signatures), in order.
    _keywords = {}
    #: Compartments ngclearn holds as scalars (stored here as (1, 1)).
    _scalars = ()
    #: Arguments ngclearn's class passes its base class as constants (QuadLIFCell's
    #: ``conduct_leak=1``): they are attributes there, so they are here.
    _ngclearn_fixed = {}

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls._class is not None:
            _classes[cls._class] = cls

    def _attach(self, ctx, name, params):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_context", ctx)
        object.__setattr__(self, "_params", params)
        schema = _schema(self._class)
        for c in schema["compartments"]:
            object.__setattr__(self, c["name"], Compartment._bound(self, c["name"], c["kind"] == "key"))
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
            derive = DERIVED_ATTRIBUTES.get(type(self)._class)
            if derive is not None:
                derived = derive(params)
                if attr in derived:
                    return derived[attr]
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
    given = dict(zip(cls._schema["signature"], args))
    given.update(kwargs or {})
    obj._attach(ctx, name, _parameters(cls, given))
    return obj
