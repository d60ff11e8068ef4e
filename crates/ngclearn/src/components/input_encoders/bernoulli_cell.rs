//! `BernoulliCell`: each input value is the probability of a spike.
//!
//! Each step, as ngclearn 3.1.1:
//! ```text
//! (key, sub) = split(key)
//! outputs = bernoulli(sub, p = inputs)        (uniform(sub) < inputs)
//! tols    = (1 - outputs) * tols + outputs * t
//! ```

use super::Encoder;
use crate::core::rng::Key;
use crate::core::component::Component;
use crate::error::Result;
use crate::{Class, Compartments, Params};

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
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.input_encoders.bernoulliCell.BernoulliCell",
    description = "Bernoulli spike encoder: fires with probability equal to the input",
    dynamics = "(key, sub) = split(key)\noutputs = uniform(sub) < inputs\ntols = (1 - outputs) * tols + outputs * t",
    head = n_units,
    keywords(advance_state = [t]),
    kwargs = ignored,
    constructor = with_params,
    split = Self::split,
)]
pub struct BernoulliCell {
    #[compartment(flatten)]
    enc: Encoder,
    p: BernoulliCellParams,
}

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

    fn probability(&self, _dt: f32) -> impl Fn(f32) -> f32 + Sync {
        |x| x
    }
}

impl Component for BernoulliCell {
    fn advance_state(&mut self, t: f32, dt: f32) {
        let p = self.probability(dt);
        self.enc.fire(t, dt, p);
    }
    fn reset(&mut self) {
        self.enc.reset();
    }
    fn changed(&mut self, index: usize) {
        self.enc.changed(index)
    }
    fn attach(&mut self, workers: &std::sync::Arc<crate::core::parallel::Workers>) {
        self.enc.attach(workers);
    }
    fn set_random_mode(&mut self, mode: crate::core::rng::RandomMode) -> bool {
        self.enc.set_random_mode(mode)
    }
    fn set_counter_base(&mut self, base: u64) {
        self.enc.set_counter_base(base);
    }
    fn nonzero(&self, index: usize) -> Option<&[u32]> {
        self.enc.nonzero(index)
    }
}

impl BernoulliCell {
    /// This rank's block (`#[class(split = ...)]`).
    fn split(&self, cols: std::ops::Range<usize>) -> Result<Box<dyn Component>> {
        self.enc.partition(self, cols)
    }
}
