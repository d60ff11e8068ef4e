//! `SLIFCell`: the simplified leaky integrate-and-fire cell of Samadi et al. (2017),
//! with lateral inhibition, an adaptive threshold, sticky spikes and a surrogate
//! derivative.
//!
//! Each step of `dt` ending at time `t`, as ngclearn 3.1.1's code computes it (Euler
//! only; float32; `fma` is one rounding, as XLA fuses it; `s` is the last output):
//! ```text
//! m    = s @ W                                   (resist_inh > 0; W: see below)
//! jm   = fma(-m, resist_inh, j)                   resist_inh > 0, resist_m = 1
//!      = fma(j, resist_m, -(m * resist_inh))      resist_inh > 0, else
//!      = j * resist_m                             resist_inh = 0
//! surrogate = jm > 0 ? 1 / ((exp(jm * 0.08) + exp(-jm * 0.08)) * 0.5) : 0
//! dv   = (jm - v) * (1 / tau_m)      (fma(j, resist_m, -v) * (1 / tau_m) when resist_inh = 0)
//! v'   = fma(rfr >= refract_time ? dv : 0, dt, v)
//! spk  = v' > thr;   v = (1 - spk) * v'
//! thr  = max(thr + (rowsum(spk) - 1) * rho_b, 0.025)                    rho_b > 0
//!      = fma(-thr, thr_leak, thr + (spk ? thr_gain : 0))               else
//! rfr  = spk ? dt : rfr + dt
//! s    = sticky_spikes and rfr_old < refract_time ? 1 : spk
//! tols = s ? t : tols;   j = jm
//! ```
//! At construction, as ngclearn: `(k1, sub) = split(key)`, `W = uniform(sub, (n, n),
//! 0.025, 1) * (1 - I)`; `(_, sub) = split(k1)`, `threshold0 = thr + uniform(sub, (1,
//! n), -thr_jitter, thr_jitter)`; the key itself stays as given.
//!
//! Where ngclearn 3.1.1's code differs from its docs, the code is followed:
//! - the surrogate is `sech(0.08 jm)`, not the documented `sech²`;
//! - `resist_inh` and `refract_time` default to 0 (the docs say 6 and 1 ms);
//! - the inhibition reads the previous step's *output* `s` (sticky spikes included);
//! - `j` is overwritten with the modified current `jm`, so a step that does not set `j`
//!   again scales and inhibits it again.
//!
//! `thr` is `(1, n)` in ngclearn until the first step of a batch of more than one row;
//! it is kept here as `(batch_size, n)` with equal rows. On such a step the leak's
//! product is rounded on its own (XLA does not fuse across that broadcast), as
//! ngclearn's numbers are. `reset` zeroes `j`, `s`, `tols`, `v`, sets `rfr =
//! refract_time`, `surrogate = 1`, and `thr = threshold0` unless `thr_persist`.
//!
//! Saved models take ngclearn's own form for this class: its npz holds only
//! `threshold` (`threshold0`, or `thr` if `thr_persist`), and loading sets `thr` and
//! `threshold0` from it; every other compartment, the key and the inhibition weights
//! are the constructor's, as after ngclearn's `Context.load` (a model saved without a
//! key in its arguments draws new inhibition weights). A saved `threshold` of several
//! rows keeps its first as `threshold0` (it is used only without `thr_persist`, when
//! the saved rows are `threshold0`'s, all equal).

use super::{SpikeList};
use crate::core::component::{Component, filled, valid_name};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::xla_math::exp_xla;
use crate::core::xla_math::maximum;
use crate::error::Result;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`SLIFCell`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct SLIFCellParams {
    /// Membrane time constant
    #[param(check = positive, units = "ms")]
    pub tau_m: f32,
    /// Membrane resistance
    #[param(check = finite)]
    pub resist_m: f32,
    /// Base voltage threshold (each unit's is jittered by up to thr_jitter)
    #[param(check = finite)]
    pub thr: f32,
    /// Strength of the lateral inhibition (0: none)
    #[param(default = 0.0, check = finite)]
    pub resist_inh: f32,
    /// Whether reset keeps the adapted thresholds
    #[param(default = false)]
    pub thr_persist: bool,
    /// Threshold increment per spike
    #[param(default = 0.0, check = finite)]
    pub thr_gain: f32,
    /// Threshold leak per step (a fraction of the threshold)
    #[param(default = 0.0, check = finite)]
    pub thr_leak: f32,
    /// Sparsity rate: > 0 moves thresholds by (spikes in the row - 1) * rho_b
    #[param(default = 0.0, check = finite)]
    pub rho_b: f32,
    /// Refractory period
    #[param(default = 0.0, check = non_negative, units = "ms")]
    pub refract_time: f32,
    /// Whether a cell's output stays 1 during its refractory period
    #[param(default = false)]
    pub sticky_spikes: bool,
    /// Half-width of the uniform jitter of the initial thresholds
    #[param(default = 0.05, check = non_negative)]
    pub thr_jitter: f32,
    /// Rows of the batch dimension
    #[param(default = 1, check = count)]
    pub batch_size: usize,
    /// JAX PRNG key (draws the inhibition weights and the threshold jitter)
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The simplified LIF cell (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units)")]
#[class(
    module = "ngclearn.components.neurons.spiking.sLIFCell.SLIFCell",
    description = "Simplified leaky integrate-and-fire cells with lateral inhibition, adaptive \
                  thresholds, sticky spikes and a surrogate derivative (Samadi et al., 2017)",
    dynamics = "jm = j * resist_m - (s @ W) * resist_inh\n\
               tau_m * dv/dt = -v + jm   (frozen while rfr < refract_time); Euler\n\
               spike where v > thr: v = 0, rfr = dt (else rfr += dt)\n\
               thr += spk * thr_gain - thr * thr_leak   (rho_b = 0)\n\
               thr = max(thr + (sum_row(spk) - 1) * rho_b, 0.025)   (rho_b > 0)\n\
               surrogate = jm > 0 ? sech(0.08 jm) : 0; j = jm",
    head = n_units,
    fixed(v_min = -3.0f32),
    notes = "As in ngclearn's code, j keeps the modified current after a step.",
    split = Self::split,
)]
pub struct SLIFCell {
    name: String,
    n_units: usize,
    p: SLIFCellParams,
    /// Input current; after a step, the current as modified by resistance and inhibition
    #[compartment(input, units = "mA")]
    j: Array2<f32>,
    /// Emitted spikes (sticky during the refractory period if sticky_spikes)
    #[compartment(output, spikes)]
    s: Array2<f32>,
    /// Time of last spike
    #[compartment(output, units = "ms")]
    tols: Array2<f32>,
    /// Membrane potential
    #[compartment(state, units = "mV")]
    v: Array2<f32>,
    /// Adaptive thresholds (ngclearn's is (1, n_units) until the first step)
    #[compartment(state, units = "mV")]
    thr: Array2<f32>,
    /// Time since the last spike (refractory variable)
    #[compartment(state, units = "ms")]
    rfr: Array2<f32>,
    /// Surrogate derivative of the spikes with respect to the current
    #[compartment(output)]
    surrogate: Array2<f32>,
    /// JAX PRNG key
    #[compartment(key)]
    key: Key,
    /// Lateral inhibition weights, `(n, n)` row-major, zero diagonal.
    inh_weights: Vec<f32>,
    /// The initial thresholds, `(1, n)`.
    threshold0: Vec<f32>,
    /// Whether `thr` is still ngclearn's `(1, n)` row (all rows equal).
    thr_is_row: bool,
    /// Scratch, `(batch, n)`: the step's inhibition, then its spikes before the sticky
    /// rule (rho_b's row counts).
    scratch: Vec<f32>,
    spikes: SpikeList,
    /// For a block of a population split across ranks (its `inh_weights` are then the
    /// whole population's rows of its columns, `(n_whole, n_units)`): what it gathers.
    ranks: Option<Box<SlifShare>>,
}

/// What a block of SLIF cells keeps: its coupling to the other blocks (the inhibition
/// reads the whole population's last spikes; with `rho_b`, each row's spike count comes
/// from all of them) and its counts per row. Buffers are made once.
#[derive(Debug, Clone)]
struct SlifShare {
    coupling: crate::core::partition::Coupling,
    /// This block's per-row spike counts.
    mine: Vec<f32>,
}

impl SLIFCell {
    /// Builds `n_units` cells.
    pub fn new(name: &str, n_units: usize, p: SLIFCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        let n = count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        let shape = (p.batch_size, n);
        let z = |v: f32| filled(&name, "n_units", shape, v);
        let key = p.key.unwrap_or_else(Key::from_time);
        let [k1, sub] = key.split::<2>();
        let mut w = filled(&name, "n_units", (n, n), 0.0)?;
        let ws = w.as_slice_mut().expect("owned arrays are contiguous");
        sub.uniform_range_into(ws, 0.025, 1.0);
        for (i, x) in ws.iter_mut().enumerate() {
            *x *= if i / n == i % n { 0.0 } else { 1.0 };
        }
        let [_, sub] = k1.split::<2>();
        let mut threshold0 = vec![0.0f32; n];
        sub.uniform_range_into(&mut threshold0, -p.thr_jitter, p.thr_jitter);
        threshold0.iter_mut().for_each(|x| *x += p.thr);
        let thr = Array2::from_shape_fn(shape, |(_, j)| threshold0[j]);
        Ok(SLIFCell {
            j: z(0.0)?,
            s: z(0.0)?,
            tols: z(0.0)?,
            v: z(0.0)?,
            thr,
            rfr: z(p.refract_time)?,
            surrogate: z(1.0)?,
            key,
            inh_weights: w.into_raw_vec_and_offset().0,
            threshold0,
            thr_is_row: true,
            scratch: z(0.0)?.into_raw_vec_and_offset().0,
            spikes: SpikeList::new(&name, p.batch_size * n)?,
            ranks: None,
            n_units: n,
            name,
            p,
        })
    }

    /// The lateral inhibition weights, `(n_units, n_units)` row-major.
    pub fn inh_weights(&self) -> &[f32] {
        &self.inh_weights
    }

    /// The thresholds the cells start from (and return to on reset unless persistent).
    pub fn threshold0(&self) -> &[f32] {
        &self.threshold0
    }

    /// One step (the equations of the module documentation).
    #[inline(always)]
    fn kernel(&mut self, t: f32, dt: f32) {
        let p = &self.p;
        let n = self.n_units;
        let (r, inh, rt) = (p.resist_m, p.resist_inh, p.refract_time);
        let inv_tau = 1.0 / p.tau_m;
        let contiguous = "owned arrays are contiguous";
        let s = self.s.as_slice_mut().expect(contiguous);
        if let (true, Some(sh)) = (inh > 0.0, self.ranks.as_deref_mut()) {
            // A block: the same dot over the whole population's spikes (its weights are
            // the whole's rows of this block's columns).
            let width = sh.coupling.width();
            let whole = sh.coupling.whole(s);
            for (m_row, s_row) in self.scratch.chunks_mut(n).zip(whole.chunks(width)) {
                for (col, m) in m_row.iter_mut().enumerate() {
                    let mut acc = 0.0f32;
                    for (k, &sk) in s_row.iter().enumerate() {
                        acc = sk.mul_add(self.inh_weights[k * n + col], acc);
                    }
                    *m = acc;
                }
            }
        } else if inh > 0.0 {
            // XLA's dot: per output unit, fused multiply-adds over the inputs in order.
            for (m_row, s_row) in self.scratch.chunks_mut(n).zip(s.chunks(n)) {
                for (col, m) in m_row.iter_mut().enumerate() {
                    let mut acc = 0.0f32;
                    for (k, &sk) in s_row.iter().enumerate() {
                        acc = sk.mul_add(self.inh_weights[k * n + col], acc);
                    }
                    *m = acc;
                }
            }
        }
        let j = self.j.as_slice_mut().expect(contiguous);
        let v = self.v.as_slice_mut().expect(contiguous);
        let thr = self.thr.as_slice_mut().expect(contiguous);
        let rfr = self.rfr.as_slice_mut().expect(contiguous);
        let tols = self.tols.as_slice_mut().expect(contiguous);
        let surrogate = self.surrogate.as_slice_mut().expect(contiguous);
        let fused_leak = !(self.thr_is_row && p.batch_size > 1);
        for i in 0..j.len() {
            let (jm, core) = if inh > 0.0 {
                let m = self.scratch[i];
                let jm = if r == 1.0 {
                    (-m).mul_add(inh, j[i])
                } else {
                    j[i].mul_add(r, -(m * inh))
                };
                (jm, jm - v[i])
            } else {
                (j[i] * r, j[i].mul_add(r, -v[i]))
            };
            let e = jm * 0.08;
            surrogate[i] = if jm > 0.0 {
                1.0 / ((exp_xla(e) + exp_xla(-e)) * 0.5)
            } else {
                0.0
            };
            let free = rfr[i] >= rt;
            let dv = if free { core * inv_tau } else { 0.0 };
            let v1 = dv.mul_add(dt, v[i]);
            let spk = if v1 > thr[i] { 1.0f32 } else { 0.0 };
            v[i] = (1.0 - spk) * v1;
            if p.rho_b <= 0.0 {
                let a = thr[i] + if spk != 0.0 { p.thr_gain } else { 0.0 };
                thr[i] = if fused_leak {
                    (-thr[i]).mul_add(p.thr_leak, a)
                } else {
                    a - thr[i] * p.thr_leak
                };
            }
            rfr[i] = if spk != 0.0 { dt } else { rfr[i] + dt };
            let out = if p.sticky_spikes && !free { 1.0 } else { spk };
            s[i] = out;
            tols[i] = super::time_of_last_spike(tols[i], out, t);
            j[i] = jm;
            // The inhibition of unit i is read; keep its raw spike for rho_b's count.
            self.scratch[i] = spk;
        }
        if let (true, Some(sh)) = (p.rho_b > 0.0, self.ranks.as_deref_mut()) {
            // A block: each row's count of spikes over all the ranks (0/1 values add
            // exactly, in any order).
            sh.mine.clear();
            sh.mine
                .extend(self.scratch.chunks(n).map(|r| r.iter().sum::<f32>()));
            let (rows, size) = (sh.mine.len(), sh.coupling.ranks());
            let all = sh.coupling.per_row(&sh.mine);
            for (b, thr_row) in thr.chunks_mut(n).enumerate() {
                let total: f32 = (0..size).map(|k| all[k * rows + b]).sum();
                let step = (total - 1.0) * p.rho_b;
                for x in thr_row {
                    *x = maximum(*x + step, 0.025);
                }
            }
        } else if p.rho_b > 0.0 {
            for (thr_row, spk_row) in thr.chunks_mut(n).zip(self.scratch.chunks(n)) {
                let d = spk_row.iter().sum::<f32>() - 1.0;
                let step = d * p.rho_b;
                for x in thr_row {
                    *x = maximum(*x + step, 0.025);
                }
            }
        }
        self.thr_is_row = false;
    }

    fn step(&mut self, t: f32, dt: f32) {
        crate::core::simd::with_simd(
            #[inline(always)]
            || self.kernel(t, dt),
        );
    }

    fn rest(&mut self) {
        self.j.fill(0.0);
        self.s.fill(0.0);
        self.tols.fill(0.0);
        self.v.fill(0.0);
        self.rfr.fill(self.p.refract_time);
        self.surrogate.fill(1.0);
        if !self.p.thr_persist {
            let n = self.n_units;
            for row in self.thr.as_slice_mut().expect("contiguous").chunks_mut(n) {
                row.copy_from_slice(&self.threshold0);
            }
            self.thr_is_row = true;
        }
    }

    fn written(&mut self, index: usize) {
        // A threshold set from outside has every row of its own.
        if index == SLIFCell::THR {
            self.thr_is_row = false;
        }
    }
}

impl SLIFCell {
    /// This rank's block of the cells `cols`: their compartments' columns, the whole
    /// population's rows of their inhibition weights, and their initial thresholds.
    fn block(&self, cols: std::ops::Range<usize>) -> Result<SLIFCell> {
        let (n, len) = (self.n_units, cols.len());
        let take = |a: &Array2<f32>| a.slice(ndarray::s![.., cols.clone()]).to_owned();
        let mut inh_weights = Vec::with_capacity(n * len);
        for k in 0..n {
            inh_weights.extend_from_slice(&self.inh_weights[k * n + cols.start..k * n + cols.end]);
        }
        let s = take(&self.s);
        let mut spikes = SpikeList::new(&self.name, s.len())?;
        spikes.collect(&s);
        Ok(SLIFCell {
            name: self.name.clone(),
            n_units: len,
            p: self.p.clone(),
            j: take(&self.j),
            s,
            tols: take(&self.tols),
            v: take(&self.v),
            thr: take(&self.thr),
            rfr: take(&self.rfr),
            surrogate: take(&self.surrogate),
            key: self.key,
            inh_weights,
            threshold0: self.threshold0[cols.clone()].to_vec(),
            thr_is_row: self.thr_is_row,
            scratch: vec![0.0; self.j.nrows() * len],
            spikes,
            ranks: None,
        })
    }
}

impl Component for SLIFCell {
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
    fn own_saved_form(&self) -> Option<Vec<crate::core::component::OwnEntry>> {
        // ngclearn's `save`: threshold0 unless thr_persist, else thr.
        let value = if self.p.thr_persist {
            if self.thr_is_row {
                self.thr.slice(ndarray::s![0..1, ..]).to_owned()
            } else {
                self.thr.clone()
            }
        } else {
            Array2::from_shape_vec((1, self.n_units), self.threshold0.clone())
                .expect("one row of n_units")
        };
        Some(vec![crate::core::component::OwnEntry {
            name: "threshold",
            value,
            like: SLIFCell::THR,
        }])
    }
    fn load_own_saved_form(&mut self, entries: Vec<(String, Array2<f32>)>) -> Result<()> {
        for (name, value) in entries {
            debug_assert_eq!(name, "threshold");
            // ngclearn's `load`: thr = threshold; threshold0 = thr + 0.
            self.thr_is_row = value.nrows() == 1;
            if self.thr_is_row {
                for mut row in self.thr.rows_mut() {
                    row.assign(&value.row(0));
                }
            } else {
                self.thr.assign(&value);
            }
            self.threshold0 = value.row(0).to_vec();
        }
        Ok(())
    }
    fn couple(&mut self, ranks: &crate::core::partition::Ranks) {
        let rows = self.j.nrows();
        self.ranks = Some(Box::new(SlifShare {
            coupling: ranks.coupling(rows),
            mine: Vec::with_capacity(rows),
        }));
    }
}

impl SLIFCell {
    /// This rank's block (`#[class(split = ...)]`).
    fn split(
        &self,
        cols: std::ops::Range<usize>,
    ) -> Result<Box<dyn crate::core::component::Component>> {
        // The inhibition and rho_b's counts read all the cells: see `couple`.
        self.block(cols)
            .map(|b| Box::new(b) as Box<dyn crate::core::component::Component>)
    }
}
