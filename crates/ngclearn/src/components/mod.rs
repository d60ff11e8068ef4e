//! Components, grouped by family as in ngclearn.

pub mod input_encoders;
pub mod neurons;
pub mod other;
pub mod synapses;

pub use input_encoders::{BernoulliCell, LatencyCell, PoissonCell};
pub use neurons::graded::LeakyNoiseCell;
pub use neurons::spiking::{
    AdExCell, FitzhughNagumoCell, IFCell, IzhikevichCell, LIFCell, QuadLIFCell, SLIFCell, WTASCell,
};
pub use other::{ExpKernel, VarTrace};
pub use synapses::{
    AlphaSynapse, DenseSynapse, DoubleExpSynapse, ExponentialSynapse, StaticSynapse,
    TraceSTDPSynapse,
};

use crate::core::class::ComponentClass;

/// Every class of this crate, in family order (what
/// [`Registry::builtin`](crate::core::class::Registry::builtin) holds).
pub static CLASSES: [&ComponentClass; 31] = [
    &synapses::dense_synapse::CLASS,
    &synapses::static_synapse::CLASS,
    &synapses::stp_dense_synapse::CLASS,
    &synapses::hebbian::trace_stdp_synapse::CLASS,
    &synapses::hebbian::exp_stdp_synapse::CLASS,
    &synapses::hebbian::hebbian_synapse::CLASS,
    &synapses::hebbian::bcm_synapse::CLASS,
    &synapses::hebbian::event_stdp_synapse::CLASS,
    &synapses::modulated::mstdpet_synapse::CLASS,
    &synapses::alpha_synapse::CLASS,
    &synapses::exponential_synapse::CLASS,
    &synapses::double_exp_synapse::CLASS,
    &neurons::spiking::lif_cell::CLASS,
    &neurons::spiking::slif_cell::CLASS,
    &neurons::spiking::if_cell::CLASS,
    &neurons::spiking::quad_lif_cell::CLASS,
    &neurons::spiking::adex_cell::CLASS,
    &neurons::spiking::izhikevich_cell::CLASS,
    &neurons::spiking::fitzhugh_nagumo_cell::CLASS,
    &neurons::spiking::wtas_cell::CLASS,
    &neurons::graded::rate_cell::CLASS,
    &neurons::graded::gaussian_error_cell::CLASS,
    &neurons::graded::laplacian_error_cell::CLASS,
    &neurons::graded::bernoulli_error_cell::CLASS,
    &neurons::graded::reward_error_cell::CLASS,
    &neurons::graded::leaky_noise_cell::CLASS,
    &input_encoders::poisson_cell::CLASS,
    &input_encoders::bernoulli_cell::CLASS,
    &input_encoders::latency_cell::CLASS,
    &other::var_trace::CLASS,
    &other::exp_kernel::CLASS,
];
