//! How a block whose step needs values of all the cells (a sum over them, a row's
//! softmax, the whole population's spikes) gets them: the ranks' collective calls, made
//! by every block in the same order, with the values put back in the whole population's
//! order, so that every sum is the float one process computes. A class never holds the
//! exchange itself: it is handed [`Ranks`] when its model is partitioned
//! ([`Component::couple`](crate::core::component::Component::couple)) and keeps the
//! [`Coupling`] it makes from them.

use super::exchange::Exchange;
use super::layout::{block, scatter_rows, Columns};
use std::sync::Arc;

/// The ranks a block of a population is split across, and its columns: what a block
/// makes its [`Coupling`] from.
#[derive(Debug, Clone)]
pub struct Ranks {
    exchange: Arc<dyn Exchange>,
    columns: Columns,
}

impl Ranks {
    pub(crate) fn new(exchange: &Arc<dyn Exchange>, columns: &Columns) -> Ranks {
        Ranks {
            exchange: Arc::clone(exchange),
            columns: columns.clone(),
        }
    }

    /// The block's columns of the whole population.
    pub fn columns(&self) -> &Columns {
        &self.columns
    }

    /// How many ranks there are.
    pub fn size(&self) -> usize {
        self.exchange.size()
    }

    /// The coupling of a block of `rows` batch rows, its buffers made now.
    pub fn coupling(&self, rows: usize) -> Coupling {
        let size = self.exchange.size();
        let width = self.columns.width;
        Coupling {
            exchange: Arc::clone(&self.exchange),
            width,
            rows,
            block_counts: (0..size)
                .map(|r| rows * block(width, size, r).len())
                .collect(),
            row_counts: vec![rows; size],
            gathered: vec![0.0; rows * width],
            whole: vec![0.0; rows * width],
            per_row: vec![0.0; rows * size],
        }
    }
}

/// A block coupled to the other blocks of its population: every call is a collective
/// call, made by every block in the same order (each block's step makes the same calls).
/// The buffers are made once, so a step allocates nothing.
#[derive(Debug, Clone)]
pub struct Coupling {
    exchange: Arc<dyn Exchange>,
    /// The whole population's width.
    width: usize,
    rows: usize,
    /// Every rank's number of values: `rows` times its width, and `rows`.
    block_counts: Vec<usize>,
    row_counts: Vec<usize>,
    /// Every rank's block as gathered, then in the whole's row-major order.
    gathered: Vec<f32>,
    whole: Vec<f32>,
    /// Every rank's value per row.
    per_row: Vec<f32>,
}

impl Coupling {
    /// How many ranks there are.
    pub fn ranks(&self) -> usize {
        self.row_counts.len()
    }

    /// The whole population's width.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Every rank's value of each row, given this block's (`rows` values): rank `k`'s
    /// value of row `b` is at `k * rows + b`.
    pub fn per_row(&mut self, mine: &[f32]) -> &[f32] {
        self.exchange
            .allgather_f32(mine, &self.row_counts, &mut self.per_row);
        &self.per_row
    }

    /// The whole population's values, row-major (as one process holds them), given this
    /// block's (row-major, `rows` times its width).
    pub fn whole(&mut self, block: &[f32]) -> &[f32] {
        self.exchange
            .allgather_f32(block, &self.block_counts, &mut self.gathered);
        scatter_rows(
            &self.gathered,
            &self.block_counts,
            self.rows,
            self.width,
            &mut self.whole,
        );
        &self.whole
    }

    /// The sum of every cell's term over the whole population, in the order one process
    /// computes it ([`array_sum_xla`](crate::core::xla_math::array_sum_xla)), given this
    /// block's terms (row-major).
    pub fn sum(&mut self, terms: &[f32]) -> f32 {
        self.whole(terms);
        let (rows, width, whole) = (self.rows, self.width, &self.whole);
        crate::core::xla_math::array_sum_xla(rows, width, |r, c| whole[r * width + c], false)
    }

    /// The sum of the squares of every cell's value over the whole population, in the
    /// order one process computes it (XLA's for squares reduced in their fusion,
    /// [`array_sum_xla`](crate::core::xla_math::array_sum_xla)), given this block's values.
    pub fn sum_of_squares(&mut self, values: &[f32]) -> f32 {
        self.whole(values);
        let (rows, width, whole) = (self.rows, self.width, &self.whole);
        crate::core::xla_math::array_sum_xla(rows, width, |r, c| whole[r * width + c], true)
    }
}
