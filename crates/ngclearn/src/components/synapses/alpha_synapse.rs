//! `AlphaSynapse`: a conductance that rises and decays as an alpha function and
//! drives a voltage-dependent current.
//!
//! Each step of `dt`, with `_out = inputs · W` (pre-synaptic pulses summed through
//! the weights), as ngclearn 3.1.1's code computes it:
//! ```text
//! h_syn' = h_syn + dt * ( -h_syn / tau_decay + (_out * g_syn_bar) / dt )
//! g_syn' = g_syn + dt * ( -g_syn / tau_decay + h_syn' / dt )
//! i_syn  = -(g_syn' * resist_scale) * (v - syn_rest)    (syn_rest given)
//! i_syn  = -g_syn' * resist_scale                       (syn_rest = None)
//! outputs = i_syn
//! ```
//! The arithmetic is XLA's, bit for bit: `/ dt` is `* (1 / dt)` (as in the
//! reference), `/ tau_decay` a product with its float32 reciprocal, and each product
//! that feeds a sum one fused multiply-add (the input term's into the decay's, then the
//! Euler step's). For one pulse of size
//! `a` at step 0 this gives `h_k = a·g·(1 - dt/τ)^k` and
//! `g_k = a·g·(k + 1)·(1 - dt/τ)^k`: the discrete alpha function, peaking near `τ`.
//!
//! The reference's docstring writes `h/tau_decay` in the `g` equation and its `help()`
//! names the parameter `g_bar_syn`; the code (`h/dt`, `g_syn_bar`) is what counts.
//! With `is_nonplastic = true` (the default) the weights are set to ones after
//! initialisation, whatever `weight_init` and `p_conn` gave. `biases` and `mask`
//! exist (from the dense base) but are not used by this synapse.
//!
//! Units: `tau_decay` in ms, `v` and `syn_rest` in mV.

use super::conductance::ConductanceState;
use super::dense_synapse::{Dense, DenseParams};
use crate::error::Result;
use crate::core::component::{Component, Support};
use crate::{Class, Compartments, Params};

/// Parameters of an [`AlphaSynapse`], with ngclearn's names and defaults. Each field's doc
/// comment is its help description.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct AlphaSynapseParams {
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
}

/// The alpha synapse (see the module documentation for its equations).
///
/// ```
/// use ngclearn::prelude::*;
/// let mut p = AlphaSynapseParams::new(1.0, 1.0, Some(0.0));
/// p.dense.key = Some(Key::from_seed(0));
/// let mut w = AlphaSynapse::new("W", (1, 1), p)?;
/// w.set_inputs(&ndarray::array![[1.0]]);
/// w.advance_state(0.1, 0.1);
/// assert_eq!(w.g_syn()[[0, 0]], 1.0); // h = g = g_syn_bar after one pulse
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.alphaSynapse.AlphaSynapse",
    description = "Dynamic synapse whose conductance follows an alpha function and drives a voltage-dependent current",
    dynamics = "_out = inputs . W\n\
               h_syn' = h_syn + dt * (-h_syn / tau_decay + (_out * g_syn_bar) / dt)\n\
               g_syn' = g_syn + dt * (-g_syn / tau_decay + h_syn' / dt)\n\
               i_syn = -(g_syn' * resist_scale) * (v - syn_rest)   [syn_rest = None: -g_syn' * resist_scale]\n\
               outputs = i_syn",
    head = shape,
    extends = crate::components::synapses::dense_synapse::DenseSynapse,
    split = columns,
)]
pub struct AlphaSynapse {
    #[compartment(flatten)]
    state: ConductanceState,
    /// Intermediate synaptic conductance
    #[compartment(state, shape = "(batch_size, n_post)")]
    h_syn: ndarray::Array2<f32>,
    p: AlphaSynapseParams,
}

impl AlphaSynapse {
    /// Builds an alpha synapse of shape `(n_pre, n_post)`.
    pub fn new(name: &str, shape: (usize, usize), mut p: AlphaSynapseParams) -> Result<Self> {
        let base = Dense::new(name, shape, &p.dense)?;
        p.validate(&base.name)?;
        base.refuse_axon_delays("AlphaSynapse")?;
        super::conductance::warn_if_weights_overridden("AlphaSynapse", &p.dense, p.is_nonplastic);
        p.dense.mask = None; // moved into the `mask` compartment
        p.dense.columns = None; // built: the block is the component
        Ok(AlphaSynapse {
            h_syn: base.post_zeros()?,
            state: ConductanceState::new(base, p.syn_rest, p.is_nonplastic)?,
            p,
        })
    }

    /// One Euler step of `dt` ms.
    fn step(&mut self, dt: f32) {
        // XLA's arithmetic: a division by the constant `tau_decay` is a product with its
        // float32 reciprocal, and each product feeding a sum is fused with it (the
        // second term's into the first's: `fma(_out * g_syn_bar, 1/dt, -h * (1/tau))`).
        let (r_tau, gbar, inv_dt) = (1.0 / self.p.tau_decay, self.p.g_syn_bar, 1.0 / dt);
        self.state.advance::<true>(
            dt,
            self.h_syn
                .as_slice_mut()
                .expect("owned arrays are contiguous"),
            #[inline(always)]
            |h, g, out| {
                let dh = (out * gbar).mul_add(inv_dt, -*h * r_tau);
                *h = dh.mul_add(dt, *h);
                let dg = h.mul_add(inv_dt, -*g * r_tau);
                *g = dg.mul_add(dt, *g);
            },
        );
    }

    /// Sets `inputs` (unchecked: use `Model::set` for a checked set).
    pub fn set_inputs(&mut self, x: &ndarray::Array2<f32>) {
        self.state.base.inputs.assign(x);
        self.state.changed(0);
    }
    /// Sets `v` (unchecked: use `Model::set` for a checked set).
    pub fn set_v(&mut self, v: &ndarray::Array2<f32>) {
        self.state.v.assign(v);
    }
    /// The conductance `g_syn`.
    pub fn g_syn(&self) -> &ndarray::Array2<f32> {
        &self.state.g_syn
    }
    /// The intermediate conductance `h_syn`.
    pub fn h_syn(&self) -> &ndarray::Array2<f32> {
        &self.h_syn
    }
    /// The current `i_syn`.
    pub fn i_syn(&self) -> &ndarray::Array2<f32> {
        &self.state.i_syn
    }
    /// The weights.
    pub fn weights(&self) -> &ndarray::Array2<f32> {
        &self.state.base.weights
    }
}

impl Component for AlphaSynapse {
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
