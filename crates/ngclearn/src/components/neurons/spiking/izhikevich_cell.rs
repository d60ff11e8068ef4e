//! `IzhikevichCell`: Izhikevich's two-variable spiking cell (voltage `v`, recovery
//! `w`), with its constants renamed: `a = 1 / tau_w`, `b = coupling_factor`, `c =
//! v_reset`, `d = w_reset`.
//!
//! Each step of `dt` ending at time `t`, as ngclearn 3.1.1's code computes it (float32;
//! `fma` is one rounding, as XLA fuses it):
//! ```text
//! s     = v > v_thr                                   (the voltage *before* the step)
//! Euler:  dv(x) = fma(j, resist_m, ((fma(x, 5, (x * x) * 0.04) + 140) - w)) * (1 / tau_m)
//!         dw(y) = fma(v, coupling_factor, -y) * (1 / tau_w)
//!         v' = fma(dv(v), dt, v);   w' = fma(dw(w), dt, w)
//! rk2/midpoint (the products the two stages share are rounded once, not fused):
//!         dv(x) = (((fma(x, 5, (x * x) * 0.04) + 140) - w) + j * resist_m) * (1 / tau_m)
//!         dw(y) = (v * coupling_factor - y) * (1 / tau_w)
//!         v' = fma(dv(fma(dv(v), dt/2, v)), dt, v);   w' likewise
//! v     = s ? v_reset : v';   w = s ? w + w_reset : w'   (the integrated w is dropped)
//! tols  = s ? t : tols
//! ```
//! `w` is integrated with the old `v`, and `v` with the old `w`. Because spikes are read
//! from the previous voltage, as in ngclearn's code, `v` passes `v_thr` for one step
//! (it can reach far above it) and is reset on the next. ngclearn passes
//! `coupling_factor` to the voltage equation, which does not use it. Every integrator
//! name other than rk2/midpoint steps by Euler.
//! `reset`: `j = 0`, `v = v0`, `w = w0`, `s = 0`, `tols = 0`.
//! Extension: `batch_size` (ngclearn fixes it at 1).
//!
//! The cell types of ngclearn's docstring: regular spiking (the defaults), intrinsically
//! bursting `v_reset = -55, w_reset = 4`, chattering `v_reset = -50, w_reset = 2`, fast
//! spiking `tau_w = 10`, low-threshold spiking `tau_w = 10, coupling_factor = 0.25,
//! w_reset = 2`, resonator `tau_w = 10, coupling_factor = 0.26`.

use super::{time_of_last_spike, SpikeList};
use crate::core::component::{filled, valid_name};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::utils::diffeq::{Integration, Method};
use crate::error::Result;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of an [`IzhikevichCell`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct IzhikevichCellParams {
    /// Membrane time constant
    #[param(default = 1.0, check = positive, units = "ms")]
    pub tau_m: f32,
    /// Membrane resistance
    #[param(default = 1.0, check = finite)]
    pub resist_m: f32,
    /// Spike threshold
    #[param(default = 30.0, check = finite, units = "mV")]
    pub v_thr: f32,
    /// Voltage after a spike (Izhikevich's c)
    #[param(default = -65.0, check = finite, units = "mV")]
    pub v_reset: f32,
    /// Recovery time constant (Izhikevich's 1/a)
    #[param(default = 50.0, check = positive_divisor, units = "ms")]
    pub tau_w: f32,
    /// Recovery increment per spike (Izhikevich's d)
    #[param(default = 8.0, check = finite)]
    pub w_reset: f32,
    /// Sensitivity of the recovery to the voltage (Izhikevich's b)
    #[param(default = 0.2, check = finite)]
    pub coupling_factor: f32,
    /// Initial (and reset) voltage
    #[param(default = -65.0, check = finite, units = "mV")]
    pub v0: f32,
    /// Initial (and reset) recovery
    #[param(default = -14.0, check = finite)]
    pub w0: f32,
    /// euler or rk2/midpoint; heun, ralston, rk4 step by Euler
    #[param(default = Integration::Euler, text = "euler")]
    pub integration_type: Integration,
    /// Rows of the batch dimension
    ///
    /// An extension: ngclearn's IzhikevichCell has none (it is 1).
    #[param(default = 1, check = count, omit_default, extension)]
    pub batch_size: usize,
    /// JAX PRNG key (unused by the dynamics)
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The Izhikevich cell (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units)")]
#[class(
    module = "ngclearn.components.neurons.spiking.izhikevichCell.IzhikevichCell",
    description = "Izhikevich spiking cells (voltage and recovery)",
    dynamics = "tau_m * dv/dt = 0.04 v^2 + 5 v + 140 - w + j * resist_m\n\
               tau_w * dw/dt = coupling_factor * v - w\n\
               s = v > v_thr (before the step); on a spike: v = v_reset, w += w_reset, tols = t",
    head = n_units,
    notes = "As in ngclearn's code, a spike is read from the voltage before the step.",
    split = columns,
)]
pub struct IzhikevichCell {
    name: String,
    n_units: usize,
    p: IzhikevichCellParams,
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

impl IzhikevichCell {
    /// Builds `n_units` cells.
    pub fn new(name: &str, n_units: usize, p: IzhikevichCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        let n = count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        let rk2 = p.integration_type.method() == Method::Midpoint;
        let z = |v: f32| filled(&name, "n_units", (p.batch_size, n), v);
        Ok(IzhikevichCell {
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
        let (r, b) = (p.resist_m, p.coupling_factor);
        let (inv_tau_m, inv_tau_w) = (1.0 / p.tau_m, 1.0 / p.tau_w);
        let h = dt * 0.5;
        let contiguous = "owned arrays are contiguous";
        let j = self.j.as_slice().expect(contiguous);
        let v = self.v.as_slice_mut().expect(contiguous);
        let w = self.w.as_slice_mut().expect(contiguous);
        let s = self.s.as_slice_mut().expect(contiguous);
        let tols = self.tols.as_slice_mut().expect(contiguous);
        for i in 0..v.len() {
            let (v0, w0, ji) = (v[i], w[i], j[i]);
            let spk = if v0 > p.v_thr { 1.0f32 } else { 0.0 };
            let quad = |x: f32| (x.mul_add(5.0, (x * x) * 0.04) + 140.0) - w0;
            let (v1, w1) = if self.rk2 {
                let (jr, vb) = (ji * r, v0 * b);
                let fv = |x: f32| (quad(x) + jr) * inv_tau_m;
                let fw = |y: f32| (vb - y) * inv_tau_w;
                (
                    fv(fv(v0).mul_add(h, v0)).mul_add(dt, v0),
                    fw(fw(w0).mul_add(h, w0)).mul_add(dt, w0),
                )
            } else {
                let fv = ji.mul_add(r, quad(v0)) * inv_tau_m;
                let fw = v0.mul_add(b, -w0) * inv_tau_w;
                (fv.mul_add(dt, v0), fw.mul_add(dt, w0))
            };
            v[i] = v1.mul_add(1.0 - spk, spk * p.v_reset);
            w[i] = w1.mul_add(1.0 - spk, spk * (w0 + p.w_reset));
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

super::spike_list_component!(IzhikevichCell);
