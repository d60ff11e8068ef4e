"""The Brette et al. (2007) benchmarks 1 (COBA) and 2 (CUBA) as an ngclearn 3.1.1 script.

4,000 LIF cells (3,200 excitatory `E`, 800 inhibitory `I`), each pair connected with
probability 0.02 (`p_conn`), `ExponentialSynapse`s (tau 5 ms excitatory, 10 ms
inhibitory), 0.1 ms Euler steps.
  COBA: conductances in units of the leak (6 nS and 67 nS over g_L = 10 nS: 0.6 and 6.7),
        reversal 0 and -80 mV, E_L -60 mV;
  CUBA: currents of 1.62 mV and -9 mV per spike (Brian2's CUBA example), E_L -49 mV.
Threshold -50 mV, reset -60 mV, tau_m 20 ms, refractory 5 ms. The initial state (v, and
for COBA the conductances) is read from INIT.npz, made by bench/brette2007.py, so that
every simulator starts from the same numbers.

Runs unchanged under ngclearn_rs with the imports changed (--engine rs).

Usage: python ngclearn_net.py {coba,cuba} STEPS INIT.npz [--engine ngclearn|rs] [--save DIR] [--dump FILE.npz]
Prints one JSON line: build, scan (whole, including JAX's compile) and spikes per population.
--dump also watches both populations' v and the currents into E, and writes every step's
values (E:s, I:s, E:v, I:v, WEE:i_syn, WIE:i_syn) to FILE.npz (bench/brette2007_bits.py
compares the two engines' files bit for bit)."""
import json, sys, time

import numpy as np

args = sys.argv[1:]
model, steps, init = args[0], int(args[1]), np.load(args[2])
engine = args[args.index("--engine") + 1] if "--engine" in args else "ngclearn"
save = args[args.index("--save") + 1] if "--save" in args else None

t_import = time.perf_counter()
if engine == "rs":
    from jax import random  # keys as JAX makes them (the package takes them as they are)
    from ngclearn_rs import Context, MethodProcess
    from ngclearn_rs.operations import Summation
    from ngclearn_rs.components import ExponentialSynapse, LIFCell
    from ngclearn_rs.utils.distribution_generator import DistributionGenerator
    import numpy as jnp
else:
    import jax
    from jax import numpy as jnp, random
    from ngclearn import Context, MethodProcess
    from ngclearn.operations import Summation
    from ngclearn.components import ExponentialSynapse, LIFCell
    from ngclearn.utils.distribution_generator import DistributionGenerator
t_import = time.perf_counter() - t_import

NE, NI, DT = 3200, 800, 0.1
if model == "coba":
    SYN = {"e": dict(tau_decay=5., g_syn_bar=0.6, syn_rest=0., resist_scale=1.),
           "i": dict(tau_decay=10., g_syn_bar=6.7, syn_rest=-80., resist_scale=1.)}
    V_REST = -40.  # E_L -60 mV plus a constant drive of 20 mV (200 pA over g_L 10 nS)
else:  # current-based: i = -g * resist_scale, so the excitatory scale is -1
    SYN = {"e": dict(tau_decay=5., g_syn_bar=1.62, syn_rest=None, resist_scale=-1.),
           "i": dict(tau_decay=10., g_syn_bar=9., syn_rest=None, resist_scale=1.)}
    V_REST = -49.
PROJ = [("E", "E", "e"), ("E", "I", "e"), ("I", "E", "i"), ("I", "I", "i")]
SIZE = {"E": NE, "I": NI}

t0 = time.perf_counter()
keys = random.split(random.PRNGKey(2007), 7)
with Context("brette2007") as ctx:
    cells = {p: LIFCell(p, n_units=SIZE[p], tau_m=20., resist_m=1., thr=-50., v_rest=V_REST, v_reset=-60.,
                        conduct_leak=1., tau_theta=0., theta_plus=0., refract_time=5., key=keys[k])
             for k, p in enumerate("EI")}
    W = {}
    for k, (pre, post, kind) in enumerate(PROJ):
        W[pre + post] = ExponentialSynapse(
            name="W" + pre + post, shape=(SIZE[pre], SIZE[post]), weight_init=DistributionGenerator.constant(value=1.),
            p_conn=0.02, is_nonplastic=False, key=keys[2 + k], **SYN[kind])
    for name, w in W.items():
        cells[name[0]].s >> w.inputs
        if model == "coba":
            cells[name[1]].v >> w.v
    Summation(W["EE"].i_syn, W["IE"].i_syn) >> cells["E"].j
    Summation(W["EI"].i_syn, W["II"].i_syn) >> cells["I"].j
    adv = MethodProcess("advance_proc")
    for w in W.values():
        adv >> w.advance_state
    adv >> cells["E"].advance_state >> cells["I"].advance_state
    dump = args[args.index("--dump") + 1] if "--dump" in args else None
    if dump:  # every step's potentials and the currents into E too, for a comparison of bits
        adv.watch(cells["E"].s, cells["I"].s, cells["E"].v, cells["I"].v, W["EE"].i_syn, W["IE"].i_syn)
    else:
        adv.watch(cells["E"].s, cells["I"].s)
    rst = MethodProcess("reset_proc")
    for c in list(W.values()) + list(cells.values()):
        rst >> c.reset
build = time.perf_counter() - t0

rst.run()
cells["E"].v.set(jnp.asarray(init["v"][None, :NE]))
cells["I"].v.set(jnp.asarray(init["v"][None, NE:]))
if model == "coba":
    W["EE"].g_syn.set(jnp.asarray(init["ge"][None, :NE])); W["EI"].g_syn.set(jnp.asarray(init["ge"][None, NE:]))
    W["IE"].g_syn.set(jnp.asarray(init["gi"][None, :NE])); W["II"].g_syn.set(jnp.asarray(init["gi"][None, NE:]))
if save:
    ctx.save_to_json(save, overwrite=True)

t0 = time.perf_counter()
rows = adv.pack_rows(steps, t=lambda i: (i + 1) * DT, dt=DT)
if engine != "rs":
    rows = jnp.array(rows)
final, res = adv.scan(rows)
if engine != "rs":
    jax.block_until_ready(res)
scan = time.perf_counter() - t0
if dump:
    np.savez(dump, *[np.asarray(r) for r in res])
spikes = {"E": int(np.asarray(res[0]).sum()), "I": int(np.asarray(res[1]).sum())}
secs = steps * DT / 1000.
print(json.dumps({"impl": "ngclearn_rs" if engine == "rs" else "ngclearn-3.1.1", "model": model, "steps": steps,
                  "import_s": round(t_import, 3), "build_s": round(build, 3), "scan_s": round(scan, 4), "spikes": spikes,
                  "rate_hz": {p: spikes[p] / SIZE[p] / secs for p in "EI"}}))
