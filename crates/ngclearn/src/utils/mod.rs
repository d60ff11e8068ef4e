//! Utilities shared by components: weight initialisers, vector-instruction dispatch.

pub mod distribution_generator;
pub(crate) mod simd;
