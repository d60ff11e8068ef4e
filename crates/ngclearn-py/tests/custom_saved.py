"""A model of classes of one's own (two UserLIF layers, one driving the other),
saved by one library and continued by the other: ``python custom_saved.py LIB save DIR``
runs 30 steps and saves; ``python custom_saved.py LIB load DIR`` loads and runs 20 more.
Each prints the JSON of what it ends with (v, s, rfr, tols of both layers)."""
import json
import os
import sys

os.environ["NGC_LIB"] = sys.argv[1]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402

import custom_classes as cc  # noqa: E402

if sys.argv[1] == "ngclearn":
    from ngclearn import ContextObjectTypes
else:
    from ngclearn_rs import ContextObjectTypes

NAMES = [(c, f) for c in ("z0", "z1") for f in ("v", "s", "rfr", "tols")]


def steps(ctx, first, n):
    z0 = ctx.get_components("z0")
    z1 = ctx.get_components("z1")
    adv = ctx.get_objects("adv", objectType=ContextObjectTypes.process)
    rng = np.random.default_rng(first)
    for k in range(first, first + n):
        z0.j.set(rng.uniform(10., 60., (1, 4)).astype(np.float32))
        adv.run(t=k * 1.0, dt=1.0)
    del z1


def dump(ctx):
    return {f"{c}.{f}": np.asarray(getattr(ctx.get_components(c), f).get()).tolist() for c, f in NAMES}


if sys.argv[2] == "save":
    with cc.Context("xmodel") as ctx:
        z0 = cc.UserLIF("z0", n_units=4, tau_m=5., refract_time=2.)
        z1 = cc.UserLIF("z1", n_units=4, tau_m=5., resist_m=40., refract_time=2.)
        z0.s >> z1.j
        cc.MethodProcess("adv") >> z0.advance_state >> z1.advance_state
    steps(ctx, 0, 30)
    ctx.save_to_json(sys.argv[3], model_name="m")
else:
    ctx = cc.Context.load(sys.argv[3], "m")
    steps(ctx, 30, 20)
print(json.dumps(dump(ctx)))
