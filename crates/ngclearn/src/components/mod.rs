//! Components, grouped by family as in ngclearn.

pub mod input_encoders;
pub mod neurons;
pub mod synapses;

pub use input_encoders::{BernoulliCell, PoissonCell};
pub use neurons::spiking::LIFCell;
pub use synapses::{AlphaSynapse, DenseSynapse, DoubleExpSynapse, ExponentialSynapse};

use crate::core::schema::Schema;

/// The help metadata of every component class, in family order.
pub fn schemas() -> [&'static Schema; 7] {
    [
        DenseSynapse::schema(),
        AlphaSynapse::schema(),
        ExponentialSynapse::schema(),
        DoubleExpSynapse::schema(),
        LIFCell::schema(),
        PoissonCell::schema(),
        BernoulliCell::schema(),
    ]
}

/// The help metadata of the class named `class` (its short name, e.g. `AlphaSynapse`,
/// or ngclearn's module path).
pub fn schema_of(class: &str) -> Option<&'static Schema> {
    schemas()
        .into_iter()
        .find(|s| s.class == class || s.module_path == class)
}

/// Builds a component of class `schema` from ngclearn's constructor arguments.
pub fn from_kwargs(
    schema: &Schema,
    kw: &mut crate::io::kwargs::Kwargs,
) -> crate::Result<Box<dyn crate::core::component::Component>> {
    Ok(match schema.class {
        "DenseSynapse" => Box::new(DenseSynapse::from_kwargs(kw)?),
        "AlphaSynapse" => Box::new(AlphaSynapse::from_kwargs(kw)?),
        "ExponentialSynapse" => Box::new(ExponentialSynapse::from_kwargs(kw)?),
        "DoubleExpSynapse" => Box::new(DoubleExpSynapse::from_kwargs(kw)?),
        "LIFCell" => Box::new(LIFCell::from_kwargs(kw)?),
        "PoissonCell" => Box::new(PoissonCell::from_kwargs(kw)?),
        "BernoulliCell" => Box::new(BernoulliCell::from_kwargs(kw)?),
        other => unreachable!("schemas() lists {other} but from_kwargs does not"),
    })
}
