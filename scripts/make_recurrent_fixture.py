"""Writes the recurrent network's reference from ngclearn 3.1.1: a model ngclearn saves and
the raster its scan gives, which `tests/parity_recurrent.rs` must equal to the last spike.

The network: 200 excitatory and 50 inhibitory LIF cells (the inhibitory ones with another
leak conductance and membrane resistance), coupled at p_conn 0.1 by conductance synapses:
ExponentialSynapses from the excitatory cells (reversal 0 mV), AlphaSynapses from the
inhibitory ones (reversal -80 mV), weights drawn uniformly, all p_conn-masked; potentials
drawn from numpy (seed 23), a constant drive through the leak's rest. 3,000 steps of 0.1 ms
in one scan. A chaotic network: one rounding different from ngclearn's gives another raster.

Usage (a Python 3.12 with `pip install ngclearn==3.1.1 jax==0.12.0.1`):
    python scripts/make_recurrent_fixture.py [OUT_DIR]
OUT_DIR defaults to crates/ngclearn/tests/fixtures/ngclearn-3.1.1. It writes
`models/recurrent_conductance/` (ngclearn's saved model) and `recurrent_conductance.json`:
for each step the excitatory and inhibitory cells that spiked, and the potentials after
the last step (float32 values, exact as JSON numbers)."""
import json, os, sys
import numpy as np
import jax
from jax import numpy as jnp, random
from ngclearn import Context, MethodProcess
from ngclearn.components import AlphaSynapse, ExponentialSynapse, LIFCell
from ngclearn.utils.distribution_generator import DistributionGenerator as DG

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1")
NE, NI, DT, STEPS = 200, 50, 0.1, 3000
SIZE = {"E": NE, "I": NI}
CELL = {"E": dict(conduct_leak=1., resist_m=1.), "I": dict(conduct_leak=0.8, resist_m=1.5)}

keys = random.split(random.PRNGKey(23), 8)
with Context("recurrent_conductance") as ctx:
    cells = {p: LIFCell(p, n_units=SIZE[p], tau_m=20., thr=-50., v_rest=-45., v_reset=-60., tau_theta=0.,
                        theta_plus=0., refract_time=5., key=keys[k], **CELL[p])
             for k, p in enumerate("EI")}
    W = {}
    for k, (pre, post) in enumerate([("E", "E"), ("E", "I"), ("I", "E"), ("I", "I")]):
        common = dict(name="W" + pre + post, shape=(SIZE[pre], SIZE[post]), p_conn=0.1, is_nonplastic=False,
                      weight_init=DG.uniform(low=0.5, high=1.5), resist_scale=1., key=keys[2 + k])
        if pre == "E":
            W[pre + post] = ExponentialSynapse(tau_decay=5., g_syn_bar=0.3, syn_rest=0., **common)
        else:
            W[pre + post] = AlphaSynapse(tau_decay=3., g_syn_bar=1.5, syn_rest=-80., **common)
    for name, w in W.items():
        cells[name[0]].s >> w.inputs
        cells[name[1]].v >> w.v
    from ngclearn.operations import Summation
    Summation(W["EE"].i_syn, W["IE"].i_syn) >> cells["E"].j
    Summation(W["EI"].i_syn, W["II"].i_syn) >> cells["I"].j
    adv = MethodProcess("advance_proc")
    for w in W.values():
        adv >> w.advance_state
    adv >> cells["E"].advance_state >> cells["I"].advance_state
    adv.watch(cells["E"].s, cells["I"].s, cells["E"].v, cells["I"].v)
    rst = MethodProcess("reset_proc")
    for c in list(W.values()) + list(cells.values()):
        rst >> c.reset

rst.run()
v0 = (np.random.default_rng(23).standard_normal(NE + NI) * 4 - 55).astype(np.float32)
cells["E"].v.set(jnp.asarray(v0[None, :NE]))
cells["I"].v.set(jnp.asarray(v0[None, NE:]))
models = os.path.join(out, "models")
os.makedirs(models, exist_ok=True)
ctx.save_to_json(models, overwrite=True)

rows = jnp.array(adv.pack_rows(STEPS, t=lambda i: (i + 1) * DT, dt=DT))
final, res = adv.scan(rows)
es, is_ = np.asarray(res[0])[:, 0, :], np.asarray(res[1])[:, 0, :]
raster = {"E": [np.nonzero(r)[0].tolist() for r in es], "I": [np.nonzero(r)[0].tolist() for r in is_]}
obj = {
    "description": "ngclearn 3.1.1's scan of models/recurrent_conductance (advance_proc, t = (k + 1) * dt): "
                   "the cells that spiked at each step, and v after the last step",
    "generator": "ngclearn 3.1.1 / ngcsimlib 3.1.1 / jax 0.12.0.1, float32, CPU",
    "dt": DT, "steps": STEPS, "raster": raster,
    "v_final": {"E": np.asarray(res[2][-1], np.float32).tolist(),
                "I": np.asarray(res[3][-1], np.float32).tolist()},
    "spikes": {"E": int(es.sum()), "I": int(is_.sum())},
}
with open(os.path.join(out, "recurrent_conductance.json"), "w") as f:
    json.dump(obj, f)
print(obj["spikes"])
