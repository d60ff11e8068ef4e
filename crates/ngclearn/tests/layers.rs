//! The library's folders are layers: `error.rs` imports nothing of the crate, `core/`
//! imports only `core` and `error`, `utils/` nothing above `core`, `io/` nothing of
//! `components/`. Read from the sources (test modules may import anything).

use std::path::{Path, PathBuf};

/// The folders (or files) under `src/` a layer may import, besides itself.
const LAYERS: &[(&str, &[&str])] = &[
    ("error.rs", &[]),
    ("core", &["error"]),
    ("utils", &["core", "error", "warning"]),
    ("io", &["core", "utils", "error", "warning"]),
];

/// Every top-level module of the crate.
const MODULES: &[&str] = &[
    "components",
    "core",
    "error",
    "io",
    "prelude",
    "utils",
    "warning",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a source file: comments dropped, and its test module (at the end).
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            // A `//` inside a string is rare in these files' code; none names a module.
            Some(at) => &l[..at],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a file's code names with `crate::`.
fn imports(code: &str) -> Vec<&'static str> {
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        // `crate::{a, b::c}` groups name each.
        let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            let end = group.find("};").unwrap_or(group.len());
            group[..end]
                .split(',')
                .map(|p| p.trim().split("::").next().unwrap_or("").trim())
                .collect()
        } else {
            vec![rest
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("")]
        };
        for n in names {
            if let Some(m) = MODULES.iter().find(|m| **m == n) {
                if !found.contains(m) {
                    found.push(*m);
                }
            }
        }
    }
    found
}

#[test]
fn each_layer_imports_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for (layer, allowed) in LAYERS {
        let own = layer.trim_end_matches(".rs");
        let mut files = Vec::new();
        sources(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "no sources in {layer}");
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for m in imports(&code(&text)) {
                if m != own && !allowed.contains(&m) {
                    wrong.push(format!(
                        "{} imports crate::{m}",
                        f.strip_prefix(&src).unwrap().display()
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_check_sees_an_import_against_the_layers() {
    // The reader finds what the test looks for, in each form it takes.
    let code =
        code("use crate::{components::X, io};\nlet c = crate::utils::f(); // crate::warning\n");
    assert_eq!(imports(&code), ["components", "io", "utils"]);
}
