//! `ngc run`: step a model, feeding and recording compartments.
//!
//! Contract (see `ngc run --help`): step k (0-based) runs the process once with
//! t = T0 + k·DT. Before step k each fed compartment is set to FILE[k]; after step k
//! each recorded compartment is appended. Recordings are `OUT/COMP.FIELD.npy`, float32,
//! shape (N, batch, units); spike events are `OUT/COMP.FIELD.spikes.npy`, int32 rows
//! (step, unit), or (step, row, unit) when the batch has more than one row.

use crate::plot;
use crate::signals;
use ngclearn::core::sim::{CounterId, FeedSource, Flow, Recorded, Recording, Simulation, Sink};
use ngclearn::io::model_file::{KeySeed, SeedOrigin};
use ngclearn::io::npy::{remove_stale_parts, Dtype, NpyRows, NpyStream};
use ngclearn::io::replace::PendingFile;
use ngclearn::models::ei_alpha::EiAlpha;
use ngclearn::prelude::*;
use std::path::{Path, PathBuf};
use std::result::Result;
use std::time::Instant;

/// What `ngc run` was asked to do (its command-line arguments).
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Model directory (holding contextData.json) or .toml model file.
    pub model: Option<PathBuf>,
    /// Number of steps.
    #[arg(long, default_value_t = 10_000)]
    pub steps: usize,
    /// Step size (ms).
    #[arg(long, default_value_t = 0.1, allow_hyphen_values = true)]
    pub dt: f32,
    /// Time of the first step (ms); default DT.
    #[arg(long, allow_hyphen_values = true)]
    pub t0: Option<f32>,
    /// Process to run; default advance_proc, else the only process calling advance_state.
    #[arg(long)]
    pub process: Option<String>,
    /// Run the reset process (reset_proc, else the only all-reset process) first.
    #[arg(long)]
    pub reset: bool,
    /// COMP:FIELD=FILE.npy: set the compartment to FILE[k] before step k.
    #[arg(long = "feed", value_name = "COMP:FIELD=FILE")]
    pub feeds: Vec<String>,
    /// COMP:FIELD: record the compartment after every step.
    #[arg(long = "record", value_name = "COMP:FIELD")]
    pub records: Vec<String>,
    /// COMP:FIELD: record the non-zero entries (spikes) as events.
    #[arg(long = "record-spikes", value_name = "COMP:FIELD")]
    pub record_spikes: Vec<String>,
    /// Save the final model as an ngclearn model directory.
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// Output directory for recordings and figures.
    #[arg(long, default_value = "ngc-out")]
    pub out: PathBuf,
    /// How encoders draw: `jax` (ngclearn's exact draws) or `fast` (same statistics,
    /// cost following the spikes).
    #[arg(long, value_enum, default_value_t = Random::Jax)]
    pub random: Random,
    /// Do not draw the default run's figures.
    #[arg(long)]
    pub no_plots: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Seed for the keys of components that give none: a model file's (overriding its
    /// `seed`), or the default model's PRNGKey (default 1234, the tutorial's).
    #[arg(long)]
    pub seed: Option<u64>,
    // Figure options
    #[command(flatten)]
    pub figure: plot::FigureArgs,
}

/// `--random`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Random {
    /// JAX-compatible: the same spikes as ngclearn from the same keys.
    Jax,
    /// Geometric skipping: the same statistics, faster.
    Fast,
}

/// A failure of the command, as one line for the user.
pub type CliResult<T> = Result<T, String>;

fn lib(e: ngclearn::Error) -> String {
    e.to_string()
}

/// Loads MODEL: an ngclearn model directory, or a model file (`.toml`).
/// `seed` keys a model file's components that give no key (a saved model's components
/// carry their saved keys, so it is an error there); returns the seed used, if any.
pub fn load(model: &Path, seed: Option<u64>) -> CliResult<(Model, Option<KeySeed>)> {
    if model.is_dir() {
        if seed.is_some() {
            return Err(format!(
                "--seed: {} is a saved model, whose components carry their saved keys; --seed applies to model files (.toml) and the default model",
                model.display()
            ));
        }
        Ok((ngclearn::io::load_model_dir(model).map_err(lib)?, None))
    } else if model.is_file() {
        ngclearn::io::model_file::load_model_file_seeded(model, seed).map_err(lib)
    } else {
        Err(format!(
            "{}: no such model directory or file",
            model.display()
        ))
    }
}

/// A population whose spikes the summary counts.
pub struct Group {
    pub name: String,
    pub cells: usize,
    pub spikes: u64,
    counter: CounterId,
}

/// Spiking populations of a model (every compartment its class declares as holding
/// spikes: LIF cells' `s`, encoders' `outputs`), counted by `sim`.
fn groups(m: &Model, sim: &mut Simulation) -> ngclearn::Result<Vec<Group>> {
    let mut groups = Vec::new();
    for c in m.components() {
        for info in c.schema().compartments.iter().filter(|i| i.spikes) {
            let r = m.compartment(&format!("{}:{}", c.name(), info.name))?;
            let (b, u) = m.shape_of(r)?;
            groups.push(Group {
                name: c.name().to_string(),
                cells: b * u,
                spikes: 0,
                counter: sim.count_spikes(m, r)?,
            });
        }
    }
    Ok(groups)
}

fn split_feed(spec: &str) -> CliResult<(&str, &str)> {
    spec.split_once('=')
        .filter(|(p, f)| !p.is_empty() && !f.is_empty())
        .ok_or_else(|| format!("--feed `{spec}`: expected COMP:FIELD=FILE.npy"))
}

/// The outcome of a run, for the summary and the plots.
pub struct RunReport {
    pub model: String,
    pub process: String,
    pub steps: usize,
    pub dt: f32,
    pub wall: f64,
    pub groups: Vec<Group>,
    pub written: Vec<PathBuf>,
    /// The seed that keyed components without a key of their own, if one did.
    pub key_seed: Option<KeySeed>,
}

/// The outermost directory of `dir` that does not exist yet (what a failed run removes).
fn first_missing(dir: &Path) -> Option<PathBuf> {
    let mut missing = None;
    let mut d = Some(dir);
    while let Some(p) = d {
        if p.as_os_str().is_empty() || p.exists() {
            break;
        }
        missing = Some(p.to_path_buf());
        d = p.parent();
    }
    missing
}

/// Runs the command; on failure nothing is left behind but what was there before.
pub fn run(a: &RunArgs) -> CliResult<RunReport> {
    let created = first_missing(&a.out);
    let result = execute(a);
    if result.is_err() {
        if let Some(d) = created {
            let _ = std::fs::remove_dir_all(d);
        }
    }
    result
}

fn execute(a: &RunArgs) -> CliResult<RunReport> {
    if !(a.dt.is_finite() && a.dt > 0.0) {
        return Err(format!(
            "--dt {}: must be a positive, finite number of ms",
            a.dt
        ));
    }
    let t0 = a.t0.unwrap_or(a.dt);
    let t_last = (t0 as f64 + a.steps.saturating_sub(1) as f64 * a.dt as f64) as f32;
    if !t0.is_finite() || !t_last.is_finite() {
        return Err(format!(
            "--t0 {t0} with {} steps of {} ms: the times must stay finite",
            a.steps, a.dt
        ));
    }
    if !a.record_spikes.is_empty() && a.steps > i32::MAX as usize {
        return Err(format!(
            "--steps {}: spike events hold steps as int32 (at most {})",
            a.steps,
            i32::MAX
        ));
    }
    check_out_dir(&a.out)?;
    if let Some(dir) = &a.save {
        let (save, out) = (absolute(dir), absolute(&a.out));
        if out.starts_with(&save) {
            return Err(format!(
                "--save {} and --out {}: the recordings would be inside the model directory, which saving replaces; give them separate directories",
                dir.display(),
                a.out.display()
            ));
        }
        ngclearn::io::check_save_target(dir, true).map_err(|e| format!("--save: {e}"))?;
    }
    let default = a.model.is_none();
    let (mut m, key_seed) = match &a.model {
        Some(p) => load(p, a.seed)?,
        None => {
            let mut tutorial = EiAlpha::default();
            if let Some(seed) = a.seed {
                tutorial.seed = seed;
            }
            (tutorial.build().map_err(lib)?, None)
        }
    };
    if a.random == Random::Fast {
        m.set_random_mode(ngclearn::core::rng::RandomMode::Fast);
    }
    let process = match &a.process {
        Some(name) => m.process_id(name).map_err(lib)?,
        None => m.advance_process().map_err(lib)?,
    };
    let process_name = m.process_name(process).map_err(lib)?.to_string();
    if a.reset {
        let r = m.reset_process().map_err(lib)?;
        m.run(r, t0, a.dt).map_err(lib)?;
    }

    // Resolve and check every feed and record before anything is written.
    let mut sim = Simulation::new(&m, process, t0, a.dt).map_err(lib)?;
    for spec in &a.feeds {
        let (path, file) = split_feed(spec)?;
        let target = m
            .compartment(path)
            .map_err(|e| format!("--feed {spec}: {e}"))?;
        if m.is_wired(target).map_err(lib)? {
            return Err(format!(
                "--feed {spec}: `{path}` is wired, so it cannot be fed; feed its source"
            ));
        }
        let rows = NpyRows::open(Path::new(file)).map_err(|e| format!("--feed {spec}: {e}"))?;
        if rows.shape().len() == 3 && rows.shape()[0] < a.steps {
            return Err(format!(
                "--feed {spec}: {file} has {} steps; the run needs {}",
                rows.shape()[0],
                a.steps
            ));
        }
        sim.feed(&m, target, FeedSource::Rows(rows))
            .map_err(|e| format!("--feed {spec}: {e}"))?;
    }
    let mut targets: Vec<(&str, CompartmentRef, bool)> = Vec::new();
    for (flag, specs, events) in [
        ("--record", &a.records, false),
        ("--record-spikes", &a.record_spikes, true),
    ] {
        for spec in specs {
            let r = m
                .compartment(spec)
                .map_err(|e| format!("{flag} {spec}: {e}"))?;
            if targets.iter().any(|&(_, x, ev)| x == r && ev == events) {
                return Err(format!("{flag} {spec}: given twice"));
            }
            targets.push((flag, r, events));
        }
    }
    std::fs::create_dir_all(&a.out).map_err(|e| format!("--out {}: {e}", a.out.display()))?;
    // Parts of recordings that a killed run left (its process is gone).
    remove_stale_parts(&a.out);
    check_disk_budget(&m, a, &targets)?;
    let file_of = |r: CompartmentRef, events: bool| -> CliResult<PathBuf> {
        let suffix = if events { ".spikes" } else { "" };
        let path = m.path_of(r).map_err(lib)?;
        Ok(a.out
            .join(format!("{}{suffix}.npy", path.replacen(':', ".", 1))))
    };
    // A destination that is a directory would fail only when the outputs are committed,
    // after the run (and after --save replaced the model): refuse it now.
    for &(flag, r, events) in &targets {
        let npy = file_of(r, events)?;
        for dest in [npy.clone(), npy.with_extension("json")] {
            if dest.is_dir() {
                return Err(format!(
                    "{flag} {}: {} is a directory",
                    m.path_of(r).map_err(lib)?,
                    dest.display()
                ));
            }
        }
    }
    let mut recorded = Vec::new();
    for &(_, r, events) in &targets {
        let (b, u) = m.shape_of(r).map_err(lib)?;
        let npy = file_of(r, events)?;
        let (what, stream) = if events {
            let cols = if b > 1 { 3 } else { 2 };
            let s = NpyStream::create(&npy, Dtype::I32, &[cols]).map_err(lib)?;
            (Recording::Spikes, s)
        } else {
            let s = NpyStream::create(&npy, Dtype::F32, &[b, u]).map_err(lib)?;
            (Recording::Dense, s)
        };
        sim.record(&m, r, what, Sink::Npy(stream)).map_err(lib)?;
        recorded.push((r, events, npy));
    }
    let mut groups = groups(&m, &mut sim).map_err(lib)?;
    let mut default_trace = if default && !a.no_plots {
        a.figure.check()?;
        Some(plot::EiTrace::new(&m, a.steps)?)
    } else {
        None
    };

    let bar = if a.quiet || a.steps < 20_000 {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(a.steps as u64)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} steps {per_sec} eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let start = Instant::now();
    sim.run(&mut m, a.steps, |m, k| {
        if let Some(sig) = signals::received() {
            return Err(ngclearn::Error::Io {
                path: a.out.display().to_string(),
                message: format!(
                    "interrupted by {} at step {k} of {}; no output written",
                    signals::name(sig),
                    a.steps
                ),
            });
        }
        if let Some(tr) = default_trace.as_mut() {
            tr.push(m, k)?;
        }
        if k % 1024 == 0 {
            bar.set_position(k as u64);
        }
        Ok(Flow::Continue)
    })
    .map_err(lib)?;
    let wall = start.elapsed().as_secs_f64();
    bar.finish_and_clear();
    for g in &mut groups {
        g.spikes = sim.spikes(g.counter).expect("a counter of this simulation");
    }

    // Every output is first written beside its destination under a hidden name; only
    // when all are ready are they moved into place (the saved model first), so a
    // failure or a signal before that leaves the older outputs as they were.
    let time = TimeAxis {
        dt: a.dt,
        t0,
        steps: a.steps,
    };
    let mut pending: Vec<PendingFile> = Vec::new();
    for ((r, events, npy), out) in recorded.into_iter().zip(sim.finish().map_err(lib)?) {
        let kind = if events { "spikes" } else { "trace" };
        pending.push(sidecar(&m, r, kind, &time, &npy)?);
        if let Recorded::File(f) = out {
            pending.push(f);
        }
    }
    let model_dir = match &a.save {
        Some(dir) => Some(
            ngclearn::io::prepare_model_dir(&m, dir, true).map_err(|e| format!("--save: {e}"))?,
        ),
        None => None,
    };
    let figures = match default_trace {
        Some(tr) => tr.plot(&a.out, t0, a.dt, &a.figure)?,
        None => Vec::new(),
    };
    if let Some(sig) = signals::received() {
        return Err(format!(
            "{}: interrupted by {} after the last step; no output written",
            a.out.display(),
            signals::name(sig)
        ));
    }
    // From here on the run completes: a later signal is answered when it is done.
    let mut written = Vec::new();
    if let Some(p) = model_dir {
        let dest = p.dest().to_path_buf();
        p.commit().map_err(|e| format!("--save: {e}"))?;
        written.push(dest);
    }
    for f in pending.into_iter().chain(figures) {
        let dest = f.dest().to_path_buf();
        f.commit().map_err(lib)?;
        if dest.extension().is_some_and(|e| e != "json") {
            written.push(dest);
        }
    }
    Ok(RunReport {
        model: m.name().to_string(),
        process: process_name,
        steps: a.steps,
        dt: a.dt,
        wall,
        groups,
        written,
        key_seed,
    })
}

/// The time axis of a run, for the recordings' sidecar files.
struct TimeAxis {
    dt: f32,
    t0: f32,
    steps: usize,
}

/// Writes `COMP.FIELD.json` (or `COMP.FIELD.spikes.json`) beside a recording: what it
/// holds and its time axis (step k is at t0 + k·dt ms), so `ngc plot` and scripts need
/// not guess. Left pending like the recording itself.
fn sidecar(
    m: &Model,
    r: CompartmentRef,
    kind: &str,
    time: &TimeAxis,
    npy: &Path,
) -> CliResult<PendingFile> {
    let dest = npy.with_extension("json");
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dest.with_file_name(format!(".{name}.part-{}-0", std::process::id()));
    let path = m.path_of(r).map_err(lib)?;
    let (component, field) = path.split_once(':').unwrap_or((path.as_str(), ""));
    let class = m.component_of(r).map_err(lib)?.schema().class;
    let (b, u) = m.shape_of(r).map_err(lib)?;
    let mut meta = serde_json::json!({
        "component": component,
        "class": class,
        "field": field,
        "kind": kind,
        "dt": shortest(time.dt),
        "t0": shortest(time.t0),
        "steps": time.steps,
        "time_unit": "ms",
        "shape": [b, u],
    });
    if kind == "spikes" {
        meta["columns"] = if b > 1 {
            serde_json::json!(["step", "row", "unit"])
        } else {
            serde_json::json!(["step", "unit"])
        };
    }
    let pending = PendingFile::new(tmp.clone(), dest.clone());
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| std::io::Write::write_all(&mut f, format!("{meta:#}\n").as_bytes()))
        .map_err(|e| format!("{}: {e}", dest.display()))?;
    Ok(pending)
}

/// An f32 as the f64 with the same shortest decimal form (0.1, not 0.10000000149...).
fn shortest(x: f32) -> f64 {
    x.to_string().parse().unwrap_or(x as f64)
}

/// `--out` must be a directory (or not exist yet, under directories).
fn check_out_dir(out: &Path) -> CliResult<()> {
    if out.exists() && !out.is_dir() {
        return Err(format!(
            "--out {}: is a file, not a directory",
            out.display()
        ));
    }
    if let Some(file) = out.ancestors().skip(1).find(|p| p.is_file()) {
        return Err(format!(
            "--out {}: {} is a file, not a directory",
            out.display(),
            file.display()
        ));
    }
    Ok(())
}

/// `p` made absolute (lexically: `.` and `..` resolved without touching the disk).
fn absolute(p: &Path) -> PathBuf {
    let p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Refuses a run whose dense recordings could not fit on the disk of `--out`.
fn check_disk_budget(
    m: &Model,
    a: &RunArgs,
    targets: &[(&str, CompartmentRef, bool)],
) -> CliResult<()> {
    let mut bytes = 0u128;
    for &(_, r, events) in targets {
        if !events {
            let (b, u) = m.shape_of(r).map_err(lib)?;
            bytes += (b as u128) * (u as u128) * 4 * (a.steps as u128);
        }
    }
    match free_bytes(&a.out) {
        Some(free) if bytes > free as u128 => Err(format!(
            "--record: {} steps need {} of recordings; {} has {} free",
            a.steps,
            human_bytes(bytes),
            a.out.display(),
            human_bytes(free as u128)
        )),
        _ => Ok(()),
    }
}

fn human_bytes(b: u128) -> String {
    let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1000.0 && i + 1 < units.len() {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{b} bytes")
    } else {
        format!("{v:.1} {}", units[i])
    }
}

/// Free space on the file system of `dir`, where the system tells it.
#[cfg(target_os = "linux")]
fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs fills the zeroed struct; the path is NUL-terminated and lives
    // across the call.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

#[cfg(not(target_os = "linux"))]
fn free_bytes(_: &Path) -> Option<u64> {
    None
}

impl RunReport {
    /// The end-of-run summary.
    pub fn summary(&self) -> String {
        let sim_ms = self.steps as f64 * self.dt as f64;
        let mut s = format!(
            "ngc run: model {} process {}\n  {} steps x {} ms = {:.1} ms simulated in {:.3} s wall ({:.0} steps/s)\n",
            self.model,
            self.process,
            self.steps,
            self.dt,
            sim_ms,
            self.wall,
            self.steps as f64 / self.wall.max(1e-9)
        );
        for g in &self.groups {
            let rate = if sim_ms > 0.0 {
                g.spikes as f64 / g.cells as f64 / (sim_ms / 1000.0)
            } else {
                0.0
            };
            s += &format!(
                "  {:<12} {:>7} {:<5} {:>9} {:<6}  mean rate {:.2} Hz\n",
                g.name,
                g.cells,
                if g.cells == 1 { "cell" } else { "cells" },
                g.spikes,
                if g.spikes == 1 { "spike" } else { "spikes" },
                rate
            );
        }
        if let Some(k) = self.key_seed {
            let whence = match k.origin {
                SeedOrigin::Given => "--seed",
                SeedOrigin::File => "the model file's seed",
                SeedOrigin::Clock => "drawn from the clock",
            };
            s += &format!(
                "  seed {} ({whence}) keyed {} component{} without a key; --seed {} repeats this run\n",
                k.seed,
                k.components,
                if k.components == 1 { "" } else { "s" },
                k.seed
            );
        }
        for w in &self.written {
            s += &format!("  wrote {}\n", w.display());
        }
        s
    }
}
