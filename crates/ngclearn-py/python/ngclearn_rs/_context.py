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
        arr = np.asarray(value, dtype=np.float32)
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
        return StateDict(self._state.copy(), self._prefix[:-1])

    def __repr__(self):
        return f"StateDict({len(self)} entries of context {self._prefix[:-1]!r})"


class _LiveStateBase(StateDict):
    """Marks a state that is a live view of a context (see ``_process._LiveState``)."""

    __slots__ = ()


class Context:
    """ngcsimlib's ``Context``: ``with Context("name") as ctx:`` builds a model."""

    def __new__(cls, name):
        if not isinstance(name, str) or not name:
            raise TypeError(f"a context's name is a non-empty string, not {name!r}")
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
        """Brings every joint process up to date with its children (the engine
        model itself is always current)."""
        for proc in self.objects.get(ContextObjectTypes.process, {}).values():
            proc._sync()

    # --- objects --------------------------------------------------------------
    def _register(self, kind, obj):
        self.objects.setdefault(kind, {})[obj.name] = obj

    def get_objects_by_type(self, objectType):
        return self.objects.get(_type_name(objectType), {})

    def get_objects(self, *names, objectType=ContextObjectTypes.component, unwrap=True):
        found = self.get_objects_by_type(objectType)
        if not names:
            return None if unwrap else []
        objs = [found.get(n) for n in names]
        if unwrap and len(objs) == 1:
            return objs[0]
        return objs

    def get_components(self, *names, unwrap=True):
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
        circuit = _core.Circuit.load(os.path.join(os.fspath(directory), module_name))
        from ._component import _wrap_loaded
        from ._process import MethodProcess

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
        for name, klass in circuit.components():
            _wrap_loaded(ctx, name, klass)
        for pname, calls in circuit.processes():
            MethodProcess._loaded(ctx, pname, calls)
        return ctx

    def __repr__(self):
        return f"Context({self.path!r})"


def _safe_filename(name):
    return re.sub(r'[\x00-\x1f <>:"/\\|?*]', "_", str(name))


def clear():
    """Forgets every context (ngcsimlib's ``contextManager.clear()``)."""
    _contexts.clear()
    _stack.clear()
