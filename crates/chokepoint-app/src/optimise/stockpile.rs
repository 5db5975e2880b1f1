//! Stockpile sizing on the simulated world: scenario(s) → sampled shortfall paths → the
//! two-stage program of [`chokepoint_optimise::stockpile`] → holdings, cover, frontier → an
//! out-of-sample re-simulation of the holdings on fresh seeds.
//!
//! **Shortfall groups.** A group is (importer, material) for a single-element material of a
//! requested element (default Dy, Tb) and form (default separated oxide and metal) that the
//! importer receives across a border in the network: what a stock of, say, Dy oxide held in
//! Japan could replace. In each sampled path (one replication of the scenario) and calendar
//! month, the group's shortfall is the importer's cross-border receipts of the material in the
//! policy-free twin run on the same seed less those in the scenario run, floored at zero; what
//! the dataset's own stockpiles of that material in the importer released in the path is taken
//! off, earliest months first (they are drawn as the shortage starts). Periods are calendar
//! months (the simulator reports flows by month), counted as `horizon_days / months` days each
//! for holding cost, rates and months of cover; several scenarios are cut to the fewest months.
//!
//! **Value of lost output per tonne.** The world's end-product output per tonne of the element:
//! over the dataset's world (`WLD`) demand rows that use the element, units x value per unit
//! (data/optimise/stockpile.toml, flagged assumptions) over units x kg of the element per unit
//! (magnet kg per unit x the element's share, data/demand.csv); for a material, times its
//! element content. It is gross output value, an upper bound on the economic loss.
//!
//! **Candidates.** One per group, held by the importer: acquisition price from
//! data/prices.csv, the newest ex-China (`europe`) row, else the newest `fob-china` row (the
//! row is reported); holding cost = storage + capital rate x price per tonne-year. A group
//! without a price has no candidate: its loss stays in the objective, uncoverable, and is
//! reported. With one candidate per group and no release limit, a path's loss under the
//! optimal releases is `Σ_g v_g max(0, Σ_t sh_{t,g} − x_g)`; that is how path losses (P95, the
//! target) are evaluated here.
//!
//! **Out of sample.** The holdings become stockpiles of the world (owner and location the
//! importer, released on shortage to the importer's consumers, no rate limit), and the scenario
//! is re-run on a master seed derived from the in-sample one and different from it
//! ([`check_seed`]): the realised loss of a path is the same function of the re-run, with
//! everything the stockpiles (new and existing) released taken off the group's shortfall.
//!
//! Invariants: no I/O, no clock; a seed gives bit-identical answers at any thread count (the
//! simulator's replications and the frontier's points run on rayon and are collected in
//! order); every bad request is an [`AppError::Invalid`] naming the option.

use crate::AppError;
use chokepoint_core::market::{Market, PriceUnit};
use chokepoint_core::material::{MaterialForm, MaterialId};
use chokepoint_core::source::Provenance;
use chokepoint_core::stockpile::{ReleaseTrigger, Stockpile};
use chokepoint_core::{CountryCode, Element, World};
use chokepoint_optimise::stockpile::{
    CandidateHolding, CvarTerm, StockpilePlan, StockpileProblem, cvar_of, solve,
};
use chokepoint_optimise::{OptimiseError, lp::LpSize};
use chokepoint_rules::Timeline;
use chokepoint_scenario::report::ExportSeries;
use chokepoint_scenario::{Scenario, compile, run_detailed};
use chokepoint_sim::McResult;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Share of a path's loss counted as zero (numerical noise of the LP's holdings).
const LOSS_EPS: f64 = 1e-9;
/// z of a two-sided 95% normal interval.
const Z95: f64 = 1.959_963_984_540_054;

// ---------------------------------------------------------------- inputs file

/// One value with its rationale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assumed {
    pub value: f64,
    pub assumption: String,
}

/// Holding cost per tonne-year = storage + capital rate x price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldingCostSpec {
    pub storage_usd_per_tonne_year: f64,
    pub capital_rate_per_year: f64,
    pub assumption: String,
}

/// The optimiser's inputs that the dataset's tables do not hold
/// (`data/optimise/stockpile.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockpileInputs {
    pub holding_cost: HoldingCostSpec,
    /// Value of one end-product unit by sector id (USD).
    pub end_product_value_usd: BTreeMap<String, Assumed>,
}

impl StockpileInputs {
    /// Parses the inputs file `text` (named `file` in messages) and checks every number.
    pub fn parse(text: &str, file: &str) -> Result<Self, AppError> {
        let inputs: StockpileInputs =
            toml::from_str(text).map_err(|e| AppError::Invalid(format!("{file}: {e}")))?;
        let bad = |field: &str, v: f64| {
            AppError::Invalid(format!(
                "{file}: `{field}` must be a finite number >= 0, got {v}"
            ))
        };
        let h = &inputs.holding_cost;
        for (f, v) in [
            (
                "holding_cost.storage_usd_per_tonne_year",
                h.storage_usd_per_tonne_year,
            ),
            (
                "holding_cost.capital_rate_per_year",
                h.capital_rate_per_year,
            ),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(bad(f, v));
            }
        }
        if h.assumption.trim().is_empty() {
            return Err(AppError::Invalid(format!(
                "{file}: `holding_cost.assumption` must give the rationale"
            )));
        }
        for (sector, a) in &inputs.end_product_value_usd {
            if !(a.value.is_finite() && a.value >= 0.0) {
                return Err(bad(
                    &format!("end_product_value_usd.{sector}.value"),
                    a.value,
                ));
            }
            if a.assumption.trim().is_empty() {
                return Err(AppError::Invalid(format!(
                    "{file}: `end_product_value_usd.{sector}.assumption` must give the rationale"
                )));
            }
        }
        Ok(inputs)
    }
}

// ---------------------------------------------------------------- request

/// A scenario's TOML text and the name it goes by in messages.
#[derive(Debug, Clone)]
pub struct ScenarioText {
    pub text: String,
    pub file: String,
}

/// What to sample and for whom.
#[derive(Debug, Clone)]
pub struct SampleRequest {
    /// At least one scenario; paths are weighted equally across scenarios.
    pub scenarios: Vec<ScenarioText>,
    /// Importing countries (ISO3), at least one.
    pub importers: Vec<String>,
    /// Element symbols (default Dy, Tb when empty).
    pub elements: Vec<String>,
    /// Material forms (default `separated-oxide`, `metal` when empty).
    pub forms: Vec<String>,
    /// Replications sampled per scenario (>= 1).
    pub paths: u32,
    /// Master seed of the in-sample replications.
    pub seed: u64,
    /// Central values of the scenarios' uncertain inputs.
    pub fixed_inputs: bool,
}

/// A shortfall group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupInfo {
    /// `IMPORTER:material`.
    pub id: String,
    pub importer: String,
    pub material: String,
    pub element: String,
    pub form: String,
    /// Tonnes of the element per tonne of the material.
    pub element_content: f64,
    /// Value of lost output per tonne of the material short (USD).
    pub loss_per_tonne: f64,
}

/// A candidate holding and where its numbers come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateInfo {
    pub id: String,
    pub group: String,
    /// Acquisition USD per tonne.
    pub price_per_tonne: f64,
    /// The prices.csv row: `material,market,period`.
    pub price_row: String,
    pub price_source: String,
    /// Holding USD per tonne-year.
    pub holding_cost_per_tonne_year: f64,
}

/// The sampled problem: everything the solve and the check need.
#[derive(Debug, Clone)]
pub struct Sampled {
    pub groups: Vec<GroupInfo>,
    pub candidates: Vec<CandidateInfo>,
    /// The program with no budget and no CVaR term.
    pub problem: StockpileProblem,
    pub periods: usize,
    pub period_days: f64,
    pub paths_per_scenario: u32,
    pub seed: u64,
    /// Per element symbol: the world's output value per tonne of the element (USD).
    pub value_per_tonne_element: BTreeMap<String, f64>,
    pub notes: Vec<String>,
    /// Copied from the request for the check.
    request: SampleRequest,
    /// Per scenario: the parsed scenario (with its tracing switched off when only reported).
    scenarios: Vec<Scenario>,
}

impl Sampled {
    /// A sampled problem built by hand (tests, paths from elsewhere): `groups` and
    /// `candidates` describe `problem`'s groups and candidates in order. It has no scenario, so
    /// [`check`] refuses it.
    pub fn from_problem(
        groups: Vec<GroupInfo>,
        candidates: Vec<CandidateInfo>,
        problem: StockpileProblem,
    ) -> Result<Self, AppError> {
        problem.validate().map_err(opt_err)?;
        if groups.len() != problem.groups.len() || candidates.len() != problem.candidates.len() {
            return Err(AppError::Invalid(
                "groups and candidates must describe the problem's, in order".into(),
            ));
        }
        let periods = problem
            .paths
            .first()
            .map_or(0, |p| p.shortfall_tonnes.len());
        Ok(Self {
            period_days: problem.period_days,
            groups,
            candidates,
            problem,
            periods,
            paths_per_scenario: 0,
            seed: 0,
            value_per_tonne_element: BTreeMap::new(),
            notes: Vec::new(),
            request: SampleRequest {
                scenarios: Vec::new(),
                importers: Vec::new(),
                elements: Vec::new(),
                forms: Vec::new(),
                paths: 0,
                seed: 0,
                fixed_inputs: false,
            },
            scenarios: Vec::new(),
        })
    }
}

/// The stockpiles of the dataset in `importer` holding `m`, by position in
/// [`chokepoint_scenario::Compiled::stockpiles`].
fn existing_stockpiles(
    world: &World,
    compiled: &chokepoint_scenario::Compiled,
    importer: CountryCode,
    m: MaterialId,
) -> Vec<usize> {
    compiled
        .stockpiles
        .iter()
        .enumerate()
        .filter(|(_, k)| {
            world
                .stockpiles
                .lookup(k)
                .map(|id| world.stockpiles.get(id))
                .is_some_and(|sp| sp.location == importer && sp.material == m)
        })
        .map(|(i, _)| i)
        .collect()
}

/// Per path, per group: the cross-border receipts the twin had and the scenario did not, per
/// month (floored at 0), for the first `months` months.
fn deficits(
    scen: &ExportSeries,
    twin: &ExportSeries,
    groups: &[(CountryCode, String)],
    months: usize,
) -> Vec<Vec<Vec<f64>>> {
    let cols = |series: &ExportSeries, (imp, mat): &(CountryCode, String)| -> Vec<usize> {
        let imp = imp.to_string();
        series
            .keys
            .iter()
            .enumerate()
            .filter(|(_, (_, to, m))| *to == imp && m == mat)
            .map(|(k, _)| k)
            .collect()
    };
    let scen_cols: Vec<Vec<usize>> = groups.iter().map(|g| cols(scen, g)).collect();
    let twin_cols: Vec<Vec<usize>> = groups.iter().map(|g| cols(twin, g)).collect();
    let sw = scen.keys.len();
    let tw = twin.keys.len();
    scen.per_replication
        .iter()
        .zip(&twin.per_replication)
        .map(|(s, t)| {
            (0..months)
                .map(|mi| {
                    (0..groups.len())
                        .map(|g| {
                            let a: f64 = twin_cols[g].iter().map(|&k| t[mi * tw + k]).sum();
                            let b: f64 = scen_cols[g].iter().map(|&k| s[mi * sw + k]).sum();
                            (a - b).max(0.0)
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Takes `released` off the earliest months of `row` (months x groups, column `g`).
fn take_off_earliest(rows: &mut [Vec<f64>], g: usize, mut released: f64) {
    for row in rows.iter_mut() {
        if released <= 0.0 {
            break;
        }
        let cut = row[g].min(released);
        row[g] -= cut;
        released -= cut;
    }
}

fn parse_country(world: &World, s: &str, option: &str) -> Result<CountryCode, AppError> {
    let code: CountryCode = s
        .parse()
        .map_err(|e: chokepoint_core::geo::BadCountryCode| {
            AppError::Invalid(format!("{option} {s}: {e}"))
        })?;
    if world.country(code).is_none() {
        return Err(AppError::Invalid(format!(
            "{option} {s}: not a country in the dataset"
        )));
    }
    Ok(code)
}

/// A scenario parsed for sampling: tracing is switched off when nothing reads the origins
/// (it only slows the kernel down; the quantities are identical).
fn parse_scenario(
    st: &ScenarioText,
    timeline: &Timeline,
    fixed_inputs: bool,
) -> Result<Scenario, AppError> {
    let (mut sc, _) = crate::simulate::parse(&st.text, &st.file, timeline)?;
    sc.fixed_inputs = fixed_inputs;
    if !sc.licensing.iter().any(|l| l.content_rule.is_some()) {
        sc.trace_origin = false;
    }
    Ok(sc)
}

/// One run of a scenario (and its policy-free twin when `twin`) on `world`.
struct Run {
    mc: McResult,
    exports: ExportSeries,
    compiled: chokepoint_scenario::Compiled,
}

fn run_once(
    world: &World,
    sc: &Scenario,
    file: &str,
    runs: u32,
    seed: u64,
) -> Result<Run, AppError> {
    let compiled = compile(world, sc, file).map_err(|e| AppError::Invalid(e.to_string()))?;
    let (mc, exports) = run_detailed(world, sc, &compiled, runs, seed, &|| {})
        .map_err(|e| AppError::Run(format!("{file}: {e}")))?;
    Ok(Run {
        mc,
        exports,
        compiled,
    })
}

/// The world's output value per tonne of `e` (USD/t) over the `WLD` demand rows, and notes
/// on sectors left out for want of a value.
fn value_per_tonne(
    world: &World,
    inputs: &StockpileInputs,
    e: Element,
    notes: &mut Vec<String>,
) -> Option<f64> {
    let mut value = 0.0;
    let mut tonnes = 0.0;
    let mut missing = Vec::new();
    for d in world.demand.values() {
        if d.region != "WLD" {
            continue;
        }
        let share = match e {
            Element::Dy => d.dy_share,
            Element::Tb => d.tb_share,
            _ => None,
        };
        let (Some(units), Some(kg), Some(share)) = (d.units, d.magnet_kg_per_unit, share) else {
            continue;
        };
        let t_per_unit = kg * share.fraction() / 1000.0;
        if t_per_unit <= 0.0 {
            continue;
        }
        let sector = &world.sectors.get(d.sector).key;
        match inputs.end_product_value_usd.get(sector) {
            Some(v) => {
                value += units * v.value;
                tonnes += units * t_per_unit;
            }
            None => missing.push(sector.clone()),
        }
    }
    if !missing.is_empty() {
        notes.push(format!(
            "{e}: sectors without an end-product value left out of the value per tonne: {}",
            missing.join(", ")
        ));
    }
    (tonnes > 0.0).then(|| value / tonnes)
}

/// The acquisition price of `m` per tonne: the newest `europe` row, else the newest
/// `fob-china` row, in USD/kg. Returns (USD per tonne, `material,market,period`, source).
fn price_of(world: &World, m: MaterialId) -> Option<(f64, String, String)> {
    for market in [Market::Europe, Market::FobChina] {
        let best = world
            .prices
            .iter()
            .filter(|p| p.material == m && p.market == market && p.unit == PriceUnit::UsdPerKg)
            .max_by(|a, b| a.period.cmp(&b.period));
        if let Some(p) = best {
            let market_s = match market {
                Market::Europe => "europe",
                _ => "fob-china",
            };
            let source = p
                .provenance
                .citations
                .iter()
                .map(|c| world.sources.get(c.source).id.clone())
                .collect::<Vec<_>>()
                .join(";");
            return Some((
                p.price * 1000.0,
                format!("{},{market_s},{}", world.materials.get(m).key, p.period),
                source,
            ));
        }
    }
    None
}

/// Runs the scenarios on `world` and builds the program (no budget, no CVaR term).
pub fn sample(
    world: &World,
    timeline: &Timeline,
    inputs: &StockpileInputs,
    req: &SampleRequest,
) -> Result<Sampled, AppError> {
    if req.scenarios.is_empty() {
        return Err(AppError::Invalid("--scenario: give at least one".into()));
    }
    if req.importers.is_empty() {
        return Err(AppError::Invalid("--importer: give at least one".into()));
    }
    if req.paths == 0 {
        return Err(AppError::Invalid("--paths: expected at least 1".into()));
    }
    let importers = req
        .importers
        .iter()
        .map(|s| parse_country(world, s, "--importer"))
        .collect::<Result<Vec<_>, _>>()?;
    let elements: Vec<Element> = if req.elements.is_empty() {
        vec![Element::Dy, Element::Tb]
    } else {
        req.elements
            .iter()
            .map(|s| {
                s.parse::<Element>()
                    .map_err(|e| AppError::Invalid(format!("--element {s}: {e}")))
            })
            .collect::<Result<_, _>>()?
    };
    let forms: Vec<MaterialForm> = if req.forms.is_empty() {
        vec![MaterialForm::SeparatedOxide, MaterialForm::Metal]
    } else {
        req.forms
            .iter()
            .map(|s| {
                s.parse::<MaterialForm>()
                    .map_err(|e| AppError::Invalid(format!("--form {s}: {e}")))
            })
            .collect::<Result<_, _>>()?
    };
    let mut notes = Vec::new();
    let mut value_e = BTreeMap::new();
    for &e in &elements {
        match value_per_tonne(world, inputs, e, &mut notes) {
            Some(v) => {
                value_e.insert(e.symbol().to_string(), v);
            }
            None => {
                return Err(AppError::Invalid(format!(
                    "--element {e}: the dataset's world demand rows give no intensity of {e} with a valued end product (demand.csv gives Dy and Tb shares only)"
                )));
            }
        }
    }
    let scenarios = req
        .scenarios
        .iter()
        .map(|st| parse_scenario(st, timeline, req.fixed_inputs))
        .collect::<Result<Vec<_>, _>>()?;

    // The scenarios and their twins, in order.
    let runs: Vec<(Run, Run)> = req
        .scenarios
        .iter()
        .zip(&scenarios)
        .map(|(st, sc)| {
            let a = run_once(world, sc, &st.file, req.paths, req.seed)?;
            let b = run_once(
                world,
                &sc.policy_free(),
                &format!("{} (policy-free twin)", st.file),
                req.paths,
                req.seed,
            )?;
            Ok((a, b))
        })
        .collect::<Result<_, AppError>>()?;

    // Groups: every requested (importer, single-element material of the forms) received across
    // a border in any scenario or twin.
    let mut group_keys: Vec<(CountryCode, String)> = Vec::new();
    for (a, b) in &runs {
        for series in [&a.exports, &b.exports] {
            for (_, to, m) in &series.keys {
                let Some(imp) = importers.iter().find(|c| c.to_string() == *to) else {
                    continue;
                };
                let Some(mid) = world.materials.lookup(m) else {
                    continue;
                };
                let mat = world.materials.get(mid);
                let single: Vec<(Element, f64)> =
                    mat.content.iter().filter(|(_, c)| *c > 0.0).collect();
                if single.len() == 1
                    && elements.contains(&single[0].0)
                    && forms.contains(&mat.form)
                    && !group_keys.contains(&(*imp, m.clone()))
                {
                    group_keys.push((*imp, m.clone()));
                }
            }
        }
    }
    group_keys.sort_by(|a, b| (a.0.to_string(), &a.1).cmp(&(b.0.to_string(), &b.1)));
    if group_keys.is_empty() {
        return Err(AppError::Invalid(format!(
            "--importer {}: receives no {} in the forms {} across a border in the network",
            req.importers.join(","),
            elements
                .iter()
                .map(|e| e.symbol())
                .collect::<Vec<_>>()
                .join("/"),
            forms
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let months = runs
        .iter()
        .map(|(a, b)| a.exports.months.len().min(b.exports.months.len()))
        .min()
        .unwrap_or(0);
    if months == 0 {
        return Err(AppError::Invalid(
            "--scenario: the horizon covers no month".into(),
        ));
    }
    // Calendar months are 28 to 31 days and the first and last may be partial: each period
    // counts as the horizon over its months, from the scenario with the fewest months.
    let period_days = scenarios
        .iter()
        .zip(&runs)
        .min_by_key(|(_, (a, _))| a.exports.months.len())
        .map_or(30.0, |(s, (a, _))| {
            s.horizon_days as f64 / a.exports.months.len().max(1) as f64
        });
    if runs.iter().any(|(a, _)| a.exports.months.len() != months) {
        notes.push(format!(
            "the scenarios' horizons differ; every path is cut to the first {months} months"
        ));
    }

    let mut groups = Vec::new();
    for (imp, m) in &group_keys {
        let mid = world
            .materials
            .lookup(m)
            .ok_or_else(|| AppError::Run(format!("material `{m}` vanished")))?;
        let mat = world.materials.get(mid);
        let (e, content) = mat
            .content
            .iter()
            .find(|(_, c)| *c > 0.0)
            .ok_or_else(|| AppError::Run(format!("material `{m}` has no element")))?;
        let v = value_e.get(e.symbol()).copied().unwrap_or(0.0);
        groups.push(GroupInfo {
            id: format!("{imp}:{m}"),
            importer: imp.to_string(),
            material: m.clone(),
            element: e.symbol().to_string(),
            form: mat.form.as_str().to_string(),
            element_content: content,
            loss_per_tonne: v * content,
        });
    }

    // Paths.
    let weight = 1.0 / (f64::from(req.paths) * runs.len() as f64);
    let mut paths = Vec::new();
    for (a, b) in &runs {
        let mut d = deficits(&a.exports, &b.exports, &group_keys, months);
        for (g, (imp, m)) in group_keys.iter().enumerate() {
            let Some(mid) = world.materials.lookup(m) else {
                continue;
            };
            let sps = existing_stockpiles(world, &a.compiled, *imp, mid);
            for (s, rows) in d.iter_mut().enumerate() {
                let released: f64 = sps.iter().map(|&i| a.mc.replications[s].drawdown[i]).sum();
                take_off_earliest(rows, g, released);
            }
        }
        for rows in d {
            paths.push(chokepoint_optimise::stockpile::SampledPath {
                weight,
                shortfall_tonnes: rows,
                loss_per_tonne: groups.iter().map(|g| g.loss_per_tonne).collect(),
            });
        }
    }

    // Candidates.
    let h = &inputs.holding_cost;
    let mut candidates = Vec::new();
    let mut infos = Vec::new();
    for g in &groups {
        let Some(mid) = world.materials.lookup(&g.material) else {
            continue;
        };
        match price_of(world, mid) {
            Some((price, row, source)) => {
                let holding = h.storage_usd_per_tonne_year + h.capital_rate_per_year * price;
                let id = format!("{}-{}", g.importer, g.material);
                candidates.push(CandidateHolding {
                    id: id.clone(),
                    material: g.material.clone(),
                    holder: g.importer.clone(),
                    covers: g.id.clone(),
                    acquisition_cost_per_tonne: price,
                    holding_cost_per_tonne_year: holding,
                    max_tonnes: None,
                    max_release_tonnes_per_day: None,
                });
                infos.push(CandidateInfo {
                    id,
                    group: g.id.clone(),
                    price_per_tonne: price,
                    price_row: row,
                    price_source: source,
                    holding_cost_per_tonne_year: holding,
                });
            }
            None => notes.push(format!(
                "{}: no USD/kg price for `{}` in data/prices.csv (europe or fob-china): no candidate holding; its shortfall stays in the loss, uncoverable",
                g.id, g.material
            )),
        }
    }
    if candidates.is_empty() {
        return Err(AppError::Invalid(format!(
            "no candidate holding: none of the groups {} has a USD/kg price in data/prices.csv",
            groups
                .iter()
                .map(|g| g.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let problem = StockpileProblem {
        groups: groups.iter().map(|g| g.id.clone()).collect(),
        candidates,
        paths,
        period_days,
        budget: None,
        cvar: None,
    };
    problem.validate().map_err(opt_err)?;
    Ok(Sampled {
        groups,
        candidates: infos,
        problem,
        periods: months,
        period_days,
        paths_per_scenario: req.paths,
        seed: req.seed,
        value_per_tonne_element: value_e,
        notes,
        request: req.clone(),
        scenarios,
    })
}

fn opt_err(e: OptimiseError) -> AppError {
    match e {
        OptimiseError::Invalid { .. } => AppError::Invalid(e.to_string()),
        _ => AppError::Run(e.to_string()),
    }
}

// ---------------------------------------------------------------- solve

/// How to size.
#[derive(Debug, Clone, Default)]
pub struct SolveOptions {
    /// Largest acquisition + holding cost (USD).
    pub budget: Option<f64>,
    /// Largest P95 of the in-sample path losses (USD): the cheapest plan that meets it.
    pub target_p95: Option<f64>,
    pub cvar: Option<CvarTerm>,
    /// Frontier points (0: none; else at least 2, from 0 to the budget or the full-cover
    /// cost).
    pub frontier: usize,
}

/// One frontier point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrontierRow {
    pub budget: f64,
    pub cost: f64,
    pub expected_loss: f64,
    pub cvar_alpha: f64,
    pub cvar: f64,
    pub p95_loss: f64,
    /// Tonnes per candidate, in candidate order.
    pub tonnes: Vec<f64>,
}

/// Cover per element and importer (all forms, on an element basis).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElementCover {
    pub importer: String,
    pub element: String,
    /// Tonnes of the element held.
    pub element_tonnes: f64,
    /// Mean shortfall of the element while short, tonnes per month (`None`: never short).
    pub monthly_shortfall: Option<f64>,
    pub months_of_cover: Option<f64>,
}

/// The sized stockpile.
#[derive(Debug, Clone, Serialize)]
pub struct Sized {
    pub plan: StockpilePlan,
    /// The budget the plan was solved at (the target's, when a target was given).
    pub budget: Option<f64>,
    pub p95_loss: f64,
    /// Expected loss with no holding.
    pub unmitigated_expected_loss: f64,
    pub unmitigated_p95_loss: f64,
    /// Cost of holding every group's largest sampled shortfall.
    pub full_cover_cost: f64,
    pub cover: Vec<ElementCover>,
    pub frontier: Vec<FrontierRow>,
    pub lp: LpSize,
}

/// Path losses of holdings `tonnes` (one per candidate) under the optimal releases: one
/// candidate per group and no release limit, so a path's loss is
/// `Σ_g v_g max(0, Σ_t sh − x_g)`.
pub fn path_losses(problem: &StockpileProblem, tonnes: &[f64]) -> Vec<f64> {
    let mut held = vec![0.0; problem.groups.len()];
    for (c, cand) in problem.candidates.iter().enumerate() {
        if let Some(g) = problem.groups.iter().position(|g| *g == cand.covers) {
            held[g] += tonnes.get(c).copied().unwrap_or(0.0);
        }
    }
    problem
        .paths
        .iter()
        .map(|p| {
            (0..problem.groups.len())
                .map(|g| {
                    let total: f64 = p.shortfall_tonnes.iter().map(|row| row[g]).sum();
                    p.loss_per_tonne[g] * (total - held[g]).max(0.0)
                })
                .sum()
        })
        .collect()
}

/// The P95 of path losses (weighted, the smallest loss with at least 95% of probability at
/// or below it).
fn p95(losses: &[f64], weights: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..losses.len()).collect();
    order.sort_by(|&a, &b| losses[a].total_cmp(&losses[b]));
    let mut mass = 0.0;
    for i in order {
        mass += weights[i];
        if mass >= 0.95 - 1e-12 {
            return losses[i];
        }
    }
    losses.iter().copied().fold(0.0, f64::max)
}

fn solve_at(problem: &StockpileProblem, budget: Option<f64>) -> Result<StockpilePlan, AppError> {
    let mut p = problem.clone();
    p.budget = budget;
    solve(&p).map_err(opt_err)
}

fn plan_p95(problem: &StockpileProblem, plan: &StockpilePlan) -> f64 {
    let tonnes: Vec<f64> = plan.holdings.iter().map(|h| h.tonnes).collect();
    let w: Vec<f64> = problem.paths.iter().map(|p| p.weight).collect();
    p95(&path_losses(problem, &tonnes), &w)
}

/// Sizes the stockpile on the sampled paths and runs the frontier (points in parallel,
/// collected in order).
pub fn size(sampled: &Sampled, opts: &SolveOptions) -> Result<Sized, AppError> {
    let mut problem = sampled.problem.clone();
    problem.cvar = opts.cvar;
    if let Some(c) = opts.cvar {
        if !(c.alpha > 0.0 && c.alpha < 1.0) {
            return Err(AppError::Invalid(format!(
                "--cvar-alpha {}: expected a level in (0, 1)",
                c.alpha
            )));
        }
        if !(c.weight.is_finite() && c.weight >= 0.0) {
            return Err(AppError::Invalid(format!(
                "--cvar-lambda {}: expected a finite weight >= 0",
                c.weight
            )));
        }
    }
    if opts.frontier == 1 {
        return Err(AppError::Invalid(
            "--frontier 1: a frontier needs at least 2 points (0 for none)".into(),
        ));
    }
    // Unit cost of one tonne held over the horizon, per candidate.
    let horizon_years = sampled.periods as f64 * sampled.period_days / 365.25;
    let unit: Vec<f64> = problem
        .candidates
        .iter()
        .map(|c| c.acquisition_cost_per_tonne + c.holding_cost_per_tonne_year * horizon_years)
        .collect();
    if let Some(b) = opts.budget {
        if !(b.is_finite() && b >= 0.0) {
            return Err(AppError::Invalid(format!(
                "--budget {b}: expected a finite amount >= 0 (USD)"
            )));
        }
        let (cheapest, cost) = problem
            .candidates
            .iter()
            .zip(&unit)
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(c, u)| (c.id.clone(), *u))
            .unwrap_or_default();
        if b < cost {
            return Err(AppError::Invalid(format!(
                "--budget {b:.0}: below the cost of one tonne of the cheapest holding ({cheapest}: USD {cost:.0} acquisition + holding over the {horizon_years:.2}-year horizon); the budget constraint binds before any holding"
            )));
        }
    }
    if let Some(t) = opts.target_p95
        && !(t.is_finite() && t >= 0.0)
    {
        return Err(AppError::Invalid(format!(
            "--target-p95 {t}: expected a finite amount >= 0 (USD)"
        )));
    }
    // Full cover: every group's largest sampled shortfall.
    let max_short: Vec<f64> = (0..problem.groups.len())
        .map(|g| {
            problem
                .paths
                .iter()
                .map(|p| p.shortfall_tonnes.iter().map(|r| r[g]).sum::<f64>())
                .fold(0.0, f64::max)
        })
        .collect();
    let full_cover_cost: f64 = problem
        .candidates
        .iter()
        .zip(&unit)
        .map(|(c, u)| {
            let g = problem
                .groups
                .iter()
                .position(|g| *g == c.covers)
                .unwrap_or(0);
            u * max_short[g]
        })
        .sum();
    let weights: Vec<f64> = problem.paths.iter().map(|p| p.weight).collect();
    let zero = path_losses(&problem, &vec![0.0; problem.candidates.len()]);
    let unmitigated_expected_loss: f64 = zero.iter().zip(&weights).map(|(l, w)| l * w).sum();
    let unmitigated_p95_loss = p95(&zero, &weights);

    let (plan, budget) = match opts.target_p95 {
        None => (solve_at(&problem, opts.budget)?, opts.budget),
        Some(target) => {
            let cap = opts.budget.unwrap_or(full_cover_cost).min(full_cover_cost);
            let top = solve_at(&problem, Some(cap))?;
            let top_p95 = plan_p95(&problem, &top);
            if top_p95 > target * (1.0 + 1e-9) + LOSS_EPS {
                let why = match opts.budget {
                    Some(b) if b < full_cover_cost => format!(
                        "the budget binds: at --budget {b:.0} the in-sample P95 loss is USD {top_p95:.3e}"
                    ),
                    _ => format!(
                        "no stockpile of the candidates meets it: holding every group's largest sampled shortfall (USD {full_cover_cost:.3e}) leaves an in-sample P95 loss of USD {top_p95:.3e} (groups without a candidate stay short)"
                    ),
                };
                return Err(AppError::Invalid(format!(
                    "--target-p95 {target:.3e}: infeasible; {why}"
                )));
            }
            // Bisection on the budget: the smallest budget whose plan meets the target.
            let (mut lo, mut hi) = (0.0_f64, cap);
            let mut best = top;
            for _ in 0..40 {
                if hi - lo <= 1e-4 * cap.max(1.0) {
                    break;
                }
                let mid = 0.5 * (lo + hi);
                let plan = solve_at(&problem, Some(mid))?;
                if plan_p95(&problem, &plan) <= target * (1.0 + 1e-9) + LOSS_EPS {
                    hi = mid;
                    best = plan;
                } else {
                    lo = mid;
                }
            }
            (best, Some(hi))
        }
    };
    let p95_loss = plan_p95(&problem, &plan);

    let frontier = if opts.frontier >= 2 {
        let top = budget.unwrap_or(full_cover_cost);
        let k = opts.frontier;
        (0..k)
            .into_par_iter()
            .map(|i| {
                let b = top * i as f64 / (k - 1) as f64;
                let plan = solve_at(&problem, Some(b))?;
                Ok(FrontierRow {
                    budget: b,
                    cost: plan.cost,
                    expected_loss: plan.expected_loss,
                    cvar_alpha: plan.cvar.alpha,
                    cvar: plan.cvar.value,
                    p95_loss: plan_p95(&problem, &plan),
                    tonnes: plan.holdings.iter().map(|h| h.tonnes).collect(),
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?
    } else {
        Vec::new()
    };

    // Cover per (importer, element), on an element basis.
    let mut cover: BTreeMap<(String, String), (f64, f64, bool)> = BTreeMap::new();
    for (gi, g) in sampled.groups.iter().enumerate() {
        let gc = &plan.groups[gi];
        let e = cover
            .entry((g.importer.clone(), g.element.clone()))
            .or_insert((0.0, 0.0, false));
        e.0 += gc.tonnes * g.element_content;
        if let Some(m) = gc.mean_monthly_shortfall_while_short {
            e.1 += m * g.element_content;
            e.2 = true;
        }
    }
    let cover = cover
        .into_iter()
        .map(|((importer, element), (t, m, short))| ElementCover {
            importer,
            element,
            element_tonnes: t,
            monthly_shortfall: short.then_some(m),
            months_of_cover: (short && m > 0.0).then(|| t / m),
        })
        .collect();
    let lp = plan.lp;
    Ok(Sized {
        plan,
        budget,
        p95_loss,
        unmitigated_expected_loss,
        unmitigated_p95_loss,
        full_cover_cost,
        cover,
        frontier,
        lp,
    })
}

// ---------------------------------------------------------------- out of sample

/// The master seed of the out-of-sample replications: a SplitMix64 step of the in-sample seed,
/// never equal to it (a different ChaCha key, so no replication stream is shared).
pub fn check_seed(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    if z == seed { z.wrapping_add(1) } else { z }
}

/// Mean of a sample with its 95% normal interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub mean: f64,
    pub se: f64,
    pub lo95: f64,
    pub hi95: f64,
}

impl Estimate {
    fn of(xs: &[f64]) -> Self {
        let s = chokepoint_sim::Stat::of(xs);
        Self {
            mean: s.mean,
            se: s.se,
            lo95: s.mean - Z95 * s.se,
            hi95: s.mean + Z95 * s.se,
        }
    }
}

/// The re-simulation of the holdings on fresh seeds.
#[derive(Debug, Clone, Serialize)]
pub struct OutOfSample {
    pub seed: u64,
    pub paths_per_scenario: u32,
    /// The in-sample expected loss (the program's, at its optimum).
    pub in_sample_expected_loss: f64,
    /// The in-sample objective (cost + expected loss [+ λ CVaR]).
    pub in_sample_objective: f64,
    /// Realised loss with the holdings, on the fresh paths.
    pub realised_loss: Estimate,
    /// Realised loss without them, on the same fresh paths.
    pub unmitigated_loss: Estimate,
    /// Realised − in-sample expected loss.
    pub gap: f64,
    /// `gap` over the in-sample expected loss (`None` when that is 0).
    pub gap_share: Option<f64>,
    /// Mean tonnes released per holding, in candidate order.
    pub released_tonnes: Vec<f64>,
    /// End-product units the simulator reports lost (every sector and country), with and
    /// without the holdings.
    pub lost_units_with: Estimate,
    pub lost_units_without: Estimate,
}

/// Adds the holdings to a copy of the world and re-simulates the scenarios on fresh seeds.
pub fn check(
    world: &World,
    sampled: &Sampled,
    sized: &Sized,
    paths: u32,
) -> Result<OutOfSample, AppError> {
    if sampled.scenarios.is_empty() {
        return Err(AppError::Invalid(
            "the out-of-sample check needs the scenarios the paths were sampled from".into(),
        ));
    }
    if paths < 2 {
        return Err(AppError::Invalid(
            "--check-paths: expected at least 2 (a confidence interval needs two)".into(),
        ));
    }
    let seed = check_seed(sampled.seed);
    let mut stocked = world.clone();
    let mut keys = Vec::new();
    for h in &sized.plan.holdings {
        let key = format!("optimised-{}", h.id.to_lowercase());
        keys.push(key.clone());
        let importer = parse_country(world, &h.holder, "--importer")?;
        let material = world
            .materials
            .lookup(&h.material)
            .ok_or_else(|| AppError::Run(format!("material `{}` vanished", h.material)))?;
        stocked
            .stockpiles
            .insert(
                &key,
                Stockpile {
                    key: key.clone(),
                    owner: importer,
                    location: importer,
                    material,
                    quantity: Some(h.tonnes.max(0.0)),
                    days_of_cover: None,
                    trigger: ReleaseTrigger::Shortage,
                    max_release_per_day: None,
                    eligible_countries: vec![importer],
                    eligible_facilities: Vec::new(),
                    priority_sectors: Vec::new(),
                    provenance: Provenance {
                        citations: Vec::new(),
                        assumption: Some(
                            "holding chosen by `chokepoint optimise stockpile`".into(),
                        ),
                    },
                },
            )
            .map_err(|e| AppError::Run(format!("stockpile `{key}`: {e}")))?;
    }
    let groups: Vec<(CountryCode, String)> = sampled
        .groups
        .iter()
        .map(|g| {
            Ok((
                parse_country(world, &g.importer, "--importer")?,
                g.material.clone(),
            ))
        })
        .collect::<Result<_, AppError>>()?;
    let months = sampled.periods;
    let mut with = Vec::new();
    let mut without = Vec::new();
    let mut units_with = Vec::new();
    let mut units_without = Vec::new();
    let mut released = vec![0.0; sized.plan.holdings.len()];
    let n_total = f64::from(paths) * sampled.scenarios.len() as f64;
    for (st, sc) in sampled.request.scenarios.iter().zip(&sampled.scenarios) {
        let twin = run_once(
            world,
            &sc.policy_free(),
            &format!("{} (policy-free twin)", st.file),
            paths,
            seed,
        )?;
        let bare = run_once(world, sc, &st.file, paths, seed)?;
        let held = run_once(&stocked, sc, &st.file, paths, seed)?;
        for (run, out, units) in [
            (&bare, &mut without, &mut units_without),
            (&held, &mut with, &mut units_with),
        ] {
            let d = deficits(&run.exports, &twin.exports, &groups, months);
            let sps: Vec<Vec<usize>> = groups
                .iter()
                .map(|(imp, m)| {
                    world
                        .materials
                        .lookup(m)
                        .map(|mid| existing_stockpiles(&stocked, &run.compiled, *imp, mid))
                        .unwrap_or_default()
                })
                .collect();
            for (s, rows) in d.iter().enumerate() {
                let rep = &run.mc.replications[s];
                let loss: f64 = sampled
                    .groups
                    .iter()
                    .enumerate()
                    .map(|(g, gi)| {
                        let short: f64 = rows.iter().map(|r| r[g]).sum();
                        let rel: f64 = sps[g].iter().map(|&i| rep.drawdown[i]).sum();
                        gi.loss_per_tonne * (short - rel).max(0.0)
                    })
                    .sum();
                out.push(loss);
                units.push(rep.lost_output.iter().sum::<f64>());
            }
        }
        for (c, key) in keys.iter().enumerate() {
            if let Some(i) = held.compiled.stockpiles.iter().position(|k| k == key) {
                let total: f64 = held.mc.replications.iter().map(|r| r.drawdown[i]).sum();
                released[c] += total / n_total;
            }
        }
    }
    let realised = Estimate::of(&with);
    let gap = realised.mean - sized.plan.expected_loss;
    Ok(OutOfSample {
        seed,
        paths_per_scenario: paths,
        in_sample_expected_loss: sized.plan.expected_loss,
        in_sample_objective: sized.plan.objective,
        realised_loss: realised,
        unmitigated_loss: Estimate::of(&without),
        gap,
        gap_share: (sized.plan.expected_loss > 0.0).then(|| gap / sized.plan.expected_loss),
        released_tonnes: released,
        lost_units_with: Estimate::of(&units_with),
        lost_units_without: Estimate::of(&units_without),
    })
}

/// The CVaR of a plan's in-sample path losses at `alpha` (for front ends that report another
/// level than the plan's).
pub fn cvar_at(problem: &StockpileProblem, tonnes: &[f64], alpha: f64) -> f64 {
    let w: Vec<f64> = problem.paths.iter().map(|p| p.weight).collect();
    cvar_of(&path_losses(problem, tonnes), &w, alpha)
}
