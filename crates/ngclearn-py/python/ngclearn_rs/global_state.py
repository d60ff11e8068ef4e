"""ngcsimlib's global state: ``stateManager.state`` reads every context's state and
assigning it writes a state back, as scripts do after a scan
(``stateManager.state, outputs = proc.scan(rows)``)."""

from collections.abc import Mapping

from . import _context

__all__ = ["stateManager"]


class _StateManager:
    """ngcsimlib's ``stateManager``: every context's state, read and written as one."""

    @property
    def state(self):
        """Every context's state, keys ``ctx:component:field`` (a read-only view)."""
        return _Union([c.state() for c in _context._contexts.values()])

    @state.setter
    def state(self, value):
        self.set_state(value)

    def set_state(self, value):
        """Writes a state back: a final state from ``scan`` (or ``run``), or a mapping
        of some keys (each written to the context its key names)."""
        if isinstance(value, _context.StateDict):
            ctx = _context._contexts.get(value._prefix[:-1])
            if ctx is None:
                raise KeyError(f"no context {value._prefix[:-1]!r}")
            ctx._circuit.set_state(ctx._state_from(value))
            return
        if not isinstance(value, Mapping):
            raise TypeError(f"a state is a mapping, not {type(value).__name__}")
        by_ctx = {}
        for key, v in value.items():
            path = _owner(key)
            by_ctx.setdefault(path, {})[key] = v
        for path, items in by_ctx.items():
            ctx = _context._contexts[path]
            ctx._circuit.set_state(ctx._state_from(items))

    def from_global_key(self, key):
        """The value at ``key``, or ``None``."""
        try:
            return self.state[key]
        except KeyError:
            return None


def _owner(key):
    """The context whose path prefixes ``key`` (the longest one)."""
    best = None
    for path in _context._contexts:
        if isinstance(key, str) and key.startswith(path + ":") and (best is None or len(path) > len(best)):
            best = path
    if best is None:
        raise KeyError(f"{key!r} names no context")
    return best


class _Union(Mapping):
    def __init__(self, parts):
        self._parts = parts

    def __getitem__(self, key):
        for p in self._parts:
            if key in p:
                return p[key]
        raise KeyError(key)

    def __iter__(self):
        for p in self._parts:
            yield from p

    def __len__(self):
        return sum(len(p) for p in self._parts)


stateManager = _StateManager()
