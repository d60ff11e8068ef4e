//! `ngc run`: step a model, feeding and recording compartments.
//!
//! Contract (see `ngc run --help`): step k (0-based) runs the process once with
//! t = T0 + k·DT. Before step k each fed compartment is set to FILE[k]; after step k
//! each recorded compartment is appended. Recordings are `OUT/COMP.FIELD.npy`, float32,
//! shape (N, batch, units); spike events are `OUT/COMP.FIELD.spikes.npy`, int32 rows
//! (step, unit), or (step, row, unit) when the batch has more than one row.

use crate::plot;
use ngclearn::io::npy::{read_f32_3d, Dtype, NpyStream};
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
pub fn load(model: &Path) -> CliResult<Model> {
    if model.is_dir() {
        ngclearn::io::load_model_dir(model).map_err(lib)
    } else if model.is_file() {
        ngclearn::io::model_file::load_model_file(model).map_err(lib)
    } else {
        Err(format!(
            "{}: no such model directory or file",
            model.display()
        ))
    }
}

struct Feed {
    target: CompartmentRef,
    data: ndarray::Array3<f32>,
}

struct Record {
    source: CompartmentRef,
    buf: Vec<f32>,
    stream: NpyStream,
}

struct SpikeRecord {
    source: CompartmentRef,
    buf: Vec<f32>,
    units: usize,
    batched: bool,
    stream: NpyStream,
}

/// A population whose spikes the summary counts.
pub struct Group {
    pub name: String,
    pub source: CompartmentRef,
    pub cells: usize,
    pub spikes: u64,
    buf: Vec<f32>,
}

/// Spiking populations of a model: LIF cells' `s`, encoders' `outputs`.
fn groups(m: &Model) -> Vec<Group> {
    m.components()
        .filter_map(|c| {
            let field = match c.schema().class {
                "LIFCell" => "s",
                "PoissonCell" | "BernoulliCell" => "outputs",
                _ => return None,
            };
            let r = m.compartment(&format!("{}:{field}", c.name())).ok()?;
            let (b, u) = m.shape_of(r);
            Some(Group {
                name: c.name().to_string(),
                source: r,
                cells: b * u,
                spikes: 0,
                buf: vec![0.0; b * u],
            })
        })
        .collect()
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
}

/// Files written so far; removed on drop unless the run completes.
struct Outputs {
    files: Vec<PathBuf>,
    done: bool,
}

impl Drop for Outputs {
    fn drop(&mut self) {
        if !self.done {
            for f in &self.files {
                let _ = std::fs::remove_file(f);
            }
        }
    }
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
    if let Some(dir) = &a.save {
        if dir.file_name().is_none() {
            return Err(format!("--save {}: needs a directory name", dir.display()));
        }
        if dir.exists() && !dir.join("contextData.json").exists() {
            return Err(format!(
                "--save {}: exists and is not a model directory; not overwriting it",
                dir.display()
            ));
        }
    }
    let default = a.model.is_none();
    let mut m = match &a.model {
        Some(p) => load(p)?,
        None => EiAlpha::default().build().map_err(lib)?,
    };
    if a.random == Random::Fast {
        m.set_random_mode(ngclearn::core::rng::RandomMode::Fast);
    }
    let process = match &a.process {
        Some(name) => m.process_id(name).map_err(lib)?,
        None => m.advance_process().map_err(lib)?,
    };
    let process_name = m
        .process_names()
        .nth(process.0)
        .unwrap_or_default()
        .to_string();
    if a.reset {
        let r = m.reset_process().map_err(lib)?;
        m.run(r, t0, a.dt).map_err(lib)?;
    }

    // Resolve and check every feed and record before anything is written.
    let mut feeds = Vec::new();
    for spec in &a.feeds {
        let (path, file) = split_feed(spec)?;
        let target = m
            .compartment(path)
            .map_err(|e| format!("--feed {spec}: {e}"))?;
        if m.is_wired(target) {
            return Err(format!(
                "--feed {spec}: `{path}` is wired, so it cannot be fed; feed its source"
            ));
        }
        let data = read_f32_3d(Path::new(file)).map_err(lib)?;
        let (b, u) = m.shape_of(target);
        let (n, fb, fu) = data.dim();
        if (fb, fu) != (b, u) {
            return Err(format!(
                "--feed {spec}: {file} has shape ({n}, {fb}, {fu}); `{path}` needs ({}, {b}, {u})",
                a.steps
            ));
        }
        if n < a.steps {
            return Err(format!(
                "--feed {spec}: {file} has {n} steps; the run needs {}",
                a.steps
            ));
        }
        feeds.push(Feed { target, data });
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
    std::fs::create_dir_all(&a.out).map_err(|e| format!("{}: {e}", a.out.display()))?;
    let file_of = |r: CompartmentRef, suffix: &str| {
        a.out.join(format!(
            "{}{suffix}.npy",
            m.path_of(r).replacen(':', ".", 1)
        ))
    };
    let mut records = Vec::new();
    let mut spikes = Vec::new();
    for (_, r, events) in targets {
        let (b, u) = m.shape_of(r);
        if !events {
            let stream = NpyStream::create(&file_of(r, ""), Dtype::F32, &[b, u]).map_err(lib)?;
            records.push(Record {
                source: r,
                buf: vec![0.0; b * u],
                stream,
            });
        } else {
            let cols = if b > 1 { 3 } else { 2 };
            let stream =
                NpyStream::create(&file_of(r, ".spikes"), Dtype::I32, &[cols]).map_err(lib)?;
            spikes.push(SpikeRecord {
                source: r,
                buf: vec![0.0; b * u],
                units: u,
                batched: b > 1,
                stream,
            });
        }
    }
    let mut groups = groups(&m);
    let mut default_trace = if default && !a.no_plots {
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
    let mut step_loop = |m: &mut Model| -> ngclearn::Result<()> {
        for k in 0..a.steps {
            for f in &feeds {
                m.set_ref(f.target, f.data.index_axis(ndarray::Axis(0), k))?;
            }
            let t = (t0 as f64 + k as f64 * a.dt as f64) as f32;
            m.run(process, t, a.dt)?;
            for r in &mut records {
                m.read_into(r.source, &mut r.buf)?;
                r.stream.push_f32(&r.buf)?;
            }
            for s in &mut spikes {
                let mut push = |i: usize| {
                    let (row, unit) = ((i / s.units) as i32, (i % s.units) as i32);
                    if s.batched {
                        s.stream.push_i32(&[k as i32, row, unit])
                    } else {
                        s.stream.push_i32(&[k as i32, unit])
                    }
                };
                // Encoders list their spikes: no need to look at every cell.
                if let Some(list) = m.nonzero(s.source) {
                    for &i in list {
                        push(i as usize)?;
                    }
                } else {
                    m.read_into(s.source, &mut s.buf)?;
                    for (i, _) in s.buf.iter().enumerate().filter(|(_, &x)| x != 0.0) {
                        push(i)?;
                    }
                }
            }
            for g in &mut groups {
                let nonzero = |v: &[f32]| {
                    v.iter()
                        .map(|x| u64::from(x.to_bits() << 1 != 0))
                        .sum::<u64>()
                };
                g.spikes += if let Some(list) = m.nonzero(g.source) {
                    list.len() as u64
                } else if let Some(n) = m.view(g.source).and_then(|v| v.to_slice().map(nonzero)) {
                    n
                } else {
                    m.read_into(g.source, &mut g.buf)?;
                    nonzero(&g.buf)
                };
            }
            if let Some(tr) = default_trace.as_mut() {
                tr.push(m, k)?;
            }
            if k % 1024 == 0 {
                bar.set_position(k as u64);
            }
        }
        Ok(())
    };
    step_loop(&mut m).map_err(lib)?;
    let wall = start.elapsed().as_secs_f64();
    bar.finish_and_clear();

    // Move recordings into place, then figures, then the saved model; any failure
    // removes what this run wrote.
    let mut out = Outputs {
        files: Vec::new(),
        done: false,
    };
    for r in records {
        out.files.push(r.stream.finish().map_err(lib)?);
    }
    for s in spikes {
        out.files.push(s.stream.finish().map_err(lib)?);
    }
    if let Some(tr) = default_trace {
        for f in tr.plot(&a.out, t0, a.dt)? {
            out.files.push(f);
        }
    }
    let mut written = out.files.clone();
    if let Some(dir) = &a.save {
        ngclearn::io::save_model_dir(&m, dir, true).map_err(lib)?;
        written.push(dir.clone());
    }
    out.done = true;
    Ok(RunReport {
        model: m.name().to_string(),
        process: process_name,
        steps: a.steps,
        dt: a.dt,
        wall,
        groups,
        written,
    })
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
                "  {:<12} {:>7} cells {:>9} spikes  mean rate {:.2} Hz\n",
                g.name, g.cells, g.spikes, rate
            );
        }
        for w in &self.written {
            s += &format!("  wrote {}\n", w.display());
        }
        s
    }
}
