//! `ART2ASynapse`: adaptive resonance theory for real-valued inputs (ART2A-C) as a
//! synaptic cable, each column of its weights a category's memory.
//!
//! As ngclearn 3.1.1 (`ngclearn.components.synapses.competitive.ART2ASynapse`, not
//! exported from `ngclearn.components`), with `x` the inputs of `B` rows, `W` the
//! `(n_pre, n_post)` memories (zero at first: memories are placed with `insert`) and
//! `used` the `(1, n_post)` marks of the slots in use:
//! ```text
//! advance_state:
//!   xprobe = x / ||x||_2                                   (per row)
//!   sims = xprobe . W;  sims = sims used + (1 - used) (min_n(sims) - 1)
//!   outputs = sims where it is the row's largest (ties all), else 0
//! evolve:
//!   hits = outputs >= vigilance;  m = 1 where a row has a hit
//!   dW = ((xprobe - outputs . W^T) m)^T . hits;  W = W + dW eta
//!   misses = 1 - m;  eta = max(1e-5, eta - eta_decrement);  i_tick += 1
//! ```
//! `reset` zeroes the signals, `xprobe`, `misses` and `dWeights` (which ngclearn's rule
//! never writes). ngclearn's `insert(x, idx)` (a memory placed by hand) is the Python
//! package's; its `grow` (more slots) changes the shapes, which this component fixes at
//! construction: refused there; its `consolidate` fails in ngclearn 3.1.1 (it converts a
//! traced value to an int): not a method here.

use crate::components::synapses::dense_synapse::{Dense, DenseParams};
use crate::core::component::{filled, Component};
use crate::core::rng::Key;
use crate::core::xla_math::{dot_chain_xla, maximum, minimum, row_sum_of_squares_xla, rsqrt_xla};
use crate::error::Result;
use crate::utils::distribution_generator::Initializer;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of an [`ART2ASynapse`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct ART2ASynapseParams {
    /// Initial learning rate
    #[param(default = 0.05, check = finite)]
    pub eta: f32,
    /// Decrease of the learning rate per update
    #[param(default = 0.0, check = finite)]
    pub eta_decrement: f32,
    /// Vigilance (rho): the similarity a winner needs to learn
    #[param(default = 0.3, check = finite)]
    pub vigilance: f32,
    /// Initialiser of the weights (drawn, then zeroed, as ngclearn does)
    #[param(default = None, none_means = crate::components::synapses::dense_synapse::default_weight_init(), text = "uniform(0.025, 0.8)", skip_kwargs)]
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

/// ART2A (see the module documentation).
///
/// ```
/// use ngclearn::components::synapses::competitive::{ART2ASynapse, ART2ASynapseParams};
/// use ngclearn::prelude::*;
/// let mut ctx = Context::new("art");
/// ctx.add(ART2ASynapse::new("A", (2, 2), ART2ASynapseParams::new())?)?;
/// ctx.process("adv", &[("A", Method::AdvanceState)])?;
/// let mut m = ctx.build()?;
/// // Two memories in use: (1, 0) and (0, 1).
/// m.set("A:weights", &ndarray::array![[1.0f32, 0.0], [0.0, 1.0]])?;
/// m.set("A:used", &ndarray::array![[1.0f32, 1.0]])?;
/// m.set("A:inputs", &ndarray::array![[3.0f32, 4.0]])?;
/// m.run_named("adv", 0.0, 1.0)?;
/// // The probe is (0.6, 0.8): the second memory wins with its similarity.
/// let z = m.get("A:outputs")?;
/// assert_eq!(z[[0, 0]], 0.0);
/// assert!((z[[0, 1]] - 0.8).abs() < 1e-6);
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.competitive.ART2ASynapse.ART2ASynapse",
    description = "Adaptive resonance (ART2A-C): the most similar used memory wins and, if resonant, moves toward the input",
    dynamics = "advance_state: xprobe = x / ||x||; sims = xprobe . W (unused slots below the least); \
               outputs = sims at the row's winner\n\
               evolve: hits = outputs >= vigilance; m = any(hits); dW = ((xprobe - outputs . W^T) m)^T . hits; \
               W = W + dW eta; misses = 1 - m; eta = max(1e-5, eta - eta_decrement); i_tick += 1",
    head = shape,
    extends = crate::components::synapses::dense_synapse::DenseSynapse,
    fixed(bias_init = None::<Initializer>),
    keywords(advance_state = [], evolve = [t, dt], reset = []),
    methods = crate::core::schema::ADVANCE_EVOLVE_RESET,
    notes = "Not exported from ngclearn.components in 3.1.1 (its module path is \
             ngclearn.components.synapses.competitive.ART2ASynapse). The weights start at zero and \
             no slot is used: memories are placed with insert(x, idx) (the Python package's, as \
             ngclearn's) or by setting weights and used. grow (which changes the shapes) is refused; \
             consolidate, which fails in ngclearn 3.1.1, is not a method.",
)]
pub struct ART2ASynapse {
    #[compartment(flatten)]
    base: Dense,
    /// The normalised inputs
    #[compartment(state, shape = "(batch_size, n_pre)")]
    xprobe: Array2<f32>,
    /// Current learning rate
    #[compartment(state, shape = "(1, 1)")]
    eta: Array2<f32>,
    /// Number of updates so far
    #[compartment(state, shape = "(1, 1)")]
    i_tick: Array2<f32>,
    /// ngclearn's dWeights (its rule never writes it)
    #[compartment(state, name = "dWeights", shape = "(n_pre, n_post)")]
    d_weights: Array2<f32>,
    /// 1 for each row without a resonant winner
    #[compartment(state, shape = "(batch_size, 1)")]
    misses: Array2<f32>,
    /// 1 for each memory slot in use
    #[compartment(state, shape = "(1, n_post)")]
    used: Array2<f32>,
    p: ART2ASynapseParams,
    /// Scratch: each row's `(xprobe - outputs . W^T) m` (`(batch, n_pre)`) and hits
    /// (`(batch, n_post)`).
    wnew: Array2<f32>,
    hits: Array2<f32>,
}

impl ART2ASynapse {
    /// Builds `n_post` memory slots of `n_pre` values.
    pub fn new(name: &str, shape: (usize, usize), p: ART2ASynapseParams) -> Result<Self> {
        let name = crate::core::component::valid_name(name)?;
        p.validate(&name)?;
        let mut base = Dense::new(
            &name,
            shape,
            &DenseParams::drawn(p.weight_init.clone(), p.resist_scale, p.p_conn, p.batch_size, p.key),
        )?;
        // ngclearn: dWeights = W * 0 from the drawn weights, then W = W * 0.
        let zeroed = base.weights.mapv(|w| w * 0.0);
        base.weights.assign(&zeroed);
        let b = p.batch_size;
        let z = |s| filled(&name, "shape", s, 0.0);
        Ok(ART2ASynapse {
            xprobe: z((b, shape.0))?,
            eta: Array2::from_elem((1, 1), p.eta),
            i_tick: z((1, 1))?,
            d_weights: zeroed,
            misses: z((b, 1))?,
            used: z((1, shape.1))?,
            wnew: z((b, shape.0))?,
            hits: z((b, shape.1))?,
            base,
            p,
        })
    }
}

impl Component for ART2ASynapse {
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        let n_pre = self.base.shape.0;
        for (x, mut probe) in self.base.inputs.rows().into_iter().zip(self.xprobe.rows_mut()) {
            // x / norm(x), which XLA computes as x * rsqrt(sum x^2).
            let inv = rsqrt_xla(row_sum_of_squares_xla(x.as_slice().expect("standard layout")));
            probe.zip_mut_with(&x, |p, &v| *p = v * inv);
        }
        let (w, used) = (&self.base.weights, &self.used);
        for (x, mut out) in self.xprobe.rows().into_iter().zip(self.base.outputs.rows_mut()) {
            for (n, o) in out.iter_mut().enumerate() {
                *o = dot_chain_xla(n_pre, |d| x[d], |d| w[[d, n]]);
            }
            let least = out.iter().fold(f32::INFINITY, |a, &v| minimum(a, v));
            for (o, &u) in out.iter_mut().zip(used.iter()) {
                *o = (*o * u) + (1.0 - u) * (least - 1.0);
            }
            let best = out.iter().fold(f32::NEG_INFINITY, |a, &v| maximum(a, v));
            // sims * (sims >= best), which XLA selects: +0 for the losers.
            out.mapv_inplace(|v| if v >= best { v } else { 0.0 });
        }
    }

    fn evolve(&mut self, _t: f32, _dt: f32) {
        let (n_pre, n_post) = self.base.shape;
        let rows = self.xprobe.nrows();
        let vigilance = self.p.vigilance;
        let (z, w, x) = (&self.base.outputs, &self.base.weights, &self.xprobe);
        for b in 0..rows {
            let mut any = false;
            for n in 0..n_post {
                let hit = z[[b, n]] >= vigilance;
                self.hits[[b, n]] = if hit { 1.0 } else { 0.0 };
                any |= hit;
            }
            let m = if any { 1.0 } else { 0.0 };
            self.misses[[b, 0]] = 1.0 - m;
            for d in 0..n_pre {
                let back = dot_chain_xla(n_post, |n| z[[b, n]], |n| w[[d, n]]);
                self.wnew[[b, d]] = (-back + x[[b, d]]) * m;
            }
        }
        let eta = self.eta[[0, 0]];
        let (wnew, hits) = (&self.wnew, &self.hits);
        for d in 0..n_pre {
            for n in 0..n_post {
                let dw = dot_chain_xla(rows, |b| wnew[[b, d]], |b| hits[[b, n]]);
                let w = &mut self.base.weights[[d, n]];
                *w = dw.mul_add(eta, *w);
            }
        }
        self.base.unit_weights = None;
        self.eta[[0, 0]] = maximum(1e-5, eta - self.p.eta_decrement);
        self.i_tick[[0, 0]] += 1.0;
    }

    fn reset(&mut self) {
        self.base.reset();
        self.xprobe.fill(0.0);
        // ngclearn: misses * 0.
        self.misses.mapv_inplace(|v| v * 0.0);
        self.d_weights.fill(0.0);
    }

    fn changed(&mut self, index: usize) {
        self.base.changed(index);
    }

    fn saves_as_scalar(&self, index: usize) -> bool {
        index == Dense::BIASES
    }
}
