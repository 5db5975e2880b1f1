//! Lane-batched kernel: `N` replications advance together ([`LANES`] = 16, or [`LANES_LARGE`]
//! = 8 for networks whose batch would not stay in cache; [`Network::batch_lanes`] chooses).
//! Every state variable is an array over lanes, so the per-entity loop overhead is paid once
//! per batch and the arithmetic vectorises (selects instead of branches). State is one record
//! per node, edge, slot and process, aligned to cache lines.
//!
//! Applies to every network without origin tracing ([`Network::batchable`]): co-production,
//! multi-supplier input slots, capacities, every rationing rule, licences, stockpiles and all
//! disruption kinds/processes. Two shapes of code share the work:
//! - the *plain* paths (simple processes; nodes that ration in order, with no licensed lane and
//!   no stockpile role) run branch-free over the lanes and vectorise;
//! - the *general* paths mirror the scalar kernel's general path lane by lane: the lanes are
//!   independent, so the out-of-order core overlaps their dependency chains even where the
//!   arithmetic does not vectorise (pro-rata classes, licence decisions).
//!
//! Pipelines are rings with one head per edge shared by the lanes: advancing rotates the head
//! (O(1)); a lane under a transit pause is rotated back by hand (O(lead), rare).
//!
//! A period is three sweeps over the processes (orders upstream, shipments downstream, costs),
//! or one sweep upstream in which each process orders, receives, makes, ships and books its
//! costs when [`Network::single_sweep`] shows the two orders give the same result. One sweep
//! reads and writes a batch's state once per period instead of three times, which is what
//! bounds networks too large for the cache. Either way period costs are summed over the nodes in
//! reverse topological order, as the scalar kernel sums them.
//!
//! Invariant: lane `j` performs exactly the floating-point operations of the scalar kernel for
//! its replication and draws from its own stream in the same order, so results are
//! bit-identical to [`crate::run_replication`] (tested on plain and feature-rich networks).

// Lane loops index several parallel arrays by the lane number on purpose: that is the shape
// LLVM vectorises, and zipped iterators over 4-6 arrays would obscure it.
#![allow(clippy::needless_range_loop)]

use rand::{Rng, RngExt};
use rand_chacha::ChaCha8Rng;

use crate::engine::{licence_ok, ship_on_lane};
use crate::mc::{ReplicationSummary, replication_rng};
use crate::network::{BIT_OP, BIT_RP, BIT_SP, BIT_TP, CProcess, NONE, Network};
use crate::spec::{Demand, EdgeId, Rationing};
use crate::state::LicState;

/// Replications per batch for networks whose batch fits in cache. 16 rather than 8: the
/// per-entity overhead (indexing, loop control) is shared by twice as many replications
/// (instructions per lane-period -17% to -23% on cases a1, c and layered networks; measured in
/// `docs/benchmarks.md`).
pub const LANES: usize = 16;
/// Replications per batch for networks whose batch state would not stay in cache at
/// [`LANES`] lanes (see [`Network::batch_lanes`]).
pub const LANES_LARGE: usize = 8;
type L<const N: usize> = [f64; N];

#[inline(always)]
fn pmin(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}
#[inline(always)]
fn pmax0(x: f64) -> f64 {
    if x > 0.0 { x } else { 0.0 }
}

/// Whether any lane has `bit` set.
#[inline(always)]
fn any_bit<const N: usize>(f: [u8; N], bit: u8) -> bool {
    let mut acc = 0;
    for x in f {
        acc |= x;
    }
    acc & bit != 0
}

/// Receipt of one lane (the scalar kernel's `ship_simple` receive, in the same operations).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn receive_lane<const N: usize>(
    rp: bool,
    j: usize,
    ready: &L<N>,
    idi_in: &L<N>,
    r_in: &L<N>,
    idi_out: &mut L<N>,
    r_out: &mut L<N>,
) {
    let is = if rp { 0.0 } else { ready[j] + idi_in[j] };
    idi_out[j] = if rp {
        idi_in[j] + ready[j]
    } else {
        idi_in[j] + -idi_in[j]
    };
    r_out[j] = r_in[j] + is;
}

/// Outputs of [`ship_lane`] for all lanes.
struct ShipOut<const N: usize> {
    bo: L<N>,
    odi: L<N>,
    il: L<N>,
    os: L<N>,
}

impl<const N: usize> Default for ShipOut<N> {
    fn default() -> Self {
        ShipOut {
            bo: [0.0; N],
            odi: [0.0; N],
            il: [0.0; N],
            os: [0.0; N],
        }
    }
}

/// Shipment on a lane of one replication (the scalar kernel's `settle`, same operations).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn ship_lane<const N: usize>(
    blocked: bool,
    j: usize,
    io: &L<N>,
    bo_in: &L<N>,
    odi_in: &L<N>,
    il_in: &L<N>,
    on_hand: &mut L<N>,
    o: &mut ShipOut<N>,
) {
    let (bo_old, odi_old) = (bo_in[j], odi_in[j]);
    let ready = pmin(on_hand[j], bo_old + io[j]);
    let s = ship_on_lane(blocked, ready, io[j], bo_old, odi_old);
    o.il[j] = il_in[j] - io[j];
    o.bo[j] = s.bo;
    o.odi[j] = odi_old + (s.odi_new - s.di_os);
    on_hand[j] -= s.os - s.di_os + s.odi_new;
    o.os[j] = s.os;
}

/// Lane state of a node plus the static data the kernel reads with it: one record per node,
/// so a node costs one bounds check and a few adjacent cache lines instead of one of each per
/// array (the parallel-array layout spent about a quarter of its instructions on indexing).
///
/// Fields a pass seldom needs live apart, so that a node's record is two cache lines: the
/// external-demand side ([`DemandRec`], sinks only), the stock-out metrics ([`ShortRec`], only
/// when short) and the shipments kept for observers.
#[derive(Debug, Clone)]
#[repr(align(64))]
struct NodeRec<const N: usize> {
    il: L<N>,
    // static (one cache line at 8 lanes; the initial level is read from the network at reset)
    base: f64,
    yield_: f64,
    h: f64,
    p: f64,
    h_it: f64,
    /// Range in `Network::out_edges`.
    out: (u32, u32),
    /// Range in `Network::claims`.
    claims: (u32, u32),
    has_demand: bool,
    /// Whether the node leads its process, hence is charged for the raw material in its
    /// process's input slots.
    leader: bool,
    /// In-order rationing, no licensed lane, not a stockpile: ships on the plain path.
    plain_ship: bool,
    in_order: bool,
    stockpile: u32,
}

/// External demand at a node: backlog and totals, one record per entry of `Network::demands`.
#[derive(Debug, Clone)]
#[repr(align(64))]
struct DemandRec<const N: usize> {
    bo_ext: L<N>,
    dem_sum: L<N>,
    met_sum: L<N>,
}

/// Stock-out metrics of a node (touched only in periods when a lane is short).
#[derive(Debug, Clone)]
#[repr(align(64))]
struct ShortRec<const N: usize> {
    shortage: L<N>,
    stockout_periods: [u32; N],
    first_stockout: [u32; N],
}

/// Lane state of an edge plus its static data (see [`NodeRec`]).
#[derive(Debug, Clone)]
#[repr(align(64))]
struct EdgeRec<const N: usize> {
    oo: L<N>,
    bo: L<N>,
    oq: L<N>,
    flags: [u8; N],
    /// Physical index of logical slot 0 / `lead` of the pipeline ring, shared by the lanes.
    pout: u32,
    pin: u32,
    // static
    from: u32,
    lead: u32,
    pipe0: u32,
    licence: u32,
    stockpile: u32,
    share: f64,
    /// Whether a receipt pause can hold goods at the customer (else inbound disrupted items stay
    /// zero and are not stored).
    may_hold_in: bool,
    /// Whether goods can be held at the supplier: a shipment pause or a licence on any of the
    /// supplier's edges (see `BatchState::new`); else outbound disrupted items stay zero and are
    /// not stored.
    may_hold_out: bool,
}

/// Goods held on an edge by a disruption or a licence: inbound disrupted items (at the customer,
/// under a receipt pause) and outbound disrupted items (at the supplier). Most lanes can never
/// hold goods; theirs stay zero and are never read (the kernel uses a literal zero, which gives
/// the same floating-point results as a stored zero) so their lines never enter the cache.
#[derive(Debug, Clone)]
#[repr(align(64))]
struct HeldRec<const N: usize> {
    idi: L<N>,
    odi: L<N>,
}

/// An input slot: raw material on hand per lane, and its static data.
#[derive(Debug, Clone)]
#[repr(align(64))]
struct SlotRec<const N: usize> {
    rm: L<N>,
    bom: f64,
    h: f64,
    /// Range in `Network::slot_edges`.
    edges: (u32, u32),
    /// Whether raw-material holding is charged (not for a lone external-supply lane).
    charged: bool,
}

#[derive(Debug, Clone, Copy)]
struct ProcRec {
    /// Range in `Network::mem_nodes`.
    members: (u32, u32),
    slots: (u32, u32),
    simple: bool,
    capped: bool,
    /// Whether an input slot has an external-supply lane.
    external: bool,
}

/// Per-batch state: one record per node, edge, slot and process (lane state next to the static
/// data read with it), and the pipeline slots.
#[derive(Debug, Clone)]
pub struct BatchState<const N: usize> {
    nodes: Vec<NodeRec<N>>,
    demand: Vec<DemandRec<N>>,
    /// This period's external demand, one entry per entry of `Network::demands`: drawn before
    /// the sweep into this dense array, which stays in cache, rather than into the demand
    /// records (a write to each of those costs a miss when the state is in main memory).
    dem: Vec<L<N>>,
    short: Vec<ShortRec<N>>,
    edges: Vec<EdgeRec<N>>,
    /// Per edge: goods held by a disruption or licence (read only where they can be nonzero).
    held: Vec<HeldRec<N>>,
    /// Per edge: shipments of the last period, stored only for observers that read them.
    os: Vec<L<N>>,
    slots: Vec<SlotRec<N>>,
    procs: Vec<ProcRec>,
    /// Pipeline rings (see [`crate::State`]'s `pipe`); each edge's heads are in its record.
    pipe: Vec<L<N>>,
    dstate: Vec<[bool; N]>,
    episode: Vec<[(u32, u32); N]>,
    lic: Vec<[LicState; N]>,
    sp_budget: Vec<L<N>>,
    sp_released: Vec<L<N>>,
    cost_total: L<N>,
    /// Whether shipments are stored per edge for an observer ([`BatchState::shipped`]).
    record_shipped: bool,
    /// Whether each period runs as one sweep ([`Network::single_sweep`]).
    single_sweep: bool,
    /// Zeros, read in place of the held goods of edges that cannot hold any.
    zero: L<N>,
}

impl<const N: usize> BatchState<N> {
    /// Allocates batch state for `net`.
    pub fn new(net: &Network) -> Self {
        let nn = net.node_count();
        let ne = net.e_from.len();
        let np = net.mem_start.len() - 1;
        let nodes = (0..nn)
            .map(|n| {
                let q = net.node_proc[n] as usize;
                let leader = net.mem_nodes[net.mem_start[q] as usize] as usize == n;
                let claims = (net.claim_start[n], net.claim_start[n + 1]);
                NodeRec {
                    il: [0.0; N],
                    base: net.base[n],
                    yield_: net.node_yield[n],
                    h: net.h[n],
                    p: net.p[n],
                    h_it: net.h_it[n],
                    out: (net.out_start[n], net.out_start[n + 1]),
                    claims,
                    leader,
                    has_demand: net.demand_of[n] != NONE,
                    plain_ship: net.rationing[n] == Rationing::InOrder
                        && net.stockpile_of[n] == NONE
                        && net.claims[claims.0 as usize..claims.1 as usize]
                            .iter()
                            .all(|&c| c == NONE || net.e_licence[c as usize] == NONE),
                    in_order: net.rationing[n] == Rationing::InOrder,
                    stockpile: net.stockpile_of[n],
                }
            })
            .collect();
        // Goods can be held on an edge under a receipt pause (at the customer), or under a
        // shipment pause or licence hold (at the supplier). Holding at the supplier can also
        // leave its on-hand a rounding error below zero for the claims served after it, whose
        // shipments then record that error as held; so one such edge marks all of its
        // supplier's edges.
        let mut held_bits = vec![0u8; ne];
        for d in &net.disruptions {
            for &e in &d.edges {
                held_bits[e as usize] |= d.bit;
            }
        }
        let mut supplier_holds = vec![false; nn];
        for e in 0..ne {
            let from = net.e_from[e];
            if from != NONE && (held_bits[e] & BIT_SP != 0 || net.e_licence[e] != NONE) {
                supplier_holds[from as usize] = true;
            }
        }
        let edges = (0..ne)
            .map(|e| EdgeRec {
                oo: [0.0; N],
                bo: [0.0; N],
                oq: [0.0; N],
                flags: [0; N],
                pout: net.e_pipe[e],
                pin: net.e_pipe[e] + net.e_lead[e],
                from: net.e_from[e],
                lead: net.e_lead[e],
                pipe0: net.e_pipe[e],
                licence: net.e_licence[e],
                stockpile: net.e_stockpile[e],
                share: net.e_share[e],
                may_hold_in: held_bits[e] & BIT_RP != 0,
                may_hold_out: net.e_from[e] != NONE && supplier_holds[net.e_from[e] as usize],
            })
            .collect();
        let slots = (0..net.slot_bom.len())
            .map(|sl| {
                let (a, b) = (net.slot_edge_start[sl], net.slot_edge_start[sl + 1]);
                SlotRec {
                    rm: [0.0; N],
                    bom: net.slot_bom[sl],
                    h: net.slot_h[sl],
                    edges: (a, b),
                    charged: !(b - a == 1
                        && net.e_from[net.slot_edges[a as usize] as usize] == NONE),
                }
            })
            .collect();
        let procs = (0..np)
            .map(|q| ProcRec {
                members: (net.mem_start[q], net.mem_start[q + 1]),
                slots: (net.slot_start[q], net.slot_start[q + 1]),
                simple: net.simple[q],
                capped: net.has_capacity && net.capped[q],
                external: (net.slot_start[q]..net.slot_start[q + 1]).any(|sl| {
                    let sl = sl as usize;
                    let (a, b) = (net.slot_edge_start[sl], net.slot_edge_start[sl + 1]);
                    net.slot_edges[a as usize..b as usize]
                        .iter()
                        .any(|&e| net.e_from[e as usize] == NONE)
                }),
            })
            .collect();
        BatchState {
            nodes,
            demand: vec![
                DemandRec {
                    bo_ext: [0.0; N],
                    dem_sum: [0.0; N],
                    met_sum: [0.0; N],
                };
                net.demands.len()
            ],
            dem: vec![[0.0; N]; net.demands.len()],
            short: vec![
                ShortRec {
                    shortage: [0.0; N],
                    stockout_periods: [0; N],
                    first_stockout: [NONE; N],
                };
                nn
            ],
            edges,
            held: vec![
                HeldRec {
                    idi: [0.0; N],
                    odi: [0.0; N],
                };
                ne
            ],
            os: vec![[0.0; N]; ne],
            slots,
            procs,
            pipe: vec![[0.0; N]; net.pipe_len],
            dstate: vec![[false; N]; net.disruptions.len()],
            episode: vec![[(u32::MAX, u32::MAX); N]; net.disruptions.len()],
            lic: vec![[LicState::default(); N]; net.licences.len()],
            sp_budget: vec![[0.0; N]; net.stockpiles.len()],
            sp_released: vec![[0.0; N]; net.stockpiles.len()],
            cost_total: [0.0; N],
            record_shipped: false,
            single_sweep: net.single_sweep(),
            zero: [0.0; N],
        }
    }

    fn reset(&mut self, net: &Network, rngs: &mut [ChaCha8Rng; N]) {
        for (nd, &il) in self.nodes.iter_mut().zip(&net.init_il) {
            nd.il = [il; N];
        }
        self.dem.fill([0.0; N]);
        for d in &mut self.demand {
            d.bo_ext = [0.0; N];
            d.dem_sum = [0.0; N];
            d.met_sum = [0.0; N];
        }
        for sh in &mut self.short {
            sh.shortage = [0.0; N];
            sh.stockout_periods = [0; N];
            sh.first_stockout = [NONE; N];
        }
        for (ed, &oo) in self.edges.iter_mut().zip(&net.init_oo) {
            ed.oo = [oo; N];
            ed.bo = [0.0; N];
            ed.oq = [0.0; N];
            ed.flags = [0; N];
            ed.pout = ed.pipe0;
            ed.pin = ed.pipe0 + ed.lead;
        }
        for sl in &mut self.slots {
            sl.rm = [0.0; N];
        }
        for h in &mut self.held {
            h.idi = [0.0; N];
            h.odi = [0.0; N];
        }
        for (p, &x) in self.pipe.iter_mut().zip(&net.init_pipe) {
            *p = [x; N];
        }
        for v in [&mut self.os, &mut self.sp_budget, &mut self.sp_released] {
            v.fill([0.0; N]);
        }
        self.dstate.fill([false; N]);
        self.lic.fill([LicState::default(); N]);
        self.cost_total = [0.0; N];
        // same draw order as State::reset, per lane
        for (j, rng) in rngs.iter_mut().enumerate() {
            for (i, d) in net.disruptions.iter().enumerate() {
                self.episode[i][j] = (u32::MAX, u32::MAX);
                if let CProcess::Episode {
                    probability,
                    start,
                    duration,
                } = &d.process
                {
                    let u: f64 = rng.random();
                    if u < *probability {
                        let s = start.sample_periods(rng);
                        let dur = duration.sample_periods(rng);
                        self.episode[i][j] = (s, s.saturating_add(dur));
                    }
                }
            }
        }
    }

    /// Inbound disrupted items on edge `e` (zero unless it can be receipt-paused).
    #[inline(always)]
    fn idi(&self, e: usize) -> &L<N> {
        if self.edges[e].may_hold_in {
            &self.held[e].idi
        } else {
            &self.zero
        }
    }

    /// Outbound disrupted items on edge `e` (zero unless its supplier can hold goods on any edge).
    #[inline(always)]
    fn odi(&self, e: usize) -> &L<N> {
        if self.edges[e].may_hold_out {
            &self.held[e].odi
        } else {
            &self.zero
        }
    }

    /// Amount shipped on a lane in the last period, per replication of the batch (the scalar
    /// [`crate::State::shipped`]).
    pub fn shipped(&self, e: EdgeId) -> &[f64; N] {
        &self.os[e.0 as usize]
    }
}

/// Receives the batch state at the end of every period (the batched [`crate::Observer`]).
pub trait BatchObserver<const N: usize> {
    /// Called after period `t` is complete.
    fn period_end(&mut self, t: u32, net: &Network, state: &BatchState<N>);
    /// Whether the observer reads [`BatchState::shipped`] (the kernel skips storing
    /// shipments otherwise).
    fn reads_shipments(&self) -> bool {
        true
    }
}

/// The no-op observer.
impl<const N: usize> BatchObserver<N> for () {
    #[inline(always)]
    fn period_end(&mut self, _: u32, _: &Network, _: &BatchState<N>) {}
    fn reads_shipments(&self) -> bool {
        false
    }
}

impl<const N: usize, F: FnMut(u32, &Network, &BatchState<N>)> BatchObserver<N> for F {
    #[inline(always)]
    fn period_end(&mut self, t: u32, net: &Network, state: &BatchState<N>) {
        self(t, net, state)
    }
}

impl Network {
    /// Whether the lane-batched kernel applies (see [`crate::batch`]): every network without
    /// origin tracing.
    pub fn batchable(&self) -> bool {
        self.k_origin == 0
    }

    /// Whether the batched kernel runs each period as one sweep over the processes in reverse
    /// topological order instead of three (orders upstream, shipments downstream, costs).
    ///
    /// The results are the same because, within a period, a process reads only what its
    /// customers did before it in either order (their orders, their receipts from its
    /// pipelines) and what it did itself, provided that
    /// - every lane between two facilities has a lead time of at least one period, so nothing
    ///   shipped arrives in the same period (the downstream shipment pass exists for
    ///   same-period arrivals), and
    /// - no lane is licensed: licence decisions draw from the replication's stream in shipment
    ///   order, which the sweep would change.
    ///
    /// The sweep reads and writes the state once per period instead of three times, which
    /// matters once a batch no longer fits in cache.
    pub fn single_sweep(&self) -> bool {
        !self.has_licences
            && self
                .e_from
                .iter()
                .zip(&self.e_lead)
                .all(|(&from, &lead)| from == NONE || lead >= 1)
    }

    /// Replications per batch for this network: [`LANES`], or [`LANES_LARGE`] when a batch of
    /// [`LANES`] would hold more than 4 MiB of lane state. Sixteen lanes share the per-entity
    /// overhead best, but on the synthetic layered networks a 16-lane batch of 10^4 lanes
    /// (about 13 MiB) ran slower than an 8-lane one; the choice changes no result, since lanes
    /// are independent.
    pub fn batch_lanes(&self) -> usize {
        // f64 lane values per replication: node level, demand side (4) and metrics (1) per
        // node, five per edge, one per input slot and per pipeline slot
        let words =
            6 * self.node_count() + 5 * self.e_from.len() + self.slot_bom.len() + self.pipe_len;
        if words * 8 * LANES <= 4 << 20 {
            LANES
        } else {
            LANES_LARGE
        }
    }
}

/// Runs replications `first_rep .. first_rep + LANES` of `seed` for `horizon` periods and
/// returns their summaries (bit-identical to the scalar kernel's). The network must be
/// [`Network::batchable`] and `horizon >= 1` (checked by the caller).
pub fn run_batch<const N: usize>(
    net: &Network,
    bs: &mut BatchState<N>,
    horizon: u32,
    seed: u64,
    first_rep: u64,
) -> Vec<ReplicationSummary> {
    run_batch_observed(net, bs, horizon, seed, first_rep, &mut ())
}

/// [`run_batch`] with an observer called after every period.
pub fn run_batch_observed<O: BatchObserver<N> + ?Sized, const N: usize>(
    net: &Network,
    bs: &mut BatchState<N>,
    horizon: u32,
    seed: u64,
    first_rep: u64,
    obs: &mut O,
) -> Vec<ReplicationSummary> {
    let mut rngs: [ChaCha8Rng; N] =
        std::array::from_fn(|j| replication_rng(seed, first_rep + j as u64));
    bs.reset(net, &mut rngs);
    bs.record_shipped = obs.reads_shipments();
    for t in 0..horizon {
        step(net, bs, t, &mut rngs);
        obs.period_end(t, net, bs);
    }
    (0..N)
        .map(|j| ReplicationSummary {
            cost: bs.cost_total[j],
            fill_rate: bs
                .demand
                .iter()
                .map(|nd| {
                    if nd.dem_sum[j] > 0.0 {
                        nd.met_sum[j] / nd.dem_sum[j]
                    } else {
                        1.0
                    }
                })
                .collect(),
            lost_output: bs
                .demand
                .iter()
                .map(|nd| nd.dem_sum[j] - nd.met_sum[j])
                .collect(),
            unmet_at_end: bs.demand.iter().map(|nd| nd.bo_ext[j]).collect(),
            first_stockout: bs
                .short
                .iter()
                .map(|nd| (nd.first_stockout[j] != NONE).then_some(nd.first_stockout[j]))
                .collect(),
            stockout_periods: bs.short.iter().map(|nd| nd.stockout_periods[j]).collect(),
            shortage: bs.short.iter().map(|nd| nd.shortage[j]).collect(),
            drawdown: bs.sp_released.iter().map(|s| s[j]).collect(),
        })
        .collect()
}

fn step<R: Rng, const N: usize>(net: &Network, st: &mut BatchState<N>, t: u32, rngs: &mut [R; N]) {
    disruptions(net, st, t, rngs);
    // 2. demand: the scalar kernel draws all disruptions, then all demands, per replication;
    // lanes have independent streams so lane-by-lane order is equivalent.
    for ((_, d), x) in net.demands.iter().zip(&mut st.dem) {
        match d {
            Demand::Constant(c) => *x = [*c; N],
            Demand::Series(v) => *x = [v[t as usize % v.len()]; N],
            Demand::Random(dist) => {
                for j in 0..N {
                    x[j] = dist.sample(&mut rngs[j]);
                }
            }
        }
    }
    if net.has_stockpiles {
        for (i, sp) in net.stockpiles.iter().enumerate() {
            let il = &st.nodes[sp.node as usize].il;
            for j in 0..N {
                st.sp_budget[i][j] = sp.rate.min(il[j].max(0.0));
            }
        }
    }
    let mut period_cost = [0.0; N];
    if st.single_sweep {
        // 3-6 in one sweep (see `Network::single_sweep`): a process's customers have placed
        // their orders and taken their receipts before it is visited, and nothing it ships
        // arrives this period, so each process can order, receive, make, ship and book its
        // costs in turn while its records are in cache.
        for &q in net.topo.iter().rev() {
            let q = q as usize;
            order_process(net, st, q, t);
            ship_process(net, st, q, t, rngs);
            advance_external(net, st, q);
            book_costs(net, st, q, t, &mut period_cost);
        }
    } else {
        // 3. orders
        for &q in net.topo.iter().rev() {
            order_process(net, st, q as usize, t);
        }
        // 4. shipments
        for &q in &net.topo {
            ship_process(net, st, q as usize, t, rngs);
        }
        // 5 and 6. costs (summed in the single sweep's order) and pipeline advance
        for &q in net.topo.iter().rev() {
            let q = q as usize;
            advance_external(net, st, q);
            book_costs(net, st, q, t, &mut period_cost);
        }
    }
    for j in 0..N {
        st.cost_total[j] += period_cost[j];
    }
}

/// Phase 3 for process `q`: its order on each supplier lane.
#[inline(always)]
fn order_process<const N: usize>(net: &Network, st: &mut BatchState<N>, q: usize, t: u32) {
    let pr = st.procs[q];
    if pr.simple {
        order_simple(net, st, pr, q, t);
    } else {
        order_general(net, st, pr, q, t);
    }
}

/// Phase 4 for process `q`: receipt, production and each member's shipments.
#[inline(always)]
fn ship_process<R: Rng, const N: usize>(
    net: &Network,
    st: &mut BatchState<N>,
    q: usize,
    t: u32,
    rngs: &mut [R; N],
) {
    let pr = st.procs[q];
    let make = if pr.simple {
        receive_simple(net, st, pr, q, t)
    } else {
        receive_general(net, st, pr, q, t)
    };
    for &n in &net.mem_nodes[pr.members.0 as usize..pr.members.1 as usize] {
        let n = n as usize;
        let nd = &mut st.nodes[n];
        let y = nd.yield_;
        let mut on_hand = [0.0; N];
        for j in 0..N {
            // y = 1 for a simple process: make * 1.0 is make, as the scalar simple path
            // computes it
            let made = make[j] * y;
            on_hand[j] = pmax0(nd.il[j]) + made;
            nd.il[j] += made;
        }
        // what is left on hand is not kept: the batch keeps no mass accounting
        if nd.plain_ship {
            ship_plain(net, st, n, on_hand);
        } else {
            ship_general(net, st, n, on_hand, t, rngs);
        }
    }
}

/// Phase 1, disruption states, per lane in declaration order, as the scalar kernel.
#[inline(always)]
fn disruptions<R: Rng, const N: usize>(
    net: &Network,
    st: &mut BatchState<N>,
    t: u32,
    rngs: &mut [R; N],
) {
    if net.disruptions.is_empty() {
        return;
    }
    for &e in &net.disrupted_edges {
        st.edges[e as usize].flags = [0; N];
    }
    for (i, d) in net.disruptions.iter().enumerate() {
        let mut active = [false; N];
        match &d.process {
            CProcess::Markov { alpha, beta } => {
                for j in 0..N {
                    let u: f64 = rngs[j].random();
                    active[j] = if st.dstate[i][j] {
                        u <= 1.0 - beta
                    } else {
                        u <= *alpha
                    };
                }
            }
            CProcess::Series(v) => active = [v[t as usize % v.len()]; N],
            CProcess::Scheduled(w) => active = [w.iter().any(|&(a, b)| t >= a && t < b); N],
            CProcess::Episode { .. } => {
                for j in 0..N {
                    let (a, b) = st.episode[i][j];
                    active[j] = t >= a && t < b;
                }
            }
        }
        st.dstate[i] = active;
        for &e in &d.edges {
            let f = &mut st.edges[e as usize].flags;
            for j in 0..N {
                f[j] |= if active[j] { d.bit } else { 0 };
            }
        }
    }
}

#[inline(always)]
fn cap_at<const N: usize>(net: &Network, pr: ProcRec, q: usize, t: u32, x: &mut L<N>) {
    if pr.capped {
        let c = net.cap[q].at(t);
        for v in x {
            *v = v.min(c);
        }
    }
}

/// Order step of a simple process (the scalar `order_simple`).
#[inline(always)]
fn order_simple<const N: usize>(
    net: &Network,
    st: &mut BatchState<N>,
    pr: ProcRec,
    q: usize,
    t: u32,
) {
    let (s0, s1) = (pr.slots.0 as usize, pr.slots.1 as usize);
    let mut pipeline = if s0 == s1 {
        [0.0; N]
    } else {
        [f64::INFINITY; N]
    };
    for slot in &st.slots[s0..s1] {
        let e = net.slot_edges[slot.edges.0 as usize] as usize;
        let (oo, idi) = (&st.edges[e].oo, st.idi(e));
        for j in 0..N {
            pipeline[j] = pmin(pipeline[j], slot.rm[j] + (oo[j] + idi[j]));
        }
    }
    let n = net.mem_nodes[pr.members.0 as usize] as usize;
    let d = node_orders(net, st, n);
    let nd = &st.nodes[n];
    let mut act = [0.0; N];
    for j in 0..N {
        act[j] = pmax0(nd.base - ((nd.il[j] + pipeline[j]) - d[j]));
    }
    cap_at(net, pr, q, t, &mut act);
    for sl in s0..s1 {
        let e = net.slot_edges[st.slots[sl].edges.0 as usize] as usize;
        let ed = &mut st.edges[e];
        let mut x = act;
        for j in 0..N {
            if ed.flags[j] & BIT_OP != 0 {
                x[j] = 0.0;
            }
        }
        place_order(&mut st.pipe, ed, x);
    }
}

/// Places order `x` on edge `ed`; an external supplier is never short and ships at once.
#[inline(always)]
fn place_order<const N: usize>(pipe: &mut [L<N>], ed: &mut EdgeRec<N>, x: L<N>) {
    ed.oq = x;
    for j in 0..N {
        ed.oo[j] += x[j];
    }
    if ed.from == NONE {
        let p = &mut pipe[ed.pin as usize];
        for j in 0..N {
            p[j] += x[j];
        }
    }
}

/// Orders placed on a node this period: its lanes' orders plus its external demand.
#[inline(always)]
fn node_orders<const N: usize>(net: &Network, st: &BatchState<N>, n: usize) -> L<N> {
    let nd = &st.nodes[n];
    let mut d = [0.0; N];
    for &e in &net.out_edges[nd.out.0 as usize..nd.out.1 as usize] {
        let oq = &st.edges[e as usize].oq;
        for j in 0..N {
            d[j] += oq[j];
        }
    }
    if nd.has_demand {
        let dem = &st.dem[net.demand_of[n] as usize];
        for j in 0..N {
            d[j] += dem[j];
        }
    }
    d
}

/// Order step of a general process (co-products, BOMs, multi-supplier slots, stockpile lanes):
/// the scalar kernel's general path, lane by lane.
fn order_general<const N: usize>(
    net: &Network,
    st: &mut BatchState<N>,
    pr: ProcRec,
    q: usize,
    t: u32,
) {
    let (s0, s1) = (pr.slots.0 as usize, pr.slots.1 as usize);
    let mut pipeline = if s0 == s1 {
        [0.0; N]
    } else {
        [f64::INFINITY; N]
    };
    for slot in &st.slots[s0..s1] {
        let mut x = slot.rm;
        for &e in &net.slot_edges[slot.edges.0 as usize..slot.edges.1 as usize] {
            let (oo, idi) = (&st.edges[e as usize].oo, st.idi(e as usize));
            for j in 0..N {
                x[j] += oo[j] + idi[j];
            }
        }
        for j in 0..N {
            pipeline[j] = pmin(pipeline[j], x[j] / slot.bom);
        }
    }
    let mut act = [0.0; N];
    for &n in &net.mem_nodes[pr.members.0 as usize..pr.members.1 as usize] {
        let n = n as usize;
        let d = node_orders(net, st, n);
        let nd = &st.nodes[n];
        for j in 0..N {
            let ip = nd.il[j] + nd.yield_ * pipeline[j];
            let a = pmax0(nd.base - (ip - d[j])) / nd.yield_;
            if a > act[j] {
                act[j] = a;
            }
        }
    }
    cap_at(net, pr, q, t, &mut act);
    for sl in s0..s1 {
        let (bom, (ea, eb)) = (st.slots[sl].bom, st.slots[sl].edges);
        let mut qty = [0.0; N];
        for j in 0..N {
            qty[j] = act[j] * bom;
        }
        let edges = &net.slot_edges[ea as usize..eb as usize];
        if net.has_stockpiles {
            // stockpile lanes first: they take (part of) the order or top up the backlog
            for &e in edges {
                let e = e as usize;
                let spi = st.edges[e].stockpile;
                if spi == NONE {
                    continue;
                }
                let spi = spi as usize;
                let sp = &net.stockpiles[spi];
                for j in 0..N {
                    let mut x = 0.0;
                    if t >= sp.release_from {
                        x = qty[j].min(st.sp_budget[spi][j]);
                        qty[j] -= x;
                    } else if sp.on_shortage {
                        let mut backlog = 0.0;
                        for &e2 in edges {
                            let ed2 = &st.edges[e2 as usize];
                            if ed2.stockpile == NONE && ed2.from != NONE {
                                backlog += ed2.bo[j] + st.odi(e2 as usize)[j];
                            }
                        }
                        x = (backlog - st.edges[e].oo[j])
                            .max(0.0)
                            .min(st.sp_budget[spi][j]);
                    }
                    let ed = &mut st.edges[e];
                    if ed.flags[j] & BIT_OP != 0 {
                        x = 0.0;
                    }
                    st.sp_budget[spi][j] -= x;
                    ed.oq[j] = x;
                    ed.oo[j] += x;
                }
            }
        }
        for &e in edges {
            let ed = &mut st.edges[e as usize];
            if net.has_stockpiles && ed.stockpile != NONE {
                continue;
            }
            let mut x = [0.0; N];
            for j in 0..N {
                x[j] = if ed.flags[j] & BIT_OP != 0 {
                    0.0
                } else {
                    qty[j] * ed.share
                };
            }
            place_order(&mut st.pipe, ed, x);
        }
    }
}

/// Receipt of edge `ed` into slot `slot` (the scalar receive, same operations).
#[inline(always)]
fn receive_edge<const N: usize>(
    pipe: &mut [L<N>],
    ed: &mut EdgeRec<N>,
    held: &mut HeldRec<N>,
    slot: &mut SlotRec<N>,
) {
    let p0 = &mut pipe[ed.pout as usize];
    let ready = *p0;
    *p0 = [0.0; N];
    let f = ed.flags;
    let idi_in = if ed.may_hold_in { held.idi } else { [0.0; N] };
    let (r_in, oo_in) = (slot.rm, ed.oo);
    let (mut idi_out, mut r_out, mut oo_out) = ([0.0; N], [0.0; N], [0.0; N]);
    if any_bit(f, BIT_RP) {
        for j in 0..N {
            let rp = f[j] & BIT_RP != 0;
            receive_lane(rp, j, &ready, &idi_in, &r_in, &mut idi_out, &mut r_out);
            oo_out[j] = oo_in[j] - ready[j];
        }
    } else {
        for j in 0..N {
            receive_lane(false, j, &ready, &idi_in, &r_in, &mut idi_out, &mut r_out);
            oo_out[j] = oo_in[j] - ready[j];
        }
    }
    if ed.may_hold_in {
        held.idi = idi_out;
    }
    slot.rm = r_out;
    ed.oo = oo_out;
}

/// Receipt and production of a simple process; returns the activity (the scalar
/// `ship_simple` up to the shipment).
#[inline(always)]
fn receive_simple<const N: usize>(
    net: &Network,
    st: &mut BatchState<N>,
    pr: ProcRec,
    q: usize,
    t: u32,
) -> L<N> {
    let (s0, s1) = (pr.slots.0 as usize, pr.slots.1 as usize);
    let mut make = if s0 == s1 {
        [0.0; N]
    } else {
        [f64::INFINITY; N]
    };
    for slot in &mut st.slots[s0..s1] {
        let e = net.slot_edges[slot.edges.0 as usize] as usize;
        receive_edge(&mut st.pipe, &mut st.edges[e], &mut st.held[e], slot);
        for j in 0..N {
            make[j] = pmin(make[j], pmax0(slot.rm[j]));
        }
    }
    cap_at(net, pr, q, t, &mut make);
    for slot in &mut st.slots[s0..s1] {
        for j in 0..N {
            slot.rm[j] -= make[j];
        }
    }
    make
}

/// Receipt and production of a general process; returns the activity.
fn receive_general<const N: usize>(
    net: &Network,
    st: &mut BatchState<N>,
    pr: ProcRec,
    q: usize,
    t: u32,
) -> L<N> {
    let (s0, s1) = (pr.slots.0 as usize, pr.slots.1 as usize);
    for slot in &mut st.slots[s0..s1] {
        for &e in &net.slot_edges[slot.edges.0 as usize..slot.edges.1 as usize] {
            let e = e as usize;
            receive_edge(&mut st.pipe, &mut st.edges[e], &mut st.held[e], slot);
        }
    }
    // the binding input (and capacity) limits activity
    let mut make = if s0 == s1 {
        [0.0; N]
    } else {
        [f64::INFINITY; N]
    };
    for slot in &st.slots[s0..s1] {
        for j in 0..N {
            make[j] = pmin(make[j], pmax0(slot.rm[j]) / slot.bom);
        }
    }
    cap_at(net, pr, q, t, &mut make);
    for slot in &mut st.slots[s0..s1] {
        for j in 0..N {
            slot.rm[j] -= make[j] * slot.bom;
        }
    }
    make
}

/// Shipment of a node that rations in order, has no licensed lane and is not a stockpile:
/// branch-free over the lanes.
#[inline(always)]
fn ship_plain<const N: usize>(net: &Network, st: &mut BatchState<N>, n: usize, mut on_hand: L<N>) {
    let record = st.record_shipped;
    let nd = &mut st.nodes[n];
    for &c in &net.claims[nd.claims.0 as usize..nd.claims.1 as usize] {
        if c == NONE {
            let k = net.demand_of[n] as usize;
            let dr = &mut st.demand[k];
            let (bo_in, dem, il_in) = (dr.bo_ext, st.dem[k], nd.il);
            let (mut bo_out, mut il_out) = ([0.0; N], [0.0; N]);
            for j in 0..N {
                let ready = pmin(on_hand[j], bo_in[j] + dem[j]);
                on_hand[j] -= settle_external_lane(
                    ready,
                    bo_in[j],
                    dem[j],
                    il_in[j],
                    &mut dr.met_sum[j],
                    &mut dr.dem_sum[j],
                    &mut il_out[j],
                    &mut bo_out[j],
                );
            }
            dr.bo_ext = bo_out;
            nd.il = il_out;
        } else {
            let ed = &mut st.edges[c as usize];
            let f = ed.flags;
            let io = ed.oq;
            // Work on local lane arrays (copied in, written back), with a pause-free fast
            // path: this shape vectorises; the per-lane operations are unchanged.
            let held = &mut st.held[c as usize];
            let odi_in = if ed.may_hold_out { held.odi } else { [0.0; N] };
            let (bo_in, il_in) = (ed.bo, nd.il);
            let mut o = ShipOut::default();
            if any_bit(f, BIT_SP) {
                for j in 0..N {
                    let blocked = f[j] & BIT_SP != 0;
                    ship_lane(
                        blocked,
                        j,
                        &io,
                        &bo_in,
                        &odi_in,
                        &il_in,
                        &mut on_hand,
                        &mut o,
                    );
                }
            } else {
                for j in 0..N {
                    ship_lane(false, j, &io, &bo_in, &odi_in, &il_in, &mut on_hand, &mut o);
                }
            }
            ed.bo = o.bo;
            if ed.may_hold_out {
                held.odi = o.odi;
            }
            nd.il = o.il;
            if record {
                st.os[c as usize] = o.os;
            }
            let pl = &mut st.pipe[ed.pin as usize];
            for j in 0..N {
                pl[j] += o.os[j];
            }
        }
    }
}

/// Delivery of `ready` to a node's external customers in one lane (the scalar `settle` for
/// external demand, same operations); returns the on-hand consumed.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn settle_external_lane(
    ready: f64,
    bo_old: f64,
    io: f64,
    il_in: f64,
    met_sum: &mut f64,
    dem_sum: &mut f64,
    il_out: &mut f64,
    bo_out: &mut f64,
) -> f64 {
    let os = ready + 0.0;
    let di_os = pmin(os, 0.0);
    let bo_os = pmin(os - di_os, bo_old);
    let non = os - bo_os - di_os;
    *met_sum += pmax0(os - bo_old);
    *dem_sum += io;
    *il_out = il_in - io;
    *bo_out = (bo_old - (bo_os + 0.0)) + pmax0(io - 0.0 - non);
    os - di_os + 0.0
}

/// A claim's current size in every lane: backorders plus this period's order.
#[inline(always)]
fn claim<const N: usize>(net: &Network, st: &BatchState<N>, n: usize, c: u32) -> L<N> {
    let (bo, new) = if c == NONE {
        let k = net.demand_of[n] as usize;
        (&st.demand[k].bo_ext, &st.dem[k])
    } else {
        let ed = &st.edges[c as usize];
        (&ed.bo, &ed.oq)
    };
    let mut x = [0.0; N];
    for j in 0..N {
        x[j] = bo[j] + new[j];
    }
    x
}

/// Shipment of any node under its rationing rule (the scalar `ship_node`), lane by lane.
fn ship_general<R: Rng, const N: usize>(
    net: &Network,
    st: &mut BatchState<N>,
    n: usize,
    mut on_hand: L<N>,
    t: u32,
    rngs: &mut [R; N],
) {
    let (c0, c1) = (st.nodes[n].claims.0 as usize, st.nodes[n].claims.1 as usize);
    if st.nodes[n].in_order {
        for ci in c0..c1 {
            let c = net.claims[ci];
            let size = claim(net, st, n, c);
            let mut ready = [0.0; N];
            for j in 0..N {
                ready[j] = pmin(on_hand[j], size[j]);
            }
            let used = settle(net, st, n, c, &ready, t, rngs);
            for j in 0..N {
                on_hand[j] -= used[j];
            }
        }
    } else {
        let mut ci = c0;
        while ci < c1 {
            let class = net.claim_class[ci];
            let mut cj = ci;
            let mut total = [0.0; N];
            while cj < c1 && net.claim_class[cj] == class {
                let size = claim(net, st, n, net.claims[cj]);
                for j in 0..N {
                    total[j] += size[j];
                }
                cj += 1;
            }
            let mut f = [0.0; N];
            for j in 0..N {
                f[j] = if total[j] <= on_hand[j] {
                    1.0
                } else {
                    on_hand[j] / total[j]
                };
            }
            for ck in ci..cj {
                let c = net.claims[ck];
                let mut ready = [0.0; N];
                let size = claim(net, st, n, c);
                for j in 0..N {
                    ready[j] = if f[j] >= 1.0 { size[j] } else { size[j] * f[j] };
                }
                let used = settle(net, st, n, c, &ready, t, rngs);
                for j in 0..N {
                    on_hand[j] = (on_hand[j] - used[j]).max(0.0);
                }
            }
            ci = cj;
        }
    }
}

/// The scalar `settle` for one claim in every lane; returns the on-hand consumed per lane.
#[inline(always)]
fn settle<R: Rng, const N: usize>(
    net: &Network,
    st: &mut BatchState<N>,
    n: usize,
    c: u32,
    ready: &L<N>,
    t: u32,
    rngs: &mut [R; N],
) -> L<N> {
    let mut used = [0.0; N];
    let nd = &mut st.nodes[n];
    if c == NONE {
        let k = net.demand_of[n] as usize;
        let dr = &mut st.demand[k];
        let (bo_in, dem, il_in) = (dr.bo_ext, st.dem[k], nd.il);
        let (mut bo_out, mut il_out) = ([0.0; N], [0.0; N]);
        for j in 0..N {
            used[j] = settle_external_lane(
                ready[j],
                bo_in[j],
                dem[j],
                il_in[j],
                &mut dr.met_sum[j],
                &mut dr.dem_sum[j],
                &mut il_out[j],
                &mut bo_out[j],
            );
        }
        dr.bo_ext = bo_out;
        nd.il = il_out;
        return used;
    }
    let ed = &mut st.edges[c as usize];
    let held = &mut st.held[c as usize];
    let mut odi = if ed.may_hold_out { held.odi } else { [0.0; N] };
    let mut blocked = [false; N];
    for j in 0..N {
        blocked[j] = ed.flags[j] & BIT_SP != 0;
    }
    if net.has_licences && ed.licence != NONE {
        let key = ed.licence as usize;
        let l = &net.licences[key];
        for j in 0..N {
            if !blocked[j] && ready[j] + odi[j] > 0.0 {
                blocked[j] = !licence_ok(l, &mut st.lic[key][j], t, &mut rngs[j]);
            }
        }
    }
    let p = &mut st.pipe[ed.pin as usize];
    let mut os_v = [0.0; N];
    for j in 0..N {
        let (io, odi_old) = (ed.oq[j], odi[j]);
        let s = ship_on_lane(blocked[j], ready[j], io, ed.bo[j], odi_old);
        os_v[j] = s.os;
        nd.il[j] -= io;
        ed.bo[j] = s.bo;
        odi[j] = odi_old + (s.odi_new - s.di_os);
        p[j] += s.os;
        used[j] = s.os - s.di_os + s.odi_new;
    }
    if ed.may_hold_out {
        held.odi = odi;
    }
    if st.record_shipped {
        st.os[c as usize] = os_v;
    }
    if net.has_stockpiles && nd.stockpile != NONE {
        let r = &mut st.sp_released[nd.stockpile as usize];
        for j in 0..N {
            r[j] += os_v[j];
        }
    }
    used
}

/// Phase 6 for the external-supply lanes of process `q` (no cost pass reads them).
#[inline(always)]
fn advance_external<const N: usize>(net: &Network, st: &mut BatchState<N>, q: usize) {
    let pr = st.procs[q];
    if !pr.external {
        return;
    }
    for slot in &st.slots[pr.slots.0 as usize..pr.slots.1 as usize] {
        for &e in &net.slot_edges[slot.edges.0 as usize..slot.edges.1 as usize] {
            let ed = &mut st.edges[e as usize];
            if ed.from == NONE {
                let o = ed.pipe0 as usize;
                advance_edge(ed, &mut st.pipe[o..=o + ed.lead as usize]);
            }
        }
    }
}

/// Phases 5 and 6 for the members of process `q`: costs (added to `period_cost`) and
/// stock-out metrics; each pipeline a member supplies advances (see [`advance_edge`]) right
/// after its cost has read it (an edge's pipeline is read by its supplier's costs only).
#[inline(always)]
fn book_costs<const N: usize>(
    net: &Network,
    st: &mut BatchState<N>,
    q: usize,
    t: u32,
    period_cost: &mut L<N>,
) {
    let pr = st.procs[q];
    for &n in &net.mem_nodes[pr.members.0 as usize..pr.members.1 as usize] {
        let n = n as usize;
        let nd = &st.nodes[n];
        let mut odi_sum = [0.0; N];
        let mut transit = [0.0; N];
        // The pipeline sum only feeds the in-transit cost: skipped when its rate is zero, as
        // in the scalar kernel.
        let count_transit = nd.h_it != 0.0;
        for &e in &net.out_edges[nd.out.0 as usize..nd.out.1 as usize] {
            let odi = st.odi(e as usize);
            for j in 0..N {
                odi_sum[j] += odi[j];
            }
            let ed = &mut st.edges[e as usize];
            let o = ed.pipe0 as usize;
            let ring = &mut st.pipe[o..=o + ed.lead as usize];
            if count_transit {
                // logical slot order (head to tail), as a shifted pipeline sums
                let (a, b) = ring.split_at(ed.pout as usize - o);
                let mut s = [0.0; N];
                for slot in b.iter().chain(a.iter()) {
                    for j in 0..N {
                        s[j] += slot[j];
                    }
                }
                for j in 0..N {
                    transit[j] += s[j];
                }
            }
            // the pipeline is done with for this period: advance it while it is in cache
            advance_edge(ed, ring);
        }
        let il = nd.il;
        let mut hold = [0.0; N];
        for j in 0..N {
            hold[j] = nd.h * (pmax0(il[j]) + odi_sum[j]);
        }
        let charged = if nd.leader { pr.slots } else { (0, 0) };
        for slot in &st.slots[charged.0 as usize..charged.1 as usize] {
            if !slot.charged {
                continue; // external supply: stockpyl charges no raw-material holding
            }
            let edges = &net.slot_edges[slot.edges.0 as usize..slot.edges.1 as usize];
            let mut idi = *st.idi(edges[0] as usize);
            for &e in &edges[1..] {
                let x = st.idi(e as usize);
                for j in 0..N {
                    idi[j] += x[j];
                }
            }
            for j in 0..N {
                hold[j] += slot.h * (slot.rm[j] + idi[j]);
            }
        }
        for j in 0..N {
            let total = hold[j] + nd.p * pmax0(-il[j]) + nd.h_it * transit[j];
            period_cost[j] += total;
        }
        // Stock-out metrics: the common case (no lane short) skips them; otherwise branch-free
        // on local copies.
        if il.iter().any(|&x| x < 0.0) {
            let nd = &mut st.short[n];
            for j in 0..N {
                let out = il[j] < 0.0;
                nd.stockout_periods[j] += u32::from(out);
                let fs = nd.first_stockout[j];
                nd.first_stockout[j] = if out && fs == NONE { t } else { fs };
                nd.shortage[j] -= if out { il[j] } else { 0.0 };
            }
        }
    }
}

/// Phase 6 for one edge, its pipeline (`ring`, the edge's `lead + 1` slots) advances: the
/// shared ring head rotates (slot 0 merges into slot 1, which becomes slot 0; the old slot 0
/// becomes the empty last slot). A lane under a transit pause keeps its goods in place, so its
/// column is rotated back.
#[inline(always)]
fn advance_edge<const N: usize>(ed: &mut EdgeRec<N>, ring: &mut [L<N>]) {
    let l = ed.lead as usize;
    if l == 0 {
        return;
    }
    let f = ed.flags;
    let r0 = (ed.pout - ed.pipe0) as usize;
    let r1 = if r0 == l { 0 } else { r0 + 1 };
    if !any_bit(f, BIT_TP) {
        let (x0, x1) = (ring[r0], ring[r1]);
        let mut m = [0.0; N];
        for j in 0..N {
            m[j] = x0[j] + x1[j];
        }
        ring[r1] = m;
        ring[r0] = [0.0; N];
    } else {
        if f.iter().all(|&x| x & BIT_TP != 0) {
            return; // every lane paused: nothing moves, the head stays
        }
        for j in 0..N {
            if f[j] & BIT_TP == 0 {
                ring[r1][j] += ring[r0][j]; // IEEE addition commutes exactly
                ring[r0][j] = 0.0;
            } else {
                // after the rotation logical slot s sits at physical r0 + 1 + s: move this
                // lane's column one place forward (cyclically) so nothing moves
                let last = ring[(r0 + l) % (l + 1)][j];
                for s in (1..=l).rev() {
                    ring[(r0 + s) % (l + 1)][j] = ring[(r0 + s - 1) % (l + 1)][j];
                }
                ring[r0][j] = last;
            }
        }
    }
    ed.pout = ed.pipe0 + r1 as u32;
    ed.pin = ed.pipe0 + r0 as u32;
}

// Layout at 8 lanes, in cache lines: a node's lane state and its static data in one line each;
// an edge's three lane values (on order, backorders, this period's order) and its static data
// in one line each.
const _: () = assert!(std::mem::size_of::<NodeRec<LANES_LARGE>>() == 128);
const _: () = assert!(std::mem::size_of::<EdgeRec<LANES_LARGE>>() == 256);
