//! Synapses that learn (ngclearn's `components.synapses.hebbian`).

pub(crate) mod stdp;
pub mod trace_stdp_synapse;

pub use trace_stdp_synapse::{TraceSTDPSynapse, TraceSTDPSynapseParams};
