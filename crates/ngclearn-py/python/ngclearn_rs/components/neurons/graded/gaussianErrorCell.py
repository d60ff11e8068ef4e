"""``GaussianErrorCell`` (ngclearn 3.1.1's signature and defaults)."""

from ...._component import Component


class GaussianErrorCell(Component):
    """The Gaussian prediction error: ``dmu = (target - mu) / Sigma`` (times ``modulator``
    and ``mask``), ``dtarget = -dmu``, ``L = -sum((target - mu)^2) * 0.5 / Sigma``.
    Compartments: ``L``, ``mu``, ``dmu``, ``Sigma``, ``dSigma``, ``target``, ``dtarget``,
    ``modulator``, ``mask``, ``key``. The 4-D ``shape`` form is not supported."""

    _class = "GaussianErrorCell"
    _keywords = {"advance_state": ("dt",), "reset": ()}
    _scalars = ("L",)

    def __init__(self, name, n_units, batch_size=1, sigma=1., shape=None, **kwargs):
        if shape is not None:
            raise ValueError(f"GaussianErrorCell {name!r}: the 4-D `shape` form is not supported")
        self._build(name, dict(n_units=n_units, batch_size=batch_size, sigma=sigma, key=kwargs.get("key")))
