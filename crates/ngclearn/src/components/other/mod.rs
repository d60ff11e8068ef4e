//! Components that are neither cells nor synapses (ngclearn's `components.other`).

pub mod var_trace;

pub use var_trace::VarTrace;
