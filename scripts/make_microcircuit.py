#!/usr/bin/env python3
"""Writes examples/models/microcircuit.toml: the Potjans & Diesmann (2014) cortical
microcircuit as an ngc model file, with the parameters of NEST's example
(pynest/examples/Potjans_2014, last in nest-simulator at e0a07455).

  - 8 populations of LIF cells (L23E ... L6I, 77,169 cells at full scale): tau_m 10 ms,
    C_m 250 pF (resist_m = tau_m / C_m = 0.04 mV/pA), E_L = V_reset = -65 mV,
    V_th = -50 mV, refractory 2 ms; initial v normal per population ("optimized" V0).
  - 64 projections (those with synapses), gathered by target: one ExponentialSynapse
    into each population (`into_L23E`, ...), of tau 0.5 ms, carrying currents (syn_rest
    None, resist_scale -1: i = g in pA), reading its sources' spikes side by side (a
    `concat` wire) as NEST's iaf_psc_exp sums every input into one current per cell.
    Each projection is a block of the synapse's `blocks` rule, drawn by
    fixed_total_number (multapses and autapses allowed, NEST's defaults) with
    K = ln(1 - p) / ln(1 - 1 / (N_pre N_post)) synapses; weights normal with a 10 %
    spread, redrawn to keep their sign (87.81 pA excitatory, twice that L4E -> L23E,
    -4x inhibitory: 0.15 mV PSPs); delays normal, 1.5 +- 0.75 ms excitatory and
    0.75 +- 0.375 ms inhibitory, redrawn above 0.05 ms, in steps of 0.1 ms.
  - Background (NEST's example's default): K_ext Poisson inputs at 8 Hz to each cell,
    of weight 87.81 pA, given as one Poisson train of K_ext * 8 Hz per cell (the
    `background` extension) on the synapse into each population (it enters the
    synapse's current like its spikes; every projection has tau_syn 0.5 ms).
    --background dc gives NEST's DC equivalent instead (bg_rate K_ext PSC_ext tau_syn),
    written as a shift of v_rest: resist_m * I_dc.
Euler steps of 0.1 ms, as ngclearn integrates.

Usage: python3 scripts/make_microcircuit.py [--scale 1.0] [--background poisson|dc]
                                           [--out examples/models/microcircuit.toml]
--scale multiplies the populations and the synapse counts alike (in-degrees shrink with
it; the weights are kept: a smaller model is quieter)."""
import argparse, math

POPS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
N = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
P = [  # target row, source column
    [.1009, .1689, .0437, .0818, .0323, 0., .0076, 0.],
    [.1346, .1371, .0316, .0515, .0755, 0., .0042, 0.],
    [.0077, .0059, .0497, .1350, .0067, .0003, .0453, 0.],
    [.0691, .0029, .0794, .1597, .0033, 0., .1057, 0.],
    [.1004, .0622, .0505, .0057, .0831, .3726, .0204, 0.],
    [.0548, .0269, .0257, .0022, .0600, .3158, .0086, 0.],
    [.0156, .0066, .0211, .0166, .0572, .0197, .0396, .2252],
    [.0364, .0010, .0034, .0005, .0277, .0080, .0658, .1443],
]
K_EXT = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
V0_MEAN = [-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43]
V0_STD = [5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48]
TAU_M, C_M, TAU_S, BG_RATE, PSP = 10.0, 250.0, 0.5, 8.0, 0.15


def psc_per_psp():
    """The PSC amplitude (pA) of a 1 mV PSP of iaf_psc_exp (NEST's example's formula)."""
    sub = 1.0 / (TAU_S - TAU_M)
    pre = TAU_M * TAU_S / C_M * sub
    frac = (TAU_M / TAU_S) ** sub
    return 1.0 / (pre * (frac ** TAU_M - frac ** TAU_S))


def sources(t, scale):
    """The projections into population t: for each source s with synapses, (s, its
    block of the `blocks` rule, without `rows`)."""
    w_ext = PSP * psc_per_psp()
    out = []
    for s, sp in enumerate(POPS):
        if P[t][s] == 0.0:
            continue
        k_full = math.log(1.0 - P[t][s]) / math.log((N[s] * N[t] - 1.0) / (N[s] * N[t]))
        k = round(k_full * scale * scale)
        if k == 0:
            continue
        exc = sp.endswith("E")
        w = w_ext * (2.0 if (t, s) == (0, 2) else 1.0) * (1.0 if exc else -4.0)
        bound = {"low": 0.0} if w > 0 else {"high": 0.0}
        d, sd = (1.5, 0.75) if exc else (0.75, 0.375)
        out.append((s, {"rule": "fixed_total_number", "n": k,
                        "weight": {"dist": "normal", "mean": round(w, 4), "std": round(abs(w) * 0.1, 4), **bound},
                        "delay": {"dist": "normal", "mean": d, "std": sd, "low": 0.05}}))
    return out


def inline(d):
    """A dict as a TOML inline table."""
    def val(v):
        return inline(v) if isinstance(v, dict) else (f'"{v}"' if isinstance(v, str) else repr(v))
    return "{ " + ", ".join(f"{k} = {val(v)}" for k, v in d.items()) + " }"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--background", choices=["poisson", "dc"], default="poisson")
    ap.add_argument("--out", default="examples/models/microcircuit.toml")
    a = ap.parse_args()
    poisson = a.background == "poisson"
    w_ext = PSP * psc_per_psp()
    r_m = TAU_M / C_M
    n = [max(1, round(x * a.scale)) for x in N]
    out = [f"""# The Potjans & Diesmann (2014) cortical microcircuit{'' if a.scale == 1 else f' at scale {a.scale}'}: 8 populations,
# {sum(n):,} LIF cells, 64 projections drawn by connection rules, with delays, gathered
# in one synapse into each population. Made by scripts/make_microcircuit.py (its
# docstring gives the parameters and their sources).
#   ngc run examples/models/microcircuit.toml --steps 10000 --record-spikes L23E:s
name = "microcircuit"
reset = true
seed = 55
"""]
    for i, p in enumerate(POPS):
        dc = 0.0 if poisson else BG_RATE * K_EXT[i] * w_ext * TAU_S * 0.001
        rest = (f"-65.0\n" if poisson else
                f"{-65.0 + r_m * dc:.6f}     # E_L -65 mV + resist_m * the background's DC ({dc:.3f} pA)\n")
        out.append(f"""[[component]]
name = "{p}"
class = "LIFCell"
n_units = {n[i]}
tau_m = {TAU_M}
resist_m = {r_m}
thr = -50.0
v_rest = {rest}v_reset = -65.0
tau_theta = 0.0
theta_plus = 0.0
refract_time = 2.0
""")
    total = 0
    for t, tp in enumerate(POPS):
        srcs = sources(t, a.scale)
        n_pre = sum(n[s] for s, _ in srcs)
        bg = ""
        if poisson:
            bg = (f"background = {{ rate = {BG_RATE * K_EXT[t]:.1f}, weight = {w_ext:.4f} }}"
                  f"   # {K_EXT[t]} Poisson inputs at {BG_RATE} Hz\n")
        blocks, lo = [], 0
        for s, b in srcs:
            total += b["n"]
            blocks.append(f"""[[component.connect.blocks]]   # {POPS[s]} -> {tp}
rows = [{lo}, {lo + n[s]}]
{chr(10).join(f"{k} = {inline(v) if isinstance(v, dict) else (repr(v) if not isinstance(v, str) else chr(34) + v + chr(34))}" for k, v in b.items())}
""")
            lo += n[s]
        out.append(f"""[[component]]
name = "into_{tp}"
class = "ExponentialSynapse"
shape = [{n_pre}, {n[t]}]   # its sources side by side: {", ".join(POPS[s] for s, _ in srcs)}
tau_decay = {TAU_S}
g_syn_bar = 1.0
resist_scale = -1.0
is_nonplastic = false   # keep the drawn weights (ngclearn 3.1.1 sets them to 1 otherwise)
{bg}
[component.connect]
rule = "blocks"

""" + "\n".join(blocks) + f"""
[[wire]]
concat = [{", ".join(f'"{POPS[s]}:s"' for s, _ in srcs)}]
target = "into_{tp}:inputs"

[[wire]]
source = "into_{tp}:i_syn"
target = "{tp}:j"
""")
    syn = [f'"into_{tp}"' for tp in POPS]
    cells = [f'"{p}"' for p in POPS]
    out.append("[process]\nadvance_proc = [" + ", ".join(syn + cells) + "]\n"
               "reset_proc = [" + ", ".join([s[:-1] + '.reset"' for s in syn + cells]) + "]\n")
    out.append("[initial]\n" + "".join(
        f'"{p}:v" = {{ dist = "normal", mean = {V0_MEAN[i]}, std = {V0_STD[i]}, seed = {i + 1} }}\n' for i, p in enumerate(POPS)))
    with open(a.out, "w") as f:
        f.write("\n".join(out))
    print(f"wrote {a.out}: {sum(n):,} cells, {total:,} synapses")


if __name__ == "__main__":
    main()
