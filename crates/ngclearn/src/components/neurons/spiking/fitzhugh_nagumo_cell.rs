//! `FitzhughNagumoCell`: the FitzHugh-Nagumo two-variable cell (voltage `v`, recovery
//! `w`), a simplification of the Hodgkin-Huxley model.
//!
//! Each step of `dt` ending at time `t`, as ngclearn 3.1.1's code computes it (float32;
//! `fma` is one rounding, as XLA fuses it; `/ gamma` is XLA's `* (1 / gamma)`):
//! ```text
//! Euler:  dv(x) = fma(j, resist_m, fma(-((x * x) * x), 1 / gamma, x) - w) * (1 / tau_m)
//! rk2:    dv(x) = ((fma(-((x * x) * x), 1 / gamma, x) - w) + j * resist_m) * (1 / tau_m)
//!         (gamma = 1: XLA drops the division, and the cube is fma(-(x * x), x, x))
//!         dw(y) = fma(-beta, y, v + alpha) * (1 / tau_w)
//!         v' = fma(dv(v), dt, v)  or, rk2/midpoint, fma(dv(fma(dv(v), dt/2, v)), dt, v)
//!         w' likewise
//! s     = v' > v_thr
//! v, w  = s ? (v0, w0) : (v', w')        spike_reset
//!       = (v', w')                        otherwise
//! tols  = s ? t : tols
//! ```
//! `w` is integrated with the old `v`, and `v` with the old `w`. Without `spike_reset`
//! (the default) nothing resets a cell, so `s` is 1 on every step its voltage stays
//! above `v_thr`. Every integrator name other than rk2/midpoint steps by Euler.
//! `reset`: `j = 0`, `v = v0`, `w = w0`, `s = 0`, `tols = 0`.
//! Extension: `batch_size` (ngclearn fixes it at 1).

use super::{time_of_last_spike, SpikeList};
use crate::components::neurons::nonzero;
use crate::core::component::{filled, valid_name};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::utils::diffeq::{Integration, Method};
use crate::error::Result;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`FitzhughNagumoCell`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct FitzhughNagumoCellParams {
    /// Membrane time constant
    #[param(default = 1.0, check = positive, units = "ms")]
    pub tau_m: f32,
    /// Membrane resistance
    #[param(default = 1.0, check = finite)]
    pub resist_m: f32,
    /// Recovery time constant
    #[param(default = 12.5, check = positive, units = "ms")]
    pub tau_w: f32,
    /// Offset of the recovery equation
    #[param(default = 0.7, check = finite)]
    pub alpha: f32,
    /// Recovery decay factor
    #[param(default = 0.8, check = finite)]
    pub beta: f32,
    /// Divisor of the cubic voltage term
    #[param(default = 3.0, check = finite)]
    pub gamma: f32,
    /// Initial (and reset) voltage
    #[param(default = 0.0, check = finite)]
    pub v0: f32,
    /// Initial (and reset) recovery
    #[param(default = 0.0, check = finite)]
    pub w0: f32,
    /// Spike threshold
    #[param(default = 1.07, check = finite)]
    pub v_thr: f32,
    /// Whether a spike snaps v and w back to v0 and w0
    #[param(default = false)]
    pub spike_reset: bool,
    /// euler or rk2/midpoint; heun, ralston, rk4 step by Euler
    #[param(default = Integration::Euler, text = "euler")]
    pub integration_type: Integration,
    /// Rows of the batch dimension
    ///
    /// An extension: ngclearn's FitzhughNagumoCell has none (it is 1).
    #[param(default = 1, check = count, omit_default, extension)]
    pub batch_size: usize,
    /// JAX PRNG key (unused by the dynamics)
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The FitzHugh-Nagumo cell (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units)")]
#[class(
    module = "ngclearn.components.neurons.spiking.fitzhughNagumoCell.FitzhughNagumoCell",
    description = "FitzHugh-Nagumo spiking cells (voltage and recovery)",
    dynamics = "tau_m * dv/dt = v - v^3 / gamma - w + j * resist_m\n\
               tau_w * dw/dt = v + alpha - beta * w\n\
               s = v > v_thr; with spike_reset: v = v0, w = w0 on a spike; tols = t",
    head = n_units,
    split = columns,
)]
pub struct FitzhughNagumoCell {
    name: String,
    n_units: usize,
    p: FitzhughNagumoCellParams,
    rk2: bool,
    /// Input current
    #[compartment(input, units = "mA")]
    j: Array2<f32>,
    /// Membrane potential
    #[compartment(state)]
    v: Array2<f32>,
    /// Recovery variable
    #[compartment(state)]
    w: Array2<f32>,
    /// Emitted spikes (v above v_thr)
    #[compartment(output, spikes)]
    s: Array2<f32>,
    /// Time of last spike
    #[compartment(output, units = "ms")]
    tols: Array2<f32>,
    /// JAX PRNG key (unused by the dynamics)
    #[compartment(key)]
    key: Key,
    spikes: SpikeList,
}

impl FitzhughNagumoCell {
    /// Builds `n_units` cells.
    pub fn new(name: &str, n_units: usize, p: FitzhughNagumoCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        let n = count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        nonzero(&name, "gamma", p.gamma)?;
        let rk2 = p.integration_type.method() == Method::Midpoint;
        let z = |v: f32| filled(&name, "n_units", (p.batch_size, n), v);
        Ok(FitzhughNagumoCell {
            j: z(0.0)?,
            v: z(p.v0)?,
            w: z(p.w0)?,
            s: z(0.0)?,
            tols: z(0.0)?,
            key: p.key.unwrap_or_else(Key::from_time),
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
        let (r, alpha, beta) = (p.resist_m, p.alpha, p.beta);
        let (inv_tau_m, inv_tau_w, inv_gamma) = (1.0 / p.tau_m, 1.0 / p.tau_w, 1.0 / p.gamma);
        let unit_gamma = p.gamma == 1.0;
        let h = dt * 0.5;
        let contiguous = "owned arrays are contiguous";
        let j = self.j.as_slice().expect(contiguous);
        let v = self.v.as_slice_mut().expect(contiguous);
        let w = self.w.as_slice_mut().expect(contiguous);
        let s = self.s.as_slice_mut().expect(contiguous);
        let tols = self.tols.as_slice_mut().expect(contiguous);
        for i in 0..v.len() {
            let (v0, w0, ji) = (v[i], w[i], j[i]);
            // x - x^3 / gamma; with gamma = 1 XLA drops the division and fuses the cube's
            // last product instead.
            let cubic = |x: f32| {
                if unit_gamma {
                    (-(x * x)).mul_add(x, x) - w0
                } else {
                    (-((x * x) * x)).mul_add(inv_gamma, x) - w0
                }
            };
            let fw = |y: f32| (-beta).mul_add(y, v0 + alpha) * inv_tau_w;
            let (v1, w1) = if self.rk2 {
                let jr = ji * r;
                let fv = |x: f32| (cubic(x) + jr) * inv_tau_m;
                (
                    fv(fv(v0).mul_add(h, v0)).mul_add(dt, v0),
                    fw(fw(w0).mul_add(h, w0)).mul_add(dt, w0),
                )
            } else {
                let fv = ji.mul_add(r, cubic(v0)) * inv_tau_m;
                (fv.mul_add(dt, v0), fw(w0).mul_add(dt, w0))
            };
            let spk = if v1 > p.v_thr { 1.0f32 } else { 0.0 };
            if p.spike_reset {
                v[i] = v1.mul_add(1.0 - spk, spk * p.v0);
                w[i] = w1.mul_add(1.0 - spk, spk * p.w0);
            } else {
                v[i] = v1;
                w[i] = w1;
            }
            s[i] = spk;
            tols[i] = time_of_last_spike(tols[i], spk, t);
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
        self.v.fill(self.p.v0);
        self.w.fill(self.p.w0);
        self.s.fill(0.0);
        self.tols.fill(0.0);
    }

    fn written(&mut self, _index: usize) {}
}

super::spike_list_component!(FitzhughNagumoCell);
