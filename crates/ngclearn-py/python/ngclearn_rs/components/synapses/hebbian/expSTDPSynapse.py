"""``ExpSTDPSynapse``: STDP with an exponential weight dependence (ngclearn 3.1.1's
signature and defaults)."""

from ...._component import Component
from .traceSTDPSynapse import _rows


class ExpSTDPSynapse(Component):
    """A dense synapse whose weights learn by STDP with exponential weight dependence:
    ``evolve`` adds ``eta * dW`` with ``dW = (exp(-exp_beta W) (preTrace^T postSpike) -
    exp(-exp_beta (w_bound - W)) (pretrace_target^T postSpike)) A_plus - exp(-exp_beta W)
    (preSpike^T postTrace) A_minus``, clips to ``[0.01, w_bound - 0.01]`` and applies
    ``weight_mask`` (``tau_w`` is accepted and unused, as in ngclearn). Compartments:
    the dense base's, ``preSpike``, ``postSpike``, ``preTrace``, ``postTrace``,
    ``dWeights``, ``eta``."""

    _class = "ExpSTDPSynapse"
    _keywords = {"advance_state": (), "evolve": (), "reset": ()}

    def __init__(self, name, shape, A_plus, A_minus, exp_beta, eta=1., pretrace_target=0., weight_init=None,
                 resist_scale=1., p_conn=1., w_bound=1., tau_w=0., weight_mask=None, batch_size=1, **kwargs):
        unknown = sorted(set(kwargs) - {"key", "mask"})
        if unknown:
            raise TypeError(f"ExpSTDPSynapse.__init__() got an unexpected keyword argument {unknown[0]!r}")
        self._build(name, dict(
            shape=tuple(shape), A_plus=A_plus, A_minus=A_minus, exp_beta=exp_beta, eta=eta,
            pretrace_target=pretrace_target, weight_init=weight_init, resist_scale=resist_scale,
            p_conn=p_conn, w_bound=w_bound, tau_w=tau_w,
            weight_mask=_rows(name, "weight_mask", weight_mask), batch_size=batch_size,
            mask=_rows(name, "mask", kwargs.get("mask")), key=kwargs.get("key")))
