"""The predictive-coding error cells give ngclearn's errors and likelihoods, with `L` a
scalar as in ngclearn."""

import numpy as np
import pytest

from conftest import fixture, fresh, rel_close
from ngclearn_rs import Context, MethodProcess, random
from ngclearn_rs.components import BernoulliErrorCell, GaussianErrorCell, LaplacianErrorCell

CLASSES = {c.__name__: c for c in (GaussianErrorCell, LaplacianErrorCell, BernoulliErrorCell)}


@pytest.mark.parametrize("case", sorted(fixture("error_cells.json")["cases"]))
def test_error_cells_match_ngclearn(case):
    c_ = fixture("error_cells.json")["cases"][case]
    with Context(fresh("err")):
        e = CLASSES[c_["component"]]("e", n_units=c_["n_units"], batch_size=c_["batch_size"],
                                     key=random.PRNGKey(4), **c_["kwargs"])
        adv = MethodProcess("adv") >> e.advance_state
        rst = MethodProcess("rst") >> e.reset
    rst.run()
    assert adv.get_keywords() == ["dt"]
    for t in range(c_["steps"]):
        for name, vals in c_["inputs"].items():
            getattr(e, name).set(np.asarray(vals[t], dtype=np.float32))
        adv.run(dt=0.5)
        for out, vals in c_["trace"].items():
            got = getattr(e, out).get()
            if out == "L":
                assert got.shape == ()
            assert rel_close(got, vals[t]), (out, t)
