//! Poisson background: every post-synaptic unit of a conductance synapse receives its
//! own Poisson spike train, as NEST's `poisson_generator` gives each of its targets.
//!
//! Written as an object (the `background` keyword, an extension of ngclearn's):
//! `{"rate": r, "weight": w}`, `r` in Hz, one number for every unit or a list of one
//! per post-synaptic unit. Each step of `dt` ms, unit `j` draws the number of its
//! background spikes `n_j ~ Poisson(λ_j)`, `λ_j = r_j · dt / 1000`, and they add
//! `n_j · w` to the synapse's summed input (`inputs · W`) before its kernel, as
//! `n_j` extra presynaptic spikes through a weight `w` would. A train of `K` sources of
//! rate `ν` each is one train of rate `K ν`.
//!
//! One draw a unit a step, whatever the rate: the count is the number of thresholds
//! `T_k = ⌈2^32 F(k)⌉` (`F` the Poisson distribution function, in double precision)
//! that 32 random bits reach, so `P(n > k) = 1 - F(k)` to within `2^-32`; the table
//! stops where `1 - F(k) < 2^-32` (a tail that rare is left out). The bits come from
//! threefry, as the engine's other draws: each step `(key, sub) = split(key)` on the
//! synapse's key, and unit `j` of batch row `b` takes word `m % 2` of block `m / 2` of
//! `sub`, `m = b · n_post + j` (its global column, on a rank that holds a block): both
//! words of each threefry block ([`Key::words_into`]), so a run is the same on any
//! number of ranks and a model's state (which holds the key) replays it.

use crate::core::rng::Key;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The largest mean count a step may ask for (its table would be long beyond that).
pub const MAX_MEAN: f64 = 1.0e4;

/// The `background` keyword: each post-synaptic unit's Poisson rate and the weight of
/// its spikes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Background {
    /// Hz: one rate for every unit, or one per post-synaptic unit.
    pub rate: Rate,
    /// What each background spike adds to the summed input (default 1).
    #[serde(default = "one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

/// One rate for every unit, or one per unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Rate {
    /// Every unit's rate (Hz).
    All(f64),
    /// Each post-synaptic unit's rate (Hz).
    Each(Vec<f64>),
}

impl Background {
    /// Checks the rates and weight for a synapse of `n_post` units.
    pub fn validate(&self, name: &str, n_post: usize) -> Result<()> {
        let bad = |field: &str, v: String, why: &str| {
            Err(Error::param(name, &format!("background.{field}"), v, why))
        };
        if !self.weight.is_finite() {
            return bad("weight", self.weight.to_string(), "must be finite");
        }
        let rates: &[f64] = match &self.rate {
            Rate::All(r) => std::slice::from_ref(r),
            Rate::Each(r) if r.len() != n_post => {
                return bad(
                    "rate",
                    format!("{} rates", r.len()),
                    &format!("must be one number or one per post-synaptic unit ({n_post})"),
                )
            }
            Rate::Each(r) => r,
        };
        if let Some(r) = rates.iter().find(|r| !(r.is_finite() && **r >= 0.0)) {
            return bad(
                "rate",
                r.to_string(),
                "must be finite and non-negative (Hz)",
            );
        }
        Ok(())
    }
}

/// A background given as a keyword argument: an object or null.
impl crate::core::kwargs::KwargValue for Option<Background> {
    const KIND: &'static str = "any | None";
    fn from_kwarg(
        kw: &crate::core::kwargs::Kwargs,
        key: &str,
        value: serde_json::Value,
    ) -> Result<Self> {
        let what = "a background ({\"rate\": Hz, \"weight\": w})";
        crate::core::kwargs::object_from_kwarg(kw, key, value, what)
    }
    fn to_kwarg(&self) -> serde_json::Value {
        crate::core::kwargs::object_to_kwarg(self.as_ref())
    }
}

/// The thresholds of one mean count: `n = #{k : bits >= t[k]}`.
#[derive(Debug, Clone, Default)]
struct Table {
    t: Vec<u32>,
}

impl Table {
    /// The thresholds of `Poisson(mean)`.
    fn new(mean: f64) -> Table {
        let mut t = Vec::new();
        if mean <= 0.0 {
            return Table { t };
        }
        // From the mode outwards would avoid underflow for huge means; exp(-1e4)
        // underflows, so sum in logs from k = 0 with the pmf's log recurrence.
        let (ln_mean, scale) = (mean.ln(), 4294967296.0f64);
        let mut ln_p = -mean; // ln P(0)
        let mut cdf = 0.0f64;
        let mut k = 0u64;
        loop {
            cdf += ln_p.exp();
            let th = (cdf * scale).ceil();
            if th >= scale || (cdf >= 1.0 - 1.0 / scale && k as f64 > mean) {
                break;
            }
            t.push(th as u32);
            k += 1;
            ln_p += ln_mean - (k as f64).ln();
            if k > 16 * (mean as u64 + 64) {
                break; // not reached for means up to MAX_MEAN; bounds the loop
            }
        }
        Table { t }
    }

    /// The count for 32 random bits (binary search: the number of thresholds reached).
    #[inline(always)]
    fn count(&self, bits: u32) -> u32 {
        self.t.partition_point(|&th| th <= bits) as u32
    }
}

/// The background drive of one synapse (or of this rank's block of its columns).
#[derive(Debug, Clone)]
pub(crate) struct Drive {
    weight: f32,
    /// Rates (Hz) of this block's units; one value for all.
    rates: Vec<f64>,
    /// The global column of the first unit, and the whole synapse's width.
    col0: usize,
    width: usize,
    /// The step the tables were made for (bits of `dt`), the tables of the distinct
    /// rates and each unit's table (empty: one table for all).
    dt_bits: u32,
    tables: Vec<Table>,
    which: Vec<u32>,
    /// Scratch: one step's bits and counts.
    bits: Vec<u32>,
}

impl Drive {
    /// The drive of columns `cols` of a synapse `width` units wide.
    pub fn new(bg: &Background, cols: std::ops::Range<usize>, width: usize) -> Drive {
        let rates = match &bg.rate {
            Rate::All(r) => vec![*r],
            Rate::Each(r) => r[cols.clone()].to_vec(),
        };
        Drive {
            weight: bg.weight as f32,
            rates,
            col0: cols.start,
            width,
            dt_bits: f32::NAN.to_bits(),
            tables: Vec::new(),
            which: Vec::new(),
            bits: vec![0; cols.len()],
        }
    }

    /// Makes the tables for a step of `dt` (ms), when it changed.
    fn prepare(&mut self, name: &str, dt: f32) -> Result<()> {
        if dt.to_bits() == self.dt_bits {
            return Ok(());
        }
        let mean = |r: f64| r * dt as f64 / 1000.0;
        if let Some(r) = self
            .rates
            .iter()
            .find(|&&r| mean(r).is_nan() || mean(r) > MAX_MEAN)
        {
            return Err(Error::param(
                name,
                "background.rate",
                r,
                &format!("asks more than {MAX_MEAN} spikes a step of {dt} ms"),
            ));
        }
        self.tables.clear();
        self.which.clear();
        if self.rates.len() == 1 {
            self.tables.push(Table::new(mean(self.rates[0])));
        } else {
            let mut seen = std::collections::HashMap::new();
            for &r in &self.rates {
                let i = *seen.entry(r.to_bits()).or_insert_with(|| {
                    self.tables.push(Table::new(mean(r)));
                    self.tables.len() as u32 - 1
                });
                self.which.push(i);
            }
        }
        self.dt_bits = dt.to_bits();
        Ok(())
    }

    /// One step: splits `key` (the synapse's, advanced in place) and adds each unit's
    /// background to `sum` (`batch` rows of this block's units).
    pub fn add(&mut self, name: &str, key: &mut Key, dt: f32, sum: &mut [f32]) {
        if let Err(e) = self.prepare(name, dt) {
            // A step cannot fail: the rate was checked when built, so only a `dt`
            // far beyond any model's reaches here. Said once; the drive stays silent.
            crate::warning::warn_once(&format!("background-{name}"), e.to_string());
            self.rates.iter_mut().for_each(|r| *r = 0.0);
            self.dt_bits = f32::NAN.to_bits();
            return;
        }
        let [next, sub] = key.split::<2>();
        *key = next;
        let n = self.bits.len();
        let w = self.weight;
        for (b, row) in sum.chunks_mut(n).enumerate() {
            let start = (b * self.width + self.col0) as u64;
            sub.words_into(start, &mut self.bits);
            if self.which.is_empty() {
                let t = &self.tables[0].t;
                crate::core::simd::with_simd(
                    #[inline(always)]
                    || add_counts(row, &self.bits, t, w),
                );
            } else {
                for ((x, &bits), &i) in row.iter_mut().zip(&self.bits).zip(&self.which) {
                    let c = self.tables[i as usize].count(bits);
                    if c != 0 {
                        *x += c as f32 * w;
                    }
                }
            }
        }
    }
}

/// `row[j] += n_j * w` with `n_j = #{k : bits[j] >= t[k]}`: short tables (the common
/// means, below about 10) counted by comparing the first [`HEAD`] thresholds
/// (vectorised) and searching the rest for the few bits that reach past them, long
/// ones by binary search.
#[inline(always)]
fn add_counts(row: &mut [f32], bits: &[u32], t: &[u32], w: f32) {
    if t.len() <= 32 {
        let mut counts = [0u32; 256];
        let (head, tail) = t.split_at(t.len().min(HEAD));
        for (row, bits) in row.chunks_mut(256).zip(bits.chunks(256)) {
            let c = &mut counts[..row.len()];
            c.fill(0);
            for &th in head {
                for (c, &b) in c.iter_mut().zip(bits) {
                    *c += (b >= th) as u32;
                }
            }
            if let Some(&next) = tail.first() {
                // Past the head: rare (the head holds most of the distribution).
                let past = bits.iter().fold(0u32, |acc, &b| acc | (b >= next) as u32);
                if past != 0 {
                    for (c, &b) in c.iter_mut().zip(bits) {
                        if b >= next {
                            *c += tail.partition_point(|&th| th <= b) as u32;
                        }
                    }
                }
            }
            for (x, &c) in row.iter_mut().zip(c.iter()) {
                if c != 0 {
                    *x += c as f32 * w;
                }
            }
        }
    } else {
        for (x, &b) in row.iter_mut().zip(bits) {
            let c = t.partition_point(|&th| th <= b) as u32;
            if c != 0 {
                *x += c as f32 * w;
            }
        }
    }
}

/// The thresholds compared for every unit; the rest are searched for the bits past them.
const HEAD: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    /// The Poisson distribution function at `k`.
    fn cdf(mean: f64, k: u64) -> f64 {
        let mut p = (-mean).exp();
        let mut s = p;
        for i in 1..=k {
            p *= mean / i as f64;
            s += p;
        }
        s
    }

    #[test]
    fn the_thresholds_follow_the_poisson_distribution_function() {
        for mean in [0.01, 0.5, 1.6, 7.0, 30.0, 200.0] {
            let t = Table::new(mean);
            for (k, &th) in t.t.iter().enumerate().take(60) {
                let want = cdf(mean, k as u64) * 4294967296.0;
                assert!(
                    (th as f64 - want).abs() <= 2.0 + want * 1e-12,
                    "mean {mean} k {k}"
                );
            }
            // The tail left out is below 2^-32.
            let last = t.t.len() as u64 - 1;
            assert!(
                1.0 - cdf(mean, last + 1) < 1.0 / 4294967296.0 * 2.0,
                "mean {mean}"
            );
        }
        assert!(Table::new(0.0).t.is_empty());
    }

    #[test]
    fn counts_have_the_poisson_mean_variance_and_frequencies() {
        for mean in [0.3, 1.6, 6.0, 40.0] {
            let t = Table::new(mean);
            let key = Key::from_seed(3);
            let n = 400_000usize;
            let mut bits = vec![0u32; n];
            key.bits_into(0, &mut bits);
            let mut row = vec![0f32; n];
            add_counts(&mut row, &bits, &t.t, 1.0);
            let m = row.iter().map(|&x| x as f64).sum::<f64>() / n as f64;
            let v = row.iter().map(|&x| (x as f64 - m).powi(2)).sum::<f64>() / n as f64;
            // Standard errors: sqrt(mean / n) for the mean, about mean·sqrt(2/n) for
            // the variance; 5 of them.
            assert!(
                (m - mean).abs() < 5.0 * (mean / n as f64).sqrt(),
                "mean {mean}: {m}"
            );
            assert!(
                (v - mean).abs() < 5.0 * mean * (2.0 / n as f64).sqrt() + 0.01 * mean,
                "mean {mean}: var {v}"
            );
            // Chi-square over the counts with expected frequency >= 50.
            let mut chi2 = 0.0;
            let mut dof = 0;
            for k in 0..200u64 {
                let p = cdf(mean, k) - if k == 0 { 0.0 } else { cdf(mean, k - 1) };
                let e = p * n as f64;
                if e < 50.0 {
                    continue;
                }
                let o = row.iter().filter(|&&x| x as u64 == k).count() as f64;
                chi2 += (o - e).powi(2) / e;
                dof += 1;
            }
            // A generous quantile: chi2 of `dof` degrees has sd sqrt(2 dof).
            assert!(
                chi2 < dof as f64 + 6.0 * (2.0 * dof as f64).sqrt(),
                "mean {mean}: chi2 {chi2} over {dof}"
            );
            // The binary search counts the same, unit by unit (the head and the
            // searched tail over whole chunks, and one unit at a time).
            for (&b, &x) in bits.iter().zip(&row) {
                assert_eq!(x, t.count(b) as f32);
            }
            for &b in &bits[..1000] {
                let mut r = [0f32];
                add_counts(&mut r, &[b], &t.t, 1.0);
                assert_eq!(r[0], t.count(b) as f32);
            }
        }
    }

    #[test]
    fn a_block_of_columns_draws_what_the_whole_draws_there() {
        let bg = Background {
            rate: Rate::Each((0..50).map(|j| 100.0 * j as f64).collect()),
            weight: 2.5,
        };
        let (mut whole, mut block) = (Drive::new(&bg, 0..50, 50), Drive::new(&bg, 20..35, 50));
        let (mut kw, mut kb) = (Key::from_seed(9), Key::from_seed(9));
        let (mut a, mut b) = (vec![0f32; 100], vec![0f32; 30]); // batch 2
        for _ in 0..20 {
            whole.add("s", &mut kw, 0.1, &mut a);
            block.add("s", &mut kb, 0.1, &mut b);
        }
        assert_eq!(kw, kb);
        assert_eq!(&a[20..35], &b[..15]);
        assert_eq!(&a[70..85], &b[15..]);
        assert!(a.iter().any(|&x| x > 0.0));
    }

    #[test]
    fn bad_backgrounds_are_typed_errors_naming_the_field() {
        let bg = |rate, weight| Background { rate, weight };
        let e = bg(Rate::All(-1.0), 1.0)
            .validate("s", 3)
            .unwrap_err()
            .to_string();
        assert!(e.contains("background.rate"), "{e}");
        let e = bg(Rate::Each(vec![1.0; 2]), 1.0)
            .validate("s", 3)
            .unwrap_err()
            .to_string();
        assert!(e.contains("one per post-synaptic unit (3)"), "{e}");
        let e = bg(Rate::All(1.0), f64::NAN)
            .validate("s", 3)
            .unwrap_err()
            .to_string();
        assert!(e.contains("background.weight"), "{e}");
        assert!(bg(Rate::Each(vec![0.0, 5.0, 1e3]), -2.0)
            .validate("s", 3)
            .is_ok());
    }
}
