//! Synapses whose learning is modulated by a third factor (ngclearn's
//! `components.synapses.modulated`).

crate::components::family!($ synapses::modulated);
