"""``LIFCell``: leaky integrate-and-fire cells (ngclearn 3.1.1's signature and defaults)."""

from ...._component import Component


class LIFCell(Component):
    """Leaky integrate-and-fire cells: ``tau_m dv/dt = (v_rest - v) * conduct_leak + j * resist_m``,
    a spike where ``v > thr + thr_theta`` (then ``v = v_reset``, a refractory period of
    ``refract_time`` ms, ``thr_theta += theta_plus``). Compartments: ``j``, ``v``, ``s``,
    ``s_raw``, ``rfr``, ``thr_theta``, ``tols``, ``key``."""

    _class = "LIFCell"
    _keywords = {"advance_state": ("dt", "t"), "reset": ()}

    def __init__(self, name, n_units, tau_m, resist_m=1., thr=-52., v_rest=-65., v_reset=-60.,
                 conduct_leak=1., tau_theta=1e7, theta_plus=0.05, refract_time=5., one_spike=False,
                 integration_type="euler", surrogate_type="straight_through", v_min=None,
                 max_one_spike=False, key=None):
        self._build(name, dict(
            n_units=n_units, tau_m=tau_m, resist_m=resist_m, thr=thr, v_rest=v_rest,
            v_reset=v_reset, conduct_leak=conduct_leak, tau_theta=tau_theta,
            theta_plus=theta_plus, refract_time=refract_time, one_spike=one_spike,
            integration_type=integration_type, surrogate_type=surrogate_type, v_min=v_min,
            max_one_spike=max_one_spike, key=key))
