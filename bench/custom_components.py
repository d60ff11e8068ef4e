#!/usr/bin/env python3
"""Components of one's own against the engine's built-in classes and against ngclearn.

  cell  2,000 Poisson inputs (10 Hz) -> DenseSynapse (2,000 x 1,000) -> 1,000 LIF cells,
        scanned for 10,000 steps of 0.1 ms. The LIF cell is the user's class (UserLIF of
        crates/ngclearn-py/tests/custom_classes.py, written as ngclearn's lessons write
        one) under ngclearn_rs and under ngclearn 3.1.1, or the built-in LIFCell.
  syn   500 Poisson inputs -> a 500 x 500 synapse learning every step from 500 Poisson
        post-synaptic spikes (advance_state then evolve), 2,000 steps: the user's
        UserHebbian (W += eta * pre.T @ post, clipped) or the built-in HebbianSynapse
        (sgd, w_bound 1: dW = pre.T @ post * (1 - |W|), clipped).

Usage: python3 bench/custom_components.py [--ngclearn PYTHON] [--rs PYTHON] [--repeat N]
  --rs        a Python with ngclearn_rs (and JAX, which the user classes import)
  --ngclearn  a Python with ngclearn 3.1.1, for the ngclearn row (optional)
Each run is a fresh process; times are of the scan (ngclearn's includes its compile, as
a user waits for it), the best of N. Prints a table and the JSON rows.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "crates", "ngclearn-py", "tests")


def child(lib, workload, kind):
    os.environ["NGC_LIB"] = "ngclearn" if lib == "ngclearn" else "ngclearn_rs"
    sys.path.insert(0, TESTS)
    import numpy as np
    import custom_classes as cc
    from jax import random

    if lib == "ngclearn":
        from ngclearn.components import PoissonCell, DenseSynapse, LIFCell, HebbianSynapse
    else:
        from ngclearn_rs.components import PoissonCell, DenseSynapse, LIFCell, HebbianSynapse
    Context, MethodProcess = cc.Context, cc.MethodProcess
    dt = 0.1
    keys = random.split(random.PRNGKey(7), 4)
    t0 = time.perf_counter()
    if workload == "cell":
        steps, n_in, n = 10_000, 2_000, 1_000
        with Context(f"bench_cell_{kind}") as ctx:
            x = PoissonCell("x", n_units=n_in, target_freq=10., key=keys[0])
            W = DenseSynapse("W", shape=(n_in, n), resist_scale=40.0, key=keys[1])
            if kind == "user":
                z = cc.UserLIF("z", n_units=n, tau_m=10., key=keys[2])
            else:
                z = LIFCell("z", n_units=n, tau_m=10., resist_m=1., thr=-52., v_rest=-65., v_reset=-60.,
                            tau_theta=0., theta_plus=0., refract_time=5., key=keys[2])
            x.outputs >> W.inputs
            W.outputs >> z.j
            adv = MethodProcess("adv") >> x.advance_state >> W.advance_state >> z.advance_state
            adv.watch(z.s)
        x.inputs.set(np.ones((1, n_in), np.float32))
    else:
        steps, n = 2_000, 500
        with Context(f"bench_syn_{kind}") as ctx:
            a = PoissonCell("a", n_units=n, target_freq=20., key=keys[0])
            b = PoissonCell("b", n_units=n, target_freq=20., key=keys[1])
            if kind == "user":
                w0 = np.asarray(random.uniform(keys[3], (n, n), minval=0.025, maxval=0.8), np.float32)
                W = cc.UserHebbian("W", shape=(n, n), weight_init=w0, eta=0.001, w_max=1.0, key=keys[2])
            else:
                W = HebbianSynapse("W", shape=(n, n), eta=0.001, w_bound=1., is_nonnegative=True,
                                   optim_type="sgd", key=keys[2])
            a.outputs >> W.inputs
            a.outputs >> W.pre
            b.outputs >> W.post
            adv = MethodProcess("adv") >> a.advance_state >> b.advance_state >> W.advance_state >> W.evolve
            adv.watch(W.outputs)
        a.inputs.set(np.ones((1, n), np.float32))
        b.inputs.set(np.ones((1, n), np.float32))
    build = time.perf_counter() - t0
    rows = adv.pack_rows(steps, t=lambda i: (i + 1) * dt, dt=dt)
    if lib == "ngclearn":
        import jax
        rows = jax.numpy.array(rows)
    t1 = time.perf_counter()
    final, res = adv.scan(rows)
    if lib == "ngclearn":
        import jax
        jax.block_until_ready(res)
    run = time.perf_counter() - t1
    total = float(np.asarray(res[0] if isinstance(res, (list, tuple)) else res).sum())
    print(json.dumps({"lib": lib, "workload": workload, "kind": kind, "steps": steps,
                      "build_s": round(build, 3), "scan_s": round(run, 4), "check": total}))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--rs", default=sys.executable)
    ap.add_argument("--ngclearn")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default="cell,syn")
    a = ap.parse_args()
    runs = []
    for w in a.only.split(","):
        runs += [(a.rs, "ngclearn_rs", w, "user"), (a.rs, "ngclearn_rs", w, "builtin")]
        if a.ngclearn:
            runs.append((a.ngclearn, "ngclearn", w, "user"))
    best = {}
    for _ in range(a.repeat):  # interleaved
        for py, lib, w, kind in runs:
            p = subprocess.run([py, __file__, "--child", lib, w, kind], capture_output=True, text=True)
            if p.returncode != 0:
                sys.exit(f"{lib} {w} {kind} failed:\n{p.stderr[-2000:]}")
            row = json.loads(p.stdout.strip().splitlines()[-1])
            k = (lib, w, kind)
            if k not in best or row["scan_s"] < best[k]["scan_s"]:
                best[k] = row
    print(f"{'workload':<6} {'implementation':<28} {'scan s':>9} {'vs built-in':>12}")
    for w in a.only.split(","):
        base = best[("ngclearn_rs", w, "builtin")]["scan_s"]
        for (lib, ww, kind), row in best.items():
            if ww != w:
                continue
            name = f"{lib} {'user class' if kind == 'user' else 'built-in class'}"
            print(f"{w:<6} {name:<28} {row['scan_s']:>9.4f} {row['scan_s'] / base:>11.2f}x")
    print(json.dumps(list(best.values())))


if __name__ == "__main__":
    main()
