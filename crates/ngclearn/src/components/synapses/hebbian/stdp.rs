//! What the spike-timing-dependent synapses share: the dense base, the plasticity
//! signals (`preSpike`, `postSpike`, `preTrace`, `postTrace`), `dWeights`, and an
//! update whose cost follows the spikes.
//!
//! ngclearn updates every weight each `evolve`:
//! `W' = where(weight_mask != 0, clip(W + dW * eta - decay, lo, hi), 0)`, with `dW` a
//! function of `W[i, j]` and the signals of pre-synaptic unit `i` and post-synaptic unit
//! `j`. For the rules here `dW[i, j]` is `±0` wherever neither `preSpike[i]` nor
//! `postSpike[j]` is non-zero (with finite traces and weights), and then `W' = W` for a
//! weight already within `[lo, hi]` and masked. So once every weight has been through
//! one full update (and while nothing else writes them), an update computes only the
//! rows of the pre-synaptic spikes and the columns of the post-synaptic ones, and
//! zeroes only the `dWeights` entries the last update wrote: the same numbers, at
//! O((spikes) x n) instead of O(n_pre x n_post). A full update is made instead when a
//! decay term applies, the batch has more than one row, a signal or `eta` is not
//! finite, the rule's weight factors could overflow (ExpSTDP with `exp_beta < 0`), or
//! the weights were written from outside.

use crate::components::synapses::dense_synapse::Dense;
use crate::core::component::filled;
use crate::core::xla_math::clip;
use crate::error::{Error, Result};
use crate::Compartments;
use ndarray::Array2;

/// The signals of one `evolve`, by pre-synaptic unit `i`, post-synaptic unit `j` and
/// batch row `b`.
pub(crate) struct Signals<'a> {
    pub pre_spike: &'a Array2<f32>,
    pub post_spike: &'a Array2<f32>,
    pub pre_trace: &'a Array2<f32>,
    pub post_trace: &'a Array2<f32>,
}

/// `sum_b a(b) * b(b)` over `rows` batch rows as XLA's dot computes it: one row's
/// product (0 * -x stays -0.0), more rows a chain of fused multiply-adds from +0.0.
#[inline(always)]
pub(crate) fn batch_dot(rows: usize, a: impl Fn(usize) -> f32, b: impl Fn(usize) -> f32) -> f32 {
    if rows == 1 {
        a(0) * b(0)
    } else {
        (0..rows).fold(0.0, |acc, r| a(r).mul_add(b(r), acc))
    }
}

/// How a rule updates the weights besides `dW`.
pub(crate) struct Update<'a> {
    /// The learning rate (`W + dW * eta`).
    pub eta: f32,
    /// `W / tau_w` is subtracted when `tau_w > 0` (as `fma(-W, 1 / tau_w, fma(dW, eta, W))`).
    pub tau_w: f32,
    /// The clip range.
    pub lo: f32,
    pub hi: f32,
    /// ngclearn's `weight_mask`: `(1, 1)` or `(n_pre, n_post)`.
    pub weight_mask: &'a Array2<f32>,
    /// Whether the rule's factors stay finite for every weight within `[lo, hi]`
    /// (then a silent unit's `dW` is `±0` and a sparse update is exact).
    pub factors_finite: bool,
}

/// The dense base and the plasticity compartments.
#[derive(Debug, Clone, Compartments)]
pub(crate) struct Stdp {
    #[compartment(flatten)]
    pub base: Dense,
    /// Pre-synaptic spikes (s_j), the first factor of the depression term
    #[compartment(input, name = "preSpike", shape = "(batch_size, n_pre)")]
    pub pre_spike: Array2<f32>,
    /// Post-synaptic spikes (s_i), the second factor of the potentiation term
    #[compartment(input, name = "postSpike", shape = "(batch_size, n_post)")]
    pub post_spike: Array2<f32>,
    /// Pre-synaptic traces (z_j)
    #[compartment(input, name = "preTrace", shape = "(batch_size, n_pre)")]
    pub pre_trace: Array2<f32>,
    /// Post-synaptic traces (z_i)
    #[compartment(input, name = "postTrace", shape = "(batch_size, n_post)")]
    pub post_trace: Array2<f32>,
    /// The last update's change of the weights (before eta)
    #[compartment(state, name = "dWeights", shape = "(n_pre, n_post)")]
    pub d_weights: Array2<f32>,
    /// Whether every weight has been through a full update since it was last
    /// written from outside (so that a sparse update is exact).
    pub settled: bool,
    /// The rows and columns of `dWeights` the last sparse update wrote, valid while
    /// `written_known` (after a full update or an outside write all of it may be
    /// non-zero).
    pub written_rows: Vec<u32>,
    pub written_cols: Vec<u32>,
    pub written_known: bool,
    /// Which post-synaptic units spiked in this update (scratch, `n_post`).
    pub post_mask: Vec<bool>,
    /// Spiking units of this update (scratch).
    pub pre_list: Vec<u32>,
    pub post_list: Vec<u32>,
}

impl Stdp {
    /// The plasticity state of a synapse on `base`, with `weight_mask` multiplied into
    /// its weights (ngclearn: `weights * weight_mask`, broadcast).
    pub fn new(mut base: Dense, weight_mask: &Array2<f32>) -> Result<Stdp> {
        let (n_pre, n_post) = base.shape;
        let b = base.p.batch_size;
        check_mask(&base.name, weight_mask, (n_pre, n_post))?;
        if weight_mask.dim() == (1, 1) {
            let m = weight_mask[[0, 0]];
            base.weights.mapv_inplace(|w| w * m);
        } else {
            base.weights.zip_mut_with(weight_mask, |w, &m| *w *= m);
        }
        base.unit_weights = None;
        let name = base.name.clone();
        let z = |shape| filled(&name, "shape", shape, 0.0);
        Ok(Stdp {
            pre_spike: z((b, n_pre))?,
            post_spike: z((b, n_post))?,
            pre_trace: z((b, n_pre))?,
            post_trace: z((b, n_post))?,
            d_weights: z((n_pre, n_post))?,
            settled: false,
            written_rows: Vec::with_capacity(n_pre),
            written_cols: Vec::with_capacity(n_post),
            written_known: false,
            post_mask: vec![false; n_post],
            pre_list: Vec::with_capacity(n_pre),
            post_list: Vec::with_capacity(n_post),
            base,
        })
    }

    pub fn reset(&mut self) {
        self.base.reset();
        self.pre_spike.fill(0.0);
        self.post_spike.fill(0.0);
        self.pre_trace.fill(0.0);
        self.post_trace.fill(0.0);
        self.d_weights.fill(0.0);
        self.written_rows.clear();
        self.written_cols.clear();
        self.written_known = true;
    }

    /// What depends on compartment `index`: writing the weights unsettles them (and
    /// the unit-weights flag); writing `dWeights` makes all of it possibly non-zero.
    pub fn changed(&mut self, index: usize) {
        match index {
            Dense::INPUTS => self.base.input_support.forget(),
            Dense::WEIGHTS => {
                self.base.unit_weights = None;
                self.settled = false;
            }
            Stdp::DWEIGHTS => self.written_known = false,
            _ => {}
        }
    }

    /// One `evolve`: `dW[i, j] = rule(W[i, j], i, j, signals)`, then the update.
    pub fn evolve(
        &mut self,
        up: &Update<'_>,
        rule: impl Fn(f32, usize, usize, &Signals<'_>) -> f32,
    ) {
        let finite = |a: &Array2<f32>| a.iter().all(|x| x.is_finite());
        let sparse = self.settled
            && self.base.p.batch_size == 1
            && up.tau_w <= 0.0
            && up.eta.is_finite()
            && up.factors_finite
            && finite(&self.pre_trace)
            && finite(&self.post_trace)
            && finite(&self.pre_spike)
            && finite(&self.post_spike);
        let Stdp {
            base,
            pre_spike,
            post_spike,
            pre_trace,
            post_trace,
            d_weights,
            ..
        } = self;
        let sig = Signals {
            pre_spike,
            post_spike,
            pre_trace,
            post_trace,
        };
        let (n_pre, n_post) = base.shape;
        let scalar_mask = up.weight_mask.dim() == (1, 1);
        let inv_tau_w = 1.0 / up.tau_w;
        let w = base
            .weights
            .as_slice_mut()
            .expect("owned arrays are contiguous");
        let dw = d_weights
            .as_slice_mut()
            .expect("owned arrays are contiguous");
        let entry = |w: &mut [f32], dw: &mut [f32], i: usize, j: usize| {
            let k = i * n_post + j;
            let old = w[k];
            let d = rule(old, i, j, &sig);
            // XLA fuses `W + dW * eta` into one multiply-add, makes `W / tau_w` a
            // product by the reciprocal and fuses it into the difference.
            let v = d.mul_add(up.eta, old);
            let v = if up.tau_w > 0.0 {
                (-old).mul_add(inv_tau_w, v)
            } else {
                v
            };
            // jnp.clip is min(max(v, lo), hi): NaN stays NaN, and hi wins when lo > hi.
            let v = clip(v, up.lo, up.hi);
            let m = if scalar_mask {
                up.weight_mask[[0, 0]]
            } else {
                up.weight_mask[[i, j]]
            };
            w[k] = if m != 0.0 { v } else { 0.0 };
            dw[k] = d;
        };
        if !sparse {
            for i in 0..n_pre {
                for j in 0..n_post {
                    entry(w, dw, i, j);
                }
            }
            self.written_known = false;
            self.settled = true;
            self.base.unit_weights = None;
            return;
        }
        // Zero what the last update wrote.
        if self.written_known {
            for &i in &self.written_rows {
                dw[i as usize * n_post..(i as usize + 1) * n_post].fill(0.0);
            }
            for &j in &self.written_cols {
                for i in 0..n_pre {
                    dw[i * n_post + j as usize] = 0.0;
                }
            }
        } else {
            dw.fill(0.0);
        }
        let (pre_list, post_list) = (&mut self.pre_list, &mut self.post_list);
        pre_list.clear();
        post_list.clear();
        pre_list.extend((0..n_pre as u32).filter(|&i| sig.pre_spike[[0, i as usize]] != 0.0));
        post_list.extend((0..n_post as u32).filter(|&j| sig.post_spike[[0, j as usize]] != 0.0));
        for &j in post_list.iter() {
            self.post_mask[j as usize] = true;
            for i in 0..n_pre {
                entry(w, dw, i, j as usize);
            }
        }
        for &i in pre_list.iter() {
            for j in 0..n_post {
                if !self.post_mask[j] {
                    entry(w, dw, i as usize, j);
                }
            }
        }
        for &j in post_list.iter() {
            self.post_mask[j as usize] = false;
        }
        if !pre_list.is_empty() || !post_list.is_empty() {
            self.base.unit_weights = None;
        }
        // What this update wrote is what the next one zeroes (the buffers are swapped,
        // so nothing is allocated).
        std::mem::swap(&mut self.written_rows, &mut self.pre_list);
        std::mem::swap(&mut self.written_cols, &mut self.post_list);
        self.written_known = true;
    }
}

/// `(1, 1)` or the weights' shape (ngclearn broadcasts; these are the shapes it is
/// given in practice), finite.
fn check_mask(name: &str, m: &Array2<f32>, shape: (usize, usize)) -> Result<()> {
    if m.dim() != (1, 1) && m.dim() != shape {
        return Err(Error::param(
            name,
            "weight_mask",
            format!("{:?}", m.dim()),
            &format!("must be (1, 1) or the weights' shape {shape:?}"),
        ));
    }
    if m.iter().any(|x| !x.is_finite()) {
        return Err(Error::param(
            name,
            "weight_mask",
            "non-finite",
            "must be finite",
        ));
    }
    Ok(())
}

impl crate::core::component::ClassBase for Stdp {
    fn name(&self) -> &str {
        &self.base.name
    }
    fn key(&self) -> crate::core::rng::Key {
        self.base.key
    }
    fn set_key(&mut self, key: crate::core::rng::Key) {
        self.base.key = key;
    }
    fn head(&self) -> crate::core::component::Head {
        crate::core::component::ClassBase::head(&self.base)
    }
}

/// A block of an STDP synapse `c` for a partitioned model: its columns `cols`. The
/// weight mask is not a compartment: only the default one splits.
pub(crate) fn split(
    c: &dyn crate::core::component::Component,
    weight_mask: &Array2<f32>,
    cols: std::ops::Range<usize>,
) -> Result<Box<dyn crate::core::component::Component>> {
    if weight_mask.dim() != (1, 1) || weight_mask[[0, 0]] != 1.0 {
        return Err(Error::param(
            c.name(),
            "weight_mask",
            "given",
            "a synapse with a weight mask cannot be partitioned across ranks yet",
        ));
    }
    crate::core::partition::partition_by_kwargs(c, cols)
}
