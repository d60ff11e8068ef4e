"""Every public callable of the package has a docstring: the classes, their public
methods and properties, and the modules' functions (what ``help()`` and the API
reference, docs/python-api.md, show)."""

import inspect

import ngclearn_rs


def _ours(obj):
    module = getattr(obj, "__module__", None) or ""
    return module == "ngclearn_rs" or module.startswith("ngclearn_rs.")


def public_modules():
    """The package and every public module under it, by dotted name."""
    import pkgutil

    found = {"ngclearn_rs": ngclearn_rs}
    for info in pkgutil.walk_packages(ngclearn_rs.__path__, "ngclearn_rs."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        found[info.name] = __import__(info.name, fromlist=["_"])
    return found


def public_api():
    """``(qualified name, object)`` of every public callable: what a module exports
    (its ``__all__``, else its public names defined in the package), and each class's
    public methods and properties defined in the package."""
    seen, out = set(), []
    for mname, module in sorted(public_modules().items()):
        names = getattr(module, "__all__", None)
        if names is None:
            names = [n for n in vars(module) if not n.startswith("_")]
        for n in names:
            obj = getattr(module, n)
            if not inspect.ismodule(obj) and not callable(obj) and _ours(type(obj)):
                obj = type(obj)  # an exported object (``stateManager``): its class
            if inspect.ismodule(obj) or not callable(obj) or not _ours(obj):
                continue
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            out.append((f"{obj.__module__}.{obj.__qualname__}", obj))
            if inspect.isclass(obj):
                for cls in obj.__mro__:
                    if not _ours(cls):
                        continue
                    for attr, member in vars(cls).items():
                        if attr.startswith("_") and attr not in ("__init__", "__call__", "__rshift__"):
                            continue
                        if attr == "__init__" and cls is not obj:
                            continue
                        if isinstance(member, (staticmethod, classmethod)):
                            member = member.__func__
                        if isinstance(member, property):
                            member = member.fget
                        if not callable(member) or id(member) in seen:
                            continue
                        seen.add(id(member))
                        out.append((f"{cls.__module__}.{cls.__qualname__}.{attr}", member))
    return out


def documented(name, obj):
    doc = obj.__doc__
    if name.endswith(".__init__"):
        # A constructor is documented by its class's docstring, as help() shows it.
        return True
    return bool(doc and doc.strip())


def test_the_walk_finds_the_api():
    names = {n for n, _ in public_api()}
    assert "ngclearn_rs._context.Context.save_to_json" in names
    assert "ngclearn_rs.components.neurons.spiking.LIFCell.LIFCell" in names
    assert "ngclearn_rs._component.Component.parameters" in names
    assert "ngclearn_rs.random.PRNGKey" in names
    assert "ngclearn_rs.global_state._StateManager.set_state" in names
    assert len(names) > 70


def test_every_public_callable_has_a_docstring():
    missing = [n for n, obj in public_api() if not documented(n, obj)]
    assert not missing, f"{len(missing)} public callables lack a docstring: {missing}"
