//! XLA's elementwise math as `jnp` computes it, bit for bit: `tanh` (its rational
//! polynomial with fused multiply-adds) on 4,009 values across its ranges, including
//! the small-|x| shortcut and the clamp.

mod common;

use common::fixture;
use ngclearn::core::rng::tanh_xla;

#[test]
fn tanh_is_jaxs_bit_for_bit() {
    let fx = fixture("xla_tanh");
    let bits = |k: &str| -> Vec<u32> {
        fx[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect()
    };
    let (xs, want) = (bits("x_bits"), bits("tanh_bits"));
    assert_eq!(xs.len(), want.len());
    let mut wrong = 0;
    for (&x, &w) in xs.iter().zip(&want) {
        let got = tanh_xla(f32::from_bits(x)).to_bits();
        if got != w {
            wrong += 1;
            eprintln!(
                "tanh({}) = {} here, {} in JAX",
                f32::from_bits(x),
                f32::from_bits(got),
                f32::from_bits(w)
            );
        }
    }
    assert_eq!(wrong, 0, "{wrong} of {} values differ", xs.len());
}
