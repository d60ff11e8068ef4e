//! Counter-based randomness with the semantics of JAX's default PRNG.
//!
//! ngclearn draws every random number through `jax.random` with the threefry2x32
//! implementation in its *partitionable* mode (`jax_threefry_partitionable = True`,
//! the default since JAX 0.5). A [`Key`] is two `u32` words; nothing here keeps hidden
//! state, so the same key always gives the same numbers, on any thread.
//!
//! * `PRNGKey(seed)` = `[hi(seed), lo(seed)]`, so `[0, seed]` for a 32-bit seed.
//! * `split(key, n)[i] = threefry2x32(key, (0, i))`: both words of the block.
//! * random bits of a flat shape: element `i` is `x0 ^ x1` of `threefry2x32(key, (0, i))`.
//! * `uniform`: the top 23 bits of those words as the mantissa of a float in `[1, 2)`,
//!   minus one, then `u * (max - min) + min`, clamped below at `min`.
//! * `normal`: `sqrt(2) * erfinv(u)` with `u` uniform in `(-1, 1)`.
//! * `bernoulli(p)`: `uniform < p`.
//!
//! The bit streams are exact; `normal` depends on the `erfinv` and `ln` of the
//! platform's float library and so may differ from XLA's by an ulp.

use serde::{Deserialize, Serialize};

/// A JAX-compatible PRNG key: two `u32` words (`jax.random.PRNGKey` with threefry2x32).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Key(pub [u32; 2]);

const ROT: [[u32; 4]; 2] = [[13, 15, 26, 6], [17, 29, 16, 24]];

/// The threefry2x32 block function (20 rounds), as in JAX and Random123.
pub fn threefry2x32(key: [u32; 2], count: [u32; 2]) -> [u32; 2] {
    let ks = [key[0], key[1], key[0] ^ key[1] ^ 0x1BD1_1BDA];
    let mut x0 = count[0].wrapping_add(ks[0]);
    let mut x1 = count[1].wrapping_add(ks[1]);
    for group in 0..5u32 {
        for &r in &ROT[(group % 2) as usize] {
            x0 = x0.wrapping_add(x1);
            x1 = x1.rotate_left(r) ^ x0;
        }
        let g = group as usize + 1;
        x0 = x0.wrapping_add(ks[g % 3]);
        x1 = x1.wrapping_add(ks[(g + 1) % 3]).wrapping_add(group + 1);
    }
    [x0, x1]
}

impl Key {
    /// `jax.random.PRNGKey(seed)`: the high and low 32 bits of the 64-bit seed.
    pub fn from_seed(seed: u64) -> Key {
        Key([(seed >> 32) as u32, seed as u32])
    }

    /// A key from the clock, as ngclearn does when a component is given no key.
    pub fn from_time() -> Key {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Key::from_seed(nanos)
    }

    fn block(self, i: u64) -> [u32; 2] {
        threefry2x32(self.0, [(i >> 32) as u32, i as u32])
    }

    /// `jax.random.split(key, N)`, with `N` fixed at compile time.
    pub fn split<const N: usize>(self) -> [Key; N] {
        std::array::from_fn(|i| Key(self.block(i as u64)))
    }

    /// `jax.random.split(key, n)` into a caller's buffer of `n` keys.
    pub fn split_into(self, out: &mut [Key]) {
        for (i, k) in out.iter_mut().enumerate() {
            *k = Key(self.block(i as u64));
        }
    }

    /// 32 random bits for flat element `i` of any shape (`jax.random.bits`).
    #[inline]
    pub fn bits(self, i: u64) -> u32 {
        let [a, b] = self.block(i);
        a ^ b
    }

    /// `jax.random.uniform(key, shape, minval=0, maxval=1)` into `out` (row-major).
    pub fn uniform_into(self, out: &mut [f32]) {
        for (i, o) in out.iter_mut().enumerate() {
            *o = bits_to_unit(self.bits(i as u64));
        }
    }

    /// `jax.random.uniform(key, shape, minval, maxval)` into `out` (row-major).
    pub fn uniform_range_into(self, out: &mut [f32], minval: f32, maxval: f32) {
        let span = maxval - minval;
        for (i, o) in out.iter_mut().enumerate() {
            let u = bits_to_unit(self.bits(i as u64));
            // XLA fuses this multiply-add into one rounding (an FMA).
            *o = u.mul_add(span, minval).max(minval);
        }
    }

    /// `jax.random.normal(key, shape)` into `out` (row-major).
    pub fn normal_into(self, out: &mut [f32]) {
        let lo = next_toward_zero(-1.0f32);
        self.uniform_range_into(out, lo, 1.0);
        for o in out.iter_mut() {
            *o = std::f32::consts::SQRT_2 * erfinv_f32(*o);
        }
    }

    /// `jax.random.bernoulli(key, p, shape)` into `out` as 0/1 (row-major).
    pub fn bernoulli_into(self, out: &mut [f32], p: f32) {
        for (i, o) in out.iter_mut().enumerate() {
            *o = if bits_to_unit(self.bits(i as u64)) < p {
                1.0
            } else {
                0.0
            };
        }
    }

    /// `jax.random.permutation(key, n)` of `0..n` (the sort-based shuffle).
    pub fn permutation(self, n: usize) -> Vec<usize> {
        let mut x: Vec<usize> = (0..n).collect();
        // JAX: rounds = ceil(3 * ln(max(1, n)) / ln(2^32 - 1)).
        let rounds = (3.0 * (n.max(1) as f64).ln() / (u32::MAX as f64).ln()).ceil() as usize;
        let mut key = self;
        let mut keyed: Vec<(u32, usize)> = Vec::with_capacity(n);
        for _ in 0..rounds {
            let [k, sub] = key.split::<2>();
            key = k;
            keyed.clear();
            keyed.extend(x.iter().enumerate().map(|(i, &v)| (sub.bits(i as u64), v)));
            keyed.sort_by_key(|&(b, _)| b);
            for (dst, &(_, v)) in x.iter_mut().zip(keyed.iter()) {
                *dst = v;
            }
        }
        x
    }

    /// `jax.random.choice(key, n, shape=(k,), replace=False)`.
    pub fn choice_without_replacement(self, n: usize, k: usize) -> Vec<usize> {
        let mut p = self.permutation(n);
        p.truncate(k);
        p
    }
}

/// The float in `[0, 1)` JAX makes from 32 random bits.
#[inline]
pub fn bits_to_unit(bits: u32) -> f32 {
    f32::from_bits((bits >> 9) | 0x3F80_0000) - 1.0
}

fn next_toward_zero(x: f32) -> f32 {
    f32::from_bits(x.to_bits() - 1)
}

/// Inverse error function in single precision (Giles' approximation, as XLA uses).
pub fn erfinv_f32(x: f32) -> f32 {
    if x.abs() >= 1.0 {
        return if x.abs() == 1.0 {
            x * f32::INFINITY
        } else {
            f32::NAN
        };
    }
    let mut w = -((1.0 - x) * (1.0 + x)).ln();
    let p = if w < 5.0 {
        w -= 2.5;
        let c = [
            2.810_226_4e-08,
            3.432_739_4e-07,
            -3.523_387_7e-06,
            -4.391_506_5e-06,
            0.000_218_580_87,
            -0.001_253_725,
            -0.004_177_681_6,
            0.246_640_73,
            1.501_409_4,
        ];
        c.iter().fold(0.0f32, |acc, &ci| acc * w + ci)
    } else {
        w = w.sqrt() - 3.0;
        let c = [
            -0.000_200_214_26,
            0.000_100_950_56,
            0.001_349_343_2,
            -0.003_673_428_4,
            0.005_739_507_7,
            -0.007_622_461,
            0.009_438_870_5,
            1.001_674,
            2.832_976_8,
        ];
        c.iter().fold(0.0f32, |acc, &ci| acc * w + ci)
    };
    p * x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prng_key_of_small_seed_is_zero_then_seed() {
        assert_eq!(Key::from_seed(1234), Key([0, 1234]));
        assert_eq!(Key::from_seed(1 << 32 | 5), Key([1, 5]));
    }

    #[test]
    fn unit_floats_span_zero_to_below_one() {
        assert_eq!(bits_to_unit(0), 0.0);
        assert!(bits_to_unit(u32::MAX) < 1.0);
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut p = Key::from_seed(3).permutation(50);
        p.sort_unstable();
        assert_eq!(p, (0..50).collect::<Vec<_>>());
    }
}
