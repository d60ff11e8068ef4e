//! `ExpSTDPSynapse`: a dense synapse whose weights learn by spike-timing-dependent
//! plasticity with an exponential weight dependence.
//!
//! `advance_state` is the dense synapse's:
//! `outputs = (inputs · (W * mask)) * resist_scale + biases`. Each `evolve`, as
//! ngclearn 3.1.1's code computes it (float32; sums over the batch rows `b`):
//! ```text
//! t1     = exp(-exp_beta * W) * (preTrace^T · postSpike)
//! t2     = exp(-exp_beta * (w_bound - W)) * ((preTrace * 0 + pretrace_target)^T · postSpike)
//! dWpost = (t1 - t2) * A_plus
//! dWpre  = ((-exp(-exp_beta * W)) * (preSpike^T · postTrace)) * A_minus   (0 if A_minus <= 0)
//! dWeights = dWpost + dWpre
//! W = clip(W + dWeights * eta, 0.01, w_bound - 0.01)
//! W = where(weight_mask != 0, W, 0)
//! ```
//! `eta` is a compartment (`(1, 1)`, saved with the state). ngclearn computes a decay
//! term from `tau_w` but does not apply it (the subtraction is commented out in its
//! code); here `tau_w` is accepted, saved and likewise unused. The weights are
//! multiplied by `weight_mask` when the synapse is built; ngclearn gives it no biases.
//! The update's cost follows the spikes (see `hebbian/stdp.rs`). The arithmetic is
//! XLA's, bit for bit: its `exp`, each batch sum a dot (a product for one row, else a
//! chain of fused multiply-adds), `t1 - t2` with `t1`'s product fused, the sum of the
//! two terms with `dWpost`'s product by `A_plus` fused, and `W + dWeights * eta` one
//! fused multiply-add.

use super::stdp::{batch_dot, Signals, Stdp, Update};
use crate::components::synapses::dense_synapse::{Dense, DenseParams};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::component::Component;
use crate::core::xla_math::exp_xla;
use crate::error::Result;
use crate::utils::distribution_generator::Initializer;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`ExpSTDPSynapse`], with ngclearn's names and defaults, in its
/// constructor's order. Each field's doc comment is its help description.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct ExpSTDPSynapseParams {
    /// Strength of long-term potentiation (LTP)
    #[param(check = finite, name = "A_plus")]
    pub a_plus: f32,
    /// Strength of long-term depression (LTD)
    #[param(check = finite, name = "A_minus")]
    pub a_minus: f32,
    /// Steepness of the exponential weight dependence
    #[param(check = finite)]
    pub exp_beta: f32,
    /// Initial global learning rate (the `eta` compartment)
    #[param(default = 1.0, check = finite)]
    pub eta: f32,
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
    /// Weight decay time constant (accepted and unused, as in ngclearn 3.1.1)
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

/// The exponential STDP synapse (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.hebbian.expSTDPSynapse.ExpSTDPSynapse",
    description = "Dense synapse learning by spike-timing-dependent plasticity with an exponential weight dependence",
    dynamics = "advance_state: outputs = (inputs . (W * mask)) * resist_scale + biases\n\
               evolve: dW = (exp(-exp_beta * W) * (preTrace^T . postSpike) - exp(-exp_beta * (w_bound - W)) * (pretrace_target^T . postSpike)) * A_plus\n\
               \x20       - (exp(-exp_beta * W) * (preSpike^T . postTrace)) * A_minus\n\
               W = where(weight_mask != 0, clip(W + dW * eta, 0.01, w_bound - 0.01), 0); dWeights = dW",
    head = shape,
    extends = crate::components::synapses::dense_synapse::DenseSynapse,
    keywords(advance_state = [], evolve = []),
    fixed(bias_init = None::<Initializer>),
    notes = "tau_w is accepted and unused, as in ngclearn.",
    methods = crate::core::schema::ADVANCE_EVOLVE_RESET,
    split = Self::split,
)]
pub struct ExpSTDPSynapse {
    #[compartment(flatten)]
    stdp: Stdp,
    /// Global learning rate
    #[compartment(state, shape = "(1, 1)")]
    eta: Array2<f32>,
    p: ExpSTDPSynapseParams,
    weight_mask: Array2<f32>,
}

impl ExpSTDPSynapse {
    /// Builds a synapse of shape `(n_pre, n_post)`.
    pub fn new(name: &str, shape: (usize, usize), p: ExpSTDPSynapseParams) -> Result<Self> {
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
        let eta = Array2::from_elem((1, 1), p.eta);
        Ok(ExpSTDPSynapse {
            stdp,
            eta,
            p,
            weight_mask,
        })
    }

    /// The weights.
    pub fn weights(&self) -> &Array2<f32> {
        &self.stdp.base.weights
    }
}

impl ExpSTDPSynapse {
    /// One update of the weights by the rule (the `evolve` processes call).
    fn learn(&mut self) {
        let p = &self.p;
        let (ap, am, tgt, beta, wb) = (
            p.a_plus,
            p.a_minus,
            p.pretrace_target,
            p.exp_beta,
            p.w_bound,
        );
        let up = Update {
            eta: self.eta[[0, 0]],
            // ngclearn 3.1.1 leaves its decay term out of the step: `W + dW * eta`, fused.
            tau_w: 0.0,
            lo: 0.01,
            hi: wb - 0.01,
            weight_mask: &self.weight_mask,
            // exp(-beta * W) <= 1 for beta >= 0 and W >= 0.01; a negative beta may overflow.
            factors_finite: beta >= 0.0,
        };
        // XLA's arithmetic: `exp` is XLA's; each batch sum is a dot (one row: a product
        // XLA fuses into the difference; more: a chain of fused multiply-adds from +0.0); the
        // potentiation's difference fuses `exp(-beta W) * (x_pre^T post)`, and the sum of
        // the two terms fuses the potentiation's product by `A_plus`.
        let rule = |w: f32, i: usize, j: usize, s: &Signals<'_>| {
            let rows = s.pre_spike.nrows();
            let post = |b: usize| s.post_spike[[b, j]];
            let pp = batch_dot(rows, |b| s.pre_trace[[b, i]], post);
            let tp = batch_dot(rows, |b| s.pre_trace[[b, i]].mul_add(0.0, tgt), post);
            let nb = -beta;
            let e1 = exp_xla(nb * w);
            let t2 = exp_xla(nb * (wb - w)) * tp;
            let diff = e1.mul_add(pp, -t2);
            if am > 0.0 {
                let qq = batch_dot(rows, |b| s.pre_spike[[b, i]], |b| s.post_trace[[b, j]]);
                diff.mul_add(ap, (-e1 * qq) * am)
            } else {
                diff * ap
            }
        };
        self.stdp.evolve(&up, rule);
    }
}

impl Component for ExpSTDPSynapse {
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

impl ExpSTDPSynapse {
    /// This rank's block (`#[class(split = ...)]`).
    fn split(
        &self,
        cols: std::ops::Range<usize>,
    ) -> Result<Box<dyn Component>> {
        super::stdp::split(self, &self.weight_mask, cols)
    }
}
