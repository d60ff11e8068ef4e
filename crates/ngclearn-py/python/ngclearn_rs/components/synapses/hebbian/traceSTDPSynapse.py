"""``TraceSTDPSynapse``: trace-based STDP (ngclearn 3.1.1's signature and defaults)."""

import numpy as np

from ...._component import Component


def _rows(name, what, a):
    if a is None:
        return None
    a = np.asarray(a, dtype=np.float32)
    if a.ndim != 2 or not np.isfinite(a).all():
        raise ValueError(f"TraceSTDPSynapse {name!r}: `{what}` must be a finite 2-D array")
    return a.tolist()


class TraceSTDPSynapse(Component):
    """A dense synapse whose weights learn by trace-based STDP: ``evolve`` adds
    ``eta * dW`` with ``dW = (preTrace - pretrace_target)^T (postSpike * A_plus) -
    preSpike^T (postTrace * A_minus)`` (with ``mu > 0`` a power-law weight dependence),
    subtracts ``W / tau_w`` when ``tau_w > 0``, clips to ``[0, w_bound]`` and applies
    ``weight_mask``. Compartments: the dense base's, ``preSpike``, ``postSpike``,
    ``preTrace``, ``postTrace``, ``dWeights``."""

    _class = "TraceSTDPSynapse"
    _keywords = {"advance_state": (), "evolve": (), "reset": ()}

    def __init__(self, name, shape, A_plus, A_minus, eta=1., mu=0., pretrace_target=0., weight_init=None,
                 resist_scale=1., p_conn=1., w_bound=1., tau_w=0., weight_mask=None, batch_size=1, **kwargs):
        unknown = sorted(set(kwargs) - {"key", "mask"})
        if unknown:
            raise TypeError(f"TraceSTDPSynapse.__init__() got an unexpected keyword argument {unknown[0]!r}")
        self._build(name, dict(
            shape=tuple(shape), A_plus=A_plus, A_minus=A_minus, eta=eta, mu=mu,
            pretrace_target=pretrace_target, weight_init=weight_init, resist_scale=resist_scale,
            p_conn=p_conn, w_bound=w_bound, tau_w=tau_w,
            weight_mask=_rows(name, "weight_mask", weight_mask), batch_size=batch_size,
            mask=_rows(name, "mask", kwargs.get("mask")), key=kwargs.get("key")))
