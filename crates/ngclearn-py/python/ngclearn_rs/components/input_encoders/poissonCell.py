"""``PoissonCell``: Poisson spike encoder (ngclearn 3.1.1's signature and defaults)."""

from ..._component import Component


class PoissonCell(Component):
    """Poisson spike trains: each step a cell fires where ``U[0,1) < inputs * (dt/1000) *
    target_freq``. Compartments: ``inputs``, ``outputs``, ``tols``, ``key``. Other
    keyword arguments are ignored, as ngclearn's are (``max_freq`` is the old name of
    ``target_freq``)."""

    _class = "PoissonCell"
    _keywords = {"advance_state": ("t", "dt"), "reset": ()}

    def __init__(self, name, n_units, target_freq=63.75, batch_size=1, key=None, **kwargs):
        if "max_freq" in kwargs:
            target_freq = kwargs.pop("max_freq")
        self._build(name, dict(n_units=n_units, target_freq=target_freq,
                               batch_size=batch_size, key=key))
