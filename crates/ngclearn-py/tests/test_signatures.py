"""Every constructor has ngclearn 3.1.1's signature (names, order, defaults), and
names the engine's parameters in the engine's order."""

import json

import pytest

import ngclearn_rs
from conftest import ngclearn_class, ngclearn_or_skip, params
from ngclearn_rs import _core, components

CLASSES = sorted(components.__all__)




@pytest.mark.parametrize("name", CLASSES)
def test_constructors_have_ngclearns_signature(name):
    ngclearn_or_skip()

    mine, theirs = params(getattr(components, name)), params(ngclearn_class(name))
    assert [(p.name, p.kind) for p in mine] == [(p.name, p.kind) for p in theirs]
    for a, b in zip(mine, theirs):
        assert a.default == b.default or (a.default is b.default), (name, a.name, a.default, b.default)


@pytest.mark.parametrize("name", CLASSES)
def test_constructors_bind_the_engines_positional_parameters(name):
    engine = json.loads(_core.schema(name))["signature"]
    mine = [p.name for p in params(getattr(components, name)) if p.kind is p.POSITIONAL_OR_KEYWORD]
    # ngclearn's positional parameters, less those the engine takes by keyword here
    # (a synapse's `mask`/`batch_size`/`key` ride in **kwargs) and the error cells' 4-D
    # `shape`, which the Python class refuses.
    assert [n for n in engine if n in mine] == [n for n in mine if n in engine]
    extra = {"mask", "batch_size", "key", "surrogate_type"}
    if name.endswith("ErrorCell"):
        extra.add("shape")
    assert set(mine) <= set(engine) | extra, name


def test_module_paths_mirror_ngclearns():
    import importlib

    for name in CLASSES:
        cls = getattr(components, name)
        # Importable at ngclearn's path (with ngclearn_rs for ngclearn), and the engine
        # names the same path.
        assert getattr(importlib.import_module(cls.__module__), name) is cls
        engine = json.loads(_core.schema(name))["module_path"]
        assert engine == "ngclearn" + cls.__module__[len("ngclearn_rs"):] + "." + name
    assert set(_core.classes()) == set(CLASSES)
    assert ngclearn_rs.MethodProcess is ngclearn_rs.utils.MethodProcess


@pytest.mark.parametrize("name", CLASSES)
def test_classes_derive_from_the_classes_ngclearns_derive_from(name):
    ngclearn_or_skip()

    def bases(cls):
        return [b.__name__ for b in cls.__mro__[1:] if b.__name__ in CLASSES]

    assert bases(getattr(components, name)) == bases(ngclearn_class(name))
