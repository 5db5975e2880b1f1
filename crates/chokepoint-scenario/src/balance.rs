//! How well the bundled world matches what was published: the baseline network's throughput
//! per stage and country against published production, and the demand it serves per sector
//! and country against the published demand, with the residual, the source and whether the
//! published figure is sourced or an assumption.
//!
//! Invariant: pure. Modelled figures come only from the compiled baseline (its pulled flows)
//! and a baseline run (what actually reached the end products); published figures only from
//! the dataset. Nothing here adjusts the world to fit.

use crate::compile::Compiled;
use chokepoint_core::facility::Stage;
use chokepoint_core::material::MaterialForm;
use chokepoint_core::source::Provenance;
use chokepoint_core::stats::Edition;
use chokepoint_core::{CountryCode, World};
use chokepoint_sim::McResult;
use serde::Serialize;
use std::collections::BTreeMap;

/// One stage in one country (or `WLD` for the stage's world total).
#[derive(Debug, Clone, Serialize)]
pub struct StageBalance {
    pub stage: String,
    pub country: String,
    /// Baseline throughput, tonnes per year (t REO for mining and separation).
    pub modelled_t: f64,
    pub published_t: Option<f64>,
    /// modelled - published, as a share of published.
    pub residual_pct: Option<f64>,
    pub modelled_share_pct: f64,
    pub published_share_pct: Option<f64>,
    /// What the published figures are and where they come from.
    pub source: String,
    /// The published figure is read from a source (not an assumption or derived residual).
    pub sourced: bool,
}

/// One sector in one country or region (or `WLD`: the sector's world total).
#[derive(Debug, Clone, Serialize)]
pub struct SectorBalance {
    pub sector: String,
    pub region: String,
    /// Published (or derived) demand, units per year in the sector's own unit.
    pub published_units: f64,
    /// Output the baseline run delivers, units per year.
    pub served_units: f64,
    pub served_pct: f64,
    pub source: String,
    pub sourced: bool,
}

/// One published annual trade flow against the baseline's flows on the same route.
#[derive(Debug, Clone, Serialize)]
pub struct TradeBalance {
    pub flow: String,
    pub year: i32,
    /// Baseline flow on the matching cross-border lanes, t/yr.
    pub modelled_t: f64,
    pub published_t: f64,
    pub residual_pct: f64,
    pub basis: String,
    pub source: String,
    pub sourced: bool,
}

/// China's share of one sector's demand, published and modelled.
#[derive(Debug, Clone, Serialize)]
pub struct SectorShare {
    pub sector: String,
    pub world_units: f64,
    pub served_pct: f64,
    pub china_published_pct: Option<f64>,
    pub china_modelled_pct: f64,
}

/// One fidelity target and whether the baseline meets it.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub target: String,
    pub met: bool,
    /// The rows that miss it.
    pub misses: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Balance {
    /// The targets the world is held to: every sector served at 95% or more; every published
    /// stage total within 10%; China's share of each sector and stage within 5 points.
    pub checks: Vec<Check>,
    pub demand_year: Option<i32>,
    pub edition: String,
    pub stages: Vec<StageBalance>,
    pub sectors: Vec<SectorBalance>,
    pub sector_shares: Vec<SectorShare>,
    pub trade: Vec<TradeBalance>,
    /// Demand rows no open node can make (units per year unserved).
    pub unplaced: Vec<(String, f64)>,
    /// Plants asked for more than their capacity in the baseline.
    pub structural_shortfalls: Vec<String>,
}

fn stage_form(stage: Stage, form: MaterialForm) -> bool {
    use MaterialForm as F;
    match stage {
        Stage::Mining => matches!(form, F::Ore | F::Concentrate | F::MixedCompound),
        Stage::Separation => form == F::SeparatedOxide,
        Stage::Metal => matches!(form, F::Metal | F::Alloy),
        Stage::Magnet => form == F::Magnet,
        _ => false,
    }
}

fn cite(world: &World, p: &Provenance) -> String {
    let ids: Vec<String> = p
        .citations
        .iter()
        .map(|c| {
            let key = &world.sources.get(c.source).id;
            match &c.locator {
                Some(l) => format!("{key}@{l}"),
                None => key.clone(),
            }
        })
        .collect();
    match (&p.assumption, ids.is_empty()) {
        (Some(a), true) => format!("assumption: {a}"),
        (Some(a), false) => format!("{} ({a})", ids.join("; ")),
        (None, _) => ids.join("; "),
    }
}

/// The balance of `compiled` (a baseline: no disruptions) and its run `mc` (one replication is
/// enough when demand is deterministic; the mean over replications otherwise).
pub fn world_balance(
    world: &World,
    compiled: &Compiled,
    mc: &McResult,
    horizon_days: u32,
    demand_year: Option<i32>,
    edition: Edition,
) -> Balance {
    let year = demand_year.unwrap_or(2024);
    // ---- stages
    let mut modelled: BTreeMap<(Stage, CountryCode), f64> = BTreeMap::new();
    for n in &compiled.nodes {
        if n.facility.is_none() {
            continue;
        }
        let form = world.materials.get(n.material).form;
        if stage_form(n.stage, form) {
            *modelled.entry((n.stage, n.country)).or_default() += n.baseline_per_day * 365.0;
        }
    }
    let mut stages = Vec::new();
    for stage in [
        Stage::Mining,
        Stage::Separation,
        Stage::Metal,
        Stage::Magnet,
    ] {
        let total: f64 = modelled
            .iter()
            .filter(|((s, _), _)| *s == stage)
            .map(|(_, t)| t)
            .sum();
        // Published shares: the newest year at or before the demand year.
        let share_year = world
            .stage_shares
            .iter()
            .filter(|s| s.stage == stage && s.year <= year)
            .map(|s| s.year)
            .max();
        let mut countries: Vec<CountryCode> = modelled
            .keys()
            .filter(|(s, _)| *s == stage)
            .map(|(_, c)| *c)
            .collect();
        for o in world.stage_outputs.iter().filter(|o| o.stage == stage) {
            if !countries.contains(&o.country) {
                countries.push(o.country);
            }
        }
        countries.sort();
        for c in countries {
            let m = modelled.get(&(stage, c)).copied().unwrap_or(0.0);
            let (published, source, sourced) = if stage == Stage::Mining {
                match world
                    .mine_production
                    .iter()
                    .find(|p| p.edition == edition && p.country == c && p.year == year)
                {
                    Some(p) => (
                        Some(p.tonnes_reo),
                        format!(
                            "USGS {edition} mine production {year}: {}",
                            cite(world, &p.provenance)
                        ),
                        !p.provenance.is_assumption(),
                    ),
                    None => (None, String::new(), false),
                }
            } else {
                match world
                    .stage_outputs
                    .iter()
                    .filter(|o| o.stage == stage && o.country == c && o.year <= year)
                    .max_by_key(|o| o.year)
                {
                    Some(o) => (
                        Some(o.tonnes),
                        format!("{} {}: {}", o.basis, o.year, cite(world, &o.provenance)),
                        !o.provenance.is_assumption(),
                    ),
                    None => (None, String::new(), false),
                }
            };
            let published_share = share_year.and_then(|y| {
                world
                    .stage_shares
                    .iter()
                    .find(|s| s.stage == stage && s.country == c && s.year == y)
                    .map(|s| s.share.percent())
            });
            let source = match (published_share, source.is_empty()) {
                (Some(_), true) => {
                    format!("share: stage_shares.csv {}", share_year.unwrap_or_default())
                }
                _ => source,
            };
            stages.push(StageBalance {
                stage: stage.to_string(),
                country: c.to_string(),
                modelled_t: m,
                published_t: published,
                residual_pct: published.filter(|p| *p > 0.0).map(|p| 100.0 * (m - p) / p),
                modelled_share_pct: if total > 0.0 { 100.0 * m / total } else { 0.0 },
                published_share_pct: published_share,
                sourced: sourced || published_share.is_some(),
                source,
            });
        }
        stages.push(StageBalance {
            stage: stage.to_string(),
            country: "WLD".into(),
            modelled_t: total,
            published_t: None,
            residual_pct: None,
            modelled_share_pct: 100.0,
            published_share_pct: None,
            source: String::new(),
            sourced: false,
        });
    }
    if let Some(world_mine) = world
        .world_totals
        .iter()
        .find(|t| t.edition == edition && t.year == Some(year))
        && let Some(row) = stages
            .iter_mut()
            .find(|r| r.stage == "mining" && r.country == "WLD")
    {
        row.published_t = Some(world_mine.tonnes_reo);
        row.residual_pct =
            Some(100.0 * (row.modelled_t - world_mine.tonnes_reo) / world_mine.tonnes_reo);
        row.source = format!(
            "USGS {edition} world mine production {year}: {}",
            cite(world, &world_mine.provenance)
        );
        row.sourced = true;
    }

    // ---- sectors: what the baseline run delivered per sink
    let days = f64::from(horizon_days.max(1));
    // Placement is per demand row; a row's served units are its part of each sink's output.
    let mut sink_share: BTreeMap<String, f64> = BTreeMap::new(); // node -> units/yr placed
    for p in &compiled.placements {
        for (node, part) in &p.nodes {
            *sink_share.entry(node.clone()).or_default() += p.units_per_year * part;
        }
    }
    let node_served: BTreeMap<String, f64> = compiled
        .sinks
        .iter()
        .enumerate()
        .map(|(k, sink)| {
            let lost = mc.lost_output.get(k).map_or(0.0, |s| s.mean);
            let delivered = (sink.units_per_day * days - lost).max(0.0) * 365.0 / days;
            let name = compiled.network.node_name(sink.node).to_string();
            (name, delivered)
        })
        .collect();
    let mut sectors = Vec::new();
    let mut unplaced = Vec::new();
    for p in &compiled.placements {
        let d = world
            .demand
            .lookup(&p.demand)
            .map(|id| world.demand.get(id));
        let units: f64 = p
            .nodes
            .iter()
            .map(|(node, part)| {
                let placed = sink_share.get(node).copied().unwrap_or(0.0);
                let delivered = node_served.get(node).copied().unwrap_or(0.0);
                if placed > 0.0 {
                    delivered * p.units_per_year * part / placed
                } else {
                    0.0
                }
            })
            .sum();
        if p.nodes.is_empty() {
            unplaced.push((p.demand.clone(), p.units_per_year));
        }
        sectors.push(SectorBalance {
            sector: p.sector.clone(),
            region: p.region.clone(),
            published_units: p.units_per_year,
            served_units: units,
            served_pct: if p.units_per_year > 0.0 {
                100.0 * units / p.units_per_year
            } else {
                100.0
            },
            source: d.map(|d| cite(world, &d.provenance)).unwrap_or_default(),
            sourced: d.is_some_and(|d| !d.provenance.is_assumption()),
        });
    }
    // World rows and China's share per sector.
    let mut sector_shares = Vec::new();
    let mut keys: Vec<String> = sectors.iter().map(|s| s.sector.clone()).collect();
    keys.dedup();
    for key in keys {
        let rows: Vec<&SectorBalance> = sectors.iter().filter(|s| s.sector == key).collect();
        let sum_published: f64 = rows.iter().map(|r| r.published_units).sum();
        let sum_served: f64 = rows.iter().map(|r| r.served_units).sum();
        let world_row = world.demand.values().find(|d| {
            Some(d.year) == demand_year
                && d.region == "WLD"
                && world.sectors.get(d.sector).key == key
        });
        let world_units = world_row.and_then(|d| d.units).unwrap_or(sum_published);
        let china = rows.iter().find(|r| r.region == "CHN");
        sector_shares.push(SectorShare {
            sector: key.clone(),
            world_units,
            served_pct: if world_units > 0.0 {
                100.0 * sum_served / world_units
            } else {
                100.0
            },
            china_published_pct: china
                .filter(|_| world_units > 0.0)
                .map(|c| 100.0 * c.published_units / world_units),
            china_modelled_pct: if sum_served > 0.0 {
                100.0 * china.map_or(0.0, |c| c.served_units) / sum_served
            } else {
                0.0
            },
        });
    }
    let trade = world
        .trade_flows
        .iter()
        .map(|t| {
            let m = modelled_flow(world, compiled, &t.flow);
            TradeBalance {
                flow: t.flow.clone(),
                year: t.year,
                modelled_t: m,
                published_t: t.tonnes,
                residual_pct: if t.tonnes > 0.0 {
                    100.0 * (m - t.tonnes) / t.tonnes
                } else {
                    0.0
                },
                basis: t.basis.clone(),
                source: cite(world, &t.provenance),
                sourced: !t.provenance.is_assumption(),
            }
        })
        .collect();
    let checks = checks(&stages, &sector_shares);
    Balance {
        checks,
        demand_year,
        trade,
        edition: edition.to_string(),
        stages,
        sectors,
        sector_shares,
        unplaced,
        structural_shortfalls: compiled
            .warnings
            .iter()
            .filter_map(|w| w.strip_prefix("structural shortfall: "))
            .map(str::to_string)
            .collect(),
    }
}

/// Baseline flow per year on the cross-border lanes of route `flow` (`FROM>TO:WHAT`).
fn modelled_flow(world: &World, compiled: &Compiled, flow: &str) -> f64 {
    let Ok(route) = flow.parse::<chokepoint_core::observation::FlowSelector>() else {
        return 0.0;
    };
    compiled
        .edges
        .iter()
        .filter(|e| e.lane.is_some() && e.from_country != e.to_country)
        .filter(|e| route.matches(world, e.from_country, e.to_country, e.material))
        .map(|e| e.baseline_per_day * 365.0)
        .sum()
}

fn checks(stages: &[StageBalance], sectors: &[SectorShare]) -> Vec<Check> {
    let check = |target: &str, misses: Vec<String>| Check {
        target: target.to_string(),
        met: misses.is_empty(),
        misses,
    };
    vec![
        check(
            "every sector served at >= 95% of its world demand",
            sectors
                .iter()
                .filter(|s| s.served_pct < 95.0)
                .map(|s| format!("{}: {:.1}%", s.sector, s.served_pct))
                .collect(),
        ),
        check(
            "every published stage total within 10% of its published figure",
            stages
                .iter()
                .filter_map(|r| r.residual_pct.map(|x| (r, x)))
                .filter(|(r, x)| x.abs() > 10.0 && (r.country == "WLD" || r.stage != "mining"))
                .map(|(r, x)| format!("{} {}: {x:+.1}%", r.stage, r.country))
                .collect(),
        ),
        check(
            "China's share of each sector and stage within 5 points of the published share",
            sectors
                .iter()
                .filter_map(|s| s.china_published_pct.map(|p| (s, p)))
                .filter(|(s, p)| (s.china_modelled_pct - p).abs() > 5.0)
                .map(|(s, p)| format!("{}: {:.1}% vs {p:.1}%", s.sector, s.china_modelled_pct))
                .chain(
                    stages
                        .iter()
                        .filter(|r| r.country == "CHN")
                        .filter_map(|r| r.published_share_pct.map(|p| (r, p)))
                        .filter(|(r, p)| (r.modelled_share_pct - p).abs() > 5.0)
                        .map(|(r, p)| {
                            format!("{}: {:.1}% vs {p:.1}%", r.stage, r.modelled_share_pct)
                        }),
                )
                .collect(),
        ),
    ]
}
