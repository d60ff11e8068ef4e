"""``IFCell``: integrate-and-fire cells (ngclearn 3.1.1's signature and defaults)."""

from ...._component import Component, _deprecated, _only


class IFCell(Component):
    """Integrate-and-fire cells (no leak): ``tau_m dv/dt = j * resist_m`` (gated off during
    the refractory period), a spike where ``v > thr`` (then ``v = v_reset``), ``v`` clamped
    below at ``v_rest``. As in ngclearn's code, ``lower_clamp_voltage=False`` keeps the
    voltage before the reset. ``thr_jitter`` (deprecated) is dropped. Compartments: ``j``,
    ``v``, ``s``, ``rfr``, ``tols``, ``key``."""

    _class = "IFCell"
    _keywords = {"advance_state": ("dt", "t"), "reset": ()}

    def __init__(self, name, n_units, tau_m, resist_m=1., thr=-52., v_rest=-65., v_reset=-60., refract_time=0.,
                 integration_type="euler", surrogate_type="straight_through", lower_clamp_voltage=True, **kwargs):
        _deprecated("IFCell.__init__", kwargs, {"thr_jitter": None})
        _only("IFCell.__init__", kwargs)
        if not resist_m > 0.:
            raise AssertionError(f"IFCell {name!r}: resist_m must be > 0")
        self._build(name, dict(
            n_units=n_units, tau_m=tau_m, resist_m=resist_m, thr=thr, v_rest=v_rest, v_reset=v_reset,
            refract_time=refract_time, integration_type=integration_type, surrogate_type=surrogate_type,
            lower_clamp_voltage=lower_clamp_voltage, key=kwargs.get("key")))
