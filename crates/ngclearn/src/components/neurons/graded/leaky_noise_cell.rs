//! `LeakyNoiseCell`: a graded cell with a leaky, noise-driven state and a noisy
//! rectified output.
//!
//! Each step of `dt`, as ngclearn 3.1.1's code computes it (float32; `fma` is one
//! rounding, as XLA fuses it):
//! ```text
//! (key, sub) = split(key);  eps = normal(sub, (batch_size, n_units))
//! g     = sqrt((2 * tau_x) * (sigma_pre * sigma_pre))
//! dx(z) = fma(g, eps, fma(-z, leak_scale, j_recurrent + j_input)) * (1 / tau_x)      Euler
//!       = (fma(-z, leak_scale, j_recurrent + j_input) + g * eps) * (1 / tau_x)       rk2, rk4
//! x     = fma(dx(x), dt, x)                         euler
//!       = fma(dx(fma(dx(x), dt/2, x)), dt, x)       rk2/midpoint
//!       = fma(fma(d4, 1 / tau_x, (k1 + 2 k2) + 2 k3) * (1/6), dt, x)   classic RK4,
//!         k2, k3 at dt/2, k4 = d4 * (1 / tau_x)
//! r     = fma(eps, sigma_post, fx(x))      (silu, gelu, telu: fma(x, g(x), eps * sigma_post),
//!                                            their own product fused)
//! r_prime = fx'(x)
//! ```
//! Where ngclearn 3.1.1's code differs from its docs, the code is followed:
//! - the pre- and post-rectification noises are the *same* draw (both come from
//!   `split(key)[1]` of the same key), and the noise is not scaled by `sqrt(dt)`;
//! - `sigma_post` defaults to 0.1 (the docs say 0);
//! - integrators: "euler" steps by Euler, "midpoint"/"rk2" by the midpoint method,
//!   "heun"/"rk2_heun" by classic RK4; "ralston"/"rk2_ralston" and "rk4" fail in
//!   ngclearn at the first step (a missing table entry) and are refused here;
//! - `reset` does nothing: ngclearn's compiles to a call that never reaches the state,
//!   so `x`, `r`, `r_prime`, the inputs and the key keep their values.
//!
//! Activations are ngclearn's (`create_function`): identity, relu, lrelu, relu6, tanh,
//! sigmoid, softplus, elu, silu, gelu, telu, sine (frequency 30), unit_threshold,
//! heaviside, and bkwta (1 where x is among the 5 largest of its row, ties included;
//! also its own "derivative"), which needs `n_units >= 5`. softmax (whose derivative is
//! a `(batch, n, n)` Jacobian) and ngclearn's 4-D `shape` are not provided.

use crate::utils::model_utils::Act;
use crate::core::component::{filled, valid_name, Component};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::utils::diffeq::{Integration, Method};
use crate::error::{Error, Result};
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`LeakyNoiseCell`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct LeakyNoiseCellParams {
    /// State time constant
    #[param(check = positive, units = "ms")]
    pub tau_x: f32,
    /// Rectification function fx
    #[param(default = String::from("relu"), text = "relu")]
    pub act_fx: String,
    /// euler, midpoint/rk2, or heun (which runs RK4, as in ngclearn)
    #[param(default = Integration::Euler, text = "euler")]
    pub integration_type: Integration,
    /// Rows of the batch dimension
    #[param(default = 1, check = count)]
    pub batch_size: usize,
    /// Scale of the noise driving the state
    #[param(default = 0.1, check = finite, old_names = ["sigma_rec"])]
    pub sigma_pre: f32,
    /// Scale of the noise added to the output r
    #[param(default = 0.1, check = finite)]
    pub sigma_post: f32,
    /// Scale of the leak (0: a pure integrator)
    #[param(default = 1.0, check = finite)]
    pub leak_scale: f32,
    /// Map shape (h, w, c) of a 4-D layer (batch_size, h, w, c), for convolutional
    /// maps; None: (batch_size, n_units)
    #[param(default = None, text = "None (batch_size, n_units)", omit_default)]
    pub shape: Option<(usize, usize, usize)>,
    /// JAX PRNG key (draws the noise)
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Integrator {
    Euler,
    Midpoint,
    Rk4,
}

/// The rectifier: one of ngclearn's elementwise activations, or bkwta.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Rectifier {
    Elementwise(Act),
    /// 1 where x >= the 5th largest value of its row.
    Bkwta,
}

/// How many winners bkwta keeps (ngclearn's `nWTA`).
const WINNERS: usize = 5;

/// The leaky noise cell (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units) or (batch_size, map_h, map_w, map_c)")]
#[class(
    module = "ngclearn.components.neurons.graded.leakyNoiseCell.LeakyNoiseCell",
    description = "Graded cell with a leaky, noise-driven state and a noisy rectified output",
    dynamics = "tau_x * dx/dt = -x * leak_scale + j_recurrent + j_input + sqrt(2 tau_x sigma_pre^2) * eps\n\
               r = fx(x) + eps * sigma_post; r_prime = fx'(x); eps ~ N(0, 1), one draw per step for both",
    head = n_units,
    notes = "As in ngclearn 3.1.1's code, both noises are the same draw, \"heun\" runs RK4, and reset changes nothing. softmax (whose derivative is a Jacobian) is refused; with shape = (h, w, c) the compartments are 4-D maps (batch_size, h, w, c) (bkwta refused there: ngclearn's ranks each map's first axis).",
    split = Self::split,
    sizes = super::map_sizes,
)]
pub struct LeakyNoiseCell {
    name: String,
    n_units: usize,
    p: LeakyNoiseCellParams,
    integrator: Integrator,
    fx: Rectifier,
    /// Input (bottom-up) current
    #[compartment(input, units = "mA")]
    j_input: Array2<f32>,
    /// Recurrent current
    #[compartment(input, units = "mA")]
    j_recurrent: Array2<f32>,
    /// Noisy rate activity (the state)
    #[compartment(state, units = "mA")]
    x: Array2<f32>,
    /// Rectified activity with output noise, fx(x) + eps * sigma_post
    #[compartment(output)]
    r: Array2<f32>,
    /// Derivative of the rectifier at x, fx'(x)
    #[compartment(output)]
    r_prime: Array2<f32>,
    /// JAX PRNG key
    #[compartment(key)]
    key: Key,
    /// Scratch: the step's noise draw.
    eps: Vec<f32>,
    /// For a block of a partitioned population: the global index of its first cell,
    /// whose counter its first draw takes (0: the whole population).
    counter_base: u64,
}

impl LeakyNoiseCell {
    /// Builds `n_units` cells.
    pub fn new(name: &str, n_units: usize, p: LeakyNoiseCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        let n = count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        let integrator = match p.integration_type.method() {
            Method::Euler => Integrator::Euler,
            Method::Midpoint => Integrator::Midpoint,
            Method::Heun => Integrator::Rk4,
            Method::Ralston | Method::Rk4 => {
                return Err(Error::param(
                    &name,
                    "integration_type",
                    format!("{:?}", p.integration_type.name()),
                    "cannot run in ngclearn 3.1.1's LeakyNoiseCell (ralston and rk4 have no \
                     entry in its integrator table); use euler, midpoint/rk2 or heun (RK4)",
                ))
            }
        };
        let fx = if p.act_fx == "bkwta" {
            if n < WINNERS {
                return Err(Error::param(
                    &name,
                    "act_fx",
                    "bkwta",
                    "needs n_units >= 5 (it keeps the 5 largest values of each row)",
                ));
            }
            Rectifier::Bkwta
        } else {
            match Act::parse(&p.act_fx, Some(30.0), &name)? {
                Act::Softmax => {
                    return Err(Error::param(
                        &name,
                        "act_fx",
                        "softmax",
                        "is not provided (its derivative r_prime is a (batch, n, n) Jacobian)",
                    ))
                }
                act => Rectifier::Elementwise(act),
            }
        };
        let width = super::map_width(&name, n, p.shape)?;
        if p.shape.is_some() && fx == Rectifier::Bkwta {
            return Err(Error::param(
                &name,
                "act_fx",
                "bkwta",
                "with a 4-D shape ranks each map's first axis in ngclearn, which this class does not reproduce",
            ));
        }
        let z = || filled(&name, "n_units", (p.batch_size, width), 0.0);
        Ok(LeakyNoiseCell {
            j_input: z()?,
            j_recurrent: z()?,
            x: z()?,
            r: z()?,
            r_prime: z()?,
            key: p.key.unwrap_or_else(Key::from_time),
            eps: z()?.into_raw_vec_and_offset().0,
            counter_base: 0,
            integrator,
            fx,
            n_units: n,
            name,
            p,
        })
    }

    #[inline(always)]
    fn kernel(&mut self, dt: f32) {
        let p = &self.p;
        let [k, sub] = self.key.split::<2>();
        self.key = k;
        if self.counter_base == 0 {
            sub.normal_into(&mut self.eps);
        } else {
            // A block (one batch row) draws its cells' counters in the whole.
            let (base, n) = (self.counter_base as usize, self.eps.len());
            sub.normal_columns_into(&mut self.eps, base + n, base..base + n);
        }
        let g = ((2.0 * p.tau_x) * (p.sigma_pre * p.sigma_pre)).sqrt();
        let (leak, inv_tau, post) = (p.leak_scale, 1.0 / p.tau_x, p.sigma_post);
        let h = dt * 0.5;
        let integrator = self.integrator;
        let contiguous = "owned arrays are contiguous";
        let x = self.x.as_slice_mut().expect(contiguous);
        let r = self.r.as_slice_mut().expect(contiguous);
        let rp = self.r_prime.as_slice_mut().expect(contiguous);
        let ji = self.j_input.as_slice().expect(contiguous);
        let jr = self.j_recurrent.as_slice().expect(contiguous);
        for i in 0..x.len() {
            let (a, e, z) = (jr[i] + ji[i], self.eps[i], x[i]);
            x[i] = match integrator {
                Integrator::Euler => {
                    let f = g.mul_add(e, (-z).mul_add(leak, a)) * inv_tau;
                    f.mul_add(dt, z)
                }
                Integrator::Midpoint | Integrator::Rk4 => {
                    // g * eps is shared by the stages: rounded once, not fused.
                    let ge = g * e;
                    let f = |y: f32| ((-y).mul_add(leak, a) + ge) * inv_tau;
                    if integrator == Integrator::Midpoint {
                        f(f(z).mul_add(h, z)).mul_add(dt, z)
                    } else {
                        let k1 = f(z);
                        let k2 = f(k1.mul_add(h, z));
                        let k3 = f(k2.mul_add(h, z));
                        // The last slope's product by 1 / tau_x has no other use: XLA
                        // fuses it into the weighted sum.
                        let d4 = (-(k3.mul_add(dt, z))).mul_add(leak, a) + ge;
                        let sum = d4.mul_add(inv_tau, (k1 + k2 * 2.0) + k3 * 2.0);
                        (sum * (1.0f32 / 6.0)).mul_add(dt, z)
                    }
                }
            };
        }
        match self.fx {
            Rectifier::Elementwise(act) => {
                for i in 0..x.len() {
                    r[i] = act.f_plus(x[i], self.eps[i], post);
                    rp[i] = act.df(x[i]);
                }
            }
            Rectifier::Bkwta => {
                let n = self.n_units;
                for (((xs, rs), rps), es) in x
                    .chunks(n)
                    .zip(r.chunks_mut(n))
                    .zip(rp.chunks_mut(n))
                    .zip(self.eps.chunks(n))
                {
                    let kth = kth_largest(xs);
                    for i in 0..n {
                        let win = if xs[i] >= kth { 1.0 } else { 0.0 };
                        rps[i] = win;
                        rs[i] = es[i].mul_add(post, win);
                    }
                }
            }
        }
    }
}

/// The `WINNERS`-th largest value of `xs` (counting repeats), as `min(top_k(xs, 5))`.
fn kth_largest(xs: &[f32]) -> f32 {
    let mut top = [f32::NEG_INFINITY; WINNERS];
    for &x in xs {
        if x > top[WINNERS - 1] {
            let mut i = WINNERS - 1;
            while i > 0 && top[i - 1] < x {
                top[i] = top[i - 1];
                i -= 1;
            }
            top[i] = x;
        }
    }
    top[WINNERS - 1]
}

impl Component for LeakyNoiseCell {
    fn own_dims(&self, index: usize) -> Option<Vec<usize>> {
        super::map_dims(self, self.p.shape, index)
    }
    fn set_counter_base(&mut self, base: u64) {
        self.counter_base = base;
    }
    fn advance_state(&mut self, _t: f32, dt: f32) {
        crate::core::simd::with_simd(
            #[inline(always)]
            || self.kernel(dt),
        );
    }
    fn reset(&mut self) {
        // ngclearn 3.1.1's reset never reaches the state (see the module documentation).
    }
    fn changed(&mut self, _index: usize) {
        // Nothing is derived from the compartments.
    }
}
impl LeakyNoiseCell {
    /// This rank's block (`#[class(split = ...)]`).
    fn split(
        &self,
        cols: std::ops::Range<usize>,
    ) -> Result<Box<dyn crate::core::component::Component>> {
        super::maps_do_not_split(&self.name, self.p.shape)?;
        // bkwta ranks each row's cells: they cannot be split; a block's draws take the
        // counters of its cells in one row.
        let refuse = match (self.fx, self.p.batch_size) {
            (Rectifier::Bkwta, _) => {
                Some(("act_fx", "bkwta couples the cells of a row".to_string()))
            }
            (_, b) if b > 1 => Some((
                "batch_size",
                format!("{b} rows: only one batch row's draws split"),
            )),
            _ => None,
        };
        if let Some((field, why)) = refuse {
            return Err(Error::param(
                &self.name,
                field,
                "given",
                &format!("{why}, so it cannot be partitioned across ranks"),
            ));
        }
        let base = cols.start as u64;
        crate::core::partition::partition_by_kwargs(self, cols).map(|mut c| {
            c.set_counter_base(base);
            c
        })
    }
}

