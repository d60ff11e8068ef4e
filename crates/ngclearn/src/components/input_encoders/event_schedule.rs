//! The fast random mode of the encoders: spikes scheduled by geometric skipping.
//!
//! A cell that fires with probability `p` on each step fires next after `K` quiet
//! steps, `K ~ Geometric(p)`: `K = floor(ln(u) / ln(1 - p))`, `u` uniform on (0, 1].
//! Drawing `K` once per spike, instead of one number per cell per step, makes the
//! cost follow the spikes: a step touches the cells that spike (through a heap of
//! next-spike steps) and compares each cell's `p` with the one it was scheduled with
//! (a change reschedules it; by memorylessness this is exact).
//!
//! The spike trains have the same distribution as the JAX-compatible mode's, but not
//! the same draws. Draws come from threefry with a key derived from the component's
//! key, counting up; the component's own key is left as it is.

use crate::core::rng::{bits_to_unit, Key};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The schedule of one encoder population (cells flattened over the batch).
#[derive(Debug, Clone)]
pub(crate) struct EventSchedule {
    key: Key,
    counter: u64,
    step: u64,
    /// The step of each cell's next spike (`u64::MAX`: never).
    next: Vec<u64>,
    /// The probability each cell was scheduled with (NaN: not yet).
    p: Vec<f32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
    /// The inputs and `dt` the schedule was made for (bits), to skip unchanged steps.
    seen: Vec<u32>,
    seen_dt: u32,
}

impl EventSchedule {
    pub fn new(key: Key, cells: usize) -> EventSchedule {
        EventSchedule {
            key: key.split::<2>()[1],
            counter: 0,
            step: 0,
            next: vec![u64::MAX; cells],
            p: vec![f32::NAN; cells],
            heap: BinaryHeap::with_capacity(3 * cells + 1),
            seen: vec![u32::MAX; cells],
            seen_dt: u32::MAX,
        }
    }

    /// Forgets every scheduled spike (on reset).
    pub fn clear(&mut self) {
        self.next.fill(u64::MAX);
        self.p.fill(f32::NAN);
        self.heap.clear();
        self.seen.fill(u32::MAX);
    }

    fn uniform_open(&mut self) -> f64 {
        let u = bits_to_unit(self.key.bits(self.counter)) as f64;
        self.counter += 1;
        1.0 - u // in (0, 1]
    }

    /// The step of the first spike at or after step `from` for probability `p`.
    fn schedule(&mut self, from: u64, p: f32) -> u64 {
        if p.is_nan() || p <= 0.0 {
            return u64::MAX;
        }
        if p >= 1.0 {
            return from;
        }
        let k = (self.uniform_open().ln() / (-(p as f64)).ln_1p()).floor();
        if k.is_finite() && k < (u64::MAX - from) as f64 {
            from + k as u64
        } else {
            u64::MAX
        }
    }

    fn push(&mut self, cell: usize) {
        if self.next[cell] != u64::MAX {
            if self.heap.len() >= self.heap.capacity() {
                // Stale entries from rescheduled cells: rebuild in place (no allocation).
                self.heap.clear();
                for (c, &n) in self.next.iter().enumerate() {
                    if n != u64::MAX && c != cell {
                        self.heap.push(Reverse((n, c as u32)));
                    }
                }
            }
            self.heap.push(Reverse((self.next[cell], cell as u32)));
        }
    }

    /// One step: `outputs` gets this step's spikes (1) with the last step's (listed in
    /// `spikes`) cleared, `spikes` the indices of this step's, ascending, and `tols`
    /// the time `t` of the spiking cells. `prob(x)` is the probability of a cell with
    /// input `x` for this step of `dt`. Unless `inputs_changed` (or `dt` changed), the
    /// inputs are not looked at: the cost is that of the spikes. Otherwise cells whose
    /// input did not change keep their schedule.
    #[allow(clippy::too_many_arguments)]
    pub fn step(
        &mut self,
        inputs: &[f32],
        inputs_changed: bool,
        outputs: &mut [f32],
        tols: &mut [f32],
        spikes: &mut Vec<u32>,
        t: f32,
        dt: f32,
        prob: impl Fn(f32) -> f32,
    ) {
        let mut rescan = inputs_changed;
        if dt.to_bits() != self.seen_dt {
            self.seen_dt = dt.to_bits();
            self.seen.fill(u32::MAX);
            rescan = true;
        }
        let s = self.step;
        self.step += 1;
        for &c in spikes.iter() {
            outputs[c as usize] = 0.0;
        }
        spikes.clear();
        const BLOCK: usize = 16;
        if rescan {
            for b in (0..inputs.len()).step_by(BLOCK) {
                let end = (b + BLOCK).min(inputs.len());
                let changed = inputs[b..end]
                    .iter()
                    .zip(&self.seen[b..end])
                    .fold(0u32, |acc, (x, &s)| acc | (x.to_bits() ^ s));
                if changed == 0 {
                    continue;
                }
                #[allow(clippy::needless_range_loop)] // `c` indexes four per-cell arrays
                for c in b..end {
                    if inputs[c].to_bits() == self.seen[c] {
                        continue;
                    }
                    self.seen[c] = inputs[c].to_bits();
                    let p = prob(inputs[c]);
                    if p.to_bits() != self.p[c].to_bits() {
                        self.p[c] = p;
                        self.next[c] = self.schedule(s, p);
                        self.push(c);
                    }
                }
            }
        }
        while let Some(&Reverse((due, c))) = self.heap.peek() {
            if due > s {
                break;
            }
            self.heap.pop();
            let c = c as usize;
            if self.next[c] != due {
                continue; // rescheduled since
            }
            outputs[c] = 1.0;
            tols[c] = t;
            spikes.push(c as u32);
            let p = self.p[c];
            self.next[c] = self.schedule(s + 1, p);
            self.push(c);
        }
    }
}
