"""User-written components, written as ngclearn 3.1.1's own cells and lessons write them,
and the scenarios that run them. The module runs unchanged under ngclearn 3.1.1
(NGC_LIB=ngclearn) and under ngclearn_rs (the default); ngclearn's outputs are the
reference fixtures in fixtures/custom/<scenario>.npz, made by
scripts/make_custom_component_fixtures.py.

Each class covers one group of constructs:
    Arith        + - * / // % ** (scalars, float attributes, broadcasting), comparisons, -x, / dt
    Elementwise  exp log tanh sigmoid relu abs sign sqrt power clip where minimum maximum floor
    Reduce       sum/mean/max over axis None/0/1, keepdims, a scalar loss L = sum(e * e)
    Products     matmul, dot, @, .T, transpose, a Hebbian dW = pre.T @ post, a weight update
    Shapes       reshape, zeros/ones(_like), astype, x.shape, a 1-D and a scalar compartment
    Branches     `if`/`elif`/`else` on constructor arguments, an `x if flag else y`, a helper
    Noisy        random.split/uniform/normal/bernoulli on the component's key
    UserLIF      a leaky integrate-and-fire cell (refractory period, time of last spike)
    UserHebbian  a synapse: outputs = inputs @ weights; weights += eta * pre.T @ post, clipped
    Fallback     a Python `for` loop over a range with accumulation, and jnp.cumsum

A scenario `run(steps=...)` returns {"<component>.<compartment>": values after each step,
stacked on a leading axis} (float32; keys uint32).
"""
import os
if os.environ.get("NGC_LIB", "ngclearn_rs") == "ngclearn":
    from ngclearn import compilable, Compartment, Context, MethodProcess, JointProcess
    from ngclearn.components.jaxComponent import JaxComponent
else:
    from ngclearn_rs import compilable, Compartment, Context, MethodProcess, JointProcess
    from ngclearn_rs.components.jaxComponent import JaxComponent
import numpy as np
from jax import numpy as jnp, random
import jax
import itertools


## module-level helpers, called from compiled methods as ngclearn's cells call theirs
def _dfv(v, j, tau):  ## dv/dt of a leaky unit
    return (-v + j) / tau


def _decay(v, dt, tau):
    return v * jnp.exp(-dt / tau)


class Arith(JaxComponent):
    """Arithmetic operators on compartments, scalars and float attributes."""

    def __init__(self, name, n_units, batch_size=2, alpha=0.5, beta=3., tau=2., key=None):
        super().__init__(name, key=key)
        self.n_units = n_units
        self.batch_size = batch_size
        self.alpha = alpha
        self.beta = beta
        self.tau = tau

        restVals = jnp.zeros((batch_size, n_units))
        self.x = Compartment(restVals)  ## (b, n), mixed signs
        self.y = Compartment(restVals + 1.)  ## (b, n), positive
        self.k = Compartment(restVals)  ## (b, n), integer-valued floats
        self.row = Compartment(jnp.ones((1, n_units)))  ## (1, n)
        self.vec = Compartment(jnp.ones((n_units,)))  ## (n,)

        self.add = Compartment(restVals)
        self.sub = Compartment(restVals)
        self.mul = Compartment(restVals)
        self.div = Compartment(restVals)
        self.fdiv = Compartment(restVals)
        self.mod = Compartment(restVals)
        self.pw = Compartment(restVals)
        self.bcast = Compartment(restVals)
        self.cmp = Compartment(restVals)
        self.eq = Compartment(restVals)
        self.neg = Compartment(restVals)
        self.rate = Compartment(restVals)

    @compilable
    def advance_state(self, t, dt):
        x = self.x.get()
        y = self.y.get()
        k = self.k.get()
        row = self.row.get()
        vec = self.vec.get()

        add = x + y + 1. + self.alpha
        sub = x - y - 2. - self.beta
        mul = x * y * 3. * self.alpha
        div = x / y + 1. / y + x / 4.
        fdiv = x // y + (x * 5.) // 2.
        mod = x % y + (x * 5.) % 2.
        pw = x ** 2 + y ** 1.5 + y ** self.beta + 2. ** x
        bcast = x * row + vec - y / row + (x + vec) * vec
        cmp = (x > y).astype(jnp.float32) + 2. * (x >= k).astype(jnp.float32) \
              + 4. * (x < y).astype(jnp.float32) + 8. * (k <= 1.).astype(jnp.float32)
        eq = (k == 1.).astype(jnp.float32) + 2. * (k != 2.).astype(jnp.float32) \
             + 4. * (k >= 1.).astype(jnp.float32)
        neg = -x + -(y * self.alpha)
        rate = x / self.tau + y / dt + (x - y) * (dt / self.tau) + t * self.alpha

        self.add.set(add)
        self.sub.set(sub)
        self.mul.set(mul)
        self.div.set(div)
        self.fdiv.set(fdiv)
        self.mod.set(mod)
        self.pw.set(pw)
        self.bcast.set(bcast)
        self.cmp.set(cmp)
        self.eq.set(eq)
        self.neg.set(neg)
        self.rate.set(rate)

    @compilable
    def reset(self):
        restVals = jnp.zeros((self.batch_size, self.n_units))
        self.x.set(restVals)
        self.y.set(restVals + 1.)
        self.k.set(restVals)
        self.add.set(restVals)
        self.sub.set(restVals)
        self.mul.set(restVals)
        self.div.set(restVals)
        self.fdiv.set(restVals)
        self.mod.set(restVals)
        self.pw.set(restVals)
        self.bcast.set(restVals)
        self.cmp.set(restVals)
        self.eq.set(restVals)
        self.neg.set(restVals)
        self.rate.set(restVals)


class Elementwise(JaxComponent):
    """Elementwise functions of jax.numpy and jax.nn."""

    def __init__(self, name, n_units, batch_size=2, lo=-0.5, hi=0.5, key=None):
        super().__init__(name, key=key)
        self.n_units = n_units
        self.batch_size = batch_size
        self.lo = lo
        self.hi = hi

        restVals = jnp.zeros((batch_size, n_units))
        self.x = Compartment(restVals)  ## mixed signs
        self.p = Compartment(restVals + 1.)  ## positive
        self.e_exp = Compartment(restVals)
        self.e_log = Compartment(restVals)
        self.e_tanh = Compartment(restVals)
        self.e_sigmoid = Compartment(restVals)
        self.e_relu = Compartment(restVals)
        self.e_abs = Compartment(restVals)
        self.e_sign = Compartment(restVals)
        self.e_sqrt = Compartment(restVals)
        self.e_pow2 = Compartment(restVals)
        self.e_pow15 = Compartment(restVals)
        self.e_sq = Compartment(restVals)
        self.e_clip = Compartment(restVals)
        self.e_where = Compartment(restVals)
        self.e_min = Compartment(restVals)
        self.e_max = Compartment(restVals)
        self.e_floor = Compartment(restVals)

    @compilable
    def advance_state(self, dt):
        x = self.x.get()
        p = self.p.get()
        self.e_exp.set(jnp.exp(x))
        self.e_log.set(jnp.log(p))
        self.e_tanh.set(jnp.tanh(x))
        self.e_sigmoid.set(jax.nn.sigmoid(x))
        self.e_relu.set(jax.nn.relu(x))
        self.e_abs.set(jnp.abs(x))
        self.e_sign.set(jnp.sign(x))
        self.e_sqrt.set(jnp.sqrt(p))
        self.e_pow2.set(jnp.power(x, 2))
        self.e_pow15.set(jnp.power(p, 1.5))
        self.e_sq.set(x ** 2)
        self.e_clip.set(jnp.clip(x, self.lo, self.hi))
        self.e_where.set(jnp.where(x > 0., x, x * 0.1))
        self.e_min.set(jnp.minimum(x, p))
        self.e_max.set(jnp.maximum(x, -p * dt))
        self.e_floor.set(jnp.floor(x * 3.))

    @compilable
    def reset(self):
        restVals = jnp.zeros((self.batch_size, self.n_units))
        self.x.set(restVals)
        self.p.set(restVals + 1.)
        self.e_exp.set(restVals)
        self.e_log.set(restVals)
        self.e_tanh.set(restVals)
        self.e_sigmoid.set(restVals)
        self.e_relu.set(restVals)
        self.e_abs.set(restVals)
        self.e_sign.set(restVals)
        self.e_sqrt.set(restVals)
        self.e_pow2.set(restVals)
        self.e_pow15.set(restVals)
        self.e_sq.set(restVals)
        self.e_clip.set(restVals)
        self.e_where.set(restVals)
        self.e_min.set(restVals)
        self.e_max.set(restVals)
        self.e_floor.set(restVals)


class Reduce(JaxComponent):
    """Reductions over all, axis 0, axis 1 (with keepdims), and a scalar loss."""

    def __init__(self, name, n_units, batch_size=2, key=None):
        super().__init__(name, key=key)
        self.n_units = n_units
        self.batch_size = batch_size

        restVals = jnp.zeros((batch_size, n_units))
        self.x = Compartment(restVals)
        self.e = Compartment(restVals)
        self.sum_all = Compartment(0.)
        self.sum0 = Compartment(jnp.zeros((n_units,)))
        self.sum1 = Compartment(jnp.zeros((batch_size,)))
        self.sum1k = Compartment(jnp.zeros((batch_size, 1)))
        self.mean_all = Compartment(0.)
        self.mean0 = Compartment(jnp.zeros((n_units,)))
        self.mean1 = Compartment(jnp.zeros((batch_size,)))
        self.mean0k = Compartment(jnp.zeros((1, n_units)))
        self.max_all = Compartment(0.)
        self.max0 = Compartment(jnp.zeros((n_units,)))
        self.max1k = Compartment(jnp.zeros((batch_size, 1)))
        self.L = Compartment(0.)

    @compilable
    def advance_state(self):
        x = self.x.get()
        e = self.e.get()
        self.sum_all.set(jnp.sum(x))
        self.sum0.set(jnp.sum(x, axis=0))
        self.sum1.set(jnp.sum(x, axis=1))
        self.sum1k.set(jnp.sum(x, axis=1, keepdims=True))
        self.mean_all.set(jnp.mean(x))
        self.mean0.set(jnp.mean(x, axis=0))
        self.mean1.set(jnp.mean(x, axis=1))
        self.mean0k.set(jnp.mean(x, axis=0, keepdims=True))
        self.max_all.set(jnp.max(x))
        self.max0.set(jnp.max(x, axis=0))
        self.max1k.set(jnp.max(x, axis=1, keepdims=True))
        L = jnp.sum(e * e)
        self.L.set(L)

    @compilable
    def reset(self):
        restVals = jnp.zeros((self.batch_size, self.n_units))
        self.x.set(restVals)
        self.e.set(restVals)
        self.sum_all.set(0.)
        self.sum0.set(jnp.zeros((self.n_units,)))
        self.sum1.set(jnp.zeros((self.batch_size,)))
        self.sum1k.set(jnp.zeros((self.batch_size, 1)))
        self.mean_all.set(0.)
        self.mean0.set(jnp.zeros((self.n_units,)))
        self.mean1.set(jnp.zeros((self.batch_size,)))
        self.mean0k.set(jnp.zeros((1, self.n_units)))
        self.max_all.set(0.)
        self.max0.set(jnp.zeros((self.n_units,)))
        self.max1k.set(jnp.zeros((self.batch_size, 1)))
        self.L.set(0.)


class Products(JaxComponent):
    """Matrix products with a weight compartment, and a Hebbian update of it."""

    def __init__(self, name, shape, weight_init, batch_size=2, eta=0.01, key=None):
        super().__init__(name, key=key)
        self.shape = shape
        self.batch_size = batch_size
        self.eta = eta

        n, m = shape
        self.x = Compartment(jnp.zeros((batch_size, n)))  ## (b, n)
        self.post = Compartment(jnp.zeros((batch_size, m)))  ## (b, m)
        self.v = Compartment(jnp.zeros((n,)))  ## (n,)
        self.W = Compartment(jnp.asarray(weight_init, dtype=jnp.float32))  ## (n, m)
        self.z1 = Compartment(jnp.zeros((batch_size, m)))
        self.z2 = Compartment(jnp.zeros((batch_size, m)))
        self.z3 = Compartment(jnp.zeros((batch_size, m)))
        self.zv = Compartment(jnp.zeros((m,)))
        self.back = Compartment(jnp.zeros((batch_size, n)))
        self.back2 = Compartment(jnp.zeros((batch_size, n)))
        self.dW = Compartment(jnp.zeros(shape))

    @compilable
    def advance_state(self):
        x = self.x.get()
        W = self.W.get()
        z3 = x @ W
        self.z1.set(jnp.matmul(x, W))
        self.z2.set(jnp.dot(x, W))
        self.z3.set(z3)
        self.zv.set(jnp.dot(self.v.get(), W))
        self.back.set(z3 @ W.T)
        self.back2.set(jnp.matmul(z3, jnp.transpose(W)))

    @compilable
    def evolve(self):
        pre = self.x.get()
        post = self.post.get()
        dW = jnp.matmul(pre.T, post)
        W = self.W.get() + dW * self.eta
        self.dW.set(dW)
        self.W.set(W)

    @compilable
    def reset(self):
        n, m = self.shape
        self.x.set(jnp.zeros((self.batch_size, n)))
        self.post.set(jnp.zeros((self.batch_size, m)))
        self.v.set(jnp.zeros((n,)))
        self.z1.set(jnp.zeros((self.batch_size, m)))
        self.z2.set(jnp.zeros((self.batch_size, m)))
        self.z3.set(jnp.zeros((self.batch_size, m)))
        self.zv.set(jnp.zeros((m,)))
        self.back.set(jnp.zeros((self.batch_size, n)))
        self.back2.set(jnp.zeros((self.batch_size, n)))
        self.dW.set(jnp.zeros(self.shape))


class Shapes(JaxComponent):
    """Reshapes, array constructors, dtype casts, a 1-D and a scalar compartment."""

    def __init__(self, name, batch_size=2, n_units=6, scale=2., key=None):
        super().__init__(name, key=key)
        self.batch_size = batch_size
        self.n_units = n_units
        self.scale = scale

        restVals = jnp.zeros((batch_size, n_units))
        self.x = Compartment(restVals)
        self.flat = Compartment(jnp.zeros((batch_size * n_units,)))
        self.cube = Compartment(jnp.zeros((batch_size, 3, n_units // 3)))
        self.folded = Compartment(restVals)
        self.made = Compartment(restVals)
        self.cast = Compartment(restVals)
        self.acc = Compartment(jnp.zeros((n_units,)))  ## 1-D compartment
        self.count = Compartment(0.)  ## scalar compartment

    @compilable
    def advance_state(self, dt):
        x = self.x.get()
        flat = jnp.reshape(x, (self.batch_size * self.n_units,))
        cube = x.reshape((self.batch_size, 3, self.n_units // 3))
        folded = jnp.sum(cube, axis=2, keepdims=True) + cube  ## (b, 3, n/3)
        folded = folded.reshape((self.batch_size, self.n_units))
        made = jnp.zeros((self.batch_size, self.n_units)) + jnp.ones_like(x) * self.scale \
               + jnp.zeros_like(x) + jnp.ones((1, x.shape[1])) * x.shape[0]
        cast = x.astype(jnp.int32).astype(jnp.float32) + (x > 0.).astype(jnp.float32) * 0.5
        self.flat.set(flat)
        self.cube.set(cube)
        self.folded.set(folded)
        self.made.set(made)
        self.cast.set(cast)
        self.acc.set(self.acc.get() + jnp.sum(x, axis=0) * dt)
        self.count.set(self.count.get() + 1.)

    @compilable
    def reset(self):
        restVals = jnp.zeros((self.batch_size, self.n_units))
        self.x.set(restVals)
        self.flat.set(jnp.zeros((self.batch_size * self.n_units,)))
        self.cube.set(jnp.zeros((self.batch_size, 3, self.n_units // 3)))
        self.folded.set(restVals)
        self.made.set(restVals)
        self.cast.set(restVals)
        self.acc.set(jnp.zeros((self.n_units,)))
        self.count.set(0.)


class Branches(JaxComponent):
    """`if` on constructor arguments (decided when the method is compiled) and a helper."""

    def __init__(self, name, n_units, batch_size=1, tau=4., use_tanh=True, mode="euler",
                 leak=0., bias=None, key=None):
        super().__init__(name, key=key)
        self.n_units = n_units
        self.batch_size = batch_size
        self.tau = tau
        self.use_tanh = use_tanh
        self.mode = mode
        self.leak = leak
        self.bias = bias
        self.gain_hi = 2.
        self.gain_lo = 0.5

        restVals = jnp.zeros((batch_size, n_units))
        self.j = Compartment(restVals)
        self.v = Compartment(restVals)
        self.phi = Compartment(restVals)

    @compilable
    def advance_state(self, t, dt):
        j = self.j.get()
        v = self.v.get()
        if self.use_tanh:
            phi = jnp.tanh(j)
        else:
            phi = jax.nn.relu(j)
        gain = self.gain_hi if self.use_tanh else self.gain_lo
        if self.mode == "euler":
            v = v + _dfv(v, phi * gain, self.tau) * dt
        elif self.mode == "exp":
            v = _decay(v, dt, self.tau) + phi * gain * (1. - jnp.exp(-dt / self.tau))
        else:
            v = phi
        if self.leak > 0.:
            v = v - v * self.leak
        if self.bias is not None:
            v = v + self.bias
        self.phi.set(phi)
        self.v.set(v)

    @compilable
    def reset(self):
        restVals = jnp.zeros((self.batch_size, self.n_units))
        self.j.set(restVals)
        self.v.set(restVals)
        self.phi.set(restVals)


class Noisy(JaxComponent):
    """Draws from the component's PRNG key, which it splits and writes back."""

    def __init__(self, name, n_units, batch_size=2, p=0.3, key=None):
        super().__init__(name, key=key)
        self.n_units = n_units
        self.batch_size = batch_size
        self.p = p

        restVals = jnp.zeros((batch_size, n_units))
        self.rate = Compartment(restVals)  ## (b, n) probabilities in [0, 1)
        self.u = Compartment(restVals)
        self.u2 = Compartment(restVals)
        self.g = Compartment(restVals)
        self.b = Compartment(restVals)
        self.bp = Compartment(restVals)
        self.s = Compartment(restVals)

    @compilable
    def advance_state(self, dt):
        key, subkey = random.split(self.key.get())
        u = random.uniform(subkey, (self.batch_size, self.n_units))
        key, subkey = random.split(key)
        u2 = random.uniform(subkey, (self.batch_size, self.n_units), minval=-1., maxval=2.)
        key, subkey = random.split(key)
        g = random.normal(subkey, (self.batch_size, self.n_units)) * 0.5 + 1.
        key, subkey = random.split(key)
        b = random.bernoulli(subkey, self.p, (self.batch_size, self.n_units)).astype(jnp.float32)
        key, subkey = random.split(key)
        bp = random.bernoulli(subkey, p=self.rate.get()).astype(jnp.float32)
        s = (u < self.rate.get() * dt).astype(jnp.float32)  ## a Poisson-style spike
        self.u.set(u)
        self.u2.set(u2)
        self.g.set(g)
        self.b.set(b)
        self.bp.set(bp)
        self.s.set(s)
        self.key.set(key)

    @compilable
    def reset(self):
        restVals = jnp.zeros((self.batch_size, self.n_units))
        self.rate.set(restVals)
        self.u.set(restVals)
        self.u2.set(restVals)
        self.g.set(restVals)
        self.b.set(restVals)
        self.bp.set(restVals)
        self.s.set(restVals)


class UserLIF(JaxComponent):
    """A leaky integrate-and-fire cell, written as ngclearn's lessons write one."""

    def __init__(self, name, n_units, tau_m, resist_m=1., thr=-52., v_rest=-65., v_reset=-60.,
                 refract_time=5., batch_size=1, key=None):
        super().__init__(name, key=key)
        self.n_units = n_units
        self.batch_size = batch_size
        self.tau_m = tau_m
        self.R = resist_m
        self.thr = thr
        self.v_rest = v_rest
        self.v_reset = v_reset
        self.refract_T = refract_time

        restVals = jnp.zeros((self.batch_size, self.n_units))
        self.j = Compartment(restVals, display_name="Current", units="mA")
        self.v = Compartment(restVals + self.v_rest, display_name="Voltage", units="mV")
        self.s = Compartment(restVals, display_name="Spikes")
        self.rfr = Compartment(restVals + self.refract_T, display_name="Refractory Time", units="ms")
        self.tols = Compartment(restVals, display_name="Time-of-Last-Spike", units="ms")

    @compilable
    def advance_state(self, t, dt):
        j = self.j.get()
        v = self.v.get()
        rfr = self.rfr.get()
        mask = (rfr >= self.refract_T).astype(jnp.float32)  ## 0 while refractory
        v = v + (-(v - self.v_rest) + j * self.R * mask) * (dt / self.tau_m)
        s = (v > self.thr).astype(jnp.float32)
        rfr = (rfr + dt) * (1. - s)
        v = v * (1. - s) + s * self.v_reset
        tols = (1. - s) * self.tols.get() + s * t
        self.v.set(v)
        self.s.set(s)
        self.rfr.set(rfr)
        self.tols.set(tols)

    @compilable
    def reset(self):
        restVals = jnp.zeros((self.batch_size, self.n_units))
        if not self.j.targeted:
            self.j.set(restVals)
        self.v.set(restVals + self.v_rest)
        self.s.set(restVals)
        self.rfr.set(restVals + self.refract_T)
        self.tols.set(restVals)


class UserHebbian(JaxComponent):
    """A dense synapse with a clipped two-factor Hebbian rule."""

    def __init__(self, name, shape, weight_init, eta=0.1, w_min=0., w_max=30., batch_size=1,
                 key=None):
        super().__init__(name, key=key)
        self.shape = shape
        self.batch_size = batch_size
        self.eta = eta
        self.w_min = w_min
        self.w_max = w_max

        self.inputs = Compartment(jnp.zeros((batch_size, shape[0])))
        self.outputs = Compartment(jnp.zeros((batch_size, shape[1])))
        self.pre = Compartment(jnp.zeros((batch_size, shape[0])))
        self.post = Compartment(jnp.zeros((batch_size, shape[1])))
        self.weights = Compartment(jnp.asarray(weight_init, dtype=jnp.float32))

    @compilable
    def advance_state(self):
        self.outputs.set(self.inputs.get() @ self.weights.get())

    @compilable
    def evolve(self):
        weights = self.weights.get() + self.eta * (self.pre.get().T @ self.post.get())
        weights = jnp.clip(weights, self.w_min, self.w_max)
        self.weights.set(weights)

    @compilable
    def reset(self):
        if not self.inputs.targeted:
            self.inputs.set(jnp.zeros((self.batch_size, self.shape[0])))
        self.outputs.set(jnp.zeros((self.batch_size, self.shape[1])))
        if not self.pre.targeted:
            self.pre.set(jnp.zeros((self.batch_size, self.shape[0])))
        if not self.post.targeted:
            self.post.set(jnp.zeros((self.batch_size, self.shape[1])))


class Fallback(JaxComponent):
    """Constructs a translator to array programs need not accept: a Python `for` loop over
    a range with accumulation, and jnp.cumsum."""

    def __init__(self, name, n_units, batch_size=2, n_sub=4, decay=0.8, key=None):
        super().__init__(name, key=key)
        self.n_units = n_units
        self.batch_size = batch_size
        self.n_sub = n_sub
        self.decay = decay

        restVals = jnp.zeros((batch_size, n_units))
        self.x = Compartment(restVals)
        self.h = Compartment(restVals)
        self.acc = Compartment(restVals)
        self.csum = Compartment(restVals)

    @compilable
    def advance_state(self, dt):
        x = self.x.get()
        h = self.h.get()
        acc = jnp.zeros_like(x)
        for i in range(self.n_sub):
            h = h * self.decay + x * dt
            acc = acc + h * (i + 1)
        self.h.set(h)
        self.acc.set(acc)
        self.csum.set(jnp.cumsum(x, axis=1))

    @compilable
    def reset(self):
        restVals = jnp.zeros((self.batch_size, self.n_units))
        self.x.set(restVals)
        self.h.set(restVals)
        self.acc.set(restVals)
        self.csum.set(restVals)


class Edges(JaxComponent):
    """Edge cases of the translation: a division by an array attribute, transcendentals of
    constants (folded when compiled), boolean sums, integer and float powers, Python float
    // and %, `None == None`, a private attribute, and a compartment read through a reshape
    while it is set."""

    def __init__(self, name, n_units, batch_size=2, tau=7.0, T=1.0, dt0=0.1, bias=None, key=None):
        super().__init__(name, key=key)
        self.n_units = n_units
        self.batch_size = batch_size
        self.tau = tau
        self.T = T
        self.dt0 = dt0
        self.bias = bias
        self._gain = 1.5  ## a private attribute
        self.taus = jnp.linspace(2.0, 9.0, n_units)  ## an array attribute

        restVals = jnp.zeros((batch_size, n_units))
        self.x = Compartment(restVals)
        self.v = Compartment(jnp.zeros((1, n_units)))
        self.w = Compartment(jnp.zeros((n_units,)))
        self.out = Compartment(restVals)
        self.pw = Compartment(restVals)
        self.bools = Compartment(restVals)

    @compilable
    def advance_state(self, dt):
        x = self.x.get()
        v = self.v.get()
        flat = v.reshape(self.n_units)  ## read through a reshape, then v is set
        self.v.set(v * 0.5 + 1.0)
        self.w.set(flat)
        steps = self.T // self.dt0  ## 9.0 in Python, not 10
        rem = self.T % self.dt0
        decay = jnp.exp(-1.0 / self.tau) + jnp.tanh(self.dt0) + jnp.log(self.tau)
        out = x / self.taus + decay * x + steps + rem * 1000.
        if self.bias == None:
            out = out * self._gain
        self.out.set(out)
        self.pw.set(x ** 5 + x ** 4.0 + jnp.abs(x) ** -2 + x ** 2.0)
        self.bools.set(((x > 0.) + (x > 0.5)).astype(jnp.float32) + ((x > -0.5) * (x < 0.5)).astype(jnp.float32) * 2.)

    @compilable
    def reset(self):
        restVals = jnp.zeros((self.batch_size, self.n_units))
        self.x.set(restVals)
        self.v.set(jnp.zeros((1, self.n_units)))
        self.w.set(jnp.zeros((self.n_units,)))
        self.out.set(restVals)
        self.pw.set(restVals)
        self.bools.set(restVals)


########################################################################################
## Scenarios
########################################################################################
_names = itertools.count()


def _ctx_name(prefix):
    """A context name no scenario in this process has used."""
    return f"custom_{prefix}_{os.getpid()}_{next(_names)}"


def _f32(rng, lo, hi, shape):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def _record(rec, comps):
    for name, comp in comps.items():
        rec.setdefault(name, []).append(np.asarray(comp.get()))


def _stack(rec):
    out = {}
    for name, vals in rec.items():
        a = np.stack(vals)
        out[name] = a.astype(np.uint32) if name.endswith(".key") else a.astype(np.float32)
    return out


def _watched(comp, *names):
    return {f"{comp.name}.{n}": getattr(comp, n) for n in names}


def run_arith(steps=20, dt=0.5, seed=11):
    rng = np.random.default_rng(seed)
    b, n = 2, 4
    with Context(_ctx_name("arith")) as ctx:
        a = Arith("a", n, batch_size=b)
        advance = MethodProcess("advance") >> a.advance_state
        reset = MethodProcess("reset") >> a.reset
    reset.run()
    a.row.set(jnp.asarray(_f32(rng, 0.5, 2., (1, n))))
    a.vec.set(jnp.asarray(_f32(rng, -1., 1., (n,))))
    watch = _watched(a, "x", "y", "k", "add", "sub", "mul", "div", "fdiv", "mod", "pw", "bcast",
                     "cmp", "eq", "neg", "rate")
    rec = {}
    for k in range(steps):
        a.x.set(jnp.asarray(_f32(rng, -2., 2., (b, n))))
        a.y.set(jnp.asarray(_f32(rng, 0.5, 2., (b, n))))
        a.k.set(jnp.asarray(rng.integers(0, 4, size=(b, n)).astype(np.float32)))
        advance.run(t=k * dt, dt=dt)
        _record(rec, watch)
    return _stack(rec)


def run_elementwise(steps=20, dt=1.0, seed=12):
    rng = np.random.default_rng(seed)
    b, n = 2, 5
    with Context(_ctx_name("elementwise")) as ctx:
        e = Elementwise("e", n, batch_size=b)
        advance = MethodProcess("advance") >> e.advance_state
        reset = MethodProcess("reset") >> e.reset
    reset.run()
    watch = _watched(e, "x", "p", "e_exp", "e_log", "e_tanh", "e_sigmoid", "e_relu", "e_abs",
                     "e_sign", "e_sqrt", "e_pow2", "e_pow15", "e_sq", "e_clip", "e_where", "e_min",
                     "e_max", "e_floor")
    rec = {}
    for k in range(steps):
        e.x.set(jnp.asarray(_f32(rng, -3., 3., (b, n))))
        e.p.set(jnp.asarray(_f32(rng, 0.05, 4., (b, n))))
        advance.run(t=k * dt, dt=dt)
        _record(rec, watch)
    return _stack(rec)


def run_reduce(steps=20, dt=0.5, seed=13):
    rng = np.random.default_rng(seed)
    b, n = 2, 24
    with Context(_ctx_name("reduce")) as ctx:
        r = Reduce("r", n, batch_size=b)
        advance = MethodProcess("advance") >> r.advance_state
        reset = MethodProcess("reset") >> r.reset
    reset.run()
    watch = _watched(r, "x", "e", "sum_all", "sum0", "sum1", "sum1k", "mean_all", "mean0", "mean1",
                     "mean0k", "max_all", "max0", "max1k", "L")
    rec = {}
    for k in range(steps):
        ## values of very different magnitudes, so the order of a sum shows in its rounding
        r.x.set(jnp.asarray(_f32(rng, -1., 1., (b, n)) * (10. ** rng.integers(-3, 4, size=(b, n))).astype(np.float32)))
        r.e.set(jnp.asarray(_f32(rng, -2., 2., (b, n))))
        advance.run(t=k * dt, dt=dt)
        _record(rec, watch)
    return _stack(rec)


def run_products(steps=20, dt=0.5, seed=14):
    rng = np.random.default_rng(seed)
    b, n, m = 2, 5, 3
    w0 = _f32(rng, -0.5, 0.5, (n, m))
    with Context(_ctx_name("products")) as ctx:
        p = Products("p", (n, m), w0, batch_size=b, eta=0.05)
        step = MethodProcess("step") >> p.advance_state >> p.evolve
        reset = MethodProcess("reset") >> p.reset
    reset.run()
    watch = _watched(p, "x", "post", "v", "z1", "z2", "z3", "zv", "back", "back2", "dW", "W")
    rec = {}
    for k in range(steps):
        p.x.set(jnp.asarray(_f32(rng, -1., 1., (b, n))))
        p.post.set(jnp.asarray(_f32(rng, -1., 1., (b, m))))
        p.v.set(jnp.asarray(_f32(rng, -1., 1., (n,))))
        step.run(t=k * dt, dt=dt)
        _record(rec, watch)
    return _stack(rec)


def run_shapes(steps=20, dt=0.5, seed=15):
    rng = np.random.default_rng(seed)
    b, n = 2, 6
    with Context(_ctx_name("shapes")) as ctx:
        s = Shapes("s", batch_size=b, n_units=n, scale=2.)
        advance = MethodProcess("advance") >> s.advance_state
        reset = MethodProcess("reset") >> s.reset
    reset.run()
    watch = _watched(s, "x", "flat", "cube", "folded", "made", "cast", "acc", "count")
    rec = {}
    for k in range(steps):
        s.x.set(jnp.asarray(_f32(rng, -3., 3., (b, n))))
        advance.run(t=k * dt, dt=dt)
        _record(rec, watch)
    return _stack(rec)


def run_branches(steps=20, dt=0.5, seed=16):
    rng = np.random.default_rng(seed)
    n = 5
    with Context(_ctx_name("branches")) as ctx:
        a = Branches("a", n, tau=4., use_tanh=True, mode="euler")
        b = Branches("b", n, tau=3., use_tanh=False, mode="exp", leak=0.1, bias=0.25)
        c = Branches("c", n, use_tanh=True, mode="direct")
        advance = MethodProcess("advance") >> a.advance_state >> b.advance_state >> c.advance_state
        reset = MethodProcess("reset") >> a.reset >> b.reset >> c.reset
    reset.run()
    watch = {**_watched(a, "j", "v", "phi"), **_watched(b, "j", "v", "phi"), **_watched(c, "v")}
    rec = {}
    for k in range(steps):
        j = _f32(rng, -2., 2., (1, n))
        a.j.set(jnp.asarray(j))
        b.j.set(jnp.asarray(j))
        c.j.set(jnp.asarray(j))
        advance.run(t=k * dt, dt=dt)
        _record(rec, watch)
    return _stack(rec)


def run_noisy(steps=20, dt=1.0, seed=17):
    rng = np.random.default_rng(seed)
    b, n = 2, 6
    with Context(_ctx_name("noisy")) as ctx:
        z = Noisy("z", n, batch_size=b, p=0.3, key=random.PRNGKey(1234))
        advance = MethodProcess("advance") >> z.advance_state
        reset = MethodProcess("reset") >> z.reset
    reset.run()
    watch = _watched(z, "rate", "u", "u2", "g", "b", "bp", "s", "key")
    rec = {}
    for k in range(steps):
        z.rate.set(jnp.asarray(_f32(rng, 0., 1., (b, n))))
        advance.run(t=k * dt, dt=dt)
        _record(rec, watch)
    return _stack(rec)


def run_user_lif(steps=100, dt=0.5, seed=18):
    """A UserLIF driven to spike; its reset process runs once, before step steps // 2."""
    rng = np.random.default_rng(seed)
    b, n = 2, 8
    with Context(_ctx_name("user_lif")) as ctx:
        z = UserLIF("z", n, tau_m=10., resist_m=1., thr=-52., v_rest=-65., v_reset=-60.,
                    refract_time=2., batch_size=b)
        advance = MethodProcess("advance") >> z.advance_state
        reset = MethodProcess("reset") >> z.reset
    reset.run()
    watch = _watched(z, "j", "v", "s", "rfr", "tols")
    rec = {}
    for k in range(steps):
        if k == steps // 2:
            reset.run()
        z.j.set(jnp.asarray(_f32(rng, 5., 40., (b, n))))
        advance.run(t=k * dt, dt=dt)
        _record(rec, watch)
    return _stack(rec)


def run_lif_hebbian(steps=60, dt=1.0, seed=19):
    """Two UserLIF layers joined by a UserHebbian synapse (wired), stepped by a JointProcess
    of an advance process and an evolve process."""
    rng = np.random.default_rng(seed)
    n_in, n_out = 6, 4
    w0 = _f32(rng, 4., 16., (n_in, n_out))
    with Context(_ctx_name("lif_hebbian")) as ctx:
        z0 = UserLIF("z0", n_in, tau_m=8., thr=-52., v_rest=-65., v_reset=-60., refract_time=2.)
        W = UserHebbian("W", (n_in, n_out), w0, eta=1.5, w_min=0., w_max=16.)
        z1 = UserLIF("z1", n_out, tau_m=2., thr=-59., v_rest=-65., v_reset=-62., refract_time=1.)
        z0.s >> W.inputs
        W.outputs >> z1.j
        z0.s >> W.pre
        z1.s >> W.post
        advance = MethodProcess("advance") >> W.advance_state >> z0.advance_state >> z1.advance_state
        evolve = MethodProcess("evolve") >> W.evolve
        step = JointProcess("step") >> advance >> evolve
        reset = MethodProcess("reset") >> z0.reset >> z1.reset >> W.reset
    reset.run()
    watch = {**_watched(z0, "j", "v", "s"), **_watched(z1, "j", "v", "s", "tols"),
             **_watched(W, "outputs", "weights")}
    rec = {}
    for k in range(steps):
        z0.j.set(jnp.asarray(_f32(rng, 8., 35., (1, n_in))))
        step.run(t=k * dt, dt=dt)
        _record(rec, watch)
    return _stack(rec)


def run_fallback(steps=20, dt=0.5, seed=20):
    rng = np.random.default_rng(seed)
    b, n = 2, 5
    with Context(_ctx_name("fallback")) as ctx:
        f = Fallback("f", n, batch_size=b, n_sub=4, decay=0.8)
        advance = MethodProcess("advance") >> f.advance_state
        reset = MethodProcess("reset") >> f.reset
    reset.run()
    watch = _watched(f, "x", "h", "acc", "csum")
    rec = {}
    for k in range(steps):
        f.x.set(jnp.asarray(_f32(rng, -1., 1., (b, n))))
        advance.run(t=k * dt, dt=dt)
        _record(rec, watch)
    return _stack(rec)


def run_edges(steps=20, dt=0.5, seed=21):
    rng = np.random.default_rng(seed)
    b, n = 2, 6
    with Context(_ctx_name("edges")) as ctx:
        e = Edges("e", n, batch_size=b)
        advance = MethodProcess("advance") >> e.advance_state
        reset = MethodProcess("reset") >> e.reset
    reset.run()
    watch = _watched(e, "x", "v", "w", "out", "pw", "bools")
    rec = {}
    for k in range(steps):
        e.x.set(jnp.asarray(_f32(rng, -1.5, 1.5, (b, n))))
        advance.run(t=k * dt, dt=dt)
        _record(rec, watch)
    return _stack(rec)


SCENARIOS = {
    "arith": run_arith,
    "elementwise": run_elementwise,
    "reduce": run_reduce,
    "products": run_products,
    "shapes": run_shapes,
    "branches": run_branches,
    "noisy": run_noisy,
    "user_lif": run_user_lif,
    "lif_hebbian": run_lif_hebbian,
    "fallback": run_fallback,
    "edges": run_edges,
}
