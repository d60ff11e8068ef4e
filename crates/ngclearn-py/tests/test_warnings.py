"""The engine's warnings reach Python as UserWarnings at the user's line, through
Python's filters: said once a line by default, raised where warnings are errors."""

import warnings

import pytest

from conftest import fresh
from ngclearn_rs import Context, random
from ngclearn_rs.components import AlphaSynapse
from ngclearn_rs.utils.distribution_generator import DistributionGenerator as DG


def synapse(name, **kw):
    return AlphaSynapse(name, shape=(2, 3), tau_decay=2., g_syn_bar=1., syn_rest=0., key=random.PRNGKey(3), **kw)


def test_an_overridden_weight_init_is_said_once_a_line_at_the_users_line():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        with Context(fresh("nonplastic")):
            for i in range(3):
                synapse(f"W{i}", weight_init=DG.uniform(0.1, 0.2))
            synapse("kept", weight_init=DG.uniform(0.1, 0.2), is_nonplastic=False)
            synapse("ones", weight_init=DG.constant(1.))
    said = [w for w in caught if "is_nonplastic" in str(w.message)]
    assert len(said) == 1, [str(w.message) for w in caught]
    assert said[0].category is UserWarning and said[0].filename == __file__
    assert str(said[0].message).startswith("AlphaSynapse: weight_init has no effect")


def test_where_warnings_are_errors_the_engines_are_raised():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with Context(fresh("nonplastic_error")):
            with pytest.raises(UserWarning, match="is_nonplastic"):
                synapse("W", p_conn=0.5)
