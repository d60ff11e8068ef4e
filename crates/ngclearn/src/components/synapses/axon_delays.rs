//! ngclearn 3.2's per-axon delays: `max_delay_steps = Tk` on `DenseSynapse` and
//! `StaticSynapse`.
//!
//! ```text
//! index_i  = randint(k2, (n_pre,), 0, Tk)[i]       (k2 of split(key, 4), as p_conn's)
//! delayed[b, i] = buffer[index_i, b, i]            (buffer[k] = inputs of Tk - k steps ago)
//! buffer   = roll(buffer, -1, axis 0); buffer[Tk - 1] = inputs
//! outputs  = (delayed · (W * mask)) * resist_scale + biases
//! ```
//! Each presynaptic unit's inputs arrive `Tk - index_i` steps late (1 to `Tk`), the
//! same for every row of the batch; `reset` empties the buffer. The buffer is kept
//! here as a ring (the oldest row first from `head`), so a step moves one row, not
//! `Tk`. The buffer is what a model's state and saved form hold as its inputs in
//! flight (`in_flight.*`), one step per row, the oldest first.
//!
//! The indices are drawn again whenever the synapse's key is set, so they are always
//! its key's (a DenseSynapse's key does not change as it runs). A loaded synapse thus
//! has the saved one's delays and continues as it would have; ngclearn 3.2, which
//! saves neither the indices nor builds with the saved key, draws new ones.

use crate::core::component::filled;
use crate::core::rng::Key;
use crate::core::state::InFlight;
use crate::error::{Error, Result};
use ndarray::Array2;

/// The largest `max_delay_steps` (JAX draws the indices as int32).
pub const MAX_DELAY_STEPS: usize = i32::MAX as usize;

/// The delay line of a synapse with `max_delay_steps > 0`.
#[derive(Debug, Clone)]
pub(crate) struct AxonDelays {
    /// Each presynaptic unit's row of the buffer, in `[0, Tk)`.
    index: Vec<u32>,
    /// `Tk` rows of `batch * n_pre` inputs; logical row `k` is `(head + k) % Tk`.
    ring: Array2<f32>,
    head: usize,
    /// The inputs delivered at the last step (ngclearn 3.2's `delayed_inputs`).
    pub delayed: Array2<f32>,
}

impl AxonDelays {
    /// The delay line of synapse `name` of `n_pre` inputs and `batch` rows, its indices
    /// all 0 until [`AxonDelays::draw`]. An error names `max_delay_steps` when the
    /// buffer cannot be had.
    pub fn new(name: &str, tk: usize, batch: usize, n_pre: usize) -> Result<AxonDelays> {
        if tk > MAX_DELAY_STEPS {
            return Err(Error::param(
                name,
                "max_delay_steps",
                tk,
                &format!("must be at most {MAX_DELAY_STEPS}"),
            ));
        }
        let width = batch.checked_mul(n_pre).ok_or_else(|| {
            Error::param(name, "batch_size", batch, "times shape[0] is too large")
        })?;
        let ring = filled(name, "max_delay_steps", (tk, width), 0.0)?;
        let delayed = filled(name, "batch_size", (batch, n_pre), 0.0)?;
        let mut index = Vec::new();
        index
            .try_reserve_exact(n_pre)
            .map_err(|_| Error::param(name, "shape[0]", n_pre, "is too large to allocate"))?;
        index.resize(n_pre, 0);
        Ok(AxonDelays {
            index,
            ring,
            head: 0,
            delayed,
        })
    }

    /// Draws each presynaptic unit's index from `k2` (`k2` of `split(key, 4)`, as
    /// ngclearn 3.2 does from the synapse's key): `randint(k2, (n_pre,), 0, Tk)`.
    pub fn draw(&mut self, k2: Key) {
        let tk = self.steps() as i32;
        let mut block = [0i32; 256];
        for (c, out) in self.index.chunks_mut(block.len()).enumerate() {
            // randint's element j draws counter j: a chunk starts where it lies.
            let start = c * block.len();
            let b = &mut block[..out.len()];
            k2.randint_at(start as u64, b, 0, tk);
            for (o, &v) in out.iter_mut().zip(b.iter()) {
                *o = v as u32;
            }
        }
    }

    /// `Tk`.
    pub fn steps(&self) -> usize {
        self.ring.nrows()
    }

    /// Each presynaptic unit's index into the buffer (ngclearn's `syn_delay_indices`).
    pub fn indices(&self) -> &[u32] {
        &self.index
    }

    /// One step: `delayed` from the buffer, then `inputs` (`batch * n_pre`, row-major)
    /// joins it as the newest row and the oldest leaves.
    pub fn step(&mut self, inputs: &[f32]) {
        let tk = self.steps();
        let n_pre = self.index.len();
        let width = inputs.len();
        let ring = self
            .ring
            .as_slice_mut()
            .expect("owned arrays are contiguous");
        let delayed = self
            .delayed
            .as_slice_mut()
            .expect("owned arrays are contiguous");
        for (b, out) in delayed.chunks_mut(n_pre.max(1)).enumerate() {
            for ((o, &k), i) in out.iter_mut().zip(&self.index).zip(b * n_pre..) {
                let row = (self.head + k as usize) % tk;
                *o = ring[row * width + i];
            }
        }
        ring[self.head * width..(self.head + 1) * width].copy_from_slice(inputs);
        self.head = (self.head + 1) % tk;
    }

    /// Empties the buffer and the delivered inputs (ngclearn's `reset`).
    pub fn clear(&mut self) {
        self.ring.fill(0.0);
        self.delayed.fill(0.0);
        self.head = 0;
    }

    /// The buffer as inputs in flight: `Tk` steps, the oldest first, each its non-zero
    /// inputs by flat index.
    pub fn in_flight(&self) -> InFlight {
        let tk = self.steps();
        InFlight {
            steps: (0..tk)
                .map(|k| {
                    let row = self.ring.row((self.head + k) % tk);
                    row.iter()
                        .enumerate()
                        .filter(|(_, &v)| v != 0.0)
                        .map(|(f, &v)| (f as u32, v))
                        .collect()
                })
                .collect(),
        }
    }

    /// Holds `f` instead: its last `Tk` steps, the newest as the newest row; steps
    /// missing at the old end are empty, inputs beyond the width are dropped. (The
    /// inputs delivered last are not part of it: they read zero until the next step.)
    pub fn set_in_flight(&mut self, f: &InFlight) {
        self.ring.fill(0.0);
        self.delayed.fill(0.0);
        self.head = 0;
        let tk = self.steps();
        let kept = f.steps.len().min(tk);
        for (k, step) in (tk - kept..).zip(&f.steps[f.steps.len() - kept..]) {
            let mut row = self.ring.row_mut(k);
            for &(i, v) in step {
                if let Some(x) = row.get_mut(i as usize) {
                    *x = v;
                }
            }
        }
    }
}
