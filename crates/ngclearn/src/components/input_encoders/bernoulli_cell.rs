//! `BernoulliCell`: each input value is the probability of a spike.
//!
//! Each step, as ngclearn 3.1.1:
//! ```text
//! (key, sub) = split(key)
//! outputs = bernoulli(sub, p = inputs)        (uniform(sub) < inputs)
//! tols    = (1 - outputs) * tols + outputs * t
//! ```

use super::{encoder_component, Encoder, ENCODER_COMPARTMENTS};
use crate::core::class::ComponentClass;
use crate::core::rng::Key;
use crate::core::schema::{ParamInfo, Schema};
use crate::error::Result;
use crate::io::kwargs::Kwargs;

/// Bernoulli spike encoder (see the module documentation).
#[derive(Debug, Clone)]
pub struct BernoulliCell {
    enc: Encoder,
}

static PARAMS: [ParamInfo; 3] = [
    ParamInfo {
        name: "n_units",
        default: None,
        units: "",
        aliases: &[],
        description: "Number of cells",
    },
    ParamInfo {
        name: "batch_size",
        default: Some("1"),
        units: "",
        aliases: &[],
        description: "Rows of the batch dimension",
    },
    ParamInfo {
        name: "key",
        default: Some("from the clock"),
        units: "",
        aliases: &[],
        description: "JAX PRNG key",
    },
];

static SCHEMA: Schema = Schema {
    class: "BernoulliCell",
    module_path: "ngclearn.components.input_encoders.bernoulliCell.BernoulliCell",
    description: "Bernoulli spike encoder: fires with probability equal to the input",
    compartments: &ENCODER_COMPARTMENTS,
    dynamics: "(key, sub) = split(key)\noutputs = uniform(sub) < inputs\ntols = (1 - outputs) * tols + outputs * t",
    hyperparameters: &PARAMS,
    methods: &crate::core::schema::ADVANCE_AND_RESET,
    signature: &["name", "n_units", "batch_size", "key"],
};

/// The class, for the registry ([`crate::core::class::Registry`]).
pub static CLASS: ComponentClass = ComponentClass {
    schema: &SCHEMA,
    from_kwargs: |kw| Ok(Box::new(BernoulliCell::from_kwargs(kw)?)),
};

impl BernoulliCell {
    /// Builds `n_units` cells.
    pub fn new(name: &str, n_units: usize, batch_size: usize, key: Option<Key>) -> Result<Self> {
        Ok(BernoulliCell {
            enc: Encoder::new(name, n_units, batch_size, key)?,
        })
    }

    /// The class's help metadata.
    pub fn schema() -> &'static Schema {
        &SCHEMA
    }

    /// Builds one from ngclearn's keyword arguments (see [`Kwargs`]).
    pub fn from_kwargs(kw: &mut Kwargs) -> Result<Self> {
        let name = kw.name()?;
        let n = kw.usize_or("n_units", None)?;
        let b = kw.usize_or("batch_size", Some(1))?;
        let key = kw.prng_key("key")?;
        BernoulliCell::new(&name, n, b, key)
    }

    fn kwargs_json(&self) -> serde_json::Map<String, serde_json::Value> {
        self.enc.kwargs()
    }

    fn probability(&self, _dt: f32) -> impl Fn(f32) -> f32 + Sync {
        |x| x
    }
}

encoder_component!(BernoulliCell);
