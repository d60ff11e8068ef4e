"""``RewardErrorCell`` (ngclearn 3.1.1's signature and defaults)."""

from ...._component import Component


class RewardErrorCell(Component):
    """A reward-prediction error: ``advance_state`` accumulates ``reward``, sets ``rpe =
    reward - mu`` and moves ``mu`` toward the reward by ``alpha``; ``evolve`` moves ``mu``
    toward the episode's mean reward over ``ema_window_len`` (both only with
    ``use_online_predictor``). Compartments: ``mu``, ``reward``, ``rpe``,
    ``accum_reward``, ``n_ep_steps``, ``key``."""

    _class = "RewardErrorCell"
    _keywords = {"advance_state": ("dt",), "evolve": ("dt",), "reset": ()}

    def __init__(self, name, n_units, alpha, ema_window_len=10, use_online_predictor=True, batch_size=1, **kwargs):
        unknown = sorted(set(kwargs) - {"key"})
        if unknown:
            raise TypeError(f"RewardErrorCell.__init__() got an unexpected keyword argument {unknown[0]!r}")
        self._build(name, dict(n_units=n_units, alpha=alpha, ema_window_len=ema_window_len,
                               use_online_predictor=use_online_predictor, batch_size=batch_size,
                               key=kwargs.get("key")))
