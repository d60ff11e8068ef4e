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

use super::Encoder;
use crate::core::rng::Key;
use crate::core::component::Component;
use crate::error::Result;
use crate::{Class, Compartments, Params};

/// Parameters of a [`PoissonCell`], with ngclearn's names and defaults. Each field's
/// doc comment is its help description.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct PoissonCellParams {
    /// Firing rate at input 1
    #[param(default = 63.75, check = non_negative, units = "Hz", old_names = ["max_freq"])]
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
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.input_encoders.poissonCell.PoissonCell",
    description = "Poisson spike encoder: fires with probability inputs * dt * target_freq per step",
    dynamics = "(key, sub) = split(key)\np = inputs * (dt / 1000) * target_freq\noutputs = uniform(sub) < p\ntols = (1 - outputs) * tols + outputs * t",
    head = n_units,
    kwargs = ignored,
    constructor = with_params,
    split = Self::split,
)]
pub struct PoissonCell {
    #[compartment(flatten)]
    enc: Encoder,
    p: PoissonCellParams,
}

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

impl Component for PoissonCell {
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

impl PoissonCell {
    /// This rank's block (`#[class(split = ...)]`).
    fn split(&self, cols: std::ops::Range<usize>) -> Result<Box<dyn Component>> {
        self.enc.partition(self, cols)
    }
}
