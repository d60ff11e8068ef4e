//! `MPSSynapse`: a synaptic cable whose `(n_pre, n_post)` weights are a matrix product
//! state of two cores, `core1 (1, n_pre, bond_dim)` and `core2 (bond_dim, n_post, 1)`.
//!
//! As ngclearn 3.1.1 (`ngclearn.components.synapses.mpsSynapse`), with `x = inputs` of
//! `B` rows, `C1 = core1[0]`, `C2 = core2[:, :, 0]`:
//! ```text
//! advance_state: outputs = (x . C1) . C2
//! evolve(eta = 0.01), with x = pre, e = post:
//!   z = x . C1;  dC2 = z^T . e;  dC1 = x^T . (e . C2^T)
//!   C1 = C1 + eta * dC1;  C2 = C2 + eta * dC2
//! ```
//! The cores are drawn as `normal * 0.05` from the key's second and third subkeys. Each
//! contraction is XLA's dot (a chain of fused multiply-adds from its first product; a
//! one-row batch's outer product a product), and each step `C + eta * dC` fused. `evolve`'s
//! `eta` is a method keyword: a process's `run(eta=...)` gives it for that call, else 0.01.
//! ngclearn's `weights` (the product `C1 . C2`) and its setter (cores from a truncated SVD)
//! are the Python package's.

use crate::core::component::{filled, Component};
use crate::core::rng::Key;
use crate::error::{Error, Result};
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// ngclearn's default of `evolve`'s `eta`.
const DEFAULT_ETA: f32 = 0.01;

/// Parameters of an [`MPSSynapse`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct MPSSynapseParams {
    /// Rank of the compression (the cores' bond dimension)
    #[param(default = 16, check = count)]
    pub bond_dim: usize,
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The matrix-product-state synapse (see the module documentation).
///
/// ```
/// use ngclearn::components::synapses::{MPSSynapse, MPSSynapseParams};
/// use ngclearn::prelude::*;
/// let mut p = MPSSynapseParams::new();
/// p.bond_dim = 2;
/// p.key = Some(Key::from_seed(3));
/// let mut ctx = Context::new("mps");
/// ctx.add(MPSSynapse::new("W", (3, 2), p)?)?;
/// ctx.process("adv", &[("W", Method::AdvanceState)])?;
/// let mut m = ctx.build()?;
/// m.set("W:inputs", &ndarray::array![[1.0f32, 0.0, -1.0]])?;
/// m.run_named("adv", 0.0, 1.0)?;
/// assert_eq!(m.get("W:outputs")?.dim(), (1, 2));
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.mpsSynapse.MPSSynapse",
    description = "Synaptic cable whose weights are a matrix product state of two cores",
    dynamics = "advance_state: outputs = (inputs . C1) . C2\n\
               evolve(eta): z = pre . C1; C2 += eta * z^T . post; C1 += eta * pre^T . (post . C2^T)",
    head = shape,
    keywords(advance_state = [], evolve = [eta], reset = []),
    methods = crate::core::schema::ADVANCE_EVOLVE_RESET,
    sizes = Self::sizes,
    notes = "evolve takes the keyword eta (default 0.01), given by the process's run(eta=...). \
             ngclearn's weights property (core1 . core2) and its setter (a truncated SVD) are the \
             Python package's.",
)]
pub struct MPSSynapse {
    name: String,
    shape: (usize, usize),
    /// First core C1
    #[compartment(state, shape = "(1, n_pre, bond_dim)")]
    core1: Array2<f32>,
    /// Second core C2
    #[compartment(state, shape = "(bond_dim, n_post, 1)")]
    core2: Array2<f32>,
    /// Input signals
    #[compartment(input, shape = "(batch_size, n_pre)")]
    inputs: Array2<f32>,
    /// Output signals
    #[compartment(output, shape = "(batch_size, n_post)")]
    outputs: Array2<f32>,
    /// Pre-synaptic values of the update
    #[compartment(input, shape = "(batch_size, n_pre)")]
    pre: Array2<f32>,
    /// Post-synaptic error signals of the update
    #[compartment(input, shape = "(batch_size, n_post)")]
    post: Array2<f32>,
    /// JAX PRNG key
    #[compartment(key)]
    key: Key,
    p: MPSSynapseParams,
    /// `evolve`'s `eta` for its next call.
    eta: f32,
    /// `x . C1`, `(batch, bond_dim)`, and `e . C2^T` (scratch).
    z: Array2<f32>,
    back: Array2<f32>,
}

impl MPSSynapse {
    /// Builds one of shape `(n_pre, n_post)`.
    pub fn new(name: &str, shape: (usize, usize), p: MPSSynapseParams) -> Result<Self> {
        let name = crate::core::component::valid_name(name)?;
        for (i, n) in [shape.0, shape.1].into_iter().enumerate() {
            if n == 0 {
                return Err(Error::param(&name, &format!("shape[{i}]"), n, "must be positive"));
            }
        }
        p.validate(&name)?;
        let (n_in, n_out) = shape;
        let k = p.bond_dim;
        let key = p.key.unwrap_or_else(Key::from_time);
        let [_, k1, k2] = key.split::<3>();
        let draw = |key: Key, rows: usize, cols: usize| -> Result<Array2<f32>> {
            let mut a = filled(&name, "bond_dim", (rows, cols), 0.0)?;
            key.normal_into(a.as_slice_mut().expect("standard layout"));
            a.mapv_inplace(|v| v * 0.05);
            Ok(a)
        };
        let b = p.batch_size;
        let z = |s| filled(&name, "shape", s, 0.0);
        Ok(MPSSynapse {
            core1: draw(k1, 1, n_in.checked_mul(k).ok_or_else(|| Error::param(&name, "bond_dim", k, "is too large"))?)?,
            core2: draw(k2, k, n_out)?,
            inputs: z((b, n_in))?,
            outputs: z((b, n_out))?,
            pre: z((b, n_in))?,
            post: z((b, n_out))?,
            z: z((b, k))?,
            back: z((b, k))?,
            key,
            eta: DEFAULT_ETA,
            name,
            shape,
            p,
        })
    }

    /// The sizes its shapes name: `bond_dim`.
    pub fn sizes(kw: &crate::core::kwargs::Kwargs) -> Option<crate::core::class::NamedSizes> {
        let k = match kw.peek("bond_dim") {
            None => 16,
            Some(v) => usize::try_from(v.as_u64()?).ok()?,
        };
        Some(vec![("bond_dim", k)])
    }

    /// `out[b, n] = sum_k a[b, k] * m(k, n)` as XLA's dot: from the first product, fused.
    fn dot(a: &Array2<f32>, m: impl Fn(usize, usize) -> f32, kdim: usize, out: &mut Array2<f32>) {
        for (arow, mut orow) in a.rows().into_iter().zip(out.rows_mut()) {
            for (n, o) in orow.iter_mut().enumerate() {
                let mut acc = arow[0] * m(0, n);
                for k in 1..kdim {
                    acc = arow[k].mul_add(m(k, n), acc);
                }
                *o = acc;
            }
        }
    }
}

impl Component for MPSSynapse {
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        let n_in = self.shape.0;
        let k = self.p.bond_dim;
        let (c1, c2) = (&self.core1, &self.core2);
        Self::dot(&self.inputs, |i, kk| c1[[0, i * k + kk]], n_in, &mut self.z);
        Self::dot(&self.z, |kk, n| c2[[kk, n]], k, &mut self.outputs);
    }
    fn evolve(&mut self, _t: f32, _dt: f32) {
        let (n_in, n_out) = self.shape;
        let k = self.p.bond_dim;
        let eta = std::mem::replace(&mut self.eta, DEFAULT_ETA);
        let (c1, c2) = (&self.core1, &self.core2);
        Self::dot(&self.pre, |i, kk| c1[[0, i * k + kk]], n_in, &mut self.z);
        Self::dot(&self.post, |n, kk| c2[[kk, n]], n_out, &mut self.back);
        let rows = self.pre.nrows();
        // C + eta * (a^T . b): a one-row batch's outer product is a product; a longer
        // batch's sum a chain from its first product.
        let update = |c: &mut f32, a: &dyn Fn(usize) -> f32, b: &dyn Fn(usize) -> f32| {
            let mut d = a(0) * b(0);
            for r in 1..rows {
                d = a(r).mul_add(b(r), d);
            }
            *c = eta.mul_add(d, *c);
        };
        let (pre, post, z, back) = (&self.pre, &self.post, &self.z, &self.back);
        for kk in 0..k {
            for n in 0..n_out {
                update(&mut self.core2[[kk, n]], &|r| z[[r, kk]], &|r| post[[r, n]]);
            }
        }
        for i in 0..n_in {
            for kk in 0..k {
                update(&mut self.core1[[0, i * k + kk]], &|r| pre[[r, i]], &|r| back[[r, kk]]);
            }
        }
    }
    fn reset(&mut self) {
        for a in [&mut self.inputs, &mut self.outputs, &mut self.pre, &mut self.post] {
            a.fill(0.0);
        }
    }
    fn changed(&mut self, _index: usize) {}
    fn set_keyword(&mut self, method: &str, name: &str, value: f32) {
        if method == "evolve" && name == "eta" {
            self.eta = value;
        }
    }
}
