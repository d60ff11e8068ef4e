//! `StaticDeconvSynapse`: a deconvolutional synaptic cable that does not learn
//! (ngclearn's `DeconvSynapse` under another name).
//!
//! As ngclearn 3.1.1, on NHWC input maps and HWIO filters:
//! ```text
//! outputs = conv_transpose(inputs, K, stride, padding) * resist_scale + b
//! ```
//! JAX's `lax.conv_transpose` without flipping the filters: the inputs dilated by the
//! stride and padded as a transposed SAME or VALID convolution pads them; the sums are
//! XLA's (see `ngcconv`).

use super::{Conv, ConvSynapseParams};
use crate::core::component::Component;
use crate::error::Result;
use crate::{Class, Compartments};

/// The static deconvolutional synapse (see the module documentation).
///
/// ```
/// use ngclearn::components::synapses::convolution::{ConvSynapseParams, StaticDeconvSynapse};
/// use ngclearn::prelude::*;
/// let mut p = ConvSynapseParams::new((2, 2, 1, 1), (2, 2));
/// p.filter_init = Some(DistributionGenerator::constant(1.0));
/// p.padding = Some("SAME".into());
/// let mut ctx = Context::new("deconv");
/// ctx.add(StaticDeconvSynapse::new("a", (), p)?)?;
/// ctx.process("adv", &[("a", Method::AdvanceState)])?;
/// let mut m = ctx.build()?;
/// m.set("a:inputs", &ndarray::array![[1.0f32, 1.0, 1.0, 1.0]])?; // (1, 2, 2, 1)
/// m.run_named("adv", 1.0, 1.0)?;
/// assert_eq!(m.get("a:outputs")?, ndarray::array![[1.0f32, 2.0, 2.0, 4.0]]);
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.convolution.staticDeconvSynapse.StaticDeconvSynapse",
    description = "Static deconvolutional synaptic cable (no plasticity) over square input maps (NHWC)",
    dynamics = "outputs = conv_transpose(inputs, K, stride, padding) * resist_scale + b",
    head = none,
    extends = crate::components::synapses::convolution::DeconvSynapse,
    keywords(advance_state = [], reset = []),
    params = base.p,
    params_type = ConvSynapseParams,
    sizes = crate::components::synapses::convolution::deconv_sizes,
)]
pub struct StaticDeconvSynapse {
    #[compartment(flatten)]
    base: Conv,
}

impl StaticDeconvSynapse {
    /// Builds a deconvolutional synapse (its shapes are in the parameters, as ngclearn's
    /// first arguments `shape, x_shape`).
    pub fn new(name: &str, _head: (), params: ConvSynapseParams) -> Result<Self> {
        Ok(StaticDeconvSynapse {
            base: Conv::new(name, true, &params)?,
        })
    }
}

impl Component for StaticDeconvSynapse {
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        self.base.step();
    }
    fn reset(&mut self) {
        self.base.reset();
    }
    fn changed(&mut self, _index: usize) {}
    fn saves_as_scalar(&self, index: usize) -> bool {
        index == Conv::BIASES && self.base.biases_are_scalar()
    }
}
