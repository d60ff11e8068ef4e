//! `PoissonCell`: spikes with probability proportional to the input, at up to
//! `target_freq` Hz.
//!
//! Each step of `dt` (ms), as ngclearn 3.1.1:
//! ```text
//! (key, sub) = split(key)
//! p       = inputs * (dt / 1000) * target_freq
//! outputs = uniform(sub, shape) < p
//! tols    = (1 - outputs) * tols + outputs * t
//! ```
//! With `inputs = 1` each cell fires as a Bernoulli process of rate `target_freq`.

use super::{encoder_component, Encoder, N_UNITS};
use crate::core::class::ComponentClass;
use crate::core::rng::Key;
use crate::core::schema::{join_names, join_params, ParamInfo, Schema};
use crate::error::Result;
use crate::io::kwargs::Kwargs;
use crate::Params;

/// Parameters of a [`PoissonCell`], with ngclearn's names and defaults. Each field's
/// doc comment is its help description.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct PoissonCellParams {
    /// Firing rate at input 1
    #[param(default = 63.75, check = non_negative, units = "Hz")]
    pub target_freq: f32,
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs)]
    pub key: Option<Key>,
}

/// Poisson spike encoder (see the module documentation).
///
/// ```
/// use ngclearn::prelude::*;
/// let mut c = PoissonCell::new("pe", 4, 1000.0, 1, Some(Key::from_seed(1)))?;
/// c.set_inputs(&ndarray::Array2::ones((1, 4)));
/// c.advance_state(1.0, 1.0); // p = 1: every cell fires
/// assert_eq!(c.outputs().sum(), 4.0);
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct PoissonCell {
    enc: Encoder,
    p: PoissonCellParams,
}

/// The help table: `n_units`, then the declared parameters.
static PARAMS: [ParamInfo; PoissonCellParams::PARAMS.len() + 1] =
    join_params(&[&[N_UNITS], &PoissonCellParams::PARAMS]);

/// ngclearn's positional parameters: `name`, `n_units`, then the declared ones.
static SIGNATURE: [&str; 2 + PoissonCellParams::POSITIONAL.len()] =
    join_names(&[&["name", "n_units"], &PoissonCellParams::POSITIONAL], &[]);

static SCHEMA: Schema = Schema {
    class: "PoissonCell",
    module_path: "ngclearn.components.input_encoders.poissonCell.PoissonCell",
    description: "Poisson spike encoder: fires with probability inputs * dt * target_freq per step",
    compartments: &Encoder::COMPARTMENTS,
    dynamics: "(key, sub) = split(key)\np = inputs * (dt / 1000) * target_freq\noutputs = uniform(sub) < p\ntols = (1 - outputs) * tols + outputs * t",
    hyperparameters: &PARAMS,
    methods: &crate::core::schema::ADVANCE_AND_RESET,
    signature: &SIGNATURE,
};

/// The class, for the registry ([`crate::core::class::Registry`]).
pub static CLASS: ComponentClass = ComponentClass {
    schema: &SCHEMA,
    from_kwargs: |kw| Ok(Box::new(PoissonCell::from_kwargs(kw)?)),
};

impl PoissonCell {
    /// Builds `n_units` cells (ngclearn's positional arguments; see
    /// [`PoissonCellParams`]).
    pub fn new(
        name: &str,
        n_units: usize,
        target_freq: f32,
        batch_size: usize,
        key: Option<Key>,
    ) -> Result<Self> {
        let p = PoissonCellParams {
            target_freq,
            batch_size,
            key,
        };
        PoissonCell::with_params(name, n_units, p)
    }

    /// Builds `n_units` cells with the parameters `p`.
    pub fn with_params(name: &str, n_units: usize, p: PoissonCellParams) -> Result<Self> {
        let enc = Encoder::new(name, n_units, p.batch_size, p.key, |name| p.validate(name))?;
        Ok(PoissonCell { enc, p })
    }

    /// The class's help metadata.
    pub fn schema() -> &'static Schema {
        &SCHEMA
    }

    /// Builds one from ngclearn's keyword arguments (see [`Kwargs`]).
    pub fn from_kwargs(kw: &mut Kwargs) -> Result<Self> {
        let name = kw.name()?;
        let n = kw.usize_or("n_units", None)?;
        let p = PoissonCellParams::from_kwargs(kw)?;
        PoissonCell::with_params(&name, n, p)
    }

    /// The parameters it was built with.
    pub fn params(&self) -> &PoissonCellParams {
        &self.p
    }

    fn probability(&self, dt: f32) -> impl Fn(f32) -> f32 + Sync {
        let (step, f) = (dt / 1000.0, self.p.target_freq);
        #[inline(always)]
        move |x| x * step * f
    }

    /// Sets the input (unchecked: use `Model::set` for a checked set).
    pub fn set_inputs(&mut self, x: &ndarray::Array2<f32>) {
        self.enc.inputs.assign(x);
        self.enc.changed(Encoder::INPUTS); // the fast mode reschedules from the new rates
    }
    /// Spikes of the last step.
    pub fn outputs(&self) -> &ndarray::Array2<f32> {
        &self.enc.outputs
    }
}

encoder_component!(PoissonCell);
