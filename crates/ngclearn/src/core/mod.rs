//! The simulation core: components, compartments, wires, processes and the model.

pub mod class;
pub mod component;
pub mod context;
pub mod kwargs;
mod lower;
pub mod model;
#[cfg(feature = "mpi")]
pub mod mpi_exchange;
pub mod operations;
pub mod parallel;
pub mod partition;
pub mod process;
pub mod program;
pub mod rng;
pub mod schema;
pub mod sim;
pub(crate) mod simd;
pub mod state;
pub mod suggest;
pub mod weights;
mod wire;
pub mod xla_math;
