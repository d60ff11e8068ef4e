"""``IzhikevichCell``: Izhikevich spiking cells (ngclearn 3.1.1's signature and defaults)."""

from ...._component import Component, _only


class IzhikevichCell(Component):
    """Izhikevich cells: ``tau_m dv/dt = 0.04 v^2 + 5 v + 140 - w + j * resist_m``,
    ``tau_w dw/dt = coupling_factor * v - w``; as in ngclearn's code, a spike is read from
    the voltage *before* the step (``v > v_thr``), then ``v = v_reset``, ``w += w_reset``.
    Compartments: ``j``, ``v``, ``w``, ``s``, ``tols``, ``key``."""

    _class = "IzhikevichCell"
    _keywords = {"advance_state": ("t", "dt"), "reset": ()}

    def __init__(self, name, n_units, tau_m=1., resist_m=1., v_thr=30., v_reset=-65., tau_w=50., w_reset=8.,
                 coupling_factor=0.2, v0=-65., w0=-14., integration_type="euler", **kwargs):
        _only("IzhikevichCell.__init__", kwargs)
        if tau_w == 0:
            raise ZeroDivisionError(f"IzhikevichCell {name!r}: tau_w = 0 (ngclearn computes 1 / tau_w)")
        self._build(name, dict(
            n_units=n_units, tau_m=tau_m, resist_m=resist_m, v_thr=v_thr, v_reset=v_reset, tau_w=tau_w,
            w_reset=w_reset, coupling_factor=coupling_factor, v0=v0, w0=w0, integration_type=integration_type,
            key=kwargs.get("key")))
