//! `HebbianSynapse`: a dense synapse whose weights (and biases) learn by a two-factor
//! Hebbian rule, applied by one of ngclearn's optimisers.
//!
//! `advance_state` is the dense synapse's:
//! `outputs = (inputs · (W * mask)) * resist_scale + biases`. `calc_update` and
//! `evolve` compute, as ngclearn 3.1.1's code does (float32; `·` sums over the batch):
//! ```text
//! dW = (pre * pre_wght)^T · (post * post_wght)
//! db = sum_b (post * post_wght)                              (1, n_post)
//! dW = dW * (w_bound - |W|)                                  if w_bound > 0
//! dW = dW + reg:  l2/ridge/gaussian  reg = -W * lmbda
//!                 l1/lasso/laplacian reg = -sign(W) * lmbda
//!                 l1l2/elastic_net   reg = (-sign(W) * r - (W * (1 - r)) / 2) * scale
//!                                        with prior = (name, (scale, r))
//! dWeights = dW * sign_value;  dBiases = db * sign_value
//! ```
//! `evolve` then steps the optimiser (`optim_type`: sgd, adam or nag, see
//! [`crate::utils::optim`]) on `W` with `dWeights`, and on the biases with `dBiases`
//! when the synapse has a bias initialiser, and bounds the weights:
//! `W = clip(W, 0 or -w_bound, w_bound)` (by `is_nonnegative`) if `w_bound > 0`, then
//! `W = W * mask`. `w_decay > 0` (deprecated in ngclearn) means `prior = ("l2", w_decay)`.
//!
//! As in ngclearn 3.1.1's code:
//! - `is_nonnegative` only chooses the clip range, and only when `w_bound > 0`.
//! - ngclearn does not save initialisers, so a loaded synapse has no bias initialiser
//!   and its biases no longer learn (its saved optimiser state keeps their moments).
//! - The optimiser state is saved as `custom/NAME_opt_params.pkl`, a pickle that
//!   ngclearn reads, and read back from it (see [`crate::io::pickle`]).
//! - Prior names are matched as ngclearn does (`gaussian` and `laplacian` in any case,
//!   the others exactly); a name ngclearn would ignore silently is an error here, apart
//!   from `constant` (and null), which means no prior.

use crate::components::synapses::dense_synapse::{Dense, DenseParams};
use crate::core::component::filled;
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::schema::MethodInfo;
use crate::core::xla_math::clip;
use crate::core::component::Component;
use crate::error::{Error, Result};
use crate::core::kwargs::{KwargValue, Kwargs};
use crate::utils::distribution_generator::Initializer;
use crate::utils::optim::{OptimType, Optimizer};
use crate::{Class, Compartments, Params};
use ndarray::Array2;
use serde_json::Value;

/// ngclearn's `prior`: a name and its lambda, a number or (for the elastic net)
/// `(scale, l1_ratio)`. The numbers are kept as given (double precision): ngclearn
/// computes `1 - l1_ratio` in Python before it reaches float32.
#[derive(Debug, Clone, PartialEq)]
pub struct HebbianPrior {
    /// The name as given (`None`: null).
    pub name: Option<String>,
    /// The lambda: one number, or two for `l1l2` / `elastic_net`.
    pub lmbda: Vec<f64>,
}

impl HebbianPrior {
    /// `("constant", 0)`: no prior.
    pub fn none() -> HebbianPrior {
        HebbianPrior {
            name: Some("constant".into()),
            lmbda: vec![0.0],
        }
    }
}

impl KwargValue for HebbianPrior {
    const KIND: &'static str = "tuple[str | None, float | list[float]]";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        let bad = || {
            kw.type_error(
                key,
                format!("expected [name, lambda] or [\"l1l2\", [scale, l1_ratio]], got {value}"),
            )
        };
        let (name, l) = match value.as_array().map(Vec::as_slice) {
            Some([name, l]) => (name, l),
            // ngclearn unpacks the pair: a sequence of another length is a ValueError
            // there.
            Some(items) => {
                return Err(kw.error(
                    key,
                    format!("expected [name, lambda], got {} values", items.len()),
                ))
            }
            None => return Err(bad()),
        };
        let name = match name {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            _ => return Err(bad()),
        };
        let num = |v: &Value| v.as_f64().filter(|x| (*x as f32).is_finite());
        let lmbda = match l {
            Value::Array(xs) => xs.iter().map(num).collect::<Option<Vec<f64>>>(),
            v => num(v).map(|x| vec![x]),
        }
        .ok_or_else(bad)?;
        Ok(HebbianPrior { name, lmbda })
    }
    fn to_kwarg(&self) -> Value {
        let name = self.name.clone().map_or(Value::Null, Value::String);
        let l = match self.lmbda.as_slice() {
            [x] => serde_json::json!(x),
            xs => serde_json::json!(xs),
        };
        Value::Array(vec![name, l])
    }
}

/// Parameters of a [`HebbianSynapse`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct HebbianSynapseParams {
    /// Global learning rate
    #[param(default = 0.0, check = finite)]
    pub eta: f32,
    /// Initialiser of the weights W
    #[param(default = None, none_means = crate::components::synapses::dense_synapse::default_weight_init(), text = "uniform(0.025, 0.8)", skip_kwargs)]
    pub weight_init: Option<Initializer>,
    /// Initialiser of the biases b (none: no biases, and they do not learn)
    #[param(default = None, text = "none (zero biases)", skip_kwargs)]
    pub bias_init: Option<Initializer>,
    /// Soft bound of the weights (0: none)
    #[param(default = 1.0, check = finite)]
    pub w_bound: f32,
    /// Clip the weights to [0, w_bound] instead of [-w_bound, w_bound]
    #[param(default = false)]
    pub is_nonnegative: bool,
    /// Prior: [constant|l1|lasso|laplacian|l2|ridge|gaussian, lambda] or [l1l2|elastic_net, [scale, l1_ratio]]
    #[param(default = HebbianPrior::none(), text = "(\"constant\", 0)")]
    pub prior: HebbianPrior,
    /// Deprecated: > 0 means prior = ("l2", w_decay)
    #[param(default = 0.0, check = finite, omit_default, deprecated = "prior")]
    pub w_decay: f32,
    /// Factor of the final update (-1: descent)
    #[param(default = 1.0, check = finite)]
    pub sign_value: f32,
    /// Optimiser: sgd, adam or nag
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
    /// The dense base's mask (multiplied into W in the product and after each update)
    #[param(default = None, text = "ones (1, 1)", skip_kwargs, keyword_only)]
    pub mask: Option<Array2<f32>>,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The prior as the rule applies it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Prior {
    None,
    L2(f32),
    L1(f32),
    /// `(scale, l1_ratio, (1 - l1_ratio) as float32)`.
    ElasticNet(f32, f32, f32),
}

/// The Hebbian synapse (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.hebbian.hebbianSynapse.HebbianSynapse",
    description = "Dense synapse learning by a two-factor Hebbian rule through an optimiser (sgd, adam, nag)",
    dynamics = "advance_state: outputs = (inputs . (W * mask)) * resist_scale + biases\n\
               calc_update: dW = ((pre * pre_wght)^T . (post * post_wght)) [* (w_bound - |W|) if w_bound > 0] + reg(W); \
               db = sum_b(post * post_wght); dWeights = dW * sign_value; dBiases = db * sign_value\n\
               evolve: calc_update, then (W, b) = optimiser step with (dWeights, dBiases); \
               W = clip(W, 0 or -w_bound, w_bound) [w_bound > 0]; W = W * mask",
    head = shape,
    extends = crate::components::synapses::dense_synapse::DenseSynapse,
    keywords(advance_state = [], evolve = [dt]),
    notes = "The optimiser state is saved as custom/NAME_opt_params.pkl, as ngclearn saves it.",
    methods = METHODS,
)]
pub struct HebbianSynapse {
    #[compartment(flatten)]
    base: Dense,
    /// Pre-synaptic statistic of the rule (z_j)
    #[compartment(input, shape = "(batch_size, n_pre)")]
    pre: Array2<f32>,
    /// Post-synaptic statistic of the rule (z_i)
    #[compartment(input, shape = "(batch_size, n_post)")]
    post: Array2<f32>,
    /// The last update of the weights (after sign_value)
    #[compartment(state, name = "dWeights", shape = "(n_pre, n_post)")]
    d_weights: Array2<f32>,
    /// The last update of the biases (after sign_value)
    #[compartment(state, name = "dBiases", shape = "(1, n_post) or (n_post)")]
    d_biases: Array2<f32>,
    p: HebbianSynapseParams,
    prior: Prior,
    opt: Optimizer,
    /// `post * post_wght` of one batch row (scratch, `n_post`).
    scratch: Vec<f32>,
}

static METHODS: [MethodInfo; 4] = [
    crate::core::schema::ADVANCE_EVOLVE_RESET[0],
    MethodInfo {
        name: "calc_update",
        reads_inputs: true,
        keywords: &[],
        description: "Computes dWeights and dBiases without changing the weights",
    },
    crate::core::schema::ADVANCE_EVOLVE_RESET[1],
    crate::core::schema::ADVANCE_EVOLVE_RESET[2],
];

impl HebbianSynapse {
    /// Builds a synapse of shape `(n_pre, n_post)`.
    ///
    /// ```
    /// use ngclearn::prelude::*;
    /// use ngclearn::components::synapses::hebbian::hebbian_synapse::{HebbianSynapse, HebbianSynapseParams};
    /// let mut p = HebbianSynapseParams::new();
    /// p.eta = 0.1;
    /// p.w_bound = 0.0;
    /// p.weight_init = Some(DistributionGenerator::constant(0.0));
    /// let mut w = HebbianSynapse::new("W", (1, 1), p)?;
    /// let mut m = Context::new("c");
    /// m.add(w)?;
    /// m.process("learn", &[("W", Method::Evolve)])?;
    /// let mut m = m.build()?;
    /// m.set("W:pre", &ndarray::array![[2.0]])?;
    /// m.set("W:post", &ndarray::array![[3.0]])?;
    /// m.run_named("learn", 0.0, 1.0)?;
    /// // SGD descends: W = 0 - (2 * 3) * 0.1
    /// assert_eq!(m.get("W:weights")?, ndarray::array![[-0.6f32]]);
    /// # Ok::<(), ngclearn::Error>(())
    /// ```
    pub fn new(name: &str, shape: (usize, usize), p: HebbianSynapseParams) -> Result<Self> {
        let dense = DenseParams {
            weight_init: p.weight_init.clone(),
            bias_init: p.bias_init.clone(),
            resist_scale: p.resist_scale,
            p_conn: p.p_conn,
            mask: p.mask.clone(),
            batch_size: p.batch_size,
            key: p.key,
            columns: None,
            storage: String::from("dense"),
            connect: None,
            background: None,
            max_delay_steps: 0,
        };
        let base = Dense::new(name, shape, &dense)?;
        let name = base.name.clone();
        p.validate(&name)?;
        count(&name, "batch_size", p.batch_size)?;
        let kind = OptimType::parse(&p.optim_type).ok_or_else(|| {
            Error::param(
                &name,
                "optim_type",
                &p.optim_type,
                "is not one of sgd, adam, nag",
            )
        })?;
        let prior = Self::prior_of(&name, &p)?;
        let (n_pre, n_post) = shape;
        let b = p.batch_size;
        let z = |s| filled(&name, "shape", s, 0.0);
        let opt = Optimizer::new(kind, p.eta, &Self::opt_shapes(shape, p.bias_init.is_some()));
        Ok(HebbianSynapse {
            pre: z((b, n_pre))?,
            post: z((b, n_post))?,
            d_weights: z((n_pre, n_post))?,
            d_biases: z((1, n_post))?,
            base,
            p,
            prior,
            opt,
            scratch: vec![0.0; n_post],
        })
    }

    fn opt_shapes(shape: (usize, usize), biases: bool) -> Vec<(usize, usize)> {
        let mut s = vec![shape];
        if biases {
            s.push((1, shape.1));
        }
        s
    }

    fn prior_of(name: &str, p: &HebbianSynapseParams) -> Result<Prior> {
        if p.w_decay > 0.0 {
            return Ok(Prior::L2(p.w_decay));
        }
        let pr = &p.prior;
        let given = pr.name.as_deref().unwrap_or("constant");
        let err = |why: &str| Error::param(name, "prior", format!("{pr:?}"), why);
        let one = || match pr.lmbda.as_slice() {
            [x] => Ok(*x as f32),
            _ => Err(err("takes one number")),
        };
        let lower = given.to_lowercase();
        match given {
            _ if lower == "gaussian" => Ok(Prior::L2(one()?)),
            _ if lower == "laplacian" => Ok(Prior::L1(one()?)),
            "l2" | "ridge" => Ok(Prior::L2(one()?)),
            "l1" | "lasso" => Ok(Prior::L1(one()?)),
            "l1l2" | "elastic_net" => match pr.lmbda.as_slice() {
                [scale, r] => Ok(Prior::ElasticNet(*scale as f32, *r as f32, (1.0 - r) as f32)),
                _ => Err(err("takes (scale, l1_ratio)")),
            },
            "constant" => Ok(Prior::None),
            _ => Err(err(
                "is not one of constant, l1, lasso, laplacian, l2, ridge, gaussian, l1l2, elastic_net",
            )),
        }
    }

    /// The weights.
    pub fn weights(&self) -> &Array2<f32> {
        &self.base.weights
    }

    /// The optimiser and its state.
    pub fn optimizer(&self) -> &Optimizer {
        &self.opt
    }

    /// `dWeights` and `dBiases` from the current signals (ngclearn's `_calc_update`).
    ///
    /// XLA fuses multiply-adds here, and so does this: the product over the batch is a
    /// chain of fused multiply-adds (as XLA's dot), and the prior's term is added to
    /// the bounded product by one more (`fma(dW, w_bound - |W|, reg)`, or
    /// `fma(reg_a, reg_b, dW)` without the bound, `reg = reg_a * reg_b`). With one batch
    /// row the product is a plain multiply (a -0 stays -0), and without a bound it is the
    /// product that is fused: `fma(pre * pre_wght, post * post_wght, reg)`.
    fn calc(&mut self) {
        let p = &self.p;
        let (pw, qw, wb, sign) = (p.pre_wght, p.post_wght, p.w_bound, p.sign_value);
        let n_post = self.base.shape.1;
        let (pre, post, prior) = (&self.pre, &self.post, self.prior);
        let w = self.base.weights.as_standard_layout();
        let w = w.as_slice().expect("standard layout");
        let dw = self.d_weights.as_slice_mut().expect("standard layout");
        let q = &mut self.scratch;
        // Over slices, so that the fused multiply-adds inline into the vector build.
        crate::core::simd::with_simd(
            #[inline(always)]
            || {
                // One batch row: XLA's product is a plain multiply (a -0 stays -0), fused
                // into the prior's sum when there is one and no bound.
                let one_row = pre.nrows() == 1;
                let factors = |k: usize| (pre[[0, k / n_post]] * pw, post[[0, k % n_post]] * qw);
                if one_row {
                    for (qj, &x) in q.iter_mut().zip(post.row(0)) {
                        *qj = x * qw;
                    }
                    for (dw_row, &x) in dw.chunks_exact_mut(n_post).zip(pre.row(0)) {
                        let a = x * pw;
                        for (d, &qj) in dw_row.iter_mut().zip(q.iter()) {
                            *d = a * qj;
                        }
                    }
                } else {
                    dw.fill(0.0);
                    // Row i of the product, one batch row b at a time: the same chain of
                    // fused multiply-adds over b for every entry.
                    for (p_row, q_row) in pre.rows().into_iter().zip(post.rows()) {
                        for (qj, &x) in q.iter_mut().zip(q_row) {
                            *qj = x * qw;
                        }
                        for (i, &x) in p_row.iter().enumerate() {
                            let a = x * pw;
                            for (d, &qj) in dw[i * n_post..(i + 1) * n_post].iter_mut().zip(q.iter()) {
                                *d = a.mul_add(qj, *d);
                            }
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
                        Prior::L2(l) => Some((-wij, l)),
                        Prior::L1(l) => Some((-sgn, l)),
                        Prior::ElasticNet(scale, r, one_minus_r) => {
                            Some((-sgn * r - (wij * one_minus_r) / 2.0, scale))
                        }
                    };
                    let v = match (wb > 0.0, reg) {
                        (true, None) => *d * (wb - wij.abs()),
                        (true, Some((a, b))) => d.mul_add(wb - wij.abs(), a * b),
                        (false, None) => *d,
                        (false, Some((ra, rb))) if one_row => {
                            let (a, b) = factors(k);
                            a.mul_add(b, ra * rb)
                        }
                        (false, Some((a, b))) => a.mul_add(b, *d),
                    };
                    *d = v * sign;
                }
                super::bias_update(post, qw, sign, &mut self.d_biases);
            },
        );
    }

    fn learn(&mut self) {
        self.calc();
        let base = &mut self.base;
        super::step_optimizer(
            &mut self.opt,
            self.p.bias_init.is_some(),
            (&mut base.weights, &mut base.biases),
            (&self.d_weights, &self.d_biases),
        );
        let wb = self.p.w_bound;
        if wb > 0.0 {
            let lo = if self.p.is_nonnegative { 0.0 } else { -wb };
            // jnp.clip: min(max(w, lo), hi).
            base.weights.mapv_inplace(|w| clip(w, lo, wb));
        }
        if base.mask.dim() == (1, 1) {
            let m = base.mask[[0, 0]];
            base.weights.mapv_inplace(|w| w * m);
        } else {
            base.weights.zip_mut_with(&base.mask, |w, &m| *w *= m);
        }
        base.unit_weights = None;
    }

}

impl Component for HebbianSynapse {
    fn changed(&mut self, index: usize) {
        self.base.changed(index);
    }
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        self.base.dense_step();
    }
    fn calc_update(&mut self, _t: f32, _dt: f32) {
        self.calc();
    }
    fn evolve(&mut self, _t: f32, _dt: f32) {
        self.learn();
    }
    fn reset(&mut self) {
        // Everything but the weights, the biases and the optimiser state.
        self.base.reset();
        self.pre.fill(0.0);
        self.post.fill(0.0);
        self.d_weights.fill(0.0);
        self.d_biases.fill(0.0);
    }
    fn saves_as_scalar(&self, index: usize) -> bool {
        index == Dense::BIASES && self.base.saves_biases_as_scalar()
    }
    fn custom_files(&self) -> Vec<(String, Vec<u8>)> {
        vec![super::opt_file(&self.base.name, &self.opt)]
    }
    fn load_custom(&mut self, dir: &std::path::Path) -> Result<()> {
        // Moments for the weights and, if saved with them, the biases.
        let shapes = Self::opt_shapes(self.base.shape, true);
        super::load_opt_file(dir, &self.base.name, &mut self.opt, &shapes)
    }
}
