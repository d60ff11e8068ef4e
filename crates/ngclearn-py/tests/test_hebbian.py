"""HebbianSynapse written as for ngclearn (only the imports changed): it learns with
each optimiser as the fixtures of ngclearn 3.1.1 say; its saved optimiser state is a
pickle that ngclearn loads (and, read back by ngclearn and pickled again, the same
bytes); and a state ngclearn saved continues here."""

import os
import pickle

import numpy as np

from conftest import fixture, fresh, ngclearn_or_skip, rel_close

import numpy as jnp
from ngclearn_rs import random
from ngclearn_rs import Context, MethodProcess
from ngclearn_rs.components import HebbianSynapse
from ngclearn_rs.utils.distribution_generator import DistributionGenerator as DG


def synapse(name, shape, **kw):
    with Context(name) as ctx:
        W = HebbianSynapse("W", shape=shape, weight_init=DG.uniform(-0.5, 0.5), key=random.PRNGKey(13), **kw)
        adv = MethodProcess("adv") >> W.advance_state >> W.evolve
        rst = MethodProcess("rst") >> W.reset
    rst.run()
    return ctx, W, adv


def test_hebbian_synapses_learn_as_ngclearns():
    ref = fixture("hebbian_given.json")["cases"]
    for case in ["adam_biases", "nag_biases", "sgd_elastic_net_mask", "adam_batch2_l1l2"]:
        c = ref[case]
        kw = dict(c["kwargs"])
        if "prior" in kw:
            kw["prior"] = (kw["prior"][0], tuple(kw["prior"][1]) if isinstance(kw["prior"][1], list) else kw["prior"][1])
        if c["bias_init"]:
            kw["bias_init"] = DG.uniform(-0.1, 0.1)
        if c["mask"]:
            kw["mask"] = jnp.asarray(c["mask"], dtype=np.float32)
        ctx, W, adv = synapse(fresh("hebb"), tuple(c["shape"]), batch_size=c["batch_size"], **kw)
        assert W.weights.get().tolist() == c["weights0"], case
        for t in range(c["steps"]):
            W.inputs.set(np.asarray(c["inputs"][t], dtype=np.float32))
            W.pre.set(np.asarray(c["pre"][t], dtype=np.float32))
            W.post.set(np.asarray(c["post"][t], dtype=np.float32))
            adv.run(t=float(t), dt=1.0)
            assert rel_close(W.weights.get(), c["trace"]["weights"][t]), (case, t)
            assert rel_close(W.outputs.get(), c["trace"]["outputs"][t]), (case, t)


def test_a_state_saved_here_loads_in_ngclearn_and_learns_on_the_same(tmp_path):
    ngclearn_or_skip()
    from ngclearn import Context as NgContext
    import jax.numpy as jjnp

    rs = np.random.default_rng(5)
    for optim in ["sgd", "adam", "nag"]:
        name = fresh("hebbsave")
        ctx, W, adv = synapse(name, (5, 3), eta=0.01, optim_type=optim, sign_value=-1., w_bound=0.)
        sig = [(rs.normal(0, 1, (1, 5)), rs.normal(0, 1, (1, 5)), rs.normal(0, 0.5, (1, 3))) for _ in range(40)]

        def step(w, a, t):
            x, p, q = sig[t]
            w.inputs.set(jjnp.asarray(x, dtype=jjnp.float32)); w.pre.set(jjnp.asarray(p, dtype=jjnp.float32))
            w.post.set(jjnp.asarray(q, dtype=jjnp.float32))
            a.run(t=float(t), dt=1.0)

        for t in range(20):
            step(W, adv, t)
        ctx.save_to_json(str(tmp_path), overwrite=True)
        theirs = NgContext.load(str(tmp_path), name)
        t_W = theirs.get_components("W")
        t_adv = theirs.get_objects("adv", objectType="process")
        assert float(np.asarray(t_W.opt_params.get() if optim == "sgd" else t_W.opt_params.get()[-1])) == 20.0
        for t in range(20, 40):
            step(W, adv, t)
            step(t_W, t_adv, t)
            assert np.asarray(t_W.weights.get()).tolist() == W.weights.get().tolist(), (optim, t)


def test_a_large_optimiser_state_is_the_pickle_python_writes(tmp_path):
    ngclearn_or_skip()
    from ngclearn.utils.io_utils import load_pkl

    # 130 x 130 floats are more than one 64 KiB pickle frame.
    name = fresh("hebbbig")
    ctx, W, adv = synapse(name, (130, 130), eta=0.01, optim_type="adam", bias_init=DG.constant(0.1))
    W.pre.set(np.ones((1, 130), dtype=np.float32)); W.post.set(np.full((1, 130), 0.5, dtype=np.float32))
    adv.run(t=0.0, dt=1.0)
    ctx.save_to_json(str(tmp_path), overwrite=True)
    custom = os.path.join(str(tmp_path), name, "component", "custom")
    ours = open(os.path.join(custom, "W_opt_params.pkl"), "rb").read()
    state = load_pkl(custom, "W_opt_params")
    assert float(state[2]) == 1.0 and np.asarray(state[0][0]).shape == (130, 130)
    assert pickle.dumps(state, protocol=4) == ours
