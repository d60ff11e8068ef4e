//! RAFCell (resonate-and-fire) against ngclearn 3.1.1, driven by given currents
//! (`raf_cells.json`, 7 cases by scripts/make_cell_fixtures.py): both integrators, the
//! products XLA drops or fuses as the parameters make them, resets, a batch, a reset
//! mid-run and the deprecated argument names. Every value bit for bit.

mod common;

use common::{fixture, given_case_model, run_given_case};

#[test]
fn raf_cells_resonate_and_fire_as_ngclearns() {
    let fx = fixture("raf_cells");
    let mut n = 0;
    for (name, case) in fx["cases"].as_object().unwrap() {
        let mut m = given_case_model("c", case, &["advance_state"]);
        run_given_case("raf_cells", name, "c", &mut m, case);
        n += 1;
    }
    assert_eq!(n, 7);
}
