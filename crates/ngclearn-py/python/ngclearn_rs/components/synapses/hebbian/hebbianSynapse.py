"""``HebbianSynapse``: a dense synapse learning by a two-factor Hebbian rule through an
optimiser (ngclearn 3.1.1's signature and defaults)."""

from ...._component import Component
from .._common import dense_kwargs


class HebbianSynapse(Component):
    """A dense synapse whose ``evolve`` computes ``dW = ((pre * pre_wght)^T (post *
    post_wght)) * (w_bound - |W|)`` (the factor only if ``w_bound > 0``) plus the prior's
    term, ``db = sum(post * post_wght)``, both times ``sign_value``, and steps
    ``optim_type`` (``"sgd"``, ``"adam"`` or ``"nag"``) on the weights (and on the biases
    when ``bias_init`` is given); then clips to ``[0 or -w_bound, w_bound]`` and applies
    ``mask``. ``calc_update`` computes ``dWeights`` and ``dBiases`` only. The optimiser
    state is saved as ``custom/NAME_opt_params.pkl``, as ngclearn saves it.
    Compartments: the dense base's, ``pre``, ``post``, ``dWeights``, ``dBiases``."""

    _class = "HebbianSynapse"
    _keywords = {"advance_state": (), "calc_update": (), "evolve": ("dt",), "reset": ()}

    def __init__(self, name, shape, eta=0., weight_init=None, bias_init=None, w_bound=1., is_nonnegative=False,
                 prior=("constant", 0.), w_decay=0., sign_value=1., optim_type="sgd", pre_wght=1., post_wght=1.,
                 p_conn=1., resist_scale=1., batch_size=1, **kwargs):
        extra = {k: v for k, v in kwargs.items() if k != "mask"}
        base = dense_kwargs("HebbianSynapse", name, shape, weight_init, bias_init, resist_scale, p_conn,
                            kwargs.get("mask"), batch_size, None, extra)
        if not isinstance(prior, (tuple, list)) or len(prior) != 2:
            raise ValueError(f"HebbianSynapse {name!r}: `prior` must be (name, lambda), got {prior!r}")
        lmbda = prior[1]
        lmbda = list(lmbda) if isinstance(lmbda, (tuple, list)) else lmbda
        self._build(name, dict(
            base, eta=eta, w_bound=w_bound, is_nonnegative=is_nonnegative, prior=[prior[0], lmbda],
            w_decay=w_decay, sign_value=sign_value, optim_type=optim_type, pre_wght=pre_wght,
            post_wght=post_wght))
