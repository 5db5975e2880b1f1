//! The long-horizon mode (`chokepoint project`): parse a long-run scenario, compile it on the
//! world, run the Monte Carlo over project delays, and compare the announced path with history
//! where they overlap.

use crate::AppError;
use chokepoint_core::World;
use chokepoint_longrun::history::{Comparison, compare};
use chokepoint_longrun::{Model, Summary, simulate};
use chokepoint_scenario::longrun::LongRunScenario;
use serde::Serialize;

/// Runs by default when neither the request nor the scenario says.
pub const DEFAULT_RUNS: u32 = 200;

/// The last year the comparison with history reads (observations after it are outlooks).
pub const LAST_HISTORY_YEAR: i32 = 2025;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct ProjectOptions {
    /// First reported year (default: the scenario's).
    pub from: Option<i32>,
    /// Last reported year (default: the scenario's).
    pub to: Option<i32>,
    /// Monte Carlo runs over project delays (0: the announced path only).
    pub runs: Option<u32>,
    pub seed: Option<u64>,
}

/// A finished projection.
#[derive(Debug, Serialize)]
pub struct Projection {
    pub scenario: LongRunScenario,
    pub summary: Summary,
    /// The projects as run: id, facility, region, stage, start (fractional year), ramp, delay
    /// odds, typical delay, fixed shift.
    pub projects: Vec<ProjectRow>,
    pub history: Vec<Comparison>,
}

/// One project line as run.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectRow {
    pub id: String,
    pub facility: String,
    pub material: String,
    pub region: &'static str,
    pub start: f64,
    pub ramp_years: f64,
    pub delay_probability: f64,
    pub delay_years: f64,
    pub fixed_shift: f64,
    /// Full capacity in the line's first quantity it carries (t element, t magnet or t REO).
    pub capacity: f64,
}

/// Parses `text` (named `file` in messages) as a long-run scenario.
pub fn parse(text: &str, file: &str) -> Result<LongRunScenario, AppError> {
    LongRunScenario::parse(text, file).map_err(|e| AppError::Invalid(e.to_string()))
}

/// Runs the long-horizon mode on `world`.
pub fn run(
    world: &World,
    text: &str,
    file: &str,
    opts: &ProjectOptions,
) -> Result<Projection, AppError> {
    let mut scenario = parse(text, file)?;
    if let Some(f) = opts.from {
        scenario.from = f;
    }
    if let Some(t) = opts.to {
        scenario.to = t;
    }
    let years = chokepoint_scenario::longrun::YEARS;
    for (name, y) in [("--from", scenario.from), ("--to", scenario.to)] {
        if !years.contains(&y) {
            return Err(AppError::Invalid(format!(
                "{name}: year {y} is outside {}..={}",
                years.start(),
                years.end()
            )));
        }
    }
    if scenario.from > scenario.to {
        return Err(AppError::Invalid(format!(
            "--to: {} is before --from {}",
            scenario.to, scenario.from
        )));
    }
    if scenario.recycling.stock_from > scenario.from {
        scenario.recycling.stock_from = scenario.from;
    }
    let model =
        Model::new(world, &scenario).map_err(|e| AppError::Invalid(format!("{file}: {e}")))?;
    let runs = opts.runs.or(scenario.runs).unwrap_or(DEFAULT_RUNS);
    let seed = opts.seed.or(scenario.seed).unwrap_or(0);
    let summary = simulate(&model, runs, seed);
    let history = compare(world, &summary.announced, LAST_HISTORY_YEAR);
    let projects = model
        .lines
        .iter()
        .filter(|l| l.project.is_some())
        .map(|l| {
            let cap = l.capacity(scenario.to);
            ProjectRow {
                id: l.id.clone(),
                facility: l.facility.clone(),
                material: l
                    .capacities
                    .first()
                    .map(|m| m.material.clone())
                    .unwrap_or_default(),
                region: l.region.code(),
                start: l.start.unwrap_or(f64::NAN),
                ramp_years: l.ramp_years,
                delay_probability: l.delay_probability,
                delay_years: l.delay_years,
                fixed_shift: l.fixed_shift,
                capacity: cap.iter().copied().find(|&x| x > 0.0).unwrap_or(0.0),
            }
        })
        .collect();
    Ok(Projection {
        scenario,
        summary,
        projects,
        history,
    })
}
