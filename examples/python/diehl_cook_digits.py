"""A Diehl & Cook (2015)-style spiking network learning scikit-learn's bundled 8x8 digits
by spike-timing-dependent plasticity, written against ngclearn's API so that the same
script runs on ngclearn_rs and on ngclearn 3.1.1 (the museum's `dcsnn_model.py`, at the
digits' size).

    z0 (Poisson, 64) -W1 (TraceSTDP)-> z1e (adaptive LIF, one spike) <-> z1i (LIF)
    z1e -W1ei (22.5, eye)-> z1i -W1ie (-120, hollow)-> z1e;  traces tr0, tr1

Each digit is shown for T steps of dt = 1 ms (pixel / 16 scales a 63.75 Hz Poisson
rate); W1 learns by trace STDP and its columns are normalised to `--wnorm` after each
digit. Then the weights are frozen, each excitatory cell is labelled with the class it
answers most to on the training digits, and held-out digits are classified by the
labelled cells' spike counts.

Usage: python examples/python/diehl_cook_digits.py [--engine ngclearn_rs|ngclearn]
           [--train 1300] [--test 497] [--hidden 100] [--T 250] [--wnorm 24] [--out dc-out]
Prints the time per training digit and the test accuracy; writes the receptive fields
(`receptive_fields.png`) and the excitatory spikes per digit during training
(`spikes.png`) into `--out` when matplotlib is installed.
"""
import argparse
import importlib
import json
import os
import time

import numpy as np
from sklearn.datasets import load_digits

ap = argparse.ArgumentParser()
ap.add_argument("--engine", default="ngclearn_rs", choices=["ngclearn_rs", "ngclearn"])
ap.add_argument("--train", type=int, default=1300)
ap.add_argument("--test", type=int, default=497)
ap.add_argument("--hidden", type=int, default=100)
ap.add_argument("--T", type=int, default=250)
ap.add_argument("--wnorm", type=float, default=24.0)
ap.add_argument("--seed", type=int, default=1234)
ap.add_argument("--out", default="dc-out")
args = ap.parse_args()

E = args.engine
ng = importlib.import_module(E)
Context, MethodProcess, JointProcess = ng.Context, ng.MethodProcess, ng.JointProcess
C = importlib.import_module(E + ".components")
Summation = importlib.import_module(E + ".operations").Summation
DG = importlib.import_module(E + ".utils.distribution_generator").DistributionGenerator
if E == "ngclearn":
    from jax import random
    from ngcsimlib.global_state import stateManager
else:
    from ngclearn_rs import random
    from ngclearn_rs.global_state import stateManager

digits = load_digits()
X = (digits.data / 16.0).astype(np.float32)
y = digits.target
order = np.random.default_rng(args.seed).permutation(len(X))
train, test = order[: args.train], order[args.train: args.train + args.test]
in_dim, hid = X.shape[1], args.hidden
T, dt = args.T, 1.0

dkey, *sk = random.split(random.PRNGKey(args.seed), 10)
tau_m = 100.500896468
with Context("dc_digits") as ctx:
    z0 = C.PoissonCell("z0", n_units=in_dim, target_freq=63.75, key=sk[0])
    W1 = C.TraceSTDPSynapse("W1", shape=(in_dim, hid), A_plus=1e-2, A_minus=1e-4, eta=1., pretrace_target=0.,
                            weight_init=DG.uniform(0.0, 0.3), key=sk[1])
    z1e = C.LIFCell("z1e", n_units=hid, tau_m=tau_m, resist_m=tau_m / dt, thr=-52., v_rest=-65., v_reset=-60.,
                    tau_theta=1e7, theta_plus=0.05, refract_time=5., one_spike=True, key=sk[2])
    z1i = C.LIFCell("z1i", n_units=hid, tau_m=tau_m, resist_m=tau_m / dt, thr=-40., v_rest=-60., v_reset=-45.,
                    tau_theta=0., refract_time=5., one_spike=False, key=sk[3])
    W1ie = C.StaticSynapse("W1ie", shape=(hid, hid), weight_init=DG.constant(-120., hollow=True), key=sk[4])
    W1ei = C.StaticSynapse("W1ei", shape=(hid, hid), weight_init=DG.constant(22.5, eye=True), key=sk[5])
    tr0 = C.VarTrace("tr0", n_units=in_dim, tau_tr=20., decay_type="exp", a_delta=0., key=sk[6])
    tr1 = C.VarTrace("tr1", n_units=hid, tau_tr=20., decay_type="exp", a_delta=0., key=sk[7])
    z0.outputs >> W1.inputs
    z1i.s >> W1ie.inputs
    Summation(W1.outputs, W1ie.outputs) >> z1e.j
    z1e.s >> W1ei.inputs
    W1ei.outputs >> z1i.j
    z0.outputs >> tr0.inputs
    z1e.s >> tr1.inputs
    tr0.trace >> W1.preTrace
    z0.outputs >> W1.preSpike
    tr1.trace >> W1.postTrace
    z1e.s >> W1.postSpike
    advance = (MethodProcess("advance_process") >> W1.advance_state >> W1ie.advance_state >> W1ei.advance_state
               >> z0.advance_state >> z1e.advance_state >> z1i.advance_state >> tr0.advance_state
               >> tr1.advance_state)
    reset = (MethodProcess("reset_process") >> z0.reset >> z1e.reset >> z1i.reset >> tr0.reset >> tr1.reset
             >> W1.reset >> W1ie.reset >> W1ei.reset)
    evolve = MethodProcess("evolve_process") >> W1.evolve
    forward = JointProcess("forward_process") >> advance >> evolve
    advance.watch(z1e.s)  # forward_process watches what its children watch


def normalise():
    w = np.asarray(W1.weights.get(), dtype=np.float32)
    s = np.maximum(np.abs(w).sum(axis=0, keepdims=True), 1e-8)
    W1.weights.set(w * (args.wnorm / s))


def present(x, learn):
    reset.run()
    z0.inputs.set(x.reshape(1, -1))
    proc = forward if learn else advance
    rows = np.array(proc.pack_rows(T, t=lambda i: i, dt=dt))
    final, outputs = proc.scan(rows)
    stateManager.state = final
    s = outputs[0]
    if learn:
        normalise()
    return np.asarray(s).reshape(T, hid).sum(axis=0)


normalise()
curve = []
t0 = time.perf_counter()
for k, i in enumerate(train):
    counts = present(X[i], learn=True)
    if k % 50 == 0:
        curve.append((k, float(counts.sum())))
per_digit = (time.perf_counter() - t0) / len(train)
print(f"{E}: trained on {len(train)} digits in {per_digit * 1000:.1f} ms per digit "
      f"(T = {T} steps, {hid} excitatory cells)")

# Label each cell by the class it answers most to, then classify held-out digits.
resp = np.zeros((10, hid))
seen = np.zeros(10)
for i in train:
    resp[y[i]] += present(X[i], learn=False)
    seen[y[i]] += 1
label = np.argmax(resp / np.maximum(seen[:, None], 1), axis=0)
correct = 0
for i in test:
    c = present(X[i], learn=False)
    votes = [c[label == d].mean() if (label == d).any() else -1 for d in range(10)]
    correct += int(np.argmax(votes) == y[i])
acc = correct / max(len(test), 1)
print(f"{E}: test accuracy {acc:.3f} on {len(test)} held-out digits; cells per class {np.bincount(label, minlength=10).tolist()}")

os.makedirs(args.out, exist_ok=True)
with open(os.path.join(args.out, f"result-{E}.json"), "w") as f:
    json.dump({"engine": E, "train": len(train), "test": len(test), "hidden": hid, "T": T,
               "ms_per_training_digit": per_digit * 1000, "test_accuracy": acc, "spikes_per_digit": curve}, f)
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    w = np.asarray(W1.weights.get())
    side = int(np.ceil(np.sqrt(hid)))
    fig, axes = plt.subplots(side, side, figsize=(side * 1.1, side * 1.1))
    for j, ax in enumerate(axes.flat):
        ax.axis("off")
        if j < hid:
            ax.imshow(w[:, j].reshape(8, 8), cmap="gray_r")
            ax.set_title(str(label[j]), fontsize=7, pad=1)
    fig.suptitle(f"W1 receptive fields after {len(train)} digits (title: the cell's label)", fontsize=8)
    fig.savefig(os.path.join(args.out, "receptive_fields.png"), dpi=130, bbox_inches="tight")
    fig2, ax2 = plt.subplots(figsize=(4, 2.5))
    ax2.plot([k for k, _ in curve], [c for _, c in curve], marker="o")
    ax2.set_xlabel("training digit")
    ax2.set_ylabel("excitatory spikes per digit")
    fig2.savefig(os.path.join(args.out, "spikes.png"), dpi=130, bbox_inches="tight")
    print(f"wrote {args.out}/receptive_fields.png and {args.out}/spikes.png")
except ImportError:
    print("(matplotlib is not installed: no figures)")
