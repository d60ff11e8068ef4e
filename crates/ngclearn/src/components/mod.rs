//! Components, grouped by family as in ngclearn.

pub mod input_encoders;
pub mod neurons;
pub mod synapses;

pub use input_encoders::{BernoulliCell, PoissonCell};
pub use neurons::spiking::LIFCell;
pub use synapses::{AlphaSynapse, DenseSynapse, DoubleExpSynapse, ExponentialSynapse};

use crate::core::class::{ComponentClass, Registry};
use crate::core::schema::Schema;

/// Every class of this crate, in family order (what [`Registry::builtin`] holds).
pub static CLASSES: [&ComponentClass; 7] = [
    &synapses::dense_synapse::CLASS,
    &synapses::alpha_synapse::CLASS,
    &synapses::exponential_synapse::CLASS,
    &synapses::double_exp_synapse::CLASS,
    &neurons::spiking::lif_cell::CLASS,
    &input_encoders::poisson_cell::CLASS,
    &input_encoders::bernoulli_cell::CLASS,
];

/// The help metadata of every built-in class, in family order.
pub fn schemas() -> impl Iterator<Item = &'static Schema> {
    Registry::builtin().classes().map(|c| c.schema)
}

/// The help metadata of the built-in class named `class` (its short name, e.g.
/// `AlphaSynapse`, or ngclearn's module path).
pub fn schema_of(class: &str) -> Option<&'static Schema> {
    Registry::builtin().get(class).map(|c| c.schema)
}
