"""docs/python-api.md is what scripts/make_py_api_docs.py makes from the package as it
is: a docstring, a signature or a class changed without regenerating it fails here."""

import importlib.util
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")


def generator():
    path = os.path.join(ROOT, "scripts", "make_py_api_docs.py")
    spec = importlib.util.spec_from_file_location("make_py_api_docs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_api_reference_is_current():
    with open(os.path.join(ROOT, "docs", "python-api.md")) as f:
        committed = f.read()
    fresh = generator().render()
    assert committed == fresh, (
        "docs/python-api.md is stale: run `python scripts/make_py_api_docs.py` and commit it"
    )


def test_the_reference_covers_every_class_and_public_method():
    text = generator().render()
    from ngclearn_rs import components

    for name in components.__all__:
        assert f"### `{name}(" in text, name
    for needle in ("**`save_to_json(", "**`scan(inputs", "progress=False", "**`parameters()`**",
                   "classmethod **`load(", "**`set(value)`**", "### `PRNGKey(seed)`"):
        assert needle in text, needle


def test_check_mode_reports_a_stale_file(tmp_path, capsys):
    gen = generator()
    out = tmp_path / "api.md"
    out.write_text("old\n")
    assert gen.main(["--check", "--out", str(out)]) == 1
    assert "stale" in capsys.readouterr().err
    assert gen.main(["--out", str(out)]) == 0
    assert gen.main(["--check", "--out", str(out)]) == 0
