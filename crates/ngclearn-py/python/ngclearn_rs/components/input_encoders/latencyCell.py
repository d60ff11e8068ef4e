"""``LatencyCell``: latency spike encoder (ngclearn 3.1.1's signature and defaults)."""

from ..._component import Component


class LatencyCell(Component):
    """A latency code: ``calc_spike_times`` gives each input its spike time (logarithmic,
    ``tau * ln(x / (x - threshold)) + first_spike_time``, or linear with ``linearize``);
    ``advance_state`` fires each unit once, at the first ``t >= round(time)``. As in
    ngclearn 3.1.1's code, the log code adds ``num_steps`` (not 1e-7) to ``threshold`` and
    ignores ``normalize``. Other keyword arguments are ignored, as ngclearn's are.
    Compartments: ``inputs``, ``outputs``, ``mask``, ``clip_mask``, ``tols``,
    ``targ_sp_times``, ``key``."""

    _class = "LatencyCell"
    _keywords = {"advance_state": ("t",), "calc_spike_times": (), "reset": ()}

    def __init__(self, name, n_units, tau=1., threshold=0.01, first_spike_time=0., linearize=False,
                 normalize=False, clip_spikes=False, num_steps=1., batch_size=1, key=None, **kwargs):
        self._build(name, dict(
            n_units=n_units, tau=tau, threshold=threshold, first_spike_time=first_spike_time, linearize=linearize,
            normalize=normalize, clip_spikes=clip_spikes, num_steps=num_steps, batch_size=batch_size, key=key))
