//! `HebbianDeconvSynapse`: a deconvolutional synapse whose filters learn by a two-factor
//! Hebbian rule.
//!
//! `advance_state` is `DeconvSynapse`'s; as ngclearn 3.1.1, with `x = pre`, `y = post`:
//! ```text
//! evolve:       dWeights = calc_dK_deconv(x, y) * sign_value - W * w_decay
//!               W = optimiser step (sgd or adam, eta) on W with dWeights; clip to w_bound
//! backtransmit: dInputs = calc_dX_deconv(W, y) * sign_value
//! ```
//! `calc_dK_deconv` convolves the inputs' channels (their batch as features), dilated by
//! the stride, with `y` as the filter; `calc_dX_deconv` convolves `y`, with the stride,
//! with the filters turned by 180 degrees (see `ngcconv`). ngclearn's update of
//! the biases would give them the outputs' shape: `bias_init` must be None.

use super::{Conv, HebbianConvSynapseParams, Rule};
use crate::core::component::filled;
use crate::error::Result;
use crate::{Class, Compartments};
use ndarray::Array2;

/// The Hebbian deconvolutional synapse (see the module documentation).
///
/// ```
/// use ngclearn::components::synapses::convolution::{HebbianDeconvSynapse, HebbianConvSynapseParams};
/// use ngclearn::prelude::*;
/// let mut p = HebbianConvSynapseParams::new((2, 2, 1, 1), (2, 2));
/// p.filter_init = Some(DistributionGenerator::constant(1.0));
/// p.padding = Some("SAME".into());
/// let mut ctx = Context::new("hebb_deconv");
/// ctx.add(HebbianDeconvSynapse::new("a", (), p)?)?;
/// ctx.process("evolve", &[("a", Method::Evolve)])?;
/// let mut m = ctx.build()?;
/// m.set("a:pre", &ndarray::array![[1.0f32, 1.0, 1.0, 1.0]])?;
/// m.set("a:post", &ndarray::array![[1.0f32, 2.0, 2.0, 4.0]])?;
/// m.run_named("evolve", 1.0, 1.0)?;
/// assert_eq!(m.get("a:dWeights")?, ndarray::array![[4.0f32, 6.0], [6.0, 9.0]]);
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.convolution.hebbianDeconvSynapse.HebbianDeconvSynapse",
    description = "Deconvolutional synapse whose filters learn by a two-factor Hebbian rule",
    dynamics = "advance_state: outputs = conv_transpose(inputs, K) * resist_scale + b\n\
               evolve: dWeights = calc_dK_deconv(pre, post) * sign_value - K * w_decay; \
               K = optimiser step (eta) with dWeights; clip to w_bound\n\
               backtransmit: dInputs = calc_dX_deconv(K, post) * sign_value",
    head = none,
    extends = crate::components::synapses::convolution::DeconvSynapse,
    keywords(advance_state = [], evolve = [], backtransmit = [], reset = []),
    methods = crate::components::synapses::convolution::HEBBIAN_METHODS,
    params = rule.p,
    params_type = HebbianConvSynapseParams,
    sizes = crate::components::synapses::convolution::deconv_sizes,
    notes = "bias_init must be None: ngclearn's update sums the post-synaptic maps into biases of the \
             outputs' shape. The optimiser's step count is saved as opt_params (Adam's moments in \
             custom/NAME_opt_params.pkl).",
)]
pub struct HebbianDeconvSynapse {
    #[compartment(flatten)]
    base: Conv,
    /// The last update of the filters
    #[compartment(state, name = "dWeights", shape = "(k_size, k_size, n_in_chan, n_out_chan)")]
    d_weights: Array2<f32>,
    /// The last gradient with respect to the inputs
    #[compartment(state, name = "dInputs", shape = "(batch_size, x_size, x_size, n_in_chan)")]
    d_inputs: Array2<f32>,
    /// The last update of the biases (a scalar 0)
    #[compartment(state, name = "dBiases", scalar, shape = "(1, 1)")]
    d_biases: Array2<f32>,
    /// Pre-synaptic maps x
    #[compartment(input, shape = "(batch_size, x_size, x_size, n_in_chan)")]
    pre: Array2<f32>,
    /// Post-synaptic maps y
    #[compartment(input, shape = "(batch_size, out_size, out_size, n_out_chan)")]
    post: Array2<f32>,
    /// The optimiser's step count (ngclearn's `opt_params` under SGD)
    #[compartment(state, scalar, shape = "(1, 1)")]
    opt_params: Array2<f32>,
    rule: Rule,
}

impl HebbianDeconvSynapse {
    /// Builds a Hebbian convolutional synapse (its shapes are in the parameters, as
    /// ngclearn's first arguments `shape, x_shape`).
    pub fn new(name: &str, _head: (), p: HebbianConvSynapseParams) -> Result<Self> {
        let base = Conv::new(name, true, &p.conv())?;
        let rule = Rule::new(&base.name, &base, &p)?;
        let name = base.name.clone();
        let z = |s| filled(&name, "shape", s, 0.0);
        Ok(HebbianDeconvSynapse {
            d_weights: z(base.weights.dim())?,
            d_inputs: z(base.inputs.dim())?,
            d_biases: z((1, 1))?,
            pre: z(base.inputs.dim())?,
            post: z(base.outputs.dim())?,
            opt_params: z((1, 1))?,
            base,
            rule,
        })
    }
}

super::hebbian_component!(HebbianDeconvSynapse);
