//! Fuzzes the pickle writer: any value of arrays in lists and tuples within the
//! reader's limits (nesting depth, containers) is written as Python's pickle writes it
//! and must read back the same, bit for bit.
//!
//! Run (from `fuzz/`): `RUSTC_BOOTSTRAP=1 cargo fuzz run -O pickle_write -- -max_total_time=600
//! -rss_limit_mb=4096 -malloc_limit_mb=512` (the process's RSS grows across runs under
//! AddressSanitizer, past libFuzzer's default 2 GB in about ten minutes, while the heap
//! in use stays small; the per-allocation limit still catches one large allocation).
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use ngclearn::io::pickle::{
    parse, to_bytes, Pickled, ARRAY_CONTAINERS, MAX_CONTAINERS, MAX_DEPTH,
};

/// A value drawn from `u` at nesting `depth`, taking containers from `budget`
/// (`None` once it is spent).
fn value(u: &mut Unstructured, depth: usize, budget: &mut usize) -> Result<Option<Pickled>> {
    let kind = if depth < MAX_DEPTH { u.int_in_range(0..=2)? } else { 0 };
    if kind == 0 {
        if *budget < ARRAY_CONTAINERS {
            return Ok(None);
        }
        *budget -= ARRAY_CONTAINERS;
        let dims = u.int_in_range(0..=3)?;
        let shape: Vec<usize> = (0..dims)
            .map(|_| u.int_in_range(0..=6))
            .collect::<Result<_>>()?;
        let n = shape.iter().product::<usize>();
        let data = (0..n)
            .map(|_| u.arbitrary::<u32>().map(f32::from_bits))
            .collect::<Result<_>>()?;
        return Ok(Some(Pickled::Array {
            shape,
            data,
            weak_type: u.arbitrary()?,
        }));
    }
    if *budget == 0 {
        return Ok(None);
    }
    *budget -= 1;
    let n = u.int_in_range(0..=4)?;
    let mut items = Vec::with_capacity(n);
    for _ in 0..n {
        match value(u, depth + 1, budget)? {
            Some(v) => items.push(v),
            None => break,
        }
    }
    Ok(Some(if kind == 1 {
        Pickled::List(items)
    } else {
        Pickled::Tuple(items)
    }))
}

/// Equal, with float32 values compared by their bits (NaN payloads included).
fn same(a: &Pickled, b: &Pickled) -> bool {
    match (a, b) {
        (
            Pickled::Array { shape, data, weak_type },
            Pickled::Array { shape: s2, data: d2, weak_type: w2 },
        ) => {
            shape == s2
                && weak_type == w2
                && data.len() == d2.len()
                && data.iter().zip(d2).all(|(x, y)| x.to_bits() == y.to_bits())
        }
        (Pickled::List(x), Pickled::List(y)) | (Pickled::Tuple(x), Pickled::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let mut budget = MAX_CONTAINERS;
    let Ok(Some(v)) = value(&mut u, 0, &mut budget) else {
        return;
    };
    let back = parse(&to_bytes(&v), "fuzz.pkl").expect("what is written reads back");
    assert!(same(&back, &v), "{v:?} read back as {back:?}");
});
