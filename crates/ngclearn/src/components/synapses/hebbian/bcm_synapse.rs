//! `BCMSynapse`: a dense synapse learning by the Bienenstock-Cooper-Munro rule, with a
//! sliding modification threshold `theta` per post-synaptic unit.
//!
//! `advance_state` is the dense synapse's:
//! `outputs = (inputs · (W * mask)) * resist_scale`. Each `evolve`, as ngclearn
//! 3.1.1's code computes it under XLA (float32; divisions by `tau_w` and `tau_theta`
//! are multiplications by their reciprocals, and each `a * b + c` one fused
//! multiply-add; `·` sums over the batch rows `b`):
//! ```text
//! post_term = (post * (post - theta)) * (1 / (theta + 1e-7))
//! dd        = pre^T · post_term                      (one row a product; more, from +0)
//! dW        = fma(dd, w_bound - |W|, -W * w_decay)    if w_bound > 0
//!           = fma(pre, post_term, -W * w_decay)      one batch row
//!           = fma(-W, w_decay, dd)                   otherwise
//! W         = fma(dW * dt, 1 / tau_w, W)
//! theta     = fma((mean_b(post^2) - theta) * dt, 1 / tau_theta, theta)
//! dWeights  = dW                                     (W * 0 when built)
//! ```
//! `mean_b(post^2)` sums the second row's square, then the first's and the others'
//! fused in order, times `1 / rows` (one row: `fma(post, post, -theta)` directly).
//! As in ngclearn's code: `w_bound` only scales the Hebbian term (nothing clips the
//! weights); `reset` keeps `theta` (and the weights); with the default `theta0 = -1`,
//! `theta` may cross 0, where `1 / (theta + 1e-7)` is large. ngclearn gives the class no
//! biases.

use crate::components::synapses::dense_synapse::{Dense, DenseParams};
use crate::core::component::filled;
use crate::core::rng::Key;
use crate::core::component::Component;
use crate::error::{Error, Result};
use crate::utils::distribution_generator::Initializer;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`BCMSynapse`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct BCMSynapseParams {
    /// Time constant of the weights
    #[param(check = finite, units = "ms")]
    pub tau_w: f32,
    /// Time constant of the modification threshold theta
    #[param(check = finite, units = "ms")]
    pub tau_theta: f32,
    /// Initial threshold theta
    #[param(default = -1.0, check = finite)]
    pub theta0: f32,
    /// Soft bound scaling the Hebbian term by (w_bound - |W|) (0: none; no clipping)
    #[param(default = 0.0, check = finite)]
    pub w_bound: f32,
    /// Weight decay coefficient
    #[param(default = 0.0, check = finite)]
    pub w_decay: f32,
    /// Initialiser of the weights W
    #[param(default = None, none_means = crate::components::synapses::dense_synapse::default_weight_init(), text = "uniform(0.025, 0.8)", skip_kwargs)]
    pub weight_init: Option<Initializer>,
    /// Resistance scaling factor applied to the output
    #[param(default = 1.0, check = finite)]
    pub resist_scale: f32,
    /// Probability of a connection existing (otherwise masked to zero)
    #[param(default = 1.0, check = finite)]
    pub p_conn: f32,
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// The dense base's mask (multiplied into W in the product)
    #[param(default = None, text = "ones (1, 1)", skip_kwargs, keyword_only)]
    pub mask: Option<Array2<f32>>,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
    /// This rank's block of columns, when a model partitioned across ranks builds it
    /// alone (see `DenseSynapse`)
    #[param(default = None, hidden, name = "__columns__")]
    pub columns: Option<crate::core::partition::Columns>,
}

/// The BCM synapse (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.hebbian.BCMSynapse.BCMSynapse",
    description = "Dense synapse learning by the BCM rule with a sliding threshold",
    dynamics = "advance_state: outputs = (inputs . (W * mask)) * resist_scale\n\
               evolve: post_term = post * (post - theta) / (theta + 1e-7); dW = pre^T . post_term [* (w_bound - |W|) if w_bound > 0] - W * w_decay;\n\
               W += dW * dt / tau_w; theta += (mean_b(post^2) - theta) * dt / tau_theta",
    head = shape,
    extends = crate::components::synapses::dense_synapse::DenseSynapse,
    keywords(advance_state = []),
    fixed(bias_init = None::<Initializer>),
    methods = crate::core::schema::ADVANCE_EVOLVE_RESET,
    split = columns,
)]
pub struct BCMSynapse {
    #[compartment(flatten)]
    base: Dense,
    /// Pre-synaptic activity of the rule
    #[compartment(input, shape = "(batch_size, n_pre)")]
    pre: Array2<f32>,
    /// Post-synaptic activity of the rule
    #[compartment(input, shape = "(batch_size, n_post)")]
    post: Array2<f32>,
    /// post * (post - theta) / theta, the post-synaptic factor of the last update
    #[compartment(state, shape = "(batch_size, n_post)")]
    post_term: Array2<f32>,
    /// Sliding modification threshold
    #[compartment(state, shape = "(batch_size, n_post)")]
    theta: Array2<f32>,
    /// The last update of the weights (before dt / tau_w)
    #[compartment(state, name = "dWeights", shape = "(n_pre, n_post)")]
    d_weights: Array2<f32>,
    p: BCMSynapseParams,
    /// The batch mean of post^2 (scratch, `n_post`).
    mean_sq: Vec<f32>,
}

impl BCMSynapse {
    /// Builds a synapse of shape `(n_pre, n_post)`.
    pub fn new(name: &str, shape: (usize, usize), p: BCMSynapseParams) -> Result<Self> {
        let dense = DenseParams {
            weight_init: p.weight_init.clone(),
            bias_init: None,
            resist_scale: p.resist_scale,
            p_conn: p.p_conn,
            mask: p.mask.clone(),
            batch_size: p.batch_size,
            key: p.key,
            columns: p.columns.clone(),
            storage: String::from("dense"),
            connect: None,
            background: None,
            max_delay_steps: 0,
        };
        let mut p = p;
        let base = Dense::new(name, shape, &dense)?;
        p.columns = None; // built: the block is the component
        let name = base.name.clone();
        p.validate(&name)?;
        for (field, v) in [("tau_w", p.tau_w), ("tau_theta", p.tau_theta)] {
            if v == 0.0 || !(1.0 / v).is_finite() {
                return Err(Error::param(&name, field, v, "it divides the update"));
            }
        }
        // (A block of a partitioned model holds its columns.)
        let (n_pre, n_post) = base.shape;
        let b = p.batch_size;
        let z = |s, v| filled(&name, "shape", s, v);
        Ok(BCMSynapse {
            pre: z((b, n_pre), 0.0)?,
            post: z((b, n_post), 0.0)?,
            post_term: z((b, n_post), 0.0)?,
            theta: z((b, n_post), p.theta0)?,
            // ngclearn's `weights * 0`: -0 where a weight is negative.
            d_weights: base.weights.mapv(|w| w * 0.0),
            mean_sq: vec![0.0; n_post],
            base,
            p,
        })
    }

    fn learn(&mut self, dt: f32) {
        let p = &self.p;
        let (wb, decay) = (p.w_bound, p.w_decay);
        let (inv_w, inv_theta) = (1.0 / p.tau_w, 1.0 / p.tau_theta);
        let n_post = self.base.shape.1;
        let rows = self.post.nrows();
        let BCMSynapse {
            base,
            pre,
            post,
            post_term,
            theta,
            d_weights,
            mean_sq,
            ..
        } = self;
        crate::core::simd::with_simd(
            #[inline(always)]
            || {
                ndarray::Zip::from(&mut *post_term)
                    .and(&*post)
                    .and(&*theta)
                    .for_each(|pt, &q, &th| *pt = (q * (q - th)) * (1.0 / (th + 1e-7)));
                let w = base.weights.as_slice_mut().expect("standard layout");
                let dw = d_weights.as_slice_mut().expect("standard layout");
                for (i, (w_row, dw_row)) in w
                    .chunks_exact_mut(n_post)
                    .zip(dw.chunks_exact_mut(n_post))
                    .enumerate()
                {
                    for (j, (w, d)) in w_row.iter_mut().zip(dw_row.iter_mut()).enumerate() {
                        // XLA's dot: one row's product, more rows a chain from +0.0.
                        let dd = || super::stdp::batch_dot(rows, |b| pre[[b, i]], |b| post_term[[b, j]]);
                        let v = if wb > 0.0 {
                            dd().mul_add(wb - w.abs(), -*w * decay)
                        } else if rows == 1 {
                            // One row: the product itself is fused into the decay's sum.
                            pre[[0, i]].mul_add(post_term[[0, j]], -*w * decay)
                        } else {
                            (-*w).mul_add(decay, dd())
                        };
                        *d = v;
                        *w = (v * dt).mul_add(inv_w, *w);
                    }
                }
                // The batch mean of post^2 (XLA: the second row's square, then the first's
                // and the others' fused in order, times 1 / rows).
                for (j, m) in mean_sq.iter_mut().enumerate() {
                    let sq = |b: usize| post[[b, j]] * post[[b, j]];
                    *m = if rows == 1 {
                        sq(0)
                    } else {
                        let mut s = post[[0, j]].mul_add(post[[0, j]], sq(1));
                        for b in 2..rows {
                            s = post[[b, j]].mul_add(post[[b, j]], s);
                        }
                        s
                    };
                }
                let inv_rows = 1.0 / rows as f32;
                for b in 0..rows {
                    for j in 0..n_post {
                        let th = theta[[b, j]];
                        let inner = if rows == 1 {
                            post[[0, j]].mul_add(post[[0, j]], -th)
                        } else {
                            mean_sq[j] * inv_rows - th
                        };
                        theta[[b, j]] = (inner * dt).mul_add(inv_theta, th);
                    }
                }
            },
        );
        self.base.unit_weights = None;
    }
}

impl Component for BCMSynapse {
    fn changed(&mut self, index: usize) {
        self.base.changed(index);
    }
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        self.base.dense_step();
    }
    fn evolve(&mut self, _t: f32, dt: f32) {
        self.learn(dt);
    }
    fn reset(&mut self) {
        // Everything but the weights and theta.
        self.base.reset();
        self.pre.fill(0.0);
        self.post.fill(0.0);
        self.post_term.fill(0.0);
        self.d_weights.fill(0.0);
    }
    fn saves_as_scalar(&self, index: usize) -> bool {
        index == Dense::BIASES
    }
}
