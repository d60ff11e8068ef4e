//! `RateCell`: the graded cell of predictive coding, whose state follows a leaky ODE
//! under a prior and whose output is an activation of it.
//!
//! Each step of `dt`, as ngclearn 3.1.1's code computes it (float32):
//! ```text
//! stateful:  j' = (j * fx'(z)) * resist_scale
//!            dz/dt = (-leak(z) * prior_rate + (j' + j_td)) * (1 / tau_m)
//!            z = integrate(z, dz/dt, dt)      then thresholded (soft_threshold)
//!            (rounded as XLA compiles ngclearn's jitted process: `-leak * rate + ...`,
//!            `j' + j_td` (resist_scale != 1, but relu with resist_scale > 0) and each `z + k h` one fused
//!            multiply-add; a product by relu's derivative a select, +0 where z < 0)
//! softmax (stateless) sums its exponentials as XLA does in their fusion
//! ([`fused_sum_xla`](crate::core::xla_math::fused_sum_xla), measured up to 32 cells;
//! wider rows sum in an order not reproduced).
//!            zF = fx(z) * output_scale;  j = j'
//! stateless: z = (j + j_td) + 0;  zF = fx(z) * output_scale
//! ```
//! `leak(z)` is the prior's: gaussian `z`, laplacian `sign(z)`, cauchy
//! `(z * 2) / (1 + z^2)`, exp `(exp(-z^2) * z) * 2`. The soft threshold is
//! `max(z - l, 0) - max(-z - l, 0)`. `tau_m <= 0` or `is_stateful = false` makes the cell
//! stateless. (ngclearn tests `tau_m <= 0` only when `tau_m` is a Python float, so an
//! integer `0` leaves its cell stateful, dividing by zero; a saved number cannot tell
//! the two apart, and here both are stateless.)
//!
//! Where ngclearn 3.1.1's code differs from its docs, the code is followed:
//! - The integrator comes from `get_integrator_code` and a table in RateCell that do not
//!   agree: "euler"/"rk1" and "rk4" and "ralston"/"rk2_ralston" all step by Euler,
//!   "midpoint"/"rk2" by the midpoint method, "heun"/"rk2_heun" by classic RK4.
//! - `cauchy_threshold` cannot run there (`threshold_cauchy` calls `jnp.maximum` with one
//!   argument); it is refused here when the cell is built.
//! - Activations: identity, relu, lrelu (slope 0.01), relu6, tanh, sigmoid, softplus,
//!   elu, silu, gelu (`x * sigmoid(1.702 x)`), telu, sine (`sin(30 x)`: ngclearn requires
//!   `omega_0` by keyword but does not pass it on), unit_threshold, heaviside, each with
//!   ngclearn's derivative
//!   (gelu's and silu's as its `d_swish` computes them: `(1/(e + 1) + e x / (e + 1)^2) *
//!   beta`, `e = exp(-x)`; thresholds' as 1). softmax is allowed only when stateless
//!   (its derivative is a Jacobian); bkwta is not provided.
//! - An unknown prior, activation or integrator is an error here (ngclearn falls back
//!   to a default or fails later).
//!
//! `reset` zeroes `j`, `j_td`, `z` and `zF`. With `shape = (h, w, c)` the compartments
//! are 4-D maps `(batch_size, h, w, c)` as in ngclearn (stored as `(batch_size, h w c)`;
//! the dynamics are elementwise, so the same numbers).

use crate::core::component::{filled, valid_name, Component};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::xla_math::{exp_xla, fused_sum_xla, maximum};
use crate::utils::diffeq::{Integration, Method};
use crate::error::{Error, Result};
use crate::utils::model_utils::Act;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`RateCell`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct RateCellParams {
    /// State time constant (<= 0: stateless)
    #[param(check = finite, units = "ms")]
    pub tau_m: f32,
    /// Prior over the state: [gaussian|laplacian|cauchy|exp, leak rate]
    #[param(default = (String::from("gaussian"), 0.0), text = "(\"gaussian\", 0)")]
    pub prior: (String, f32),
    /// Activation function fx
    #[param(default = String::from("identity"), text = "identity")]
    pub act_fx: String,
    /// Factor multiplying fx(z)
    #[param(default = 1.0, check = finite)]
    pub output_scale: f32,
    /// Threshold of the state: [none|soft_threshold, lambda]
    #[param(default = (String::from("none"), 0.0), text = "(\"none\", 0)")]
    pub threshold: (String, f32),
    /// euler, midpoint/rk2 or heun (see the class doc for what each runs)
    #[param(default = Integration::Euler, text = "euler")]
    pub integration_type: Integration,
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// Scale of the input current j
    #[param(default = 1.0, check = finite)]
    pub resist_scale: f32,
    /// Map shape (h, w, c) of a 4-D layer (batch_size, h, w, c), for convolutional
    /// maps; None: (batch_size, n_units)
    #[param(default = None, text = "None (batch_size, n_units)", omit_default)]
    pub shape: Option<(usize, usize, usize)>,
    /// Whether the state integrates (false: z = j + j_td)
    #[param(default = true)]
    pub is_stateful: bool,
    /// Required with act_fx = "sine", and unused (ngclearn's sine runs at 30)
    #[param(default = None, text = "none", check = finite, keyword_only, omit_default)]
    pub omega_0: Option<f32>,
    /// JAX PRNG key (unused by the dynamics)
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Prior {
    Gaussian,
    Laplacian,
    Cauchy,
    Exp,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Integrator {
    Euler,
    Midpoint,
    Rk4,
}

/// The rate cell (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units) or (batch_size, map_h, map_w, map_c)")]
#[class(
    module = "ngclearn.components.neurons.graded.rateCell.RateCell",
    description = "Rate cell: a graded state under a prior, the neuron of predictive coding",
    dynamics = "stateful: j' = j * fx'(z) * resist_scale; tau_m dz/dt = -leak(z) * prior_rate + (j' + j_td); \
               z thresholded; zF = fx(z) * output_scale\nstateless: z = j + j_td; zF = fx(z) * output_scale",
    head = n_units,
    keywords(advance_state = [dt]),
    notes = "As in ngclearn 3.1.1's code, \"rk4\" steps by Euler and \"heun\" by RK4, and \"sine\" runs at frequency 30 whatever omega_0 says. cauchy_threshold (which ngclearn cannot run) is refused. With shape = (h, w, c) its compartments are 4-D maps (batch_size, h, w, c), as ngclearn's (n_units is then kept but unused); softmax is refused there (ngclearn's normalises over the maps' rows).",
    split = Self::split,
    sizes = super::map_sizes,
)]
pub struct RateCell {
    name: String,
    n_units: usize,
    /// Cells per row of its arrays: n_units, or h * w * c of a 4-D shape.
    width: usize,
    p: RateCellParams,
    prior: Prior,
    integrator: Integrator,
    act: Act,
    soft_threshold: bool,
    stateful: bool,
    /// Input current (bottom-up)
    #[compartment(input, units = "mA")]
    j: Array2<f32>,
    /// Activity fx(z) * output_scale
    #[compartment(output, name = "zF")]
    z_f: Array2<f32>,
    /// Top-down pressure
    #[compartment(input)]
    j_td: Array2<f32>,
    /// Rate activity (the state)
    #[compartment(state, units = "mA")]
    z: Array2<f32>,
    /// JAX PRNG key (unused by the dynamics)
    #[compartment(key)]
    key: Key,
}

impl RateCell {
    /// Builds `n_units` cells.
    pub fn new(name: &str, n_units: usize, p: RateCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        let prior = match p.prior.0.as_str() {
            "gaussian" => Prior::Gaussian,
            "laplacian" => Prior::Laplacian,
            "cauchy" => Prior::Cauchy,
            "exp" => Prior::Exp,
            other => {
                return Err(Error::param(
                    &name,
                    "prior",
                    other,
                    "is not one of gaussian, laplacian, cauchy, exp",
                ))
            }
        };
        // RateCell's own table: heun runs classic RK4; ralston and rk4 run Euler.
        let integrator = match p.integration_type.method() {
            Method::Euler | Method::Ralston | Method::Rk4 => Integrator::Euler,
            Method::Midpoint => Integrator::Midpoint,
            Method::Heun => Integrator::Rk4,
        };
        let soft_threshold = match p.threshold.0.as_str() {
            "soft_threshold" => true,
            "cauchy_threshold" => {
                return Err(Error::param(
                    &name,
                    "threshold",
                    "cauchy_threshold",
                    "cannot run in ngclearn 3.1.1 (its threshold_cauchy calls jnp.maximum with one argument)",
                ))
            }
            _ => false,
        };
        let act = Act::parse(&p.act_fx, p.omega_0, &name)?;
        let width = super::map_width(&name, n_units, p.shape)?;
        if p.shape.is_some() && act == Act::Softmax {
            return Err(Error::param(
                &name,
                "act_fx",
                "softmax",
                "with a 4-D shape normalises over the maps' first axis in ngclearn (axis 1), which this class does not reproduce",
            ));
        }
        let stateful = p.is_stateful && p.tau_m > 0.0;
        if stateful && act == Act::Softmax {
            return Err(Error::param(
                &name,
                "act_fx",
                "softmax",
                "needs is_stateful = false (its derivative is a Jacobian)",
            ));
        }
        let z = || filled(&name, "n_units", (p.batch_size, width), 0.0);
        Ok(RateCell {
            j: z()?,
            z_f: z()?,
            j_td: z()?,
            z: z()?,
            key: p.key.unwrap_or_else(Key::from_time),
            prior,
            integrator,
            act,
            soft_threshold,
            stateful,
            n_units,
            width,
            name,
            p,
        })
    }

    /// `dz/dt * tau_m` of one unit, as XLA compiles ngclearn's jitted step: the leak's
    /// product fused into the sum, `fma(-leak, rate, j + j_td)` (and the Cauchy prior's
    /// `1 + z^2` fused too); `dz/dt` is this times `1 / tau_m`.
    #[inline(always)]
    fn drive(&self, z: f32, jsum: f32) -> f32 {
        let leak = match self.prior {
            Prior::Gaussian => z,
            Prior::Laplacian => {
                if z > 0.0 {
                    1.0
                } else if z < 0.0 {
                    -1.0
                } else {
                    z * 0.0
                }
            }
            Prior::Cauchy => (z * 2.0) / z.mul_add(z, 1.0),
            Prior::Exp => (exp_xla(-(z * z)) * z) * 2.0,
        };
        (-leak).mul_add(self.p.prior.1, jsum)
    }

    /// One step of the integrator as XLA compiles ngclearn's process: each `x + k * h`
    /// is one fused multiply-add, and RK4's last slope is fused into the weighted sum
    /// of the slopes (its product by `1 / tau_m` has no other use).
    #[inline(always)]
    fn integrate(&self, z: f32, jsum: f32, dt: f32) -> f32 {
        let c = 1.0 / self.p.tau_m;
        let f = |x: f32| self.drive(x, jsum) * c;
        match self.integrator {
            Integrator::Euler => f(z).mul_add(dt, z),
            Integrator::Midpoint => {
                let k1 = f(z);
                let z1 = k1.mul_add(dt * 0.5, z);
                let k2 = f(z1);
                k2.mul_add(dt, z)
            }
            Integrator::Rk4 => {
                let k1 = f(z);
                let k2 = f(k1.mul_add(dt * 0.5, z));
                let k3 = f(k2.mul_add(dt * 0.5, z));
                let d4 = self.drive(k3.mul_add(dt, z), jsum);
                // (((0 + k1) + 2 k2) + 2 k3) + k4, then / 6 as a product by 1/6.
                let s = d4.mul_add(c, (k1 + k2 * 2.0) + k3 * 2.0);
                (s * (1.0 / 6.0)).mul_add(dt, z)
            }
        }
    }

    #[inline(always)]
    fn activate(&mut self) {
        let scale = self.p.output_scale;
        if self.act == Act::Softmax {
            // exp(x - max) / sum, per row (tau = 0: no temperature).
            for (zr, mut fr) in self.z.rows().into_iter().zip(self.z_f.rows_mut()) {
                let m = zr.iter().fold(f32::NEG_INFINITY, |a, &b| maximum(a, b));
                // ngclearn scales x by 1 / tau first; tau = 0 there means 1. Its jitted
                // softmax sums the exponentials in their fusion and divides by the sum as
                // a product by its reciprocal.
                for (f, &x) in fr.iter_mut().zip(zr) {
                    *f = exp_xla(x - m);
                }
                // (Compartments are kept in standard layout, so a row is one slice.)
                let inv = 1.0 / fused_sum_xla(fr.as_slice().expect("owned arrays are contiguous"));
                fr.mapv_inplace(|e| (e * inv) * scale);
            }
            return;
        }
        let act = self.act;
        for (f, &x) in self.z_f.iter_mut().zip(&self.z) {
            *f = act.f(x) * scale;
        }
    }
}

impl RateCell {
    /// One step of `advance_state`.
    #[inline(always)]
    fn step(&mut self, dt: f32) {
        if self.stateful {
            let (act, r, l) = (self.act, self.p.resist_scale, self.p.threshold.1);
            for i in 0..self.z.len() {
                let (row, col) = (i / self.width, i % self.width);
                let z = self.z[[row, col]];
                // XLA drops a product by resist_scale = 1; any other is fused into
                // the sum with j_td, except after relu's select (which takes it in).
                let jd = act.times_df(self.j[[row, col]], z);
                let jt = self.j_td[[row, col]];
                let (j, jsum) = if r == 1.0 {
                    (jd, jd + jt)
                } else if act == Act::Relu && r > 0.0 {
                    // A positive resist_scale goes into relu's select (measured): the
                    // sum is not fused.
                    (jd * r, jd * r + jt)
                } else {
                    (jd * r, jd.mul_add(r, jt))
                };
                let mut z2 = self.integrate(z, jsum, dt);
                if self.soft_threshold {
                    z2 = maximum(z2 - l, 0.0) - maximum(-z2 - l, 0.0);
                }
                self.j[[row, col]] = j;
                self.z[[row, col]] = z2;
            }
        } else {
            for ((z, &j), &jt) in self.z.iter_mut().zip(&self.j).zip(&self.j_td) {
                *z = (j + jt) + 0.0;
            }
        }
        self.activate();
    }
}

impl Component for RateCell {
    fn own_dims(&self, index: usize) -> Option<Vec<usize>> {
        super::map_dims(self, self.p.shape, index)
    }
    fn advance_state(&mut self, _t: f32, dt: f32) {
        // Under the vector build, so that the activations' fused multiply-adds inline.
        crate::core::simd::with_simd(
            #[inline(always)]
            || self.step(dt),
        );
    }
    fn reset(&mut self) {
        self.j.fill(0.0);
        self.j_td.fill(0.0);
        self.z.fill(0.0);
        self.z_f.fill(0.0);
    }
    fn changed(&mut self, _index: usize) {
        // Nothing is derived from the compartments.
    }
}
impl RateCell {
    /// This rank's block (`#[class(split = ...)]`).
    fn split(
        &self,
        cols: std::ops::Range<usize>,
    ) -> Result<Box<dyn crate::core::component::Component>> {
        super::maps_do_not_split(&self.name, self.p.shape)?;
        // A softmax normalises each row over all the cells; everything else is
        // elementwise.
        if self.act == Act::Softmax {
            return Err(Error::param(
                &self.name,
                "act_fx",
                "softmax",
                "normalises over all the cells, so they cannot be partitioned across ranks",
            ));
        }
        crate::core::partition::partition_by_kwargs(self, cols)
    }
}

