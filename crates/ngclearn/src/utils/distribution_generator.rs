//! Weight initialisers, as ngclearn's `DistributionGenerator`.
//!
//! Each initialiser is a distribution plus post-processing options; called with a
//! shape and a [`Key`] it returns a float32 matrix exactly as ngclearn builds it:
//!
//! * `constant(value)`: `ones * value`; post-processing gets the key as given.
//! * `uniform(low, high)`, `gaussian(mean, std)` (`mean + std * normal`),
//!   `log_gaussian(sigma)` (`exp(sigma * normal)`), `fan_in_uniform()`
//!   (`uniform(-l, l)`, `l = sqrt(1 / shape[1])`), `fan_in_gaussian()`
//!   (`normal * sqrt(1 / shape[0])`): first `(k, sub) = split(key)`, draw with `k`,
//!   post-process with `sub`.
//! * post-processing, in this order: `amin` (max), `amax` (min), `lower_triangle`,
//!   `upper_triangle`, `hollow` (zero diagonal), `eye` (keep diagonal), `col_mask`,
//!   `row_mask`. A mask given as a count keeps that many indices drawn with
//!   `choice(sub, n, replace=False)` after `(key, sub) = split(key)`; given as a list
//!   it keeps those indices.
//!
//! Reference quirks kept: `fan_in_uniform` takes the fan-in from `shape[1]` but
//! `fan_in_gaussian` from `shape[0]`; `row_mask` builds a mask over the *rows'*
//! indices and broadcasts it along the last axis, so it zeroes columns, and needs a
//! square matrix (ngclearn fails otherwise; here it is an error).
//! Divergences: ngclearn 3.1.1 fails on a mask given as a list of indices (a JAX
//! indexing `TypeError`); here it keeps those indices. Its `log_gaussian` fails with a
//! `NameError`; here it
//! draws `exp(sigma * normal(k))`, as `jax.random.lognormal` does.

use crate::core::rng::Key;
use crate::core::xla_math::{maximum, minimum};
use crate::error::{Error, Result};
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// The distribution an [`Initializer`] draws from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case")]
pub enum Distribution {
    /// Every entry `value`.
    Constant {
        /// The value.
        value: f32,
    },
    /// Uniform on `[low, high)`.
    Uniform {
        /// Lower bound (inclusive).
        low: f32,
        /// Upper bound (exclusive).
        high: f32,
    },
    /// Normal with `mean` and `std`.
    Gaussian {
        /// Mean.
        mean: f32,
        /// Standard deviation.
        std: f32,
    },
    /// `exp(sigma * N(0, 1))`.
    LogGaussian {
        /// Standard deviation of the underlying normal.
        sigma: f32,
    },
    /// Uniform on `[-l, l)`, `l = sqrt(1 / shape[1])`.
    FanInUniform,
    /// Normal with std `sqrt(1 / shape[0])`.
    FanInGaussian,
}

/// Which rows or columns a mask keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeepMask {
    /// Keep this many, drawn at random without replacement.
    Count(usize),
    /// Keep these indices.
    Indices(Vec<usize>),
}

/// Post-processing options (ngclearn's `DistributionParams`). Written without the
/// options left at their defaults, as ngclearn's own dictionaries are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DistributionParams {
    /// Clip from below.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amin: Option<f32>,
    /// Clip from above.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amax: Option<f32>,
    /// Keep the lower triangle (with the diagonal).
    #[serde(skip_serializing_if = "is_false")]
    pub lower_triangle: bool,
    /// Keep the upper triangle (with the diagonal).
    #[serde(skip_serializing_if = "is_false")]
    pub upper_triangle: bool,
    /// Zero the diagonal.
    #[serde(skip_serializing_if = "is_false")]
    pub hollow: bool,
    /// Keep only the diagonal.
    #[serde(skip_serializing_if = "is_false")]
    pub eye: bool,
    /// Keep only some columns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub col_mask: Option<KeepMask>,
    /// Keep only some "rows" (see the module doc for the reference's quirk).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row_mask: Option<KeepMask>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A weight initialiser: a distribution and its post-processing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Initializer {
    /// What to draw.
    #[serde(flatten)]
    pub dist: Distribution,
    /// What to do after.
    #[serde(flatten)]
    pub params: DistributionParams,
}

/// Constructors named as ngclearn's `DistributionGenerator` methods.
pub struct DistributionGenerator;

/// What `ngc help initializers` prints: how an initialiser (`weight_init`, `bias_init`)
/// is written in a model file, its distributions and its post-processing options.
pub const HELP: &str = "\
Initialisers (weight_init, bias_init): DistributionGenerator
  In a model file: weight_init = { dist = \"uniform\", low = 0.025, high = 0.8, hollow = true }
  (JSON in a saved model: {\"dist\": \"uniform\", \"low\": 0.025, \"high\": 0.8}).

distributions (dist = ...):
  constant         value                every entry equal to value
  uniform          low, high            uniform on [low, high)
  gaussian         mean, std            mean + std * N(0, 1)
  log_gaussian     sigma                exp(sigma * N(0, 1))
  fan_in_uniform   -                    uniform on [-l, l), l = sqrt(1 / shape[1])
  fan_in_gaussian  -                    N(0, 1) * sqrt(1 / shape[0])

post-processing (optional, applied in this order):
  amin             number               clip from below
  amax             number               clip from above
  lower_triangle   true/false           keep the lower triangle (with the diagonal)
  upper_triangle   true/false           keep the upper triangle (with the diagonal)
  hollow           true/false           zero the diagonal
  eye              true/false           keep only the diagonal
  col_mask         count or [indices]   keep that many columns (drawn at random) or these
  row_mask         count or [indices]   as ngclearn: a mask over row indices broadcast
                                        along the last axis (zeroes columns; square only)

Draws split the component's key exactly as ngclearn does, so the same key gives the
same weights.
";

impl DistributionGenerator {
    /// `DistributionGenerator.constant(value)`.
    pub fn constant(value: f32) -> Initializer {
        Initializer::new(Distribution::Constant { value })
    }
    /// `DistributionGenerator.uniform(low, high)`.
    pub fn uniform(low: f32, high: f32) -> Initializer {
        Initializer::new(Distribution::Uniform { low, high })
    }
    /// `DistributionGenerator.gaussian(mean, std)`.
    pub fn gaussian(mean: f32, std: f32) -> Initializer {
        Initializer::new(Distribution::Gaussian { mean, std })
    }
    /// `DistributionGenerator.log_gaussian(sigma)`.
    pub fn log_gaussian(sigma: f32) -> Initializer {
        Initializer::new(Distribution::LogGaussian { sigma })
    }
    /// `DistributionGenerator.fan_in_uniform()`.
    pub fn fan_in_uniform() -> Initializer {
        Initializer::new(Distribution::FanInUniform)
    }
    /// `DistributionGenerator.fan_in_gaussian()`.
    pub fn fan_in_gaussian() -> Initializer {
        Initializer::new(Distribution::FanInGaussian)
    }
}

impl Initializer {
    /// An initialiser with no post-processing.
    pub fn new(dist: Distribution) -> Initializer {
        Initializer {
            dist,
            params: DistributionParams::default(),
        }
    }

    /// With these post-processing options.
    pub fn with(mut self, params: DistributionParams) -> Initializer {
        self.params = params;
        self
    }

    fn check(&self, what: &str) -> Result<()> {
        let bad = |p: &str, v: f32, why: &str| Err(Error::param(what, p, v, why));
        match self.dist {
            Distribution::Constant { value } if !value.is_finite() => {
                bad("value", value, "must be finite")
            }
            Distribution::Uniform { low, high }
                if !(low.is_finite() && high.is_finite() && low <= high) =>
            {
                bad("low", low, "low and high must be finite with low <= high")
            }
            Distribution::Gaussian { mean, std }
                if !(mean.is_finite() && std.is_finite() && std >= 0.0) =>
            {
                bad("std", std, "mean must be finite and std finite and >= 0")
            }
            Distribution::LogGaussian { sigma } if !(sigma.is_finite() && sigma >= 0.0) => {
                bad("sigma", sigma, "must be finite and >= 0")
            }
            _ => Ok(()),
        }?;
        if self.params.lower_triangle && self.params.upper_triangle {
            return Err(Error::param(
                what,
                "lower_triangle",
                true,
                "lower_triangle and upper_triangle are mutually exclusive",
            ));
        }
        Ok(())
    }

    /// Draws a `shape` matrix with `key`; `what` names the caller in errors.
    pub fn generate(&self, what: &str, shape: (usize, usize), key: Key) -> Result<Array2<f32>> {
        self.generate_columns(what, shape, 0..shape.1, key)
    }

    /// Columns `cols` of the `shape` matrix [`Initializer::generate`] draws with `key`,
    /// drawn alone: the same numbers (each element takes the counter of its place in
    /// the whole, and masks and triangles their global indices), in a
    /// `(shape.0, cols.len())` matrix. A model partitioned across ranks builds each
    /// rank's columns of a synapse this way, without the whole.
    pub fn generate_columns(
        &self,
        what: &str,
        shape: (usize, usize),
        cols: Range<usize>,
        key: Key,
    ) -> Result<Array2<f32>> {
        self.check(what)?;
        let (rows, width) = shape;
        if cols.start > cols.end || cols.end > width {
            return Err(Error::param(
                what,
                "columns",
                format!("{cols:?}"),
                &format!("must lie within 0..{width}"),
            ));
        }
        let fill = match self.dist {
            Distribution::Constant { value } => value,
            _ => 0.0,
        };
        let mut a = crate::core::component::filled(what, "shape", (rows, cols.len()), fill)?;
        let [k, sub] = key.split::<2>();
        let buf = a.as_slice_mut().expect("fresh arrays are contiguous");
        let c = cols.clone();
        let post_key = match self.dist {
            Distribution::Constant { .. } => key,
            Distribution::Uniform { low, high } => {
                k.uniform_range_columns_into(buf, width, c, low, high);
                sub
            }
            Distribution::Gaussian { mean, std } => {
                k.normal_columns_into(buf, width, c);
                buf.iter_mut().for_each(|x| *x = mean + std * *x);
                sub
            }
            Distribution::LogGaussian { sigma } => {
                k.normal_columns_into(buf, width, c);
                buf.iter_mut().for_each(|x| *x = (sigma * *x).exp());
                sub
            }
            Distribution::FanInUniform => {
                let limit = (1.0f64 / width.max(1) as f64).sqrt() as f32;
                k.uniform_range_columns_into(buf, width, c, -limit, limit);
                sub
            }
            Distribution::FanInGaussian => {
                let std = (1.0f64 / rows.max(1) as f64).sqrt() as f32;
                k.normal_columns_into(buf, width, c);
                buf.iter_mut().for_each(|x| *x *= std);
                sub
            }
        };
        self.post_process(what, &mut a, post_key, width, cols.start)?;
        Ok(a)
    }

    /// Post-processing of columns `first..` of a matrix `width` wide (`a`).
    fn post_process(
        &self,
        what: &str,
        a: &mut Array2<f32>,
        mut key: Key,
        width: usize,
        first: usize,
    ) -> Result<()> {
        let p = &self.params;
        if let Some(lo) = p.amin {
            a.mapv_inplace(|x| maximum(x, lo));
        }
        if let Some(hi) = p.amax {
            a.mapv_inplace(|x| minimum(x, hi));
        }
        let shaped = p.lower_triangle || p.upper_triangle || p.hollow || p.eye;
        for ((i, j), x) in a.indexed_iter_mut().filter(|_| shaped) {
            let j = first + j;
            // tril/triu select zero; hollow/eye multiply by the 0/1 identity.
            if (p.lower_triangle && j > i) || (p.upper_triangle && j < i) {
                *x = 0.0;
            }
            if (p.hollow && i == j) || (p.eye && i != j) {
                *x *= 0.0;
            }
        }
        if let Some(m) = &p.col_mask {
            let keep = keep_set(what, "col_mask", m, width, &mut key)?;
            zero_columns_outside(a, &keep[first..]);
        }
        if let Some(m) = &p.row_mask {
            let rows = a.nrows();
            if rows != width {
                return Err(Error::param(
                    what,
                    "row_mask",
                    format!("{m:?}"),
                    "needs a square matrix (the reference broadcasts the row mask along columns)",
                ));
            }
            let keep = keep_set(what, "row_mask", m, rows, &mut key)?;
            zero_columns_outside(a, &keep[first..]);
        }
        Ok(())
    }
}

fn keep_set(what: &str, field: &str, m: &KeepMask, n: usize, key: &mut Key) -> Result<Vec<bool>> {
    let mut keep = vec![false; n];
    match m {
        KeepMask::Count(k) => {
            if *k > n {
                return Err(Error::param(
                    what,
                    field,
                    k,
                    &format!("cannot keep more than {n}"),
                ));
            }
            let [next, sub] = key.split::<2>();
            *key = next;
            for i in sub.choice_without_replacement(n, *k) {
                keep[i] = true;
            }
        }
        KeepMask::Indices(ix) => {
            for &i in ix {
                *keep.get_mut(i).ok_or_else(|| {
                    Error::param(what, field, i, &format!("index out of range 0..{n}"))
                })? = true;
            }
        }
    }
    Ok(keep)
}

fn zero_columns_outside(a: &mut Array2<f32>, keep: &[bool]) {
    for ((_, j), x) in a.indexed_iter_mut() {
        if !keep[j] {
            *x = 0.0;
        }
    }
}

/// A weight initialiser, written as an object (`{"dist": "uniform", "low": 0, "high": 1}`)
/// or null. (ngclearn itself never saves initialisers.)
impl crate::core::kwargs::KwargValue for Option<Initializer> {
    const KIND: &'static str = "initializer | None";
    fn from_kwarg(
        kw: &crate::core::kwargs::Kwargs,
        key: &str,
        value: serde_json::Value,
    ) -> crate::error::Result<Self> {
        if value.is_null() {
            return Ok(None);
        }
        if let Some(n) = crate::core::kwargs::first_non_finite(&value) {
            return Err(kw.error(key, format!("{n} is not a finite float32")));
        }
        serde_json::from_value(value)
            .map(Some)
            .map_err(|e| kw.error(key, format!("not an initialiser: {e}")))
    }
    /// Its numbers as their shortest decimals (`0.025`, not the float32's
    /// `0.02500000037252903`), as the text form writes them.
    fn to_kwarg(&self) -> serde_json::Value {
        self.as_ref().map_or(serde_json::Value::Null, |i| {
            serde_json::to_string(i)
                .ok()
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or(serde_json::Value::Null)
        })
    }
}
