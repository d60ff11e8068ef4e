"""Loads a model directory saved by ngclearn (or by the project) with ngclearn 3.1.1, runs the
advance process for N steps, and prints post spike count and the first spike steps.
Usage: python check_saved_model.py DIR MODEL_NAME STEPS"""
import sys, numpy as np
from ngclearn import Context
d, name, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
ctx = Context.load(d, name)
procs = {k: v for k, v in ctx.get_objects_by_type("process").items()}
adv = procs["advance_proc"]
post = ctx.get_components("post_exc")
spk = []
for t in range(1, steps + 1):
    adv.run(t=t * 0.1, dt=0.1)
    s = np.asarray(post.s.get())[0]
    spk.extend([(t, int(i)) for i in np.nonzero(s)[0]])
print(len(spk), spk[:8], float(np.asarray(post.v.get())[0, 0]))
