//! `STDPSynapse`: a dense synapse learning by classical pair-based spike-timing-dependent
//! plasticity, from each side's time of last spike.
//!
//! `advance_state` is the dense synapse's: `outputs = (inputs · (W * mask)) *
//! resist_scale`. Each `evolve` (`dt` ms), as ngclearn 3.1.1's code computes it under
//! XLA (float32; `W + dW * eta` and each `a * b + c` marked below one fused
//! multiply-add; a division by a constant `x / tau` is `x * (1 / tau)`, the reciprocal
//! in float32), for pre-synaptic unit `i` and post-synaptic unit `j`:
//! ```text
//! d     = (post_tols_j - pre_tols_i) * [post_tols_j > 0] * [pre_tols_i > 0]
//! dW    = exp(-d / tau_plus) [d > 0] * (postSpike_j * A_plus)
//!       - exp(-d / tau_minus) [d < 0] * (preSpike_i * A_minus)      (when A_minus > 0)
//! W     = W + (-W * dt / tau_w + dW * eta)                           (tau_w > 0)
//!       = W + dW * eta - W * w_decay                                 (otherwise)
//! W     = clip(W, 0.001, w_bound - 0.001);   dWeights = dW
//! ```
//! A time of last spike of 0 means "no spike yet", so a pair with either side at 0, or
//! spiking at the same time, changes nothing. `eta` is a compartment that `reset` keeps.
//! ngclearn runs one batch row only (its constructor asserts `batch_size == 1`); so does
//! this class. ngclearn gives the class no biases.
//!
//! ngclearn 3.1.1's own constructor cannot run (it reads `weights.value`, which its
//! compartments do not have); this class computes what the rest of its code does, and
//! its reference outputs were made by that code with that one read supplied.

use crate::components::synapses::dense_synapse::{Dense, DenseParams};
use crate::core::component::{filled, Component};
use crate::core::rng::Key;
use crate::core::xla_math::{clip, exp_xla};
use crate::error::{Error, Result};
use crate::utils::distribution_generator::Initializer;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of an [`STDPSynapse`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct STDPSynapseParams {
    /// Strength of long-term potentiation (LTP)
    #[param(check = finite, name = "A_plus")]
    pub a_plus: f32,
    /// Strength of long-term depression (LTD); 0 or less: none
    #[param(check = finite, name = "A_minus")]
    pub a_minus: f32,
    /// Time constant of long-term potentiation
    #[param(default = 10.0, check = positive, units = "ms")]
    pub tau_plus: f32,
    /// Time constant of long-term depression
    #[param(default = 10.0, check = positive, units = "ms")]
    pub tau_minus: f32,
    /// Weight decay (subtracted as W * w_decay each update when tau_w is 0)
    #[param(default = 0.0, check = finite)]
    pub w_decay: f32,
    /// Global learning rate (initial value of the `eta` compartment)
    #[param(default = 1.0, check = finite)]
    pub eta: f32,
    /// Time constant of the Euler-style update (0: the raw update)
    #[param(default = 0.0, check = finite, units = "ms")]
    pub tau_w: f32,
    /// Initialiser of the weights W
    #[param(default = None, text = "uniform(0.025, 0.8)", skip_kwargs)]
    pub weight_init: Option<Initializer>,
    /// Resistance scaling factor applied to the output
    #[param(default = 1.0, check = finite)]
    pub resist_scale: f32,
    /// Probability of a connection existing (otherwise masked to zero)
    #[param(default = 1.0, check = finite)]
    pub p_conn: f32,
    /// Upper bound of the weights (they are clipped to [0.001, w_bound - 0.001])
    ///
    /// Kept in double precision: ngclearn forms `w_bound - 0.001` before float32.
    #[param(default = 1.0)]
    pub w_bound: f64,
    /// Rows of the batch dimension (1: ngclearn runs no other)
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

/// The pair-based STDP synapse (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.hebbian.STDPSynapse.STDPSynapse",
    description = "Dense synapse learning by classical pair-based spike-timing-dependent plasticity",
    dynamics = "advance_state: outputs = (inputs . (W * mask)) * resist_scale\n\
               evolve: d = (post_tols - pre_tols) [both > 0];\n\
               dW = exp(-d / tau_plus) [d > 0] postSpike A_plus - exp(-d / tau_minus) [d < 0] preSpike A_minus;\n\
               W = W + (-W dt / tau_w + dW eta) (tau_w > 0) or W + dW eta - W w_decay; W = clip(W, 0.001, w_bound - 0.001)",
    head = shape,
    extends = crate::components::synapses::dense_synapse::DenseSynapse,
    keywords(advance_state = []),
    fixed(bias_init = None::<Initializer>),
    methods = crate::core::schema::ADVANCE_EVOLVE_RESET,
    split = columns,
)]
pub struct STDPSynapse {
    #[compartment(flatten)]
    base: Dense,
    /// Pre-synaptic spikes (s_j), the factor of the depression term
    #[compartment(input, name = "preSpike", shape = "(batch_size, n_pre)")]
    pre_spike: Array2<f32>,
    /// Post-synaptic spikes (s_i), the factor of the potentiation term
    #[compartment(input, name = "postSpike", shape = "(batch_size, n_post)")]
    post_spike: Array2<f32>,
    /// Time of each pre-synaptic unit's last spike (0: none)
    #[compartment(input, shape = "(batch_size, n_pre)", units = "ms")]
    pre_tols: Array2<f32>,
    /// Time of each post-synaptic unit's last spike (0: none)
    #[compartment(input, shape = "(batch_size, n_post)", units = "ms")]
    post_tols: Array2<f32>,
    /// The last update of the weights (before eta)
    #[compartment(state, name = "dWeights", shape = "(n_pre, n_post)")]
    d_weights: Array2<f32>,
    /// Learning rate
    #[compartment(state, shape = "(1, 1)")]
    eta: Array2<f32>,
    p: STDPSynapseParams,
    /// The upper clip bound, `w_bound - 0.001` as ngclearn forms it (in double
    /// precision, then float32).
    hi: f32,
}

impl STDPSynapse {
    /// Builds a synapse of shape `(n_pre, n_post)`.
    pub fn new(name: &str, shape: (usize, usize), mut p: STDPSynapseParams) -> Result<Self> {
        let dense = DenseParams {
            weight_init: p.weight_init.clone(),
            bias_init: None,
            resist_scale: p.resist_scale,
            p_conn: p.p_conn,
            mask: p.mask.clone(),
            batch_size: p.batch_size,
            key: p.key,
            columns: p.columns.take(),
            storage: String::from("dense"),
            connect: None,
            background: None,
            max_delay_steps: 0,
        };
        let base = Dense::new(name, shape, &dense)?;
        let name = base.name.clone();
        p.validate(&name)?;
        let hi = (p.w_bound - 0.001) as f32;
        if !hi.is_finite() {
            return Err(Error::param(&name, "w_bound", p.w_bound, "must be finite"));
        }
        if p.batch_size != 1 {
            return Err(Error::param(
                &name,
                "batch_size",
                p.batch_size,
                "must be 1 (ngclearn's STDPSynapse learns online only)",
            ));
        }
        // (A block of a partitioned model holds its columns.)
        let (n_pre, n_post) = (shape.0, base.shape.1);
        let z = |s| filled(&name, "shape", s, 0.0);
        Ok(STDPSynapse {
            pre_spike: z((1, n_pre))?,
            post_spike: z((1, n_post))?,
            pre_tols: z((1, n_pre))?,
            post_tols: z((1, n_post))?,
            d_weights: z((n_pre, n_post))?,
            eta: Array2::from_elem((1, 1), p.eta),
            hi,
            base,
            p,
        })
    }

    /// One `evolve` of `dt` ms.
    fn learn(&mut self, dt: f32) {
        let p = &self.p;
        let (ap, am, tau_w, decay, hi) = (p.a_plus, p.a_minus, p.tau_w, p.w_decay, self.hi);
        // XLA divides by a constant as a multiplication by its float32 reciprocal.
        let (rp, rm, rw) = (1.0 / p.tau_plus, 1.0 / p.tau_minus, 1.0 / tau_w);
        let eta = self.eta[[0, 0]];
        let n_post = self.base.shape.1;
        let (pre_s, post_s) = (&self.pre_spike, &self.post_spike);
        let (pre_t, post_t) = (&self.pre_tols, &self.post_tols);
        let w = self.base.weights.as_slice_mut().expect("standard layout");
        let dw = self.d_weights.as_slice_mut().expect("standard layout");
        let mask = |x: bool| if x { 1.0f32 } else { 0.0 };
        for (i, (w_row, dw_row)) in w
            .chunks_exact_mut(n_post)
            .zip(dw.chunks_exact_mut(n_post))
            .enumerate()
        {
            let (ti, si) = (pre_t[[0, i]], pre_s[[0, i]]);
            let ltd = si * am;
            for (j, (w, d)) in w_row.iter_mut().zip(dw_row.iter_mut()).enumerate() {
                let (tj, sj) = (post_t[[0, j]], post_s[[0, j]]);
                // ((W * 0 + 1) * post_tols) - pre_tols, each a * b + c fused.
                let ones = w.mul_add(0.0, 1.0);
                let delta = ones.mul_add(tj, -ti) * mask(tj > 0.0) * mask(ti > 0.0);
                let post_term = exp_xla(-delta * rp) * mask(delta > 0.0);
                let v = if am > 0.0 {
                    let pre_term = exp_xla(-delta * rm) * mask(delta < 0.0);
                    post_term.mul_add(sj * ap, -pre_term * ltd)
                } else {
                    post_term.mul_add(sj * ap, 0.0)
                };
                *d = v;
                let next = if tau_w > 0.0 {
                    *w + v.mul_add(eta, (-*w * dt) * rw)
                } else {
                    // (XLA fuses the first product with its sum, not the decay's.)
                    v.mul_add(eta, *w) - *w * decay
                };
                // jnp.clip: min(max(x, lo), hi).
                *w = clip(next, 0.001, hi);
            }
        }
        self.base.unit_weights = None;
    }
}

impl Component for STDPSynapse {
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
        // Everything but the weights and eta.
        self.base.reset();
        self.pre_spike.fill(0.0);
        self.post_spike.fill(0.0);
        self.pre_tols.fill(0.0);
        self.post_tols.fill(0.0);
        self.d_weights.fill(0.0);
    }
    fn saves_as_scalar(&self, index: usize) -> bool {
        index == Dense::BIASES || index == Self::ETA
    }
}
