//! The compiled network: struct-of-arrays, integer indices instead of pointers.
//!
//! Concepts:
//! - a **node** is one item stocked at one facility (inventory level, base stock, costs,
//!   backorders owed to its customers);
//! - a **process** turns raw material into node output. Every node belongs to exactly one
//!   process; a process has one output node (stockpyl) or several co-products with fixed
//!   yields, the first being the leader whose output defines one unit of activity;
//! - an **edge** is a lane supplier node -> customer process with its own pipeline of
//!   `lead_time + 1` slots. External supply is a *virtual* edge without a supplier node;
//! - edges into a process are grouped into **input slots** (one raw material each, BOM per unit
//!   of activity); raw-material inventory is pooled per slot.
//!
//! Invariants established by `Network::compile` and relied on by the kernel:
//! - every index stored in an array is in range; `NONE` marks an absent index;
//! - `topo` lists processes so that every supplier's process precedes its customers' (the
//!   supplier graph is a DAG), hence orders can be passed upstream and shipments downstream in
//!   a single sweep each;
//! - CSR ranges (`*_start[i]..*_start[i+1]`) are monotone;
//! - real edges come first (indices = [`crate::EdgeId`]), virtual edges after them.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::dist::Dist;
use crate::error::{ConfigError, Result};
use crate::spec::{
    Capacity, Demand, DisruptionKind, DisruptionProcess, NetworkBuilder, NodeId, Rationing, Supply,
    Target,
};

/// Marker for "no index".
pub(crate) const NONE: u32 = u32::MAX;

/// Upper bound on lead times and periods accepted from a description (guards against
/// unintentional multi-gigabyte pipelines).
const MAX_LEAD_TIME: i64 = 100_000;

pub(crate) const BIT_OP: u8 = 1;
pub(crate) const BIT_SP: u8 = 2;
pub(crate) const BIT_TP: u8 = 4;
pub(crate) const BIT_RP: u8 = 8;

/// Compiled disruption process (periods validated to be non-negative).
#[derive(Debug, Clone)]
pub(crate) enum CProcess {
    Scheduled(Vec<(u32, u32)>),
    Series(Vec<bool>),
    Markov {
        alpha: f64,
        beta: f64,
    },
    Episode {
        probability: f64,
        start: Dist,
        duration: Dist,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct CDisruption {
    pub bit: u8,
    pub process: CProcess,
    /// Edges whose flags this disruption sets.
    pub edges: Vec<u32>,
    /// Node whose `disrupted` flag follows this disruption (node targets), else `NONE`.
    pub node: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct CLicence {
    pub from: u32,
    pub until: u32,
    pub review: Dist,
    pub approval: f64,
    pub validity: u32,
    pub general_from: u32,
    /// Content rule: (origin label, minimum share) below which no licence is needed.
    pub content: Option<(usize, f64)>,
}

impl CLicence {
    #[inline]
    pub fn required(&self, t: u32) -> bool {
        t >= self.from && t < self.until && t < self.general_from
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct CStockpile {
    pub node: u32,
    pub release_from: u32,
    pub on_shortage: bool,
    pub rate: f64,
}

/// A validated, compiled network. Build it with [`crate::NetworkBuilder`].
#[derive(Debug, Clone)]
pub struct Network {
    // ---- nodes
    pub(crate) names: Vec<String>,
    pub(crate) node_proc: Vec<u32>,
    pub(crate) node_yield: Vec<f64>,
    pub(crate) base: Vec<f64>,
    pub(crate) init_il: Vec<f64>,
    /// Pipeline contents at period 0, by ring slot (non-zero only for steady starts).
    pub(crate) init_pipe: Vec<f64>,
    /// Goods on order per edge at period 0 (the initial pipeline).
    pub(crate) init_oo: Vec<f64>,
    /// Per edge, the node whose origin stamp its initial pipeline carries (the supplier; the
    /// customer's leader for external supply).
    pub(crate) init_pipe_node: Vec<u32>,
    pub(crate) h: Vec<f64>,
    pub(crate) p: Vec<f64>,
    pub(crate) h_it: Vec<f64>,
    pub(crate) out_start: Vec<u32>,
    pub(crate) out_edges: Vec<u32>,
    /// Rationing rule per node; claims (edge index or `NONE` = external demand) in service
    /// order with their class (claims of equal class are served pro rata, except under
    /// `InOrder` where every claim is its own class).
    pub(crate) rationing: Vec<Rationing>,
    pub(crate) claim_start: Vec<u32>,
    pub(crate) claims: Vec<u32>,
    pub(crate) claim_class: Vec<u32>,
    pub(crate) demand_of: Vec<u32>,
    pub(crate) demands: Vec<(u32, Demand)>,
    pub(crate) stockpile_of: Vec<u32>,
    pub(crate) stockpiles: Vec<CStockpile>,
    pub(crate) origin_stamp: Vec<u32>,
    // ---- processes
    pub(crate) mem_start: Vec<u32>,
    pub(crate) mem_nodes: Vec<u32>,
    pub(crate) slot_start: Vec<u32>,
    pub(crate) slot_bom: Vec<f64>,
    /// Holding cost charged on the slot's raw material (first real supplier's rate; 0 for
    /// external supply, as stockpyl).
    pub(crate) slot_h: Vec<f64>,
    pub(crate) slot_edge_start: Vec<u32>,
    pub(crate) slot_edges: Vec<u32>,
    pub(crate) cap: Vec<Capacity>,
    pub(crate) capped: Vec<bool>,
    /// Process fast path: one output node with yield 1, every input slot has exactly one lane
    /// with BOM 1 and share 1, no stockpile lane. Such a process performs the same
    /// floating-point operations without the divisions/multiplications by 1 (which are exact),
    /// so the fast path is bit-identical to the general one.
    pub(crate) simple: Vec<bool>,
    /// Per process, the activity of a steady start (`None`: the process starts empty).
    pub(crate) steady_act: Vec<Option<f64>>,
    pub(crate) topo: Vec<u32>,
    // ---- edges
    pub(crate) n_real_edges: usize,
    pub(crate) e_from: Vec<u32>,
    pub(crate) e_lead: Vec<u32>,
    pub(crate) e_pipe: Vec<u32>,
    pub(crate) e_share: Vec<f64>,
    pub(crate) e_licence: Vec<u32>,
    pub(crate) e_stockpile: Vec<u32>,
    pub(crate) pipe_len: usize,
    // ---- exogenous processes
    pub(crate) disruptions: Vec<CDisruption>,
    pub(crate) disrupted_edges: Vec<u32>,
    pub(crate) licences: Vec<CLicence>,
    pub(crate) k_origin: usize,
    /// True if any feature beyond plain stockpyl semantics is used on the hot path.
    pub(crate) has_capacity: bool,
    pub(crate) has_licences: bool,
    pub(crate) has_stockpiles: bool,
}

fn finite_nonneg(x: f64) -> std::result::Result<(), String> {
    if x.is_finite() && x >= 0.0 {
        Ok(())
    } else {
        Err(format!("must be finite and >= 0, got {x}"))
    }
}

fn period(x: i64, what: &str) -> std::result::Result<u32, String> {
    if x < 0 {
        Err(format!("{what} must be >= 0, got {x}"))
    } else if x > i64::from(u32::MAX / 2) {
        Err(format!("{what} is too large: {x}"))
    } else {
        Ok(x as u32)
    }
}

impl Network {
    pub(crate) fn compile(b: &NetworkBuilder) -> Result<Network> {
        let nn = b.nodes.len();
        let k_origin = usize::from(b.origin_labels);
        let node_err = |i: usize, field: &'static str, reason: String| ConfigError::Node {
            node: b.nodes[i].name.clone(),
            field,
            reason,
        };

        // ---------------- nodes
        let mut names: Vec<String> = Vec::with_capacity(nn);
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, n) in b.nodes.iter().enumerate() {
            if let Some(j) = seen.insert(n.name.as_str(), i) {
                return Err(node_err(i, "name", format!("duplicate of node {j}")));
            }
            names.push(n.name.clone());
            finite_nonneg(n.holding_cost).map_err(|r| node_err(i, "holding_cost", r))?;
            finite_nonneg(n.stockout_cost).map_err(|r| node_err(i, "stockout_cost", r))?;
            if let Some(x) = n.in_transit_holding_cost {
                finite_nonneg(x).map_err(|r| node_err(i, "in_transit_holding_cost", r))?;
            }
            match n.base_stock {
                crate::spec::BaseStock::Level(s) => {
                    finite_nonneg(s).map_err(|r| node_err(i, "base_stock", r))?
                }
                crate::spec::BaseStock::DaysOfCover { days, mean_demand } => {
                    finite_nonneg(days).map_err(|r| node_err(i, "base_stock.days", r))?;
                    finite_nonneg(mean_demand)
                        .map_err(|r| node_err(i, "base_stock.mean_demand", r))?;
                }
            }
            if let Some(x) = n.initial_inventory
                && !x.is_finite()
            {
                return Err(node_err(
                    i,
                    "initial_inventory",
                    format!("must be finite, got {x}"),
                ));
            }
            if let Some(a) = n.steady_activity {
                finite_nonneg(a).map_err(|r| node_err(i, "steady_activity", r))?;
            }
            let c = &n.capacity;
            if c.per_period.is_nan() || c.per_period < 0.0 {
                return Err(node_err(
                    i,
                    "capacity.per_period",
                    format!("must be >= 0 (infinity allowed), got {}", c.per_period),
                ));
            }
            period(c.open_at, "open_at").map_err(|r| node_err(i, "capacity.open_at", r))?;
            period(c.ramp_periods, "ramp_periods")
                .map_err(|r| node_err(i, "capacity.ramp_periods", r))?;
            if let Some(cl) = c.close_at {
                period(cl, "close_at").map_err(|r| node_err(i, "capacity.close_at", r))?;
                if cl < c.open_at {
                    return Err(node_err(
                        i,
                        "capacity.close_at",
                        format!("closes ({cl}) before it opens ({})", c.open_at),
                    ));
                }
            }
            if let Supply::External { lead_time } = n.supply
                && !(0..=MAX_LEAD_TIME).contains(&lead_time)
            {
                return Err(node_err(
                    i,
                    "supply.lead_time",
                    format!("must be in 0..={MAX_LEAD_TIME}, got {lead_time}"),
                ));
            }
            match &n.demand {
                None => {}
                Some(Demand::Constant(x)) => {
                    finite_nonneg(*x).map_err(|r| node_err(i, "demand", r))?
                }
                Some(Demand::Series(v)) => {
                    if v.is_empty() {
                        return Err(node_err(i, "demand", "series is empty".into()));
                    }
                    for x in v {
                        finite_nonneg(*x).map_err(|r| node_err(i, "demand", r))?;
                    }
                }
                Some(Demand::Random(d)) => {
                    d.check().map_err(|r| node_err(i, "demand", r))?;
                    if d.min_value() < 0.0 {
                        return Err(node_err(i, "demand", "can be negative".into()));
                    }
                }
            }
            if let Some(sp) = &n.stockpile {
                finite_nonneg(sp.initial).map_err(|r| node_err(i, "stockpile.initial", r))?;
                if sp.max_release_per_period.is_nan() || sp.max_release_per_period < 0.0 {
                    return Err(node_err(
                        i,
                        "stockpile.max_release_per_period",
                        format!("must be >= 0, got {}", sp.max_release_per_period),
                    ));
                }
                if let Some(r) = sp.release_from {
                    period(r, "release_from")
                        .map_err(|r| node_err(i, "stockpile.release_from", r))?;
                }
                if n.supply != Supply::None {
                    return Err(node_err(i, "supply", "a stockpile has no supply".into()));
                }
            }
            if let Some(o) = n.origin
                && k_origin > 0
                && usize::from(o) >= k_origin
            {
                return Err(node_err(
                    i,
                    "origin",
                    format!("label {o} >= number of origin labels {k_origin}"),
                ));
            }
        }

        // ---------------- edges (validation)
        for (e, s) in b.edges.iter().enumerate() {
            if s.from.0 as usize >= nn {
                return Err(b.edge_err(e, "from", format!("unknown node id {}", s.from.0)));
            }
            if s.to.0 as usize >= nn {
                return Err(b.edge_err(e, "to", format!("unknown node id {}", s.to.0)));
            }
            if s.from == s.to {
                return Err(b.edge_err(e, "to", "an edge cannot loop on its node".into()));
            }
            if !(0..=MAX_LEAD_TIME).contains(&s.lead_time) {
                return Err(b.edge_err(
                    e,
                    "lead_time",
                    format!("must be in 0..={MAX_LEAD_TIME}, got {}", s.lead_time),
                ));
            }
            if !(s.bom.is_finite() && s.bom > 0.0) {
                return Err(b.edge_err(e, "bom", format!("must be finite and > 0, got {}", s.bom)));
            }
            if let Some(sh) = s.share
                && !(sh.is_finite() && (0.0..=1.0).contains(&sh))
            {
                return Err(b.edge_err(e, "share", format!("must be in [0, 1], got {sh}")));
            }
            if let Some(k) = s.licence
                && k.0 as usize >= b.licences.len()
            {
                return Err(b.edge_err(e, "licence", format!("unknown licence key {}", k.0)));
            }
            if b.nodes[s.to.0 as usize].stockpile.is_some() {
                return Err(b.edge_err(e, "to", "a stockpile has no inputs".into()));
            }
        }

        // ---------------- processes (co-production groups)
        let mut leader_of: Vec<u32> = (0..nn as u32).collect();
        let mut yield_of = vec![1.0f64; nn];
        for (idx, &(l, m, r)) in b.coproducts.iter().enumerate() {
            let (li, mi) = (l.0 as usize, m.0 as usize);
            if li >= nn || mi >= nn {
                return Err(ConfigError::Node {
                    node: format!("co-product declaration {idx}"),
                    field: "node",
                    reason: "unknown node id".into(),
                });
            }
            if !(r.is_finite() && r > 0.0) {
                return Err(node_err(
                    mi,
                    "coproduct.ratio",
                    format!("must be > 0, got {r}"),
                ));
            }
            if li == mi || leader_of[mi] != mi as u32 || leader_of[li] != li as u32 {
                return Err(node_err(
                    mi,
                    "coproduct",
                    "a node can be co-product of one other leader only, and leaders cannot be \
                     co-products"
                        .into(),
                ));
            }
            if b.nodes[mi].supply != Supply::None || b.nodes[mi].stockpile.is_some() {
                return Err(node_err(
                    mi,
                    "coproduct",
                    "a co-product has no supply of its own".into(),
                ));
            }
            leader_of[mi] = li as u32;
            yield_of[mi] = r;
        }
        for (e, s) in b.edges.iter().enumerate() {
            if leader_of[s.to.0 as usize] != s.to.0 {
                return Err(b.edge_err(
                    e,
                    "to",
                    "a co-product has no inputs of its own; connect the leader".into(),
                ));
            }
        }
        // Process numbering: one per leader, in node order.
        let mut proc_of_leader = vec![NONE; nn];
        let mut leaders: Vec<u32> = Vec::new();
        for i in 0..nn {
            if leader_of[i] == i as u32 {
                proc_of_leader[i] = leaders.len() as u32;
                leaders.push(i as u32);
            }
        }
        let np = leaders.len();
        let node_proc: Vec<u32> = (0..nn)
            .map(|i| proc_of_leader[leader_of[i] as usize])
            .collect();
        let mut mem_lists: Vec<Vec<u32>> = leaders.iter().map(|&l| vec![l]).collect();
        for &(_, m, _) in &b.coproducts {
            mem_lists[node_proc[m.0 as usize] as usize].push(m.0);
        }
        let (mem_start, mem_nodes) = csr(&mem_lists);

        // ---------------- edges (real then virtual), slots
        let nre = b.edges.len();
        let mut e_from: Vec<u32> = b.edges.iter().map(|s| s.from.0).collect();
        let mut e_proc: Vec<u32> = b.edges.iter().map(|s| node_proc[s.to.0 as usize]).collect();
        let mut e_lead: Vec<u32> = b.edges.iter().map(|s| s.lead_time as u32).collect();
        let mut e_bom: Vec<f64> = b.edges.iter().map(|s| s.bom).collect();
        let mut e_licence: Vec<u32> = b
            .edges
            .iter()
            .map(|s| s.licence.map_or(NONE, |k| k.0))
            .collect();
        let mut in_lists: Vec<Vec<u32>> = vec![Vec::new(); np];
        for (e, &q) in e_proc.iter().enumerate() {
            in_lists[q as usize].push(e as u32);
        }
        // virtual edges for external supply (after the real in-edges, like stockpyl's
        // external supplier, which comes last among predecessors)
        for (i, n) in b.nodes.iter().enumerate() {
            if let Supply::External { lead_time } = n.supply {
                let e = e_from.len() as u32;
                e_from.push(NONE);
                e_proc.push(node_proc[i]);
                e_lead.push(lead_time as u32);
                e_bom.push(1.0);
                e_licence.push(NONE);
                in_lists[node_proc[i] as usize].push(e);
            }
        }
        let ne = e_from.len();

        // stockpiles
        let mut stockpile_of = vec![NONE; nn];
        let mut stockpiles = Vec::new();
        for (i, n) in b.nodes.iter().enumerate() {
            if let Some(sp) = &n.stockpile {
                stockpile_of[i] = stockpiles.len() as u32;
                stockpiles.push(CStockpile {
                    node: i as u32,
                    release_from: sp.release_from.map_or(u32::MAX, |r| r as u32),
                    on_shortage: sp.release_on_shortage,
                    rate: sp.max_release_per_period,
                });
            }
        }
        let e_stockpile: Vec<u32> = (0..ne)
            .map(|e| {
                if e_from[e] == NONE {
                    NONE
                } else {
                    stockpile_of[e_from[e] as usize]
                }
            })
            .collect();

        let mut slot_lists_per_proc: Vec<Vec<Vec<u32>>> = vec![Vec::new(); np];
        let mut slot_bom = Vec::new();
        let mut slot_h = Vec::new();
        let mut e_share = vec![0.0f64; ne];
        for q in 0..np {
            let mut keys: Vec<Option<u32>> = Vec::new();
            let mut slots: Vec<Vec<u32>> = Vec::new();
            for &e in &in_lists[q] {
                let key = if (e as usize) < nre {
                    b.edges[e as usize].slot
                } else {
                    None
                };
                let pos = match key {
                    Some(k) => keys.iter().position(|x| *x == Some(k)),
                    None => None,
                };
                match pos {
                    Some(p) => slots[p].push(e),
                    None => {
                        keys.push(key);
                        slots.push(vec![e]);
                    }
                }
            }
            for sl in &slots {
                let bom0 = e_bom[sl[0] as usize];
                for &e in sl {
                    if (e_bom[e as usize] - bom0).abs() > 0.0 {
                        return Err(b.edge_err(
                            e as usize,
                            "bom",
                            "edges sharing an input slot must have the same BOM".into(),
                        ));
                    }
                }
                slot_bom.push(bom0);
                let first_real = sl.iter().find(|&&e| e_from[e as usize] != NONE);
                slot_h.push(
                    first_real.map_or(0.0, |&e| b.nodes[e_from[e as usize] as usize].holding_cost),
                );
                let regular: Vec<u32> = sl
                    .iter()
                    .copied()
                    .filter(|&e| e_stockpile[e as usize] == NONE)
                    .collect();
                let any_set = regular
                    .iter()
                    .any(|&e| (e as usize) < nre && b.edges[e as usize].share.is_some());
                if any_set {
                    let mut sum = 0.0;
                    for &e in &regular {
                        let s = b.edges.get(e as usize).and_then(|s| s.share).unwrap_or(0.0);
                        e_share[e as usize] = s;
                        sum += s;
                    }
                    if (sum - 1.0).abs() > 1e-9 {
                        return Err(b.edge_err(
                            regular[0] as usize,
                            "share",
                            format!("shares of the input slot sum to {sum}, not 1"),
                        ));
                    }
                } else if let Some(&e0) = regular.first() {
                    e_share[e0 as usize] = 1.0;
                }
            }
            slot_lists_per_proc[q] = slots;
        }
        let mut slot_start = vec![0u32; np + 1];
        let mut all_slots: Vec<Vec<u32>> = Vec::new();
        for q in 0..np {
            all_slots.extend(slot_lists_per_proc[q].iter().cloned());
            slot_start[q + 1] = all_slots.len() as u32;
        }
        let (slot_edge_start, slot_edges) = csr(&all_slots);

        let mut e_pipe = vec![0u32; ne];
        let mut pipe_len = 0usize;
        for e in 0..ne {
            e_pipe[e] = pipe_len as u32;
            pipe_len += e_lead[e] as usize + 1;
        }

        // ---------------- node out-edges and claims
        let mut out_lists: Vec<Vec<u32>> = vec![Vec::new(); nn];
        for (e, s) in b.edges.iter().enumerate() {
            out_lists[s.from.0 as usize].push(e as u32);
        }
        let (out_start, out_edges) = csr(&out_lists);
        let mut claim_lists: Vec<Vec<(u32, u32)>> = Vec::with_capacity(nn);
        for (i, n) in b.nodes.iter().enumerate() {
            let mut cl: Vec<(u32, u32)> = Vec::new();
            let mut push = |c: u32, cust: Option<usize>, pos: u32| {
                let class = match n.rationing {
                    Rationing::InOrder => pos,
                    Rationing::ProRata => 0,
                    Rationing::DomesticFirst => match cust {
                        Some(j) if b.nodes[j].country != n.country => 1,
                        _ => 0,
                    },
                    Rationing::SectorPriority => match cust {
                        Some(j) => u32::from(b.nodes[j].sector_priority),
                        None => u32::from(n.demand_priority),
                    },
                };
                cl.push((c, class));
            };
            let mut pos = 0;
            for &e in &out_lists[i] {
                push(e, Some(b.edges[e as usize].to.0 as usize), pos);
                pos += 1;
            }
            if n.demand.is_some() {
                push(NONE, None, pos);
            }
            cl.sort_by_key(|&(_, c)| c); // stable: keeps declaration order within a class
            claim_lists.push(cl);
        }
        let mut claim_start = vec![0u32; nn + 1];
        let mut claims = Vec::new();
        let mut claim_class = Vec::new();
        for (i, cl) in claim_lists.iter().enumerate() {
            for &(c, k) in cl {
                claims.push(c);
                claim_class.push(k);
            }
            claim_start[i + 1] = claims.len() as u32;
        }

        // ---------------- topological order of processes (Kahn, smallest index first so the
        // order is deterministic and equals node order for stockpyl-style numbered DAGs)
        let mut indeg = vec![0u32; np];
        let mut succ: Vec<Vec<u32>> = vec![Vec::new(); np];
        for e in 0..nre {
            let a = node_proc[e_from[e] as usize];
            let c = e_proc[e];
            succ[a as usize].push(c);
            indeg[c as usize] += 1;
        }
        let mut heap: BinaryHeap<Reverse<u32>> = (0..np as u32)
            .filter(|&q| indeg[q as usize] == 0)
            .map(Reverse)
            .collect();
        let mut topo = Vec::with_capacity(np);
        while let Some(Reverse(q)) = heap.pop() {
            topo.push(q);
            for &c in &succ[q as usize] {
                indeg[c as usize] -= 1;
                if indeg[c as usize] == 0 {
                    heap.push(Reverse(c));
                }
            }
        }
        if topo.len() < np {
            let q = (0..np).find(|&q| indeg[q] > 0).unwrap_or(0);
            return Err(ConfigError::Cycle {
                node: names[leaders[q] as usize].clone(),
            });
        }

        // ---------------- demands
        let mut demand_of = vec![NONE; nn];
        let mut demands = Vec::new();
        for (i, n) in b.nodes.iter().enumerate() {
            if let Some(d) = &n.demand {
                demand_of[i] = demands.len() as u32;
                demands.push((i as u32, d.clone()));
            }
        }

        // ---------------- disruptions
        let mut disruptions = Vec::with_capacity(b.disruptions.len());
        let mut touched = vec![false; ne];
        for (idx, d) in b.disruptions.iter().enumerate() {
            let tname = match d.target {
                Target::Node(n) => format!("node `{}`", b.node_name(n)),
                Target::Edge(e) => format!("edge {}", e.0),
            };
            let derr = |field: &'static str, reason: String| ConfigError::Disruption {
                index: idx,
                target: tname.clone(),
                field,
                reason,
            };
            let (edges, node) = match d.target {
                Target::Node(n) => {
                    if n.0 as usize >= nn {
                        return Err(derr("target", format!("unknown node id {}", n.0)));
                    }
                    let q = node_proc[n.0 as usize] as usize;
                    (in_lists[q].clone(), n.0)
                }
                Target::Edge(e) => {
                    if e.0 as usize >= nre {
                        return Err(derr("target", format!("unknown edge id {}", e.0)));
                    }
                    (vec![e.0], NONE)
                }
            };
            let process = match &d.process {
                DisruptionProcess::Scheduled(w) => {
                    let mut v = Vec::with_capacity(w.len());
                    for &(s, e) in w {
                        let s = period(s, "start").map_err(|r| derr("scheduled.start", r))?;
                        let e = period(e, "end").map_err(|r| derr("scheduled.end", r))?;
                        if e < s {
                            return Err(derr("scheduled.end", format!("end {e} < start {s}")));
                        }
                        v.push((s, e));
                    }
                    CProcess::Scheduled(v)
                }
                DisruptionProcess::Series(v) => {
                    if v.is_empty() {
                        return Err(derr("series", "series is empty".into()));
                    }
                    CProcess::Series(v.clone())
                }
                DisruptionProcess::Markov { alpha, beta } => {
                    for (f, x) in [("alpha", *alpha), ("beta", *beta)] {
                        if !(0.0..=1.0).contains(&x) {
                            return Err(derr(f, format!("probability must be in [0, 1], got {x}")));
                        }
                    }
                    CProcess::Markov {
                        alpha: *alpha,
                        beta: *beta,
                    }
                }
                DisruptionProcess::Episode {
                    probability,
                    start,
                    duration,
                } => {
                    if !(0.0..=1.0).contains(probability) {
                        return Err(derr(
                            "probability",
                            format!("probability must be in [0, 1], got {probability}"),
                        ));
                    }
                    start.check().map_err(|r| derr("start", r))?;
                    duration.check().map_err(|r| derr("duration", r))?;
                    if start.min_value() < 0.0 {
                        return Err(derr("start", "can be negative".into()));
                    }
                    if duration.min_value() < 0.0 {
                        return Err(derr(
                            "duration",
                            "negative durations are not allowed".into(),
                        ));
                    }
                    CProcess::Episode {
                        probability: *probability,
                        start: start.clone(),
                        duration: duration.clone(),
                    }
                }
            };
            let bit = match d.kind {
                DisruptionKind::OrderPausing => BIT_OP,
                DisruptionKind::ShipmentPausing => BIT_SP,
                DisruptionKind::TransitPausing => BIT_TP,
                DisruptionKind::ReceiptPausing => BIT_RP,
            };
            for &e in &edges {
                touched[e as usize] = true;
            }
            disruptions.push(CDisruption {
                bit,
                process,
                edges,
                node,
            });
        }
        let disrupted_edges: Vec<u32> = (0..ne as u32).filter(|&e| touched[e as usize]).collect();

        // ---------------- licences
        let mut licences = Vec::with_capacity(b.licences.len());
        for (k, l) in b.licences.iter().enumerate() {
            let lerr = |field: &'static str, reason: String| ConfigError::Licence {
                key: k,
                field,
                reason,
            };
            let from =
                period(l.required_from, "required_from").map_err(|r| lerr("required_from", r))?;
            let until = match l.required_until {
                Some(u) => period(u, "required_until").map_err(|r| lerr("required_until", r))?,
                None => u32::MAX,
            };
            if until < from {
                return Err(lerr(
                    "required_until",
                    format!("{until} < required_from {from}"),
                ));
            }
            l.review.check().map_err(|r| lerr("review", r))?;
            if l.review.min_value() < 0.0 {
                return Err(lerr(
                    "review",
                    "negative review times are not allowed".into(),
                ));
            }
            if !(0.0..=1.0).contains(&l.approval_probability) {
                return Err(lerr(
                    "approval_probability",
                    format!(
                        "probability must be in [0, 1], got {}",
                        l.approval_probability
                    ),
                ));
            }
            let validity = period(l.validity, "validity").map_err(|r| lerr("validity", r))?;
            let general_from = match l.general_licence_from {
                Some(g) => period(g, "general_licence_from")
                    .map_err(|r| lerr("general_licence_from", r))?,
                None => u32::MAX,
            };
            let content = match l.content_rule {
                None => None,
                Some(r) => {
                    if k_origin == 0 {
                        return Err(lerr(
                            "content_rule",
                            "a content rule reads the traced origin mix: turn origin tracing on"
                                .into(),
                        ));
                    }
                    if usize::from(r.label) >= k_origin {
                        return Err(lerr(
                            "content_rule.label",
                            format!("label {} >= number of origin labels {k_origin}", r.label),
                        ));
                    }
                    if !(0.0..=1.0).contains(&r.min_share) {
                        return Err(lerr(
                            "content_rule.min_share",
                            format!("share must be in [0, 1], got {}", r.min_share),
                        ));
                    }
                    Some((usize::from(r.label), r.min_share))
                }
            };
            licences.push(CLicence {
                from,
                until,
                review: l.review.clone(),
                approval: l.approval_probability,
                validity,
                general_from,
                content,
            });
        }

        let base: Vec<f64> = b.nodes.iter().map(|n| n.base_stock.level()).collect();
        let init_il: Vec<f64> = b
            .nodes
            .iter()
            .zip(&base)
            .map(|(n, &s)| match (&n.stockpile, n.initial_inventory) {
                (Some(sp), _) => sp.initial,
                (None, Some(x)) => x,
                (None, None) => s,
            })
            .collect();
        // Steady start: fill each inbound pipeline of a steady process with what its activity
        // orders per period, and lower each member's on-hand by the pipeline term of its
        // inventory position (the same expression the order phase evaluates, with no raw
        // material and nothing held), so that position equals the base stock.
        let steady_act: Vec<Option<f64>> = (0..np)
            .map(|q| b.nodes[mem_nodes[mem_start[q] as usize] as usize].steady_activity)
            .collect();
        let mut init_il = init_il;
        let mut init_pipe = vec![0.0f64; pipe_len];
        let mut init_oo = vec![0.0f64; ne];
        for q in 0..np {
            let (m0, m1) = (mem_start[q] as usize, mem_start[q + 1] as usize);
            let Some(act) = b.nodes[mem_nodes[m0] as usize].steady_activity else {
                continue;
            };
            let (s0, s1) = (slot_start[q] as usize, slot_start[q + 1] as usize);
            let mut pipeline = if s0 == s1 { 0.0 } else { f64::INFINITY };
            for sl in s0..s1 {
                let mut x = 0.0;
                for &e in
                    &slot_edges[slot_edge_start[sl] as usize..slot_edge_start[sl + 1] as usize]
                {
                    let e = e as usize;
                    let per_period = act * slot_bom[sl] * e_share[e];
                    let lead = e_lead[e] as usize;
                    let o = e_pipe[e] as usize;
                    init_pipe[o..o + lead].fill(per_period);
                    init_oo[e] = per_period * lead as f64;
                    x += init_oo[e];
                }
                pipeline = pipeline.min(x / slot_bom[sl]);
            }
            for &n in &mem_nodes[m0..m1] {
                let n = n as usize;
                if b.nodes[n].stockpile.is_none() {
                    init_il[n] = (base[n] - yield_of[n] * pipeline).max(0.0);
                }
            }
        }
        let cap: Vec<Capacity> = leaders
            .iter()
            .map(|&l| b.nodes[l as usize].capacity)
            .collect();
        let capped: Vec<bool> = cap.iter().map(|c| !c.is_unlimited()).collect();
        let has_capacity = capped.iter().any(|&c| c);
        let simple: Vec<bool> = (0..np)
            .map(|q| {
                mem_start[q + 1] - mem_start[q] == 1
                    && (slot_start[q]..slot_start[q + 1]).all(|sl| {
                        let sl = sl as usize;
                        let (a, b) = (
                            slot_edge_start[sl] as usize,
                            slot_edge_start[sl + 1] as usize,
                        );
                        b - a == 1
                            && slot_bom[sl] == 1.0
                            && e_share[slot_edges[a] as usize] == 1.0
                            && e_stockpile[slot_edges[a] as usize] == NONE
                    })
            })
            .collect();

        Ok(Network {
            steady_act,
            names,
            node_proc,
            node_yield: yield_of,
            base,
            init_il,
            init_pipe,
            init_oo,
            init_pipe_node: (0..ne)
                .map(|e| {
                    if e_from[e] == NONE {
                        leaders[e_proc[e] as usize]
                    } else {
                        e_from[e]
                    }
                })
                .collect(),
            h: b.nodes.iter().map(|n| n.holding_cost).collect(),
            p: b.nodes.iter().map(|n| n.stockout_cost).collect(),
            h_it: b
                .nodes
                .iter()
                .map(|n| n.in_transit_holding_cost.unwrap_or(n.holding_cost))
                .collect(),
            out_start,
            out_edges,
            rationing: b.nodes.iter().map(|n| n.rationing).collect(),
            claim_start,
            claims,
            claim_class,
            demand_of,
            demands,
            stockpile_of,
            has_stockpiles: !stockpiles.is_empty(),
            stockpiles,
            origin_stamp: b
                .nodes
                .iter()
                .map(|n| n.origin.map_or(NONE, u32::from))
                .collect(),
            mem_start,
            mem_nodes,
            slot_start,
            slot_bom,
            slot_h,
            slot_edge_start,
            slot_edges,
            cap,
            capped,
            simple,
            topo,
            n_real_edges: nre,
            e_from,
            e_lead,
            e_pipe,
            e_share,
            has_licences: e_licence.iter().any(|&k| k != NONE),
            e_licence,
            e_stockpile,
            pipe_len,
            disruptions,
            disrupted_edges,
            licences,
            k_origin,
            has_capacity,
        })
    }

    /// Number of nodes.
    /// True when a replication never draws a random number (no random demand, no Markov or
    /// episode disruption, no licence review): every replication is then identical, whatever
    /// the seed and stream, and a caller may compute one and reuse it.
    pub fn is_deterministic(&self) -> bool {
        self.demands
            .iter()
            .all(|(_, d)| !matches!(d, crate::spec::Demand::Random(_)))
            && self
                .disruptions
                .iter()
                .all(|d| matches!(d.process, CProcess::Scheduled(_) | CProcess::Series(_)))
            && self.licences.is_empty()
    }

    pub fn node_count(&self) -> usize {
        self.names.len()
    }
    /// Number of real edges (lanes).
    pub fn edge_count(&self) -> usize {
        self.n_real_edges
    }
    /// Total pipeline slots (sum of lead time + 1 over real and virtual edges).
    pub fn pipeline_slots(&self) -> usize {
        self.pipe_len
    }
    /// Node name.
    pub fn node_name(&self, n: NodeId) -> &str {
        &self.names[n.0 as usize]
    }
    /// Looks a node up by name.
    pub fn node_by_name(&self, name: &str) -> Option<NodeId> {
        self.names
            .iter()
            .position(|x| x == name)
            .map(|i| NodeId(i as u32))
    }
    /// Nodes with external demand ("sinks"), in node order; per-sink metrics use this order.
    pub fn sinks(&self) -> Vec<NodeId> {
        self.demands.iter().map(|&(n, _)| NodeId(n)).collect()
    }
    /// Stockpile nodes, in node order; drawdown metrics use this order.
    pub fn stockpile_nodes(&self) -> Vec<NodeId> {
        self.stockpiles.iter().map(|s| NodeId(s.node)).collect()
    }
    /// Number of origin labels (0 = tracing off).
    pub fn origin_labels(&self) -> usize {
        self.k_origin
    }
    /// Approximate bytes of mutable state per replication (for memory budgeting).
    pub fn state_bytes(&self) -> usize {
        let nn = self.node_count();
        let ne = self.e_from.len();
        let ns = self.slot_bom.len();
        let k = self.k_origin;
        8 * (nn * 16 + ne * 10 + ns + self.pipe_len) + 8 * k * (nn + ns + 2 * ne + self.pipe_len)
    }
}

fn csr(lists: &[Vec<u32>]) -> (Vec<u32>, Vec<u32>) {
    let mut start = Vec::with_capacity(lists.len() + 1);
    let mut flat = Vec::new();
    start.push(0);
    for l in lists {
        flat.extend_from_slice(l);
        start.push(flat.len() as u32);
    }
    (start, flat)
}
