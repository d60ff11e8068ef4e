//! Utilities shared by components: weight initialisers, vector-instruction dispatch,
//! a counting allocator for the no-allocation tests, and "did you mean ...?".

pub mod alloc_counter;
pub mod connection;
pub mod diffeq;
pub mod distribution_generator;
pub mod model_utils;
pub mod optim;
