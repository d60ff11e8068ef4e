"""``STPDenseSynapse``: short-term facilitation and depression (ngclearn 3.1.1's
signature and defaults)."""

from ..._component import Component
from .hebbian.traceSTDPSynapse import _rows


class STPDenseSynapse(Component):
    """A dense synapse with Tsodyks-Markram short-term plasticity: per synapse,
    ``u`` facilitates toward ``resources`` (``tau_f``) and ``x`` recovers toward 1
    (``tau_d``) and is depleted by ``u x``; ``Wdyn = W u x`` while the gating spike is
    on; ``outputs = inputs . (Wdyn * resist_scale) + biases``. ngclearn 3.1.1 runs it
    only for ``n_pre == n_post`` (the gating spike is then its broadcasting's); other
    shapes follow its documented equations. Compartments: the dense base's, ``u``,
    ``x``, ``Wdyn``, ``resources``."""

    _class = "STPDenseSynapse"
    _keywords = {"advance_state": ("t", "dt"), "reset": ()}

    def __init__(self, name, shape, weight_init=None, bias_init=None, resist_scale=1., p_conn=1., tau_f=750.,
                 tau_d=50., resources_init=None, **kwargs):
        unknown = sorted(set(kwargs) - {"key", "mask", "batch_size"})
        if unknown:
            raise TypeError(f"STPDenseSynapse.__init__() got an unexpected keyword argument {unknown[0]!r}")
        self._build(name, dict(
            shape=tuple(shape), weight_init=weight_init, bias_init=bias_init, resist_scale=resist_scale,
            p_conn=p_conn, tau_f=tau_f, tau_d=tau_d, resources_init=resources_init,
            batch_size=kwargs.get("batch_size", 1), mask=_rows(name, "mask", kwargs.get("mask")),
            key=kwargs.get("key")))
