//! `TraceSTDPDeconvSynapse`: a deconvolutional synapse whose filters learn by trace-based
//! spike-timing-dependent plasticity.
//!
//! `advance_state` is `DeconvSynapse`'s (no biases); as ngclearn 3.1.1:
//! ```text
//! evolve:       dWeights = calc_dK_deconv(preTrace - pretrace_target, postSpike * A_plus)
//!                        - calc_dK_deconv(preSpike, postTrace * A_minus)
//!               W = W + dWeights * eta (- W * w_decay); clipped to [0.01, w_bound - 0.01] if w_bound > 0
//! backtransmit: dInputs = calc_dX_deconv(W, postSpike)
//! ```
//! (`calc_dK_deconv` and `calc_dX_deconv` as `HebbianDeconvSynapse`'s; see `ngcconv`.)

use super::{Conv, StdpRule, TraceSTDPConvSynapseParams};
use crate::core::component::filled;
use crate::error::Result;
use crate::{Class, Compartments};
use ndarray::Array2;

/// The trace-STDP deconvolutional synapse (see the module documentation).
///
/// ```
/// use ngclearn::components::synapses::convolution::{TraceSTDPDeconvSynapse, TraceSTDPConvSynapseParams};
/// use ngclearn::prelude::*;
/// let mut p = TraceSTDPConvSynapseParams::new((2, 2, 1, 1), (2, 2), 1.0, 1.0);
/// p.filter_init = Some(DistributionGenerator::constant(1.0));
/// p.padding = Some("SAME".into());
/// let mut ctx = Context::new("stdp_deconv");
/// ctx.add(TraceSTDPDeconvSynapse::new("a", (), p)?)?;
/// ctx.process("evolve", &[("a", Method::Evolve)])?;
/// let mut m = ctx.build()?;
/// let x = ndarray::array![[0.0f32, 1.0, 1.0, 0.0]];
/// let y = ndarray::array![[0.0f32, 1.0, 1.0, 1.0]];
/// m.set("a:preSpike", &x)?;
/// m.set("a:postSpike", &y)?;
/// m.set("a:preTrace", &x.mapv(|v| v * 0.4))?;
/// m.set("a:postTrace", &y.mapv(|v| v * 1.3))?;
/// m.run_named("evolve", 1.0, 1.0)?;
/// let dk = m.get("a:dWeights")?;
/// assert!(dk[[0, 0]] == 0.0 && (dk[[1, 1]] + 1.8).abs() < 1e-6);
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.convolution.traceSTDPDeconvSynapse.TraceSTDPDeconvSynapse",
    description = "Deconvolutional synapse whose filters learn by trace-based STDP",
    dynamics = "advance_state: outputs = conv_transpose(inputs, K) * resist_scale\n\
               evolve: dWeights = calc_dK_deconv(preTrace - pretrace_target, postSpike * A_plus) \
               - calc_dK_deconv(preSpike, postTrace * A_minus); K = K + dWeights * eta (- K * w_decay); \
               clip to [0.01, w_bound - 0.01]\n\
               backtransmit: dInputs = calc_dX_deconv(K, postSpike)",
    head = none,
    extends = crate::components::synapses::convolution::DeconvSynapse,
    keywords(advance_state = [], evolve = [], backtransmit = [], reset = []),
    methods = crate::components::synapses::convolution::HEBBIAN_METHODS,
    params = rule.p,
    params_type = TraceSTDPConvSynapseParams,
    fixed(bias_init = None::<crate::utils::distribution_generator::Initializer>),
    sizes = crate::components::synapses::convolution::deconv_sizes,
)]
pub struct TraceSTDPDeconvSynapse {
    #[compartment(flatten)]
    base: Conv,
    /// The last update of the filters
    #[compartment(state, name = "dWeights", shape = "(k_size, k_size, n_in_chan, n_out_chan)")]
    d_weights: Array2<f32>,
    /// The last gradient with respect to the inputs
    #[compartment(state, name = "dInputs", shape = "(batch_size, x_size, x_size, n_in_chan)")]
    d_inputs: Array2<f32>,
    /// Pre-synaptic spikes
    #[compartment(input, name = "preSpike", shape = "(batch_size, x_size, x_size, n_in_chan)")]
    pre_spike: Array2<f32>,
    /// Pre-synaptic traces
    #[compartment(input, name = "preTrace", shape = "(batch_size, x_size, x_size, n_in_chan)")]
    pre_trace: Array2<f32>,
    /// Post-synaptic spikes
    #[compartment(input, name = "postSpike", shape = "(batch_size, out_size, out_size, n_out_chan)")]
    post_spike: Array2<f32>,
    /// Post-synaptic traces
    #[compartment(input, name = "postTrace", shape = "(batch_size, out_size, out_size, n_out_chan)")]
    post_trace: Array2<f32>,
    /// Global learning rate
    #[compartment(state, shape = "(1, 1)")]
    eta: Array2<f32>,
    rule: StdpRule,
}

impl TraceSTDPDeconvSynapse {
    /// Builds a trace-STDP deconvolutional synapse (its shapes are in the parameters, as
    /// ngclearn's first arguments `shape, x_shape`).
    pub fn new(name: &str, _head: (), p: TraceSTDPConvSynapseParams) -> Result<Self> {
        let base = Conv::new(name, true, &p.conv())?;
        let rule = StdpRule::new(&base.name, &base, &p)?;
        let name = base.name.clone();
        let z = |s| filled(&name, "shape", s, 0.0);
        Ok(TraceSTDPDeconvSynapse {
            d_weights: z(base.weights.dim())?,
            d_inputs: z(base.inputs.dim())?,
            pre_spike: z(base.inputs.dim())?,
            pre_trace: z(base.inputs.dim())?,
            post_spike: z(base.outputs.dim())?,
            post_trace: z(base.outputs.dim())?,
            eta: Array2::from_elem((1, 1), p.eta),
            base,
            rule,
        })
    }
}

super::trace_stdp_component!(TraceSTDPDeconvSynapse);
