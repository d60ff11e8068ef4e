"""A predictive-coding network (Whittington & Bogacz, 2017) learning to classify
scikit-learn's bundled 8x8 digits with local Hebbian updates, written against ngclearn's
API so that the same script runs on ngclearn_rs and on ngclearn 3.1.1 (the museum's
`pc_discrim/pcn_model.py`, at the digits' size, with mini-batches).

    z0 -W1-> e1 <- z1 -W2-> e2 <- z2 -W3-> e3 <- z3 (label)
    e2 -E2-> z1 <- e1,  e3 -E3-> z2 <- e2;  W1..W3 HebbianSynapse (Adam), E = W^T
    q0 -Q1-> q1 -Q2-> q2 -Q3-> q3 (the feed-forward pass that initialises z and predicts)

For each mini-batch the latent states start from the feed-forward pass, settle for T
steps with input and label clamped, and W1..W3 take one Adam step on their local Hebbian
updates (pre-synaptic activity times post-synaptic error). A digit is classified by the
feed-forward prediction q3.

Usage: python examples/python/pc_digits.py [--engine ngclearn_rs|ngclearn]
           [--epochs 30] [--batch 50] [--T 20] [--train 1300] [--test 497] [--out pc-out]
Prints the time per training digit, the error cells' summed L (their Gaussian
log-likelihood, which rises towards 0 as the predictions improve) per epoch and
the test accuracy; writes what learning changed in the first layer's receptive fields
(`receptive_fields.png`, W1 minus its initial values) and the energy and accuracy over
the epochs (`energy.png`) into `--out` when matplotlib is installed, and says where.
Needs scikit-learn (its bundled digits).
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
    ap.add_argument("--epochs", type=int, default=30, metavar="N",
                    help="passes over the training digits (default: %(default)s)")
    ap.add_argument("--batch", type=int, default=50, metavar="N",
                    help="digits per mini-batch (and the cells' batch_size) (default: %(default)s)")
    ap.add_argument("--T", type=int, default=20, metavar="STEPS",
                    help="settling steps of the latent states per batch (default: %(default)s)")
    ap.add_argument("--train", type=int, default=1300, metavar="N",
                    help="training digits (default: %(default)s)")
    ap.add_argument("--test", type=int, default=497, metavar="N",
                    help="held-out digits, classified after each epoch (default: %(default)s)")
    ap.add_argument("--hid1", type=int, default=128, metavar="N",
                    help="cells of the first hidden layer, z1 (default: %(default)s)")
    ap.add_argument("--hid2", type=int, default=64, metavar="N",
                    help="cells of the second hidden layer, z2 (default: %(default)s)")
    ap.add_argument("--eta", type=float, default=0.001,
                    help="Adam's learning rate for W1..W3 (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=1234,
                    help="seed of the digit order, the batches and the PRNG keys (default: %(default)s)")
    ap.add_argument("--out", default="pc-out", metavar="DIR",
                    help="directory for the figures (default: %(default)s)")
    return ap


def parse_args(argv=None):
    return build_parser().parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    digits = load_digits_or_exit("pc_digits.py")
    E = args.engine
    ng = importlib.import_module(E)
    Context, MethodProcess = ng.Context, ng.MethodProcess
    C = importlib.import_module(E + ".components")
    DG = importlib.import_module(E + ".utils.distribution_generator").DistributionGenerator
    if E == "ngclearn":
        from jax import numpy as jnp, random
    else:
        import numpy as jnp
        from ngclearn_rs import random

    X = (digits.data / 16.0).astype(np.float32)
    Y = np.eye(10, dtype=np.float32)[digits.target]
    order = np.random.default_rng(args.seed).permutation(len(X))
    train, test = order[: args.train], order[args.train: args.train + args.test]
    B, T = args.batch, args.T
    in_dim, h1, h2, out_dim = X.shape[1], args.hid1, args.hid2, 10

    dkey, *sk = random.split(random.PRNGKey(args.seed), 10)
    w = dict(weight_init=DG.uniform(low=-0.3, high=0.3), bias_init=DG.constant(value=0.), w_bound=0.,
             optim_type="adam", sign_value=-1., eta=args.eta, batch_size=B)
    rate = dict(tau_m=10., act_fx="tanh", prior=("gaussian", 0.), integration_type="euler", batch_size=B)
    with Context("pc_digits") as ctx:
        z0 = C.RateCell("z0", n_units=in_dim, tau_m=0., act_fx="identity", batch_size=B)
        z1 = C.RateCell("z1", n_units=h1, **rate)
        z2 = C.RateCell("z2", n_units=h2, **rate)
        z3 = C.RateCell("z3", n_units=out_dim, tau_m=0., act_fx="identity", batch_size=B)
        e1 = C.GaussianErrorCell("e1", n_units=h1, batch_size=B)
        e2 = C.GaussianErrorCell("e2", n_units=h2, batch_size=B)
        e3 = C.GaussianErrorCell("e3", n_units=out_dim, batch_size=B)
        W1 = C.HebbianSynapse("W1", shape=(in_dim, h1), key=sk[4], **w)
        W2 = C.HebbianSynapse("W2", shape=(h1, h2), key=sk[5], **w)
        W3 = C.HebbianSynapse("W3", shape=(h2, out_dim), key=sk[6], **w)
        E2 = C.StaticSynapse("E2", shape=(h2, h1), weight_init=DG.uniform(low=-0.3, high=0.3), batch_size=B, key=sk[4])
        E3 = C.StaticSynapse("E3", shape=(out_dim, h2), weight_init=DG.uniform(low=-0.3, high=0.3), batch_size=B,
                             key=sk[5])
        z0.zF >> W1.inputs; W1.outputs >> e1.mu; z1.z >> e1.target
        z1.zF >> W2.inputs; W2.outputs >> e2.mu; z2.z >> e2.target
        z2.zF >> W3.inputs; W3.outputs >> e3.mu; z3.z >> e3.target
        e2.dmu >> E2.inputs; E2.outputs >> z1.j; e1.dtarget >> z1.j_td
        e3.dmu >> E3.inputs; E3.outputs >> z2.j; e2.dtarget >> z2.j_td
        z0.zF >> W1.pre; e1.dmu >> W1.post
        z1.zF >> W2.pre; e2.dmu >> W2.post
        z2.zF >> W3.pre; e3.dmu >> W3.post

        q0 = C.RateCell("q0", n_units=in_dim, tau_m=0., act_fx="identity", batch_size=B)
        q1 = C.RateCell("q1", n_units=h1, tau_m=0., act_fx="tanh", batch_size=B)
        q2 = C.RateCell("q2", n_units=h2, tau_m=0., act_fx="tanh", batch_size=B)
        q3 = C.RateCell("q3", n_units=out_dim, tau_m=0., act_fx="identity", batch_size=B)
        Q1 = C.StaticSynapse("Q1", shape=(in_dim, h1), bias_init=DG.constant(value=0.), batch_size=B, key=sk[0])
        Q2 = C.StaticSynapse("Q2", shape=(h1, h2), bias_init=DG.constant(value=0.), batch_size=B, key=sk[0])
        Q3 = C.StaticSynapse("Q3", shape=(h2, out_dim), bias_init=DG.constant(value=0.), batch_size=B, key=sk[0])
        q0.zF >> Q1.inputs; Q1.outputs >> q1.j
        q1.zF >> Q2.inputs; Q2.outputs >> q2.j
        q2.zF >> Q3.inputs; Q3.outputs >> q3.j

        advance = (MethodProcess("advance") >> E2.advance_state >> E3.advance_state >> z0.advance_state
                   >> z1.advance_state >> z2.advance_state >> z3.advance_state >> W1.advance_state
                   >> W2.advance_state >> W3.advance_state >> e1.advance_state >> e2.advance_state
                   >> e3.advance_state)
        reset = (MethodProcess("reset") >> q0.reset >> q1.reset >> q2.reset >> q3.reset >> z0.reset >> z1.reset
                 >> z2.reset >> z3.reset >> e1.reset >> e2.reset >> e3.reset)
        evolve = MethodProcess("evolve") >> W1.evolve >> W2.evolve >> W3.evolve
        project = (MethodProcess("project") >> q0.advance_state >> Q1.advance_state >> q1.advance_state
                   >> Q2.advance_state >> q2.advance_state >> Q3.advance_state >> q3.advance_state)


    def feed_forward(x):
        """The q-pass with the current weights (Q = W); returns q3's prediction."""
        reset.run()
        for Q, W in ((Q1, W1), (Q2, W2), (Q3, W3)):
            Q.weights.set(W.weights.get()); Q.biases.set(W.biases.get())
        q0.j.set(x); z0.j.set(x)
        project.run(t=0., dt=1.)
        return np.asarray(q3.z.get())


    def train_batch(x, y):
        """Settles z1, z2 from the feed-forward pass with x and y clamped, then one Adam step."""
        feed_forward(x)
        E2.weights.set(jnp.transpose(W2.weights.get())); E3.weights.set(jnp.transpose(W3.weights.get()))
        z1.z.set(q1.z.get()); z2.z.set(q2.z.get())
        for ts in range(T):
            z0.j.set(x); z3.j.set(y)
            advance.run(t=float(ts), dt=1.)
        energy = float(np.sum(e1.L.get()) + np.sum(e2.L.get()) + np.sum(e3.L.get()))
        evolve.run(t=float(T), dt=1.)
        return energy


    def accuracy(idx):
        hits = n = 0
        for k in range(0, len(idx) - B + 1, B):
            b = idx[k: k + B]
            hits += int(np.sum(np.argmax(feed_forward(X[b]), axis=1) == digits.target[b]))
            n += B
        return hits / n


    eps = 0.001
    W1_0 = np.array(W1.weights.get())
    energies, accs = [], []
    t0 = time.perf_counter()
    rng = np.random.default_rng(args.seed + 1)
    for ep in range(args.epochs):
        perm = rng.permutation(train)
        e_sum = 0.0
        for k in range(0, len(perm) - B + 1, B):
            b = perm[k: k + B]
            e_sum += train_batch(X[b], np.clip(Y[b], eps, 1. - eps))
        energies.append(e_sum / (len(perm) // B))
        accs.append(accuracy(test))
        print(f"epoch {ep + 1}: summed L {energies[-1]:.4f}, test accuracy {accs[-1]:.3f}", flush=True)
    secs = time.perf_counter() - t0
    n_seen = args.epochs * (len(train) // B) * B
    print(json.dumps({"engine": E, "ms_per_training_digit": round(1e3 * secs / n_seen, 3),
                      "train_accuracy": round(accuracy(train), 3), "test_accuracy": accs[-1],
                      "summed_L_first_last": [round(energies[0], 4), round(energies[-1], 4)]}))

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: no figures; pip install matplotlib)")
        return
    os.makedirs(args.out, exist_ok=True)
    figures = [plot_receptive_fields(plt, np.asarray(W1.weights.get()) - W1_0, h1, E, args.out),
               plot_energy(plt, energies, accs, E, args.out)]
    for path in figures:
        print(f"wrote {path}")


def plot_receptive_fields(plt, dW, h1, engine, out):
    """What learning changed in the first 64 cells' input weights, on one symmetric
    colour scale (a diverging, colour-blind-safe map) with a colour bar."""
    n = min(h1, 64)
    cols = 8
    rows = int(np.ceil(n / cols))
    lim = float(np.abs(dW[:, :n]).max()) or 1.0
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.9 + 1.2, rows * 0.9 + 0.5), squeeze=False,
                             constrained_layout=True)
    im = None
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([]); ax.set_yticks([])
        if i < n:
            im = ax.imshow(dW[:, i].reshape(8, 8), cmap="RdBu_r", vmin=-lim, vmax=lim)
        else:
            ax.axis("off")
    fig.suptitle(f"Learned change of W1's receptive fields (first {n} of {h1} cells, {engine})", fontsize=9)
    bar = fig.colorbar(im, ax=axes, shrink=0.6)
    bar.set_label("weight change (final - initial)", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    path = os.path.join(out, "receptive_fields.png")
    fig.savefig(path, dpi=150, bbox_inches="tight")
    return path


def plot_energy(plt, energies, accs, engine, out):
    """Two stacked panels over the epochs (no twin axes): the error cells' summed L
    per batch, and the test accuracy."""
    x = np.arange(1, len(energies) + 1)
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(5.0, 4.2), constrained_layout=True)
    top.plot(x, energies, "o-", ms=3, color=OKABE_ITO["blue"], lw=1.6)
    top.set_ylabel("error cells' summed L\nper batch (higher: better)")
    bottom.plot(x, accs, "s-", ms=3, color=OKABE_ITO["vermillion"], lw=1.6)
    bottom.set_ylabel("test accuracy")
    bottom.set_xlabel("epoch")
    bottom.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    bottom.set_ylim(min(0.9, min(accs) - 0.02) if accs else 0, 1.0)
    for ax in (top, bottom):
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(f"Predictive coding on 8x8 digits ({engine})", fontsize=10)
    path = os.path.join(out, "energy.png")
    fig.savefig(path, dpi=150)
    return path


if __name__ == "__main__":
    main()
