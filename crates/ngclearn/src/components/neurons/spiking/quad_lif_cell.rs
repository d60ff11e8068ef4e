//! `QuadLIFCell`: the quadratic leaky integrate-and-fire cell (ngclearn's subclass of
//! `LIFCell` with a quadratic voltage term).
//!
//! Each step of `dt` ending at time `t`, as ngclearn 3.1.1's code computes it (float32;
//! `fma` is one rounding, as XLA fuses it; `v_c = v_scale`, `a0 = critical_v`):
//! ```text
//! jm    = rfr >= refract_time ? j * resist_m : 0
//! f(x)  = fma(v_rest - x, x - v_c, jm) * (1 / tau_m)                       a0 = 1
//!       = fma((v_rest - x) * (x - v_c), a0, jm) * (1 / tau_m)              otherwise
//! v'    = fma(f(v), dt, v)                 ("rk2"/"midpoint": fma(f(fma(f(v), dt/2, v)), dt, v))
//! raw   = v' > thr + thr_theta;  rfr = (rfr + dt) * (1 - raw);  v = raw ? v_reset : v'
//! s     = raw, then at most one spike per row under one_spike or max_one_spike
//! thr_theta = fma(thr_theta, exp(-dt * (1 / tau_theta)), raw ? theta_plus : 0)   tau_theta > 0
//! tols  = s ? t : tols;   v = max(v, v_min)  (v_min given)
//! ```
//! one_spike (without max_one_spike): `(key, sub) = split(key)` every step; if any cell
//! of the whole batch spiked, each row keeps only the spiking unit with the largest
//! `uniform(sub)` draw (a row without spikes gets unit 0, as ngclearn's one-hot of an
//! argmax of zeros). max_one_spike: only the unit whose voltage was highest *before*
//! the step may spike. `s_raw` keeps the spikes before either rule; `rfr`, `v` and
//! `thr_theta` follow it.
//!
//! Where ngclearn 3.1.1's code differs from its docs, the code is followed: the code's
//! `(v_rest - v)(v - v_c)` is the negative of the documented `a0 (v - v_rest)(v - v_c)`,
//! so `v_rest` is unstable and `v_c` (`v_scale`) stable: with `thr` below `v_scale`
//! (the defaults) every cell above `v_rest` fires periodically whatever its input, and
//! one below `v_rest` falls without bound. The refractory period only gates `j`.
//! Every integrator name other than rk2/midpoint steps by Euler. `critical_V`
//! (deprecated) is read as `critical_v`; `thr_jitter` (deprecated) is dropped;
//! `surrogate_type` is unused. `reset`: `j = 0`, `v = v_rest`, `s = s_raw = 0`, `rfr =
//! refract_time`, `tols = 0`; `thr_theta` and the key are kept.
//! Extension: `batch_size` (ngclearn fixes it at 1).

use super::{time_of_last_spike, SpikeList};
use crate::core::component::{filled, valid_name};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::xla_math::exp_xla;
use crate::core::xla_math::maximum;
use crate::utils::diffeq::{Integration, Method};
use crate::error::Result;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`QuadLIFCell`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct QuadLIFCellParams {
    /// Membrane time constant
    #[param(check = positive, units = "ms")]
    pub tau_m: f32,
    /// Membrane resistance (ngclearn asserts it is > 0)
    #[param(default = 1.0, check = asserted_positive)]
    pub resist_m: f32,
    /// Base voltage threshold
    #[param(default = -52.0, check = finite, units = "mV")]
    pub thr: f32,
    /// Resting potential (an unstable point of the code's dynamics)
    #[param(default = -65.0, check = finite, units = "mV")]
    pub v_rest: f32,
    /// Reset potential
    #[param(default = -60.0, check = finite, units = "mV")]
    pub v_reset: f32,
    /// Critical voltage v_c of the quadratic term (a stable point of the code's dynamics)
    #[param(default = -41.6, check = finite, units = "mV")]
    pub v_scale: f32,
    /// Scale a0 of the quadratic term
    #[param(default = 1.0, check = finite, old_names = ["critical_V"])]
    pub critical_v: f32,
    /// Adaptive threshold time constant (0: off)
    #[param(default = 1e7, check = non_negative, units = "ms")]
    pub tau_theta: f32,
    /// Threshold increment per spike
    #[param(default = 0.05, check = finite, units = "mV")]
    pub theta_plus: f32,
    /// Refractory period (gates the input current only)
    #[param(default = 5.0, check = non_negative, units = "ms")]
    pub refract_time: f32,
    /// At most one (random) spike per row and step
    #[param(default = false)]
    pub one_spike: bool,
    /// euler or rk2/midpoint; heun, ralston, rk4 step by Euler
    #[param(default = Integration::Euler, text = "euler")]
    pub integration_type: Integration,
    /// Accepted and ignored (it shapes only ngclearn's gradient estimate)
    #[param(default = String::from("straight_through"), text = "straight_through", omit_default)]
    pub surrogate_type: String,
    /// Lower clamp of the voltage
    #[param(default = None, text = "none", check = finite, units = "mV")]
    pub v_min: Option<f32>,
    /// Deprecated in ngclearn: accepted and dropped
    #[param(default = None, text = "none", deprecated)]
    pub thr_jitter: Option<f32>,
    /// Only the highest-voltage cell may spike (LIFCell's keyword)
    #[param(default = false, omit_default, keyword_only)]
    pub max_one_spike: bool,
    /// Rows of the batch dimension
    ///
    /// An extension: ngclearn's QuadLIFCell has none (it is 1).
    #[param(default = 1, check = count, omit_default, extension)]
    pub batch_size: usize,
    /// JAX PRNG key (drawn from by one_spike)
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The quadratic LIF cell (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units)")]
#[class(
    module = "ngclearn.components.neurons.spiking.quadLIFCell.QuadLIFCell",
    description = "Quadratic leaky integrate-and-fire spiking cells",
    dynamics = "tau_m * dv/dt = (v_rest - v) * (v - v_scale) * critical_v + j * resist_m   \
               (j gated off while rfr < refract_time)\n\
               s = v > thr + thr_theta; on a spike: v = v_reset, rfr = 0, thr_theta += theta_plus, tols = t\n\
               thr_theta decays by exp(-dt / tau_theta) each step",
    head = n_units,
    extends = crate::components::neurons::spiking::lif_cell::LIFCell,
    keywords(advance_state = [dt, t]),
    fixed(conduct_leak = 1.0f32),
    notes = "As ngclearn's code writes the equation, v_scale is its stable point (and v_rest an unstable one).",
    split = Self::split,
)]
pub struct QuadLIFCell {
    name: String,
    n_units: usize,
    p: QuadLIFCellParams,
    rk2: bool,
    /// Input current
    #[compartment(input, units = "mA")]
    j: Array2<f32>,
    /// Membrane potential
    #[compartment(state, units = "mV")]
    v: Array2<f32>,
    /// Emitted spikes
    #[compartment(output, spikes)]
    s: Array2<f32>,
    /// Spikes before the one-spike rules
    #[compartment(output)]
    s_raw: Array2<f32>,
    /// Time since the last spike (refractory variable)
    #[compartment(state, units = "ms")]
    rfr: Array2<f32>,
    /// Adaptive threshold shift
    #[compartment(state, units = "mV")]
    thr_theta: Array2<f32>,
    /// Time of last spike
    #[compartment(output, units = "ms")]
    tols: Array2<f32>,
    /// JAX PRNG key
    #[compartment(key)]
    key: Key,
    /// Scratch for one_spike's draws.
    draws: Vec<f32>,
    spikes: SpikeList,
}

/// Index of the first largest value (`jnp.argmax`).
#[inline(always)]
fn argmax(xs: impl Iterator<Item = f32>) -> usize {
    let mut best = (0, f32::NEG_INFINITY);
    for (i, x) in xs.enumerate() {
        if x > best.1 {
            best = (i, x);
        }
    }
    best.0
}

impl QuadLIFCell {
    /// Builds `n_units` cells.
    pub fn new(name: &str, n_units: usize, p: QuadLIFCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        let n = count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        let rk2 = p.integration_type.method() == Method::Midpoint;
        let z = |v: f32| filled(&name, "n_units", (p.batch_size, n), v);
        Ok(QuadLIFCell {
            j: z(0.0)?,
            v: z(p.v_rest)?,
            s: z(0.0)?,
            s_raw: z(0.0)?,
            rfr: z(p.refract_time)?,
            thr_theta: z(0.0)?,
            tols: z(0.0)?,
            key: p.key.unwrap_or_else(Key::from_time),
            draws: z(0.0)?.into_raw_vec_and_offset().0,
            spikes: SpikeList::new(&name, p.batch_size * n)?,
            rk2,
            n_units: n,
            name,
            p,
        })
    }

    #[inline(always)]
    fn kernel(&mut self, t: f32, dt: f32) {
        let p = &self.p;
        let n = self.n_units;
        let (r, rt, thr, v_rest, v_reset, v_c, a0) = (
            p.resist_m,
            p.refract_time,
            p.thr,
            p.v_rest,
            p.v_reset,
            p.v_scale,
            p.critical_v,
        );
        let inv_tau = 1.0 / p.tau_m;
        let adapt = p.tau_theta > 0.0;
        let decay = exp_xla(-dt * (1.0 / p.tau_theta));
        let contiguous = "owned arrays are contiguous";
        let s = self.s.as_slice_mut().expect(contiguous);
        let v = self.v.as_slice_mut().expect(contiguous);
        if p.max_one_spike {
            // The mask of the unit with the highest voltage before the step, per row.
            for (s_row, v_row) in s.chunks_mut(n).zip(v.chunks(n)) {
                let best = argmax(v_row.iter().copied());
                s_row
                    .iter_mut()
                    .enumerate()
                    .for_each(|(i, m)| *m = if i == best { 1.0 } else { 0.0 });
            }
        }
        let j = self.j.as_slice().expect(contiguous);
        let s_raw = self.s_raw.as_slice_mut().expect(contiguous);
        let rfr = self.rfr.as_slice_mut().expect(contiguous);
        let theta = self.thr_theta.as_slice_mut().expect(contiguous);
        let h = dt * 0.5;
        for i in 0..v.len() {
            let jm = if rfr[i] >= rt { j[i] * r } else { 0.0 };
            let f = |x: f32| {
                let core = if a0 == 1.0 {
                    (v_rest - x).mul_add(x - v_c, jm)
                } else {
                    ((v_rest - x) * (x - v_c)).mul_add(a0, jm)
                };
                core * inv_tau
            };
            let v1 = if self.rk2 {
                f(f(v[i]).mul_add(h, v[i])).mul_add(dt, v[i])
            } else {
                f(v[i]).mul_add(dt, v[i])
            };
            let raw = if v1 > theta[i] + thr { 1.0f32 } else { 0.0 };
            rfr[i] = (rfr[i] + dt) * (1.0 - raw);
            let mut v2 = v1.mul_add(1.0 - raw, raw * v_reset);
            if let Some(lo) = p.v_min {
                v2 = maximum(v2, lo);
            }
            v[i] = v2;
            if adapt {
                theta[i] = theta[i].mul_add(decay, raw * p.theta_plus);
            }
            s_raw[i] = raw;
            s[i] = if p.max_one_spike { raw * s[i] } else { raw };
        }
        if p.one_spike && !p.max_one_spike {
            let [k, sub] = self.key.split::<2>();
            self.key = k;
            if s.iter().any(|&x| x > 0.0) {
                sub.uniform_into(&mut self.draws);
                for (s_row, u_row) in s.chunks_mut(n).zip(self.draws.chunks(n)) {
                    let best = argmax(s_row.iter().zip(u_row).map(|(&s, &u)| s * u));
                    s_row
                        .iter_mut()
                        .enumerate()
                        .for_each(|(i, x)| *x = if i == best { 1.0 } else { 0.0 });
                }
            }
        }
        let tols = self.tols.as_slice_mut().expect(contiguous);
        for (tols, &s) in tols.iter_mut().zip(s.iter()) {
            *tols = time_of_last_spike(*tols, s, t);
        }
    }

    fn step(&mut self, t: f32, dt: f32) {
        crate::core::simd::with_simd(
            #[inline(always)]
            || self.kernel(t, dt),
        );
    }

    fn rest(&mut self) {
        self.j.fill(0.0);
        self.v.fill(self.p.v_rest);
        self.s.fill(0.0);
        self.s_raw.fill(0.0);
        self.rfr.fill(self.p.refract_time);
        self.tols.fill(0.0);
    }

    fn written(&mut self, _index: usize) {}
}

super::spike_list_component!(QuadLIFCell);

impl QuadLIFCell {
    /// This rank's block (`#[class(split = ...)]`).
    fn split(
        &self,
        cols: std::ops::Range<usize>,
    ) -> Result<Box<dyn crate::core::component::Component>> {
        // One spike per step is chosen across all the cells: they cannot be split.
        // Otherwise the step is elementwise and draws nothing.
        if self.p.one_spike || self.p.max_one_spike {
            return Err(crate::error::Error::param(
                &self.name,
                if self.p.one_spike {
                    "one_spike"
                } else {
                    "max_one_spike"
                },
                true,
                "couples all the cells, so they cannot be partitioned across ranks",
            ));
        }
        crate::core::partition::partition_by_kwargs(self, cols)
    }
}
