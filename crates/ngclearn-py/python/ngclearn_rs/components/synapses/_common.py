"""What the synapse classes share: the dense base's keyword arguments."""

import numpy as np


def dense_kwargs(cls, name, shape, weight_init, bias_init, resist_scale, p_conn, mask,
                 batch_size, key, extra):
    """The engine's arguments for the dense base; ``extra`` holds ngclearn's
    ``**kwargs`` (only ``key`` is accepted, as ngclearn's ``JaxComponent`` accepts it)."""
    unknown = sorted(set(extra) - {"key"})
    if unknown:
        raise TypeError(f"{cls}.__init__() got an unexpected keyword argument {unknown[0]!r}")
    if key is None:
        key = extra.get("key")
    shape = tuple(shape) if not isinstance(shape, (int, np.integer)) else shape
    if mask is not None:
        mask = np.asarray(mask, dtype=np.float32)
        if mask.ndim != 2:
            raise ValueError(f"{cls} {name!r}: `mask` must be 2-D, got shape {mask.shape}")
        if not np.isfinite(mask).all():
            raise ValueError(f"{cls} {name!r}: `mask` must be finite")
        mask = mask.tolist()
    return dict(shape=shape, weight_init=weight_init, bias_init=bias_init,
                resist_scale=resist_scale, p_conn=p_conn, mask=mask, batch_size=batch_size,
                key=key)
