//! `EventSTDPSynapse`: a dense synapse learning by event-driven spike-timing-dependent
//! plasticity: at each post-synaptic spike, weights from pre-synaptic units that spiked
//! within the last `presyn_win_len` ms are potentiated and the others depressed.
//!
//! `advance_state` is the dense synapse's:
//! `outputs = (inputs · (W * mask)) * resist_scale`. Each `evolve` at time `t`, as
//! ngclearn 3.1.1's code computes it under XLA (float32; `1 + lmbda` formed in double
//! precision; each `a * b + c` one fused multiply-add):
//! ```text
//! pre_i = pre_tols_i > 0 and t - presyn_win_len < pre_tols_i     (presyn_win_len > 0)
//!       = pre_tols_i > 0 and pre_tols_i == t                     (presyn_win_len = 0)
//! pos   = fma(-W, 1 + lmbda, w_bound) * A_plus
//! neg   = (-W * (1 + lmbda)) * A_minus
//! dW    = (pre_i ? pos : neg) * postSpike_j
//! W     = clip(fma(dW, eta, W), 0.01, w_bound);   dWeights = dW
//! ```
//! As in ngclearn's code: a `pre_tols` of 0 means "no spike yet", so a spike at `t = 0`
//! is never counted; the lower bound 0.01 is fixed and applies to every weight at every
//! `evolve`; `eta` is a compartment that `reset` keeps. ngclearn's docs give
//! `presyn_win_len` a default of 1 ms; its code, followed here, 2 ms. ngclearn 3.1.1 runs
//! a batch only when `batch_size == n_pre == n_post`, where its broadcasting pairs
//! weight `(i, j)` with `pre_tols[j, i]` and `postSpike[i, j]`; that is reproduced, and
//! other batch sizes above 1 are refused. ngclearn gives the class no biases.

use crate::components::synapses::dense_synapse::{Dense, DenseParams};
use crate::core::component::filled;
use crate::core::rng::Key;
use crate::core::xla_math::clip;
use crate::core::component::Component;
use crate::error::{Error, Result};
use crate::utils::distribution_generator::Initializer;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of an [`EventSTDPSynapse`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct EventSTDPSynapseParams {
    /// Global learning rate (initial value of the `eta` compartment)
    #[param(check = finite)]
    pub eta: f32,
    /// Degree of the weights' dependence on their current value
    #[param(default = 0.01)]
    pub lmbda: f64,
    /// Strength of long-term potentiation (LTP)
    #[param(default = 1.0, check = finite, name = "A_plus")]
    pub a_plus: f32,
    /// Strength of long-term depression (LTD)
    #[param(default = 1.0, check = finite, name = "A_minus")]
    pub a_minus: f32,
    /// Window before t in which a pre-synaptic spike counts (0: at t only)
    #[param(default = 2.0, check = non_negative, units = "ms")]
    pub presyn_win_len: f32,
    /// Upper bound of the weights
    #[param(default = 1.0, check = finite)]
    pub w_bound: f32,
    /// Initialiser of the weights W
    #[param(default = None, none_means = crate::components::synapses::dense_synapse::default_weight_init(), text = "uniform(0.025, 0.8)", skip_kwargs)]
    pub weight_init: Option<Initializer>,
    /// Resistance scaling factor applied to the output
    #[param(default = 1.0, check = finite)]
    pub resist_scale: f32,
    /// Probability of a connection existing (otherwise masked to zero)
    #[param(default = 1.0, check = finite)]
    pub p_conn: f32,
    /// Rows of the batch dimension (above 1: only batch_size == n_pre == n_post, as ngclearn)
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
    /// alone (see `DenseSynapse`; one batch row)
    #[param(default = None, hidden, name = "__columns__")]
    pub columns: Option<crate::core::partition::Columns>,
}

/// The event-driven STDP synapse (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.hebbian.eventSTDPSynapse.EventSTDPSynapse",
    description = "Dense synapse learning by event-driven STDP (pre-synaptic spike window at each post-synaptic spike)",
    dynamics = "advance_state: outputs = (inputs . (W * mask)) * resist_scale\n\
               evolve: pre = 0 < pre_tols and t - presyn_win_len < pre_tols (== t if presyn_win_len = 0);\n\
               dW = (pre ? (w_bound - W (1 + lmbda)) A_plus : -W (1 + lmbda) A_minus) * postSpike; W = clip(W + dW eta, 0.01, w_bound)",
    head = shape,
    extends = crate::components::synapses::dense_synapse::DenseSynapse,
    keywords(advance_state = []),
    fixed(bias_init = None::<Initializer>),
    methods = crate::core::schema::ADVANCE_EVOLVE_RESET,
    split = Self::split,
)]
pub struct EventSTDPSynapse {
    #[compartment(flatten)]
    base: Dense,
    /// Time of each pre-synaptic unit's last spike (0: none)
    #[compartment(input, shape = "(batch_size, n_pre)", units = "ms")]
    pre_tols: Array2<f32>,
    /// Post-synaptic spikes
    #[compartment(input, name = "postSpike", shape = "(batch_size, n_post)")]
    post_spike: Array2<f32>,
    /// The last update of the weights (before eta)
    #[compartment(state, name = "dWeights", shape = "(n_pre, n_post)")]
    d_weights: Array2<f32>,
    /// Learning rate
    #[compartment(state, shape = "(1, 1)")]
    eta: Array2<f32>,
    p: EventSTDPSynapseParams,
    /// `1 + lmbda` in float32.
    one_plus_lmbda: f32,
}

impl EventSTDPSynapse {
    /// Builds a synapse of shape `(n_pre, n_post)`.
    pub fn new(name: &str, shape: (usize, usize), p: EventSTDPSynapseParams) -> Result<Self> {
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
        if p.columns.is_some() && p.batch_size > 1 {
            return Err(Error::param(
                name,
                "batch_size",
                p.batch_size,
                "with a batch, ngclearn pairs weight (i, j) with pre_tols[j, i], across columns: it cannot be partitioned across ranks",
            ));
        }
        let mut p = p;
        let base = Dense::new(name, shape, &dense)?;
        p.columns = None; // built: the block is the component
        let name = base.name.clone();
        p.validate(&name)?;
        let (n_pre, n_post) = shape;
        let b = p.batch_size;
        if b > 1 && !(b == n_pre && b == n_post) {
            return Err(Error::param(
                &name,
                "batch_size",
                b,
                "ngclearn 3.1.1 runs a batch only when batch_size == n_pre == n_post",
            ));
        }
        let one_plus_lmbda = (1.0 + p.lmbda) as f32;
        if !one_plus_lmbda.is_finite() {
            return Err(Error::param(&name, "lmbda", p.lmbda, "it must be finite"));
        }
        // (A block of a partitioned model holds its columns.)
        let n_post = base.shape.1;
        let z = |s| filled(&name, "shape", s, 0.0);
        Ok(EventSTDPSynapse {
            pre_tols: z((b, n_pre))?,
            post_spike: z((b, n_post))?,
            d_weights: z((n_pre, n_post))?,
            eta: Array2::from_elem((1, 1), p.eta),
            one_plus_lmbda,
            base,
            p,
        })
    }

    fn learn(&mut self, t: f32) {
        let p = &self.p;
        let (wb, win, ap, am, l1) = (
            p.w_bound,
            p.presyn_win_len,
            p.a_plus,
            p.a_minus,
            self.one_plus_lmbda,
        );
        let eta = self.eta[[0, 0]];
        let batch = self.pre_tols.nrows() > 1;
        let n_post = self.base.shape.1;
        let (tols, post) = (&self.pre_tols, &self.post_spike);
        let w = self.base.weights.as_slice_mut().expect("standard layout");
        let dw = self.d_weights.as_slice_mut().expect("standard layout");
        let start = t + -win;
        crate::core::simd::with_simd(
            #[inline(always)]
            || {
                for (i, (w_row, dw_row)) in w
                    .chunks_exact_mut(n_post)
                    .zip(dw.chunks_exact_mut(n_post))
                    .enumerate()
                {
                    for (j, (w, d)) in w_row.iter_mut().zip(dw_row.iter_mut()).enumerate() {
                        // ngclearn's broadcasting: batch row j of the times, row i of the spikes.
                        let (tol, s) = if batch {
                            (tols[[j, i]], post[[i, j]])
                        } else {
                            (tols[[0, i]], post[[0, j]])
                        };
                        let pre = tol > 0.0 && if win > 0.0 { start < tol } else { tol == t };
                        let v = if pre {
                            let pos = (-*w).mul_add(l1, wb);
                            if ap != 1.0 {
                                pos * ap
                            } else {
                                pos
                            }
                        } else {
                            let neg = -*w * l1;
                            if am != 1.0 {
                                neg * am
                            } else {
                                neg
                            }
                        };
                        let v = v * s;
                        *d = v;
                        // jnp.clip: min(max(x, lo), hi).
                        *w = clip(v.mul_add(eta, *w), 0.01, wb);
                    }
                }
            },
        );
        self.base.unit_weights = None;
    }
}

impl Component for EventSTDPSynapse {
    fn changed(&mut self, index: usize) {
        self.base.changed(index);
    }
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        self.base.dense_step();
    }
    fn evolve(&mut self, t: f32, _dt: f32) {
        self.learn(t);
    }
    fn reset(&mut self) {
        // Everything but the weights and eta.
        self.base.reset();
        self.pre_tols.fill(0.0);
        self.post_spike.fill(0.0);
        self.d_weights.fill(0.0);
    }
    fn saves_as_scalar(&self, index: usize) -> bool {
        index == Dense::BIASES || index == Self::ETA
    }
}

impl EventSTDPSynapse {
    /// This rank's block (`#[class(split = ...)]`).
    fn split(
        &self,
        cols: std::ops::Range<usize>,
    ) -> Result<Box<dyn crate::core::component::Component>> {
        // With a batch, weight (i, j) reads pre_tols[j, i]: across columns.
        if self.p.batch_size > 1 {
            return Err(Error::param(
                &self.base.name,
                "batch_size",
                self.p.batch_size,
                "with a batch, ngclearn pairs weight (i, j) with pre_tols[j, i], across columns: it cannot be partitioned across ranks",
            ));
        }
        crate::core::partition::partition_by_kwargs(self, cols)
    }
}
