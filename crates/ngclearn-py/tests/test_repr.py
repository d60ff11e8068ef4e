"""Contexts, components and processes say what they are: ``repr`` for a terminal,
``_repr_html_`` for a notebook."""

import numpy as np

from conftest import fresh
from ngclearn_rs import Context, JointProcess, MethodProcess, Summation, components


def model():
    name = fresh("ei")
    with Context(name) as ctx:
        P = components.PoissonCell("P", 2)
        W = components.DenseSynapse("W", (2, 3))
        z = components.LIFCell("z", 3, 10.0)
        P.outputs >> W.inputs
        Summation(W.outputs, W.outputs) >> z.j
        adv = MethodProcess("adv") >> P.advance_state >> W.advance_state >> z.advance_state
        rst = MethodProcess("rst") >> z.reset
        both = JointProcess("both") >> adv >> rst
        adv.watch(z.v)
    return ctx, P, W, z, adv, rst, both


def test_a_component_shows_its_class_name_parameters_and_compartment_shapes():
    ctx, P, W, z, *_ = model()
    text = repr(W)
    assert text.startswith(f"DenseSynapse('W') in context '{ctx.path}'")
    assert "shape=(2, 3)" in text and "batch_size=1" in text
    assert "weights (2, 3)" in text and "inputs (1, 2) <- P:outputs" in text
    assert "methods: advance_state, reset" in text
    assert "j (1, 3) <- Summation(W:outputs, W:outputs)" in " ".join(repr(z).split())
    html = W._repr_html_()
    assert "<table>" in html and "weights" in html and "(2, 3)" in html and "P:outputs" in html


def test_a_process_shows_its_calls_in_order():
    ctx, P, W, z, adv, rst, both = model()
    assert repr(adv) == "MethodProcess('adv'): P.advance_state >> W.advance_state >> z.advance_state; watches z:v"
    assert repr(both) == (
        "JointProcess('both') of 'adv' >> 'rst': "
        "P.advance_state >> W.advance_state >> z.advance_state >> z.reset; watches z:v"
    )
    html = both._repr_html_()
    assert html.index("P.advance_state") < html.index("W.advance_state") < html.index("z.reset")
    assert html.count("<li>") == 4


def test_a_context_lists_its_components_wires_and_processes():
    ctx, *_ = model()
    text = repr(ctx)
    lines = text.splitlines()
    assert lines[0] == f"Context('{ctx.path}'): 3 components, 2 wires, 3 processes"
    assert "    P  PoissonCell   n_units=2, batch_size=1" in lines
    assert "    W  DenseSynapse  shape=(2, 3), batch_size=1" in lines
    assert "    P:outputs >> W:inputs" in lines
    assert "    Summation(W:outputs, W:outputs) >> z:j" in lines
    assert any(line.startswith("    MethodProcess('rst'): z.reset") for line in lines)
    html = ctx._repr_html_()
    for piece in ("PoissonCell", "P:outputs", "W:inputs", "both", "z.reset"):
        assert piece in html


def test_html_is_escaped_and_an_empty_context_reads_well():
    with Context(fresh("a<b>")) as ctx:
        pass
    assert repr(ctx).endswith("0 components, 0 wires, 0 processes")
    html = ctx._repr_html_()
    assert "a&lt;b&gt;" in html and "a<b>" not in html


def test_reprs_follow_the_values():
    ctx, P, W, z, *_ = model()
    z.v.set(np.zeros((1, 3)))
    assert "v (1, 3)" in repr(z)
