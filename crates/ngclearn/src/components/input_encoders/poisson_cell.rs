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

use super::{encoder_component, Encoder, ENCODER_COMPARTMENTS};
use crate::core::class::ComponentClass;
use crate::core::component::non_negative;
use crate::core::rng::Key;
use crate::core::schema::{ParamInfo, Schema};
use crate::error::Result;
use crate::io::kwargs::{num, Kwargs};

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
    target_freq: f32,
}

static PARAMS: [ParamInfo; 4] = [
    ParamInfo {
        name: "n_units",
        default: None,
        units: "",
        aliases: &[],
        description: "Number of cells",
    },
    ParamInfo {
        name: "target_freq",
        default: Some("63.75"),
        units: "Hz",
        aliases: &[],
        description: "Firing rate at input 1",
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
    class: "PoissonCell",
    module_path: "ngclearn.components.input_encoders.poissonCell.PoissonCell",
    description: "Poisson spike encoder: fires with probability inputs * dt * target_freq per step",
    compartments: &ENCODER_COMPARTMENTS,
    dynamics: "(key, sub) = split(key)\np = inputs * (dt / 1000) * target_freq\noutputs = uniform(sub) < p\ntols = (1 - outputs) * tols + outputs * t",
    hyperparameters: &PARAMS,
    methods: &crate::core::schema::ADVANCE_AND_RESET,
    signature: &["name", "n_units", "target_freq", "batch_size", "key"],
};

/// The class, for the registry ([`crate::core::class::Registry`]).
pub static CLASS: ComponentClass = ComponentClass {
    schema: &SCHEMA,
    from_kwargs: |kw| Ok(Box::new(PoissonCell::from_kwargs(kw)?)),
};

impl PoissonCell {
    /// Builds `n_units` cells firing at `target_freq` Hz for input 1.
    pub fn new(
        name: &str,
        n_units: usize,
        target_freq: f32,
        batch_size: usize,
        key: Option<Key>,
    ) -> Result<Self> {
        let enc = Encoder::new(name, n_units, batch_size, key)?;
        let target_freq = non_negative(&enc.name, "target_freq", target_freq)?;
        Ok(PoissonCell { enc, target_freq })
    }

    /// The class's help metadata.
    pub fn schema() -> &'static Schema {
        &SCHEMA
    }

    /// Builds one from ngclearn's keyword arguments (see [`Kwargs`]).
    pub fn from_kwargs(kw: &mut Kwargs) -> Result<Self> {
        let name = kw.name()?;
        let n = kw.usize_or("n_units", None)?;
        let f = kw.f32_or("target_freq", Some(63.75))?;
        let b = kw.usize_or("batch_size", Some(1))?;
        let key = kw.prng_key("key")?;
        PoissonCell::new(&name, n, f, b, key)
    }

    fn kwargs_json(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = self.enc.kwargs();
        m.insert("target_freq".into(), num(self.target_freq));
        m
    }

    fn probability(&self, dt: f32) -> impl Fn(f32) -> f32 + Sync {
        let (step, f) = (dt / 1000.0, self.target_freq);
        #[inline(always)]
        move |x| x * step * f
    }

    /// Sets the input (unchecked: use `Model::set` for a checked set).
    pub fn set_inputs(&mut self, x: &ndarray::Array2<f32>) {
        self.enc.inputs.assign(x);
        self.enc.changed(0); // the fast mode reschedules from the new rates
    }
    /// Spikes of the last step.
    pub fn outputs(&self) -> &ndarray::Array2<f32> {
        &self.enc.outputs
    }
}

encoder_component!(PoissonCell);
