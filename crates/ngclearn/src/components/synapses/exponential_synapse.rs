//! `ExponentialSynapse`: a conductance that jumps with each pulse and decays
//! exponentially, driving a voltage-dependent current.
//!
//! Each step of `dt`, with `_out = inputs · W`, as ngclearn 3.1.1's code:
//! ```text
//! g_syn' = g_syn + dt * ( -g_syn / tau_decay + (_out * g_syn_bar) / dt )
//! i_syn  = -(g_syn' * resist_scale) * (v - syn_rest)    (syn_rest = None: -g_syn' * resist_scale)
//! outputs = i_syn
//! ```
//! The arithmetic is XLA's, bit for bit: `/ tau_decay` is a product with its float32
//! reciprocal, `/ dt` one with `1 / dt`, and each product that feeds a sum is one fused
//! multiply-add (the current term's into the decay's, then `g_syn + dt * dg`).
//! One pulse of size `a` gives `g_k = a·g_syn_bar·(1 - dt/τ)^k`. With `exact = true`
//! (an extension) the decay is exact instead: `g_syn' = g_syn·exp(-dt/τ) + _out·g_syn_bar`,
//! NEST's `iaf_psc_exp` synaptic current (see `LIFCell`'s exact integration). As in ngclearn
//! 3.1.1's code, `is_nonplastic` (default `true`) sets the weights to ones after
//! initialisation, as for the alpha synapse; pass `false` to keep them as initialised.

use super::conductance::ConductanceState;
use super::dense_synapse::{Dense, DenseParams};
use crate::error::Result;
use crate::core::component::{Component, Support};
use crate::{Class, Compartments, Params};

/// Parameters of an [`ExponentialSynapse`], with ngclearn's names and defaults. Each field's doc
/// comment is its help description.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct ExponentialSynapseParams {
    /// Conductance decay time constant
    #[param(check = positive, units = "ms")]
    pub tau_decay: f32,
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
    /// Decay the conductance exactly over each step instead of by Euler
    ///
    /// An extension: `g_syn' = g_syn * exp(-dt / tau_decay) + _out * g_syn_bar` (NEST's
    /// `iaf_psc_exp` current), the factor computed in double precision at each step.
    #[param(default = false, omit_default, extension)]
    pub exact: bool,
}

/// The exponential synapse (see the module documentation for its equations).
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.exponentialSynapse.ExponentialSynapse",
    description = "Dynamic synapse whose conductance jumps with each pulse and decays exponentially",
    dynamics = "_out = inputs . W\n\
               g_syn' = g_syn + dt * (-g_syn / tau_decay + (_out * g_syn_bar) / dt)\n\
               i_syn = -(g_syn' * resist_scale) * (v - syn_rest)   [syn_rest = None: -g_syn' * resist_scale]\n\
               outputs = i_syn",
    head = shape,
    extends = crate::components::synapses::dense_synapse::DenseSynapse,
    split = columns,
)]
pub struct ExponentialSynapse {
    #[compartment(flatten)]
    state: ConductanceState,
    p: ExponentialSynapseParams,
}

impl ExponentialSynapse {
    /// Builds an exponential synapse of shape `(n_pre, n_post)`.
    pub fn new(name: &str, shape: (usize, usize), mut p: ExponentialSynapseParams) -> Result<Self> {
        let base = Dense::new(name, shape, &p.dense)?;
        p.validate(&base.name)?;
        base.refuse_axon_delays("ExponentialSynapse")?;
        super::conductance::warn_if_weights_overridden(
            "ExponentialSynapse",
            &p.dense,
            p.is_nonplastic,
        );
        p.dense.mask = None; // moved into the `mask` compartment
        p.dense.columns = None; // built: the block is the component
        Ok(ExponentialSynapse {
            state: ConductanceState::new(base, p.syn_rest, p.is_nonplastic)?,
            p,
        })
    }

    fn step(&mut self, dt: f32) {
        let (tau, gbar, inv_dt) = (self.p.tau_decay, self.p.g_syn_bar, 1.0 / dt);
        let r_tau = 1.0 / tau;
        if self.p.exact {
            let decay = (-(dt as f64) / tau as f64).exp() as f32;
            return self.state.advance::<false>(
                dt,
                &mut [],
                #[inline(always)]
                |_, g, out| *g = *g * decay + out * gbar,
            );
        }
        self.state.advance::<false>(
            dt,
            &mut [],
            #[inline(always)]
            // XLA's arithmetic: a division by the constant `tau_decay` is a product with
            // its float32 reciprocal, and each product feeding a sum is fused with it.
            |_, g, out| {
                let dg = (out * gbar).mul_add(inv_dt, -*g * r_tau);
                *g = dg.mul_add(dt, *g);
            },
        );
    }

    /// The conductance `g_syn`.
    pub fn g_syn(&self) -> &ndarray::Array2<f32> {
        &self.state.g_syn
    }
}

impl Component for ExponentialSynapse {
    fn advance_state(&mut self, _t: f32, dt: f32) {
        self.step(dt);
    }
    fn reset(&mut self) {
        self.state.reset();
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
