//! `ngc`: the command-line program of ngclearn-rs.
//!
//! For now it lists the component classes and prints their help metadata; running
//! models comes with the next commands.

use clap::{Parser, Subcommand};
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
    /// List the component classes.
    List,
    /// Print a class's help: description, compartments, dynamics, hyper-parameters.
    Help {
        /// The class, e.g. AlphaSynapse.
        class: String,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::List => {
            for s in ngclearn::components::schemas() {
                println!("{:<20} {}", s.class, s.description);
            }
            ExitCode::SUCCESS
        }
        Command::Help { class, json } => match ngclearn::components::schema_of(&class) {
            Some(s) if json => {
                println!("{}", s.to_json());
                ExitCode::SUCCESS
            }
            Some(s) => {
                print!("{}", s.help_text());
                ExitCode::SUCCESS
            }
            None => {
                let known: Vec<&str> = ngclearn::components::schemas()
                    .iter()
                    .map(|s| s.class)
                    .collect();
                eprintln!(
                    "ngc: unknown class `{class}`; known classes: {}",
                    known.join(", ")
                );
                ExitCode::from(2)
            }
        },
    }
}
