//! Synapses: a dense base and the dynamic (conductance) synapses built on it.

crate::components::family!($ synapses);
pub mod competitive;
pub mod convolution;
pub mod hebbian;
pub mod modulated;
pub mod patched;

pub(crate) mod axon_delays;
pub mod background;
mod conductance;
