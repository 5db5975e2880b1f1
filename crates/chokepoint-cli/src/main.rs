//! The `chokepoint` command: data checks and summaries, simulation, licence checks, analytics.
//!
//! This binary is the adapter at the edge: it reads files, prints, and maps outcomes to exit
//! codes (0 ok, 1 a positive finding such as "licence required", 2 bad input).

mod analyze;
mod backtest;
mod data_cmd;
mod licence;
mod optimise;
mod optimise_sourcing;
mod output;
mod policy;
mod project;
mod runs;
mod serve;
mod simulate;
mod sweep;
mod world;

use clap::{Parser, Subcommand};

/// chokepoint: find the chokepoints of the rare-earth supply chain, simulate disruptions such as
/// export controls, and size the mitigations.
///
/// Start with `chokepoint data summary` (who mines, separates and makes magnets, and how
/// concentrated each stage is) and `chokepoint simulate licensing-2025-04` (what China's April
/// 2025 licensing does to which products, when and for how long). Your own data: a directory of
/// CSV files layered over the bundled dataset (`chokepoint data check DIR`, `--data DIR`).
#[derive(Debug, Parser)]
#[command(
    name = "chokepoint",
    version,
    propagate_version = true,
    after_help = "Examples:
  chokepoint simulate licensing-2025-04 --runs 1000 --out runs/apr2025
  chokepoint scenario show heavy-ban-12m
  chokepoint data summary --edition mcs2025
  chokepoint licence check examples/bom/jp_ev_motor.toml --date 2026-11-23 --to USA
  chokepoint policy at 2026-11-23 --element Dy
  chokepoint chokepoints --sector ev --region JPN --duration 90d --runs 200
  chokepoint analyze criticality --element Dy
  chokepoint world balance --json
  chokepoint backtest --runs 200
  chokepoint optimise sourcing --buyer JPN --material dy-oxide --demand 300 --scenario licensing-2025-04
  chokepoint optimise stockpile --scenario heavy-ban-12m --importer JPN --budget 50e6"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario (an export control, an embargo, a plant outage) as a Monte Carlo on the
    /// bundled world: which products stop, when, for how long; what runs short; what stockpiles
    /// release.
    Simulate(simulate::SimulateArgs),
    /// List or show the bundled scenarios.
    #[command(subcommand)]
    Scenario(simulate::ScenarioCommand),
    /// Validate and summarise the dataset (bundled, or your directory layered over it).
    #[command(subcommand)]
    Data(data_cmd::DataCommand),
    /// Does this product or shipment need an export licence (and pay what duty), and why?
    Licence(licence::Args),
    /// The export-control and tariff timeline: what was in force, suspended, when.
    Policy(policy::Args),
    /// Concentration, dependence and criticality (EU JRC, USGS-style) per element and stage.
    #[command(subcommand)]
    Analyze(analyze::AnalyzeCommand),
    /// Single points of failure: knock out each facility, country-stage and lane; rank by lost
    /// output.
    Chokepoints(analyze::ChokepointsArgs),
    /// Replay the historical scenarios (2010, 2025) against what was observed: halt dates,
    /// trade volumes, approvals; and check that each run used only sources published before.
    Backtest(backtest::BacktestArgs),
    /// How close the bundled world comes to published production and demand.
    #[command(subcommand)]
    World(world::WorldCommand),
    /// The run store: list, show, compare, export and remove recorded runs.
    Runs(runs::RunsArgs),
    /// Serve the HTTP API (JSON, OpenAPI at /openapi.json) on the bundled world.
    Serve(serve::ServeArgs),
    /// Sensitivity sweeps: which assumption moves the answer most (Sobol indices, tornado);
    /// whole, in shards (--shard K/N, then `merge`), or as a Slurm job array (`slurm`).
    Sweep(sweep::SweepArgs),
    /// Mitigation optimiser: stockpile sizing (two-stage SAA LP) and supplier mix (MILP), on HiGHS.
    #[command(subcommand)]
    Optimise(optimise::OptimiseCommand),
    /// The long-horizon mode (2010-2040, yearly): capacity projects with ramp-ups and delays,
    /// recycling, demand growth, substitution and export controls; China's share of each
    /// region's supply, against history where it overlaps.
    Project(project::ProjectArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Simulate(args) => simulate::run_simulate(args),
        Command::Scenario(cmd) => simulate::run_scenario_command(cmd),
        Command::Data(cmd) => data_cmd::run(cmd),
        Command::Licence(args) => licence::run(args),
        Command::Policy(args) => policy::run(args),
        Command::Analyze(cmd) => analyze::run_analyze(cmd),
        Command::Chokepoints(args) => analyze::run_chokepoints(args),
        Command::World(cmd) => world::run_world(cmd),
        Command::Backtest(args) => backtest::run_backtest(args),
        Command::Runs(args) => runs::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Optimise(cmd) => optimise::run(cmd),
        Command::Project(args) => project::run_project(args),
    };
    match result {
        Ok(code) => std::process::ExitCode::from(u8::try_from(code).unwrap_or(2)),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
