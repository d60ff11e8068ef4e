//! `LaplacianErrorCell`: the prediction error of a Laplacian with shift `shift` and
//! scale `Scale` (a scalar).
//!
//! Each step, as ngclearn 3.1.1's code computes it (float32):
//! ```text
//! e        = sign(target - shift)
//! dshift   = (e / Scale) * modulator * mask
//! dtarget  = (-(e / Scale)) * modulator * mask
//! dScale   = Scale * 0 + 1              (no derivative is computed for Scale)
//! L        = -sum(|e|) * (1 / Scale)
//! mask     = mask * 0 + 1               (a mask applies to one step)
//! ```
//! `reset` zeroes `shift`, `target`, `dshift`, `dtarget`, `dScale` and `L`, and sets
//! `modulator` and `mask` to ones; `Scale` keeps its value. With `shape = (h,
//! w, c)` the compartments are 4-D error maps `(batch_size, h, w, c)`, as ngclearn's.

use super::{rest, scaled_errors};
use crate::core::component::valid_name;
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::component::Component;
use crate::error::Result;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`LaplacianErrorCell`], with ngclearn's names and defaults.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct LaplacianErrorCellParams {
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// Scale of the Laplacian (a scalar)
    #[param(default = 1.0, check = finite)]
    pub scale: f32,
    /// Map shape (h, w, c) of a 4-D layer (batch_size, h, w, c), for convolutional
    /// maps; None: (batch_size, n_units)
    #[param(default = None, text = "None (batch_size, n_units)", omit_default)]
    pub shape: Option<(usize, usize, usize)>,
    /// JAX PRNG key (unused by the dynamics)
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The Laplacian error cell (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units) or (batch_size, map_h, map_w, map_c)")]
#[class(
    module = "ngclearn.components.neurons.graded.laplacianErrorCell.LaplacianErrorCell",
    description = "Laplacian error cell: the scale-weighted sign of the prediction error",
    dynamics = "e = sign(target - shift)\ndshift = (e / Scale) * modulator * mask\ndtarget = -(e / Scale) * modulator * mask\n\
               dScale = 1\nL = -sum(|e|) * (1 / Scale)\nmask = 1",
    head = n_units,
    keywords(advance_state = [dt]),
    notes = "With shape = (h, w, c) the compartments are 4-D maps (batch_size, h, w, c), L their sum over all.",
    sizes = super::map_sizes,
    split = Self::split,
)]
pub struct LaplacianErrorCell {
    name: String,
    /// For a block of a population split across ranks: the sum behind `L`.
    whole: Option<super::WholeSum>,
    n_units: usize,
    p: LaplacianErrorCellParams,
    /// Laplacian log-likelihood (a scalar)
    #[compartment(output, scalar, shape = "(1, 1)", name = "L", units = "nats")]
    l: Array2<f32>,
    /// Laplacian shift (the prediction)
    #[compartment(input)]
    shift: Array2<f32>,
    /// Laplacian scale
    #[compartment(state, shape = "(1, 1)", name = "Scale")]
    scale: Array2<f32>,
    /// Derivative with respect to the shift
    #[compartment(output)]
    dshift: Array2<f32>,
    /// Derivative with respect to the scale (ones)
    #[compartment(output, shape = "(1, 1)", name = "dScale")]
    dscale: Array2<f32>,
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

impl LaplacianErrorCell {
    /// Builds `n_units` error units.
    pub fn new(name: &str, n_units: usize, p: LaplacianErrorCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        let s = (p.batch_size, super::map_width(&name, n_units, p.shape)?);
        Ok(LaplacianErrorCell {
            whole: None,
            l: Array2::zeros((1, 1)),
            shift: rest(&name, s, 0.0)?,
            dshift: rest(&name, s, 0.0)?,
            scale: Array2::from_elem((1, 1), p.scale),
            dscale: Array2::zeros((1, 1)),
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
        let scale = self.scale[[0, 0]];
        // jnp.sign: -1, 0 or 1 (NaN stays NaN).
        let sign = |x: f32| {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                x * 0.0
            }
        };
        let sum = scaled_errors(
            &mut self.dshift,
            &mut self.dtarget,
            &self.shift,
            &self.target,
            &self.modulator,
            &mut self.mask,
            scale,
            sign,
            f32::abs,
            false,
            self.p.shape.is_some(),
            self.whole.as_mut(),
        );
        self.dscale[[0, 0]] = scale * 0.0 + 1.0;
        self.l[[0, 0]] = -sum * (1.0 / scale);
    }

    fn rest(&mut self) {
        for a in [
            &mut self.shift,
            &mut self.dshift,
            &mut self.target,
            &mut self.dtarget,
            &mut self.dscale,
            &mut self.l,
        ] {
            a.fill(0.0);
        }
        self.modulator.fill(1.0);
        self.mask.fill(1.0);
    }
}

impl LaplacianErrorCell {
    /// This rank's block (`#[class(split = ...)]`): by its arguments, but not over maps.
    fn split(
        &self,
        cols: std::ops::Range<usize>,
    ) -> Result<Box<dyn crate::core::component::Component>> {
        super::maps_do_not_split(&self.name, self.p.shape)?;
        crate::core::partition::partition_by_kwargs(self, cols)
    }
}

impl Component for LaplacianErrorCell {
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
