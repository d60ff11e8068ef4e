//! XLA's elementwise arithmetic, where Rust's float methods (or the C library) give
//! other bits: `exp`, `tanh`, `log1p`, `ln` and `erfinv` as XLA's CPU code computes
//! them (bit for bit against JAX 0.12 on x86-64 with FMA: `tests/parity_xla_math.rs`,
//! and the fixtures), and NaN- and sign-aware bounds.
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

/// `tanh` as XLA's CPU code computes it (`jnp.tanh`): `x` where `|x| < 0.0004`, else a
/// 13/6 rational polynomial of `x` clamped to ±7.998812 (Eigen's), evaluated with fused
/// multiply-adds (bit for bit against `jnp.tanh`: `tests/parity_xla_math.rs`).
#[inline]
pub fn tanh_xla(x: f32) -> f32 {
    if x.abs() < 0.0004 {
        return x;
    }
    #[allow(clippy::excessive_precision)]
    const CLAMP: f32 = 7.99881172180175781;
    let c = if x.is_nan() {
        x
    } else {
        x.clamp(-CLAMP, CLAMP)
    };
    let x2 = c * c;
    // XLA's coefficients, as its source writes them (the nearest f32 of each is used).
    #[allow(clippy::excessive_precision)]
    const NUM: [f32; 7] = [
        -2.76076847742355e-16,
        2.00018790482477e-13,
        -8.60467152213735e-11,
        5.12229709037114e-08,
        1.48572235717979e-05,
        6.37261928875436e-04,
        4.89352455891786e-03,
    ];
    #[allow(clippy::excessive_precision)]
    const DEN: [f32; 4] = [
        1.19825839466702e-06,
        1.18534705686654e-04,
        2.26843463243900e-03,
        4.89352518554385e-03,
    ];
    let mut n = NUM[0];
    for &k in &NUM[1..] {
        n = n.mul_add(x2, k);
    }
    let n = c * n;
    let mut d = DEN[0];
    for &k in &DEN[1..] {
        d = d.mul_add(x2, k);
    }
    n / d
}

/// `log1p` as XLA's CPU code computes it in float32: [`ln_xla`]`(1 + x)` for
/// `|x| >= sqrt(2) - 1`; below, Cephes' rational approximation
/// `x - x²/2 + x³·N(x)/D(x)`, its polynomials evaluated by fused Horner steps from
/// coefficients rounded to float32. Matches `jnp.log1p` bit for bit on 3 million
/// test values.
#[inline]
pub fn log1p_xla(x: f32) -> f32 {
    const DEN: [f64; 7] = [
        1.0,
        1.506_290_908_346_919_2e1,
        8.304_756_596_796_721e1,
        2.217_623_982_373_285_6e2,
        3.090_987_222_531_206e2,
        2.164_278_861_449_594_8e2,
        6.011_866_049_760_384e1,
    ];
    const NUM: [f64; 7] = [
        4.527_000_086_244_52e-5,
        4.985_410_282_319_337_5e-1,
        6.578_732_594_206_104,
        2.991_191_932_855_307_3e1,
        6.094_966_798_098_779e1,
        5.711_296_359_058_554e1,
        2.003_955_349_920_128e1,
    ];
    if x.abs() >= std::f32::consts::SQRT_2 - 1.0 || x.is_nan() {
        return ln_xla(1.0 + x);
    }
    let horner = |c: &[f64]| c.iter().fold(0.0f32, |p, &ci| p.mul_add(x, ci as f32));
    let x2 = x * x;
    let r = horner(&NUM) / horner(&DEN);
    x + (-0.5f32).mul_add(x2, (x * x2) * r)
}

/// The natural logarithm as XLA's CPU back end computes it in float32: the Cephes
/// polynomial (as in Eigen) with fused multiply-adds.
/// Matches `jnp.log` bit for bit on 3 million test values, where the C library's
/// `logf` differs in about one case in eight.
#[inline]
pub fn ln_xla(v: f32) -> f32 {
    if v.is_nan() || v < 0.0 {
        return f32::NAN;
    }
    if v == 0.0 {
        return f32::NEG_INFINITY;
    }
    if v == f32::INFINITY {
        return v;
    }
    // Cephes' coefficients 7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1,
    // -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1,
    // -2.4999993993e-1, 3.3333331174e-1, and -2.12194440e-4, 0.693359375, as the
    // exact float32 values they round to.
    const P: [u32; 9] = [
        0x3d90_21bb,
        0xbdeb_d1b8,
        0x3def_251a,
        0xbdfe_5d4f,
        0x3e11_e9bf,
        0xbe2a_ae50,
        0x3e4c_ceac,
        0xbe7f_fffc,
        0x3eaa_aaaa,
    ];
    let p = |i: usize| f32::from_bits(P[i]);
    let (q1, q2) = (f32::from_bits(0xb95e_8083), f32::from_bits(0x3f31_8000));
    // v = m * 2^e with m in [0.5, 1); denormals are flushed to the smallest normal.
    let bits = v.max(f32::MIN_POSITIVE).to_bits();
    let mut e = 1.0 + ((bits >> 23) as i32 - 0x7f) as f32;
    let m = f32::from_bits((bits & !0x7f80_0000) | 0.5f32.to_bits());
    // For m < sqrt(1/2): x = 2m - 1 and e -= 1; else x = m - 1.
    let x = if m < std::f32::consts::FRAC_1_SQRT_2 {
        e -= 1.0;
        (m - 1.0) + m
    } else {
        m - 1.0
    };
    let x2 = x * x;
    let x3 = x2 * x;
    // Every multiply-add of the polynomial is fused, as XLA emits it on FMA hardware.
    let y = x.mul_add(p(0), p(1)).mul_add(x, p(2));
    let y1 = x.mul_add(p(3), p(4)).mul_add(x, p(5));
    let y2 = x.mul_add(p(6), p(7)).mul_add(x, p(8));
    let y = y.mul_add(x3, y1).mul_add(x3, y2).mul_add(x3, q1 * e);
    ((x - 0.5 * x2) + y) + q2 * e
}

/// `exp` as XLA's CPU code computes it in float32 (`jnp.exp`), which is not the C
/// library's `expf` (they differ by an ulp on about one input in ten): the input
/// clamped to [-87.8, 88.8], `n = floor(x * log2(e) + 0.5)` clamped to [-127, 128],
/// `a = x - n * ln2` with ln(2) split in two (Cody-Waite), Cephes' degree-5
/// polynomial for `e^a`, all with fused multiply-adds, then `e^a * 2^n` built from
/// the exponent bits (for `n = 128`, `2 e^a * 2^127`). XLA runs with subnormals
/// flushed, so a result below the smallest normal float is 0.
/// Matches `jnp.exp` bit for bit (`tests/parity_xla_math.rs`).
#[inline]
pub fn exp_xla(x: f32) -> f32 {
    if x.is_nan() {
        return x;
    }
    // The constants as XLA writes them (doubles, rounded to float32).
    const LOG2E: f32 = std::f64::consts::LOG2_E as f32;
    // ln(2) = LN2_HI + LN2_LO, LN2_HI with 16 significant bits (n * LN2_HI is exact).
    const LN2_HI: f32 = 0.693_145_751_953_125_f64 as f32;
    const LN2_LO: f32 = 1.428_606_765_330_187_7e-6_f64 as f32;
    const P: [f32; 6] = [
        1.987_569_15e-4_f64 as f32,
        1.398_199_950_7e-3_f64 as f32,
        8.333_451_907_3e-3_f64 as f32,
        4.166_579_589_4e-2_f64 as f32,
        1.666_666_545_9e-1_f64 as f32,
        5.000_000_120_1e-1_f64 as f32,
    ];
    let x = x.clamp(-87.8, 88.8);
    let n = x.mul_add(LOG2E, 0.5).floor().clamp(-127.0, 128.0);
    let a = (-LN2_LO).mul_add(n, (-LN2_HI).mul_add(n, x));
    let mut z = a.mul_add(P[0], P[1]);
    for &p in &P[2..] {
        z = z.mul_add(a, p);
    }
    let z = 1.0 + z.mul_add(a * a, a);
    // 2^n from its biased exponent; n = -127 gives 0, n = 128 doubles z instead.
    let biased = ((n as i32 + 127) as u32) << 23;
    let pow2 = biased.min(0x7f00_0000);
    let z = f32::from_bits(z.to_bits().wrapping_add(biased - pow2));
    let r = z * f32::from_bits(pow2);
    if r < f32::MIN_POSITIVE {
        0.0
    } else {
        r
    }
}

/// Inverse error function in single precision, as XLA computes it (Giles'
/// approximation, fused Horner steps, [`log1p_xla`]).
#[allow(clippy::excessive_precision)] // the coefficients exactly as the reference writes them
pub fn erfinv_f32(x: f32) -> f32 {
    const LT5: [f32; 9] = [
        2.81022636e-08,
        3.43273939e-07,
        -3.5233877e-06,
        -4.39150654e-06,
        0.00021858087,
        -0.00125372503,
        -0.00417768164,
        0.246640727,
        1.50140941,
    ];
    const GE5: [f32; 9] = [
        -0.000200214257,
        0.000100950558,
        0.00134934322,
        -0.00367342844,
        0.00573950773,
        -0.0076224613,
        0.00943887047,
        1.00167406,
        2.83297682,
    ];
    if x.abs() >= 1.0 {
        return if x.abs() == 1.0 {
            x * f32::INFINITY
        } else {
            f32::NAN
        };
    }
    let w = -log1p_xla(-x * x);
    let (w, c) = if w < 5.0 {
        (w - 2.5, &LT5)
    } else {
        (w.sqrt() - 3.0, &GE5)
    };
    c.iter().fold(0.0f32, |p, &ci| p.mul_add(w, ci)) * x
}

/// A product by a constant as XLA keeps it: dropped (`x * 1`), a negation (`x * -1`),
/// or a product (fused into a sum it alone feeds).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Factor {
    One,
    MinusOne,
    By(f32),
}

impl Factor {
    pub(crate) fn of(c: f32) -> Factor {
        if c == 1.0 {
            Factor::One
        } else if c == -1.0 {
            Factor::MinusOne
        } else {
            Factor::By(c)
        }
    }

    /// `x * c`, rounded.
    #[inline(always)]
    pub(crate) fn times(self, x: f32) -> f32 {
        match self {
            Factor::One => x,
            Factor::MinusOne => -x,
            Factor::By(c) => x * c,
        }
    }
}

/// JAX's float32 `lgamma` (its own implementation, `jax._src.lax.lgamma`, since XLA's
/// was replaced) for `x >= 0.5`, as XLA compiles it (its Horner steps and the products
/// feeding sums fused): on `[0.5, 4]` the factored polynomial `(x - 1)(x - 2) P(d)`
/// with 12-bit splits, above 4 Stirling's series around a compensated `ln x`. Below
/// 0.5 JAX reflects; that branch is not computed here (`None`): the callers need only
/// `lgamma(k + 1)` of counts `k >= 0`.
pub fn lgamma_xla(x: f32) -> Option<f32> {
    const LOG_Q: [f64; 10] = [
        0.3333333432674408,
        -0.24999989569187164,
        0.19999992847442627,
        -0.16668006777763367,
        0.14287430047988892,
        -0.12451331317424774,
        0.11021918058395386,
        -0.10625848919153214,
        0.10618706792593002,
        -0.06354549527168274,
    ];
    const POS_05_15: [f64; 13] = [
        0.5772156715393066,
        -0.24525131285190582,
        0.15543334186077118,
        -0.1151529923081398,
        0.09227604418992996,
        -0.0771135687828064,
        0.06608173251152039,
        -0.06148973107337952,
        0.058332279324531555,
        -0.03065679967403412,
        0.016753701493144035,
        -0.08664266765117645,
        0.09459882974624634,
    ];
    const POS_15_4: [f64; 13] = [
        0.3620683252811432,
        -0.06572934240102768,
        0.016030851751565933,
        -0.004419584292918444,
        0.0013036809395998716,
        -0.00040008797077462077,
        0.00012487791536841542,
        -4.1899154894053936e-05,
        1.5541731045232154e-05,
        -3.445456741246744e-06,
        2.1466885868903773e-07,
        -9.512536394140625e-07,
        5.093689878776786e-07,
    ];
    const STIRLING: [f64; 5] = [
        0.0833333358168602,
        -0.0027777778450399637,
        0.0007936508045531809,
        -0.0005952381179668009,
        0.0008417508215643466,
    ];
    const MAX_FINITE_ARG: f32 = 4.085_003e36;
    const LN2_HI: f32 = 0.693115234375_f64 as f32;
    const LN2_LO: f32 = 3.19461832987e-05_f64 as f32;
    const HALF_LN_2PI_MINUS_HALF: f32 = 0.4189385175704956_f64 as f32;
    if x.is_nan() {
        return Some(x);
    }
    if x < 0.5 {
        return None;
    }
    if x > MAX_FINITE_ARG {
        return Some(f32::INFINITY);
    }
    // The coefficients as JAX gives them (doubles, rounded to float32 when used).
    let horner = |x: f32, c: &[f64]| {
        let (last, rest) = c.split_last().expect("coefficients");
        rest.iter()
            .rev()
            .fold(*last as f32, |p, &ci| p.mul_add(x, ci as f32))
    };
    let split12 = |x: f32| {
        let hi = f32::from_bits(x.to_bits() & 0xFFFF_F000);
        (hi, x - hi)
    };
    let res = if x <= 4.0 {
        let upper = x > 1.5;
        let u = x - 1.0;
        let v = u - 1.0;
        let d = u - if upper { 1.75 } else { 0.0 };
        let p = horner(d, if upper { &POS_15_4 } else { &POS_05_15 });
        let (u_hi, u_lo) = split12(u);
        let (v_hi, v_lo) = split12(v);
        let uv_hi = u_hi * v_hi;
        let uv_lo = u_lo.mul_add(v, u_hi * v_lo);
        let (p_hi, p_lo) = split12(p);
        let res_hi = uv_hi * p_hi;
        let res_lo = uv_lo.mul_add(p, uv_hi * p_lo);
        res_hi + res_lo
    } else {
        // ln x as a compensated pair (log_hi, log_lo).
        let bits = x.to_bits() as i32;
        let exp_off = (bits - 0x3F35_04F3) >> 23;
        let k = exp_off as f32;
        let m = f32::from_bits((bits - (exp_off << 23)) as u32);
        let f = m - 1.0;
        let f2 = f * f;
        let ln1pf = (f2 * f).mul_add(horner(f, &LOG_Q), (-0.5f32).mul_add(f2, f));
        let h_d = k * LN2_HI;
        let l_d = k.mul_add(LN2_LO, ln1pf);
        let log_hi = h_d + l_d;
        let log_lo = (h_d - log_hi) + l_d;
        let (h_x, s_lo) = split12(log_hi);
        let l_x = s_lo + log_lo;
        let b = x - 0.5;
        let (b_hi, b_lo) = split12(b);
        let hx_m1 = h_x - 1.0;
        let p_hi = b_hi * hx_m1;
        let p_lo = b_lo.mul_add(hx_m1, b * l_x);
        let inv_x = 1.0 / x;
        let sp = horner(inv_x * inv_x, &STIRLING);
        let s_pos = inv_x.mul_add(sp, p_lo + HALF_LN_2PI_MINUS_HALF);
        p_hi + s_pos
    };
    Some(if res == 0.0 { 0.0 } else { res })
}

/// `jnp.sum(x, axis=-1)` of one row as XLA's CPU code sums it while the reduction is
/// its own (below YNNPACK's threshold: fewer than 4,096 values in the whole reduce):
/// the row is padded with zeros to a multiple of 32 (`(m - n) / 2` before it, the rest
/// after), each window of 32 is summed in order from +0.0, and the window sums are
/// summed the same way until at most 32 remain, which are summed in order (XLA's tree
/// reduction into a `reduce-window`). Matches JAX 0.12 bit for bit for rows of 1 to
/// 1,025 values (measured; `tests/parity_xla_math.rs`). Allocates nothing.
pub fn row_sum_xla(x: &[f32]) -> f32 {
    level_sum(x.len(), &|i| x[i])
}

/// The sum of the `n` values `get(0..n)` as [`row_sum_xla`] describes; each value is
/// read once.
fn level_sum(n: usize, get: &dyn Fn(usize) -> f32) -> f32 {
    const W: usize = 32;
    if n <= W {
        return (0..n).fold(0.0f32, |a, i| a + get(i));
    }
    let m = n.div_ceil(W) * W;
    let lo = (m - n) / 2;
    // Window k covers padded positions [k W, (k + 1) W); the values begin at lo.
    let window = |k: usize| {
        let start = (k * W).saturating_sub(lo).min(n);
        let end = ((k + 1) * W).saturating_sub(lo).min(n);
        (start..end).fold(0.0f32, |a, i| a + get(i))
    };
    level_sum(m / W, &window)
}

/// `sum_i a[i] * b[i]` (`a`, `b` of one length `n`) as XLA's CPU code computes a
/// product reduced to a scalar in the same fusion (`(x * r).mean()` of a 1-D array):
/// - `n` of 4 or 8: the rounded products in one vector of `n` lanes, summed by halves
///   (lane `i` plus lane `i + n/2`, until one lane is left);
/// - `n` of 16 to 32: `w` lanes, eight where `n % 8 < 4`, else four (LLVM's choice of
///   vector width, read in XLA's object code), value `i` fused into lane `i % w` in
///   order (`fma(a, b, lane)`) up to the last multiple of `w`, the lanes summed by
///   halves, then the values past it fused onto that sum in order;
/// - any other `n` below 16: one chain of fused multiply-adds from +0.0.
///
/// Measured against JAX 0.12 on x86-64 with AVX-512 for `n` of 1 to 32
/// (`tests/parity_reinforce_synapses.rs`). From 33 on XLA splits the product and the sum
/// into separate kernels and sums otherwise, not reproduced (this gives the lane form
/// of the rule above there).
pub fn dot_sum_xla(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len(), "dot_sum_xla of unequal lengths");
    fused_reduce(a.len().min(b.len()), |i| a[i], |i| b[i])
}

/// `sum_i x[i]` as XLA's CPU code computes a sum reduced in a fusion with the
/// elementwise work that made its values (`sum(exp(x - m))` of a softmax): the orders of
/// [`dot_sum_xla`], with plain additions.
pub fn fused_sum_xla(x: &[f32]) -> f32 {
    fused_reduce(x.len(), |i| x[i], |_| 1.0)
}

/// `jnp.power(x, y)` for a constant `y` as XLA's CPU code computes it: its simplifier
/// makes `y = 0.5` a square root, `1` the value itself, `2` and `3` products; any other
/// power is the C library's `powf` (bit for bit with JAX 0.12 on 200,000 values for each
/// of seven powers, and in `tests/parity_competitive_synapses.rs`).
#[inline]
pub fn pow_xla(x: f32, y: f32) -> f32 {
    match y {
        0.5 => x.sqrt(),
        1.0 => x,
        2.0 => x * x,
        3.0 => x * x * x,
        _ => x.powf(y),
    }
}

/// `sum_k a(k) b(k)` over `k < len`, one output of XLA's dot (small matrices, Eigen's
/// kernels): a chain of fused multiply-adds from +0 (so a sum of -0 products is +0), or
/// one product where the contraction has one term (XLA makes such a dot elementwise).
#[inline(always)]
pub fn dot_chain_xla(len: usize, a: impl Fn(usize) -> f32, b: impl Fn(usize) -> f32) -> f32 {
    if len == 1 {
        a(0) * b(0)
    } else {
        (0..len).fold(0.0f32, |acc, k| a(k).mul_add(b(k), acc))
    }
}

/// `1 / sqrt(x)` as XLA's CPU code computes its `rsqrt` (which its simplifier also makes
/// of `a / sqrt(b)`, as in `x / jnp.linalg.norm(x)`): the processor's approximate
/// reciprocal square root (`rsqrtss`, 12 bits) refined by one Newton-Raphson step,
/// `h = fma(x y, y, -1)`, `y = fma(-0.5 y, h, y)`; the approximation itself below the
/// smallest normal float and at infinity. Bit for bit with JAX 0.12's `lax.rsqrt` on
/// 400,000 values (x86-64; the approximation is the processor's, as XLA's is).
/// Elsewhere than x86-64, `1 / sqrt(x)` (XLA's fallback there).
#[inline]
pub fn rsqrt_xla(x: f32) -> f32 {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_cvtss_f32, _mm_rsqrt_ss, _mm_set_ss};
        // SAFETY: SSE is part of the x86-64 baseline; the intrinsic reads and writes
        // registers only.
        let y = unsafe { _mm_cvtss_f32(_mm_rsqrt_ss(_mm_set_ss(x))) };
        if x < f32::MIN_POSITIVE || x == f32::INFINITY {
            return y;
        }
        let h = (x * y).mul_add(y, -1.0);
        (y * -0.5).mul_add(h, y)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        1.0 / x.sqrt()
    }
}

/// `sum_i x[i]^2` of one row as XLA's CPU code reduces a row of squares in a fusion
/// (`jnp.linalg.norm(W, axis=1)`, `sum(W * W, axis=1)`): the square of value 1, then
/// those of value 0, 2, 3, ... fused in order (`fma(x, x, acc)`). Measured against JAX
/// 0.12 (x86-64, AVX-512) for rows of 1 to 9 values, bit for bit
/// (`tests/parity_competitive_synapses.rs`); longer rows are summed in another order,
/// not reproduced (this chain is used there).
pub fn row_sum_of_squares_xla(x: &[f32]) -> f32 {
    match x {
        [] => 0.0,
        [a] => a * a,
        [a, b, rest @ ..] => rest
            .iter()
            .fold(a.mul_add(*a, b * b), |acc, &v| v.mul_add(v, acc)),
    }
}

/// The sum of the terms `x(r, c)` (or of their squares, with `squares`) over a whole
/// `(rows, cols)` array, as XLA's CPU code reduces an array to a scalar (`jnp.sum` of
/// the error cells' penalties):
/// - with a dimension above 32 (measured up to 4,096 values): XLA's tree reduction,
///   the terms rounded in their own fusion, each dimension above 32 padded with zeros to
///   a multiple of 32 (`(m - n) / 2` before) and cut in windows of 32 (a dimension of 32
///   or fewer is one window), each window summed from +0.0 in order, row by row; the
///   window sums again so until no dimension is above 32, then summed in order;
/// - else squares: one row as [`row_sum_of_squares_xla`], more rows one chain of fused
///   multiply-adds `fma(x, x, acc)` row-major from +0.0; plain terms summed in order.
///
/// Measured against JAX 0.12 (x86-64, AVX-512) in ngclearn's GaussianErrorCell for
/// shapes from (1, 33) to (64, 10), (40, 40) and (2, 1500); above 4,096 values XLA hands
/// the sum to another library and sums otherwise, not reproduced. Allocates nothing.
pub fn array_sum_xla(
    rows: usize,
    cols: usize,
    x: impl Fn(usize, usize) -> f32,
    squares: bool,
) -> f32 {
    let term = |r: usize, c: usize| {
        let v = x(r, c);
        if squares {
            v * v
        } else {
            v
        }
    };
    if rows > 32 || cols > 32 {
        return tree_sum_2d(rows, cols, &term);
    }
    chain_sum_xla(rows, cols, x, squares)
}

/// [`array_sum_xla`]'s sum where no dimension passes 32 (XLA's one fused loop): squares
/// of one row as [`row_sum_of_squares_xla`], of more rows one chain of fused
/// multiply-adds row-major from +0.0; plain terms in order. Also the order used over
/// 4-D maps, whose four axes XLA reduces otherwise (not reproduced for squares).
pub fn chain_sum_xla(
    rows: usize,
    cols: usize,
    x: impl Fn(usize, usize) -> f32,
    squares: bool,
) -> f32 {
    let mut acc = 0.0f32;
    if !squares {
        for r in 0..rows {
            for c in 0..cols {
                acc += x(r, c);
            }
        }
        return acc;
    }
    if rows == 1 {
        return match cols {
            0 => 0.0,
            1 => x(0, 0) * x(0, 0),
            _ => {
                let (a, b) = (x(0, 0), x(0, 1));
                (2..cols).fold(a.mul_add(a, b * b), |acc, c| {
                    let v = x(0, c);
                    v.mul_add(v, acc)
                })
            }
        };
    }
    for r in 0..rows {
        for c in 0..cols {
            let v = x(r, c);
            acc = v.mul_add(v, acc);
        }
    }
    acc
}

/// One level of XLA's tree reduction of a `(rows, cols)` array (see [`array_sum_xla`]).
fn tree_sum_2d(rows: usize, cols: usize, get: &dyn Fn(usize, usize) -> f32) -> f32 {
    const W: usize = 32;
    if rows <= W && cols <= W {
        let mut acc = 0.0f32;
        for r in 0..rows {
            for c in 0..cols {
                acc += get(r, c);
            }
        }
        return acc;
    }
    // (windows, window size, zeros before) of a dimension.
    let cut = |n: usize| {
        if n > W {
            let m = n.div_ceil(W) * W;
            (m / W, W, (m - n) / 2)
        } else {
            (1, n, 0)
        }
    };
    let ((wr, sr, lr), (wc, sc, lc)) = (cut(rows), cut(cols));
    let span = |k: usize, size: usize, lo: usize, n: usize| {
        (
            (k * size).saturating_sub(lo).min(n),
            ((k + 1) * size).saturating_sub(lo).min(n),
        )
    };
    let window = |i: usize, j: usize| {
        let (r0, r1) = span(i, sr, lr, rows);
        let (c0, c1) = span(j, sc, lc, cols);
        let mut acc = 0.0f32;
        for r in r0..r1 {
            for c in c0..c1 {
                acc += get(r, c);
            }
        }
        acc
    };
    tree_sum_2d(wr, wc, &window)
}

/// The orders of [`dot_sum_xla`] over `a(i) * b(i)`, `i < n`.
#[inline(always)]
fn fused_reduce(n: usize, a: impl Fn(usize) -> f32, b: impl Fn(usize) -> f32) -> f32 {
    let halves = |lanes: &mut [f32]| {
        let mut len = lanes.len();
        while len > 1 {
            len /= 2;
            for i in 0..len {
                lanes[i] += lanes[i + len];
            }
        }
        lanes[0]
    };
    match n {
        4 | 8 => {
            let mut lanes = [0.0f32; 8];
            for (i, lane) in lanes.iter_mut().enumerate().take(n) {
                *lane = a(i) * b(i);
            }
            halves(&mut lanes[..n])
        }
        16.. => {
            // Eight lanes, or four where that leaves fewer values over (n % 8 >= 4).
            let w = if n % 8 < 4 { 8 } else { 4 };
            let body = n / w * w;
            let mut lanes = [0.0f32; 8];
            for i in 0..body {
                lanes[i % w] = a(i).mul_add(b(i), lanes[i % w]);
            }
            let mut acc = halves(&mut lanes[..w]);
            for i in body..n {
                acc = a(i).mul_add(b(i), acc);
            }
            acc
        }
        _ => (0..n).fold(0.0f32, |acc, i| a(i).mul_add(b(i), acc)),
    }
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
