//! The `ngc` binary: list, help (text and JSON), and the error exit for an unknown class.

mod common;

use common::ngc;

#[test]
fn list_names_every_class() {
    let out = ngc(&["list"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for c in [
        "DenseSynapse",
        "AlphaSynapse",
        "ExponentialSynapse",
        "DoubleExpSynapse",
        "LIFCell",
        "PoissonCell",
        "BernoulliCell",
    ] {
        assert!(text.contains(c), "{c} missing from:\n{text}");
    }
}

#[test]
fn help_prints_the_schema_as_text_and_json() {
    let out = ngc(&["help", "AlphaSynapse"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("g_syn_bar") && text.contains("compartments: inputs"),
        "{text}"
    );
    let out = ngc(&["help", "LIFCell", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["class"], "LIFCell");
}

#[test]
fn unknown_class_fails_with_one_line_naming_it() {
    let out = ngc(&["help", "Nope"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("`Nope`") && err.contains("AlphaSynapse"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_missing_argument_is_named_with_the_usage() {
    for (args, missing, usage) in [
        (
            &["help"][..],
            "<CLASS>",
            "usage: ngc help <CLASS> (see `ngc help --help`)",
        ),
        (
            &["plot"][..],
            "<FILES>...",
            "usage: ngc plot <FILES>... (see `ngc plot --help`)",
        ),
    ] {
        let out = ngc(args);
        assert_eq!(out.status.code(), Some(1), "ngc {args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(
            err.contains(&format!("not provided: {missing};")) && err.contains(usage),
            "{err}"
        );
        assert!(!err.contains(":;"), "{err}");
    }
}

#[test]
fn a_class_name_with_a_typo_suggests_the_nearest() {
    for (typed, meant) in [("LIFcell", "LIFCell"), ("AlphaSynpase", "AlphaSynapse")] {
        let out = ngc(&["help", typed]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains(&format!("`{typed}`; did you mean `{meant}`?")),
            "{err}"
        );
    }
}

#[test]
fn a_model_file_class_with_a_typo_suggests_the_nearest() {
    let dir = common::scratch("class_typo");
    let model = dir.join("m.toml");
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/models/ei_alpha.toml"),
    )
    .unwrap()
    .replacen("class = \"PoissonCell\"", "class = \"PoisonCell\"", 1);
    std::fs::write(&model, text).unwrap();
    let out = dir.join("out");
    common::fails(
        &[
            "run",
            model.to_str().unwrap(),
            "--steps",
            "1",
            "--out",
            out.to_str().unwrap(),
        ],
        &["`PoisonCell`; did you mean `PoissonCell`?"],
    );
}
