//! `LIFCell`: the leaky integrate-and-fire cell.
//!
//! Each step of `dt` ending at time `t`, as ngclearn 3.1.1's code (Euler):
//! ```text
//! j     = j * resist_m
//! mask  = (rfr >= refract_time)
//! dv/dt = ((v_rest - v) * conduct_leak + j * mask) * (1 / tau_m)
//! v'    = v + dt * dv/dt                       ("rk2": the midpoint method)
//! s     = (v' > thr + thr_theta)
//! rfr'  = (rfr + dt) * (1 - s)
//! v'    = v' * (1 - s) + s * v_reset
//! thr_theta' = thr_theta * exp(-dt / tau_theta) + s * theta_plus    (only if tau_theta > 0)
//! tols' = (1 - s) * tols + s * t
//! v'    = max(v', v_min)                       (only if v_min is given)
//! ```
//! The arithmetic is XLA's, bit for bit: `j * mask` selects `j` or 0, and each product
//! that feeds a sum is one fused multiply-add (`(v_rest - v) * conduct_leak + j` and
//! `v + dt * dv/dt`), rounded once.
//!
//! With `one_spike`, at most one spike is kept per step: `(key, sub) = split(key)`,
//! the spiking unit with the largest `uniform(sub)` draw wins (the switch looks at the
//! whole batch, as the reference). With `max_one_spike`, only the unit whose voltage
//! was highest *before* the update may spike (the reference reads the old `v`). `s_raw`
//! keeps the spikes before either rule; `rfr`, `v` and `thr_theta` follow `s_raw`.
//!
//! **Exact integration** (`exact = true`, an extension; ngclearn's Euler stays the
//! default): the membrane equation `tau_m dv/dt = (v_rest - v) g + j(s) resist_m mask`
//! (`g = conduct_leak`) is solved over the step, as NEST's `iaf_psc_exp` does, with
//! `j` constant over it, or, given `tau_syn`, `j(s) = j e^{-s / tau_syn}` from its value
//! at the step's start. With `a = g / tau_m` and `b = 1 / tau_syn` (computed in double
//! precision at each step):
//! ```text
//! Q   = 1 - exp(-a dt)
//! PJ  = resist_m Q / g                                  (j constant; resist_m dt / tau_m when g = 0)
//!     = resist_m (exp(-b dt) - exp(-a dt)) / (tau_m (a - b))   (j decaying; resist_m dt exp(-a dt) / tau_m when a = b)
//! u   = v - v_rest
//! v'  = v_rest + (u - u Q + j mask PJ)
//! ```
//! (Relative to `v_rest` and with `Q` rounded rather than `1 - Q`, as NEST keeps `V_m`
//! relative to `E_L`: the float32 step then settles within a few ulps of the exact
//! value instead of ~1e-4 mV off it.)
//! then the threshold, reset and refractory rules above. To step an exponential
//! synapse's current as `iaf_psc_exp` does (the membrane takes the current at the
//! step's start, which then decays and takes the step's spikes), list the cell before
//! its synapses in the process, give the synapses `exact = true` and the cell
//! `tau_syn` equal to theirs. Unlike NEST, `v` is not held during the refractory period:
//! `j` is gated off and the leak goes on (ngclearn's rule; the same when `v_reset =
//! v_rest`).
//!
//! Rest values: `v = v_rest`, `rfr = refract_time`, `j, s, s_raw, tols = 0`;
//! `thr_theta` is *not* reset (the adaptive threshold persists).
//! Units: ms, mV; `j` in the units of `v` per unit resistance.
//! Extension: `batch_size` (ngclearn fixes it at 1).

use crate::core::component::{filled, valid_name, Component, IndexVec};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::xla_math::maximum;
use crate::utils::diffeq::{Integration, Method};
use crate::error::Result;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`LIFCell`], with ngclearn's names and defaults. Each field's doc
/// comment is its help description.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct LIFCellParams {
    /// Membrane time constant
    #[param(check = positive, units = "ms")]
    pub tau_m: f32,
    /// Membrane resistance
    #[param(default = 1.0, check = asserted_positive)]
    pub resist_m: f32,
    /// Base voltage threshold
    #[param(default = -52.0, check = finite, units = "mV")]
    pub thr: f32,
    /// Resting membrane potential
    #[param(default = -65.0, check = finite, units = "mV")]
    pub v_rest: f32,
    /// Reset membrane potential
    #[param(default = -60.0, check = finite, units = "mV")]
    pub v_reset: f32,
    /// Leak conductance (0: integrate-and-fire)
    #[param(default = 1.0, check = non_negative)]
    pub conduct_leak: f32,
    /// Adaptive threshold time constant (0: off)
    #[param(default = 1e7, check = non_negative, units = "ms")]
    pub tau_theta: f32,
    /// Threshold increment per spike
    #[param(default = 0.05, check = finite, units = "mV")]
    pub theta_plus: f32,
    /// Refractory period
    #[param(default = 5.0, check = non_negative, units = "ms")]
    pub refract_time: f32,
    /// At most one (random) spike per step
    #[param(default = false, omit_default)]
    pub one_spike: bool,
    /// euler or rk2 (midpoint)
    #[param(default = Integration::Euler, text = "euler", omit_default)]
    pub integration_type: Integration,
    /// Accepted and ignored (it shapes only ngclearn's gradient estimate)
    #[param(default = String::from("straight_through"), text = "straight_through", omit_default)]
    pub surrogate_type: String,
    /// Lower clamp of the voltage
    #[param(default = None, text = "none", check = finite, units = "mV", omit_default)]
    pub v_min: Option<f32>,
    /// Only the highest-voltage cell may spike
    #[param(default = false, omit_default)]
    pub max_one_spike: bool,
    /// Rows of the batch dimension
    ///
    /// An extension: ngclearn's LIFCell has none (it is 1), and cannot load a saved
    /// model that gives one.
    #[param(default = 1, check = count, omit_default, extension)]
    pub batch_size: usize,
    /// Integrate the membrane exactly over each step (NEST's iaf_psc_exp propagators)
    ///
    /// An extension: in place of `integration_type`, each step solves the membrane's
    /// linear equation exactly, with `j` constant over the step, or, given `tau_syn`,
    /// decaying from its value at the step's start with that time constant (the
    /// current of an exponential synapse stepped after the cell: see the module
    /// documentation).
    #[param(default = false, omit_default, extension)]
    pub exact: bool,
    /// With exact: the time constant of the input current's decay within a step
    ///
    /// An extension (None: `j` is constant over each step).
    #[param(default = None, text = "none (j constant over each step)", check = finite, units = "ms", omit_default, extension)]
    pub tau_syn: Option<f32>,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs)]
    pub key: Option<Key>,
}

/// The leaky integrate-and-fire cell (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units)")]
#[class(
    module = "ngclearn.components.neurons.spiking.LIFCell.LIFCell",
    description = "Leaky integrate-and-fire spiking cells",
    dynamics = "tau_m * dv/dt = (v_rest - v) * conduct_leak + j * resist_m   (j gated off while rfr < refract_time)\n\
               s = v > thr + thr_theta; on a spike: v = v_reset, rfr = 0, thr_theta += theta_plus, tols = t\n\
               thr_theta decays by exp(-dt / tau_theta) each step",
    head = n_units,
    keywords(advance_state = [dt, t]),
    kwargs = absent,
    split = Self::split,
)]
pub struct LIFCell {
    name: String,
    n_units: usize,
    p: LIFCellParams,
    /// Input electrical current
    #[compartment(input)]
    j: Array2<f32>,
    /// Membrane potential
    #[compartment(state, units = "mV")]
    v: Array2<f32>,
    /// Time since the last spike (refractory variable)
    #[compartment(state, units = "ms")]
    rfr: Array2<f32>,
    /// Adaptive threshold shift
    #[compartment(state, units = "mV")]
    thr_theta: Array2<f32>,
    /// Emitted spikes
    #[compartment(output, spikes)]
    s: Array2<f32>,
    /// Spikes before the one-spike rules
    #[compartment(output)]
    s_raw: Array2<f32>,
    /// Time of last spike
    #[compartment(output, units = "ms")]
    tols: Array2<f32>,
    /// JAX PRNG key
    #[compartment(key)]
    key: Key,
    /// Scratch for `one_spike` draws.
    draws: Vec<f32>,
    /// The flat indices of the cells whose `s` is non-zero after the last step, valid
    /// while `spikes_known` (an outside write to `s` clears that).
    spikes: IndexVec,
    spikes_known: bool,
    /// Every `tols` is finite and not -0.0 (false after an outside write to it, until
    /// the next step checks again): the step then writes `tols` at the spikes alone.
    tols_plain: bool,
}

impl LIFCell {
    /// Builds `n_units` cells.
    pub fn new(name: &str, n_units: usize, p: LIFCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        let n = count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        // ngclearn's LIFCell steps code 1 by the midpoint method and every other code by
        // Euler; here the names of the other methods are refused rather than run by Euler.
        if !matches!(p.integration_type.method(), Method::Euler | Method::Midpoint) {
            return Err(crate::error::Error::param(
                &name,
                "integration_type",
                p.integration_type.name(),
                "must be euler, rk1, rk2 or midpoint (LIFCell has no other integrator)",
            ));
        }
        if let Some(tau) = p.tau_syn {
            if tau.is_nan() || tau <= 0.0 || !p.exact {
                return Err(crate::error::Error::param(
                    &name,
                    "tau_syn",
                    tau,
                    "must be positive, and is given only with exact = true",
                ));
            }
        }
        let batch = p.batch_size;
        let z = |v: f32| filled(&name, "n_units", (batch, n), v);
        Ok(LIFCell {
            key: p.key.unwrap_or_else(Key::from_time),
            j: z(0.0)?,
            v: z(p.v_rest)?,
            rfr: z(p.refract_time)?,
            thr_theta: z(0.0)?,
            s: z(0.0)?,
            s_raw: z(0.0)?,
            tols: z(0.0)?,
            draws: z(0.0)?.into_raw_vec_and_offset().0,
            spikes: IndexVec::with_capacity(&name, "n_units", batch * n)?,
            spikes_known: true,
            tols_plain: true,
            n_units: n,
            name,
            p,
        })
    }

    /// Membrane potentials.
    pub fn v(&self) -> &Array2<f32> {
        &self.v
    }
    /// Spikes of the last step.
    pub fn s(&self) -> &Array2<f32> {
        &self.s
    }
    /// Sets the input current (unchecked: use `Model::set` for a checked set).
    pub fn set_j(&mut self, j: &Array2<f32>) {
        self.j.assign(j);
    }

    /// `tols' = (1 - s) * tols + s * t`, `s` being 0 or 1 here and listed in `spikes`.
    /// While every `tols` is finite and not -0.0 and `t` is finite and not zero, that is
    /// `t` at the spikes and `tols` elsewhere, bit for bit (`1 * x + 0 * t` is `x` and
    /// `0 * x + 1 * t` is `t`), so only the spikes are written; otherwise every cell is,
    /// by the formula (a NaN or an infinity then spreads as in the reference).
    fn record_spike_times(&mut self, t: f32) {
        let tols = self.tols.as_slice_mut().expect("owned arrays are contiguous");
        let plain = |x: &f32| x.is_finite() && x.to_bits() != (-0.0f32).to_bits();
        if !self.tols_plain {
            self.tols_plain = tols.iter().all(plain);
        }
        if self.tols_plain && plain(&t) && t != 0.0 {
            for &i in self.spikes.iter() {
                tols[i as usize] = t;
            }
            return;
        }
        let s = self.s.as_slice().expect("owned arrays are contiguous");
        for (tols, &s) in tols.iter_mut().zip(s) {
            *tols = (1.0 - s) * *tols + s * t;
        }
        self.tols_plain = false;
    }

    fn one_spike(&mut self) {
        let any = self.s.iter().any(|&x| x > 0.0);
        let [k, sub] = self.key.split::<2>();
        self.key = k;
        if !any {
            return;
        }
        sub.uniform_into(&mut self.draws);
        let n = self.s.ncols();
        for (b, mut row) in self.s.rows_mut().into_iter().enumerate() {
            let draws = &self.draws[b * n..(b + 1) * n];
            // argmax of s * u (first maximum), then one-hot.
            let mut best = 0;
            let mut best_v = f32::NEG_INFINITY;
            for (i, (&s, &u)) in row.iter().zip(draws).enumerate() {
                if s * u > best_v {
                    best_v = s * u;
                    best = i;
                }
            }
            row.iter_mut()
                .enumerate()
                .for_each(|(i, x)| *x = if i == best { 1.0 } else { 0.0 });
        }
    }
}

/// The constants of one step of [`LIFCell`].
struct CellStep {
    r_m: f32,
    v_rest: f32,
    g_l: f32,
    rt: f32,
    thr: f32,
    v_reset: f32,
    inv_tau: f32,
    dt: f32,
    theta_decay: f32,
    theta_plus: f32,
    v_min: f32,
    /// The exact step's propagators: `v' = v_rest + (u - u q + j mask pj)`, `u = v -
    /// v_rest`.
    q: f32,
    pj: f32,
}

/// The per-cell state of [`LIFCell`], as slices of equal length.
struct CellArrays<'a> {
    v: &'a mut [f32],
    rfr: &'a mut [f32],
    theta: &'a mut [f32],
    s: &'a mut [f32],
    s_raw: &'a mut [f32],
    j: &'a [f32],
}

/// `update_cells`' methods: Euler, the midpoint method, the exact step.
const EULER: u8 = 0;
const MIDPOINT: u8 = 1;
const EXACT: u8 = 2;

/// The exact step's propagators for a step of `dt` (module documentation), in double
/// precision: `(q, pj)`.
fn propagators(p: &LIFCellParams, dt: f32) -> (f32, f32) {
    let (dt, tau_m, g, r) = (dt as f64, p.tau_m as f64, p.conduct_leak as f64, p.resist_m as f64);
    let a = g / tau_m;
    let p22 = (-a * dt).exp();
    let pj = match p.tau_syn {
        None if g == 0.0 => r * dt / tau_m,
        None => r * -(-a * dt).exp_m1() / g,
        Some(tau_s) => {
            let b = 1.0 / tau_s as f64;
            if ((a - b) * dt).abs() < 1e-9 {
                r * dt * p22 / tau_m
            } else {
                r * ((-b * dt).exp() - p22) / (tau_m * (a - b))
            }
        }
    };
    (-(-a * dt).exp_m1() as f32, pj as f32)
}

/// The membrane update of every cell (the equations of the module documentation),
/// for one combination of options.
#[inline(always)]
fn update_cells<const M: u8, const ADAPT: bool, const V_MIN: bool, const MAX_ONE: bool>(
    k: &CellStep,
    a: CellArrays<'_>,
) {
    let n = a.v.len();
    let (rfr, theta, s, s_raw, j) = (
        &mut a.rfr[..n],
        &mut a.theta[..n],
        &mut a.s[..n],
        &mut a.s_raw[..n],
        &a.j[..n],
    );
    for (i, v) in a.v.iter_mut().enumerate() {
        let v_thr = theta[i] + k.thr;
        let open = rfr[i] >= k.rt;
        let nv = if M == EXACT {
            let mask = if open { 1.0 } else { 0.0 };
            let u = *v - k.v_rest;
            k.v_rest + (u - u * k.q + j[i] * mask * k.pj)
        } else {
            // XLA's: `j * mask` is a select, and each product feeding a sum is fused
            // with it (`(v_rest - v) * g_L + j`, `v + dv/dt * dt`).
            // (As bits, so that the loop stays branch-free and vectorised.)
            let keep = if open { u32::MAX } else { 0 };
            let j = f32::from_bits((j[i] * k.r_m).to_bits() & keep);
            let dfv = |v: f32| (k.v_rest - v).mul_add(k.g_l, j) * k.inv_tau;
            if M == MIDPOINT {
                let x1 = dfv(*v).mul_add(k.dt * 0.5, *v);
                dfv(x1).mul_add(k.dt, *v)
            } else {
                dfv(*v).mul_add(k.dt, *v)
            }
        };
        let spike = if nv > v_thr { 1.0f32 } else { 0.0 };
        rfr[i] = (rfr[i] + k.dt) * (1.0 - spike);
        let mut nv = nv * (1.0 - spike) + spike * k.v_reset;
        if ADAPT {
            theta[i] = theta[i].mul_add(k.theta_decay, spike * k.theta_plus);
        }
        if V_MIN {
            nv = maximum(nv, k.v_min);
        }
        *v = nv;
        s_raw[i] = spike;
        // `s` holds the max-one-spike mask when that rule is on.
        s[i] = if MAX_ONE { spike * s[i] } else { spike };
    }
}

impl Component for LIFCell {
    fn steps_alone(&self) -> bool {
        // Its step reads and writes its own state (its draws from its own key).
        true
    }
    fn advance_state(&mut self, t: f32, dt: f32) {
        let p = &self.p;
        let inv_tau = 1.0 / p.tau_m;
        let (r_m, v_rest, g_l, rt, thr, v_reset) = (
            p.resist_m,
            p.v_rest,
            p.conduct_leak,
            p.refract_time,
            p.thr,
            p.v_reset,
        );
        let method = if p.exact {
            EXACT
        } else if p.integration_type.method() == Method::Midpoint {
            MIDPOINT
        } else {
            EULER
        };
        let (q, pj) = if p.exact { propagators(p, dt) } else { (0.0, 0.0) };
        let theta_decay = (-dt / p.tau_theta).exp();
        let adapt = p.tau_theta > 0.0;
        let (theta_plus, v_min) = (p.theta_plus, p.v_min);
        let max_one = p.max_one_spike;
        if max_one {
            // The reference picks the unit with the highest voltage *before* the update.
            for (mut row, v_row) in self.s.rows_mut().into_iter().zip(self.v.rows()) {
                let mut best = 0;
                for (i, &x) in v_row.iter().enumerate() {
                    if x > v_row[best] {
                        best = i;
                    }
                }
                row.iter_mut()
                    .enumerate()
                    .for_each(|(i, m)| *m = if i == best { 1.0 } else { 0.0 });
            }
        }
        let k = CellStep {
            r_m,
            v_rest,
            g_l,
            rt,
            thr,
            v_reset,
            inv_tau,
            dt,
            theta_decay,
            theta_plus,
            v_min: v_min.unwrap_or(0.0),
            q,
            pj,
        };
        let contiguous = "owned arrays are contiguous";
        let a = CellArrays {
            v: self.v.as_slice_mut().expect(contiguous),
            rfr: self.rfr.as_slice_mut().expect(contiguous),
            theta: self.thr_theta.as_slice_mut().expect(contiguous),
            s: self.s.as_slice_mut().expect(contiguous),
            s_raw: self.s_raw.as_slice_mut().expect(contiguous),
            j: self.j.as_slice().expect(contiguous),
        };
        // One loop per combination of options, each free of branches so that it
        // vectorises.
        macro_rules! dispatch {
            ($(($a:ident, $b:literal, $c:literal, $d:literal)),*) => {
                match (method, adapt, v_min.is_some(), max_one) {
                    $(($a, $b, $c, $d) => crate::core::simd::with_simd(#[inline(always)] || {
                        update_cells::<$a, $b, $c, $d>(&k, a)
                    }),)*
                    _ => unreachable!("the method is one of the three"),
                }
            };
        }
        dispatch!(
            (EULER, false, false, false),
            (EULER, false, false, true),
            (EULER, false, true, false),
            (EULER, false, true, true),
            (EULER, true, false, false),
            (EULER, true, false, true),
            (EULER, true, true, false),
            (EULER, true, true, true),
            (MIDPOINT, false, false, false),
            (MIDPOINT, false, false, true),
            (MIDPOINT, false, true, false),
            (MIDPOINT, false, true, true),
            (MIDPOINT, true, false, false),
            (MIDPOINT, true, false, true),
            (MIDPOINT, true, true, false),
            (MIDPOINT, true, true, true),
            (EXACT, false, false, false),
            (EXACT, false, false, true),
            (EXACT, false, true, false),
            (EXACT, false, true, true),
            (EXACT, true, false, false),
            (EXACT, true, false, true),
            (EXACT, true, true, false),
            (EXACT, true, true, true)
        );
        // As the reference, max_one_spike takes precedence over one_spike.
        if p.one_spike && !max_one {
            self.one_spike();
        }
        // Listed for the wires into synapses: their sum then costs the spikes.
        let s = self.s.as_slice().expect("owned arrays are contiguous");
        let spikes = &mut self.spikes;
        crate::core::simd::with_simd(
            #[inline(always)]
            || spikes.collect_nonzero(s),
        );
        self.record_spike_times(t);
        self.spikes_known = true;
    }
    fn reset(&mut self) {
        self.j.fill(0.0);
        self.v.fill(self.p.v_rest);
        self.s.fill(0.0);
        self.spikes.clear();
        self.spikes_known = true;
        self.s_raw.fill(0.0);
        self.rfr.fill(self.p.refract_time);
        self.tols.fill(0.0);
        self.tols_plain = true;
    }
    fn changed(&mut self, index: usize) {
        // The spike list describes `s`; `tols_plain` describes `tols`.
        if index == LIFCell::S {
            self.spikes_known = false;
        }
        if index == LIFCell::TOLS {
            self.tols_plain = false;
        }
    }
    fn nonzero(&self, index: usize) -> Option<&[u32]> {
        (index == LIFCell::S && self.spikes_known).then_some(self.spikes.as_slice())
    }
}
impl LIFCell {
    /// This rank's block (`#[class(split = ...)]`).
    fn split(
        &self,
        cols: std::ops::Range<usize>,
    ) -> Result<Box<dyn crate::core::component::Component>> {
        // One spike per step is chosen across all the cells: they cannot be split.
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

