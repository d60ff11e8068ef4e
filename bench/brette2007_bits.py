"""Runs Brette et al.'s COBA and CUBA scripts (bench/brette2007/ngclearn_net.py) in ngclearn
3.1.1 and through ngclearn_rs from the benchmark's initial state, and compares every step's
spikes, potentials and currents into E as bits. Prints the first step where each differs
(none: the runs are the same to the last bit); exits 1 if any does.

Usage: python3 bench/brette2007_bits.py --python /work/V/bin/python [--steps 10000]
--python is a Python with ngclearn 3.1.1 and ngclearn_rs installed."""
import argparse, os, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brette2007 import HERE, make_init  # noqa: E402

NAMES = ["E:s", "I:s", "E:v", "I:v", "WEE:i_syn", "WIE:i_syn"]
COMPARE = """import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
names = sys.argv[3].split(",")
bad = 0
for k, n in enumerate(names):
    x, y = a[f"arr_{k}"], b[f"arr_{k}"]
    d = np.nonzero((x.view(np.uint32) != y.view(np.uint32)).reshape(x.shape[0], -1).any(1))[0]
    print(f"  {n:10} {x.shape[0]} steps: " + (f"first differs at step {d[0]}" if len(d) else "the same bits"))
    bad += len(d) > 0
sys.exit(1 if bad else 0)"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", required=True)
    ap.add_argument("--steps", type=int, default=10000)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="brette2007-bits-")
    net = os.path.join(HERE, "ngclearn_net.py")
    failed = False
    for model in ["coba", "cuba"]:
        init = os.path.join(tmp, f"init_{model}.npz")
        make_init(a.python, model, init)
        dumps = []
        for engine in ["ngclearn", "rs"]:
            dump = os.path.join(tmp, f"{model}_{engine}.npz")
            subprocess.run([a.python, net, model, str(a.steps), init, "--engine", engine, "--dump", dump],
                           check=True, capture_output=True, cwd=tmp)
            dumps.append(dump)
        print(f"{model}: ngclearn 3.1.1 against ngclearn_rs")
        r = subprocess.run([a.python, "-c", COMPARE, *dumps, ",".join(NAMES)])
        failed |= r.returncode != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
