"""Scaling of one model partitioned across MPI ranks (`mpirun -np N ngc run`): time per
step, bytes exchanged per step, compartments held and peak memory per rank, on B2 and on
B2 with ten times the post-synaptic cells (and synapses), with unit and with uniform
weights.

Usage: python3 bench/scaling.py --ngc PATH/TO/ngc(built with --features mpi)
           [--ranks 1,2] [--steps 10000] [--repeat 3]
Prints a Markdown table; every run's outputs are checked byte for byte against the
one-rank run's.
"""
import argparse
import filecmp
import importlib.util
import os
import re
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench_run", os.path.join(HERE, "run.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

ap = argparse.ArgumentParser()
ap.add_argument("--ngc", required=True)
ap.add_argument("--ranks", default="1,2")
ap.add_argument("--steps", type=int, default=10000)
ap.add_argument("--repeat", type=int, default=3)
args = ap.parse_args()
ranks = [int(r) for r in args.ranks.split(",")]

g_e, g_i = 2.4 * 80 / 8000, 2.4 * 20 / 2000
workloads = [
    ("B2", 8000, 2000, 1000, False),
    ("B2 uniform W", 8000, 2000, 1000, True),
    ("B2 x10 post", 8000, 2000, 10000, False),
    ("B2 x10 post, uniform W", 8000, 2000, 10000, True),
]
tmp = tempfile.mkdtemp(prefix="ngc-scaling-")


TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None


def run(model, n, out):
    cmd = [args.ngc, "run", model, "--steps", str(args.steps), "--out", out, "--record-spikes", "post_exc:s",
           "--no-plots"]
    if n > 1:
        cmd = ["mpirun", "--allow-run-as-root", "-np", str(n)] + cmd
    elif TIME:
        # One process: its peak resident memory, as GNU time reports it (KB).
        cmd = [TIME, "-f", "peak-rss-kb %M"] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    t = r.stdout
    wall = float(re.search(r"simulated in ([0-9.]+) s wall", t).group(1))
    sent = re.search(r"sent ([0-9]+) bytes per step", t)
    held = re.search(r"rank 0 holds ([0-9.]+ [KMG]?B)", t)
    peak = re.search(r"peak memory per rank: (.*)", t)
    alone = re.search(r"peak-rss-kb ([0-9]+)", r.stderr)
    if peak:
        peak = peak.group(1)
    elif alone:
        peak = f"{int(alone.group(1)) / 1024:.1f} MB"
    else:
        peak = "-"
    return wall, (int(sent.group(1)) if sent else 0), (held.group(1) if held else "-"), peak


print(f"| workload | ranks | ms per step (best of {args.repeat}) | bytes sent per step per rank | "
      f"compartments held by rank 0 | peak memory per rank |")
print("|---|---|---|---|---|---|")
for name, ne, ni, npost, uniform in workloads:
    model = os.path.join(tmp, re.sub(r"\W+", "_", name) + ".toml")
    with open(model, "w") as f:
        f.write(bench.model_toml(ne, ni, npost, 10.0, g_e, g_i, plastic=uniform))
    best = {n: None for n in ranks}
    for _ in range(args.repeat):
        for n in ranks:
            out = os.path.join(tmp, f"out{n}")
            res = run(model, n, out)
            if best[n] is None or res[0] < best[n][0]:
                best[n] = res
            if n != ranks[0]:
                a = os.path.join(tmp, f"out{ranks[0]}", "post_exc.s.spikes.npy")
                assert filecmp.cmp(a, os.path.join(out, "post_exc.s.spikes.npy"), shallow=False), (name, n)
    for n in ranks:
        wall, sent, held, peak = best[n]
        print(f"| {name} | {n} | {1000 * wall / args.steps:.4f} | {sent if n > 1 else '-'} | {held if n > 1 else '-'} | "
              f"{peak} |")
