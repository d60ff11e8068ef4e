"""Processes: ngclearn 3.1.1's ``MethodProcess`` and ``JointProcess``.

A process is a list of component method calls. ``run`` makes them once and updates
the context's state; ``scan`` makes them once per row of its inputs and, as
ngclearn's, leaves the context's state as it was, returning the final state and the
watched compartments stacked per step.
"""
import inspect

import numpy as np

from ._compartment import Compartment
from ._component import _Method
from ._context import ContextObjectTypes, StateDict, _LiveStateBase, _require_context


def _raise_fallback_error(ctx):
    """Raises what a method of one's own that runs in Python raised during the run."""
    runner = ctx.__dict__.get("_user_runner")
    if runner is not None:
        runner.raise_error()


class _MissingKeyword(TypeError, RuntimeError):
    """A keyword a process needs was not given (ngclearn raises RuntimeError)."""


class _Process:
    def __init__(self, name):
        from ._component import _check_name

        _check_name(name, "process")
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
        """The compartments whose values ``run`` and ``scan`` return, in order (a
        joint process's children's first)."""
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
        extra = [k for k in keys if k not in ("t", "dt")]
        if extra:
            raise NotImplementedError(
                f"process {self.name!r}: keyword {extra[0]!r} is given to a method by run() step "
                f"by step, not yet by scan"
            )
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
        live view of it; with ``update=False`` it is left as it was. A loop of runs
        shows its progress as any Python loop does (``for t in tqdm(range(n)):``);
        a ``scan`` over the same rows runs in the engine and has ``progress=True``."""
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
        for k, v in zip(keys, keywords):
            if k not in ("t", "dt"):
                ctx._circuit.set_keyword(self.name, k, float(v))  # for this call
        ctx._circuit.run(self.name, t, dt)
        _raise_fallback_error(ctx)
        watch = self._watch_list()
        watched = tuple(c.get() for c in watch) if watch else None
        return _LiveState(ctx), watched

    def scan(self, inputs, current_state=None, store_state=True, store_results=True, progress=False):
        """Runs once per row of ``inputs`` (``(steps, len(get_keywords()))``, e.g.
        from ``pack_rows``) from ``current_state`` (default: the context's state),
        leaving the context's state as it was. Returns ``(final_state, watched)``:
        the state after the last row and a tuple with one ``(steps, batch, units)``
        array per watched compartment (``None`` when nothing is watched).

        ``progress=True`` shows a tqdm progress bar (``pip install tqdm``); a string
        is the bar's description; a callable is called as ``progress(done, total)``
        instead. The bar moves between the blocks of 256 steps the engine runs in
        whether or not it is shown, so the results are the same bit for bit."""
        self._sync()
        t, dt = self._times(inputs)
        ctx = self._context
        start = None if current_state is None else ctx._state_from(current_state)
        watch = self._watch_list()
        for c in watch:
            if c._is_key:
                raise TypeError(f"{c.root}: scan records arrays; a PRNG key cannot be watched in a scan")
        paths = list(dict.fromkeys(c._path for c in watch))  # each recorded once
        with _progress_reporter(progress, len(t), self.name) as report:
            final, arrays = ctx._circuit.scan(self.name, t, dt, paths, start, report)
            _raise_fallback_error(ctx)
        final = StateDict(final, ctx.path)
        by_path = dict(zip(paths, arrays))
        watched = tuple(by_path[c._path] for c in watch) if watch else None
        if store_state:
            self.previous_state = final
        if store_results:
            self.previous_result = watched
        return final, watched

    def clear(self):
        """Forgets ``previous_state`` and ``previous_result``."""
        self.previous_state = None
        self.previous_result = None

    def is_compiled(self):
        """Always ``True``: the engine runs every process compiled (ngclearn's JIT)."""
        return True

    def calls(self):
        """The ``(component name, method name)`` calls it makes, in order."""
        return [(c.name, m) for c, m in self._calls()]

    def __copy__(self):
        raise TypeError(_copy_message(self))

    def __deepcopy__(self, memo):
        raise TypeError(_copy_message(self))

    def __reduce_ex__(self, protocol):
        raise TypeError(_copy_message(self).replace("copied", "pickled", 1))

    def __repr__(self):
        from ._repr import process_repr

        return process_repr(self)

    def _repr_html_(self):
        from ._repr import process_html

        return process_html(self)


def _copy_message(proc):
    cls = type(proc).__name__
    return (
        f"{cls} {proc.name!r} cannot be copied: a process belongs to its context "
        f"({proc._context.path!r}) and is registered there by name. To run the same calls "
        f"elsewhere, make another {cls} (its calls: {proc.name}.calls())"
    )


class _progress_reporter:
    """What ``scan(progress=...)`` hands the engine: ``None``, or a callable taking
    ``(done, total)``; a tqdm bar is closed when the scan ends, however it ends."""

    def __init__(self, progress, total, name):
        self._bar = None
        self.report = None
        if progress is None or progress is False:
            return
        if callable(progress) and not isinstance(progress, (bool, str)):
            self.report = progress
            return
        if progress is True or isinstance(progress, str):
            try:
                from tqdm.auto import tqdm
            except ImportError:
                raise ImportError(
                    "scan(progress=True) draws its bar with tqdm, which is not installed: "
                    "pip install tqdm (or pass progress=callable, called with (done, total))"
                ) from None
            desc = progress if isinstance(progress, str) else f"scan {name}"
            self._bar = tqdm(total=total, desc=desc, unit="step")
            bar, seen = self._bar, [0]

            def report(done, _total):
                bar.update(done - seen[0])
                seen[0] = done

            self.report = report
            return
        raise TypeError(
            f"scan: `progress` is True, a description string or a callable(done, total), "
            f"not {progress!r}"
        )

    def __enter__(self):
        return self.report

    def __exit__(self, exc_type, exc, tb):
        if self._bar is not None:
            self._bar.close()
        return False


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
        compartment = None if target is None else target.__dict__.get(field)
        if not isinstance(compartment, Compartment):
            raise KeyError(key)
        compartment.set(value)


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
        if not isinstance(method, _Method) and not (
            inspect.ismethod(method) and getattr(method.__self__, "_user_shapes", None) is not None
            and method.__name__ in type(method.__self__)._keywords
        ):
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
        """Appends a process, whose calls run after those already in it (a process
        that contains this one is refused: the two would call each other forever);
        returns the joint process."""
        if not isinstance(process, _Process):
            raise TypeError(f"a joint process takes processes, not {process!r}")
        if process._context is not self._context:
            raise ValueError(
                f"process {process.name!r} is in context {process._context.path!r}, "
                f"joint process {self.name!r} in {self._context.path!r}"
            )
        if process is self:
            raise ValueError(
                f"joint process {self.name!r} cannot contain itself: its calls would never end"
            )
        path = _path_to(process, self)
        if path is not None:
            chain = " >> ".join(p.name for p in path)
            raise ValueError(
                f"joint process {self.name!r} cannot take {process.name!r}: {process.name!r} "
                f"already contains {self.name!r} ({chain}), so the two would call each other "
                f"forever. Make a new JointProcess of the processes both should run instead"
            )
        self._children.append(process)
        try:
            self._sync()
        except Exception:
            self._children.pop()
            raise
        return self

    __rshift__ = then


def _path_to(start, target):
    """The chain of joint processes from ``start`` down to ``target`` (which ``start``
    contains, however deep), or ``None``."""
    if start is target:
        return [start]
    for child in getattr(start, "_children", ()):
        rest = _path_to(child, target)
        if rest is not None:
            return [start] + rest
    return None
