"""Writes docs/python-api.md, the reference of the Python package ngclearn_rs, from its
docstrings and signatures (inspect) and, for each component class, the engine's schema
(parameters with defaults and units, compartments, methods, equations).

    python scripts/make_py_api_docs.py            # writes docs/python-api.md
    python scripts/make_py_api_docs.py --check    # exit 1 if the file is stale

Needs ngclearn_rs installed (pip install ./crates/ngclearn-py); nothing else.
crates/ngclearn-py/tests/test_api_docs.py fails when the committed file is stale.
"""

import argparse
import importlib
import inspect
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "docs", "python-api.md")

#: The modules a user imports, in the order the reference gives them.
MODULES = [
    "ngclearn_rs",
    "ngclearn_rs._context",
    "ngclearn_rs._compartment",
    "ngclearn_rs._process",
    "ngclearn_rs._component",
    "ngclearn_rs.operations",
    "ngclearn_rs.utils.distribution_generator",
    "ngclearn_rs.random",
    "ngclearn_rs.global_state",
    "ngclearn_rs.components",
]

#: Where each private module's public names are imported from.
PUBLIC_NAME = {
    "ngclearn_rs._context": "ngclearn_rs (Context, StateDict, ContextObjectTypes)",
    "ngclearn_rs._compartment": "ngclearn_rs (Compartment)",
    "ngclearn_rs._process": "ngclearn_rs (MethodProcess, JointProcess)",
    "ngclearn_rs._component": "ngclearn_rs (Component, the base of every component class)",
}

#: The public classes of each private module (its other names are its own helpers).
EXPORTS = {
    "ngclearn_rs._context": ["Context", "StateDict", "ContextObjectTypes"],
    "ngclearn_rs._compartment": ["Compartment"],
    "ngclearn_rs._process": ["MethodProcess", "JointProcess"],
    "ngclearn_rs._component": ["Component"],
}


def _doc(obj):
    doc = inspect.getdoc(obj) or ""
    return doc.strip()


def _signature(obj, drop_self=True):
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return "(...)"
    params = list(sig.parameters.values())
    if drop_self and params and params[0].name in ("self", "cls"):
        params = params[1:]
    return str(sig.replace(parameters=params, return_annotation=inspect.Signature.empty))


def _ours(obj):
    module = getattr(obj, "__module__", None) or ""
    return module.startswith("ngclearn_rs")


def _members(cls):
    """``(name, kind, object)`` of a class's public methods and properties defined in
    the package (inherited ones from the package's own bases included), in source
    order."""
    out, seen = [], set()
    for klass in cls.__mro__:
        if not _ours(klass):
            continue
        for name, member in vars(klass).items():
            if name in seen or (name.startswith("_") and name not in ("__rshift__", "__call__")):
                continue
            kind = "method"
            if isinstance(member, staticmethod):
                member, kind = member.__func__, "staticmethod"
            elif isinstance(member, classmethod):
                member, kind = member.__func__, "classmethod"
            elif isinstance(member, property):
                member, kind = member.fget, "property"
            if not callable(member):
                continue
            seen.add(name)
            out.append((name, kind, member))
    return out


#: The classes a script constructs (the others it is handed: their constructors are
#: the package's own business).
CONSTRUCTED = {"Context", "MethodProcess", "JointProcess", "Summation", "Product", "BaseOp"}


def _class_section(cls, level="###"):
    sig = _signature(cls.__init__) if cls.__name__ in CONSTRUCTED else ""
    lines = [f"{level} `{cls.__name__}{sig}`", ""]
    doc = _doc(cls)
    if doc:
        lines += [doc, ""]
    for name, kind, member in _members(cls):
        if kind == "property":
            head = f"- **`{name}`** (property)"
        else:
            prefix = f"{kind} " if kind != "method" else ""
            head = f"- {prefix}**`{name}{_signature(member, kind != 'staticmethod')}`**"
        mdoc = _doc(member)
        lines.append(head + (":" if mdoc else ""))
        if mdoc:
            lines += ["  " + line if line else "" for line in mdoc.splitlines()]
    lines.append("")
    return lines


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _component_section(cls):
    from ngclearn_rs import _core

    schema = json.loads(_core.schema(cls._class))
    lines = [f"### `{cls.__name__}{_signature(cls.__init__)}`", ""]
    lines += [f"`{cls.__module__}.{cls.__name__}` (ngclearn: `{schema['module_path']}`)", ""]
    # The docstring (made from the schema) holds the description, notes, equations,
    # compartments and methods; the tables add each parameter's and compartment's.
    doc = _doc(cls)
    if doc:
        lines += [_rst_blocks(doc), ""]
    lines += ["| parameter | default | units | description |", "|---|---|---|---|"]
    for h in schema["hyperparameters"]:
        default = "required" if h["default"] is None else h["default"]
        aliases = f" (also: {', '.join(h['aliases'])})" if h.get("aliases") else ""
        if h.get("extension"):
            aliases += " (the engine's own, for saved models and model files: not an argument here)"
        lines.append(
            f"| `{h['name']}` | {_cell(default)} | {_cell(h.get('units', ''))} | "
            f"{_cell(h.get('description', ''))}{_cell(aliases)} |"
        )
    lines += ["", "| compartment | role | shape | units | description |", "|---|---|---|---|---|"]
    for c in schema["compartments"]:
        shape = "PRNG key" if c["kind"] == "key" else c.get("shape", "")
        lines.append(
            f"| `{c['name']}` | {c.get('role', '')} | {_cell(shape)} | {_cell(c.get('units', ''))} | "
            f"{_cell(c.get('description', ''))} |"
        )
    lines += ["", "| method | keywords | description |", "|---|---|---|"]
    for m in schema["methods"]:
        lines.append(f"| `{m['name']}` | {', '.join(m['keywords'])} | {_cell(m.get('description', ''))} |")
    lines.append("")
    return lines


def _rst_blocks(doc):
    """A docstring's literal blocks (a paragraph ending in ``::`` and the indented
    lines after it) as fenced text blocks."""
    out, in_block = [], False
    for line in doc.split("\n"):
        if in_block and line and not line.startswith("    "):
            out += ["```", ""]
            in_block = False
        if in_block:
            out.append(line[4:])
            continue
        if line.endswith("::"):
            out += [line[:-1], "", "```text"]
            in_block = True
            continue
        out.append(line)
    if in_block:
        out.append("```")
    text = "\n".join(out)
    return text.replace("```text\n\n", "```text\n").replace("\n\n```\n", "\n```\n")


def render():
    """The reference as one markdown string."""
    import ngclearn_rs
    from ngclearn_rs import components

    lines = [
        "# ngclearn_rs: Python API reference",
        "",
        "<!-- Generated by scripts/make_py_api_docs.py from the package's docstrings and the",
        "     engine's class schemas; do not edit by hand (tests/test_api_docs.py checks it). -->",
        "",
        f"ngclearn_rs {ngclearn_rs.__version__}, with ngclearn {ngclearn_rs.ngclearn_version}'s API.",
        "",
        "Contents: " + ", ".join(f"[`{m}`](#{m.replace('.', '')})" for m in MODULES
                                 if m != "ngclearn_rs.components") + ", [component classes](#component-classes)",
        "",
    ]
    for mname in MODULES:
        if mname == "ngclearn_rs.components":
            continue
        module = importlib.import_module(mname)
        lines += [f"## `{mname}`", ""]
        if mname in PUBLIC_NAME:
            lines += [f"Imported from {PUBLIC_NAME[mname]}.", ""]
        doc = _doc(module)
        if doc:
            lines += [doc, ""]
        if mname == "ngclearn_rs":
            names = [n for n in ngclearn_rs.__all__ if not inspect.ismodule(getattr(ngclearn_rs, n))]
            lines += ["Exports: " + ", ".join(f"`{n}`" for n in names) + ".", ""]
            continue
        names = EXPORTS.get(mname) or getattr(module, "__all__", None) or [
            n for n in vars(module) if not n.startswith("_")
        ]
        for n in names:
            obj = getattr(module, n)
            if not callable(obj) and _ours(type(obj)):
                # An object the module exports (``stateManager``): its class's members.
                lines += [f"### `{n}`", ""] + _class_section(type(obj))[2:]
                continue
            if not callable(obj) or not _ours(obj) or obj.__module__ != mname:
                continue
            if inspect.isclass(obj):
                lines += _class_section(obj)
            else:
                lines += [f"### `{n}{_signature(obj, False)}`", ""]
                doc = _doc(obj)
                if doc:
                    lines += [doc, ""]
    lines += ["## Component classes", "", _doc(components), ""]
    by_module = {}
    for n in components.__all__:
        cls = getattr(components, n)
        family = cls.__module__.rsplit(".", 1)[0]
        by_module.setdefault(family, []).append(cls)
    for family in sorted(by_module):
        lines += [f"### {family}", ""]
        lines += ", ".join(f"`{c.__name__}`" for c in sorted(by_module[family], key=lambda c: c.__name__)).split("\n")
        lines.append("")
    for n in sorted(components.__all__):
        lines += _component_section(getattr(components, n))
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.rstrip() + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale, write nothing")
    parser.add_argument("--out", default=OUT, help=f"where to write (default: {os.path.relpath(OUT, ROOT)})")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        try:
            with open(args.out) as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != text:
            print(f"{args.out} is stale: run python scripts/make_py_api_docs.py", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    with open(args.out, "w") as f:
        f.write(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
