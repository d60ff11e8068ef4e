//! LIFCell's exact integration (`exact`, `tau_syn`) and the exponential synapse's exact
//! decay: against the closed form, and against NEST's `iaf_psc_exp`
//! (`tests/fixtures/nest-3.10/iaf_psc_exp.json`, made by `scripts/make_nest_fixtures.py`).

mod common;

use common::scratch;
use ndarray::Array2;
use ngclearn::io::model_file::load_model_file;
use ngclearn::prelude::*;

fn model(dir: &std::path::Path, cell_extra: &str, with_synapse: bool) -> Model {
    let mut text = format!(
        "name = \"exact\"\nseed = 1\n\n[[component]]\nname = \"cell\"\nclass = \"LIFCell\"\nn_units = 1\n\
         tau_m = 10.0\nresist_m = 0.04\nthr = -50.0\nv_rest = -65.0\nv_reset = -65.0\ntau_theta = 0.0\n\
         theta_plus = 0.0\nrefract_time = 2.0\n{cell_extra}\n\n"
    );
    if with_synapse {
        text += "[[component]]\nname = \"W\"\nclass = \"ExponentialSynapse\"\nshape = [1, 1]\ntau_decay = 2.0\n\
                 g_syn_bar = 1.0\nresist_scale = -1.0\nis_nonplastic = false\nexact = true\n\
                 weight_init = { dist = \"constant\", value = 1.0 }\n\n\
                 [[wire]]\nsource = \"W:i_syn\"\ntarget = \"cell:j\"\n\n\
                 [process]\nadvance_proc = [\"cell\", \"W\"]\n";
    } else {
        text += "[process]\nadvance_proc = [\"cell\"]\n";
    }
    let path = dir.join("exact.toml");
    std::fs::write(&path, text).unwrap();
    load_model_file(&path).unwrap()
}

/// Float32's share of the error: `v` is stored in float32, each step rounds it by up to
/// half an ulp of ~65 mV (1.9e-6 mV), and the step keeps a fraction `exp(-dt/tau_m) =
/// 0.99` of any error: the roundings add up to at most 1.9e-6 / 0.01 ≈ 2e-4 mV.
const FLOAT32_BOUND: f64 = 4e-4;

/// The worst distance, over 2,000 steps of a constant current below threshold, from the
/// closed form `v(t) = v_inf + (v0 - v_inf) e^{-t/tau_m}`, `v_inf = v_rest + resist_m j`.
fn distance_from_closed_form(cell_extra: &str) -> f64 {
    let dir = scratch(if cell_extra.is_empty() {
        "closed-euler"
    } else {
        "closed"
    });
    let mut m = model(&dir, cell_extra, false);
    let adv = m.process_id("advance_proc").unwrap();
    let j = 300.0f32; // v_inf = -65 + 12 = -53 mV, below threshold
    let (mut worst, dt) = (0.0f64, 0.1f32);
    for k in 1..=2000 {
        m.set("cell:j", &Array2::from_elem((1, 1), j)).unwrap();
        m.run(adv, k as f32 * dt, dt).unwrap();
        let v = m.get("cell:v").unwrap()[[0, 0]] as f64;
        let want = -53.0 + (-65.0 + 53.0) * (-(k as f64) * 0.1 / 10.0).exp();
        worst = worst.max((v - want).abs());
    }
    std::fs::remove_dir_all(&dir).ok();
    worst
}

/// The exact step follows the closed form to float32's rounding; Euler's steps stray
/// by their truncation error (about 0.02 mV here).
#[test]
fn a_constant_current_follows_the_closed_form() {
    let exact = distance_from_closed_form("exact = true");
    assert!(
        exact < FLOAT32_BOUND,
        "the exact step strays {exact} mV from the closed form"
    );
    let euler = distance_from_closed_form("");
    assert!(euler > 1e-2, "Euler's steps stray only {euler} mV");
}

/// One `iaf_psc_exp` cell driven through exponential currents, as NEST steps it: the
/// same spikes at the same steps, and `V_m` at every step within float32's rounding
/// (NEST holds `V_m` in double precision: the one reason for a tolerance,
/// [`FLOAT32_BOUND`]).
#[test]
fn exact_integration_gives_nests_iaf_psc_exp() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/nest-3.10/iaf_psc_exp.json"
    );
    let fx: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let nums = |k: &str| -> Vec<f64> {
        fx[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let (times, v_m, spikes) = (nums("times"), nums("v_m"), nums("spike_times"));
    let (in_t, in_w) = (nums("input_times"), nums("input_weights"));
    let dt = fx["dt"].as_f64().unwrap();
    let steps = times.len() + 1;
    // An input of time T joins the current at the end of the step ending at T + dt.
    let mut drive = vec![0.0f32; steps + 2];
    for (&t, &w) in in_t.iter().zip(&in_w) {
        drive[(t / dt).round() as usize + 1] += w as f32;
    }
    let dir = scratch("nest");
    let mut m = model(&dir, "exact = true\ntau_syn = 2.0", true);
    let adv = m.process_id("advance_proc").unwrap();
    let (mut got_spikes, mut worst) = (Vec::new(), 0.0f64);
    for k in 1..steps {
        m.set("W:inputs", &Array2::from_elem((1, 1), drive[k]))
            .unwrap();
        m.run(adv, (k as f64 * dt) as f32, dt as f32).unwrap();
        if m.get("cell:s").unwrap()[[0, 0]] > 0.0 {
            got_spikes.push(k as f64 * dt);
        }
        assert!(
            (times[k - 1] - k as f64 * dt).abs() < 1e-9,
            "the fixture's step {k}"
        );
        let v = m.get("cell:v").unwrap()[[0, 0]] as f64;
        worst = worst.max((v - v_m[k - 1]).abs());
    }
    assert!(
        spikes.len() >= 20,
        "the fixture fires ({} spikes)",
        spikes.len()
    );
    let close = got_spikes.len() == spikes.len()
        && got_spikes
            .iter()
            .zip(&spikes)
            .all(|(a, b)| (a - b).abs() < 1e-6);
    assert!(close, "spikes {got_spikes:?}\nNEST's {spikes:?}");
    assert!(worst < FLOAT32_BOUND, "V_m strays {worst} mV from NEST's");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn tau_syn_is_refused_without_exact_or_when_not_positive() {
    let dir = scratch("errors");
    for (extra, exact) in [
        ("tau_syn = 2.0", false),
        ("tau_syn = -1.0", true),
        ("tau_syn = 0.0", true),
    ] {
        let text = format!(
            "name = \"e\"\n[[component]]\nname = \"cell\"\nclass = \"LIFCell\"\nn_units = 1\ntau_m = 10.0\n\
             exact = {exact}\n{extra}\n"
        );
        std::fs::write(dir.join("e.toml"), text).unwrap();
        let e = load_model_file(&dir.join("e.toml"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("cell") && e.contains("tau_syn"), "{extra}: {e}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
