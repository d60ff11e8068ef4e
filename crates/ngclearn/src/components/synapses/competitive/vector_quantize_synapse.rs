//! `VectorQuantizeSynapse`: learning vector quantisation (LVQ) as a synaptic cable, each
//! column of its weights a prototype.
//!
//! As ngclearn 3.1.1 (`ngclearn.components.synapses.competitive.vectorQuantizeSynapse`,
//! not exported from `ngclearn.components`), with `x` the inputs of `B` rows and `W` the
//! `(n_pre, n_post)` prototypes:
//! ```text
//! advance_state:
//!   x = x / ||x||_2  (per row, as x * rsqrt(sum x^2); written back into inputs)
//!   outputs = 1 where ||x - W[:, n]||_p is smallest in the row (ties all win), else 0
//!   pred_labels = outputs . label_weights^T                          (label_dim > 0)
//! evolve:
//!   x_s = x, or with labels: x * (+1 where argmax(labels) = argmax(outputs . label_weights^T),
//!         -1 where not, +1 where the winner's label memory is empty)
//!   dW = x_s^T . outputs - W syn_decay
//!   dW = dW + sqrt(2 eta) eps + eps (2 eta) zeta,  eps = normal(key)    (zeta > 0)
//!   dW = dW (w_bound - |W|)                                             (w_bound > 0)
//!   dWeights = dW;  W = W + dW eta;  eta = max(1e-5, eta - eta_decrement);  i_tick += 1
//! ```
//! `p` is 2 when `distance_function`'s name contains `euclidean`, 1 for `manhattan`,
//! infinity for `chebyshev`, else the order given; a Minkowski order other than 1, 2 and
//! infinity sums `|d|^p` and takes the `1/p`-th power as XLA does (`pow_xla`; the sum's
//! order in XLA's fusion is not reproduced, which can only change a winner at a near
//! tie). `reset` zeroes the signals, the labels and `dWeights` (not `eta` nor `i_tick`).
//! ngclearn never changes `label_weights` (only `initial_patterns` sets them).

use crate::components::synapses::dense_synapse::{Dense, DenseParams};
use crate::core::component::{filled, Component};
use crate::core::rng::Key;
use crate::core::xla_math::{dot_chain_xla, maximum, pow_xla, row_sum_of_squares_xla, rsqrt_xla};
use crate::error::{Error, Result};
use crate::utils::distribution_generator::Initializer;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`VectorQuantizeSynapse`], with ngclearn's names and defaults, in
/// its constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct VectorQuantizeSynapseParams {
    /// Initial learning rate
    #[param(default = 0.3, check = finite)]
    pub eta: f32,
    /// Decrease of the learning rate per update
    #[param(default = 0.00001, check = finite)]
    pub eta_decrement: f32,
    /// Weight decay of the updates
    #[param(default = 0.0, check = finite)]
    pub syn_decay: f32,
    /// Soft bound of the weights' magnitude (0: none)
    #[param(default = 0.0, check = finite)]
    pub w_bound: f32,
    /// Distance: (name, order), euclidean, manhattan, chebyshev or minkowski with its order
    #[param(default = (String::from("minkowski"), 2.0), text = "(\"minkowski\", 2)")]
    pub distance_function: (String, f32),
    /// Width of the label memory (0: unsupervised)
    #[param(default = 0, omit_default)]
    pub label_dim: usize,
    /// Prototypes stored as the memory, (n_pre, n_post)
    #[param(default = None, text = "none", skip_kwargs)]
    pub initial_patterns: Option<Array2<f32>>,
    /// Scale of the Langevin noise of the updates (0: none)
    #[param(default = 0.0, check = finite)]
    pub langevin_noise_scale: f32,
    /// Initialiser of the prototypes W
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

/// How a row's distance to a prototype is measured.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Norm {
    L1,
    L2,
    Max,
    /// `(sum |d|^p)^(1/p)`.
    P(f32),
}

/// Learning vector quantisation (see the module documentation).
///
/// ```
/// use ngclearn::components::synapses::competitive::{VectorQuantizeSynapse, VectorQuantizeSynapseParams};
/// use ngclearn::prelude::*;
/// let mut p = VectorQuantizeSynapseParams::new();
/// p.initial_patterns = Some(ndarray::array![[1.0f32, 0.0], [0.0, 1.0]]);
/// let mut ctx = Context::new("lvq");
/// ctx.add(VectorQuantizeSynapse::new("Q", (2, 2), p)?)?;
/// ctx.process("match", &[("Q", Method::AdvanceState)])?;
/// let mut m = ctx.build()?;
/// m.set("Q:inputs", &ndarray::array![[0.2f32, 3.0]])?;
/// m.run_named("match", 0.0, 1.0)?;
/// assert_eq!(m.get("Q:outputs")?, ndarray::array![[0.0f32, 1.0]]);
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.competitive.vectorQuantizeSynapse.VectorQuantizeSynapse",
    description = "Learning vector quantisation: the nearest prototype wins and moves toward (or, mislabelled, away from) the input",
    dynamics = "advance_state: x = x / ||x||; outputs = 1 at argmin_n ||x - W[:, n]||_p; pred_labels = outputs . label_weights^T\n\
               evolve: dW = (x * sign)^T . outputs - W syn_decay [+ Langevin noise] [* (w_bound - |W|)]; \
               W = W + dW eta; eta = max(1e-5, eta - eta_decrement); i_tick += 1",
    head = shape,
    extends = crate::components::synapses::dense_synapse::DenseSynapse,
    fixed(bias_init = None::<Initializer>),
    keywords(advance_state = [], evolve = [t, dt], reset = []),
    methods = crate::core::schema::ADVANCE_EVOLVE_RESET,
    sizes = Self::sizes,
    notes = "Not exported from ngclearn.components in 3.1.1 (its module path is \
             ngclearn.components.synapses.competitive.vectorQuantizeSynapse). advance_state \
             normalises the inputs in place, as ngclearn's does. initial_patterns with fewer than \
             n_post columns (which ngclearn places by a key permutation) are refused, as are labels \
             among them.",
)]
pub struct VectorQuantizeSynapse {
    #[compartment(flatten)]
    base: Dense,
    /// Label units (one-hot targets)
    #[compartment(input, shape = "(batch_size, n_labels) or (1, 1)")]
    labels: Array2<f32>,
    /// Predicted label values of the winners
    #[compartment(output, shape = "(batch_size, n_labels) or (1, 1)")]
    pred_labels: Array2<f32>,
    /// Label memory of each prototype
    #[compartment(state, shape = "(n_labels, n_post) or (1, 1)")]
    label_weights: Array2<f32>,
    /// Current learning rate
    #[compartment(state, shape = "(1, 1)")]
    eta: Array2<f32>,
    /// Number of updates so far
    #[compartment(state, shape = "(1, 1)")]
    i_tick: Array2<f32>,
    /// The last change of the weights (before eta)
    #[compartment(state, name = "dWeights", shape = "(n_pre, n_post)")]
    d_weights: Array2<f32>,
    p: VectorQuantizeSynapseParams,
    norm: Norm,
    /// Scratch: `n_pre` differences of a row to a prototype, each row's distances
    /// (`n_post`), each row's sign of the update (`batch`), the Langevin noise (`(n_pre,
    /// n_post)`).
    diff: Vec<f32>,
    dist: Vec<f32>,
    sign: Vec<f32>,
    noise: Array2<f32>,
}

impl VectorQuantizeSynapse {
    /// Builds `n_post` prototypes of `n_pre` values.
    pub fn new(name: &str, shape: (usize, usize), p: VectorQuantizeSynapseParams) -> Result<Self> {
        let name = crate::core::component::valid_name(name)?;
        p.validate(&name)?;
        let (dname, order) = (&p.distance_function.0, p.distance_function.1);
        let lower = dname.to_lowercase();
        let order = if lower.contains("euclidean") {
            2.0
        } else if lower.contains("manhattan") {
            1.0
        } else if lower.contains("chebyshev") {
            f32::INFINITY
        } else {
            order
        };
        let norm = match order {
            1.0 => Norm::L1,
            2.0 => Norm::L2,
            o if o == f32::INFINITY => Norm::Max,
            o if o > 0.0 && o.is_finite() => Norm::P(o),
            o => {
                return Err(Error::param(
                    &name,
                    "distance_function",
                    format!("({dname:?}, {o})"),
                    "needs an order above 0 (or a name: euclidean, manhattan, chebyshev)",
                ))
            }
        };
        let mut base = Dense::new(
            &name,
            shape,
            &DenseParams::drawn(p.weight_init.clone(), p.resist_scale, p.p_conn, p.batch_size, p.key),
        )?;
        if let Some(pat) = &p.initial_patterns {
            if pat.dim() != shape {
                return Err(Error::param(
                    &name,
                    "initial_patterns",
                    format!("{:?}", pat.shape()),
                    &format!(
                        "must be ({}, {}): n_pre values by n_post prototypes (fewer, which ngclearn \
                         places among drawn ones by a key permutation, are not supported)",
                        shape.0, shape.1
                    ),
                ));
            }
            base.weights.assign(pat);
        }
        let b = p.batch_size;
        let z = |s| filled(&name, "shape", s, 0.0);
        let (labels, label_weights) = if p.label_dim > 0 {
            (z((b, p.label_dim))?, z((p.label_dim, shape.1))?)
        } else {
            (z((1, 1))?, z((1, 1))?)
        };
        Ok(VectorQuantizeSynapse {
            pred_labels: labels.clone(),
            labels,
            label_weights,
            eta: Array2::from_elem((1, 1), p.eta),
            i_tick: z((1, 1))?,
            d_weights: base.weights.mapv(|w| w * 0.0),
            diff: vec![0.0; shape.0],
            dist: vec![0.0; shape.1],
            sign: vec![1.0; b],
            noise: if p.langevin_noise_scale > 0.0 { z(shape)? } else { z((0, 0))? },
            norm,
            base,
            p,
        })
    }

    /// The sizes its shapes name: `n_labels`, the label memory's width (`label_dim`, or
    /// 1 without labels).
    pub fn sizes(kw: &crate::core::kwargs::Kwargs) -> Option<crate::core::class::NamedSizes> {
        let n = match kw.peek("label_dim") {
            None => 0,
            Some(v) => usize::try_from(v.as_u64()?).ok()?,
        };
        Some(vec![("n_labels", n.max(1))])
    }

    /// A row's distance from its differences `d`.
    fn distance(norm: Norm, d: &[f32]) -> f32 {
        match norm {
            Norm::L2 => row_sum_of_squares_xla(d).sqrt(),
            Norm::L1 => d.iter().fold(0.0f32, |a, v| a + v.abs()),
            Norm::Max => d.iter().fold(0.0f32, |a, v| maximum(a, v.abs())),
            Norm::P(p) => {
                // |d|^p (jnp.linalg.norm passes the order as an array: XLA's pow), then
                // the sum to the power 1 / p (computed in double by Python).
                let sum = d.iter().fold(0.0f32, |a, v| a + pow_xla(v.abs(), p));
                pow_xla(sum, (1.0 / p as f64) as f32)
            }
        }
    }
}

/// The index of the first largest value of `xs` (`jnp.argmax`: NaN counts as largest).
fn argmax(xs: impl Iterator<Item = f32>) -> usize {
    let mut best = (0, f32::NEG_INFINITY);
    for (i, x) in xs.enumerate() {
        if i == 0 || x > best.1 || (x.is_nan() && !best.1.is_nan()) {
            best = (i, x);
        }
    }
    best.0
}

impl Component for VectorQuantizeSynapse {
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        let (n_pre, n_post) = self.base.shape;
        let norm = self.norm;
        for mut row in self.base.inputs.rows_mut() {
            let r = row.as_slice_mut().expect("standard layout");
            // x / norm(x), which XLA computes as x * rsqrt(sum x^2).
            let inv = rsqrt_xla(row_sum_of_squares_xla(r));
            r.iter_mut().for_each(|v| *v *= inv);
        }
        let w = &self.base.weights;
        for (x, mut out) in self.base.inputs.rows().into_iter().zip(self.base.outputs.rows_mut()) {
            for n in 0..n_post {
                for d in 0..n_pre {
                    self.diff[d] = x[d] - w[[d, n]];
                }
                self.dist[n] = -Self::distance(norm, &self.diff);
            }
            let best = self.dist.iter().fold(f32::NEG_INFINITY, |a, &v| maximum(a, v));
            for (o, &v) in out.iter_mut().zip(&self.dist) {
                *o = if v >= best { 1.0 } else { 0.0 };
            }
        }
        if self.p.label_dim > 0 {
            let (z, yw) = (&self.base.outputs, &self.label_weights);
            for (b, mut pr) in self.pred_labels.rows_mut().into_iter().enumerate() {
                for (l, v) in pr.iter_mut().enumerate() {
                    *v = dot_chain_xla(n_post, |n| z[[b, n]], |n| yw[[l, n]]);
                }
            }
        }
    }

    fn evolve(&mut self, _t: f32, _dt: f32) {
        let (n_pre, n_post) = self.base.shape;
        let rows = self.base.inputs.nrows();
        let (x, z) = (&self.base.inputs, &self.base.outputs);
        if self.p.label_dim > 0 {
            let (y, yw) = (&self.labels, &self.label_weights);
            for b in 0..rows {
                // The winners' label memory, z . YW^T, one chain per label.
                let mem = |l: usize| dot_chain_xla(n_post, |n| z[[b, n]], |n| yw[[l, n]]);
                let labels = self.p.label_dim;
                let total = (0..labels).fold(0.0f32, |a, l| a + mem(l));
                let exists = if total > 0.0 { 1.0 } else { 0.0 };
                let same = argmax((0..labels).map(|l| y[[b, l]])) == argmax((0..labels).map(mem));
                let dy = if same { 1.0f32 } else { 0.0 } * 2.0 - 1.0;
                self.sign[b] = dy * exists + (1.0 - exists);
            }
        }
        let eta = self.eta[[0, 0]];
        let zeta = self.p.langevin_noise_scale;
        if zeta > 0.0 {
            let [next, k1, _] = self.base.key.split::<3>();
            self.base.key = next;
            k1.normal_into(self.noise.as_slice_mut().expect("standard layout"));
        }
        let labelled = self.p.label_dim > 0;
        let (decay, bound) = (self.p.syn_decay, self.p.w_bound);
        let root = (2.0 * eta).sqrt();
        for d in 0..n_pre {
            for n in 0..n_post {
                let xs = |b: usize| if labelled { x[[b, d]] * self.sign[b] } else { x[[b, d]] };
                let acc = dot_chain_xla(rows, xs, |b| z[[b, n]]);
                let w = self.base.weights[[d, n]];
                let mut dw = (-w).mul_add(decay, acc);
                if zeta > 0.0 {
                    let e = self.noise[[d, n]];
                    dw = root.mul_add(e, dw);
                    dw = (e * (2.0 * eta)).mul_add(zeta, dw);
                }
                if bound > 0.0 {
                    dw *= bound - w.abs();
                }
                self.d_weights[[d, n]] = dw;
                self.base.weights[[d, n]] = dw.mul_add(eta, w);
            }
        }
        self.base.unit_weights = None;
        self.eta[[0, 0]] = maximum(1e-5, eta - self.p.eta_decrement);
        self.i_tick[[0, 0]] += 1.0;
    }

    fn reset(&mut self) {
        self.base.reset();
        // ngclearn: labels * 0, pred_labels * 0 (a negative value's zero is -0).
        self.labels.mapv_inplace(|v| v * 0.0);
        self.pred_labels.mapv_inplace(|v| v * 0.0);
        self.d_weights.fill(0.0);
    }

    fn changed(&mut self, index: usize) {
        self.base.changed(index);
    }

    fn saves_as_scalar(&self, index: usize) -> bool {
        index == Dense::BIASES
    }
}
