//! Running a kernel compiled for the processor's vector instructions.
//!
//! The crate is built for the x86-64 baseline (SSE2) so that it runs everywhere; the
//! hot per-cell loops are also compiled for AVX2 (8 floats per instruction instead of
//! 4) and picked at run time. IEEE arithmetic is the same at any width, and no
//! multiply-add is fused, so the numbers do not depend on which build runs.

/// Runs `f`, compiled with AVX2 enabled when the processor has it.
#[inline(always)]
pub(crate) fn with_avx2<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        #[target_feature(enable = "avx2")]
        fn run<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        // SAFETY: the processor supports AVX2, checked just above.
        return unsafe { run(f) };
    }
    f()
}
