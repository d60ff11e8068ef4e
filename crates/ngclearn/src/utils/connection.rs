//! Connection rules: which synapses of an `(n_pre, n_post)` projection exist, and their
//! weights, drawn from the synapse's key and built compressed by presynaptic row (never
//! as a dense matrix).
//!
//! Written as an object (the `connect` keyword of a static or conductance synapse, an
//! extension of ngclearn's): `{"rule": R, ...}` with R one of
//!
//! | rule | its field | what exists |
//! | --- | --- | --- |
//! | `all_to_all` | | every pair |
//! | `one_to_one` | | `(i, i)`; needs `n_pre == n_post` |
//! | `pairwise_bernoulli` | `p` | each pair with probability `p`, independently |
//! | `fixed_indegree` | `indegree` | each postsynaptic unit has exactly `indegree` inputs, drawn uniformly |
//! | `fixed_outdegree` | `outdegree` | each presynaptic unit has exactly `outdegree` targets, drawn uniformly |
//! | `fixed_total_number` | `n` | `n` synapses, each pair drawn uniformly |
//! | `explicit` | `pre`, `post` (and `weights`) | the listed pairs |
//! | `blocks` | `blocks` | each block's rule over its `rows` |
//!
//! and `autapses` (default true: whether `(i, i)` may exist, for a projection of a
//! population onto itself), `multapses` (default true: whether a pair may be drawn more
//! than once, for the rules that draw), `weight` (a [`Draw`], default the constant 1),
//! `delay` (a [`Draw`] in ms, default one step) and `dt` (the step, ms, the delays are
//! counted in: default 0.1). A synapse's delay is `max(1, round(delay / dt))` steps (at
//! most 255): a spike of step `t` acts at step `t + steps`, one step being what every
//! synapse without delays does. `explicit` takes `delays` (ms) beside `weights`.
//! These are NEST's rules and defaults.
//!
//! `blocks` joins projections from several populations whose spikes a synapse reads
//! side by side (a [`Concatenation`](crate::core::operations::Concatenation) wire): each
//! block is a rule of its own with `rows = [lo, hi]`, the presynaptic units it draws
//! from, applied to the projection `(hi - lo, n_post)` with its own key (the synapse's,
//! split by the block's place in the list), so that block `k` draws as the same rule
//! would in a synapse of its own with that key. Blocks do not overlap; rows in none
//! have no synapses. `autapses` of a block compare its units counted from `lo`.
//!
//! Every number comes from a counter of the synapse's key (threefry2x32, as the rest of
//! the engine draws): rows are drawn in parallel on rayon's threads and the result does
//! not depend on how many there are. Within a row the targets are ascending (after the delays, when there are any); multapses
//! stay separate entries (each adds its own term, as NEST delivers each), and the
//! weights compartment reads a pair's multapses as their sum.

use crate::core::rng::Key;
use crate::core::weights::Csr;
use crate::error::{Error, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// How a synapse's weights (or another per-synapse number) are drawn, each from its own
/// counter: `{"dist": "constant", "value": v}`, `{"dist": "uniform", "low": a, "high":
/// b}`, `{"dist": "normal", "mean": m, "std": s, "low": a, "high": b}` (`low`/`high`
/// optional: a draw outside is drawn again, NEST's `redraw`; after 100 draws it is
/// clamped) or `{"dist": "lognormal", "mu": m, "sigma": s}` (`exp(mu + sigma * z)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum Draw {
    /// Every synapse the same value.
    Constant {
        /// The value.
        value: f64,
    },
    /// Uniform in `[low, high)`.
    Uniform {
        /// The lower bound.
        low: f64,
        /// The upper bound.
        high: f64,
    },
    /// Normal, redrawn outside `[low, high]` when given.
    Normal {
        /// The mean.
        mean: f64,
        /// The standard deviation.
        std: f64,
        /// The least value kept (none: unbounded).
        #[serde(default)]
        low: Option<f64>,
        /// The greatest value kept (none: unbounded).
        #[serde(default)]
        high: Option<f64>,
    },
    /// `exp(mu + sigma * z)`, `z` standard normal.
    Lognormal {
        /// The mean of the logarithm.
        mu: f64,
        /// The standard deviation of the logarithm.
        sigma: f64,
    },
}

/// Draws of a normal value outside its bounds before it is clamped.
const REDRAWS: u64 = 100;

impl Draw {
    /// Checks the numbers (finite, ordered bounds): the error names `field`.
    pub fn check_named(&self, field: &str) -> Result<()> {
        self.check("", field)
    }

    fn check(&self, name: &str, field: &str) -> Result<()> {
        let bad = |why: &str| Err(Error::param(name, field, format!("{self:?}"), why));
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        match *self {
            Draw::Constant { value } if !finite(&[value]) => bad("needs a finite value"),
            Draw::Uniform { low, high } if !finite(&[low, high]) || low > high => {
                bad("needs finite low <= high")
            }
            Draw::Normal {
                mean,
                std,
                low,
                high,
            } => {
                let (lo, hi) = (
                    low.unwrap_or(f64::NEG_INFINITY),
                    high.unwrap_or(f64::INFINITY),
                );
                if !finite(&[mean, std]) || std < 0.0 || lo.is_nan() || hi.is_nan() || lo > hi {
                    bad("needs a finite mean, std >= 0 and low <= high")
                } else {
                    Ok(())
                }
            }
            Draw::Lognormal { mu, sigma } if !finite(&[mu, sigma]) || sigma < 0.0 => {
                bad("needs a finite mu and sigma >= 0")
            }
            _ => Ok(()),
        }
    }

    /// The value of synapse `e` (its own counters of `key`).
    #[inline]
    pub fn sample(&self, key: Key, e: u64) -> f32 {
        match *self {
            Draw::Constant { value } => value as f32,
            Draw::Uniform { low, high } => (low + (high - low) * unit(key, e)) as f32,
            Draw::Normal {
                mean,
                std,
                low,
                high,
            } => {
                let (lo, hi) = (
                    low.unwrap_or(f64::NEG_INFINITY),
                    high.unwrap_or(f64::INFINITY),
                );
                let mut x = mean;
                for a in 0..REDRAWS {
                    x = mean + std * normal(key, e * REDRAWS + a);
                    if lo <= x && x <= hi {
                        return x as f32;
                    }
                }
                x.clamp(lo, hi) as f32
            }
            Draw::Lognormal { mu, sigma } => (mu + sigma * normal(key, e)).exp() as f32,
        }
    }
}

/// 64 random bits for counter `c` of `key`.
#[inline]
fn bits64(key: Key, c: u64) -> u64 {
    let [a, b] = key.split_nth(c).0;
    (u64::from(a) << 32) | u64::from(b)
}

/// Uniform in `[0, 1)` from counter `c` (53 bits).
#[inline]
fn unit(key: Key, c: u64) -> f64 {
    (bits64(key, c) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform in `(0, 1]` from counter `c`.
#[inline]
fn unit_open0(key: Key, c: u64) -> f64 {
    ((bits64(key, c) >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Standard normal from counter `c` (Box-Muller on the two 32-bit halves of one
/// draw, in single precision: the weights and delays are float32).
#[inline]
fn normal(key: Key, c: u64) -> f64 {
    let [a, b] = key.split_nth(c).0;
    let u = ((a >> 8) + 1) as f32 * (1.0 / (1u32 << 24) as f32);
    let v = (b >> 8) as f32 * (1.0 / (1u32 << 24) as f32);
    f64::from((-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos())
}

/// Uniform in `0..n` from counter `c` (the high word of a 64 x 64-bit product: bias
/// below `n / 2^64`).
#[inline]
fn index(key: Key, c: u64, n: u64) -> u64 {
    ((u128::from(bits64(key, c)) * u128::from(n)) >> 64) as u64
}

/// A connection rule with its options (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    /// The rule's name.
    pub rule: String,
    /// `pairwise_bernoulli`'s probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<f64>,
    /// `fixed_indegree`'s inputs per postsynaptic unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indegree: Option<u64>,
    /// `fixed_outdegree`'s targets per presynaptic unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outdegree: Option<u64>,
    /// `fixed_total_number`'s synapses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    /// `explicit`'s presynaptic units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre: Option<Vec<u64>>,
    /// `explicit`'s postsynaptic units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<Vec<u64>>,
    /// `explicit`'s weights (else `weight` draws them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Vec<f64>>,
    /// Whether `(i, i)` may exist.
    #[serde(default = "yes")]
    pub autapses: bool,
    /// Whether a pair may be drawn more than once.
    #[serde(default = "yes")]
    pub multapses: bool,
    /// How the weights are drawn (default: all 1); a number is the constant.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "draw_or_number"
    )]
    pub weight: Option<Draw>,
    /// How the delays are drawn, in ms (default: one step each); a number is the
    /// constant.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "draw_or_number"
    )]
    pub delay: Option<Draw>,
    /// `explicit`'s delays, in ms (else `delay` draws them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delays: Option<Vec<f64>>,
    /// The step the delays are counted in, ms (default 0.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dt: Option<f64>,
    /// A block's presynaptic units, `[lo, hi]` (only within `blocks`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<[u64; 2]>,
    /// `blocks`' rules, each with its `rows`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Vec<Connection>>,
}

/// The longest delay, in steps.
pub const MAX_DELAY_STEPS: u32 = 255;

fn yes() -> bool {
    true
}

/// A rule, checked against the projection's shape.
enum Rule {
    AllToAll,
    OneToOne,
    Bernoulli(f64),
    Indegree(u64),
    Outdegree(u64),
    Total(u64),
    Explicit,
    Blocks,
}

/// Row counts per chunk of generator units, then the rows placed chunk by chunk: the
/// CSR of a generator `gen(unit, emit(pre, post))` deterministic per unit.
struct Placement {
    n_pre: usize,
    units: u64,
    chunks: u64,
}

impl Placement {
    fn new(n_pre: usize, units: u64) -> Placement {
        // Enough chunks for the threads, few enough that the per-chunk counts stay small.
        let chunks = (rayon::current_num_threads() as u64 * 4)
            .clamp(1, 64)
            .min(units.max(1));
        Placement {
            n_pre,
            units,
            chunks,
        }
    }

    fn range(&self, c: u64) -> std::ops::Range<u64> {
        let per = self.units.div_ceil(self.chunks);
        (c * per).min(self.units)..((c + 1) * per).min(self.units)
    }

    fn build(
        &self,
        name: &str,
        shape: (usize, usize),
        gen: impl Fn(u64, &mut dyn FnMut(usize, u32)) + Sync,
    ) -> Result<Csr> {
        // Pass 1: each chunk's count of synapses per presynaptic row.
        let counts: Vec<Vec<u32>> = (0..self.chunks)
            .into_par_iter()
            .map(|c| {
                let mut count = vec![0u32; self.n_pre];
                for u in self.range(c) {
                    gen(u, &mut |i, _| count[i] += 1);
                }
                count
            })
            .collect();
        let mut row_len = vec![0usize; self.n_pre];
        for count in &counts {
            for (r, &k) in row_len.iter_mut().zip(count) {
                *r += k as usize;
            }
        }
        let nnz: usize = row_len.iter().sum();
        let mut csr = Csr::with_capacity(name, shape, nnz)?;
        for &r in &row_len {
            let last = *csr.indptr.last().expect("one offset");
            csr.indptr.push(last + r);
        }
        csr.indices.resize(nnz, 0);
        csr.data.resize(nnz, 0.0);
        // Pass 2: each chunk writes its synapses after the earlier chunks' in each row.
        // Chunk c's cursor for row i starts at indptr[i] + the counts of chunks before c.
        let mut cursors: Vec<Vec<usize>> = Vec::with_capacity(counts.len());
        let mut run = csr.indptr[..self.n_pre].to_vec();
        for count in &counts {
            cursors.push(run.clone());
            for (r, &k) in run.iter_mut().zip(count) {
                *r += k as usize;
            }
        }
        let out = SharedSlice(csr.indices.as_mut_ptr(), nnz);
        cursors
            .into_par_iter()
            .enumerate()
            .for_each(|(c, mut cursor)| {
                let out = &out;
                for u in self.range(c as u64) {
                    gen(u, &mut |i, j| {
                        // SAFETY: chunk c's cursor for row i runs over the slots the first
                        // pass counted for chunk c in row i, which no other chunk writes,
                        // and they are within `indices` (their total is `nnz`).
                        unsafe { out.write(cursor[i], j) };
                        cursor[i] += 1;
                    });
                }
            });
        Ok(csr)
    }
}

/// The CSR of rows whose lengths are known: row `i` holds `count[i]` synapses, whose
/// columns `row(i, out)` writes (ascending), rows filled in parallel, each once.
fn build_rows(
    name: &str,
    shape: (usize, usize),
    count: &[u64],
    row: impl Fn(u64, &mut [u32]) + Sync,
) -> Result<Csr> {
    let nnz: u64 = count.iter().sum();
    let mut csr = Csr::with_capacity(name, shape, nnz as usize)?;
    for &c in count {
        let last = *csr.indptr.last().expect("one offset");
        csr.indptr.push(last + c as usize);
    }
    csr.indices.resize(nnz as usize, 0);
    csr.data.resize(nnz as usize, 0.0);
    let out = SharedSlice(csr.indices.as_mut_ptr(), nnz as usize);
    let indptr = &csr.indptr;
    (0..shape.0).into_par_iter().with_min_len(64).for_each(|i| {
        let r = indptr[i]..indptr[i + 1];
        // SAFETY: rows are disjoint ranges of `indices` (`indptr` ascends to `nnz`),
        // and row i is written by this iteration alone.
        let slice = unsafe { out.slice(r) };
        row(i as u64, slice);
    });
    Ok(csr)
}

/// `indices`, written from several threads at slots each thread owns alone.
struct SharedSlice(*mut u32, usize);
// SAFETY: the threads write disjoint slots (see `Placement::build`).
unsafe impl Sync for SharedSlice {}
impl SharedSlice {
    /// Slots `r`, for one thread alone.
    ///
    /// # Safety
    /// No other thread uses slots `r`.
    #[allow(clippy::mut_from_ref)]
    unsafe fn slice(&self, r: std::ops::Range<usize>) -> &mut [u32] {
        assert!(
            r.start <= r.end && r.end <= self.1,
            "slots outside the counted rows"
        );
        // SAFETY: in bounds (asserted), and the caller owns the slots.
        unsafe { std::slice::from_raw_parts_mut(self.0.add(r.start), r.len()) }
    }

    /// # Safety
    /// `i < len` and no other thread writes slot `i`.
    unsafe fn write(&self, i: usize, v: u32) {
        assert!(i < self.1, "a slot outside the counted rows");
        // SAFETY: in bounds (asserted), and the caller owns the slot.
        unsafe { self.0.add(i).write(v) };
    }
}

impl Connection {
    fn rule(&self, name: &str, (n_pre, n_post): (usize, usize)) -> Result<Rule> {
        let field = "connect";
        let bad = |why: String| Err(Error::param(name, field, &self.rule, &why));
        let need = |v: Option<u64>, what: &str| -> Result<u64> {
            v.ok_or_else(|| Error::param(name, field, &self.rule, &format!("needs `{what}`")))
        };
        let given: Vec<&str> = [
            ("p", self.p.is_some()),
            ("indegree", self.indegree.is_some()),
            ("outdegree", self.outdegree.is_some()),
            ("n", self.n.is_some()),
            ("pre", self.pre.is_some()),
            ("post", self.post.is_some()),
            ("weights", self.weights.is_some()),
            ("delays", self.delays.is_some()),
        ]
        .iter()
        .filter(|(_, g)| *g)
        .map(|(k, _)| *k)
        .collect();
        let rule = match self.rule.as_str() {
            "all_to_all" => Rule::AllToAll,
            "one_to_one" if n_pre != n_post => {
                return bad(format!("needs n_pre == n_post, not {n_pre} and {n_post}"))
            }
            "one_to_one" => Rule::OneToOne,
            "pairwise_bernoulli" => match self.p {
                Some(p) if (0.0..=1.0).contains(&p) => Rule::Bernoulli(p),
                Some(p) => return bad(format!("needs 0 <= p <= 1, not {p}")),
                None => return bad("needs `p`".into()),
            },
            "fixed_indegree" => Rule::Indegree(need(self.indegree, "indegree")?),
            "fixed_outdegree" => Rule::Outdegree(need(self.outdegree, "outdegree")?),
            "fixed_total_number" => Rule::Total(need(self.n, "n")?),
            "explicit" => Rule::Explicit,
            "blocks" => {
                self.check_blocks(name, (n_pre, n_post))?;
                return Ok(Rule::Blocks);
            }
            other => {
                return bad(format!(
                    "`{other}` is not a rule (all_to_all, one_to_one, pairwise_bernoulli, \
                     fixed_indegree, fixed_outdegree, fixed_total_number, explicit, blocks)"
                ))
            }
        };
        if self.blocks.is_some() {
            return bad("does not take `blocks` (the rule `blocks` does)".into());
        }
        if self.rows.is_some() {
            return bad("takes `rows` only as a block of the rule `blocks`".into());
        }
        let allowed: &[&str] = match rule {
            Rule::AllToAll | Rule::OneToOne => &[],
            Rule::Bernoulli(_) => &["p"],
            Rule::Indegree(_) => &["indegree"],
            Rule::Outdegree(_) => &["outdegree"],
            Rule::Total(_) => &["n"],
            Rule::Explicit => &["pre", "post", "weights", "delays"],
            Rule::Blocks => unreachable!("returned above"),
        };
        if let Some(extra) = given.iter().find(|g| !allowed.contains(g)) {
            return bad(format!("does not take `{extra}`"));
        }
        // Without multapses, a unit cannot have more distinct partners than exist.
        let pool = |n: usize| n as u64 - u64::from(!self.autapses && n_pre == n_post);
        match rule {
            Rule::Indegree(k) if !self.multapses && k > pool(n_pre) => {
                return bad(format!(
                    "indegree {k} is more than the {} distinct inputs",
                    pool(n_pre)
                ))
            }
            Rule::Outdegree(k) if !self.multapses && k > pool(n_post) => {
                return bad(format!(
                    "outdegree {k} is more than the {} distinct targets",
                    pool(n_post)
                ))
            }
            Rule::Total(n) if !self.multapses && n > n_pre as u64 * pool(n_post) => {
                return bad(format!("n {n} is more than the distinct pairs"))
            }
            Rule::Indegree(k) | Rule::Outdegree(k) | Rule::Total(k)
                if k > 0 && (n_pre == 0 || n_post == 0 || pool(n_pre.min(n_post)) == 0) =>
            {
                return bad("there is no pair to draw".into())
            }
            Rule::Explicit => {
                let (Some(pre), Some(post)) = (&self.pre, &self.post) else {
                    return bad("needs `pre` and `post`".into());
                };
                let n = pre.len();
                if post.len() != n
                    || self.weights.as_ref().is_some_and(|w| w.len() != n)
                    || self.delays.as_ref().is_some_and(|d| d.len() != n)
                {
                    return bad(
                        "needs `pre`, `post` (and `weights`, `delays`) of one length".into(),
                    );
                }
                if let Some(d) = &self.delays {
                    if let Some(i) = d.iter().position(|d| !d.is_finite()) {
                        return bad(format!("delays[{i}] is not finite"));
                    }
                }
                if let Some(i) = pre.iter().position(|&i| i >= n_pre as u64) {
                    return bad(format!(
                        "pre[{i}] = {} is not below n_pre = {n_pre}",
                        pre[i]
                    ));
                }
                if let Some(i) = post.iter().position(|&j| j >= n_post as u64) {
                    return bad(format!(
                        "post[{i}] = {} is not below n_post = {n_post}",
                        post[i]
                    ));
                }
                if let Some(w) = &self.weights {
                    if let Some(i) = w.iter().position(|w| !w.is_finite()) {
                        return bad(format!("weights[{i}] is not finite"));
                    }
                }
            }
            _ => {}
        }
        if let Some(w) = &self.weight {
            w.check(name, "connect.weight")?;
        }
        if let Some(d) = &self.delay {
            d.check(name, "connect.delay")?;
        }
        if let Some(dt) = self.dt {
            if !(dt.is_finite() && dt > 0.0) {
                return bad(format!("dt must be positive, not {dt}"));
            }
        }
        Ok(rule)
    }

    /// Checks `blocks`: nothing but blocks at the top; each block a rule of its own
    /// (not `blocks`) over `rows` within `n_pre`, the blocks apart.
    fn check_blocks(&self, name: &str, (n_pre, n_post): (usize, usize)) -> Result<()> {
        let bad = |why: String| Err(Error::param(name, "connect", &self.rule, &why));
        let top = Connection {
            rule: self.rule.clone(),
            blocks: None,
            ..Connection::blocks(Vec::new())
        };
        let stripped = Connection {
            blocks: None,
            ..self.clone()
        };
        if stripped != top {
            return bad(
                "takes only `blocks` (each block gives its own weight, delay and dt)".into(),
            );
        }
        let Some(blocks) = self.blocks.as_ref().filter(|b| !b.is_empty()) else {
            return bad("needs a non-empty list `blocks`".into());
        };
        let mut spans = Vec::with_capacity(blocks.len());
        for (k, b) in blocks.iter().enumerate() {
            let field = format!("connect.blocks[{k}]");
            let Some([lo, hi]) = b.rows else {
                return Err(Error::param(
                    name,
                    &field,
                    &b.rule,
                    "needs `rows = [lo, hi]`",
                ));
            };
            if !(lo < hi && hi <= n_pre as u64) {
                return Err(Error::param(
                    name,
                    &field,
                    format!("rows [{lo}, {hi}]"),
                    &format!("needs lo < hi <= n_pre = {n_pre}"),
                ));
            }
            if b.rule == "blocks" {
                return Err(Error::param(
                    name,
                    &field,
                    &b.rule,
                    "a block cannot hold blocks",
                ));
            }
            let inner = Connection {
                rows: None,
                ..b.clone()
            };
            inner
                .rule(name, ((hi - lo) as usize, n_post))
                .map_err(|e| Error::param(name, &field, &b.rule, &e.to_string()))?;
            spans.push((lo, hi, k));
        }
        spans.sort_unstable();
        if let Some(w) = spans.windows(2).find(|w| w[1].0 < w[0].1) {
            return Err(Error::param(
                name,
                &format!("connect.blocks[{}]", w[1].2),
                format!("rows [{}, {}]", w[1].0, w[1].1),
                &format!("overlap block {}'s rows", w[0].2),
            ));
        }
        Ok(())
    }

    /// Whether it draws weights other than 1 (its own, or a block's).
    pub fn draws_weights(&self) -> bool {
        self.weight
            .as_ref()
            .is_some_and(|w| *w != Draw::Constant { value: 1.0 })
            || self.weights.is_some()
            || self.blocks.iter().flatten().any(|b| b.draws_weights())
    }

    /// An empty `blocks` rule to fill (every option at its default).
    fn blocks(blocks: Vec<Connection>) -> Connection {
        Connection {
            rule: "blocks".into(),
            p: None,
            indegree: None,
            outdegree: None,
            n: None,
            pre: None,
            post: None,
            weights: None,
            autapses: true,
            multapses: true,
            weight: None,
            delay: None,
            delays: None,
            dt: None,
            rows: None,
            blocks: Some(blocks),
        }
    }

    /// The blocks' projections joined by rows (see the module documentation).
    fn build_blocks(&self, name: &str, shape: (usize, usize), key: Key) -> Result<Csr> {
        let blocks = self.blocks.as_ref().expect("checked");
        let mut built = Vec::with_capacity(blocks.len());
        for (k, b) in blocks.iter().enumerate() {
            let [lo, hi] = b.rows.expect("checked");
            let inner = Connection {
                rows: None,
                ..b.clone()
            };
            let csr = inner.build(name, ((hi - lo) as usize, shape.1), key.split_nth(k as u64))?;
            built.push((lo as usize, csr));
        }
        built.sort_by_key(|(lo, _)| *lo);
        let nnz = built.iter().map(|(_, c)| c.nnz()).sum();
        let mut csr = Csr::with_capacity(name, shape, nnz)?;
        let delayed = built.iter().any(|(_, c)| c.delays.is_some());
        let mut delays = Vec::new();
        if delayed {
            delays.try_reserve_exact(nnz).map_err(|_| {
                Error::param(
                    name,
                    "connect",
                    nnz,
                    "needs more memory for its delays than there is",
                )
            })?;
            crate::core::component::advise_huge_capacity(&mut delays);
        }
        let mut row = 0;
        for (lo, b) in &built {
            while row < *lo {
                csr.indptr.push(csr.indices.len());
                row += 1;
            }
            let base = csr.indices.len();
            csr.indptr.extend(b.indptr[1..].iter().map(|&o| base + o));
            csr.indices.extend_from_slice(&b.indices);
            csr.data.extend_from_slice(&b.data);
            if delayed {
                match &b.delays {
                    Some(d) => delays.extend_from_slice(d),
                    None => delays.resize(delays.len() + b.nnz(), 1),
                }
            }
            row += b.shape.0;
        }
        while row < shape.0 {
            csr.indptr.push(csr.indices.len());
            row += 1;
        }
        csr.delays = delayed.then_some(delays);
        Ok(csr)
    }

    /// Checks the rule against a projection of `shape` (what [`Connection::build`] would
    /// say, without building).
    pub fn validate(&self, name: &str, shape: (usize, usize)) -> Result<()> {
        self.rule(name, shape).map(|_| ())
    }

    /// The synapses of an `(n_pre, n_post)` projection, with their weights, from `key`.
    pub fn build(&self, name: &str, shape: (usize, usize), key: Key) -> Result<Csr> {
        let (n_pre, n_post) = shape;
        if u32::try_from(n_post).is_err() || u32::try_from(n_pre).is_err() {
            return Err(Error::param(
                name,
                "shape",
                format!("{shape:?}"),
                "is too large for a connection rule (units are indexed by u32)",
            ));
        }
        let rule = self.rule(name, shape)?;
        if let Rule::Blocks = rule {
            return self.build_blocks(name, shape, key);
        }
        let [k_pre, k_post, k_weight] = key.split::<3>();
        let square = n_pre == n_post;
        let skip_self = !self.autapses && square;
        let (np, nq) = (n_pre as u64, n_post as u64);
        let mut csr = match rule {
            Rule::Blocks => unreachable!("built above"),
            Rule::AllToAll => Placement::new(n_pre, np).build(name, shape, |i, emit| {
                for j in 0..n_post {
                    if !(skip_self && j as u64 == i) {
                        emit(i as usize, j as u32);
                    }
                }
            })?,
            Rule::OneToOne => Placement::new(n_pre, np).build(name, shape, |i, emit| {
                if !skip_self {
                    emit(i as usize, i as u32)
                }
            })?,
            Rule::Bernoulli(p) => Placement::new(n_pre, np).build(name, shape, |i, emit| {
                // Geometric gaps between the row's synapses: O(synapses), not O(pairs).
                let row = k_pre.split_nth(i);
                let log_q = (-p).ln_1p();
                let (mut j, mut c) = (0u64, 0u64);
                loop {
                    let gap = if p >= 1.0 {
                        0
                    } else if p <= 0.0 {
                        break;
                    } else {
                        let g = (unit_open0(row, c).ln() / log_q).floor();
                        c += 1;
                        if g >= (nq - j) as f64 {
                            break;
                        }
                        g as u64
                    };
                    j += gap;
                    if j >= nq {
                        break;
                    }
                    if !(skip_self && j == i) {
                        emit(i as usize, j as u32);
                    }
                    j += 1;
                }
            })?,
            Rule::Outdegree(k) => build_rows(name, shape, &vec![k; n_pre], |i, out| {
                draw_partners(
                    k_post.split_nth(i),
                    nq,
                    skip_self.then_some(i),
                    self.multapses,
                    out,
                )
            })?,
            Rule::Indegree(k) => Placement::new(n_pre, nq).build(name, shape, |j, emit| {
                let mut from = vec![0u32; k as usize];
                draw_partners(
                    k_pre.split_nth(j),
                    np,
                    skip_self.then_some(j),
                    self.multapses,
                    &mut from,
                );
                for i in from {
                    emit(i as usize, j as u32);
                }
            })?,
            Rule::Total(n) => {
                // The rows' counts are multinomial (each synapse's row uniform); then each
                // row draws its targets as fixed_outdegree does.
                let chunks = Placement::new(n_pre, n);
                let mut count = (0..chunks.chunks)
                    .into_par_iter()
                    .map(|c| {
                        let mut count = vec![0u64; n_pre];
                        let mut bits = [0u32; 4096];
                        let r = chunks.range(c);
                        let mut s = r.start;
                        while s < r.end {
                            let m = ((r.end - s) as usize).min(bits.len());
                            // Synapse s's row: 32 random bits of counter s, eight at a time.
                            k_pre.bits_into(s, &mut bits[..m]);
                            for &b in &bits[..m] {
                                count[((u64::from(b) * np) >> 32) as usize] += 1;
                            }
                            s += m as u64;
                        }
                        count
                    })
                    .reduce(
                        || vec![0u64; n_pre],
                        |mut a, b| {
                            a.iter_mut().zip(&b).for_each(|(a, b)| *a += b);
                            a
                        },
                    );
                // Without multapses a row holds at most its distinct targets: a full
                // row's excess moves to the next rows with room, in order (wrapping).
                let cap = if self.multapses {
                    u64::MAX
                } else {
                    nq - u64::from(skip_self)
                };
                let mut carry = 0u64;
                for _ in 0..2 {
                    for c in count.iter_mut() {
                        *c += carry;
                        carry = c.saturating_sub(cap);
                        *c -= carry;
                    }
                }
                build_rows(name, shape, &count, |i, out| {
                    draw_partners(
                        k_post.split_nth(i),
                        nq,
                        skip_self.then_some(i),
                        self.multapses,
                        out,
                    )
                })?
            }
            Rule::Explicit => {
                let (pre, post) = (
                    self.pre.as_ref().expect("checked"),
                    self.post.as_ref().expect("checked"),
                );
                let mut order: Vec<usize> = (0..pre.len()).collect();
                order.sort_by_key(|&s| (pre[s], post[s]));
                let csr = Placement::new(n_pre, 1).build(name, shape, |_, emit| {
                    for &s in &order {
                        emit(pre[s] as usize, post[s] as u32);
                    }
                })?;
                let mut csr = csr;
                match &self.weights {
                    Some(w) => {
                        for (d, &s) in csr.data.iter_mut().zip(&order) {
                            *d = w[s] as f32;
                        }
                    }
                    None => self.fill_weights(&mut csr, k_weight),
                }
                match &self.delays {
                    Some(d) => {
                        let steps = self.steps_of(name, order.iter().map(|&s| d[s]))?;
                        // One step each is no delay at all: nothing to keep.
                        csr.delays = steps.iter().any(|&d| d > 1).then_some(steps);
                        csr.sort_rows_by_delay();
                    }
                    None => self.fill_delays(name, &mut csr, key.split_nth(3))?,
                }
                return Ok(csr);
            }
        };
        self.fill_weights(&mut csr, k_weight);
        self.fill_delays(name, &mut csr, key.split_nth(3))?;
        Ok(csr)
    }

    /// Delays in ms as steps of `dt` (at least 1, at most [`MAX_DELAY_STEPS`]).
    fn steps_of(&self, name: &str, ms: impl Iterator<Item = f64>) -> Result<Vec<u8>> {
        let dt = self.dt.unwrap_or(0.1);
        ms.map(|d| {
            let steps = (d / dt).round().max(1.0);
            if steps > f64::from(MAX_DELAY_STEPS) {
                Err(Error::param(
                    name,
                    "connect.delay",
                    format!("{d} ms"),
                    &format!("is more than {MAX_DELAY_STEPS} steps of dt = {dt} ms"),
                ))
            } else {
                Ok(steps as u8)
            }
        })
        .collect()
    }

    /// Each synapse's delay from its own counter, when `delay` is given.
    fn fill_delays(&self, name: &str, csr: &mut Csr, key: Key) -> Result<()> {
        let Some(draw) = &self.delay else {
            return Ok(());
        };
        let mut delays = Vec::new();
        delays.try_reserve_exact(csr.nnz()).map_err(|_| {
            Error::param(
                name,
                "connect.delay",
                csr.nnz(),
                "more delays than memory holds",
            )
        })?;
        crate::core::component::advise_huge_capacity(&mut delays);
        delays.resize(csr.nnz(), 0u8);
        const CHUNK: usize = 1 << 14;
        let dt = self.dt.unwrap_or(0.1);
        let too_long = std::sync::atomic::AtomicBool::new(false);
        delays
            .par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, out)| {
                for (k, d) in out.iter_mut().enumerate() {
                    let ms = f64::from(draw.sample(key, (c * CHUNK + k) as u64));
                    let steps = (ms / dt).round().max(1.0);
                    if steps > f64::from(MAX_DELAY_STEPS) {
                        too_long.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    *d = steps.min(f64::from(MAX_DELAY_STEPS)) as u8;
                }
            });
        if too_long.into_inner() {
            return Err(Error::param(
                name,
                "connect.delay",
                format!("{draw:?}"),
                &format!("draws delays of more than {MAX_DELAY_STEPS} steps of dt = {dt} ms (bound it with high)"),
            ));
        }
        // One step each is no delay at all: nothing to keep.
        csr.delays = delays.iter().any(|&d| d > 1).then_some(delays);
        csr.sort_rows_by_delay();
        Ok(())
    }

    /// Each synapse's weight from its own counter (its place in the rows).
    fn fill_weights(&self, csr: &mut Csr, key: Key) {
        let draw = self.weight.clone().unwrap_or(Draw::Constant { value: 1.0 });
        const CHUNK: usize = 1 << 14;
        csr.data
            .par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, out)| {
                for (k, w) in out.iter_mut().enumerate() {
                    *w = draw.sample(key, (c * CHUNK + k) as u64);
                }
            });
    }
}

/// `out.len()` partners of a unit among `0..n`, ascending, from `key`'s counters:
/// uniform, with repeats when `multapses`, else distinct (Floyd's algorithm); never
/// `skip` (itself, without autapses).
fn draw_partners(key: Key, n: u64, skip: Option<u64>, multapses: bool, out: &mut [u32]) {
    // Without autapses, draw among n - 1 and step over the unit itself.
    let pool = n - u64::from(skip.is_some());
    let shift = |x: u64| match skip {
        Some(s) if x >= s => x + 1,
        _ => x,
    };
    let k = out.len() as u64;
    if multapses {
        // 32 random bits each, drawn eight at a time (bias below n / 2^32).
        key.bits_into(0, out);
        for o in out.iter_mut() {
            *o = shift((u64::from(*o) * pool) >> 32) as u32;
        }
    } else {
        let mut chosen = std::collections::HashSet::with_capacity(k as usize);
        for ((c, m), o) in (pool - k..pool).enumerate().zip(out.iter_mut()) {
            let t = index(key, c as u64, m + 1);
            let pick = if chosen.insert(t) {
                t
            } else {
                chosen.insert(m);
                m
            };
            *o = shift(pick) as u32;
        }
    }
    out.sort_unstable();
}

/// A [`Draw`], or a plain number for the constant (`weight = 0.5`, as NEST takes it).
fn draw_or_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Draw>, D::Error> {
    use serde::de::Error as _;
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(n) => n
            .as_f64()
            .map(|value| Some(Draw::Constant { value }))
            .ok_or_else(|| D::Error::custom("not a number")),
        v => Draw::deserialize(v).map(Some).map_err(D::Error::custom),
    }
}

/// A connection rule given as a keyword argument: an object or null.
impl crate::core::kwargs::KwargValue for Option<Connection> {
    const KIND: &'static str = "any | None";
    fn from_kwarg(
        kw: &crate::core::kwargs::Kwargs,
        key: &str,
        value: serde_json::Value,
    ) -> Result<Self> {
        crate::core::kwargs::object_from_kwarg(kw, key, value, "a connection rule")
    }
    fn to_kwarg(&self) -> serde_json::Value {
        crate::core::kwargs::object_to_kwarg(self.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(json: serde_json::Value) -> Connection {
        serde_json::from_value(json).unwrap()
    }

    fn degrees(csr: &Csr) -> (Vec<usize>, Vec<usize>) {
        let (n_pre, n_post) = csr.shape;
        let out = (0..n_pre)
            .map(|i| csr.indptr[i + 1] - csr.indptr[i])
            .collect();
        let mut inn = vec![0; n_post];
        csr.indices.iter().for_each(|&j| inn[j as usize] += 1);
        (out, inn)
    }

    fn has_autapse(csr: &Csr) -> bool {
        (0..csr.shape.0).any(|i| csr.row(i).0.contains(&(i as u32)))
    }

    fn has_multapse(csr: &Csr) -> bool {
        (0..csr.shape.0).any(|i| csr.row(i).0.windows(2).any(|w| w[0] == w[1]))
    }

    fn rows_ascending(csr: &Csr) -> bool {
        (0..csr.shape.0).all(|i| csr.row(i).0.windows(2).all(|w| w[0] <= w[1]))
    }

    #[test]
    fn fixed_indegree_gives_every_target_exactly_its_inputs() {
        for multapses in [true, false] {
            let c = conn(
                serde_json::json!({"rule": "fixed_indegree", "indegree": 30, "autapses": false, "multapses": multapses}),
            );
            let csr = c.build("W", (200, 200), Key::from_seed(1)).unwrap();
            let (_, inn) = degrees(&csr);
            assert!(inn.iter().all(|&d| d == 30));
            assert!(!has_autapse(&csr) && rows_ascending(&csr));
            if !multapses {
                assert!(!has_multapse(&csr));
            }
        }
    }

    #[test]
    fn fixed_outdegree_and_total_number_give_their_counts() {
        let c = conn(
            serde_json::json!({"rule": "fixed_outdegree", "outdegree": 12, "multapses": false}),
        );
        let csr = c.build("W", (50, 40), Key::from_seed(2)).unwrap();
        assert!(degrees(&csr).0.iter().all(|&d| d == 12) && !has_multapse(&csr));
        let c =
            conn(serde_json::json!({"rule": "fixed_total_number", "n": 5000, "autapses": false}));
        let csr = c.build("W", (100, 100), Key::from_seed(3)).unwrap();
        assert_eq!(csr.nnz(), 5000);
        assert!(!has_autapse(&csr) && rows_ascending(&csr));
        let c = conn(
            serde_json::json!({"rule": "fixed_total_number", "n": 1900, "multapses": false, "autapses": false}),
        );
        let csr = c.build("W", (20, 100), Key::from_seed(3)).unwrap();
        assert_eq!(csr.nnz(), 1900);
        assert!(!has_multapse(&csr));
    }

    #[test]
    fn pairwise_bernoulli_keeps_each_pair_with_its_probability() {
        let c = conn(serde_json::json!({"rule": "pairwise_bernoulli", "p": 0.1}));
        let csr = c.build("W", (1000, 1000), Key::from_seed(4)).unwrap();
        // 10^5 expected, standard deviation 300: within 5 of them.
        assert!((csr.nnz() as f64 - 1e5).abs() < 1500.0, "{}", csr.nnz());
        assert!(rows_ascending(&csr) && !has_multapse(&csr));
        let all =
            conn(serde_json::json!({"rule": "pairwise_bernoulli", "p": 1.0, "autapses": false}));
        assert_eq!(
            all.build("W", (30, 30), Key::from_seed(4)).unwrap().nnz(),
            30 * 29
        );
    }

    #[test]
    fn all_to_all_one_to_one_and_explicit_lists() {
        let a = conn(
            serde_json::json!({"rule": "all_to_all", "weight": {"dist": "constant", "value": 2.5}}),
        );
        let csr = a.build("W", (3, 4), Key::from_seed(0)).unwrap();
        assert_eq!(csr.to_dense(), ndarray::Array2::from_elem((3, 4), 2.5));
        let o = conn(serde_json::json!({"rule": "one_to_one"}));
        assert_eq!(
            o.build("W", (3, 3), Key::from_seed(0)).unwrap().to_dense(),
            ndarray::Array2::<f32>::eye(3)
        );
        let e = conn(
            serde_json::json!({"rule": "explicit", "pre": [2, 0, 2], "post": [1, 3, 0], "weights": [0.5, 1.5, -2.0]}),
        );
        let csr = e.build("W", (3, 4), Key::from_seed(0)).unwrap();
        assert_eq!(csr.indptr, vec![0, 1, 1, 3]);
        assert_eq!(csr.indices, vec![3, 0, 1]);
        assert_eq!(csr.data, vec![1.5, -2.0, 0.5]);
    }

    #[test]
    fn delays_are_steps_of_dt_at_least_one() {
        let c = conn(
            serde_json::json!({"rule": "explicit", "pre": [0, 0, 1, 2], "post": [0, 1, 1, 2],
            "delays": [0.0, 0.26, 1.5, 0.34], "dt": 0.1}),
        );
        let csr = c.build("W", (3, 3), Key::from_seed(0)).unwrap();
        assert_eq!(csr.delays, Some(vec![1, 3, 15, 3]));
        assert_eq!(csr.max_delay(), 15);
        let c = conn(
            serde_json::json!({"rule": "all_to_all", "delay": {"dist": "constant", "value": 0.1}}),
        );
        assert_eq!(
            c.build("W", (3, 3), Key::from_seed(0)).unwrap().delays,
            None,
            "one step each is no delay"
        );
    }

    #[test]
    fn the_build_does_not_depend_on_the_thread_count() {
        let c = conn(serde_json::json!({"rule": "fixed_total_number", "n": 20000,
            "weight": {"dist": "normal", "mean": 1.0, "std": 0.5, "low": 0.0},
            "delay": {"dist": "normal", "mean": 1.5, "std": 0.75, "low": 0.1}}));
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let three = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let a = one.install(|| c.build("W", (300, 200), Key::from_seed(9)).unwrap());
        let b = three.install(|| c.build("W", (300, 200), Key::from_seed(9)).unwrap());
        assert_eq!(a, b);
    }

    #[test]
    fn weights_follow_their_distributions() {
        let stats = |d: serde_json::Value| {
            let c = conn(serde_json::json!({"rule": "all_to_all", "weight": d}));
            let w = c.build("W", (200, 200), Key::from_seed(5)).unwrap().data;
            let n = w.len() as f64;
            let mean = w.iter().map(|&x| x as f64).sum::<f64>() / n;
            let var = w.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
            (mean, var.sqrt(), w)
        };
        let (m, s, _) = stats(serde_json::json!({"dist": "normal", "mean": 2.0, "std": 0.5}));
        assert!((m - 2.0).abs() < 0.01 && (s - 0.5).abs() < 0.01, "{m} {s}");
        let (m, _, _) = stats(serde_json::json!({"dist": "uniform", "low": -1.0, "high": 3.0}));
        assert!((m - 1.0).abs() < 0.02, "{m}");
        let (_, _, w) =
            stats(serde_json::json!({"dist": "normal", "mean": 0.0, "std": 1.0, "low": 0.0}));
        assert!(w.iter().all(|&x| x >= 0.0));
        let (m, _, _) = stats(serde_json::json!({"dist": "lognormal", "mu": 0.0, "sigma": 0.5}));
        assert!((m - (0.125f64).exp()).abs() < 0.01, "{m}");
    }

    #[test]
    fn bad_rules_are_typed_errors_naming_the_synapse_and_field() {
        for (json, says) in [
            (
                serde_json::json!({"rule": "fixed_indegre", "indegree": 3}),
                "not a rule",
            ),
            (
                serde_json::json!({"rule": "fixed_indegree"}),
                "needs `indegree`",
            ),
            (
                serde_json::json!({"rule": "fixed_indegree", "indegree": 11, "multapses": false}),
                "distinct",
            ),
            (
                serde_json::json!({"rule": "pairwise_bernoulli", "p": 1.5}),
                "0 <= p <= 1",
            ),
            (serde_json::json!({"rule": "one_to_one"}), "n_pre == n_post"),
            (
                serde_json::json!({"rule": "all_to_all", "p": 0.5}),
                "does not take `p`",
            ),
            (
                serde_json::json!({"rule": "explicit", "pre": [0, 12], "post": [1, 2]}),
                "pre[1]",
            ),
            (
                serde_json::json!({"rule": "all_to_all", "weight": {"dist": "uniform", "low": 2.0, "high": 1.0}}),
                "low <= high",
            ),
        ] {
            let err = conn(json)
                .build("Wx", (10, 5), Key::from_seed(0))
                .unwrap_err()
                .to_string();
            assert!(err.contains("Wx") && err.contains(says), "{err}");
        }
        assert!(serde_json::from_value::<Connection>(
            serde_json::json!({"rule": "all_to_all", "indegre": 3})
        )
        .is_err());
        // A number is the constant draw; a malformed draw still says what is wrong.
        let c = conn(serde_json::json!({"rule": "all_to_all", "weight": 0.5, "delay": 1.5}));
        assert_eq!(c.weight, Some(Draw::Constant { value: 0.5 }));
        assert_eq!(c.delay, Some(Draw::Constant { value: 1.5 }));
        let err = serde_json::from_value::<Connection>(
            serde_json::json!({"rule": "all_to_all", "weight": {"dist": "gamma"}}),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("gamma"), "{err}");
    }

    #[test]
    fn blocks_draw_as_their_rules_would_in_synapses_of_their_own() {
        let a = serde_json::json!({"rule": "fixed_indegree", "indegree": 5, "autapses": false,
            "weight": {"dist": "normal", "mean": 1.0, "std": 0.2}, "delay": {"dist": "uniform", "low": 0.1, "high": 2.0}});
        let b = serde_json::json!({"rule": "pairwise_bernoulli", "p": 0.3, "weight": -2.0});
        let with_rows = |mut v: serde_json::Value, lo: u64, hi: u64| {
            v["rows"] = serde_json::json!([lo, hi]);
            v
        };
        // Block b listed first: each block's key is its place in the list.
        let blocks = conn(serde_json::json!({"rule": "blocks", "blocks": [
            with_rows(b.clone(), 50, 70), with_rows(a.clone(), 10, 40)]}));
        let key = Key::from_seed(3);
        let csr = blocks.build("W", (75, 30), key).unwrap();
        let own_a = conn(a).build("W", (30, 30), key.split_nth(1)).unwrap();
        let own_b = conn(b).build("W", (20, 30), key.split_nth(0)).unwrap();
        let delays = csr.delays.as_ref().expect("block a has delays");
        let row = |c: &Csr, i: usize| c.indptr[i]..c.indptr[i + 1];
        for i in 0..75 {
            let (own, k) = match i {
                10..40 => (Some(&own_a), i - 10),
                50..70 => (Some(&own_b), i - 50),
                _ => (None, 0),
            };
            let r = row(&csr, i);
            let Some(own) = own else {
                assert!(r.is_empty(), "row {i} is in no block");
                continue;
            };
            let o = row(own, k);
            assert_eq!(csr.indices[r.clone()], own.indices[o.clone()], "row {i}");
            let bits = |d: &[f32]| d.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(&csr.data[r.clone()]),
                bits(&own.data[o.clone()]),
                "row {i}"
            );
            match &own.delays {
                Some(d) => assert_eq!(delays[r], d[o], "row {i}"),
                None => assert!(delays[r].iter().all(|&d| d == 1), "row {i}"),
            }
        }
        // Autapses are a block's own: (k, k) counted from its first row.
        assert!((10..40).all(|i| !csr.indices[row(&csr, i)].contains(&((i - 10) as u32))));
        assert_eq!(csr.nnz(), own_a.nnz() + own_b.nnz());
    }

    #[test]
    fn wrong_blocks_are_refused() {
        let one = serde_json::json!({"rule": "all_to_all", "rows": [0, 5]});
        let cases = [
            (
                serde_json::json!({"rule": "blocks"}),
                "non-empty list `blocks`",
            ),
            (
                serde_json::json!({"rule": "blocks", "blocks": [one.clone()], "weight": 2.0}),
                "takes only `blocks`",
            ),
            (
                serde_json::json!({"rule": "blocks", "blocks": [{"rule": "all_to_all"}]}),
                "needs `rows",
            ),
            (
                serde_json::json!({"rule": "blocks", "blocks": [one.clone(), {"rule": "all_to_all", "rows": [4, 8]}]}),
                "overlap block 0",
            ),
            (
                serde_json::json!({"rule": "blocks", "blocks": [{"rule": "all_to_all", "rows": [8, 11]}]}),
                "lo < hi <= n_pre = 10",
            ),
            (
                serde_json::json!({"rule": "blocks", "blocks": [{"rule": "blocks", "rows": [0, 2], "blocks": []}]}),
                "cannot hold blocks",
            ),
            (
                serde_json::json!({"rule": "blocks", "blocks": [{"rule": "pairwise_bernoulli", "rows": [0, 2]}]}),
                "needs `p`",
            ),
            (
                serde_json::json!({"rule": "all_to_all", "rows": [0, 2]}),
                "only as a block",
            ),
            (
                serde_json::json!({"rule": "all_to_all", "blocks": [one]}),
                "does not take `blocks`",
            ),
        ];
        for (c, why) in cases {
            let e = conn(c.clone())
                .validate("W", (10, 4))
                .unwrap_err()
                .to_string();
            assert!(e.contains(why) && e.contains("W"), "{c}: {e}");
        }
    }
}
