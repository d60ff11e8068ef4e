"""Classes whose `save`/`load` are their own in ngclearn 3.1.1 cross both ways in that
form: an SLIFCell saved here (its npz holds only `threshold`) loads in ngclearn and
continues as it does here after loading, and one ngclearn saves loads here alike."""

import numpy as np
import pytest

from conftest import fresh, ngclearn_or_skip
from ngclearn_rs import Context, MethodProcess, random
from ngclearn_rs.components import SLIFCell

CASES = {
    "reset": (1, dict(tau_m=10., resist_m=1., thr=0.5, thr_gain=0.02, thr_leak=0.002, refract_time=2.,
                      thr_jitter=0.1)),
    "persist": (2, dict(tau_m=8., resist_m=1., thr=0.45, thr_persist=True, thr_gain=0.01, thr_leak=0.001)),
}


def currents(batch, steps, seed):
    rs = np.random.default_rng(seed)
    return [rs.uniform(0.0, 1.6, (batch, 4)).astype(np.float32) for _ in range(steps)]


def run(z, adv, rst, js, first, last):
    out = []
    for t in range(first, last):
        if t == (first + last) // 2:
            rst.run()
        z.j.set(js[t])
        adv.run(t=t * 1.0, dt=1.0)
        out.append(tuple(np.asarray(getattr(z, c).get()).copy() for c in ("v", "s", "thr")))
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_slif_saved_here_continues_in_ngclearn_as_here(tmp_path, case):
    ngclearn_or_skip()
    from ngclearn import Context as NgContext

    batch, kw = CASES[case]
    name = fresh("slifown")
    with Context(name) as ctx:
        z = SLIFCell("z", n_units=4, batch_size=batch, key=random.PRNGKey(5), **kw)
        adv = MethodProcess("adv") >> z.advance_state
        rst = MethodProcess("rst") >> z.reset
    rst.run()
    js = currents(batch, 70, 3)
    run(z, adv, rst, js, 0, 30)
    ctx.save_to_json(str(tmp_path), overwrite=True)
    saved = np.load(tmp_path / name / "component" / "custom" / "z.npz")
    assert list(saved.keys()) == ["threshold"]

    from ngclearn_rs import _context

    del _context._contexts[ctx.path]
    mine = Context.load(str(tmp_path), name)
    theirs = NgContext.load(str(tmp_path), name)

    def parts(c):
        return (c.get_components("z"), c.get_objects("adv", objectType="process"),
                c.get_objects("rst", objectType="process"))

    ours = run(*parts(mine), js, 30, 70)
    ngs = run(*parts(theirs), js, 30, 70)
    for t, (a, b) in enumerate(zip(ours, ngs)):
        for what, x, y in zip(("v", "s", "thr"), a, b):
            # ngclearn keeps a (1, n) threshold until a batch's first step; compare rows.
            y = np.broadcast_to(y, x.shape)
            assert np.array_equal(x, y), (case, what, 30 + t)


def test_a_diverged_state_loads_with_a_python_warning(tmp_path):
    # ngclearn saves a state holding NaN as it is; it loads here for inspection, with
    # one warning naming the compartment and the element.
    import warnings

    from ngclearn_rs import _context
    from ngclearn_rs.components import LIFCell

    name = fresh("nanstate")
    with Context(name) as ctx:
        c = LIFCell("c", n_units=3, tau_m=10., key=random.PRNGKey(2))
        MethodProcess("adv") >> c.advance_state
    v = c.v.get()
    v[0, 1] = np.nan
    c.v.set(v)
    ctx.save_to_json(str(tmp_path), overwrite=True)
    del _context._contexts[ctx.path]
    with pytest.warns(UserWarning, match=r"`v` element \[0, 1\] is NaN") as said:
        back = Context.load(str(tmp_path), name)
    # Said at this line, not inside the package.
    assert said[0].filename == __file__
    assert np.isnan(back.get_components("c").v.get()[0, 1])
    # Where warnings are errors, it is raised.
    del _context._contexts[back.path]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match="is NaN"):
            Context.load(str(tmp_path), name)
