"""``AdExCell``: adaptive exponential integrate-and-fire cells (ngclearn 3.1.1's signature
and defaults)."""

from ...._component import Component, _deprecated, _only


class AdExCell(Component):
    """Adaptive exponential integrate-and-fire cells: ``tau_m dv/dt = -(v - v_rest) +
    v_sharpness * exp((v - intrinsic_mem_thr) / v_sharpness) - resist_m * w + resist_m * j``,
    ``tau_w dw/dt = -w + (v - v_rest) * a``; a spike where ``v > thr`` (then ``v = v_reset``,
    ``w += b``). ``v_thr`` (deprecated) is read as ``thr``. Compartments: ``j``, ``v``,
    ``w``, ``s``, ``tols``, ``key``."""

    _class = "AdExCell"
    _keywords = {"advance_state": ("t", "dt"), "reset": ()}

    def __init__(self, name, n_units, tau_m=15., resist_m=1., tau_w=400., v_sharpness=2., intrinsic_mem_thr=-55.,
                 thr=5., v_rest=-72., v_reset=-75., a=0.1, b=0.75, v0=-70., w0=0., integration_type="euler",
                 batch_size=1, **kwargs):
        thr = _deprecated("AdExCell.__init__", kwargs, {"v_thr": "thr"}).get("thr", thr)
        _only("AdExCell.__init__", kwargs)
        self._build(name, dict(
            n_units=n_units, tau_m=tau_m, resist_m=resist_m, tau_w=tau_w, v_sharpness=v_sharpness,
            intrinsic_mem_thr=intrinsic_mem_thr, thr=thr, v_rest=v_rest, v_reset=v_reset, a=a, b=b, v0=v0,
            w0=w0, integration_type=integration_type, batch_size=batch_size, key=kwargs.get("key")))
