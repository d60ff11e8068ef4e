"""The type stubs cover the API: every public class, function and method of a module
with a stub is declared in it, and the stubs ship with the package."""

import ast
import os

import pytest

import ngclearn_rs

PKG = os.path.dirname(ngclearn_rs.__file__)
#: The classes scripts construct (the others the package makes for them).
CONSTRUCTED = {"Context", "MethodProcess", "JointProcess", "BaseOp"}
MODULES = ["_context", "_compartment", "_process", "operations", "random", "utils/distribution_generator"]


def public(tree):
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_") or (
            isinstance(node, ast.ClassDef) and node.name in ("_Process", "_Initializer")
        ):
            names.add(node.name)
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and (
                        not item.name.startswith("_")
                        or item.name in ("__getitem__", "__rshift__")
                        or (item.name == "__init__" and node.name in CONSTRUCTED)
                    ):
                        names.add(f"{node.name}.{item.name}")
    return names


def declared(tree):
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef):
                        names.add(f"{node.name}.{item.name}")
    return names


@pytest.mark.parametrize("module", MODULES)
def test_each_stub_declares_its_modules_api(module):
    with open(os.path.join(PKG, module + ".py")) as f:
        src = ast.parse(f.read())
    with open(os.path.join(PKG, module + ".pyi")) as f:
        stub = ast.parse(f.read())
    missing = public(src) - declared(stub)
    # Subclasses declare only what they add; inherited methods come with the base.
    missing = {m for m in missing if not m.startswith(("_LiveState", "BaseOp._", "Summation.", "Product."))}
    assert not missing, f"{module}.pyi lacks {sorted(missing)}"


def test_the_package_is_typed():
    assert os.path.exists(os.path.join(PKG, "py.typed"))
    assert os.path.exists(os.path.join(PKG, "_core.pyi"))
