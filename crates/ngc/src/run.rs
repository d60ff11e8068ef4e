//! `ngc run`: step a model, feeding and recording compartments.
//!
//! Contract (see `ngc run --help`): step k (0-based) runs the process once with
//! t = T0 + k·DT. Before step k each fed compartment is set to row k of FILE; after step k
//! each recorded compartment is appended. Recordings are `OUT/COMP.FIELD.npy`, float32,
//! shape (N, batch, units); spike events are `OUT/COMP.FIELD.spikes.npy`, int32 rows
//! (step, unit), or (step, row, unit) when the batch has more than one row.

use crate::plot;
use crate::plot::recordings::Live;
use crate::plot::sidecar::Sidecar;
use crate::signals;
use crate::threshold::Threshold;
use ngclearn::core::partition::Layout;
use ngclearn::core::sim::{CounterId, FeedSource, Flow, Output, Recording, Simulation};
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
    /// COMP:FIELD=FILE.npy: set the compartment to row k of FILE before step k.
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
    /// Draw figures of a model's run into OUT, as `ngc plot` draws recordings: a raster
    /// of each --record-spikes compartment (with none, of every spiking population),
    /// the traces of each --record compartment (a cell's `v` with its threshold), and
    /// with two or more, `stacked` (rasters above traces). The default run always
    /// draws its own figure.
    #[arg(long, conflicts_with = "no_plots")]
    pub plot: bool,
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
    match &e {
        // A class name with a typo: the nearest class rather than the whole list.
        ngclearn::Error::UnknownClass {
            path,
            field,
            module_path,
            supported,
        } => match ngclearn::core::suggest::nearest(module_path, supported.split(", ")) {
            Some(near) => format!(
                "{path}: `{field}`: unknown class `{module_path}`; did you mean `{near}`? (`ngc list` lists the classes)"
            ),
            None => e.to_string(),
        },
        _ => e.to_string(),
    }
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
/// spikes: LIF cells' `s`, encoders' `outputs`): `(name, path, cells)`.
fn spiking(m: &Model) -> ngclearn::Result<Vec<(String, String, usize)>> {
    let mut out = Vec::new();
    for c in m.components() {
        for info in c.schema().compartments.iter().filter(|i| i.spikes) {
            let path = format!("{}:{}", c.name(), info.name);
            let (b, u) = m.shape_of(m.compartment(&path)?)?;
            out.push((c.name().to_string(), path, b * u));
        }
    }
    Ok(out)
}

/// What a recording's sidecar says of its compartment (read off the whole model).
struct Desc {
    path: String,
    class: &'static str,
    shape: (usize, usize),
    /// Whether its class declares it as holding spikes (0 or 1).
    spikes: bool,
    /// A cell's `v`: where it spikes.
    threshold: Option<Threshold>,
}

fn describe(m: &Model, r: CompartmentRef) -> ngclearn::Result<Desc> {
    let path = m.path_of(r)?;
    let c = m.component_of(r)?;
    let field = path.split_once(':').map_or("", |(_, f)| f);
    Ok(Desc {
        class: c.schema().class,
        shape: m.shape_of(r)?,
        spikes: c
            .schema()
            .compartments
            .iter()
            .any(|i| i.name == field && i.spikes),
        threshold: if field == "v" {
            crate::threshold::of(c)
        } else {
            None
        },
        path,
    })
}

impl Desc {
    /// What `ngc plot` reads of a recording of it (its sidecar).
    fn sidecar(&self, kind: &str, time: &TimeAxis) -> Sidecar {
        let (component, field) = self
            .path
            .split_once(':')
            .unwrap_or((self.path.as_str(), ""));
        Sidecar {
            component: Some(component.to_string()),
            class: Some(self.class.to_string()),
            field: Some(field.to_string()),
            kind: Some(kind.to_string()),
            dt: shortest(time.dt),
            t0: Some(shortest(time.t0)),
            steps: Some(time.steps),
            shape: Some(vec![self.shape.0, self.shape.1]),
            time_unit: Some("ms".into()),
            threshold: self.threshold.as_ref().map(|t| match t {
                Threshold::Fixed(v) => *v,
                Threshold::Adapts { base, .. } => *base,
            }),
            threshold_adapts: match &self.threshold {
                Some(Threshold::Adapts { why, record, .. }) => Some(format!("{why}; {record}")),
                _ => None,
            },
        }
    }
}

fn split_feed(spec: &str) -> CliResult<(&str, &str)> {
    spec.split_once('=')
        .filter(|(p, f)| !p.is_empty() && !f.is_empty())
        .ok_or_else(|| format!("--feed `{spec}`: expected COMP:FIELD=FILE.npy"))
}

/// The outcome of a run, for the summary and the plots.
pub struct RunReport {
    /// This process's rank and the number of ranks (0 and 1 without MPI): only rank 0
    /// writes outputs and prints.
    pub rank: usize,
    pub ranks: usize,
    /// Bytes this rank gave to collective calls in the run (across ranks).
    pub exchanged: Option<u64>,
    /// Across ranks: the collective calls rank 0 made.
    pub collectives: Option<u64>,
    /// Bytes of this rank's compartments.
    pub held: u64,
    /// Every rank's peak resident memory (across ranks).
    pub peak: Option<Vec<u64>>,
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
    let ranks = Ranks::start(a)?;
    let result = execute(a, &ranks);
    if let Err(e) = &result {
        // Only rank 0 writes, so only it cleans up.
        if let (Some(d), 0) = (created, ranks.rank) {
            let _ = std::fs::remove_dir_all(d);
        }
        // Across ranks, one that stops would leave the others waiting in a collective
        // call: it ends them all.
        if let Some(ex) = &ranks.exchange {
            eprintln!("ngc: rank {}: {e}", ranks.rank);
            ex.abort(1);
        }
    }
    result
}

/// One run, in stages: the arguments checked, the model built (this rank's part across
/// MPI ranks), its process chosen (and reset), every record and feed resolved and
/// checked before anything is written, the recordings, counters and figures attached,
/// the steps run, then every output written beside its destination and moved into
/// place together.
fn execute(a: &RunArgs, ranks: &Ranks) -> CliResult<RunReport> {
    let t0 = check_run_args(a)?;
    let default = a.model.is_none();
    let (mut m, layout, key_seed) = build_model(a, ranks)?;
    if a.save.is_some() && layout.is_some() {
        // Refused before the run rather than after it.
        ngclearn::io::check_savable_partitioned(&m).map_err(|e| format!("--save: {e}"))?;
    }
    let process_name = choose_process(a, &mut m, t0)?;
    let targets = resolve_targets(a, &m, layout.as_ref())?;
    let populations = spike_populations(&m, layout.as_ref())?;
    let whole_path = |path: &str| match &layout {
        Some(l) => l.whole_path(path),
        None => path.to_string(),
    };
    let root = ranks.rank == 0;
    let process = m.process_id(&process_name).map_err(lib)?;
    let mut sim = Simulation::new(&m, process, t0, a.dt).map_err(lib)?;
    attach_feeds(a, &m, &mut sim, layout.as_ref())?;
    // Only rank 0 writes; every rank stops if one cannot go on (else the others would
    // wait in the run).
    let prepared = match root {
        true => attach_recordings(a, &m, &mut sim, &targets, &whole_path),
        false => Ok(Vec::new()),
    };
    let recorded = ranks.agree(prepared)?;
    let mut groups = Vec::with_capacity(populations.len());
    for (name, path, cells) in &populations {
        let r = m.compartment(path).map_err(lib)?;
        groups.push(Group {
            name: name.clone(),
            cells: *cells,
            spikes: 0,
            counter: sim.count_spikes(&m, r).map_err(lib)?,
        });
    }
    // Only rank 0 draws.
    let mut default_trace = if default && !a.no_plots && root {
        a.figure.check()?;
        Some(plot::EiTrace::new(&m, a.steps, &whole_path)?)
    } else {
        None
    };
    let time = TimeAxis {
        dt: a.dt,
        t0,
        steps: a.steps,
    };
    let mut live = match a.plot && !default && root {
        true => live_plots(
            a,
            &m,
            &targets,
            &populations,
            layout.is_some(),
            &time,
            &whole_path,
        )?,
        false => Vec::new(),
    };
    let mut not_spikes = match root {
        true => not_spike_checks(&m, &targets, &whole_path)?,
        false => Vec::new(),
    };
    let mut scratch = vec![
        0.0f32;
        not_spikes
            .iter()
            .map(|&(n, ..)| {
                let (b, u) = targets[n].desc.shape;
                b * u
            })
            .max()
            .unwrap_or(0)
    ];
    let bar = progress_bar(a, root);
    let start = Instant::now();
    sim.run(&mut m, a.steps, |m, k| {
        // (Across ranks, a signal ends each rank where it is: mpirun forwards it to all.)
        if let Some(sig) = signals::received() {
            return Err(ngclearn::Error::Io {
                path: a.out.display().to_string(),
                message: format!(
                    "interrupted by {} at step {k} of {}; no output written",
                    signals::name(sig),
                    a.steps
                ),
                not_found: false,
            });
        }
        if let Some(tr) = default_trace.as_mut() {
            tr.push(m, k)?;
        }
        for l in &mut live {
            l.push(m, k)?;
        }
        for (n, r, seen) in not_spikes.iter_mut().filter(|(_, _, seen)| seen.is_none()) {
            let not_binary = |&x: &f32| x != 0.0 && x != 1.0;
            let found = match m.view(*r)? {
                Some(v) => v.iter().copied().find(not_binary),
                None => {
                    let (b, u) = targets[*n].desc.shape;
                    m.read_into(*r, &mut scratch[..b * u])?;
                    scratch[..b * u].iter().copied().find(not_binary)
                }
            };
            *seen = found.map(|x| (k, x));
        }
        if k % 1024 == 0 {
            bar.set_position(k as u64);
        }
        Ok(Flow::Continue)
    })
    .map_err(lib)?;
    let wall = start.elapsed().as_secs_f64();
    bar.finish_and_clear();
    // Across ranks: what the run exchanged, and what each rank holds.
    let exchanged = ranks.exchange.as_ref().map(|ex| ex.bytes_sent());
    let collectives = ranks.exchange.as_ref().map(|ex| ex.collectives());
    let held = model_bytes(&m);
    let peak = ranks.peak_memory();
    for (g, (_, path, _)) in groups.iter_mut().zip(&populations) {
        g.spikes = sim.spikes(g.counter).expect("a counter of this simulation");
        // Across ranks: a split population's blocks add up; a whole one is counted
        // alike on every rank.
        if let Some(l) = layout.as_ref().filter(|l| l.is_split(path)) {
            g.spikes = l.sum_u64(g.spikes);
        }
    }
    let outputs = Outputs {
        recorded,
        targets: &targets,
        time: &time,
        default_trace,
        live,
        not_spikes: &not_spikes,
    };
    let written = write_outputs(a, &m, sim, layout.as_ref(), t0, outputs)?;
    Ok(RunReport {
        rank: ranks.rank,
        ranks: ranks.size,
        exchanged,
        collectives,
        held,
        peak,
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

/// Checks the arguments that need no model; the first step's time.
fn check_run_args(a: &RunArgs) -> CliResult<f32> {
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
    Ok(t0)
}

/// The model (across MPI ranks, this rank's part, built without the whole; the
/// recorded compartments are read whole from their mirrors), its layout across ranks,
/// and where its keys came from; in the random mode asked for.
fn build_model(a: &RunArgs, ranks: &Ranks) -> CliResult<(Model, Option<Layout>, Option<KeySeed>)> {
    let (mut m, layout, key_seed) = match &ranks.exchange {
        None => {
            let (m, key_seed) = load_or_default(a)?;
            (m, None, key_seed)
        }
        Some(ex) => {
            // (The default run's figure reads its circuit's compartments whole too.)
            let figure: &[&str] = if a.model.is_none() && !a.no_plots {
                &plot::EiTrace::PATHS
            } else {
                &[]
            };
            let whole: Vec<&str> = a
                .records
                .iter()
                .chain(&a.record_spikes)
                .map(String::as_str)
                .chain(figure.iter().copied())
                .collect();
            let (mut p, key_seed) = load_part(a, ex, &whole)?;
            // The ranks on one machine share its cores (unless RAYON_NUM_THREADS says).
            if std::env::var_os("RAYON_NUM_THREADS").is_none() {
                let local = std::env::var("OMPI_COMM_WORLD_LOCAL_SIZE")
                    .ok()
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(1)
                    .max(1);
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
                let threads = (cores / local).max(1);
                p.model
                    .set_parallelism(if threads > 1 {
                        ngclearn::core::parallel::Parallelism::Threads(threads)
                    } else {
                        ngclearn::core::parallel::Parallelism::Off
                    })
                    .map_err(lib)?;
            }
            (p.model, Some(p.layout), key_seed)
        }
    };
    if a.random == Random::Fast {
        m.set_random_mode(ngclearn::core::rng::RandomMode::Fast);
    }
    if a.random == Random::Fast {
        m.set_random_mode(ngclearn::core::rng::RandomMode::Fast);
    }
    Ok((m, layout, key_seed))
}

/// The process to run (`--process`, else the model's advance process), after the
/// reset process ran if `--reset`.
fn choose_process(a: &RunArgs, m: &mut Model, t0: f32) -> CliResult<String> {
    let process_name = {
        let id = match &a.process {
            Some(name) => m.process_id(name).map_err(lib)?,
            None => m.advance_process().map_err(lib)?,
        };
        m.process_name(id).map_err(lib)?.to_string()
    };
    if a.reset {
        let r = m.reset_process().map_err(lib)?;
        m.run(r, t0, a.dt).map_err(lib)?;
    }
    Ok(process_name)
}

/// Every `--record` and `--record-spikes`, resolved and checked before anything is
/// written (across ranks, a split compartment is recorded whole, from its mirror).
fn resolve_targets(a: &RunArgs, m: &Model, layout: Option<&Layout>) -> CliResult<Vec<Target>> {
    let mut targets: Vec<Target> = Vec::new();
    for (flag, specs, events) in [
        ("--record", &a.records, false),
        ("--record-spikes", &a.record_spikes, true),
    ] {
        for spec in specs {
            let r = m
                .compartment(spec)
                .map_err(|e| format!("{flag} {spec}: {e}"))?;
            let mut desc = describe(m, r).map_err(lib)?;
            // Across ranks, a split compartment is recorded whole (from its mirror).
            if let Some(w) = layout.and_then(|l| l.split_width(&desc.path)) {
                desc.shape.1 = w;
            }
            if targets
                .iter()
                .any(|t| t.desc.path == desc.path && t.events == events)
            {
                return Err(format!("{flag} {spec}: given twice"));
            }
            targets.push(Target { flag, desc, events });
        }
    }
    Ok(targets)
}

/// The populations whose spikes the summary counts: `(name, path, cells)` (across
/// ranks, spikes are counted where they happen and summed at the end; a split
/// population counts its whole width of cells).
fn spike_populations(
    m: &Model,
    layout: Option<&Layout>,
) -> CliResult<Vec<(String, String, usize)>> {
    let mut populations = spiking(m).map_err(lib)?;
    for (_, path, cells) in populations.iter_mut() {
        if let Some(w) = layout.and_then(|l| l.split_width(path)) {
            let rows = m
                .shape_of(m.compartment(path).map_err(lib)?)
                .map_err(lib)?
                .0;
            *cells = rows * w;
        }
    }
    Ok(populations)
}

/// Every `--feed`, checked and attached (across ranks, a split compartment takes its
/// block of the file's columns).
fn attach_feeds(
    a: &RunArgs,
    m: &Model,
    sim: &mut Simulation,
    layout: Option<&Layout>,
) -> CliResult<()> {
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
        // Across ranks, a split compartment takes its block of the file's columns; one
        // that another component reads whole would reach it only after its owner's next
        // call, a step late.
        if let Some(l) = layout {
            let canonical = m.path_of(target).map_err(lib)?;
            if l.read_whole.contains(&canonical) {
                return Err(format!(
                    "--feed {spec}: `{path}` is split across the MPI ranks and read whole by another component, which would see each row a step late; feeding it across ranks is not supported (run on one process)"
                ));
            }
        }
        let columns = layout.and_then(|l| l.columns_of(path));
        sim.feed_columns(m, target, FeedSource::Rows(Box::new(rows)), columns)
            .map_err(|e| format!("--feed {spec}: {e}"))?;
    }
    Ok(())
}

/// The file a record streams to.
fn record_file(a: &RunArgs, t: &Target) -> PathBuf {
    let suffix = if t.events { ".spikes" } else { "" };
    a.out
        .join(format!("{}{suffix}.npy", t.desc.path.replacen(':', ".", 1)))
}

/// Rank 0's recordings: the output directory made and checked (room on the disk, no
/// directory where a file goes), and a stream attached for every record; `(target
/// index, file)` of each.
fn attach_recordings(
    a: &RunArgs,
    m: &Model,
    sim: &mut Simulation,
    targets: &[Target],
    whole_path: &dyn Fn(&str) -> String,
) -> CliResult<Vec<(usize, PathBuf)>> {
    let mut recorded = Vec::new();
    std::fs::create_dir_all(&a.out).map_err(|e| format!("--out {}: {e}", a.out.display()))?;
    // Parts of recordings that a killed run left (its process is gone).
    remove_stale_parts(&a.out);
    check_disk_budget(a, targets)?;
    // A destination that is a directory would fail only when the outputs are
    // committed, after the run (and after --save replaced the model): refuse it now.
    for t in targets {
        let npy = record_file(a, t);
        for dest in [npy.clone(), npy.with_extension("json")] {
            if dest.is_dir() {
                return Err(format!(
                    "{} {}: {} is a directory",
                    t.flag,
                    t.desc.path,
                    dest.display()
                ));
            }
        }
    }
    for (n, t) in targets.iter().enumerate() {
        let r = m.compartment(&whole_path(&t.desc.path)).map_err(lib)?;
        let (b, u) = t.desc.shape;
        let npy = record_file(a, t);
        let (what, stream) = if t.events {
            let cols = if b > 1 { 3 } else { 2 };
            let s = NpyStream::create(&npy, Dtype::I32, &[cols]).map_err(lib)?;
            (Recording::Spikes, s)
        } else {
            let s = NpyStream::create(&npy, Dtype::F32, &[b, u]).map_err(lib)?;
            (Recording::Dense, s)
        };
        sim.record(m, r, what, Output::Stream(Box::new(stream)))
            .map_err(lib)?;
        recorded.push((n, npy));
    }
    Ok(recorded)
}

/// `--plot`: what is recorded (or, with no spikes recorded, every spiking
/// population), summarised as the run goes.
fn live_plots(
    a: &RunArgs,
    m: &Model,
    targets: &[Target],
    populations: &[(String, String, usize)],
    partitioned: bool,
    time: &TimeAxis,
    whole_path: &dyn Fn(&str) -> String,
) -> CliResult<Vec<Live>> {
    let mut live: Vec<Live> = Vec::new();
    a.figure.check()?;
    let stem = |path: &str| path.replacen(':', ".", 1);
    for t in targets {
        let r = m.compartment(&whole_path(&t.desc.path)).map_err(lib)?;
        let (kind, suffix) = if t.events {
            ("spikes", ".spikes")
        } else {
            ("trace", "")
        };
        live.push(Live::new(
            r,
            t.desc.sidecar(kind, time),
            format!("{}{suffix}", stem(&t.desc.path)),
            a.steps,
            8,
        ));
    }
    // (Across MPI ranks only what is recorded is held whole on rank 0.)
    if a.record_spikes.is_empty() && !partitioned {
        for (_, path, _) in populations {
            let r = m.compartment(&whole_path(path)).map_err(lib)?;
            let mut desc = describe(m, r).map_err(lib)?;
            desc.path = path.clone();
            live.push(Live::new(
                r,
                desc.sidecar("spikes", time),
                stem(path),
                a.steps,
                8,
            ));
        }
    }
    Ok(live)
}

/// `--record-spikes` on a compartment its class does not declare as spikes: the first
/// value other than 0 and 1 seen, if any (step, value), warned of after the run.
fn not_spike_checks(
    m: &Model,
    targets: &[Target],
    whole_path: &dyn Fn(&str) -> String,
) -> CliResult<Vec<NotSpikes>> {
    let mut not_spikes: Vec<NotSpikes> = Vec::new();
    for (n, t) in targets.iter().enumerate() {
        if t.events && !t.desc.spikes {
            let r = m.compartment(&whole_path(&t.desc.path)).map_err(lib)?;
            not_spikes.push((n, r, None));
        }
    }
    Ok(not_spikes)
}

/// The progress bar of a long run (hidden when quiet, short, or not rank 0).
fn progress_bar(a: &RunArgs, root: bool) -> indicatif::ProgressBar {
    let bar = if a.quiet || a.steps < 20_000 || !root {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(a.steps as u64)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} steps {rate} eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .with_key(
                "rate",
                |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{}", steps_per_sec(s.per_sec()));
                },
            ),
    );
    bar
}

/// What a finished run has to write.
struct Outputs<'a> {
    /// `(target index, file)` of each recording.
    recorded: Vec<(usize, PathBuf)>,
    targets: &'a [Target],
    time: &'a TimeAxis,
    default_trace: Option<plot::EiTrace>,
    live: Vec<Live>,
    not_spikes: &'a [NotSpikes],
}

/// Writes every output beside its destination under a hidden name, then, when all are
/// ready and no signal came, moves them into place (the saved model first), so a
/// failure or a signal before that leaves the older outputs as they were; the files
/// written.
fn write_outputs(
    a: &RunArgs,
    m: &Model,
    sim: Simulation,
    layout: Option<&Layout>,
    t0: f32,
    o: Outputs,
) -> CliResult<Vec<PathBuf>> {
    let Outputs {
        recorded,
        targets,
        time,
        default_trace,
        live,
        not_spikes,
    } = o;
    let mut pending: Vec<PendingFile> = Vec::new();
    for ((n, npy), out) in recorded.into_iter().zip(sim.finish().map_err(lib)?) {
        let t = &targets[n];
        let kind = if t.events { "spikes" } else { "trace" };
        pending.push(sidecar(&t.desc, kind, time, &npy)?);
        if let Some(f) = out.closed::<PendingFile>() {
            pending.push(f);
        }
    }
    let model_dir = match &a.save {
        // Across ranks: every rank sends its blocks, rank 0 writes the whole model's
        // directory, streaming each split array into place.
        Some(dir) => match layout {
            None => Some(
                ngclearn::io::prepare_model_dir(m, dir, true)
                    .map_err(|e| format!("--save: {e}"))?,
            ),
            Some(l) => ngclearn::io::prepare_model_dir_partitioned(m, l, dir, true)
                .map_err(|e| format!("--save: {e}"))?,
        },
        None => None,
    };
    let figures = match default_trace {
        Some(tr) => tr.plot(&a.out, t0, a.dt, &a.figure)?,
        None => plot::recordings::prepare_live(live, &a.out, &a.figure)?,
    };
    // (Said before the summary, once per compartment.)
    for (n, _, seen) in not_spikes {
        if let Some((k, x)) = seen {
            eprintln!(
                "ngc: warning: --record-spikes {}: not spikes (its value at step {k} is {x}, not 0 or 1); {} lists where it was not 0",
                targets[*n].desc.path,
                record_file(a, &targets[*n]).file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default()
            );
        }
    }
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
    Ok(written)
}

/// The bytes of a model's compartments (what it holds, less code and buffers): a
/// synapse's weights as it stores them (sparse ones are not made dense to be counted).
fn model_bytes(m: &Model) -> u64 {
    m.components()
        .map(|c| {
            let stored = c.stored_weights();
            c.schema()
                .compartments
                .iter()
                .enumerate()
                .map(|(i, info)| match stored {
                    Some(w) if info.name == "weights" => w.bytes(),
                    _ => c.array(i).map_or(0, |a| 4 * a.len() as u64),
                })
                .sum::<u64>()
        })
        .sum()
}

/// This rank's part of the run's model across the ranks of `ex`, built without the
/// whole model (the default model, small, is built whole and split); `whole` lists the
/// compartments to hold whole on every rank.
fn load_part(
    a: &RunArgs,
    ex: &std::sync::Arc<dyn ngclearn::core::partition::Exchange>,
    whole: &[&str],
) -> CliResult<(ngclearn::core::partition::Partitioned, Option<KeySeed>)> {
    let registry = ngclearn::core::class::Registry::builtin();
    let ex = std::sync::Arc::clone(ex);
    match &a.model {
        Some(model) if model.is_dir() => {
            if a.seed.is_some() {
                return Err(format!(
                    "--seed: {} is a saved model, whose components carry their saved keys; --seed applies to model files (.toml) and the default model",
                    model.display()
                ));
            }
            let p = ngclearn::io::load_model_dir_partitioned(model, registry, ex, whole)
                .map_err(lib)?;
            Ok((p, None))
        }
        Some(model) if model.is_file() => {
            ngclearn::io::load_model_file_partitioned(model, a.seed, registry, ex, whole)
                .map_err(lib)
        }
        Some(model) => Err(format!(
            "{}: no such model directory or file",
            model.display()
        )),
        None => {
            let (m, key_seed) = load_or_default(a)?;
            let p = ngclearn::core::partition::partition(m, ex, whole).map_err(lib)?;
            Ok((p, key_seed))
        }
    }
}

/// The model of the run: `a.model`'s, or the default (the tutorial's circuit).
fn load_or_default(a: &RunArgs) -> CliResult<(Model, Option<KeySeed>)> {
    match &a.model {
        Some(p) => load(p, a.seed),
        None => {
            let mut tutorial = EiAlpha::default();
            if let Some(seed) = a.seed {
                tutorial.seed = seed;
            }
            Ok((tutorial.build().map_err(lib)?, None))
        }
    }
}

/// This process's peak resident set (KB), as the system tells it.
#[cfg(target_os = "linux")]
fn peak_rss_kb() -> u64 {
    // SAFETY: getrusage fills the zeroed struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return 0;
    }
    ru.ru_maxrss.max(0) as u64
}

#[cfg(not(target_os = "linux"))]
fn peak_rss_kb() -> u64 {
    0
}

/// A compartment recorded with --record-spikes that its class does not declare as
/// spikes: the index of its target, the compartment, and the first value seen other
/// than 0 and 1 (step, value), if any.
type NotSpikes = (usize, CompartmentRef, Option<(usize, f32)>);

/// A recorded compartment.
struct Target {
    flag: &'static str,
    desc: Desc,
    events: bool,
}

/// This process's place among the MPI ranks (rank 0 of 1 without MPI).
struct Ranks {
    rank: usize,
    size: usize,
    exchange: Option<std::sync::Arc<dyn ngclearn::core::partition::Exchange>>,
}

impl Ranks {
    /// Joins the MPI world when built with MPI and started by `mpirun` with more than
    /// one rank.
    #[cfg(feature = "mpi")]
    fn start(a: &RunArgs) -> CliResult<Ranks> {
        // MPI is started only under a launcher that asked for more than one process.
        if launched_ranks() <= 1 {
            return Ok(Ranks::alone());
        }
        let Some(ex) = mpi_world() else {
            return Err("mpirun started this run on several processes, but MPI could not be initialised at the threading level the run needs".into());
        };
        if ex.size() == 1 {
            return Ok(Ranks::alone());
        }
        if a.random == Random::Fast {
            return Err("--random fast: a model partitioned across MPI ranks draws the JAX-compatible counters only (--random jax)".into());
        }
        Ok(Ranks {
            rank: ex.rank(),
            size: ex.size(),
            exchange: Some(ex),
        })
    }

    #[cfg(not(feature = "mpi"))]
    fn start(_a: &RunArgs) -> CliResult<Ranks> {
        // Each process would otherwise run the whole model and write the same files.
        if launched_ranks() > 1 {
            return Err("started by mpirun on several processes, but this ngc was built without MPI (cargo build --release -p ngc --features mpi)".into());
        }
        Ok(Ranks::alone())
    }

    fn alone() -> Ranks {
        Ranks {
            rank: 0,
            size: 1,
            exchange: None,
        }
    }

    /// Every rank's peak resident memory (bytes), gathered to all (`None` alone).
    fn peak_memory(&self) -> Option<Vec<u64>> {
        let ex = self.exchange.as_ref()?;
        let mine = peak_rss_kb().min(u32::MAX as u64) as u32;
        let mut all = Vec::new();
        ex.allgather_u32(&[mine], &mut all);
        Some(all.iter().map(|&kb| kb as u64 * 1024).collect())
    }

    /// Every rank learns whether every rank got here without an error.
    fn agree<T>(&self, mine: CliResult<T>) -> CliResult<T> {
        let Some(ex) = &self.exchange else {
            return mine;
        };
        let mut all = Vec::new();
        ex.allgather_u32(&[u32::from(mine.is_err())], &mut all);
        let value = mine?;
        match all.iter().position(|&x| x != 0) {
            Some(r) => Err(format!(
                "rank {r} failed before the run (its error is above)"
            )),
            None => Ok(value),
        }
    }
}

/// How many processes an MPI launcher started (1 without one): Open MPI's
/// `OMPI_COMM_WORLD_SIZE`, or the PMI size other launchers set.
fn launched_ranks() -> usize {
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"]
        .iter()
        .find_map(|v| std::env::var(v).ok().and_then(|n| n.trim().parse().ok()))
        .unwrap_or(1)
}

/// The MPI world (`None` when MPI cannot start). MPI is finalised when the last
/// handle (the run's, and its model's mirrors') is dropped, at the end of the run.
#[cfg(feature = "mpi")]
fn mpi_world() -> Option<std::sync::Arc<dyn ngclearn::core::partition::Exchange>> {
    ngclearn::core::mpi_exchange::MpiExchange::init()
        .map(|w| std::sync::Arc::new(w) as std::sync::Arc<dyn ngclearn::core::partition::Exchange>)
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
fn sidecar(d: &Desc, kind: &str, time: &TimeAxis, npy: &Path) -> CliResult<PendingFile> {
    let dest = npy.with_extension("json");
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dest.with_file_name(format!(".{name}.part-{}-0", std::process::id()));
    let mut meta = serde_json::to_value(d.sidecar(kind, time))
        .map_err(|e| format!("{}: {e}", dest.display()))?;
    if kind == "spikes" {
        meta["columns"] = if d.shape.0 > 1 {
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
fn check_disk_budget(a: &RunArgs, targets: &[Target]) -> CliResult<()> {
    let mut bytes = 0u128;
    for t in targets {
        if !t.events {
            let (b, u) = t.desc.shape;
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

/// A rate of steps to three significant digits: `950 steps/s`, `32.3k steps/s`,
/// `1.59M steps/s`.
fn steps_per_sec(rate: f64) -> String {
    if !rate.is_finite() || rate <= 0.0 {
        return "- steps/s".into();
    }
    let (v, unit) = [(1e9, "G"), (1e6, "M"), (1e3, "k")]
        .into_iter()
        .find(|&(scale, _)| rate >= scale * 0.9995)
        .map_or((rate, ""), |(scale, unit)| (rate / scale, unit));
    let digits = if v >= 99.95 {
        0
    } else if v >= 9.995 {
        1
    } else {
        2
    };
    let digits = if unit.is_empty() {
        digits.min(1)
    } else {
        digits
    };
    format!("{v:.digits$}{unit} steps/s")
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
            "ngc run: model {} process {}\n  {} steps x {} ms = {:.1} ms simulated in {:.3} s wall ({})\n",
            self.model,
            self.process,
            self.steps,
            self.dt,
            sim_ms,
            self.wall,
            steps_per_sec(self.steps as f64 / self.wall.max(1e-9))
        );
        if self.ranks > 1 {
            s.push_str(&format!(
                "  partitioned across {} MPI ranks (rank 0's wall time); rank 0 holds {} of compartments and sent {:.0} bytes per step in {:.2} collective calls per step\n",
                self.ranks,
                human_bytes(self.held as u128),
                self.exchanged.unwrap_or(0) as f64 / self.steps.max(1) as f64,
                self.collectives.unwrap_or(0) as f64 / self.steps.max(1) as f64,
            ));
            if let Some(peak) = &self.peak {
                let list: Vec<String> = peak.iter().map(|&b| human_bytes(b as u128)).collect();
                s.push_str(&format!("  peak memory per rank: {}\n", list.join(", ")));
            }
        }
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

#[cfg(test)]
mod tests {
    use super::steps_per_sec;

    #[test]
    fn step_rates_read_as_three_digits_with_a_unit() {
        assert_eq!(steps_per_sec(1_589_996.877_8), "1.59M steps/s");
        assert_eq!(steps_per_sec(322_929.0), "323k steps/s");
        assert_eq!(steps_per_sec(32_290.0), "32.3k steps/s");
        assert_eq!(steps_per_sec(999_999.0), "1.00M steps/s");
        assert_eq!(steps_per_sec(950.4), "950 steps/s");
        assert_eq!(steps_per_sec(42.25), "42.2 steps/s");
        assert_eq!(steps_per_sec(0.0), "- steps/s");
    }
}
