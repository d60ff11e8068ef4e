#!/usr/bin/env python3
"""The Python package against ngclearn: the peers' ngclearn_bench.py run as it is under
ngclearn 3.1.1, and with its import lines changed under ngclearn_rs.

  loop  B1 (80 + 20 -> 1, 10,000 steps): the tutorial's Python loop over process.run
  scan  B2 (8,000 + 2,000 -> 1,000, 10,000 steps): one scan over the advance process

Usage: python3 bench/python_api.py --ngclearn PYTHON [--rs PYTHON] [--repeat N]
  --ngclearn  a Python with ngclearn 3.1.1 (and JAX)
  --rs        a Python with ngclearn_rs installed (and JAX, which the script itself
              imports for block_until_ready; default: the --ngclearn one)
Each run is a fresh process; the best of N is kept. Prints a table and the JSON rows.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER = os.path.join(ROOT, "..", "shared", "peers", "ngclearn_bench.py")
WORKLOADS = [("B1 loop", ["loop", "80", "20", "1", "10000"]), ("B2 scan", ["scan", "8000", "2000", "1000", "10000"])]


def rewritten(src):
    """The script with only its import lines changed to ngclearn_rs."""
    out = []
    for line in src.splitlines():
        if line == "from jax import numpy as jnp, random":
            out += ["import numpy as jnp", "from ngclearn_rs import random"]
        else:
            out.append(re.sub(r"^from ngclearn(?=[ .])", "from ngclearn_rs", line))
    return "\n".join(out) + "\n"


def run(python, script, args):
    p = subprocess.run([python, script] + args, capture_output=True, text=True, check=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ngclearn", required=True)
    ap.add_argument("--rs")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    rs = a.rs or a.ngclearn
    with open(PEER) as f:
        src = f.read()
    tmp = tempfile.mkdtemp(prefix="ngclearn-rs-pybench-")
    mine = os.path.join(tmp, "ngclearn_rs_bench.py")
    with open(mine, "w") as f:
        f.write(rewritten(src))
    rows = []
    print(f"{'workload':<9} {'impl':<24} {'run s':>8} {'spikes':>8}")
    for name, args in WORKLOADS:
        best = {}
        for _ in range(a.repeat):  # interleaved
            for impl, py, script in (("ngclearn 3.1.1", a.ngclearn, PEER), ("ngclearn_rs", rs, mine)):
                r = run(py, script, args)
                if impl not in best or r["run_s"] < best[impl]["run_s"]:
                    best[impl] = r
        for impl, r in best.items():
            print(f"{name:<9} {impl:<24} {r['run_s']:8.3f} {r['post_spikes']:8.0f}")
            rows.append({"workload": name, "impl": impl, **r})
        ratio = best["ngclearn 3.1.1"]["run_s"] / best["ngclearn_rs"]["run_s"]
        print(f"{name:<9} {'ngclearn / ngclearn_rs':<24} {ratio:8.1f}x")
    print(json.dumps(rows))


if __name__ == "__main__":
    sys.exit(main())
