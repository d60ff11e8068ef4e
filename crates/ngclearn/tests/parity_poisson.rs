//! JAX's Poisson sampler and XLA's lgamma against JAX itself (`poisson_draws.json`, made
//! by scripts/make_phasor_fixtures.py): `jax.random.poisson` on both sides of its switch
//! from Knuth's sampler to transformed rejection (rates 0 to 10^5, 1 to 1,000 draws)
//! gives the same counts, and `lgamma` the same float32 bits on every integer up to
//! 20,000 and on other values at or above 0.5.

mod common;

use common::fixture;
use ngclearn::core::xla_math::lgamma_xla;
use ngclearn::prelude::*;

#[test]
fn poisson_draws_are_jaxs() {
    let fx = fixture("poisson_draws");
    let draws = fx["draws"].as_array().unwrap();
    assert!(draws.len() >= 40);
    for d in draws {
        let lam = d["lam"].as_f64().unwrap() as f32;
        let seed = d["seed"].as_u64().unwrap();
        let n = d["n"].as_u64().unwrap() as usize;
        let want: Vec<f32> = d["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_i64().unwrap() as f32)
            .collect();
        let mut got = vec![0.0f32; n];
        Key::from_seed(seed).poisson_into(lam, &mut got);
        assert_eq!(got, want, "lam {lam}, seed {seed}, n {n}");
    }
}

#[test]
fn lgamma_is_xlas_bit_for_bit() {
    let fx = fixture("poisson_draws");
    let bits = |k: &str| -> Vec<u32> {
        fx["lgamma"][k]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_u64().unwrap() as u32)
            .collect()
    };
    let (xs, ys) = (bits("x_bits"), bits("y_bits"));
    assert_eq!(xs.len(), ys.len());
    let mut off = Vec::new();
    for (&x, &y) in xs.iter().zip(&ys) {
        let x = f32::from_bits(x);
        let got = lgamma_xla(x).unwrap();
        if got.to_bits() != y {
            off.push((x, got, f32::from_bits(y)));
        }
    }
    assert!(
        off.is_empty(),
        "{} of {} differ, first {:?}",
        off.len(),
        xs.len(),
        &off[..off.len().min(5)]
    );
}

#[test]
fn poisson_counts_saturate_at_the_int32_maximum_as_jaxs() {
    // jax.random.poisson(PRNGKey(0), 3e9, (3,)) is [2147483647] * 3 (int32, saturated).
    let mut got = vec![0.0f32; 3];
    Key::from_seed(0).poisson_into(3e9, &mut got);
    assert_eq!(got, vec![i32::MAX as f32; 3]);
}
