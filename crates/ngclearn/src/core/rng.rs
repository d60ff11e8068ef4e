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
//! * `normal`: `sqrt(2) * erfinv(u)` with `u` uniform in `(-1, 1)`, where `erfinv`,
//!   `log1p` and `ln` are computed as XLA's CPU code does
//!   ([`crate::core::xla_math`]), not by the C library, whose `logf` differs from
//!   XLA's in about one case in eight.
//! * `bernoulli(p)`: `uniform < p`.
//!
//! All of these are bit-identical to JAX 0.12 on x86-64 with FMA (checked on the
//! fixtures, and while writing this on millions of draws against JAX itself).

use crate::core::xla_math::erfinv_f32;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// How stochastic components draw their numbers.
///
/// `Jax` (the default, for loaded and new models alike) draws exactly what ngclearn
/// draws, so the same seeds give the same spikes; it costs one draw per cell per step.
/// `Fast` draws spike times by geometric skipping: the same spike statistics, not the
/// same spikes, at a cost that follows the spikes. Parity with ngclearn is this
/// library's first promise, so speed over parity is opt-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RandomMode {
    /// JAX-compatible draws (the default).
    #[default]
    Jax,
    /// Geometric skipping between spikes.
    Fast,
}

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

/// Lanes of [`threefry_lanes`]: wide enough for the compiler to use vector registers.
const LANES: usize = 8;

/// threefry2x32 on `LANES` counters at once (the same function as [`threefry2x32`],
/// written over arrays so that it vectorises).
#[inline(always)]
fn threefry_lanes(
    key: [u32; 2],
    hi: &[u32; LANES],
    lo: &[u32; LANES],
) -> ([u32; LANES], [u32; LANES]) {
    let ks = [key[0], key[1], key[0] ^ key[1] ^ 0x1BD1_1BDA];
    let mut x0 = [0u32; LANES];
    let mut x1 = [0u32; LANES];
    for l in 0..LANES {
        x0[l] = hi[l].wrapping_add(ks[0]);
        x1[l] = lo[l].wrapping_add(ks[1]);
    }
    #[inline(always)]
    fn round(x0: &mut [u32; LANES], x1: &mut [u32; LANES], r: u32) {
        for l in 0..LANES {
            x0[l] = x0[l].wrapping_add(x1[l]);
            x1[l] = x1[l].rotate_left(r) ^ x0[l];
        }
    }
    #[inline(always)]
    fn inject(x0: &mut [u32; LANES], x1: &mut [u32; LANES], a: u32, b: u32) {
        for l in 0..LANES {
            x0[l] = x0[l].wrapping_add(a);
            x1[l] = x1[l].wrapping_add(b);
        }
    }
    // Written out (not a loop) so that every rotation is a constant.
    macro_rules! group {
        ($g:literal, $rot:expr) => {
            round(&mut x0, &mut x1, $rot[0]);
            round(&mut x0, &mut x1, $rot[1]);
            round(&mut x0, &mut x1, $rot[2]);
            round(&mut x0, &mut x1, $rot[3]);
            inject(
                &mut x0,
                &mut x1,
                ks[$g % 3],
                ks[($g + 1) % 3].wrapping_add($g),
            );
        };
    }
    group!(1, ROT[0]);
    group!(2, ROT[1]);
    group!(3, ROT[0]);
    group!(4, ROT[1]);
    group!(5, ROT[0]);
    (x0, x1)
}

/// The 20 rounds and 5 key injections of threefry2x32 over `$n` vectors in flight
/// (`$x0`, `$x1`, the key schedule `$k`), written with a vector type's add, xor, rotate
/// (a macro taking the vector and a literal) and broadcast: the schedule of `ROT`,
/// shared by the AVX2 and AVX-512 forms.
#[cfg(target_arch = "x86_64")]
macro_rules! threefry_vector_rounds {
    ($x0:ident, $x1:ident, $k:ident, $n:expr, $add:path, $xor:path, $rotl:ident, $set1:path) => {
        threefry_vector_rounds!(@group $x0, $x1, $k, $n, $add, $xor, $rotl, $set1, 1, 13, 15, 26, 6);
        threefry_vector_rounds!(@group $x0, $x1, $k, $n, $add, $xor, $rotl, $set1, 2, 17, 29, 16, 24);
        threefry_vector_rounds!(@group $x0, $x1, $k, $n, $add, $xor, $rotl, $set1, 3, 13, 15, 26, 6);
        threefry_vector_rounds!(@group $x0, $x1, $k, $n, $add, $xor, $rotl, $set1, 4, 17, 29, 16, 24);
        threefry_vector_rounds!(@group $x0, $x1, $k, $n, $add, $xor, $rotl, $set1, 5, 13, 15, 26, 6);
    };
    (@group $x0:ident, $x1:ident, $k:ident, $n:expr, $add:path, $xor:path, $rotl:ident, $set1:path,
     $g:literal, $($r:tt),+) => {
        $(
            for v in 0..$n {
                $x0[v] = $add($x0[v], $x1[v]);
                $x1[v] = $xor($rotl!($x1[v], $r), $x0[v]);
            }
        )+
        let a = $k[$g % 3];
        let b = $add($k[($g + 1) % 3], $set1($g));
        for v in 0..$n {
            $x0[v] = $add($x0[v], a);
            $x1[v] = $add($x1[v], b);
        }
    };
}

/// threefry2x32 written with AVX2 intrinsics: four vectors of 8 counters in flight at
/// once, so that the 20 dependent rounds of one vector overlap with the others'
/// (one vector alone is bound by the latency of its round chain). Rotations by 16
/// and 24 are byte shuffles. The same integers as [`threefry2x32`].
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// Vectors in flight.
    const V: usize = 4;
    /// Counters per call.
    pub const LANES: usize = 8 * V;

    macro_rules! rotl {
        ($x:expr, 16) => {
            _mm256_shuffle_epi8(
                $x,
                _mm256_setr_epi8(
                    2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7, 4, 5,
                    10, 11, 8, 9, 14, 15, 12, 13,
                ),
            )
        };
        ($x:expr, 24) => {
            _mm256_shuffle_epi8(
                $x,
                _mm256_setr_epi8(
                    1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12, 1, 2, 3, 0, 5, 6, 7, 4,
                    9, 10, 11, 8, 13, 14, 15, 12,
                ),
            )
        };
        ($x:expr, $r:literal) => {
            _mm256_or_si256(
                _mm256_slli_epi32::<$r>($x),
                _mm256_srli_epi32::<{ 32 - $r }>($x),
            )
        };
    }

    /// `out[j] = x0 ^ x1` of threefry2x32(key, (hi, lo + j)) for `j < LANES`; the caller
    /// guarantees that `lo + LANES - 1` does not wrap.
    ///
    /// # Safety
    /// The processor must support AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn threefry_xor(key: [u32; 2], hi: u32, lo: u32, out: &mut [u32; LANES]) {
        let (x0, x1) = unsafe { threefry(key, hi, lo) };
        for v in 0..V {
            let bits = _mm256_xor_si256(x0[v], x1[v]);
            // SAFETY: `out` holds 8 * V words, and this stores words 8v..8v+8.
            unsafe { _mm256_storeu_si256(out.as_mut_ptr().add(8 * v).cast::<__m256i>(), bits) };
        }
    }

    /// `out[2j], out[2j + 1] = x0, x1` of threefry2x32(key, (hi, lo + j)) for
    /// `j < LANES`; the caller guarantees that `lo + LANES - 1` does not wrap.
    ///
    /// # Safety
    /// The processor must support AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn threefry_words(key: [u32; 2], hi: u32, lo: u32, out: &mut [u32; 2 * LANES]) {
        let (x0, x1) = unsafe { threefry(key, hi, lo) };
        for v in 0..V {
            // Counters 0, 1 | 4, 5 and 2, 3 | 6, 7 of the vector, each word pair side by side.
            let a = _mm256_unpacklo_epi32(x0[v], x1[v]);
            let b = _mm256_unpackhi_epi32(x0[v], x1[v]);
            let first = _mm256_permute2x128_si256::<0x20>(a, b);
            let second = _mm256_permute2x128_si256::<0x31>(a, b);
            // SAFETY: `out` holds 16 * V words, and this stores words 16v..16v+16.
            unsafe {
                _mm256_storeu_si256(out.as_mut_ptr().add(16 * v).cast::<__m256i>(), first);
                _mm256_storeu_si256(out.as_mut_ptr().add(16 * v + 8).cast::<__m256i>(), second);
            }
        }
    }

    /// Both words of threefry2x32(key, (hi, lo + j)), `j < LANES`, as `V` vectors each.
    #[target_feature(enable = "avx2")]
    unsafe fn threefry(key: [u32; 2], hi: u32, lo: u32) -> ([__m256i; V], [__m256i; V]) {
        let ks = [key[0], key[1], key[0] ^ key[1] ^ 0x1BD1_1BDA];
        let k = ks.map(|w| _mm256_set1_epi32(w as i32));
        let lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        let x0_init = _mm256_add_epi32(_mm256_set1_epi32(hi as i32), k[0]);
        let mut x0 = [x0_init; V];
        let mut x1 = [k[1]; V];
        for (v, x1) in x1.iter_mut().enumerate() {
            let base = _mm256_set1_epi32(lo.wrapping_add(8 * v as u32) as i32);
            *x1 = _mm256_add_epi32(_mm256_add_epi32(base, lane), k[1]);
        }
        threefry_vector_rounds!(
            x0,
            x1,
            k,
            V,
            _mm256_add_epi32,
            _mm256_xor_si256,
            rotl,
            _mm256_set1_epi32
        );
        (x0, x1)
    }
}

/// threefry2x32 written with AVX-512 intrinsics: as [`avx2`], with 16 counters a vector
/// and every rotation one instruction. The same integers as [`threefry2x32`].
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    /// Vectors in flight.
    const V: usize = 4;
    /// Counters per call.
    pub const LANES: usize = 16 * V;

    /// `out[j] = x0 ^ x1` of threefry2x32(key, (hi, lo + j)) for `j < LANES`; the caller
    /// guarantees that `lo + LANES - 1` does not wrap.
    ///
    /// # Safety
    /// The processor must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn threefry_xor(key: [u32; 2], hi: u32, lo: u32, out: &mut [u32; LANES]) {
        let (x0, x1) = unsafe { threefry(key, hi, lo) };
        for v in 0..V {
            let bits = _mm512_xor_si512(x0[v], x1[v]);
            // SAFETY: `out` holds 16 * V words, and this stores words 16v..16v+16.
            unsafe { _mm512_storeu_si512(out.as_mut_ptr().add(16 * v).cast::<__m512i>(), bits) };
        }
    }

    /// `out[2j], out[2j + 1] = x0, x1` of threefry2x32(key, (hi, lo + j)) for
    /// `j < LANES`; the caller guarantees that `lo + LANES - 1` does not wrap.
    ///
    /// # Safety
    /// The processor must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn threefry_words(key: [u32; 2], hi: u32, lo: u32, out: &mut [u32; 2 * LANES]) {
        let (x0, x1) = unsafe { threefry(key, hi, lo) };
        // The word pairs of counters 4l..4l+2 (`a`) and 4l+2..4l+4 (`b`) of each 128-bit
        // lane `l`, put in counter order by 64-bit pairs.
        let first = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
        let second = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
        for v in 0..V {
            let a = _mm512_unpacklo_epi32(x0[v], x1[v]);
            let b = _mm512_unpackhi_epi32(x0[v], x1[v]);
            let lo_half = _mm512_permutex2var_epi64(a, first, b);
            let hi_half = _mm512_permutex2var_epi64(a, second, b);
            // SAFETY: `out` holds 32 * V words, and this stores words 32v..32v+32.
            unsafe {
                _mm512_storeu_si512(out.as_mut_ptr().add(32 * v).cast::<__m512i>(), lo_half);
                _mm512_storeu_si512(out.as_mut_ptr().add(32 * v + 16).cast::<__m512i>(), hi_half);
            }
        }
    }

    /// Both words of threefry2x32(key, (hi, lo + j)), `j < LANES`, as `V` vectors each.
    #[target_feature(enable = "avx512f")]
    unsafe fn threefry(key: [u32; 2], hi: u32, lo: u32) -> ([__m512i; V], [__m512i; V]) {
        let ks = [key[0], key[1], key[0] ^ key[1] ^ 0x1BD1_1BDA];
        let k = ks.map(|w| _mm512_set1_epi32(w as i32));
        let lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        let x0_init = _mm512_add_epi32(_mm512_set1_epi32(hi as i32), k[0]);
        let mut x0 = [x0_init; V];
        let mut x1 = [k[1]; V];
        for (v, x1) in x1.iter_mut().enumerate() {
            let base = _mm512_set1_epi32(lo.wrapping_add(16 * v as u32) as i32);
            *x1 = _mm512_add_epi32(_mm512_add_epi32(base, lane), k[1]);
        }
        macro_rules! rotl {
            ($x:expr, $r:literal) => {
                _mm512_rol_epi32::<$r>($x)
            };
        }
        threefry_vector_rounds!(
            x0,
            x1,
            k,
            V,
            _mm512_add_epi32,
            _mm512_xor_si512,
            rotl,
            _mm512_set1_epi32
        );
        (x0, x1)
    }
}

/// The widest vector instructions the draws use on this processor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Simd {
    Portable,
    Avx2,
    Avx512,
}

impl Simd {
    /// The widest this processor has (AVX-512F with AVX2, AVX2, or neither).
    fn best() -> Simd {
        #[cfg(target_arch = "x86_64")]
        {
            // (The AVX-512 level also runs the AVX2 form on what is left of a draw.)
            if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx2") {
                return Simd::Avx512;
            }
            if std::is_x86_feature_detected!("avx2") {
                return Simd::Avx2;
            }
        }
        Simd::Portable
    }

    /// Every level this processor runs, the portable one first.
    #[cfg(test)]
    fn available() -> Vec<Simd> {
        [Simd::Portable, Simd::Avx2, Simd::Avx512]
            .into_iter()
            .filter(|&l| l <= Simd::best())
            .collect()
    }
}

/// Elements per thread's share when a large draw is split over rayon's threads.
const CHUNK: usize = 1 << 16;

impl Key {
    /// Random bits for flat elements `start, start + 1, ...` into `out`
    /// (`out[j] = self.bits(start + j)`), `LANES` at a time, with AVX2 where the
    /// processor has it (the same integers either way).
    pub fn bits_into(self, start: u64, out: &mut [u32]) {
        self.bits_into_at(Simd::best(), start, out);
    }

    /// [`Key::bits_into`] with the instructions of `level` at most.
    fn bits_into_at(self, level: Simd, start: u64, out: &mut [u32]) {
        match level {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the processor supports AVX-512F (`Simd::best`).
            Simd::Avx512 => unsafe { self.bits_into_blocks(start, out, avx512::threefry_xor) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the processor supports AVX2 (`Simd::best`).
            Simd::Avx2 => unsafe { self.bits_into_blocks(start, out, avx2::threefry_xor) },
            _ => self.bits_into_lanes(start, out),
        }
    }

    /// [`Key::bits_into`] over blocks of `L` counters, each drawn by `block` (a vector
    /// form of threefry); a block whose low counter wraps, and the remainder, by the
    /// portable lanes.
    ///
    /// # Safety
    /// The processor must have `block`'s target features.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn bits_into_blocks<const L: usize>(
        self,
        start: u64,
        out: &mut [u32],
        block: unsafe fn([u32; 2], u32, u32, &mut [u32; L]),
    ) {
        let mut chunks = out.chunks_exact_mut(L);
        let mut i = start;
        for chunk in &mut chunks {
            let chunk: &mut [u32; L] = chunk.try_into().expect("exact chunk");
            if (i as u32).checked_add(L as u32 - 1).is_some() {
                // SAFETY: the caller guarantees `block`'s target features.
                unsafe { block(self.0, (i >> 32) as u32, i as u32, chunk) };
            } else {
                // The low word wraps inside this block: the portable path handles the carry.
                self.bits_into_lanes(i, chunk);
            }
            i += L as u64;
        }
        self.bits_into_lanes(i, chunks.into_remainder());
    }

    /// [`Key::words_into`] from the even word `*w` over blocks of `W` words (`W / 2`
    /// counters) drawn by `block`; a block whose low counter wraps by the scalar path.
    /// Returns what is left of `out` (less than `W` words), `*w` its first word.
    ///
    /// # Safety
    /// The processor must have `block`'s target features.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn words_into_blocks<'a, const W: usize>(
        self,
        w: &mut u64,
        out: &'a mut [u32],
        block: unsafe fn([u32; 2], u32, u32, &mut [u32; W]),
    ) -> &'a mut [u32] {
        let mut chunks = out.chunks_exact_mut(W);
        for chunk in &mut chunks {
            let chunk: &mut [u32; W] = chunk.try_into().expect("exact chunk");
            let c = *w / 2;
            if (c as u32).checked_add(W as u32 / 2 - 1).is_some() {
                // SAFETY: the caller guarantees `block`'s target features.
                unsafe { block(self.0, (c >> 32) as u32, c as u32, chunk) };
            } else {
                self.words_into_scalar(*w, chunk);
            }
            *w += W as u64;
        }
        chunks.into_remainder()
    }

    /// Both words of each threefry block, one after the other: `out[j]` is word
    /// `(start + j) % 2` of block `(start + j) / 2` of this key. Half the work of
    /// [`Key::bits_into`] for as many words (not JAX's bits: for streams of the
    /// engine's own, such as the Poisson background), with AVX2 where the processor
    /// has it (the same integers either way).
    pub fn words_into(self, start: u64, out: &mut [u32]) {
        self.words_into_at(Simd::best(), start, out);
    }

    /// [`Key::words_into`] with the instructions of `level` at most.
    fn words_into_at(self, level: Simd, start: u64, out: &mut [u32]) {
        if out.is_empty() {
            return;
        }
        let mut out = out;
        let mut w = start;
        if w % 2 == 1 {
            out[0] = self.block(w / 2)[1];
            out = &mut out[1..];
            w += 1;
        }
        #[cfg(target_arch = "x86_64")]
        if level >= Simd::Avx512 {
            // SAFETY: the processor supports AVX-512F (`Simd::best`).
            out = unsafe { self.words_into_blocks(&mut w, out, avx512::threefry_words) };
        }
        #[cfg(target_arch = "x86_64")]
        if level >= Simd::Avx2 {
            // SAFETY: the processor supports AVX2 (`Simd::best`).
            out = unsafe { self.words_into_blocks(&mut w, out, avx2::threefry_words) };
        }
        self.words_into_scalar(w, out);
    }

    /// [`Key::words_into`] from an even `start`, block by block.
    fn words_into_scalar(self, start: u64, out: &mut [u32]) {
        debug_assert!(start.is_multiple_of(2));
        for (b, pair) in out.chunks_mut(2).enumerate() {
            let words = self.block(start / 2 + b as u64);
            pair.copy_from_slice(&words[..pair.len()]);
        }
    }

    #[inline(always)]
    fn bits_into_lanes(self, start: u64, out: &mut [u32]) {
        let mut chunks = out.chunks_exact_mut(LANES);
        let mut i = start;
        for chunk in &mut chunks {
            let mut hi = [0u32; LANES];
            let mut lo = [0u32; LANES];
            for l in 0..LANES {
                let c = i + l as u64;
                hi[l] = (c >> 32) as u32;
                lo[l] = c as u32;
            }
            let (a, b) = threefry_lanes(self.0, &hi, &lo);
            for l in 0..LANES {
                chunk[l] = a[l] ^ b[l];
            }
            i += LANES as u64;
        }
        for (j, o) in chunks.into_remainder().iter_mut().enumerate() {
            *o = self.bits(i + j as u64);
        }
    }

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

    /// Key `i` of `jax.random.split(key, n)` (the same for every `n > i`).
    pub fn split_nth(self, i: u64) -> Key {
        Key(self.block(i))
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

    /// `out[j] = f(bits(j))`. Large outputs (weight matrices) are filled on all of
    /// rayon's threads; element `j` draws counter `j` whichever chunk it is in, so the
    /// numbers do not depend on the thread count. Compiled for AVX2 and FMA where the
    /// processor has them (an explicit `mul_add` is one rounding on either path).
    fn fill_bits(self, out: &mut [f32], f: impl Fn(u32) -> f32 + Sync) {
        let serial = |start: usize, out: &mut [f32]| {
            crate::core::simd::with_simd(
                #[inline(always)]
                || {
                    let mut buf = [0u32; 256];
                    for (c, o) in out.chunks_mut(256).enumerate() {
                        let b = &mut buf[..o.len()];
                        self.bits_into((start + c * 256) as u64, b);
                        o.iter_mut().zip(b.iter()).for_each(|(o, &b)| *o = f(b));
                    }
                },
            )
        };
        if out.len() >= 4 * CHUNK && rayon::current_num_threads() > 1 {
            use rayon::prelude::*;
            out.par_chunks_mut(CHUNK)
                .enumerate()
                .for_each(|(c, o)| serial(c * CHUNK, o));
        } else {
            serial(0, out);
        }
    }

    /// Columns `cols` of the row-major matrix `width` wide that [`Key::fill_bits`]
    /// would fill: `out` holds the block's rows (`cols.len()` values each), and row
    /// `i`'s value `k` draws counter `i * width + cols.start + k`, so a block is the
    /// same numbers as those columns of the whole.
    fn fill_bits_columns(
        self,
        out: &mut [f32],
        width: usize,
        cols: Range<usize>,
        f: impl Fn(u32) -> f32 + Sync,
    ) {
        let len = cols.len();
        if len == width || len == 0 {
            return self.fill_bits(out, f);
        }
        let row = |i: usize, out: &mut [f32]| {
            crate::core::simd::with_simd(
                #[inline(always)]
                || {
                    let mut buf = [0u32; 256];
                    let start = (i * width + cols.start) as u64;
                    for (c, o) in out.chunks_mut(256).enumerate() {
                        let b = &mut buf[..o.len()];
                        self.bits_into(start + (c * 256) as u64, b);
                        o.iter_mut().zip(b.iter()).for_each(|(o, &b)| *o = f(b));
                    }
                },
            )
        };
        if out.len() >= 4 * CHUNK && rayon::current_num_threads() > 1 {
            use rayon::prelude::*;
            out.par_chunks_mut(len)
                .enumerate()
                .for_each(|(i, o)| row(i, o));
        } else {
            out.chunks_mut(len).enumerate().for_each(|(i, o)| row(i, o));
        }
    }

    /// Columns `cols` of `jax.random.uniform(key, (rows, width), minval, maxval)`
    /// into `out` (the block's rows, row-major).
    pub fn uniform_range_columns_into(
        self,
        out: &mut [f32],
        width: usize,
        cols: Range<usize>,
        minval: f32,
        maxval: f32,
    ) {
        let span = maxval - minval;
        self.fill_bits_columns(out, width, cols, |b| {
            bits_to_unit(b).mul_add(span, minval).max(minval)
        });
    }

    /// Columns `cols` of `jax.random.normal(key, (rows, width))` into `out`.
    pub fn normal_columns_into(self, out: &mut [f32], width: usize, cols: Range<usize>) {
        let lo = next_toward_zero(-1.0f32);
        let span = 1.0 - lo;
        self.fill_bits_columns(out, width, cols, |b| {
            let u = bits_to_unit(b).mul_add(span, lo).max(lo);
            std::f32::consts::SQRT_2 * erfinv_f32(u)
        });
    }

    /// Columns `cols` of `jax.random.bernoulli(key, p, (rows, width))` into `out`.
    pub fn bernoulli_columns_into(self, out: &mut [f32], width: usize, cols: Range<usize>, p: f32) {
        self.fill_bits_columns(out, width, cols, |b| {
            if bits_to_unit(b) < p {
                1.0
            } else {
                0.0
            }
        });
    }

    /// `jax.random.uniform(key, shape, minval=0, maxval=1)` into `out` (row-major).
    pub fn uniform_into(self, out: &mut [f32]) {
        self.fill_bits(out, bits_to_unit);
    }

    /// `jax.random.uniform(key, shape, minval, maxval)` into `out` (row-major).
    pub fn uniform_range_into(self, out: &mut [f32], minval: f32, maxval: f32) {
        let span = maxval - minval;
        // XLA fuses the multiply-add into one rounding (an FMA).
        self.fill_bits(out, |b| bits_to_unit(b).mul_add(span, minval).max(minval));
    }

    /// `jax.random.normal(key, shape)` into `out` (row-major): `sqrt(2) * erfinv(u)`
    /// with `u` uniform on `[nextafter(-1, 0), 1)`.
    pub fn normal_into(self, out: &mut [f32]) {
        let lo = next_toward_zero(-1.0f32);
        let span = 1.0 - lo;
        self.fill_bits(out, |b| {
            let u = bits_to_unit(b).mul_add(span, lo).max(lo);
            std::f32::consts::SQRT_2 * erfinv_f32(u)
        });
    }

    /// `jax.random.bernoulli(key, p, shape)` into `out` as 0/1 (row-major).
    pub fn bernoulli_into(self, out: &mut [f32], p: f32) {
        self.fill_bits(out, |b| if bits_to_unit(b) < p { 1.0 } else { 0.0 });
    }

    /// `jax.random.poisson(key, lam, shape)` with one rate for every entry, into `out`
    /// (the counts as float32): JAX's sampler, Knuth's product of uniforms below a rate
    /// of 10 and Hörmann's transformed rejection at and above it, each round drawing
    /// for every entry and the loop running until every entry is accepted (a later
    /// acceptance replaces an earlier one, as in JAX). The float32 arithmetic is XLA's
    /// (its log, log1p and lgamma, its fused multiply-adds), so the counts are JAX's.
    pub fn poisson_into(self, lam: f32, out: &mut [f32]) {
        let n = out.len();
        if n == 0 {
            return;
        }
        if lam == 0.0 {
            out.fill(0.0);
            return;
        }
        let mut u = vec![0.0f32; n];
        if lam.is_nan() || lam < 10.0 {
            // Knuth: count the uniforms whose running log-product stays above -lam.
            let mut log_prod = vec![0.0f32; n];
            out.fill(0.0);
            let mut rng = self;
            while log_prod.iter().any(|&l| l > -lam) {
                let [next, sub] = rng.split::<2>();
                rng = next;
                sub.uniform_into(&mut u);
                for ((k, l), &x) in out.iter_mut().zip(&mut log_prod).zip(&u) {
                    if *l > -lam {
                        *k += 1.0;
                    }
                    *l += crate::core::xla_math::ln_xla(x);
                }
            }
            out.iter_mut().for_each(|k| *k -= 1.0);
            return;
        }
        use crate::core::xla_math::{lgamma_xla, ln_xla};
        let log_lam = ln_xla(lam);
        let b = 2.53f32.mul_add(lam.sqrt(), 0.931);
        let a = 0.02483f32.mul_add(b, -0.059);
        let inv_alpha = 1.1239f32 + 1.1328f32 / (b - 3.4);
        let v_r = 0.9277f32 - 3.6224f32 / (b - 2.0);
        let mut v = vec![0.0f32; n];
        let mut accepted = vec![false; n];
        out.fill(-1.0);
        let mut key = self;
        while accepted.iter().any(|&x| !x) {
            let [next, s0, s1] = key.split::<3>();
            key = next;
            s0.uniform_into(&mut u);
            s1.uniform_into(&mut v);
            for ((k_out, acc), (&u, &v)) in out.iter_mut().zip(&mut accepted).zip(u.iter().zip(&v))
            {
                let u = u - 0.5;
                let us = 0.5 - u.abs();
                let k = (((2.0 * a) / us + b).mul_add(u, lam) + 0.43).floor();
                let accept1 = us >= 0.07 && v <= v_r;
                let reject = k < 0.0 || (us < 0.013 && v > us);
                // lgamma(k + 1) matters only where k >= 0 (else `reject`).
                let accept2 = !reject && {
                    let s = ln_xla(v * inv_alpha / (a / (us * us) + b));
                    let t = k.mul_add(log_lam, -lam) - lgamma_xla(k + 1.0).unwrap_or(f32::NAN);
                    s <= t
                };
                if accept1 || accept2 {
                    // JAX's counts are int32, saturated.
                    *k_out = k.min(i32::MAX as f32);
                    *acc = true;
                }
            }
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

    /// `jax.random.randint(key, (out.len(),), minval, maxval)` (int32): with
    /// `k1, k2 = split(key)`, two 32-bit draws `hi`, `lo` per element, and
    /// `minval + ((hi % span) * m + lo % span) % span`, where `span = maxval - minval`
    /// (1 when `maxval <= minval`) and `m = 2^32 % span`, in wrapping u32 arithmetic
    /// as JAX computes it.
    pub fn randint_into(self, out: &mut [i32], minval: i32, maxval: i32) {
        self.randint_at(0, out, minval, maxval);
    }

    /// Elements `start, start + 1, ...` of [`Key::randint_into`]'s draw into `out`.
    pub fn randint_at(self, start: u64, out: &mut [i32], minval: i32, maxval: i32) {
        let [k1, k2] = self.split::<2>();
        let span = if maxval <= minval {
            1
        } else {
            maxval.wrapping_sub(minval) as u32
        };
        let m = (1u32 << 16) % span;
        let m = m.wrapping_mul(m) % span;
        for (j, o) in out.iter_mut().enumerate() {
            let j = start + j as u64;
            let (hi, lo) = (k1.bits(j), k2.bits(j));
            let offset = (hi % span).wrapping_mul(m).wrapping_add(lo % span) % span;
            *o = minval.wrapping_add(offset as i32);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::xla_math::*;

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

    /// Values from `jnp.log`, `jnp.log1p` and `lax.erf_inv` (JAX 0.12, CPU) where the
    /// C library's results differ by an ulp.
    #[test]
    fn xla_math_regressions() {
        assert_eq!(log1p_xla(-0.483_991_83), -0.661_632_7);
        assert_ne!((-0.483_991_83f32).ln_1p(), -0.661_632_7);
        assert_eq!(erfinv_f32(0.695_695_2), 0.726_372_4);
        assert_eq!(ln_xla(1.0), 0.0);
        assert_eq!(ln_xla(0.0), f32::NEG_INFINITY);
        assert!(ln_xla(-1.0).is_nan());
        assert_eq!(erfinv_f32(1.0), f32::INFINITY);
        assert_eq!(erfinv_f32(-1.0), f32::NEG_INFINITY);
    }

    #[test]
    fn lane_bits_equal_scalar_bits() {
        let k = Key::from_seed(77);
        // Blocks of either path, remainders, and the low word wrapping inside a block.
        let starts = [
            0u64,
            5,
            31,
            (1 << 32) - 3,
            (1 << 32) - 31,
            (1 << 32) - 32,
            (1 << 32) - 40,
            (1 << 32) - 64,
            (1 << 32) - 100,
        ];
        for level in Simd::available() {
            for start in starts {
                for len in [1usize, 7, 8, 31, 32, 33, 63, 64, 65, 100, 129, 257] {
                    let mut out = vec![0u32; len];
                    k.bits_into_at(level, start, &mut out);
                    for (j, &a) in out.iter().enumerate() {
                        let want = k.bits(start + j as u64);
                        assert_eq!(a, want, "{level:?}: start {start} len {len} j {j}");
                    }
                }
            }
        }
    }

    /// Both words of each block, from any start (odd ones, and a run of blocks whose
    /// low counter wraps inside one AVX2 call's 32, which the scalar path then takes),
    /// as the scalar threefry gives them.
    #[test]
    fn words_into_gives_both_words_of_each_block_in_order() {
        let k = Key::from_seed(17);
        for start in [
            0u64,
            1,
            6,
            63,
            64,
            65,
            (1 << 33) - 9,
            (1 << 33) - 64,
            (1 << 33) - 70,
            (1 << 33) - 128,
            (1 << 33) - 140,
        ] {
            for len in [0usize, 1, 2, 3, 63, 64, 65, 127, 128, 129, 300] {
                for level in Simd::available() {
                    let mut out = vec![0u32; len];
                    k.words_into_at(level, start, &mut out);
                    for (j, &x) in out.iter().enumerate() {
                        let w = start + j as u64;
                        assert_eq!(
                            x,
                            k.block(w / 2)[(w % 2) as usize],
                            "{level:?}: start {start} len {len} j {j}"
                        );
                    }
                }
            }
        }
    }

    /// Weight-matrix-sized fills run on several threads: the same numbers as one thread,
    /// and as drawing element by element.
    #[test]
    fn large_fills_do_not_depend_on_threads() {
        let n = (1 << 18) + 1234;
        let fills = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let k = Key::from_seed(31);
                let mut v = [vec![0.0f32; n], vec![0.0f32; n], vec![0.0f32; n]];
                k.uniform_range_into(&mut v[0], -0.3, 0.8);
                k.normal_into(&mut v[1]);
                k.bernoulli_into(&mut v[2], 0.4);
                v
            })
        };
        let one = fills(1);
        assert_eq!(one, fills(3));
        let k = Key::from_seed(31);
        for j in [0, 1, 65_535, 65_536, n - 1] {
            let u = bits_to_unit(k.bits(j as u64));
            let span = 0.8f32 - (-0.3f32);
            assert_eq!(one[0][j], u.mul_add(span, -0.3).max(-0.3), "uniform {j}");
            assert_eq!(one[2][j], if u < 0.4 { 1.0 } else { 0.0 }, "bernoulli {j}");
        }
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut p = Key::from_seed(3).permutation(50);
        p.sort_unstable();
        assert_eq!(p, (0..50).collect::<Vec<_>>());
    }
}
