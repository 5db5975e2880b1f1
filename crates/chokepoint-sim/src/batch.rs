//! Lane-batched kernel: `LANES` replications advance together, every state variable is an
//! array over lanes, so the per-entity loop overhead is paid once per batch and the arithmetic
//! vectorises (selects instead of branches).
//!
//! Applies to networks in the *plain* configuration ([`Network::batchable`]): every process is
//! simple (one output, single-lane input slots with BOM 1), in-order rationing, no licences,
//! no stockpiles, no origin tracing. Capacity profiles and all disruption kinds/processes are
//! supported.
//!
//! Invariant: lane `j` performs exactly the floating-point operations of the scalar kernel for
//! its replication and draws from its own stream in the same order, so results are
//! bit-identical to [`crate::run_replication`] (tested).

// Lane loops index several parallel arrays by the lane number on purpose: that is the shape
// LLVM vectorises, and zipped iterators over 4-6 arrays would obscure it.
#![allow(clippy::needless_range_loop)]

use rand::{Rng, RngExt};
use rand_chacha::ChaCha8Rng;

use crate::mc::{ReplicationSummary, replication_rng};
use crate::network::{BIT_OP, BIT_RP, BIT_SP, BIT_TP, CProcess, NONE, Network};
use crate::spec::{Demand, Rationing};

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
    oh: Vec<L>,
    stockout_periods: Vec<[u32; LANES]>,
    first_stockout: Vec<[u32; LANES]>,
    shortage: Vec<L>,
    dem_sum: Vec<L>,
    met_sum: Vec<L>,
    rm: Vec<L>,
    pipe: Vec<L>,
    oo: Vec<L>,
    idi: Vec<L>,
    odi: Vec<L>,
    bo: Vec<L>,
    oq: Vec<L>,
    flags: Vec<[u8; LANES]>,
    dstate: Vec<[bool; LANES]>,
    episode: Vec<[(u32, u32); LANES]>,
    cost_total: L,
}

impl BatchState {
    /// Allocates batch state for `net`.
    pub fn new(net: &Network) -> Self {
        let nn = net.node_count();
        let ne = net.e_from.len();
        BatchState {
            il: vec![Z; nn],
            dem: vec![Z; nn],
            bo_ext: vec![Z; nn],
            oh: vec![Z; nn],
            stockout_periods: vec![[0; LANES]; nn],
            first_stockout: vec![[NONE; LANES]; nn],
            shortage: vec![Z; nn],
            dem_sum: vec![Z; nn],
            met_sum: vec![Z; nn],
            rm: vec![Z; net.slot_bom.len()],
            pipe: vec![Z; net.pipe_len],
            oo: vec![Z; ne],
            idi: vec![Z; ne],
            odi: vec![Z; ne],
            bo: vec![Z; ne],
            oq: vec![Z; ne],
            flags: vec![[0; LANES]; ne],
            dstate: vec![[false; LANES]; net.disruptions.len()],
            episode: vec![[(u32::MAX, u32::MAX); LANES]; net.disruptions.len()],
            cost_total: Z,
        }
    }

    fn reset(&mut self, net: &Network, rngs: &mut [ChaCha8Rng; LANES]) {
        for (x, &v) in self.il.iter_mut().zip(&net.init_il) {
            *x = [v; LANES];
        }
        for (x, &v) in self.oh.iter_mut().zip(&net.init_il) {
            *x = [v.max(0.0); LANES];
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
        ] {
            v.fill(Z);
        }
        self.stockout_periods.fill([0; LANES]);
        self.first_stockout.fill([NONE; LANES]);
        self.flags.fill([0; LANES]);
        self.dstate.fill([false; LANES]);
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
}

impl Network {
    /// Whether the lane-batched kernel applies (see [`crate::batch`]).
    pub fn batchable(&self) -> bool {
        self.simple.iter().all(|&s| s)
            && self.rationing.iter().all(|&r| r == Rationing::InOrder)
            && !self.has_licences
            && !self.has_stockpiles
            && self.k_origin == 0
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
    let mut rngs: [ChaCha8Rng; LANES] =
        std::array::from_fn(|j| replication_rng(seed, first_rep + j as u64));
    bs.reset(net, &mut rngs);
    for t in 0..horizon {
        step(net, bs, t, &mut rngs);
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
            drawdown: Vec::new(),
        })
        .collect()
}

fn step<R: Rng>(net: &Network, st: &mut BatchState, t: u32, rngs: &mut [R; LANES]) {
    // 1. disruptions (per lane, declaration order, as the scalar kernel)
    if !net.disruptions.is_empty() {
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
    // 3. orders
    for &q in net.topo.iter().rev() {
        let q = q as usize;
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
                let p = &mut st.pipe[net.e_pipe[e] as usize + net.e_lead[e] as usize];
                for j in 0..LANES {
                    p[j] += x[j];
                }
            }
        }
    }
    // 4. shipments
    for &q in &net.topo {
        let q = q as usize;
        let (s0, s1) = (net.slot_start[q] as usize, net.slot_start[q + 1] as usize);
        let (a, b) = (
            net.slot_edge_start[s0] as usize,
            net.slot_edge_start[s1] as usize,
        );
        let mut make = if s0 == s1 { Z } else { [f64::INFINITY; LANES] };
        for (i, &e) in net.slot_edges[a..b].iter().enumerate() {
            let e = e as usize;
            let p0 = net.e_pipe[e] as usize;
            let ready = st.pipe[p0];
            let f = st.flags[e];
            let (idi_in, r_in, oo_in) = (st.idi[e], st.rm[s0 + i], st.oo[e]);
            let (mut idi_out, mut r_out, mut oo_out) = (Z, Z, Z);
            if any_bit(f, BIT_RP) {
                for j in 0..LANES {
                    let rp = f[j] & BIT_RP != 0;
                    receive_lane(rp, j, &ready, &idi_in, &r_in, &mut idi_out, &mut r_out);
                    oo_out[j] = oo_in[j] - ready[j];
                    make[j] = pmin(make[j], pmax0(r_out[j]));
                }
            } else {
                for j in 0..LANES {
                    receive_lane(false, j, &ready, &idi_in, &r_in, &mut idi_out, &mut r_out);
                    oo_out[j] = oo_in[j] - ready[j];
                    make[j] = pmin(make[j], pmax0(r_out[j]));
                }
            }
            st.idi[e] = idi_out;
            st.rm[s0 + i] = r_out;
            st.oo[e] = oo_out;
            st.pipe[p0] = Z;
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
        let n = net.mem_nodes[net.mem_start[q] as usize] as usize;
        let mut on_hand = Z;
        {
            let il = &mut st.il[n];
            for j in 0..LANES {
                on_hand[j] = pmax0(il[j]) + make[j];
                il[j] += make[j];
            }
        }
        for ci in net.claim_start[n] as usize..net.claim_start[n + 1] as usize {
            let c = net.claims[ci];
            if c == NONE {
                let (bo_in, dem, il_in) = (st.bo_ext[n], st.dem[n], st.il[n]);
                let (mut bo_out, mut il_out) = (Z, Z);
                let (met_sum, dem_sum) = (&mut st.met_sum[n], &mut st.dem_sum[n]);
                for j in 0..LANES {
                    let ready = pmin(on_hand[j], bo_in[j] + dem[j]);
                    let bo_old = bo_in[j];
                    let io = dem[j];
                    let os = ready + 0.0;
                    let di_os = pmin(os, 0.0);
                    let bo_os = pmin(os - di_os, bo_old);
                    let non = os - bo_os - di_os;
                    met_sum[j] += pmax0(os - bo_old);
                    dem_sum[j] += io;
                    il_out[j] = il_in[j] - io;
                    bo_out[j] = (bo_old - (bo_os + 0.0)) + pmax0(io - 0.0 - non);
                    on_hand[j] -= os - di_os + 0.0;
                }
                st.bo_ext[n] = bo_out;
                st.il[n] = il_out;
            } else {
                let e = c as usize;
                let f = st.flags[e];
                let io = st.oq[e];
                let p = net.e_pipe[e] as usize + net.e_lead[e] as usize;
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
                let ShipOut {
                    bo: bo_out,
                    odi: odi_out,
                    il: il_out,
                    os: os_v,
                } = o;
                st.bo[e] = bo_out;
                st.odi[e] = odi_out;
                st.il[n] = il_out;
                let pl = &mut st.pipe[p];
                for j in 0..LANES {
                    pl[j] += os_v[j];
                }
            }
        }
        st.oh[n] = on_hand;
    }
    // 5. costs and metrics
    let mut period_cost = Z;
    for n in 0..net.node_count() {
        let mut odi_sum = Z;
        let mut transit = Z;
        for &e in &net.out_edges[net.out_start[n] as usize..net.out_start[n + 1] as usize] {
            let e = e as usize;
            let odi = &st.odi[e];
            let o = net.e_pipe[e] as usize;
            let mut s = Z;
            for slot in &st.pipe[o..=o + net.e_lead[e] as usize] {
                for j in 0..LANES {
                    s[j] += slot[j];
                }
            }
            for j in 0..LANES {
                odi_sum[j] += odi[j];
                transit[j] += s[j];
            }
        }
        let il = st.il[n];
        let (h, p, hit) = (net.h[n], net.p[n], net.h_it[n]);
        let mut hold = Z;
        for j in 0..LANES {
            hold[j] = h * (pmax0(il[j]) + odi_sum[j]);
        }
        let q = net.node_proc[n] as usize;
        for sl in net.slot_start[q] as usize..net.slot_start[q + 1] as usize {
            let e = net.slot_edges[net.slot_edge_start[sl] as usize] as usize;
            if net.e_from[e] == NONE {
                continue;
            }
            let (r, idi, hs) = (&st.rm[sl], &st.idi[e], net.slot_h[sl]);
            for j in 0..LANES {
                hold[j] += hs * (r[j] + idi[j]);
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
    // 6. pipelines advance
    for e in 0..net.e_from.len() {
        let l = net.e_lead[e] as usize;
        if l == 0 {
            continue;
        }
        let o = net.e_pipe[e] as usize;
        let f = st.flags[e];
        let any_tp = f.iter().any(|&x| x & BIT_TP != 0);
        let p = &mut st.pipe[o..=o + l];
        if !any_tp {
            for j in 0..LANES {
                p[0][j] += p[1][j];
            }
            for s in 1..l {
                p[s] = p[s + 1];
            }
            p[l] = Z;
        } else {
            for j in 0..LANES {
                if f[j] & BIT_TP != 0 {
                    continue;
                }
                p[0][j] += p[1][j];
                for s in 1..l {
                    p[s][j] = p[s + 1][j];
                }
                p[l][j] = 0.0;
            }
        }
    }
}
