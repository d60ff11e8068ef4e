"""Components keep their constructor arguments as attributes, as ngclearn's do
(``cell.n_units``, ``cell.tau_m``, ``syn.shape``, ``syn.batch_size``), under ngclearn's
names too (``cell.refract_T``), read-only."""

import inspect

import numpy as np
import pytest

from conftest import ngclearn_class, fresh, ngclearn_or_skip, params
from ngclearn_rs import Context, DistributionGenerator, components
from ngclearn_rs._component import NGCLEARN_ATTRIBUTE_NAMES, FixedParameterError

CLASSES = sorted(components.__all__)

#: Values for the required arguments of every class (ngclearn's and ours).
REQUIRED = {
    "n_units": 3, "tau_m": 10.0, "shape": (2, 3), "dt": 0.1, "tau_w": 5.0, "tau_decay": 2.0, "tau_v": 2.0,
    "g_syn_bar": 2.4, "syn_rest": 0.0, "tau_rise": 1.0, "A_plus": 0.1, "A_minus": 0.05, "tau_plus": 10.0,
    "tau_minus": 10.0, "eta": 0.1, "tau_d": 5.0, "tau_f": 5.0, "tau_theta": 5.0, "tau_x": 5.0,
    "exp_beta": 1.0, "resist_m": 2.0, "a_delta": 0.5, "lmbda": 0.01, "theta0": 0.0, "alpha": 0.1, "thr": 0.4,
    "tau_tr": 5.0, "n_inputs": 4, "n_units_x": 3, "n_units_y": 3, "x_shape": (6, 6),
    "filter_type": "gaussian", "area_shape": (4, 4), "n_cells": 4, "patch_shape": (2, 2), "step_shape": (2, 2),
}

#: ngclearn's attributes that are not constructor arguments under any name but values
#: its code derives from them (an integration flag, a prior's parts, a window length).
DERIVED = {
    "intgFlag", "width", "height", "sigma_shape", "scale_shape", "win_len", "w_eps", "priorType",
    "priorLeakRate", "thresholdType", "thr_lmbda", "prior_type", "prior_lmbda", "context_path",
    "_inferred_name", "name", "_args", "_kwargs", "sub_shape", "c0", "c1_pre", "c1_post", "c2_corr",
    "pad_args", "in_shape", "out_shape", "delta_shape", "x_delta_shape", "antiPad",
}




#: Classes whose rule runs on square shapes only.
SQUARE = {"GerstnerHebbianSynapse"}


def required(cls):
    given = {p.name: REQUIRED[p.name] for p in params(cls)
             if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "name"}
    if cls.__name__ in SQUARE:
        given["shape"] = (3, 3)
    if "x_shape" in given:  # a convolution: its filter shape, and a padding it can run
        given["shape"] = (3, 3, 2, 4)
        given["padding"] = "SAME"
    return given


@pytest.mark.parametrize("name", CLASSES)
def test_every_constructor_argument_is_an_attribute_with_its_default(name):
    cls = getattr(components, name)
    with Context(fresh()):
        comp = cls("c", **required(cls))
    given = required(cls)
    for p in params(cls):
        if p.name == "name" or p.kind is p.VAR_KEYWORD:
            continue
        assert hasattr(comp, p.name), (name, p.name)
        value = getattr(comp, p.name)
        if isinstance(value, np.ndarray):
            continue  # a compartment of the same name (a synapse's `mask`)
        expected = given.get(p.name, p.default)
        if expected is None and value is not None:
            continue  # the engine's default for None (an initialiser), checked below
        if hasattr(value, "get") and not isinstance(value, dict):
            continue  # a compartment of the same name
        assert value == expected or (value == tuple(expected) if isinstance(expected, list) else False), (
            name, p.name, value, expected)
        assert comp.parameters()[p.name] == value or p.name in dict(comp.compartments)


def test_a_component_answers_to_ngclearns_attribute_names():
    with Context(fresh()):
        z = components.LIFCell("z", 4, 20.0, refract_time=2.0, conduct_leak=0.5)
        W = components.TraceSTDPSynapse("W", (4, 2), A_plus=0.3, A_minus=0.1, resist_scale=3.0)
    assert (z.n_units, z.tau_m, z.batch_size) == (4, 20.0, 1)
    assert (z.refract_T, z.g_L, z.integrationType) == (2.0, 0.5, "euler")
    assert (W.shape, W.batch_size, W.Aplus, W.Aminus, W.Rscale) == ((4, 2), 1, 0.3, 0.1, 3.0)
    # ngclearn keeps the initialiser it draws with when none is given.
    assert W.weight_init == DistributionGenerator.uniform(0.025, 0.8)
    # A script's use: the next layer's shape from the cells' sizes.
    with Context(fresh()):
        a = components.LIFCell("a", 5, 10.0)
        b = components.LIFCell("b", 7, 10.0)
        S = components.DenseSynapse("S", shape=(a.n_units, b.n_units))
    assert S.weights.get().shape == (5, 7)
    assert {"refract_T", "g_L", "tau_m"} <= set(dir(z))


def test_deprecated_names_give_the_resolved_value():
    with Context(fresh()):
        with pytest.warns(UserWarning):
            c = components.WTASCell("c", 4, 10.0, thrBase=0.3)
    assert c.thr_base == 0.3
    assert not hasattr(c, "thrBase")


def test_parameters_are_read_only_with_a_message_saying_what_to_do():
    with Context(fresh()):
        z = components.LIFCell("z", 3, 10.0)
    with pytest.raises(FixedParameterError, match=r"`tau_m` is fixed at construction.*LIFCell\(\.\.\., tau_m=\.\.\.\)"):
        z.tau_m = 20.0
    with pytest.raises(AttributeError, match=r"`refract_T` \(ngclearn's name for `refract_time`\) is fixed"):
        z.refract_T = 1.0
    with pytest.raises(AttributeError, match="fixed at construction"):
        z.name = "other"
    assert z.tau_m == 10.0 and z.name == "z"
    z.my_note = "free"  # anything else is the user's
    assert z.my_note == "free"


def test_loaded_components_have_their_saved_arguments(tmp_path):
    name = fresh("saved")
    with Context(name) as ctx:
        components.LIFCell("z", 3, 12.0, refract_time=2.0)
        components.DenseSynapse("W", (3, 2), resist_scale=2.0)
    ctx.save_to_json(str(tmp_path))
    from ngclearn_rs import _context

    del _context._contexts[name]
    loaded = Context.load(str(tmp_path), name)
    z, W = loaded.get_components("z", "W")
    assert (z.n_units, z.tau_m, z.refract_T, z.v_rest) == (3, 12.0, 2.0, -65.0)
    assert (W.shape, W.resist_scale, W.batch_size) == ((3, 2), 2.0, 1)


def _simple(v):
    return v is None or isinstance(v, (bool, int, float, str, tuple))


@pytest.mark.parametrize("name", CLASSES)
def test_ngclearns_attributes_are_here_with_the_same_values(name):
    ngclearn_or_skip()
    from ngclearn import Context as NgcContext

    cls, theirs_cls = getattr(components, name), ngclearn_class(name)
    args = required(cls)
    with NgcContext(fresh("ngc")):
        theirs = theirs_cls("c", **args)
    with Context(fresh()):
        mine = cls("c", **args)
    missing, differ = [], []
    for attr, value in vars(theirs).items():
        if attr in DERIVED or not _simple(value) or type(value).__name__ == "Compartment":
            continue
        if not hasattr(mine, attr):
            missing.append(attr)
        elif getattr(mine, attr) != value and not (
            isinstance(value, tuple) and tuple(getattr(mine, attr)) == value
        ):
            differ.append((attr, getattr(mine, attr), value))
    assert not missing, f"{name} lacks ngclearn's attributes {missing}"
    assert not differ, f"{name}: (attribute, here, ngclearn) {differ}"


def test_the_attribute_name_table_names_real_arguments():
    names = {p.name for n in CLASSES for p in params(getattr(components, n))}
    assert set(NGCLEARN_ATTRIBUTE_NAMES) <= names
