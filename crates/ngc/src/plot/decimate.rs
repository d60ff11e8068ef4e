//! Fixed-size summaries of a recording, whatever its length: steps fall into a fixed
//! number of time buckets, and each bucket keeps the minimum and maximum of a trace
//! (in the order they occurred), the number of spikes of a population, and which
//! cells spiked at all (a bitmap of bucket × cell).
//!
//! Drawing a trace as each bucket's vertical segment from its first extreme to the
//! other, the segments joined into one polyline, is the classic min/max decimation:
//! at one bucket per pixel or finer it draws exactly what every sample would, and no
//! excursion (a spike of `v`, a conductance peak) is lost however long the run.
//!
//! Nothing here allocates after construction.

/// How steps map to time buckets: bucket `b` holds steps `b·width .. (b+1)·width`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buckets {
    /// Steps in the recording.
    pub steps: usize,
    /// Steps per bucket (at least 1).
    pub width: usize,
    /// Number of buckets: `ceil(steps / width)`.
    pub count: usize,
}

/// Buckets used for figures: about two per pixel of a figure 2,000 pixels wide.
pub const BUCKETS: usize = 4000;

impl Buckets {
    /// At most `max` buckets over `steps` steps: width `ceil(steps / max)`.
    pub fn new(steps: usize, max: usize) -> Buckets {
        let width = steps.div_ceil(max.max(1)).max(1);
        Buckets {
            steps,
            width,
            count: steps.div_ceil(width),
        }
    }

    /// The bucket of step `k` (steps past the end fall into the last bucket).
    #[inline]
    pub fn of(&self, k: usize) -> usize {
        (k / self.width).min(self.count.saturating_sub(1))
    }

    /// The first step of bucket `b` and its number of steps.
    pub fn span(&self, b: usize) -> (usize, usize) {
        let first = b * self.width;
        (first, self.width.min(self.steps.saturating_sub(first)))
    }

    /// The middle of bucket `b`, in (fractional) steps: the time a bucket is drawn at.
    pub fn center(&self, b: usize) -> f64 {
        let (first, n) = self.span(b);
        first as f64 + (n.max(1) - 1) as f64 / 2.0
    }
}

/// The minimum and maximum of a trace in each bucket, with the order they came in.
#[derive(Debug, Clone)]
pub struct Envelope {
    buckets: Buckets,
    /// Per bucket: minimum, maximum (NaN-free; `+inf, -inf` while empty).
    ext: Vec<[f32; 2]>,
    /// Per bucket: whether the maximum came before the minimum.
    max_first: Vec<bool>,
}

impl Envelope {
    /// An empty envelope over `buckets`.
    pub fn new(buckets: Buckets) -> Envelope {
        Envelope {
            buckets,
            ext: vec![[f32::INFINITY, f32::NEG_INFINITY]; buckets.count],
            max_first: vec![false; buckets.count],
        }
    }

    /// Adds the value of step `k` (NaN is skipped). Allocation-free.
    #[inline]
    pub fn push(&mut self, k: usize, x: f32) {
        let b = self.buckets.of(k);
        let Some(e) = self.ext.get_mut(b) else {
            return;
        };
        if x < e[0] {
            e[0] = x;
            self.max_first[b] = e[1] != f32::NEG_INFINITY;
        }
        if x > e[1] {
            e[1] = x;
            self.max_first[b] = false;
        }
    }

    /// The smallest and largest value seen, if any.
    #[cfg(test)]
    pub fn range(&self) -> Option<(f32, f32)> {
        let (lo, hi) = self
            .ext
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), e| {
                (lo.min(e[0]), hi.max(e[1]))
            });
        (lo <= hi).then_some((lo, hi))
    }

    /// The polyline to draw: for each non-empty bucket, at its middle step, its two
    /// extremes in the order they occurred. `(step, value)`.
    pub fn polyline(&self) -> Vec<(f64, f64)> {
        let mut out = Vec::with_capacity(2 * self.ext.len());
        for (b, e) in self.ext.iter().enumerate() {
            if e[0] > e[1] {
                continue;
            }
            let x = self.buckets.center(b);
            let (a, z) = if self.max_first[b] {
                (e[1], e[0])
            } else {
                (e[0], e[1])
            };
            out.push((x, a as f64));
            if z != a {
                out.push((x, z as f64));
            }
        }
        out
    }
}

/// Spikes of a population per bucket, and which of its cells (rows) spiked in each.
#[derive(Debug, Clone)]
pub struct SpikeBuckets {
    buckets: Buckets,
    cells: usize,
    rows: usize,
    words: usize,
    counts: Vec<u64>,
    bits: Vec<u64>,
}

/// At most this many raster rows; more cells share rows (no figure shows more).
pub const MAX_ROWS: usize = 1024;

impl SpikeBuckets {
    /// For `cells` cells, drawn on `min(cells, MAX_ROWS)` rows.
    pub fn new(buckets: Buckets, cells: usize) -> SpikeBuckets {
        let rows = cells.clamp(1, MAX_ROWS);
        let words = rows.div_ceil(64);
        SpikeBuckets {
            buckets,
            cells: cells.max(1),
            rows,
            words,
            counts: vec![0; buckets.count],
            bits: vec![0; buckets.count * words],
        }
    }

    /// The row cell `c` is drawn on.
    #[inline]
    fn row(&self, c: usize) -> usize {
        if self.rows == self.cells {
            c.min(self.rows - 1)
        } else {
            ((c as u128 * self.rows as u128 / self.cells as u128) as usize).min(self.rows - 1)
        }
    }

    /// Records a spike of cell `c` at step `k`. Allocation-free.
    #[inline]
    pub fn push(&mut self, k: usize, c: usize) {
        if self.buckets.count == 0 {
            return;
        }
        let b = self.buckets.of(k);
        self.counts[b] += 1;
        let r = self.row(c);
        self.bits[b * self.words + r / 64] |= 1 << (r % 64);
    }

    /// Cells of the population.
    pub fn cells(&self) -> usize {
        self.cells
    }

    /// Rows of the raster.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Whether row `r` has a spike in bucket `b`.
    pub fn occupied(&self, b: usize, r: usize) -> bool {
        self.bits[b * self.words + r / 64] & (1 << (r % 64)) != 0
    }

    /// Spikes in bucket `b`.
    #[cfg(test)]
    pub fn count(&self, b: usize) -> u64 {
        self.counts[b]
    }

    /// All spikes.
    #[cfg(test)]
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Runs of consecutive buckets with a spike on row `r`: `(first, last)` buckets.
    pub fn runs(&self, r: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut open: Option<usize> = None;
        for b in 0..self.buckets.count {
            match (self.occupied(b, r), open) {
                (true, None) => open = Some(b),
                (false, Some(s)) => {
                    out.push((s, b - 1));
                    open = None;
                }
                _ => {}
            }
        }
        if let Some(s) = open {
            out.push((s, self.buckets.count - 1));
        }
        out
    }

    /// The population's rate per cell (Hz) in each bucket, smoothed with a Gaussian
    /// kernel of standard deviation `sigma_steps` (normalised over the part of the
    /// kernel inside the recording, so the ends are not pulled down). `dt_ms` is the
    /// step. Returns `(step at the bucket's middle, Hz)`.
    pub fn rate(&self, dt_ms: f64, sigma_steps: f64) -> Vec<(f64, f64)> {
        let n = self.buckets.count;
        let raw: Vec<f64> = (0..n)
            .map(|b| {
                let secs = self.buckets.span(b).1 as f64 * dt_ms / 1000.0;
                self.counts[b] as f64 / self.cells as f64 / secs.max(f64::MIN_POSITIVE)
            })
            .collect();
        let sigma = sigma_steps / self.buckets.width as f64;
        let reach = (3.0 * sigma).ceil() as isize;
        let kernel: Vec<f64> = (-reach..=reach)
            .map(|i| {
                if sigma > 0.0 {
                    (-0.5 * (i as f64 / sigma).powi(2)).exp()
                } else {
                    1.0
                }
            })
            .collect();
        (0..n)
            .map(|b| {
                let (mut sum, mut weight) = (0.0, 0.0);
                for (j, w) in kernel.iter().enumerate() {
                    let i = b as isize + j as isize - reach;
                    if i >= 0 && (i as usize) < n {
                        // Weighted by the bucket's length: a short last bucket counts less.
                        let len = self.buckets.span(i as usize).1 as f64;
                        sum += w * len * raw[i as usize];
                        weight += w * len;
                    }
                }
                (self.buckets.center(b), sum / weight.max(f64::MIN_POSITIVE))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_every_step_once() {
        for (steps, max) in [(10, 4), (10_000, 4000), (7, 100), (1, 1), (4001, 4000)] {
            let b = Buckets::new(steps, max);
            assert!(b.count <= max);
            assert_eq!(b.width, steps.div_ceil(max));
            let total: usize = (0..b.count).map(|i| b.span(i).1).sum();
            assert_eq!(total, steps, "{steps} steps into at most {max}");
            assert_eq!(b.of(steps - 1), b.count - 1);
        }
        assert_eq!(Buckets::new(0, 10).count, 0);
    }

    #[test]
    fn decimation_keeps_the_global_min_and_max_and_their_order() {
        let steps = 1_000_003;
        let b = Buckets::new(steps, 4000);
        let mut e = Envelope::new(b);
        let x = |k: usize| ((k as f32) * 0.001).sin() * 10.0;
        let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
        for k in 0..steps {
            let mut v = x(k);
            // Single-step excursions, as a spike of v would be.
            if k == 123_457 {
                v = 40.0;
            }
            if k == 987_651 {
                v = -90.0;
            }
            lo = lo.min(v);
            hi = hi.max(v);
            e.push(k, v);
        }
        assert_eq!(e.range(), Some((lo, hi)));
        let line = e.polyline();
        assert!(line.len() <= 2 * b.count);
        let ys: Vec<f64> = line.iter().map(|p| p.1).collect();
        assert!(ys.contains(&40.0) && ys.contains(&-90.0));
        // Time runs forward along the polyline.
        assert!(line.windows(2).all(|w| w[0].0 <= w[1].0));
        // Within a bucket, the extreme that came first is drawn first.
        let mut one = Envelope::new(Buckets::new(4, 1));
        for (k, v) in [(0, 0.0), (1, 5.0), (2, -5.0), (3, 1.0)] {
            one.push(k, v);
        }
        assert_eq!(one.polyline(), vec![(1.5, 5.0), (1.5, -5.0)]);
    }

    #[test]
    fn every_spike_marks_its_bucket_and_counts() {
        let steps = 2_000_000;
        let b = Buckets::new(steps, 4000);
        let mut s = SpikeBuckets::new(b, 101);
        let spikes = [
            (0, 0),
            (400, 100),
            (499, 100),
            (1_999_999, 57),
            (1_234_567, 3),
        ];
        for &(k, c) in &spikes {
            s.push(k, c);
        }
        assert_eq!(s.total(), spikes.len() as u64);
        for &(k, c) in &spikes {
            assert!(s.occupied(b.of(k), c), "spike at step {k} of cell {c}");
        }
        // Steps 400 and 499 share a bucket of 500 steps: one tick, both counted.
        assert_eq!(s.runs(100), vec![(0, 0)]);
        assert_eq!(s.count(0), 3);
        s.push(500, 100);
        assert_eq!(s.runs(100), vec![(0, 1)]);
        let occupied: usize = (0..b.count)
            .map(|i| (0..101).filter(|&r| s.occupied(i, r)).count())
            .sum();
        assert_eq!(occupied, 5);
    }

    #[test]
    fn many_cells_share_rows_within_bounds() {
        let b = Buckets::new(100, 10);
        let mut s = SpikeBuckets::new(b, 1_000_000);
        assert_eq!(s.rows(), MAX_ROWS);
        s.push(5, 999_999);
        assert!(s.occupied(0, MAX_ROWS - 1));
    }

    #[test]
    fn a_steady_rate_is_recovered_at_the_ends_too() {
        // One cell firing every 10th step of 0.1 ms: 1000 Hz.
        let b = Buckets::new(10_000, 333);
        let mut s = SpikeBuckets::new(b, 1);
        for k in (0..10_000).step_by(10) {
            s.push(k, 0);
        }
        let r = s.rate(0.1, 100.0);
        for (_, hz) in [r[0], r[r.len() / 2], r[r.len() - 1]] {
            assert!((hz - 1000.0).abs() < 60.0, "{hz}");
        }
    }
}
