"""MPSSynapse through the package: a run's method keyword (`evolve.run(eta=...)`) reaches
the component, a missing one is refused as ngclearn refuses it, and ngclearn's `weights`
property (the cores' product, XLA's dot) equals ngclearn's bit for bit on its fixture."""

import numpy as np
import pytest

from conftest import fixture, fresh
from ngclearn_rs import Context, MethodProcess, random
from ngclearn_rs.components.synapses.mpsSynapse import MPSSynapse


def test_mps_synapses_weights_and_steps_are_ngclearns_bit_for_bit():
    cases = fixture("mps_synapses.json")["cases"]
    for name, case in cases.items():
        kw = case["kwargs"]
        with Context(fresh("mps")):
            m = MPSSynapse("W", tuple(kw["shape"]), bond_dim=kw["bond_dim"], batch_size=kw["batch_size"],
                           key=random.PRNGKey(case["key_seed"]))
            adv = MethodProcess("adv") >> m.advance_state
            evo = MethodProcess("evo") >> m.evolve
        for t, eta in enumerate(case["etas"]):
            for k in ("inputs", "pre", "post"):
                getattr(m, k).set(np.asarray(case["given"][k][t], dtype=np.float32))
            adv.run()
            evo.run(eta=eta)
            for k in ("outputs", "core1", "core2"):
                got = np.asarray(getattr(m, k).get(), dtype=np.float32)
                want = np.asarray(case["trace"][k][t], dtype=np.float32)
                assert got.shape == want.shape and np.array_equal(got.view(np.int32), want.view(np.int32)), (name, k, t)
        w = np.asarray(m.weights.get(), dtype=np.float32)
        want = np.asarray(case["weights"], dtype=np.float32)
        assert np.array_equal(w.view(np.int32), want.view(np.int32)), name


def test_a_run_without_its_methods_keyword_is_refused_as_ngclearn_refuses_it():
    with Context(fresh("mps")):
        m = MPSSynapse("W", (3, 2), bond_dim=2)
        evo = MethodProcess("evo") >> m.evolve
    with pytest.raises(TypeError, match="eta"):
        evo.run()


def test_setting_the_weights_decomposes_them_into_the_cores():
    rng = np.random.default_rng(3)
    W = rng.normal(size=(6, 4)).astype(np.float32)
    with Context(fresh("mps")):
        m = MPSSynapse("W", (6, 4), bond_dim=4)
    m.weights = W  # rank 4: the product gives W back
    assert np.allclose(np.asarray(m.weights.get()), W, atol=1e-5)
    assert np.asarray(m.core1.get()).shape == (1, 6, 4) and np.asarray(m.core2.get()).shape == (4, 4, 1)
    with Context(fresh("mps")):
        big = MPSSynapse("W", (6, 4), bond_dim=5)
    with pytest.raises(ValueError, match="bond_dim"):
        big.weights = W  # 4 singular values: ngclearn's cores would shrink
