"""``LaplacianErrorCell`` (ngclearn 3.1.1's signature and defaults)."""

from ...._component import Component


class LaplacianErrorCell(Component):
    """The Laplacian prediction error: ``dshift = sign(target - shift) / Scale`` (times
    ``modulator`` and ``mask``), ``dtarget = -dshift``, ``L = -sum(|sign(target - shift)|) /
    Scale``. Compartments: ``L``, ``shift``, ``Scale``, ``dshift``, ``dScale``, ``target``,
    ``dtarget``, ``modulator``, ``mask``, ``key``. The 4-D ``shape`` form is not supported."""

    _class = "LaplacianErrorCell"
    _keywords = {"advance_state": ("dt",), "reset": ()}
    _scalars = ("L",)

    def __init__(self, name, n_units, batch_size=1, scale=1., shape=None, **kwargs):
        if shape is not None:
            raise ValueError(f"LaplacianErrorCell {name!r}: the 4-D `shape` form is not supported")
        self._build(name, dict(n_units=n_units, batch_size=batch_size, scale=scale, key=kwargs.get("key")))
