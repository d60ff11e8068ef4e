#!/usr/bin/env python3
"""The Potjans & Diesmann (2014) cortical microcircuit as an ngclearn-style script run by
ngclearn_rs: the network of examples/models/microcircuit.toml (the parameters, and where
they come from, are in scripts/make_microcircuit.py, which this script reads), built
with the package's connection rules and Poisson background (`connect` and `background`,
extensions of ngclearn's synapses).

    python examples/python/microcircuit.py [--scale 1.0] [--steps 10000]

At full scale it holds 3 GB and builds in about 20 s; --scale 0.1 is a quick look (a
smaller network is quieter: in-degrees shrink with it). Prints each population's rate."""
import argparse
import importlib.util
import math
import os
import time

import numpy as np

from ngclearn_rs import Context, MethodProcess
from ngclearn_rs.components import ExponentialSynapse, LIFCell
from ngclearn_rs.operations import Summation

HERE = os.path.dirname(os.path.abspath(__file__))


def parameters():
    """scripts/make_microcircuit.py, the one statement of the model's parameters."""
    path = os.path.join(HERE, "..", "..", "scripts", "make_microcircuit.py")
    spec = importlib.util.spec_from_file_location("make_microcircuit", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--steps", type=int, default=10000)
    a = ap.parse_args()
    m = parameters()
    r_m = m.TAU_M / m.C_M
    w_ext = m.PSP * m.psc_per_psp()
    n = [max(1, round(x * a.scale)) for x in m.N]
    t0 = time.perf_counter()
    key = lambda k: np.array([55, k], np.uint32)
    with Context("microcircuit") as ctx:
        cells = [LIFCell(p, n_units=n[i], tau_m=m.TAU_M, resist_m=r_m, thr=-50., v_rest=-65.,
                         v_reset=-65., tau_theta=0., theta_plus=0., refract_time=2., key=key(i))
                 for i, p in enumerate(m.POPS)]
        into = [[] for _ in m.POPS]
        synapses = []
        for t, tp in enumerate(m.POPS):
            for s, sp in enumerate(m.POPS):
                if m.P[t][s] == 0.0:
                    continue
                k_full = math.log(1.0 - m.P[t][s]) / math.log((m.N[s] * m.N[t] - 1.0) / (m.N[s] * m.N[t]))
                k = round(k_full * a.scale * a.scale)
                if k == 0:
                    continue
                exc = sp.endswith("E")
                w = w_ext * (2.0 if (t, s) == (0, 2) else 1.0) * (1.0 if exc else -4.0)
                bound = {"low": 0.0} if w > 0 else {"high": 0.0}
                d, sd = (1.5, 0.75) if exc else (0.75, 0.375)
                # The population's Poisson background (K_ext inputs at 8 Hz) rides on
                # its first projection, as in the model file.
                bg = {} if into[t] else {
                    "background": {"rate": m.BG_RATE * m.K_EXT[t], "weight": w_ext}}
                W = ExponentialSynapse(
                    f"{sp}_{tp}", shape=(n[s], n[t]), tau_decay=m.TAU_S, g_syn_bar=1., syn_rest=None,
                    resist_scale=-1., is_nonplastic=False, key=key(100 + 8 * t + s),
                    connect={"rule": "fixed_total_number", "n": k,
                             "weight": {"dist": "normal", "mean": w, "std": abs(w) * 0.1, **bound},
                             "delay": {"dist": "normal", "mean": d, "std": sd, "low": 0.05}},
                    **bg)
                cells[s].s >> W.inputs
                into[t].append(W.i_syn)
                synapses.append(W)
        for t, c in enumerate(cells):
            Summation(*into[t]) >> c.j
        adv = MethodProcess("advance_proc")
        for W in synapses:
            adv >> W.advance_state
        for c in cells:
            adv >> c.advance_state
        adv.watch(*[c.s for c in cells])
        rst = MethodProcess("reset_proc")
        for comp in synapses + cells:
            rst >> comp.reset
    built = time.perf_counter() - t0
    rst.run()
    rng = np.random.default_rng(55)
    for i, c in enumerate(cells):
        c.v.set(rng.normal(m.V0_MEAN[i], m.V0_STD[i], (1, n[i])).astype(np.float32))
    t0 = time.perf_counter()
    final, spikes = adv.scan(adv.pack_rows(a.steps, t=lambda k: (k + 1) * 0.1, dt=0.1))
    ran = time.perf_counter() - t0
    secs = a.steps * 0.1 / 1000.0
    print(f"{sum(n):,} cells and {len(synapses)} projections built in {built:.1f} s; "
          f"{a.steps} steps in {ran:.2f} s")
    for i, p in enumerate(m.POPS):
        print(f"  {p:5} {n[i]:6} cells  {np.asarray(spikes[i]).sum() / n[i] / secs:6.2f} Hz")


if __name__ == "__main__":
    main()
