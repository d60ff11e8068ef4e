//! `MSTDPETSynapse`: reward-modulated trace-based STDP (MSTDP), with an optional
//! eligibility trace (MSTDP-ET).
//!
//! `advance_state` is the dense synapse's:
//! `outputs = (inputs · (W * mask)) * resist_scale`. Each `evolve`, as ngclearn
//! 3.1.1's code computes it under XLA (float32; divisions by constants are
//! multiplications by their reciprocals; each `a * b + c` one fused multiply-add):
//! ```text
//! el = fma(el * exp(-dt / tau_elg), elg_decay, dWeights / tau_elg)   if tau_elg > 0
//!    = dWeights                                                     otherwise
//! W' = fma(el * modulator * eta, outmask, W)
//! W' = fma(-W, 1 / tau_w, W')                                        if tau_w > 0
//! dWeights = TraceSTDPSynapse's dW of the current signals and the old W
//!            (mu = 0:  (preTrace - pretrace_target)^T · (postSpike * A_plus)
//!                      - preSpike^T · (postTrace * A_minus);
//!             mu > 0:  (w_bound - W)^mu * (...) * A_plus - W^mu * (...) * A_minus)
//! W = clip(W', 0, w_bound);  eligibility = el
//! ```
//! As in ngclearn's code (where it contradicts its docs):
//! - The update at one `evolve` applies the `dWeights` of the previous one, so
//!   learning lags by a step; the first `evolve` after `reset` changes `W` only by the
//!   decay.
//! - `elg_decay` multiplies the trace's exponential decay, and `dWeights` enters divided
//!   by `tau_elg` (the docs write `dElg/dt = -Elg * elg_decay + dW`).
//! - `outmask` is zeros until the first `reset` (which makes it ones), so nothing is
//!   learned before one.
//! - The decay `W / tau_w` is per `evolve`, not scaled by `dt`; `weight_mask` multiplies
//!   only the initial weights.
//! - A batch runs only when `batch_size == n_pre`, where row `i` of the modulator (and
//!   of `outmask`) scales weight row `i`; other batch sizes above 1 are refused.
//! - `eta` is a number, not a compartment. ngclearn gives the class no biases.

use crate::components::synapses::dense_synapse::{Dense, DenseParams};
use crate::components::synapses::hebbian::stdp::Stdp;
use crate::core::component::{filled, Component};
use crate::core::rng::Key;
use crate::core::xla_math::clip;
use crate::error::{Error, Result};
use crate::utils::distribution_generator::Initializer;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of an [`MSTDPETSynapse`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct MSTDPETSynapseParams {
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
    /// Target pre-synaptic trace
    #[param(default = 0.0, check = finite)]
    pub pretrace_target: f32,
    /// Time constant of the eligibility trace (0: none, plain MSTDP)
    #[param(default = 0.0, check = non_negative, units = "ms")]
    pub tau_elg: f32,
    /// Extra factor of the eligibility trace's decay per step
    #[param(default = 1.0, check = finite)]
    pub elg_decay: f32,
    /// Weight decay constant (0: none): W / tau_w per evolve
    #[param(default = 0.0)]
    pub tau_w: f64,
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
    /// Rows of the batch dimension (above 1: only batch_size == n_pre, as ngclearn)
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// Fixed binary mask multiplied into the initial weights: (1, 1) or (n_pre, n_post)
    #[param(default = None, text = "ones (1, 1)", skip_kwargs, keyword_only)]
    pub weight_mask: Option<Array2<f32>>,
    /// The dense base's mask (multiplied into W in the product)
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

/// The reward-modulated STDP synapse (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.modulated.MSTDPETSynapse.MSTDPETSynapse",
    description = "Dense synapse learning by reward-modulated trace STDP, with an optional eligibility trace",
    dynamics = "advance_state: outputs = (inputs . (W * mask)) * resist_scale\n\
               evolve: el = el * exp(-dt / tau_elg) * elg_decay + dWeights / tau_elg (tau_elg > 0; else el = dWeights);\n\
               W = clip(W + el * modulator * eta * outmask - W / tau_w [tau_w > 0], 0, w_bound);\n\
               dWeights = TraceSTDP's dW of the current signals",
    head = shape,
    extends = crate::components::synapses::hebbian::trace_stdp_synapse::TraceSTDPSynapse,
    keywords(advance_state = [], evolve = [dt, t]),
    fixed(bias_init = None::<Initializer>),
    methods = crate::core::schema::ADVANCE_EVOLVE_RESET,
    split = Self::split,
)]
pub struct MSTDPETSynapse {
    #[compartment(flatten)]
    stdp: Stdp,
    /// Reward signal modulating the update (one per batch row)
    #[compartment(input, shape = "(batch_size, 1)")]
    modulator: Array2<f32>,
    /// Eligibility trace of the weight updates
    #[compartment(state, shape = "(n_pre, n_post)")]
    eligibility: Array2<f32>,
    /// Mask of the post-synaptic units that learn (ones after reset)
    #[compartment(state, shape = "(batch_size, n_post)")]
    outmask: Array2<f32>,
    p: MSTDPETSynapseParams,
}

impl MSTDPETSynapse {
    /// Builds a synapse of shape `(n_pre, n_post)`.
    pub fn new(name: &str, shape: (usize, usize), p: MSTDPETSynapseParams) -> Result<Self> {
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
            return Err(Error::param(
                name,
                "weight_mask",
                "given",
                "a synapse with a weight mask cannot be partitioned across ranks yet",
            ));
        }
        let mut p = p;
        let base = Dense::new(name, shape, &dense)?;
        p.columns = None; // built: the block is the component
        let name = base.name.clone();
        p.validate(&name)?;
        // (A block of a partitioned model holds its columns.)
        let (n_pre, stdp_post) = base.shape;
        let b = p.batch_size;
        if b > 1 && b != n_pre {
            return Err(Error::param(
                &name,
                "batch_size",
                b,
                "ngclearn 3.1.1 runs a batch only when batch_size == n_pre (shape[0])",
            ));
        }
        if p.tau_w < 0.0 || (p.tau_w > 0.0 && !((1.0 / p.tau_w) as f32).is_finite()) {
            return Err(Error::param(
                &name,
                "tau_w",
                p.tau_w,
                "it must be 0 (no decay) or positive with 1 / tau_w finite",
            ));
        }
        let weight_mask = p
            .weight_mask
            .clone()
            .unwrap_or_else(|| Array2::ones((1, 1)));
        let stdp = Stdp::new(base, &weight_mask)?;
        Ok(MSTDPETSynapse {
            modulator: filled(&name, "batch_size", (b, 1), 0.0)?,
            eligibility: filled(&name, "shape", (n_pre, stdp_post), 0.0)?,
            outmask: filled(&name, "shape", (b, stdp_post), 0.0)?,
            stdp,
            p,
        })
    }

    fn learn(&mut self, dt: f32) {
        let p = &self.p;
        let (ap, am, tgt, mu, wb, eta) = (
            p.a_plus,
            p.a_minus,
            p.pretrace_target,
            p.mu,
            p.w_bound,
            p.eta,
        );
        let (tau_elg, elg_decay) = (p.tau_elg, p.elg_decay);
        let inv_w = (p.tau_w > 0.0).then(|| (1.0 / p.tau_w) as f32);
        let rc = 1.0 / tau_elg;
        let decay = (tau_elg > 0.0).then(|| (-dt * rc).exp());
        let n_post = self.stdp.base.shape.1;
        let rows = self.modulator.nrows();
        let MSTDPETSynapse {
            stdp,
            modulator,
            eligibility,
            outmask,
            ..
        } = self;
        let Stdp {
            base,
            pre_spike,
            post_spike,
            pre_trace,
            post_trace,
            d_weights,
            ..
        } = stdp;
        let w = base.weights.as_slice_mut().expect("standard layout");
        let dw = d_weights.as_slice_mut().expect("standard layout");
        let el = eligibility.as_slice_mut().expect("standard layout");
        crate::core::simd::with_simd(
            #[inline(always)]
            || {
                for i in 0..w.len() / n_post {
                    // Row i of the modulator and outmask (ngclearn's broadcasting).
                    let r = if rows == 1 { 0 } else { i };
                    let m_i = modulator[[r, 0]];
                    for j in 0..n_post {
                        let k = i * n_post + j;
                        let wij = w[k];
                        let e = match decay {
                            Some(ex) if elg_decay != 1.0 => {
                                (el[k] * ex).mul_add(elg_decay, dw[k] * rc)
                            }
                            Some(ex) => el[k].mul_add(ex, dw[k] * rc),
                            None => dw[k],
                        };
                        let mut m = e * m_i;
                        if eta != 1.0 {
                            m *= eta;
                        }
                        let mut s = m.mul_add(outmask[[r, j]], wij);
                        if let Some(iw) = inv_w {
                            s = (-wij).mul_add(iw, s);
                        }
                        // TraceSTDP's dW of the current signals and the old weight.
                        let zz = |b: usize| pre_trace[[b, i]] - tgt;
                        let d = if mu > 0.0 {
                            let mut post = zz(0) * post_spike[[0, j]];
                            let mut pre = pre_spike[[0, i]] * post_trace[[0, j]];
                            for b in 1..pre_spike.nrows() {
                                post = zz(b).mul_add(post_spike[[b, j]], post);
                                pre = pre_spike[[b, i]].mul_add(post_trace[[b, j]], pre);
                            }
                            let post = pow(wb - wij, mu) * post;
                            let pre = -(pow(wij, mu) * pre);
                            if am > 0.0 {
                                pre.mul_add(am, post * ap)
                            } else {
                                post * ap
                            }
                        } else if pre_spike.nrows() == 1 {
                            let qa = post_spike[[0, j]] * ap;
                            if am > 0.0 {
                                zz(0).mul_add(qa, -(pre_spike[[0, i]] * (post_trace[[0, j]] * am)))
                            } else {
                                zz(0) * qa
                            }
                        } else {
                            let mut post = zz(0) * (post_spike[[0, j]] * ap);
                            let mut pre = pre_spike[[0, i]] * (post_trace[[0, j]] * am);
                            for b in 1..pre_spike.nrows() {
                                post = zz(b).mul_add(post_spike[[b, j]] * ap, post);
                                pre = pre_spike[[b, i]].mul_add(post_trace[[b, j]] * am, pre);
                            }
                            if am > 0.0 {
                                post - pre
                            } else {
                                post
                            }
                        };
                        el[k] = e;
                        dw[k] = d;
                        // jnp.clip: min(max(x, lo), hi).
                        w[k] = clip(s, 0.0, wb);
                    }
                }
            },
        );
        base.unit_weights = None;
    }
}

/// `jnp.power(x, mu)` (XLA folds a power of 1 away).
#[inline(always)]
fn pow(x: f32, mu: f32) -> f32 {
    if mu == 1.0 {
        x
    } else {
        x.powf(mu)
    }
}

impl Component for MSTDPETSynapse {
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        self.stdp.base.dense_step();
    }
    fn evolve(&mut self, _t: f32, dt: f32) {
        self.learn(dt);
    }
    fn reset(&mut self) {
        // Everything but the weights and the modulator; outmask becomes ones.
        self.stdp.reset();
        self.eligibility.fill(0.0);
        self.outmask.fill(1.0);
    }
    fn changed(&mut self, index: usize) {
        self.stdp.changed(index);
    }
    fn saves_as_scalar(&self, index: usize) -> bool {
        index == Dense::BIASES
    }
}
impl MSTDPETSynapse {
    /// This rank's block (`#[class(split = ...)]`).
    fn split(
        &self,
        cols: std::ops::Range<usize>,
    ) -> Result<Box<dyn crate::core::component::Component>> {
        // The weight mask is not a compartment: only the default one splits.
        if self.p.weight_mask.is_some() {
            return Err(Error::param(
                &self.stdp.base.name,
                "weight_mask",
                "given",
                "a synapse with a weight mask cannot be partitioned across ranks yet",
            ));
        }
        crate::core::partition::partition_by_kwargs(self, cols)
    }
}

