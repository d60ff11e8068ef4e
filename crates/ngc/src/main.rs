//! `ngc`: the command-line program of ngclearn-rs.

mod plot;
mod probe;
mod run;
mod signals;
mod threshold;

use clap::{Parser, Subcommand};
use ngclearn::core::class::Registry;
use std::path::PathBuf;
use std::process::ExitCode;

/// Simulate ngclearn circuits of spiking cells and synapses.
#[derive(Parser, Debug)]
#[command(
    name = "ngc",
    version,
    about,
    arg_required_else_help = true,
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a model: an ngclearn model directory, a model file (.toml), or, with no
    /// MODEL, the tutorial's E-I circuit (80 + 20 Poisson cells at 10 Hz -> AlphaSynapses
    /// -> one LIF cell, 1 s at 0.1 ms), which also writes its figures.
    ///
    /// Step k (0-based) runs the process once with t = T0 + k*DT. Before step k each fed
    /// compartment is set to row k of FILE (float32 .npy of shape (N, batch, units)); after step
    /// k each recorded compartment is appended to OUT/COMP.FIELD.npy (float32, (N, batch,
    /// units)). --record-spikes writes OUT/COMP.FIELD.spikes.npy: int32 rows (step, unit),
    /// or (step, row, unit) for batches of more than one row; beside each recording,
    /// COMP.FIELD.json gives its time axis (dt, t0, steps) and what it holds.
    ///
    /// The model-file format, the saved-model directory and the recording files are
    /// described by `ngc help model-file` (docs/model-file.md in the repository); `ngc
    /// help CLASS` lists each class's keyword arguments, `ngc help initializers` the
    /// weight initialisers.
    ///
    /// Under `mpirun -np N` (an ngc built with `--features mpi`) the model is partitioned
    /// across the N processes, each building only its part; rank 0 writes the outputs,
    /// the same files a single process writes.
    Run(run::RunArgs),
    /// Draw recordings: traces from COMP.FIELD.npy, rasters from COMP.FIELD.spikes.npy.
    ///
    /// Writes OUT/COMP.FIELD.png and .svg (see --format) per recording and, for two
    /// files or more, OUT/stacked.*: rasters on top, traces below, over one time axis.
    /// Files are read as streams and summarised into fixed time buckets (min/max per
    /// bucket), so memory and figure size do not grow with their length. The time axis
    /// comes from the sidecar `ngc run` writes beside each recording (COMP.FIELD.json).
    Plot {
        /// Recording files written by `ngc run`.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Step size of the recordings (ms); overrides their sidecar files. Without
        /// either, 0.1 ms is assumed (and said on stderr).
        #[arg(long)]
        dt: Option<f64>,
        /// Draw a dashed threshold line at this value on membrane-potential traces
        /// (field `v`) only.
        #[arg(long, allow_hyphen_values = true)]
        threshold: Option<f64>,
        /// At most this many units per trace figure (64 at most).
        #[arg(long, default_value_t = 8)]
        max_units: usize,
        /// Output directory.
        #[arg(long, default_value = "ngc-plots")]
        out: PathBuf,
        #[command(flatten)]
        figure: plot::FigureArgs,
    },
    /// The tutorial's probe: one pulse at 1 ms through exponential, alpha and
    /// double-exponential synapses; writes probe.csv, probe.png and probe.svg.
    Probe {
        /// Output directory.
        #[arg(long, default_value = "ngc-probe")]
        out: PathBuf,
        /// Step size (ms).
        #[arg(long, default_value_t = 0.1)]
        dt: f32,
        /// Length (ms).
        #[arg(long, default_value_t = 8.0)]
        t_end: f32,
    },
    /// List the component classes.
    List,
    /// Print a class's help: description, compartments, dynamics, hyper-parameters;
    /// `ngc help initializers` describes weight initialisers, `ngc help model-file` the
    /// model-file format, saved models and recordings.
    Help {
        /// The class, e.g. AlphaSynapse, or `initializers`.
        class: String,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match dispatch(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that went away (`ngc list | head -1`) is not an error of ours.
        Err(e) if e == BROKEN_PIPE => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ngc: {}", e.replace('\n', " "));
            match signals::received() {
                Some(sig) => ExitCode::from((128 + sig) as u8),
                None => ExitCode::from(1),
            }
        }
    }
}

/// Help and version go to stdout with exit 0; a usage error is one line on stderr
/// (clap's first line, and where to look) with exit 1, as every other error.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        _ => {
            eprintln!("ngc: {}", usage_line(&e.to_string()));
            ExitCode::from(1)
        }
    }
}

/// clap's error text as one line: its message (with the items it lists below a
/// trailing colon, such as the missing arguments), the accepted values or a tip, the
/// usage of the (sub)command and where to read more.
fn usage_line(text: &str) -> String {
    let mut lines = text.lines().map(str::trim_end);
    let first = lines
        .by_ref()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ")
        .to_string();
    let rest: Vec<&str> = lines.collect();
    let mut message = first;
    if message.ends_with(':') {
        // clap lists the items on the indented lines that follow, up to a blank line.
        let items: Vec<&str> = rest
            .iter()
            .take_while(|l| !l.trim().is_empty())
            .map(|l| l.trim())
            .collect();
        if !items.is_empty() {
            message = format!("{} {}", message, items.join(", "));
        }
    }
    // clap's later lines that help: the accepted values, a tip.
    for t in rest.iter().map(|l| l.trim()) {
        if t.starts_with("[possible values:") || t.starts_with("tip:") {
            message += &format!(" ({})", t.trim_matches(['[', ']']));
        }
    }
    let usage = rest
        .iter()
        .find_map(|l| l.trim().strip_prefix("Usage: "))
        .map(str::trim);
    // `ngc help --help` for an error in `ngc help ...`.
    let command: Vec<&str> = usage
        .map(|u| {
            u.split_whitespace()
                .take_while(|w| !w.starts_with(['[', '<', '-']))
                .collect()
        })
        .unwrap_or_default();
    // (Without a usage line, the subcommand as typed.)
    let command = if command.is_empty() {
        match std::env::args().nth(1) {
            Some(c) if ["run", "plot", "probe", "list", "help"].contains(&c.as_str()) => {
                format!("ngc {c}")
            }
            _ => "ngc".to_string(),
        }
    } else {
        command.join(" ")
    };
    match usage {
        Some(u) => format!("{message}; usage: {u} (see `{command} --help`)"),
        None => format!("{message}; see `{command} --help`"),
    }
}

/// docs/model-file.md: the model-file format, saved models and recordings.
const MODEL_FILE_DOC: &str = include_str!("../../../docs/model-file.md");

/// The error that stands for "stdout was closed by its reader".
const BROKEN_PIPE: &str = "\0broken pipe";

/// Writes `text` to stdout; a closed pipe ends the command quietly.
fn emit(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(BROKEN_PIPE.into()),
        Err(e) => Err(format!("stdout: {e}")),
    }
}

fn dispatch(cmd: Command) -> Result<(), String> {
    match cmd {
        Command::Run(args) => {
            signals::install()?;
            let report = run::run(&args)?;
            // Across MPI ranks, rank 0 speaks for the run.
            if !args.quiet && report.rank == 0 {
                emit(&report.summary())?;
            }
            Ok(())
        }
        Command::Plot {
            files,
            dt,
            threshold,
            max_units,
            out,
            figure,
        } => {
            for line in plot_files(&files, dt, threshold, max_units, &out, &figure)? {
                emit(&format!("{line}\n"))?;
            }
            Ok(())
        }
        Command::Probe { out, dt, t_end } => {
            let p = probe::Probe {
                dt,
                t_end,
                pulse_ms: 1.0,
                tau_exp: 3.0,
                tau_alpha: 1.0,
                tau_rise: 1.0,
                tau_decay: 3.0,
            };
            let trace = p.run()?;
            std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
            let files = trace.write(&out, &p)?;
            let [a, b, c] = trace.peak_times();
            emit(&format!(
                "peaks: exponential at {a:.1} ms, alpha at {b:.1} ms, double exponential at {c:.1} ms\n"
            ))?;
            for f in files {
                emit(&format!("wrote {}\n", f.display()))?;
            }
            Ok(())
        }
        Command::List => {
            for c in Registry::builtin().classes() {
                emit(&format!("{:<20} {}\n", c.name(), c.schema.description))?;
            }
            Ok(())
        }
        Command::Help { class, .. }
            if [
                "initializers",
                "initialisers",
                "DistributionGenerator",
                "weight_init",
            ]
            .contains(&class.as_str()) =>
        {
            emit(ngclearn::utils::distribution_generator::HELP)
        }
        Command::Help { class, .. } if class == "model-file" => emit(MODEL_FILE_DOC),
        Command::Help { class, json } => match Registry::builtin().get(&class) {
            Some(c) if json => emit(&format!("{}\n", c.schema.to_json())),
            Some(c) => emit(&c.schema.help_text()),
            None => Err(unknown_class(&class)),
        },
    }
}

/// The topics `ngc help` knows besides the classes.
const TOPICS: [&str; 5] = [
    "initializers",
    "initialisers",
    "DistributionGenerator",
    "weight_init",
    "model-file",
];

/// `ngc help NAME` for a name that is no class or topic: the nearest one, or them all.
fn unknown_class(name: &str) -> String {
    let registry = Registry::builtin();
    let names: Vec<&str> = registry.classes().map(|c| c.name()).chain(TOPICS).collect();
    match ngclearn::core::suggest::nearest(name, names) {
        Some(near) => format!(
            "unknown class or topic `{name}`; did you mean `{near}`? (`ngc list` lists the classes)"
        ),
        None => format!(
            "unknown class or topic `{name}`; known classes: {} (topics: initializers, model-file)",
            registry.names()
        ),
    }
}

/// `ngc plot`: one figure per recording and one of them all; returns the lines to
/// print (each recording's time axis, then the files written).
fn plot_files(
    files: &[PathBuf],
    dt: Option<f64>,
    threshold: Option<f64>,
    max_units: usize,
    out: &std::path::Path,
    figure: &plot::FigureArgs,
) -> Result<Vec<String>, String> {
    let report = plot::recordings::plot_files(&plot::recordings::PlotRequest {
        files,
        dt,
        threshold,
        max_units,
        out,
        figure,
    })?;
    Ok(report
        .lines
        .into_iter()
        .chain(
            report
                .written
                .iter()
                .map(|f| format!("wrote {}", f.display())),
        )
        .collect())
}
