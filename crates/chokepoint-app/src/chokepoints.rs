//! Rank chokepoints: knock out every facility, country-stage and lane of the bundled world in
//! turn, measure the output a sector in a region loses, and rank, with the structural reasons
//! for the top of the list.

use crate::AppError;
use chokepoint_analysis::Input;
use chokepoint_analysis::flow::{FlowOptions, FlowRunner};
use chokepoint_analysis::knockout::{
    KnockoutRunner, NodeResult, SweepConfig, annotate, candidates, sweep,
};
use chokepoint_analysis::sim_runner::{LongRunRunner, SimRunner};
use chokepoint_core::World;
use chokepoint_scenario::Scenario;
use serde::Serialize;

/// Which engine measures a knock-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    /// The simulator: the baseline plus an outage and its recovery, Monte Carlo.
    Sim,
    /// The long run of the same network: daily loss once stocks are spent, times the outage.
    LongRun,
}

/// What to rank.
#[derive(Debug, Clone)]
pub struct RankOptions {
    pub sector: String,
    pub region: String,
    pub duration_days: u32,
    pub runs: usize,
    pub seed: u64,
    pub top: usize,
    pub facilities: bool,
    pub country_stages: bool,
    pub lanes: bool,
    pub runner: Runner,
    pub recovery_days: u32,
    pub no_stockpiles: bool,
    pub restart_ramp: bool,
    pub inventory_days: Option<f64>,
    pub unit_value: Option<f64>,
    pub fixed_inputs: bool,
}

/// The ranking.
#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    pub sector: String,
    pub region: String,
    pub duration_days: u32,
    pub runs: usize,
    pub seed: u64,
    pub unit: String,
    pub runner: &'static str,
    pub notes: Vec<String>,
    pub nodes_knocked_out: usize,
    /// The top `top` nodes, annotated with why they matter.
    pub top: Vec<NodeResult>,
}

pub const LONG_RUN_RUNNER: &str = "long-run flow of the simulator's network (chokepoint_analysis::sim_runner::LongRunRunner): the daily output the network stops making once stocks are spent, times the outage, with no stock to bridge it; deterministic, so intervals have zero width";
pub const SIM_RUNNER: &str = "simulator (chokepoint_analysis::sim_runner): the bundled baseline scenario plus an outage of each node, Monte Carlo with common random numbers (stock cover drawn per group of 16 replications unless --fixed-inputs); losses are relative to the same replication without the outage";

/// Ranks every candidate node on `world` against `baseline` (normally the bundled baseline
/// scenario); `progress` gets the number of knock-outs done.
pub fn rank(
    world: &World,
    mut baseline: Scenario,
    opts: &RankOptions,
    progress: &mut dyn FnMut(usize),
) -> Result<Ranking, AppError> {
    if opts.runs == 0 {
        return Err(AppError::Invalid("--runs must be at least 1".into()));
    }
    let invalid = |e: chokepoint_analysis::AnalysisError| AppError::Invalid(e.to_string());
    let mut flow_opts = FlowOptions {
        stockpiles: !opts.no_stockpiles,
        restart_ramp: opts.restart_ramp,
        ..FlowOptions::default()
    };
    if let Some(d) = opts.inventory_days {
        flow_opts.inventory_days =
            Input::assumption("working inventory (days)", d, "given on the command line");
    }
    // The World-based model only names the sector and checks the region here; both runners
    // read the same compiled network.
    let structure =
        FlowRunner::new(world, &opts.sector, &opts.region, &flow_opts).map_err(invalid)?;
    baseline.stockpiles = !opts.no_stockpiles;
    baseline.fixed_inputs = opts.fixed_inputs;
    let mut sim = SimRunner::new(world, baseline, &opts.sector, &opts.region).map_err(invalid)?;
    sim.recovery_days = opts.recovery_days;
    let long_run = LongRunRunner { sim: &sim };
    let (active, label): (&dyn KnockoutRunner, &'static str) = match opts.runner {
        Runner::Sim => (&sim, SIM_RUNNER),
        Runner::LongRun => (&long_run, LONG_RUN_RUNNER),
    };
    let demand_note = format!(
        "demand for {} in {} is the bundled baseline scenario's (sector demand by producing country, data/demand.csv; `chokepoint scenario show baseline`)",
        opts.sector, opts.region
    );
    let notes = match opts.runner {
        Runner::Sim => vec![
            demand_note,
            format!(
                "losses are output not delivered on the day it was due (late or never) over the {}-day outage plus {} recovery days; lost % divides them by demand during the outage, so above 100% means losses went on after it ended",
                opts.duration_days, opts.recovery_days
            ),
        ],
        Runner::LongRun => vec![
            demand_note,
            format!(
                "losses are output not made: the long-run daily shortfall times the {}-day outage; a long outage in the simulator converges to the same daily shortfall once stocks are spent (docs/analysis.md)",
                opts.duration_days
            ),
        ],
    };
    let nodes = candidates(world, opts.facilities, opts.country_stages, opts.lanes);
    let mut cfg = SweepConfig::new(opts.duration_days, opts.runs, opts.seed);
    if let Some(v) = opts.unit_value {
        cfg.unit_value = Input::assumption("value per unit", v, "given on the command line");
    }
    let mut results = sweep(active, &nodes, &cfg, progress).map_err(invalid)?;
    let top = opts.top.min(results.len());
    results.truncate(top);
    let region_name = world
        .regions
        .lookup(&opts.region)
        .map(|r| world.regions.get(r).name.clone())
        .or_else(|| {
            let code = opts.region.parse().ok()?;
            world.country(code).map(|c| c.name.clone())
        })
        .unwrap_or_else(|| opts.region.clone());
    let sector_name = chokepoint_analysis::flow::resolve_sector(world, &opts.sector)
        .map(|s| world.sectors.get(s).name.clone())
        .unwrap_or_else(|| opts.sector.clone());
    annotate(
        world,
        &mut results,
        &format!("{region_name}'s {sector_name} supply"),
    );
    Ok(Ranking {
        sector: structure.sector.clone(),
        region: opts.region.clone(),
        duration_days: opts.duration_days,
        runs: opts.runs,
        seed: opts.seed,
        unit: active.unit(),
        runner: label,
        notes,
        nodes_knocked_out: nodes.len(),
        top: results,
    })
}
