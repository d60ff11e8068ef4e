//! Utilities shared by components: weight initialisers, vector-instruction dispatch,
//! and a counting allocator for the no-allocation tests.

pub mod alloc_counter;
pub mod distribution_generator;
pub mod optim;
pub(crate) mod simd;
