"""Convolutional Hebbian features of scikit-learn's bundled 8x8 digits: a bank of 3x3
filters learns by a competitive, rate-coded Hebbian rule through ngclearn's
TraceSTDPConvSynapse, written against ngclearn's API so that the same script runs on
ngclearn_rs and on ngclearn 3.1.1.

    x (1, 8, 8, 1) -W (TraceSTDPConvSynapse, 3x3x1xF, SAME)-> y (1, 8, 8, F)

For each training digit: y = W * x (advance_state); at each of the 64 positions only the
channel that answers most keeps its response, if positive (winner-take-all over the
channels), and that is the post-synaptic signal; W learns from it through evolve with
the pre-synaptic trace x and A_minus = 0, i.e. dW = conv_dK(x, post) and W += eta dW;
then each filter is rescaled to unit norm. After training the filters are frozen, each
digit's rectified feature maps are max-pooled 2x2 into 16 F features, and a ridge
classifier trained on the training digits' features is tested on held-out digits (beside
the same classifier on the raw pixels).

Usage: python examples/python/conv_digits.py [--engine ngclearn_rs|ngclearn]
           [--train 1300] [--test 497] [--filters 8] [--eta 0.05] [--out conv-out]
Prints the time per training digit (the engine's advance_state and evolve) and the test
accuracies; writes `result-ENGINE.json`, the learned filters (`filters.png`) and one
digit's feature maps (`feature_maps.png`) into `--out` (figures when matplotlib is
installed). Needs scikit-learn (its bundled digits).
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
                    help="training digits, shown once each with learning on (default: %(default)s)")
    ap.add_argument("--test", type=int, default=497, metavar="N",
                    help="held-out digits classified after training (default: %(default)s)")
    ap.add_argument("--filters", type=int, default=8, metavar="F",
                    help="3x3 filters (output channels) (default: %(default)s)")
    ap.add_argument("--eta", type=float, default=0.05,
                    help="learning rate of the Hebbian update (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=1234,
                    help="seed of the digit order and of the PRNG keys (default: %(default)s)")
    ap.add_argument("--out", default="conv-out", metavar="DIR",
                    help="directory for result-ENGINE.json and the figures (default: %(default)s)")
    return ap


def ridge_accuracy(f_train, y_train, f_test, y_test, lam=1e-2):
    """Accuracy of a one-vs-all ridge classifier (least squares on one-hot targets)."""
    mu, sd = f_train.mean(0), f_train.std(0) + 1e-6
    a = np.hstack([(f_train - mu) / sd, np.ones((len(f_train), 1))])
    b = np.hstack([(f_test - mu) / sd, np.ones((len(f_test), 1))])
    t = np.eye(10)[y_train]
    w = np.linalg.solve(a.T @ a + lam * np.eye(a.shape[1]), a.T @ t)
    return float(np.mean((b @ w).argmax(1) == y_test))


def main(argv=None):
    args = build_parser().parse_args(argv)
    digits = load_digits_or_exit("conv_digits.py")
    E = args.engine
    ng = importlib.import_module(E)
    Context, MethodProcess = ng.Context, ng.MethodProcess
    C = importlib.import_module(E + ".components")
    DG = importlib.import_module(E + ".utils.distribution_generator").DistributionGenerator
    if E == "ngclearn":
        from jax import random
    else:
        from ngclearn_rs import random

    X = (digits.data / 16.0).astype(np.float32).reshape(-1, 1, 8, 8, 1)
    y = digits.target
    order = np.random.default_rng(args.seed).permutation(len(X))
    train, test = order[: args.train], order[args.train: args.train + args.test]
    F = args.filters

    dkey, sk = random.split(random.PRNGKey(args.seed), 2)
    with Context("conv_digits"):
        W = C.TraceSTDPConvSynapse("W", (3, 3, 1, F), (8, 8), A_plus=1.0, A_minus=0.0, eta=args.eta,
                                   filter_init=DG.gaussian(0.0, 0.1), padding="SAME", key=sk)
        advance = MethodProcess("advance") >> W.advance_state
        evolve = MethodProcess("evolve") >> W.evolve
        reset = MethodProcess("reset") >> W.reset

    def unit_filters(w):
        n = np.sqrt((w ** 2).sum(axis=(0, 1, 2), keepdims=True))
        return (w / np.maximum(n, 1e-8)).astype(np.float32)

    W.weights.set(unit_filters(np.asarray(W.weights.get(), dtype=np.float32)))
    reset.run()
    zeros = np.zeros((1, 8, 8, F), dtype=np.float32)
    W.preSpike.set(np.zeros((1, 8, 8, 1), dtype=np.float32))
    W.postTrace.set(zeros)
    engine_s = 0.0
    for n, i in enumerate(train):
        t0 = time.perf_counter()
        W.inputs.set(X[i])
        advance.run(t=float(n), dt=1.0)
        engine_s += time.perf_counter() - t0
        out = np.asarray(W.outputs.get(), dtype=np.float32)
        win = (out == out.max(axis=3, keepdims=True)) & (out > 0)
        post = np.where(win, out, np.float32(0)).astype(np.float32)
        t0 = time.perf_counter()
        W.preTrace.set(X[i])
        W.postSpike.set(post)
        evolve.run(t=float(n), dt=1.0)
        engine_s += time.perf_counter() - t0
        W.weights.set(unit_filters(np.asarray(W.weights.get(), dtype=np.float32)))
    per_digit = engine_s / max(len(train), 1)

    def features(idx):
        out = []
        for i in idx:
            W.inputs.set(X[i])
            advance.run(t=0.0, dt=1.0)
            m = np.maximum(np.asarray(W.outputs.get(), dtype=np.float32)[0], 0.0)
            out.append(m.reshape(4, 2, 4, 2, F).max(axis=(1, 3)).ravel())
        return np.array(out)

    f_train, f_test = features(train), features(test)
    acc = ridge_accuracy(f_train, y[train], f_test, y[test])
    acc_pixels = ridge_accuracy(X[train].reshape(len(train), -1), y[train], X[test].reshape(len(test), -1), y[test])
    filters = np.asarray(W.weights.get(), dtype=np.float32)
    print(f"{E}: {per_digit * 1e3:.3f} ms per training digit (advance_state + evolve), "
          f"test accuracy {acc:.3f} on {F} learned filters' pooled features ({acc_pixels:.3f} on the raw pixels)")

    os.makedirs(args.out, exist_ok=True)
    result = {"engine": E, "train": len(train), "test": len(test), "filters": F,
              "ms_per_training_digit": per_digit * 1e3, "accuracy": acc, "accuracy_raw_pixels": acc_pixels,
              "filters_sha": __import__("hashlib").sha256(filters.tobytes()).hexdigest()}
    path = os.path.join(args.out, f"result-{E}.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    print(path)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return result
    lim = float(np.abs(filters).max())
    fig, axes = plt.subplots(1, F, figsize=(1.3 * F, 1.8), constrained_layout=True)
    for k, ax in enumerate(np.atleast_1d(axes)):
        im = ax.imshow(filters[:, :, 0, k], cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(f"filter {k}", fontsize=9)
        ax.set_xticks([]), ax.set_yticks([])
    fig.colorbar(im, ax=axes, shrink=0.8, label="weight")
    fig.suptitle(f"{F} learned 3x3 filters ({E}, {len(train)} digits)", fontsize=10)
    p = os.path.join(args.out, "filters.png")
    fig.savefig(p, dpi=150)
    plt.close(fig)
    print(p)
    i = test[0]
    W.inputs.set(X[i])
    advance.run(t=0.0, dt=1.0)
    maps = np.asarray(W.outputs.get(), dtype=np.float32)[0]
    fig, axes = plt.subplots(1, F + 1, figsize=(1.3 * (F + 1), 1.8), constrained_layout=True)
    axes[0].imshow(X[i][0, :, :, 0], cmap="gray_r", vmin=0, vmax=1)
    axes[0].set_title(f"digit {y[i]}", fontsize=9)
    mlim = float(np.abs(maps).max())
    for k in range(F):
        im = axes[k + 1].imshow(maps[:, :, k], cmap="RdBu_r", vmin=-mlim, vmax=mlim)
        axes[k + 1].set_title(f"map {k}", fontsize=9, color=OKABE_ITO["blue"])
    for ax in axes:
        ax.set_xticks([]), ax.set_yticks([])
    fig.colorbar(im, ax=axes[1:], shrink=0.8, label="response")
    p = os.path.join(args.out, "feature_maps.png")
    fig.savefig(p, dpi=150)
    plt.close(fig)
    print(p)
    return result


if __name__ == "__main__":
    main()
