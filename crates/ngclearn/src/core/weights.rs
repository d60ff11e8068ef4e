//! A synapse's weights, stored dense or compressed by presynaptic row.
//!
//! A synapse whose weights are mostly zero (ngclearn's `p_conn` masks, a saved model's
//! zeros) keeps only its non-zero entries: for each presynaptic row `i`, the columns
//! `indices[indptr[i]..indptr[i + 1]]` (ascending) and their values `data[..]` (scipy's
//! CSR layout). An entry is kept when it is not zero (NaN is kept). A zero reads back as
//! `+0.0`: the sign of a `-0.0` (which `p_conn`'s mask leaves where it zeroes a negative
//! weight) is not kept, and no step of a synapse that stores sparse can tell the two
//! apart (each weight only multiplies an input into a sum).
//!
//! The step's sums are the dense sums with the absent terms left out. An absent term is
//! `s * 0` for a finite input `s`, that is `±0`, and adding `±0` to a sum that starts at
//! `+0` changes no bit (round to nearest never makes `-0` from `+0`); so the two forms
//! give the same numbers. A non-finite input meets every weight (`inf * 0` is NaN): its
//! row is then walked whole, absent entries as zeros, as the dense product does.
//!
//! The compartment `weights` reads as a dense `(n_pre, n_post)` array: a sparse store
//! makes that array when it is first read and keeps it while the weights stay as they
//! are; a write makes the store dense, and the synapse decides again afterwards
//! ([`Weights::settle`]).

use crate::core::component::advise_huge_capacity;
use crate::error::{Error, Result};
use ndarray::Array2;
use std::ops::{Deref, DerefMut};
use std::sync::OnceLock;

/// How a synapse stores its weights (the `storage` keyword, an extension of ngclearn's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// Sparse when at most [`Storage::AUTO_DENSITY`] of the weights are non-zero.
    Auto,
    /// Always a dense matrix.
    Dense,
    /// Always compressed by presynaptic row.
    Sparse,
}

impl Storage {
    /// The largest fraction of non-zero weights that `auto` stores sparse (1/8): below
    /// it, walking a row's entries costs less than adding its dense row.
    pub const AUTO_DENSITY: f64 = 0.125;

    /// Reads `auto`, `dense` or `sparse`.
    pub fn parse(s: &str) -> Option<Storage> {
        match s {
            "auto" => Some(Storage::Auto),
            "dense" => Some(Storage::Dense),
            "sparse" => Some(Storage::Sparse),
            _ => None,
        }
    }
}

/// Weights compressed by presynaptic row (scipy.sparse's CSR layout).
#[derive(Debug, Clone, PartialEq)]
pub struct Csr {
    /// `(n_pre, n_post)`.
    pub shape: (usize, usize),
    /// Row `i`'s entries are `indptr[i]..indptr[i + 1]`; `n_pre + 1` offsets.
    pub indptr: Vec<usize>,
    /// Each entry's column (postsynaptic unit), ascending within a row.
    pub indices: Vec<u32>,
    /// Each entry's weight.
    pub data: Vec<f32>,
    /// Each entry's delay in steps (at least 1: a spike of step `t` acts at step
    /// `t + delay`), when the synapses have their own; `None`: one step each. With
    /// delays, a row's entries are ordered by delay, then column.
    pub delays: Option<Vec<u8>>,
}

impl Csr {
    /// The non-zero entries of `w` (NaN included); `name` names the synapse in the
    /// error when memory runs out.
    pub fn from_dense(name: &str, w: &Array2<f32>) -> Result<Csr> {
        let (n_pre, n_post) = w.dim();
        if u32::try_from(n_post).is_err() {
            return Err(Error::param(
                name,
                "shape[1]",
                n_post,
                "is too large for sparse storage (columns are indexed by u32)",
            ));
        }
        let nnz = w.iter().filter(|&&v| v != 0.0).count();
        let mut csr = Csr::with_capacity(name, (n_pre, n_post), nnz)?;
        for row in w.rows() {
            for (j, &v) in row.iter().enumerate() {
                if v != 0.0 {
                    csr.indices.push(j as u32);
                    csr.data.push(v);
                }
            }
            csr.indptr.push(csr.indices.len());
        }
        Ok(csr)
    }

    /// An empty matrix of `shape` with room for `nnz` entries (`indptr` holds its first
    /// offset only); memory is asked for fallibly.
    pub fn with_capacity(name: &str, shape: (usize, usize), nnz: usize) -> Result<Csr> {
        let oom = |what: &str, n: usize| {
            Error::param(
                name,
                "shape",
                format!("{shape:?}"),
                &format!("needs {n} {what}, more memory than there is"),
            )
        };
        let mut indptr = Vec::new();
        indptr
            .try_reserve_exact(shape.0 + 1)
            .map_err(|_| oom("row offsets", shape.0 + 1))?;
        indptr.push(0);
        let mut indices = Vec::new();
        indices
            .try_reserve_exact(nnz)
            .map_err(|_| oom("synapses", nnz))?;
        let mut data = Vec::new();
        data.try_reserve_exact(nnz)
            .map_err(|_| oom("synapses", nnz))?;
        advise_huge_capacity(&mut indices);
        advise_huge_capacity(&mut data);
        Ok(Csr {
            shape,
            indptr,
            indices,
            data,
            delays: None,
        })
    }

    /// The all-zero matrix of `shape` (no entries).
    pub fn zeros(name: &str, shape: (usize, usize)) -> Result<Csr> {
        let mut csr = Csr::with_capacity(name, shape, 0)?;
        csr.indptr.resize(shape.0 + 1, 0);
        Ok(csr)
    }

    /// How many entries are kept.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Orders each row's entries by delay, keeping their order within a delay (a stable
    /// counting sort): a synapse with delays reads a row's entries of one delay together.
    pub fn sort_rows_by_delay(&mut self) {
        let Some(delays) = &mut self.delays else {
            return;
        };
        let (mut cols, mut vals, mut dels) = (Vec::new(), Vec::new(), Vec::new());
        let mut count = [0usize; 257];
        for i in 0..self.shape.0 {
            let r = self.indptr[i]..self.indptr[i + 1];
            let d = &delays[r.clone()];
            if d.windows(2).all(|w| w[0] <= w[1]) {
                continue;
            }
            count.fill(0);
            for &x in d {
                count[x as usize + 1] += 1;
            }
            for k in 1..257 {
                count[k] += count[k - 1];
            }
            let n = r.len();
            cols.resize(n, 0u32);
            vals.resize(n, 0.0f32);
            dels.resize(n, 0u8);
            for (e, &x) in d.iter().enumerate() {
                let to = count[x as usize];
                count[x as usize] += 1;
                cols[to] = self.indices[r.start + e];
                vals[to] = self.data[r.start + e];
                dels[to] = x;
            }
            self.indices[r.clone()].copy_from_slice(&cols[..n]);
            self.data[r.clone()].copy_from_slice(&vals[..n]);
            delays[r].copy_from_slice(&dels[..n]);
        }
    }

    /// The longest delay in steps (1 without delays).
    pub fn max_delay(&self) -> usize {
        self.delays
            .as_ref()
            .and_then(|d| d.iter().max())
            .map_or(1, |&d| usize::from(d).max(1))
    }

    /// Row `i`'s delays (empty without delays).
    #[inline(always)]
    pub fn row_delays(&self, i: usize) -> &[u8] {
        match &self.delays {
            Some(d) => &d[self.indptr[i]..self.indptr[i + 1]],
            None => &[],
        }
    }

    /// Row `i`'s columns and weights.
    #[inline(always)]
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let r = self.indptr[i]..self.indptr[i + 1];
        (&self.indices[r.clone()], &self.data[r])
    }

    /// Columns `cols` of the matrix, numbered from 0 (a rank's block).
    pub fn columns(self, cols: std::ops::Range<usize>) -> Csr {
        if cols == (0..self.shape.1) {
            return self;
        }
        let (lo, hi) = (cols.start as u32, cols.end as u32);
        let mut out = Csr {
            shape: (self.shape.0, cols.len()),
            indptr: vec![0],
            indices: Vec::new(),
            data: Vec::new(),
            delays: self.delays.as_ref().map(|_| Vec::new()),
        };
        for i in 0..self.shape.0 {
            let r = self.indptr[i]..self.indptr[i + 1];
            for e in r {
                let j = self.indices[e];
                if lo <= j && j < hi {
                    out.indices.push(j - lo);
                    out.data.push(self.data[e]);
                    if let (Some(d), Some(all)) = (&mut out.delays, &self.delays) {
                        d.push(all[e]);
                    }
                }
            }
            out.indptr.push(out.indices.len());
        }
        out
    }

    /// The dense matrix (absent entries `+0.0`; multapses, a pair's several entries,
    /// summed in their order).
    pub fn to_dense(&self) -> Array2<f32> {
        let (n_pre, n_post) = self.shape;
        let mut w = Array2::zeros((n_pre, n_post));
        let flat = w.as_slice_mut().expect("a new array is contiguous");
        for i in 0..n_pre {
            let (cols, vals) = self.row(i);
            let out = &mut flat[i * n_post..(i + 1) * n_post];
            // A pair's multapses add up in the row's order (with delays they need not
            // be next to each other); the first term lands on zero: `0 + v = v`.
            for (&j, &v) in cols.iter().zip(vals) {
                out[j as usize] += v;
            }
        }
        w
    }
}

thread_local! {
    static FROM_FILE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` (a loader building components whose saved state it reads next) with the
/// synapses built in it leaving their weights undrawn: all zero, stored sparse, until
/// the file's weights replace them. Drawing a large matrix only to overwrite it would
/// cost the time and the memory of the draw.
pub fn with_weights_from_file<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            FROM_FILE.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(FROM_FILE.with(|c| c.replace(true)));
    f()
}

/// Whether a synapse built now takes its weights from a file (see
/// [`with_weights_from_file`]).
pub fn weights_from_file() -> bool {
    FROM_FILE.with(|c| c.get())
}

/// Calls `f(j, w)` for every column `j` of row `(cols, vals)` (ascending) of a matrix
/// `n_post` wide, once per entry of `j` (a pair's multapses each) and once with `w =
/// 0.0` where it has none, in column order: how a non-finite input meets a sparse row
/// as it meets a dense one.
#[inline]
pub(crate) fn for_whole_row(
    n_post: usize,
    cols: &[u32],
    vals: &[f32],
    mut f: impl FnMut(usize, f32),
) {
    let mut k = 0;
    for j in 0..n_post {
        if cols.get(k) == Some(&(j as u32)) {
            while cols.get(k) == Some(&(j as u32)) {
                f(j, vals[k]);
                k += 1;
            }
        } else {
            f(j, 0.0);
        }
    }
}

#[derive(Debug, Clone)]
enum Store {
    Dense(Array2<f32>),
    Sparse {
        csr: Csr,
        /// The dense array, once read.
        view: OnceLock<Array2<f32>>,
    },
}

/// A synapse's `weights` compartment: a dense array, or [`Csr`] read as one (see the
/// module documentation).
#[derive(Debug, Clone)]
pub struct Weights {
    store: Store,
}

/// Two stores are equal when they hold the same synapses: the same compressed rows
/// (delays included), else the same dense matrix.
impl PartialEq for Weights {
    fn eq(&self, other: &Weights) -> bool {
        match (self.sparse(), other.sparse()) {
            (Some(a), Some(b)) => a == b,
            _ => **self == **other,
        }
    }
}

impl From<Array2<f32>> for Weights {
    fn from(w: Array2<f32>) -> Self {
        Weights {
            store: Store::Dense(w),
        }
    }
}

impl From<Csr> for Weights {
    fn from(csr: Csr) -> Self {
        Weights {
            store: Store::Sparse {
                csr,
                view: OnceLock::new(),
            },
        }
    }
}

impl Weights {
    /// The compressed rows, when the store is sparse.
    #[inline]
    pub fn sparse(&self) -> Option<&Csr> {
        match &self.store {
            Store::Sparse { csr, .. } => Some(csr),
            Store::Dense(_) => None,
        }
    }

    /// The compressed rows, to change their weights in place (the pattern stays), when
    /// the store is sparse.
    pub fn sparse_mut(&mut self) -> Option<&mut Csr> {
        match &mut self.store {
            Store::Sparse { csr, view } => {
                view.take();
                Some(csr)
            }
            Store::Dense(_) => None,
        }
    }

    /// The bytes the store holds: a sparse store's entries, and its dense view too
    /// once something has read the weights as an array.
    pub fn bytes(&self) -> u64 {
        match &self.store {
            Store::Dense(w) => 4 * w.len() as u64,
            Store::Sparse { csr, view } => {
                let delays = csr.delays.as_ref().map_or(0, |d| d.len());
                let view = view.get().map_or(0, |v| 4 * v.len());
                (8 * csr.nnz() + 8 * csr.indptr.len() + delays + view) as u64
            }
        }
    }

    /// `(n_pre, n_post)`, without making a dense array.
    pub fn shape(&self) -> (usize, usize) {
        match &self.store {
            Store::Dense(w) => w.dim(),
            Store::Sparse { csr, .. } => csr.shape,
        }
    }

    /// Stores the weights as `storage` asks (`Auto`: sparse when at most
    /// [`Storage::AUTO_DENSITY`] of them are non-zero). `name` names the synapse in the
    /// error when memory runs out.
    pub fn settle(&mut self, name: &str, storage: Storage) -> Result<()> {
        match (&self.store, storage) {
            (Store::Dense(_), Storage::Dense) | (Store::Sparse { .. }, Storage::Sparse) => Ok(()),
            (Store::Sparse { .. }, _) => {
                if storage == Storage::Dense {
                    let _ = self.deref_mut();
                }
                Ok(())
            }
            (Store::Dense(w), _) => {
                let n = w.len();
                if storage == Storage::Auto {
                    let nnz = w.iter().filter(|&&v| v != 0.0).count();
                    if n == 0 || nnz as f64 > Storage::AUTO_DENSITY * n as f64 {
                        return Ok(());
                    }
                }
                let csr = Csr::from_dense(name, w)?;
                *self = Weights::from(csr);
                Ok(())
            }
        }
    }
}

impl Deref for Weights {
    type Target = Array2<f32>;
    fn deref(&self) -> &Array2<f32> {
        match &self.store {
            Store::Dense(w) => w,
            Store::Sparse { csr, view } => view.get_or_init(|| csr.to_dense()),
        }
    }
}

impl DerefMut for Weights {
    /// A write makes the store dense (the synapse decides again when told of it).
    fn deref_mut(&mut self) -> &mut Array2<f32> {
        if let Store::Sparse { csr, view } = &mut self.store {
            let w = view.take().unwrap_or_else(|| csr.to_dense());
            self.store = Store::Dense(w);
        }
        match &mut self.store {
            Store::Dense(w) => w,
            Store::Sparse { .. } => unreachable!("made dense above"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_round_trips_non_zero_weights_and_nan_and_reads_zeros_as_positive() {
        let w = ndarray::array![
            [0.0, -0.0, 1.5, 0.0],
            [f32::NAN, 0.0, 0.0, f32::INFINITY],
            [0.0, 0.0, 0.0, 0.0]
        ];
        let csr = Csr::from_dense("W", &w).unwrap();
        assert_eq!(csr.indptr, vec![0, 1, 3, 3]);
        assert_eq!(csr.indices, vec![2, 0, 3]);
        let back = csr.to_dense();
        let bits = |a: &Array2<f32>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        let mut want = w.clone();
        want[[0, 1]] = 0.0;
        assert_eq!(bits(&back), bits(&want));
    }

    /// A pair drawn twice reads as the sum of its terms, whether they are next to each
    /// other (ordered by column) or apart (ordered by delay first); a non-finite input
    /// meets each term.
    #[test]
    fn multapses_read_as_their_sum_and_each_meets_a_whole_row_walk() {
        let mut csr = Csr::with_capacity("W", (1, 4), 4).unwrap();
        csr.indices.extend([1, 3, 1, 2]);
        csr.data.extend([0.5, 2.0, 0.25, 4.0]);
        csr.indptr.push(4);
        csr.delays = Some(vec![1, 1, 2, 3]); // column 1 at delays 1 and 2: apart
        assert_eq!(csr.to_dense(), ndarray::array![[0.0, 0.75, 4.0, 2.0]]);
        let mut sorted = Csr::with_capacity("W", (1, 4), 4).unwrap();
        sorted.indices.extend([1, 1, 2, 3]);
        sorted.data.extend([0.5, 0.25, 4.0, 2.0]);
        sorted.indptr.push(4);
        assert_eq!(sorted.to_dense(), csr.to_dense());
        let mut seen = Vec::new();
        let (cols, vals) = sorted.row(0);
        for_whole_row(4, cols, vals, |j, w| seen.push((j, w)));
        assert_eq!(
            seen,
            vec![(0, 0.0), (1, 0.5), (1, 0.25), (2, 4.0), (3, 2.0)]
        );
    }

    #[test]
    fn auto_storage_is_sparse_below_an_eighth() {
        let mut w = Array2::<f32>::zeros((4, 8));
        w[[0, 0]] = 1.0;
        w[[3, 7]] = 2.0;
        let mut a = Weights::from(w.clone());
        a.settle("W", Storage::Auto).unwrap();
        assert!(a.sparse().is_some());
        assert_eq!(*a, w);
        w.fill(1.0);
        let mut b = Weights::from(w);
        b.settle("W", Storage::Auto).unwrap();
        assert!(b.sparse().is_none());
        b.settle("W", Storage::Sparse).unwrap();
        assert_eq!(b.sparse().unwrap().nnz(), 32);
    }

    #[test]
    fn a_write_makes_the_store_dense() {
        let mut a = Weights::from(Csr::from_dense("W", &ndarray::array![[0.0, 2.0]]).unwrap());
        a[[0, 0]] = 3.0;
        assert!(a.sparse().is_none());
        assert_eq!(*a, ndarray::array![[3.0, 2.0]]);
    }

    #[test]
    fn the_whole_row_walk_gives_absent_entries_as_zeros() {
        let mut seen = Vec::new();
        for_whole_row(4, &[1, 3], &[5.0, 7.0], |j, w| seen.push((j, w)));
        assert_eq!(seen, vec![(0, 0.0), (1, 5.0), (2, 0.0), (3, 7.0)]);
    }
}
