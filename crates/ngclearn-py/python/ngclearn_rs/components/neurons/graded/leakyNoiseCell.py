"""``LeakyNoiseCell`` (ngclearn 3.1.1's signature and defaults)."""

from ...._component import Component, _deprecated, _only


class LeakyNoiseCell(Component):
    """A graded cell with a noisy leaky state: ``tau_x dx/dt = -x * leak_scale + j_recurrent
    + j_input + sqrt(2 tau_x sigma_pre^2) * eps``, ``r = fx(x) + eps * sigma_post``,
    ``r_prime = fx'(x)``. As in ngclearn 3.1.1's code, both noises are the same draw,
    "heun" runs RK4, and ``reset`` changes nothing. ``sigma_rec`` (deprecated) is read as
    ``sigma_pre``. softmax and the 4-D ``shape`` form are not supported. Compartments:
    ``j_input``, ``j_recurrent``, ``x``, ``r``, ``r_prime``, ``key``."""

    _class = "LeakyNoiseCell"
    _keywords = {"advance_state": ("t", "dt"), "reset": ()}

    def __init__(self, name, n_units, tau_x, act_fx="relu", integration_type="euler", batch_size=1, sigma_pre=0.1,
                 sigma_post=0.1, leak_scale=1., shape=None, **kwargs):
        sigma_pre = _deprecated("LeakyNoiseCell.__init__", kwargs,
                                {"sigma_rec": "sigma_pre"}).get("sigma_pre", sigma_pre)
        _only("LeakyNoiseCell.__init__", kwargs)
        if shape is not None:
            raise ValueError(f"LeakyNoiseCell {name!r}: the 4-D `shape` form is not supported")
        self._build(name, dict(
            n_units=n_units, tau_x=tau_x, act_fx=act_fx, integration_type=integration_type, batch_size=batch_size,
            sigma_pre=sigma_pre, sigma_post=sigma_post, leak_scale=leak_scale, key=kwargs.get("key")))
