"""``BernoulliErrorCell`` (ngclearn 3.1.1's signature and defaults)."""

from ...._component import Component


class BernoulliErrorCell(Component):
    """The Bernoulli error of binary targets given ``p`` (probabilities, or logits with
    ``input_logits=True``): ``L`` is the log-likelihood, ``dp`` and ``dtarget`` its
    derivatives (times ``modulator`` and ``mask``). Compartments: ``L``, ``p``, ``dp``,
    ``target``, ``dtarget``, ``modulator``, ``mask``, ``key``. The 4-D ``shape`` form is
    not supported."""

    _class = "BernoulliErrorCell"
    _keywords = {"advance_state": ("dt",), "reset": ()}
    _scalars = ("L",)

    def __init__(self, name, n_units, batch_size=1, input_logits=False, shape=None, **kwargs):
        if shape is not None:
            raise ValueError(f"BernoulliErrorCell {name!r}: the 4-D `shape` form is not supported")
        self._build(name, dict(n_units=n_units, batch_size=batch_size, input_logits=input_logits,
                               key=kwargs.get("key")))
