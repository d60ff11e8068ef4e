"""What a user gets wrong is refused with a message saying what they did and what to
do instead: copies of components, cycles of joint processes, values that are not
numbers, names numpy or a file system cannot hold, assignments that would not reach
the engine."""

import copy
import pickle
import warnings

import numpy as np
import pytest

from conftest import fresh
from ngclearn_rs import Context, JointProcess, MethodProcess, components


def small():
    with Context(fresh()) as ctx:
        z = components.LIFCell("z", 3, 10.0)
        p = MethodProcess("p") >> z.advance_state
    return ctx, z, p


@pytest.mark.parametrize("how", [copy.copy, copy.deepcopy, pickle.dumps])
def test_components_contexts_and_processes_are_not_copied_but_say_why(how):
    ctx, z, p = small()
    with pytest.raises(TypeError, match=r"LIFCell 'z' cannot be (copied|pickled): a component belongs to its context"):
        how(z)
    with pytest.raises(TypeError, match=r"Context .* cannot be (copied|pickled).*save_to_json"):
        how(ctx)
    with pytest.raises(TypeError, match=r"MethodProcess 'p' cannot be (copied|pickled).*calls\(\)"):
        how(p)


def test_a_state_copies_and_a_live_state_deep_copies_to_a_snapshot():
    ctx, z, p = small()
    live, _ = p.run(t=0.0, dt=0.1)
    snap = copy.deepcopy(live)
    key = f"{ctx.path}:z:v"
    before = snap[key].copy()
    z.v.set(1.0)
    assert np.array_equal(snap[key], before)  # not live
    assert np.array_equal(live[key], np.full((1, 3), 1.0, np.float32))  # live
    assert np.array_equal(copy.copy(ctx.state())[key], live[key])


def test_a_joint_process_cycle_is_refused_naming_the_chain():
    with Context(fresh()):
        z = components.LIFCell("z", 3, 10.0)
        a = MethodProcess("a") >> z.advance_state
        inner = JointProcess("inner") >> a
        outer = JointProcess("outer") >> inner
        with pytest.raises(ValueError, match=r"cannot take 'outer': 'outer' already contains 'inner' \(outer >> inner\)"):
            inner >> outer
        with pytest.raises(ValueError, match="cannot contain itself"):
            outer >> outer
    # Refused, the processes are as they were and still run.
    assert outer.calls() == [("z", "advance_state")]
    outer.run(t=0.0, dt=0.1)


def test_assigning_to_a_compartment_attribute_says_to_set_or_wire_it():
    ctx, z, p = small()
    with pytest.raises(TypeError, match=r"`v` is a compartment.*z\.v\.set\(value\).*source >> z\.v"):
        z.v = "other:v"
    with pytest.raises(AttributeError):  # also an AttributeError, as a read-only attribute is
        z.v = np.zeros((1, 3))
    assert isinstance(z.v, type(z.j))  # still the compartment
    state, _ = p.run(t=0.0, dt=0.1)
    # Setting a path string into a live state or a compartment: a TypeError saying to wire.
    with pytest.raises(TypeError, match=r"from the string 'ctx:W:outputs'.*wire it"):
        state[f"{ctx.path}:z:v"] = "ctx:W:outputs"
    with pytest.raises(TypeError, match="from the string"):
        z.j.set("1.0")
    with pytest.raises(TypeError, match="from the string"):
        ctx.state()[f"{ctx.path}:z:v"] = "x"


def test_complex_values_are_refused_not_cast():
    ctx, z, p = small()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's ComplexWarning would be an error here
        with pytest.raises(TypeError, match=r"complex array \(numpy would drop the imaginary part\)"):
            z.v.set(np.array([1 + 1j, 2, 3]))
        with pytest.raises(TypeError, match="complex"):
            z.v.set(1j)
        state = ctx.state()
        with pytest.raises(TypeError, match="complex"):
            state[f"{ctx.path}:z:v"] = np.ones((1, 3), dtype=np.complex64)
        live, _ = p.run(t=0.0, dt=0.1)
        with pytest.raises(TypeError, match="complex"):
            live[f"{ctx.path}:z:v"] = np.ones((1, 3), dtype=np.complex64)
        with Context(fresh()):
            with pytest.raises(TypeError, match="parameter `tau_m` = .* is complex"):
                components.LIFCell("c", 3, 10 + 1j)
    assert np.array_equal(z.v.get(), np.full((1, 3), -65.0, np.float32))  # unchanged by the refusals


def test_names_with_a_nul_byte_are_refused_when_made():
    with pytest.raises(ValueError, match=r"context's name cannot hold a NUL byte"):
        Context("bad\x00name")
    with Context(fresh()):
        with pytest.raises(ValueError, match=r"component's name cannot hold a NUL byte"):
            components.LIFCell("z\x00", 3, 10.0)
        with pytest.raises(ValueError, match=r"process's name cannot hold a NUL byte"):
            MethodProcess("p\x00")
