//! Loads an ngclearn model directory, runs its advance process for STEPS steps of
//! 0.1 ms (t = 0.1, 0.2, ...), and saves it to OUT_DIR in ngclearn's format.
//!
//! The process is PROCESS when given, else `advance_proc`, else the only process that
//! calls `advance_state` (as `ngc run` chooses it): a model saved by the README's
//! Python, whose processes are `advance` and `reset`, runs `advance`.
//!
//! Run: `cargo run --release --example resave -- MODEL_DIR OUT_DIR STEPS [PROCESS]`
//! (`scripts/check_ngclearn_continuation.sh` uses it to let ngclearn continue a run.)

use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "usage: resave MODEL_DIR OUT_DIR STEPS [PROCESS]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match resave(&args) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("resave: {e}");
            ExitCode::from(1)
        }
    }
}

/// Runs the command; returns the line to print, or the error as one line.
fn resave(args: &[String]) -> Result<String, String> {
    let (model, out, steps, process) = match args {
        [m, o, s] => (m, o, s, None),
        [m, o, s, p] => (m, o, s, Some(p)),
        _ => return Err(USAGE.into()),
    };
    let steps: usize = steps
        .parse()
        .map_err(|_| format!("STEPS `{steps}`: expected a number of steps; {USAGE}"))?;
    let shown = |e: ngclearn::Error| e.to_string();
    let mut m = ngclearn::io::load_model_dir(Path::new(model)).map_err(shown)?;
    let adv = match process {
        Some(p) => m.process_id(p),
        None => m.advance_process(),
    }
    .map_err(shown)?;
    let name = m.process_name(adv).map_err(shown)?.to_string();
    // Every compartment its class declares as spikes (LIF cells' `s`, encoders'
    // `outputs`), counted as the run goes.
    let mut spiking = Vec::new();
    for c in m.components() {
        for info in c.schema().compartments.iter().filter(|i| i.spikes) {
            spiking.push((format!("{}:{}", c.name(), info.name), 0usize));
        }
    }
    let refs = spiking
        .iter()
        .map(|(path, _)| m.compartment(path))
        .collect::<Result<Vec<_>, _>>()
        .map_err(shown)?;
    for k in 1..=steps {
        m.run(adv, k as f32 * 0.1, 0.1).map_err(shown)?;
        for (&r, (_, count)) in refs.iter().zip(spiking.iter_mut()) {
            *count += m
                .view(r)
                .map_err(shown)?
                .map_or(0, |s| s.iter().filter(|&&x| x > 0.0).count());
        }
    }
    ngclearn::io::save_model_dir(&m, Path::new(out), true).map_err(shown)?;
    let counts: Vec<String> = spiking
        .iter()
        .map(|(path, n)| format!("{path} {n}"))
        .collect();
    let spikes = if counts.is_empty() {
        String::new()
    } else {
        format!(" (spikes: {})", counts.join(", "))
    };
    Ok(format!(
        "ran {steps} steps of `{name}`{spikes}, saved {out}"
    ))
}

#[cfg(test)]
mod tests {
    use super::resave;
    use std::path::{Path, PathBuf};

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir()
            .join(format!("resave-tests-{}", std::process::id()))
            .join(name);
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    /// The E-I circuit saved with its processes named as the README's Python names
    /// them (`advance`, `reset`).
    fn readme_model(dir: &Path) -> PathBuf {
        let toml = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("models/ei_alpha.toml"),
        )
        .unwrap()
        .replace("advance_proc =", "advance =")
        .replace("reset_proc =", "reset =");
        let file = dir.join("ei.toml");
        std::fs::write(&file, toml).unwrap();
        let model = ngclearn::io::model_file::load_model_file(&file).unwrap();
        let saved = dir.join("ei");
        ngclearn::io::save_model_dir(&model, &saved, false).unwrap();
        saved
    }

    #[test]
    fn a_model_whose_process_is_named_advance_runs_it() {
        let dir = scratch("advance");
        let model = readme_model(&dir);
        let out = dir.join("out");
        let line = resave(&args(&[
            model.to_str().unwrap(),
            out.to_str().unwrap(),
            "1000",
        ]))
        .unwrap();
        assert!(line.starts_with("ran 1000 steps of `advance`"), "{line}");
        assert!(line.contains("post_exc:s "), "{line}");
        let again = ngclearn::io::load_model_dir(&out).unwrap();
        assert!(again.process_id("advance").is_ok());
    }

    #[test]
    fn errors_read_as_sentences_with_the_usage() {
        assert!(resave(&args(&["a", "b"]))
            .unwrap_err()
            .starts_with("usage: resave"));
        let e = resave(&args(&["a", "b", "ten"])).unwrap_err();
        assert!(e.contains("STEPS `ten`") && e.contains("usage:"), "{e}");
        let dir = scratch("errors");
        let model = readme_model(&dir);
        let out = dir.join("out");
        let e = resave(&args(&[
            model.to_str().unwrap(),
            out.to_str().unwrap(),
            "1",
            "advance_proc",
        ]))
        .unwrap_err();
        assert!(
            e.contains("advance_proc") && !e.contains("UnknownProcess"),
            "{e}"
        );
    }
}
