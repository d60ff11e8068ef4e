"""The Brette et al. (2007) COBA and CUBA networks in NEST 3.10, as ngclearn_net.py defines
them: `iaf_cond_exp` (COBA; C_m 200 pF, g_L 10 nS, so 0.6 and 6.7 of the leak are 6 and
67 nS, and the 20 mV drive is I_e = 200 pA) or `iaf_psc_exp` (CUBA; C_m 250 pF, tau_m 20
ms, so a weight of 1.62 mV is 1.62 * 250 / 5 pA... scaled by the synaptic time constant),
pairwise Bernoulli connections (p = 0.02), delays of one step (0.1 ms), 2 threads. NEST
integrates exactly (CUBA) or with an adaptive solver (COBA), so its spikes are its own.

Usage: python nest_net.py {coba,cuba} STEPS INIT.npz
Prints one JSON line: build and simulation."""
import json, sys, time

import numpy as np
import nest

model, steps, init = sys.argv[1], int(sys.argv[2]), np.load(sys.argv[3])
nest.set_verbosity("M_ERROR")
nest.ResetKernel()
nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": 2, "rng_seed": 2007})
NE, NI = 3200, 800
t0 = time.perf_counter()
common = {"E_L": -60.0 if model == "coba" else -49.0, "V_th": -50.0, "V_reset": -60.0, "t_ref": 5.0}
if model == "coba":
    P = nest.Create("iaf_cond_exp", NE + NI, params=dict(common, C_m=200.0, g_L=10.0, E_ex=0.0, E_in=-80.0,
                                                           tau_syn_ex=5.0, tau_syn_in=10.0, I_e=200.0))
    P.set([{"V_m": float(v), "g_ex": float(10 * ge), "g_in": float(10 * gi)}
           for v, ge, gi in zip(init["v"], init["ge"], init["gi"])])
    w_e, w_i = 6.0, -67.0  # nS (inhibitory conductance weights are negative in NEST)
else:
    # tau_m = C_m / g_L = 20 ms with C_m 250 pF: a current jump of w pA moves v by w * tau_syn / C_m
    # in total... the instantaneous jump of the current I (pA) that the mV weights give is
    # w_mV * C_m / tau_m (Brian2's ge is a voltage rate times tau_m).
    P = nest.Create("iaf_psc_exp", NE + NI, params=dict(common, C_m=250.0, tau_m=20.0, tau_syn_ex=5.0,
                                                          tau_syn_in=10.0))
    P.set([{"V_m": float(v)} for v in init["v"]])
    w_e, w_i = 1.62 * 250.0 / 20.0, -9.0 * 250.0 / 20.0
E, I = P[:NE], P[NE:]
conn = {"rule": "pairwise_bernoulli", "p": 0.02}
nest.Connect(E, P, conn, {"weight": w_e, "delay": 0.1})
nest.Connect(I, P, conn, {"weight": w_i, "delay": 0.1})
rec = nest.Create("spike_recorder")
nest.Connect(P, rec)
build = time.perf_counter() - t0
t0 = time.perf_counter()
nest.Simulate(steps * 0.1)
sim = time.perf_counter() - t0
senders = np.asarray(rec.get("events")["senders"])
first = P[0].global_id
spikes = {"E": int((senders < first + NE).sum()), "I": int((senders >= first + NE).sum())}
secs = steps * 0.1 / 1000.
print(json.dumps({"impl": "nest-3.10", "model": model, "steps": steps, "build_s": round(build, 3), "sim_s": round(sim, 4),
                  "synapses": int(nest.GetKernelStatus("num_connections")), "spikes": spikes,
                  "rate_hz": {"E": spikes["E"] / NE / secs, "I": spikes["I"] / NI / secs}}))
