//! Reward-modulated and event learning rules against ngclearn 3.1.1, driven by given
//! signals for 100 to 300 steps: RewardErrorCell (online predictor on and off, one
//! unit and several, batches), and the synapses of `learning_rules.json`.

mod common;

use common::{fixture, given_case_model, run_given_case};

fn cases_of(class: &str) {
    let fx = fixture("learning_rules");
    let mut n = 0;
    for (name, case) in fx["cases"].as_object().unwrap() {
        if case["component"] != class {
            continue;
        }
        let methods: Vec<&str> = case["methods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        let mut m = given_case_model("W", case, &methods);
        run_given_case("learning_rules", name, "W", &mut m, case);
        n += 1;
    }
    assert!(n > 0, "no case of {class}");
}

#[test]
fn reward_error_cells_predict_as_ngclearns() {
    cases_of("RewardErrorCell");
}

#[test]
fn bcm_synapses_learn_as_ngclearns() {
    cases_of("BCMSynapse");
}

#[test]
fn event_stdp_synapses_learn_as_ngclearns() {
    cases_of("EventSTDPSynapse");
}

#[test]
fn reward_modulated_stdp_synapses_learn_as_ngclearns() {
    cases_of("MSTDPETSynapse");
}
