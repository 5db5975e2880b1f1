//! The `chokepoint` command: data checks and summaries, simulation, licence checks, analytics.
//!
//! This binary is the adapter at the edge: it reads files, prints, and maps outcomes to exit
//! codes (0 ok, 1 a positive finding such as "licence required", 2 bad input).

mod data_cmd;
mod output;

use clap::{Parser, Subcommand};

/// chokepoint: find the chokepoints of the rare-earth supply chain, simulate disruptions such as
/// export controls, and size the mitigations.
///
/// Start with `chokepoint data summary` (who mines, separates and makes magnets, and how
/// concentrated each stage is), then `chokepoint data check` on your own data directory layered
/// over the bundled dataset.
#[derive(Debug, Parser)]
#[command(name = "chokepoint", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate and summarise the dataset (bundled, or your directory layered over it).
    #[command(subcommand)]
    Data(data_cmd::DataCommand),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Data(cmd) => data_cmd::run(cmd),
    };
    match result {
        Ok(code) => std::process::ExitCode::from(u8::try_from(code).unwrap_or(2)),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
