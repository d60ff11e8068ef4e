//! `WTASCell`: winner-take-all spiking cells: each row's currents through a softmax,
//! a spike wherever the probability passes the unit's adaptive threshold.
//!
//! Each step of `dt` ending at time `t`, as ngclearn 3.1.1's code computes it (float32;
//! `exp` is XLA's):
//! ```text
//! v    = rfr >= refract_time ? j * resist_m : 0
//! e    = exp(v - max_row(v));   p = e / (e_0 + e_1 + ... )      (per row, summed in order)
//! s    = p > thr
//! thr  = max(thr + (sum_row(s) - 1) * thr_gain, 0.025)
//! rfr  = s ? dt : rfr + dt;     tols = s ? t : tols
//! ```
//! At construction, as ngclearn: `(_, sub) = split(key)`, `thr = thr_base +
//! uniform(sub, (1, n), -thr_jitter, thr_jitter)`; the key stays as given.
//!
//! Where ngclearn 3.1.1's code differs from its docs, the code is followed: `tau_m` is
//! not used (`v` is the masked current itself, without dynamics); several units of a
//! row may spike at once; `thr_gain` is a sparsity controller (a row's thresholds rise
//! when it has more than one spike and fall when it has none); `reset` never resets
//! `thr`. `thrBase` (deprecated) is read as `thr_base`.
//!
//! `thr` is `(1, n)` in ngclearn until the first step of a batch of more than one row;
//! it is kept here as `(batch_size, n)` with equal rows (the same numbers).
//! `reset`: `j = 0`, `v = 0`, `s = 0`, `rfr = refract_time`, `tols = 0`.

use super::{time_of_last_spike, SpikeList};
use crate::core::component::{Component, filled, valid_name};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::xla_math::exp_xla;
use crate::core::xla_math::maximum;
use crate::error::Result;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`WTASCell`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct WTASCellParams {
    /// Membrane time constant (unused by ngclearn's dynamics)
    #[param(check = finite, units = "ms")]
    pub tau_m: f32,
    /// Membrane resistance
    #[param(default = 1.0, check = finite)]
    pub resist_m: f32,
    /// Base threshold of the softmax probabilities
    #[param(default = 0.4, check = finite, old_names = ["thrBase"])]
    pub thr_base: f32,
    /// Threshold change per spike beyond the first in a row (and per row without one)
    #[param(default = 0.002, check = finite)]
    pub thr_gain: f32,
    /// Refractory period
    #[param(default = 0.0, check = non_negative, units = "ms")]
    pub refract_time: f32,
    /// Half-width of the uniform jitter of the initial thresholds
    #[param(default = 0.05, check = non_negative)]
    pub thr_jitter: f32,
    /// Rows of the batch dimension
    #[param(default = 1, check = count)]
    pub batch_size: usize,
    /// JAX PRNG key (draws the threshold jitter)
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The winner-take-all spiking cell (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units)")]
#[class(
    module = "ngclearn.components.neurons.spiking.WTASCell.WTASCell",
    description = "Winner-take-all spiking cells: softmax of the currents against adaptive thresholds",
    dynamics = "v = j * resist_m   (0 while rfr < refract_time)\n\
               s = softmax_row(v) > thr\n\
               thr = max(thr + (sum_row(s) - 1) * thr_gain, 0.025)\n\
               rfr = s ? dt : rfr + dt; tols = t on a spike",
    head = n_units,
    notes = "As in ngclearn's code, tau_m is unused and reset keeps thr.",
    split = columns,
)]
pub struct WTASCell {
    name: String,
    n_units: usize,
    p: WTASCellParams,
    /// Input current
    #[compartment(input, units = "mA")]
    j: Array2<f32>,
    /// The (refractory-masked) current the softmax is taken of
    #[compartment(state)]
    v: Array2<f32>,
    /// Emitted spikes
    #[compartment(output, spikes)]
    s: Array2<f32>,
    /// Adaptive thresholds (ngclearn's is (1, n_units) until the first step)
    #[compartment(state)]
    thr: Array2<f32>,
    /// Time since the last spike (refractory variable)
    #[compartment(state, units = "ms")]
    rfr: Array2<f32>,
    /// Time of last spike
    #[compartment(output, units = "ms")]
    tols: Array2<f32>,
    /// JAX PRNG key
    #[compartment(key)]
    key: Key,
    spikes: SpikeList,
    /// For a block of a population split across ranks: what its rows' softmax and
    /// spike counts gather from the others.
    ranks: Option<Box<RowShare>>,
}

/// What a block of WTAS cells keeps to compute its rows as the whole population does:
/// its coupling to the other blocks (each row's maximum, the softmax's numerators in the
/// whole row's order and the number of spikes come from all of them) and its values per
/// row. Buffers are made once.
#[derive(Debug, Clone)]
struct RowShare {
    coupling: crate::core::partition::Coupling,
    /// This block's value per row.
    mine: Vec<f32>,
}

impl WTASCell {
    /// Builds `n_units` cells.
    pub fn new(name: &str, n_units: usize, p: WTASCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        let n = count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        let shape = (p.batch_size, n);
        let z = |v: f32| filled(&name, "n_units", shape, v);
        let key = p.key.unwrap_or_else(Key::from_time);
        let [_, sub] = key.split::<2>();
        let mut threshold0 = vec![0.0f32; n];
        sub.uniform_range_into(&mut threshold0, -p.thr_jitter, p.thr_jitter);
        let thr = Array2::from_shape_fn(shape, |(_, j)| p.thr_base + threshold0[j]);
        Ok(WTASCell {
            j: z(0.0)?,
            v: z(0.0)?,
            s: z(0.0)?,
            thr,
            rfr: z(p.refract_time)?,
            tols: z(0.0)?,
            key,
            spikes: SpikeList::new(&name, p.batch_size * n)?,
            ranks: None,
            n_units: n,
            name,
            p,
        })
    }

    #[inline(always)]
    fn kernel(&mut self, t: f32, dt: f32) {
        let p = &self.p;
        let n = self.n_units;
        let (r, rt, gain) = (p.resist_m, p.refract_time, p.thr_gain);
        let contiguous = "owned arrays are contiguous";
        let rows = self
            .j
            .as_slice()
            .expect(contiguous)
            .chunks(n)
            .zip(self.v.as_slice_mut().expect(contiguous).chunks_mut(n))
            .zip(self.s.as_slice_mut().expect(contiguous).chunks_mut(n))
            .zip(self.thr.as_slice_mut().expect(contiguous).chunks_mut(n))
            .zip(self.rfr.as_slice_mut().expect(contiguous).chunks_mut(n))
            .zip(self.tols.as_slice_mut().expect(contiguous).chunks_mut(n));
        for (((((j, v), s), thr), rfr), tols) in rows {
            let mut max = f32::NEG_INFINITY;
            for i in 0..n {
                v[i] = if rfr[i] >= rt { j[i] * r } else { 0.0 };
                max = maximum(max, v[i]);
            }
            // The softmax's numerators go through `s` (overwritten just below).
            let mut sum = 0.0f32;
            for i in 0..n {
                s[i] = exp_xla(v[i] - max);
                sum += s[i];
            }
            let mut count = 0.0f32;
            for i in 0..n {
                let spk = if s[i] / sum > thr[i] { 1.0f32 } else { 0.0 };
                s[i] = spk;
                count += spk;
                rfr[i] = if spk != 0.0 { dt } else { rfr[i] + dt };
                tols[i] = time_of_last_spike(tols[i], spk, t);
            }
            let step = (count - 1.0) * gain;
            for x in thr.iter_mut() {
                *x = maximum(*x + step, 0.025);
            }
        }
    }

    fn step(&mut self, t: f32, dt: f32) {
        if self.ranks.is_some() {
            return self.split_kernel(t, dt);
        }
        crate::core::simd::with_simd(
            #[inline(always)]
            || self.kernel(t, dt),
        );
    }

    /// [`WTASCell::kernel`] for a block of a population split across ranks: each row's
    /// maximum, the sum of its softmax numerators (in the whole row's order) and its
    /// spike count come from all the ranks, so every cell computes what it computes in
    /// the whole population.
    fn split_kernel(&mut self, t: f32, dt: f32) {
        let sh: &mut RowShare = self.ranks.as_deref_mut().expect("a split block");
        let p = &self.p;
        let (r, rt, gain) = (p.resist_m, p.refract_time, p.thr_gain);
        let (rows, n) = self.v.dim();
        let (size, width) = (sh.coupling.ranks(), sh.coupling.width());
        sh.mine.clear();
        for b in 0..rows {
            let mut max = f32::NEG_INFINITY;
            for i in 0..n {
                let x = if self.rfr[[b, i]] >= rt {
                    self.j[[b, i]] * r
                } else {
                    0.0
                };
                self.v[[b, i]] = x;
                max = maximum(max, x);
            }
            sh.mine.push(max);
        }
        let all = sh.coupling.per_row(&sh.mine);
        for b in 0..rows {
            let max = (0..size).fold(f32::NEG_INFINITY, |m, k| maximum(m, all[k * rows + b]));
            for i in 0..n {
                self.s[[b, i]] = exp_xla(self.v[[b, i]] - max);
            }
        }
        let e = self.s.as_slice().expect("owned arrays are contiguous");
        let whole = sh.coupling.whole(e);
        sh.mine.clear();
        for b in 0..rows {
            // The row's numerators in the whole row's order.
            let mut sum = 0.0f32;
            for &x in &whole[b * width..(b + 1) * width] {
                sum += x;
            }
            let mut count = 0.0f32;
            for i in 0..n {
                let spk = if self.s[[b, i]] / sum > self.thr[[b, i]] {
                    1.0f32
                } else {
                    0.0
                };
                self.s[[b, i]] = spk;
                count += spk;
                self.rfr[[b, i]] = if spk != 0.0 {
                    dt
                } else {
                    self.rfr[[b, i]] + dt
                };
                self.tols[[b, i]] = time_of_last_spike(self.tols[[b, i]], spk, t);
            }
            sh.mine.push(count);
        }
        let all = sh.coupling.per_row(&sh.mine);
        for b in 0..rows {
            // Counts of 0/1 spikes add exactly, in any order.
            let count: f32 = (0..size).map(|k| all[k * rows + b]).sum();
            let step = (count - 1.0) * gain;
            for i in 0..n {
                self.thr[[b, i]] = maximum(self.thr[[b, i]] + step, 0.025);
            }
        }
    }

    fn rest(&mut self) {
        self.j.fill(0.0);
        self.v.fill(0.0);
        self.s.fill(0.0);
        self.rfr.fill(self.p.refract_time);
        self.tols.fill(0.0);
    }

    fn written(&mut self, _index: usize) {}
}

impl Component for WTASCell {
    fn advance_state(&mut self, t: f32, dt: f32) {
        self.step(t, dt);
        self.spikes.collect(&self.s);
    }
    fn reset(&mut self) {
        self.rest();
        self.spikes.collect(&self.s);
    }
    fn changed(&mut self, index: usize) {
        if index == Self::S {
            self.spikes.forget();
        }
        self.written(index);
    }
    fn nonzero(&self, index: usize) -> Option<&[u32]> {
        if index == Self::S {
            self.spikes.get()
        } else {
            None
        }
    }
    fn couple(&mut self, ranks: &crate::core::partition::Ranks) {
        let rows = self.v.nrows();
        self.ranks = Some(Box::new(RowShare {
            coupling: ranks.coupling(rows),
            mine: Vec::with_capacity(rows),
        }));
    }
}
