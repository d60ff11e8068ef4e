#!/usr/bin/env python3
"""The convolutional synapses' step on both engines, in the same run: a
TraceSTDPConvSynapse's advance_state (the forward convolution) and evolve (the filters'
gradient and update) through ngclearn's API, timed per step after a warm-up (ngclearn's
JIT compiled), as a script calls them (`process.run(...)`).

Workloads: `digits` is examples/python/conv_digits.py's (8x8x1 maps, 8 filters of 3x3,
batch 1); `mnist` 28x28x1 with 16 filters of 5x5; `maps` 16x16x8 with 16 filters of 3x3,
batch 4.

Usage: python bench/conv.py [--steps 2000] [--repeat 3] [--json FILE]
(a Python with ngclearn_rs, ngclearn 3.1.1 and JAX). Prints a table of milliseconds per
step and the ratio ngclearn / ngclearn_rs."""
import argparse
import importlib
import json
import time

import numpy as np

WORKLOADS = {
    "digits": dict(x=8, c_in=1, k=3, f=8, batch=1, padding="SAME"),
    "mnist": dict(x=28, c_in=1, k=5, f=16, batch=1, padding="SAME"),
    "maps": dict(x=16, c_in=8, k=3, f=16, batch=4, padding="SAME"),
}


def per_step(engine, w, steps, seed=1):
    ng = importlib.import_module(engine)
    C = importlib.import_module(engine + ".components")
    random = importlib.import_module("jax.random" if engine == "ngclearn" else "ngclearn_rs.random")
    rng = np.random.default_rng(seed)
    with ng.Context(f"bench_{engine}_{w['x']}_{w['f']}_{seed}"):
        W = C.TraceSTDPConvSynapse("W", (w["k"], w["k"], w["c_in"], w["f"]), (w["x"], w["x"]), A_plus=1.0,
                                   A_minus=0.5, eta=0.01, padding=w["padding"], batch_size=w["batch"],
                                   key=random.PRNGKey(seed))
        adv = ng.MethodProcess("adv") >> W.advance_state
        evo = ng.MethodProcess("evo") >> W.evolve
    shape_in = (w["batch"], w["x"], w["x"], w["c_in"])
    xs = rng.uniform(0, 1, (8,) + shape_in).astype(np.float32)
    out_shape = np.asarray(W.outputs.get()).shape
    ys = (rng.random((8,) + out_shape) < 0.2).astype(np.float32)
    W.preSpike.set(xs[0])
    W.postTrace.set(ys[0])

    def step(n):
        W.inputs.set(xs[n % 8])
        adv.run(t=float(n), dt=1.0)
        W.preTrace.set(xs[n % 8])
        W.postSpike.set(ys[n % 8])
        evo.run(t=float(n), dt=1.0)

    for n in range(20):  # warm-up: ngclearn compiles here
        step(n)
    np.asarray(W.weights.get())
    t0 = time.perf_counter()
    for n in range(steps):
        step(n)
    np.asarray(W.weights.get())  # waits for JAX's asynchronous dispatch
    return (time.perf_counter() - t0) / steps * 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    rows = []
    print(f"{'workload':10} {'ngclearn_rs ms':>15} {'ngclearn ms':>12} {'ratio':>6}")
    for name, w in WORKLOADS.items():
        ours = min(per_step("ngclearn_rs", w, args.steps, s) for s in range(args.repeat))
        theirs = min(per_step("ngclearn", w, args.steps, s) for s in range(args.repeat))
        rows.append({"workload": name, **w, "ngclearn_rs_ms": ours, "ngclearn_ms": theirs,
                     "ratio": theirs / ours})
        print(f"{name:10} {ours:15.4f} {theirs:12.4f} {theirs / ours:6.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"steps": args.steps, "repeat": args.repeat, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
