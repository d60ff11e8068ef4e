"""What the package defines in Python for classes of ngclearn 3.1.1 beyond their
compartments: REINFORCESynapse's ``_gaussian_logpdf`` and broadcast leading axes, and
ART2ASynapse's ``insert`` and ``grow``."""

import numpy as np
import pytest

from conftest import fresh
from ngclearn_rs import Context
from ngclearn_rs.components.synapses.competitive import ART2ASynapse
from ngclearn_rs.components.synapses.modulated.REINFORCESynapse import REINFORCESynapse, _gaussian_logpdf


def test_gaussian_logpdf_is_float32_on_numpy_values_as_ngclearns_on_jax_arrays():
    got = _gaussian_logpdf(np.array([0.5, -1.0]), np.array([0.0, 0.0]), 2.0)
    assert got.dtype == np.float32
    var = np.float32(4.0)
    want = np.float32(-0.5) * (np.log(np.float32(2 * np.pi) * var) + np.array([0.25, 1.0], np.float32) / var)
    assert np.allclose(got, want, rtol=1e-6)
    assert REINFORCESynapse._gaussian_logpdf is not None


def test_gaussian_logpdf_differentiates_under_jax():
    jax = pytest.importorskip("jax")
    g = jax.grad(lambda m: _gaussian_logpdf(jax.numpy.float32(1.0), m, 1.0))(jax.numpy.float32(0.0))
    assert float(g) == pytest.approx(1.0)  # d/dm of -(x - m)^2 / 2 at x = 1, m = 0


def test_weights_set_with_a_leading_unit_axis_show_it_and_a_refused_set_changes_nothing():
    with Context(fresh("lead")):
        a = REINFORCESynapse("a", (1, 1), key=np.array([0, 1], np.uint32))
    a.weights.set(np.array([[[0.1, 0.2]]], np.float32))
    assert a.weights.get().shape == (1, 1, 2) and a.dWeights.get().shape == (1, 1, 2)
    with pytest.raises(ValueError):
        a.weights.set(np.zeros((1, 1, 3), np.float32))
    assert a.weights.get().shape == (1, 1, 2)
    a.weights.set(np.array([[0.1, 0.2]], np.float32))
    assert a.weights.get().shape == (1, 2) and a.dWeights.get().shape == (1, 2)


def test_art2a_insert_fills_a_slot_only_for_an_integer_index_and_grow_is_refused():
    with Context(fresh("art")):
        c = ART2ASynapse("W", (2, 3), key=np.array([0, 2], np.uint32))
    c.insert(np.array([[1.0, 2.0]], np.float32), 2.5)  # no slot, as jax's one_hot
    c.insert(np.array([[1.0, 2.0]], np.float32), 7)  # outside: no slot
    assert not np.asarray(c.used.get()).any()
    c.insert(np.array([[1.0, 2.0]], np.float32), 1)
    assert np.array_equal(np.asarray(c.used.get()), [[0.0, 1.0, 0.0]])
    assert np.array_equal(np.asarray(c.weights.get())[:, 1], [1.0, 2.0])
    with pytest.raises(ValueError):
        c.insert(np.array([[1.0, 2.0, 3.0]], np.float32), 0)
    with pytest.raises(NotImplementedError):
        c.grow(2)
