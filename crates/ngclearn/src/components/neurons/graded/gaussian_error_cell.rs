//! `GaussianErrorCell`: the prediction error of a Gaussian with mean `mu` and variance
//! `Sigma` (a scalar).
//!
//! Each step, as ngclearn 3.1.1's code computes it (float32):
//! ```text
//! e        = target - mu
//! dmu      = (e / Sigma) * modulator * mask
//! dtarget  = (-(e / Sigma)) * modulator * mask
//! dSigma   = Sigma * 0 + 1              (no derivative is computed for Sigma)
//! L        = -sum(e^2) * (0.5 / Sigma)
//! mask     = mask * 0 + 1               (a mask applies to one step)
//! ```
//! `reset` zeroes `mu`, `target`, `dmu`, `dtarget`, `dSigma` and `L`, and sets
//! `modulator` and `mask` to ones; `Sigma` keeps its value. ngclearn also accepts a
//! 4-D `shape` (convolutional error maps); this class has the 2-D form only.

use super::{rest, scaled_errors};
use crate::core::component::valid_name;
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::component::Component;
use crate::error::Result;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`GaussianErrorCell`], with ngclearn's names and defaults.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct GaussianErrorCellParams {
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// Variance of the Gaussian (a scalar)
    #[param(default = 1.0, check = finite)]
    pub sigma: f32,
    /// ngclearn's 4-D shape (convolutional maps): not supported, must be None
    #[param(default = None, text = "none", skip_kwargs)]
    pub shape: Option<serde_json::Value>,
    /// JAX PRNG key (unused by the dynamics)
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The Gaussian error cell (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units)")]
#[class(
    module = "ngclearn.components.neurons.graded.gaussianErrorCell.GaussianErrorCell",
    description = "Gaussian error cell: the precision-weighted prediction error of predictive coding",
    dynamics = "e = target - mu\ndmu = (e / Sigma) * modulator * mask\ndtarget = -(e / Sigma) * modulator * mask\n\
               dSigma = 1\nL = -sum(e^2) * (0.5 / Sigma)\nmask = 1",
    head = n_units,
    keywords(advance_state = [dt]),
    notes = "The 4-D shape (convolutional maps) is refused.",
    split = columns,
)]
pub struct GaussianErrorCell {
    name: String,
    /// For a block of a population split across ranks: the sum behind `L`.
    whole: Option<super::WholeSum>,
    n_units: usize,
    p: GaussianErrorCellParams,
    /// Gaussian log-likelihood (a scalar)
    #[compartment(output, scalar, shape = "(1, 1)", name = "L", units = "nats")]
    l: Array2<f32>,
    /// Gaussian mean (the prediction)
    #[compartment(input)]
    mu: Array2<f32>,
    /// Derivative with respect to the mean
    #[compartment(output)]
    dmu: Array2<f32>,
    /// Gaussian variance
    #[compartment(state, shape = "(1, 1)", name = "Sigma")]
    sigma: Array2<f32>,
    /// Derivative with respect to the variance (ones)
    #[compartment(output, shape = "(1, 1)", name = "dSigma")]
    dsigma: Array2<f32>,
    /// Data/target variable
    #[compartment(input)]
    target: Array2<f32>,
    /// Derivative with respect to the target
    #[compartment(output)]
    dtarget: Array2<f32>,
    /// Multiplier of the derivatives
    #[compartment(input)]
    modulator: Array2<f32>,
    /// Mask of the derivatives for one step
    #[compartment(input)]
    mask: Array2<f32>,
    /// JAX PRNG key (unused by the dynamics)
    #[compartment(key)]
    key: Key,
}

impl GaussianErrorCell {
    /// Builds `n_units` error units.
    pub fn new(name: &str, n_units: usize, p: GaussianErrorCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        if p.shape.is_some() {
            return Err(crate::error::Error::param(
                &name,
                "shape",
                "given",
                "the 4-D form is not supported",
            ));
        }
        let s = (p.batch_size, n_units);
        Ok(GaussianErrorCell {
            whole: None,
            l: Array2::zeros((1, 1)),
            mu: rest(&name, s, 0.0)?,
            dmu: rest(&name, s, 0.0)?,
            sigma: Array2::from_elem((1, 1), p.sigma),
            dsigma: Array2::zeros((1, 1)),
            target: rest(&name, s, 0.0)?,
            dtarget: rest(&name, s, 0.0)?,
            modulator: rest(&name, s, 1.0)?,
            mask: rest(&name, s, 1.0)?,
            key: p.key.unwrap_or_else(Key::from_time),
            n_units,
            name,
            p,
        })
    }

    fn step(&mut self) {
        let sigma = self.sigma[[0, 0]];
        let sq = scaled_errors(
            &mut self.dmu,
            &mut self.dtarget,
            &self.mu,
            &self.target,
            &self.modulator,
            &mut self.mask,
            sigma,
            |x| x,
            |e| e * e,
            self.whole.as_mut(),
        );
        self.dsigma[[0, 0]] = sigma * 0.0 + 1.0;
        self.l[[0, 0]] = -sq * (0.5 / sigma);
    }

    fn rest(&mut self) {
        for a in [
            &mut self.mu,
            &mut self.dmu,
            &mut self.target,
            &mut self.dtarget,
            &mut self.dsigma,
            &mut self.l,
        ] {
            a.fill(0.0);
        }
        self.modulator.fill(1.0);
        self.mask.fill(1.0);
    }
}

impl Component for GaussianErrorCell {
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        self.step();
    }
    fn reset(&mut self) {
        self.rest();
    }
    fn changed(&mut self, _index: usize) {
        // Nothing is derived from the compartments.
    }
    fn saves_as_scalar(&self, index: usize) -> bool {
        index == Self::L
    }
    fn couple(&mut self, ranks: &crate::core::partition::Ranks) {
        // Each unit's error is its own; `L` sums over all of them.
        self.whole = Some(super::WholeSum::new(ranks, self.mask.nrows()));
    }
}
