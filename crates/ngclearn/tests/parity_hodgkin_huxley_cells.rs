//! HodgkinHuxleyCell against ngclearn 3.1.1, driven by given currents
//! (`hodgkin_huxley_cells.json`, 7 cases by scripts/make_cell_fixtures.py): Euler,
//! midpoint and RK-4 (and heun, which ngclearn's cell steps by Euler), other
//! conductances and reversal potentials, a membrane resistance other than 1,
//! spike_reset, a reset mid-run, the gates' rest after `reset`, RK-4 with tau_v other
//! than 1 (with a reset mid-run, and with spike_reset). Every value bit for bit.

mod common;

use common::{fixture, given_case_model, run_given_case};

#[test]
fn hodgkin_huxley_cells_spike_as_ngclearns() {
    let fx = fixture("hodgkin_huxley_cells");
    let mut n = 0;
    for (name, case) in fx["cases"].as_object().unwrap() {
        let mut m = given_case_model("c", case, &["advance_state"]);
        run_given_case("hodgkin_huxley_cells", name, "c", &mut m, case);
        n += 1;
    }
    assert_eq!(n, 7);
}
