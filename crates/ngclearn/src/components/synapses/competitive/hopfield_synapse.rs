//! `HopfieldSynapse`: a modern Hopfield network's memory matrix as a synaptic cable, with
//! two local rules that adapt the stored memories.
//!
//! As ngclearn 3.1.1 (`ngclearn.components.synapses.competitive.hopfieldSynapse`, not
//! exported from `ngclearn.components`), with the probe `x = inputs` of `B` rows and the
//! `(n_pre, n_post)` memory `W` (one memory per column):
//! ```text
//! advance_state:
//!   sims = x . W;  sims = sims - max_n(sims)                      (similarities)
//!   s = softmax(sims * beta)                                      (memory_weights)
//!   x_hat = s . W^T                                               (outputs)
//!   m = max_n(beta sims);  lse = m + log(sum_n exp(beta sims - m))
//!   energy = mean_b(-(1 / beta) lse + 0.5 (x . x_hat^T)_bb
//!                   + (1 / beta) log(n_post) + 0.5 max_d(||W_d||^2))
//!   i_tick += 1
//! evolve (update_rule "delta"):       dW = (x - x_hat)^T . s
//!        (update_rule "contrastive"): h = x_hat . W;  s_hat = softmax(h - max_n(h) beta)
//!                                     dW = x^T . s - x_hat^T . s_hat
//!   dWeights = dW (1 / B);  W = W + dWeights eta - W reg_lambda
//! ```
//! (`s_hat`'s argument is ngclearn's `h - max(h) * beta`, as its code reads.) `reset`
//! zeroes the signals, the similarities, the energy and `dWeights` (not `i_tick`).
//! `initial_patterns` of `n_post` columns are the memory; fewer columns are placed among
//! the drawn memories by ngclearn's key permutation, which is not reproduced: refused.
//! Before its first `advance_state`, ngclearn's `similarities` and `memory_weights` are
//! `(batch_size, n_pre)` zeros; here they are `(batch_size, n_post)` from the start.

use crate::components::synapses::dense_synapse::{default_weight_init, Dense, DenseParams};
use crate::core::component::{filled, ClassBase, Component, Head};
use crate::core::rng::Key;
use crate::core::xla_math::{
    dot_chain_xla, exp_xla, fused_sum_xla, ln_xla, maximum, row_sum_of_squares_xla, row_sum_xla,
};
use crate::error::{Error, Result};
use crate::utils::distribution_generator::Initializer;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`HopfieldSynapse`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct HopfieldSynapseParams {
    /// Learning rate of the memory updates
    #[param(check = finite)]
    pub eta: f32,
    /// Weight decay of the memory updates
    #[param(default = 0.0, check = finite)]
    pub reg_lambda: f32,
    /// Inverse temperature of the memories' softmax
    #[param(default = 8.0, check = positive_divisor)]
    pub beta: f32,
    /// Patterns stored as the memory, (n_pre, n_post)
    #[param(default = None, text = "none", skip_kwargs)]
    pub initial_patterns: Option<Array2<f32>>,
    /// Memory rule: delta or contrastive
    #[param(default = String::from("delta"), text = "delta")]
    pub update_rule: String,
    /// Initialiser of the memory W
    #[param(default = None, none_means = default_weight_init(), text = "uniform(0.025, 0.8)", skip_kwargs)]
    pub weight_init: Option<Initializer>,
    /// Resistance scaling factor (kept, as ngclearn keeps it; unused by its methods)
    #[param(default = 1.0, check = finite)]
    pub resist_scale: f32,
    /// Probability of a connection existing (otherwise masked to zero)
    #[param(default = 1.0, check = finite)]
    pub p_conn: f32,
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// What ngclearn's HopfieldSynapse keeps of DenseSynapse: its probe and retrieved probe
/// (both `n_pre` wide), the memory, the unit mask and zero biases, and its key.
#[derive(Debug, Clone, Compartments)]
pub(crate) struct Memory {
    name: String,
    shape: (usize, usize),
    /// Input probe
    #[compartment(input, shape = "(batch_size, n_pre)")]
    inputs: Array2<f32>,
    /// Retrieved memory (the updated probe)
    #[compartment(output, shape = "(batch_size, n_pre)")]
    outputs: Array2<f32>,
    /// Memory matrix, one memory per column
    #[compartment(state, shape = "(n_pre, n_post)")]
    weights: Array2<f32>,
    /// DenseSynapse's mask (unused)
    #[compartment(state, shape = "(1, 1)")]
    mask: Array2<f32>,
    /// DenseSynapse's biases (the scalar 0; unused)
    #[compartment(state, scalar, shape = "(1, 1)")]
    biases: Array2<f32>,
    /// JAX PRNG key
    #[compartment(key)]
    key: Key,
}

impl ClassBase for Memory {
    fn name(&self) -> &str {
        &self.name
    }
    fn key(&self) -> Key {
        self.key
    }
    fn set_key(&mut self, key: Key) {
        self.key = key;
    }
    fn head(&self) -> Head {
        Head::Shape(self.shape.0, self.shape.1)
    }
}

/// The modern Hopfield memory (see the module documentation).
///
/// ```
/// use ngclearn::components::synapses::competitive::{HopfieldSynapse, HopfieldSynapseParams};
/// use ngclearn::prelude::*;
/// let mut p = HopfieldSynapseParams::new(0.1);
/// p.initial_patterns = Some(ndarray::array![[1.0f32, -1.0], [1.0, 1.0], [-1.0, 1.0]]);
/// let mut ctx = Context::new("mhn");
/// ctx.add(HopfieldSynapse::new("M", (3, 2), p)?)?;
/// ctx.process("recall", &[("M", Method::AdvanceState)])?;
/// let mut m = ctx.build()?;
/// m.set("M:inputs", &ndarray::array![[0.9f32, 1.1, -0.8]])?;
/// m.run_named("recall", 0.0, 1.0)?;
/// // The probe is closest to the first memory, which the retrieval returns.
/// let x_hat = m.get("M:outputs")?;
/// assert!((x_hat[[0, 0]] - 1.0).abs() < 1e-3 && (x_hat[[0, 2]] + 1.0).abs() < 1e-3);
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.competitive.hopfieldSynapse.HopfieldSynapse",
    description = "Modern Hopfield memory: softmax retrieval over stored patterns, adapted by a delta or contrastive Hebbian rule",
    dynamics = "advance_state: sims = x . W - max; s = softmax(beta sims); outputs = s . W^T; \
               energy = mean_b(-(1/beta) lse(beta sims) + 0.5 x . outputs + (1/beta) log(n_post) + 0.5 max_d ||W_d||^2)\n\
               evolve: dW = (x - outputs)^T . s (delta) or x^T . s - outputs^T . s_hat (contrastive); \
               dWeights = dW / B; W = W + dWeights eta - W reg_lambda",
    head = shape,
    extends = crate::components::synapses::dense_synapse::DenseSynapse,
    fixed(bias_init = None::<Initializer>),
    keywords(advance_state = [], evolve = [t, dt], reset = []),
    methods = crate::core::schema::ADVANCE_EVOLVE_RESET,
    notes = "Not exported from ngclearn.components in 3.1.1 (its module path is \
             ngclearn.components.synapses.competitive.hopfieldSynapse). initial_patterns with fewer \
             than n_post columns (which ngclearn places by a key permutation) are refused. Before \
             the first advance_state ngclearn's similarities and memory_weights are (batch_size, n_pre) \
             zeros; here (batch_size, n_post).",
)]
pub struct HopfieldSynapse {
    #[compartment(flatten)]
    base: Memory,
    /// Similarities of the probe to each memory, less their maximum
    #[compartment(state, shape = "(batch_size, n_post)")]
    similarities: Array2<f32>,
    /// Softmax of the similarities (the memories' weights)
    #[compartment(state, shape = "(batch_size, n_post)")]
    memory_weights: Array2<f32>,
    /// Energy of the probe (batch mean)
    #[compartment(output, shape = "(1, 1)")]
    energy: Array2<f32>,
    /// Number of advance_state calls
    #[compartment(state, shape = "(1, 1)")]
    i_tick: Array2<f32>,
    /// The last change of the memory (before eta)
    #[compartment(state, name = "dWeights", shape = "(n_pre, n_post)")]
    d_weights: Array2<f32>,
    p: HopfieldSynapseParams,
    contrastive: bool,
    /// Scratch: per row (`batch`) the softmax's maximum and sum and the energy; the
    /// scaled similarities or the contrastive rule's `x_hat . W`, and its softmax
    /// (`(batch, n_post)`).
    maxes: Vec<f32>,
    sums: Vec<f32>,
    per_row: Vec<f32>,
    h: Array2<f32>,
    s_hat: Array2<f32>,
}

impl HopfieldSynapse {
    /// Builds a memory of `n_post` patterns of `n_pre` values.
    pub fn new(name: &str, shape: (usize, usize), p: HopfieldSynapseParams) -> Result<Self> {
        let name = crate::core::component::valid_name(name)?;
        p.validate(&name)?;
        // ngclearn: any name but "contrastive" is its default, the delta rule.
        let contrastive = p.update_rule == "contrastive";
        let dense = Dense::new(
            &name,
            shape,
            &DenseParams::drawn(p.weight_init.clone(), p.resist_scale, p.p_conn, p.batch_size, p.key),
        )?;
        let mut weights = (*dense.weights).clone();
        if let Some(pat) = &p.initial_patterns {
            if pat.nrows() != shape.0 || pat.ncols() != shape.1 {
                return Err(Error::param(
                    &name,
                    "initial_patterns",
                    format!("{:?}", pat.shape()),
                    &format!(
                        "must be ({}, {}): n_pre values by n_post patterns (fewer patterns, which \
                         ngclearn places among drawn memories by a key permutation, are not supported)",
                        shape.0, shape.1
                    ),
                ));
            }
            weights.assign(pat);
        }
        let (b, n_post) = (p.batch_size, shape.1);
        let z = |s| filled(&name, "shape", s, 0.0);
        Ok(HopfieldSynapse {
            similarities: z((b, n_post))?,
            memory_weights: z((b, n_post))?,
            energy: z((1, 1))?,
            i_tick: z((1, 1))?,
            d_weights: weights.mapv(|w| w * 0.0),
            maxes: vec![0.0; b],
            sums: vec![0.0; b],
            per_row: vec![0.0; b],
            h: z((b, n_post))?,
            s_hat: z((b, n_post))?,
            base: Memory {
                inputs: z((b, shape.0))?,
                outputs: z((b, shape.0))?,
                weights,
                mask: filled(&name, "shape", (1, 1), 1.0)?,
                biases: z((1, 1))?,
                key: dense.key,
                name: name.clone(),
                shape,
            },
            contrastive,
            p,
        })
    }

    /// `out[b, n] = sum_k a[b, k] * m(k, n)`, XLA's dot: a chain of fused multiply-adds
    /// from +0 (one product where the contraction has one term: XLA makes such a dot
    /// elementwise).
    fn dot(a: &Array2<f32>, m: impl Fn(usize, usize) -> f32, out: &mut Array2<f32>) {
        for (arow, mut orow) in a.rows().into_iter().zip(out.rows_mut()) {
            for (n, o) in orow.iter_mut().enumerate() {
                *o = dot_chain_xla(arow.len(), |k| arow[k], |k| m(k, n));
            }
        }
    }

    /// ngclearn's `softmax` of each row of `x` into `out`, as XLA compiles it:
    /// `e = exp(x - max)`, then `e * (1 / sum(e))` (a division by a broadcast sum
    /// becomes a product by its reciprocal). Returns nothing; each row's sum is left in
    /// `sums`.
    fn softmax(x: &Array2<f32>, out: &mut Array2<f32>, maxes: &mut [f32], sums: &mut [f32]) {
        for (b, (xr, mut or)) in x.rows().into_iter().zip(out.rows_mut()).enumerate() {
            let m = xr.iter().fold(f32::NEG_INFINITY, |a, &v| maximum(a, v));
            for (o, &v) in or.iter_mut().zip(xr) {
                *o = exp_xla(v - m);
            }
            let sum = row_sum_xla(or.as_slice().expect("standard layout"));
            let inv = 1.0 / sum;
            or.mapv_inplace(|e| e * inv);
            maxes[b] = m;
            sums[b] = sum;
        }
    }
}

impl Component for HopfieldSynapse {
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        let beta = self.p.beta;
        let w = &self.base.weights;
        Self::dot(&self.base.inputs, |d, n| w[[d, n]], &mut self.similarities);
        for mut r in self.similarities.rows_mut() {
            let m = r.iter().fold(f32::NEG_INFINITY, |a, &v| maximum(a, v));
            r.mapv_inplace(|v| v - m);
        }
        self.h.zip_mut_with(&self.similarities, |h, &v| *h = v * beta);
        Self::softmax(&self.h, &mut self.memory_weights, &mut self.maxes, &mut self.sums);
        Self::dot(&self.memory_weights, |n, d| w[[d, n]], &mut self.base.outputs);
        // The energy: -(1 / beta) (max + log(sum)) + 0.5 (x . x_hat)_bb + C, with
        // C = (1 / beta) log(n_post) + 0.5 max_d (sqrt(sum_n W_dn^2))^2.
        let mut max_sq = f32::NEG_INFINITY;
        for wr in w.rows() {
            let norm = row_sum_of_squares_xla(wr.as_slice().expect("standard layout")).sqrt();
            max_sq = maximum(max_sq, norm * norm);
        }
        let inv_beta = (1.0f64 / beta as f64) as f32;
        let c = inv_beta * ln_xla(self.base.shape.1 as f32) + 0.5 * max_sq;
        let neg_inv_beta = (-(1.0f64 / beta as f64)) as f32;
        let (x, x_hat) = (&self.base.inputs, &self.base.outputs);
        for b in 0..self.per_row.len() {
            let lse = self.maxes[b] + ln_xla(self.sums[b]);
            let xx = dot_chain_xla(x.ncols(), |d| x[[b, d]], |d| x_hat[[b, d]]);
            self.per_row[b] = lse.mul_add(neg_inv_beta, xx * 0.5) + c;
        }
        let rows = self.per_row.len() as f32;
        self.energy[[0, 0]] = fused_sum_xla(&self.per_row) * (1.0 / rows);
        self.i_tick[[0, 0]] += 1.0;
    }

    fn evolve(&mut self, _t: f32, _dt: f32) {
        let (n_pre, n_post) = self.base.shape;
        let rows = self.base.inputs.nrows();
        let (x, x_hat, s) = (&self.base.inputs, &self.base.outputs, &self.memory_weights);
        if self.contrastive {
            let w = &self.base.weights;
            Self::dot(x_hat, |d, n| w[[d, n]], &mut self.h);
            let beta = self.p.beta;
            for mut r in self.h.rows_mut() {
                let m = r.iter().fold(f32::NEG_INFINITY, |a, &v| maximum(a, v));
                r.mapv_inplace(|v| v - m * beta);
            }
            Self::softmax(&self.h, &mut self.s_hat, &mut self.maxes, &mut self.sums);
        }
        let inv_b = (1.0f64 / rows as f64) as f32;
        let (eta, reg) = (self.p.eta, self.p.reg_lambda);
        for d in 0..n_pre {
            for n in 0..n_post {
                let dw = if self.contrastive {
                    let s_hat = &self.s_hat;
                    let pos = dot_chain_xla(rows, |b| x[[b, d]], |b| s[[b, n]]);
                    let neg = dot_chain_xla(rows, |b| x_hat[[b, d]], |b| s_hat[[b, n]]);
                    pos + -neg
                } else {
                    dot_chain_xla(rows, |b| x[[b, d]] - x_hat[[b, d]], |b| s[[b, n]])
                };
                let dw = dw * inv_b;
                // One row's products: XLA makes the two outer products elementwise and
                // fuses the first with the second's negation in the fusion that writes
                // dWeights (the update's keeps both rounded). For some shapes ((4, 6),
                // (4, 8) measured) its vectorised loop keeps them rounded in some
                // columns: not reproduced.
                self.d_weights[[d, n]] = if self.contrastive && rows == 1 {
                    x[[0, d]].mul_add(s[[0, n]], -(x_hat[[0, d]] * self.s_hat[[0, n]])) * inv_b
                } else {
                    dw
                };
                let w = self.base.weights[[d, n]];
                // W + dW eta - W reg_lambda - sign(W) l1_lambda (l1_lambda = 0).
                let stepped = (-w).mul_add(reg, dw.mul_add(eta, w));
                self.base.weights[[d, n]] = stepped - w.signum() * 0.0;
            }
        }
    }

    fn reset(&mut self) {
        for a in [
            &mut self.base.inputs,
            &mut self.base.outputs,
            &mut self.similarities,
            &mut self.memory_weights,
            &mut self.energy,
            &mut self.d_weights,
        ] {
            a.fill(0.0);
        }
    }

    fn changed(&mut self, _index: usize) {}
}
