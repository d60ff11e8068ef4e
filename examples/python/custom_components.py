#!/usr/bin/env python3
"""The lesson of docs/custom-components.md, runnable: a leaky integrate-and-fire cell
and a Hebbian synapse of one's own, driven by built-in Poisson inputs, stepped and
learning; then a method the translator does not take, and its warning.

    python examples/python/custom_components.py [--steps N]

Needs ngclearn_rs and JAX (the classes are written in jax.numpy, as ngclearn's are)."""
import argparse
import warnings

import numpy as np
from jax import numpy as jnp, random

from ngclearn_rs import Compartment, Context, JointProcess, MethodProcess, UntranslatedMethodWarning, compilable
from ngclearn_rs.components import PoissonCell
from ngclearn_rs.components.jaxComponent import JaxComponent


class LIF(JaxComponent):
    """A leaky integrate-and-fire cell: tau_m dv/dt = -(v - v_rest) + R j."""

    def __init__(self, name, n_units, tau_m=10., resist_m=1., thr=-52., v_rest=-65., v_reset=-60.,
                 batch_size=1, key=None):
        super().__init__(name, key=key)
        self.tau_m = tau_m
        self.resist_m = resist_m
        self.thr = thr
        self.v_rest = v_rest
        self.v_reset = v_reset
        self.batch_size = batch_size
        self.n_units = n_units
        rest = jnp.zeros((batch_size, n_units))
        self.j = Compartment(rest)  # input current
        self.v = Compartment(rest + v_rest)  # membrane potential
        self.s = Compartment(rest)  # spikes

    @compilable
    def advance_state(self, dt):
        j = self.j.get()
        v = self.v.get()
        v = v + (-(v - self.v_rest) + j * self.resist_m) * (dt / self.tau_m)
        s = (v > self.thr).astype(jnp.float32)
        v = v * (1. - s) + s * self.v_reset
        self.v.set(v)
        self.s.set(s)

    @compilable
    def reset(self):
        rest = jnp.zeros((self.batch_size, self.n_units))
        if not self.j.targeted:
            self.j.set(rest)
        self.v.set(rest + self.v_rest)
        self.s.set(rest)


class Hebbian(JaxComponent):
    """A dense synapse, outputs = inputs @ W * scale, learning W += eta * pre^T post."""

    def __init__(self, name, shape, eta=0.01, scale=1., w_max=1., key=None):
        super().__init__(name, key=key)
        self.eta = eta
        self.scale = scale
        self.w_max = w_max
        key, sub = random.split(self.key.get())
        self.inputs = Compartment(jnp.zeros((1, shape[0])))
        self.outputs = Compartment(jnp.zeros((1, shape[1])))
        self.pre = Compartment(jnp.zeros((1, shape[0])))
        self.post = Compartment(jnp.zeros((1, shape[1])))
        self.weights = Compartment(random.uniform(sub, shape, minval=0.025, maxval=0.8))

    @compilable
    def advance_state(self):
        self.outputs.set(jnp.matmul(self.inputs.get(), self.weights.get()) * self.scale)

    @compilable
    def evolve(self):
        W = self.weights.get() + self.eta * jnp.matmul(self.pre.get().T, self.post.get())
        self.weights.set(jnp.clip(W, 0., self.w_max))

    @compilable
    def reset(self):
        self.outputs.set(jnp.zeros_like(self.outputs.get()))


class Smoothed(JaxComponent):
    """A cell with a method outside the translated subset (a Python loop)."""

    def __init__(self, name, n_units, n_sub=4, key=None):
        super().__init__(name, key=key)
        self.n_sub = n_sub
        self.x = Compartment(jnp.zeros((1, n_units)))
        self.y = Compartment(jnp.zeros((1, n_units)))

    @compilable
    def advance_state(self, dt):
        y = self.y.get()
        for _ in range(self.n_sub):  # not translated: runs in Python, after one warning
            y = y + (self.x.get() - y) * (dt / self.n_sub)
        self.y.set(y)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2000, help="steps of 0.1 ms (default 2000)")
    a = ap.parse_args()
    dt = 0.1
    k = random.split(random.PRNGKey(1234), 3)
    with Context("lesson") as ctx:
        x = PoissonCell("x", n_units=200, target_freq=50., key=k[0])
        W = Hebbian("W", shape=(200, 50), eta=0.002, scale=40., key=k[1])
        z = LIF("z", n_units=50)
        x.outputs >> W.inputs
        W.outputs >> z.j
        x.outputs >> W.pre
        z.s >> W.post
        advance = MethodProcess("advance") >> x.advance_state >> W.advance_state >> z.advance_state
        evolve = MethodProcess("evolve") >> W.evolve
        step = JointProcess("step") >> advance >> evolve
        step.watch(z.s)
    x.inputs.set(np.ones((1, 200), np.float32))
    print("translated:", {m: W.translated(m) for m in ("advance_state", "evolve", "reset")},
          {m: z.translated(m) for m in ("advance_state", "reset")})
    w0 = W.weights.get().copy()
    rows = step.pack_rows(a.steps, t=lambda i: (i + 1) * dt, dt=dt)
    final, (spikes,) = step.scan(rows)
    n = float(np.sum(spikes))
    print(f"{a.steps} steps: {n:.0f} spikes from {z.n_units} cells "
          f"({n / z.n_units / (a.steps * dt / 1000.):.1f} Hz)")
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", UntranslatedMethodWarning)
        with Context("lesson_fallback"):
            c = Smoothed("c", 3)
            p = MethodProcess("p") >> c.advance_state
    for w in said:
        print("warning:", w.message)
    c.x.set(np.ones((1, 3), np.float32))
    p.run(t=dt, dt=dt)
    print("Smoothed y after one step:", c.y.get().round(4).tolist())
    w1 = final["lesson:W:weights"]
    print(f"weights learned: mean {w0.mean():.4f} -> {np.asarray(w1).mean():.4f}")


if __name__ == "__main__":
    main()
