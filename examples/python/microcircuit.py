#!/usr/bin/env python3
"""The Potjans & Diesmann (2014) cortical microcircuit as an ngclearn-style script run by
ngclearn_rs: the network of examples/models/microcircuit.toml (the parameters, and where
they come from, are in scripts/make_microcircuit.py, which this script reads), built
with the package's connection rules, Poisson background and concatenated inputs
(`connect`, `background` and `Concatenation`, extensions of ngclearn's): one synapse
into each population, whose projections are the blocks of its rule.

    python examples/python/microcircuit.py [--scale 1.0] [--steps 10000]

At full scale it holds 3 GB and builds in about 20 s; --scale 0.1 is a quick look (a
smaller network is quieter: in-degrees shrink with it). Prints each population's rate."""
import argparse
import importlib.util
import os
import time

import numpy as np

from ngclearn_rs import Context, MethodProcess
from ngclearn_rs.components import ExponentialSynapse, LIFCell
from ngclearn_rs.operations import Concatenation

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
        synapses = []
        for t, tp in enumerate(m.POPS):
            # One synapse into each population reads its sources' spikes side by side;
            # each projection is a block of its `blocks` rule (as in the model file).
            srcs = m.sources(t, a.scale)
            blocks, lo = [], 0
            for s, b in srcs:
                blocks.append({**b, "rows": [lo, lo + n[s]]})
                lo += n[s]
            W = ExponentialSynapse(
                f"into_{tp}", shape=(lo, n[t]), tau_decay=m.TAU_S, g_syn_bar=1., syn_rest=None,
                resist_scale=-1., is_nonplastic=False, key=key(100 + t),
                connect={"rule": "blocks", "blocks": blocks},
                background={"rate": m.BG_RATE * m.K_EXT[t], "weight": w_ext})
            Concatenation(*[cells[s].s for s, _ in srcs]) >> W.inputs
            W.i_syn >> cells[t].j
            synapses.append(W)
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
    print(f"{sum(n):,} cells and {sum(len(m.sources(t, a.scale)) for t in range(8))} projections built in {built:.1f} s; "
          f"{a.steps} steps in {ran:.2f} s")
    for i, p in enumerate(m.POPS):
        print(f"  {p:5} {n[i]:6} cells  {np.asarray(spikes[i]).sum() / n[i] / secs:6.2f} Hz")


if __name__ == "__main__":
    main()
