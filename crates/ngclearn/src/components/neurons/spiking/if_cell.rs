//! `IFCell`: the (non-leaky) integrate-and-fire cell.
//!
//! Each step of `dt` ending at time `t`, as ngclearn 3.1.1's code computes it (float32;
//! `fma` is one rounding, as XLA fuses it):
//! ```text
//! dv   = (rfr >= refract_time ? j * resist_m : 0) * (1 / tau_m)
//! v'   = fma(dv, dt, v)              (rk2/midpoint gives the same: dv does not depend on v)
//! s    = v' > thr
//! rfr  = (rfr + dt) * (1 - s)        (0 at a spike, then dt, 2 dt, ...)
//! tols = s ? t : tols
//! v    = max(s ? v_reset : v', v_rest)     lower_clamp_voltage
//!      = v'                                 otherwise
//! ```
//! Where ngclearn 3.1.1's code differs from its docs, the code is followed: with
//! `lower_clamp_voltage = false` it stores the voltage *before* the reset, so `v` is
//! never reset and a cell above threshold spikes every step. Every integrator name
//! other than rk2/midpoint steps by Euler (all give the same numbers here).
//! `surrogate_type` is accepted and unused (it shapes only ngclearn's gradient
//! estimate); `thr_jitter`, deprecated in ngclearn, is accepted and dropped.
//! `reset`: `j = 0`, `v = v_rest`, `s = 0`, `rfr = refract_time`, `tols = 0`.
//! Extension: `batch_size` (ngclearn fixes it at 1).

use super::{time_of_last_spike, SpikeList};
use crate::core::component::{filled, valid_name};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::xla_math::maximum;
use crate::utils::diffeq::Integration;
use crate::error::Result;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of an [`IFCell`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct IFCellParams {
    /// Membrane time constant
    #[param(check = positive, units = "ms")]
    pub tau_m: f32,
    /// Membrane resistance (ngclearn asserts it is > 0)
    #[param(default = 1.0, check = asserted_positive)]
    pub resist_m: f32,
    /// Voltage threshold
    #[param(default = -52.0, check = finite, units = "mV")]
    pub thr: f32,
    /// Resting potential (and the lower clamp)
    #[param(default = -65.0, check = finite, units = "mV")]
    pub v_rest: f32,
    /// Reset potential
    #[param(default = -60.0, check = finite, units = "mV")]
    pub v_reset: f32,
    /// Refractory period
    #[param(default = 0.0, check = non_negative, units = "ms")]
    pub refract_time: f32,
    /// euler or rk2/midpoint (the same numbers here); heun, ralston, rk4 step by Euler
    #[param(default = Integration::Euler, text = "euler")]
    pub integration_type: Integration,
    /// Accepted and ignored (it shapes only ngclearn's gradient estimate)
    #[param(default = String::from("straight_through"), text = "straight_through", omit_default)]
    pub surrogate_type: String,
    /// Whether v is clamped below at v_rest (false: v is never reset, as in ngclearn)
    #[param(default = true)]
    pub lower_clamp_voltage: bool,
    /// Deprecated in ngclearn: accepted and dropped
    #[param(default = None, text = "none", deprecated)]
    pub thr_jitter: Option<f32>,
    /// Rows of the batch dimension
    ///
    /// An extension: ngclearn's IFCell has none (it is 1).
    #[param(default = 1, check = count, omit_default, extension)]
    pub batch_size: usize,
    /// JAX PRNG key (unused by the dynamics)
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The integrate-and-fire cell (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units)")]
#[class(
    module = "ngclearn.components.neurons.spiking.IFCell.IFCell",
    description = "Integrate-and-fire spiking cells (no leak)",
    dynamics = "tau_m * dv/dt = j * resist_m   (j gated off while rfr < refract_time)\n\
               s = v > thr; on a spike: v = v_reset, rfr = 0, tols = t\n\
               v = max(v, v_rest) if lower_clamp_voltage (else v keeps its pre-reset value)",
    head = n_units,
    keywords(advance_state = [dt, t]),
    notes = "As in ngclearn's code, lower_clamp_voltage=False keeps the voltage before the reset.",
    split = columns,
)]
pub struct IFCell {
    name: String,
    n_units: usize,
    p: IFCellParams,
    /// Input current
    #[compartment(input, units = "mA")]
    j: Array2<f32>,
    /// Membrane potential
    #[compartment(state, units = "mV")]
    v: Array2<f32>,
    /// Emitted spikes
    #[compartment(output, spikes)]
    s: Array2<f32>,
    /// Time since the last spike (refractory variable)
    #[compartment(state, units = "ms")]
    rfr: Array2<f32>,
    /// Time of last spike
    #[compartment(output, units = "ms")]
    tols: Array2<f32>,
    /// JAX PRNG key (unused by the dynamics)
    #[compartment(key)]
    key: Key,
    spikes: SpikeList,
}

impl IFCell {
    /// Builds `n_units` cells.
    pub fn new(name: &str, n_units: usize, p: IFCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        let n = count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        let z = |v: f32| filled(&name, "n_units", (p.batch_size, n), v);
        Ok(IFCell {
            j: z(0.0)?,
            v: z(p.v_rest)?,
            s: z(0.0)?,
            rfr: z(p.refract_time)?,
            tols: z(0.0)?,
            key: p.key.unwrap_or_else(Key::from_time),
            spikes: SpikeList::new(&name, p.batch_size * n)?,
            n_units: n,
            name,
            p,
        })
    }

    #[inline(always)]
    fn kernel(&mut self, t: f32, dt: f32) {
        let p = &self.p;
        let (r, rt, thr, v_rest, v_reset) =
            (p.resist_m, p.refract_time, p.thr, p.v_rest, p.v_reset);
        let inv_tau = 1.0 / p.tau_m;
        let clamp = p.lower_clamp_voltage;
        let contiguous = "owned arrays are contiguous";
        let j = self.j.as_slice().expect(contiguous);
        let v = self.v.as_slice_mut().expect(contiguous);
        let s = self.s.as_slice_mut().expect(contiguous);
        let rfr = self.rfr.as_slice_mut().expect(contiguous);
        let tols = self.tols.as_slice_mut().expect(contiguous);
        for i in 0..v.len() {
            let dv = if rfr[i] >= rt { j[i] * r } else { 0.0 } * inv_tau;
            let v1 = dv.mul_add(dt, v[i]);
            let spk = if v1 > thr { 1.0f32 } else { 0.0 };
            rfr[i] = (rfr[i] + dt) * (1.0 - spk);
            tols[i] = time_of_last_spike(tols[i], spk, t);
            v[i] = if clamp {
                maximum(v1.mul_add(1.0 - spk, spk * v_reset), v_rest)
            } else {
                v1
            };
            s[i] = spk;
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
        self.rfr.fill(self.p.refract_time);
        self.tols.fill(0.0);
    }

    fn written(&mut self, _index: usize) {}
}

super::spike_list_component!(IFCell);
