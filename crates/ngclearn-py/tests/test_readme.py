"""The package README lists exactly the component classes the package exports, each
under its module, and names ngclearn 3.1.1's other classes as not here yet."""

import os
import re

from conftest import ngclearn_or_skip
from ngclearn_rs import components

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "README.md")


def section():
    with open(README) as f:
        text = f.read()
    start = text.index("## Component classes")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def listed():
    """``{module: [classes]}`` of the bullet list."""
    out = {}
    for item in re.split(r"\n- ", section())[1:]:
        m = re.match(r"`components\.([\w.]+)`: (.*)", item, re.S)
        if m:
            out[m.group(1)] = re.findall(r"`(\w+)`", m.group(2).split("\n\n")[0])
    return out


def test_the_readme_lists_every_class_the_package_exports_under_its_module():
    found = listed()
    names = [n for ns in found.values() for n in ns]
    assert sorted(names) == sorted(components.__all__), (
        f"README lacks {sorted(set(components.__all__) - set(names))}, "
        f"lists {sorted(set(names) - set(components.__all__))} the package does not export"
    )
    for module, classes in found.items():
        for name in classes:
            assert getattr(components, name).__module__.startswith(f"ngclearn_rs.components.{module}."), name
    assert f"The {len(components.__all__)} classes" in section()


def test_the_readme_names_ngclearns_other_classes_as_not_here():
    ngclearn_or_skip()
    import inspect

    import ngclearn.components as ngc

    theirs = {n for n in dir(ngc) if inspect.isclass(getattr(ngc, n)) and n != "JaxComponent"}
    not_here = set(re.findall(r"`(\w+)`", section().split("Not here yet", 1)[1].split("\n\n")[0]))
    assert not_here == theirs - set(components.__all__)

