//! XLA's elementwise semantics where Rust's float methods differ from them.
//!
//! `jnp.maximum`, `jnp.minimum`, `jnp.clip` and `jnp.max` propagate NaN: a NaN operand
//! gives NaN. Rust's `f32::max`/`f32::min` return the other operand instead (IEEE
//! `maxNum`), which would turn a diverged value into a bound. And XLA orders -0 below
//! +0 (`maximum(-0, +0) = +0`, `minimum(-0, +0) = -0`, jitted on CPU as eagerly), where
//! a plain comparison calls them equal. Every bound, clip and running maximum on a
//! value path uses these.

/// `jnp.maximum(a, b)`: NaN if either is NaN (the NaN operand itself), else the larger,
/// +0 being larger than -0.
#[inline(always)]
pub fn maximum(a: f32, b: f32) -> f32 {
    if a.is_nan() {
        a
    } else if b.is_nan() {
        b
    } else if a > b || (a == b && a.is_sign_positive()) {
        a
    } else {
        b
    }
}

/// `jnp.minimum(a, b)`: NaN if either is NaN (the NaN operand itself), else the
/// smaller, -0 being smaller than +0.
#[inline(always)]
pub fn minimum(a: f32, b: f32) -> f32 {
    if a.is_nan() {
        a
    } else if b.is_nan() {
        b
    } else if a < b || (a == b && a.is_sign_negative()) {
        a
    } else {
        b
    }
}

/// `jnp.clip(x, lo, hi)`, which is `minimum(maximum(x, lo), hi)`: NaN stays NaN, and
/// `hi` wins when `lo > hi`.
#[inline(always)]
pub fn clip(x: f32, lo: f32, hi: f32) -> f32 {
    minimum(maximum(x, lo), hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_propagates_through_every_bound() {
        assert!(maximum(f32::NAN, 0.0).is_nan());
        assert!(maximum(0.0, f32::NAN).is_nan());
        assert!(minimum(f32::NAN, 1.0).is_nan());
        assert!(minimum(1.0, f32::NAN).is_nan());
        assert!(clip(f32::NAN, -1.0, 1.0).is_nan());
        // The NaN operand itself comes back, payload and sign included.
        let payload = f32::from_bits(0xffc0_0123);
        assert_eq!(maximum(payload, 3.0).to_bits(), payload.to_bits());
        assert_eq!(clip(payload, 0.0, 1.0).to_bits(), payload.to_bits());
    }

    #[test]
    fn numbers_are_bounded_as_jnp_bounds_them() {
        assert_eq!(maximum(-2.0, 0.5), 0.5);
        assert_eq!(minimum(-2.0, 0.5), -2.0);
        assert_eq!(clip(5.0, 0.01, 1.0), 1.0);
        assert_eq!(clip(-5.0, 0.01, 1.0), 0.01);
        assert_eq!(clip(0.3, 0.01, 1.0), 0.3);
        // lo > hi: hi wins, as min(max(x, lo), hi) gives.
        assert_eq!(clip(0.0, 2.0, 1.0), 1.0);
        assert_eq!(clip(f32::INFINITY, 0.0, 1.0), 1.0);
        assert_eq!(clip(f32::NEG_INFINITY, 0.0, 1.0), 0.0);
    }

    #[test]
    fn zeros_are_ordered_as_xla_orders_them() {
        // As jax 0.12 computes them on CPU, jitted and eagerly.
        let neg = |x: f32| x.is_sign_negative();
        assert!(!neg(maximum(0.0, -0.0)) && !neg(maximum(-0.0, 0.0)));
        assert!(neg(minimum(0.0, -0.0)) && neg(minimum(-0.0, 0.0)));
        assert!(neg(maximum(-0.0, -0.0)) && !neg(minimum(0.0, 0.0)));
        assert!(!neg(clip(-0.0, 0.0, 1.0)));
        assert!(neg(maximum(-0.0, -80.0)));
    }
}
