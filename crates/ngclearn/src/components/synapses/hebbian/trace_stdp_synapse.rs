//! `TraceSTDPSynapse`: a dense synapse whose weights learn by trace-based
//! spike-timing-dependent plasticity, with an optional power-law weight dependence.
//!
//! `advance_state` is the dense synapse's:
//! `outputs = (inputs · (W * mask)) * resist_scale + biases`. Each `evolve`, as
//! ngclearn 3.1.1's code computes it (float32; sums over the batch rows `b`):
//! ```text
//! mu = 0:  dWpost = (preTrace - pretrace_target)^T · (postSpike * A_plus)
//!          dWpre  = -(preSpike^T · (postTrace * A_minus))            (0 if A_minus <= 0)
//! mu > 0:  dWpost = ((w_bound - W)^mu * ((preTrace - pretrace_target)^T · postSpike)) * A_plus
//!          dWpre  = -((W^mu) * (preSpike^T · postTrace)) * A_minus     (0 if A_minus <= 0)
//! dWeights = dWpost + dWpre
//! W = clip(W + dWeights * eta - decay, 0, w_bound)     decay = W / tau_w if tau_w > 0, else 0
//! W = where(weight_mask != 0, W, 0)
//! ```
//! rounded as XLA compiles ngclearn's process: the powers are XLA's ([`pow_xla`]); with
//! one batch row `dWpost + dWpre` fuses the second product (`mu > 0`) or, `mu = 0`, the
//! first (`fma(preTrace - target, postSpike * A_plus, -dWpre)`, measured from 200
//! weights on; at 8 x 5 unfused); with more rows (batch sums that are dots of their
//! own, from +0.0) `mu > 0` fuses the first; and the step is
//! `fma(-W, 1 / tau_w, fma(dWeights, eta, W))`. Bit for bit but for matrices of a few
//! dozen weights with `mu > 0` (8 x 5 measured), whose update XLA unrolls and LLVM
//! vectorises in groups that fuse differently (an ulp apart there), and the sign of
//! the zero `dWeights` of silent pairs in the event-driven update (one batch row,
//! `tau_w = 0`): +0 here, ngclearn's `(preTrace - target) * 0 - 0` where the trace is
//! below its target.
//! The weights are multiplied by `weight_mask` when the synapse is built. ngclearn
//! gives it no biases (`bias_init` is fixed to none). The update's cost follows the
//! spikes (see `hebbian/stdp.rs`); the numbers are those of the full update.
//!
//! [`pow_xla`]: crate::core::xla_math::pow_xla

use super::stdp::{batch_dot, Signals, Stdp, Update};
use crate::core::xla_math::pow_xla;
use crate::components::synapses::dense_synapse::{Dense, DenseParams};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::component::Component;
use crate::error::Result;
use crate::utils::distribution_generator::Initializer;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`TraceSTDPSynapse`], with ngclearn's names and defaults, in its
/// constructor's order. Each field's doc comment is its help description.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct TraceSTDPSynapseParams {
    /// Strength of long-term potentiation (LTP)
    #[param(check = finite, name = "A_plus")]
    pub a_plus: f32,
    /// Strength of long-term depression (LTD)
    #[param(check = finite, name = "A_minus")]
    pub a_minus: f32,
    /// Global learning rate
    #[param(default = 1.0, check = finite)]
    pub eta: f32,
    /// Power of the weight dependence (0: none)
    #[param(default = 0.0, check = non_negative)]
    pub mu: f32,
    /// Target pre-synaptic trace (higher: more depression)
    #[param(default = 0.0, check = finite)]
    pub pretrace_target: f32,
    /// Initialiser of the weights W
    #[param(default = None, none_means = crate::components::synapses::dense_synapse::default_weight_init(), text = "uniform(0.025, 0.8)", skip_kwargs)]
    pub weight_init: Option<Initializer>,
    /// Resistance scaling factor applied to the output
    #[param(default = 1.0, check = finite)]
    pub resist_scale: f32,
    /// Probability of a connection existing (otherwise masked to zero)
    #[param(default = 1.0, check = finite)]
    pub p_conn: f32,
    /// Upper bound of the weights
    #[param(default = 1.0, check = finite)]
    pub w_bound: f32,
    /// Weight decay time constant (0: no decay)
    #[param(default = 0.0, check = non_negative)]
    pub tau_w: f32,
    /// Fixed binary mask of the weights: (1, 1) or (n_pre, n_post)
    #[param(default = None, text = "ones (1, 1)", skip_kwargs)]
    pub weight_mask: Option<Array2<f32>>,
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// The dense base's mask (multiplied into W in the product only)
    #[param(default = None, text = "ones (1, 1)", skip_kwargs, keyword_only)]
    pub mask: Option<Array2<f32>>,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
    /// This rank's block of columns, when a model partitioned across ranks builds it
    /// alone (see `DenseSynapse`; not with a `weight_mask`)
    #[param(default = None, hidden, name = "__columns__")]
    pub columns: Option<crate::core::partition::Columns>,
}

/// The trace-based STDP synapse (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.hebbian.traceSTDPSynapse.TraceSTDPSynapse",
    description = "Dense synapse learning by trace-based spike-timing-dependent plasticity",
    dynamics = "advance_state: outputs = (inputs . (W * mask)) * resist_scale + biases\n\
               evolve (mu = 0): dW = (preTrace - pretrace_target)^T . (postSpike * A_plus) - preSpike^T . (postTrace * A_minus)\n\
               evolve (mu > 0): dW = ((w_bound - W)^mu * ((preTrace - pretrace_target)^T . postSpike)) * A_plus - ((W^mu) * (preSpike^T . postTrace)) * A_minus\n\
               W = where(weight_mask != 0, clip(W + dW * eta - W / tau_w [tau_w > 0], 0, w_bound), 0); dWeights = dW",
    head = shape,
    extends = crate::components::synapses::dense_synapse::DenseSynapse,
    keywords(advance_state = [], evolve = []),
    fixed(bias_init = None::<Initializer>),
    methods = crate::core::schema::ADVANCE_EVOLVE_RESET,
    split = Self::split,
)]
pub struct TraceSTDPSynapse {
    #[compartment(flatten)]
    stdp: Stdp,
    p: TraceSTDPSynapseParams,
    weight_mask: Array2<f32>,
    /// Whether the whole synapse (every rank's columns) has fewer than 200 weights, a
    /// size whose update XLA unrolls (see `learn`).
    unrolled: bool,
}

impl TraceSTDPSynapse {
    /// Builds a synapse of shape `(n_pre, n_post)`.
    pub fn new(name: &str, shape: (usize, usize), p: TraceSTDPSynapseParams) -> Result<Self> {
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
        if p.columns.is_some() && p.weight_mask.is_some() {
            return Err(crate::error::Error::param(
                name,
                "weight_mask",
                "given",
                "a synapse with a weight mask cannot be partitioned across ranks yet",
            ));
        }
        let mut p = p;
        let base = Dense::new(name, shape, &dense)?;
        p.columns = None;
        p.validate(&base.name)?;
        count(&base.name, "batch_size", p.batch_size)?;
        let weight_mask = p
            .weight_mask
            .clone()
            .unwrap_or_else(|| Array2::ones((1, 1)));
        let stdp = Stdp::new(base, &weight_mask)?;
        Ok(TraceSTDPSynapse {
            stdp,
            p,
            weight_mask,
            unrolled: shape.0.saturating_mul(shape.1) < 200,
        })
    }

    /// The weights.
    pub fn weights(&self) -> &Array2<f32> {
        &self.stdp.base.weights
    }
}

impl TraceSTDPSynapse {
    /// One update of the weights by the rule (the `evolve` processes call).
    fn learn(&mut self) {
        let p = &self.p;
        let (ap, am, tgt, mu, wb) = (p.a_plus, p.a_minus, p.pretrace_target, p.mu, p.w_bound);
        let up = Update {
            eta: p.eta,
            tau_w: p.tau_w,
            lo: 0.0,
            hi: wb,
            weight_mask: &self.weight_mask,
            // (w_bound - W)^mu and W^mu are finite for W in [0, w_bound] (w_bound >= 0).
            factors_finite: mu == 0.0 || wb >= 0.0,
        };
        // Each batch sum is XLA's dot: one row's a product (0 * -x stays -0.0), more
        // rows a chain of fused multiply-adds from +0.0.
        let unrolled = self.unrolled;
        let rule = |w: f32, i: usize, j: usize, s: &Signals<'_>| {
            let rows = s.pre_spike.nrows();
            if mu > 0.0 {
                let post = batch_dot(rows, |b| s.pre_trace[[b, i]] - tgt, |b| s.post_spike[[b, j]]);
                let pre = batch_dot(rows, |b| s.pre_spike[[b, i]], |b| s.post_trace[[b, j]]);
                let x = pow_xla(wb - w, mu) * post;
                if am > 0.0 && rows == 1 {
                    // dWpost + dWpre: XLA fuses the second product into the sum (one
                    // batch row, the outer products inside the fusion)...
                    (-(pow_xla(w, mu) * pre)).mul_add(am, x * ap)
                } else if am > 0.0 {
                    // ... and the first where the batch sums are dots of their own.
                    x.mul_add(ap, -(pow_xla(w, mu) * pre) * am)
                } else {
                    x * ap + 0.0
                }
            } else if rows == 1 && am > 0.0 && !unrolled {
                // One row: both products are plain multiplies; XLA fuses the first into
                // the sum (its loop over 200 weights or more; below, unrolled, it was
                // measured unfused at 8 x 5).
                let pre = s.pre_spike[[0, i]] * (s.post_trace[[0, j]] * am);
                (s.pre_trace[[0, i]] - tgt).mul_add(s.post_spike[[0, j]] * ap, -pre)
            } else {
                let post = batch_dot(rows, |b| s.pre_trace[[b, i]] - tgt, |b| s.post_spike[[b, j]] * ap);
                let pre = batch_dot(rows, |b| s.pre_spike[[b, i]], |b| s.post_trace[[b, j]] * am);
                let dw_pre = if am > 0.0 { -pre } else { 0.0 };
                post + dw_pre
            }
        };
        self.stdp.evolve(&up, rule);
    }
}

impl Component for TraceSTDPSynapse {
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        self.stdp.base.dense_step();
    }
    fn evolve(&mut self, _t: f32, _dt: f32) {
        self.learn();
    }
    fn reset(&mut self) {
        // Everything but the weights (and an `eta` compartment, which ngclearn's
        // reset leaves as it is).
        self.stdp.reset();
    }
    fn changed(&mut self, index: usize) {
        self.stdp.changed(index);
    }
    fn saves_as_scalar(&self, index: usize) -> bool {
        self.stdp.base.saves_as_scalar(index)
    }
}

impl TraceSTDPSynapse {
    /// This rank's block (`#[class(split = ...)]`).
    fn split(
        &self,
        cols: std::ops::Range<usize>,
    ) -> Result<Box<dyn Component>> {
        super::stdp::split(self, &self.weight_mask, cols)
    }
}
