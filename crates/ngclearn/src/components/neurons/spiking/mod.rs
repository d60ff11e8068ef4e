//! Spiking cells.

pub mod lif_cell;

pub use lif_cell::{LIFCell, LIFCellParams};
