"""Compares a regenerated fixture directory with the committed one, value for value.

Usage: python scripts/compare_fixtures.py NEW_DIR [OLD_DIR]
OLD_DIR defaults to crates/ngclearn/tests/fixtures/ngclearn-3.1.1. JSON files must hold the
same values (the `generator` field is ignored); the saved model's JSON files must be equal and
its npz files must hold the same arrays bit for bit. Exits 1 on the first difference."""
import json, os, sys
import numpy as np

new = sys.argv[1]
old = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1")


def files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs
                  if not f.startswith("README"))


def fail(msg):
    print("DIFFERENT:", msg)
    sys.exit(1)


a, b = files(old), files(new)
if a != b:
    fail(f"file lists differ: only old {sorted(set(a) - set(b))}, only new {sorted(set(b) - set(a))}")
for rel in a:
    p, q = os.path.join(old, rel), os.path.join(new, rel)
    if rel.endswith(".json"):
        x, y = json.load(open(p)), json.load(open(q))
        if isinstance(x, dict):
            x.pop("generator", None)
            y.pop("generator", None)
        if x != y:
            fail(rel)
    elif rel.endswith(".npz"):
        x, y = np.load(p), np.load(q)
        if sorted(x.files) != sorted(y.files):
            fail(f"{rel}: entries {x.files} vs {y.files}")
        for k in x.files:
            if x[k].dtype != y[k].dtype or x[k].shape != y[k].shape or x[k].tobytes() != y[k].tobytes():
                fail(f"{rel}: {k}")
    else:
        if open(p, "rb").read() != open(q, "rb").read():
            fail(rel)
print(f"same: {len(a)} files")
