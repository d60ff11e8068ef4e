//! `StaticSynapse`: a dense synaptic cable that does not learn.
//!
//! ngclearn 3.1.1's `StaticSynapse` is `DenseSynapse` under another name (its class
//! body is `pass`), so this is the dense synapse with its own schema:
//! ```text
//! outputs = (inputs · (W * mask)) * resist_scale + biases
//! ```
//! `max_delay_steps` delays each presynaptic unit's inputs as ngclearn 3.2's
//! `DenseSynapse` does (see `synapses::axon_delays`).

use super::dense_synapse::{Dense, DenseParams};
use crate::core::component::Component;
use crate::error::Result;
use crate::{Class, Compartments};
use ndarray::Array2;

/// The static synapse (see the module documentation).
///
/// ```
/// use ngclearn::prelude::*;
/// use ngclearn::components::synapses::StaticSynapse;
/// let mut p = DenseParams::new();
/// p.weight_init = Some(DistributionGenerator::constant(0.5));
/// p.key = Some(Key::from_seed(0));
/// let mut w = StaticSynapse::new("W", (2, 3), p)?;
/// w.set_inputs(&ndarray::array![[1.0, 2.0]]);
/// w.advance_state(0.0, 0.1);
/// assert_eq!(w.outputs(), &ndarray::array![[1.5, 1.5, 1.5]]);
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.staticSynapse.StaticSynapse",
    description = "Static dense synaptic cable (no plasticity): a scaled linear transformation of its inputs",
    dynamics = "outputs = (inputs . (W * mask)) * resist_scale + biases",
    head = shape,
    extends = crate::components::synapses::dense_synapse::DenseSynapse,
    keywords(advance_state = []),
    params = base.p,
    params_type = DenseParams,
    split = columns
)]
pub struct StaticSynapse {
    #[compartment(flatten)]
    base: Dense,
}

impl StaticSynapse {
    /// Builds a static synapse of shape `(n_pre, n_post)`.
    pub fn new(name: &str, shape: (usize, usize), params: DenseParams) -> Result<Self> {
        Ok(StaticSynapse {
            base: {
                let mut base = Dense::new(name, shape, &params)?;
                base.refuse_background("StaticSynapse")?;
                base.allow_sparse()?;
                base
            },
        })
    }

    /// Sets `inputs` (unchecked: use `Model::set` for a checked set).
    pub fn set_inputs(&mut self, x: &Array2<f32>) {
        self.base.inputs.assign(x);
    }

    /// The current `outputs`.
    pub fn outputs(&self) -> &Array2<f32> {
        &self.base.outputs
    }

    /// The current `weights`.
    pub fn weights(&self) -> &Array2<f32> {
        &self.base.weights
    }

    /// The inputs its axons delivered at the last step (ngclearn 3.2's
    /// `delayed_inputs`), when built with `max_delay_steps > 0`.
    pub fn delayed_inputs(&self) -> Option<&Array2<f32>> {
        self.base.delayed_inputs()
    }

    /// Each presynaptic unit's index into the delay buffer, in `[0, max_delay_steps)`
    /// (ngclearn 3.2's `syn_delay_indices`: a delay of `max_delay_steps - index`
    /// steps), when built with `max_delay_steps > 0`.
    pub fn delay_indices(&self) -> Option<&[u32]> {
        self.base.delay_indices()
    }
}

impl Component for StaticSynapse {
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        self.base.dense_step_delayed(false);
    }
    fn reset(&mut self) {
        self.base.reset();
    }
    fn changed(&mut self, index: usize) {
        // The weights' storage is decided again when they are written.
        self.base.changed(index);
    }
    fn stored_weights_mut(
        &mut self,
    ) -> Option<(usize, &mut crate::core::weights::Weights, crate::core::weights::Storage)> {
        let b = &mut self.base;
        Some((Dense::WEIGHTS, &mut b.weights, b.storage))
    }
    fn in_flight(&self) -> Option<crate::core::state::InFlight> {
        self.base.in_flight()
    }
    fn set_in_flight(&mut self, f: &crate::core::state::InFlight) {
        self.base.set_in_flight(f);
    }
    fn min_delay(&self) -> Option<usize> {
        self.base.min_delay()
    }
    fn set_input_lag(&mut self, lag: usize) -> bool {
        self.base.set_input_lag(lag)
    }
    fn input_lag(&self) -> usize {
        self.base.input_lag
    }
    fn stored_weights(&self) -> Option<&crate::core::weights::Weights> {
        Some(&self.base.weights)
    }
    fn saves_as_scalar(&self, index: usize) -> bool {
        self.base.saves_as_scalar(index)
    }
}
