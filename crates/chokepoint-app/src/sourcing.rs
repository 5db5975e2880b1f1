//! Supplier mix for a buyer under a scenario (`chokepoint optimise sourcing`): which plants a
//! country's buyers should contract one material from, for how much, when the scenario's
//! export licensing may stop some of them.
//!
//! The problem is built from the world and the scenario, then handed to the MILP in
//! [`chokepoint_optimise::sourcing`]:
//!
//! * **suppliers**: every facility with a row in `supplier_terms.csv` for the material that can
//!   deliver within the scenario's horizon (planned plants without a start date, closed plants
//!   and plants starting after the horizon are listed as excluded, with the reason). Capacity:
//!   the facility's figure a run starting on the scenario's start date may know
//!   ([`chokepoint_core::facility::Facility::capacity_known_on`]). Price: the newest
//!   `prices.csv` row for the material on the terms' market whose period begins on or before
//!   the start date (the row is reported). Lead time and minimum contract: the terms row.
//! * **paths**: replication `r` of the scenario on the simulator (the same network, inputs and
//!   random stream `(seed, r)` as `chokepoint simulate`), replayed day by day. A supplier in a
//!   country whose exports of the material to the buyer need a licence under the scenario
//!   delivers, on a day, the share of the buyer's licence applications for that material from
//!   that country that let goods ship then (granted and valid, or not required); other
//!   suppliers deliver in full. Either is scaled by the plant's availability on the day (its
//!   start and ramp-up: a plant at half its nameplate serves each contract half, pro rata). A
//!   period's delivered share is the mean over its days. Every path has weight `1 / paths`.
//! * **periods**: the horizon split into equal periods (12 per year by default); demand and
//!   capacities per period are the annual figures times the period's length.
//!
//! Invariants: no I/O; a seed gives the same report bit for bit at any thread count (paths
//! replay in parallel, each on its own seeded stream, collected in path order; the frontier's
//! points are independent solves). The scenario's disruptions other than licensing are not
//! applied to contracts, and the report says so when the scenario has any.

use crate::AppError;
use chokepoint_core::facility::FacilityStatus;
use chokepoint_core::market::{Market, PriceUnit};
use chokepoint_core::{Date, World};
use chokepoint_optimise::OptimiseError;
use chokepoint_optimise::lp::LpSize;
use chokepoint_optimise::sourcing::{
    DisruptionPath, FrontierPoint, SourcingPlan, SourcingProblem, Supplier, default_lambdas,
    frontier, path_shortfalls, program_size, solve,
};
use chokepoint_optimise::stockpile::cvar_of;
use chokepoint_rules::Timeline;
use chokepoint_scenario::compile;
use rayon::prelude::*;
use serde::Serialize;

/// Days per year used to turn annual figures into per-period ones.
const DAYS_PER_YEAR: f64 = 365.25;

/// What to optimise.
#[derive(Debug, Clone)]
pub struct SourcingRequest {
    /// The buying country (ISO3, e.g. `JPN`).
    pub buyer: String,
    /// The material (a `materials.csv` id, e.g. `dy-oxide`).
    pub material: String,
    /// The buyer's demand, tonnes per year (> 0); `None`: the baseline inflow of the material
    /// into the buyer's plants in the compiled network (what the dataset's lanes carry).
    pub demand_tonnes_per_year: Option<f64>,
    /// Sampled paths (replications of the scenario), >= 1.
    pub paths: u32,
    /// Master seed (default: the scenario's, else 0).
    pub seed: Option<u64>,
    /// CVaR level in (0, 1).
    pub cvar_alpha: f64,
    /// CVaR weight, USD per tonne of tail shortfall (>= 0).
    pub lambda: f64,
    /// Points of the cost/risk frontier (0: none).
    pub frontier_points: usize,
    /// Penalty per tonne of expected shortfall, USD (>= 0).
    pub shortfall_penalty_per_tonne: f64,
    /// Nominal cover: contracted volume >= cover x demand (> 0).
    pub cover: f64,
    /// Largest nominal cover (>= cover), if any.
    pub max_cover: Option<f64>,
    /// Periods per year of the program (>= 1).
    pub periods_per_year: u32,
    /// Use the central value of every uncertain scenario input.
    pub fixed_inputs: bool,
    /// Fresh paths for the out-of-sample check of the chosen mix (0: no check; 1 is refused,
    /// an interval needs two).
    pub check_paths: u32,
}

impl Default for SourcingRequest {
    fn default() -> Self {
        Self {
            buyer: String::new(),
            material: String::new(),
            demand_tonnes_per_year: None,
            paths: 200,
            seed: None,
            cvar_alpha: 0.9,
            lambda: 0.0,
            frontier_points: 7,
            shortfall_penalty_per_tonne: 0.0,
            cover: 1.0,
            max_cover: None,
            periods_per_year: 12,
            fixed_inputs: false,
            check_paths: 0,
        }
    }
}

/// A candidate supplier as built from the dataset.
#[derive(Debug, Clone, Serialize)]
pub struct SupplierInput {
    /// Facility id.
    pub id: String,
    pub name: String,
    pub country: String,
    /// USD per tonne.
    pub price_usd_per_tonne: f64,
    /// The `prices.csv` row used: `material,market,period` and its source.
    pub price_row: String,
    /// Capacity, tonnes per year, and the year of the figure (`None`: undated).
    pub capacity_tonnes_per_year: f64,
    pub capacity_year: Option<i32>,
    pub lead_time_days: u32,
    pub min_contract_tonnes_per_year: f64,
    pub fixed_cost_usd: f64,
    /// The terms row's assumption, if any (every bundled one is).
    pub terms_assumption: Option<String>,
    /// How its delivered share is derived.
    pub exposure: String,
    /// Mean delivered share over paths and periods (before the lead time).
    pub mean_delivered_share: f64,
}

/// A facility with terms that is not a candidate, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Excluded {
    pub id: String,
    pub reason: String,
}

/// The answer.
#[derive(Debug, Clone, Serialize)]
pub struct SourcingReport {
    pub buyer: String,
    pub material: String,
    pub scenario: String,
    pub start: String,
    pub horizon_days: u32,
    pub periods: usize,
    pub period_days: f64,
    pub paths: u32,
    pub seed: u64,
    pub demand_tonnes_per_year: f64,
    /// Where the demand figure comes from.
    pub demand_source: String,
    pub cvar_alpha: f64,
    pub suppliers: Vec<SupplierInput>,
    pub excluded: Vec<Excluded>,
    /// The mix at the request's `lambda`.
    pub plan: SourcingPlan,
    /// The cost/risk frontier (empty if not asked for).
    pub frontier: Vec<FrontierPoint>,
    pub lp: LpSize,
    /// The chosen mix replayed on fresh paths (`None` when not asked for).
    pub out_of_sample: Option<SourcingCheck>,
    /// What the answer rests on that is not data.
    pub assumptions: Vec<String>,
}

/// The chosen contracts held fixed and replayed on paths the optimiser never saw: replications
/// of the same scenario on a seed derived from, and never equal to, the in-sample one.
#[derive(Debug, Clone, Serialize)]
pub struct SourcingCheck {
    pub paths: u32,
    pub seed: u64,
    /// Realised expected shortfall over the horizon, tonnes, and its 95% interval (normal,
    /// from the paths' standard error).
    pub expected_shortfall_tonnes: f64,
    pub expected_shortfall_ci95: (f64, f64),
    /// Realised CVaR of the horizon shortfall at the request's level, tonnes.
    pub cvar_tonnes: f64,
    /// Realised minus in-sample expected shortfall, tonnes (positive: the in-sample answer was
    /// optimistic).
    pub gap_tonnes: f64,
}

fn bad(msg: impl Into<String>) -> AppError {
    AppError::Invalid(msg.into())
}

/// The first day of a `prices.csv` period (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
fn period_start(period: &str) -> Option<Date> {
    let mut parts = period.split('-');
    let y: i16 = parts.next()?.parse().ok()?;
    let m: i8 = parts.next().map_or(Some(1), |p| p.parse().ok())?;
    let d: i8 = parts.next().map_or(Some(1), |p| p.parse().ok())?;
    Date::new(y, m, d).ok()
}

fn map_optimise(e: OptimiseError) -> AppError {
    match e {
        OptimiseError::Invalid { .. } | OptimiseError::Infeasible { .. } => {
            AppError::Invalid(format!("sourcing: {e}"))
        }
        e => AppError::Run(format!("sourcing: {e}")),
    }
}

fn check_request(req: &SourcingRequest) -> Result<(), AppError> {
    if let Some(d) = req.demand_tonnes_per_year
        && !(d.is_finite() && d > 0.0)
    {
        return Err(bad(format!(
            "--demand: expected tonnes per year > 0, got {d}"
        )));
    }
    if req.paths == 0 {
        return Err(bad("--paths: expected at least 1 path"));
    }
    if !(req.cvar_alpha > 0.0 && req.cvar_alpha < 1.0) {
        return Err(bad(format!(
            "--cvar-alpha: expected a level in (0, 1), got {}",
            req.cvar_alpha
        )));
    }
    if !(req.lambda.is_finite() && req.lambda >= 0.0) {
        return Err(bad(format!(
            "--lambda: expected USD per tonne >= 0, got {}",
            req.lambda
        )));
    }
    if !(req.shortfall_penalty_per_tonne.is_finite() && req.shortfall_penalty_per_tonne >= 0.0) {
        return Err(bad(format!(
            "--shortfall-penalty: expected USD per tonne >= 0, got {}",
            req.shortfall_penalty_per_tonne
        )));
    }
    if !(req.cover.is_finite() && req.cover > 0.0) {
        return Err(bad(format!("--cover: expected > 0, got {}", req.cover)));
    }
    if let Some(m) = req.max_cover
        && !(m.is_finite() && m >= req.cover)
    {
        return Err(bad(format!(
            "--max-cover: expected a multiple of demand >= --cover ({}), got {m}",
            req.cover
        )));
    }
    if req.periods_per_year == 0 {
        return Err(bad("--periods-per-year: expected at least 1"));
    }
    Ok(())
}

/// The problem built from the world and the scenario, before it is solved.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub problem: SourcingProblem,
    pub suppliers: Vec<SupplierInput>,
    pub excluded: Vec<Excluded>,
    pub buyer: String,
    pub scenario: String,
    pub start: String,
    pub horizon_days: u32,
    pub period_days: f64,
    pub seed: u64,
    pub demand_tonnes_per_year: f64,
    pub demand_source: String,
    pub assumptions: Vec<String>,
}

/// Builds the problem from the world and the scenario and solves it, with its frontier.
pub fn run(
    world: &World,
    timeline: &Timeline,
    scenario_text: &str,
    file: &str,
    req: &SourcingRequest,
) -> Result<SourcingReport, AppError> {
    let prepared = prepare(world, timeline, scenario_text, file, req)?;
    let mut report = optimise(prepared, req)?;
    if req.check_paths > 0 {
        report.out_of_sample = Some(check(world, timeline, scenario_text, file, req, &report)?);
    }
    Ok(report)
}

/// Replays the report's contracts on `req.check_paths` fresh replications of the scenario.
pub fn check(
    world: &World,
    timeline: &Timeline,
    scenario_text: &str,
    file: &str,
    req: &SourcingRequest,
    report: &SourcingReport,
) -> Result<SourcingCheck, AppError> {
    if req.check_paths < 2 {
        return Err(bad(
            "--check-paths: expected 0 (no check) or at least 2 (an interval needs two)",
        ));
    }
    let seed = crate::optimise::stockpile::check_seed(report.seed);
    let fresh_req = SourcingRequest {
        paths: req.check_paths,
        seed: Some(seed),
        // The fresh problem only supplies paths; the demand must be the one optimised for.
        demand_tonnes_per_year: Some(report.demand_tonnes_per_year),
        ..req.clone()
    };
    let fresh = prepare(world, timeline, scenario_text, file, &fresh_req)?;
    let volumes: Vec<f64> = fresh
        .problem
        .suppliers
        .iter()
        .map(|s| {
            report
                .plan
                .contracts
                .iter()
                .find(|c| c.id == s.id)
                .map_or(0.0, |c| c.tonnes_per_period)
        })
        .collect();
    let shortfalls = path_shortfalls(&fresh.problem, &volumes);
    let weights: Vec<f64> = fresh.problem.paths.iter().map(|p| p.weight).collect();
    let mean: f64 = shortfalls.iter().zip(&weights).map(|(x, w)| x * w).sum();
    let n = shortfalls.len() as f64;
    let var = shortfalls.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    let half = 1.96 * (var / n).sqrt();
    Ok(SourcingCheck {
        paths: req.check_paths,
        seed,
        expected_shortfall_tonnes: mean,
        expected_shortfall_ci95: (mean - half, mean + half),
        cvar_tonnes: cvar_of(&shortfalls, &weights, req.cvar_alpha),
        gap_tonnes: mean - report.plan.expected_shortfall_tonnes,
    })
}

/// Builds the problem: candidates from the dataset, paths from the scenario's replications.
pub fn prepare(
    world: &World,
    timeline: &Timeline,
    scenario_text: &str,
    file: &str,
    req: &SourcingRequest,
) -> Result<Prepared, AppError> {
    check_request(req)?;
    let buyer = req.buyer.to_uppercase();
    if world.countries.lookup(&buyer).is_none() {
        return Err(bad(format!(
            "--buyer: `{}` is not a country in countries.csv",
            req.buyer
        )));
    }
    let Some(material) = world.materials.lookup(&req.material) else {
        return Err(bad(format!(
            "--material: `{}` is not a material id in materials.csv",
            req.material
        )));
    };
    let (mut scenario, _notes) = crate::simulate::parse(scenario_text, file, timeline)?;
    scenario.fixed_inputs = req.fixed_inputs;
    // Origins traced only for the report change no quantity or draw; with no content rule
    // reading them the replays can skip them.
    if scenario.licensing.iter().all(|l| l.content_rule.is_none()) {
        scenario.trace_origin = false;
    }
    let compiled = compile(world, &scenario, file).map_err(|e| bad(e.to_string()))?;
    let horizon = compiled.horizon;
    if horizon == 0 {
        return Err(bad(format!("{file}: horizon_days must be at least 1")));
    }
    let seed = req.seed.or(scenario.seed).unwrap_or(0);
    let periods = ((f64::from(horizon) * f64::from(req.periods_per_year) / DAYS_PER_YEAR).round()
        as usize)
        .clamp(1, horizon as usize);
    let period_days = f64::from(horizon) / periods as f64;
    let period_of = |day: u32| ((day as usize * periods) / horizon as usize).min(periods - 1);
    let days_in: Vec<f64> = {
        let mut v = vec![0.0; periods];
        for d in 0..horizon {
            v[period_of(d)] += 1.0;
        }
        v
    };
    let per_period = |annual: f64| annual * period_days / DAYS_PER_YEAR;
    let (demand_tonnes_per_year, demand_source) = match req.demand_tonnes_per_year {
        Some(d) => (d, "given (--demand)".to_string()),
        None => {
            let inflow: f64 = compiled
                .edges
                .iter()
                .filter(|e| {
                    e.lane.is_some() && e.to_country.as_str() == buyer && e.material == material
                })
                .map(|e| e.baseline_per_day)
                .sum::<f64>()
                * DAYS_PER_YEAR;
            if !inflow.is_finite() || inflow <= 0.0 {
                return Err(bad(format!(
                    "--demand: the network carries no baseline flow of {} into {buyer}; give --demand TONNES_PER_YEAR",
                    req.material
                )));
            }
            (
                inflow,
                format!(
                    "the baseline inflow of {} into {buyer}'s plants over the dataset's lanes in the compiled network",
                    req.material
                ),
            )
        }
    };
    // The scenario's days as dates (day d is `start` + d days).
    let mut dates = Vec::with_capacity(horizon as usize + 1);
    let mut day = scenario.start;
    for _ in 0..=horizon {
        dates.push(day);
        day = day.tomorrow().unwrap_or(day);
    }
    let end = dates[horizon as usize];

    // ---- candidates
    let mut suppliers: Vec<SupplierInput> = Vec::new();
    let mut availability: Vec<Vec<f64>> = Vec::new(); // [supplier][period]
    let mut keys_of: Vec<Vec<chokepoint_sim::LicenceKey>> = Vec::new();
    let mut excluded = Vec::new();
    for terms in world
        .supplier_terms
        .iter()
        .filter(|t| t.material == material)
    {
        let f = world.facilities.get(terms.facility);
        let id = f.key.clone();
        let mut exclude = |reason: String| {
            excluded.push(Excluded {
                id: id.clone(),
                reason,
            })
        };
        if f.status == FacilityStatus::Closed {
            exclude("closed".into());
            continue;
        }
        if f.status == FacilityStatus::Planned && f.start.is_none() {
            exclude("planned, no start date in facilities.csv".into());
            continue;
        }
        if f.start.is_some_and(|s| s >= end) {
            exclude(format!(
                "starts {}, after the horizon ends ({end})",
                f.start.map(|d| d.to_string()).unwrap_or_default()
            ));
            continue;
        }
        let Some(cap) = f.capacity_known_on(material, scenario.start) else {
            exclude("no capacity figure for the material".into());
            continue;
        };
        let price = world
            .prices
            .iter()
            .filter(|p| p.material == material && p.market == terms.price_market)
            .filter_map(|p| period_start(&p.period).map(|d| (d, p)))
            .filter(|(d, _)| *d <= scenario.start)
            .max_by_key(|(d, _)| *d)
            .map(|(_, p)| p);
        let Some(price) = price else {
            exclude(format!(
                "no price for {} on market {} on or before {} in prices.csv",
                req.material,
                market_name(terms.price_market),
                scenario.start
            ));
            continue;
        };
        let usd_per_tonne = match price.unit {
            PriceUnit::UsdPerKg => price.price * 1000.0,
            PriceUnit::CnyPerTonne => {
                exclude(format!(
                    "its price row ({}) is in CNY/t and the dataset has no exchange rate",
                    price.period
                ));
                continue;
            }
        };
        let sources: Vec<String> = price
            .provenance
            .citations
            .iter()
            .map(|c| {
                let s = world.sources.get(c.source);
                match &c.locator {
                    Some(l) => format!("{}@{l}", s.id),
                    None => s.id.clone(),
                }
            })
            .collect();
        let price_row = format!(
            "{},{},{} = {} {} ({})",
            req.material,
            market_name(terms.price_market),
            price.period,
            price.price,
            match price.unit {
                PriceUnit::UsdPerKg => "USD/kg",
                PriceUnit::CnyPerTonne => "CNY/t",
            },
            if sources.is_empty() {
                "no source".to_string()
            } else {
                sources.join("; ")
            }
        );
        // Availability per period: mean over its days of the plant's start/ramp share.
        let mut avail = vec![0.0; periods];
        for d in 0..horizon {
            avail[period_of(d)] += f.availability_on(dates[d as usize]);
        }
        for (a, n) in avail.iter_mut().zip(&days_in) {
            *a /= n.max(1.0);
        }
        if avail.iter().all(|&a| a <= 0.0) {
            exclude("not available at any time in the horizon".into());
            continue;
        }
        let keys: Vec<chokepoint_sim::LicenceKey> = (0..compiled.licence_importers.len())
            .filter(|&k| {
                compiled.licence_importers[k].as_str() == buyer
                    && compiled.licence_materials[k] == material
                    && compiled.licence_exporters[k] == f.country
            })
            .map(|k| chokepoint_sim::LicenceKey(u32::try_from(k).unwrap_or(u32::MAX)))
            .collect();
        let exposure = if keys.is_empty() {
            "delivers in full (no licence needed under the scenario)".to_string()
        } else {
            format!(
                "share of the {} licence applications {}->{} for {} that let goods ship, per day",
                keys.len(),
                f.country,
                buyer,
                req.material
            )
        };
        suppliers.push(SupplierInput {
            id: f.key.clone(),
            name: f.name.clone(),
            country: f.country.as_str().to_string(),
            price_usd_per_tonne: usd_per_tonne,
            price_row,
            capacity_tonnes_per_year: cap.per_year,
            capacity_year: cap.year,
            lead_time_days: terms.lead_time_days,
            min_contract_tonnes_per_year: terms.min_contract_tonnes_per_year,
            fixed_cost_usd: terms.fixed_cost_usd,
            terms_assumption: terms.provenance.assumption.clone(),
            exposure,
            mean_delivered_share: 0.0,
        });
        availability.push(avail);
        keys_of.push(keys);
    }
    if suppliers.is_empty() {
        let why: Vec<String> = excluded
            .iter()
            .map(|e| format!("{}: {}", e.id, e.reason))
            .collect();
        return Err(bad(format!(
            "--material {}: no candidate supplier in supplier_terms.csv{}",
            req.material,
            if why.is_empty() {
                String::new()
            } else {
                format!(" ({})", why.join("; "))
            }
        )));
    }

    // ---- paths: the licence state of each replication, day by day.
    let n = suppliers.len();
    let exposed = keys_of.iter().any(|k| !k.is_empty());
    let replay = |rep: u64| -> Result<Vec<Vec<f64>>, AppError> {
        // open[i][period] = sum over days of the share of supplier i's applications open.
        let mut open = vec![vec![0.0; periods]; n];
        if exposed {
            let net = compiled
                .inputs
                .network_of(&compiled.network, seed, rep)
                .map_err(|e| AppError::Run(format!("{file}: {e}")))?;
            let net = &*net;
            let mut st = chokepoint_sim::State::new(net);
            let mut rng = chokepoint_sim::replication_rng(seed, rep);
            chokepoint_sim::simulate(
                net,
                &mut st,
                horizon,
                &mut rng,
                &mut |t: u32, nw: &chokepoint_sim::Network, s: &chokepoint_sim::State| {
                    let p = period_of(t);
                    for (i, keys) in keys_of.iter().enumerate() {
                        let share = if keys.is_empty() {
                            1.0
                        } else {
                            keys.iter().filter(|&&k| s.licence_open(nw, k, t)).count() as f64
                                / keys.len() as f64
                        };
                        open[i][p] += share;
                    }
                },
            )
            .map_err(|e| AppError::Run(format!("{file}: {e}")))?;
        } else {
            for row in &mut open {
                for (p, v) in row.iter_mut().enumerate() {
                    *v = days_in[p];
                }
            }
        }
        // delivered[t][i]
        Ok((0..periods)
            .map(|p| {
                (0..n)
                    .map(|i| {
                        (open[i][p] / days_in[p].max(1.0) * availability[i][p]).clamp(0.0, 1.0)
                    })
                    .collect()
            })
            .collect())
    };
    let delivered: Vec<Result<Vec<Vec<f64>>, AppError>> = (0..u64::from(req.paths))
        .into_par_iter()
        .map(replay)
        .collect();
    let weight = 1.0 / f64::from(req.paths);
    let mut paths = Vec::with_capacity(delivered.len());
    for d in delivered {
        paths.push(DisruptionPath {
            weight,
            delivered: d?,
        });
    }
    for (i, s) in suppliers.iter_mut().enumerate() {
        let total: f64 = paths
            .iter()
            .map(|p| p.delivered.iter().map(|row| row[i]).sum::<f64>())
            .sum();
        s.mean_delivered_share = total / (paths.len() * periods) as f64;
    }

    let problem = SourcingProblem {
        demand: vec![per_period(demand_tonnes_per_year); periods],
        suppliers: suppliers
            .iter()
            .map(|s| Supplier {
                id: s.id.clone(),
                name: s.name.clone(),
                country: s.country.clone(),
                price_per_tonne: s.price_usd_per_tonne,
                capacity_per_period: per_period(s.capacity_tonnes_per_year),
                lead_time_periods: (f64::from(s.lead_time_days) / period_days).ceil() as usize,
                min_contract_per_period: per_period(s.min_contract_tonnes_per_year),
                fixed_cost: s.fixed_cost_usd,
            })
            .collect(),
        paths,
        cover: req.cover,
        max_cover: req.max_cover,
        cvar_alpha: req.cvar_alpha,
        lambda: req.lambda,
        shortfall_penalty_per_tonne: req.shortfall_penalty_per_tonne,
    };
    let mut assumptions = vec![
        "contract cost is the committed volume at its price over the periods it delivers in (take-or-pay); undelivered volume is not refunded".to_string(),
        "a licence-exposed supplier delivers, per day, the share of the buyer's licence applications for the material that let goods ship in the simulator's replay of that path".to_string(),
        "a plant before its start or while ramping up serves each contract pro rata to its available share of nameplate".to_string(),
    ];
    if suppliers.iter().any(|s| s.terms_assumption.is_some()) {
        assumptions.push(
            "lead times and minimum contract sizes come from supplier_terms.csv, where each is flagged as an assumption".to_string(),
        );
    }
    if !scenario.disruptions.is_empty() {
        assumptions.push(format!(
            "the scenario's {} disruption(s) other than licensing are not applied to the contracts",
            scenario.disruptions.len()
        ));
    }
    Ok(Prepared {
        problem,
        suppliers,
        excluded,
        buyer,
        scenario: scenario.id.clone(),
        start: scenario.start.to_string(),
        horizon_days: horizon,
        period_days,
        seed,
        demand_tonnes_per_year,
        demand_source,
        assumptions,
    })
}

/// Solves a prepared problem at the request's `lambda`, and its frontier.
pub fn optimise(prepared: Prepared, req: &SourcingRequest) -> Result<SourcingReport, AppError> {
    check_request(req)?;
    let mut problem = prepared.problem;
    problem.cvar_alpha = req.cvar_alpha;
    problem.lambda = req.lambda;
    problem.shortfall_penalty_per_tonne = req.shortfall_penalty_per_tonne;
    problem.cover = req.cover;
    problem.max_cover = req.max_cover;
    let lp = program_size(&problem).map_err(map_optimise)?;
    let plan = solve(&problem).map_err(map_optimise)?;
    let frontier = if req.frontier_points > 0 {
        frontier(&problem, &default_lambdas(&problem, req.frontier_points)).map_err(map_optimise)?
    } else {
        Vec::new()
    };
    Ok(SourcingReport {
        buyer: prepared.buyer,
        material: req.material.clone(),
        scenario: prepared.scenario,
        start: prepared.start,
        horizon_days: prepared.horizon_days,
        periods: problem.demand.len(),
        period_days: prepared.period_days,
        paths: u32::try_from(problem.paths.len()).unwrap_or(u32::MAX),
        seed: prepared.seed,
        demand_tonnes_per_year: prepared.demand_tonnes_per_year,
        demand_source: prepared.demand_source,
        cvar_alpha: req.cvar_alpha,
        suppliers: prepared.suppliers,
        excluded: prepared.excluded,
        plan,
        frontier,
        lp,
        out_of_sample: None,
        assumptions: prepared.assumptions,
    })
}

fn market_name(m: Market) -> &'static str {
    match m {
        Market::ChinaDomestic => "china-domestic",
        Market::FobChina => "fob-china",
        Market::Europe => "europe",
        Market::UsgsUs => "usgs-us",
    }
}
