//! ngclearn's activation functions (`ngclearn.utils.model_utils.create_function`) and
//! their derivatives, as its `d_*` functions compute them, for the cells that take an
//! `act_fx` (RateCell, LeakyNoiseCell).
//!
//! identity, relu, lrelu (slope 0.01), relu6, tanh, sigmoid, softplus, elu, silu, gelu
//! (`x * sigmoid(1.702 x)`), telu, sine (`sin(30 x)`: ngclearn requires `omega_0` but
//! does not pass it on), unit_threshold, heaviside; gelu's and silu's derivatives are
//! its `d_swish`: `(1/(e + 1) + e x / (e + 1)^2) * beta`, `e = exp(-x)`; the thresholds'
//! are 1. softmax works per row (the caller's); its derivative is a Jacobian.

use crate::core::xla_math::{exp_xla as exp, log1p_xla, maximum, tanh_xla};
use crate::error::{Error, Result};

/// An activation of ngclearn's `create_function` (LeakyNoiseCell uses them too).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Act {
    /// `x`.
    Identity,
    /// `max(x, 0)`.
    Relu,
    /// `x` for `x >= 0`, else `0.01 x`.
    Lrelu,
    /// `min(max(x, 0), 6)`.
    Relu6,
    /// `tanh(x)`.
    Tanh,
    /// `1 / (1 + exp(-x))`.
    Sigmoid,
    /// `log(1 + exp(x))`, as `jnp.logaddexp(x, 0)`.
    Softplus,
    /// `x` for `x >= 0`, else `exp(x) - 1`.
    Elu,
    /// `x sigmoid(x)`.
    Silu,
    /// `x sigmoid(1.702 x)`.
    Gelu,
    /// `x tanh(exp(x))`.
    Telu,
    /// `sin(w x)`.
    Sine(f32),
    /// `1` for `x >= 1`, else `0`.
    UnitThreshold,
    /// `1` for `x >= 0`, else `0`.
    Heaviside,
    /// `exp(x) / sum(exp(x))` over a row (the caller's).
    Softmax,
}

#[inline(always)]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// ngclearn's `d_swish(x, beta)`.
#[inline(always)]
fn d_swish(x: f32, beta: f32) -> f32 {
    let e = exp(-x);
    ((1.0 / (e + 1.0)) + (e * x) / ((e + 1.0) * (e + 1.0))) * beta
}

fn step01(b: bool) -> f32 {
    if b {
        1.0
    } else {
        0.0
    }
}

impl Act {
    /// The activation `name` (`omega` is `omega_0`, which sine requires); an error on
    /// `act_fx` of component `who` for a name it does not know.
    pub fn parse(name: &str, omega: Option<f32>, who: &str) -> Result<Act> {
        Ok(match name {
            "identity" => Act::Identity,
            "relu" => Act::Relu,
            "lrelu" => Act::Lrelu,
            "relu6" => Act::Relu6,
            "tanh" => Act::Tanh,
            "sigmoid" => Act::Sigmoid,
            "softplus" => Act::Softplus,
            "elu" => Act::Elu,
            "silu" => Act::Silu,
            "gelu" => Act::Gelu,
            "telu" => Act::Telu,
            // ngclearn requires omega_0 with "sine" but its create_function does not pass
            // it on: sine runs with its default frequency, 30.
            "sine" => {
                omega.ok_or_else(|| {
                    Error::param(who, "omega_0", "missing", "act_fx = \"sine\" needs omega_0")
                })?;
                Act::Sine(30.0)
            }
            "unit_threshold" => Act::UnitThreshold,
            "softmax" => Act::Softmax,
            n if n.contains("heaviside") => Act::Heaviside,
            other => {
                return Err(Error::param(
                    who,
                    "act_fx",
                    other,
                    "is not one of identity, relu, lrelu, relu6, tanh, sigmoid, softplus, elu, \
                     silu, gelu, telu, sine, unit_threshold, heaviside, softmax",
                ))
            }
        })
    }

    /// fx(x), elementwise (softmax is done per row elsewhere), with XLA's `exp`.
    #[inline(always)]
    pub fn f(self, x: f32) -> f32 {
        match self {
            Act::Identity => x + 0.0,
            Act::Relu => maximum(x, 0.0),
            Act::Lrelu => {
                if x >= 0.0 {
                    x
                } else {
                    0.01 * x
                }
            }
            Act::Relu6 => {
                let r = maximum(x, 0.0);
                if r.is_nan() || r < 6.0 {
                    r
                } else {
                    6.0
                }
            }
            Act::Tanh => tanh_xla(x),
            Act::Sigmoid => sigmoid(x),
            Act::Softplus => {
                // jnp.logaddexp(x, 0)
                let amax = maximum(x, 0.0);
                if x.is_nan() {
                    x
                } else {
                    amax + log1p_xla(exp(-x.abs()))
                }
            }
            Act::Elu => {
                let m = step01(x >= 0.0);
                x * m + ((exp(x) - 1.0) * 1.0) * (1.0 - m)
            }
            Act::Silu => x * sigmoid(x * 1.0),
            Act::Gelu => x * sigmoid(x * 1.702),
            Act::Telu => x * tanh_xla(exp(x)),
            Act::Sine(w) => (w * x).sin(),
            Act::UnitThreshold => step01(x >= 1.0),
            Act::Heaviside => step01(x >= 0.0),
            Act::Softmax => unreachable!("softmax is computed per row"),
        }
    }

    /// `fx(x) + e * s` as XLA compiles it: the product `x * g(x)` of silu, gelu and telu
    /// is fused into the sum (it comes first), any other activation takes the noise's
    /// product fused.
    #[inline(always)]
    pub fn f_plus(self, x: f32, e: f32, s: f32) -> f32 {
        match self {
            Act::Silu => x.mul_add(sigmoid(x * 1.0), e * s),
            Act::Gelu => x.mul_add(sigmoid(x * 1.702), e * s),
            Act::Telu => x.mul_add(tanh_xla(exp(x)), e * s),
            _ => e.mul_add(s, self.f(x)),
        }
    }

    /// `v * fx'(x)` as XLA compiles it inside a jitted step: relu's derivative is a
    /// converted comparison, and XLA makes the product a select, so a negative `v` where
    /// `x < 0` (or `x` is NaN) gives +0, not -0; every other derivative multiplies.
    #[inline(always)]
    pub fn times_df(self, v: f32, x: f32) -> f32 {
        match self {
            Act::Relu => {
                if x >= 0.0 {
                    v
                } else {
                    0.0
                }
            }
            _ => v * self.df(x),
        }
    }

    /// fx'(x), as ngclearn's jitted `d_*` functions compute it, with XLA's `exp`.
    #[inline(always)]
    pub fn df(self, x: f32) -> f32 {
        match self {
            Act::Identity | Act::UnitThreshold | Act::Heaviside => x * 0.0 + 1.0,
            Act::Relu => step01(x >= 0.0),
            Act::Lrelu => {
                let m = step01(x >= 0.0);
                m + (1.0 - m) * 0.01
            }
            Act::Relu6 => step01(x >= 0.0) * step01(x <= 6.0),
            Act::Tanh => {
                // XLA fuses -(t * t) + 1 into one multiply-add.
                let t = tanh_xla(x);
                (-t).mul_add(t, 1.0)
            }
            Act::Sigmoid | Act::Softplus => {
                let s = sigmoid(x);
                if self == Act::Sigmoid {
                    s * (1.0 - s)
                } else {
                    s
                }
            }
            Act::Elu => {
                let m = step01(x >= 0.0);
                m + (1.0 - m) * (exp(x) * 1.0)
            }
            Act::Silu => d_swish(x, 1.0),
            Act::Gelu => d_swish(x, 1.702),
            Act::Telu => {
                let ex = exp(x);
                let t = tanh_xla(ex);
                // XLA fuses 1 - t^2 and the sum: fma(x e, fma(-t, t, 1), t).
                (x * ex).mul_add((-t).mul_add(t, 1.0), t)
            }
            Act::Sine(w) => w * (w * x).cos(),
            Act::Softmax => unreachable!("softmax is refused when stateful"),
        }
    }
}
