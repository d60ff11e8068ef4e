//! Fuzzes the restricted pickle reader (a `HebbianSynapse`'s optimiser state): any
//! bytes either fail with an error or give a value, never a panic, a crash or memory
//! past the reader's budget; a value read is written and must read back the same.
//!
//! Run (from `fuzz/`): `RUSTC_BOOTSTRAP=1 cargo fuzz run -O pickle_read -- -max_total_time=600`
//! (ten minutes: about 7.5 million runs on this project's 2-core machine).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ngclearn::io::pickle::{parse, to_bytes};

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = parse(data, "fuzz.pkl") {
        // Written again, it reads back with the same bits (a NaN is not equal to
        // itself, so the bytes are compared: the same value writes the same bytes).
        let bytes = to_bytes(&v);
        let again = parse(&bytes, "again.pkl").expect("what is written reads back");
        assert_eq!(to_bytes(&again), bytes);
    }
});
