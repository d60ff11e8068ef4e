"""Components of one's own: ``JaxComponent`` subclasses written as ngclearn's lessons
write them, run by the engine.

When a subclass's constructor returns, the component is handed to the engine: its
compartments (the ``Compartment(value)`` attributes it made, with their initial
values and shapes), its key, its other attributes (numbers, flags, strings, tuples,
arrays) and the source of each ``@compilable`` method, with the helpers and module
names those use. The engine translates each method into a program its step loop runs
natively (no Python on the step path). A method with a construct the translator does
not take still runs: in Python, called from the engine's loop (compiled by ``jax.jit``
where JAX is installed, as ngclearn compiles it, so the numbers are ngclearn's; else
eagerly on NumPy arrays), after one ``UntranslatedMethodWarning`` naming the method,
the line and the construct.
"""

import ast
import inspect
import json
import math
import numbers
import textwrap
import time
import types
import warnings

import numpy as np

from ._compartment import Compartment
from ._component import Component, CompartmentAssignmentError, FixedParameterError, _check_name, _key_pair
from ._context import ContextObjectTypes, _require_context


class UntranslatedMethodWarning(UserWarning):
    """A method of a component class of one's own runs in Python (slower, same
    numbers): the engine's translator does not take one of its constructs."""


def compilable(fn):
    """Marks a method as one processes may call (ngclearn's ``@compilable``): the
    engine translates its source into a program when the component is made."""
    fn._is_compilable = True
    return fn


#: (class, method) pairs already warned about.
_warned = set()

#: Modules whose functions the translator knows, by their public names.
_KNOWN_MODULES = ("jax.numpy", "jax.nn", "jax.random", "jax.lax", "jax", "numpy", "math")


def _public_name(fn):
    """``jax.numpy.exp`` for the function ``exp`` of a known module (found by
    identity: jax's functions live in private modules)."""
    import sys

    name = getattr(fn, "__name__", None)
    if name is None:
        return None
    for mod in _KNOWN_MODULES:
        m = sys.modules.get(mod)
        if m is not None and getattr(m, name, None) is fn:
            return f"{mod}.{name}"
    return None


def _json_value(v, depth=0, arrays=False):
    """An attribute or global as the engine's JSON value, or ``None`` if it is not
    one (a callable, an object). With ``arrays``, a NumPy or JAX array is tagged as one
    (``{"array": values, "shape": shape}``), so that it adds as an array, not as a
    list; without, it is nested lists (what a saved model's arguments hold)."""
    if depth > 8:
        return None
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        f = float(v)
        return f if math.isfinite(f) else {"float": repr(f)}
    if isinstance(v, (list, tuple)):
        items = [_json_value(x, depth + 1, arrays) for x in v]
        return None if any(x is None and y is not None for x, y in zip(items, v)) else items
    if isinstance(v, type) and issubclass(v, np.generic):
        return {"dtype": np.dtype(v).name if v is not np.bool_ else "bool_"}
    if hasattr(v, "shape") and hasattr(v, "dtype"):
        try:
            if str(v.dtype).startswith("key<"):
                return None
            a = np.asarray(v)
        except Exception:
            return None
        if a.dtype.kind not in "biuf" or a.size > 1 << 22:
            return None
        if a.ndim == 0:
            return _json_value(a.item(), depth + 1, arrays)
        if arrays:
            flat = a.astype(np.float64).reshape(-1)
            if not np.isfinite(flat).all():
                return None  # JSON holds no NaN: the method runs in Python if it reads it
            return {"array": flat.tolist(), "shape": list(a.shape)}
        if a.dtype.kind in "iu":
            return a.astype(np.int64).tolist()
        return [_json_value(x, depth + 1) for x in a.astype(np.float64).tolist()]
    return None


#: Attributes of a component of one's own that are this package's, not the class's.
def _internal(name):
    return name.startswith("_user") or name in ("_context", "_params", "_logical_shapes", "name")


def _source_of(fn):
    fn = getattr(fn, "__func__", fn)
    try:
        lines, start = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return None
    return {"name": fn.__name__, "source": textwrap.dedent("".join(lines)), "line": start}


def _names_in(source):
    try:
        tree = ast.parse(source["source"])
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _class_functions(cls):
    """``(compilable methods, other methods)`` of a user's class, by name, the
    nearest definition in its MRO winning; the bases of this package excluded."""
    compiled, helpers = {}, {}
    for klass in cls.__mro__:
        if klass in (JaxComponent, Component, object):
            break
        for name, attr in vars(klass).items():
            fn = attr.__func__ if isinstance(attr, (staticmethod, classmethod)) else attr
            if not inspect.isfunction(fn) or name.startswith("__"):
                continue
            if name in compiled or name in helpers:
                continue
            if getattr(fn, "_is_compilable", False):
                compiled[name] = fn
            else:
                helpers[name] = fn
    return compiled, helpers


def _gather(cls, fns):
    """The sources of ``fns`` and the module-level names they use: modules, known
    functions, numbers, and module-level functions (with their own names)."""
    globals_, functions = {}, {}
    todo = list(fns)
    seen = set()
    while todo:
        fn = todo.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        src = _source_of(fn)
        if src is None:
            continue
        g = getattr(fn, "__globals__", {})
        for name in _names_in(src):
            if name in globals_ or name in functions or name not in g:
                continue
            v = g[name]
            if isinstance(v, types.ModuleType):
                globals_[name] = {"module": v.__name__}
            elif inspect.isfunction(v) and _public_name(v) is None:
                s = _source_of(v)
                if s is not None and v is not cls:
                    functions[name] = s
                    todo.append(v)
            elif callable(v) and not isinstance(v, type):
                public = _public_name(v)
                if public is not None:
                    globals_[name] = {"function": public}
            else:
                j = _json_value(v, arrays=True)
                if j is not None or v is None:
                    globals_[name] = j
    return globals_, list(functions.values())


class _Cell:
    """A compartment while a method runs in Python: ``get``, ``set``, ``targeted``."""

    __slots__ = ("value", "targeted")

    def __init__(self, value, targeted):
        self.value = value
        self.targeted = targeted

    def get(self):
        return self.value

    def set(self, value):
        self.value = value


class _Runner:
    """Runs the untranslated methods of a context's user components (the engine calls
    it from its step loop). The first exception a method raises is kept, and raised
    by the package after the run."""

    def __init__(self, ctx):
        self._ctx = ctx
        self._compiled = {}
        self.error = None

    def __call__(self, name, method, arrays, key, t, dt):
        try:
            comp = self._ctx.objects[ContextObjectTypes.component][name]
            fn = self._compiled.get((name, method))
            if fn is None:
                fn = self._compiled[(name, method)] = _compile_fallback(comp, method)
            out, new_key = fn(tuple(arrays), np.array(key, dtype=np.uint32), float(t), float(dt))
            out = [np.ascontiguousarray(np.asarray(v, dtype=np.float32)) for v in out]
            return out, tuple(int(x) for x in np.asarray(new_key).reshape(-1))
        except BaseException as e:  # kept and raised after the run
            if self.error is None:
                self.error = e
            return None

    def raise_error(self):
        e, self.error = self.error, None
        if e is not None:
            raise e


def _compile_fallback(comp, method):
    """The method as a function of the component's arrays, key, ``t`` and ``dt``:
    compiled by ``jax.jit`` where JAX is installed (so that XLA computes it as it does
    for ngclearn: the same numbers), else run eagerly on NumPy arrays."""
    cls = type(comp)
    fn = getattr(cls, method)
    params = list(inspect.signature(fn).parameters)[1:]
    shapes = list(comp._user_shapes)
    targeted = dict(comp._user_targeted)
    attrs = dict(comp._params)
    has_key = comp._user_has_key

    def pure(arrays, key, t, dt):
        proxy = object.__new__(cls)
        d = proxy.__dict__
        d.update(attrs)
        d["name"] = comp.name
        cells = []
        for (cname, shape), a in zip(shapes, arrays):
            cell = _Cell(a.reshape(shape), targeted.get(cname, False))
            d[cname] = cell
            cells.append(cell)
        if has_key:
            d["key"] = _Cell(key, False)
        kw = {"t": t, "dt": dt}
        fn(proxy, **{p: kw[p] for p in params if p in kw})
        out = []
        for a, cell in zip(arrays, cells):
            v = xp.asarray(cell.value, dtype=xp.float32)
            out.append(xp.broadcast_to(v.reshape(()), a.shape) if v.size == 1 else v.reshape(a.shape))
        return tuple(out), (d["key"].value if has_key else key)

    try:
        import jax
        import jax.numpy as xp
    except ImportError:
        xp = np
        return pure
    return jax.jit(pure)


def _rebuild_user_components(model_dir):
    """The components of one's own a saved model holds, made again by their classes'
    constructors from their saved arguments (each module imported, as ngclearn does
    for a modulePath), in a context of their own: ``{name: (object, source JSON)}``."""
    import importlib
    import os

    from . import _core
    from ._context import Context, _contexts

    try:
        with open(os.path.join(model_dir, "component", "roots.json")) as f:
            roots = json.load(f)
    except (OSError, ValueError):
        return {}  # the engine's loader reports it
    if not isinstance(roots, dict):
        return {}
    builtin = set()
    for c in _core.classes():
        builtin.add(c)
        builtin.add(json.loads(_core.schema(c))["module_path"])
    out = {}
    scratch = None
    for name, entry in roots.items():
        mp = entry.get("modulePath") if isinstance(entry, dict) else None
        if not isinstance(mp, str) or mp in builtin or mp.startswith("ngclearn."):
            continue
        module, _, cls_name = mp.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module), cls_name)
        except (ImportError, AttributeError, ValueError) as e:
            raise ImportError(
                f"{model_dir}: component {name!r} is of class {mp!r}, which could not be imported "
                f"({e}); import the module that defines it, as ngclearn needs it too"
            ) from None
        if not (isinstance(cls, type) and issubclass(cls, JaxComponent)):
            raise TypeError(f"{model_dir}: component {name!r}: {mp!r} is not a JaxComponent subclass")
        if scratch is None:
            scratch = Context(f"__ngclearn_rs_load_{id(out)}")
        args = list(entry.get("args", []))
        kwargs = dict(entry.get("kwargs", {}))
        with scratch:
            obj = cls(*args, **kwargs)
        out[name] = (obj, scratch._circuit.user_source(obj.name))
    if scratch is not None:
        _contexts.pop(scratch.path, None)
    return out


def _runner(ctx):
    r = ctx.__dict__.get("_user_runner")
    if r is None:
        r = _Runner(ctx)
        ctx._user_runner = r
    return r


def _warn_untranslated(cls, untranslated):
    for method, line, why in untranslated:
        key = (cls.__module__, cls.__qualname__, method)
        if key in _warned:
            continue
        _warned.add(key)
        warnings.warn(
            f"{cls.__qualname__}.{method} (line {line}): `{why}` is not translated, so this "
            f"method runs in Python, called from the engine's loop (compiled by jax.jit where JAX "
            f"is installed: the same numbers as ngclearn's, slower); rewrite it in the translated "
            f"subset (see docs/custom-components.md) to run it natively",
            UntranslatedMethodWarning,
            stacklevel=4,
        )


class JaxComponent(Component):
    """ngclearn's base of component classes written by users: subclass it, make
    ``Compartment(value)`` attributes and keep constructor arguments as attributes in
    ``__init__`` (after ``super().__init__(name, key=key)``), and mark methods with
    ``@compilable``. The engine translates those methods when the component is made.

    ``key`` (a JAX key or two uint32; default: from the clock, as ngclearn) is the
    component's PRNG key, its ``key`` compartment."""

    def __init__(self, name, key=None):
        _check_name(name, "component")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_user_building", True)
        if key is None:
            ns = time.time_ns()
            key = [(ns >> 32) & 0xFFFFFFFF, ns & 0xFFFFFFFF]
        pair = _key_pair(key, f"{type(self).__name__} {name!r}")
        self.key = Compartment(np.array(pair, dtype=np.uint32))

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        init = cls.__dict__.get("__init__")
        if init is None or getattr(init, "_user_wrapped", False):
            return

        def __init__(self, *args, **kwargs):
            depth = self.__dict__.get("_user_depth", 0)
            if depth == 0:
                object.__setattr__(self, "_user_call", (init, args, kwargs))
            object.__setattr__(self, "_user_depth", depth + 1)
            try:
                init(self, *args, **kwargs)
            finally:
                object.__setattr__(self, "_user_depth", depth)
            if depth == 0 and self.__dict__.get("_user_building"):
                self._user_finish()

        __init__.__signature__ = inspect.signature(init)
        __init__.__doc__ = init.__doc__
        __init__.__qualname__ = init.__qualname__
        __init__.__module__ = init.__module__
        __init__._user_wrapped = True
        cls.__init__ = __init__

    # --- handing the component to the engine -------------------------------------
    def _user_source(self):
        cls = type(self)
        comps, attrs = [], {}
        shapes = []
        has_key = False
        for name, v in list(self.__dict__.items()):
            if _internal(name):
                continue
            if isinstance(v, Compartment) and v._owner is None:
                if name == "key":
                    has_key = True
                    continue
                a = np.asarray(v._initial if not isinstance(v._initial, Compartment) else v._initial.get())
                if a.dtype.kind not in "biuf":
                    raise TypeError(f"{cls.__name__} {self.name!r}: compartment `{name}` holds a {a.dtype}, not numbers")
                a = a.astype(np.float32)
                comps.append({"name": name, "shape": list(a.shape), "value": a.reshape(-1).tolist(),
                              "auto_save": bool(v.auto_save)})
                shapes.append((name, a.shape))
            else:
                j = _json_value(v, arrays=True)
                if j is not None or v is None:
                    attrs[name] = j
        key = None
        if has_key:
            key = list(_key_pair(self.__dict__["key"]._initial, f"{cls.__name__} {self.name!r}"))
        compiled, helpers = _class_functions(cls)
        methods = [s for s in (_source_of(f) for f in compiled.values()) if s is not None]
        helper_src = [s for s in (_source_of(f) for f in helpers.values()) if s is not None]
        globals_, functions = _gather(cls, list(compiled.values()) + list(helpers.values()))
        try:
            file = inspect.getsourcefile(cls) or ""
        except TypeError:
            file = ""
        source = {
            "class": cls.__name__,
            "module": cls.__module__,
            "name": self.name,
            "compartments": comps,
            "key": key,
            "attributes": attrs,
            "methods": methods,
            "helpers": helper_src,
            "functions": functions,
            "globals": globals_,
            "file": file,
        }
        arguments = None
        call = self.__dict__.get("_user_call")
        if call is not None:
            init, args, kwargs = call
            try:
                bound = inspect.signature(init).bind(self, *args, **kwargs)
                arguments = {}
                for k, v in list(bound.arguments.items())[1:]:
                    j = _json_value(v)
                    if j is not None or v is None:
                        arguments[k] = j
            except TypeError:
                arguments = None
        source["arguments"] = arguments
        keywords = {}
        for m, fn in compiled.items():
            keywords[m] = tuple(p for p in list(inspect.signature(fn).parameters)[1:] if p in ("t", "dt"))
        return source, shapes, has_key, keywords, attrs

    def _user_finish(self):
        ctx = _require_context(f"component {self.name!r}")
        cls = type(self)
        source, shapes, has_key, keywords, attrs = self._user_source()
        untranslated = ctx._circuit.add_user(json.dumps(source), _runner(ctx))
        _warn_untranslated(cls, untranslated)
        params = {k: v for k, v in self.__dict__.items()
                  if not _internal(k) and not isinstance(v, Compartment)}
        object.__setattr__(self, "_context", ctx)
        object.__setattr__(self, "_params", params)
        object.__setattr__(self, "_user_shapes", shapes)
        object.__setattr__(self, "_user_has_key", has_key)
        object.__setattr__(self, "_user_targeted", {})
        object.__setattr__(self, "_logical_shapes", dict(shapes))
        cls._keywords = {**cls.__dict__.get("_keywords", {}), **keywords}
        for name, _ in shapes:
            old = self.__dict__[name]
            object.__setattr__(self, name, Compartment._bound(self, name, False, old))
        if has_key:
            object.__setattr__(self, "key", Compartment._bound(self, "key", True, self.__dict__["key"]))
        for k in params:
            self.__dict__.pop(k, None)
        object.__setattr__(self, "_user_building", False)
        ctx._register(ContextObjectTypes.component, self)

    def _user_retarget(self):
        """Translates the methods again if the wiring changed what ``targeted`` says."""
        circuit = self._context._circuit
        targeted = {n: circuit.is_wired(f"{self.name}:{n}") for n, _ in self._user_shapes}
        if targeted != self._user_targeted and (any(targeted.values()) or self._user_targeted):
            untranslated = circuit.retarget_user(self.name, [targeted[n] for n, _ in self._user_shapes])
            _warn_untranslated(type(self), untranslated)
            runner = self._context.__dict__.get("_user_runner")
            if runner is not None:  # its compiled methods read the old `targeted`
                runner._compiled = {k: f for k, f in runner._compiled.items() if k[0] != self.name}
        object.__setattr__(self, "_user_targeted", targeted)

    # --- attributes ---------------------------------------------------------------
    def __setattr__(self, attr, value):
        if self.__dict__.get("_user_building"):
            object.__setattr__(self, attr, value)
            return
        current = self.__dict__.get(attr)
        where = f"{type(self).__name__} {self.__dict__.get('name')!r}"
        if isinstance(current, Compartment):
            raise CompartmentAssignmentError(
                f"{where}: `{attr}` is a compartment and cannot be replaced by assignment; set its "
                f"value with {self.name}.{attr}.set(value)"
            )
        if attr in self.__dict__.get("_params", {}) or attr == "name":
            raise FixedParameterError(
                f"{where}: `{attr}` was read when the component's methods were translated, so "
                f"assigning it would not change the simulation; make a new {type(self).__name__} "
                f"instead"
            )
        object.__setattr__(self, attr, value)

    def __getattr__(self, attr):
        params = self.__dict__.get("_params")
        if params is not None and attr in params:
            return params[attr]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")

    def __dir__(self):
        return sorted(set(object.__dir__(self)) | set(self.__dict__.get("_params", {})))

    @property
    def compartments(self):
        """``(name, Compartment)`` of every compartment, the key last."""
        out = [(n, self.__dict__[n]) for n, _ in self._user_shapes]
        if self._user_has_key:
            out.append(("key", self.__dict__["key"]))
        return out

    @classmethod
    def help(cls):
        """The class's methods (``@compilable``), with their sources' first lines."""
        compiled, _ = _class_functions(cls)
        return {"class": cls.__name__, "module_path": f"{cls.__module__}.{cls.__qualname__}",
                "methods": sorted(compiled)}

    def translated(self, method):
        """Whether ``method`` runs as a program of the engine (``True``) or in Python
        (``False``)."""
        return self._context._circuit.translated(self.name, method)
