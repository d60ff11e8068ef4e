"""The reward-modulated, event and short-term rules through the Python API, as a user
of ngclearn writes them: every case of ngclearn 3.1.1's `learning_rules.json` gives the
same numbers here."""

import numpy as np

from conftest import fixture, fresh, rel_close

from ngclearn_rs import Context, MethodProcess, components, random


def test_every_learning_rule_case_matches_ngclearn():
    cases = fixture("learning_rules.json")["cases"]
    for name, c in cases.items():
        cls = getattr(components, c["component"])
        kw = dict(c["kwargs"])
        size = dict(shape=tuple(c["shape"])) if "shape" in c else dict(n_units=c["n_units"])
        with Context(fresh("rule")) as ctx:
            W = cls("W", **size, **kw, batch_size=c["batch_size"], key=random.PRNGKey(c["key_seed"]))
            step = MethodProcess("step")
            for m in c["methods"]:
                step = step >> getattr(W, m)
            rst = MethodProcess("rst") >> W.reset
        if "weights0" in c:
            W.weights.set(np.asarray(c["weights0"], dtype=np.float32))
        if c.get("resources_from_key") is False:
            W.resources.set(np.asarray(c["resources0"], dtype=np.float32))
        elif "resources0" in c:
            assert W.resources.get().tolist() == c["resources0"], name
        rst.run()
        for t in range(c["steps"]):
            for comp, vals in c["inputs"].items():
                getattr(W, comp).set(np.asarray(vals[t], dtype=np.float32))
            step.run(t=t * c["dt"], dt=c["dt"])
            for comp, vals in c["trace"].items():
                got, want = np.asarray(getattr(W, comp).get()), np.asarray(vals[t], dtype=np.float32)
                want = np.broadcast_to(want, got.shape)
                assert rel_close(got, want), (name, comp, t)
