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
(`receptive_fields.png`) and the learning curve (`spikes.png`: the accuracy on each
training digit predicted before learning from it, and the excitatory spikes per digit,
both as running means) into `--out` when matplotlib is installed. Needs scikit-learn
(its bundled digits).
"""
import importlib
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from digits_common import OKABE_ITO, base_parser, load_digits_or_exit  # noqa: E402


def build_parser():
    """The command line's options, each with its help."""
    ap = base_parser(__doc__)
    ap.add_argument("--train", type=int, default=1300, metavar="N",
                    help="training digits, shown once each with STDP on (default: %(default)s)")
    ap.add_argument("--test", type=int, default=497, metavar="N",
                    help="held-out digits classified after training (default: %(default)s)")
    ap.add_argument("--hidden", type=int, default=100, metavar="N",
                    help="excitatory cells (and as many inhibitory ones) (default: %(default)s)")
    ap.add_argument("--T", type=int, default=250, metavar="STEPS",
                    help="steps of 1 ms each digit is shown for (default: %(default)s)")
    ap.add_argument("--wnorm", type=float, default=24.0, metavar="SUM",
                    help="each column of W1 is rescaled to this sum after every digit (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=1234,
                    help="seed of the digit order and of the PRNG keys (default: %(default)s)")
    ap.add_argument("--out", default="dc-out", metavar="DIR",
                    help="directory for result-ENGINE.json and the figures (default: %(default)s)")
    return ap


def parse_args(argv=None):
    return build_parser().parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    digits = load_digits_or_exit("diehl_cook_digits.py")
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
    # The learning curve, from the spikes of the learning presentations themselves (no
    # extra runs): each digit is classified by the labels the cells have from the
    # digits before it, then counted into them (a prequential accuracy).
    spikes, hits = [], []
    online_resp, online_seen = np.zeros((10, hid)), np.zeros(10)
    t0 = time.perf_counter()
    for k, i in enumerate(train):
        counts = present(X[i], learn=True)
        if k % 50 == 0:
            curve.append((k, float(counts.sum())))
        spikes.append(float(counts.sum()))
        now = np.argmax(online_resp / np.maximum(online_seen[:, None], 1), axis=0)
        votes = [counts[now == d].mean() if (now == d).any() else -1 for d in range(10)]
        hits.append(bool(online_seen.any() and counts.any() and np.argmax(votes) == y[i]))
        online_resp[y[i]] += counts
        online_seen[y[i]] += 1
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
                   "ms_per_training_digit": per_digit * 1000, "test_accuracy": acc, "spikes_per_digit": curve,
                   "spikes_per_training_digit": spikes, "correct_before_learning": hits}, f)
    print(f"wrote {os.path.join(args.out, f'result-{E}.json')}")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: no figures; pip install matplotlib)")
        return
    figures = [plot_receptive_fields(plt, np.asarray(W1.weights.get()), label, len(train), args.out),
               plot_learning_curve(plt, spikes, hits, args.out)]
    for path in figures:
        print(f"wrote {path}")


def running_mean(values, window):
    """The mean of each value and the ``window - 1`` before it (fewer at the start)."""
    v = np.asarray(values, dtype=np.float64)
    c = np.concatenate([[0.0], np.cumsum(v)])
    k = np.arange(1, len(v) + 1)
    lo = np.maximum(k - window, 0)
    return (c[k] - c[lo]) / (k - lo)


def plot_receptive_fields(plt, w, label, n_train, out):
    """Each excitatory cell's 8x8 input weights on one colour scale, titled by its
    label, with a colour bar."""
    hid = w.shape[1]
    side = int(np.ceil(np.sqrt(hid)))
    fig, axes = plt.subplots(side, side, figsize=(side * 0.9 + 1.2, side * 0.9 + 0.5), squeeze=False,
                             constrained_layout=True)
    im = None
    for j, ax in enumerate(axes.flat):
        ax.axis("off")
        if j < hid:
            im = ax.imshow(w[:, j].reshape(8, 8), cmap="cividis", vmin=0.0, vmax=float(w.max()))
            ax.set_title(str(label[j]), fontsize=7, pad=1)
    fig.suptitle(f"W1 receptive fields after {n_train} training digits (title: the cell's label)", fontsize=9)
    if im is not None:
        bar = fig.colorbar(im, ax=axes, shrink=0.6)
        bar.set_label("synaptic weight", fontsize=8)
        bar.ax.tick_params(labelsize=7)
    path = os.path.join(out, "receptive_fields.png")
    fig.savefig(path, dpi=150, bbox_inches="tight")
    return path


def plot_learning_curve(plt, spikes, hits, out):
    """Two stacked panels over the training digits: the accuracy of classifying each
    digit before learning from it, and the excitatory spikes per digit, as running
    means (the raw spike counts faint behind)."""
    n = len(spikes)
    window = max(1, min(100, n // 5))
    x = np.arange(1, n + 1)
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(5.0, 4.2), constrained_layout=True)
    top.plot(x, running_mean(hits, window), color=OKABE_ITO["blue"], lw=1.6)
    top.axhline(0.1, color=OKABE_ITO["grey"], ls="--", lw=1, label="chance (0.1)")
    top.set_ylim(0, 1)
    top.set_ylabel(f"accuracy before\nlearning (mean of {window})")
    top.legend(loc="upper left", fontsize=8, frameon=False)
    bottom.plot(x, spikes, ".", ms=2, color=OKABE_ITO["grey"], alpha=0.35, label="each digit")
    bottom.plot(x, running_mean(spikes, window), color=OKABE_ITO["vermillion"], lw=1.6,
                label=f"running mean of {window}")
    bottom.set_ylabel("excitatory spikes\nper digit")
    bottom.set_xlabel("training digit")
    bottom.legend(loc="upper right", fontsize=8, frameon=False)
    for ax in (top, bottom):
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle("Diehl & Cook network learning 8x8 digits by STDP", fontsize=10)
    path = os.path.join(out, "spikes.png")
    fig.savefig(path, dpi=150)
    return path


if __name__ == "__main__":
    main()
