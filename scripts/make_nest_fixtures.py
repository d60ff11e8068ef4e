#!/usr/bin/env python3
"""Writes the NEST reference of LIFCell's exact integration: one iaf_psc_exp cell driven
by a spike_generator through excitatory and inhibitory synapses of the same time
constant, its V_m after every 0.1 ms step and its spike times, as JSON.

Usage: python scripts/make_nest_fixtures.py [OUT_DIR]   (needs nest-simulator; default
crates/ngclearn/tests/fixtures/nest-3.10)

The cell: C_m 250 pF, tau_m 10 ms, E_L = V_reset = -65 mV, V_th -50 mV, t_ref 2 ms,
tau_syn 2 ms (both), I_e 0, V_m -65 at the start. Inputs: a spike_generator's spikes
at the listed times (ms) with the listed weights (pA), each of delay 0.1 ms: an input of
time T is added to the synaptic current at the end of the step that ends at T + 0.1,
after that step's membrane update (NEST's order), so the first V_m it moves is that of
the step ending at T + 0.2."""
import json, os, sys

import nest

H, STEPS = 0.1, 3000
CELL = dict(C_m=250.0, tau_m=10.0, E_L=-65.0, V_reset=-65.0, V_th=-50.0, t_ref=2.0,
            tau_syn_ex=2.0, tau_syn_in=2.0, I_e=0.0, V_m=-65.0)


def inputs():
    """Bursts strong enough to fire, and inhibition between them (times on the grid)."""
    times, weights = [], []
    for k in range(60):
        t = round(5.0 + 4.7 * k, 1)
        w = 2600.0 if k % 3 else -1800.0
        for extra in range(1 + k % 4):
            times.append(round(t + 0.3 * extra, 1))
            weights.append(w)
    return times, weights


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "crates", "ngclearn", "tests", "fixtures", "nest-3.10")
    os.makedirs(out, exist_ok=True)
    nest.ResetKernel()
    nest.set(resolution=H, local_num_threads=1)
    cell = nest.Create("iaf_psc_exp", params=CELL)
    times, weights = inputs()
    gen = nest.Create("spike_generator", params={"spike_times": times, "spike_weights": weights})
    nest.Connect(gen, cell, syn_spec={"weight": 1.0, "delay": H})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": H})
    nest.Connect(mm, cell)
    rec = nest.Create("spike_recorder")
    nest.Connect(cell, rec)
    nest.Simulate(STEPS * H)
    ev = mm.get("events")
    order = sorted(range(len(ev["times"])), key=lambda i: ev["times"][i])
    data = {
        "description": "NEST 3.10 iaf_psc_exp (see scripts/make_nest_fixtures.py): V_m at the end of "
                       "each 0.1 ms step (times), spike times, and the inputs (time, weight in pA)",
        "nest": nest.__version__,
        "cell": CELL,
        "dt": H,
        "input_times": times,
        "input_weights": weights,
        "times": [float(ev["times"][i]) for i in order],
        "v_m": [float(ev["V_m"][i]) for i in order],
        "spike_times": [float(t) for t in rec.get("events")["times"]],
    }
    path = os.path.join(out, "iaf_psc_exp.json")
    with open(path, "w") as f:
        json.dump(data, f)
    print(f"wrote {path}: {len(data['v_m'])} steps, {len(data['spike_times'])} spikes")


if __name__ == "__main__":
    main()
