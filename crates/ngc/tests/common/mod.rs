//! Helpers shared by the `ngc` tests: run the binary, check its exits, scratch
//! directories outside the checkout, the fixture model.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `ngc ARGS`.
pub fn ngc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ngc"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs `ngc ARGS`, which must succeed.
pub fn succeeds(args: &[&str]) -> Output {
    let out = ngc(args);
    assert!(
        out.status.success(),
        "ngc {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `ngc ARGS`, which must succeed; its stdout.
pub fn ok(args: &[&str]) -> String {
    String::from_utf8(succeeds(args).stdout).unwrap()
}

/// Fails with exit 1 and one line on stderr mentioning each of `needles`.
pub fn fails(args: &[&str], needles: &[&str]) {
    let out = ngc(args);
    assert_eq!(out.status.code(), Some(1), "ngc {args:?} should fail");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` not in: {err}");
    }
}

/// A fresh, empty directory for one test, outside the checkout
/// (`$TMPDIR/ngc-tests-PID/NAME`).
pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir()
        .join(format!("ngc-tests-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// ngclearn 3.1.1's reference outputs (or `$NGCLEARN_FIXTURES`).
pub fn fixtures() -> PathBuf {
    let d = std::env::var("NGCLEARN_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../ngclearn/tests/fixtures/ngclearn-3.1.1")
        });
    assert!(d.is_dir(), "fixtures not found at {}", d.display());
    d
}

/// The tutorial circuit as ngclearn saved it.
pub fn fixture_model() -> PathBuf {
    fixtures().join("models/ei_alpha_tutorial")
}

/// Width and height from a PNG's IHDR chunk, checking the signature.
pub fn png_size(p: &Path) -> (u32, u32) {
    let b = std::fs::read(p).unwrap();
    assert_eq!(
        &b[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        p.display()
    );
    assert_eq!(&b[12..16], b"IHDR");
    (
        u32::from_be_bytes(b[16..20].try_into().unwrap()),
        u32::from_be_bytes(b[20..24].try_into().unwrap()),
    )
}
