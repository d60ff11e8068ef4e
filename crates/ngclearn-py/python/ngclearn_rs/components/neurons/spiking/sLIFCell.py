"""``SLIFCell``: simplified leaky integrate-and-fire cells (ngclearn 3.1.1's signature and
defaults)."""

from ...._component import Component, _only


class SLIFCell(Component):
    """Simplified LIF cells (Samadi et al., 2017): ``tau_m dv/dt = -v + jm`` with ``jm = j *
    resist_m - (s @ W) * resist_inh`` (lateral inhibition by the last output), a spike
    where ``v > thr`` (then ``v = 0``), thresholds adapted by ``thr_gain``/``thr_leak`` or,
    with ``rho_b > 0``, toward one spike per row; sticky spikes during the refractory
    period; ``surrogate = sech(0.08 jm)`` for ``jm > 0``. As in ngclearn's code, ``j``
    keeps the modified current after a step. Compartments: ``j``, ``s``, ``tols``, ``v``,
    ``thr``, ``rfr``, ``surrogate``, ``key``."""

    _class = "SLIFCell"
    _keywords = {"advance_state": ("t", "dt"), "reset": ()}
    _ngclearn_fixed = {"v_min": -3.0}  # ngclearn's SLIFCell keeps this constant floor

    def __init__(self, name, n_units, tau_m, resist_m, thr, resist_inh=0., thr_persist=False, thr_gain=0.0,
                 thr_leak=0.0, rho_b=0., refract_time=0., sticky_spikes=False, thr_jitter=0.05, batch_size=1,
                 **kwargs):
        _only("SLIFCell.__init__", kwargs)
        self._build(name, dict(
            n_units=n_units, tau_m=tau_m, resist_m=resist_m, thr=thr, resist_inh=resist_inh,
            thr_persist=thr_persist, thr_gain=thr_gain, thr_leak=thr_leak, rho_b=rho_b,
            refract_time=refract_time, sticky_spikes=sticky_spikes, thr_jitter=thr_jitter,
            batch_size=batch_size, key=kwargs.get("key")))
