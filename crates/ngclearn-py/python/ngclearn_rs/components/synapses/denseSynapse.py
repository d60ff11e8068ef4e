"""``DenseSynapse``: a dense synaptic cable (ngclearn 3.1.1's signature and defaults)."""

from ..._component import Component
from ._common import dense_kwargs


class DenseSynapse(Component):
    """``outputs = (inputs @ (W * mask)) * resist_scale + biases``. Compartments:
    ``inputs``, ``weights``, ``biases``, ``mask``, ``outputs``, ``key``."""

    _class = "DenseSynapse"
    _keywords = {"advance_state": (), "reset": ()}

    def __init__(self, name, shape, weight_init=None, bias_init=None, resist_scale=1., p_conn=1.,
                 mask=None, batch_size=1, **kwargs):
        self._build(name, dense_kwargs("DenseSynapse", name, shape, weight_init, bias_init,
                                       resist_scale, p_conn, mask, batch_size, None, kwargs))
