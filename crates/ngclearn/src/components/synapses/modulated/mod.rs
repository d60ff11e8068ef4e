//! Synapses whose learning is modulated by a third factor (ngclearn's
//! `components.synapses.modulated`).

pub mod mstdpet_synapse;

pub use mstdpet_synapse::{MSTDPETSynapse, MSTDPETSynapseParams};
