//! Synapses that learn (ngclearn's `components.synapses.hebbian`).

pub mod exp_stdp_synapse;
pub mod hebbian_synapse;
pub(crate) mod stdp;
pub mod trace_stdp_synapse;

pub use exp_stdp_synapse::{ExpSTDPSynapse, ExpSTDPSynapseParams};
pub use hebbian_synapse::{HebbianPrior, HebbianSynapse, HebbianSynapseParams};
pub use trace_stdp_synapse::{TraceSTDPSynapse, TraceSTDPSynapseParams};
