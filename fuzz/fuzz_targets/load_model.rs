//! Fuzzes the saved-model loader: the first input byte picks one file of the fixture
//! model, the rest of the input replaces it, and the directory is loaded (and, if it
//! loads, run for a few steps). Any panic or crash is a finding.
//!
//! Run (from the repository root):
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run load_model -- -max_total_time=600`
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

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

fn fixture() -> PathBuf {
    let d = std::env::var("NGCLEARN_FIXTURES")
        .unwrap_or_else(|_| "crates/ngclearn/tests/fixtures/ngclearn-3.1.1".into());
    Path::new(&d).join("models/ei_alpha_tutorial")
}

/// The fixture's files, read once.
fn originals() -> &'static Vec<Vec<u8>> {
    static O: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    O.get_or_init(|| {
        FILES
            .iter()
            .map(|f| std::fs::read(fixture().join(f)).expect("fixture model"))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("ngclearn-fuzz-{}", std::process::id()));
    for sub in ["component/custom", "process"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let which = pick as usize % FILES.len();
    for (i, f) in FILES.iter().enumerate() {
        let bytes: &[u8] = if i == which { rest } else { &originals()[i] };
        std::fs::write(dir.join(f), bytes).unwrap();
    }
    if let Ok(mut m) = ngclearn::io::load_model_dir(&dir) {
        if let Ok(adv) = m.process_id("advance_proc") {
            for k in 1..=5 {
                let _ = m.run(adv, k as f32 * 0.1, 0.1);
            }
        }
    }
});
