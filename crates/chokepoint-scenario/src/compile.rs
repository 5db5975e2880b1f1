//! Compiles a `World` and a [`Scenario`] into a simulation network.
//!
//! One kernel node per (facility, output material). Lanes become edges into the customer's input
//! slot for that material, with the recipe's input per unit of output as BOM and the contracted
//! share as order share. A multi-output recipe (co-production at separation) becomes a leader
//! node (its largest output) and co-product members in the recipe's fixed proportions. Mines are
//! capacity-limited external supply. Capacities are annual figures / 365 per day, switched on
//! and off by the facility's start and end dates and ramped linearly over its ramp-up days.
//!
//! Two derived quantities make a dataset of annual capacities into a daily pull system, and both
//! are modelling assumptions reported in [`Compiled::assumptions`]:
//! * **regional split of sector demand.** The dataset gives sector demand for the world; it is
//!   spread over the assembly nodes that make the sector's end product in proportion to the
//!   output each could reach if every upstream plant ran at capacity and split its output over
//!   its customers by their contracted shares (a capacity push through the lane network);
//! * **baseline flows.** Sink demand is pulled upstream through BOMs and contracted shares
//!   (co-production leaders run for their most needed output); each node's base-stock level is
//!   (longest inbound lead time + days of cover) x its baseline daily flow.
//!
//! Invariant: every element of the scenario that names something in the world (facility,
//! material, element, country, stage, sector) is resolved here or reported as an error naming
//! the scenario field; nothing is silently ignored.

use crate::spec::{DisruptionKind as SK, RationingRule, Scenario, ScenarioError, Selector};
use chokepoint_core::facility::{FacilityId, FacilityStatus, LaneId, Stage};
use chokepoint_core::material::{MaterialForm, MaterialId};
use chokepoint_core::stockpile::ReleaseTrigger;
use chokepoint_core::{CountryCode, Element, World};
use chokepoint_sim::{
    BaseStock, Capacity, Demand, DisruptionKind, DisruptionProcess, DisruptionSpec, EdgeSpec,
    LicenceSpec, Network, NetworkBuilder, NodeId, NodeSpec, Rationing, StockpileSpec, Supply,
    Target,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// What a kernel node stands for.
#[derive(Debug, Clone)]
pub struct NodeMeta {
    pub name: String,
    /// `None` for stockpile nodes.
    pub facility: Option<FacilityId>,
    pub material: MaterialId,
    pub country: CountryCode,
    pub stage: Stage,
    /// Baseline daily flow (units of the material per day).
    pub baseline_per_day: f64,
    /// Dataset stockpile key, for stockpile nodes.
    pub stockpile: Option<String>,
}

/// A sink: an end-product node with external demand.
#[derive(Debug, Clone)]
pub struct SinkMeta {
    pub node: NodeId,
    pub sector: String,
    pub sector_name: String,
    pub country: CountryCode,
    pub units_per_day: f64,
}

/// Where one demand row was placed: the sink nodes and the part of its units each carries.
#[derive(Debug, Clone, Serialize)]
pub struct DemandPlacement {
    pub demand: String,
    pub sector: String,
    pub region: String,
    pub units_per_year: f64,
    /// (node name, part of the row's units); empty when no open node makes the product.
    pub nodes: Vec<(String, f64)>,
}

/// What a kernel edge stands for.
#[derive(Debug, Clone)]
pub struct EdgeMeta {
    pub lane: Option<LaneId>,
    /// The supplier's kernel node.
    pub from: NodeId,
    pub from_country: CountryCode,
    pub to_country: CountryCode,
    pub material: MaterialId,
    /// Baseline flow on the edge (units of the material per day; 0 for stockpile lanes).
    pub baseline_per_day: f64,
}

#[derive(Debug)]
pub struct Compiled {
    pub network: Network,
    /// The scenario's uncertain inputs and how a group of replications derives its network
    /// from [`Compiled::network`] (empty with fixed inputs).
    pub inputs: crate::inputs::InputPlan,
    /// Where each demand row of the year went (empty `nodes`: unserved).
    pub placements: Vec<DemandPlacement>,
    pub nodes: Vec<NodeMeta>,
    /// In [`Network::sinks`] order.
    pub sinks: Vec<SinkMeta>,
    pub edges: Vec<EdgeMeta>,
    /// Dataset stockpile keys, in [`Network::stockpile_nodes`] order.
    pub stockpiles: Vec<String>,
    /// The importing country of each licence process, in licence-key order.
    pub licence_importers: Vec<CountryCode>,
    /// The material each licence process covers, in licence-key order.
    pub licence_materials: Vec<MaterialId>,
    /// The exporting country of each licence process, in licence-key order.
    pub licence_exporters: Vec<CountryCode>,
    /// Origin labels (countries of mining) when origin tracing is on; empty otherwise.
    pub origin_labels: Vec<CountryCode>,
    pub horizon: u32,
    /// Derived inputs the results depend on, stated for the report.
    pub assumptions: Vec<String>,
    /// Things in the world the network could not use (an input without a supplier, ...).
    pub warnings: Vec<String>,
}

impl Compiled {
    /// The long run of the network with its disruptions in force for good, at the capacities
    /// of the last day: the simulator's steady state once stocks are spent
    /// ([`chokepoint_sim::steady`]).
    pub fn long_run(&self) -> Result<chokepoint_sim::steady::LongRun, chokepoint_sim::ConfigError> {
        chokepoint_sim::steady::long_run(&self.network, self.horizon.saturating_sub(1))
    }
}

fn invalid(file: &str, field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid {
        file: file.to_string(),
        field: field.into(),
        message: message.into(),
    }
}

struct Plan {
    /// (facility, material) -> the nodes making it (one per recipe route).
    index: HashMap<(FacilityId, MaterialId), Vec<usize>>,
    nodes: Vec<NodeMeta>,
    /// Per node: the recipe inputs per unit of the node's output (empty for members and mines).
    inputs: Vec<Vec<(MaterialId, f64)>>,
    /// (leader, member, ratio)
    coproducts: Vec<(usize, usize, f64)>,
    /// Per node: annual capacity in units of the node's output (shared by a facility's routes).
    capacity: Vec<Option<f64>>,
    is_mine: Vec<bool>,
    /// (supplier node, customer node, lane, bom, weight = the lane's contracted share)
    links: Vec<(usize, usize, LaneId, f64, f64)>,
}

fn plan(world: &World, start: chokepoint_core::Date, warnings: &mut Vec<String>) -> Plan {
    let mut p = Plan {
        index: HashMap::new(),
        nodes: Vec::new(),
        inputs: Vec::new(),
        coproducts: Vec::new(),
        capacity: Vec::new(),
        is_mine: Vec::new(),
        links: Vec::new(),
    };
    let add = |p: &mut Plan, fid: FacilityId, m: MaterialId, route: usize| -> usize {
        let f = world.facilities.get(fid);
        let i = p.nodes.len();
        let name = if route == 0 {
            format!("{}:{}", f.key, world.materials.get(m).key)
        } else {
            format!("{}#{}:{}", f.key, route + 1, world.materials.get(m).key)
        };
        p.nodes.push(NodeMeta {
            name,
            facility: Some(fid),
            material: m,
            country: f.country,
            stage: f.stage,
            baseline_per_day: 0.0,
            stockpile: None,
        });
        p.inputs.push(Vec::new());
        p.capacity
            .push(f.capacity_known_on(m, start).map(|c| c.per_year));
        p.is_mine.push(false);
        p.index.entry((fid, m)).or_default().push(i);
        i
    };
    for (fid, f) in world.facilities.iter() {
        // Each recipe is a route: a plant fed with several ores runs one process per feed, and
        // their outputs are pooled downstream (see `edge shares`).
        for (route, rid) in f.recipes.iter().enumerate() {
            let r = world.recipes.get(*rid);
            let Some((leader_m, leader_q)) = r
                .outputs
                .iter()
                .max_by(|a, b| a.quantity.total_cmp(&b.quantity))
                .map(|l| (l.material, l.quantity))
            else {
                continue;
            };
            if leader_q <= 0.0 {
                continue;
            }
            let leader = add(&mut p, fid, leader_m, route);
            p.is_mine[leader] = world.is_extraction(r);
            p.inputs[leader] = r
                .inputs
                .iter()
                .map(|l| (l.material, l.quantity / leader_q))
                .collect();
            for out in r
                .outputs
                .iter()
                .filter(|o| o.material != leader_m && o.quantity > 0.0)
            {
                let member = add(&mut p, fid, out.material, route);
                p.coproducts.push((leader, member, out.quantity / leader_q));
            }
        }
        // Capacities for outputs no recipe makes (a mine given only as capacity).
        for c in &f.capacities {
            if !p.index.contains_key(&(fid, c.material)) && f.stage == Stage::Mining {
                let i = add(&mut p, fid, c.material, 0);
                p.is_mine[i] = true;
            }
        }
    }
    // A co-production leader's capacity: the tightest of its outputs' capacities, in leader units.
    for &(leader, member, ratio) in &p.coproducts {
        if let Some(cap_m) = p.capacity[member] {
            let as_leader = cap_m / ratio;
            p.capacity[leader] = Some(p.capacity[leader].map_or(as_leader, |c| c.min(as_leader)));
        }
    }
    for (lid, lane) in world.lanes.iter() {
        let Some(suppliers) = p.index.get(&(lane.from, lane.material)).cloned() else {
            warnings.push(format!(
                "lane `{}`: supplier makes no `{}` in the network",
                lane.key,
                world.materials.get(lane.material).key
            ));
            continue;
        };
        let customers: Vec<(usize, f64)> = (0..p.nodes.len())
            .filter(|&i| p.nodes[i].facility == Some(lane.to))
            .filter_map(|i| {
                p.inputs[i]
                    .iter()
                    .find(|(m, _)| *m == lane.material)
                    .map(|(_, bom)| (i, *bom))
            })
            .collect();
        if customers.is_empty() {
            warnings.push(format!(
                "lane `{}`: customer has no recipe using `{}`",
                lane.key,
                world.materials.get(lane.material).key
            ));
        }
        for &s in &suppliers {
            for &(c, bom) in &customers {
                p.links
                    .push((s, c, lid, bom, world.lane_share(lid, Some(start))));
            }
        }
    }
    p
}

/// Topological order of plan nodes (suppliers first). Nodes on a cycle come last, in index
/// order.
fn topo(p: &Plan) -> Vec<usize> {
    let n = p.nodes.len();
    let mut indeg = vec![0usize; n];
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(s, c, ..) in &p.links {
        out[s].push(c);
        indeg[c] += 1;
    }
    // Members depend on their leader.
    for &(l, m, _) in &p.coproducts {
        out[l].push(m);
        indeg[m] += 1;
    }
    let mut order = Vec::with_capacity(n);
    let mut ready: Vec<usize> = (0..n).filter(|&i| indeg[i] == 0).rev().collect();
    while let Some(i) = ready.pop() {
        order.push(i);
        for &c in &out[i] {
            indeg[c] -= 1;
            if indeg[c] == 0 {
                ready.push(c);
            }
        }
    }
    if order.len() < n {
        let seen: std::collections::HashSet<usize> = order.iter().copied().collect();
        order.extend((0..n).filter(|i| !seen.contains(i)));
    }
    order
}

/// How a facility's output of a material divides over its recipe routes (a separation plant fed
/// with several ores runs one route per feed): in proportion to the output each route could
/// reach with every plant upstream at capacity, each supplier dividing its output over its
/// customers by the lanes' contracted shares and each process limited by its scarcest input.
/// This is a feed mix within one plant only; how customers divide their orders over plants is
/// the lanes' contracted share, read from the data. `available` scales each node's capacity (0
/// for a plant not open on the start date). Returns, per node, its share of its facility's
/// output of its material (1 for a single route).
fn route_shares(p: &Plan, order: &[usize], available: &[f64]) -> Vec<f64> {
    let n = p.nodes.len();
    let member_of: HashMap<usize, (usize, f64)> =
        p.coproducts.iter().map(|&(l, m, r)| (m, (l, r))).collect();
    let mut out_weight = vec![0.0; n];
    for &(s, _, _, _, w) in &p.links {
        out_weight[s] += w;
    }
    let mut out_links: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, &(s, ..)) in p.links.iter().enumerate() {
        out_links[s].push(k);
    }
    // Each route's reach with the whole facility capacity available to it.
    let mut reach = vec![0.0; n];
    let mut inflow: Vec<HashMap<MaterialId, f64>> = vec![HashMap::new(); n];
    for &i in order {
        let cap = p.capacity[i].unwrap_or(f64::INFINITY) * available[i];
        let made = if p.is_mine[i] {
            cap
        } else if let Some(&(leader, ratio)) = member_of.get(&i) {
            reach[leader] * ratio
        } else if p.inputs[i].is_empty() {
            0.0
        } else {
            p.inputs[i]
                .iter()
                .map(|(m, bom)| inflow[i].get(m).copied().unwrap_or(0.0) / bom)
                .fold(f64::INFINITY, f64::min)
                .min(cap)
        };
        reach[i] = if made.is_finite() { made } else { 0.0 };
        if out_weight[i] > 0.0 {
            for &k in &out_links[i] {
                let (_, c, _, _, w) = p.links[k];
                *inflow[c].entry(p.nodes[i].material).or_default() += reach[i] * w / out_weight[i];
            }
        }
    }
    let mut share = vec![1.0; n];
    for routes in p.index.values() {
        if routes.len() > 1 {
            let total: f64 = routes.iter().map(|&i| reach[i]).sum();
            for &i in routes {
                share[i] = if total > 0.0 {
                    reach[i] / total
                } else {
                    1.0 / routes.len() as f64
                };
            }
        }
    }
    share
}

fn selector_countries(
    list: &[String],
    file: &str,
    field: &str,
    world: &World,
) -> Result<Vec<CountryCode>, ScenarioError> {
    list.iter()
        .map(|c| {
            let code: CountryCode =
                c.parse()
                    .map_err(|e: chokepoint_core::geo::BadCountryCode| {
                        invalid(file, field, e.to_string())
                    })?;
            if world.country(code).is_none() {
                return Err(invalid(
                    file,
                    field,
                    format!("country `{code}` is not in the dataset"),
                ));
            }
            Ok(code)
        })
        .collect()
}

struct LaneFilter {
    from: Vec<CountryCode>,
    to: Vec<CountryCode>,
    not_to: Vec<CountryCode>,
    materials: Vec<MaterialId>,
    elements: Vec<Element>,
    forms: Vec<MaterialForm>,
}

impl LaneFilter {
    fn new(s: &Selector, file: &str, field: &str, world: &World) -> Result<Self, ScenarioError> {
        let materials = s
            .materials
            .iter()
            .map(|m| {
                world.materials.lookup(m).ok_or_else(|| {
                    invalid(
                        file,
                        format!("{field}.materials"),
                        format!("material `{m}` is not in the dataset"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let elements = s
            .elements
            .iter()
            .map(|e| {
                e.parse::<Element>()
                    .map_err(|err| invalid(file, format!("{field}.elements"), err.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let forms = s
            .forms
            .iter()
            .map(|f| {
                f.parse::<MaterialForm>()
                    .map_err(|e| invalid(file, format!("{field}.forms"), e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            from: selector_countries(
                &s.from_countries,
                file,
                &format!("{field}.from_countries"),
                world,
            )?,
            to: selector_countries(
                &s.to_countries,
                file,
                &format!("{field}.to_countries"),
                world,
            )?,
            not_to: selector_countries(
                &s.not_to_countries,
                file,
                &format!("{field}.not_to_countries"),
                world,
            )?,
            materials,
            elements,
            forms,
        })
    }

    fn matches(&self, world: &World, from: CountryCode, to: CountryCode, m: MaterialId) -> bool {
        let mat = world.materials.get(m);
        (self.from.is_empty() || self.from.contains(&from))
            && (self.to.is_empty() || self.to.contains(&to))
            && !self.not_to.contains(&to)
            && (self.materials.is_empty() || self.materials.contains(&m))
            && (self.elements.is_empty() || self.elements.iter().any(|e| mat.content.get(*e) > 0.0))
            && (self.forms.is_empty() || self.forms.contains(&mat.form))
    }
}

fn rationing_of(r: RationingRule) -> Rationing {
    match r {
        RationingRule::InOrder => Rationing::InOrder,
        RationingRule::ProRata => Rationing::ProRata,
        RationingRule::DomesticFirst => Rationing::DomesticFirst,
        RationingRule::SectorPriority => Rationing::SectorPriority,
    }
}

/// Compiles `scenario` on `world`. `file` names the scenario in error messages.
pub fn compile(world: &World, scenario: &Scenario, file: &str) -> Result<Compiled, ScenarioError> {
    let mut warnings = Vec::new();
    let mut assumptions = Vec::new();
    let p = plan(world, scenario.start, &mut warnings);
    let order = topo(&p);
    let n = p.nodes.len();
    let horizon = u32::try_from(scenario.horizon_days)
        .map_err(|_| invalid(file, "horizon_days", "too long"))?;

    // ---- rationing and inventory settings, resolved up front so errors surface early.
    let mut rationing: HashMap<CountryCode, Rationing> = HashMap::new();
    let mut default_rationing = Rationing::ProRata;
    for (k, r) in &scenario.rationing {
        if k == "default" {
            default_rationing = rationing_of(*r);
        } else {
            let c = selector_countries(
                std::slice::from_ref(k),
                file,
                &format!("rationing.{k}"),
                world,
            )?;
            rationing.insert(c[0], rationing_of(*r));
        }
    }
    let mut inputs = crate::inputs::InputPlan::default();
    // A run with fixed inputs uses every range's central value and draws nothing.
    let fixed = scenario.fixed_inputs;
    let drawn = |inputs: &mut crate::inputs::InputPlan, name: &str, v: &crate::spec::Uncertain| {
        if fixed {
            None
        } else {
            inputs.register(name, v)
        }
    };
    let mut cover_by_stage: HashMap<Stage, (f64, Option<usize>)> = HashMap::new();
    let default_cover = (
        scenario.inventory.days_of_cover.central(),
        drawn(
            &mut inputs,
            "inventory.days_of_cover",
            &scenario.inventory.days_of_cover,
        ),
    );
    let demand_cv = (
        scenario.inventory.demand_cv.central(),
        drawn(
            &mut inputs,
            "inventory.demand_cv",
            &scenario.inventory.demand_cv,
        ),
    );
    for (stage, d) in &scenario.inventory.by_stage {
        let st: Stage = stage
            .parse()
            .map_err(|e: chokepoint_core::facility::UnknownStage| {
                invalid(file, format!("inventory.by_stage.{stage}"), e.to_string())
            })?;
        let input = drawn(&mut inputs, &format!("inventory.by_stage.{stage}"), d);
        cover_by_stage.insert(st, (d.central(), input));
    }
    for sector in scenario.unit_value_usd.keys() {
        if world.sectors.lookup(sector).is_none() {
            return Err(invalid(
                file,
                format!("unit_value_usd.{sector}"),
                format!("sector `{sector}` is not in the dataset"),
            ));
        }
    }

    // ---- sinks: sector demand placed on end-product nodes, scaled to what the network reaches.
    // Plants count with what they have on the first day: one opening later adds slack, it does
    // not carry baseline demand.
    let available: Vec<f64> = p
        .nodes
        .iter()
        .map(|m| {
            let Some(f) = m.facility.map(|f| world.facilities.get(f)) else {
                return 1.0;
            };
            if matches!(
                f.status,
                FacilityStatus::Planned | FacilityStatus::Construction | FacilityStatus::Closed
            ) && f.start.is_none()
            {
                0.0
            } else {
                f.availability_on(scenario.start)
            }
        })
        .collect();
    let route_share = route_shares(&p, &order, &available);
    let year = scenario
        .demand_year
        .or_else(|| world.demand.values().map(|d| d.year).max());
    let mut sink_demand: BTreeMap<usize, (String, String, f64)> = BTreeMap::new();
    let mut placements: Vec<DemandPlacement> = Vec::new();
    // A world row is the published total when the sector has country rows that year; it is
    // placed only when it is the sector's sole row.
    let has_country_rows: std::collections::HashSet<_> = world
        .demand
        .values()
        .filter(|d| Some(d.year) == year && d.region != "WLD")
        .map(|d| d.sector)
        .collect();
    for d in world.demand.values().filter(|d| Some(d.year) == year) {
        let sector = world.sectors.get(d.sector);
        let (Some(product), Some(units)) = (sector.end_product, d.units) else {
            continue;
        };
        if d.region == "WLD" && has_country_rows.contains(&d.sector) {
            continue;
        }
        let region = world
            .regions
            .lookup(&d.region)
            .map(|r| world.regions.get(r));
        let in_region = |c: CountryCode| match region {
            Some(r) => r.contains(c),
            None => d.region == c.as_str(),
        };
        let candidates: Vec<usize> = (0..n)
            .filter(|&i| p.nodes[i].material == product && in_region(p.nodes[i].country))
            .filter(|&i| available[i] > 0.0)
            .collect();
        let mut placement = DemandPlacement {
            demand: d.key.clone(),
            sector: sector.key.clone(),
            region: d.region.clone(),
            units_per_year: units,
            nodes: Vec::new(),
        };
        if candidates.is_empty() {
            warnings.push(format!(
                "demand `{}`: no open node in {} makes `{}`; its {units} units/yr are unserved",
                d.key,
                d.region,
                world.materials.get(product).key
            ));
            placements.push(placement);
            continue;
        }
        // Several assemblers of the product in one country share its demand by capacity where
        // every one has a capacity, else equally (reported).
        let caps: Vec<Option<f64>> = candidates.iter().map(|&i| p.capacity[i]).collect();
        let weights: Vec<f64> = if caps.iter().all(Option::is_some) {
            caps.iter().map(|c| c.unwrap_or(0.0)).collect()
        } else {
            vec![1.0; candidates.len()]
        };
        let total: f64 = weights.iter().sum();
        for (&i, &w) in candidates.iter().zip(&weights) {
            let part = if total > 0.0 {
                w / total
            } else {
                1.0 / candidates.len() as f64
            };
            let e = sink_demand
                .entry(i)
                .or_insert((sector.key.clone(), sector.name.clone(), 0.0));
            e.2 += units * part / 365.0;
            placement.nodes.push((p.nodes[i].name.clone(), part));
        }
        if candidates.len() > 1 {
            assumptions.push(format!(
                "demand `{}` ({units} units/yr, {}) split over {} assembly nodes by {}: {}",
                d.key,
                d.region,
                candidates.len(),
                if total > 0.0 && caps.iter().all(Option::is_some) {
                    "capacity"
                } else {
                    "equal parts"
                },
                placement
                    .nodes
                    .iter()
                    .map(|(name, part)| format!("{name} {:.1}%", 100.0 * part))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        placements.push(placement);
    }

    // ---- order shares per input slot: the lanes' contracted shares (the customer's inbound
    // split, from trade and company data), over the suppliers open on the start date; a
    // supplier's share is split over its recipe routes by the feed each route can reach.
    // A `capacity` share follows what the supplier can make on the start date.
    let weight = |&(s, _, lid, _, w): &(usize, usize, LaneId, f64, f64)| {
        let open = if world.lanes.get(lid).share_by_capacity {
            available[s]
        } else {
            1.0
        };
        w * route_share[s] * open
    };
    let mut slot_open: BTreeMap<(usize, MaterialId), f64> = BTreeMap::new();
    let mut slot_links: BTreeMap<(usize, MaterialId), usize> = BTreeMap::new();
    for l in &p.links {
        let (s, c) = (l.0, l.1);
        if available[s] > 0.0 {
            *slot_open.entry((c, p.nodes[s].material)).or_default() += weight(l);
            *slot_links.entry((c, p.nodes[s].material)).or_default() += 1;
        }
    }
    let link_share: Vec<f64> = p
        .links
        .iter()
        .map(|l| {
            let (s, c) = (l.0, l.1);
            let key = (c, p.nodes[s].material);
            match slot_open.get(&key) {
                _ if available[s] <= 0.0 => 0.0,
                Some(&total) if total > 0.0 => weight(l) / total,
                _ => 1.0 / slot_links.get(&key).copied().unwrap_or(1) as f64,
            }
        })
        .collect();
    for (&(c, m), &total) in &slot_open {
        let contracted: f64 = p
            .links
            .iter()
            .filter(|l| l.1 == c && p.nodes[l.0].material == m)
            .map(|l| l.4 * route_share[l.0])
            .sum();
        if contracted > 0.0 && total < contracted - 1e-9 {
            assumptions.push(format!(
                "{} buys `{}`: {:.0}% of its contracted suppliers' share is not open on the start date; the open suppliers take it pro rata",
                p.nodes[c].name,
                world.materials.get(m).key,
                100.0 * (1.0 - total / contracted)
            ));
        }
    }

    // ---- baseline flows: pull sink demand upstream through BOMs and order shares.
    let mut required = vec![0.0; n];
    for (&i, (_, _, per_day)) in &sink_demand {
        required[i] += per_day;
    }
    let leader_of: HashMap<usize, (usize, f64)> =
        p.coproducts.iter().map(|&(l, m, r)| (m, (l, r))).collect();
    for &i in order.iter().rev() {
        if let Some(&(l, r)) = leader_of.get(&i) {
            // A leader runs for its most needed output.
            required[l] = required[l].max(required[i] / r);
            continue;
        }
        for (k, &(s, c, _, bom, _)) in p.links.iter().enumerate() {
            if c == i {
                required[s] += required[i] * bom * link_share[k];
            }
        }
    }
    for &(l, m, r) in &p.coproducts {
        required[m] = required[m].max(required[l] * r);
    }
    let mut nodes = p.nodes.clone();
    for i in 0..n {
        nodes[i].baseline_per_day = required[i];
    }
    // Demand is not scaled to what the network can make: where the baseline asks a plant for
    // more than its capacity, the shortfall is structural and shows in every scenario.
    for i in (0..n).filter(|&i| !leader_of.contains_key(&i)) {
        if let Some(cap) = p.capacity[i] {
            let open = cap * available[i];
            if required[i] * 365.0 > open * (1.0 + 1e-9) {
                warnings.push(format!(
                    "structural shortfall: {} is asked for {:.0} units/yr in the baseline but can make {:.0} on the start date",
                    p.nodes[i].name,
                    required[i] * 365.0,
                    open
                ));
            }
        }
    }
    // A node without baseline flow is inert in every scenario: order shares are fixed, and the
    // pull gives a node flow whenever any customer with flow orders from it. Leaving such nodes
    // out of the kernel (unsold co-products, feeds nobody ships) changes no reported number and
    // roughly halves the work per day.
    let keep: Vec<bool> = (0..n).map(|i| required[i] > 0.0).collect();
    let mut kid: Vec<u32> = vec![u32::MAX; n];
    let mut kernel_nodes: Vec<NodeMeta> = Vec::new();
    for i in (0..n).filter(|&i| keep[i]) {
        kid[i] = u32::try_from(kernel_nodes.len()).unwrap_or(u32::MAX);
        kernel_nodes.push(nodes[i].clone());
    }
    let plan_of: Vec<usize> = (0..n).filter(|&i| keep[i]).collect();
    let link_kept = |k: usize| keep[p.links[k].0] && keep[p.links[k].1];

    // ---- kernel nodes.
    let mut b = NetworkBuilder::new();
    let country_index: HashMap<CountryCode, u16> = world
        .countries
        .values()
        .enumerate()
        .map(|(i, c)| (c.code, u16::try_from(i).unwrap_or(u16::MAX)))
        .collect();
    let mut lead_in: Vec<i64> = (0..n)
        .map(|i| {
            p.links
                .iter()
                .filter(|l| l.1 == i)
                .map(|l| i64::from(world.lanes.get(l.2).lead_time.0))
                .max()
                .unwrap_or(1)
        })
        .collect();
    // A co-product is replenished through its leader's inputs, so it needs the leader's lead
    // time covered too (a member stocked for 1 day of lead time would run short for good).
    for &(l, m, _) in &p.coproducts {
        lead_in[m] = lead_in[m].max(lead_in[l]);
    }
    let start = scenario.start;
    let mut origin_labels: Vec<CountryCode> = Vec::new();
    for i in (0..n).filter(|&i| keep[i]) {
        let meta = &nodes[i];
        let fac = meta.facility.map(|f| world.facilities.get(f));
        let (cover, cover_input) = cover_by_stage
            .get(&meta.stage)
            .copied()
            .unwrap_or(default_cover);
        let s_level = (lead_in[i] as f64 + cover) * required[i];
        if let Some(input) = cover_input {
            inputs.cover(NodeId(kid[i]), lead_in[i] as f64, required[i], input);
        }
        let mut spec = NodeSpec::new(meta.name.clone())
            .country(country_index.get(&meta.country).copied().unwrap_or(0))
            .rationing(
                rationing
                    .get(&meta.country)
                    .copied()
                    .unwrap_or(default_rationing),
            );
        spec.base_stock = BaseStock::Level(s_level);
        // The run starts in the baseline's steady state: pipelines full at the baseline flows
        // and on-hand at the base stock less the pipeline, so a policy-free run ships its
        // baseline flows from day 0 (a member reads its leader's activity).
        if !leader_of.contains_key(&i) {
            spec.steady_activity = Some(required[i]);
        }
        if let Some(cap) = p.capacity[i].filter(|_| !leader_of.contains_key(&i)) {
            let mut c = Capacity::constant(cap / 365.0);
            if let Some(f) = fac {
                // A planned plant without a start date never opens within the horizon.
                if matches!(
                    f.status,
                    FacilityStatus::Planned | FacilityStatus::Construction
                ) && f.start.is_none()
                {
                    c.per_period = 0.0;
                }
                if let Some(s) = f.start {
                    c.open_at = i64::from((s - start).get_days()).max(0);
                    if f.start.is_some_and(|s| s > start) {
                        c.ramp_periods = i64::from(f.ramp_up.0);
                    }
                }
                if let Some(e) = f.end {
                    c.close_at = Some(i64::from((e - start).get_days()).max(0));
                }
            }
            spec.capacity = c;
        }
        if p.is_mine[i] {
            spec.supply = Supply::External { lead_time: 1 };
            if scenario.trace_origin {
                let label = origin_labels
                    .iter()
                    .position(|c| *c == meta.country)
                    .unwrap_or_else(|| {
                        origin_labels.push(meta.country);
                        origin_labels.len() - 1
                    });
                spec.origin = Some(u16::try_from(label).unwrap_or(u16::MAX));
            }
        }
        if let Some((sector_key, _, per_day)) = sink_demand.get(&i) {
            let sector = world
                .sectors
                .lookup(sector_key)
                .map(|s| world.sectors.get(s));
            spec.demand_priority = sector.map_or(255, |s| u8::try_from(s.priority).unwrap_or(255));
            if let Some(input) = demand_cv.1 {
                inputs.demand(NodeId(kid[i]), *per_day, input);
            }
            spec.demand = Some(if demand_cv.0 > 0.0 || demand_cv.1.is_some() {
                Demand::Random(chokepoint_sim::Dist::Normal {
                    mean: *per_day,
                    sd: per_day * demand_cv.0,
                })
            } else {
                Demand::Constant(*per_day)
            });
        }
        b.node(spec);
    }
    if scenario.trace_origin {
        b.origin_labels(u16::try_from(origin_labels.len()).unwrap_or(u16::MAX));
    }
    for &(l, m, r) in p.coproducts.iter().filter(|c| keep[c.0] && keep[c.1]) {
        b.coproduct(NodeId(kid[l]), NodeId(kid[m]), r);
    }

    // ---- licensing: per (importer, material) a regime's `applications` licence processes,
    // application a covering part a of every controlled lane to that importer.
    let mut licence_of_link: Vec<Vec<chokepoint_sim::LicenceKey>> = vec![Vec::new(); p.links.len()];
    let mut licence_importers: Vec<CountryCode> = Vec::new();
    let mut licence_materials: Vec<MaterialId> = Vec::new();
    let mut licence_exporters: Vec<CountryCode> = Vec::new();
    for (li_idx, lic) in scenario.licensing.iter().enumerate() {
        let field = format!("licensing[{li_idx}] ({})", lic.name);
        let exporter = selector_countries(
            std::slice::from_ref(&lic.exporter),
            file,
            &format!("{field}.exporter"),
            world,
        )?[0];
        let filter = LaneFilter::new(&lic.selector, file, &field, world)?;
        let from = lic.from.ok_or_else(|| {
            invalid(file, format!("{field}.from"), "not set: give `from`, or a `measure` resolved against the rule timeline (the CLI does this)")
        })?;
        // A content rule reads the traced share of one country of mining (validated: origin
        // tracing is on). No mine of that country in the network: nothing carries its content,
        // so the rule exempts every shipment.
        let content_rule = match &lic.content_rule {
            None => None,
            Some(r) => {
                let origin = selector_countries(
                    std::slice::from_ref(&r.origin),
                    file,
                    &format!("{field}.content_rule.origin"),
                    world,
                )?[0];
                // The goods a lane ships are one material whose listed content is the goods
                // themselves (a magnet, an alloy, an oxide): their listed lines are all of their
                // value, so the value test reads as an origin share of the traced content.
                // Components carry their magnets as a part of their value that the dataset does
                // not give; they are read the same way (the strictest reading) and flagged below.
                let min_share = chokepoint_rules::content::min_origin_share(r.min_share, 1.0)
                    .unwrap_or(f64::INFINITY);
                match origin_labels.iter().position(|c| *c == origin) {
                    Some(label) => Some(chokepoint_sim::ContentRule {
                        label: u16::try_from(label).unwrap_or(u16::MAX),
                        min_share,
                    }),
                    None => {
                        warnings.push(format!(
                            "{field}: no mine of {} in the network, so no goods carry its content; the content rule exempts every shipment",
                            r.origin
                        ));
                        continue;
                    }
                }
            }
        };
        let mut keys: BTreeMap<(CountryCode, MaterialId), Vec<chokepoint_sim::LicenceKey>> =
            BTreeMap::new();
        let approval_input = drawn(
            &mut inputs,
            &format!("licensing[{li_idx}].approval_probability"),
            &lic.approval_probability,
        );
        let validity_input = drawn(
            &mut inputs,
            &format!("licensing[{li_idx}].validity_days"),
            &lic.validity_days,
        );
        let mut controlled = 0usize;
        for (li, &(s, c, ..)) in p.links.iter().enumerate() {
            if !link_kept(li) {
                continue;
            }
            let (fc, tc, m) = (nodes[s].country, nodes[c].country, nodes[s].material);
            if fc != exporter || tc == exporter || !filter.matches(world, fc, tc, m) {
                continue;
            }
            if content_rule.is_some()
                && matches!(
                    world.materials.get(m).form,
                    MaterialForm::Component | MaterialForm::EndProduct
                )
            {
                let w = format!(
                    "{field}: content rule on {}: the dataset gives no share of its value in magnets, so the goods are read as all listed content (the strictest reading)",
                    world.materials.get(m).key
                );
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
            let app_keys = keys.entry((tc, m)).or_insert_with(|| {
                // A regime in force before the start applies from day 0.
                (0..lic.applications)
                    .map(|_| {
                        licence_importers.push(tc);
                        licence_materials.push(m);
                        licence_exporters.push(fc);
                        let key = b.licence(LicenceSpec {
                            required_from: scenario.day_of(from).max(0),
                            required_until: lic.until.map(|u| scenario.day_of(u).max(0)),
                            review: lic.review_days.to_sim(),
                            approval_probability: lic.approval_probability.central(),
                            validity: (lic.validity_days.central().round() as i64).max(1),
                            general_licence_from: lic
                                .general_licence_from
                                .map(|g| scenario.day_of(g).max(0)),
                            content_rule,
                        });
                        if let Some(i) = approval_input {
                            inputs.approval(key, i);
                        }
                        if let Some(i) = validity_input {
                            inputs.validity(key, i);
                        }
                        key
                    })
                    .collect()
            });
            licence_of_link[li] = app_keys.clone();
            controlled += 1;
        }
        if controlled == 0 {
            warnings.push(format!(
                "{field}: no lane of the network is controlled by it"
            ));
        }
    }

    // ---- edges, one input slot per (customer, material).
    let mut slot_of: HashMap<(usize, MaterialId), u32> = HashMap::new();
    let mut edges = Vec::new();
    // A licensed link becomes one edge per application, each with an equal part of its share.
    let mut edge_of_link: Vec<Vec<chokepoint_sim::EdgeId>> = Vec::new();
    for (k, &(s, c, lid, bom, _)) in p.links.iter().enumerate() {
        if !link_kept(k) {
            edge_of_link.push(Vec::new());
            continue;
        }
        let next = slot_of.len() as u32;
        let slot = *slot_of.entry((c, nodes[s].material)).or_insert(next);
        let lane = world.lanes.get(lid);
        let apps: Vec<Option<chokepoint_sim::LicenceKey>> = if licence_of_link[k].is_empty() {
            vec![None]
        } else {
            licence_of_link[k].iter().copied().map(Some).collect()
        };
        let part = link_share[k] / apps.len() as f64;
        let mut ids = Vec::with_capacity(apps.len());
        for key in apps {
            let mut spec =
                EdgeSpec::new(NodeId(kid[s]), NodeId(kid[c]), i64::from(lane.lead_time.0))
                    .bom(bom)
                    .slot(slot)
                    .share(part);
            if let Some(key) = key {
                spec = spec.licence(key);
            }
            ids.push(b.edge(spec));
            edges.push(EdgeMeta {
                lane: Some(lid),
                from: NodeId(kid[s]),
                from_country: nodes[s].country,
                to_country: nodes[c].country,
                material: nodes[s].material,
                baseline_per_day: required[c] * bom * part,
            });
        }
        edge_of_link.push(ids);
    }

    // ---- stockpiles.
    let mut stockpile_keys = Vec::new();
    if scenario.stockpiles {
        for sp in world.stockpiles.values() {
            if let Some(date) = scenario.known_before
                && published_after(world, &sp.provenance, date)
            {
                warnings.push(format!(
                    "stockpile `{}`: every source was published on or after {date}; left out of a run that may know only what was published before",
                    sp.key
                ));
                continue;
            }
            let eligible: Vec<usize> = (0..n)
                .filter(|&i| keep[i])
                .filter(|&i| p.inputs[i].iter().any(|(m, _)| *m == sp.material))
                .filter(|&i| {
                    let f = nodes[i].facility;
                    if sp.eligible_facilities.is_empty() && sp.eligible_countries.is_empty() {
                        nodes[i].country == sp.owner
                    } else {
                        f.is_some_and(|f| sp.eligible_facilities.contains(&f))
                            || sp.eligible_countries.contains(&nodes[i].country)
                    }
                })
                .filter(|&i| slot_of.contains_key(&(i, sp.material)))
                .collect();
            if eligible.is_empty() {
                warnings.push(format!("stockpile `{}`: no eligible facility in the network uses its material; left out", sp.key));
                continue;
            }
            let daily_use: f64 = eligible
                .iter()
                .map(|&i| {
                    let bom = p.inputs[i]
                        .iter()
                        .find(|(m, _)| *m == sp.material)
                        .map_or(0.0, |x| x.1);
                    required[i] * bom
                })
                .sum();
            let initial = match (sp.quantity, sp.days_of_cover) {
                (Some(q), _) => q,
                (None, Some(days)) => {
                    assumptions.push(format!(
                        "stockpile `{}`: {days} days x modelled daily use {daily_use:.3} = {:.1}",
                        sp.key,
                        days * daily_use
                    ));
                    days * daily_use
                }
                (None, None) => 0.0,
            };
            let (release_from, on_shortage) = match sp.trigger {
                ReleaseTrigger::Shortage => (None, true),
                // A release date before the start releases from day 0.
                ReleaseTrigger::Date(d) => (Some(i64::from((d - start).get_days()).max(0)), false),
            };
            let node = b.node(
                NodeSpec::new(format!("stockpile:{}", sp.key))
                    .country(country_index.get(&sp.location).copied().unwrap_or(0))
                    .stockpile(StockpileSpec {
                        initial,
                        release_from,
                        release_on_shortage: on_shortage,
                        max_release_per_period: sp.max_release_per_day.unwrap_or(f64::INFINITY),
                    }),
            );
            kernel_nodes.push(NodeMeta {
                name: format!("stockpile:{}", sp.key),
                facility: None,
                material: sp.material,
                country: sp.location,
                stage: Stage::Stockpile,
                baseline_per_day: 0.0,
                stockpile: Some(sp.key.clone()),
            });
            for &c in &eligible {
                let slot = slot_of[&(c, sp.material)];
                let bom = p.inputs[c]
                    .iter()
                    .find(|(m, _)| *m == sp.material)
                    .map_or(1.0, |x| x.1);
                b.edge(
                    EdgeSpec::new(node, NodeId(kid[c]), 1)
                        .bom(bom)
                        .slot(slot)
                        .share(0.0),
                );
                edges.push(EdgeMeta {
                    lane: None,
                    from: node,
                    from_country: sp.location,
                    to_country: nodes[c].country,
                    material: sp.material,
                    baseline_per_day: 0.0,
                });
            }
            stockpile_keys.push(sp.key.clone());
        }
    }

    // ---- disruptions.
    for (di, d) in scenario.disruptions.iter().enumerate() {
        let field = format!("disruption[{di}] ({})", d.name);
        let process = if let (Some(a), Some(z)) = (d.from, d.until) {
            // A window that opened before the start is in force from day 0 (the kernel counts
            // periods from 0); one that closed before it disrupts nothing.
            DisruptionProcess::Scheduled(vec![(
                scenario.day_of(a).max(0),
                scenario.day_of(z).max(0),
            )])
        } else if let Some(mk) = d.markov {
            DisruptionProcess::Markov {
                alpha: mk.alpha,
                beta: mk.beta,
            }
        } else if let Some(ep) = &d.episode {
            DisruptionProcess::Episode {
                probability: ep.probability,
                start: ep.start_day.to_sim(),
                duration: ep.duration_days.to_sim(),
            }
        } else {
            return Err(invalid(file, field, "no schedule"));
        };
        let mut hits = 0usize;
        for fkey in &d.selector.facilities {
            let fid = world.facilities.lookup(fkey).ok_or_else(|| {
                invalid(
                    file,
                    format!("{field}.facilities"),
                    format!("facility `{fkey}` is not in the dataset"),
                )
            })?;
            for i in (0..n).filter(|&i| nodes[i].facility == Some(fid)) {
                // Matched even when inert (no flow): disrupting it then changes nothing.
                hits += 1;
                if !keep[i] {
                    continue;
                }
                match d.kind {
                    SK::Outage => {
                        b.disruption(DisruptionSpec {
                            target: Target::Node(NodeId(kid[i])),
                            kind: DisruptionKind::ReceiptPausing,
                            process: process.clone(),
                        });
                        for (li, &(s, ..)) in p.links.iter().enumerate() {
                            for &e in edge_of_link[li].iter().filter(|_| s == i) {
                                b.disruption(DisruptionSpec {
                                    target: Target::Edge(e),
                                    kind: DisruptionKind::ShipmentPausing,
                                    process: process.clone(),
                                });
                            }
                        }
                    }
                    k => b.disruption(DisruptionSpec {
                        target: Target::Node(NodeId(kid[i])),
                        kind: kernel_kind(k),
                        process: process.clone(),
                    }),
                }
            }
        }
        for lkey in &d.selector.lanes {
            let lid = world.lanes.lookup(lkey).ok_or_else(|| {
                invalid(
                    file,
                    format!("{field}.lanes"),
                    format!("lane `{lkey}` is not in the dataset"),
                )
            })?;
            for (li, l) in p.links.iter().enumerate() {
                if l.2 == lid {
                    hits += 1;
                    for &e in &edge_of_link[li] {
                        b.disruption(DisruptionSpec {
                            target: Target::Edge(e),
                            kind: kernel_kind(d.kind),
                            process: process.clone(),
                        });
                    }
                }
            }
        }
        let has_lane_filter = !(d.selector.from_countries.is_empty()
            && d.selector.to_countries.is_empty()
            && d.selector.not_to_countries.is_empty()
            && d.selector.materials.is_empty()
            && d.selector.elements.is_empty()
            && d.selector.forms.is_empty());
        if has_lane_filter {
            let filter = LaneFilter::new(&d.selector, file, &field, world)?;
            for (li, &(s, c, ..)) in p.links.iter().enumerate() {
                if filter.matches(world, nodes[s].country, nodes[c].country, nodes[s].material) {
                    let kind = if d.kind == SK::Outage {
                        DisruptionKind::ShipmentPausing
                    } else {
                        kernel_kind(d.kind)
                    };
                    hits += 1;
                    for &e in &edge_of_link[li] {
                        b.disruption(DisruptionSpec {
                            target: Target::Edge(e),
                            kind,
                            process: process.clone(),
                        });
                    }
                }
            }
        }
        if hits == 0 {
            return Err(invalid(
                file,
                field,
                "selects no facility or lane of the network; check its filters",
            ));
        }
    }

    let network = b
        .build()
        .map_err(|e| invalid(file, "network", e.to_string()))?;
    // Tracing that only reports origin mixes runs on a sample of groups; a content rule reads
    // the mixes, so then every replication traces.
    if scenario.trace_origin && !scenario.licensing.iter().any(|l| l.content_rule.is_some()) {
        let groups = u64::from(scenario.origin_sample_runs).div_ceil(crate::inputs::GROUP);
        inputs.traced_groups = Some(groups);
        assumptions.push(format!(
            "origin mixes are averaged over the first {} replications, which trace origins; the rest run untraced (quantities are identical either way)",
            groups * crate::inputs::GROUP
        ));
    }
    inputs
        .keep_builder(&b)
        .map_err(|e| invalid(file, "network", e.to_string()))?;
    let sinks = network
        .sinks()
        .into_iter()
        .map(|node| {
            let i = plan_of[node.0 as usize];
            let (sector, sector_name, per_day) = sink_demand.get(&i).cloned().unwrap_or_default();
            SinkMeta {
                node,
                sector,
                sector_name,
                country: nodes[i].country,
                units_per_day: per_day,
            }
        })
        .collect();
    Ok(Compiled {
        network,
        inputs,
        placements,
        licence_importers,
        licence_materials,
        licence_exporters,
        nodes: kernel_nodes,
        sinks,
        edges,
        stockpiles: stockpile_keys,
        origin_labels,
        horizon,
        assumptions,
        warnings,
    })
}

/// `p` cites sources and every one was published on or after `date`.
fn published_after(
    world: &World,
    p: &chokepoint_core::source::Provenance,
    date: chokepoint_core::Date,
) -> bool {
    !p.citations.is_empty()
        && p.citations.iter().all(|c| {
            world
                .sources
                .get(c.source)
                .published
                .is_some_and(|d| d.timing(date) == chokepoint_core::source::Timing::After)
        })
}

fn kernel_kind(k: SK) -> DisruptionKind {
    match k {
        SK::OrderPausing => DisruptionKind::OrderPausing,
        SK::ShipmentPausing | SK::Outage => DisruptionKind::ShipmentPausing,
        SK::TransitPausing => DisruptionKind::TransitPausing,
        SK::ReceiptPausing => DisruptionKind::ReceiptPausing,
    }
}
