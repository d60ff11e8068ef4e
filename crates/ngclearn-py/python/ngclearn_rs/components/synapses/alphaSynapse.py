"""``AlphaSynapse``: ngclearn 3.1.1's signature and defaults."""

from ..._component import Component
from ._common import dense_kwargs


class AlphaSynapse(Component):
    """A conductance-based synapse: a conductance that rises and decays as an alpha function of ``tau_decay``, driving
    ``i_syn = -(g_syn * resist_scale) * (v - syn_rest)`` (``syn_rest=None``: ``-g_syn *
    resist_scale``) into ``outputs``. With ``is_nonplastic=True`` (the default) the
    weights are all ones. Compartments: the dense base's, ``v``, ``g_syn``, ``i_syn``, ``h_syn``."""

    _class = "AlphaSynapse"
    _keywords = {"advance_state": ("t", "dt"), "reset": ()}

    def __init__(self, name, shape, tau_decay, g_syn_bar, syn_rest, weight_init=None, bias_init=None,
                 resist_scale=1., p_conn=1., is_nonplastic=True, **kwargs):
        extra = dict(kwargs)
        mask = extra.pop("mask", None)
        batch_size = extra.pop("batch_size", 1)
        args = dense_kwargs("AlphaSynapse", name, shape, weight_init, bias_init, resist_scale, p_conn,
                            mask, batch_size, None, extra)
        args.update(tau_decay=tau_decay, g_syn_bar=g_syn_bar, syn_rest=syn_rest, is_nonplastic=is_nonplastic)
        self._build(name, args)
