//! PhasorCell against ngclearn 3.1.1, driven by given inputs (`phasor_cells.json`, 6
//! cases by scripts/make_phasor_fixtures.py): rates on both sides of JAX's switch of
//! Poisson sampler (its rate scales are a Poisson draw at construction), ngc-learn's
//! own test's pass-through (`disable_phasor`), graded inputs, a batch of two, a reset
//! mid-run, 300 cells and a rate float32 cannot hold (63.7 Hz); outputs, angles, times of
//! last spike and the key, bit for bit.

mod common;

use common::{fixture, given_case_model, run_given_case};

#[test]
fn phasor_cells_turn_and_fire_as_ngclearns() {
    let fx = fixture("phasor_cells");
    let mut n = 0;
    for (name, case) in fx["cases"].as_object().unwrap() {
        let mut m = given_case_model("c", case, &["advance_state"]);
        run_given_case("phasor_cells", name, "c", &mut m, case);
        n += 1;
    }
    assert_eq!(n, 6);
}
