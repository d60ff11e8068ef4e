//! `DoubleExpSynapse`: a conductance shaped as a difference of exponentials (rise
//! `tau_rise`, decay `tau_decay`), driving a voltage-dependent current.
//!
//! Each step of `dt`, with `_out = inputs · W`, as ngclearn 3.1.1's code:
//! ```text
//! h_syn' = h_syn + dt * ( -h_syn / tau_rise + (_out * g_syn_bar) * (1/tau_rise - 1/tau_decay) / dt )
//! g_syn' = g_syn + dt * ( -g_syn / tau_decay + h_syn' / dt )
//! i_syn  = -(g_syn' * resist_scale) * (v - syn_rest)    (syn_rest = None: -g_syn' * resist_scale)
//! outputs = i_syn
//! ```
//! `1/tau_rise - 1/tau_decay` is formed in double precision (Python floats in the
//! reference) and rounded once; the rest is XLA's arithmetic, as `AlphaSynapse`'s
//! (reciprocals of the time constants and of `dt`, a fused multiply-add for each
//! product that feeds a sum). `is_nonplastic` (default `true`) sets the weights
//! to ones, as for the alpha synapse.

use super::conductance::ConductanceState;
use super::dense_synapse::{Dense, DenseParams};
use crate::error::Result;
use crate::core::component::{Component, Support};
use crate::{Class, Compartments, Params};

/// Parameters of a [`DoubleExpSynapse`], with ngclearn's names and defaults. Each field's doc
/// comment is its help description.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct DoubleExpSynapseParams {
    /// Conductance decay time constant
    ///
    /// Kept in double precision: ngclearn forms `1/tau_rise - 1/tau_decay` from Python floats.
    #[param(units = "ms")]
    pub tau_decay: f64,
    /// Conductance rise time constant
    ///
    /// Kept in double precision (see `tau_decay`).
    #[param(units = "ms")]
    pub tau_rise: f64,
    /// Maximum conductance elicited by each incoming spike
    #[param(check = finite)]
    pub g_syn_bar: f32,
    /// Synaptic reversal potential; None makes the current voltage-independent
    ///
    /// A TOML model file without it means `None`.
    #[param(check = finite, units = "mV")]
    pub syn_rest: Option<f32>,
    /// The dense base's parameters (ngclearn takes `mask` and `batch_size` here only by
    /// keyword)
    #[param(flatten, keyword_only = ["mask", "batch_size"])]
    pub dense: DenseParams,
    /// If true, weights are set to all ones after initialisation
    #[param(default = true)]
    pub is_nonplastic: bool,
}

/// The double-exponential synapse (see the module documentation for its equations).
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.doubleExpSynapse.DoubleExpSynapse",
    description = "Dynamic synapse whose conductance follows a difference of exponentials",
    dynamics = "_out = inputs . W\n\
               h_syn' = h_syn + dt * (-h_syn / tau_rise + (_out * g_syn_bar) * (1/tau_rise - 1/tau_decay) / dt)\n\
               g_syn' = g_syn + dt * (-g_syn / tau_decay + h_syn' / dt)\n\
               i_syn = -(g_syn' * resist_scale) * (v - syn_rest)   [syn_rest = None: -g_syn' * resist_scale]\n\
               outputs = i_syn",
    head = shape,
    extends = crate::components::synapses::dense_synapse::DenseSynapse,
    split = columns,
)]
pub struct DoubleExpSynapse {
    #[compartment(flatten)]
    state: ConductanceState,
    /// Intermediate synaptic conductance
    #[compartment(state, shape = "(batch_size, n_post)")]
    h_syn: ndarray::Array2<f32>,
    p: DoubleExpSynapseParams,
    /// `1/tau_rise - 1/tau_decay`, derived once.
    rise_gain: f32,
}

impl DoubleExpSynapse {
    /// Builds a double-exponential synapse of shape `(n_pre, n_post)`.
    pub fn new(name: &str, shape: (usize, usize), mut p: DoubleExpSynapseParams) -> Result<Self> {
        let base = Dense::new(name, shape, &p.dense)?;
        p.validate(&base.name)?;
        for (field, v) in [("tau_decay", p.tau_decay), ("tau_rise", p.tau_rise)] {
            // Positive and finite, and so in float32 (the steps use 1 / tau there).
            if !(v.is_finite() && v > 0.0 && (v as f32).is_finite() && v as f32 > 0.0) {
                return Err(crate::error::Error::param(
                    &base.name,
                    field,
                    v,
                    "must be a positive, finite number",
                ));
            }
        }
        base.refuse_axon_delays("DoubleExpSynapse")?;
        super::conductance::warn_if_weights_overridden(
            "DoubleExpSynapse",
            &p.dense,
            p.is_nonplastic,
        );
        p.dense.mask = None; // moved into the `mask` compartment
        p.dense.columns = None; // built: the block is the component
        let rise_gain = (1.0 / p.tau_rise - 1.0 / p.tau_decay) as f32;
        Ok(DoubleExpSynapse {
            h_syn: base.post_zeros()?,
            state: ConductanceState::new(base, p.syn_rest, p.is_nonplastic)?,
            p,
            rise_gain,
        })
    }

    fn step(&mut self, dt: f32) {
        // XLA's arithmetic, as AlphaSynapse's: reciprocals of the constant time constants,
        // each product feeding a sum fused with it.
        let (r_rise, r_decay, c, gbar, inv_dt) = (
            1.0 / self.p.tau_rise as f32,
            1.0 / self.p.tau_decay as f32,
            self.rise_gain,
            self.p.g_syn_bar,
            1.0 / dt,
        );
        self.state.advance::<true>(
            dt,
            self.h_syn
                .as_slice_mut()
                .expect("owned arrays are contiguous"),
            #[inline(always)]
            |h, g, out| {
                let dh = ((out * gbar) * c).mul_add(inv_dt, -*h * r_rise);
                *h = dh.mul_add(dt, *h);
                let dg = h.mul_add(inv_dt, -*g * r_decay);
                *g = dg.mul_add(dt, *g);
            },
        );
    }

    /// The conductance `g_syn`.
    pub fn g_syn(&self) -> &ndarray::Array2<f32> {
        &self.state.g_syn
    }
}

impl Component for DoubleExpSynapse {
    fn advance_state(&mut self, _t: f32, dt: f32) {
        self.step(dt);
    }
    fn reset(&mut self) {
        self.state.reset();
        self.h_syn.fill(0.0);
    }
    fn changed(&mut self, index: usize) {
        self.state.changed(index);
    }
    fn stored_weights_mut(
        &mut self,
    ) -> Option<(usize, &mut crate::core::weights::Weights, crate::core::weights::Storage)> {
        let b = &mut self.state.base;
        Some((Dense::WEIGHTS, &mut b.weights, b.storage))
    }
    fn steps_alone(&self) -> bool {
        true
    }
    fn in_flight(&self) -> Option<crate::core::state::InFlight> {
        self.state.base.in_flight()
    }
    fn set_in_flight(&mut self, f: &crate::core::state::InFlight) {
        self.state.base.set_in_flight(f);
    }
    fn min_delay(&self) -> Option<usize> {
        self.state.base.min_delay()
    }
    fn set_input_lag(&mut self, lag: usize) -> bool {
        self.state.base.set_input_lag(lag)
    }
    fn input_lag(&self) -> usize {
        self.state.base.input_lag
    }
    fn stored_weights(&self) -> Option<&crate::core::weights::Weights> {
        Some(&self.state.base.weights)
    }
    fn saves_as_scalar(&self, index: usize) -> bool {
        self.state.saves_as_scalar(index)
    }
    fn sparse_input(&mut self, index: usize) -> Option<(&mut ndarray::Array2<f32>, &mut Support)> {
        self.state.sparse_input(index)
    }
}
