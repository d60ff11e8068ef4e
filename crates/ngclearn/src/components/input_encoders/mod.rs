//! Input encoders: cells that turn an input signal into spikes.

crate::components::family!($ input_encoders);
mod draw_ahead;
mod event_schedule;

use crate::core::component::{filled, valid_name, IndexVec};
use crate::core::parallel::Workers;
use crate::core::rng::{bits_to_unit, Key, RandomMode};
use crate::core::schema::checks::count;
use crate::error::Result;
use crate::Compartments;
use ndarray::Array2;

/// Populations at least this large split each step's JAX-compatible draws over the
/// model's pool; smaller ones of 1,024 cells or more draw ahead on the model's drawing
/// thread (both only where the model allows more than one thread).
pub const PARALLEL_CELLS: usize = 16384;

/// State shared by the stochastic encoders: its compartments, in index order, then
/// what the fast mode, the spike list and the model's threads keep.
#[derive(Debug, Clone, Compartments)]
#[compartments(shape = "(batch_size, n_units)")]
pub(crate) struct Encoder {
    /// Input stimulus
    #[compartment(input)]
    pub inputs: Array2<f32>,
    /// Emitted spikes
    #[compartment(output, spikes)]
    pub outputs: Array2<f32>,
    /// Time of last spike
    #[compartment(output, units = "ms")]
    pub tols: Array2<f32>,
    /// JAX PRNG key
    #[compartment(key)]
    pub key: Key,
    pub name: String,
    /// The fast random mode's schedule, when that mode is on.
    pub fast: Option<Box<event_schedule::EventSchedule>>,
    /// The flat indices of the cells that spiked on the last step, ascending; valid
    /// while `spikes_known` (an outside write to `outputs` clears that).
    pub spikes: IndexVec,
    pub spikes_known: bool,
    /// Whether `inputs` may have changed since the last step (the fast mode rescans).
    pub inputs_changed: bool,
    /// JAX-compatible draws made ahead on the model's drawing thread, for mid-sized
    /// populations.
    pub ahead: draw_ahead::Ahead,
    /// The model's threads, once it is built ([`Encoder::attach`]).
    pub workers: Option<std::sync::Arc<Workers>>,
    /// The global index of the first cell, in a block of a partitioned population
    /// (its draws are those of the global counters); 0 otherwise.
    pub counter_base: u64,
    /// Whether this is a block of a partitioned population (rank 0's starts at 0).
    pub partitioned: bool,
}

impl Encoder {
    /// `n_units` cells in `batch_size` rows, once `validate` (the class's parameter
    /// checks, given the checked name) passes.
    pub fn new(
        name: &str,
        n_units: usize,
        batch_size: usize,
        key: Option<Key>,
        validate: impl FnOnce(&str) -> Result<()>,
    ) -> Result<Self> {
        let name = valid_name(name)?;
        let n = count(&name, "n_units", n_units)?;
        validate(&name)?;
        let z = || filled(&name, "n_units", (batch_size, n), 0.0);
        let (inputs, outputs, tols) = (z()?, z()?, z()?);
        let spikes = IndexVec::with_capacity(&name, "n_units", batch_size * n)?;
        Ok(Encoder {
            name,
            key: key.unwrap_or_else(Key::from_time),
            inputs,
            outputs,
            tols,
            fast: None,
            spikes,
            spikes_known: true,
            inputs_changed: true,
            ahead: draw_ahead::Ahead(None),
            workers: None,
            counter_base: 0,
            partitioned: false,
        })
    }

    /// Takes the model's threads: a mid-sized population in the JAX-compatible mode
    /// then draws ahead on the model's drawing thread.
    pub fn attach(&mut self, workers: &std::sync::Arc<Workers>) {
        self.workers = Some(std::sync::Arc::clone(workers));
        self.ahead = draw_ahead::Ahead(None);
        self.draw_ahead_if_it_pays();
    }

    /// Registers with the model's drawing thread where that pays: JAX-compatible
    /// draws of 1,024 to 16,383 cells, and a second thread allowed.
    fn draw_ahead_if_it_pays(&mut self) {
        let cells = self.inputs.len();
        // Drawn ahead from counter 0 only.
        if self.fast.is_none()
            && self.ahead.0.is_none()
            && cells < PARALLEL_CELLS
            && self.counter_base == 0
        {
            let helpers = self.workers.as_ref().and_then(|w| w.helpers());
            self.ahead = draw_ahead::Ahead(
                helpers
                    .and_then(|h| draw_ahead::population(h, cells))
                    .map(Box::new),
            );
        }
    }

    /// Switches between JAX-compatible draws and the fast mode.
    /// Switches how the cells draw; `false` (and nothing changes) for the fast mode on a
    /// block of a partitioned population, whose schedule would not be the whole one's.
    pub fn set_random_mode(&mut self, mode: RandomMode) -> bool {
        if self.partitioned && mode == RandomMode::Fast {
            return false;
        }
        // Only the JAX-compatible mode draws ahead.
        if mode == RandomMode::Fast {
            self.ahead = draw_ahead::Ahead(None);
        }
        self.fast = match mode {
            RandomMode::Jax => None,
            RandomMode::Fast => {
                self.outputs.fill(0.0);
                self.spikes.clear();
                self.spikes_known = true;
                self.inputs_changed = true;
                Some(Box::new(event_schedule::EventSchedule::new(
                    self.key,
                    self.inputs.len(),
                )))
            }
        };
        self.draw_ahead_if_it_pays();
        true
    }

    /// `(key, sub) = split(key)`; `outputs = uniform(sub) < p(inputs)`; `tols` update.
    /// In the fast mode, the same spike probabilities by geometric skipping. Either
    /// way `spikes` lists the cells that fired.
    pub fn fire(&mut self, t: f32, dt: f32, p: impl Fn(f32) -> f32 + Sync) {
        let Encoder {
            key,
            inputs,
            outputs,
            tols,
            fast,
            spikes,
            spikes_known,
            inputs_changed,
            ahead,
            workers,
            counter_base,
            ..
        } = self;
        let base = *counter_base;
        let contiguous = "owned arrays are contiguous";
        let (inputs, outputs, tols) = (
            inputs.as_slice().expect(contiguous),
            outputs.as_slice_mut().expect(contiguous),
            tols.as_slice_mut().expect(contiguous),
        );
        if let Some(fast) = fast.as_mut() {
            if !*spikes_known {
                // Written from outside since: the schedule's list cannot clear it.
                outputs.fill(0.0);
                spikes.clear();
            }
            fast.step(inputs, *inputs_changed, outputs, tols, spikes, t, dt, p);
        } else if let Some(ahead) = ahead.0.as_mut() {
            let bits = ahead.bits(*key);
            *key = key.split::<2>()[0];
            spikes.clear();
            crate::core::simd::with_simd(
                #[inline(always)]
                || compare(bits, inputs, 0, outputs, tols, t, &p, Some(spikes)),
            );
        } else {
            let [next, sub] = key.split::<2>();
            *key = next;
            // (Asked only by a large population: asking starts the pool.)
            let pool = (outputs.len() >= PARALLEL_CELLS)
                .then(|| workers.as_ref().and_then(|w| w.pool()))
                .flatten();
            if let Some(pool) = pool {
                use rayon::prelude::*;
                let per = outputs
                    .len()
                    .div_ceil(pool.current_num_threads().max(1))
                    .max(8192);
                pool.install(|| {
                    outputs
                        .par_chunks_mut(per)
                        .zip(tols.par_chunks_mut(per))
                        .enumerate()
                        .for_each(|(i, (o, tl))| {
                            crate::core::simd::with_simd(
                                #[inline(always)]
                                || fire_chunk(sub, base, inputs, i * per, o, tl, t, &p, None),
                            )
                        })
                });
                spikes.collect_nonzero(outputs);
            } else {
                spikes.clear();
                crate::core::simd::with_simd(
                    #[inline(always)]
                    || fire_chunk(sub, base, inputs, 0, outputs, tols, t, &p, Some(spikes)),
                );
            }
        }
        *spikes_known = true;
        *inputs_changed = false;
    }

    /// `name` and `n_units`, the keyword arguments every encoder starts with.
    pub fn reset(&mut self) {
        if let Some(f) = self.fast.as_mut() {
            f.clear();
        }
        // ngclearn 3.1.1's reset means to zero `inputs` too, but the compiled form of
        // its line (`not self.inputs.targeted and self.inputs.set(...)`) never does:
        // its code is followed, so `inputs` keep their value.
        self.outputs.fill(0.0);
        self.tols.fill(0.0);
        self.spikes.clear();
        self.spikes_known = true;
        self.inputs_changed = true;
    }

    /// This rank's block `cols` of the encoder `whole` (whose shared state this is):
    /// its class built for the block, with the block's draws (the global counters).
    /// Only one batch row and the JAX-compatible draws split this way.
    pub fn partition(
        &self,
        whole: &dyn crate::core::component::Component,
        cols: std::ops::Range<usize>,
    ) -> Result<Box<dyn crate::core::component::Component>> {
        if self.inputs.nrows() != 1 || self.fast.is_some() {
            return Err(crate::error::Error::param(
                &self.name,
                "batch_size",
                self.inputs.nrows(),
                "only one batch row with JAX-compatible draws can be partitioned",
            ));
        }
        let base = cols.start as u64;
        let mut local = crate::core::partition::partition_by_kwargs(whole, cols)?;
        local.set_counter_base(base);
        Ok(local)
    }

    /// Draws the counters from `base` on (a block of a partitioned population); the
    /// draws ahead, made from counter 0, stop.
    pub fn set_counter_base(&mut self, base: u64) {
        self.counter_base = base;
        self.partitioned = true;
        if base != 0 {
            self.ahead = draw_ahead::Ahead(None);
        }
    }

    /// The cells that fired on the last step, for `outputs`.
    pub fn nonzero(&self, index: usize) -> Option<&[u32]> {
        (index == Encoder::OUTPUTS && self.spikes_known).then_some(self.spikes.as_slice())
    }

    /// What depends on compartment `index`: the fast mode's input scan on `inputs`,
    /// the spike list on `outputs`.
    pub fn changed(&mut self, index: usize) {
        match index {
            Encoder::INPUTS => self.inputs_changed = true,
            Encoder::OUTPUTS => self.spikes_known = false,
            _ => {}
        }
    }
}

/// The JAX-compatible draws of cells `off..off + out.len()`: element `i` draws
/// counter `base + i` whichever chunk it is in, so the spikes are the same for any
/// number of threads (and, with `base` a block's first global index, of ranks). The
/// indices of the cells that fire are pushed onto `spikes` if given.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn fire_chunk(
    sub: Key,
    base: u64,
    inputs: &[f32],
    off: usize,
    out: &mut [f32],
    tol: &mut [f32],
    t: f32,
    p: &impl Fn(f32) -> f32,
    mut spikes: Option<&mut IndexVec>,
) {
    let mut bits = [0u32; 256];
    for (c, (o, tl)) in out.chunks_mut(256).zip(tol.chunks_mut(256)).enumerate() {
        let start = off + c * 256;
        let b = &mut bits[..o.len()];
        sub.bits_into(base + start as u64, b);
        compare(b, inputs, start, o, tl, t, p, spikes.as_deref_mut());
    }
}

/// Cells `start..start + out.len()` given their random `bits`: `out = unit(bits) <
/// p(inputs)`, `tol` updated, and the indices of the cells that fire pushed onto
/// `spikes` if given.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn compare(
    bits: &[u32],
    inputs: &[f32],
    start: usize,
    out: &mut [f32],
    tol: &mut [f32],
    t: f32,
    p: &impl Fn(f32) -> f32,
    spikes: Option<&mut IndexVec>,
) {
    let x = &inputs[start..start + out.len()];
    // Branch-free, so that it vectorises; the few spikes are listed after.
    for (((o, tl), &b), &x) in out.iter_mut().zip(tol.iter_mut()).zip(bits).zip(x) {
        let s = if bits_to_unit(b) < p(x) { 1.0 } else { 0.0 };
        *o = s;
        *tl = (1.0 - s) * *tl + s * t;
    }
    if let Some(list) = spikes {
        list.extend_nonzero(out, start);
    }
}

impl crate::core::component::ClassBase for Encoder {
    fn name(&self) -> &str {
        &self.name
    }
    fn key(&self) -> Key {
        self.key
    }
    fn set_key(&mut self, key: Key) {
        self.key = key;
    }
    fn head(&self) -> crate::core::component::Head {
        crate::core::component::Head::Units(self.inputs.ncols())
    }
}
