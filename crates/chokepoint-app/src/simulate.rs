//! Run a scenario: parse, resolve its licensing windows on the rule timeline, compile it on the
//! world, run the Monte Carlo and its policy-free twin on the same seeds, and assemble the
//! report with its flows against baseline.

use crate::AppError;
use chokepoint_core::World;
use chokepoint_rules::Timeline;
use chokepoint_scenario::report::{DayRow, NodeMonth};
use chokepoint_scenario::{
    Compiled, Report, Scenario, compile, daily_series, largest_falls, median_replication,
    node_months, report, run_detailed_until,
};
use std::sync::atomic::AtomicBool;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct SimulateOptions {
    /// Replications (default: the scenario's `runs`, else 1000).
    pub runs: Option<u32>,
    /// Master seed (default: the scenario's, else 0).
    pub seed: Option<u64>,
    /// Use the central value of every uncertain input.
    pub fixed_inputs: bool,
    /// Also replay one replication day by day and month by month (the median one by total lost
    /// output when `None`).
    pub replay: bool,
    pub replay_replication: Option<u64>,
}

/// A finished run.
#[derive(Debug)]
pub struct Simulation {
    pub scenario: Scenario,
    pub compiled: Compiled,
    pub mc: chokepoint_sim::McResult,
    pub report: Report,
    pub runs: u32,
    pub seed: u64,
    /// The replayed replication, its daily series and node months (with `replay`).
    pub replay: Option<Replay>,
    /// Price paths and the money cost of the disruption (`None` when the dataset prices no
    /// material: no `market_params.csv` rows).
    pub prices: Option<crate::market::PriceReport>,
}

#[derive(Debug)]
pub struct Replay {
    pub replication: u64,
    pub daily: Vec<DayRow>,
    pub nodes: Vec<NodeMonth>,
}

/// Parses `text` (named `file` in messages) as a scenario: the first step of [`run`], exposed
/// so a front end can validate before it commits to a run.
pub fn parse(
    text: &str,
    file: &str,
    timeline: &Timeline,
) -> Result<(Scenario, Vec<String>), AppError> {
    let mut scenario = Scenario::parse(text, file).map_err(|e| AppError::Invalid(e.to_string()))?;
    let notes = scenario
        .resolve_measures(timeline, file)
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    Ok((scenario, notes))
}

/// Runs the scenario in `text` on `world` on the current rayon pool; `progress` is called once
/// per finished replication of the scenario (not of its twin).
pub fn run(
    world: &World,
    timeline: &Timeline,
    text: &str,
    file: &str,
    opts: &SimulateOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Simulation, AppError> {
    run_until(
        world,
        timeline,
        text,
        file,
        opts,
        progress,
        &AtomicBool::new(false),
    )
}

/// [`run`], stopping with [`AppError::Cancelled`] soon after `cancel` is set (the replications
/// already running finish first; the rest are skipped). Uncancelled, it gives what [`run`]
/// gives, bit for bit.
pub fn run_until(
    world: &World,
    timeline: &Timeline,
    text: &str,
    file: &str,
    opts: &SimulateOptions,
    progress: &(dyn Fn() + Sync),
    cancel: &AtomicBool,
) -> Result<Simulation, AppError> {
    if opts.runs == Some(0) {
        return Err(AppError::Invalid(
            "--runs: expected at least 1 replication".into(),
        ));
    }
    let (mut scenario, policy_notes) = parse(text, file, timeline)?;
    scenario.fixed_inputs = opts.fixed_inputs;
    let compiled = compile(world, &scenario, file).map_err(|e| AppError::Invalid(e.to_string()))?;
    let runs = opts.runs.or(scenario.runs).unwrap_or(1000);
    let seed = opts.seed.or(scenario.seed).unwrap_or(0);
    if let Some(r) = opts.replay_replication
        && r >= u64::from(runs)
    {
        return Err(AppError::Invalid(format!(
            "--daily-replication {r}: the run has replications 0..{}",
            runs - 1
        )));
    }
    let run_err = |e: chokepoint_sim::ConfigError| match e {
        chokepoint_sim::ConfigError::Cancelled => AppError::Cancelled,
        e => AppError::Run(format!("{file}: {e}")),
    };
    let (mc, exports) =
        run_detailed_until(world, &scenario, &compiled, runs, seed, progress, cancel)
            .map_err(run_err)?;
    // The same scenario without its policies, on the same seeds: the baseline every flow is
    // compared with.
    let twin_scenario = scenario.policy_free();
    let twin = compile(world, &twin_scenario, file)
        .map_err(|e| AppError::Run(format!("{file} (policy-free baseline): {e}")))?;
    let (_, twin_flows) =
        run_detailed_until(world, &twin_scenario, &twin, runs, seed, &|| {}, cancel).map_err(
            |e| match e {
                chokepoint_sim::ConfigError::Cancelled => AppError::Cancelled,
                e => AppError::Run(format!("{file} (policy-free baseline): {e}")),
            },
        )?;
    let mut rep = report(world, &scenario, &compiled, &mc, seed);
    let prices = if world.market_params.is_empty() {
        None
    } else {
        Some(crate::market::price_report(
            world,
            timeline,
            &scenario,
            &compiled,
            &mc,
            &exports,
            &twin_flows,
            &rep.sectors,
        )?)
    };
    rep.china_exports = exports.rows();
    rep.flows = exports.against(&twin_flows);
    rep.flow_falls = largest_falls(&rep.flows, 12);
    rep.assumptions.extend(policy_notes);
    rep.origins = exports.origins.clone();
    let replay = if opts.replay {
        let replication = opts
            .replay_replication
            .unwrap_or_else(|| median_replication(&mc));
        let daily = daily_series(&scenario, &compiled, seed, replication).map_err(run_err)?;
        let nodes = node_months(world, &scenario, &compiled, seed, replication).map_err(run_err)?;
        Some(Replay {
            replication,
            daily,
            nodes,
        })
    } else {
        None
    };
    Ok(Simulation {
        scenario,
        compiled,
        mc,
        report: rep,
        runs,
        seed,
        replay,
        prices,
    })
}
