"""Components of one's own (``JaxComponent`` + ``@compilable``): each construct group of
the translated subset against ngclearn 3.1.1's own outputs for the same class
(fixtures/custom, made by scripts/make_custom_component_fixtures.py), bit for bit; the
fallback for an untranslated method, with its one warning; and errors in user code as
Python exceptions."""

import os
import sys
import warnings

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
jax = pytest.importorskip("jax")  # the user classes are written in jax.numpy

import custom_classes as cc  # noqa: E402

import ngclearn_rs  # noqa: E402
from ngclearn_rs import Compartment, Context, MethodProcess, UntranslatedMethodWarning, compilable  # noqa: E402
from ngclearn_rs.components.jaxComponent import JaxComponent  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "custom")


def _same_bits(a, b):
    """Equal as float32 bit patterns (NaN payloads aside: NaN equals NaN)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind == "f":
        return (a == b) | (np.isnan(a) & np.isnan(b)) if a.shape == b.shape else np.zeros(1, bool)
    return a == b if a.shape == b.shape else np.zeros(1, bool)


@pytest.mark.parametrize("scenario", sorted(cc.SCENARIOS))
def test_user_classes_reproduce_ngclearn_bit_for_bit(scenario):
    ref = np.load(os.path.join(FIXTURES, f"{scenario}.npz"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UntranslatedMethodWarning)
        out = cc.SCENARIOS[scenario]()
    assert sorted(out) == sorted(ref.files)
    for k in ref.files:
        got = np.asarray(out[k])
        assert got.shape == ref[k].shape, k
        assert got.dtype == ref[k].dtype, k
        same = _same_bits(got, ref[k])
        assert same.all(), f"{scenario} {k}: {np.mean(~same):.3f} of the values differ"


def test_every_scenario_but_the_fallback_runs_translated():
    for name in cc.SCENARIOS:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            cc.SCENARIOS[name](steps=2)
        untranslated = [w for w in said if issubclass(w.category, UntranslatedMethodWarning)]
        if name == "fallback":
            assert len(untranslated) <= 1  # said once per class and method, in this process
        else:
            assert untranslated == [], [str(w.message) for w in untranslated]


class LoopCell(JaxComponent):
    def __init__(self, name, n_units, n_sub=3, key=None):
        super().__init__(name, key=key)
        self.n_sub = n_sub
        self.x = Compartment(np.zeros((1, n_units), np.float32))
        self.y = Compartment(np.zeros((1, n_units), np.float32))

    @compilable
    def advance_state(self, dt):
        x = self.x.get()
        acc = x * 0.
        for i in range(self.n_sub):
            acc = acc + x * dt
        self.y.set(acc)


def test_an_untranslated_method_runs_with_one_warning_naming_method_line_and_construct():
    with pytest.warns(UntranslatedMethodWarning) as said:
        with Context("loop_cell_ctx") as ctx:
            c = LoopCell("c", 4)
            p = MethodProcess("p") >> c.advance_state
    msg = str(said[0].message)
    assert "LoopCell.advance_state" in msg and "`for loop`" in msg and "line" in msg
    assert not c.translated("advance_state")
    c.x.set(np.arange(4, dtype=np.float32))
    p.run(t=0.0, dt=0.5)
    np.testing.assert_array_equal(c.y.get(), (np.arange(4) * 0.5 * 3).reshape(1, 4).astype(np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UntranslatedMethodWarning)
        with Context("loop_cell_ctx2"):
            LoopCell("c", 4)  # warned once per class and method


class Mismatch(JaxComponent):
    def __init__(self, name, key=None):
        super().__init__(name, key=key)
        self.a = Compartment(np.zeros((2, 3), np.float32))
        self.b = Compartment(np.zeros((2, 4), np.float32))

    @compilable
    def advance_state(self):
        self.a.set(self.a.get() + self.b.get())


class Raises(JaxComponent):
    def __init__(self, name, key=None):
        super().__init__(name, key=key)
        self.a = Compartment(np.zeros((1, 3), np.float32))

    @compilable
    def advance_state(self):
        while True:
            raise RuntimeError("raised inside the method")


def test_a_shape_error_in_a_method_runs_in_python_and_raises_there():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UntranslatedMethodWarning)
        with Context("mismatch_ctx"):
            m = Mismatch("m")
            p = MethodProcess("p") >> m.advance_state
    assert not m.translated("advance_state")
    with pytest.raises(TypeError):
        p.run()


def test_an_exception_in_a_python_method_reaches_the_caller():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UntranslatedMethodWarning)
        with Context("raises_ctx"):
            r = Raises("r")
            p = MethodProcess("p") >> r.advance_state
    with pytest.raises(RuntimeError, match="raised inside the method"):
        p.run()
    p_state = r.a.get()
    np.testing.assert_array_equal(p_state, np.zeros((1, 3), np.float32))


def test_the_api_is_at_ngclearns_import_paths():
    assert ngclearn_rs.compilable is compilable
    from ngclearn_rs.components import JaxComponent as J

    assert J is JaxComponent
    assert issubclass(JaxComponent, ngclearn_rs.Component)


def test_attributes_are_kept_and_fixed_after_construction():
    with Context("attrs_ctx"):
        z = cc.UserLIF("z", n_units=3, tau_m=7.)
    assert z.tau_m == 7.
    with pytest.raises(AttributeError):
        z.tau_m = 8.
    with pytest.raises(AttributeError):
        z.v = 1.
    assert [n for n, _ in z.compartments][-1] == "key"


def test_a_model_with_classes_of_ones_own_saves_and_loads_back(tmp_path):
    from ngclearn_rs import JointProcess

    def build(name):
        with Context(name) as ctx:
            z0 = cc.UserLIF("z0", n_units=4, tau_m=5., key=jax.random.PRNGKey(3))
            w0 = np.full((4, 3), 100.0, np.float32)  # one input spike makes a post spike
            W = cc.UserHebbian("W", shape=(4, 3), weight_init=w0, eta=0.5, w_max=200.)
            z1 = cc.UserLIF("z1", n_units=3, tau_m=5.)
            z0.s >> W.inputs
            W.outputs >> z1.j
            z0.s >> W.pre
            z1.s >> W.post
            adv = MethodProcess("adv") >> W.advance_state >> z0.advance_state >> z1.advance_state
            evo = MethodProcess("evo") >> W.evolve
            JointProcess("step") >> adv >> evo
        return ctx

    ctx = build("saved_users")
    step = ctx.get_objects("step", objectType="process")
    z0 = ctx.get_components("z0")
    rng = np.random.default_rng(0)
    for k in range(30):
        z0.j.set(rng.uniform(10., 60., (1, 4)).astype(np.float32))
        step.run(t=k * 1.0, dt=1.0)
    ctx.save_to_json(str(tmp_path), model_name="m")
    names = [("z0", "v"), ("z1", "v"), ("W", "weights"), ("z1", "tols")]
    saved = {n: getattr(ctx.get_components(n[0]), n[1]).get().copy() for n in names}

    def go_on(c):
        s = c.get_objects("step", objectType="process")
        rng = np.random.default_rng(1)
        for k in range(30, 60):
            c.get_components("z0").j.set(rng.uniform(10., 60., (1, 4)).astype(np.float32))
            s.run(t=k * 1.0, dt=1.0)
        return {n: getattr(c.get_components(n[0]), n[1]).get().copy() for n in names}

    after = go_on(ctx)
    from ngclearn_rs._context import _contexts

    _contexts.pop("saved_users")  # as a new session would have it
    back = Context.load(str(tmp_path), "m")
    assert back is not ctx and back.path == "saved_users"
    assert type(back.get_components("W")) is cc.UserHebbian
    for n in names:
        np.testing.assert_array_equal(getattr(back.get_components(n[0]), n[1]).get(), saved[n])
    assert back.get_components("W").translated("evolve")
    again = go_on(back)
    for n in names:
        np.testing.assert_array_equal(again[n], after[n])
    assert float(np.abs(after[("W", "weights")] - 100.0).sum()) > 0  # it learned


@pytest.mark.parametrize("saver,loader", [("ngclearn", "ngclearn_rs"), ("ngclearn_rs", "ngclearn")])
def test_saved_models_of_classes_of_ones_own_cross_with_ngclearn(tmp_path, saver, loader):
    """ngclearn saves a model of UserLIF cells and this package continues it, and the
    reverse; each ends where ngclearn alone ends (custom_saved.py runs each side in a
    process of its own)."""
    from conftest import ngclearn_or_skip
    import subprocess

    ngclearn_or_skip()
    script = os.path.join(os.path.dirname(__file__), "custom_saved.py")

    def run(lib, what, d):
        p = subprocess.run([sys.executable, script, lib, what, str(d)], capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr[-2000:]
        return p.stdout.strip().splitlines()[-1]

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    run("ngclearn", "save", tmp_path / "a")
    reference = run("ngclearn", "load", tmp_path / "a")
    run(saver, "save", tmp_path / "b")
    assert run(loader, "load", tmp_path / "b") == reference
    import json

    spikes = json.loads(reference)
    assert sum(map(sum, spikes["z1.tols"])) > 0  # the second layer spiked
