"""The READMEs' lists of component classes are what scripts/make_class_lists.py makes
from the engine's one list of classes: a class added, removed or moved without
regenerating them fails here."""

import importlib.util
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")


def generator():
    path = os.path.join(ROOT, "scripts", "make_class_lists.py")
    spec = importlib.util.spec_from_file_location("make_class_lists", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readmes_list_the_engines_classes():
    gen = generator()
    block = gen.render()
    for path in gen.READMES:
        with open(path) as f:
            text = f.read()
        assert gen.update(text, block) == text, (
            f"{os.path.relpath(path, ROOT)}: the list of classes is stale: run "
            f"`python scripts/make_class_lists.py` and commit it"
        )


def test_the_list_names_every_class_once():
    from ngclearn_rs import _core

    block = generator().render()
    for name in _core.classes():
        assert block.count(f"`{name}`") == 1, name
    assert f"The {len(_core.classes())} classes" in block
