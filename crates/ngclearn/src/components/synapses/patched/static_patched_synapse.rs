//! `StaticPatchedSynapse`: ngclearn 3.1.1's `StaticPatchedSynapse` is `PatchedSynapse`
//! under another name (its class body is `pass`), so this is the patched synapse with
//! its own schema:
//! ```text
//! outputs = (inputs · W) * resist_scale + biases
//! pre_out = post_in · W^T
//! ```

use super::{Patched, PatchedSynapseParams};
use crate::core::component::Component;
use crate::error::Result;
use crate::{Class, Compartments};
use ndarray::Array2;

/// The static patched synapse (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.patched.staticPatchedSynapse.StaticPatchedSynapse",
    description = "Static patched synapse: dense blocks along the diagonal of one weight matrix (no plasticity)",
    dynamics = "outputs = (inputs . W) * resist_scale + biases; pre_out = post_in . W^T",
    head = shape,
    sizes = crate::components::synapses::patched::sizes,
    extends = crate::components::synapses::patched::PatchedSynapse,
    params = base.p,
    params_type = PatchedSynapseParams
)]
pub struct StaticPatchedSynapse {
    #[compartment(flatten)]
    base: Patched,
}

impl StaticPatchedSynapse {
    /// Builds a static patched synapse given ngclearn's `shape`.
    pub fn new(name: &str, shape: (usize, usize), params: PatchedSynapseParams) -> Result<Self> {
        Ok(StaticPatchedSynapse {
            base: Patched::new(name, shape, &params)?,
        })
    }

    /// The weights.
    pub fn weights(&self) -> &Array2<f32> {
        &self.base.weights
    }
}

impl Component for StaticPatchedSynapse {
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        self.base.advance();
    }
    fn reset(&mut self) {
        self.base.reset();
    }
    fn changed(&mut self, _index: usize) {
        // Nothing is derived from a compartment.
    }
    fn saves_as_scalar(&self, index: usize) -> bool {
        self.base.saves_as_scalar(index)
    }
}
