//! `ngc`: the command-line program of ngclearn-rs.

use clap::Parser;

/// Simulate ngclearn models.
#[derive(Parser, Debug)]
#[command(
    name = "ngc",
    version,
    about = "Simulate ngclearn circuits of spiking cells and synapses"
)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    println!(
        "ngc {}: the commands (run, plot, probe, help, list) are not built yet; see --help",
        env!("CARGO_PKG_VERSION")
    );
}
