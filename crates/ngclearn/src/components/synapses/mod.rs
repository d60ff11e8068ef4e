//! Synapses: a dense base and the dynamic (conductance) synapses built on it.

pub mod alpha_synapse;
pub mod dense_synapse;
pub mod double_exp_synapse;
pub mod exponential_synapse;
pub mod hebbian;
pub mod modulated;
pub mod static_synapse;
pub mod stp_dense_synapse;

pub use alpha_synapse::{AlphaSynapse, AlphaSynapseParams};
pub use dense_synapse::{DenseParams, DenseSynapse};
pub use double_exp_synapse::{DoubleExpSynapse, DoubleExpSynapseParams};
pub use exponential_synapse::{ExponentialSynapse, ExponentialSynapseParams};
pub use hebbian::{
    ExpSTDPSynapse, ExpSTDPSynapseParams, HebbianSynapse, HebbianSynapseParams, TraceSTDPSynapse,
    TraceSTDPSynapseParams,
};
pub use static_synapse::StaticSynapse;
mod conductance;
