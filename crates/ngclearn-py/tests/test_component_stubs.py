"""The component classes' type stubs are what scripts/make_py_stubs.py makes from the
classes the package builds: a class, a signature or a docstring changed without
regenerating them fails here; and the stubs ship with the package."""

import ast
import importlib.util
import inspect
import os

import ngclearn_rs
from ngclearn_rs import components

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")


def generator():
    path = os.path.join(ROOT, "scripts", "make_py_stubs.py")
    spec = importlib.util.spec_from_file_location("make_py_stubs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_stubs_are_current():
    stale = generator().stale()
    assert not stale, f"stale component stubs {stale}: run `python scripts/make_py_stubs.py` and commit them"


def test_each_stub_declares_its_class_with_its_signature():
    stubs = generator().render()
    for name in components.__all__:
        cls = getattr(components, name)
        path = os.path.join(*cls.__module__.split(".")[1:]) + ".pyi"
        tree = ast.parse(stubs[path])
        (klass,) = [n for n in tree.body if isinstance(n, ast.ClassDef)]
        assert klass.name == name
        init = next(n for n in klass.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
        args = [a.arg for a in init.args.args]
        assert args == list(inspect.signature(cls.__init__).parameters)[: len(args)], name
        assert (init.args.kwarg is not None) == ("kwargs" in inspect.signature(cls.__init__).parameters)


def test_the_stubs_ship_with_the_package():
    pkg = os.path.dirname(ngclearn_rs.__file__)
    for path in generator().render():
        assert os.path.exists(os.path.join(pkg, path)), path
