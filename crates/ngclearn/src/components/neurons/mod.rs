//! Neuronal cells.

pub mod spiking;
