"""``BCMSynapse``: the Bienenstock-Cooper-Munro rule (ngclearn 3.1.1's signature and
defaults)."""

from ...._component import Component
from .traceSTDPSynapse import _rows


class BCMSynapse(Component):
    """A dense synapse learning by the BCM rule: ``evolve`` computes ``post_term = post
    (post - theta) / theta``, ``dW = pre^T post_term`` (times ``w_bound - |W|`` if
    ``w_bound > 0``) ``- W w_decay``, adds ``dW dt / tau_w`` and moves ``theta`` toward
    the batch mean of ``post^2`` with ``tau_theta``. Compartments: the dense base's,
    ``pre``, ``post``, ``post_term``, ``theta``, ``dWeights``."""

    _class = "BCMSynapse"
    _keywords = {"advance_state": (), "evolve": ("t", "dt"), "reset": ()}

    def __init__(self, name, shape, tau_w, tau_theta, theta0=-1., w_bound=0., w_decay=0., weight_init=None,
                 resist_scale=1., p_conn=1., batch_size=1, **kwargs):
        unknown = sorted(set(kwargs) - {"key", "mask"})
        if unknown:
            raise TypeError(f"BCMSynapse.__init__() got an unexpected keyword argument {unknown[0]!r}")
        self._build(name, dict(
            shape=tuple(shape), tau_w=tau_w, tau_theta=tau_theta, theta0=theta0, w_bound=w_bound,
            w_decay=w_decay, weight_init=weight_init, resist_scale=resist_scale, p_conn=p_conn,
            batch_size=batch_size, mask=_rows(name, "mask", kwargs.get("mask")), key=kwargs.get("key")))
