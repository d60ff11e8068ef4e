//! `BernoulliCell`: each input value is the probability of a spike.
//!
//! Each step, as ngclearn 3.1.1:
//! ```text
//! (key, sub) = split(key)
//! outputs = bernoulli(sub, p = inputs)        (uniform(sub) < inputs)
//! tols    = (1 - outputs) * tols + outputs * t
//! ```

use super::{encoder_component, Encoder, N_UNITS};
use crate::core::class::ComponentClass;
use crate::core::rng::Key;
use crate::core::schema::{join_names, join_params, ParamInfo, Schema};
use crate::error::Result;
use crate::io::kwargs::Kwargs;
use crate::Params;

/// Parameters of a [`BernoulliCell`], with ngclearn's names and defaults. Each field's
/// doc comment is its help description.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct BernoulliCellParams {
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs)]
    pub key: Option<Key>,
}

/// Bernoulli spike encoder (see the module documentation).
#[derive(Debug, Clone)]
pub struct BernoulliCell {
    enc: Encoder,
    p: BernoulliCellParams,
}

/// The help table: `n_units`, then the declared parameters.
static PARAMS: [ParamInfo; BernoulliCellParams::PARAMS.len() + 1] =
    join_params(&[&[N_UNITS], &BernoulliCellParams::PARAMS]);

/// ngclearn's positional parameters: `name`, `n_units`, then the declared ones.
static SIGNATURE: [&str; 2 + BernoulliCellParams::POSITIONAL.len()] = join_names(
    &[&["name", "n_units"], &BernoulliCellParams::POSITIONAL],
    &[],
);

static SCHEMA: Schema = Schema {
    class: "BernoulliCell",
    module_path: "ngclearn.components.input_encoders.bernoulliCell.BernoulliCell",
    description: "Bernoulli spike encoder: fires with probability equal to the input",
    compartments: &Encoder::COMPARTMENTS,
    dynamics: "(key, sub) = split(key)\noutputs = uniform(sub) < inputs\ntols = (1 - outputs) * tols + outputs * t",
    hyperparameters: &PARAMS,
    methods: &crate::core::schema::ADVANCE_AND_RESET,
    signature: &SIGNATURE,
};

/// The class, for the registry ([`crate::core::class::Registry`]).
pub static CLASS: ComponentClass = ComponentClass {
    schema: &SCHEMA,
    from_kwargs: |kw| Ok(Box::new(BernoulliCell::from_kwargs(kw)?)),
};

impl BernoulliCell {
    /// Builds `n_units` cells (ngclearn's positional arguments; see
    /// [`BernoulliCellParams`]).
    pub fn new(name: &str, n_units: usize, batch_size: usize, key: Option<Key>) -> Result<Self> {
        BernoulliCell::with_params(name, n_units, BernoulliCellParams { batch_size, key })
    }

    /// Builds `n_units` cells with the parameters `p`.
    pub fn with_params(name: &str, n_units: usize, p: BernoulliCellParams) -> Result<Self> {
        let enc = Encoder::new(name, n_units, p.batch_size, p.key, |name| p.validate(name))?;
        Ok(BernoulliCell { enc, p })
    }

    /// The class's help metadata.
    pub fn schema() -> &'static Schema {
        &SCHEMA
    }

    /// Builds one from ngclearn's keyword arguments (see [`Kwargs`]).
    pub fn from_kwargs(kw: &mut Kwargs) -> Result<Self> {
        let name = kw.name()?;
        let n = kw.usize_or("n_units", None)?;
        let p = BernoulliCellParams::from_kwargs(kw)?;
        BernoulliCell::with_params(&name, n, p)
    }

    /// The parameters it was built with.
    pub fn params(&self) -> &BernoulliCellParams {
        &self.p
    }

    fn probability(&self, _dt: f32) -> impl Fn(f32) -> f32 + Sync {
        |x| x
    }
}

encoder_component!(BernoulliCell);
