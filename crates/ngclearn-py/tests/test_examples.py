"""The Python examples: ``--help`` works without scikit-learn and documents every
option; a run without scikit-learn says how to install it; a run says where it wrote
its figures."""

import importlib.util
import os
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "examples", "python")
SCRIPTS = ["diehl_cook_digits.py", "pc_digits.py"]


def without_sklearn(tmp_path):
    """An environment in which ``import sklearn`` fails, as where it is not installed."""
    blocker = tmp_path / "block"
    (blocker / "sklearn").mkdir(parents=True)
    (blocker / "sklearn" / "__init__.py").write_text("raise ImportError('No module named sklearn (test)')\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(blocker) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def load(script):
    spec = importlib.util.spec_from_file_location(script[:-3], os.path.join(EXAMPLES, script))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # defines functions only: main runs under __main__
    return module


def run(script, *args, env=None):
    return subprocess.run([sys.executable, os.path.join(EXAMPLES, script), *args], capture_output=True,
                          text=True, env=env, timeout=600)


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_works_without_scikit_learn_and_documents_every_option(script, tmp_path):
    r = run(script, "--help", env=without_sklearn(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "pip install scikit-learn" in " ".join(r.stdout.split())
    # Every option of the parser has a help text, and --help shows it.
    parser_actions = load(script).build_parser()._actions
    options = [a for a in parser_actions if a.option_strings and a.dest != "help"]
    assert len(options) >= 8
    for a in options:
        assert a.help and len(a.help) > 15, f"{script}: {a.option_strings[0]} has no help"
        assert a.option_strings[0] in r.stdout


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_run_without_scikit_learn_says_how_to_install_it(script, tmp_path):
    r = run(script, "--out", str(tmp_path / "out"), env=without_sklearn(tmp_path))
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    assert "scikit-learn is not installed: pip install scikit-learn" in r.stderr


def test_pc_digits_says_where_it_wrote_its_figures(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    out = tmp_path / "figs"
    r = run("pc_digits.py", "--epochs", "1", "--train", "100", "--test", "50", "--hid1", "16", "--hid2", "8",
            "--out", str(out))
    assert r.returncode == 0, r.stderr
    for name in ("receptive_fields.png", "energy.png"):
        assert f"wrote {out / name}" in r.stdout
        assert (out / name).stat().st_size > 1000


def test_diehl_cook_says_where_it_wrote_its_figures(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    out = tmp_path / "figs"
    r = run("diehl_cook_digits.py", "--train", "20", "--test", "10", "--hidden", "9", "--T", "20",
            "--out", str(out))
    assert r.returncode == 0, r.stderr
    for name in ("receptive_fields.png", "spikes.png", "result-ngclearn_rs.json"):
        assert f"wrote {out / name}" in r.stdout
        assert (out / name).exists()


def test_the_running_mean_is_a_trailing_mean():
    rm = load("diehl_cook_digits.py").running_mean
    assert rm([1, 3, 5, 7], 2).tolist() == [1.0, 2.0, 4.0, 6.0]


def test_the_custom_components_lesson_runs_and_its_classes_are_translated():
    pytest.importorskip("jax")
    p = subprocess.run([sys.executable, os.path.join(EXAMPLES, "custom_components.py"), "--steps", "300"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "translated: {'advance_state': True, 'evolve': True, 'reset': True}" in p.stdout
    assert "`for loop` is not translated" in p.stdout
    assert "weights learned" in p.stdout


def test_the_committed_microcircuit_model_file_is_what_its_script_writes(tmp_path):
    """examples/models/microcircuit.toml is scripts/make_microcircuit.py's output, so the
    parameters its docstring states are the model's."""
    root = os.path.join(EXAMPLES, "..", "..")
    out = tmp_path / "microcircuit.toml"
    subprocess.run([sys.executable, os.path.join(root, "scripts", "make_microcircuit.py"), "--out", str(out)],
                   check=True, capture_output=True)
    with open(os.path.join(root, "examples", "models", "microcircuit.toml")) as f:
        assert out.read_text() == f.read()


def test_the_microcircuit_script_runs_a_small_circuit_and_prints_its_rates():
    p = subprocess.run([sys.executable, "-W", "error", os.path.join(EXAMPLES, "microcircuit.py"), "--scale", "0.05",
                        "--steps", "300"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    lines = [l for l in p.stdout.splitlines() if " cells " in l and "Hz" in l]
    assert [l.split()[0] for l in lines] == ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"], p.stdout
