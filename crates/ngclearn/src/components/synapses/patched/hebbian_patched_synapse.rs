//! `HebbianPatchedSynapse`: a patched synapse (see
//! [`crate::components::synapses::patched`]) whose weights (and biases) learn by a
//! two-factor Hebbian rule, applied by one of ngclearn's optimisers.
//!
//! `advance_state` is the patched synapse's (`outputs = (inputs · W) * resist_scale +
//! biases`, `pre_out = post_in · W^T`). `evolve` computes, as ngclearn 3.1.1's code does
//! (float32; `·` sums over the batch):
//! ```text
//! dW = (pre * pre_wght)^T · (post * post_wght)
//! db = sum_b (post * post_wght)                              (1, n_cols)
//! dW = dW * (w_bound - |W|)                                  if w_bound > 0
//! dW = dW + lmbda * reg:  l2/ridge        reg = W
//!                         l1/lasso        reg = sign(W)
//!                         l1l2/elastic_net reg = sign(W) * r + W * (1 - r) / 2
//!                                          with prior = (name, (lmbda, r))
//! dW = dW * block_mask                                       if a block mask is given
//! dWeights = dW * sign_value * (W != 0);  dBiases = db * sign_value
//! ```
//! then steps the optimiser (`optim_type`: sgd or adam) on `W` with `dWeights`, and on
//! the biases with `dBiases` when the synapse has a bias initialiser, and bounds the
//! weights: `W = clip(W, 0 or -w_bound, w_bound)` (by `is_nonnegative`) if `w_bound > 0`,
//! then `W = W * block_mask`.
//!
//! As in ngclearn 3.1.1's code:
//! - unlike `HebbianSynapse`, the prior's term is added (`+ lmbda * W`), not subtracted;
//! - a weight at zero never changes (`dWeights` is zero there), so the patches keep their
//!   shape;
//! - `is_nonnegative` only chooses the clip range, and only when `w_bound > 0`.
//!
//! Refused where ngclearn fails: a `shape` that `n_sub_models` does not divide (ngclearn
//! sizes `pre`, `post` and `dWeights` from `shape` plus the strides, unlike the weights,
//! and its `evolve` stops on the mismatch), and a prior name it does not know.

use super::{Patched, PatchedSynapseParams};
use crate::components::synapses::hebbian::HebbianPrior;
use crate::core::component::{filled, Component};
use crate::core::rng::Key;
use crate::core::schema::MethodInfo;
use crate::core::xla_math::clip;
use crate::error::{Error, Result};
use crate::utils::distribution_generator::Initializer;
use crate::utils::optim::{OptimType, Optimizer};
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`HebbianPatchedSynapse`], with ngclearn's names and defaults, in
/// its constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct HebbianPatchedSynapseParams {
    /// Number of sub-models (dense blocks) along the diagonal
    #[param(default = 1, check = count)]
    pub n_sub_models: usize,
    /// Stride (rows, columns) by which each block overlaps its neighbours
    #[param(default = (0, 0), text = "(0, 0)")]
    pub stride_shape: (usize, usize),
    /// Global learning rate
    #[param(default = 0.0, check = finite)]
    pub eta: f32,
    /// Initialiser of each block's weights
    #[param(default = None, none_means = crate::utils::distribution_generator::DistributionGenerator::fan_in_gaussian(), text = "fan_in_gaussian", skip_kwargs)]
    pub weight_init: Option<Initializer>,
    /// Initialiser of the biases b (none: no biases, and they do not learn)
    #[param(default = None, text = "none (zero biases)", skip_kwargs)]
    pub bias_init: Option<Initializer>,
    /// Mask multiplied into each update and into W after it (the weights' shape)
    #[param(default = None, text = "none", skip_kwargs)]
    pub block_mask: Option<Array2<f32>>,
    /// Soft bound of the weights (0: none)
    #[param(default = 1.0, check = finite)]
    pub w_bound: f32,
    /// Clip the weights to [0, w_bound] instead of [-w_bound, w_bound]
    #[param(default = false)]
    pub is_nonnegative: bool,
    /// Prior: [null|l1|lasso|l2|ridge, lambda] or [l1l2|elastic_net, [lambda, l1_ratio]]
    #[param(default = HebbianPrior { name: None, lmbda: vec![0.0] }, text = "(None, 0)")]
    pub prior: HebbianPrior,
    /// Factor of the final update (-1: descent)
    #[param(default = 1.0, check = finite)]
    pub sign_value: f32,
    /// Optimiser: sgd or adam
    #[param(default = String::from("sgd"), text = "sgd")]
    pub optim_type: String,
    /// Pre-synaptic weighting factor
    #[param(default = 1.0, check = finite)]
    pub pre_wght: f32,
    /// Post-synaptic weighting factor
    #[param(default = 1.0, check = finite)]
    pub post_wght: f32,
    /// Probability of a connection existing (otherwise masked to zero)
    #[param(default = 1.0, check = finite)]
    pub p_conn: f32,
    /// Resistance scaling factor applied to the output
    #[param(default = 1.0, check = finite)]
    pub resist_scale: f32,
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The prior as the rule adds it: `lmbda * reg`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Prior {
    None,
    L2(f32),
    L1(f32),
    /// `(lmbda, l1_ratio, (1 - l1_ratio) as float32)`.
    ElasticNet(f32, f32, f32),
}

/// The Hebbian patched synapse (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.patched.hebbianPatchedSynapse.HebbianPatchedSynapse",
    description = "Patched synapse learning by a two-factor Hebbian rule through an optimiser (sgd, adam)",
    dynamics = "advance_state: outputs = (inputs . W) * resist_scale + biases; pre_out = post_in . W^T\n\
               evolve: dW = ((pre * pre_wght)^T . (post * post_wght)) [* (w_bound - |W|) if w_bound > 0] + lmbda * reg(W) \
               [* block_mask]; dWeights = dW * sign_value * (W != 0); db = sum_b(post * post_wght) * sign_value; \
               (W, b) = optimiser step; W = clip(W, 0 or -w_bound, w_bound) [w_bound > 0]; W = W * block_mask",
    head = shape,
    sizes = crate::components::synapses::patched::sizes,
    extends = crate::components::synapses::patched::PatchedSynapse,
    keywords(advance_state = [], evolve = []),
    notes = "The optimiser state is saved as custom/NAME_opt_params.pkl (as HebbianSynapse's) and its step count as \
             opt_params, which is what ngclearn saves under sgd (ngclearn 3.1.1 cannot save this class under adam).",
    methods = METHODS,
    any_rows(pre, post),
)]
pub struct HebbianPatchedSynapse {
    #[compartment(flatten)]
    base: Patched,
    /// Pre-synaptic statistic of the rule (z_j)
    #[compartment(input, shape = "(batch_size, n_rows)")]
    pre: Array2<f32>,
    /// Post-synaptic statistic of the rule (z_i)
    #[compartment(input, shape = "(batch_size, n_cols)")]
    post: Array2<f32>,
    /// The last update of the weights (after sign_value)
    #[compartment(state, name = "dWeights", shape = "(n_rows, n_cols)")]
    d_weights: Array2<f32>,
    /// The last update of the biases (after sign_value)
    #[compartment(state, name = "dBiases", shape = "(1, n_cols) or (n_cols)")]
    d_biases: Array2<f32>,
    /// The optimiser's step count (ngclearn's `opt_params` under SGD; Adam's moments are
    /// saved beside it, in custom/NAME_opt_params.pkl)
    #[compartment(state, scalar, shape = "(1, 1)")]
    opt_params: Array2<f32>,
    p: HebbianPatchedSynapseParams,
    prior: Prior,
    opt: Optimizer,
    /// `post * post_wght` of one batch row (scratch, `n_cols`).
    scratch: Vec<f32>,
}

static METHODS: [MethodInfo; 3] = crate::core::schema::ADVANCE_EVOLVE_RESET;

impl HebbianPatchedSynapse {
    /// Builds a synapse given ngclearn's `shape`, which `n_sub_models` must divide.
    pub fn new(name: &str, shape: (usize, usize), p: HebbianPatchedSynapseParams) -> Result<Self> {
        let patched = PatchedSynapseParams {
            n_sub_models: p.n_sub_models,
            stride_shape: p.stride_shape,
            weight_init: p.weight_init.clone(),
            bias_init: p.bias_init.clone(),
            resist_scale: p.resist_scale,
            p_conn: p.p_conn,
            batch_size: p.batch_size,
            key: p.key,
        };
        let base = Patched::new(name, shape, &patched)?;
        let name = base.name.clone();
        p.validate(&name)?;
        let n = p.n_sub_models;
        if !shape.0.is_multiple_of(n) || !shape.1.is_multiple_of(n) {
            return Err(Error::param(
                &name,
                "n_sub_models",
                n,
                &format!(
                    "must divide both sides of shape {shape:?} (ngclearn sizes pre, post and \
                     dWeights from shape and the weights from its patches, and its evolve fails \
                     when they differ)"
                ),
            ));
        }
        let dims = base.dims();
        if let Some(m) = &p.block_mask {
            if m.dim() != dims && m.dim() != (1, 1) {
                return Err(Error::ShapeMismatch {
                    path: format!("{name}:block_mask"),
                    expected: vec![dims.0, dims.1],
                    got: m.shape().to_vec(),
                    context: " (the weights' shape, or [1, 1])".into(),
                });
            }
        }
        let kind = match p.optim_type.as_str() {
            "sgd" => OptimType::Sgd,
            "adam" => OptimType::Adam,
            other => {
                return Err(Error::param(&name, "optim_type", other, "is not one of sgd, adam"))
            }
        };
        let prior = Self::prior_of(&name, &p.prior)?;
        let b = p.batch_size;
        let z = |s| filled(&name, "shape", s, 0.0);
        let mut shapes = vec![dims];
        if p.bias_init.is_some() {
            shapes.push((1, dims.1));
        }
        Ok(HebbianPatchedSynapse {
            pre: z((b, dims.0))?,
            post: z((b, dims.1))?,
            d_weights: z(dims)?,
            d_biases: z((1, dims.1))?,
            opt_params: z((1, 1))?,
            opt: Optimizer::new(kind, p.eta, &shapes),
            scratch: vec![0.0; dims.1],
            base,
            p,
            prior,
        })
    }

    fn prior_of(name: &str, pr: &HebbianPrior) -> Result<Prior> {
        let err = |why: &str| Error::param(name, "prior", format!("{pr:?}"), why);
        let one = || match pr.lmbda.as_slice() {
            [x] => Ok(*x as f32),
            _ => Err(err("takes one number")),
        };
        match pr.name.as_deref() {
            None => Ok(Prior::None),
            Some("l2" | "ridge") => Ok(Prior::L2(one()?)),
            Some("l1" | "lasso") => Ok(Prior::L1(one()?)),
            Some("l1l2" | "elastic_net") => match pr.lmbda.as_slice() {
                [l, r] => Ok(Prior::ElasticNet(*l as f32, *r as f32, (1.0 - r) as f32)),
                _ => Err(err("takes (lmbda, l1_ratio)")),
            },
            Some(_) => Err(err(
                "is not one of None, l1, lasso, l2, ridge, l1l2, elastic_net (ngclearn adds no prior \
                 for another name, which is most likely a mistake)",
            )),
        }
    }

    /// The weights.
    pub fn weights(&self) -> &Array2<f32> {
        &self.base.weights
    }

    /// `dWeights` and `dBiases` from the current signals (ngclearn's `_calc_update` and
    /// `_compute_update`), with XLA's fused multiply-adds: the product over the batch a
    /// chain of them, and the bound's product fused with the prior's term.
    fn calc(&mut self) {
        let p = &self.p;
        let (pw, qw, wb, sign) = (p.pre_wght, p.post_wght, p.w_bound, p.sign_value);
        let n_cols = self.base.dims().1;
        let (pre, post, prior) = (&self.pre, &self.post, self.prior);
        let w = self.base.weights.as_standard_layout();
        let w = w.as_slice().expect("standard layout");
        let mask = p.block_mask.as_ref().map(|m| m.as_standard_layout());
        let mask = mask.as_ref().map(|m| m.as_slice().expect("standard layout"));
        let dw = self.d_weights.as_slice_mut().expect("standard layout");
        let q = &mut self.scratch;
        // Which product XLA fuses into the prior's sum (measured against ngclearn): the
        // prior's when it is `lmbda * W`; otherwise the first term's when that is a
        // product: `dW * (w_bound - |W|)`, or `dW` itself when the batch is one row and
        // neither weighting factor scales it (XLA then computes the dot as a product).
        let l2 = matches!(prior, Prior::L2(_));
        let single = pre.nrows() == 1 && post.nrows() == 1 && pw == 1.0 && qw == 1.0;
        crate::core::simd::with_simd(
            #[inline(always)]
            || {
                dw.fill(0.0);
                for (p_row, q_row) in pre.rows().into_iter().zip(post.rows()) {
                    for (qj, &x) in q.iter_mut().zip(q_row) {
                        *qj = x * qw;
                    }
                    for (i, &x) in p_row.iter().enumerate() {
                        let a = x * pw;
                        let row = dw[i * n_cols..(i + 1) * n_cols].iter_mut().zip(q.iter());
                        if single {
                            // A product (0 * -x is -0.0), not a sum from +0.0.
                            row.for_each(|(d, &qj)| *d = a * qj);
                        } else {
                            row.for_each(|(d, &qj)| *d = a.mul_add(qj, *d));
                        }
                    }
                }
                for (k, (d, &wij)) in dw.iter_mut().zip(w).enumerate() {
                    let sgn = if wij > 0.0 {
                        1.0
                    } else if wij < 0.0 {
                        -1.0
                    } else {
                        wij
                    };
                    let reg = match prior {
                        Prior::None => None,
                        Prior::L2(l) => Some((l, wij)),
                        Prior::L1(l) => Some((l, sgn)),
                        Prior::ElasticNet(l, r, one_minus_r) => {
                            Some((l, sgn * r + (wij * one_minus_r) / 2.0))
                        }
                    };
                    let mut v = match (wb > 0.0, reg) {
                        (true, None) => *d * (wb - wij.abs()),
                        (true, Some((a, b))) if l2 => a.mul_add(b, *d * (wb - wij.abs())),
                        (true, Some((a, b))) => d.mul_add(wb - wij.abs(), a * b),
                        (false, None) => *d,
                        (false, Some((a, b))) if single && !l2 => {
                            let (i, j) = (k / n_cols, k % n_cols);
                            pre[[0, i]].mul_add(post[[0, j]], a * b)
                        }
                        (false, Some((a, b))) => a.mul_add(b, *d),
                    };
                    if let Some(m) = mask {
                        v *= if let [m0] = m { *m0 } else { m[k] };
                    }
                    let v = v * sign;
                    // `* where(W != 0, 1, 0)`: a product (by an integer array), so -0.0 stays.
                    *d = if wij != 0.0 { v } else { v * 0.0 };
                }
                crate::components::synapses::hebbian::bias_update(post, qw, sign, &mut self.d_biases);
            },
        );
    }

    fn learn(&mut self) {
        self.calc();
        let base = &mut self.base;
        crate::components::synapses::hebbian::step_optimizer(
            &mut self.opt,
            self.p.bias_init.is_some(),
            (&mut base.weights, &mut base.biases),
            (&self.d_weights, &self.d_biases),
        );
        self.opt_params[[0, 0]] = self.opt.time_step();
        let wb = self.p.w_bound;
        if wb > 0.0 {
            let lo = if self.p.is_nonnegative { 0.0 } else { -wb };
            base.weights.mapv_inplace(|w| clip(w, lo, wb));
        }
        if let Some(m) = &self.p.block_mask {
            if m.dim() == (1, 1) {
                let m0 = m[[0, 0]];
                base.weights.mapv_inplace(|w| w * m0);
            } else {
                base.weights.zip_mut_with(m, |w, &m| *w *= m);
            }
        }
    }

}

impl Component for HebbianPatchedSynapse {
    fn changed(&mut self, index: usize) {
        // The step count written from outside (a model ngclearn saved) is the optimiser's.
        if index == Self::OPT_PARAMS {
            self.opt.set_time_step(self.opt_params[[0, 0]]);
        }
    }
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        self.base.advance();
    }
    fn evolve(&mut self, _t: f32, _dt: f32) {
        self.learn();
    }
    fn reset(&mut self) {
        // ngclearn's batched_reset: the signals and the updates; not the weights, the
        // biases or the optimiser state.
        self.base.reset();
        let b = self.p.batch_size;
        crate::core::component::zero_rows(&mut self.pre, b);
        crate::core::component::zero_rows(&mut self.post, b);
        self.d_weights.fill(0.0);
        self.d_biases.fill(0.0);
    }
    fn saves_as_scalar(&self, index: usize) -> bool {
        self.base.saves_as_scalar(index)
    }
    fn rows_ready(&self) -> Result<()> {
        crate::core::component::rows_agree(&self.base.name, &self.pre, &self.post)
    }
    fn custom_files(&self) -> Vec<(String, Vec<u8>)> {
        vec![crate::components::synapses::hebbian::opt_file(&self.base.name, &self.opt)]
    }
    fn load_custom(&mut self, dir: &std::path::Path) -> Result<()> {
        let file = dir.join(format!("{}_opt_params.pkl", self.base.name));
        if !file.exists() && self.p.optim_type == "sgd" {
            // ngclearn saves SGD's state, its step count, as `opt_params` in the npz.
            return Ok(());
        }
        let dims = self.base.dims();
        let shapes = [dims, (1, dims.1)];
        crate::components::synapses::hebbian::load_opt_file(dir, &self.base.name, &mut self.opt, &shapes)
    }
}
