"""``WTASCell``: winner-take-all spiking cells (ngclearn 3.1.1's signature and defaults)."""

from ...._component import Component, _deprecated, _only


class WTASCell(Component):
    """Winner-take-all spiking cells: ``v = j * resist_m`` (0 during the refractory period),
    a spike wherever ``softmax_row(v) > thr``, thresholds moved by ``(spikes in the row - 1)
    * thr_gain`` (floor 0.025). As in ngclearn's code, ``tau_m`` is unused and ``reset``
    keeps ``thr``. ``thrBase`` (deprecated) is read as ``thr_base``. Compartments: ``j``,
    ``v``, ``s``, ``thr``, ``rfr``, ``tols``, ``key``."""

    _class = "WTASCell"
    _keywords = {"advance_state": ("t", "dt"), "reset": ()}

    def __init__(self, name, n_units, tau_m, resist_m=1., thr_base=0.4, thr_gain=0.002, refract_time=0.,
                 thr_jitter=0.05, batch_size=1, **kwargs):
        thr_base = _deprecated("WTASCell.__init__", kwargs, {"thrBase": "thr_base"}).get("thr_base", thr_base)
        _only("WTASCell.__init__", kwargs)
        self._build(name, dict(
            n_units=n_units, tau_m=tau_m, resist_m=resist_m, thr_base=thr_base, thr_gain=thr_gain,
            refract_time=refract_time, thr_jitter=thr_jitter, batch_size=batch_size, key=kwargs.get("key")))
