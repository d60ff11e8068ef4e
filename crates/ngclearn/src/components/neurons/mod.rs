//! Neuronal cells.

pub mod graded;
pub mod spiking;
