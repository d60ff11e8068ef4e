"""Processes: ngclearn 3.1.1's ``MethodProcess`` and ``JointProcess``.

A process is a list of component method calls. ``run`` makes them once and updates
the context's state; ``scan`` makes them once per row of its inputs and, as
ngclearn's, leaves the context's state as it was, returning the final state and the
watched compartments stacked per step.
"""

import numpy as np

from ._compartment import Compartment
from ._component import _Method
from ._context import ContextObjectTypes, StateDict, _LiveStateBase, _require_context


class _MissingKeyword(TypeError, RuntimeError):
    """A keyword a process needs was not given (ngclearn raises RuntimeError)."""


class _Process:
    def __init__(self, name):
        if not isinstance(name, str) or not name:
            raise TypeError(f"a process's name is a non-empty string, not {name!r}")
        self.name = name
        self._context = _require_context(f"process {name!r}")
        self._watch = []
        self._registered = None
        self._context._register(ContextObjectTypes.process, self)
        self.previous_state = None
        self.previous_result = None

    # --- what it calls ----------------------------------------------------------
    def _calls(self):
        raise NotImplementedError

    def _watch_list(self):
        return list(self._watch)

    def _sync(self):
        current = self._context.objects.get(ContextObjectTypes.process, {}).get(self.name)
        if current is not self:
            raise RuntimeError(
                f"process {self.name!r} was replaced in context {self._context.path!r} by another "
                f"of the same name; use that one"
            )
        calls = self._calls()
        if calls != self._registered:
            self._context._circuit.process(self.name, [(c.name, m) for c, m in calls])
            self._registered = calls
        children = getattr(self, "_children", None)
        if children is not None and [p.name for p in children] != getattr(self, "_joined", None):
            self._context._circuit.joint(self.name, [p.name for p in children])
            self._joined = [p.name for p in children]

    def get_keywords(self):
        """The keywords its methods read (``t``, ``dt``), in the order ``pack_rows``
        gives them."""
        keys = []
        for comp, method in self._calls():
            for k in type(comp)._keywords.get(method, ("t", "dt")):
                if k not in keys:
                    keys.append(k)
        return keys

    @property
    def watch_list(self):
        return self._watch_list()

    def watch(self, *compartments):
        """Adds compartments whose values ``run`` and ``scan`` return."""
        for c in compartments:
            if not isinstance(c, Compartment):
                raise TypeError(f"watch takes compartments, not {c!r}")
            if c._context is not self._context:
                raise ValueError(f"{c.root} is not in context {self._context.path!r}")
            self._watch.append(c)

    # --- keywords ---------------------------------------------------------------
    def pack_keywords(self, row_seed=None, **kwargs):
        """One row of keyword values, in ``get_keywords()`` order (a callable is
        called with ``row_seed``)."""
        return self._pack(self.get_keywords(), row_seed, kwargs)

    def _pack(self, keys, row_seed, kwargs):
        row = []
        for k in keys:
            if k not in kwargs:
                raise _MissingKeyword(f"process {self.name!r} needs keyword `{k}`")
            v = kwargs[k]
            if callable(v):
                if row_seed is None:
                    raise _MissingKeyword(f"`{k}` is a callable but no row seed was given")
                v = v(row_seed)
            row.append(v)
        return row

    def pack_rows(self, length, seed_generator=None, **kwargs):
        """``length`` rows for ``scan`` (a list of lists; row ``i``'s callables get
        ``seed_generator(i)``, by default ``i``)."""
        if seed_generator is None:
            seed_generator = lambda i: i  # noqa: E731
        keys = self.get_keywords()
        return [self._pack(keys, seed_generator(i), kwargs) for i in range(length)]

    def _times(self, rows):
        keys = self.get_keywords()
        rows = np.asarray(rows, dtype=np.float64)
        if rows.ndim == 1 and len(keys) <= 1:
            rows = rows.reshape(-1, len(keys))
        if rows.ndim != 2 or rows.shape[1] != len(keys):
            raise ValueError(
                f"process {self.name!r}: scan rows must have shape (steps, {len(keys)}) "
                f"for keywords {keys}, got {rows.shape}"
            )
        n = rows.shape[0]
        t = rows[:, keys.index("t")] if "t" in keys else np.zeros(n)
        dt = rows[:, keys.index("dt")] if "dt" in keys else np.ones(n)
        return t.astype(np.float32).tolist(), dt.astype(np.float32).tolist()

    # --- running ----------------------------------------------------------------
    def run(self, state=None, keywords=None, update=True, row_seed=None, **kwargs):
        """Runs once: ``run(t=..., dt=...)``. Returns ``(state, watched)``, the
        watched values as a tuple (``None`` when nothing is watched). With
        ``update=True`` (the default) the context's state changes and ``state`` is a
        live view of it; with ``update=False`` it is left as it was."""
        self._sync()
        if keywords is None:
            keywords = self.pack_keywords(row_seed, **kwargs)
        keys = self.get_keywords()
        if len(keywords) != len(keys):
            raise ValueError(
                f"process {self.name!r}: {len(keywords)} keyword values for keywords {keys}"
            )
        if not update or state is not None:
            final, watched = self.scan([keywords], current_state=state)
            if update:
                self._context._circuit.set_state(final._state)
            return final, (None if watched is None else tuple(w[0] for w in watched))
        t = float(keywords[keys.index("t")]) if "t" in keys else 0.0
        dt = float(keywords[keys.index("dt")]) if "dt" in keys else 1.0
        ctx = self._context
        ctx._circuit.run(self.name, t, dt)
        watch = self._watch_list()
        watched = tuple(c.get() for c in watch) if watch else None
        return _LiveState(ctx), watched

    def scan(self, inputs, current_state=None, store_state=True, store_results=True):
        """Runs once per row of ``inputs`` (``(steps, len(get_keywords()))``, e.g.
        from ``pack_rows``) from ``current_state`` (default: the context's state),
        leaving the context's state as it was. Returns ``(final_state, watched)``:
        the state after the last row and a tuple with one ``(steps, batch, units)``
        array per watched compartment (``None`` when nothing is watched)."""
        self._sync()
        t, dt = self._times(inputs)
        ctx = self._context
        start = None if current_state is None else ctx._state_from(current_state)
        watch = self._watch_list()
        for c in watch:
            if c._is_key:
                raise TypeError(f"{c.root}: scan records arrays; a PRNG key cannot be watched in a scan")
        paths = list(dict.fromkeys(c._path for c in watch))  # each recorded once
        final, arrays = ctx._circuit.scan(self.name, t, dt, paths, start)
        final = StateDict(final, ctx.path)
        by_path = dict(zip(paths, arrays))
        watched = tuple(by_path[c._path] for c in watch) if watch else None
        if store_state:
            self.previous_state = final
        if store_results:
            self.previous_result = watched
        return final, watched

    def clear(self):
        self.previous_state = None
        self.previous_result = None

    def is_compiled(self):
        return True

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r})"


class _LiveState(_LiveStateBase):
    """What ``run`` returns as its state: the context's state as it is when read."""

    __slots__ = ("_ctx",)

    def __init__(self, ctx):
        self._ctx = ctx
        self._prefix = ctx.path + ":"

    @property
    def _state(self):
        return self._ctx._circuit.state()

    def __setitem__(self, key, value):
        # Writes through: this state is the context's.
        local = self._local(key)
        comp, field = local.split(":", 1)
        target = self._ctx.get_components(comp)
        if target is None or not hasattr(target, field):
            raise KeyError(key)
        getattr(target, field).set(value)


class MethodProcess(_Process):
    """``MethodProcess("advance") >> a.advance_state >> b.advance_state``."""

    def __init__(self, name, use_jit=True):
        super().__init__(name)
        self._steps = []

    @classmethod
    def _loaded(cls, ctx, name, calls):
        p = cls.__new__(cls)
        p.name = name
        p._context = ctx
        p._watch = []
        comps = ctx.get_objects_by_type(ContextObjectTypes.component)
        p._steps = [(comps[c], m) for c, m in calls]
        p._registered = list(p._steps)
        p.previous_state = None
        p.previous_result = None
        ctx._register(ContextObjectTypes.process, p)
        return p

    def _calls(self):
        return list(self._steps)

    def then(self, method):
        """Appends a component's method; returns the process."""
        if not isinstance(method, _Method):
            raise TypeError(
                f"a process takes a component's method (comp.advance_state), not {method!r}"
            )
        comp = method.__self__
        if comp._context is not self._context:
            raise ValueError(
                f"{comp.name} is in context {comp._context.path!r}, "
                f"process {self.name!r} in {self._context.path!r}"
            )
        self._steps.append((comp, method.__name__))
        try:
            self._sync()
        except Exception:
            self._steps.pop()
            raise
        return self

    __rshift__ = then


class JointProcess(_Process):
    """``JointProcess("both") >> first >> second``: the calls of each, in order."""

    def __init__(self, name):
        super().__init__(name)
        self._children = []

    def _calls(self):
        return [c for p in self._children for c in p._calls()]

    def _watch_list(self):
        return [w for p in self._children for w in p._watch_list()] + list(self._watch)

    def then(self, process):
        if not isinstance(process, _Process):
            raise TypeError(f"a joint process takes processes, not {process!r}")
        if process._context is not self._context:
            raise ValueError(
                f"process {process.name!r} is in context {process._context.path!r}, "
                f"joint process {self.name!r} in {self._context.path!r}"
            )
        if process is self:
            raise ValueError("a joint process cannot contain itself")
        self._children.append(process)
        try:
            self._sync()
        except Exception:
            self._children.pop()
            raise
        return self

    __rshift__ = then
