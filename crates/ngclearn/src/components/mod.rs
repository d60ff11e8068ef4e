//! Components, grouped by family as in ngclearn.

pub mod input_encoders;
pub mod neurons;
pub mod synapses;

pub use input_encoders::{BernoulliCell, PoissonCell};
pub use neurons::spiking::LIFCell;
pub use synapses::{AlphaSynapse, DenseSynapse, DoubleExpSynapse, ExponentialSynapse};
