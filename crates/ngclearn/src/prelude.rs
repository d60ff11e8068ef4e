//! The names most models need, in one import.

pub use crate::components::classes::*;
pub use crate::core::component::{Component, Declared};
pub use crate::core::context::{CompartmentRef, Context, Method, Model, ModelId, ProcessId};
pub use crate::core::operations::{Product, Source, Summation};
pub use crate::core::rng::Key;
pub use crate::core::schema::Schema;
pub use crate::error::{Error, Result};
pub use crate::utils::distribution_generator::{
    DistributionGenerator, DistributionParams, Initializer, KeepMask,
};
