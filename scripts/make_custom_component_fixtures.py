"""Regenerates crates/ngclearn-py/tests/fixtures/custom/<scenario>.npz: what ngclearn 3.1.1
(ngcsimlib 3.1.1, JAX, float32, CPU) computes for the user-written components of
crates/ngclearn-py/tests/custom_classes.py (JaxComponent subclasses with @compilable methods,
as ngclearn's own cells and lessons write them), one file per scenario of its SCENARIOS.

Each scenario runs with its default arguments (`run()`); each file maps
"<component>.<compartment>" to the compartment's value after every step, stacked on a
leading step axis (float32; a PRNG key as uint32). The same module runs unchanged under
ngclearn_rs, whose tests compare against these files.

Usage (a Python 3.12 with `pip install ngclearn==3.1.1 jax==0.12.0.1`):
    python scripts/make_custom_component_fixtures.py [OUTDIR]
e.g. /work/V/bin/python scripts/make_custom_component_fixtures.py
OUTDIR defaults to crates/ngclearn-py/tests/fixtures/custom. The files are written with
fixed zip timestamps and sorted keys, so two runs give byte-identical files
(`sha256sum OUTDIR/*.npz` to compare).

All ten scenarios run under ngclearn 3.1.1 as released; a scenario that raised would be
reported and left unwritten, and the script would exit with status 1.
"""
import io
import os
import sys
import traceback
import zipfile

os.environ["NGC_LIB"] = "ngclearn"  # before custom_classes is imported
HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "..", "crates", "ngclearn-py", "tests")
sys.path.insert(0, TESTS)

import numpy as np  # noqa: E402
import custom_classes  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TESTS, "fixtures", "custom")
os.makedirs(out, exist_ok=True)


def write_npz(path, arrays):
    """np.savez's format (one .npy per key, stored), with fixed timestamps and key order."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


failed = {}
for name, run in custom_classes.SCENARIOS.items():
    try:
        arrays = run()
    except Exception as e:  # record what ngclearn cannot run, and why
        failed[name] = f"{type(e).__name__}: {e}"
        traceback.print_exc()
        continue
    path = os.path.join(out, f"{name}.npz")
    write_npz(path, arrays)
    print(f"{path}: {len(arrays)} arrays, {os.path.getsize(path)} bytes")

for name, why in failed.items():
    print(f"ngclearn 3.1.1 cannot run scenario {name}: {why}")
sys.exit(1 if failed else 0)
