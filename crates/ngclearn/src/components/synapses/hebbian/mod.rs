//! Synapses that learn (ngclearn's `components.synapses.hebbian`).

crate::components::family!($ synapses::hebbian);
pub(crate) mod stdp;
