//! Components that are neither cells nor synapses (ngclearn's `components.other`).

pub mod exp_kernel;
pub mod var_trace;

pub use exp_kernel::{ExpKernel, ExpKernelParams};
pub use var_trace::VarTrace;
