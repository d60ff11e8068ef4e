//! `BernoulliErrorCell`: the error of a Bernoulli prediction `p` (a probability, or a
//! logit when `input_logits`) of binary `target`s.
//!
//! Each step, as ngclearn 3.1.1's code computes it (float32; `s(x) = 1 / (1 + exp(-x))`):
//! ```text
//! q        = clip(s(p) if input_logits else p, 0.0001, 0.9999)
//! L        = sum(ln(q) * target + ln(1 - q) * (1 - target))
//! dL_dp    = target - q                                          (input_logits)
//!          = (target / q - (1 - target) / (1 - q)) * s(p) * (1 - s(p))   (otherwise)
//! dp       = dL_dp * modulator * mask
//! dtarget  = (ln(q) - ln(1 - q)) * modulator * mask
//! mask     = mask * 0 + 1
//! ```
//! (The second form multiplies by the sigmoid's derivative at the raw `p` even when `p`
//! is a probability: that is ngclearn's code, followed here.) `reset` zeroes `p`,
//! `target`, `dp`, `dtarget` and `L`, and sets `modulator` and `mask` to ones.

use super::{rest};
use crate::core::component::valid_name;
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::xla_math::{exp_xla, ln_xla};
use crate::core::component::Component;
use crate::error::Result;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`BernoulliErrorCell`], with ngclearn's names and defaults.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct BernoulliErrorCellParams {
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// Whether p holds logits (turned into probabilities by a sigmoid)
    #[param(default = false)]
    pub input_logits: bool,
    /// Map shape (h, w, c) of a 4-D layer (batch_size, h, w, c), for convolutional
    /// maps; None: (batch_size, n_units)
    #[param(default = None, text = "None (batch_size, n_units)", omit_default)]
    pub shape: Option<(usize, usize, usize)>,
    /// JAX PRNG key (unused by the dynamics)
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The Bernoulli error cell (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units) or (batch_size, map_h, map_w, map_c)")]
#[class(
    module = "ngclearn.components.neurons.graded.bernoulliErrorCell.BernoulliErrorCell",
    description = "Bernoulli error cell: the log-likelihood error of binary targets",
    dynamics = "q = clip(sigmoid(p) [input_logits] | p, 0.0001, 0.9999)\nL = sum(ln(q) * target + ln(1 - q) * (1 - target))\n\
               dp = (target - q [input_logits] | (target / q - (1 - target) / (1 - q)) * sigmoid'(p)) * modulator * mask\n\
               dtarget = (ln(q) - ln(1 - q)) * modulator * mask\nmask = 1",
    head = n_units,
    keywords(advance_state = [dt]),
    notes = "With shape = (h, w, c) the compartments are 4-D maps (batch_size, h, w, c), L their sum over all.",
    sizes = super::map_sizes,
    params = params,
    split = Self::split,
)]
pub struct BernoulliErrorCell {
    name: String,
    /// For a block of a population split across ranks: the sum behind `L`.
    whole: Option<super::WholeSum>,
    /// The step's likelihood terms, row-major (made once, for XLA's order of their sum).
    terms: Vec<f32>,
    n_units: usize,
    params: BernoulliErrorCellParams,
    /// Bernoulli log-likelihood (a scalar)
    #[compartment(output, scalar, shape = "(1, 1)", name = "L", units = "nats")]
    l: Array2<f32>,
    /// Bernoulli parameter (probability or logit)
    #[compartment(input)]
    p: Array2<f32>,
    /// Derivative with respect to p
    #[compartment(output)]
    dp: Array2<f32>,
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

impl BernoulliErrorCell {
    /// Builds `n_units` error units.
    pub fn new(name: &str, n_units: usize, p: BernoulliErrorCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        let s = (p.batch_size, super::map_width(&name, n_units, p.shape)?);
        Ok(BernoulliErrorCell {
            whole: None,
            terms: Vec::with_capacity(s.0.saturating_mul(s.1)),
            l: Array2::zeros((1, 1)),
            p: rest(&name, s, 0.0)?,
            dp: rest(&name, s, 0.0)?,
            target: rest(&name, s, 0.0)?,
            dtarget: rest(&name, s, 0.0)?,
            modulator: rest(&name, s, 1.0)?,
            mask: rest(&name, s, 1.0)?,
            key: p.key.unwrap_or_else(Key::from_time),
            n_units,
            name,
            params: p,
        })
    }

    fn step(&mut self) {
        let logits = self.params.input_logits;
        let sig = |x: f32| 1.0 / (1.0 + exp_xla(-x));
        let (eps, hi) = (0.0001f32, 0.9999f32);
        let clip = |q0: f32| {
            // jnp.clip: NaN stays NaN.
            if q0 < eps {
                eps
            } else if q0 > hi {
                hi
            } else {
                q0
            }
        };
        // XLA fuses the first product into the sum.
        let term_of = |log_q: f32, log_one_min_q: f32, x: f32| log_q.mul_add(x, log_one_min_q * (1.0 - x));
        self.terms.clear();
        for ((((dp, dt), &p), &x), (&md, mk)) in self
            .dp
            .iter_mut()
            .zip(self.dtarget.iter_mut())
            .zip(&self.p)
            .zip(&self.target)
            .zip(self.modulator.iter().zip(self.mask.iter_mut()))
        {
            let q = clip(if logits { sig(p) } else { p });
            let (one_min_q, one_min_x) = (1.0 - q, 1.0 - x);
            let (log_q, log_one_min_q) = (ln_xla(q), ln_xla(one_min_q));
            let term = term_of(log_q, log_one_min_q, x);
            self.terms.push(term);
            if let Some(w) = self.whole.as_mut() {
                w.terms.push(term);
            }
            let dl_dp = if logits {
                x - q
            } else {
                let s = sig(p);
                (x / q - one_min_x / one_min_q) * (s * (1.0 - s))
            };
            *dp = dl_dp * md * *mk;
            *dt = (log_q - log_one_min_q) * md * *mk;
            *mk = *mk * 0.0 + 1.0;
        }
        // (A block of a split population sums over all the cells.)
        let (rows, cols) = self.p.dim();
        let terms = &self.terms;
        let term = |r: usize, c: usize| terms[r * cols + c];
        self.l[[0, 0]] = match self.whole.as_mut() {
            Some(w) => w.sum(),
            // Over 4-D maps in order; else XLA's order for the array (its tree past 32).
            None if self.params.shape.is_some() => crate::core::xla_math::chain_sum_xla(rows, cols, term, false),
            None => crate::core::xla_math::array_sum_xla(rows, cols, term, false),
        };
    }

    fn rest(&mut self) {
        for a in [
            &mut self.p,
            &mut self.dp,
            &mut self.target,
            &mut self.dtarget,
            &mut self.l,
        ] {
            a.fill(0.0);
        }
        self.modulator.fill(1.0);
        self.mask.fill(1.0);
    }
}

impl BernoulliErrorCell {
    /// This rank's block (`#[class(split = ...)]`): by its arguments, but not over maps.
    fn split(
        &self,
        cols: std::ops::Range<usize>,
    ) -> Result<Box<dyn crate::core::component::Component>> {
        super::maps_do_not_split(&self.name, self.params.shape)?;
        crate::core::partition::partition_by_kwargs(self, cols)
    }
}

impl Component for BernoulliErrorCell {
    fn own_dims(&self, index: usize) -> Option<Vec<usize>> {
        super::map_dims(self, self.params.shape, index)
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
