"""The Brette et al. (2007) COBA and CUBA networks in Brian2, C++ standalone, as
ngclearn_net.py defines them (same cells, connection probability, synapses, Euler steps
of 0.1 ms, and the initial state from INIT.npz); spikes act on the next step, as in the
ngclearn script. Brian2 draws its own connections.

Usage: python brian2_net.py {coba,cuba} STEPS INIT.npz
Prints one JSON line: whole (with code generation and compile) and simulation alone."""
import json, sys, tempfile, time

import numpy as np
from brian2 import (NeuronGroup, Synapses, SpikeMonitor, defaultclock, device, ms, mV, run, seed,
                    set_device)

model, steps, init = sys.argv[1], int(sys.argv[2]), np.load(sys.argv[3])
set_device("cpp_standalone", directory=tempfile.mkdtemp(), build_on_run=False)
defaultclock.dt = 0.1 * ms
seed(2007)
t0 = time.perf_counter()
NE, NI = 3200, 800
if model == "coba":
    eqs = """dv/dt = ((-40*mV - v) + ge*(0*mV - v) + gi*(-80*mV - v)) / (20*ms) : volt (unless refractory)
             dge/dt = -ge / (5*ms) : 1
             dgi/dt = -gi / (10*ms) : 1"""
    we, wi = "ge += 0.6", "gi += 6.7"
else:
    eqs = """dv/dt = ((-49*mV - v) + ge + gi) / (20*ms) : volt (unless refractory)
             dge/dt = -ge / (5*ms) : volt
             dgi/dt = -gi / (10*ms) : volt"""
    we, wi = "ge += 1.62*mV", "gi -= 9*mV"
P = NeuronGroup(NE + NI, eqs, threshold="v > -50*mV", reset="v = -60*mV", refractory=5 * ms, method="euler")
P.v = init["v"] * mV
if model == "coba":
    P.ge = init["ge"]
    P.gi = init["gi"]
Ce = Synapses(P[:NE], P, on_pre=we)
Ci = Synapses(P[NE:], P, on_pre=wi)
Ce.connect(p=0.02)
Ci.connect(p=0.02)
mon = SpikeMonitor(P)
run(steps * defaultclock.dt)
device.build(run=True, compile=True)
whole = time.perf_counter() - t0
sim = device._last_run_time
i = np.asarray(mon.i[:])
spikes = {"E": int((i < NE).sum()), "I": int((i >= NE).sum())}
secs = steps * 0.1 / 1000.
print(json.dumps({"impl": "brian2-cpp_standalone", "model": model, "steps": steps, "whole_s": round(whole, 3),
                  "sim_s": round(sim, 4), "synapses": int(len(Ce) + len(Ci)), "spikes": spikes,
                  "rate_hz": {"E": spikes["E"] / NE / secs, "I": spikes["I"] / NI / secs}}))
