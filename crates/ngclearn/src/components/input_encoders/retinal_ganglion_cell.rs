//! `RetinalGanglionCell`: retinal ganglion cells that filter patches of a stimulus with a
//! centre-surround kernel.
//!
//! As ngclearn 3.1.1 (`ngclearn.components.input_encoders.ganglionCell`), with the
//! stimulus `x` of `(batch_size, ix, iy)`, each cell's patch `(px, py)` and the steps
//! `(sx, sy)`: the patches are taken at `(i sx, j sy)` for `i < n_x`, `j < n_y` (in that
//! order), `n_x = (ix - px) / sx + 1` (`ix / px` when `sx` is 0, every patch then at row
//! 0), likewise `n_y`; each is multiplied by the filter, and
//! ```text
//! f = patches * filter                     (batch_size, n_cells px py), row-major
//! outputs = f - mean(f)                    (per row)
//! ```
//! The filter (`(py, px)`, centre `(px / 2, py / 2)`), with `g(s) = exp(-((x - xc)^2 +
//! (y - yc)^2) / (2 s^2)) / sum(...)`: `gaussian` g(sigma); `difference_of_gaussian` (or
//! `DoG`) g(sigma) - g(1.6 sigma); `ratio_of_gaussian` (or `RoG`) g(sigma) over
//! g(1.6 sigma) + 1e-8; any other name ones. Computed as JAX computes it eagerly (each
//! operation on its own; a division by a constant or a broadcast sum is a product by its
//! reciprocal), its sum in XLA's order for the filter's shape.
//!
//! ngclearn's code needs `n_x n_y = n_cells` (else its reshape regroups the rows) and
//! `px = py` (else the filter does not broadcast over the patches); both are refused here.

use crate::core::component::{filled, Component};
use crate::core::rng::Key;
use crate::core::xla_math::exp_xla;
use crate::error::{Error, Result};
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`RetinalGanglionCell`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct RetinalGanglionCellParams {
    /// Filter: gaussian, difference_of_gaussian (DoG), ratio_of_gaussian (RoG); another name: ones
    pub filter_type: String,
    /// Shape (ix, iy) of the stimulus area the cells cover together
    pub area_shape: (usize, usize),
    /// Number of cells
    #[param(check = count)]
    pub n_cells: usize,
    /// Shape (px, py) of each cell's receptive field
    pub patch_shape: (usize, usize),
    /// Steps (sx, sy) between neighbouring cells' fields (0: every field at the origin of that axis)
    pub step_shape: (usize, usize),
    /// Rows of the batch dimension
    #[param(default = 1, check = count)]
    pub batch_size: usize,
    /// Standard deviation of the Gaussian kernel
    ///
    /// Kept in double precision: ngclearn computes `2 sigma^2` and `1.6 sigma` in Python.
    #[param(default = 1.0)]
    pub sigma: f64,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs)]
    pub key: Option<Key>,
}

/// Retinal ganglion cells (see the module documentation).
///
/// ```
/// use ngclearn::components::input_encoders::{RetinalGanglionCell, RetinalGanglionCellParams};
/// use ngclearn::prelude::*;
/// // Four cells, each a 2 x 2 field of a 4 x 4 stimulus, with a flat filter.
/// let p = RetinalGanglionCellParams::new("flat".into(), (4, 4), 4, (2, 2), (2, 2));
/// let mut ctx = Context::new("retina");
/// ctx.add(RetinalGanglionCell::new("R", (), p)?)?;
/// ctx.process("see", &[("R", Method::AdvanceState)])?;
/// let mut m = ctx.build()?;
/// let mut x = ndarray::Array2::zeros((1, 16));
/// x[[0, 0]] = 16.0; // one bright pixel, in the first cell's field
/// m.set("R:inputs", &x)?;
/// m.run_named("see", 0.0, 1.0)?;
/// // The row's mean is 1: the bright value stands out by 15, every other is -1.
/// let out = m.get("R:outputs")?;
/// assert_eq!(out[[0, 0]], 15.0);
/// assert!(out.iter().skip(1).all(|&v| v == -1.0));
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.input_encoders.ganglionCell.RetinalGanglionCell",
    description = "Retinal ganglion cells: centre-surround (Gaussian, DoG or RoG) filtered patches of a stimulus",
    dynamics = "advance_state: f = patches(inputs) * filter; outputs = f - mean(f) (per row)\n\
               reset: inputs and outputs to 0",
    head = none,
    keywords(advance_state = [t], reset = []),
    sizes = Self::sizes,
    notes = "ngclearn's code needs n_cells = n_x n_y (the patches its steps give) and square patches; \
             others are refused here.",
)]
pub struct RetinalGanglionCell {
    name: String,
    /// Stimulus
    #[compartment(input, shape = "(batch_size, ix, iy)")]
    inputs: Array2<f32>,
    /// The cells' filter
    #[compartment(state, shape = "(py, px)")]
    filter: Array2<f32>,
    /// Filtered patches less their row's mean
    #[compartment(output, shape = "(batch_size, n_out)")]
    outputs: Array2<f32>,
    /// JAX PRNG key
    #[compartment(key)]
    key: Key,
    p: RetinalGanglionCellParams,
    /// Each cell's patch origin `(row, column)` in the stimulus.
    origins: Vec<(usize, usize)>,
}

impl RetinalGanglionCell {
    /// Builds the cells (the head is in the parameters).
    pub fn new(name: &str, _head: (), p: RetinalGanglionCellParams) -> Result<Self> {
        let name = crate::core::component::valid_name(name)?;
        p.validate(&name)?;
        let ((ix, iy), (px, py), (sx, sy)) = (p.area_shape, p.patch_shape, p.step_shape);
        if !(p.sigma.is_finite() && p.sigma != 0.0) {
            // ngclearn divides by 2 sigma^2: its filter would be all NaN.
            return Err(Error::param(&name, "sigma", p.sigma, "must be finite and not 0"));
        }
        for (field, v) in [("area_shape", ix.min(iy)), ("patch_shape", px.min(py))] {
            if v == 0 {
                return Err(Error::param(&name, field, v, "must be positive"));
            }
        }
        if px != py {
            return Err(Error::param(
                &name,
                "patch_shape",
                format!("({px}, {py})"),
                "must be square: ngclearn's filter, (py, px), multiplies (px, py) patches",
            ));
        }
        if px > ix || py > iy {
            return Err(Error::param(
                &name,
                "patch_shape",
                format!("({px}, {py})"),
                &format!("is larger than area_shape ({ix}, {iy})"),
            ));
        }
        let count = |i: usize, p: usize, s: usize| match (i - p).checked_div(s) {
            Some(k) => k + 1,
            None => i / p,
        };
        let (n_x, n_y) = (count(ix, px, sx), count(iy, py, sy));
        if n_x.checked_mul(n_y) != Some(p.n_cells) {
            return Err(Error::param(
                &name,
                "n_cells",
                p.n_cells,
                &format!(
                    "must be {n_x} x {n_y}, the patches area_shape, patch_shape and step_shape \
                     give: ngclearn regroups the rows otherwise"
                ),
            ));
        }
        let origins = (0..n_x)
            .flat_map(|i| (0..n_y).map(move |j| (i * sx, j * sy)))
            .collect();
        let filter = Self::filter_of(&name, &p.filter_type, (px, py), p.sigma)?;
        let b = p.batch_size;
        let too_large = |field: &str| Error::param(&name, field, "", "makes the compartments too large");
        let n_out = (px * py).checked_mul(p.n_cells).ok_or_else(|| too_large("n_cells"))?;
        let area = ix.checked_mul(iy).ok_or_else(|| too_large("area_shape"))?;
        Ok(RetinalGanglionCell {
            inputs: filled(&name, "area_shape", (b, area), 0.0)?,
            outputs: filled(&name, "n_cells", (b, n_out), 0.0)?,
            filter,
            key: p.key.unwrap_or_else(Key::from_time),
            origins,
            name,
            p,
        })
    }

    /// The sizes its shapes name: `ix`, `iy`, `px`, `py` and `n_out = n_cells px py`.
    pub fn sizes(kw: &crate::core::kwargs::Kwargs) -> Option<crate::core::class::NamedSizes> {
        let pair = |k: &str| -> Option<(usize, usize)> {
            let v = kw.peek(k)?;
            let a = v.as_array()?;
            match a.as_slice() {
                [x, y] => Some((usize::try_from(x.as_u64()?).ok()?, usize::try_from(y.as_u64()?).ok()?)),
                _ => None,
            }
        };
        let (ix, iy) = pair("area_shape")?;
        let (px, py) = pair("patch_shape")?;
        let n = usize::try_from(kw.peek("n_cells")?.as_u64()?).ok()?;
        Some(vec![
            ("ix", ix),
            ("iy", iy),
            ("px", px),
            ("py", py),
            ("n_out", n.checked_mul(px)?.checked_mul(py)?),
        ])
    }

    /// ngclearn's filter of `filter_type` for patches `(px, py)`, `(py, px)`.
    fn filter_of(name: &str, kind: &str, (px, py): (usize, usize), sigma: f64) -> Result<Array2<f32>> {
        Ok(match kind {
            "gaussian" => gaussian((px, py), sigma),
            "difference_of_gaussian" | "DoG" => {
                let (g1, g2) = (gaussian((px, py), sigma), gaussian((px, py), sigma * 1.6));
                // g1 - lmbda * g2, lmbda = 1
                &g1 - &g2.mapv(|v| v * 1.0)
            }
            "ratio_of_gaussian" | "RoG" => {
                let (g1, g2) = (gaussian((px, py), sigma), gaussian((px, py), sigma * 1.6));
                let eps = 1e-8f32;
                ndarray::Zip::from(&g1).and(&g2).map_collect(|a, b| a / (b + eps))
            }
            _ => filled(name, "patch_shape", (py, px), 1.0)?,
        })
    }
}

/// `exp(-((x - xc)^2 + (y - yc)^2) / (2 sigma^2))`, normalised by its sum, over the
/// `(py, px)` grid, each operation rounded as JAX's eager operations round it.
fn gaussian((px, py): (usize, usize), sigma: f64) -> Array2<f32> {
    let (xc, yc) = ((px / 2) as f32, (py / 2) as f32);
    // 2 * (sigma ** 2) in Python (double), then float32.
    let denom = (2.0 * (sigma * sigma)) as f32;
    let g = Array2::from_shape_fn((py, px), |(r, c)| {
        let (dx, dy) = (c as f32 - xc, r as f32 - yc);
        let q = dx * dx + dy * dy;
        exp_xla(-q * (1.0 / denom))
    });
    // _filter / jnp.sum(_filter): a division by a broadcast sum, which XLA makes a
    // product by its reciprocal.
    let inv = 1.0 / full_sum_xla(&g);
    g.mapv(|v| v * inv)
}

/// `jnp.sum` of a whole `(r, c)` array as XLA's CPU code sums it (measured for shapes up
/// to 9 x 9): for 4 or 8 rows of 2 to 8 values (not 8 x 7, 8 x 8), each row in order,
/// then the row sums by halves; otherwise every value in order, row-major.
fn full_sum_xla(a: &Array2<f32>) -> f32 {
    let (r, c) = a.dim();
    let halves = (r == 4 && (2..=8).contains(&c)) || (r == 8 && (2..=6).contains(&c));
    if halves {
        let mut sums: Vec<f32> = a.rows().into_iter().map(|row| row.iter().fold(0.0f32, |s, &v| s + v)).collect();
        let mut len = sums.len();
        while len > 1 {
            len /= 2;
            for i in 0..len {
                sums[i] += sums[i + len];
            }
        }
        sums[0]
    } else {
        a.iter().fold(0.0f32, |s, &v| s + v)
    }
}

impl Component for RetinalGanglionCell {
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        let (_, iy) = self.p.area_shape;
        let (px, py) = self.p.patch_shape;
        let n = self.outputs.ncols() as f32;
        let inv_n = 1.0 / n;
        let per_cell = px * py;
        // The filter row-major: patch value (r, c) meets filter[[r, c]] (px = py).
        let f = self.filter.as_slice().expect("standard layout");
        for (x, mut out) in self.inputs.rows().into_iter().zip(self.outputs.rows_mut()) {
            // Gather each cell's patch into the row (cell by cell, row-major), and sum
            // its products with the filter in XLA's order: for 4 x 4 patches in four
            // lanes, one per patch row, each a fused chain along its row (the running
            // sum entering lane 0, the others from +0), then (l0 + l2) + (l1 + l3) per
            // cell (read in ngclearn's object code); for the other sizes measured (3,
            // 5, 12 and 16 values a side) one fused chain from +0. Then times 1 / n.
            let mut acc = 0.0f32;
            let mut k = 0;
            for &(r0, c0) in &self.origins {
                if px == 4 && py == 4 {
                    let mut lanes = [acc, 0.0, 0.0, 0.0];
                    for (r, lane) in lanes.iter_mut().enumerate() {
                        for c in 0..4 {
                            let v = x[(r0 + r) * iy + c0 + c];
                            out[k + r * 4 + c] = v;
                            *lane = v.mul_add(f[r * 4 + c], *lane);
                        }
                    }
                    acc = (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
                    k += 16;
                    continue;
                }
                for r in 0..px {
                    for c in 0..py {
                        let v = x[(r0 + r) * iy + c0 + c];
                        out[k] = v;
                        acc = v.mul_add(f[r * py + c], acc);
                        k += 1;
                    }
                }
            }
            let mean = acc * inv_n;
            // Each output fuses its product with -mean.
            for (k, o) in out.iter_mut().enumerate() {
                *o = o.mul_add(f[k % per_cell], -mean);
            }
        }
    }

    fn reset(&mut self) {
        self.inputs.fill(0.0);
        self.outputs.fill(0.0);
    }

    fn changed(&mut self, _index: usize) {}
}
