//! Components that are neither cells nor synapses (ngclearn's `components.other`).

crate::components::family!($ other);
