//! Synapses that learn by competition between their units (ngclearn's
//! `components.synapses.competitive`).

crate::components::family!($ synapses::competitive);
