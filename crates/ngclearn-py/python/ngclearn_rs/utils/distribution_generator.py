"""ngclearn's ``DistributionGenerator``: weight and bias initialisers.

Each method returns an initialiser: pass it as ``weight_init=`` / ``bias_init=`` or call
it, ``init(shape, dKey)``, for a float32 array drawn exactly as ngclearn draws it from
the same key. Options (``**params``): ``amin``, ``amax``, ``lower_triangle``,
``upper_triangle``, ``hollow``, ``eye``, ``col_mask``, ``row_mask`` (an int: keep that
many at random; a sequence: keep those indices), ``use_numpy`` and ``dtype`` (accepted:
the draws are float32 either way).
"""

import json

import numpy as np

from .. import _core

__all__ = ["DistributionGenerator"]

_OPTIONS = ("amin", "amax", "lower_triangle", "upper_triangle", "hollow", "eye", "col_mask", "row_mask")


def _spec(dist, fields, params):
    spec = {"dist": dist}
    spec.update({k: float(v) for k, v in fields.items()})
    for k, v in params.items():
        if k in ("use_numpy", "dtype"):
            continue
        if k not in _OPTIONS:
            raise TypeError(f"DistributionGenerator: unknown option `{k}`; known: {', '.join(_OPTIONS)}")
        if k in ("amin", "amax"):
            v = None if v is None else float(v)
        elif k in ("col_mask", "row_mask"):
            if v is None:
                pass
            elif isinstance(v, (int, np.integer)):
                v = int(v)
            else:
                v = [int(i) for i in v]
        else:
            v = bool(v)
        spec[k] = v
    for k in ("amin", "amax"):
        if spec.get(k) is not None and not np.isfinite(spec[k]):
            raise ValueError(f"DistributionGenerator: `{k}` = {spec[k]} is not finite")
    for k, v in fields.items():
        if not np.isfinite(float(v)):
            raise ValueError(f"DistributionGenerator.{dist}: `{k}` = {v} is not finite")
    return spec


class _Initializer:
    """An initialiser: ``init(shape, dKey)`` draws; components take it as is."""

    __slots__ = ("spec",)

    def __init__(self, spec):
        self.spec = spec

    def __call__(self, shape, dKey=None, seed=None):
        from .._component import _key_pair
        from ..random import PRNGKey

        shape = tuple(int(s) for s in shape)
        if len(shape) == 1:
            rows, cols, out = 1, shape[0], shape
        elif len(shape) == 2:
            rows, cols, out = shape[0], shape[1], shape
        else:
            raise ValueError(f"initialisers draw 1-D or 2-D arrays, not shape {shape}")
        if dKey is None:
            import time

            dKey = PRNGKey(seed if seed is not None else time.time_ns())
        key = tuple(_key_pair(dKey, "dKey"))
        a = _core.draw(json.dumps(self.spec), (rows, cols), key)
        return np.asarray(a).reshape(out)

    def __repr__(self):
        return f"DistributionGenerator({self.spec})"

    def __eq__(self, other):
        return isinstance(other, _Initializer) and other.spec == self.spec

    __hash__ = None


class DistributionGenerator:
    """ngclearn's initialisers (see the module doc)."""

    @staticmethod
    def constant(value, **params):
        """Every entry ``value`` (then the options in ``**params``: ``amin``/``amax``
        clipping, triangles, ``hollow``, ``eye``, row/column masks)."""
        return _Initializer(_spec("constant", {"value": value}, params))

    @staticmethod
    def uniform(low=0.0, high=1.0, **params):
        """Uniform draws in ``[low, high)``, as JAX's ``uniform`` from the same key
        (options as ``constant``'s)."""
        return _Initializer(_spec("uniform", {"low": low, "high": high}, params))

    @staticmethod
    def gaussian(mean=0.0, std=1.0, **params):
        """Normal draws ``mean + std * N(0, 1)``, as JAX's ``normal`` (options as
        ``constant``'s)."""
        return _Initializer(_spec("gaussian", {"mean": mean, "std": std}, params))

    @staticmethod
    def log_gaussian(sigma=1.0, **params):
        """Log-normal draws ``exp(sigma * N(0, 1))`` (options as ``constant``'s)."""
        return _Initializer(_spec("log_gaussian", {"sigma": sigma}, params))

    @staticmethod
    def fan_in_uniform(**params):
        """Uniform draws in ``[-1/sqrt(fan_in), 1/sqrt(fan_in))``; ``fan_in`` is
        ``shape[1]``, as ngclearn's code takes it (options as ``constant``'s)."""
        return _Initializer(_spec("fan_in_uniform", {}, params))

    @staticmethod
    def fan_in_gaussian(**params):
        """Normal draws with standard deviation ``1/sqrt(fan_in)``; ``fan_in`` is
        ``shape[0]``, as ngclearn's code takes it (options as ``constant``'s)."""
        return _Initializer(_spec("fan_in_gaussian", {}, params))
