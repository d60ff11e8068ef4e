//! Ready-made circuits.

pub mod ei_alpha;
