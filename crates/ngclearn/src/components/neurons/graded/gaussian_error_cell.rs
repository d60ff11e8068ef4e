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
//! `modulator` and `mask` to ones; `Sigma` keeps its value. With `shape = (h, w, c)` the
//! compartments are 4-D error maps `(batch_size, h, w, c)`, as ngclearn's, and `L` their
//! sum over all (stored as rows of `h w c` cells; the same elementwise numbers).

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
    /// Map shape (h, w, c) of a 4-D layer (batch_size, h, w, c), for convolutional
    /// maps; None: (batch_size, n_units)
    #[param(default = None, text = "None (batch_size, n_units)", omit_default)]
    pub shape: Option<(usize, usize, usize)>,
    /// JAX PRNG key (unused by the dynamics)
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The Gaussian error cell (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units) or (batch_size, map_h, map_w, map_c)")]
#[class(
    module = "ngclearn.components.neurons.graded.gaussianErrorCell.GaussianErrorCell",
    description = "Gaussian error cell: the precision-weighted prediction error of predictive coding",
    dynamics = "e = target - mu\ndmu = (e / Sigma) * modulator * mask\ndtarget = -(e / Sigma) * modulator * mask\n\
               dSigma = 1\nL = -sum(e^2) * (0.5 / Sigma)\nmask = 1",
    head = n_units,
    keywords(advance_state = [dt]),
    notes = "With shape = (h, w, c) the compartments are 4-D maps (batch_size, h, w, c), L their sum over all.",
    sizes = super::map_sizes,
    split = Self::split,
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
        let s = (p.batch_size, super::map_width(&name, n_units, p.shape)?);
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
            true,
            self.p.shape.is_some(),
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

impl GaussianErrorCell {
    /// This rank's block (`#[class(split = ...)]`): by its arguments, but not over maps.
    fn split(
        &self,
        cols: std::ops::Range<usize>,
    ) -> Result<Box<dyn crate::core::component::Component>> {
        super::maps_do_not_split(&self.name, self.p.shape)?;
        crate::core::partition::partition_by_kwargs(self, cols)
    }
}

impl Component for GaussianErrorCell {
    fn own_dims(&self, index: usize) -> Option<Vec<usize>> {
        super::map_dims(self, self.p.shape, index)
    }
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
