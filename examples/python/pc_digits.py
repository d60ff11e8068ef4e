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
(`receptive_fields.png`, W1 minus its initial values)
and the energy and accuracy over the epochs (`energy.png`) into `--out` when matplotlib
is installed.
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
ap.add_argument("--epochs", type=int, default=30)
ap.add_argument("--batch", type=int, default=50)
ap.add_argument("--T", type=int, default=20)
ap.add_argument("--train", type=int, default=1300)
ap.add_argument("--test", type=int, default=497)
ap.add_argument("--hid1", type=int, default=128)
ap.add_argument("--hid2", type=int, default=64)
ap.add_argument("--eta", type=float, default=0.001)
ap.add_argument("--seed", type=int, default=1234)
ap.add_argument("--out", default="pc-out")
args = ap.parse_args()

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

digits = load_digits()
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
    plt = None
if plt is not None:
    os.makedirs(args.out, exist_ok=True)
    # What learning added to the random initial weights (their change, per hidden cell).
    Wf = np.asarray(W1.weights.get()) - W1_0
    n = min(h1, 64)
    cols = 8
    fig, axes = plt.subplots(n // cols, cols, figsize=(cols * 1.1, n // cols * 1.1))
    for i, ax in enumerate(axes.flat):
        lim = np.abs(Wf[:, i]).max()
        ax.imshow(Wf[:, i].reshape(8, 8), cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_xticks([]); ax.set_yticks([])
    fig.suptitle(f"Learned change of W1's receptive fields (first {n} of {h1} cells), {E}")
    fig.savefig(os.path.join(args.out, "receptive_fields.png"), dpi=130, bbox_inches="tight")
    fig2, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(range(1, len(energies) + 1), energies, "b-")
    ax.set_xlabel("epoch"); ax.set_ylabel("error cells' summed L per batch", color="b")
    ax2 = ax.twinx()
    ax2.plot(range(1, len(accs) + 1), accs, "r-")
    ax2.set_ylabel("test accuracy", color="r")
    fig2.suptitle(f"Predictive coding on 8x8 digits ({E})")
    fig2.savefig(os.path.join(args.out, "energy.png"), dpi=130, bbox_inches="tight")
