//! The back-test: a historical scenario's results against what was observed (halt dates of named
//! plants, monthly trade volumes, licence approvals), and the check that the run knew only what
//! was published before the event.
//!
//! Invariants: pure. Observations only measure the model; nothing here feeds them back into a
//! parameter. A parameter is every dataset record the compiled network is built from (facilities
//! and their capacities and recipes, lanes, placed demand rows, stockpiles, deposit element
//! distributions); its sources are checked against the event's first day by their publication
//! dates.

use crate::compile::Compiled;
use crate::report::{ExportSeries, Summary};
use crate::spec::Scenario;
use chokepoint_core::World;
use chokepoint_core::observation::{FlowSelector, Observation, ObservationKind};
use chokepoint_core::source::{Provenance, Timing};
use chokepoint_sim::{McResult, Stat};
use serde::Serialize;
use std::collections::BTreeMap;

/// One observation, modelled against observed.
#[derive(Debug, Clone, Serialize)]
pub struct ObservationResult {
    pub id: String,
    pub kind: ObservationKind,
    pub subject: String,
    pub date: String,
    pub observed: f64,
    pub unit: String,
    /// Over replications (for a halt: the first day short, over the replications with one).
    pub modelled: Option<Summary>,
    /// For a halt: the share of replications in which it happened.
    pub probability: Option<f64>,
    /// modelled median - observed: days for halts (observed as days after the event's first
    /// day), % of observed for volumes.
    pub error: Option<f64>,
    pub error_unit: String,
    /// Why there is no modelled value, or what the comparison means.
    pub note: String,
    pub sources: Vec<String>,
}

/// A parameter whose source was published on or after the event's first day (or may have been).
#[derive(Debug, Clone, Serialize)]
pub struct SourceTiming {
    pub record: String,
    pub source: String,
    pub published: String,
}

/// What the run knew: the sources of the parameters it was built from, against the event date.
#[derive(Debug, Clone, Serialize)]
pub struct SourceCheck {
    pub event_date: String,
    pub records: usize,
    pub sources: usize,
    /// Published on or after the event's first day.
    pub after: Vec<SourceTiming>,
    /// The date's precision leaves it open (a month or year that contains the event day).
    pub undetermined: Vec<SourceTiming>,
    /// Sources without a publication date (cannot be checked).
    pub undated: Vec<String>,
}

fn cite_ids(world: &World, p: &Provenance) -> Vec<String> {
    p.citations
        .iter()
        .map(|c| world.sources.get(c.source).id.clone())
        .collect()
}

/// Every dataset record the compiled network is built from, with its provenance.
fn parameters<'w>(
    world: &'w World,
    compiled: &Compiled,
    start: chokepoint_core::Date,
) -> Vec<(String, &'w Provenance)> {
    let mut out: Vec<(String, &Provenance)> = Vec::new();
    let mut facilities: Vec<_> = compiled.nodes.iter().filter_map(|n| n.facility).collect();
    facilities.sort_by_key(|f| f.index());
    facilities.dedup();
    for fid in facilities {
        let f = world.facilities.get(fid);
        out.push((format!("facility `{}`", f.key), &f.provenance));
        for c in f
            .capacity_materials()
            .into_iter()
            .filter_map(|m| f.capacity_known_on(m, start))
        {
            out.push((
                format!(
                    "capacity `{}/{}`",
                    f.key,
                    world.materials.get(c.material).key
                ),
                &c.provenance,
            ));
        }
        for rid in &f.recipes {
            let r = world.recipes.get(*rid);
            out.push((format!("recipe `{}`", r.key), &r.provenance));
        }
        if let Some(dep) = f.deposit {
            let d = world.deposits.get(dep);
            out.push((format!("deposit `{}`", d.key), &d.provenance));
        }
    }
    let mut lanes: Vec<_> = compiled.edges.iter().filter_map(|e| e.lane).collect();
    lanes.sort_by_key(|l| l.index());
    lanes.dedup();
    for lid in lanes {
        let l = world.lanes.get(lid);
        out.push((format!("lane `{}`", l.key), &l.provenance));
    }
    for p in &compiled.placements {
        if let Some(id) = world.demand.lookup(&p.demand) {
            out.push((
                format!("demand `{}`", p.demand),
                &world.demand.get(id).provenance,
            ));
        }
    }
    for key in &compiled.stockpiles {
        if let Some(id) = world.stockpiles.lookup(key) {
            out.push((
                format!("stockpile `{key}`"),
                &world.stockpiles.get(id).provenance,
            ));
        }
    }
    out
}

/// The sources of every parameter of `compiled`, against an event that starts on `event`.
pub fn check_sources(
    world: &World,
    compiled: &Compiled,
    event: chokepoint_core::Date,
) -> SourceCheck {
    let params = parameters(world, compiled, event);
    let mut after = Vec::new();
    let mut undetermined = Vec::new();
    let mut undated: Vec<String> = Vec::new();
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    for (record, prov) in &params {
        for c in &prov.citations {
            let s = world.sources.get(c.source);
            seen.insert(s.id.clone(), ());
            let Some(p) = s.published else {
                if !undated.contains(&s.id) {
                    undated.push(s.id.clone());
                }
                continue;
            };
            let row = SourceTiming {
                record: record.clone(),
                source: s.id.clone(),
                published: if p.earliest == p.latest {
                    p.earliest.to_string()
                } else {
                    format!("{} to {}", p.earliest, p.latest)
                },
            };
            match p.timing(event) {
                Timing::Before => {}
                Timing::After => after.push(row),
                Timing::Undetermined => undetermined.push(row),
            }
        }
    }
    undated.sort();
    SourceCheck {
        event_date: event.to_string(),
        records: params.len(),
        sources: seen.len(),
        after,
        undetermined,
        undated,
    }
}

/// Replications replayed to count licence grants (each is a full scalar replay to the date).
const APPROVAL_REPLAYS: u64 = 50;

/// Share of the licence applications to `o.subject` (a country, a region or `WLD`) that have
/// been granted by `o.date`, among those that have applied, over the first `reps` replications.
fn approvals(
    world: &World,
    scenario: &Scenario,
    compiled: &Compiled,
    o: &Observation,
    seed: u64,
    reps: u64,
    r: &mut ObservationResult,
) {
    r.error_unit = "points".into();
    let day = days_between(scenario.start, o.date);
    if day < 0.0 || day >= f64::from(compiled.horizon) {
        r.note = "date outside the horizon".into();
        return;
    }
    let day = day as u32;
    let region = world
        .regions
        .lookup(&o.subject)
        .map(|id| world.regions.get(id));
    let keys: Vec<chokepoint_sim::LicenceKey> = compiled
        .licence_importers
        .iter()
        .enumerate()
        .filter(|(_, c)| match region {
            Some(reg) => reg.contains(**c),
            None => o.subject == "WLD" || c.as_str() == o.subject,
        })
        .map(|(i, _)| chokepoint_sim::LicenceKey(u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    if keys.is_empty() {
        r.note = format!("no licence process for imports into {}", o.subject);
        return;
    }
    let mut xs = Vec::new();
    for rep in 0..reps {
        let Ok(net) = compiled.inputs.network_of(&compiled.network, seed, rep) else {
            r.note = "the replay failed".into();
            return;
        };
        let net = &*net;
        let mut st = chokepoint_sim::State::new(net);
        let mut rng = chokepoint_sim::replication_rng(seed, rep);
        let mut share = None;
        let observed = chokepoint_sim::simulate(
            net,
            &mut st,
            day + 1,
            &mut rng,
            &mut |t: u32, _n: &chokepoint_sim::Network, s: &chokepoint_sim::State| {
                if t == day {
                    let (mut applied, mut granted) = (0usize, 0usize);
                    for &k in &keys {
                        let (a, g) = s.licence_progress(k);
                        applied += usize::from(a);
                        granted += usize::from(g);
                    }
                    share = (applied > 0).then(|| 100.0 * granted as f64 / applied as f64);
                }
            },
        );
        if observed.is_err() {
            r.note = "the replay failed".into();
            return;
        }
        xs.extend(share);
    }
    if xs.is_empty() {
        r.note = "no application filed by that date".into();
        return;
    }
    let s: Summary = Stat::of(&xs).into();
    r.error = Some(s.mean - o.value);
    r.modelled = Some(s);
    r.note = format!(
        "granted / filed applications by that date, % (mean over {} replays)",
        xs.len()
    );
}

fn days_between(a: chokepoint_core::Date, b: chokepoint_core::Date) -> f64 {
    (b - a).get_days() as f64
}

/// Each of the event's observations against the run (`mc` and its recorded flows `flows`).
pub fn evaluate(
    world: &World,
    scenario: &Scenario,
    compiled: &Compiled,
    mc: &McResult,
    flows: &ExportSeries,
    seed: u64,
) -> Vec<ObservationResult> {
    let obs: Vec<&Observation> = world
        .observations
        .iter()
        .filter(|o| o.event == scenario.id)
        .collect();
    obs.into_iter()
        .map(|o| {
            let mut r = ObservationResult {
                id: o.key.clone(),
                kind: o.kind,
                subject: o.subject.clone(),
                date: if o.monthly {
                    format!("{:04}-{:02}", o.date.year(), o.date.month())
                } else {
                    o.date.to_string()
                },
                observed: o.value,
                unit: o.unit.clone(),
                modelled: None,
                probability: None,
                error: None,
                error_unit: String::new(),
                note: String::new(),
                sources: cite_ids(world, &o.provenance),
            };
            match o.kind {
                ObservationKind::Halt => halt(world, scenario, compiled, mc, o, &mut r),
                ObservationKind::Flow => flow(world, flows, o, &mut r),
                ObservationKind::Approvals => {
                    let reps = (mc.replications.len() as u64).clamp(1, APPROVAL_REPLAYS);
                    approvals(world, scenario, compiled, o, seed, reps, &mut r);
                }
                ObservationKind::Price => {
                    r.note =
                        "a price: measured by the price back-test (chokepoint_app::market)".into();
                }
            }
            r
        })
        .collect()
}

fn halt(
    world: &World,
    scenario: &Scenario,
    compiled: &Compiled,
    mc: &McResult,
    o: &Observation,
    r: &mut ObservationResult,
) {
    let observed_day = days_between(scenario.start, o.date);
    r.observed = observed_day;
    r.unit = format!("days after {} ({})", scenario.start, o.date);
    let Some(fid) = world.facilities.lookup(&o.subject) else {
        r.note = format!("facility `{}` is not in the dataset", o.subject);
        return;
    };
    let nodes: Vec<usize> = compiled
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.facility == Some(fid))
        .map(|(i, _)| i)
        .collect();
    if nodes.is_empty() {
        r.note = format!("facility `{}` has no node in the network", o.subject);
        return;
    }
    let firsts: Vec<f64> = mc
        .replications
        .iter()
        .filter_map(|rep| {
            nodes
                .iter()
                .filter_map(|&i| rep.first_stockout.get(i).copied().flatten())
                .min()
                .map(f64::from)
        })
        .collect();
    r.probability = Some(firsts.len() as f64 / mc.replications.len().max(1) as f64);
    r.error_unit = "days".into();
    if firsts.is_empty() {
        r.note = "no modelled halt within the horizon".into();
        return;
    }
    let s: Summary = Stat::of(&firsts).into();
    r.error = Some(s.p50 - observed_day);
    r.modelled = Some(s);
    r.note = "first day short (P50 over the replications with a halt)".into();
}

fn flow(world: &World, flows: &ExportSeries, o: &Observation, r: &mut ObservationResult) {
    let route: FlowSelector = match o.subject.parse() {
        Ok(r) => r,
        Err(e) => {
            r.note = e;
            return;
        }
    };
    let matches = |k: &(String, String, String)| match (
        k.0.parse(),
        k.1.parse(),
        world.materials.lookup(&k.2),
    ) {
        (Ok(f), Ok(t), Some(m)) => route.matches(world, f, t, m),
        _ => false,
    };
    let label = format!("{:04}-{:02}", o.date.year(), o.date.month());
    let Some(mi) = flows.months.iter().position(|m| *m == label) else {
        r.note = "month outside the horizon".into();
        return;
    };
    let keys: Vec<usize> = flows
        .keys
        .iter()
        .enumerate()
        .filter(|(_, k)| matches(k))
        .map(|(i, _)| i)
        .collect();
    let w = flows.keys.len();
    let xs: Vec<f64> = flows
        .per_replication
        .iter()
        .map(|rep| keys.iter().map(|&k| rep[mi * w + k]).sum())
        .collect();
    let s: Summary = Stat::of(&xs).into();
    r.error_unit = "%".into();
    if o.value > 0.0 {
        r.error = Some(100.0 * (s.mean - o.value) / o.value);
    }
    if mi == 0 {
        r.note = "the event starts within this month: the model covers part of it".into();
    } else if keys.is_empty() {
        r.note = "no lane of the network carries this flow".into();
    }
    r.modelled = Some(s);
}

/// One historical event replayed: its observations against the run, and what the run knew.
#[derive(Debug, Clone, Serialize)]
pub struct EventResult {
    pub scenario: String,
    pub title: String,
    pub start: String,
    pub runs: u32,
    pub seed: u64,
    pub observations: Vec<ObservationResult>,
    pub sources: SourceCheck,
    /// What the compiler left out or could not use (stockpiles known only later, ...).
    pub warnings: Vec<String>,
}

/// Replays `scenario` (licensing measures already resolved) on what was published before its
/// first day, and measures it against the event's observations.
pub fn replay(
    world: &World,
    mut scenario: Scenario,
    file: &str,
    runs: u32,
    seed: u64,
) -> Result<EventResult, crate::spec::ScenarioError> {
    scenario.known_before = Some(scenario.start);
    let compiled = crate::compile::compile(world, &scenario, file)?;
    let (mc, flows) = crate::report::run_detailed(world, &scenario, &compiled, runs, seed, &|| {})
        .map_err(|e| crate::spec::ScenarioError::Invalid {
            file: file.to_string(),
            field: "network".into(),
            message: e.to_string(),
        })?;
    Ok(EventResult {
        scenario: scenario.id.clone(),
        title: scenario.title.clone(),
        start: scenario.start.to_string(),
        runs,
        seed,
        observations: evaluate(world, &scenario, &compiled, &mc, &flows, seed),
        sources: check_sources(world, &compiled, scenario.start),
        warnings: compiled.warnings.clone(),
    })
}
