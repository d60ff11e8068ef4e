//! SLIF, IF, QuadLIF, AdEx, Izhikevich, FitzHugh-Nagumo and WTAS spiking cells,
//! LatencyCell, ExpKernel and LeakyNoiseCell against ngclearn 3.1.1, driven by given
//! inputs for 40 to 200 steps (`spiking_cells.json`, 39 cases): their options, their
//! integrators, resets, batches, the deprecated argument names and the quirks of
//! ngclearn's code. Spikes must be identical, keys (where the class draws) too.

mod common;

use common::{fixture, given_case_model, run_given_case};

/// The methods the fixture's process calls, each step.
fn methods_of(class: &str) -> &'static [&'static str] {
    match class {
        "LatencyCell" => &["calc_spike_times", "advance_state"],
        _ => &["advance_state"],
    }
}

/// Runs every case of `class`; returns how many there were.
fn cases_of(class: &str) -> usize {
    let fx = fixture("spiking_cells");
    let mut n = 0;
    for (name, case) in fx["cases"].as_object().unwrap() {
        if case["component"] != class {
            continue;
        }
        let mut m = given_case_model("c", case, methods_of(class));
        run_given_case("spiking_cells", name, "c", &mut m, case);
        n += 1;
    }
    assert!(n > 0, "no case of {class}");
    n
}

#[test]
fn if_cells_integrate_and_fire_as_ngclearns() {
    assert_eq!(cases_of("IFCell"), 3);
}

#[test]
fn quad_lif_cells_fire_as_ngclearns() {
    assert_eq!(cases_of("QuadLIFCell"), 5);
}

#[test]
fn slif_cells_inhibit_adapt_and_stick_as_ngclearns() {
    assert_eq!(cases_of("SLIFCell"), 4);
}

#[test]
fn adex_cells_adapt_as_ngclearns() {
    assert_eq!(cases_of("AdExCell"), 3);
}

#[test]
fn izhikevich_cells_of_every_documented_type_spike_as_ngclearns() {
    assert_eq!(cases_of("IzhikevichCell"), 6);
}

#[test]
fn fitzhugh_nagumo_cells_oscillate_as_ngclearns() {
    assert_eq!(cases_of("FitzhughNagumoCell"), 3);
}

#[test]
fn wtas_cells_take_all_as_ngclearns() {
    assert_eq!(cases_of("WTASCell"), 3);
}

#[test]
fn latency_cells_encode_as_ngclearns() {
    assert_eq!(cases_of("LatencyCell"), 5);
}

#[test]
fn exp_kernels_sum_spike_times_as_ngclearns() {
    assert_eq!(cases_of("ExpKernel"), 3);
}

#[test]
fn leaky_noise_cells_integrate_their_noise_as_ngclearns() {
    assert_eq!(cases_of("LeakyNoiseCell"), 4);
}
