"""How contexts, components and processes show themselves: ``repr`` (a terminal, a
log) and ``_repr_html_`` (a notebook). Nothing here raises: a display that cannot
read a value says so in its place."""

import html
import json
import textwrap

_WIDTH = 100


def _short(value, limit=48):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _source(spec):
    """A wire's source as written in a script: ``W:outputs`` or
    ``Summation(a:x, b:y)``."""
    if isinstance(spec, str):
        try:
            spec = json.loads(spec)
        except ValueError:
            return spec
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict) and "op" in spec:
        return f"{spec['op']}({', '.join(_source(a) for a in spec.get('args', []))})"
    return str(spec)


def _wires(ctx):
    try:
        return [(_source(src), target) for target, src in ctx._circuit.wires()]
    except Exception as e:  # a display must not raise
        return [(f"<wires unavailable: {e}>", "")]


def _compartments(comp):
    """``(name, shape text, wired-from text)`` of each compartment."""
    out = []
    ctx = comp._context
    try:
        wired = {t: _source(s) for t, s in ctx._circuit.wires()}
    except Exception:
        wired = {}
    for name, c in comp.compartments:
        if c._is_key:
            out.append((name, "key", ""))
            continue
        try:
            shape = tuple(c.get().shape)
            shape = str(shape)
        except Exception:
            shape = "?"
        out.append((name, shape, wired.get(c._path, "")))
    return out


def _size(comp):
    """What a component's size is, from its parameters: ``shape=(2, 3)`` or
    ``n_units=3, batch_size=1``."""
    params = comp.__dict__.get("_params") or {}
    parts = [f"{k}={params[k]!r}" for k in ("shape", "n_units", "batch_size") if k in params]
    return ", ".join(parts)


def _methods(comp):
    from ._component import _schema

    return [m["name"] for m in _schema(comp._class)["methods"]]


def component_repr(comp):
    """``LIFCell('z') in context 'ei'`` with its parameters, compartments and methods."""
    name = comp.__dict__.get("name")
    if name is None or "_context" not in comp.__dict__:
        return f"<{type(comp).__name__}, not built>"
    head = f"{type(comp).__name__}({name!r}) in context {comp._context.path!r}"
    params = ", ".join(f"{k}={_short(v)}" for k, v in comp._params.items())
    comps = ", ".join(
        f"{n} {shape}" + (f" <- {src}" if src else "") for n, shape, src in _compartments(comp)
    )
    lines = [head]
    for label, text in (("parameters", params), ("compartments", comps), ("methods", ", ".join(_methods(comp)))):
        lines.extend(
            textwrap.wrap(text, _WIDTH, initial_indent=f"  {label}: ", subsequent_indent="    ")
            or [f"  {label}: (none)"]
        )
    return "\n".join(lines)


def _table(headers, rows):
    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(str(c))}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def component_html(comp):
    """A component as a notebook shows it: a heading and two tables."""
    name = comp.__dict__.get("name")
    if name is None or "_context" not in comp.__dict__:
        return f"<b>{html.escape(type(comp).__name__)}</b> (not built)"
    head = (
        f"<b>{html.escape(type(comp).__name__)}</b> <code>{html.escape(name)}</code> "
        f"in context <code>{html.escape(comp._context.path)}</code>; methods: "
        f"{html.escape(', '.join(_methods(comp)))}"
    )
    params = _table(["parameter", "value"], [(k, _short(v, 80)) for k, v in comp._params.items()])
    comps = _table(["compartment", "shape", "wired from"], _compartments(comp))
    return f"<div>{head}<details open><summary>parameters</summary>{params}</details>" \
           f"<details open><summary>compartments</summary>{comps}</details></div>"


def _calls_text(proc):
    try:
        return " >> ".join(f"{c}.{m}" for c, m in proc.calls()) or "(no calls yet)"
    except Exception as e:
        return f"<calls unavailable: {e}>"


def _process_head(proc):
    head = f"{type(proc).__name__}({proc.name!r})"
    children = getattr(proc, "_children", None)
    if children is not None:
        head += f" of {' >> '.join(repr(p.name) for p in children) or '(no processes yet)'}"
    return head


def process_repr(proc):
    """``MethodProcess('advance'): W.advance_state >> z.advance_state`` (and what it
    watches)."""
    text = f"{_process_head(proc)}: {_calls_text(proc)}"
    watch = proc._watch_list()
    if watch:
        text += f"; watches {', '.join(c._path for c in watch)}"
    return text


def process_html(proc):
    """A process as a notebook shows it: its calls as a numbered list."""
    items = "".join(f"<li><code>{html.escape(f'{c}.{m}')}</code></li>" for c, m in proc.calls())
    watch = proc._watch_list()
    watched = (
        f"<div>watches: {html.escape(', '.join(c._path for c in watch))}</div>" if watch else ""
    )
    return f"<div><b>{html.escape(_process_head(proc))}</b><ol>{items}</ol>{watched}</div>"


def _objects(ctx):
    from ._context import ContextObjectTypes

    comps = list(ctx.objects.get(ContextObjectTypes.component, {}).values())
    procs = list(ctx.objects.get(ContextObjectTypes.process, {}).values())
    return comps, procs


def _plural(n, word):
    if n == 1:
        return f"1 {word}"
    return f"{n} {word}es" if word.endswith("s") else f"{n} {word}s"


def context_repr(ctx):
    """``Context('ei')`` with its components, wires and processes, one a line."""
    if "_circuit" not in ctx.__dict__:
        return f"Context({ctx.__dict__.get('path')!r})"
    comps, procs = _objects(ctx)
    wires = _wires(ctx)
    lines = [
        f"Context({ctx.path!r}): {_plural(len(comps), 'component')}, "
        f"{_plural(len(wires), 'wire')}, {_plural(len(procs), 'process')}"
    ]
    if comps:
        lines.append("  components:")
        width = max(len(c.name) for c in comps)
        cwidth = max(len(type(c).__name__) for c in comps)
        lines += [f"    {c.name:<{width}}  {type(c).__name__:<{cwidth}}  {_size(c)}".rstrip() for c in comps]
    if wires:
        lines.append("  wires:")
        lines += [f"    {src} >> {target}" for src, target in wires]
    if procs:
        lines.append("  processes:")
        lines += [f"    {process_repr(p)}" for p in procs]
    return "\n".join(lines)


def context_html(ctx):
    """A context as a notebook shows it: tables of its components, wires and
    processes."""
    comps, procs = _objects(ctx)
    wires = _wires(ctx)
    parts = [
        f"<b>Context</b> <code>{html.escape(ctx.path)}</code>: {_plural(len(comps), 'component')}, "
        f"{_plural(len(wires), 'wire')}, {_plural(len(procs), 'process')}"
    ]
    if comps:
        parts.append(_table(["component", "class", "size", "compartments"], [
            (c.name, type(c).__name__, _size(c), ", ".join(n for n, _ in c.compartments)) for c in comps
        ]))
    if wires:
        parts.append(_table(["source", "target"], wires))
    if procs:
        parts.append(_table(["process", "class", "calls"], [
            (p.name, type(p).__name__, _calls_text(p)) for p in procs
        ]))
    return "<div>" + "".join(parts) + "</div>"
