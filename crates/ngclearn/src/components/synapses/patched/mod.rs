//! Patched synapses (ngclearn's `components.synapses.patched`): one weight matrix made of
//! `n_sub_models` small dense blocks along its diagonal, each widened by the stride on
//! both sides so that neighbouring blocks overlap.
//!
//! The weights are drawn as ngclearn 3.1.1's `_create_multi_patch_synapses` draws them:
//! with `(di, dj) = (shape[0] // n, shape[1] // n)` and stride `(si, sj)`, the matrix is
//! `(n * di + 2 si, n * dj + 2 sj)`; block `i` covers rows `[i di, (i + 1) di + 2 si)` and
//! columns `[i dj, (i + 1) dj + 2 sj)` and is drawn by the initialiser (default
//! `fan_in_gaussian`) from the `i + 1`-th of `n + 10` keys split from the first of the
//! component key's four (later blocks overwrite the overlap); then the first and last
//! `si` rows and `sj` columns are zeroed, and `0 < p_conn < 1` masks the whole with a
//! Bernoulli draw from the key's third. The biases come from the fourth.

crate::components::family!($ synapses::patched);

use crate::core::component::{filled, valid_name, ClassBase, Head};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::error::{Error, Result};
use crate::utils::distribution_generator::DistributionGenerator;
use crate::Compartments;
use ndarray::{s, Array2};

/// The state every patched synapse embeds: ngclearn's `PatchedSynapse` compartments. The
/// weights are `(n_rows, n_cols) = (n * (shape[0] // n) + 2 * stride[0], n * (shape[1] // n)
/// + 2 * stride[1])`, `n` being `n_sub_models`.
#[derive(Debug, Clone, Compartments)]
pub(crate) struct Patched {
    pub name: String,
    /// The shape given (ngclearn's `shape` argument); the weights' is [`Patched::dims`].
    pub given: (usize, usize),
    pub p: PatchedSynapseParams,
    /// Pre-synaptic signals
    #[compartment(input, shape = "(batch_size, n_rows)")]
    pub inputs: Array2<f32>,
    /// Output of the synaptic transformation
    #[compartment(output, shape = "(batch_size, n_cols)")]
    pub outputs: Array2<f32>,
    /// Synaptic efficacies W (the patches)
    #[compartment(state, shape = "(n_rows, n_cols)")]
    pub weights: Array2<f32>,
    /// Post-synaptic signals sent back through W
    #[compartment(input, shape = "(batch_size, n_cols)")]
    pub post_in: Array2<f32>,
    /// `post_in` sent back through W
    #[compartment(output, shape = "(batch_size, n_rows)")]
    pub pre_out: Array2<f32>,
    /// The drawn weights' transpose (as drawn: never updated)
    #[compartment(state, name = "weights_T", shape = "(n_cols, n_rows)")]
    pub weights_t: Array2<f32>,
    /// Base-rate/bias values b
    #[compartment(state, shape = "(1, n_cols)")]
    pub biases: Array2<f32>,
    /// JAX PRNG key
    #[compartment(key)]
    pub key: Key,
}

/// `n_rows` and `n_cols`, the weights' shape, from the keyword arguments (`shape`,
/// `n_sub_models`, `stride_shape`): a loader sizes a saved model's arrays before
/// building (`#[class(sizes = ...)]`).
pub(crate) fn sizes(kw: &crate::core::kwargs::Kwargs) -> Option<crate::core::class::NamedSizes> {
    let int = |v: &serde_json::Value| v.as_u64().and_then(|n| usize::try_from(n).ok());
    let shape = kw.peek("shape")?;
    let [a, b] = shape.as_array()?.as_slice() else {
        return None;
    };
    let (a, b) = (int(a)?, int(b)?);
    let n = match kw.peek("n_sub_models") {
        Some(v) => int(v).filter(|&n| n >= 1)?,
        None => 1,
    };
    let (si, sj) = match kw.peek("stride_shape") {
        Some(v) => match v.as_array()?.as_slice() {
            [x, y] => (int(x)?, int(y)?),
            _ => return None,
        },
        None => (0, 0),
    };
    let rows = n.checked_mul(a / n)?.checked_add(si.checked_mul(2)?)?;
    let cols = n.checked_mul(b / n)?.checked_add(sj.checked_mul(2)?)?;
    Some(vec![("n_rows", rows), ("n_cols", cols)])
}

impl Patched {
    /// Draws the patches of a synapse given `shape`.
    pub fn new(name: &str, shape: (usize, usize), p: &PatchedSynapseParams) -> Result<Patched> {
        let name = valid_name(name)?;
        p.validate(&name)?;
        count(&name, "shape[0]", shape.0)?;
        count(&name, "shape[1]", shape.1)?;
        let n = p.n_sub_models;
        let (si, sj) = p.stride_shape;
        let (di, dj) = (shape.0 / n, shape.1 / n);
        let side = |d: usize, s: usize| n.checked_mul(d)?.checked_add(s.checked_mul(2)?);
        let (Some(rows), Some(cols)) = (side(di, si), side(dj, sj)) else {
            return Err(Error::param(
                &name,
                "stride_shape",
                format!("{:?}", p.stride_shape),
                "is too large: the weights' shape overflows",
            ));
        };
        let dims = (rows, cols);
        if di == 0 || dj == 0 {
            return Err(Error::param(
                &name,
                "n_sub_models",
                n,
                &format!("must be at most both sides of shape {shape:?} (each patch needs a row and a column)"),
            ));
        }
        let key = p.key.unwrap_or_else(Key::from_time);
        let [k0, _, k2, k3] = key.split::<4>();
        let mut weights = filled(&name, "shape", dims, 0.0)?;
        let init = p
            .weight_init
            .clone()
            .unwrap_or_else(DistributionGenerator::fan_in_gaussian);
        let mut keys = vec![k0; n + 10];
        k0.split_into(&mut keys);
        let block = (di + 2 * si, dj + 2 * sj);
        for (i, &k) in keys[1..=n].iter().enumerate() {
            let drawn = init.generate(&name, block, k)?;
            weights
                .slice_mut(s![i * di..i * di + block.0, i * dj..i * dj + block.1])
                .assign(&drawn);
        }
        if si != 0 {
            weights.slice_mut(s![..si, ..]).fill(0.0);
            weights.slice_mut(s![dims.0 - si.., ..]).fill(0.0);
        }
        if sj != 0 {
            weights.slice_mut(s![.., ..sj]).fill(0.0);
            weights.slice_mut(s![.., dims.1 - sj..]).fill(0.0);
        }
        if 0.0 < p.p_conn && p.p_conn < 1.0 {
            let mut keep = filled(&name, "shape", dims, 0.0)?;
            k2.bernoulli_into(keep.as_slice_mut().expect("contiguous"), p.p_conn);
            // A boolean mask's product is XLA's select: +0.0 where masked.
            weights.zip_mut_with(&keep, |w, &k| *w = if k != 0.0 { *w } else { 0.0 });
        }
        let biases = match &p.bias_init {
            Some(b) => b.generate(&name, (1, dims.1), k3)?,
            None => filled(&name, "shape", (1, dims.1), 0.0)?,
        };
        let b = p.batch_size;
        let z = |s| filled(&name, "batch_size", s, 0.0);
        Ok(Patched {
            inputs: z((b, dims.0))?,
            outputs: z((b, dims.1))?,
            post_in: z((b, dims.1))?,
            pre_out: z((b, dims.0))?,
            weights_t: weights.t().to_owned(),
            weights,
            biases,
            key,
            given: shape,
            p: p.clone(),
            name,
        })
    }

    /// The weights' shape.
    pub fn dims(&self) -> (usize, usize) {
        self.weights.dim()
    }

    /// `outputs = (inputs · W) * resist_scale + biases` and `pre_out = post_in · W^T`,
    /// each product a chain of fused multiply-adds over the shared index in order, as
    /// XLA's dot (a zero input adds nothing to the first and is skipped).
    pub fn advance(&mut self) {
        let rs = self.p.resist_scale;
        let (n_pre, n_post) = self.dims();
        let w = self.weights.as_standard_layout();
        let w = w.as_slice().expect("standard layout");
        let bias = self.biases.as_standard_layout();
        let bias = bias.as_slice().expect("standard layout");
        let (inputs, outputs) = (&self.inputs, &mut self.outputs);
        let (post_in, pre_out) = (&self.post_in, &mut self.pre_out);
        crate::core::simd::with_simd(
            #[inline(always)]
            || {
                for (x, mut out) in inputs.rows().into_iter().zip(outputs.rows_mut()) {
                    let out = out.as_slice_mut().expect("outputs are standard layout");
                    out.fill(0.0);
                    for (i, &s) in x.iter().enumerate() {
                        if s != 0.0 {
                            super::dense_synapse::add_input(out, s, i, w, &[1.0]);
                        }
                    }
                    super::dense_synapse::scale_and_bias(out, rs, bias);
                }
                for (y, mut back) in post_in.rows().into_iter().zip(pre_out.rows_mut()) {
                    for (i, b) in back.iter_mut().enumerate().take(n_pre) {
                        let row = &w[i * n_post..(i + 1) * n_post];
                        *b = y
                            .iter()
                            .zip(row)
                            .fold(0.0f32, |acc, (&y, &w)| y.mul_add(w, acc));
                    }
                }
            },
        );
    }

    /// Every signal back to zero (ngclearn's `batched_reset` at `batch_size`: `inputs`,
    /// `outputs`, `post_in`, `pre_out`); the weights, their transpose and the biases stay.
    pub fn reset(&mut self) {
        self.inputs.fill(0.0);
        self.outputs.fill(0.0);
        self.post_in.fill(0.0);
        self.pre_out.fill(0.0);
    }

    /// The biases are ngclearn's scalar 0 without an initialiser.
    pub fn saves_as_scalar(&self, index: usize) -> bool {
        index == Patched::BIASES && self.p.bias_init.is_none()
    }
}

impl ClassBase for Patched {
    fn name(&self) -> &str {
        &self.name
    }
    fn key(&self) -> Key {
        self.key
    }
    fn set_key(&mut self, key: Key) {
        self.key = key;
    }
    fn head(&self) -> Head {
        Head::Shape(self.given.0, self.given.1)
    }
}
