//! `ngc run`, `ngc probe` and `ngc plot` as a user (or a script) runs them.

mod common;

use common::{fails, fixtures, ngc, ok, png_size, scratch};
use ndarray::{Array2, Array3};
use ndarray_npy::{ReadNpyExt, WriteNpyExt};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join(format!("{name}.json"))).unwrap())
        .unwrap()
}

fn steps3(v: &Value) -> Array3<f32> {
    let steps = v.as_array().unwrap();
    let (n, b, u) = (
        steps.len(),
        steps[0].as_array().unwrap().len(),
        steps[0][0].as_array().unwrap().len(),
    );
    let flat = steps.iter().flat_map(|s| {
        s.as_array().unwrap().iter().flat_map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
        })
    });
    Array3::from_shape_vec((n, b, u), flat.collect()).unwrap()
}

fn toml_matrix(v: &Value) -> String {
    let rows: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "[{}]",
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    format!("[{}]", rows.join(", "))
}

/// The fixed-raster E-I circuit of `ei_alpha_fixed_rasters` as a model file.
fn fixed_raster_model(dir: &Path, fx: &Value) -> PathBuf {
    let (ne, ni, np) = (
        fx["n_exc"].as_u64().unwrap(),
        fx["n_inh"].as_u64().unwrap(),
        fx["n_post"].as_u64().unwrap(),
    );
    let syn = |name: &str, n: u64, tau: f64, e: f64| {
        format!("[[component]]\nname = \"{name}\"\nclass = \"AlphaSynapse\"\nshape = [{n}, {np}]\ntau_decay = {tau:?}\ng_syn_bar = 2.4\nsyn_rest = {e:?}\nresist_scale = 0.1\nis_nonplastic = false\nkey = 11\n\n")
    };
    let text = format!(
        "name = \"eifixed\"\nreset = true\n\n{}{}[[component]]\nname = \"post\"\nclass = \"LIFCell\"\nn_units = {np}\ntau_m = 10.0\nthr = -55.0\nv_rest = -75.0\nv_reset = -75.0\ntau_theta = 0.0\ntheta_plus = 0.0\nrefract_time = 2.0\nkey = 11\n\n\
         [[wire]]\nsource = \"post:v\"\ntarget = \"We:v\"\n\n[[wire]]\nsource = \"post:v\"\ntarget = \"Wi:v\"\n\n[[wire]]\nsum = [\"We:i_syn\", \"Wi:i_syn\"]\ntarget = \"post:j\"\n\n\
         [process]\nadv = [\"We\", \"Wi\", \"post\"]\nrst = [\"We.reset\", \"Wi.reset\", \"post.reset\"]\n\n\
         [initial]\n\"post:v\" = -65.0\n\"We:weights\" = {}\n\"Wi:weights\" = {}\n",
        syn("We", ne, 2.0, 0.0),
        syn("Wi", ni, 5.0, -80.0),
        toml_matrix(&fx["exc_weights"]),
        toml_matrix(&fx["inh_weights"])
    );
    let p = dir.join("eifixed.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// The scripting contract on the fixed-raster fixture: feed the rasters, record v and s.
#[test]
fn feed_and_record_reproduce_ei_alpha_fixed_rasters() {
    let fx = fixture("ei_alpha_fixed_rasters");
    let d = scratch("fixed");
    let model = fixed_raster_model(&d, &fx);
    let (exc, inh) = (d.join("exc.npy"), d.join("inh.npy"));
    steps3(&fx["exc_inputs"])
        .write_npy(std::fs::File::create(&exc).unwrap())
        .unwrap();
    steps3(&fx["inh_inputs"])
        .write_npy(std::fs::File::create(&inh).unwrap())
        .unwrap();
    let out = d.join("out");
    let feed_e = format!("We:inputs={}", exc.display());
    let feed_i = format!("Wi:inputs={}", inh.display());
    let summary = ok(&[
        "run",
        model.to_str().unwrap(),
        "--steps",
        "1500",
        "--dt",
        "0.1",
        "--feed",
        &feed_e,
        "--feed",
        &feed_i,
        "--record",
        "post:v",
        "--record",
        "post:s",
        "--record-spikes",
        "post:s",
        "--record",
        "We:v",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(summary.contains("1500 steps"), "{summary}");
    let v = Array3::<f32>::read_npy(std::fs::File::open(out.join("post.v.npy")).unwrap()).unwrap();
    let s = Array3::<f32>::read_npy(std::fs::File::open(out.join("post.s.npy")).unwrap()).unwrap();
    let (want_v, want_s) = (steps3(&fx["trace"]["v"]), steps3(&fx["trace"]["s"]));
    assert_eq!(v.dim(), (1500, 1, 3));
    assert_eq!(s, want_s, "spikes identical");
    for (g, w) in v.iter().zip(want_v.iter()) {
        assert!((g - w).abs() <= 1e-5 * w.abs(), "v {g} vs {w}");
    }
    // A wired compartment records its source.
    let wv = Array3::<f32>::read_npy(std::fs::File::open(out.join("We.v.npy")).unwrap()).unwrap();
    assert_eq!(wv, v);
    // Spike events: (step, unit) rows, one per spike.
    let ev = Array2::<i32>::read_npy(std::fs::File::open(out.join("post.s.spikes.npy")).unwrap())
        .unwrap();
    assert_eq!(ev.nrows() as f32, want_s.sum());
    for r in ev.rows() {
        assert_eq!(want_s[[r[0] as usize, 0, r[1] as usize]], 1.0);
    }
    // `ngc plot` draws them.
    let plots = d.join("plots");
    ok(&[
        "plot",
        out.join("post.v.npy").to_str().unwrap(),
        out.join("post.s.spikes.npy").to_str().unwrap(),
        "--threshold",
        "-55",
        "--out",
        plots.to_str().unwrap(),
    ]);
    assert_eq!(png_size(&plots.join("post.v.png")), (1000, 420));
    assert!(plots.join("post.s.svg").exists());
}

#[test]
fn the_default_run_writes_figures_and_a_summary() {
    let d = scratch("default");
    let out = d.join("out");
    let summary = ok(&["run", "--out", out.to_str().unwrap()]);
    assert!(
        summary.contains("10000 steps") && summary.contains("1000.0 ms simulated"),
        "{summary}"
    );
    assert!(
        summary
            .lines()
            .any(|l| l.contains("post_exc") && l.contains(" 243 spikes")),
        "{summary}"
    );
    assert!(
        summary
            .lines()
            .any(|l| l.contains("pre_exc") && l.contains("80 cells")),
        "{summary}"
    );
    for f in ["voltage", "conductance", "raster", "rates"] {
        assert_eq!(png_size(&out.join(format!("{f}.png"))), (1000, 420), "{f}");
        let svg = std::fs::read_to_string(out.join(format!("{f}.svg"))).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("</svg>"), "{f}.svg");
    }
}

#[test]
fn a_saved_ngclearn_model_runs_records_and_saves() {
    let d = scratch("saved");
    let model = fixtures().join("models/ei_alpha_tutorial");
    let (out, save) = (d.join("out"), d.join("saved"));
    ok(&[
        "run",
        model.to_str().unwrap(),
        "--steps",
        "10000",
        "--dt",
        "0.1",
        "--record-spikes",
        "post_exc:s",
        "--save",
        save.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let ev =
        Array2::<i32>::read_npy(std::fs::File::open(out.join("post_exc.s.spikes.npy")).unwrap())
            .unwrap();
    let fx = fixture("ei_alpha_poisson_seed1234");
    let want: Vec<i32> = fx["trace"]["spike_indices"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.as_array().unwrap().is_empty())
        .map(|(k, _)| k as i32)
        .collect();
    assert_eq!(
        ev.column(0).to_vec(),
        want,
        "step k (0-based) is the fixture's t = k + 1"
    );
    assert!(
        save.join("contextData.json").exists()
            && save.join("component/custom/post_exc.npz").exists()
    );
    // Continuing from the save: --t0 picks up the clock; 0 more spikes is wrong, the rest is not tested here.
    ok(&[
        "run",
        save.to_str().unwrap(),
        "--steps",
        "10",
        "--t0",
        "1000.1",
        "--out",
        d.join("out2").to_str().unwrap(),
        "--quiet",
    ]);
}

#[test]
fn reset_and_process_options() {
    let d = scratch("reset");
    let model = fixtures().join("models/ei_alpha_tutorial");
    // --reset runs reset_proc: the state goes back to rest (post v = v_rest = -75; the
    // saved model has -65), while the Poisson inputs keep their value, as ngclearn
    // 3.1.1's reset leaves them, so the encoders still fire.
    let out = d.join("out");
    ok(&[
        "run",
        model.to_str().unwrap(),
        "--steps",
        "200",
        "--reset",
        "--record",
        "pre_exc:outputs",
        "--record",
        "post_exc:v",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    let pre =
        Array3::<f32>::read_npy(std::fs::File::open(out.join("pre_exc.outputs.npy")).unwrap())
            .unwrap();
    assert!(pre.sum() > 0.0, "the inputs survive the reset");
    let v =
        Array3::<f32>::read_npy(std::fs::File::open(out.join("post_exc.v.npy")).unwrap()).unwrap();
    assert!(v[[0, 0, 0]] < -74.0, "reset to v_rest: {}", v[[0, 0, 0]]);
    // --process reset_proc runs that process instead.
    ok(&[
        "run",
        model.to_str().unwrap(),
        "--steps",
        "1",
        "--process",
        "reset_proc",
        "--record",
        "post_exc:v",
        "--out",
        d.join("o2").to_str().unwrap(),
        "-q",
    ]);
    fails(
        &[
            "run",
            model.to_str().unwrap(),
            "--steps",
            "1",
            "--process",
            "nope",
            "--out",
            d.join("o3").to_str().unwrap(),
        ],
        &["nope"],
    );
}

#[test]
fn the_probe_reproduces_the_tutorial() {
    let d = scratch("probe");
    let text = ok(&["probe", "--out", d.to_str().unwrap()]);
    assert!(text.contains("alpha at 1.8 ms"), "{text}");
    let fx = fixture("probe_tutorial");
    let csv = std::fs::read_to_string(d.join("probe.csv")).unwrap();
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), fx["params"]["steps"].as_u64().unwrap() as usize);
    for (k, r) in rows.iter().enumerate() {
        for (col, key) in [(1, "g_exp"), (2, "g_alpha"), (3, "g_exp2")] {
            let want = fx["trace"][key][k].as_f64().unwrap();
            assert!(
                (r[col] - want).abs() <= 1e-5 * want.abs(),
                "{key} at step {k}: {} vs {want}",
                r[col]
            );
        }
        assert!(
            r[4..7].iter().all(|x| (0.0..=1.0).contains(x)),
            "normalised to [0, 1]"
        );
    }
    assert_eq!(png_size(&d.join("probe.png")), (1000, 420));
}

#[test]
fn errors_are_one_line_and_leave_nothing_behind() {
    let d = scratch("errors");
    let out = d.join("out");
    let o = out.to_str().unwrap();
    let model = fixtures().join("models/ei_alpha_tutorial");
    let m = model.to_str().unwrap();
    fails(&["run", "/no/such/model", "--out", o], &["/no/such/model"]);
    fails(&["run", m, "--dt", "0", "--out", o], &["--dt"]);
    fails(
        &["run", m, "--record", "post_exc:voltage", "--out", o],
        &["post_exc", "voltage"],
    );
    fails(&["run", m, "--record", "ghost:v", "--out", o], &["ghost"]);
    fails(
        &["run", m, "--feed", "Wexc:v=x.npy", "--out", o],
        &["wired"],
    );
    fails(
        &["run", m, "--feed", "post_exc:v", "--out", o],
        &["COMP:FIELD=FILE"],
    );
    let bad = d.join("bad.npy");
    Array3::<f32>::zeros((5, 1, 2))
        .write_npy(std::fs::File::create(&bad).unwrap())
        .unwrap();
    let feed = format!("post_exc:v={}", bad.display());
    fails(
        &[
            "run",
            m,
            "--steps",
            "5",
            "--feed",
            &feed,
            "--record",
            "post_exc:v",
            "--out",
            o,
        ],
        &["got [5, 1, 2]", "post_exc:v"],
    );
    Array3::<f32>::zeros((3, 1, 1))
        .write_npy(std::fs::File::create(&bad).unwrap())
        .unwrap();
    fails(
        &["run", m, "--steps", "5", "--feed", &feed, "--out", o],
        &["3 steps"],
    );
    Array3::<f64>::zeros((5, 1, 1))
        .write_npy(std::fs::File::create(&bad).unwrap())
        .unwrap();
    fails(
        &["run", m, "--steps", "5", "--feed", &feed, "--out", o],
        &["float32"],
    );
    let toml = d.join("m.toml");
    std::fs::write(
        &toml,
        "[[component]]\nname = \"z\"\nclass = \"LIFCell\"\nn_units = 2\ntau_m = -1.0\n",
    )
    .unwrap();
    fails(
        &["run", toml.to_str().unwrap(), "--out", o],
        &["m.toml", "tau_m"],
    );
    std::fs::write(&toml, "[[component]]\nname = \"z\"\nclass = \"Neuron\"\n").unwrap();
    fails(
        &["run", toml.to_str().unwrap(), "--out", o],
        &["Neuron", "LIFCell"],
    );
    std::fs::write(&toml, "[[component\n").unwrap();
    fails(
        &["run", toml.to_str().unwrap(), "--out", o],
        &["malformed TOML"],
    );
    assert!(!out.exists(), "no output directory after failures");
    fails(&["plot", bad.to_str().unwrap(), "--out", o], &["bad.npy"]);
}

#[test]
fn review_regressions() {
    let d = scratch("review");
    let model = fixtures().join("models/ei_alpha_tutorial");
    let m = model.to_str().unwrap();
    let out = d.join("out");
    let o = out.to_str().unwrap();
    // The same compartment twice is an error before anything is written.
    fails(
        &[
            "run",
            m,
            "--steps",
            "5",
            "--record",
            "post_exc:v",
            "--record",
            "post_exc:v",
            "--out",
            o,
        ],
        &["given twice"],
    );
    fails(
        &[
            "run",
            m,
            "--steps",
            "5",
            "--record-spikes",
            "post_exc:nope",
            "--out",
            o,
        ],
        &["--record-spikes post_exc:nope"],
    );
    // --save onto a file is refused up front; no recording is left.
    let file = d.join("notes.txt");
    std::fs::write(&file, "keep me").unwrap();
    fails(
        &[
            "run",
            m,
            "--steps",
            "5",
            "--record",
            "post_exc:v",
            "--save",
            file.to_str().unwrap(),
            "--out",
            o,
        ],
        &["not a directory"],
    );
    assert!(!out.exists());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
    // Times that overflow float32 are refused before the run.
    fails(
        &[
            "run",
            m,
            "--steps",
            "3",
            "--dt",
            "3e38",
            "--record",
            "post_exc:v",
            "--out",
            o,
        ],
        &["finite"],
    );
    assert!(!out.exists());
    // A context-prefixed path records under the plain name.
    ok(&[
        "run",
        m,
        "--steps",
        "3",
        "--record",
        "ei_alpha_tutorial:post_exc:v",
        "--out",
        o,
        "-q",
    ]);
    assert!(out.join("post_exc.v.npy").exists());
    // Uneven rows in a model file's initial values.
    let toml = d.join("m.toml");
    std::fs::write(&toml, "[[component]]\nname = \"z\"\nclass = \"LIFCell\"\nn_units = 2\ntau_m = 10.0\nbatch_size = 2\n\n[process]\nadv = [\"z\"]\n\n[initial]\n\"z:v\" = [[1.0, 2.0, 3.0], [4.0]]\n").unwrap();
    fails(
        &[
            "run",
            toml.to_str().unwrap(),
            "--out",
            d.join("o2").to_str().unwrap(),
        ],
        &["rows of different lengths"],
    );
}

#[test]
fn the_fast_random_mode_runs_the_same_circuit() {
    let d = scratch("fast");
    let model = fixtures().join("models/ei_alpha_tutorial");
    let out = d.join("out");
    let summary = ok(&[
        "run",
        model.to_str().unwrap(),
        "--steps",
        "20000",
        "--random",
        "fast",
        "--out",
        out.to_str().unwrap(),
    ]);
    // 100 Poisson cells at 10 Hz for 2 s: about 2000 spikes (sd ~45).
    let pre: u64 = summary
        .lines()
        .filter(|l| l.trim_start().starts_with("pre_"))
        .map(|l| l.split_whitespace().nth(3).unwrap().parse::<u64>().unwrap())
        .sum();
    assert!((1800..=2200).contains(&pre), "{summary}");
    // A value clap does not know is a usage error (exit 2), naming the choices.
    let bad = ngc(&[
        "run",
        model.to_str().unwrap(),
        "--random",
        "quick",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("fast"));
}

#[test]
fn record_spikes_of_a_compartment_that_is_not_spikes_warns_once() {
    let d = scratch("not_spikes");
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/models/ei_alpha.toml");
    let out = d.join("out");
    let o = common::succeeds(&[
        "run",
        model.to_str().unwrap(),
        "--steps",
        "50",
        "--record-spikes",
        "post_exc:v",
        "--record-spikes",
        "Wexc:g_syn",
        "--record-spikes",
        "post_exc:s",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8(o.stderr).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with("ngc: warning: --record-spikes post_exc:v: not spikes"),
        "{err}"
    );
    assert!(
        lines[1].contains("Wexc:g_syn") && !err.contains("post_exc:s:"),
        "{err}"
    );
    // The spikes of a spiking compartment draw no warning.
    let o = common::succeeds(&[
        "run",
        model.to_str().unwrap(),
        "--steps",
        "50",
        "--record-spikes",
        "post_exc:s",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let _ = std::fs::remove_dir_all(d);
}

/// The CUBA example (sparse synapses drawn by a connection rule) runs, its populations
/// fire at the benchmark's rates (a few Hz), and a second run repeats the first.
#[test]
fn the_cuba_example_runs_at_its_rates_and_repeats_itself() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/models/cuba.toml");
    let mut summaries = Vec::new();
    for k in 0..2 {
        let out = scratch(&format!("cuba{k}")).join("out");
        let o = common::succeeds(&[
            "run",
            model.to_str().unwrap(),
            "--steps",
            "3000",
            "--out",
            out.to_str().unwrap(),
        ]);
        let text = String::from_utf8(o.stdout).unwrap();
        let rates: Vec<f64> = text
            .lines()
            .filter(|l| l.contains(" cells "))
            .map(|l| {
                l.split("mean rate ")
                    .nth(1)
                    .unwrap()
                    .trim_end_matches(" Hz")
                    .parse()
                    .unwrap()
            })
            .collect();
        assert_eq!(rates.len(), 2, "{text}");
        assert!(rates.iter().all(|&r| (2.0..20.0).contains(&r)), "{text}");
        summaries.push(
            text.lines()
                .filter(|l| l.contains(" spikes "))
                .map(String::from)
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(summaries[0], summaries[1]);
}
