//! `AdExCell`: the adaptive exponential integrate-and-fire cell, a two-variable model
//! of voltage `v` and recovery `w`.
//!
//! Each step of `dt` ending at time `t`, as ngclearn 3.1.1's code computes it (float32;
//! `fma` is one rounding, as XLA fuses it; `exp` is XLA's):
//! ```text
//! c(x)  = fma(v_sharpness, exp((x - intrinsic_mem_thr) * (1 / v_sharpness)), -(x - v_rest))
//! Euler:  dv(x) = fma(resist_m, j, fma(-resist_m, w, c(x))) * (1 / tau_m)
//!         dw(y) = fma(v - v_rest, a, -y) * (1 / tau_w)
//!         v' = fma(dv(v), dt, v);   w' = fma(dw(w), dt, w)
//! rk2/midpoint (the products the two stages share are rounded once, not fused):
//!         dv(x) = ((c(x) - resist_m * w) + resist_m * j) * (1 / tau_m)
//!         dw(y) = ((v - v_rest) * a - y) * (1 / tau_w)
//!         v' = fma(dv(fma(dv(v), dt/2, v)), dt, v);   w' likewise
//! s     = v' > thr;   v = s ? v_reset : v';   w = s ? w' + b : w';   tols = s ? t : tols
//! ```
//! `w` is integrated with the old `v`, and `v` with the old `w`. Every integrator name
//! other than rk2/midpoint steps by Euler. `v_thr` (deprecated) is read as `thr`.
//! As in ngclearn, `exp` overflows to infinity when `(v - intrinsic_mem_thr) /
//! v_sharpness` passes about 88.7 (a large `dt` or a small `v_sharpness`; with rk2 and
//! the default sharpness the midpoint stage does near a spike), and the reset then
//! makes `v` NaN for good. The docs' `w + s (w + b)` is `s ? w + b : w` in the code.
//! `reset`: `j = 0`, `v = v0`, `w = w0`, `s = 0`, `tols = 0`.

use super::{time_of_last_spike, SpikeList};
use crate::components::neurons::nonzero;
use crate::core::component::{filled, valid_name};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::xla_math::exp_xla;
use crate::utils::diffeq::{Integration, Method};
use crate::error::Result;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of an [`AdExCell`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct AdExCellParams {
    /// Membrane time constant
    #[param(default = 15.0, check = positive, units = "ms")]
    pub tau_m: f32,
    /// Membrane resistance
    #[param(default = 1.0, check = finite)]
    pub resist_m: f32,
    /// Recovery time constant
    #[param(default = 400.0, check = positive, units = "ms")]
    pub tau_w: f32,
    /// Slope factor (sharpness) of the exponential term
    #[param(default = 2.0, check = finite)]
    pub v_sharpness: f32,
    /// Intrinsic membrane threshold of the exponential term
    #[param(default = -55.0, check = finite, units = "mV")]
    pub intrinsic_mem_thr: f32,
    /// Spike threshold
    #[param(default = 5.0, check = finite, units = "mV", old_names = ["v_thr"])]
    pub thr: f32,
    /// Resting potential
    #[param(default = -72.0, check = finite, units = "mV")]
    pub v_rest: f32,
    /// Reset potential
    #[param(default = -75.0, check = finite, units = "mV")]
    pub v_reset: f32,
    /// Adaptation coupling
    #[param(default = 0.1, check = finite)]
    pub a: f32,
    /// Recovery increment per spike
    #[param(default = 0.75, check = finite)]
    pub b: f32,
    /// Initial (and reset) voltage
    #[param(default = -70.0, check = finite, units = "mV")]
    pub v0: f32,
    /// Initial (and reset) recovery
    #[param(default = 0.0, check = finite)]
    pub w0: f32,
    /// euler or rk2/midpoint; heun, ralston, rk4 step by Euler
    #[param(default = Integration::Euler, text = "euler")]
    pub integration_type: Integration,
    /// Rows of the batch dimension
    #[param(default = 1, check = count)]
    pub batch_size: usize,
    /// JAX PRNG key (unused by the dynamics)
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The adaptive exponential integrate-and-fire cell (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units)")]
#[class(
    module = "ngclearn.components.neurons.spiking.adExCell.AdExCell",
    description = "Adaptive exponential integrate-and-fire spiking cells",
    dynamics = "tau_m * dv/dt = -(v - v_rest) + v_sharpness * exp((v - intrinsic_mem_thr) / v_sharpness) \
               - resist_m * w + resist_m * j\n\
               tau_w * dw/dt = -w + (v - v_rest) * a\n\
               s = v > thr; on a spike: v = v_reset, w += b, tols = t",
    head = n_units,
    split = columns,
)]
pub struct AdExCell {
    name: String,
    n_units: usize,
    p: AdExCellParams,
    rk2: bool,
    /// Input current
    #[compartment(input, units = "mA")]
    j: Array2<f32>,
    /// Membrane potential
    #[compartment(state, units = "mV")]
    v: Array2<f32>,
    /// Recovery variable
    #[compartment(state)]
    w: Array2<f32>,
    /// Emitted spikes
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

impl AdExCell {
    /// Builds `n_units` cells.
    pub fn new(name: &str, n_units: usize, p: AdExCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        let n = count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        nonzero(&name, "v_sharpness", p.v_sharpness)?;
        let rk2 = p.integration_type.method() == Method::Midpoint;
        let z = |v: f32| filled(&name, "n_units", (p.batch_size, n), v);
        Ok(AdExCell {
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
        let (r, sharp, v_t, v_rest, a) = (
            p.resist_m,
            p.v_sharpness,
            p.intrinsic_mem_thr,
            p.v_rest,
            p.a,
        );
        let (inv_tau_m, inv_tau_w, inv_sharp) = (1.0 / p.tau_m, 1.0 / p.tau_w, 1.0 / sharp);
        let h = dt * 0.5;
        let contiguous = "owned arrays are contiguous";
        let j = self.j.as_slice().expect(contiguous);
        let v = self.v.as_slice_mut().expect(contiguous);
        let w = self.w.as_slice_mut().expect(contiguous);
        let s = self.s.as_slice_mut().expect(contiguous);
        let tols = self.tols.as_slice_mut().expect(contiguous);
        for i in 0..v.len() {
            let (v0, w0, ji) = (v[i], w[i], j[i]);
            let c = |x: f32| sharp.mul_add(exp_xla((x - v_t) * inv_sharp), -(x - v_rest));
            let (v1, w1) = if self.rk2 {
                let (rw, rj, va) = (r * w0, r * ji, (v0 - v_rest) * a);
                let fv = |x: f32| ((c(x) - rw) + rj) * inv_tau_m;
                let fw = |y: f32| (va - y) * inv_tau_w;
                (
                    fv(fv(v0).mul_add(h, v0)).mul_add(dt, v0),
                    fw(fw(w0).mul_add(h, w0)).mul_add(dt, w0),
                )
            } else {
                let fv = r.mul_add(ji, (-r).mul_add(w0, c(v0))) * inv_tau_m;
                let fw = (v0 - v_rest).mul_add(a, -w0) * inv_tau_w;
                (fv.mul_add(dt, v0), fw.mul_add(dt, w0))
            };
            let spk = if v1 > p.thr { 1.0f32 } else { 0.0 };
            v[i] = v1.mul_add(1.0 - spk, spk * p.v_reset);
            w[i] = w1.mul_add(1.0 - spk, spk * (w1 + p.b));
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

super::spike_list_component!(AdExCell);
