//! The fast random mode of the encoders: spikes scheduled by geometric skipping.
//!
//! A cell that fires with probability `p` on each step fires next after `K` quiet
//! steps, `K ~ Geometric(p)`: `K = floor(ln(u) / ln(1 - p))`, `u` uniform on (0, 1].
//! Drawing `K` once per spike, instead of one number per cell per step, makes the
//! cost follow the spikes: a step touches the cells that spike and, only when the
//! inputs were written, compares each cell's `p` with the one it was scheduled with
//! (a change reschedules it; by memorylessness this is exact).
//!
//! Scheduled spikes wait in a timing wheel: `WHEEL` lists, one per step modulo
//! `WHEEL`, holding the cells due within the next `WHEEL` steps, and one list of the
//! cells due later, which is walked once every `WHEEL` steps to move those now in
//! range. Lists are doubly linked through per-cell arrays, so scheduling,
//! rescheduling and firing cost O(1) and nothing is allocated after construction.
//!
//! The spike trains have the same distribution as the JAX-compatible mode's, but not
//! the same draws. Draws come from threefry with a key derived from the component's
//! key, counting up; the component's own key is left as it is.

use crate::core::rng::{bits_to_unit, Key};

/// Steps the wheel covers (a power of two).
const WHEEL: usize = 4096;
/// The list of cells due `WHEEL` or more steps ahead.
const FAR: u32 = WHEEL as u32;
/// No cell / no list.
const NIL: u32 = u32::MAX;

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
    /// The first cell of each list: `WHEEL` slots, then `FAR`.
    head: Vec<u32>,
    /// Each cell's list (`NIL`: none) and neighbours in it.
    list: Vec<u32>,
    prev: Vec<u32>,
    succ: Vec<u32>,
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
            head: vec![NIL; WHEEL + 1],
            list: vec![NIL; cells],
            prev: vec![NIL; cells],
            succ: vec![NIL; cells],
            seen: vec![u32::MAX; cells],
            seen_dt: u32::MAX,
        }
    }

    /// Forgets every scheduled spike (on reset).
    pub fn clear(&mut self) {
        self.next.fill(u64::MAX);
        self.p.fill(f32::NAN);
        self.head.fill(NIL);
        self.list.fill(NIL);
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

    /// Puts `cell` in the list for its next spike, seen from step `now`.
    fn insert(&mut self, cell: usize, now: u64) {
        let due = self.next[cell];
        if due == u64::MAX {
            return;
        }
        debug_assert!(due >= now, "a spike scheduled in the past");
        let l = if due - now < WHEEL as u64 {
            (due % WHEEL as u64) as u32
        } else {
            FAR
        };
        let h = self.head[l as usize];
        self.list[cell] = l;
        self.prev[cell] = NIL;
        self.succ[cell] = h;
        if h != NIL {
            self.prev[h as usize] = cell as u32;
        }
        self.head[l as usize] = cell as u32;
    }

    /// Takes `cell` out of its list, if it is in one.
    fn remove(&mut self, cell: usize) {
        let l = self.list[cell];
        if l == NIL {
            return;
        }
        let (p, n) = (self.prev[cell], self.succ[cell]);
        if p == NIL {
            self.head[l as usize] = n;
        } else {
            self.succ[p as usize] = n;
        }
        if n != NIL {
            self.prev[n as usize] = p;
        }
        self.list[cell] = NIL;
    }

    /// Moves the far cells due before `now + WHEEL` onto the wheel.
    fn migrate(&mut self, now: u64) {
        let mut c = self.head[FAR as usize];
        while c != NIL {
            let after = self.succ[c as usize];
            if self.next[c as usize] - now < WHEEL as u64 {
                self.remove(c as usize);
                self.insert(c as usize, now);
            }
            c = after;
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
                        self.remove(c);
                        self.next[c] = self.schedule(s, p);
                        self.insert(c, s);
                    }
                }
            }
        }
        if s.is_multiple_of(WHEEL as u64) {
            self.migrate(s);
        }
        // Every cell in this step's slot is due now: it entered the slot less than
        // `WHEEL` steps ago and leaves it when it fires or is rescheduled.
        let slot = (s % WHEEL as u64) as usize;
        let mut c = std::mem::replace(&mut self.head[slot], NIL);
        while c != NIL {
            let cell = c as usize;
            debug_assert_eq!(self.next[cell], s);
            c = self.succ[cell];
            self.list[cell] = NIL;
            spikes.push(cell as u32);
        }
        // Ascending, as the JAX-compatible mode lists them.
        spikes.sort_unstable();
        for &c in spikes.iter() {
            let c = c as usize;
            outputs[c] = 1.0;
            tols[c] = t;
            let p = self.p[c];
            self.next[c] = self.schedule(s + 1, p);
            self.insert(c, s);
        }
    }
}
