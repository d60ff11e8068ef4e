//! `ConvSynapse`: a convolutional synaptic cable.
//!
//! As ngclearn 3.1.1, on NHWC input maps and HWIO filters:
//! ```text
//! outputs = conv2d(inputs, K, stride, padding) * resist_scale + b
//! ```
//! `padding` SAME pads to `ceil(x_size / stride)` outputs (the extra on the high side),
//! VALID not at all; the sums are XLA's (see `ngcconv`).

use super::{Conv, ConvSynapseParams};
use crate::core::component::Component;
use crate::error::Result;
use crate::{Class, Compartments};

/// The convolutional synapse (see the module documentation).
///
/// ```
/// use ngclearn::components::synapses::convolution::{ConvSynapse, ConvSynapseParams};
/// use ngclearn::prelude::*;
/// let mut p = ConvSynapseParams::new((2, 2, 1, 1), (2, 2));
/// p.filter_init = Some(DistributionGenerator::constant(1.0));
/// p.padding = Some("SAME".into());
/// let mut ctx = Context::new("conv");
/// ctx.add(ConvSynapse::new("a", (), p)?)?;
/// ctx.process("adv", &[("a", Method::AdvanceState)])?;
/// let mut m = ctx.build()?;
/// m.set("a:inputs", &ndarray::array![[1.0f32, 1.0, 1.0, 1.0]])?; // (1, 2, 2, 1)
/// m.run_named("adv", 1.0, 1.0)?;
/// assert_eq!(m.get("a:outputs")?, ndarray::array![[4.0f32, 2.0, 2.0, 1.0]]);
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.convolution.convSynapse.ConvSynapse",
    description = "Convolutional synaptic cable: square filters over square input maps (NHWC)",
    dynamics = "outputs = conv2d(inputs, K, stride, padding) * resist_scale + b",
    head = none,
    keywords(advance_state = [], reset = []),
    params = base.p,
    params_type = ConvSynapseParams,
    sizes = crate::components::synapses::convolution::conv_sizes,
)]
pub struct ConvSynapse {
    #[compartment(flatten)]
    base: Conv,
}

impl ConvSynapse {
    /// Builds a convolutional synapse (its shapes are in the parameters, as ngclearn's
    /// first arguments `shape, x_shape`).
    pub fn new(name: &str, _head: (), params: ConvSynapseParams) -> Result<Self> {
        Ok(ConvSynapse {
            base: Conv::new(name, false, &params)?,
        })
    }
}

impl Component for ConvSynapse {
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
