//! ngclearn's saved model directory: load, run spike for spike, save, and load again.

mod common;

use common::{fixture, fixtures_dir, Report};
use ndarray::Array2;
use ngclearn::io::npz::{read_npz, NpyArray};
use ngclearn::io::{load_model_dir, save_model_dir};
use ngclearn::prelude::*;
use std::path::PathBuf;

fn model_dir() -> PathBuf {
    fixtures_dir().join("models/ei_alpha_tutorial")
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch(&format!("saved_model_{name}"))
}

/// Runs `advance_proc` for steps `from..=to` (t = 0.1·k), returning the steps with a post spike.
fn run(m: &mut Model, from: usize, to: usize, v_out: &mut Vec<f32>) -> Vec<usize> {
    let (adv, s, v) = (
        m.process_id("advance_proc").unwrap(),
        m.compartment("post_exc:s").unwrap(),
        m.compartment("post_exc:v").unwrap(),
    );
    let mut spikes = Vec::new();
    for k in from..=to {
        m.run(adv, k as f32 * 0.1, 0.1).unwrap();
        if m.view(s).unwrap().unwrap()[[0, 0]] > 0.0 {
            spikes.push(k);
        }
        v_out.push(m.view(v).unwrap().unwrap()[[0, 0]]);
    }
    spikes
}

fn expected() -> (Vec<usize>, Vec<f32>) {
    let fx = fixture("ei_alpha_poisson_seed1234");
    let tr = &fx["trace"];
    let spikes = tr["spike_indices"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.as_array().unwrap().is_empty())
        .map(|(i, _)| i + 1)
        .collect();
    let v = tr["v"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[0].as_f64().unwrap() as f32)
        .collect();
    (spikes, v)
}

fn check_v(got: &[f32], want: &[f32], what: &str) {
    let mut rep = Report::default();
    for (k, (&g, &w)) in got.iter().zip(want).enumerate() {
        rep.exact(
            "v",
            k + 1,
            &Array2::from_elem((1, 1), g),
            &Array2::from_elem((1, 1), w),
        );
    }
    rep.print(what);
}

#[test]
fn the_fixture_model_runs_spike_for_spike() {
    let mut m = load_model_dir(&model_dir()).unwrap();
    let (want_spikes, want_v) = expected();
    let mut v = Vec::new();
    let spikes = run(&mut m, 1, 10_000, &mut v);
    assert_eq!(spikes.len(), 243);
    assert_eq!(spikes, want_spikes);
    check_v(&v, &want_v, "ei_alpha_tutorial loaded");
    println!(
        "PARITY ei_alpha_tutorial (loaded): {} post spikes identical",
        spikes.len()
    );
}

fn arrays_of(m: &Model) -> Vec<(String, Result<Array2<f32>>)> {
    m.components()
        .flat_map(|c| {
            c.schema()
                .compartments
                .iter()
                .filter(|i| i.kind == ngclearn::core::schema::Kind::Array)
                .map(move |i| format!("{}:{}", c.name(), i.name))
        })
        .map(|p| {
            let v = m.get(&p);
            (p, v)
        })
        .collect()
}

fn assert_same_state(a: &Model, b: &Model) {
    for ((pa, va), (pb, vb)) in arrays_of(a).into_iter().zip(arrays_of(b)) {
        assert_eq!(pa, pb);
        let (va, vb) = (va.unwrap(), vb.unwrap());
        assert!(
            va.iter().zip(&vb).all(|(x, y)| x.to_bits() == y.to_bits()) && va.shape() == vb.shape(),
            "{pa} differs"
        );
    }
    for c in a.components() {
        let k = format!("{}:key", c.name());
        assert_eq!(a.get_key(&k).unwrap(), b.get_key(&k).unwrap());
    }
}

#[test]
fn load_save_load_is_bit_exact_and_writes_ngclearns_structure() {
    let m = load_model_dir(&model_dir()).unwrap();
    let out = scratch("roundtrip").join("ei_alpha_tutorial");
    save_model_dir(&m, &out, false).unwrap();
    let again = load_model_dir(&out).unwrap();
    assert_same_state(&m, &again);
    assert_eq!(again.wires(), m.wires());
    assert_eq!(
        again.process_names().collect::<Vec<_>>(),
        ["advance_proc", "reset_proc"]
    );

    // The same files, entries, dtypes, shapes and values as ngclearn wrote.
    for f in [
        "contextData.json",
        "connections.json",
        "component/roots.json",
        "process/roots.json",
    ] {
        let a: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(model_dir().join(f)).unwrap()).unwrap();
        let b: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join(f)).unwrap()).unwrap();
        assert_eq!(a, b, "{f}");
    }
    for c in m.components() {
        let f = format!("component/custom/{}.npz", c.name());
        let mut a = read_npz(&model_dir().join(&f)).unwrap();
        let mut b = read_npz(&out.join(&f)).unwrap();
        a.sort_by(|x, y| x.0.cmp(&y.0));
        b.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(a, b, "{f}");
    }
    // Saving again over it needs `overwrite`, and leaves no temporary directory.
    assert!(matches!(
        save_model_dir(&m, &out, false),
        Err(Error::Io { .. })
    ));
    save_model_dir(&again, &out, true).unwrap();
    let left: Vec<_> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("ei_alpha_tutorial")]);
}

/// Save mid-run, load, continue: the same spikes as one uninterrupted ngclearn run.
#[test]
fn a_saved_run_continues_identically() {
    let (want_spikes, want_v) = expected();
    let mut m = load_model_dir(&model_dir()).unwrap();
    let mut v = Vec::new();
    let mut spikes = run(&mut m, 1, 5_000, &mut v);
    let out = scratch("continue").join("ei_alpha_tutorial");
    save_model_dir(&m, &out, false).unwrap();
    let mut resumed = load_model_dir(&out).unwrap();
    spikes.extend(run(&mut resumed, 5_001, 10_000, &mut v));
    assert_eq!(spikes, want_spikes);
    check_v(&v, &want_v, "ei_alpha_tutorial saved at 5000 and resumed");
}

/// A model built in code saves in the format and loads back bit-exact.
#[test]
fn a_model_built_in_code_round_trips() {
    let mut m = ngclearn::models::ei_alpha::EiAlpha {
        n_exc: 8,
        n_inh: 4,
        n_post: 2,
        ..Default::default()
    }
    .build()
    .unwrap();
    m.run_named("advance_proc", 0.1, 0.1).unwrap();
    let out = scratch("built").join("ei");
    save_model_dir(&m, &out, false).unwrap();
    let again = load_model_dir(&out).unwrap();
    assert_same_state(&m, &again);
    let roots: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("component/roots.json")).unwrap())
            .unwrap();
    assert_eq!(roots["Wexc"]["kwargs"]["tau_decay"], serde_json::json!(2.0));
    assert_eq!(
        roots["Wexc"]["kwargs"]["resist_scale"],
        serde_json::json!(0.1)
    );
    assert_eq!(
        roots["Wexc"]["modulePath"],
        "ngclearn.components.synapses.alphaSynapse.AlphaSynapse"
    );
    let biases = read_npz(&out.join("component/custom/Wexc.npz"))
        .unwrap()
        .into_iter()
        .find(|(n, _)| n == "biases")
        .unwrap()
        .1;
    assert!(
        matches!(biases, NpyArray::F32(ref a) if a.ndim() == 0),
        "default biases are saved as ngclearn's scalar 0"
    );
}
