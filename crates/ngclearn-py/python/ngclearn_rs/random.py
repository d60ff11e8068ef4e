"""JAX's PRNG keys without JAX: ``PRNGKey(seed)`` and ``split(key, num)`` give the
same uint32 pairs as ``jax.random`` (threefry2x32), so scripts written without JAX key
their components exactly as JAX scripts do."""

import numpy as np

from . import _core
from ._component import _key_pair

__all__ = ["PRNGKey", "key", "split", "uniform"]

#: The most keys or values one call draws (2**31: 8 GiB of float32).
_MAX = 2**31


def PRNGKey(seed):
    """``jax.random.PRNGKey(seed)``: a uint32 array of two."""
    seed = int(seed)
    if seed < 0:
        seed &= 0xFFFFFFFFFFFFFFFF
    return np.array(_core.prng_key(seed), dtype=np.uint32)


key = PRNGKey


def split(key, num=2):
    """``jax.random.split(key, num)``: a ``(num, 2)`` uint32 array."""
    num = int(num)
    if not 1 <= num <= _MAX:
        raise ValueError(f"split: num must be between 1 and {_MAX}, got {num}")
    pairs = _core.split(tuple(_key_pair(key, "split")), num)
    return np.array(pairs, dtype=np.uint32).reshape(num, 2)


def uniform(key, shape=(), minval=0.0, maxval=1.0):
    """``jax.random.uniform(key, shape)`` for float32 in ``[minval, maxval)``."""
    shape = tuple(shape) if np.ndim(shape) else (int(shape),) if shape != () else ()
    n = int(np.prod(shape, dtype=object)) if shape else 1
    if not 0 <= n <= _MAX:
        raise ValueError(f"uniform: {n} values is more than {_MAX}")
    u = np.asarray(_core.uniform(tuple(_key_pair(key, "uniform")), n), dtype=np.float32)
    if (minval, maxval) != (0.0, 1.0):
        lo, hi = np.float32(minval), np.float32(maxval)
        u = np.maximum(lo, (u * (hi - lo) + lo).astype(np.float32))
    return u.reshape(shape)
