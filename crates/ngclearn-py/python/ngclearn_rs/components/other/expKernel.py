"""``ExpKernel``: an exponential kernel over recent spike times (ngclearn 3.1.1's signature
and defaults)."""

from ..._component import Component, _only


class ExpKernel(Component):
    """The EPSP of a window of spike times: ``tf`` keeps the last ``int(nu / dt)`` values of
    ``inputs * t`` and ``epsp = sum((tf > 0) * exp(-(t - tf) / tau_w))``. ``tf`` is
    ngclearn's ``(win_len, batch_size, n_units)`` stacked as ``(win_len * batch_size,
    n_units)``. Compartments: ``inputs``, ``epsp``, ``tf``, ``key``."""

    _class = "ExpKernel"
    _keywords = {"advance_state": ("t",), "reset": ()}

    def __init__(self, name, n_units, dt, tau_w=500., nu=4., batch_size=1, **kwargs):
        _only("ExpKernel.__init__", kwargs)
        if dt == 0:
            raise ZeroDivisionError(f"ExpKernel {name!r}: dt = 0 (ngclearn computes int(nu / dt) + 1)")
        self._build(name, dict(n_units=n_units, dt=dt, tau_w=tau_w, nu=nu, batch_size=batch_size,
                               key=kwargs.get("key")))
