#!/usr/bin/env python3
"""The microcircuit's raster, as NEST's example draws it: a share of each population's
cells (ordered L23E at the top to L6I at the bottom, excitatory in blue, inhibitory in
red) over a window, from the spike recordings of

    ngc run examples/models/microcircuit.toml --steps 10000 --out OUT \\
        --record-spikes L23E:s --record-spikes L23I:s ... --record-spikes L6I:s

Usage: python3 scripts/plot_microcircuit_raster.py OUT FIGURE.png [--from 500] [--to 700]
       [--share 0.05]   (needs numpy and matplotlib)"""
import argparse, os

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

POPS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
N = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("figure")
    ap.add_argument("--from", dest="t0", type=float, default=500.0)
    ap.add_argument("--to", dest="t1", type=float, default=700.0)
    ap.add_argument("--share", type=float, default=0.05)
    ap.add_argument("--dt", type=float, default=0.1)
    a = ap.parse_args()
    fig, ax = plt.subplots(figsize=(7, 6), dpi=150)
    top, ticks, rates = 0, [], []
    for p, n in zip(POPS, N):
        ev = np.load(os.path.join(a.out, f"{p}.s.spikes.npy"))
        shown = int(round(n * a.share))
        t = (ev[:, 0] + 1) * a.dt
        keep = (ev[:, 1] < shown) & (t >= a.t0) & (t < a.t1)
        ax.plot(t[keep], top + shown - ev[keep, 1], ".", ms=1.2, color="#1f5fa8" if p.endswith("E") else "#c0392b")
        ticks.append(top + shown / 2)
        top += shown
        rates.append(len(ev) / n / (ev[:, 0].max() + 1) / a.dt * 1000 if len(ev) else 0.0)
    ax.set_yticks(ticks, [f"{p} ({r:.2f} Hz)" for p, r in zip(POPS, rates)])
    ax.set_ylim(top, 0)
    ax.set_xlim(a.t0, a.t1)
    ax.set_xlabel("time (ms)")
    ax.set_title(f"Potjans-Diesmann microcircuit, ngc: {a.share:.0%} of each population's cells")
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    fig.tight_layout()
    fig.savefig(a.figure)
    print(f"wrote {a.figure}")


if __name__ == "__main__":
    main()
