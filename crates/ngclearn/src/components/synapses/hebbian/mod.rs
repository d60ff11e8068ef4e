//! Synapses that learn (ngclearn's `components.synapses.hebbian`).

pub mod bcm_synapse;
pub mod event_stdp_synapse;
pub mod exp_stdp_synapse;
pub mod hebbian_synapse;
pub(crate) mod stdp;
pub mod trace_stdp_synapse;

pub use bcm_synapse::{BCMSynapse, BCMSynapseParams};
pub use event_stdp_synapse::{EventSTDPSynapse, EventSTDPSynapseParams};
pub use exp_stdp_synapse::{ExpSTDPSynapse, ExpSTDPSynapseParams};
pub use hebbian_synapse::{HebbianPrior, HebbianSynapse, HebbianSynapseParams};
pub use trace_stdp_synapse::{TraceSTDPSynapse, TraceSTDPSynapseParams};
