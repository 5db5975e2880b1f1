//! Runs a compiled scenario as Monte Carlo replications and turns the kernel's per-node numbers
//! into the answers analysts ask for: which products stop, when and for how long, what is short,
//! how much stockpile was drawn.
//!
//! Invariant: replication `r` depends only on (seed, r); summaries are collected in replication
//! order, so a report is bit-identical whatever the thread count.

use crate::compile::Compiled;
use crate::spec::Scenario;
use chokepoint_core::World;
use chokepoint_sim::batch::{BatchState, LANES, LANES_LARGE, run_batch, run_batch_observed};
use chokepoint_sim::{McResult, ReplicationSummary, Stat, State, reduce, run_replication};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// Mean, standard error and quantiles across replications.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub mean: f64,
    pub se: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

impl From<Stat> for Summary {
    fn from(s: Stat) -> Self {
        Self {
            mean: s.mean,
            se: s.se,
            p5: s.p5,
            p50: s.p50,
            p95: s.p95,
        }
    }
}

fn summary(xs: &[f64]) -> Summary {
    Stat::of(xs).into()
}

/// Lost output of one sector in one country.
#[derive(Debug, Clone, Serialize)]
pub struct SectorRow {
    pub sector: String,
    pub sector_name: String,
    pub country: String,
    /// Demand over the horizon (units).
    pub demand_units: f64,
    pub lost_units: Summary,
    /// Lost units / demand.
    pub lost_share: Summary,
    /// Units still not made at the end of the horizon (backordered demand), however late the
    /// rest was made: `lost_units` counts a unit made late as lost, this does not.
    pub unmade_units: Summary,
    /// Unmade units / demand.
    pub unmade_share: Summary,
    /// Lost units x the scenario's unit value, when given.
    pub lost_value_usd: Option<Summary>,
    /// Share of replications in which the sector's output fell short at all.
    pub probability_short: f64,
}

/// How a facility fared: first day short and days short (a node ends a day with backorders).
#[derive(Debug, Clone, Serialize)]
pub struct PlantRow {
    pub node: String,
    pub facility: String,
    pub country: String,
    pub stage: String,
    pub probability_short: f64,
    /// Over the replications with a shortage.
    pub first_short_day: Summary,
    pub days_short: Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct MaterialRow {
    pub material: String,
    /// Backordered unit-days summed over the nodes holding the material.
    pub shortage_unit_days: Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct StockpileRow {
    pub stockpile: String,
    pub released: Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: String,
    pub title: String,
    pub start: String,
    pub horizon_days: u32,
    pub runs: u32,
    pub seed: u64,
    pub sectors: Vec<SectorRow>,
    /// Facilities with a shortage in at least one replication, most days short first.
    pub plants: Vec<PlantRow>,
    pub materials: Vec<MaterialRow>,
    pub stockpiles: Vec<StockpileRow>,
    /// China's exports by material and month (mean and 90% band over replications), when the
    /// run recorded them ([`run_detailed`]).
    pub china_exports: Vec<ExportRow>,
    /// Every cross-border flow per month against the policy-free baseline with the same random
    /// numbers, when the run recorded them.
    pub flows: Vec<FlowRow>,
    /// The flows that fell most against the baseline.
    pub flow_falls: Vec<FlowFall>,
    /// Origin of the end products' rare-earth flows by country of mining, at the end of the
    /// horizon, when the scenario traces origins.
    pub origins: Vec<OriginRow>,
    /// The uncertain inputs drawn per group of replications, with a screen of how strongly
    /// each moves lost output (empty with fixed inputs).
    pub inputs: Vec<InputRow>,
    pub assumptions: Vec<String>,
    pub warnings: Vec<String>,
    pub provenance: crate::spec::Provenance,
}

/// Runs `runs` replications on the current rayon pool; `progress` is called once per finished
/// replication (from worker threads). With uncertain inputs each group of
/// [`crate::inputs::GROUP`] replications runs on its own network.
pub fn run(
    compiled: &Compiled,
    runs: u32,
    seed: u64,
    progress: &(dyn Fn() + Sync),
) -> Result<McResult, chokepoint_sim::ConfigError> {
    let h = compiled.horizon;
    let reps = by_group(
        compiled,
        u64::from(runs.max(1)),
        seed,
        &|net, first, count| run_span(net, h, seed, first, count, progress),
    )?;
    Ok(reduce(&compiled.network, reps))
}

/// Runs replications `first..first + count` of one network.
type Span<'a, T> = dyn Fn(&chokepoint_sim::Network, u64, u64) -> Result<Vec<T>, chokepoint_sim::ConfigError>
    + Sync
    + 'a;

/// Runs replications `0..runs` span by span: one span on the compiled network when no input is
/// drawn, else one span per group on that group's network (groups in parallel). Items come back
/// in replication order.
fn by_group<T: Send>(
    compiled: &Compiled,
    runs: u64,
    seed: u64,
    span: &Span<'_, T>,
) -> Result<Vec<T>, chokepoint_sim::ConfigError> {
    if !compiled.inputs.varies() {
        return span(&compiled.network, 0, runs);
    }
    let g = crate::inputs::GROUP;
    let parts = (0..runs.div_ceil(g))
        .into_par_iter()
        .map(|group| {
            let net = compiled.inputs.group_network(seed, group)?;
            let net = net.as_ref().unwrap_or(&compiled.network);
            let first = group * g;
            span(net, first, g.min(runs - first))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(parts.into_iter().flatten().collect())
}

/// Replications `first..first + count` of one network: one computed and repeated when the
/// network draws no random number, batched when it can be, else one at a time.
fn run_span(
    net: &chokepoint_sim::Network,
    horizon: u32,
    seed: u64,
    first: u64,
    count: u64,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<ReplicationSummary>, chokepoint_sim::ConfigError> {
    if net.is_deterministic() {
        // No replication draws a random number, so all are identical: compute one.
        let one = run_replication(net, &mut State::new(net), horizon, seed, first)?;
        for _ in 0..count {
            progress();
        }
        return Ok(vec![one; count as usize]);
    }
    if net.batchable() && count >= net.batch_lanes() as u64 && horizon > 0 {
        let reps = if net.batch_lanes() == LANES {
            in_batches::<LANES, _>(
                first,
                count,
                progress,
                |bs, r| run_batch(net, bs, horizon, seed, r),
                net,
            )
        } else {
            in_batches::<LANES_LARGE, _>(
                first,
                count,
                progress,
                |bs, r| run_batch(net, bs, horizon, seed, r),
                net,
            )
        };
        return Ok(reps);
    }
    (first..first + count)
        .into_par_iter()
        .map_init(
            || State::new(net),
            |st, r| {
                let out = run_replication(net, st, horizon, seed, r);
                progress();
                out
            },
        )
        .collect::<Result<Vec<_>, _>>()
}

/// Runs replications `first..first + runs` on the lane-batched kernel, `N` at a time
/// (bit-identical to the scalar kernel, tested), and returns one item per replication in
/// replication order. The last batch runs its surplus lanes on the streams that follow and drops
/// them.
fn in_batches<const N: usize, T: Send>(
    first: u64,
    runs: u64,
    progress: &(dyn Fn() + Sync),
    batch: impl Fn(&mut BatchState<N>, u64) -> Vec<T> + Sync,
    net: &chokepoint_sim::Network,
) -> Vec<T> {
    let lanes = N as u64;
    let mut out: Vec<T> = (0..runs.div_ceil(lanes))
        .into_par_iter()
        .map_init(
            || BatchState::<N>::new(net),
            |bs, b| {
                let items = batch(bs, first + b * lanes);
                for _ in 0..lanes.min(runs - b * lanes) {
                    progress();
                }
                items
            },
        )
        .flatten_iter()
        .collect();
    out.truncate(runs as usize);
    out
}

/// Builds the report from a Monte Carlo result.
pub fn report(
    world: &World,
    scenario: &Scenario,
    compiled: &Compiled,
    mc: &McResult,
    seed: u64,
) -> Report {
    let horizon = f64::from(compiled.horizon);
    let reps = &mc.replications;

    // Sectors by (sector, country): sum the sink rows per replication.
    let mut groups: BTreeMap<(String, String), (String, Vec<usize>)> = BTreeMap::new();
    for (k, s) in compiled.sinks.iter().enumerate() {
        groups
            .entry((s.sector.clone(), s.country.to_string()))
            .or_insert_with(|| (s.sector_name.clone(), Vec::new()))
            .1
            .push(k);
    }
    let sectors = groups
        .into_iter()
        .map(|((sector, country), (sector_name, sinks))| {
            let demand: f64 = sinks
                .iter()
                .map(|&k| compiled.sinks[k].units_per_day * horizon)
                .sum();
            let lost: Vec<f64> = reps
                .iter()
                .map(|r| sinks.iter().map(|&k| r.lost_output[k]).sum())
                .collect();
            let share: Vec<f64> = lost
                .iter()
                .map(|l| if demand > 0.0 { l / demand } else { 0.0 })
                .collect();
            let unmade: Vec<f64> = reps
                .iter()
                .map(|r| sinks.iter().map(|&k| r.unmet_at_end[k]).sum())
                .collect();
            let unmade_share: Vec<f64> = unmade
                .iter()
                .map(|l| if demand > 0.0 { l / demand } else { 0.0 })
                .collect();
            let value = scenario
                .unit_value_usd
                .get(&sector)
                .map(|v| summary(&lost.iter().map(|l| l * v).collect::<Vec<_>>()));
            let p_short = lost.iter().filter(|l| **l > 1e-9 * demand.max(1.0)).count() as f64
                / reps.len().max(1) as f64;
            SectorRow {
                sector,
                sector_name,
                country,
                demand_units: demand,
                lost_units: summary(&lost),
                lost_share: summary(&share),
                unmade_units: summary(&unmade),
                unmade_share: summary(&unmade_share),
                lost_value_usd: value,
                probability_short: p_short,
            }
        })
        .collect();

    let mut plants: Vec<PlantRow> = compiled
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| mc.stockout_probability.get(*i).copied().unwrap_or(0.0) > 0.0)
        .map(|(i, n)| PlantRow {
            node: n.name.clone(),
            facility: n
                .facility
                .map_or_else(|| n.name.clone(), |f| world.facilities.get(f).key.clone()),
            country: n.country.to_string(),
            stage: n.stage.to_string(),
            probability_short: mc.stockout_probability[i],
            first_short_day: mc.first_stockout[i].into(),
            days_short: mc.stockout_periods[i].into(),
        })
        .collect();
    plants.sort_by(|a, b| {
        b.days_short
            .mean
            .total_cmp(&a.days_short.mean)
            .then_with(|| a.node.cmp(&b.node))
    });

    let mut by_material: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, n) in compiled.nodes.iter().enumerate() {
        by_material
            .entry(world.materials.get(n.material).key.clone())
            .or_default()
            .push(i);
    }
    let materials = by_material
        .into_iter()
        .filter_map(|(material, idx)| {
            let xs: Vec<f64> = reps
                .iter()
                .map(|r| idx.iter().map(|&i| r.shortage[i]).sum())
                .collect();
            xs.iter().any(|x| *x > 0.0).then(|| MaterialRow {
                material,
                shortage_unit_days: summary(&xs),
            })
        })
        .collect();

    let stockpiles = compiled
        .stockpiles
        .iter()
        .zip(&mc.drawdown)
        .map(|(k, s)| StockpileRow {
            stockpile: k.clone(),
            released: (*s).into(),
        })
        .collect();

    Report {
        scenario: scenario.id.clone(),
        title: scenario.title.clone(),
        start: scenario.start.to_string(),
        horizon_days: compiled.horizon,
        runs: u32::try_from(reps.len()).unwrap_or(u32::MAX),
        seed,
        sectors,
        plants,
        materials,
        stockpiles,
        china_exports: Vec::new(),
        flows: Vec::new(),
        flow_falls: Vec::new(),
        origins: Vec::new(),
        inputs: input_screen(compiled, reps, seed),
        assumptions: compiled.assumptions.clone(),
        warnings: compiled.warnings.clone(),
        provenance: scenario.provenance.clone(),
    }
}

/// One uncertain input: its distribution, the values the run drew, and its screen.
#[derive(Debug, Clone, Serialize)]
pub struct InputRow {
    /// The scenario field.
    pub name: String,
    pub value: crate::spec::Uncertain,
    /// The values drawn, one per group of replications.
    pub drawn: Summary,
    /// Per sector with lost output: Spearman's rank correlation, over the groups, between the
    /// input's value and the group's mean lost output of the sector worldwide; largest |rho|
    /// first. A screen of which inputs drive the answer, not a variance decomposition.
    pub rank_correlation: Vec<(String, f64)>,
}

/// The uncertain-input screen: for each drawn input, its rank correlation with each sector's
/// lost output across the groups of the run.
fn input_screen(compiled: &Compiled, reps: &[ReplicationSummary], seed: u64) -> Vec<InputRow> {
    let plan = &compiled.inputs;
    if !plan.is_drawn() || reps.is_empty() {
        return Vec::new();
    }
    let g = crate::inputs::GROUP as usize;
    let groups = reps.len().div_ceil(g);
    // Fewer groups than this give rank correlations that mean nothing.
    const MIN_GROUPS: usize = 8;
    let values: Vec<Vec<f64>> = (0..groups as u64).map(|k| plan.draw(seed, k)).collect();
    let mut sectors: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (k, s) in compiled.sinks.iter().enumerate() {
        sectors.entry(s.sector.as_str()).or_default().push(k);
    }
    let lost_by_group: Vec<(&str, Vec<f64>)> = sectors
        .into_iter()
        .map(|(sector, sinks)| {
            let per_group = reps
                .chunks(g)
                .map(|c| {
                    c.iter()
                        .map(|r| sinks.iter().map(|&k| r.lost_output[k]).sum::<f64>())
                        .sum::<f64>()
                        / c.len() as f64
                })
                .collect::<Vec<f64>>();
            (sector, per_group)
        })
        .filter(|(_, l)| l.iter().any(|x| *x > 0.0))
        .collect();
    plan.inputs
        .iter()
        .enumerate()
        .map(|(i, input)| {
            let xs: Vec<f64> = values.iter().map(|v| v[i]).collect();
            let mut rank_correlation: Vec<(String, f64)> = lost_by_group
                .iter()
                .filter(|_| groups >= MIN_GROUPS)
                .filter_map(|(sector, ys)| spearman(&xs, ys).map(|r| (sector.to_string(), r)))
                .collect();
            rank_correlation.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
            InputRow {
                name: input.name.clone(),
                value: input.value.clone(),
                drawn: summary(&xs),
                rank_correlation,
            }
        })
        .collect()
}

/// Spearman's rho with average ranks for ties; `None` when either side is constant or there
/// are fewer than 3 pairs. Written here because it is a dozen lines and no statistics crate is
/// otherwise needed.
fn spearman(xs: &[f64], ys: &[f64]) -> Option<f64> {
    fn ranks(v: &[f64]) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
        let mut r = vec![0.0; v.len()];
        let mut i = 0;
        while i < idx.len() {
            let mut j = i;
            while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
                j += 1;
            }
            let avg = (i + j) as f64 / 2.0 + 1.0;
            for &k in &idx[i..=j] {
                r[k] = avg;
            }
            i = j + 1;
        }
        r
    }
    if xs.len() != ys.len() || xs.len() < 3 {
        return None;
    }
    let (rx, ry) = (ranks(xs), ranks(ys));
    let n = rx.len() as f64;
    let mean = (n + 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mean) * (b - mean);
        sxx += (a - mean) * (a - mean);
        syy += (b - mean) * (b - mean);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// Origin mix of one sector's end products in one country: share by country of mining.
#[derive(Debug, Clone, Serialize)]
pub struct OriginRow {
    pub sector: String,
    pub country: String,
    /// (country of mining, mean share over replications), largest first.
    pub shares: Vec<(String, f64)>,
}

/// Averages the per-replication end-of-horizon origin mixes of the sinks (sinks x labels,
/// row-major) by (sector, country), weighting sinks by their demand.
pub fn origin_rows(compiled: &Compiled, per_replication: &[Vec<f64>]) -> Vec<OriginRow> {
    let k = compiled.origin_labels.len();
    // Replications that did not trace (past the origin sample) carry no mix.
    let per_replication: Vec<&Vec<f64>> =
        per_replication.iter().filter(|r| !r.is_empty()).collect();
    if k == 0 || per_replication.is_empty() {
        return Vec::new();
    }
    let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, s) in compiled.sinks.iter().enumerate() {
        groups
            .entry((s.sector.clone(), s.country.to_string()))
            .or_default()
            .push(i);
    }
    groups
        .into_iter()
        .map(|((sector, country), sinks)| {
            let weight: f64 = sinks.iter().map(|&i| compiled.sinks[i].units_per_day).sum();
            let mut shares: Vec<(String, f64)> = (0..k)
                .map(|label| {
                    let mean = per_replication
                        .iter()
                        .map(|r| {
                            sinks
                                .iter()
                                .map(|&i| {
                                    r[i * k + label] * compiled.sinks[i].units_per_day
                                        / weight.max(f64::MIN_POSITIVE)
                                })
                                .sum::<f64>()
                        })
                        .sum::<f64>()
                        / per_replication.len() as f64;
                    (compiled.origin_labels[label].to_string(), mean)
                })
                .filter(|(_, x)| *x > 1e-6)
                .collect();
            shares.sort_by(|a, b| b.1.total_cmp(&a.1));
            OriginRow {
                sector,
                country,
                shares,
            }
        })
        .collect()
}

/// Cross-border flows per calendar month, per replication: tonnes (or units) shipped on lanes
/// between facilities in different countries, by (exporter, importer, material).
#[derive(Debug, Clone, Serialize)]
pub struct ExportSeries {
    /// `YYYY-MM` of each month the horizon touches.
    pub months: Vec<String>,
    /// (exporter, importer, material id) of each flow.
    pub keys: Vec<(String, String, String)>,
    /// Per replication, months x keys (row-major).
    pub per_replication: Vec<Vec<f64>>,
    /// End products' origin mixes (empty unless the scenario traces origins).
    pub origins: Vec<OriginRow>,
}

/// Mean and 90% band of one month's exports of one material.
#[derive(Debug, Clone, Serialize)]
pub struct ExportRow {
    pub month: String,
    pub material: String,
    pub shipped: Summary,
}

/// One cross-border flow in one month, in the scenario and in the policy-free baseline run with
/// the same random numbers.
#[derive(Debug, Clone, Serialize)]
pub struct FlowRow {
    pub from: String,
    pub to: String,
    pub material: String,
    pub month: String,
    pub scenario: Summary,
    pub baseline: Summary,
}

/// A flow's total over the horizon against the baseline (the terminal's "largest falls").
#[derive(Debug, Clone, Serialize)]
pub struct FlowFall {
    pub from: String,
    pub to: String,
    pub material: String,
    pub scenario_total: f64,
    pub baseline_total: f64,
    /// (baseline - scenario) / baseline in the worst month.
    pub fall_share: f64,
    /// The month with the deepest fall and its scenario and baseline means.
    pub worst_month: String,
    pub worst_scenario: f64,
    pub worst_baseline: f64,
}

impl ExportSeries {
    /// China's exports by material and month: the flows out of China summed per material.
    pub fn rows(&self) -> Vec<ExportRow> {
        let china = chokepoint_core::CountryCode::CHINA.to_string();
        let mut materials: Vec<&String> = Vec::new();
        for (from, _, m) in &self.keys {
            if *from == china && !materials.contains(&m) {
                materials.push(m);
            }
        }
        let w = self.keys.len();
        let mut out = Vec::new();
        for (mi, month) in self.months.iter().enumerate() {
            for material in &materials {
                let xs: Vec<f64> = self
                    .per_replication
                    .iter()
                    .map(|r| {
                        self.keys
                            .iter()
                            .enumerate()
                            .filter(|(_, (f, _, m))| *f == china && m == *material)
                            .map(|(k, _)| r[mi * w + k])
                            .sum()
                    })
                    .collect();
                out.push(ExportRow {
                    month: month.clone(),
                    material: (*material).clone(),
                    shipped: summary(&xs),
                });
            }
        }
        out
    }

    fn cell(&self, month: usize, key: usize) -> Vec<f64> {
        let w = self.keys.len();
        self.per_replication
            .iter()
            .map(|r| r[month * w + key])
            .collect()
    }

    /// Every flow per month against `baseline` (the policy-free twin run on the same months and
    /// seeds); flows absent from one side count as zero there.
    pub fn against(&self, baseline: &ExportSeries) -> Vec<FlowRow> {
        let mut keys = self.keys.clone();
        for k in &baseline.keys {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
        keys.sort();
        let side = |series: &ExportSeries, key: &(String, String, String), mi: usize| match series
            .keys
            .iter()
            .position(|k| k == key)
        {
            Some(k) => summary(&series.cell(mi, k)),
            None => summary(&vec![0.0; series.per_replication.len().max(1)]),
        };
        let mut out = Vec::new();
        for key in &keys {
            for (mi, month) in self.months.iter().enumerate() {
                out.push(FlowRow {
                    from: key.0.clone(),
                    to: key.1.clone(),
                    material: key.2.clone(),
                    month: month.clone(),
                    scenario: side(self, key, mi),
                    baseline: side(baseline, key, mi),
                });
            }
        }
        out
    }
}

/// The `n` flows with the deepest monthly fall against the baseline (share of the baseline
/// month), the larger flow first among equals. Flows under 1 unit in their worst baseline month
/// are left out.
pub fn largest_falls(rows: &[FlowRow], n: usize) -> Vec<FlowFall> {
    let mut by_key: BTreeMap<(String, String, String), Vec<&FlowRow>> = BTreeMap::new();
    for r in rows {
        by_key
            .entry((r.from.clone(), r.to.clone(), r.material.clone()))
            .or_default()
            .push(r);
    }
    let share = |r: &FlowRow| {
        if r.baseline.mean > 0.0 {
            (r.baseline.mean - r.scenario.mean) / r.baseline.mean
        } else {
            0.0
        }
    };
    let mut falls: Vec<FlowFall> = by_key
        .into_iter()
        .filter_map(|((from, to, material), months)| {
            let worst = months
                .iter()
                .filter(|r| r.baseline.mean >= 1.0)
                .max_by(|a, b| share(a).total_cmp(&share(b)))?;
            if share(worst) <= 0.0 {
                return None;
            }
            Some(FlowFall {
                from,
                to,
                material,
                scenario_total: months.iter().map(|r| r.scenario.mean).sum(),
                baseline_total: months.iter().map(|r| r.baseline.mean).sum(),
                fall_share: share(worst),
                worst_month: worst.month.clone(),
                worst_scenario: worst.scenario.mean,
                worst_baseline: worst.baseline.mean,
            })
        })
        .collect();
    falls.sort_by(|a, b| {
        b.fall_share
            .total_cmp(&a.fall_share)
            .then(b.baseline_total.total_cmp(&a.baseline_total))
    });
    falls.truncate(n);
    falls
}

/// Calendar month index of each simulated day, and the month labels.
fn month_buckets(scenario: &Scenario, horizon: u32) -> (Vec<u16>, Vec<String>) {
    let mut labels: Vec<String> = Vec::new();
    let mut of_day = Vec::with_capacity(horizon as usize);
    for t in 0..horizon {
        let date = scenario
            .start
            .checked_add(jiff::Span::new().days(i64::from(t)))
            .unwrap_or(scenario.start);
        let label = format!("{:04}-{:02}", date.year(), date.month());
        if labels.last() != Some(&label) {
            labels.push(label);
        }
        of_day.push(u16::try_from(labels.len() - 1).unwrap_or(u16::MAX));
    }
    (of_day, labels)
}

/// Like [`run`], and also records every cross-border flow per month in every replication (an
/// observer that only reads the state, so the random streams and results are unchanged).
pub fn run_detailed(
    world: &World,
    scenario: &Scenario,
    compiled: &Compiled,
    runs: u32,
    seed: u64,
    progress: &(dyn Fn() + Sync),
) -> Result<(McResult, ExportSeries), chokepoint_sim::ConfigError> {
    run_detailed_until(
        world,
        scenario,
        compiled,
        runs,
        seed,
        progress,
        &AtomicBool::new(false),
    )
}

/// [`run_detailed`], stopping early with [`chokepoint_sim::ConfigError::Cancelled`] once
/// `cancel` is set (checked before each replication or batch; those already running finish).
/// A run that is not cancelled gives exactly what [`run_detailed`] gives.
pub fn run_detailed_until(
    world: &World,
    scenario: &Scenario,
    compiled: &Compiled,
    runs: u32,
    seed: u64,
    progress: &(dyn Fn() + Sync),
    cancel: &AtomicBool,
) -> Result<(McResult, ExportSeries), chokepoint_sim::ConfigError> {
    let cancelled = || cancel.load(Ordering::Relaxed);
    let net = &compiled.network;
    let mut keys: Vec<(
        chokepoint_core::CountryCode,
        chokepoint_core::CountryCode,
        chokepoint_core::material::MaterialId,
    )> = Vec::new();
    let mut export_edges: Vec<(chokepoint_sim::EdgeId, usize)> = Vec::new();
    for (e, meta) in compiled.edges.iter().enumerate() {
        if meta.lane.is_some() && meta.from_country != meta.to_country {
            let key = (meta.from_country, meta.to_country, meta.material);
            let k = keys.iter().position(|x| *x == key).unwrap_or_else(|| {
                keys.push(key);
                keys.len() - 1
            });
            export_edges.push((
                chokepoint_sim::EdgeId(u32::try_from(e).unwrap_or(u32::MAX)),
                k,
            ));
        }
    }
    let (of_day, months) = month_buckets(scenario, compiled.horizon);
    let width = keys.len();
    let cells = months.len() * width;
    let k = compiled.origin_labels.len();
    let sinks: Vec<chokepoint_sim::NodeId> = compiled.sinks.iter().map(|s| s.node).collect();
    let last = compiled.horizon.saturating_sub(1);
    let exports = ExportCells {
        edges: &export_edges,
        of_day: &of_day,
        width,
        cells,
    };
    let h = compiled.horizon;
    type Detailed = (ReplicationSummary, Vec<f64>, Vec<f64>);
    let span = |net: &chokepoint_sim::Network,
                first: u64,
                count: u64|
     -> Result<Vec<Detailed>, chokepoint_sim::ConfigError> {
        // A deterministic network gives identical replications: compute one, repeat it.
        let computed = if net.is_deterministic() { 1 } else { count };
        let results: Vec<Detailed> =
            if net.batchable() && computed >= net.batch_lanes() as u64 && h > 0 {
                // k = 0 here (origin tracing is not batchable), so the origin vectors are empty
                // A cancelled run skips its remaining batches; the caller sees the flag below.
                let out = if net.batch_lanes() == LANES {
                    in_batches::<LANES, _>(
                        first,
                        computed,
                        progress,
                        |bs, r| {
                            if cancelled() {
                                Vec::new()
                            } else {
                                exports.batch(net, bs, h, seed, r)
                            }
                        },
                        net,
                    )
                } else {
                    in_batches::<LANES_LARGE, _>(
                        first,
                        computed,
                        progress,
                        |bs, r| {
                            if cancelled() {
                                Vec::new()
                            } else {
                                exports.batch(net, bs, h, seed, r)
                            }
                        },
                        net,
                    )
                };
                if cancelled() {
                    return Err(chokepoint_sim::ConfigError::Cancelled);
                }
                out
            } else {
                (first..first + computed)
                    .into_par_iter()
                    .map_init(
                        || State::new(net),
                        |st, r| {
                            if cancelled() {
                                return Err(chokepoint_sim::ConfigError::Cancelled);
                            }
                            let mut rng = chokepoint_sim::replication_rng(seed, r);
                            let mut exports = vec![0.0; cells];
                            // An untraced group reports no mix.
                            let traced_k = if net.origin_labels() > 0 { k } else { 0 };
                            let mut origins = vec![0.0; sinks.len() * traced_k];
                            let mut observe = |t: u32, n: &chokepoint_sim::Network, s: &State| {
                                let base = usize::from(of_day[t as usize]) * width;
                                for &(e, m) in &export_edges {
                                    exports[base + m] += s.shipped(e);
                                }
                                if t == last && traced_k > 0 {
                                    for (i, &node) in sinks.iter().enumerate() {
                                        if let Some(mix) = s.origin_mix(n, node) {
                                            origins[i * k..(i + 1) * k].copy_from_slice(mix);
                                        }
                                    }
                                }
                            };
                            chokepoint_sim::simulate(net, st, h, &mut rng, &mut observe)?;
                            progress();
                            Ok((chokepoint_sim::summarise(net, st), exports, origins))
                        },
                    )
                    .collect::<Result<Vec<_>, chokepoint_sim::ConfigError>>()?
            };
        if computed == 1 && count > 1 {
            for _ in 1..count {
                progress();
            }
            let first = results.into_iter().next();
            return Ok(first.map_or_else(Vec::new, |r| vec![r; count as usize]));
        }
        Ok(results)
    };
    let results = by_group(compiled, u64::from(runs.max(1)), seed, &span)?;
    let mut reps = Vec::with_capacity(results.len());
    let mut per_replication = Vec::with_capacity(results.len());
    let mut origins = Vec::with_capacity(results.len());
    for (r, e, o) in results {
        reps.push(r);
        per_replication.push(e);
        origins.push(o);
    }
    let series = ExportSeries {
        months,
        keys: keys
            .iter()
            .map(|(f, t, m)| {
                (
                    f.to_string(),
                    t.to_string(),
                    world.materials.get(*m).key.clone(),
                )
            })
            .collect(),
        per_replication,
        origins: origin_rows(compiled, &origins),
    };
    Ok((reduce(net, reps), series))
}

/// Cross-border flows by (month, flow) cell, accumulated per replication of a batch.
struct ExportCells<'a> {
    edges: &'a [(chokepoint_sim::EdgeId, usize)],
    of_day: &'a [u16],
    width: usize,
    cells: usize,
}

impl ExportCells<'_> {
    /// Runs one batch and returns, per replication, its summary, its export cells and an empty
    /// origin vector.
    fn batch<const N: usize>(
        &self,
        net: &chokepoint_sim::Network,
        bs: &mut BatchState<N>,
        horizon: u32,
        seed: u64,
        first: u64,
    ) -> Vec<(ReplicationSummary, Vec<f64>, Vec<f64>)> {
        let mut exports = vec![[0.0; N]; self.cells];
        let mut observe = |t: u32, _: &chokepoint_sim::Network, s: &BatchState<N>| {
            let base = usize::from(self.of_day[t as usize]) * self.width;
            for &(e, m) in self.edges {
                let x = s.shipped(e);
                let cell = &mut exports[base + m];
                for j in 0..N {
                    cell[j] += x[j];
                }
            }
        };
        let sums = run_batch_observed(net, bs, horizon, seed, first, &mut observe);
        sums.into_iter()
            .enumerate()
            .map(|(j, sum)| (sum, exports.iter().map(|c| c[j]).collect(), Vec::new()))
            .collect()
    }
}

/// The replication whose total lost output is the median (the lower one for an even count; the
/// smallest index among equals), for the daily series.
pub fn median_replication(mc: &McResult) -> u64 {
    let mut idx: Vec<(f64, usize)> = mc
        .replications
        .iter()
        .enumerate()
        .map(|(i, r)| (r.lost_output.iter().sum::<f64>(), i))
        .collect();
    idx.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    idx.get((idx.len().saturating_sub(1)) / 2)
        .map_or(0, |x| x.1 as u64)
}

/// One day of one (sector, country) in a traced replication.
#[derive(Debug, Clone, Serialize)]
pub struct DayRow {
    pub day: u32,
    pub date: String,
    pub sector: String,
    pub country: String,
    pub demand: f64,
    pub met: f64,
}

/// Replays replication `rep` (same stream as in the Monte Carlo) and records, per day and per
/// (sector, country), end-product demand and the part met from stock.
pub fn daily_series(
    scenario: &Scenario,
    compiled: &Compiled,
    seed: u64,
    rep: u64,
) -> Result<Vec<DayRow>, chokepoint_sim::ConfigError> {
    // The replication's own network (its group's draw of the uncertain inputs).
    let net = compiled.inputs.network_of(&compiled.network, seed, rep)?;
    let net = &*net;
    let mut groups: BTreeMap<(String, String), Vec<chokepoint_sim::NodeId>> = BTreeMap::new();
    for s in &compiled.sinks {
        groups
            .entry((s.sector.clone(), s.country.to_string()))
            .or_default()
            .push(s.node);
    }
    let groups: Vec<((String, String), Vec<chokepoint_sim::NodeId>)> = groups.into_iter().collect();
    let mut last: Vec<(f64, f64)> = vec![(0.0, 0.0); groups.len()];
    let mut rows = Vec::new();
    let mut st = State::new(net);
    let mut rng = chokepoint_sim::replication_rng(seed, rep);
    let mut observe = |t: u32, _: &chokepoint_sim::Network, s: &State| {
        let date = scenario
            .start
            .checked_add(jiff::Span::new().days(i64::from(t)))
            .map_or_else(|_| String::new(), |d| d.to_string());
        for (g, ((sector, country), nodes)) in groups.iter().enumerate() {
            let dem: f64 = nodes.iter().map(|&n| s.external_demand_total(n)).sum();
            let met: f64 = nodes.iter().map(|&n| s.external_demand_met_total(n)).sum();
            rows.push(DayRow {
                day: t,
                date: date.clone(),
                sector: sector.clone(),
                country: country.clone(),
                demand: dem - last[g].0,
                met: met - last[g].1,
            });
            last[g] = (dem, met);
        }
    };
    chokepoint_sim::simulate(net, &mut st, compiled.horizon, &mut rng, &mut observe)?;
    Ok(rows)
}

/// One node in one month of a replayed replication: what it made and what it held at the end
/// of the month, against its baseline flow.
#[derive(Debug, Clone, Serialize)]
pub struct NodeMonth {
    pub node: String,
    pub country: String,
    pub stage: String,
    pub material: String,
    pub month: String,
    /// Units made (or, for stockpiles and mines, released/supplied) in the month.
    pub produced: f64,
    /// Baseline daily flow x the month's simulated days.
    pub baseline: f64,
    /// On-hand stock at the end of the month's last simulated day.
    pub on_hand: f64,
}

/// Replays replication `rep` (same stream as in the Monte Carlo) and records, per node and
/// calendar month, output and end-of-month stock.
pub fn node_months(
    world: &World,
    scenario: &Scenario,
    compiled: &Compiled,
    seed: u64,
    rep: u64,
) -> Result<Vec<NodeMonth>, chokepoint_sim::ConfigError> {
    // The replication's own network (its group's draw of the uncertain inputs).
    let net = compiled.inputs.network_of(&compiled.network, seed, rep)?;
    let net = &*net;
    let (of_day, months) = month_buckets(scenario, compiled.horizon);
    let n = compiled.nodes.len();
    let mut produced = vec![0.0; months.len() * n];
    let mut on_hand = vec![0.0; months.len() * n];
    let mut days = vec![0u32; months.len()];
    let mut st = State::new(net);
    let mut rng = chokepoint_sim::replication_rng(seed, rep);
    let mut observe = |t: u32, _: &chokepoint_sim::Network, s: &State| {
        let m = usize::from(of_day[t as usize]);
        days[m] += 1;
        for i in 0..n {
            let id = chokepoint_sim::NodeId(u32::try_from(i).unwrap_or(u32::MAX));
            produced[m * n + i] += s.produced(id);
            on_hand[m * n + i] = s.on_hand(id);
        }
    };
    chokepoint_sim::simulate(net, &mut st, compiled.horizon, &mut rng, &mut observe)?;
    let mut rows = Vec::with_capacity(n * months.len());
    for (i, meta) in compiled.nodes.iter().enumerate() {
        for (m, month) in months.iter().enumerate() {
            rows.push(NodeMonth {
                node: meta.name.clone(),
                country: meta.country.to_string(),
                stage: meta.stage.to_string(),
                material: world.materials.get(meta.material).key.clone(),
                month: month.clone(),
                produced: produced[m * n + i],
                baseline: meta.baseline_per_day * f64::from(days[m]),
                on_hand: on_hand[m * n + i],
            });
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod screen_tests {
    use super::spearman;

    #[test]
    fn spearman_matches_the_published_example_and_its_limits() {
        // SciPy's documented example: spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) = 0.8207826816681233
        // (average ranks for the tied 7s).
        let rho = spearman(&[1.0, 2.0, 3.0, 4.0, 5.0], &[5.0, 6.0, 7.0, 8.0, 7.0]).unwrap();
        assert!((rho - 0.820_782_681_668_123_3).abs() < 1e-12, "{rho}");
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[30.0, 20.0, 10.0]), Some(-1.0));
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[4.0, 4.0, 4.0]), None);
        assert_eq!(spearman(&[1.0, 2.0], &[1.0, 2.0]), None);
    }
}
