//! Utilities shared by components: weight initialisers.

pub mod distribution_generator;
