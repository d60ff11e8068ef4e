//! Loads an ngclearn model directory, runs its `advance_proc` for STEPS steps of
//! 0.1 ms (t = 0.1, 0.2, ...), and saves it to OUT in ngclearn's format.
//!
//! Run: `cargo run --release --example resave -- MODEL_DIR OUT_DIR STEPS`
//! (`scripts/check_ngclearn_continuation.sh` uses it to let ngclearn continue a run.)

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, out, steps] = args.as_slice() else {
        return Err("usage: resave MODEL_DIR OUT_DIR STEPS".into());
    };
    let steps: usize = steps.parse()?;
    let mut m = ngclearn::io::load_model_dir(Path::new(model))?;
    let (adv, s) = (m.process_id("advance_proc")?, m.compartment("post_exc:s")?);
    let mut spikes = 0;
    for k in 1..=steps {
        m.run(adv, k as f32 * 0.1, 0.1)?;
        spikes += m
            .view(s)?
            .map_or(0, |s| s.iter().filter(|&&x| x > 0.0).count());
    }
    ngclearn::io::save_model_dir(&m, Path::new(out), true)?;
    println!("ran {steps} steps ({spikes} post spikes), saved {out}");
    Ok(())
}
