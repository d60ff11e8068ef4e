//! `mpirun -np N ngc run ...` (built with `--features mpi`): one model partitioned
//! across 2 and 3 MPI processes writes the recordings and the saved model of a
//! one-process run, byte for byte: on ngclearn's saved tutorial model, on its saved
//! learning circuit, and on a model of 10,500 cells with uneven weights (also fed from
//! a file, each rank taking its columns), and the default run's figures.
#![cfg(feature = "mpi")]

mod common;

use common::scratch;
use std::path::Path;
use std::process::Command;

/// Runs `ngc run ARGS` on `ranks` MPI processes (1: without mpirun); what it printed.
fn run_on(ranks: usize, args: &[&str]) -> String {
    let ngc = env!("CARGO_BIN_EXE_ngc");
    let out = if ranks == 1 {
        Command::new(ngc).arg("run").args(args).output()
    } else {
        Command::new("mpirun")
            .args(["--allow-run-as-root", "--oversubscribe", "-np"])
            .arg(ranks.to_string())
            .arg(ngc)
            .arg("run")
            .args(args)
            .output()
    }
    .expect("mpirun (Open MPI) is installed where the mpi feature is built");
    assert!(
        out.status.success(),
        "{ranks} ranks: ngc run {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every file under `a` equals the one under `b`, and both hold the same files.
fn same_tree(a: &Path, b: &Path) {
    let mut files = Vec::new();
    fn walk(root: &Path, d: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    walk(a, a, &mut files);
    let mut other = Vec::new();
    walk(b, b, &mut other);
    files.sort();
    other.sort();
    assert_eq!(files, other, "{} vs {}", a.display(), b.display());
    assert!(!files.is_empty());
    for f in files {
        assert!(
            std::fs::read(a.join(&f)).unwrap() == std::fs::read(b.join(&f)).unwrap(),
            "{} differs",
            f.display()
        );
    }
}

/// Runs `model` with `extra` arguments on 1, 2 and 3 ranks and compares the outputs.
fn across_ranks(name: &str, model: &str, extra: &[&str]) {
    let dir = scratch(name);
    for ranks in [1, 2, 3] {
        let out = dir.join(format!("out{ranks}"));
        let save = dir.join(format!("saved{ranks}"));
        let mut args = vec![
            model,
            "-q",
            "--out",
            out.to_str().unwrap(),
            "--save",
            save.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        run_on(ranks, &args);
    }
    for ranks in [2, 3] {
        same_tree(&dir.join("out1"), &dir.join(format!("out{ranks}")));
        same_tree(&dir.join("saved1"), &dir.join(format!("saved{ranks}")));
    }
}

#[test]
fn ngclearns_tutorial_model_runs_the_same_on_2_and_3_ranks() {
    let m = common::fixtures().join("models/ei_alpha_tutorial");
    across_ranks(
        "mpi_tutorial",
        m.to_str().unwrap(),
        &[
            "--steps",
            "2000",
            "--record-spikes",
            "post_exc:s",
            "--record",
            "post_exc:v",
            "--record-spikes",
            "pre_exc:outputs",
        ],
    );
}

#[test]
fn a_learning_circuit_learns_the_same_on_2_and_3_ranks() {
    let m = common::fixtures().join("models/stdp_circuit");
    across_ranks(
        "mpi_stdp",
        m.to_str().unwrap(),
        &[
            "--steps",
            "400",
            "--dt",
            "1",
            "--record-spikes",
            "post:s",
            "--record",
            "W:weights",
            "--record",
            "tq:trace",
        ],
    );
}

#[test]
fn a_class_of_ones_own_splits_and_runs_the_same_on_2_and_3_ranks() {
    let m = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/models/custom_lif.toml");
    across_ranks(
        "mpi_custom",
        m.to_str().unwrap(),
        &[
            "--steps",
            "1000",
            "--record-spikes",
            "z:s",
            "--record",
            "z:v",
        ],
    );
}

#[test]
fn the_cuba_network_of_sparse_synapses_runs_the_same_on_2_and_3_ranks() {
    let m =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/models/cuba.toml");
    across_ranks(
        "mpi_cuba",
        m.to_str().unwrap(),
        &[
            "--steps",
            "1500",
            "--record-spikes",
            "E:s",
            "--record-spikes",
            "I:s",
            "--record",
            "WIE:g_syn",
        ],
    );
}

#[test]
fn a_model_of_ten_thousand_cells_runs_the_same_on_2_and_3_ranks() {
    let dir = scratch("mpi_10k_model");
    let toml = dir.join("ei10k.toml");
    std::fs::write(&toml, ei_toml(9000, 1000, 500)).unwrap();
    across_ranks(
        "mpi_10k",
        toml.to_str().unwrap(),
        &[
            "--steps",
            "300",
            "--record-spikes",
            "post_exc:s",
            "--record",
            "post_exc:v",
            "--record-spikes",
            "pre_inh:outputs",
        ],
    );
}

#[test]
fn the_default_run_draws_and_saves_the_same_on_2_and_3_ranks() {
    let dir = scratch("mpi_default");
    for ranks in [1, 2, 3] {
        let out = dir.join(format!("out{ranks}"));
        let save = dir.join(format!("saved{ranks}"));
        run_on(
            ranks,
            &[
                "-q",
                "--steps",
                "2000",
                "--out",
                out.to_str().unwrap(),
                "--save",
                save.to_str().unwrap(),
                "--record-spikes",
                "pre_exc:outputs",
            ],
        );
    }
    assert!(dir.join("out1/ei_circuit.png").is_file());
    for ranks in [2, 3] {
        same_tree(&dir.join("out1"), &dir.join(format!("out{ranks}")));
        same_tree(&dir.join("saved1"), &dir.join(format!("saved{ranks}")));
    }
}

#[test]
fn a_fed_population_split_across_ranks_takes_its_columns_of_the_file() {
    let dir = scratch("mpi_feed_model");
    let toml = dir.join("ei10k.toml");
    std::fs::write(&toml, ei_toml(9000, 1000, 500)).unwrap();
    // Each excitatory cell's own input, changing every step.
    let rates = dir.join("rates.npy");
    let mut s =
        ngclearn::io::npy::NpyStream::create(&rates, ngclearn::io::npy::Dtype::F32, &[1, 9000])
            .unwrap();
    for k in 0..200 {
        let row: Vec<f32> = (0..9000)
            .map(|i| ((i * 7 + k * 13) % 11) as f32 / 10.0)
            .collect();
        s.push_f32(&row).unwrap();
    }
    s.finish().unwrap();
    let feed = format!("pre_exc:inputs={}", rates.display());
    across_ranks(
        "mpi_feed",
        toml.to_str().unwrap(),
        &[
            "--steps",
            "200",
            "--feed",
            &feed,
            "--record-spikes",
            "pre_exc:outputs",
            "--record",
            "post_exc:v",
        ],
    );
    // A split compartment that a synapse reads whole would get each row a step late
    // across ranks: refused, by every rank.
    let spikes = format!("pre_exc:outputs={}", rates.display());
    let out = Command::new("mpirun")
        .args(["--allow-run-as-root", "--oversubscribe", "-np", "2"])
        .arg(env!("CARGO_BIN_EXE_ngc"))
        .args([
            "run",
            toml.to_str().unwrap(),
            "-q",
            "--steps",
            "10",
            "--feed",
            &spikes,
        ])
        .arg("--out")
        .arg(dir.join("refused"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("read whole"), "{err}");
    assert!(!dir.join("refused").exists());
}

/// The E-I network with delays of 1.5 ms (15 steps) on 1, 2 and 3 ranks: the same
/// recordings (spikes recorded whole beside the epoch's exchange), and its spikes cross
/// the ranks once per epoch, not every step.
#[test]
fn a_delayed_network_exchanges_once_per_epoch_and_runs_the_same_on_2_and_3_ranks() {
    let m = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/models/ei_delayed.toml");
    let m = m.to_str().unwrap();
    let dir = scratch("mpi_epoch");
    for ranks in [1, 2, 3] {
        let out = dir.join(format!("out{ranks}"));
        run_on(
            ranks,
            &[
                m,
                "-q",
                "--out",
                out.to_str().unwrap(),
                "--steps",
                "600",
                "--record-spikes",
                "I:s",
                "--record",
                "into_E:i_syn",
            ],
        );
    }
    for ranks in [2, 3] {
        same_tree(&dir.join("out1"), &dir.join(format!("out{ranks}")));
    }
    let out = dir.join("plain");
    let printed = run_on(2, &[m, "--out", out.to_str().unwrap(), "--steps", "600"]);
    let calls: f64 = printed
        .split(" collective calls per step")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("no collective calls in the summary:\n{printed}"));
    // Two mirrors once every 15 steps, and the building's few.
    assert!(calls < 0.2, "{calls} collective calls per step:\n{printed}");
}

/// The tutorial's E-I circuit at `n_exc + n_inh -> n_post`, with uniform random weights
/// (so that each post-synaptic cell has its own input).
fn ei_toml(n_exc: usize, n_inh: usize, n_post: usize) -> String {
    let mut s = String::from("name = \"ei10k\"\nreset = true\nseed = 99\n\n");
    for (name, n) in [("pre_exc", n_exc), ("pre_inh", n_inh)] {
        s += &format!("[[component]]\nname = \"{name}\"\nclass = \"PoissonCell\"\nn_units = {n}\ntarget_freq = 20.0\n\n");
    }
    for (name, n, tau, e, g) in [
        ("Wexc", n_exc, 2.0, 0.0, 0.05),
        ("Winh", n_inh, 5.0, -80.0, 0.05),
    ] {
        s += &format!(
            "[[component]]\nname = \"{name}\"\nclass = \"AlphaSynapse\"\nshape = [{n}, {n_post}]\ntau_decay = {tau}\n\
             g_syn_bar = {g}\nsyn_rest = {e}\nresist_scale = 0.1\nis_nonplastic = false\n\
             weight_init = {{ dist = \"uniform\", low = 0.0, high = 1.0 }}\n\n"
        );
    }
    s += &format!(
        "[[component]]\nname = \"post_exc\"\nclass = \"LIFCell\"\nn_units = {n_post}\ntau_m = 10.0\nthr = -55.0\n\
         v_rest = -75.0\nv_reset = -75.0\ntau_theta = 0.0\ntheta_plus = 0.0\nrefract_time = 2.0\n\n"
    );
    for (src, tgt) in [
        ("pre_exc:outputs", "Wexc:inputs"),
        ("pre_inh:outputs", "Winh:inputs"),
        ("post_exc:v", "Wexc:v"),
        ("post_exc:v", "Winh:v"),
    ] {
        s += &format!("[[wire]]\nsource = \"{src}\"\ntarget = \"{tgt}\"\n\n");
    }
    s += "[[wire]]\nsum = [\"Wexc:i_syn\", \"Winh:i_syn\"]\ntarget = \"post_exc:j\"\n\n";
    s += "[process]\nadvance_proc = [\"pre_exc\", \"pre_inh\", \"Wexc\", \"Winh\", \"post_exc\"]\n\
          reset_proc = [\"pre_exc.reset\", \"pre_inh.reset\", \"Wexc.reset\", \"Winh.reset\", \"post_exc.reset\"]\n\n";
    s += "[initial]\n\"pre_exc:inputs\" = 1.0\n\"pre_inh:inputs\" = 1.0\n\"post_exc:v\" = -65.0\n";
    s
}
