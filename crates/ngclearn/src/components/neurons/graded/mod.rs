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
/// `e = error(target - prediction)`, `d = e / scale`, `d_pred = d * modulator * mask`,
/// `dtarget = -d * modulator * mask`, then the mask is eaten; returns `sum(penalty(e))`
/// (over all the cells of a split population, given its `whole`). With `squares` (the
/// penalty is `e^2`) the sum is XLA's for squares reduced in their fusion: one row by
/// [`row_sum_of_squares_xla`](crate::core::xla_math::row_sum_of_squares_xla)'s order,
/// more rows one chain of fused multiply-adds over them, row-major (measured for 2, 3
/// and 8 rows of up to 16 cells; 4 rows, and rows of 40, sum in other orders, not
/// reproduced); else the terms in order.
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
    whole: Option<&mut WholeSum>,
) -> f32 {
    // A block of a split population keeps its terms for the sum over all the cells.
    let mut terms = whole;
    let mut sum = 0.0f32;
    let one_row = d_pred.nrows() == 1;
    let (mut first, mut k) = (0.0f32, 0usize);
    for ((((dp, dt), &m), &t), (&md, mk)) in d_pred
        .iter_mut()
        .zip(dtarget.iter_mut())
        .zip(pred)
        .zip(target)
        .zip(modulator.iter().zip(mask.iter_mut()))
    {
        let e = error(t - m);
        let term = penalty(e);
        sum = match (squares, one_row, k) {
            (false, _, _) => sum + term,
            (true, true, 0) => {
                first = e;
                e * e
            }
            (true, true, 1) => first.mul_add(first, e * e),
            (true, _, _) => e.mul_add(e, sum),
        };
        k += 1;
        if let Some(w) = terms.as_deref_mut() {
            // Squares are summed from the values, in one process's order.
            w.terms.push(if squares { e } else { term });
        }
        let d = e / scale;
        *dp = d * md * *mk;
        *dt = -d * md * *mk;
        *mk = *mk * 0.0 + 1.0;
    }
    match terms {
        Some(w) if squares => w.sum_of_squares(),
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
