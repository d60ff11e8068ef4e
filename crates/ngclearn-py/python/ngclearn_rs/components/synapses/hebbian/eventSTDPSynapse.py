"""``EventSTDPSynapse``: event-driven STDP (ngclearn 3.1.1's signature and defaults)."""

from ...._component import Component
from .traceSTDPSynapse import _rows


class EventSTDPSynapse(Component):
    """A dense synapse learning by event-driven STDP: at ``evolve`` (time ``t``), weights
    from units whose last spike (``pre_tols``) lies within ``presyn_win_len`` before ``t``
    are potentiated toward ``w_bound``, the others depressed, where ``postSpike`` is 1;
    then ``W`` is clipped to ``[0.01, w_bound]``. Compartments: the dense base's,
    ``pre_tols``, ``postSpike``, ``dWeights``, ``eta``."""

    _class = "EventSTDPSynapse"
    _keywords = {"advance_state": (), "evolve": ("t", "dt"), "reset": ()}

    def __init__(self, name, shape, eta, lmbda=0.01, A_plus=1., A_minus=1., presyn_win_len=2., w_bound=1.,
                 weight_init=None, resist_scale=1., p_conn=1., batch_size=1, **kwargs):
        unknown = sorted(set(kwargs) - {"key", "mask"})
        if unknown:
            raise TypeError(f"EventSTDPSynapse.__init__() got an unexpected keyword argument {unknown[0]!r}")
        self._build(name, dict(
            shape=tuple(shape), eta=eta, lmbda=lmbda, A_plus=A_plus, A_minus=A_minus,
            presyn_win_len=presyn_win_len, w_bound=w_bound, weight_init=weight_init,
            resist_scale=resist_scale, p_conn=p_conn, batch_size=batch_size,
            mask=_rows(name, "mask", kwargs.get("mask")), key=kwargs.get("key")))
