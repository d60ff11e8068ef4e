//! `STPDenseSynapse`: a dense synapse with short-term plasticity (Tsodyks-Markram):
//! facilitation of the release probability `u` and depression of the resources `x`.
//!
//! Per synapse `(i, j)`, with its resource `U` (`resources`) and the gating spike `s`,
//! as ngclearn 3.1.1's code computes it under XLA (float32; `1 / tau_f` and `1 / tau_d`
//! formed in double precision; each `a * b + c` one fused multiply-add; `dt` unused, the
//! time constants are in steps):
//! ```text
//! u    = fma(U * (1 - u), s, fma(-u, 1 / tau_f, u))      (tau_f > 0; else u = U)
//! Wdyn = fma((W * u) * x, s, Wdyn * (1 - s))
//! x    = fma(-(u * x), s, fma(1 - x, 1 / tau_d, x))      (tau_d > 0; else x is kept)
//! outputs = inputs · (Wdyn * resist_scale) + biases
//! ```
//! Which spike gates synapse `(i, j)`: ngclearn 3.1.1 keeps `u` and `x` as
//! `(batch_size, n_pre)` rows and multiplies them with the `(n_pre, n_post)` resources,
//! so numpy's broadcasting lines the pre-synaptic index up with the last (post-synaptic)
//! axis. It runs only when `n_pre == n_post` (with `batch_size` 1 or `n_pre`), and
//! then synapse `(i, j)` is gated by `inputs[r, j]` (`r` = 0, or `i` for a batch of
//! `n_pre`), with `u`, `x` and `Wdyn` becoming `(n_pre, n_post)` after the first step.
//! That is reproduced here. For `n_pre != n_post`, where ngclearn fails, this follows
//! its documented per-synapse equations instead: synapse `(i, j)` is gated by its own
//! pre-synaptic unit, `inputs[0, i]` (a batch of more than one row is refused there).
//! `u`, `x` and `Wdyn` are kept as `(n_pre, n_post)` from the start (their rest values
//! broadcast), so a model ngclearn saved right after a reset, when they are still rows,
//! does not load. `reset` sets `u` to 0, `x` to 1 and `Wdyn` to 0, and keeps the
//! weights and resources. The resources are drawn with the key the biases use
//! (`split(key, 4)[3]`), as ngclearn draws them.
//! The dense base's `mask` is accepted and, as in ngclearn 3.1.1's `STPDenseSynapse`
//! (whose step uses the weights alone), not applied.

use super::dense_synapse::{Dense, DenseParams};
use crate::core::component::filled;
use crate::core::rng::Key;
use crate::core::component::Component;
use crate::error::{Error, Result};
use crate::utils::distribution_generator::{DistributionGenerator, Initializer};
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of an [`STPDenseSynapse`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct STPDenseSynapseParams {
    /// Initialiser of the weights W
    #[param(default = None, none_means = crate::components::synapses::dense_synapse::default_weight_init(), text = "uniform(0.025, 0.8)", skip_kwargs)]
    pub weight_init: Option<Initializer>,
    /// Initialiser of the biases b
    #[param(default = None, text = "none (zero biases)", skip_kwargs)]
    pub bias_init: Option<Initializer>,
    /// Resistance scaling factor applied to the output
    #[param(default = 1.0, check = finite)]
    pub resist_scale: f32,
    /// Probability of a connection existing (otherwise masked to zero)
    #[param(default = 1.0, check = finite)]
    pub p_conn: f32,
    /// Facilitation time constant, in steps (0: u = resources)
    #[param(default = 750.0)]
    pub tau_f: f64,
    /// Depression time constant, in steps (0: no depression)
    #[param(default = 50.0)]
    pub tau_d: f64,
    /// Initialiser of the resources U
    #[param(default = None, none_means = default_resources_init(), text = "uniform(0.125, 0.175)", skip_kwargs)]
    pub resources_init: Option<Initializer>,
    /// Rows of the batch dimension (above 1: only batch_size == n_pre == n_post, as ngclearn)
    #[param(default = 1, check = count, omit_default, keyword_only)]
    pub batch_size: usize,
    /// The dense base's mask
    #[param(default = None, text = "ones (1, 1)", skip_kwargs, keyword_only)]
    pub mask: Option<Array2<f32>>,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The resources' initialiser when none is given: `uniform(0.125, 0.175)`, as
/// ngclearn's (which keeps it as the synapse's `resources_init`).
pub fn default_resources_init() -> Initializer {
    DistributionGenerator::uniform(0.125, 0.175)
}

/// The short-term plasticity synapse (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.STPDenseSynapse.STPDenseSynapse",
    description = "Dense synapse with short-term facilitation and depression (Tsodyks-Markram)",
    dynamics = "u = u - u / tau_f + U (1 - u) s; Wdyn = W u x s + Wdyn (1 - s); x = x + (1 - x) / tau_d - u x s;\n\
               outputs = inputs . (Wdyn * resist_scale) + biases  (s: the gating spike, see the class doc)",
    head = shape,
    extends = crate::components::synapses::dense_synapse::DenseSynapse,
    notes = "ngclearn 3.1.1 runs it only for n_pre == n_post (the gating spike is then its broadcasting's); other shapes follow its documented equations.",
)]
pub struct STPDenseSynapse {
    #[compartment(flatten)]
    base: Dense,
    /// Release probability (facilitation) per synapse
    #[compartment(state, shape = "(n_pre, n_post)")]
    u: Array2<f32>,
    /// Available resources (depression) per synapse
    #[compartment(state, shape = "(n_pre, n_post)")]
    x: Array2<f32>,
    /// Dynamic (effective) weights
    #[compartment(state, name = "Wdyn", shape = "(n_pre, n_post)")]
    wdyn: Array2<f32>,
    /// Synaptic resources U
    #[compartment(state, shape = "(n_pre, n_post)")]
    resources: Array2<f32>,
    p: STPDenseSynapseParams,
    /// `1 / tau_f`, `1 / tau_d` in float32.
    inv: (f32, f32),
}

impl STPDenseSynapse {
    /// Builds a synapse of shape `(n_pre, n_post)`.
    pub fn new(name: &str, shape: (usize, usize), p: STPDenseSynapseParams) -> Result<Self> {
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
        let (n_pre, n_post) = shape;
        let b = p.batch_size;
        if b > 1 && !(b == n_pre && n_pre == n_post) {
            return Err(Error::param(
                &name,
                "batch_size",
                b,
                "a batch runs only when batch_size == n_pre == n_post (as in ngclearn 3.1.1)",
            ));
        }
        let inv = |field: &str, tau: f64| -> Result<f32> {
            if tau < 0.0
                || !(tau as f32).is_finite()
                || (tau > 0.0 && !((1.0 / tau) as f32).is_finite())
            {
                return Err(Error::param(
                    &name,
                    field,
                    tau,
                    "it must be 0 or positive, with 1 / it finite",
                ));
            }
            Ok(if tau > 0.0 { (1.0 / tau) as f32 } else { 0.0 })
        };
        let inv = (inv("tau_f", p.tau_f)?, inv("tau_d", p.tau_d)?);
        let [_, _, _, k3] = base.key.split::<4>();
        let init = p
            .resources_init
            .clone()
            .unwrap_or_else(default_resources_init);
        let resources = init.generate(&name, shape, k3)?;
        let z = |v| filled(&name, "shape", shape, v);
        Ok(STPDenseSynapse {
            u: z(0.0)?,
            x: z(1.0)?,
            wdyn: z(0.0)?,
            resources,
            base,
            p,
            inv,
        })
    }

    fn step(&mut self) {
        let (n_pre, n_post) = self.base.shape;
        let square = n_pre == n_post;
        let (tau_f, tau_d) = (self.p.tau_f > 0.0, self.p.tau_d > 0.0);
        let (inv_f, inv_d) = self.inv;
        let rs = self.p.resist_scale;
        let STPDenseSynapse {
            base,
            u,
            x,
            wdyn,
            resources,
            ..
        } = self;
        let s = &base.inputs;
        let batch = s.nrows() > 1;
        crate::core::simd::with_simd(
            #[inline(always)]
            || {
                for i in 0..n_pre {
                    for j in 0..n_post {
                        // The gating spike (see the class doc).
                        let g = match (square, batch) {
                            (true, false) => s[[0, j]],
                            (true, true) => s[[i, j]],
                            (false, _) => s[[0, i]],
                        };
                        let (u0, x0) = (u[[i, j]], x[[i, j]]);
                        let u1 = if tau_f {
                            (resources[[i, j]] * (1.0 - u0)).mul_add(g, (-u0).mul_add(inv_f, u0))
                        } else {
                            resources[[i, j]]
                        };
                        wdyn[[i, j]] =
                            ((base.weights[[i, j]] * u1) * x0).mul_add(g, wdyn[[i, j]] * (1.0 - g));
                        if tau_d {
                            x[[i, j]] = (-(u1 * x0)).mul_add(g, (1.0 - x0).mul_add(inv_d, x0));
                        }
                        u[[i, j]] = u1;
                    }
                }
                // outputs = inputs . (Wdyn * resist_scale) + biases: XLA's chain of fused
                // multiply-adds over the inputs, then the bias.
                for (s_row, mut out) in s.rows().into_iter().zip(base.outputs.rows_mut()) {
                    for (j, o) in out.iter_mut().enumerate() {
                        let mut acc = 0.0f32;
                        for (i, &si) in s_row.iter().enumerate() {
                            acc = si.mul_add(wdyn[[i, j]] * rs, acc);
                        }
                        *o = acc + base.biases[[0, j]];
                    }
                }
            },
        );
    }
}

impl Component for STPDenseSynapse {
    fn changed(&mut self, index: usize) {
        self.base.changed(index);
    }
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        self.step();
    }
    fn reset(&mut self) {
        self.base.reset();
        self.u.fill(0.0);
        self.x.fill(1.0);
        self.wdyn.fill(0.0);
    }
    fn saves_as_scalar(&self, index: usize) -> bool {
        index == Dense::BIASES && self.base.saves_biases_as_scalar()
    }
}
