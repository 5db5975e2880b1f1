//! Lane-batched kernel: `LANES` replications advance together, every state variable is an
//! array over lanes, so the per-entity loop overhead is paid once per batch and the arithmetic
//! vectorises (selects instead of branches).
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
//! Invariant: lane `j` performs exactly the floating-point operations of the scalar kernel for
//! its replication and draws from its own stream in the same order, so results are
//! bit-identical to [`crate::run_replication`] (tested on plain and feature-rich networks).

// Lane loops index several parallel arrays by the lane number on purpose: that is the shape
// LLVM vectorises, and zipped iterators over 4-6 arrays would obscure it.
#![allow(clippy::needless_range_loop)]

use rand::{Rng, RngExt};
use rand_chacha::ChaCha8Rng;

use crate::engine::licence_ok;
use crate::mc::{ReplicationSummary, replication_rng};
use crate::network::{BIT_OP, BIT_RP, BIT_SP, BIT_TP, CProcess, NONE, Network};
use crate::spec::{Demand, EdgeId, Rationing};
use crate::state::LicState;

/// Replications per batch.
pub const LANES: usize = 8;
type L = [f64; LANES];
const Z: L = [0.0; LANES];

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
fn any_bit(f: [u8; LANES], bit: u8) -> bool {
    u64::from_ne_bytes(f) & (u64::from(bit) * 0x0101_0101_0101_0101) != 0
}

/// Receipt of one lane (the scalar kernel's `ship_simple` receive, in the same operations).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn receive_lane(
    rp: bool,
    j: usize,
    ready: &L,
    idi_in: &L,
    r_in: &L,
    idi_out: &mut L,
    r_out: &mut L,
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
#[derive(Default)]
struct ShipOut {
    bo: L,
    odi: L,
    il: L,
    os: L,
}

/// Shipment on a lane of one replication (the scalar kernel's `settle`, same operations).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn ship_lane(
    blocked: bool,
    j: usize,
    io: &L,
    bo_in: &L,
    odi_in: &L,
    il_in: &L,
    on_hand: &mut L,
    o: &mut ShipOut,
) {
    let bo_old = bo_in[j];
    let odi_old = odi_in[j];
    let ready = pmin(on_hand[j], bo_old + io[j]);
    let os = if blocked { 0.0 } else { ready + odi_old };
    let odi_new = if blocked { ready } else { 0.0 };
    let bo_to_di = if blocked { pmin(ready, bo_old) } else { 0.0 };
    let nd_to_di = if blocked { odi_new - bo_to_di } else { 0.0 };
    let di_os = pmin(os, odi_old);
    let bo_os = pmin(os - di_os, bo_old);
    let non = os - bo_os - di_os;
    o.il[j] = il_in[j] - io[j];
    o.bo[j] = (bo_old - (bo_os + bo_to_di)) + pmax0(io[j] - nd_to_di - non);
    o.odi[j] = odi_old + (odi_new - di_os);
    on_hand[j] -= os - di_os + odi_new;
    o.os[j] = os;
}

/// Per-batch state (lane-major arrays).
#[derive(Debug, Clone)]
pub struct BatchState {
    il: Vec<L>,
    dem: Vec<L>,
    bo_ext: Vec<L>,
    stockout_periods: Vec<[u32; LANES]>,
    first_stockout: Vec<[u32; LANES]>,
    shortage: Vec<L>,
    dem_sum: Vec<L>,
    met_sum: Vec<L>,
    rm: Vec<L>,
    /// Pipeline rings (see [`crate::State`]'s `pipe`): the heads `pout`/`pin` are shared by
    /// the lanes.
    pipe: Vec<L>,
    pout: Vec<u32>,
    pin: Vec<u32>,
    oo: Vec<L>,
    idi: Vec<L>,
    odi: Vec<L>,
    bo: Vec<L>,
    oq: Vec<L>,
    os: Vec<L>,
    flags: Vec<[u8; LANES]>,
    dstate: Vec<[bool; LANES]>,
    episode: Vec<[(u32, u32); LANES]>,
    lic: Vec<[LicState; LANES]>,
    sp_budget: Vec<L>,
    sp_released: Vec<L>,
    cost_total: L,
    /// Whether shipments are stored per edge for an observer ([`BatchState::shipped`]).
    record_shipped: bool,
    /// Edges from external suppliers (advanced apart from the cost pass).
    external_edges: Vec<u32>,
    /// Per node: ships on the plain path (in-order rationing, no licensed lane, not a
    /// stockpile). A property of the network, computed once.
    plain_ship: Vec<bool>,
}

impl BatchState {
    /// Allocates batch state for `net`.
    pub fn new(net: &Network) -> Self {
        let nn = net.node_count();
        let ne = net.e_from.len();
        let plain_ship = (0..nn)
            .map(|n| {
                net.rationing[n] == Rationing::InOrder
                    && net.stockpile_of[n] == NONE
                    && net.claims[net.claim_start[n] as usize..net.claim_start[n + 1] as usize]
                        .iter()
                        .all(|&c| c == NONE || net.e_licence[c as usize] == NONE)
            })
            .collect();
        BatchState {
            il: vec![Z; nn],
            dem: vec![Z; nn],
            bo_ext: vec![Z; nn],
            stockout_periods: vec![[0; LANES]; nn],
            first_stockout: vec![[NONE; LANES]; nn],
            shortage: vec![Z; nn],
            dem_sum: vec![Z; nn],
            met_sum: vec![Z; nn],
            rm: vec![Z; net.slot_bom.len()],
            pipe: vec![Z; net.pipe_len],
            pout: net.e_pipe.clone(),
            pin: (0..ne).map(|e| net.e_pipe[e] + net.e_lead[e]).collect(),
            oo: vec![Z; ne],
            idi: vec![Z; ne],
            odi: vec![Z; ne],
            bo: vec![Z; ne],
            oq: vec![Z; ne],
            os: vec![Z; ne],
            flags: vec![[0; LANES]; ne],
            dstate: vec![[false; LANES]; net.disruptions.len()],
            episode: vec![[(u32::MAX, u32::MAX); LANES]; net.disruptions.len()],
            lic: vec![[LicState::default(); LANES]; net.licences.len()],
            sp_budget: vec![Z; net.stockpiles.len()],
            sp_released: vec![Z; net.stockpiles.len()],
            cost_total: Z,
            record_shipped: false,
            external_edges: (0..ne as u32)
                .filter(|&e| net.e_from[e as usize] == NONE)
                .collect(),
            plain_ship,
        }
    }

    fn reset(&mut self, net: &Network, rngs: &mut [ChaCha8Rng; LANES]) {
        for (x, &v) in self.il.iter_mut().zip(&net.init_il) {
            *x = [v; LANES];
        }
        for v in [
            &mut self.dem,
            &mut self.bo_ext,
            &mut self.shortage,
            &mut self.dem_sum,
            &mut self.met_sum,
            &mut self.rm,
            &mut self.pipe,
            &mut self.oo,
            &mut self.idi,
            &mut self.odi,
            &mut self.bo,
            &mut self.oq,
            &mut self.os,
            &mut self.sp_budget,
            &mut self.sp_released,
        ] {
            v.fill(Z);
        }
        self.pout.copy_from_slice(&net.e_pipe);
        for (e, p) in self.pin.iter_mut().enumerate() {
            *p = net.e_pipe[e] + net.e_lead[e];
        }
        self.stockout_periods.fill([0; LANES]);
        self.first_stockout.fill([NONE; LANES]);
        self.flags.fill([0; LANES]);
        self.dstate.fill([false; LANES]);
        self.lic.fill([LicState::default(); LANES]);
        self.cost_total = Z;
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

    /// Amount shipped on a lane in the last period, per replication of the batch (the scalar
    /// [`crate::State::shipped`]).
    pub fn shipped(&self, e: EdgeId) -> &[f64; LANES] {
        &self.os[e.0 as usize]
    }
}

/// Receives the batch state at the end of every period (the batched [`crate::Observer`]).
pub trait BatchObserver {
    /// Called after period `t` is complete.
    fn period_end(&mut self, t: u32, net: &Network, state: &BatchState);
    /// Whether the observer reads [`BatchState::shipped`] (the kernel skips storing
    /// shipments otherwise).
    fn reads_shipments(&self) -> bool {
        true
    }
}

/// The no-op observer.
impl BatchObserver for () {
    #[inline(always)]
    fn period_end(&mut self, _: u32, _: &Network, _: &BatchState) {}
    fn reads_shipments(&self) -> bool {
        false
    }
}

impl<F: FnMut(u32, &Network, &BatchState)> BatchObserver for F {
    #[inline(always)]
    fn period_end(&mut self, t: u32, net: &Network, state: &BatchState) {
        self(t, net, state)
    }
}

impl Network {
    /// Whether the lane-batched kernel applies (see [`crate::batch`]): every network without
    /// origin tracing.
    pub fn batchable(&self) -> bool {
        self.k_origin == 0
    }
}

/// Runs replications `first_rep .. first_rep + LANES` of `seed` for `horizon` periods and
/// returns their summaries (bit-identical to the scalar kernel's). The network must be
/// [`Network::batchable`] and `horizon >= 1` (checked by the caller).
pub fn run_batch(
    net: &Network,
    bs: &mut BatchState,
    horizon: u32,
    seed: u64,
    first_rep: u64,
) -> Vec<ReplicationSummary> {
    run_batch_observed(net, bs, horizon, seed, first_rep, &mut ())
}

/// [`run_batch`] with an observer called after every period.
pub fn run_batch_observed<O: BatchObserver + ?Sized>(
    net: &Network,
    bs: &mut BatchState,
    horizon: u32,
    seed: u64,
    first_rep: u64,
    obs: &mut O,
) -> Vec<ReplicationSummary> {
    let mut rngs: [ChaCha8Rng; LANES] =
        std::array::from_fn(|j| replication_rng(seed, first_rep + j as u64));
    bs.reset(net, &mut rngs);
    bs.record_shipped = obs.reads_shipments();
    for t in 0..horizon {
        step(net, bs, t, &mut rngs);
        obs.period_end(t, net, bs);
    }
    (0..LANES)
        .map(|j| ReplicationSummary {
            cost: bs.cost_total[j],
            fill_rate: net
                .demands
                .iter()
                .map(|&(n, _)| {
                    let n = n as usize;
                    if bs.dem_sum[n][j] > 0.0 {
                        bs.met_sum[n][j] / bs.dem_sum[n][j]
                    } else {
                        1.0
                    }
                })
                .collect(),
            lost_output: net
                .demands
                .iter()
                .map(|&(n, _)| bs.dem_sum[n as usize][j] - bs.met_sum[n as usize][j])
                .collect(),
            first_stockout: bs
                .first_stockout
                .iter()
                .map(|f| (f[j] != NONE).then_some(f[j]))
                .collect(),
            stockout_periods: bs.stockout_periods.iter().map(|s| s[j]).collect(),
            shortage: bs.shortage.iter().map(|s| s[j]).collect(),
            drawdown: bs.sp_released.iter().map(|s| s[j]).collect(),
        })
        .collect()
}

fn step<R: Rng>(net: &Network, st: &mut BatchState, t: u32, rngs: &mut [R; LANES]) {
    disruptions(net, st, t, rngs);
    // 2. demand: the scalar kernel draws all disruptions, then all demands, per replication;
    // lanes have independent streams so lane-by-lane order is equivalent.
    for (n, d) in &net.demands {
        let x = &mut st.dem[*n as usize];
        match d {
            Demand::Constant(c) => *x = [*c; LANES],
            Demand::Series(v) => *x = [v[t as usize % v.len()]; LANES],
            Demand::Random(dist) => {
                for j in 0..LANES {
                    x[j] = dist.sample(&mut rngs[j]);
                }
            }
        }
    }
    if net.has_stockpiles {
        for (i, sp) in net.stockpiles.iter().enumerate() {
            let il = &st.il[sp.node as usize];
            for j in 0..LANES {
                st.sp_budget[i][j] = sp.rate.min(il[j].max(0.0));
            }
        }
    }
    // 3. orders
    for &q in net.topo.iter().rev() {
        let q = q as usize;
        if net.simple[q] {
            order_simple(net, st, q, t);
        } else {
            order_general(net, st, q, t);
        }
    }
    // 4. shipments
    for &q in &net.topo {
        let q = q as usize;
        let make = if net.simple[q] {
            receive_simple(net, st, q, t)
        } else {
            receive_general(net, st, q, t)
        };
        for mi in net.mem_start[q] as usize..net.mem_start[q + 1] as usize {
            let n = net.mem_nodes[mi] as usize;
            let y = net.node_yield[n];
            let mut on_hand = Z;
            {
                let il = &mut st.il[n];
                for j in 0..LANES {
                    // y = 1 for a simple process: make * 1.0 is make, as the scalar simple
                    // path computes it
                    let made = make[j] * y;
                    on_hand[j] = pmax0(il[j]) + made;
                    il[j] += made;
                }
            }
            // what is left on hand is not kept: the batch keeps no mass accounting
            if st.plain_ship[n] {
                ship_plain(net, st, n, on_hand);
            } else {
                ship_general(net, st, n, on_hand, t, rngs);
            }
        }
    }
    costs_and_advance(net, st, t);
}

/// Phase 1, disruption states, per lane in declaration order, as the scalar kernel.
#[inline(always)]
fn disruptions<R: Rng>(net: &Network, st: &mut BatchState, t: u32, rngs: &mut [R; LANES]) {
    if net.disruptions.is_empty() {
        return;
    }
    for &e in &net.disrupted_edges {
        st.flags[e as usize] = [0; LANES];
    }
    for (i, d) in net.disruptions.iter().enumerate() {
        let mut active = [false; LANES];
        match &d.process {
            CProcess::Markov { alpha, beta } => {
                for j in 0..LANES {
                    let u: f64 = rngs[j].random();
                    active[j] = if st.dstate[i][j] {
                        u <= 1.0 - beta
                    } else {
                        u <= *alpha
                    };
                }
            }
            CProcess::Series(v) => active = [v[t as usize % v.len()]; LANES],
            CProcess::Scheduled(w) => active = [w.iter().any(|&(a, b)| t >= a && t < b); LANES],
            CProcess::Episode { .. } => {
                for j in 0..LANES {
                    let (a, b) = st.episode[i][j];
                    active[j] = t >= a && t < b;
                }
            }
        }
        st.dstate[i] = active;
        for &e in &d.edges {
            let f = &mut st.flags[e as usize];
            for j in 0..LANES {
                f[j] |= if active[j] { d.bit } else { 0 };
            }
        }
    }
}

/// Order step of a simple process (the scalar `order_simple`).
#[inline(always)]
fn order_simple(net: &Network, st: &mut BatchState, q: usize, t: u32) {
    let (s0, s1) = (net.slot_start[q] as usize, net.slot_start[q + 1] as usize);
    let (a, b) = (
        net.slot_edge_start[s0] as usize,
        net.slot_edge_start[s1] as usize,
    );
    let edges = &net.slot_edges[a..b];
    let mut pipeline = if s0 == s1 { Z } else { [f64::INFINITY; LANES] };
    for (i, &e) in edges.iter().enumerate() {
        let e = e as usize;
        let (r, oo, idi) = (&st.rm[s0 + i], &st.oo[e], &st.idi[e]);
        for j in 0..LANES {
            pipeline[j] = pmin(pipeline[j], r[j] + (oo[j] + idi[j]));
        }
    }
    let n = net.mem_nodes[net.mem_start[q] as usize] as usize;
    let d = node_orders(net, st, n);
    let s = net.base[n];
    let il = &st.il[n];
    let mut act = Z;
    for j in 0..LANES {
        act[j] = pmax0(s - ((il[j] + pipeline[j]) - d[j]));
    }
    if net.has_capacity && net.capped[q] {
        let c = net.cap[q].at(t);
        for x in &mut act {
            *x = x.min(c);
        }
    }
    for &e in edges {
        let e = e as usize;
        let f = st.flags[e];
        let mut x = act;
        for j in 0..LANES {
            if f[j] & BIT_OP != 0 {
                x[j] = 0.0;
            }
        }
        st.oq[e] = x;
        let oo = &mut st.oo[e];
        for j in 0..LANES {
            oo[j] += x[j];
        }
        if net.e_from[e] == NONE {
            let p = &mut st.pipe[st.pin[e] as usize];
            for j in 0..LANES {
                p[j] += x[j];
            }
        }
    }
}

/// Orders placed on a node this period: its lanes' orders plus its external demand.
#[inline(always)]
fn node_orders(net: &Network, st: &BatchState, n: usize) -> L {
    let mut d = Z;
    for &e in &net.out_edges[net.out_start[n] as usize..net.out_start[n + 1] as usize] {
        let oq = &st.oq[e as usize];
        for j in 0..LANES {
            d[j] += oq[j];
        }
    }
    if net.demand_of[n] != NONE {
        for j in 0..LANES {
            d[j] += st.dem[n][j];
        }
    }
    d
}

/// Order step of a general process (co-products, BOMs, multi-supplier slots, stockpile lanes):
/// the scalar kernel's general path, lane by lane.
fn order_general(net: &Network, st: &mut BatchState, q: usize, t: u32) {
    let (m0, m1) = (net.mem_start[q] as usize, net.mem_start[q + 1] as usize);
    let (s0, s1) = (net.slot_start[q] as usize, net.slot_start[q + 1] as usize);
    let mut pipeline = if s0 == s1 { Z } else { [f64::INFINITY; LANES] };
    for sl in s0..s1 {
        let mut x = st.rm[sl];
        for &e in slot_edges(net, sl) {
            let (oo, idi) = (&st.oo[e as usize], &st.idi[e as usize]);
            for j in 0..LANES {
                x[j] += oo[j] + idi[j];
            }
        }
        let bom = net.slot_bom[sl];
        for j in 0..LANES {
            pipeline[j] = pmin(pipeline[j], x[j] / bom);
        }
    }
    let mut act = Z;
    for &n in &net.mem_nodes[m0..m1] {
        let n = n as usize;
        let d = node_orders(net, st, n);
        let (y, base, il) = (net.node_yield[n], net.base[n], &st.il[n]);
        for j in 0..LANES {
            let ip = il[j] + y * pipeline[j];
            let a = pmax0(base - (ip - d[j])) / y;
            if a > act[j] {
                act[j] = a;
            }
        }
    }
    if net.has_capacity && net.capped[q] {
        let c = net.cap[q].at(t);
        for x in &mut act {
            *x = x.min(c);
        }
    }
    for sl in s0..s1 {
        let bom = net.slot_bom[sl];
        let mut qty = Z;
        for j in 0..LANES {
            qty[j] = act[j] * bom;
        }
        let edges = slot_edges(net, sl);
        if net.has_stockpiles {
            // stockpile lanes first: they take (part of) the order or top up the backlog
            for &e in edges {
                let e = e as usize;
                let spi = net.e_stockpile[e];
                if spi == NONE {
                    continue;
                }
                let spi = spi as usize;
                let sp = &net.stockpiles[spi];
                for j in 0..LANES {
                    let mut x = 0.0;
                    if t >= sp.release_from {
                        x = qty[j].min(st.sp_budget[spi][j]);
                        qty[j] -= x;
                    } else if sp.on_shortage {
                        let mut backlog = 0.0;
                        for &e2 in edges {
                            let e2 = e2 as usize;
                            if net.e_stockpile[e2] == NONE && net.e_from[e2] != NONE {
                                backlog += st.bo[e2][j] + st.odi[e2][j];
                            }
                        }
                        x = (backlog - st.oo[e][j]).max(0.0).min(st.sp_budget[spi][j]);
                    }
                    if st.flags[e][j] & BIT_OP != 0 {
                        x = 0.0;
                    }
                    st.sp_budget[spi][j] -= x;
                    st.oq[e][j] = x;
                    st.oo[e][j] += x;
                }
            }
        }
        for &e in edges {
            let e = e as usize;
            if net.has_stockpiles && net.e_stockpile[e] != NONE {
                continue;
            }
            let (share, f) = (net.e_share[e], st.flags[e]);
            let mut x = Z;
            for j in 0..LANES {
                x[j] = if f[j] & BIT_OP != 0 {
                    0.0
                } else {
                    qty[j] * share
                };
            }
            st.oq[e] = x;
            let oo = &mut st.oo[e];
            for j in 0..LANES {
                oo[j] += x[j];
            }
            if net.e_from[e] == NONE {
                // external supplier: never short, ships at once
                let p = &mut st.pipe[st.pin[e] as usize];
                for j in 0..LANES {
                    p[j] += x[j];
                }
            }
        }
    }
}

#[inline(always)]
fn slot_edges(net: &Network, sl: usize) -> &[u32] {
    &net.slot_edges[net.slot_edge_start[sl] as usize..net.slot_edge_start[sl + 1] as usize]
}

/// Receipt of one edge into slot `sl` (the scalar receive, same operations).
#[inline(always)]
fn receive_edge(st: &mut BatchState, e: usize, sl: usize) {
    let p0 = st.pout[e] as usize;
    let ready = st.pipe[p0];
    let f = st.flags[e];
    let (idi_in, r_in, oo_in) = (st.idi[e], st.rm[sl], st.oo[e]);
    let (mut idi_out, mut r_out, mut oo_out) = (Z, Z, Z);
    if any_bit(f, BIT_RP) {
        for j in 0..LANES {
            let rp = f[j] & BIT_RP != 0;
            receive_lane(rp, j, &ready, &idi_in, &r_in, &mut idi_out, &mut r_out);
            oo_out[j] = oo_in[j] - ready[j];
        }
    } else {
        for j in 0..LANES {
            receive_lane(false, j, &ready, &idi_in, &r_in, &mut idi_out, &mut r_out);
            oo_out[j] = oo_in[j] - ready[j];
        }
    }
    st.idi[e] = idi_out;
    st.rm[sl] = r_out;
    st.oo[e] = oo_out;
    st.pipe[p0] = Z;
}

/// Receipt and production of a simple process; returns the activity (the scalar
/// `ship_simple` up to the shipment).
#[inline(always)]
fn receive_simple(net: &Network, st: &mut BatchState, q: usize, t: u32) -> L {
    let (s0, s1) = (net.slot_start[q] as usize, net.slot_start[q + 1] as usize);
    let mut make = if s0 == s1 { Z } else { [f64::INFINITY; LANES] };
    for sl in s0..s1 {
        let e = net.slot_edges[net.slot_edge_start[sl] as usize] as usize;
        receive_edge(st, e, sl);
        let r = &st.rm[sl];
        for j in 0..LANES {
            make[j] = pmin(make[j], pmax0(r[j]));
        }
    }
    if net.has_capacity && net.capped[q] {
        let c = net.cap[q].at(t);
        for x in &mut make {
            *x = x.min(c);
        }
    }
    for r in &mut st.rm[s0..s1] {
        for j in 0..LANES {
            r[j] -= make[j];
        }
    }
    make
}

/// Receipt and production of a general process; returns the activity.
fn receive_general(net: &Network, st: &mut BatchState, q: usize, t: u32) -> L {
    let (s0, s1) = (net.slot_start[q] as usize, net.slot_start[q + 1] as usize);
    for sl in s0..s1 {
        for &e in slot_edges(net, sl) {
            receive_edge(st, e as usize, sl);
        }
    }
    // the binding input (and capacity) limits activity
    let mut make = if s0 == s1 { Z } else { [f64::INFINITY; LANES] };
    for sl in s0..s1 {
        let (r, bom) = (&st.rm[sl], net.slot_bom[sl]);
        for j in 0..LANES {
            make[j] = pmin(make[j], pmax0(r[j]) / bom);
        }
    }
    if net.has_capacity && net.capped[q] {
        let c = net.cap[q].at(t);
        for x in &mut make {
            *x = x.min(c);
        }
    }
    for sl in s0..s1 {
        let (r, bom) = (&mut st.rm[sl], net.slot_bom[sl]);
        for j in 0..LANES {
            r[j] -= make[j] * bom;
        }
    }
    make
}

/// Shipment of a node that rations in order, has no licensed lane and is not a stockpile:
/// branch-free over the lanes.
#[inline(always)]
fn ship_plain(net: &Network, st: &mut BatchState, n: usize, mut on_hand: L) -> L {
    for ci in net.claim_start[n] as usize..net.claim_start[n + 1] as usize {
        let c = net.claims[ci];
        if c == NONE {
            let (bo_in, dem, il_in) = (st.bo_ext[n], st.dem[n], st.il[n]);
            let (mut bo_out, mut il_out) = (Z, Z);
            let (met_sum, dem_sum) = (&mut st.met_sum[n], &mut st.dem_sum[n]);
            for j in 0..LANES {
                let ready = pmin(on_hand[j], bo_in[j] + dem[j]);
                on_hand[j] -= settle_external_lane(
                    ready,
                    bo_in[j],
                    dem[j],
                    il_in[j],
                    &mut met_sum[j],
                    &mut dem_sum[j],
                    &mut il_out[j],
                    &mut bo_out[j],
                );
            }
            st.bo_ext[n] = bo_out;
            st.il[n] = il_out;
        } else {
            let e = c as usize;
            let f = st.flags[e];
            let io = st.oq[e];
            let p = st.pin[e] as usize;
            // Work on local lane arrays (copied in, written back), with a pause-free fast
            // path: this shape vectorises; the per-lane operations are unchanged.
            let (bo_in, odi_in, il_in) = (st.bo[e], st.odi[e], st.il[n]);
            let mut o = ShipOut::default();
            if any_bit(f, BIT_SP) {
                for j in 0..LANES {
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
                for j in 0..LANES {
                    ship_lane(false, j, &io, &bo_in, &odi_in, &il_in, &mut on_hand, &mut o);
                }
            }
            st.bo[e] = o.bo;
            st.odi[e] = o.odi;
            st.il[n] = o.il;
            if st.record_shipped {
                st.os[e] = o.os;
            }
            let pl = &mut st.pipe[p];
            for j in 0..LANES {
                pl[j] += o.os[j];
            }
        }
    }
    on_hand
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

/// A claim's current size in one lane: backorders plus this period's order.
#[inline(always)]
fn claim_lane(st: &BatchState, n: usize, c: u32, j: usize) -> f64 {
    if c == NONE {
        st.bo_ext[n][j] + st.dem[n][j]
    } else {
        st.bo[c as usize][j] + st.oq[c as usize][j]
    }
}

/// Shipment of any node under its rationing rule (the scalar `ship_node`), lane by lane.
fn ship_general<R: Rng>(
    net: &Network,
    st: &mut BatchState,
    n: usize,
    mut on_hand: L,
    t: u32,
    rngs: &mut [R; LANES],
) -> L {
    let (c0, c1) = (net.claim_start[n] as usize, net.claim_start[n + 1] as usize);
    if net.rationing[n] == Rationing::InOrder {
        for ci in c0..c1 {
            let c = net.claims[ci];
            let mut ready = Z;
            for j in 0..LANES {
                ready[j] = pmin(on_hand[j], claim_lane(st, n, c, j));
            }
            let used = settle(net, st, n, c, &ready, t, rngs);
            for j in 0..LANES {
                on_hand[j] -= used[j];
            }
        }
    } else {
        let mut ci = c0;
        while ci < c1 {
            let class = net.claim_class[ci];
            let mut cj = ci;
            let mut total = Z;
            while cj < c1 && net.claim_class[cj] == class {
                for j in 0..LANES {
                    total[j] += claim_lane(st, n, net.claims[cj], j);
                }
                cj += 1;
            }
            let mut f = Z;
            for j in 0..LANES {
                f[j] = if total[j] <= on_hand[j] {
                    1.0
                } else {
                    on_hand[j] / total[j]
                };
            }
            for ck in ci..cj {
                let c = net.claims[ck];
                let mut ready = Z;
                for j in 0..LANES {
                    let claim = claim_lane(st, n, c, j);
                    ready[j] = if f[j] >= 1.0 { claim } else { claim * f[j] };
                }
                let used = settle(net, st, n, c, &ready, t, rngs);
                for j in 0..LANES {
                    on_hand[j] = (on_hand[j] - used[j]).max(0.0);
                }
            }
            ci = cj;
        }
    }
    on_hand
}

/// The scalar `settle` for one claim in every lane; returns the on-hand consumed per lane.
#[inline(always)]
fn settle<R: Rng>(
    net: &Network,
    st: &mut BatchState,
    n: usize,
    c: u32,
    ready: &L,
    t: u32,
    rngs: &mut [R; LANES],
) -> L {
    let mut used = Z;
    if c == NONE {
        let (bo_in, dem, il_in) = (st.bo_ext[n], st.dem[n], st.il[n]);
        let (mut bo_out, mut il_out) = (Z, Z);
        let (met_sum, dem_sum) = (&mut st.met_sum[n], &mut st.dem_sum[n]);
        for j in 0..LANES {
            used[j] = settle_external_lane(
                ready[j],
                bo_in[j],
                dem[j],
                il_in[j],
                &mut met_sum[j],
                &mut dem_sum[j],
                &mut il_out[j],
                &mut bo_out[j],
            );
        }
        st.bo_ext[n] = bo_out;
        st.il[n] = il_out;
        return used;
    }
    let e = c as usize;
    let f = st.flags[e];
    let mut blocked = [false; LANES];
    for j in 0..LANES {
        blocked[j] = f[j] & BIT_SP != 0;
    }
    if net.has_licences && net.e_licence[e] != NONE {
        let key = net.e_licence[e] as usize;
        let l = &net.licences[key];
        for j in 0..LANES {
            if !blocked[j] && ready[j] + st.odi[e][j] > 0.0 {
                blocked[j] = !licence_ok(l, &mut st.lic[key][j], t, &mut rngs[j]);
            }
        }
    }
    let (io, bo_in, odi_in, il_in) = (st.oq[e], st.bo[e], st.odi[e], st.il[n]);
    let p = st.pin[e] as usize;
    let mut os_v = Z;
    for j in 0..LANES {
        let (bo_old, odi_old) = (bo_in[j], odi_in[j]);
        let (os, odi_new, bo_to_di, nd_to_di);
        if blocked[j] {
            os = 0.0;
            odi_new = ready[j];
            bo_to_di = pmin(ready[j], bo_old);
            nd_to_di = odi_new - bo_to_di;
        } else {
            os = ready[j] + odi_old;
            odi_new = 0.0;
            bo_to_di = 0.0;
            nd_to_di = 0.0;
        }
        let di_os = pmin(os, odi_old);
        let bo_os = pmin(os - di_os, bo_old);
        let non = os - bo_os - di_os;
        os_v[j] = os;
        st.il[n][j] = il_in[j] - io[j];
        st.bo[e][j] = (bo_old - (bo_os + bo_to_di)) + pmax0(io[j] - nd_to_di - non);
        st.odi[e][j] = odi_old + (odi_new - di_os);
        st.pipe[p][j] += os;
        used[j] = os - di_os + odi_new;
    }
    if st.record_shipped {
        st.os[e] = os_v;
    }
    if net.has_stockpiles && net.stockpile_of[n] != NONE {
        let r = &mut st.sp_released[net.stockpile_of[n] as usize];
        for j in 0..LANES {
            r[j] += os_v[j];
        }
    }
    used
}

/// Phases 5 and 6: costs and stock-out metrics; each pipeline advances (see [`advance_edge`])
/// right after the cost pass has read it (one pass over the edges instead of two; an edge's
/// pipeline is read by its supplier's costs only, so the order is immaterial).
#[inline(always)]
fn costs_and_advance(net: &Network, st: &mut BatchState, t: u32) {
    let mut period_cost = Z;
    for n in 0..net.node_count() {
        let mut odi_sum = Z;
        let mut transit = Z;
        // The pipeline sum only feeds the in-transit cost: skipped when its rate is zero, as
        // in the scalar kernel.
        let count_transit = net.h_it[n] != 0.0;
        for &e in &net.out_edges[net.out_start[n] as usize..net.out_start[n + 1] as usize] {
            let e = e as usize;
            let odi = &st.odi[e];
            for j in 0..LANES {
                odi_sum[j] += odi[j];
            }
            if count_transit {
                // logical slot order (head to tail), as a shifted pipeline sums
                let o = net.e_pipe[e] as usize;
                let ring = &st.pipe[o..=o + net.e_lead[e] as usize];
                let (a, b) = ring.split_at(st.pout[e] as usize - o);
                let mut s = Z;
                for slot in b.iter().chain(a) {
                    for j in 0..LANES {
                        s[j] += slot[j];
                    }
                }
                for j in 0..LANES {
                    transit[j] += s[j];
                }
            }
            // the pipeline is done with for this period: advance it while it is in cache
            advance_edge(net, st, e);
        }
        let il = st.il[n];
        let (h, p, hit) = (net.h[n], net.p[n], net.h_it[n]);
        let mut hold = Z;
        for j in 0..LANES {
            hold[j] = h * (pmax0(il[j]) + odi_sum[j]);
        }
        let q = net.node_proc[n] as usize;
        if net.mem_nodes[net.mem_start[q] as usize] as usize == n {
            for sl in net.slot_start[q] as usize..net.slot_start[q + 1] as usize {
                let edges = slot_edges(net, sl);
                let e0 = edges[0] as usize;
                if net.e_from[e0] == NONE && edges.len() == 1 {
                    continue; // external supply: stockpyl charges no raw-material holding
                }
                let mut idi = st.idi[e0];
                for &e in &edges[1..] {
                    let x = &st.idi[e as usize];
                    for j in 0..LANES {
                        idi[j] += x[j];
                    }
                }
                let (r, hs) = (&st.rm[sl], net.slot_h[sl]);
                for j in 0..LANES {
                    hold[j] += hs * (r[j] + idi[j]);
                }
            }
        }
        for j in 0..LANES {
            let total = hold[j] + p * pmax0(-il[j]) + hit * transit[j];
            period_cost[j] += total;
        }
        // Stock-out metrics: the common case (no lane short) skips them; otherwise branch-free
        // on local copies.
        if il.iter().any(|&x| x < 0.0) {
            let (mut so, mut fs, mut sh) =
                (st.stockout_periods[n], st.first_stockout[n], st.shortage[n]);
            for j in 0..LANES {
                let out = il[j] < 0.0;
                so[j] += u32::from(out);
                fs[j] = if out && fs[j] == NONE { t } else { fs[j] };
                sh[j] -= if out { il[j] } else { 0.0 };
            }
            st.stockout_periods[n] = so;
            st.first_stockout[n] = fs;
            st.shortage[n] = sh;
        }
    }
    for j in 0..LANES {
        st.cost_total[j] += period_cost[j];
    }
    for i in 0..st.external_edges.len() {
        advance_edge(net, st, st.external_edges[i] as usize);
    }
}

/// Phase 6 for one edge, its pipeline advances: the shared ring head rotates (slot 0 merges into slot 1, which
/// becomes slot 0; the old slot 0 becomes the empty last slot). A lane under a transit pause
/// keeps its goods in place, so its column is rotated back.
#[inline(always)]
fn advance_edge(net: &Network, st: &mut BatchState, e: usize) {
    let l = net.e_lead[e] as usize;
    if l == 0 {
        return;
    }
    let f = st.flags[e];
    let o = net.e_pipe[e] as usize;
    let h0 = st.pout[e] as usize;
    let h1 = if h0 == o + l { o } else { h0 + 1 };
    if !any_bit(f, BIT_TP) {
        let (x0, x1) = (st.pipe[h0], st.pipe[h1]);
        let mut m = Z;
        for j in 0..LANES {
            m[j] = x0[j] + x1[j];
        }
        st.pipe[h1] = m;
        st.pipe[h0] = Z;
    } else {
        if f.iter().all(|&x| x & BIT_TP != 0) {
            return; // every lane paused: nothing moves, the head stays
        }
        let ring = &mut st.pipe[o..=o + l];
        let (r0, r1) = (h0 - o, h1 - o);
        for j in 0..LANES {
            if f[j] & BIT_TP == 0 {
                ring[r1][j] += ring[r0][j]; // IEEE addition commutes exactly
                ring[r0][j] = 0.0;
            } else {
                // after the rotation logical slot s sits at physical r0 + 1 + s: move
                // this lane's column one place forward (cyclically) so nothing moves
                let last = ring[(r0 + l) % (l + 1)][j];
                for s in (1..=l).rev() {
                    ring[(r0 + s) % (l + 1)][j] = ring[(r0 + s - 1) % (l + 1)][j];
                }
                ring[r0][j] = last;
            }
        }
    }
    st.pout[e] = h1 as u32;
    st.pin[e] = h0 as u32;
}
