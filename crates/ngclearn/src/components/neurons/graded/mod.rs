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

    /// The sum of the squares of every rank's `terms` (then values, not squares), in the
    /// order one process computes it; clears `terms`.
    pub(crate) fn sum_of_squares(&mut self) -> f32 {
        let sum = self.coupling.sum_of_squares(&self.terms);
        self.terms.clear();
        sum
    }
}

/// The step the Gaussian and Laplacian cells share: for each unit
/// `e = error(target - prediction)`, `d = e * (1 / scale)`, `d_pred = d * modulator * mask`,
/// `dtarget = -d * modulator * mask`, then the mask is eaten; returns `sum(penalty(e))`
/// (over all the cells of a split population, given its `whole`), in XLA's order
/// ([`array_sum_xla`](crate::core::xla_math::array_sum_xla); `squares`: the penalty is
/// `e^2`, its product fused into the sum). Over 4-D maps (`maps`) XLA reduces the maps'
/// four axes, the squares in orders not reproduced (vectorised over the pixels): one
/// chain of fused multiply-adds there; other terms in order (exact in the fixtures).
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
    squares: bool,
    maps: bool,
    whole: Option<&mut WholeSum>,
) -> f32 {
    // A block of a split population keeps its terms for the sum over all the cells.
    let mut terms = whole;
    // XLA divides by the scale compartment as a product by its reciprocal.
    let inv_scale = 1.0 / scale;
    for ((((dp, dt), &m), &t), (&md, mk)) in d_pred
        .iter_mut()
        .zip(dtarget.iter_mut())
        .zip(pred)
        .zip(target)
        .zip(modulator.iter().zip(mask.iter_mut()))
    {
        let e = error(t - m);
        if let Some(w) = terms.as_deref_mut() {
            // Squares are summed from the values, in one process's order.
            w.terms.push(if squares { e } else { penalty(e) });
        }
        let d = e * inv_scale;
        *dp = d * md * *mk;
        *dt = -d * md * *mk;
        *mk = *mk * 0.0 + 1.0;
    }
    match terms {
        Some(w) if squares => w.sum_of_squares(),
        Some(w) => w.sum(),
        None => {
            // Over 4-D maps XLA reduces the maps' four axes: the one-loop order there.
            use crate::core::xla_math::{array_sum_xla, chain_sum_xla};
            let (rows, cols) = pred.dim();
            let sum = |x: &dyn Fn(usize, usize) -> f32, sq: bool| {
                if maps {
                    chain_sum_xla(rows, cols, x, sq)
                } else {
                    array_sum_xla(rows, cols, x, sq)
                }
            };
            let e = |r: usize, c: usize| error(target[[r, c]] - pred[[r, c]]);
            if squares {
                sum(&e, true)
            } else {
                sum(&|r, c| penalty(e(r, c)), false)
            }
        }
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

/// The cells per batch row of a graded population: `n_units`, or `h * w * c` of the 4-D
/// maps ngclearn's `shape = (h, w, c)` makes (convolutional predictive coding).
pub(crate) fn map_width(
    name: &str,
    n_units: usize,
    shape: Option<(usize, usize, usize)>,
) -> crate::error::Result<usize> {
    match shape {
        None => Ok(n_units),
        Some((h, w, c)) => h
            .checked_mul(w)
            .and_then(|n| n.checked_mul(c))
            .filter(|&n| n > 0)
            .ok_or_else(|| {
                crate::error::Error::param(
                    name,
                    "shape",
                    format!("({h}, {w}, {c})"),
                    "must be positive sizes whose product is countable",
                )
            }),
    }
}

/// The sizes a graded class's shapes name: a 4-D shape's `map_h, map_w, map_c` (else
/// `n_units, 1, 1`, the 2-D form's cells as maps of one row).
pub(crate) fn map_sizes(
    kw: &crate::core::kwargs::Kwargs,
) -> Option<crate::core::class::NamedSizes> {
    let n = |v: &serde_json::Value| v.as_u64().and_then(|n| usize::try_from(n).ok());
    let (h, w, c) = match kw
        .peek("shape")
        .and_then(|v| v.as_array())
        .map(Vec::as_slice)
    {
        Some([h, w, c]) => (n(h)?, n(w)?, n(c)?),
        _ => (kw.peek("n_units").and_then(n).unwrap_or(1), 1, 1),
    };
    Some(vec![("map_h", h), ("map_w", w), ("map_c", c)])
}

/// The 4-D shape `(rows, h, w, c)` of a graded cell's compartment `index` over maps
/// (those declared over its cells), for `Component::own_dims`.
pub(crate) fn map_dims(
    c: &dyn crate::core::component::Component,
    shape: Option<(usize, usize, usize)>,
    index: usize,
) -> Option<Vec<usize>> {
    let (h, w, ch) = shape?;
    let info = c.schema().compartments.get(index)?;
    if !info.shape.mentions(crate::core::schema::Size::Units) {
        return None;
    }
    Some(vec![c.array(index)?.nrows(), h, w, ch])
}

/// The refusal of partitioning a population of 4-D maps across ranks.
pub(crate) fn maps_do_not_split(
    name: &str,
    shape: Option<(usize, usize, usize)>,
) -> crate::error::Result<()> {
    match shape {
        None => Ok(()),
        Some(s) => Err(crate::error::Error::param(
            name,
            "shape",
            format!("{s:?}"),
            "makes 4-D maps, which are not partitioned across ranks",
        )),
    }
}
