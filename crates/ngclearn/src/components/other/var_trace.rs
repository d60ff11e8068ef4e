//! `VarTrace`: a low-pass filter (trace) of its input, the pre- and post-synaptic
//! traces of spike-timing-dependent plasticity.
//!
//! Each step of `dt`, as ngclearn 3.1.1's code computes it (in this order, float32):
//! ```text
//! decay = exp(-dt / tau_tr)          decay_type contains "exp"
//!       = 1 - dt / tau_tr            else, contains "lin"
//!       = 0                          else ("step")
//! z = (gamma_tr * trace) * decay
//! z = z + inputs * (a_delta - trace / n_nearest_spikes)   n_nearest_spikes > 0
//! z = z + inputs * a_delta                                else, a_delta > 0
//! z = z * (1 - inputs) + inputs * P_scale                 else (a pulse sets the trace)
//! trace = outputs = z
//! ```
//! The decay type is matched as ngclearn matches it, by substring (`"exp"` first).
//! The arithmetic is XLA's, bit for bit: `dt / tau_tr` (and `trace / n_nearest_spikes`)
//! a product with the float32 reciprocal, its `exp`; `1 - dt / tau_tr` one fused
//! multiply-add, as `a_delta - trace / n` is; the decayed trace's product fused into
//! the sum, but for the pulse with `P_scale != 1`, where the input's product is.
//! `reset` zeroes `outputs` and `trace`. ngclearn's reset means to zero `inputs` too
//! when they are not wired, but its compiled form (`hasattr(inputs, "targeted") and
//! ...` on an array) never does; the code is followed, so `inputs` keep their value.

use crate::core::component::{filled, valid_name, Component};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::error::Result;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`VarTrace`], with ngclearn's names and defaults. Each field's doc
/// comment is its help description.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct VarTraceParams {
    /// Trace time constant
    #[param(check = positive, units = "ms")]
    pub tau_tr: f32,
    /// Increment of the trace per unit of input; if <= 0, a pulse sets the trace to P_scale
    #[param(check = finite)]
    pub a_delta: f32,
    /// Value a pulse sets the trace to (when a_delta <= 0)
    #[param(default = 1.0, check = finite, name = "P_scale")]
    pub p_scale: f32,
    /// Extra multiplier of the decaying trace
    #[param(default = 1.0, check = finite)]
    pub gamma_tr: f32,
    /// exp (exponential decay), lin (linear) or step (no memory)
    #[param(default = String::from("exp"), text = "exp")]
    pub decay_type: String,
    /// If k > 0, a nearest-k trace: increments shrink by trace / k
    #[param(default = 0)]
    pub n_nearest_spikes: usize,
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs)]
    pub key: Option<Key>,
}

/// How the trace decays between steps (ngclearn matches `decay_type` by substring).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Decay {
    Exp,
    Lin,
    Step,
}

/// The variable trace (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units)")]
#[class(
    module = "ngclearn.components.other.varTrace.VarTrace",
    description = "Variable trace: a low-pass filter of its input (pre/post-synaptic traces for STDP)",
    dynamics = "decay = exp(-dt / tau_tr) [exp] | 1 - dt / tau_tr [lin] | 0 [step]\n\
               z = (gamma_tr * trace) * decay\n\
               z += inputs * (a_delta - trace / n_nearest_spikes)   [n_nearest_spikes > 0]\n\
               z += inputs * a_delta                                [else a_delta > 0]\n\
               z = z * (1 - inputs) + inputs * P_scale              [else]\n\
               trace = outputs = z",
    head = n_units,
    keywords(advance_state = [dt]),
    kwargs = absent,
    split = columns,
)]
pub struct VarTrace {
    name: String,
    n_units: usize,
    p: VarTraceParams,
    decay: Decay,
    /// Input signal (e.g. spikes)
    #[compartment(input)]
    inputs: Array2<f32>,
    /// Filtered signal (same as trace)
    #[compartment(output)]
    outputs: Array2<f32>,
    /// Low-pass filtered value of the input
    #[compartment(state)]
    trace: Array2<f32>,
    /// JAX PRNG key (unused by the dynamics)
    #[compartment(key)]
    key: Key,
}

impl VarTrace {
    /// Builds `n_units` traces with the parameters `p`.
    pub fn new(name: &str, n_units: usize, p: VarTraceParams) -> Result<Self> {
        let name = valid_name(name)?;
        count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        let decay = if p.decay_type.contains("exp") {
            Decay::Exp
        } else if p.decay_type.contains("lin") {
            Decay::Lin
        } else {
            Decay::Step
        };
        let z = || filled(&name, "n_units", (p.batch_size, n_units), 0.0);
        Ok(VarTrace {
            inputs: z()?,
            outputs: z()?,
            trace: z()?,
            key: p.key.unwrap_or_else(Key::from_time),
            decay,
            n_units,
            name,
            p,
        })
    }

    /// The trace.
    pub fn trace(&self) -> &Array2<f32> {
        &self.trace
    }
}

impl Component for VarTrace {
    fn advance_state(&mut self, _t: f32, dt: f32) {
        let p = &self.p;
        // XLA's arithmetic: a division by the constant tau_tr (or n_nearest_spikes) is a
        // product with its float32 reciprocal, `exp` is XLA's, and the sum fuses the
        // decayed trace's product (`fma(gamma * z, decay, s * ...)`), measured against
        // ngclearn's outputs.
        let step = dt * (1.0 / p.tau_tr);
        let decay = match self.decay {
            Decay::Exp => crate::core::xla_math::exp_xla(-step),
            // 1 - dt / tau_tr, the product fused into the difference.
            Decay::Lin => (-dt).mul_add(1.0 / p.tau_tr, 1.0),
            Decay::Step => 0.0,
        };
        let (gamma, a, ps) = (p.gamma_tr, p.a_delta, p.p_scale);
        let inv_k = 1.0 / p.n_nearest_spikes as f32;
        let contiguous = "owned arrays are contiguous";
        let x = self.inputs.as_slice().expect(contiguous);
        let tr = self.trace.as_slice_mut().expect(contiguous);
        let out = self.outputs.as_slice_mut().expect(contiguous);
        for ((z, &s), o) in tr.iter_mut().zip(x).zip(out.iter_mut()) {
            // `gamma * z` (XLA drops a product by 1).
            let g = if gamma == 1.0 { *z } else { gamma * *z };
            let v = if p.n_nearest_spikes > 0 {
                g.mul_add(decay, s * (-*z).mul_add(inv_k, a))
            } else if a > 0.0 {
                g.mul_add(decay, s * a)
            } else if ps == 1.0 {
                // XLA drops the product by P_scale = 1 and fuses the other.
                (g * decay).mul_add(1.0 - s, s)
            } else {
                s.mul_add(ps, (g * decay) * (1.0 - s))
            };
            *z = v;
            *o = v;
        }
    }
    fn reset(&mut self) {
        self.outputs.fill(0.0);
        self.trace.fill(0.0);
    }
    fn changed(&mut self, _index: usize) {
        // Nothing is derived from the compartments.
    }
}
