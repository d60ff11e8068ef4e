"""Regenerates the fixtures of the classes whose saved form is their own in ngclearn 3.1.1
(SLIFCell's `save` writes only `threshold`; its `load` sets `thr` and `threshold0` from it):
models saved by ngclearn mid-run, and what ngclearn computes after `Context.load`ing them.

Usage (a Python 3.12 with `pip install ngclearn==3.1.1`):
    python scripts/make_saved_form_fixtures.py [OUTDIR]
OUTDIR defaults to the fixtures directory of the repository. It writes
OUTDIR/models/slif_saved_{reset,persist}/ and OUTDIR/own_saved_forms.json.

Of ngclearn 3.1.1's classes, these define `save` or `load` of their own: SLIFCell (both),
HebbianSynapse (its optimiser's pickle, fixtures of make_fixtures.py), IFCell (`load` only:
it reads `tau_m`, `thr`, ... which the default `save` never writes, so ngclearn cannot load
its own saved IFCell; the default form is kept here), and HodgkinHuxleyCell and the
convolutional synapses (not in this engine yet). RateCell's, BCMSynapse's and
STPDenseSynapse's are commented out in 3.1.1."""
import json, os, subprocess, sys
import numpy as np
from jax import numpy as jnp, random
from ngclearn import Context, MethodProcess
from ngclearn.components import SLIFCell

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1")
models = os.path.join(out, "models")
os.makedirs(models, exist_ok=True)
L = lambda a: np.asarray(a, dtype=np.float32).tolist()

# After loading: the current each step, then the compartments compared.
AFTER = ("import sys, json, numpy as np; from jax import numpy as jnp; from ngclearn import Context\n"
         "d, n, before, after, js = json.loads(sys.stdin.read())\n"
         "ctx = Context.load(d, n); z = ctx.get_components('z'); adv = ctx.get_objects('adv', objectType='process')\n"
         "rst = ctx.get_objects('rst', objectType='process')\n"
         "first = {k: np.asarray(getattr(z, k).get()).tolist() for k in ['thr', 'v', 'rfr', 's']}\n"
         "tr = {k: [] for k in ['v', 's', 'thr']}\n"
         "for t in range(before, before + after):\n"
         "    if t == before + after // 2: rst.run()\n"
         "    z.j.set(jnp.asarray(js[t], dtype=jnp.float32)); adv.run(t=t * 1.0, dt=1.0)\n"
         "    for k in tr: tr[k].append(np.asarray(getattr(z, k).get()).tolist())\n"
         "print(json.dumps([first, tr]))\n")


def slif_model(name, kw, batch, before, after, seed):
    rs = np.random.default_rng(seed)
    with Context(name) as ctx:
        z = SLIFCell("z", n_units=4, batch_size=batch, key=random.PRNGKey(seed), **kw)
        MethodProcess("adv") >> z.advance_state
        rst = MethodProcess("rst") >> z.reset
    rst.run()
    js = [rs.uniform(0.0, 1.6, (batch, 4)).astype(np.float32) for _ in range(before + after)]
    adv = ctx.get_objects("adv", objectType="process")
    for t in range(before):
        z.j.set(jnp.asarray(js[t])); adv.run(t=t * 1.0, dt=1.0)
    ctx.save_to_json(models, overwrite=True)
    saved = dict(np.load(os.path.join(models, name, "component", "custom", "z.npz")))
    assert list(saved) == ["threshold"], list(saved)
    res = subprocess.run([sys.executable, "-c", AFTER], capture_output=True, text=True, check=True,
                         input=json.dumps([models, name, before, after, [L(j) for j in js]]))
    first, tr = json.loads(res.stdout.strip().splitlines()[-1])
    return {"model_dir": name, "kwargs": kw, "batch_size": batch, "before": before, "after": after,
            "reset_at": before + after // 2, "j": [L(j) for j in js], "threshold": L(saved["threshold"]),
            "loaded": first, "trace": tr}


cases = {
    # thresholds adapt, and reset returns them to threshold0 (what is saved).
    "reset": slif_model("slif_saved_reset", dict(tau_m=10., resist_m=1., thr=0.5, thr_gain=0.02, thr_leak=0.002,
                                                 refract_time=2., thr_jitter=0.1), 1, 30, 40, 41),
    # thr_persist: the adapted thresholds are saved, over a batch of two rows.
    "persist": slif_model("slif_saved_persist", dict(tau_m=8., resist_m=1., thr=0.45, thr_persist=True,
                                                     thr_gain=0.01, thr_leak=0.001), 2, 30, 40, 42),
}
with open(os.path.join(out, "own_saved_forms.json"), "w") as f:
    json.dump({"description": "SLIFCell(n_units 4) run `before` steps with the given currents, saved by ngclearn "
               "(its npz holds only `threshold`), then Context.load-ed by ngclearn in a fresh interpreter: "
               "`loaded` is its state right after loading, `trace` the `after` steps that follow (reset "
               "at step `reset_at`)", "cases": cases,
               "generator": "ngclearn 3.1.1 / ngcsimlib 3.1.1, float32, CPU"}, f)
print("wrote", out)
