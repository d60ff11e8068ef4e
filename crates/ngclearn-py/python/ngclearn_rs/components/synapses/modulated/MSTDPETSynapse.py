"""``MSTDPETSynapse``: reward-modulated trace STDP with an eligibility trace (ngclearn
3.1.1's signature and defaults)."""

from ...._component import Component
from ..hebbian.traceSTDPSynapse import _rows


class MSTDPETSynapse(Component):
    """A dense synapse learning by reward-modulated STDP: ``evolve`` decays the
    ``eligibility`` trace (``tau_elg > 0``) and adds the previous ``dWeights`` to it,
    adds ``eligibility * modulator * eta`` (where ``outmask``) to ``W``, subtracts ``W /
    tau_w`` when ``tau_w > 0``, clips to ``[0, w_bound]``, and computes this step's
    ``dWeights`` as TraceSTDPSynapse does. Compartments: the dense base's, ``preSpike``,
    ``postSpike``, ``preTrace``, ``postTrace``, ``dWeights``, ``modulator``,
    ``eligibility``, ``outmask``."""

    _class = "MSTDPETSynapse"
    _keywords = {"advance_state": (), "evolve": ("dt", "t"), "reset": ()}

    def __init__(self, name, shape, A_plus, A_minus, eta=1., mu=0., pretrace_target=0., tau_elg=0., elg_decay=1.,
                 tau_w=0., weight_init=None, resist_scale=1., p_conn=1., w_bound=1., batch_size=1, **kwargs):
        unknown = sorted(set(kwargs) - {"key", "mask", "weight_mask"})
        if unknown:
            raise TypeError(f"MSTDPETSynapse.__init__() got an unexpected keyword argument {unknown[0]!r}")
        self._build(name, dict(
            shape=tuple(shape), A_plus=A_plus, A_minus=A_minus, eta=eta, mu=mu, pretrace_target=pretrace_target,
            tau_elg=tau_elg, elg_decay=elg_decay, tau_w=tau_w, weight_init=weight_init,
            resist_scale=resist_scale, p_conn=p_conn, w_bound=w_bound, batch_size=batch_size,
            weight_mask=_rows(name, "weight_mask", kwargs.get("weight_mask")),
            mask=_rows(name, "mask", kwargs.get("mask")), key=kwargs.get("key")))
