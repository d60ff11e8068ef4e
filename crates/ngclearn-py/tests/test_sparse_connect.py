"""Sparse synapses and connection rules through the package: the ``connect`` and
``storage`` keywords (extensions of ngclearn's), the same spikes from sparse and dense
storage, and bad rules as Python exceptions."""

import numpy as np
import pytest

from ngclearn_rs import Concatenation, Context, MethodProcess
from ngclearn_rs.components import ExponentialSynapse, LIFCell, PoissonCell, StaticSynapse
from ngclearn_rs.utils.distribution_generator import DistributionGenerator


def _network(storage, name):
    """100 Poisson cells -> ExponentialSynapse (p_conn 0.05) -> 30 LIF cells."""
    with Context(name) as ctx:
        pre = PoissonCell("pre", n_units=100, target_freq=200., key=np.array([0, 5], np.uint32))
        W = ExponentialSynapse("W", shape=(100, 30), tau_decay=3., g_syn_bar=2., syn_rest=0., p_conn=0.05,
                               weight_init=DistributionGenerator.uniform(0.5, 1.0), is_nonplastic=False,
                               key=np.array([0, 6], np.uint32), storage=storage)
        post = LIFCell("post", n_units=30, tau_m=10., thr=-55., v_rest=-65., v_reset=-65., tau_theta=0.,
                       theta_plus=0., refract_time=2., key=np.array([0, 7], np.uint32))
        pre.outputs >> W.inputs
        post.v >> W.v
        W.outputs >> post.j
        adv = MethodProcess("adv") >> pre.advance_state >> W.advance_state >> post.advance_state
        adv.watch(post.s, W.g_syn)
        rst = MethodProcess("rst") >> pre.reset >> W.reset >> post.reset
    rst.run()
    pre.inputs.set(np.ones((1, 100), np.float32))
    post.v.set(np.full((1, 30), -65., np.float32))
    return adv, W


def test_sparse_and_dense_storage_give_the_same_conductances_and_spikes():
    out = {}
    for storage in ("sparse", "dense"):
        adv, W = _network(storage, f"net_{storage}")
        final, (s, g) = adv.scan(adv.pack_rows(500, t=lambda i: (i + 1) * 0.1, dt=0.1))
        out[storage] = (np.asarray(s), np.asarray(g), W.weights.get())
    (s1, g1, w1), (s2, g2, w2) = out["sparse"], out["dense"]
    assert s1.sum() > 0
    np.testing.assert_array_equal(s1, s2)
    assert g1.view(np.uint32).tolist() == g2.view(np.uint32).tolist()
    np.testing.assert_array_equal(w1, w2)


def test_connection_rules_give_their_degrees():
    with Context("rules"):
        A = StaticSynapse("A", shape=(60, 40), connect={"rule": "fixed_indegree", "indegree": 7, "multapses": False})
        B = StaticSynapse("B", shape=(60, 40), connect={
            "rule": "fixed_outdegree", "outdegree": 5, "multapses": False,
            "weight": {"dist": "normal", "mean": 2.0, "std": 0.1, "low": 0.0}})
        C = StaticSynapse("C", shape=(4, 4), connect={
            "rule": "explicit", "pre": np.array([0, 3]), "post": np.array([1, 1]), "weights": np.array([0.5, 2.0])})
    assert ((A.weights.get() != 0).sum(axis=0) == 7).all()
    wb = B.weights.get()
    assert ((wb != 0).sum(axis=1) == 5).all() and (wb >= 0).all()
    want = np.zeros((4, 4), np.float32)
    want[0, 1], want[3, 1] = 0.5, 2.0
    np.testing.assert_array_equal(C.weights.get(), want)


@pytest.mark.parametrize("connect, says", [
    ({"rule": "fixed_indegree"}, "needs `indegree`"),
    ({"rule": "nope"}, "not a rule"),
    ({"rule": "all_to_all", "indegre": 3}, "unknown field"),
    ({"rule": "explicit", "pre": [0, 9], "post": [0, 0]}, "pre[1]"),
])
def test_a_bad_connection_rule_is_an_exception_naming_the_synapse(connect, says):
    with pytest.raises(ValueError, match="Wbad") as e:
        with Context("bad"):
            StaticSynapse("Wbad", shape=(5, 5), connect=connect)
    assert says in str(e.value)


def test_an_unknown_storage_is_an_exception():
    with pytest.raises(ValueError, match="storage"):
        with Context("bad_storage"):
            StaticSynapse("W", shape=(5, 5), storage="csr")


def test_a_poisson_background_drives_the_conductance_and_repeats_from_its_key():
    """``background`` (an extension): each post-synaptic unit's Poisson train; its mean
    conductance is Campbell's (rate * weight * tau / 1000 for g_syn_bar 1), a synapse of
    the same key draws the same trains, and bad backgrounds raise ValueError."""
    def driven(name):
        with Context(name):
            W = ExponentialSynapse("W", shape=(1, 500), tau_decay=5., g_syn_bar=1., syn_rest=None,
                                   is_nonplastic=False, key=np.array([0, 9], np.uint32),
                                   background={"rate": 2000.0, "weight": 0.25})
            adv = MethodProcess("adv") >> W.advance_state
            adv.watch(W.g_syn)
        return adv
    adv = driven("bg")
    rows = adv.pack_rows(1500, t=lambda i: (i + 1) * 0.1, dt=0.1)
    _, (g,) = adv.scan(rows)
    g = np.asarray(g)[500:]
    assert abs(g.mean() / (2000.0 * 0.25 * 5.0 / 1000.0) - 1.0) < 0.02
    _, (g2,) = driven("bg_again").scan(rows)
    assert np.asarray(g2)[500:].view(np.uint32).tolist() == g.view(np.uint32).tolist()
    with Context("bad_bg"):
        with pytest.raises(ValueError, match="background.rate"):
            ExponentialSynapse("X", shape=(1, 3), tau_decay=5., g_syn_bar=1., syn_rest=None,
                               background={"rate": [1.0, 2.0]})
        with pytest.raises(ValueError, match="conductance synapses"):
            StaticSynapse("Y", shape=(2, 3), background={"rate": 10.0})


def test_a_synapse_with_delays_is_saved_as_scipy_csr_arrays_and_loads_back(tmp_path):
    """A delayed synapse is saved in the sparse form: its npz's weights.indptr,
    weights.indices and weights.data are scipy's CSR arrays (rebuilt here with numpy, the
    pairs drawn twice summed as scipy sums them), with weights.delays; it loads back with
    the same weights."""
    from ngclearn_rs import _context
    name = "saved_delays"
    with Context(name) as ctx:
        W = ExponentialSynapse("W", shape=(40, 25), tau_decay=3., g_syn_bar=1., syn_rest=None,
                               is_nonplastic=False, key=np.array([0, 3], np.uint32),
                               connect={"rule": "fixed_total_number", "n": 300,
                                        "weight": {"dist": "uniform", "low": 0.5, "high": 1.0},
                                        "delay": {"dist": "uniform", "low": 0.1, "high": 2.0}})
    want = W.weights.get()
    ctx.save_to_json(str(tmp_path))
    npz = np.load(tmp_path / name / "component" / "custom" / "W.npz")
    assert "weights" not in npz.files
    indptr, indices, data = npz["weights.indptr"], npz["weights.indices"], npz["weights.data"]
    assert tuple(npz["weights.shape"]) == (40, 25) and indptr.dtype == np.int64
    assert len(data) == 300 and npz["weights.delays"].min() >= 1
    dense = np.zeros((40, 25), np.float32)
    for i in range(40):
        for e in range(indptr[i], indptr[i + 1]):
            dense[i, indices[e]] += data[e]
    np.testing.assert_array_equal(dense, want)
    del _context._contexts[name]
    back = Context.load(str(tmp_path), name)
    V = back.get_components("W")
    np.testing.assert_array_equal(V.weights.get(), want)


def test_scans_started_from_each_others_final_state_give_one_scan_of_a_delayed_network():
    """The state a scan hands back holds the delayed synapses' inputs in flight: two
    scans of 200 steps, the second from the first's final state, equal one of 400."""
    def net(name):
        with Context(name):
            pre = PoissonCell("pre", n_units=80, target_freq=300., key=np.array([0, 5], np.uint32))
            W = ExponentialSynapse("W", shape=(80, 20), tau_decay=2., g_syn_bar=1., syn_rest=0.,
                                   is_nonplastic=False, key=np.array([0, 6], np.uint32),
                                   connect={"rule": "fixed_indegree", "indegree": 10, "weight": 0.8,
                                            "delay": {"dist": "uniform", "low": 0.5, "high": 3.0}})
            post = LIFCell("post", n_units=20, tau_m=10., thr=-55., v_rest=-65., v_reset=-65.,
                           tau_theta=0., theta_plus=0., refract_time=2., key=np.array([0, 7], np.uint32))
            pre.outputs >> W.inputs
            post.v >> W.v
            W.outputs >> post.j
            adv = MethodProcess("adv") >> pre.advance_state >> W.advance_state >> post.advance_state
            adv.watch(post.s)
        pre.inputs.set(np.ones((1, 80), np.float32))
        post.v.set(np.full((1, 20), -65., np.float32))
        return adv
    one = net("delayed_one")
    _, (s_all,) = one.scan(one.pack_rows(400, t=lambda i: (i + 1) * 0.1, dt=0.1))
    two = net("delayed_two")
    mid, (s1,) = two.scan(two.pack_rows(200, t=lambda i: (i + 1) * 0.1, dt=0.1))
    _, (s2,) = two.scan(two.pack_rows(200, t=lambda i: (i + 201) * 0.1, dt=0.1), mid)
    s_all = np.asarray(s_all)
    assert s_all[200:].sum() > 0
    np.testing.assert_array_equal(np.concatenate([np.asarray(s1), np.asarray(s2)]), s_all)


def test_a_concatenation_feeds_one_synapse_from_two_populations_drawn_as_blocks():
    """``Concatenation(a, b) >> W.inputs`` (an extension) gives W the columns of both; its
    ``blocks`` rule draws each block's synapses within the block's rows."""
    with Context("concat") as ctx:
        a = PoissonCell("a", n_units=30, target_freq=300., key=np.array([0, 1], np.uint32))
        b = PoissonCell("b", n_units=20, target_freq=300., key=np.array([0, 2], np.uint32))
        W = StaticSynapse("W", shape=(50, 10), key=np.array([0, 3], np.uint32), connect={
            "rule": "blocks", "blocks": [
                {"rule": "fixed_indegree", "indegree": 4, "multapses": False, "rows": [0, 30], "weight": 1.5},
                {"rule": "all_to_all", "rows": [40, 50], "weight": -1.0}]})
        Concatenation(a.outputs, b.outputs) >> W.inputs
        adv = MethodProcess("adv") >> a.advance_state >> b.advance_state >> W.advance_state
    for cell in (a, b):
        cell.inputs.set(np.ones((1, cell.n_units), np.float32))
    w = W.weights.get()
    assert ((w[:30] == 1.5).sum(axis=0) == 4).all()
    assert (w[30:40] == 0).all() and (w[40:] == -1.0).all()
    seen = 0.0
    for i in range(50):
        adv.run(t=(i + 1) * 0.1, dt=0.1)
        x = np.concatenate([a.outputs.get(), b.outputs.get()], axis=1)
        np.testing.assert_array_equal(W.inputs.get(), x)
        np.testing.assert_array_equal(W.outputs.get(), x @ w)
        seen += x.sum()
    assert seen > 0
    with pytest.raises(Exception, match="columns"):
        with Context("concat_bad"):
            a2 = PoissonCell("a", n_units=30, target_freq=300.)
            W2 = StaticSynapse("W", shape=(31, 10))
            Concatenation(a2.outputs, a2.outputs) >> W2.inputs
