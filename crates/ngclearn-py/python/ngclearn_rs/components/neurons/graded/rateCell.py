"""``RateCell`` (ngclearn 3.1.1's signature and defaults)."""

from ...._component import Component


class RateCell(Component):
    """The graded cell of predictive coding: ``tau_m dz/dt = -leak(z) * rate + (j * fx'(z)
    * resist_scale + j_td)`` under a prior (gaussian, laplacian, cauchy, exp), then an
    optional soft threshold, ``zF = fx(z) * output_scale``; stateless (``z = j + j_td``)
    when ``tau_m <= 0`` or ``is_stateful=False``. Compartments: ``j``, ``zF``, ``j_td``,
    ``z``, ``key``. As in ngclearn 3.1.1's code, "rk4" steps by Euler and "heun" by RK4,
    and "sine" runs at frequency 30 whatever ``omega_0`` says (see the engine's class
    doc). ``cauchy_threshold`` (which ngclearn cannot run) and the 4-D ``shape`` are
    refused."""

    _class = "RateCell"
    _keywords = {"advance_state": ("dt",), "reset": ()}

    def __init__(self, name, n_units, tau_m, prior=("gaussian", 0.), act_fx="identity", output_scale=1.,
                 threshold=("none", 0.), integration_type="euler", batch_size=1, resist_scale=1., shape=None,
                 is_stateful=True, **kwargs):
        if shape is not None:
            raise ValueError(f"RateCell {name!r}: the 4-D `shape` form is not supported")
        unknown = sorted(set(kwargs) - {"key", "omega_0"})
        if unknown:
            raise TypeError(f"RateCell.__init__() got an unexpected keyword argument {unknown[0]!r}")
        args = dict(n_units=n_units, tau_m=tau_m, prior=tuple(prior), act_fx=act_fx, output_scale=output_scale,
                    threshold=tuple(threshold), integration_type=integration_type, batch_size=batch_size,
                    resist_scale=resist_scale, is_stateful=is_stateful, key=kwargs.get("key"))
        if "omega_0" in kwargs:
            args["omega_0"] = kwargs["omega_0"]
        self._build(name, args)
