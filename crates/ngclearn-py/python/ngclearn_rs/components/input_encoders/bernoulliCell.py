"""``BernoulliCell``: Bernoulli spike encoder (ngclearn 3.1.1's signature and defaults)."""

from ..._component import Component


class BernoulliCell(Component):
    """Bernoulli spikes: each input value is a cell's probability of firing this step.
    Compartments: ``inputs``, ``outputs``, ``tols``, ``key``. Other keyword arguments are
    ignored, as ngclearn's are."""

    _class = "BernoulliCell"
    _keywords = {"advance_state": ("t",), "reset": ()}

    def __init__(self, name, n_units, batch_size=1, key=None, **kwargs):
        self._build(name, dict(n_units=n_units, batch_size=batch_size, key=key))
