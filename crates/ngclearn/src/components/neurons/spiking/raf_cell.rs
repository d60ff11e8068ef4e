//! `RAFCell`: Izhikevich's (2001) resonate-and-fire cell, a damped oscillator (voltage
//! `v`, angular driver `w`) that fires when `v` crosses the threshold.
//!
//! Each step of `dt` ending at time `t`, as ngclearn 3.1.1's code computes it (float32),
//! `w` first, then `v` with the new `w`:
//! ```text
//! j'    = j * resist_v
//! dw(x) = (x * b - v * omega + j') * (1 / tau_w)       b = dampen_factor
//! dv(y) = (omega * w' + y * b) * (1 / tau_v)
//! Euler:        w' = w + dt * dw(w);                     v' = v + dt * dv(v)
//! rk2/midpoint: w' = w + dt * dw(w + dt/2 * dw(w));      v' likewise
//! s     = v' > thr
//! v, w  = s ? (v_reset, w_reset) : (v', w')
//! tols  = s ? t : tols
//! ```
//! The arithmetic is XLA's, bit for bit: a product by 1 is dropped and one by -1 is a
//! negation (so neither is fused), and a product used once that feeds a sum is one fused
//! multiply-add, the first operand's when both are products. In the midpoint steps
//! `v * omega`, `j'` and `omega * w'` are shared by both evaluations, so they are
//! rounded on their own. Every integrator name other than rk2/midpoint steps by Euler.
//! `reset`: `j = 0` (unless wired), `v = v0`, `w = w0`, `s = 0`, `tols = 0`.
//! `resist_m`, `tau_m` and `b`, ngclearn's deprecated names, are read as `resist_v`,
//! `tau_v` and `dampen_factor`.

use super::{time_of_last_spike, SpikeList};
use crate::core::component::{filled, valid_name};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::xla_math::Factor;
use crate::error::Result;
use crate::utils::diffeq::{Integration, Method};
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`RAFCell`], with ngclearn's names and defaults, in its constructor's
/// order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct RAFCellParams {
    /// Membrane (voltage) time constant
    #[param(default = 1.0, check = positive, units = "ms", old_names = ["tau_m"])]
    pub tau_v: f32,
    /// Angular driver time constant
    #[param(default = 1.0, check = positive, units = "ms")]
    pub tau_w: f32,
    /// Spike threshold
    #[param(default = 1.0, check = finite, units = "mV")]
    pub thr: f32,
    /// Angular frequency
    #[param(default = 10.0, check = finite)]
    pub omega: f32,
    /// Oscillation dampening factor (b)
    #[param(default = -1.0, check = finite, old_names = ["b"])]
    pub dampen_factor: f32,
    /// Voltage after a spike
    #[param(default = 0.0, check = finite, units = "mV")]
    pub v_reset: f32,
    /// Angular driver after a spike
    #[param(default = 0.0, check = finite)]
    pub w_reset: f32,
    /// Initial (and reset) voltage
    #[param(default = 0.0, check = finite, units = "mV")]
    pub v0: f32,
    /// Initial (and reset) angular driver
    #[param(default = 0.0, check = finite)]
    pub w0: f32,
    /// Membrane resistance
    #[param(default = 1.0, check = finite, old_names = ["resist_m"])]
    pub resist_v: f32,
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

/// The resonate-and-fire cell (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units)")]
#[class(
    module = "ngclearn.components.neurons.spiking.RAFCell.RAFCell",
    description = "Resonate-and-fire spiking cells (voltage and angular driver)",
    dynamics = "tau_w * dw/dt = w * b - v * omega + j * resist_v\n\
               tau_v * dv/dt = omega * w + v * b   (w integrated first, v with the new w)\n\
               s = v > thr; v = v_reset, w = w_reset on a spike; tols = t",
    head = n_units,
    split = columns,
)]
pub struct RAFCell {
    name: String,
    n_units: usize,
    p: RAFCellParams,
    rk2: bool,
    /// Input current
    #[compartment(input, units = "mA")]
    j: Array2<f32>,
    /// Membrane potential
    #[compartment(state, units = "mV")]
    v: Array2<f32>,
    /// Angular driver
    #[compartment(state)]
    w: Array2<f32>,
    /// Emitted spikes (v above thr)
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

impl RAFCell {
    /// Builds `n_units` cells.
    pub fn new(name: &str, n_units: usize, p: RAFCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        let n = count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        let rk2 = p.integration_type.method() == Method::Midpoint;
        let z = |v: f32| filled(&name, "n_units", (p.batch_size, n), v);
        Ok(RAFCell {
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
        let (b, om, r) = (
            Factor::of(p.dampen_factor),
            Factor::of(p.omega),
            Factor::of(p.resist_v),
        );
        let (inv_tau_v, inv_tau_w) = (1.0 / p.tau_v, 1.0 / p.tau_w);
        let h = dt * 0.5;
        let contiguous = "owned arrays are contiguous";
        let j = self.j.as_slice().expect(contiguous);
        let v = self.v.as_slice_mut().expect(contiguous);
        let w = self.w.as_slice_mut().expect(contiguous);
        let s = self.s.as_slice_mut().expect(contiguous);
        let tols = self.tols.as_slice_mut().expect(contiguous);
        for i in 0..v.len() {
            let (v0, w0, ji) = (v[i], w[i], j[i]);
            let (v1, w1) = if self.rk2 {
                // `v * omega`, `j'` and `omega * w'` serve both evaluations: rounded alone.
                let (vo, jr) = (om.times(v0), r.times(ji));
                let dw = |x: f32| {
                    let sum = match b {
                        Factor::By(c) => x.mul_add(c, -vo),
                        _ => b.times(x) - vo,
                    };
                    (sum + jr) * inv_tau_w
                };
                let w1 = dw(dw(w0).mul_add(h, w0)).mul_add(dt, w0);
                let ow = om.times(w1);
                let dv = |y: f32| {
                    let sum = match b {
                        Factor::By(c) => y.mul_add(c, ow),
                        _ => ow + b.times(y),
                    };
                    sum * inv_tau_v
                };
                (dv(dv(v0).mul_add(h, v0)).mul_add(dt, v0), w1)
            } else {
                let diff = match (b, om) {
                    (Factor::By(c), _) => w0.mul_add(c, -om.times(v0)),
                    (_, Factor::By(c)) => (-v0).mul_add(c, b.times(w0)),
                    _ => b.times(w0) - om.times(v0),
                };
                let sum = match r {
                    Factor::By(c) => ji.mul_add(c, diff),
                    _ => diff + r.times(ji),
                };
                let w1 = (sum * inv_tau_w).mul_add(dt, w0);
                let sum = match (om, b) {
                    (Factor::By(c), _) => c.mul_add(w1, b.times(v0)),
                    (_, Factor::By(c)) => v0.mul_add(c, om.times(w1)),
                    _ => om.times(w1) + b.times(v0),
                };
                ((sum * inv_tau_v).mul_add(dt, v0), w1)
            };
            let spk = if v1 > p.thr { 1.0f32 } else { 0.0 };
            w[i] = w1.mul_add(1.0 - spk, spk * p.w_reset);
            v[i] = v1.mul_add(1.0 - spk, spk * p.v_reset);
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

super::spike_list_component!(RAFCell);
