//! `ExpKernel`: an exponential kernel over a window of recent spike times, the
//! excitatory post-synaptic potential (EPSP) they add up to.
//!
//! The window holds `win_len = int(nu / dt) + 1` entries (computed in double precision
//! and truncated, as Python does: `nu = 0.3, dt = 0.1` gives 3). Each step at time `t`,
//! as ngclearn 3.1.1's code computes it (float32; `exp` is XLA's):
//! ```text
//! tf[win_len - 1] = inputs * t;   tf = roll(tf, -1)     (the newest times now at win_len - 2)
//! epsp = sum over k = 0 .. win_len - 2 of
//!        tf[k] > 0 ? exp(-(t - tf[k]) * (1 / tau_w)) : 0
//! ```
//! summed as XLA reduces that axis: in order up to four terms, else in groups of four
//! consecutive terms (each in order), the groups' sums likewise.
//! `dt` is used only for the window's length (a step's `dt` does not enter).
//! As in ngclearn's code: a spike at `t = 0` is never counted (its time is 0); a graded
//! input stores `inputs * t` as its "time", so `epsp` can exceed the spike count;
//! `win_len = 1` (`nu < dt`) leaves `epsp` at 0; `tau_w` is in the units of `t` (ms,
//! where the docs say microseconds).
//!
//! `tf` is ngclearn's `(win_len, batch_size, n_units)` array, stored here as its
//! `(win_len * batch_size, n_units)` stacking. `reset` zeroes `epsp` and `tf` and keeps
//! `inputs` (ngclearn's guard for unwired inputs is never true once compiled).

use crate::core::component::{filled, valid_name, Component};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::xla_math::exp_xla;
use crate::error::{Error, Result};
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of an [`ExpKernel`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct ExpKernelParams {
    /// Integration time step, which sizes the window (int(nu / dt) + 1 entries)
    #[param(units = "ms")]
    pub dt: f64,
    /// Decay time constant of the kernel
    #[param(default = 500.0, check = positive, units = "ms")]
    pub tau_w: f32,
    /// Length of the window of spike times
    #[param(default = DEFAULT_NU, text = "4", units = "ms")]
    pub nu: f64,
    /// Rows of the batch dimension
    #[param(default = 1, check = count)]
    pub batch_size: usize,
    /// JAX PRNG key (unused by the dynamics)
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// `nu`'s default.
const DEFAULT_NU: f64 = 4.0;

/// The window length ngclearn computes, `int(nu / dt) + 1`; `None` unless `dt > 0`,
/// `nu >= 0` and the length fits.
fn window_len(nu: f64, dt: f64) -> Option<usize> {
    let w = nu / dt;
    (dt > 0.0 && nu >= 0.0 && w.is_finite() && w < (usize::MAX / 4) as f64).then(|| w as usize + 1)
}

/// The exponential kernel (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units)")]
#[class(
    module = "ngclearn.components.other.expKernel.ExpKernel",
    description = "Exponential kernel over a window of spike times: the EPSP they add up to",
    dynamics = "tf: the last int(nu / dt) spike times (inputs * t)\n\
               epsp = sum over the window of (tf > 0) * exp(-(t - tf) / tau_w)",
    head = n_units,
    keywords(advance_state = [t]),
    notes = "tf is ngclearn's (win_len, batch_size, n_units) window stacked as (win_len * batch_size, n_units).",
    split = columns,
    sizes = Self::sizes,
)]
pub struct ExpKernel {
    name: String,
    n_units: usize,
    p: ExpKernelParams,
    win_len: usize,
    /// Input spikes (or graded values)
    #[compartment(input)]
    inputs: Array2<f32>,
    /// Excitatory post-synaptic potential
    #[compartment(output)]
    epsp: Array2<f32>,
    /// Window of spike times, (win_len, batch_size, n_units) stacked
    #[compartment(state, shape = "(win_len * batch_size, n_units)", units = "ms")]
    tf: Array2<f32>,
    /// JAX PRNG key (unused by the dynamics)
    #[compartment(key)]
    key: Key,
}

impl ExpKernel {
    /// The window's length `win_len`, which `tf`'s shape names, from the arguments
    /// (`#[class(sizes = ...)]`: a loader sizes a saved `tf` before building).
    fn sizes(kw: &crate::core::kwargs::Kwargs) -> Option<crate::core::class::NamedSizes> {
        let nu = match kw.peek("nu") {
            Some(nu) => nu.as_f64()?,
            None => DEFAULT_NU,
        };
        let dt = kw.peek("dt")?.as_f64()?;
        Some(vec![("win_len", window_len(nu, dt)?)])
    }

    /// Builds `n_units` kernels.
    pub fn new(name: &str, n_units: usize, p: ExpKernelParams) -> Result<Self> {
        let name = valid_name(name)?;
        let n = count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        if p.dt == 0.0 {
            return Err(Error::DivisionByZero {
                component: name,
                param: "dt".into(),
            });
        }
        if !(p.dt.is_finite() && p.dt > 0.0) {
            return Err(Error::param(
                &name,
                "dt",
                p.dt,
                "must be a positive, finite number (ngclearn divides nu by it)",
            ));
        }
        if !(p.nu.is_finite() && p.nu >= 0.0) {
            return Err(Error::param(
                &name,
                "nu",
                p.nu,
                "must be a finite number >= 0",
            ));
        }
        let win_len = window_len(p.nu, p.dt)
            .ok_or_else(|| Error::param(&name, "nu", p.nu, "nu / dt is too large a window"))?;
        let rows = win_len
            .checked_mul(p.batch_size)
            .ok_or_else(|| Error::param(&name, "nu", p.nu, "nu / dt is too large a window"))?;
        let z = |r: usize| filled(&name, "n_units", (r, n), 0.0);
        Ok(ExpKernel {
            inputs: z(p.batch_size)?,
            epsp: z(p.batch_size)?,
            tf: z(rows)?,
            key: p.key.unwrap_or_else(Key::from_time),
            win_len,
            n_units: n,
            name,
            p,
        })
    }

    /// The number of spike times the window holds (`int(nu / dt) + 1`).
    pub fn win_len(&self) -> usize {
        self.win_len
    }

    #[inline(always)]
    fn kernel(&mut self, t: f32) {
        let inv_tau = 1.0 / self.p.tau_w;
        let block = self.inputs.len();
        let contiguous = "owned arrays are contiguous";
        let tf = self.tf.as_slice_mut().expect(contiguous);
        // Write the newest times into the last block, then roll by one block: the
        // newest end up second to last, the oldest (overwritten) last.
        let last = tf.len() - block;
        for (x, &s) in tf[last..].iter_mut().zip(self.inputs.iter()) {
            *x = s * t;
        }
        tf.rotate_left(block);
        let epsp = self.epsp.as_slice_mut().expect(contiguous);
        let windows = last / block;
        // XLA sums the window axis in groups of four (each in order), then the groups'
        // sums likewise, until four or fewer remain, summed in order.
        for (i, e) in epsp.iter_mut().enumerate() {
            let term = |k: usize| {
                let f = tf[k * block + i];
                if f > 0.0 {
                    exp_xla(-(t - f) * inv_tau)
                } else {
                    0.0
                }
            };
            *e = grouped_sum(windows, &term);
        }
    }
}

impl Component for ExpKernel {
    fn advance_state(&mut self, t: f32, _dt: f32) {
        crate::core::simd::with_simd(
            #[inline(always)]
            || self.kernel(t),
        );
    }
    fn reset(&mut self) {
        self.epsp.fill(0.0);
        self.tf.fill(0.0);
    }
    fn changed(&mut self, _index: usize) {
        // Nothing is derived from the compartments.
    }
}

/// The sum of `get(0..n)` as XLA reduces a short axis: in order when there are four
/// or fewer values, else the sums of consecutive groups of four (each in order, from
/// +0.0) summed the same way (measured for 7 to 40 values).
fn grouped_sum(n: usize, get: &dyn Fn(usize) -> f32) -> f32 {
    if n <= 4 {
        return (0..n).fold(0.0f32, |acc, k| acc + get(k));
    }
    grouped_sum(n.div_ceil(4), &|g| {
        (4 * g..(4 * g + 4).min(n)).fold(0.0f32, |acc, k| acc + get(k))
    })
}
