#!/usr/bin/env python3
"""The Brette et al. (2007) benchmarks 1 (COBA) and 2 (CUBA), 4,000 LIF cells at p = 0.02,
1 s of 0.1 ms steps, in every simulator in one run (bench/brette2007/ defines the network
for each):

  ngc        `ngc run` on the model ngclearn 3.1.1 saves from the script (step loop, whole
             process, peak memory)
  package    the same ngclearn script through ngclearn_rs (imports changed), its scan
  ngclearn   ngclearn 3.1.1's scan of the script (with --ngclearn; ~30 s a run)
  brian2     Brian2 C++ standalone: simulation alone, and whole (code generation, compile)
  nest       NEST 3.10, 2 threads: simulation (build apart)

All start from the same initial state (drawn here, seed 2007). ngc, the package and
ngclearn share ngclearn's connections and give the same spikes; Brian2 and NEST draw their
own connections. Each figure is the best of --repeat runs, interleaved.

Usage: python3 bench/brette2007.py --python /work/V/bin/python [--ngc target/release/ngc]
       [--repeat 3] [--steps 10000] [--only coba,cuba] [--ngclearn] [--no-peers] [--json FILE]
--python is a Python with ngclearn 3.1.1, ngclearn_rs, brian2 and nest installed."""
import argparse, json, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "bench", "brette2007")
NE, NI = 3200, 800


def make_init(py, model, path):
    """The initial state (numpy's generator, seed 2007), written by `py` (which has numpy)."""
    code = f"""import numpy as np
r = np.random.default_rng(2007)
n = {NE + NI}
v = r.standard_normal(n) * 5 - 55 if {model!r} == "coba" else -60 + r.random(n) * 10
z = np.zeros(n, np.float32)
np.savez({path!r}, v=v.astype(np.float32), ge=z, gi=z)"""
    subprocess.run([py, "-c", code], check=True)


def timed(cmd, cwd):
    """Runs cmd, returns (its stdout, wall seconds, its peak RSS in MB) via a small wrapper."""
    code = ("import resource,subprocess,sys,time;t=time.perf_counter();r=subprocess.run(sys.argv[1:],capture_output=True,text=True);"
            "w=time.perf_counter()-t;print(r.returncode,w,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
            "print(r.stdout);print(r.stderr,file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code] + cmd, capture_output=True, text=True, cwd=cwd)
    head, _, out = r.stdout.partition("\n")
    rc, wall, rss = head.split()
    if int(rc) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {r.stderr.strip()[-600:]}")
    return out, float(wall), int(rss) / 1024.0


def last_json(out):
    return json.loads([l for l in out.splitlines() if l.startswith("{")][-1])


def run_ngc(ngc, model_dir, steps, tmp):
    out, wall, rss = timed([ngc, "run", model_dir, "--steps", str(steps), "--process", "advance_proc",
                            "--out", os.path.join(tmp, "ngc-out")], tmp)
    loop = float(re.search(r"simulated in ([0-9.]+) s wall", out).group(1))
    spikes = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(E|I)\s+\d+ cells\s+(\d+) spikes", out, re.M)}
    return {"impl": "ngc", "sim_s": loop, "whole_s": wall, "rss_mb": rss, "spikes": spikes}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", required=True)
    ap.add_argument("--ngc", default=os.path.join(ROOT, "target", "release", "ngc"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--only", default="coba,cuba")
    ap.add_argument("--ngclearn", action="store_true", help="also time ngclearn 3.1.1's scan")
    ap.add_argument("--no-peers", action="store_true", help="ngc and the package only")
    ap.add_argument("--json")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="brette2007-")
    py = a.python
    rows = []
    for model in a.only.split(","):
        init = os.path.join(tmp, f"init_{model}.npz")
        make_init(py, model, init)
        save = os.path.join(tmp, f"model_{model}")
        os.makedirs(save, exist_ok=True)
        net = os.path.join(HERE, "ngclearn_net.py")
        subprocess.run([py, net, model, "1", init, "--save", save], check=True, capture_output=True, cwd=tmp)
        model_dir = os.path.join(save, "brette2007")
        best = {}

        def keep(r):
            old = best.get(r["impl"])
            if old is None or r["sim_s"] < old["sim_s"]:
                best[r["impl"]] = r

        for _ in range(a.repeat):
            keep(run_ngc(a.ngc, model_dir, a.steps, tmp))
            out, wall, rss = timed([py, net, model, str(a.steps), init, "--engine", "rs"], tmp)
            r = last_json(out)
            keep({"impl": "package", "sim_s": r["scan_s"], "whole_s": wall, "rss_mb": rss, "spikes": r["spikes"]})
            if a.no_peers:
                continue
            out, wall, rss = timed([py, os.path.join(HERE, "brian2_net.py"), model, str(a.steps), init], tmp)
            r = last_json(out)
            keep({"impl": "brian2", "sim_s": r["sim_s"], "whole_s": wall, "rss_mb": rss, "spikes": r["spikes"]})
            out, wall, rss = timed([py, os.path.join(HERE, "nest_net.py"), model, str(a.steps), init], tmp)
            r = last_json(out)
            keep({"impl": "nest", "sim_s": r["sim_s"], "whole_s": wall, "rss_mb": rss, "spikes": r["spikes"]})
        if a.ngclearn:
            out, wall, rss = timed([py, net, model, str(a.steps), init], tmp)
            r = last_json(out)
            keep({"impl": "ngclearn", "sim_s": r["scan_s"], "whole_s": wall, "rss_mb": rss, "spikes": r["spikes"]})
        for r in best.values():
            r["model"] = model
            rows.append(r)
    secs = a.steps * 0.1 / 1000.
    print(f"{'model':6} {'implementation':10} {'sim s':>8} {'x ngc':>7} {'whole s':>8} {'peak MB':>8} {'E Hz':>6} {'I Hz':>6}")
    for model in a.only.split(","):
        ours = next(r for r in rows if r["model"] == model and r["impl"] == "ngc")
        for r in (r for r in rows if r["model"] == model):
            print(f"{model:6} {r['impl']:10} {r['sim_s']:8.4f} {r['sim_s'] / ours['sim_s']:7.2f} {r['whole_s']:8.3f} "
                  f"{r['rss_mb']:8.0f} {r['spikes']['E'] / NE / secs:6.2f} {r['spikes']['I'] / NI / secs:6.2f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
