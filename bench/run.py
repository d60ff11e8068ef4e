#!/usr/bin/env python3
"""Whole-process benchmarks of `ngc run` on the E-I workloads, with the peers
(ngclearn 3.1.1 `scan`, Brian2 C++ standalone, NEST 3.10) measured in the same run
where a Python that has them is given.

Workloads (SPEC §7), 10,000 steps of 0.1 ms:
  B1  the tutorial circuit: 80 + 20 Poisson cells at 10 Hz -> AlphaSynapses -> 1 LIF
  B2  8,000 + 2,000 Poisson -> 1,000 LIF, all to all (10 M synapses), g_syn_bar 2.4*80/8000
  B2-uniform-W  B2 with is_nonplastic = false and uniform(0.025, 0.8) weights, so that
      the synaptic sum reads W's rows (ngc only: the peers' scripts use B2's weights)
  sweep-npre  n_pre 1k..100k at a fixed input event count (rate = 10 Hz * 10k / n_pre)
  sweep-rate  B2's sizes at 1..50 Hz

Usage: python3 bench/run.py [--peers PYTHON] [--baseline NGC] [--repeat N] [--only B1,B2,...]
--baseline times another build of ngc (an earlier commit's) in the same run, interleaved
with this one, for before/after comparisons.
Prints one table (seconds, peak RSS, ratio to ngc); --json writes the raw rows too."""
import argparse, json, os, re, resource, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "..", "shared", "peers")
# Keys of the tutorial: split(PRNGKey(1234), 6)[1..5]
KEYS = {"pre_exc": [2877103387, 1697627890], "pre_inh": [2113592192, 603280156],
        "syn": [3512017511, 140093922], "post": [781066781, 179802120]}


def model_toml(n_exc, n_inh, n_post, freq, g_e, g_i, plastic=False):
    c = lambda s: s.strip() + "\n\n"
    out = 'name = "ei"\nreset = true\n\n'
    for name, n in (("pre_exc", n_exc), ("pre_inh", n_inh)):
        out += c(f'[[component]]\nname = "{name}"\nclass = "PoissonCell"\nn_units = {n}\ntarget_freq = {freq}\nkey = {KEYS[name]}')
    for name, n, tau, e, g in (("Wexc", n_exc, 2.0, 0.0, g_e), ("Winh", n_inh, 5.0, -80.0, g_i)):
        out += c(f'[[component]]\nname = "{name}"\nclass = "AlphaSynapse"\nshape = [{n}, {n_post}]\ntau_decay = {tau}\ng_syn_bar = {g}\nsyn_rest = {e}\n'
                 f'resist_scale = 0.1\n'
                 + ('is_nonplastic = false\nweight_init = { dist = "uniform", low = 0.025, high = 0.8 }\n' if plastic else 'weight_init = { dist = "constant", value = 1.0 }\n')
                 + f'key = {KEYS["syn"]}')
    out += c(f'[[component]]\nname = "post_exc"\nclass = "LIFCell"\nn_units = {n_post}\ntau_m = 10.0\nthr = -55.0\nv_rest = -75.0\nv_reset = -75.0\n'
             f'tau_theta = 0.0\ntheta_plus = 0.0\nrefract_time = 2.0\nkey = {KEYS["post"]}')
    for s, t in (("pre_exc:outputs", "Wexc:inputs"), ("pre_inh:outputs", "Winh:inputs"), ("post_exc:v", "Wexc:v"), ("post_exc:v", "Winh:v")):
        out += c(f'[[wire]]\nsource = "{s}"\ntarget = "{t}"')
    out += c('[[wire]]\nsum = ["Wexc:i_syn", "Winh:i_syn"]\ntarget = "post_exc:j"')
    out += c('[process]\nadvance_proc = ["pre_exc", "pre_inh", "Wexc", "Winh", "post_exc"]\n'
             'reset_proc = ["pre_exc.reset", "pre_inh.reset", "Wexc.reset", "Winh.reset", "post_exc.reset"]')
    out += '[initial]\n"pre_exc:inputs" = 1.0\n"pre_inh:inputs" = 1.0\n"post_exc:v" = -65.0\n'
    return out


def rss_of(cmd):
    """Runs cmd under a tiny Python wrapper to read that child's own peak RSS."""
    code = ("import resource,subprocess,sys,time;t=time.perf_counter();r=subprocess.run(sys.argv[1:],capture_output=True,text=True);"
            "w=time.perf_counter()-t;print(r.returncode,w,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);print(r.stdout);print(r.stderr,file=sys.stderr)")
    # In a scratch directory: Brian2's standalone build writes `output/` into the cwd.
    r = subprocess.run([sys.executable, "-c", code] + cmd, capture_output=True, text=True, cwd=tempfile.gettempdir())
    head, _, rest = r.stdout.partition("\n")
    if len(head.split()) != 3:
        raise RuntimeError(f"{' '.join(cmd)} could not be run: {r.stderr.strip()[-400:]}")
    rc, wall, rss = head.split()
    if int(rc) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {r.stderr.strip()[-400:]}")
    return float(wall), int(rss) / 1024.0, rest


def workloads(only):
    b = [("B1", 80, 20, 1, 10.0), ("B2", 8000, 2000, 1000, 10.0), ("B2-uniform-W", 8000, 2000, 1000, 10.0)]
    for n in (1000, 10000, 100000):
        b.append((f"npre={n}", n * 4 // 5, n // 5, 100, 10.0 * 10000 / n))
    for hz in (1.0, 10.0, 50.0):
        b.append((f"rate={hz:g}Hz", 8000, 2000, 1000, hz))
    return [w for w in b if not only or w[0] in only or (w[0].startswith("npre") and "sweep-npre" in only) or (w[0].startswith("rate") and "sweep-rate" in only)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peers", help="a Python with ngclearn 3.1.1, brian2 and nest (optional)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (the best is kept)")
    ap.add_argument("--only", default="", help="comma-separated workloads: B1,B2,B2-uniform-W,sweep-npre,sweep-rate")
    ap.add_argument("--baseline", help="another ngc binary to time beside this one (e.g. an earlier commit's)")
    ap.add_argument("--json", help="write the raw rows here")
    ap.add_argument("--table", help="only print the table of an earlier --json file")
    args = ap.parse_args()
    if args.table:
        table(json.load(open(args.table)))
        return
    only = [x for x in args.only.split(",") if x]
    if args.peers and os.sep in args.peers:
        args.peers = os.path.abspath(args.peers)  # the peers run in a scratch directory
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "ngc"], cwd=ROOT, check=True)
    ngc = os.path.join(ROOT, "target", "release", "ngc")
    tmp = tempfile.mkdtemp(prefix="ngc-bench-")
    rows = []
    for name, ne, ni, npost, hz in workloads(only):
        g_e, g_i = 2.4 * 80.0 / ne, 2.4 * 20.0 / ni
        path = os.path.join(tmp, f"{name}.toml")
        with open(path, "w") as f:
            f.write(model_toml(ne, ni, npost, hz, g_e, g_i, plastic=name.endswith("-uniform-W")))
        for mode, label in (("jax", "ngc (JAX-compatible)"), ("fast", "ngc --random fast")):
            baseline = os.path.abspath(args.baseline) if args.baseline and os.sep in args.baseline else args.baseline
            bins = [(ngc, label)] + ([(baseline, "baseline " + label[4:])] if baseline else [])
            runs = {b: [] for b, _ in bins}
            for _ in range(args.repeat):  # interleaved, so that drift hits both alike
                for b, _ in bins:
                    cmd = [b, "run", path, "--steps", "10000", "--dt", "0.1", "--random", mode, "--out", os.path.join(tmp, "out"), "--record-spikes", "post_exc:s"]
                    runs[b].append(rss_of(cmd))
            for b, lab in bins:
                best = min(runs[b], key=lambda r: r[0])
                # ngc's own timer: the step loop, from its summary ("simulated in X s wall").
                loop = re.search(r"simulated in ([0-9.]+) s wall", best[2])
                peer = {"run_s": float(loop.group(1))} if loop else {}
                rows.append({"workload": name, "impl": lab, "wall_s": best[0], "rss_mb": best[1], "peer": peer})
                print(f"{name:<14} {lab:<22} {best[0]:8.3f} s  {best[1]:7.1f} MB  (step loop: {peer.get('run_s')} s)", flush=True)
        if args.peers and ne + ni <= 10000 and not name.endswith("-uniform-W"):
            peers = [("ngclearn scan", [args.peers, os.path.join(PEERS, "ngclearn_bench.py"), "scan", str(ne), str(ni), str(npost), "10000"]),
                     ("brian2 cpp", [args.peers, os.path.join(PEERS, "brian2_bench.py"), "cpp", str(ne), str(ni), str(npost), "10000"]),
                     ("nest 2 threads", [args.peers, os.path.join(PEERS, "nest_bench.py"), str(ne), str(ni), str(npost), "10000"])]
            if name.startswith(("npre", "rate")):
                continue  # the peers' scripts fix the rate at 10 Hz
            for impl, pcmd in peers:
                try:
                    wall, rss, out = rss_of(pcmd)
                    j = json.loads(out.strip().splitlines()[-1])
                    rows.append({"workload": name, "impl": impl, "wall_s": wall, "rss_mb": rss, "peer": j})
                    inner = j.get("sim_only_s") or j.get("warm_run_s") or j.get("run_s")
                    print(f"{name:<14} {impl:<14} {wall:8.3f} s  {rss:7.1f} MB  (its own timer: {inner} s)", flush=True)
                except Exception as e:  # a missing peer is reported, not fatal
                    print(f"{name:<14} {impl:<14} not measured: {str(e)[:120]}", flush=True)
    print()
    table(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


def table(rows):
    """The summary: each implementation's whole-process wall time as a multiple of ngc's."""
    print(f"{'workload':<14} {'impl':<22} {'wall s':>8} {'peak MB':>8} {'x ngc':>7}  own timer")
    base = {r["workload"]: r["wall_s"] for r in rows if r["impl"].startswith("ngc (")}
    for r in rows:
        j = r.get("peer") or {}
        own = j.get("sim_only_s") or j.get("warm_run_s") or j.get("run_s")
        own = "" if own is None else f"{own} s"
        print(f"{r['workload']:<14} {r['impl']:<22} {r['wall_s']:8.3f} {r['rss_mb']:8.1f} {r['wall_s'] / base[r['workload']]:7.2f}  {own}")


if __name__ == "__main__":
    main()
