//! Classes of one's own declared in a model file: built and run without Python, with the
//! translator's numbers, and every mistake a typed error naming the file, the class,
//! the field and, for a method, its line in the file.

use ngclearn::io::model_file::load_model_file;
use std::path::PathBuf;

fn write(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ngc-model-class-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const LEAKY: &str = r#"
[[class]]
name = "Leaky"
parameters = { n_units = 3, tau = 10.0, v0 = 0.5 }
compartments.v = { shape = [1, "n_units"], value = "v0" }
compartments.j = { shape = [1, "n_units"], value = 2.0 }
methods.advance_state = { keywords = ["dt"], body = '''
v = self.v.get()
self.v.set(v + (-v + self.j.get()) * (dt / self.tau))
''' }

[[component]]
name = "c"
class = "Leaky"
tau = 4.0

[process]
advance_proc = ["c"]
"#;

#[test]
fn a_declared_class_runs_with_its_parameters_and_the_translators_arithmetic() {
    let p = write("leaky.toml", LEAKY);
    let mut m = load_model_file(&p).unwrap();
    for k in 0..10 {
        m.run_named("advance_proc", k as f32, 0.5).unwrap();
    }
    // (dt / tau) is f32(dt) * f32(1 / 4); v + x * r is one fused multiply-add.
    let r = 0.5f32 * (1.0f32 / 4.0);
    let mut want = 0.5f32;
    for _ in 0..10 {
        want = (-want + 2.0).mul_add(r, want);
    }
    let v = m.get("c:v").unwrap();
    assert!(v.iter().all(|&x| x == want), "{v:?} vs {want}");
}

#[test]
fn the_example_model_file_with_a_class_runs_and_its_cells_spike() {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/models/custom_lif.toml");
    let mut m = load_model_file(&p).unwrap();
    m.set("x:inputs", &ndarray::Array2::from_elem((1, 200), 1.0f32))
        .unwrap();
    let mut spikes = 0.0f32;
    for k in 0..2000 {
        m.run_named("advance_proc", k as f32 * 0.1, 0.1).unwrap();
        spikes += m.get("z:s").unwrap().sum();
    }
    assert!(spikes > 100.0, "{spikes}");
}

#[test]
fn mistakes_in_a_declared_class_are_typed_errors_naming_where() {
    let cases = [
        (
            LEAKY.replace("tau = 4.0", "tua = 4.0"),
            "did you mean `tau`?",
        ),
        (LEAKY.replace("value = \"v0\"", "value = \"w0\""), "`w0`"),
        (LEAKY.replace("parameters =", "params ="), "unknown key"),
        (
            LEAKY.replace(
                "v = self.v.get()\n",
                "v = self.v.get()\nfor i in range(2):\n    pass\n",
            ),
            "for loop",
        ),
        (
            LEAKY.replace("keywords = [\"dt\"]", "keywords = [\"dt\", \"x\"]"),
            "keyword `x`",
        ),
    ];
    for (i, (text, says)) in cases.iter().enumerate() {
        let p = write(&format!("bad{i}.toml"), text);
        let e = load_model_file(&p).unwrap_err().to_string();
        assert!(e.contains(says), "case {i}: {e}");
        assert!(
            e.contains(&format!("bad{i}.toml")),
            "case {i} names the file: {e}"
        );
    }
    // The untranslated construct is named at its line in the file.
    let text = LEAKY.replace(
        "v = self.v.get()\n",
        "v = self.v.get()\nfor i in range(2):\n    pass\n",
    );
    let line = text.lines().position(|l| l.starts_with("for i")).unwrap() + 1;
    let p = write("badline.toml", &text);
    let e = load_model_file(&p).unwrap_err().to_string();
    assert!(
        e.contains(&format!("line {line}")) && e.contains("Leaky.advance_state"),
        "{e}"
    );
}

#[test]
fn an_elementwise_class_splits_across_ranks_and_runs_as_the_whole() {
    use ngclearn::core::partition::{partition, Exchange, ThreadExchange};
    use std::sync::Arc;
    let model = || {
        let p =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/models/custom_lif.toml");
        let mut m = load_model_file(&p).unwrap();
        m.set("x:inputs", &ndarray::Array2::from_elem((1, 200), 1.0f32))
            .unwrap();
        m
    };
    let run = |m: &mut ngclearn::prelude::Model, v: &str| {
        let adv = m.process_id("advance_proc").unwrap();
        let mut out = Vec::new();
        for k in 0..300 {
            m.run(adv, k as f32 * 0.1, 0.1).unwrap();
            out.push(m.get(v).unwrap());
        }
        out
    };
    let whole = run(&mut model(), "z:v");
    assert!(
        whole.iter().any(|v| v.iter().any(|&x| x == -60.0)),
        "cells spiked and reset"
    );
    let handles: Vec<_> = ThreadExchange::group(3)
        .into_iter()
        .map(|ex| {
            std::thread::spawn(move || {
                let rank = ex.rank();
                let mut p = partition(model(), Arc::new(ex), &["z:v"]).unwrap();
                // This rank holds only its block of the cells.
                let local = p.model.get("z:v").unwrap().ncols();
                let path = p.whole_path("z:v");
                (rank, local, run(&mut p.model, &path))
            })
        })
        .collect();
    for h in handles {
        let (rank, local, v) = h.join().unwrap();
        assert!(local < 50, "rank {rank} holds {local} of the 50 cells");
        if rank == 0 {
            assert_eq!(v, whole);
        }
    }
}
