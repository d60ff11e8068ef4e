//! What the conductance-based synapses share: the post-synaptic state, the
//! voltage-dependent current, compartment indexing and reset.

use super::dense_synapse::Dense;
use crate::core::component::Support;
use crate::core::rng::Key;
use crate::error::Result;
use crate::Compartments;
use ndarray::Array2;

/// The dense base plus `v`, `g_syn` and `i_syn`; a two-state kernel adds its `h_syn`
/// after these (declared in its class's file). The key stays the last compartment.
#[derive(Debug, Clone, Compartments)]
#[compartments(shape = "(batch_size, n_post)")]
pub(crate) struct ConductanceState {
    #[compartment(flatten)]
    pub base: Dense,
    /// Post-synaptic voltage (wired from a spiking cell)
    #[compartment(input, units = "mV")]
    pub v: Array2<f32>,
    /// Synaptic conductance
    #[compartment(state)]
    pub g_syn: Array2<f32>,
    /// Synaptic current (equal to outputs)
    #[compartment(state)]
    pub i_syn: Array2<f32>,
    /// A copy of the class's `syn_rest` (`None`: voltage-independent).
    pub syn_rest: Option<f32>,
}

/// Says once that ngclearn 3.1.1's `is_nonplastic` (its default) sets every weight of
/// a conductance synapse to 1 after masking, so that the `weight_init` or `p_conn` the
/// caller gave has no effect (ngclearn's semantics, kept).
pub(crate) fn warn_if_weights_overridden(
    class: &str,
    dense: &super::dense_synapse::DenseParams,
    is_nonplastic: bool,
) {
    let init = dense.weight_init.as_ref().filter(|w| {
        **w != crate::utils::distribution_generator::DistributionGenerator::constant(1.0)
    });
    let drawn = dense.connect.as_ref().is_some_and(|c| c.draws_weights());
    let what = match (init.is_some(), dense.p_conn < 1.0, drawn) {
        (_, _, true) => "connect's weight has",
        (true, true, _) => "weight_init and p_conn have",
        (true, false, _) => "weight_init has",
        (false, true, _) => "p_conn has",
        (false, false, false) => return,
    };
    if is_nonplastic {
        crate::warning::warn_once(
            "conductance-synapse-is_nonplastic",
            // The same text for every synapse, so that Python's warning registry, which
            // the package's warnings go through, says it once a line.
            format!(
                "{class}: {what} no effect: with is_nonplastic=True (the default) ngclearn \
                 3.1.1 sets every weight to 1 after masking, and so does this engine (a \
                 connection rule's synapses too); pass is_nonplastic=False to keep the \
                 weights drawn"
            ),
        );
    }
}

impl ConductanceState {
    /// The state of a synapse on `base` whose parameters are already checked.
    pub fn new(base: Dense, syn_rest: Option<f32>, is_nonplastic: bool) -> Result<Self> {
        let mut base = base;
        if is_nonplastic {
            // ngclearn: `weights * 0 + 1`, which also erases a p_conn mask; a connection
            // rule's synapses (stored sparse) are the ones that exist, and become 1.
            match base.weights.sparse_mut() {
                Some(csr) => csr.data.iter_mut().for_each(|w| *w = *w * 0.0 + 1.0),
                None => base.weights.mapv_inplace(|w| w * 0.0 + 1.0),
            }
            // All ones unless an initialiser gave a non-finite weight (then NaN).
            if base.weights.sparse().is_none() {
                base.unit_weights = Some(super::dense_synapse::all_ones(&base.weights));
            }
        }
        base.allow_sparse()?;
        let z = || base.post_zeros();
        Ok(ConductanceState {
            v: z()?,
            g_syn: z()?,
            i_syn: z()?,
            base,
            syn_rest,
        })
    }

    /// One step of every post-synaptic unit in one pass: `projected = inputs · W` (plus
    /// the Poisson background's counts, when there is one), then
    /// `update(h, g, projected)` (the kernel's equations; `h` is the two-state
    /// kernel's `h_syn` as a slice, one-state kernels pass an empty one and get a scratch one),
    /// then `i = -(g * R) * (v - E)` (or `-g * R` when `syn_rest` is `None`) and
    /// `outputs = i`.
    #[inline(always)]
    pub fn advance<const TWO_STATE: bool>(
        &mut self,
        dt: f32,
        h: &mut [f32],
        update: impl Fn(&mut f32, &mut f32, f32),
    ) {
        self.base.project();
        if let Some(bg) = self.base.background.as_mut() {
            let sum = self
                .base
                .projected
                .as_slice_mut()
                .expect("owned arrays are contiguous");
            bg.add(&self.base.name, &mut self.base.key, dt, sum);
        }
        crate::core::simd::with_simd(
            #[inline(always)]
            || match self.syn_rest {
                Some(e) => self.update_cells::<TWO_STATE, true>(h, e, update),
                None => self.update_cells::<TWO_STATE, false>(h, 0.0, update),
            },
        )
    }

    #[inline(always)]
    fn update_cells<const TWO_STATE: bool, const REVERSAL: bool>(
        &mut self,
        h: &mut [f32],
        e: f32,
        update: impl Fn(&mut f32, &mut f32, f32),
    ) {
        let r = self.base.p.resist_scale;
        let contiguous = "owned arrays are contiguous";
        let g = self.g_syn.as_slice_mut().expect(contiguous);
        let n = g.len();
        let h = if TWO_STATE { &mut h[..n] } else { h };
        let i = &mut self.i_syn.as_slice_mut().expect(contiguous)[..n];
        let v = &self.v.as_slice().expect(contiguous)[..n];
        let out = &mut self.base.outputs.as_slice_mut().expect(contiguous)[..n];
        // Read once and left zero: the next step's sums start from it
        // (`Dense::project`).
        let x = &mut self.base.projected.as_slice_mut().expect(contiguous)[..n];
        for k in 0..n {
            let mut scratch = 0.0;
            let h = if TWO_STATE { &mut h[k] } else { &mut scratch };
            update(h, &mut g[k], x[k]);
            x[k] = 0.0;
            let cur = if REVERSAL {
                -(g[k] * r) * (v[k] - e)
            } else {
                -g[k] * r
            };
            i[k] = cur;
            out[k] = cur;
        }
    }

    pub fn reset(&mut self) {
        self.base.reset();
        self.v.fill(0.0);
        self.g_syn.fill(0.0);
        self.i_syn.fill(0.0);
    }

    /// What depends on compartment `index`: the inputs' support list on `inputs`, the
    /// "all weights are one" flag on `weights`.
    pub fn changed(&mut self, index: usize) {
        self.base.changed(index);
    }

    /// Whether compartment `index` is saved as a scalar (the default biases).
    pub fn saves_as_scalar(&self, index: usize) -> bool {
        self.base.saves_as_scalar(index)
    }

    /// `inputs` (index 0) with the support of its non-zero entries.
    pub fn sparse_input(&mut self, index: usize) -> Option<(&mut Array2<f32>, &mut Support)> {
        let b = &mut self.base;
        (index == Dense::INPUTS).then_some((&mut b.inputs, &mut b.input_support))
    }
}

impl crate::core::component::ClassBase for ConductanceState {
    fn name(&self) -> &str {
        &self.base.name
    }
    fn key(&self) -> Key {
        self.base.key
    }
    fn set_key(&mut self, key: Key) {
        self.base.key = key;
    }
    fn head(&self) -> crate::core::component::Head {
        self.base.head()
    }
}
