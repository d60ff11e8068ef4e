//! XLA's elementwise math as `jnp` computes it, bit for bit: `tanh` (its rational
//! polynomial with fused multiply-adds) on 4,009 values across its ranges, including
//! the small-|x| shortcut and the clamp; `exp` (Cephes' polynomial after a Cody-Waite
//! reduction, subnormal results flushed to 0) on 6,122 values, over- and underflow
//! included.

mod common;

use common::fixture;
use ngclearn::core::xla_math::{exp_xla, tanh_xla};

/// Checks `f` against the bit patterns `{name}_bits` of fixture `xla_{name}`.
fn bit_for_bit(name: &str, f: impl Fn(f32) -> f32) {
    let fx = fixture(&format!("xla_{name}"));
    let bits = |k: &str| -> Vec<u32> {
        fx[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect()
    };
    let (xs, want) = (bits("x_bits"), bits(&format!("{name}_bits")));
    assert_eq!(xs.len(), want.len());
    let mut wrong = 0;
    for (&x, &w) in xs.iter().zip(&want) {
        let got = f(f32::from_bits(x)).to_bits();
        if got != w {
            wrong += 1;
            eprintln!(
                "{name}({}) = {} here, {} in JAX",
                f32::from_bits(x),
                f32::from_bits(got),
                f32::from_bits(w)
            );
        }
    }
    assert_eq!(wrong, 0, "{wrong} of {} values differ", xs.len());
}

#[test]
fn tanh_is_jaxs_bit_for_bit() {
    bit_for_bit("tanh", tanh_xla);
}

#[test]
fn exp_is_jaxs_bit_for_bit() {
    bit_for_bit("exp", exp_xla);
}
