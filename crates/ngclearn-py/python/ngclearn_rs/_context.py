"""Contexts: ngcsimlib 3.1.1's ``Context``, on one engine circuit per context.

A context is named by its path (``outer:inner``); making a ``Context`` whose path
already exists returns the existing one, as ngcsimlib does. Components and processes
made inside ``with ctx:`` belong to it. The engine model is rebuilt whenever the
context's description changes (a component, a wire, a process), keeping every
component's state, so values can be read and set at any time, inside the block or
after it.
"""

import os
import re
import uuid
from collections.abc import Mapping

from . import _core

#: Contexts by path.
_contexts = {}
#: The contexts entered and not yet left, innermost last.
_stack = []


class ContextObjectTypes:
    """The kinds of objects a context holds (ngcsimlib's enum values)."""

    component = "component"
    process = "process"


def _type_name(objectType):
    value = getattr(objectType, "value", objectType)
    if value not in (ContextObjectTypes.component, ContextObjectTypes.process):
        raise ValueError(
            f"objectType must be 'component' or 'process', not {objectType!r}"
        )
    return value


def current_context():
    """The innermost context entered, or ``None``."""
    return _stack[-1] if _stack else None


def _require_context(what):
    ctx = current_context()
    if ctx is None:
        raise RuntimeError(
            f"{what} must be made inside `with Context(...)`: it belongs to a context"
        )
    return ctx


class StateDict(Mapping):
    """A context's state as ngclearn's state dictionary: keys ``ctx:component:field``,
    values numpy arrays (a PRNG key as two uint32). Wired compartments have no entry
    (they read their source). Setting an entry replaces it (same shape)."""

    __slots__ = ("_state", "_prefix")

    def __init__(self, state, path):
        self._state = state
        self._prefix = path + ":"

    def _local(self, key):
        if not isinstance(key, str) or not key.startswith(self._prefix):
            raise KeyError(key)
        return key[len(self._prefix):]

    def __getitem__(self, key):
        local = self._local(key)
        if local not in self._state:
            raise KeyError(key)
        return self._state[local]

    def __setitem__(self, key, value):
        import numpy as np

        local = self._local(key)
        if local not in self._state:
            raise KeyError(key)
        if local.endswith(":key"):
            from ._component import _key_pair

            self._state[local] = _key_pair(value, key)
            return
        current = self._state[local]
        arr = _float32_array(value, key)
        if arr.ndim == 0:
            arr = np.full(current.shape, arr, dtype=np.float32)
        elif arr.shape != current.shape:
            if arr.size != current.size:
                raise ValueError(f"{key}: shape mismatch: expected {current.shape}, got {arr.shape}")
            arr = arr.reshape(current.shape)
        self._state[local] = np.ascontiguousarray(arr)

    def __iter__(self):
        return iter([self._prefix + k for k in self._state.keys()])

    def __len__(self):
        return len(self._state)

    def __contains__(self, key):
        try:
            return self._local(key) in self._state
        except KeyError:
            return False

    def copy(self):
        """A copy (its arrays too): setting an entry of it changes nothing else."""
        return StateDict(self._state.copy(), self._prefix[:-1])

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def __repr__(self):
        return f"StateDict({len(self)} entries of context {self._prefix[:-1]!r})"


def _float32_array(value, where):
    """``value`` as a float32 array for a compartment, refusing what numpy would convert
    with a loss or not at all: complex numbers (numpy drops the imaginary part with a
    ComplexWarning), strings (a path is not a value: wire it), objects."""
    import numpy as np

    from ._compartment import Compartment

    if isinstance(value, Compartment):
        value = value.get()
    if isinstance(value, str):
        raise TypeError(
            f"{where}: cannot set a compartment from the string {value!r}; a compartment holds "
            f"numbers (to make it read another compartment, wire it: source >> target)"
        )
    arr = np.asarray(value)
    if arr.dtype == np.float32:
        return arr  # the common case, checked first
    if np.iscomplexobj(arr):
        raise TypeError(
            f"{where}: cannot set a float32 compartment from a complex array (numpy would drop "
            f"the imaginary part); pass its .real or abs() explicitly"
        )
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise TypeError(
            f"{where}: cannot set a compartment from {type(value).__name__} {value!r}; it holds "
            f"float32 numbers (an array, a list or a scalar)"
        )
    return arr.astype(np.float32, copy=False)


class _LiveStateBase(StateDict):
    """Marks a state that is a live view of a context (see ``_process._LiveState``)."""

    __slots__ = ()


class Context:
    """ngcsimlib's ``Context``: ``with Context("name") as ctx:`` builds a model."""

    def __new__(cls, name):
        from ._component import _check_name

        _check_name(name, "context")
        outer = current_context()
        path = f"{outer.path}:{name}" if outer is not None else name
        existing = _contexts.get(path)
        if existing is not None:
            return existing
        self = super().__new__(cls)
        self.name = name
        self.path = path
        self._circuit = _core.Circuit(path)
        self.objects = {}
        _contexts[path] = self
        return self

    def __init__(self, name):
        pass

    # --- the with block -------------------------------------------------------
    def __enter__(self):
        _stack.append(self)
        return self

    def __exit__(self, exc_type, exc, tb):
        _stack.remove(self)
        if exc_type is None:
            self.recompile()
        return False

    def recompile(self):
        """Brings every joint process up to date with its children, and translates
        again the methods of components of one's own whose wiring changed what their
        ``self.x.targeted`` reads (the engine model itself is always current)."""
        for comp in list(self.objects.get(ContextObjectTypes.component, {}).values()):
            if getattr(comp, "_user_shapes", None) is not None:
                comp._user_retarget()
        for proc in self.objects.get(ContextObjectTypes.process, {}).values():
            proc._sync()

    # --- objects --------------------------------------------------------------
    def _register(self, kind, obj):
        self.objects.setdefault(kind, {})[obj.name] = obj

    def get_objects_by_type(self, objectType):
        """The context's objects of one kind (``"component"`` or ``"process"``, or
        ``ContextObjectTypes.component``/``.process``) as a dictionary by name."""
        return self.objects.get(_type_name(objectType), {})

    def get_objects(self, *names, objectType=ContextObjectTypes.component, unwrap=True):
        """The objects named ``names`` of kind ``objectType`` (``None`` for a name the
        context lacks): one object if one name is given and ``unwrap`` is true, else a
        list, as ngcsimlib's ``get_objects``."""
        found = self.get_objects_by_type(objectType)
        if not names:
            return None if unwrap else []
        objs = [found.get(n) for n in names]
        if unwrap and len(objs) == 1:
            return objs[0]
        return objs

    def get_components(self, *names, unwrap=True):
        """The components named ``names`` (``get_objects`` for components):
        ``z, W = ctx.get_components("z", "W")``."""
        return self.get_objects(*names, objectType=ContextObjectTypes.component, unwrap=unwrap)

    # --- state ----------------------------------------------------------------
    def state(self):
        """A copy of the context's state (a :class:`StateDict`)."""
        return StateDict(self._circuit.state(), self.path)

    def _state_from(self, given):
        """An engine state of this context from ``given`` (a StateDict of it, or a
        mapping of some of its keys over the current state)."""
        mine = self.path + ":"
        if isinstance(given, StateDict):
            if given._prefix != mine:
                raise ValueError(
                    f"a state of context {given._prefix[:-1]!r} given to a process of context {self.path!r}"
                )
            engine = given._state
            if not isinstance(given, _LiveStateBase) and self._circuit.accepts(engine):
                return engine
        state = StateDict(self._circuit.state(), self.path)
        for k, v in dict(given).items():
            if k in state:
                state[k] = v
            elif isinstance(k, str) and k.startswith(mine):
                continue  # a wired compartment's entry, or one the context no longer has
            else:
                raise KeyError(f"{k!r}: not a state entry of context {self.path!r}")
        return state._state

    # --- saving and loading ---------------------------------------------------
    def save_to_json(self, directory, model_name=None, custom_save=True, overwrite=False):
        """Writes ngclearn's model directory ``directory/model_name`` (the context's
        name by default). ``directory`` must exist. An existing model directory is
        replaced with ``overwrite=True``; otherwise, as ngclearn, the new one gets a
        unique suffix."""
        directory = os.fspath(directory)
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"{directory}: no such directory")
        name = _safe_filename(model_name if model_name is not None else self.name)
        target = os.path.join(directory, name)
        if os.path.exists(target) and not overwrite:
            target = f"{target}_{uuid.uuid4()}"
            print(f"Model path already exists, saving to {target}")
        self._circuit.save(target, bool(overwrite))

    @classmethod
    def load(cls, directory, module_name):
        """Loads ngclearn's model directory ``directory/module_name`` into a context
        named by the path it was saved from. As ngclearn: a context named
        ``module_name`` that exists is returned as it is; a context of the saved path
        that exists is filled with what was saved."""
        if module_name in _contexts:
            return _contexts[module_name]
        model_dir = os.path.join(os.fspath(directory), module_name)
        from ._component import _wrap_loaded
        from ._process import MethodProcess
        from ._user import _Runner, _rebuild_user_components

        # Components of one's own are made again by their classes' constructors (their
        # modules imported, as ngclearn imports each modulePath), then loaded.
        users = _rebuild_user_components(model_dir)
        runner = _Runner(None)
        circuit = _core.Circuit.load(model_dir, [src for _, src in users.values()], runner)

        ctx = _contexts.get(circuit.name)
        if ctx is None:
            ctx = super().__new__(cls)
            ctx.name = circuit.name.rsplit(":", 1)[-1]
            ctx.path = circuit.name
            _contexts[ctx.path] = ctx
        # As ngclearn, a context of the saved path that exists is filled with what was
        # saved (its objects rebuilt from the directory).
        ctx._circuit = circuit
        ctx.objects = {}
        runner._ctx = ctx
        ctx._user_runner = runner
        saved = _saved_arguments(model_dir)
        for name, klass in circuit.components():
            if name in users:
                obj = users[name][0]
                object.__setattr__(obj, "_context", ctx)
                ctx._register(ContextObjectTypes.component, obj)
                continue
            args, kwargs = saved.get(name, ((), {}))
            _wrap_loaded(ctx, name, klass, args, kwargs)
        for obj, _ in users.values():
            obj._user_retarget()
        for pname, calls in circuit.processes():
            MethodProcess._loaded(ctx, pname, calls)
        return ctx

    # --- copies and display ------------------------------------------------------
    def __copy__(self):
        raise TypeError(_COPY_MESSAGE.format(path=self.path))

    def __deepcopy__(self, memo):
        raise TypeError(_COPY_MESSAGE.format(path=self.path))

    def __reduce_ex__(self, protocol):
        raise TypeError(_COPY_MESSAGE.format(path=self.path).replace("copied", "pickled", 1))

    def __repr__(self):
        from ._repr import context_repr

        return context_repr(self)

    def _repr_html_(self):
        from ._repr import context_html

        return context_html(self)


_COPY_MESSAGE = (
    "Context {path!r} cannot be copied: a context is the one engine model of its path, "
    "and its components and processes belong to it. To copy its values, take ctx.state() "
    "(a StateDict copy); to copy the model, ctx.save_to_json(directory) and "
    "Context.load(directory, name)"
)


def _saved_arguments(model_dir):
    """Each saved component's constructor arguments (``args``, ``kwargs``) from a model
    directory's ``component/roots.json``, by name ({} if it cannot be read)."""
    import json

    try:
        with open(os.path.join(model_dir, "component", "roots.json")) as f:
            roots = json.load(f)
        return {
            name: (list(entry.get("args", [])), dict(entry.get("kwargs", {})))
            for name, entry in roots.items()
        }
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def _safe_filename(name):
    return re.sub(r'[\x00-\x1f <>:"/\\|?*]', "_", str(name))


def clear():
    """Forgets every context (ngcsimlib's ``contextManager.clear()``)."""
    _contexts.clear()
    _stack.clear()
