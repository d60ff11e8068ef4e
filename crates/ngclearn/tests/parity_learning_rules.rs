//! Reward-modulated, event and short-term rules against ngclearn 3.1.1, driven by given
//! signals for 100 to 300 steps: RewardErrorCell (online predictor on and off, one unit
//! and several, batches), MSTDPETSynapse (with and without an eligibility trace, decay,
//! a power, the batch ngclearn runs), EventSTDPSynapse (windows, amplitudes, the fixed
//! floor), BCMSynapse (bound, decay, a batch) and STPDenseSynapse (where ngclearn runs
//! it, and its documented equations where it does not); and the arguments ngclearn
//! cannot run, refused by name.

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

#[test]
fn short_term_plasticity_synapses_run_as_ngclearns_where_it_runs() {
    cases_of("STPDenseSynapse");
}

/// A model of one component of `class` from keyword arguments, or the build error.
fn build(class: &str, kw: serde_json::Value) -> Result<ngclearn::core::context::Model, String> {
    use ngclearn::core::class::Registry;
    use ngclearn::core::kwargs::Kwargs;
    use ngclearn::prelude::*;
    let cls = Registry::builtin().get(class).unwrap();
    let map = kw.as_object().unwrap().clone();
    let mut k =
        Kwargs::new("test", "W", cls.schema.signature, &[], &map).map_err(|e| e.to_string())?;
    let c = cls.build(&mut k).map_err(|e| e.to_string())?;
    let mut ctx = Context::new("c");
    ctx.add_boxed(c).unwrap();
    ctx.process("adv", &[("W", Method::AdvanceState)]).unwrap();
    Ok(ctx.build().unwrap())
}

#[test]
fn a_non_square_short_term_synapse_is_gated_by_its_own_pre_synaptic_unit() {
    // ngclearn 3.1.1 cannot run 2 x 3; its documented equations: with tau_f = tau_d = 0,
    // u = U, x = 1, Wdyn[i, j] = W[i, j] U[i, j] while pre unit i spikes, else kept.
    let mut m = build(
        "STPDenseSynapse",
        serde_json::json!({"name": "W", "shape": [2, 3], "tau_f": 0.0, "tau_d": 0.0, "key": 3}),
    )
    .unwrap();
    let w = ndarray::array![[0.5f32, 1.0, 2.0], [4.0, 8.0, 16.0]];
    m.set("W:weights", &w).unwrap();
    let u = m.get("W:resources").unwrap();
    m.set("W:inputs", &ndarray::array![[1.0f32, 0.0]]).unwrap();
    m.run_named("adv", 0.0, 1.0).unwrap();
    let wdyn = m.get("W:Wdyn").unwrap();
    for j in 0..3 {
        assert_eq!(wdyn[[0, j]], w[[0, j]] * u[[0, j]]);
        assert_eq!(wdyn[[1, j]], 0.0);
    }
    assert_eq!(
        m.get("W:outputs").unwrap().row(0).to_vec(),
        wdyn.row(0).to_vec()
    );
    m.set("W:inputs", &ndarray::array![[0.0f32, 1.0]]).unwrap();
    m.run_named("adv", 1.0, 1.0).unwrap();
    let wdyn2 = m.get("W:Wdyn").unwrap();
    assert_eq!(wdyn2.row(0), wdyn.row(0), "held while pre unit 0 is silent");
    for j in 0..3 {
        assert_eq!(wdyn2[[1, j]], w[[1, j]] * u[[1, j]]);
    }
}

#[test]
fn what_ngclearn_cannot_run_is_refused_by_name() {
    for (class, kw, field) in [
        (
            "STPDenseSynapse",
            serde_json::json!({"shape": [2, 3], "batch_size": 2}),
            "batch_size",
        ),
        (
            "STPDenseSynapse",
            serde_json::json!({"shape": [2, 2], "tau_f": -1.0}),
            "tau_f",
        ),
        (
            "MSTDPETSynapse",
            serde_json::json!({"shape": [3, 4], "A_plus": 0.1, "A_minus": 0.1, "batch_size": 2}),
            "batch_size",
        ),
        (
            "MSTDPETSynapse",
            serde_json::json!({"shape": [3, 4], "A_plus": 0.1, "A_minus": 0.1, "tau_w": -2.0}),
            "tau_w",
        ),
        (
            "EventSTDPSynapse",
            serde_json::json!({"shape": [3, 4], "eta": 0.1, "batch_size": 2}),
            "batch_size",
        ),
        (
            "EventSTDPSynapse",
            serde_json::json!({"shape": [3, 4], "eta": 0.1, "presyn_win_len": -1.0}),
            "presyn_win_len",
        ),
        (
            "BCMSynapse",
            serde_json::json!({"shape": [3, 4], "tau_w": 0.0, "tau_theta": 1.0}),
            "tau_w",
        ),
        (
            "RewardErrorCell",
            serde_json::json!({"n_units": 3, "alpha": 0.1, "ema_window_len": 0.0}),
            "ema_window_len",
        ),
        (
            "HebbianSynapse",
            serde_json::json!({"shape": [3, 4], "optim_type": "rmsprop"}),
            "optim_type",
        ),
        (
            "HebbianSynapse",
            serde_json::json!({"shape": [3, 4], "prior": ["l1l2", 0.1]}),
            "prior",
        ),
        (
            "HebbianSynapse",
            serde_json::json!({"shape": [3, 4], "prior": ["lasso2", 0.1]}),
            "prior",
        ),
    ] {
        let mut kw = kw;
        kw["name"] = serde_json::json!("W");
        let e = build(class, kw).map(|_| ()).unwrap_err();
        assert!(e.contains(field) && e.contains('W'), "{class}: {e}");
    }
}
