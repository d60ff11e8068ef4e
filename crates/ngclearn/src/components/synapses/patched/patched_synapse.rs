//! `PatchedSynapse`: a synapse whose weights are small dense blocks (patches) along the
//! diagonal of one matrix (see [`crate::components::synapses::patched`] for how they are
//! drawn); it does not learn.
//!
//! ```text
//! outputs = (inputs · W) * resist_scale + biases
//! pre_out = post_in · W^T
//! ```
//! As in ngclearn 3.1.1, `weights_T` holds the drawn weights' transpose and is never
//! updated, and `pre_out` is computed from `weights` itself.

use super::Patched;
use crate::core::component::Component;
use crate::core::rng::Key;
use crate::error::Result;
use crate::utils::distribution_generator::{DistributionGenerator, Initializer};
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of [`PatchedSynapse`] and [`super::StaticPatchedSynapse`], with ngclearn's names
/// and defaults, in its constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct PatchedSynapseParams {
    /// Number of sub-models (dense blocks) along the diagonal
    #[param(default = 1, check = count)]
    pub n_sub_models: usize,
    /// Stride (rows, columns) by which each block overlaps its neighbours
    #[param(default = (0, 0), text = "(0, 0)")]
    pub stride_shape: (usize, usize),
    /// Initialiser of each block's weights
    ///
    /// Written as an object (`{"dist": "gaussian", "std": 0.1}`) or null.
    #[param(default = None, none_means = DistributionGenerator::fan_in_gaussian(), text = "fan_in_gaussian", skip_kwargs)]
    pub weight_init: Option<Initializer>,
    /// Initialiser of the biases b
    #[param(default = None, text = "none (zero biases)", skip_kwargs)]
    pub bias_init: Option<Initializer>,
    /// Resistance scaling factor applied to the output
    #[param(default = 1.0, check = finite)]
    pub resist_scale: f32,
    /// Probability of a connection existing (otherwise masked to zero)
    #[param(default = 1.0, check = finite)]
    pub p_conn: f32,
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

impl Default for PatchedSynapseParams {
    fn default() -> Self {
        PatchedSynapseParams::new()
    }
}

/// The patched synapse (see the module documentation).
///
/// ```
/// use ngclearn::prelude::*;
/// use ngclearn::components::synapses::patched::{PatchedSynapse, PatchedSynapseParams};
/// let mut p = PatchedSynapseParams::new();
/// p.n_sub_models = 2;
/// p.weight_init = Some(DistributionGenerator::constant(0.5));
/// p.key = Some(Key::from_seed(0));
/// let w = PatchedSynapse::new("W", (4, 2), p)?;
/// // Two 2x1 blocks on the diagonal.
/// assert_eq!(w.weights(), &ndarray::array![[0.5, 0.0], [0.5, 0.0], [0.0, 0.5], [0.0, 0.5]]);
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.patched.patchedSynapse.PatchedSynapse",
    description = "Patched synapse: dense blocks along the diagonal of one weight matrix, overlapping by a stride (no plasticity)",
    dynamics = "outputs = (inputs . W) * resist_scale + biases; pre_out = post_in . W^T",
    head = shape,
    sizes = crate::components::synapses::patched::sizes,
    params = base.p,
    params_type = PatchedSynapseParams
)]
pub struct PatchedSynapse {
    #[compartment(flatten)]
    base: Patched,
}

impl PatchedSynapse {
    /// Builds a patched synapse given ngclearn's `shape` (the weights' own shape is
    /// [`PatchedSynapse::weights`]'s).
    pub fn new(name: &str, shape: (usize, usize), params: PatchedSynapseParams) -> Result<Self> {
        Ok(PatchedSynapse {
            base: Patched::new(name, shape, &params)?,
        })
    }

    /// The weights.
    pub fn weights(&self) -> &Array2<f32> {
        &self.base.weights
    }

    /// The current `outputs`.
    pub fn outputs(&self) -> &Array2<f32> {
        &self.base.outputs
    }
}

impl Component for PatchedSynapse {
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
