//! Single points of failure: knock-out analysis.
//!
//! For an end product (a sector) and a region, knock out each facility, each country-stage and
//! each lane for a duration, ask a [`KnockoutRunner`] how much output is lost in each Monte Carlo
//! replication, and rank the nodes by mean lost output (units, and value when a unit value is
//! given) with 95% confidence intervals. Alongside:
//!
//! * **time-to-recover** (TTR, Simchi-Levi et al. 2014): how long the node takes to return to
//!   full function — from the runner;
//! * **time-to-survive** (TTS): how long inventories and stockpiles cover the loss of the node,
//!   i.e. how long the network matches demand while the node is down — from the runner; a node is
//!   *at risk* when TTS < TTR;
//! * **risk-exposure index** (REI): the lost output when the node is down for its own TTR,
//!   normalised so the worst node scores 1 (Simchi-Levi, Schmidt & Wei, HBR 2014; Simchi-Levi
//!   et al., Interfaces 2015);
//! * **why**: structural reasons a node matters (sole producer, share carried), from the `World`.
//!
//! Common random numbers (CRN): every knock-out is run with the same seed, and a runner must draw
//! replication `r` only from a stream determined by `(seed, r)`. Then replication `r` of two
//! knock-outs sees the same demand and disruption noise, and the paired difference of their
//! losses isolates the effect of the node; [`NodeResult::separated_from_next`] reports whether
//! that paired interval excludes zero.
//!
//! Invariants: results are sorted by mean lost output, largest first, ties by node order; every
//! summary has `n == reps`; the REI is in [0, 1].

use crate::AnalysisError;
use crate::input::Input;
use crate::stats::{Summary, paired_difference};
use chokepoint_core::facility::{FacilityId, FacilityStatus, LaneId, Stage};
use chokepoint_core::material::MaterialId;
use chokepoint_core::{CountryCode, World};
use serde::Serialize;
use std::collections::BTreeSet;

/// A node that can be knocked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum NodeRef {
    Facility {
        id: FacilityId,
    },
    /// Every facility of one stage in one country (e.g. China's separation).
    CountryStage {
        country: CountryCode,
        stage: Stage,
    },
    Lane {
        id: LaneId,
    },
}

impl NodeRef {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Facility { .. } => "facility",
            Self::CountryStage { .. } => "country-stage",
            Self::Lane { .. } => "lane",
        }
    }

    /// A human label: facility name, `CHN separation`, or `lane key (from → to)`.
    pub fn label(&self, world: &World) -> String {
        match *self {
            Self::Facility { id } => {
                let f = world.facilities.get(id);
                format!("{} [{}, {}]", f.name, f.country, f.stage)
            }
            Self::CountryStage { country, stage } => format!("{country} {stage}"),
            Self::Lane { id } => {
                let l = world.lanes.get(id);
                format!(
                    "lane {} ({} -> {}, {})",
                    l.key,
                    world.facilities.get(l.from).key,
                    world.facilities.get(l.to).key,
                    world.materials.get(l.material).key
                )
            }
        }
    }
}

/// The boundary between the knock-out analysis and whatever simulates the network.
///
/// Contract: `lost_output` returns exactly `reps` finite, non-negative numbers — the output lost
/// (in [`KnockoutRunner::unit`]) over the disruption and its recovery in replication `0..reps`,
/// relative to the same replication without the knock-out. Replication `r` must use only the
/// random stream determined by `(seed, r)`, so that knock-outs share random numbers.
pub trait KnockoutRunner {
    fn lost_output(
        &self,
        knocked: &[NodeRef],
        duration_days: u32,
        reps: usize,
        seed: u64,
    ) -> Result<Vec<f64>, AnalysisError>;

    /// Normal output per day (in `unit`), to express losses as a share of supply.
    fn baseline_per_day(&self) -> f64;

    /// What lost output is counted in (e.g. "EV traction motors").
    fn unit(&self) -> String;

    /// Days from the start of an outage of `duration_days` until the node is back at full
    /// function. Default: the outage itself (instant restart).
    fn time_to_recover(&self, _node: &NodeRef, duration_days: u32) -> f64 {
        f64::from(duration_days)
    }

    /// Longest outage (days) the time-to-survive search tries; beyond it a node counts as
    /// survivable indefinitely.
    fn survival_search_days(&self) -> u32 {
        3650
    }

    /// Replications per probe of the time-to-survive search. Each probe is a full run, so
    /// expensive runners may use fewer than the sweep's replications.
    fn survival_probe_reps(&self, reps: usize) -> usize {
        reps
    }

    /// Days the network keeps matching demand while `node` is down; `None` = indefinitely.
    /// Default: the longest outage (whole days, up to [`Self::survival_search_days`]) that
    /// loses no output on average, found by bisection over `lost_output` — this equals
    /// Simchi-Levi's TTS when the runner restarts nodes at full rate. Runners with a closed form
    /// should override it.
    fn time_to_survive(
        &self,
        node: &NodeRef,
        reps: usize,
        seed: u64,
    ) -> Result<Option<f64>, AnalysisError> {
        let horizon = self.survival_search_days();
        let reps = self.survival_probe_reps(reps).max(1);
        let eps = 1e-9 * self.baseline_per_day().max(1e-12);
        let mean_lost = |d: u32| -> Result<f64, AnalysisError> {
            let v = self.lost_output(&[*node], d, reps, seed)?;
            Ok(v.iter().sum::<f64>() / v.len().max(1) as f64)
        };
        if mean_lost(horizon)? <= eps {
            return Ok(None);
        }
        // Invariant: lost(lo) <= eps < lost(hi).
        let (mut lo, mut hi) = (0u32, horizon);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if mean_lost(mid)? <= eps {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(Some(f64::from(lo)))
    }
}

#[derive(Debug, Clone)]
pub struct SweepConfig {
    pub duration_days: u32,
    pub reps: usize,
    pub seed: u64,
    /// Value of one unit of lost output (e.g. USD per motor); not sourced → no value column.
    pub unit_value: Input,
    /// Also run each node for its own TTR to compute the risk-exposure index (doubles the runs).
    pub risk_exposure: bool,
    pub time_to_survive: bool,
}

impl SweepConfig {
    pub fn new(duration_days: u32, reps: usize, seed: u64) -> Self {
        Self {
            duration_days,
            reps,
            seed,
            unit_value: Input::not_sourced("value per unit of output"),
            risk_exposure: true,
            time_to_survive: true,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeResult {
    pub node: NodeRef,
    pub kind: &'static str,
    pub label: String,
    pub lost: Summary,
    /// Mean lost output over normal output during the outage (can exceed 1 with slow recovery).
    pub lost_share: f64,
    pub lost_value: Option<Summary>,
    pub ttr_days: f64,
    /// `None` = the network survives the loss indefinitely.
    pub tts_days: Option<f64>,
    /// TTS < TTR: inventories run out before the node is back.
    pub at_risk: bool,
    /// Mean lost output when down for its TTR (the REI's performance impact).
    pub impact_at_ttr: Option<f64>,
    pub rei: Option<f64>,
    /// Whether the paired (CRN) 95% interval of this node's loss minus the next-ranked node's
    /// excludes zero; `None` for the last node.
    pub separated_from_next: Option<bool>,
    pub reasons: Vec<String>,
    #[serde(skip)]
    pub samples: Vec<f64>,
}

fn run_checked(
    runner: &dyn KnockoutRunner,
    node: &NodeRef,
    duration: u32,
    cfg: &SweepConfig,
) -> Result<Vec<f64>, AnalysisError> {
    let v = runner.lost_output(&[*node], duration, cfg.reps, cfg.seed)?;
    if v.len() != cfg.reps {
        return Err(AnalysisError::ReplicationCount {
            expected: cfg.reps,
            got: v.len(),
        });
    }
    if let Some(bad) = v.iter().find(|x| !x.is_finite() || **x < 0.0) {
        return Err(AnalysisError::BadLoss {
            node: format!("{node:?}"),
            value: *bad,
        });
    }
    Ok(v)
}

/// Knocks out each node in turn and ranks them. `progress` is called after each node with the
/// number done (for a progress bar); labels are `Debug` forms until [`annotate`] fills them.
pub fn sweep(
    runner: &dyn KnockoutRunner,
    nodes: &[NodeRef],
    cfg: &SweepConfig,
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<NodeResult>, AnalysisError> {
    if cfg.duration_days == 0 {
        return Err(AnalysisError::ZeroDuration(0));
    }
    if cfg.reps == 0 {
        return Err(AnalysisError::ZeroReplications(0));
    }
    let unit_value = cfg.unit_value.checked(0.0, f64::MAX)?;
    let normal = runner.baseline_per_day() * f64::from(cfg.duration_days);
    let mut out = Vec::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        let samples = run_checked(runner, node, cfg.duration_days, cfg)?;
        let lost = Summary::of(&samples).ok_or(AnalysisError::ZeroReplications(0))?;
        let lost_value = unit_value
            .and_then(|v| Summary::of(&samples.iter().map(|x| x * v).collect::<Vec<_>>()));
        let ttr = runner.time_to_recover(node, cfg.duration_days);
        let tts = if cfg.time_to_survive {
            runner.time_to_survive(node, cfg.reps, cfg.seed)?
        } else {
            None
        };
        let impact_at_ttr = if cfg.risk_exposure {
            // Whole days, at least one: the runner counts in days.
            let d = ttr.ceil().clamp(1.0, f64::from(u32::MAX)) as u32;
            let v = run_checked(runner, node, d, cfg)?;
            Some(v.iter().sum::<f64>() / v.len() as f64)
        } else {
            None
        };
        out.push(NodeResult {
            node: *node,
            kind: node.kind(),
            label: format!("{node:?}"),
            lost_share: if normal > 0.0 {
                lost.mean / normal
            } else {
                0.0
            },
            lost,
            lost_value,
            ttr_days: ttr,
            at_risk: cfg.time_to_survive && tts.is_some_and(|s| s < ttr),
            tts_days: tts,
            impact_at_ttr,
            rei: None,
            separated_from_next: None,
            reasons: Vec::new(),
            samples,
        });
        progress(i + 1);
    }
    rank(&mut out);
    Ok(out)
}

/// Sorts by mean loss (largest first, ties by node), fills the REI and the paired comparison.
pub fn rank(results: &mut [NodeResult]) {
    // Equal losses (often none, when inventories outlast the outage) are ordered by how long the
    // network survives the node's loss: the shorter, the closer it is to being a chokepoint.
    let tts = |r: &NodeResult| r.tts_days.unwrap_or(f64::INFINITY);
    results.sort_by(|a, b| {
        b.lost
            .mean
            .total_cmp(&a.lost.mean)
            .then(tts(a).total_cmp(&tts(b)))
            .then(a.node.cmp(&b.node))
    });
    let max_pi = results
        .iter()
        .filter_map(|r| r.impact_at_ttr)
        .fold(0.0_f64, f64::max);
    for r in results.iter_mut() {
        r.rei = r
            .impact_at_ttr
            .map(|pi| if max_pi > 0.0 { pi / max_pi } else { 0.0 });
    }
    for i in 0..results.len() {
        results[i].separated_from_next = results.get(i + 1).and_then(|next| {
            let d = paired_difference(&results[i].samples, &next.samples)?;
            Some(d.ci_low > 0.0 || (d.sd == 0.0 && d.mean > 0.0))
        });
    }
}

/// Candidate nodes: operating or aggregate facilities, the (country, stage) pairs they form,
/// and the lanes between them — in that order.
pub fn candidates(
    world: &World,
    facilities: bool,
    country_stages: bool,
    lanes: bool,
) -> Vec<NodeRef> {
    let active = |id: FacilityId| {
        matches!(
            world.facilities.get(id).status,
            FacilityStatus::Operating | FacilityStatus::Aggregate
        )
    };
    let mut out = Vec::new();
    if facilities {
        out.extend(
            world
                .facilities
                .iter()
                .filter(|(id, _)| active(*id))
                .map(|(id, _)| NodeRef::Facility { id }),
        );
    }
    if country_stages {
        let pairs: BTreeSet<(CountryCode, Stage)> = world
            .facilities
            .iter()
            .filter(|(id, f)| active(*id) && f.stage != Stage::Stockpile)
            .map(|(_, f)| (f.country, f.stage))
            .collect();
        out.extend(
            pairs
                .into_iter()
                .map(|(country, stage)| NodeRef::CountryStage { country, stage }),
        );
    }
    if lanes {
        out.extend(
            world
                .lanes
                .iter()
                .filter(|(_, l)| active(l.from) && active(l.to))
                .map(|(id, _)| NodeRef::Lane { id }),
        );
    }
    out
}

/// Materials a facility makes: its capacities and recipe outputs.
fn outputs_of(world: &World, id: FacilityId) -> Vec<MaterialId> {
    let f = world.facilities.get(id);
    let mut v: Vec<MaterialId> = f.capacity_materials();
    for r in &f.recipes {
        v.extend(world.recipes.get(*r).outputs.iter().map(|l| l.material));
    }
    v.sort();
    v.dedup();
    v
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// Why a node matters, most telling first: the share of the analysed supply it removes, sole-
/// producer positions (overall, then outside China), the share of capacity it carries, sole
/// contracted supply lanes, published stage shares.
pub fn explain(world: &World, node: &NodeRef, lost_share: f64, context: &str) -> Vec<String> {
    let mut out = Vec::new();
    if lost_share > 0.0 {
        out.push(format!(
            "removes {} of {context} while down",
            pct(lost_share.min(1.0))
        ));
    }
    let active: Vec<FacilityId> = world
        .facilities
        .iter()
        .filter(|(_, f)| {
            matches!(
                f.status,
                FacilityStatus::Operating | FacilityStatus::Aggregate
            )
        })
        .map(|(id, _)| id)
        .collect();
    match *node {
        NodeRef::Facility { id } => {
            let f = world.facilities.get(id);
            let mut sole = Vec::new();
            let mut sole_ex_china = Vec::new();
            let mut big_share = Vec::new();
            for m in outputs_of(world, id) {
                let producers: Vec<FacilityId> = active
                    .iter()
                    .copied()
                    .filter(|p| outputs_of(world, *p).contains(&m))
                    .collect();
                let name = world.materials.get(m).name.clone();
                if producers == [id] {
                    sole.push(name);
                    continue;
                }
                if f.country != CountryCode::CHINA {
                    let ex: Vec<_> = producers
                        .iter()
                        .filter(|p| world.facilities.get(**p).country != CountryCode::CHINA)
                        .collect();
                    if ex.len() == 1 {
                        sole_ex_china.push(name.clone());
                    }
                }
                if let Some(cap) = f.capacity_for(m) {
                    let total: f64 = producers
                        .iter()
                        .filter_map(|p| world.facilities.get(*p).capacity_for(m))
                        .sum();
                    if total > 0.0 && cap / total >= 0.25 {
                        big_share.push(format!("{} of {name} capacity", pct(cap / total)));
                    }
                }
            }
            let list = |v: &[String]| {
                if v.len() > 4 {
                    format!("{} and {} more", v[..4].join(", "), v.len() - 4)
                } else {
                    v.join(", ")
                }
            };
            if !sole.is_empty() {
                out.push(format!("sole producer of {} ({})", list(&sole), f.stage));
            }
            if !sole_ex_china.is_empty() {
                out.push(format!(
                    "sole {} source of {} outside China",
                    f.stage,
                    list(&sole_ex_china)
                ));
            }
            if !big_share.is_empty() {
                out.push(format!("carries {}", list(&big_share)));
            }
            let sole_lanes: Vec<String> = world
                .lanes
                .iter()
                .filter(|(lid, l)| l.from == id && world.lane_share(*lid, None) >= 0.999)
                .map(|(_, l)| l)
                .map(|l| {
                    format!(
                        "{} to {}",
                        world.materials.get(l.material).name,
                        world.facilities.get(l.to).name
                    )
                })
                .collect();
            // Two examples are enough to say why; the count says how far it reaches.
            if !sole_lanes.is_empty() {
                let more = sole_lanes.len().saturating_sub(2);
                out.push(format!(
                    "sole contracted supplier of {}{}",
                    sole_lanes[..sole_lanes.len().min(2)].join("; "),
                    if more > 0 {
                        format!(" (+{more} more sole lanes)")
                    } else {
                        String::new()
                    }
                ));
            }
        }
        NodeRef::CountryStage { country, stage } => {
            if let Some(c) =
                world.stage_concentration(stage, crate::concentration::data_year(world))
                && let Some(s) = c.shares.iter().find(|s| s.country == country)
            {
                out.push(format!(
                    "carries {} of {stage} (published, {})",
                    pct(s.share),
                    c.label
                ));
            }
            let n = active
                .iter()
                .filter(|id| {
                    let f = world.facilities.get(**id);
                    f.country == country && f.stage == stage
                })
                .count();
            out.push(format!(
                "{n} facilit{} in the network",
                if n == 1 { "y" } else { "ies" }
            ));
        }
        NodeRef::Lane { id } => {
            let l = world.lanes.get(id);
            let (from, to) = (world.facilities.get(l.from), world.facilities.get(l.to));
            let m = &world.materials.get(l.material).name;
            let share = world.lane_share(id, None);
            if share >= 0.999 {
                out.push(format!("sole contracted lane for {m} into {}", to.name));
            } else {
                out.push(format!("carries {} of {}'s {m}", pct(share), to.name));
            }
            if from.country != to.country {
                out.push(format!(
                    "crosses the {} -> {} border",
                    from.country, to.country
                ));
            }
        }
    }
    out
}

/// Fills labels and reasons from the world.
pub fn annotate(world: &World, results: &mut [NodeResult], context: &str) {
    for r in results {
        r.label = r.node.label(world);
        r.reasons = explain(world, &r.node, r.lost_share, context);
    }
}
