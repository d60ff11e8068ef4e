"""``QuadLIFCell``: quadratic leaky integrate-and-fire cells (ngclearn 3.1.1's signature
and defaults)."""

from ...._component import Component, _deprecated, _only


class QuadLIFCell(Component):
    """Quadratic LIF cells: ``tau_m dv/dt = (v_rest - v)(v - v_scale) * critical_v + j *
    resist_m`` (as ngclearn's code writes it: ``v_scale`` is the stable point), a spike
    where ``v > thr + thr_theta`` (then ``v = v_reset``, ``thr_theta += theta_plus``),
    ``one_spike``/``max_one_spike`` as LIFCell's. ``critical_V`` (deprecated) is read as
    ``critical_v``; ``thr_jitter`` (deprecated) is dropped. Compartments: ``j``, ``v``,
    ``s``, ``s_raw``, ``rfr``, ``thr_theta``, ``tols``, ``key``."""

    _class = "QuadLIFCell"
    _keywords = {"advance_state": ("dt", "t"), "reset": ()}
    _ngclearn_fixed = {"conduct_leak": 1.0}  # ngclearn's QuadLIFCell hands LIFCell g_L = 1

    def __init__(self, name, n_units, tau_m, resist_m=1., thr=-52., v_rest=-65., v_reset=-60., v_scale=-41.6,
                 critical_v=1., tau_theta=1e7, theta_plus=0.05, refract_time=5., one_spike=False,
                 integration_type="euler", surrogate_type="straight_through", v_min=None, **kwargs):
        critical_v = _deprecated("QuadLIFCell.__init__", kwargs,
                                 {"thr_jitter": None, "critical_V": "critical_v"}).get("critical_v", critical_v)
        _only("QuadLIFCell.__init__", kwargs, ("key", "max_one_spike"))
        if not resist_m > 0.:
            raise AssertionError(f"QuadLIFCell {name!r}: resist_m must be > 0")
        self._build(name, dict(
            n_units=n_units, tau_m=tau_m, resist_m=resist_m, thr=thr, v_rest=v_rest, v_reset=v_reset,
            v_scale=v_scale, critical_v=critical_v, tau_theta=tau_theta, theta_plus=theta_plus,
            refract_time=refract_time, one_spike=one_spike, integration_type=integration_type,
            surrogate_type=surrogate_type, v_min=v_min, max_one_spike=kwargs.get("max_one_spike", False),
            key=kwargs.get("key")))
