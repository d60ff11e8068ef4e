//! The simulation core: components, compartments, wires, processes and the model.

pub mod component;
pub mod context;
pub mod operations;
pub mod rng;
pub mod schema;
