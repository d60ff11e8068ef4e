//! The README's own commands: what they write into the checkout is ignored by git, and
//! running an example builds the library, not its benchmarks and property tests.

use std::path::Path;
use std::process::Command;

/// The first path component of each `--out DIR` and `--save DIR` in `text`, and of
/// each `default="DIR"` given to an `--out` option of the Python examples.
fn output_dirs(text: &str) -> Vec<String> {
    let mut dirs = Vec::new();
    let words: Vec<&str> = text.split_whitespace().collect();
    for w in words.windows(2) {
        if w[0] == "--out" || w[0] == "--save" {
            let d = w[1].trim_matches(|c: char| "`'\"[]),".contains(c));
            if let Some(first) = d
                .split('/')
                .next()
                .filter(|f| !f.is_empty() && !f.starts_with(['$', '-', '<']) && !f.contains("DIR"))
            {
                dirs.push(first.to_string());
            }
        }
    }
    for line in text.lines().filter(|l| l.contains("\"--out\"")) {
        if let Some(rest) = line.split("default=\"").nth(1) {
            dirs.extend(rest.split('"').next().map(str::to_string));
        }
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

#[test]
fn what_the_readme_and_examples_write_is_ignored() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let git = |args: &[&str]| Command::new("git").current_dir(&root).args(args).output();
    match git(&["rev-parse", "--is-inside-work-tree"]) {
        Ok(o) if o.status.success() => {}
        // A packaged crate, or no git: nothing to check.
        _ => return,
    }
    let mut text = std::fs::read_to_string(root.join("README.md")).unwrap();
    for dir in ["examples/python", "docs"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "py" || x == "md") {
                text += &std::fs::read_to_string(&p).unwrap();
            }
        }
    }
    let mut dirs = output_dirs(&text);
    // The program's own defaults, and the model directory the README's Python saves.
    dirs.extend(["ngc-out", "ngc-plots", "ngc-probe", "ei"].map(String::from));
    for must in ["out", "figs", "dc-out", "pc-out"] {
        assert!(
            dirs.iter().any(|d| d == must),
            "{must} not found in {dirs:?}"
        );
    }
    for d in &dirs {
        let o = git(&["check-ignore", "-q", &format!("{d}/")]).unwrap();
        assert!(
            o.status.success(),
            "{d}/ is not in .gitignore (of {dirs:?})"
        );
    }
}

#[test]
fn the_examples_do_not_build_the_librarys_dev_dependencies() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let in_checkout = Command::new("git")
        .current_dir(&root)
        .args(["rev-parse", "--is-inside-work-tree"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !in_checkout {
        return;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let tree = |package: &str| {
        let o = Command::new(&cargo)
            .current_dir(&root)
            .args(["tree", "--offline", "-p", package, "-e", "normal,build,dev"])
            .args(["--prefix", "none", "-f", "{p}"])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "cargo tree -p {package}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    // What `cargo run --example ei_circuit` builds: the examples' package and what it
    // needs, dev-dependencies included (cargo builds those for examples).
    let examples = tree("ngclearn-examples");
    assert!(examples.contains("ngclearn v"), "{examples}");
    for dev in ["criterion", "proptest"] {
        assert!(
            tree("ngclearn").contains(dev),
            "the library no longer uses {dev}"
        );
        assert!(!examples.contains(dev), "the examples build {dev}");
    }
}
