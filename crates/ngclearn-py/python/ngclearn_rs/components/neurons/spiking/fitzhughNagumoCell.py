"""``FitzhughNagumoCell``: FitzHugh-Nagumo cells (ngclearn 3.1.1's signature and defaults)."""

from ...._component import Component, _only


class FitzhughNagumoCell(Component):
    """FitzHugh-Nagumo cells: ``tau_m dv/dt = v - v^3 / gamma - w + j * resist_m``,
    ``tau_w dw/dt = v + alpha - beta * w``; ``s = v > v_thr`` (every step above it unless
    ``spike_reset`` snaps ``v, w`` back to ``v0, w0``). Compartments: ``j``, ``v``, ``w``,
    ``s``, ``tols``, ``key``."""

    _class = "FitzhughNagumoCell"
    _keywords = {"advance_state": ("t", "dt"), "reset": ()}

    def __init__(self, name, n_units, tau_m=1., resist_m=1., tau_w=12.5, alpha=0.7, beta=0.8, gamma=3., v0=0.,
                 w0=0., v_thr=1.07, spike_reset=False, integration_type="euler", **kwargs):
        _only("FitzhughNagumoCell.__init__", kwargs)
        self._build(name, dict(
            n_units=n_units, tau_m=tau_m, resist_m=resist_m, tau_w=tau_w, alpha=alpha, beta=beta, gamma=gamma,
            v0=v0, w0=w0, v_thr=v_thr, spike_reset=spike_reset, integration_type=integration_type,
            key=kwargs.get("key")))
