//! Running a kernel compiled for the processor's vector instructions.
//!
//! The crate is built for the x86-64 baseline (SSE2) so that it runs everywhere; the
//! hot per-cell loops are also compiled for AVX2 (8 floats per instruction instead of
//! 4) and AVX-512 (16) and picked at run time. IEEE arithmetic is the same at any width, and no
//! multiply-add is fused that the code does not ask for, so the numbers do not depend
//! on which build runs.

/// Runs `f`, compiled for the widest vector unit the processor has: AVX-512 (16 floats
/// per instruction), else AVX2 with FMA (8), else the baseline. (With FMA enabled, only
/// an explicit `mul_add` becomes a fused instruction, which rounds once exactly as the
/// library call it replaces; `a * b + c` is never contracted.)
#[inline(always)]
pub(crate) fn with_simd<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512vl")
            && std::is_x86_feature_detected!("fma")
        {
            #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
            fn run<R>(f: impl FnOnce() -> R) -> R {
                f()
            }
            // SAFETY: the processor supports AVX-512 (F, VL), AVX2 and FMA, checked
            // just above.
            return unsafe { run(f) };
        }
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            #[target_feature(enable = "avx2,fma")]
            fn run<R>(f: impl FnOnce() -> R) -> R {
                f()
            }
            // SAFETY: the processor supports AVX2 and FMA, checked just above.
            return unsafe { run(f) };
        }
    }
    f()
}
