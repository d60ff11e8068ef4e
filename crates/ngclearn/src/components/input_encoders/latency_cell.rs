//! `LatencyCell`: a latency code: each input value becomes one spike, the stronger the
//! input the earlier.
//!
//! As ngclearn 3.1.1's code computes it (float32; `fma` is one rounding, as XLA fuses
//! it; `ln` is XLA's):
//! ```text
//! calc_spike_times:
//!   clip_mask = clip_spikes ? inputs < threshold : 0
//!   linearize:  tau' = normalize ? (num_steps - 1) - first_spike_time : tau
//!               st = -tau' * (inputs - 1);   st = min(st, -tau' * (threshold - 1))
//!               targ_sp_times = st + first_spike_time
//!   otherwise:  x = max(inputs, threshold + num_steps)
//!               targ_sp_times = fma(ln(x / (x - threshold)), tau, first_spike_time)
//! advance_state(t):
//!   spk     = round_half_even(targ_sp_times) <= t and mask = 0
//!   mask    = mask or spk;   tols = spk ? t : tols
//!   outputs = spk and not clip_mask
//! ```
//! so each unit fires once, at the first `t >= round(targ_sp_times)`, until `reset`.
//! `calc_spike_times` must run after the inputs are set (ngclearn's processes call it,
//! then `advance_state`).
//!
//! Where ngclearn 3.1.1's code differs from its docs, the code is followed: its log
//! encoder is called with `num_steps` where it takes `eps` and `normalize` where it takes
//! `num_steps`, so `num_steps` is the margin added to `threshold` (with the default 1,
//! every input up to `threshold + 1` gets the same time `tau ln((threshold + 1) / 1)`;
//! `num_steps = 1e-7` gives the documented code) and `normalize` does nothing there.
//! `reset` zeroes `outputs`, `tols`, `mask`, `clip_mask` and `targ_sp_times` and keeps
//! `inputs` (ngclearn's guard for unwired inputs is never true once compiled).
//! ngclearn ignores unknown keyword arguments of this class; here they are errors.

use crate::components::neurons::spiking::SpikeList;
use crate::core::component::{filled, valid_name, Component};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::schema::MethodInfo;
use crate::core::xla_math::ln_xla;
use crate::error::Result;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`LatencyCell`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct LatencyCellParams {
    /// Latency time constant
    #[param(default = 1.0, check = finite, units = "ms")]
    pub tau: f32,
    /// Input threshold (inputs below it fire last, or not at all with clip_spikes)
    #[param(default = 0.01, check = finite)]
    pub threshold: f32,
    /// Time of the earliest spike
    #[param(default = 0.0, check = finite, units = "ms")]
    pub first_spike_time: f32,
    /// Linear code (else logarithmic)
    #[param(default = false)]
    pub linearize: bool,
    /// Linear code only: spread the times over num_steps
    #[param(default = false)]
    pub normalize: bool,
    /// Whether inputs below threshold emit no spike
    #[param(default = false)]
    pub clip_spikes: bool,
    /// Linear code: steps of the normalized range; log code: the margin over threshold
    #[param(default = 1.0, check = finite)]
    pub num_steps: f32,
    /// Rows of the batch dimension
    #[param(default = 1, check = count)]
    pub batch_size: usize,
    /// JAX PRNG key (unused by the encoder)
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs)]
    pub key: Option<Key>,
}

/// The latency encoder (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units)")]
#[class(
    module = "ngclearn.components.input_encoders.latencyCell.LatencyCell",
    description = "Latency encoder: one spike per input value, earlier for stronger inputs",
    dynamics = "calc_spike_times: targ = tau * ln(x / (x - threshold)) + first_spike_time, \
               x = max(inputs, threshold + num_steps)\n\
               (linearize: targ = min(-tau' (inputs - 1), -tau' (threshold - 1)) + first_spike_time)\n\
               advance_state: a unit fires once, at the first t >= round(targ)",
    head = n_units,
    keywords(advance_state = [t]),
    kwargs = ignored,
    notes = "As in ngclearn 3.1.1's code, the log code adds num_steps (not 1e-7) to threshold and ignores normalize.",
    methods = METHODS,
    split = columns,
)]
pub struct LatencyCell {
    name: String,
    n_units: usize,
    p: LatencyCellParams,
    /// Input stimulus
    #[compartment(input)]
    inputs: Array2<f32>,
    /// Emitted spikes
    #[compartment(output, spikes)]
    outputs: Array2<f32>,
    /// Which units have fired since the last reset
    #[compartment(state)]
    mask: Array2<f32>,
    /// Which units may not emit (clip_spikes)
    #[compartment(state)]
    clip_mask: Array2<f32>,
    /// Time of last spike
    #[compartment(output, units = "ms")]
    tols: Array2<f32>,
    /// The spike time of each unit
    #[compartment(state, units = "ms")]
    targ_sp_times: Array2<f32>,
    /// JAX PRNG key (unused by the encoder)
    #[compartment(key)]
    key: Key,
    spikes: SpikeList,
}

static METHODS: [MethodInfo; 3] = [
    crate::core::schema::ADVANCE_AND_RESET[0],
    MethodInfo {
        name: "calc_spike_times",
        reads_inputs: true,
        keywords: &[],
        description: "Computes each unit's spike time from the inputs",
    },
    crate::core::schema::ADVANCE_AND_RESET[1],
];

impl LatencyCell {
    /// Builds `n_units` encoders.
    pub fn new(name: &str, n_units: usize, p: LatencyCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        let n = count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        let z = || filled(&name, "n_units", (p.batch_size, n), 0.0);
        Ok(LatencyCell {
            inputs: z()?,
            outputs: z()?,
            mask: z()?,
            clip_mask: z()?,
            tols: z()?,
            targ_sp_times: z()?,
            key: p.key.unwrap_or_else(Key::from_time),
            spikes: SpikeList::new(&name, p.batch_size * n)?,
            n_units: n,
            name,
            p,
        })
    }

    /// The spike time of each unit from the inputs (ngclearn's `calc_spike_times`).
    pub fn calc_spike_times(&mut self) {
        crate::core::simd::with_simd(
            #[inline(always)]
            || self.spike_times(),
        );
    }

    #[inline(always)]
    fn spike_times(&mut self) {
        let p = &self.p;
        let (thr, first) = (p.threshold, p.first_spike_time);
        for ((&x, clip), targ) in self
            .inputs
            .iter()
            .zip(self.clip_mask.iter_mut())
            .zip(self.targ_sp_times.iter_mut())
        {
            *clip = if p.clip_spikes {
                if x < thr {
                    1.0
                } else {
                    0.0
                }
            } else {
                x * 0.0
            };
            *targ = if p.linearize {
                let tau = if p.normalize {
                    (p.num_steps - 1.0) - first
                } else {
                    p.tau
                };
                let st = -tau * (x - 1.0);
                let bound = -tau * (thr - 1.0);
                (if st < bound { st } else { bound }) + first
            } else {
                let lo = thr + p.num_steps;
                let xd = if x > lo { x } else { lo };
                ln_xla(xd / (xd - thr)).mul_add(p.tau, first)
            };
        }
    }

    fn fire(&mut self, t: f32) {
        for ((((&targ, mask), tols), out), &clip) in self
            .targ_sp_times
            .iter()
            .zip(self.mask.iter_mut())
            .zip(self.tols.iter_mut())
            .zip(self.outputs.iter_mut())
            .zip(self.clip_mask.iter())
        {
            let due = if targ.round_ties_even() <= t {
                1.0f32
            } else {
                0.0
            };
            let spk = due * (1.0 - *mask);
            *mask += (1.0 - *mask) * spk;
            *tols = crate::components::neurons::spiking::time_of_last_spike(*tols, spk, t);
            *out = spk * (1.0 - clip);
        }
        self.spikes.collect(&self.outputs);
    }
}

impl Component for LatencyCell {
    fn advance_state(&mut self, t: f32, _dt: f32) {
        self.fire(t);
    }
    fn call(&mut self, method: &str, _t: f32, _dt: f32) {
        match method {
            "calc_spike_times" => self.calc_spike_times(),
            other => unreachable!("LatencyCell declares no method {other}"),
        }
    }
    fn reset(&mut self) {
        self.outputs.fill(0.0);
        self.tols.fill(0.0);
        self.mask.fill(0.0);
        self.clip_mask.fill(0.0);
        self.targ_sp_times.fill(0.0);
        self.spikes.collect(&self.outputs);
    }
    fn changed(&mut self, index: usize) {
        if index == LatencyCell::OUTPUTS {
            self.spikes.forget();
        }
    }
    fn nonzero(&self, index: usize) -> Option<&[u32]> {
        if index == LatencyCell::OUTPUTS {
            self.spikes.get()
        } else {
            None
        }
    }
}
