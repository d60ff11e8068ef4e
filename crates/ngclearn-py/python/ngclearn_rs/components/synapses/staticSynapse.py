"""``StaticSynapse``: a dense synapse that does not learn (ngclearn 3.1.1's signature)."""

from .denseSynapse import DenseSynapse


class StaticSynapse(DenseSynapse):
    """``outputs = (inputs @ (W * mask)) * resist_scale + biases``; no plasticity."""

    _class = "StaticSynapse"
