"""``VarTrace``: a low-pass filter of its input (ngclearn 3.1.1's signature and defaults)."""

from ..._component import Component


class VarTrace(Component):
    """A trace of its input: each step ``z = (gamma_tr * trace) * decay`` (``decay``
    ``exp(-dt/tau_tr)``, ``1 - dt/tau_tr`` or 0 for ``decay_type`` exp, lin or step),
    then ``z += inputs * a_delta`` (``a_delta > 0``), or a pulse sets it to ``P_scale``;
    ``n_nearest_spikes = k > 0`` makes increments ``inputs * (a_delta - trace / k)``.
    Compartments: ``inputs``, ``outputs``, ``trace``, ``key``."""

    _class = "VarTrace"
    _keywords = {"advance_state": ("dt",), "reset": ()}

    def __init__(self, name, n_units, tau_tr, a_delta, P_scale=1., gamma_tr=1, decay_type="exp",
                 n_nearest_spikes=0, batch_size=1, key=None):
        self._build(name, dict(n_units=n_units, tau_tr=tau_tr, a_delta=a_delta, P_scale=P_scale,
                               gamma_tr=gamma_tr, decay_type=decay_type,
                               n_nearest_spikes=n_nearest_spikes, batch_size=batch_size, key=key))
