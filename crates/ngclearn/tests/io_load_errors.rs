//! Every kind of bad saved model gives a typed error naming the file and the field,
//! and loading is all-or-nothing (no model, no panic). Also: mutated files never panic.

mod common;

use common::fixtures_dir;
use ndarray::{Array2, ArrayD, IxDyn};
use ngclearn::io::load_model_dir;
use ngclearn::io::npz::{write_npz, NpyArray};
use ngclearn::Error;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// A private copy of the fixture model to break.
fn copy_model(name: &str) -> PathBuf {
    let src = fixtures_dir().join("models/ei_alpha_tutorial");
    let dst = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bad_model_{name}"));
    let _ = std::fs::remove_dir_all(&dst);
    for rel in ["", "component", "component/custom", "process"] {
        std::fs::create_dir_all(dst.join(rel)).unwrap();
    }
    for rel in [
        "contextData.json",
        "connections.json",
        "component/roots.json",
        "process/roots.json",
    ] {
        std::fs::copy(src.join(rel), dst.join(rel)).unwrap();
    }
    for c in ["Wexc", "Winh", "post_exc", "pre_exc", "pre_inh"] {
        let rel = format!("component/custom/{c}.npz");
        std::fs::copy(src.join(&rel), dst.join(&rel)).unwrap();
    }
    dst
}

fn edit_json(dir: &Path, rel: &str, f: impl FnOnce(&mut serde_json::Value)) {
    let p = dir.join(rel);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

fn format_error(dir: &Path) -> (String, String, String) {
    match load_model_dir(dir) {
        Err(Error::Format {
            path,
            field,
            message,
        }) => (path, field, message),
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[test]
fn malformed_json() {
    let d = copy_model("json");
    std::fs::write(d.join("component/roots.json"), "{\"Wexc\": {").unwrap();
    let (path, field, msg) = format_error(&d);
    assert!(
        path.ends_with("component/roots.json")
            && field == "(json)"
            && msg.contains("malformed JSON"),
        "{path} {field} {msg}"
    );
}

#[test]
fn unknown_class_names_it_and_lists_the_supported_ones() {
    let d = copy_model("class");
    edit_json(&d, "component/roots.json", |v| {
        v["Wexc"]["modulePath"] = "ngclearn.components.synapses.STPDenseSynapse".into()
    });
    match load_model_dir(&d) {
        Err(e @ Error::UnknownClass { .. }) => {
            let s = e.to_string();
            assert!(
                s.contains("roots.json")
                    && s.contains("Wexc.modulePath")
                    && s.contains("STPDenseSynapse")
                    && s.contains("alphaSynapse.AlphaSynapse"),
                "{s}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_and_unknown_kwargs() {
    let d = copy_model("missing_kwarg");
    edit_json(&d, "component/roots.json", |v| {
        v["Wexc"]["kwargs"]
            .as_object_mut()
            .unwrap()
            .remove("tau_decay");
    });
    let (_, field, msg) = format_error(&d);
    assert_eq!(
        (field.as_str(), msg.as_str()),
        ("Wexc.kwargs.tau_decay", "missing (required)")
    );

    let d = copy_model("unknown_kwarg");
    edit_json(&d, "component/roots.json", |v| {
        v["post_exc"]["kwargs"]["tau_mm"] = 3.0.into()
    });
    let (_, field, msg) = format_error(&d);
    assert_eq!(field, "post_exc.kwargs.tau_mm");
    assert!(
        msg.contains("unknown argument") && msg.contains("tau_m"),
        "{msg}"
    );

    let d = copy_model("bad_value");
    edit_json(&d, "component/roots.json", |v| {
        v["Winh"]["kwargs"]["tau_decay"] = (-5.0).into()
    });
    let (_, field, msg) = format_error(&d);
    assert!(
        field == "Winh.kwargs" && msg.contains("tau_decay"),
        "{field} {msg}"
    );

    let d = copy_model("bad_type");
    edit_json(&d, "component/roots.json", |v| {
        v["pre_exc"]["kwargs"]["n_units"] = "eighty".into()
    });
    let (_, field, _) = format_error(&d);
    assert_eq!(field, "pre_exc.kwargs.n_units");
}

#[test]
fn npz_of_the_wrong_shape_or_dtype() {
    let d = copy_model("npz_shape");
    let f = d.join("component/custom/Wexc.npz");
    write_npz(
        &f,
        &[(
            "weights".into(),
            NpyArray::F32(Array2::<f32>::ones((3, 3)).into_dyn()),
        )],
    )
    .unwrap();
    let (path, field, msg) = format_error(&d);
    assert!(
        path.ends_with("Wexc.npz") && field == "weights" && msg.contains("[80, 1]"),
        "{path} {field} {msg}"
    );

    write_npz(
        &f,
        &[(
            "weights".into(),
            NpyArray::F64(ArrayD::zeros(IxDyn(&[80, 1]))),
        )],
    )
    .unwrap();
    let (_, field, msg) = format_error(&d);
    assert!(field == "weights" && msg.contains("float64"), "{msg}");

    write_npz(
        &f,
        &[("key".into(), NpyArray::F32(ArrayD::zeros(IxDyn(&[2]))))],
    )
    .unwrap();
    let (_, field, msg) = format_error(&d);
    assert!(field == "key" && msg.contains("uint32"), "{msg}");

    write_npz(
        &f,
        &[("z_syn".into(), NpyArray::F32(ArrayD::zeros(IxDyn(&[1, 1]))))],
    )
    .unwrap();
    let (_, field, msg) = format_error(&d);
    assert!(field == "z_syn" && msg.contains("g_syn"), "{msg}");

    write_npz(
        &f,
        &[("v".into(), NpyArray::F32(ArrayD::zeros(IxDyn(&[1, 1]))))],
    )
    .unwrap();
    let (_, field, msg) = format_error(&d);
    assert!(field == "v" && msg.contains("wired"), "{msg}");
}

#[test]
fn garbage_and_missing_npz() {
    let d = copy_model("npz_garbage");
    std::fs::write(
        d.join("component/custom/pre_inh.npz"),
        b"PK\x03\x04 not really",
    )
    .unwrap();
    let (path, field, _) = format_error(&d);
    assert!(path.ends_with("pre_inh.npz") && field == "(archive)");
    std::fs::remove_file(d.join("component/custom/pre_inh.npz")).unwrap();
    assert!(
        matches!(load_model_dir(&d), Err(Error::Io { path, .. }) if path.ends_with("pre_inh.npz"))
    );
}

#[test]
fn connections_to_paths_that_do_not_exist() {
    let d = copy_model("conn");
    edit_json(&d, "connections.json", |v| {
        v["ei_alpha_tutorial:Wexc:inputs"] = "ei_alpha_tutorial:pre_exc:spikes".into()
    });
    let (path, field, msg) = format_error(&d);
    assert!(
        path.ends_with("connections.json")
            && field == "ei_alpha_tutorial:Wexc:inputs"
            && msg.contains("spikes"),
        "{field} {msg}"
    );

    let d = copy_model("conn_ctx");
    edit_json(&d, "connections.json", |v| {
        v["ei_alpha_tutorial:Wexc:inputs"] = "elsewhere:pre_exc:outputs".into()
    });
    let (_, _, msg) = format_error(&d);
    assert!(msg.contains("elsewhere"), "{msg}");

    let d = copy_model("conn_op");
    edit_json(&d, "connections.json", |v| {
        v["ei_alpha_tutorial:post_exc:j"]["modulePath"] = "ngcsimlib.operations.Negate".into()
    });
    assert!(matches!(
        load_model_dir(&d),
        Err(Error::UnknownClass { .. })
    ));
}

#[test]
fn processes_naming_unknown_methods_or_components() {
    let d = copy_model("proc");
    edit_json(&d, "process/roots.json", |v| {
        v["advance_proc"]["method_order"][0]["method"] = "evolve".into()
    });
    let (path, field, msg) = format_error(&d);
    assert!(
        path.ends_with("process/roots.json")
            && field == "advance_proc.method_order[0].method"
            && msg.contains("evolve")
    );
    let d = copy_model("proc_comp");
    edit_json(&d, "process/roots.json", |v| {
        v["reset_proc"]["method_order"][1]["name"] = "ghost".into()
    });
    let (_, field, msg) = format_error(&d);
    assert!(field == "reset_proc" && msg.contains("ghost"), "{msg}");
}

/// Sizes no machine can hold are an error naming the argument, not an allocation abort.
#[test]
fn absurd_sizes_are_errors() {
    let d = copy_model("huge");
    edit_json(&d, "component/roots.json", |v| {
        v["pre_exc"]["kwargs"]["n_units"] = 100_000_000_000_000u64.into()
    });
    let (_, field, msg) = format_error(&d);
    assert!(
        field == "pre_exc.kwargs" && msg.contains("too large"),
        "{field} {msg}"
    );
    let d = copy_model("huge_shape");
    edit_json(&d, "component/roots.json", |v| {
        v["Wexc"]["kwargs"]["shape"] = serde_json::json!([4_000_000_000u64, 4_000_000_000u64])
    });
    let (_, field, msg) = format_error(&d);
    assert!(
        field == "Wexc.kwargs" && msg.contains("too large"),
        "{field} {msg}"
    );
}

#[test]
fn not_a_model_directory() {
    assert!(matches!(
        load_model_dir(Path::new("/nonexistent/model")),
        Err(Error::Io { .. })
    ));
    let d = copy_model("no_meta");
    std::fs::remove_file(d.join("contextData.json")).unwrap();
    assert!(
        matches!(load_model_dir(&d), Err(Error::Io { path, .. }) if path.ends_with("contextData.json"))
    );
}

/// One random mutation of one file of the model.
#[derive(Debug, Clone)]
enum Mutation {
    Flip {
        file: usize,
        at: usize,
        bits: u8,
    },
    Truncate {
        file: usize,
        at: usize,
    },
    Insert {
        file: usize,
        at: usize,
        bytes: Vec<u8>,
    },
    Splice {
        file: usize,
        from: usize,
        len: usize,
        to: usize,
    },
}

const FILES: [&str; 9] = [
    "contextData.json",
    "connections.json",
    "component/roots.json",
    "process/roots.json",
    "component/custom/Wexc.npz",
    "component/custom/Winh.npz",
    "component/custom/post_exc.npz",
    "component/custom/pre_exc.npz",
    "component/custom/pre_inh.npz",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let file = 0..FILES.len();
    prop_oneof![
        (file.clone(), any::<usize>(), 1u8..).prop_map(|(file, at, bits)| Mutation::Flip {
            file,
            at,
            bits
        }),
        (file.clone(), any::<usize>()).prop_map(|(file, at)| Mutation::Truncate { file, at }),
        (
            file.clone(),
            any::<usize>(),
            prop::collection::vec(
                prop_oneof![any::<u8>(), Just(b'"'), Just(b'{'), Just(b'9'), Just(0xff)],
                1..8
            )
        )
            .prop_map(|(file, at, bytes)| Mutation::Insert { file, at, bytes }),
        (file, any::<usize>(), 1usize..64, any::<usize>()).prop_map(|(file, from, len, to)| {
            Mutation::Splice {
                file,
                from,
                len,
                to,
            }
        }),
    ]
}

impl Mutation {
    fn file(&self) -> usize {
        match *self {
            Mutation::Flip { file, .. }
            | Mutation::Truncate { file, .. }
            | Mutation::Insert { file, .. }
            | Mutation::Splice { file, .. } => file,
        }
    }

    fn apply(&self, b: &mut Vec<u8>) {
        match self {
            Mutation::Flip { at, bits, .. } => {
                let n = b.len().max(1);
                if let Some(x) = b.get_mut(at % n) {
                    *x ^= bits;
                }
            }
            Mutation::Truncate { at, .. } => b.truncate(at % (b.len() + 1)),
            Mutation::Insert { at, bytes, .. } => {
                let at = at % (b.len() + 1);
                b.splice(at..at, bytes.iter().copied());
            }
            Mutation::Splice { from, len, to, .. } => {
                if b.is_empty() {
                    return;
                }
                let from = from % b.len();
                let chunk: Vec<u8> = b[from..(from + len).min(b.len())].to_vec();
                let to = to % (b.len() + 1);
                b.splice(to..to, chunk);
            }
        }
    }
}

fn apply(dir: &Path, muts: &[Mutation]) {
    for m in muts {
        let p = dir.join(FILES[m.file()]);
        let mut bytes = std::fs::read(&p).unwrap();
        m.apply(&mut bytes);
        std::fs::write(&p, bytes).unwrap();
    }
}

proptest! {
    // Set PROPTEST_CASES for a longer fuzzing run (the closing note reports one).
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(64), ..ProptestConfig::default() })]

    /// Mutated model files load or fail with an error; they never panic.
    #[test]
    fn mutated_models_never_panic(muts in prop::collection::vec(mutation(), 1..4)) {
        let d = copy_model(&format!("fuzz_{:?}", std::thread::current().id()).replace(['(', ')'], ""));
        apply(&d, &muts);
        if let Ok(mut m) = load_model_dir(&d) {
            // A model that loads also runs (some steps) without panicking.
            if let Ok(adv) = m.process_id("advance_proc") {
                for k in 1..=20 {
                    let _ = m.run(adv, k as f32 * 0.1, 0.1);
                }
            }
        }
    }
}
