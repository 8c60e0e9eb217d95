//! The `gridwatch` command: thin wiring from the command line to the library crates.

mod check;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "gridwatch",
    version,
    about = "Cameras find street-order violations; grid teams get the tasks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a configuration file and that this machine can run it; report every problem found.
    Check {
        /// The configuration file, e.g. examples/demo.toml
        config: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { config } => check::run(&config),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(problems) => {
            for problem in problems {
                eprintln!("gridwatch: {problem}");
            }
            ExitCode::FAILURE
        }
    }
}
