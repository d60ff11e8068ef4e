//! Graded (non-spiking) cells: the rate cell and the error cells of predictive coding,
//! and the leaky noise cell.

crate::components::family!($ neurons::graded);

/// The sum over all the cells of a population split across ranks, in the whole
/// population's order (the core's [`Coupling::sum`](crate::core::partition::Coupling::sum)):
/// a block keeps its terms for it. The buffers are made once.
#[derive(Debug, Clone)]
pub(crate) struct WholeSum {
    coupling: crate::core::partition::Coupling,
    /// This block's terms, row-major.
    pub terms: Vec<f32>,
}

impl WholeSum {
    /// The sum of a block of `rows` batch rows of the population `ranks` split.
    pub(crate) fn new(ranks: &crate::core::partition::Ranks, rows: usize) -> WholeSum {
        WholeSum {
            coupling: ranks.coupling(rows),
            terms: Vec::with_capacity(rows * ranks.columns().cols.len()),
        }
    }

    /// Every rank's `terms` added in the whole order; clears `terms`.
    pub(crate) fn sum(&mut self) -> f32 {
        let sum = self.coupling.sum(&self.terms);
        self.terms.clear();
        sum
    }
}

/// The step the Gaussian and Laplacian cells share: for each unit
/// `e = error(target - prediction)`, `d = e / scale`, `d_pred = d * modulator * mask`,
/// `dtarget = -d * modulator * mask`, then the mask is eaten; returns `sum(penalty(e))`
/// (over all the cells of a split population, given its `whole`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn scaled_errors(
    d_pred: &mut ndarray::Array2<f32>,
    dtarget: &mut ndarray::Array2<f32>,
    pred: &ndarray::Array2<f32>,
    target: &ndarray::Array2<f32>,
    modulator: &ndarray::Array2<f32>,
    mask: &mut ndarray::Array2<f32>,
    scale: f32,
    error: impl Fn(f32) -> f32,
    penalty: impl Fn(f32) -> f32,
    whole: Option<&mut WholeSum>,
) -> f32 {
    // A block of a split population keeps its terms for the sum over all the cells.
    let mut terms = whole;
    let mut sum = 0.0f32;
    for ((((dp, dt), &m), &t), (&md, mk)) in d_pred
        .iter_mut()
        .zip(dtarget.iter_mut())
        .zip(pred)
        .zip(target)
        .zip(modulator.iter().zip(mask.iter_mut()))
    {
        let e = error(t - m);
        let term = penalty(e);
        sum += term;
        if let Some(w) = terms.as_deref_mut() {
            w.terms.push(term);
        }
        let d = e / scale;
        *dp = d * md * *mk;
        *dt = -d * md * *mk;
        *mk = *mk * 0.0 + 1.0;
    }
    match terms {
        Some(w) => w.sum(),
        None => sum,
    }
}

/// `(batch_size, n_units)` zeros and ones, checked.
pub(crate) fn rest(
    name: &str,
    shape: (usize, usize),
    v: f32,
) -> crate::error::Result<ndarray::Array2<f32>> {
    crate::core::component::filled(name, "n_units", shape, v)
}
