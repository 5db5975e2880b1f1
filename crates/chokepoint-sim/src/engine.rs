//! The period kernel.
//!
//! One call of [`step`] runs one period with stockpyl's semantics (see the crate docs for the
//! step list). The plain configuration (infinite capacity, in-order rationing, no licences, no
//! stockpiles, no origin tracing, single-output processes, one edge per input slot) performs
//! exactly the floating-point operations stockpyl 1.0.2 performs, in the same order, which is
//! why replays match stockpyl to the last bit or within a few ulps. The extensions are guarded
//! by flags computed at compile time so they cost a predictable branch when unused.
//!
//! Why some expressions look redundant (`os - di_os + odi_new` instead of `ready`, `x + 0.0`):
//! they reproduce stockpyl's rounding. Do not "simplify" them.

use rand::{Rng, RngExt};

use crate::error::{ConfigError, Result};
use crate::network::{BIT_OP, BIT_RP, BIT_SP, BIT_TP, CLicence, CProcess, NONE, Network};
use crate::spec::{Demand, Rationing};
use crate::state::{LicState, State};

/// Receives the state at the end of every period (traces, batch means, custom metrics).
pub trait Observer {
    /// Called after period `t` is complete.
    fn period_end(&mut self, t: u32, net: &Network, state: &State);
}

/// The no-op observer.
impl Observer for () {
    #[inline(always)]
    fn period_end(&mut self, _: u32, _: &Network, _: &State) {}
}

impl<F: FnMut(u32, &Network, &State)> Observer for F {
    #[inline(always)]
    fn period_end(&mut self, t: u32, net: &Network, state: &State) {
        self(t, net, state)
    }
}

/// Runs one replication of `horizon` periods from the initial state, calling `obs` after each
/// period. All randomness comes from `rng`, in a fixed order (episode draws at the start; each
/// period: Markov disruptions in declaration order, demands in node order, licence decisions in
/// processing order).
pub fn simulate<R: Rng + ?Sized, O: Observer + ?Sized>(
    net: &Network,
    state: &mut State,
    horizon: u32,
    rng: &mut R,
    obs: &mut O,
) -> Result<()> {
    if horizon == 0 {
        return Err(ConfigError::Run {
            field: "horizon",
            reason: "must be at least 1 period".into(),
        });
    }
    state.reset(net, rng);
    for t in 0..horizon {
        step(net, state, t, rng);
        obs.period_end(t, net, state);
    }
    Ok(())
}

/// Resets `state` to period 0 (for callers that drive [`step`] themselves).
pub fn start<R: Rng + ?Sized>(net: &Network, state: &mut State, rng: &mut R) {
    state.reset(net, rng);
}

#[inline(always)]
fn pmax0(x: f64) -> f64 {
    // Python's max(0, x): x if x > 0 else 0.
    if x > 0.0 { x } else { 0.0 }
}

#[inline(always)]
fn pmin(a: f64, b: f64) -> f64 {
    // Python's min(a, b): b if b < a else a.
    if b < a { b } else { a }
}

/// Weighted-average mixing of origin fractions: `dst` (holding `dst_qty`) receives `add_qty`
/// with mix `src`.
#[inline]
fn mix_into(dst: &mut [f64], dst_qty: f64, src: &[f64], add_qty: f64) {
    if add_qty <= 0.0 {
        return;
    }
    let tot = dst_qty.max(0.0) + add_qty;
    let w = add_qty / tot;
    for (d, s) in dst.iter_mut().zip(src) {
        *d += (s - *d) * w;
    }
}

/// Runs period `t`. The phases are separate functions, all inlined: out of line they made small
/// networks up to 2x slower per period (stockpyl case a1: 0.19 ms against 0.12 ms per 1000
/// periods). Mark them `#[inline(never)]` to see them apart in a profile.
#[inline(always)]
pub fn step<R: Rng + ?Sized>(net: &Network, st: &mut State, t: u32, rng: &mut R) {
    phase_disruptions(net, st, t, rng);
    phase_orders(net, st, t);
    phase_shipments(net, st, t, rng);
    phase_costs(net, st, t);
    phase_advance(net, st);
}

/// Phases 1 and 2: disruption states, then external demand (and the stockpiles' release budgets).
#[inline(always)]
fn phase_disruptions<R: Rng + ?Sized>(net: &Network, st: &mut State, t: u32, rng: &mut R) {
    // ---------------------------------------------------------------- 1. disruption states
    if !net.disruptions.is_empty() {
        for &e in &net.disrupted_edges {
            st.flags[e as usize] = 0;
        }
        for d in &net.disruptions {
            if d.node != NONE {
                st.node_disrupted[d.node as usize] = false;
            }
        }
        for (i, d) in net.disruptions.iter().enumerate() {
            let active = match &d.process {
                CProcess::Markov { alpha, beta } => {
                    let u: f64 = rng.random();
                    if st.dstate[i] {
                        u <= 1.0 - beta
                    } else {
                        u <= *alpha
                    }
                }
                CProcess::Series(v) => v[t as usize % v.len()],
                CProcess::Scheduled(w) => w.iter().any(|&(a, b)| t >= a && t < b),
                CProcess::Episode { .. } => {
                    let (a, b) = st.episode[i];
                    t >= a && t < b
                }
            };
            st.dstate[i] = active;
            if active {
                for &e in &d.edges {
                    st.flags[e as usize] |= d.bit;
                }
                if d.node != NONE {
                    st.node_disrupted[d.node as usize] = true;
                }
            }
        }
    }

    // ---------------------------------------------------------------- 2. external demand
    for (n, d) in &net.demands {
        st.dem[*n as usize] = match d {
            Demand::Constant(x) => *x,
            Demand::Series(v) => v[t as usize % v.len()],
            Demand::Random(dist) => dist.sample(rng),
        };
    }

    if net.has_stockpiles {
        for (i, sp) in net.stockpiles.iter().enumerate() {
            st.sp_budget[i] = sp.rate.min(st.il[sp.node as usize].max(0.0));
        }
    }
}

/// Phase 3, orders, upstream (reverse topological order).
#[inline(always)]
fn phase_orders(net: &Network, st: &mut State, t: u32) {
    let k = net.k_origin;
    // ---------------------------------------------------------------- 3. orders (upstream)
    for &q in net.topo.iter().rev() {
        let q = q as usize;
        let (m0, m1) = (net.mem_start[q] as usize, net.mem_start[q + 1] as usize);
        let (s0, s1) = (net.slot_start[q] as usize, net.slot_start[q + 1] as usize);
        if net.simple[q] && k == 0 {
            order_simple(net, st, q, m0, s0, s1, t);
            continue;
        }
        // inventory position's pipeline term, in activity units
        let mut pipeline = if s0 == s1 { 0.0 } else { f64::INFINITY };
        for sl in s0..s1 {
            let mut x = st.rm[sl];
            for &e in &net.slot_edges
                [net.slot_edge_start[sl] as usize..net.slot_edge_start[sl + 1] as usize]
            {
                let e = e as usize;
                x += st.oo[e] + st.idi[e];
            }
            x /= net.slot_bom[sl];
            pipeline = pmin(pipeline, x);
        }
        let mut act: f64 = 0.0;
        for &n in &net.mem_nodes[m0..m1] {
            let n = n as usize;
            let mut d = 0.0;
            for &e in &net.out_edges[net.out_start[n] as usize..net.out_start[n + 1] as usize] {
                d += st.oq[e as usize];
            }
            if net.demand_of[n] != NONE {
                d += st.dem[n];
            }
            st.io_total[n] = d;
            let y = net.node_yield[n];
            let ip = st.il[n] + y * pipeline;
            let oq = pmax0(net.base[n] - (ip - d));
            let a = oq / y;
            if a > act {
                act = a;
            }
        }
        if net.has_capacity && net.capped[q] {
            act = act.min(net.cap[q].at(t));
        }
        for sl in s0..s1 {
            let mut qty = act * net.slot_bom[sl];
            let edges = &net.slot_edges
                [net.slot_edge_start[sl] as usize..net.slot_edge_start[sl + 1] as usize];
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
                    let mut x = 0.0;
                    if t >= sp.release_from {
                        x = qty.min(st.sp_budget[spi]);
                        qty -= x;
                    } else if sp.on_shortage {
                        let mut backlog = 0.0;
                        for &e2 in edges {
                            let e2 = e2 as usize;
                            if net.e_stockpile[e2] == NONE && net.e_from[e2] != NONE {
                                backlog += st.bo[e2] + st.odi[e2];
                            }
                        }
                        x = (backlog - st.oo[e]).max(0.0).min(st.sp_budget[spi]);
                    }
                    if st.flags[e] & BIT_OP != 0 {
                        x = 0.0;
                    }
                    st.sp_budget[spi] -= x;
                    st.oq[e] = x;
                    st.oo[e] += x;
                }
            }
            for &e in edges {
                let e = e as usize;
                if net.has_stockpiles && net.e_stockpile[e] != NONE {
                    continue;
                }
                let x = if st.flags[e] & BIT_OP != 0 {
                    0.0
                } else {
                    qty * net.e_share[e]
                };
                st.oq[e] = x;
                st.oo[e] += x;
                if net.e_from[e] == NONE {
                    // external supplier: never short, ships at once
                    let p = st.pin[e] as usize;
                    if k > 0 && x > 0.0 {
                        let m = net.mem_nodes[m0] as usize;
                        let lab = if net.origin_stamp[m] == NONE {
                            0
                        } else {
                            net.origin_stamp[m] as usize
                        };
                        st.o_tmp.fill(0.0);
                        st.o_tmp[lab] = 1.0;
                        let old = st.pipe[p];
                        mix_into(&mut st.o_pipe[p * k..(p + 1) * k], old, &st.o_tmp, x);
                    }
                    st.pipe[p] += x;
                    st.cum_in += x;
                }
            }
        }
    }
}

/// Phase 4, receipts, production and shipments, downstream.
#[inline(always)]
fn phase_shipments<R: Rng + ?Sized>(net: &Network, st: &mut State, t: u32, rng: &mut R) {
    let k = net.k_origin;
    // ---------------------------------------------------------------- 4. shipments (downstream)
    for &q in &net.topo {
        let q = q as usize;
        let (m0, m1) = (net.mem_start[q] as usize, net.mem_start[q + 1] as usize);
        let (s0, s1) = (net.slot_start[q] as usize, net.slot_start[q + 1] as usize);
        if net.simple[q] && k == 0 {
            ship_simple(net, st, q, m0, s0, s1, t, rng);
            continue;
        }
        // receive
        for sl in s0..s1 {
            for &e in &net.slot_edges
                [net.slot_edge_start[sl] as usize..net.slot_edge_start[sl + 1] as usize]
            {
                let e = e as usize;
                let p0 = st.pout[e] as usize;
                let ready = st.pipe[p0];
                let is;
                if k > 0 {
                    origin_receive(net, st, e, sl, p0, ready);
                }
                if st.flags[e] & BIT_RP != 0 {
                    is = 0.0;
                    st.idi[e] += ready;
                } else {
                    is = ready + st.idi[e];
                    st.idi[e] += -st.idi[e];
                }
                st.pipe[p0] = 0.0;
                st.rm[sl] += is;
                st.oo[e] -= ready;
                st.is[e] = is;
            }
        }
        // produce: the binding input (and capacity) limits activity
        let mut make = if s0 == s1 { 0.0 } else { f64::INFINITY };
        for sl in s0..s1 {
            let x = pmax0(st.rm[sl]) / net.slot_bom[sl];
            make = pmin(make, x);
        }
        if net.has_capacity && net.capped[q] {
            make = make.min(net.cap[q].at(t));
        }
        for sl in s0..s1 {
            let used = make * net.slot_bom[sl];
            st.rm[sl] -= used;
            st.cum_consumed += used;
        }
        if k > 0 {
            origin_produce(net, st, q, s0, s1, m0, m1, make);
        }
        for mi in m0..m1 {
            let n = net.mem_nodes[mi] as usize;
            let il0 = st.il[n];
            let made = make * net.node_yield[n];
            st.made[n] = made;
            st.il[n] += made;
            st.cum_made += made;
            let on_hand = pmax0(il0) + made;
            st.oh[n] = ship_node(net, st, n, on_hand, t, rng);
        }
    }
}

/// Phase 5, costs and stock-out metrics.
#[inline(always)]
fn phase_costs(net: &Network, st: &mut State, t: u32) {
    // ---------------------------------------------------------------- 5. costs and metrics
    let mut period_cost = 0.0;
    // Nodes are visited (and their costs summed) in reverse topological order of their
    // processes, the order in which the batched kernel's single sweep books them.
    for n in net.topo.iter().rev().flat_map(|&q| {
        let q = q as usize;
        net.mem_nodes[net.mem_start[q] as usize..net.mem_start[q + 1] as usize].iter()
    }) {
        let n = *n as usize;
        let mut odi_sum = 0.0;
        let mut transit = 0.0;
        // Summing the pipelines costs O(lead time) per lane and only feeds the in-transit cost:
        // skipped when its rate is zero (the sum order, hence bit-exactness, is unchanged
        // otherwise).
        let count_transit = net.h_it[n] != 0.0;
        for &e in &net.out_edges[net.out_start[n] as usize..net.out_start[n + 1] as usize] {
            let e = e as usize;
            odi_sum += st.odi[e];
            if count_transit {
                let (a, b) = st.pipe_logical(net, e);
                let mut s = 0.0;
                for &x in b.iter().chain(a) {
                    s += x;
                }
                transit += s;
            }
        }
        let il = st.il[n];
        let mut hold = net.h[n] * (pmax0(il) + odi_sum);
        let q = net.node_proc[n] as usize;
        if net.mem_nodes[net.mem_start[q] as usize] as usize == n {
            for sl in net.slot_start[q] as usize..net.slot_start[q + 1] as usize {
                let edges = &net.slot_edges
                    [net.slot_edge_start[sl] as usize..net.slot_edge_start[sl + 1] as usize];
                if net.e_from[edges[0] as usize] == NONE && edges.len() == 1 {
                    continue; // external supply: stockpyl charges no raw-material holding
                }
                let mut idi = st.idi[edges[0] as usize];
                for &e in &edges[1..] {
                    idi += st.idi[e as usize];
                }
                hold += net.slot_h[sl] * (st.rm[sl] + idi);
            }
        }
        let short = net.p[n] * pmax0(-il);
        let trans = net.h_it[n] * transit;
        let total = hold + short + trans;
        st.c_hold[n] = hold;
        st.c_short[n] = short;
        st.c_transit[n] = trans;
        st.c_total[n] = total;
        period_cost += total;
        if il < 0.0 {
            st.stockout_periods[n] += 1;
            if st.first_stockout[n] == NONE {
                st.first_stockout[n] = t;
            }
            st.shortage[n] -= il;
        }
    }
    st.period_cost = period_cost;
    st.cost_total += period_cost;
    st.periods_run = t + 1;
}

/// Phase 6, pipelines advance.
#[inline(always)]
fn phase_advance(net: &Network, st: &mut State) {
    let k = net.k_origin;
    // ---------------------------------------------------------------- 6. pipelines advance
    // Each pipeline is a ring: advancing merges logical slot 0 into slot 1, which becomes the
    // new slot 0, and the old slot 0 becomes the new (empty) last slot. O(1) per lane.
    for e in 0..net.e_from.len() {
        if st.flags[e] & BIT_TP != 0 {
            continue;
        }
        let l = net.e_lead[e] as usize;
        if l == 0 {
            continue;
        }
        let o = net.e_pipe[e] as usize;
        let h0 = st.pout[e] as usize;
        let h1 = if h0 == o + l { o } else { h0 + 1 };
        if k > 0 {
            // new slot 0 mixes old slots 0 and 1; the new last slot keeps the old last
            // slot's mix, as a shifted pipeline does
            let (q0, q1) = (st.pipe[h0], st.pipe[h1]);
            let mut tmp: Vec<f64> = st.o_pipe[h1 * k..(h1 + 1) * k].to_vec();
            if q0 > 0.0 {
                mix_into(&mut tmp, q1, &st.o_pipe[h0 * k..(h0 + 1) * k], q0);
            }
            let pl = st.pin[e] as usize;
            st.o_pipe.copy_within(pl * k..(pl + 1) * k, h0 * k);
            st.o_pipe[h1 * k..(h1 + 1) * k].copy_from_slice(&tmp);
        }
        // slot 0 + slot 1, in the shifted pipeline's operand order
        let merged = st.pipe[h0] + st.pipe[h1];
        st.pipe[h1] = merged;
        st.pipe[h0] = 0.0;
        st.pout[e] = h1 as u32;
        st.pin[e] = h0 as u32;
    }
}

/// Order step of a simple process (see `Network::simple`): same operations as the general
/// path minus exact no-ops.
#[inline(always)]
fn order_simple(net: &Network, st: &mut State, q: usize, m0: usize, s0: usize, s1: usize, t: u32) {
    let (a, b) = (
        net.slot_edge_start[s0] as usize,
        net.slot_edge_start[s1] as usize,
    );
    let edges = &net.slot_edges[a..b];
    let rm = &st.rm[s0..s1];
    let mut pipeline = if s0 == s1 { 0.0 } else { f64::INFINITY };
    for (&e, &r) in edges.iter().zip(rm) {
        let e = e as usize;
        pipeline = pmin(pipeline, r + (st.oo[e] + st.idi[e]));
    }
    let n = net.mem_nodes[m0] as usize;
    let mut d = 0.0;
    for &e in &net.out_edges[net.out_start[n] as usize..net.out_start[n + 1] as usize] {
        d += st.oq[e as usize];
    }
    if net.demand_of[n] != NONE {
        d += st.dem[n];
    }
    st.io_total[n] = d;
    let mut act = pmax0(net.base[n] - ((st.il[n] + pipeline) - d));
    if net.has_capacity && net.capped[q] {
        act = act.min(net.cap[q].at(t));
    }
    for &e in edges {
        let e = e as usize;
        let x = if st.flags[e] & BIT_OP != 0 { 0.0 } else { act };
        st.oq[e] = x;
        st.oo[e] += x;
        if net.e_from[e] == NONE {
            st.pipe[st.pin[e] as usize] += x;
            st.cum_in += x;
        }
    }
}

/// Shipment step of a simple process.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn ship_simple<R: Rng + ?Sized>(
    net: &Network,
    st: &mut State,
    q: usize,
    m0: usize,
    s0: usize,
    s1: usize,
    t: u32,
    rng: &mut R,
) {
    let (a, b) = (
        net.slot_edge_start[s0] as usize,
        net.slot_edge_start[s1] as usize,
    );
    let edges = &net.slot_edges[a..b];
    let mut make = if s0 == s1 { 0.0 } else { f64::INFINITY };
    for (i, &e) in edges.iter().enumerate() {
        let e = e as usize;
        let p0 = st.pout[e] as usize;
        let ready = st.pipe[p0];
        let is;
        if st.flags[e] & BIT_RP != 0 {
            is = 0.0;
            st.idi[e] += ready;
        } else {
            is = ready + st.idi[e];
            st.idi[e] += -st.idi[e];
        }
        st.pipe[p0] = 0.0;
        let r = st.rm[s0 + i] + is;
        st.rm[s0 + i] = r;
        st.oo[e] -= ready;
        st.is[e] = is;
        make = pmin(make, pmax0(r));
    }
    if net.has_capacity && net.capped[q] {
        make = make.min(net.cap[q].at(t));
    }
    for r in &mut st.rm[s0..s1] {
        *r -= make;
    }
    st.cum_consumed += make * (s1 - s0) as f64;
    let n = net.mem_nodes[m0] as usize;
    let il0 = st.il[n];
    st.made[n] = make;
    st.il[n] += make;
    st.cum_made += make;
    let on_hand = pmax0(il0) + make;
    st.oh[n] = ship_node(net, st, n, on_hand, t, rng);
}

/// Ships a node's on-hand stock to its claimants under its rationing rule.
#[inline(always)]
fn ship_node<R: Rng + ?Sized>(
    net: &Network,
    st: &mut State,
    n: usize,
    mut on_hand: f64,
    t: u32,
    rng: &mut R,
) -> f64 {
    let (c0, c1) = (net.claim_start[n] as usize, net.claim_start[n + 1] as usize);
    st.dmfs[n] = 0.0;
    st.os_total[n] = 0.0;
    if net.rationing[n] == Rationing::InOrder {
        for ci in c0..c1 {
            let c = net.claims[ci];
            let claim = if c == NONE {
                st.bo_ext[n] + st.dem[n]
            } else {
                st.bo[c as usize] + st.oq[c as usize]
            };
            let ready = pmin(on_hand, claim);
            on_hand -= settle(net, st, n, c, ready, t, rng);
        }
    } else {
        let mut ci = c0;
        while ci < c1 {
            let class = net.claim_class[ci];
            let mut cj = ci;
            let mut total = 0.0;
            while cj < c1 && net.claim_class[cj] == class {
                let c = net.claims[cj];
                total += if c == NONE {
                    st.bo_ext[n] + st.dem[n]
                } else {
                    st.bo[c as usize] + st.oq[c as usize]
                };
                cj += 1;
            }
            let f = if total <= on_hand {
                1.0
            } else {
                on_hand / total
            };
            for ck in ci..cj {
                let c = net.claims[ck];
                let claim = if c == NONE {
                    st.bo_ext[n] + st.dem[n]
                } else {
                    st.bo[c as usize] + st.oq[c as usize]
                };
                let ready = if f >= 1.0 { claim } else { claim * f };
                on_hand = (on_hand - settle(net, st, n, c, ready, t, rng)).max(0.0);
            }
            ci = cj;
        }
    }
    on_hand
}

/// stockpyl's per-successor shipment bookkeeping for one claim (`c` = edge or `NONE` for
/// external demand) given the amount `ready` allotted to it. Returns the on-hand consumed.
#[inline(always)]
fn settle<R: Rng + ?Sized>(
    net: &Network,
    st: &mut State,
    n: usize,
    c: u32,
    ready: f64,
    t: u32,
    rng: &mut R,
) -> f64 {
    if c == NONE {
        let bo_old = st.bo_ext[n];
        let io = st.dem[n];
        let os = ready + 0.0;
        let di_os = pmin(os, 0.0);
        let bo_os = pmin(os - di_os, bo_old);
        let non = os - bo_os - di_os;
        let met = pmax0(os - bo_old);
        st.dmfs[n] += met;
        st.met_sum[n] += met;
        st.dem_sum[n] += io;
        st.il[n] -= io;
        st.bo_ext[n] = (bo_old - (bo_os + 0.0)) + pmax0(io - 0.0 - non);
        st.os_total[n] += os;
        st.cum_out += os;
        return os - di_os + 0.0;
    }
    let e = c as usize;
    let bo_old = st.bo[e];
    let io = st.oq[e];
    let odi_old = st.odi[e];
    let mut blocked = st.flags[e] & BIT_SP != 0;
    if !blocked && net.has_licences && net.e_licence[e] != NONE && ready + odi_old > 0.0 {
        let key = net.e_licence[e] as usize;
        let l = &net.licences[key];
        // Under a content rule, goods below the threshold share of the controlled origin ship
        // without a licence (and draw nothing). The supplier's stock mix is what ships.
        let exempt = l
            .content
            .is_some_and(|(label, min_share)| st.o_node[n * net.k_origin + label] < min_share);
        if !exempt {
            blocked = !licence_ok(l, &mut st.lic[key], t, rng);
        }
    }
    let LaneShipment {
        os,
        odi_new,
        di_os,
        bo,
    } = ship_on_lane(blocked, ready, io, bo_old, odi_old);
    st.os[e] = os;
    st.os_total[n] += os;
    st.dmfs[n] += pmax0(os - bo_old);
    st.il[n] -= io;
    st.bo[e] = bo;
    let p = st.pin[e] as usize;
    if net.k_origin > 0 {
        origin_ship(net, st, n, e, p, ready, odi_new, di_os, odi_old);
    }
    st.odi[e] += odi_new - di_os;
    st.pipe[p] += os;
    if net.has_stockpiles && net.stockpile_of[n] != NONE {
        st.sp_released[net.stockpile_of[n] as usize] += os;
    }
    os - di_os + odi_new
}

/// What one lane's shipment does, in stockpyl's bookkeeping.
pub(crate) struct LaneShipment {
    /// Shipped into the pipeline (the allotment plus goods held before, unless blocked).
    pub os: f64,
    /// Goods newly held at the supplier (the allotment, when blocked).
    pub odi_new: f64,
    /// Held goods released by this shipment.
    pub di_os: f64,
    /// Backorders on the lane afterwards.
    pub bo: f64,
}

/// stockpyl's per-lane shipment bookkeeping for an allotment `ready` against this period's
/// order `io`, with `bo_old` backordered and `odi_old` held at the supplier; `blocked` when a
/// shipment pause or a missing licence holds the goods. Shared by both kernels, so they perform
/// the same floating-point operations.
#[inline(always)]
pub(crate) fn ship_on_lane(
    blocked: bool,
    ready: f64,
    io: f64,
    bo_old: f64,
    odi_old: f64,
) -> LaneShipment {
    // selects rather than branches: the batched kernel vectorises this over lanes
    let os = if blocked { 0.0 } else { ready + odi_old };
    let odi_new = if blocked { ready } else { 0.0 };
    let bo_to_di = if blocked { pmin(ready, bo_old) } else { 0.0 };
    let nd_to_di = if blocked { odi_new - bo_to_di } else { 0.0 };
    let di_os = pmin(os, odi_old);
    let bo_os = pmin(os - di_os, bo_old);
    let non = os - bo_os - di_os;
    LaneShipment {
        os,
        odi_new,
        di_os,
        bo: (bo_old - (bo_os + bo_to_di)) + pmax0(io - nd_to_di - non),
    }
}

/// Licence state machine; returns whether a valid licence covers period `t`.
/// Shared by the scalar and the lane-batched kernels (one state per replication).
pub(crate) fn licence_ok<R: Rng + ?Sized>(
    l: &CLicence,
    s: &mut LicState,
    t: u32,
    rng: &mut R,
) -> bool {
    if !l.required(t) {
        return true;
    }
    if t < s.valid_until {
        return true;
    }
    if s.pending {
        if t < s.decide_at {
            return false;
        }
        s.pending = false;
        if s.approve {
            s.valid_until = s.decide_at.saturating_add(l.validity);
            if t < s.valid_until {
                return true;
            }
        }
    }
    // (re)apply now
    let review = l.review.sample_periods(rng);
    let u: f64 = rng.random();
    s.pending = true;
    s.decide_at = t.saturating_add(review);
    s.approve = u < l.approval;
    if review == 0 && s.approve {
        s.pending = false;
        s.valid_until = t.saturating_add(l.validity);
        return t < s.valid_until;
    }
    false
}

// -------------------------------------------------------------------- origin tracing
// Stocks carry K fractions; every transfer mixes by weighted average. Called before the
// quantities move, so the "old" quantities are still in place.

fn origin_receive(net: &Network, st: &mut State, e: usize, sl: usize, p0: usize, ready: f64) {
    let k = net.k_origin;
    if st.flags[e] & BIT_RP != 0 {
        let old = st.idi[e];
        let (pm, im) = (
            &st.o_pipe[p0 * k..(p0 + 1) * k],
            &mut st.o_idi[e * k..(e + 1) * k],
        );
        mix_into(im, old, pm, ready);
    } else {
        let rm_old = st.rm[sl];
        let idi = st.idi[e];
        let (pm, sm) = (
            &st.o_pipe[p0 * k..(p0 + 1) * k],
            &mut st.o_slot[sl * k..(sl + 1) * k],
        );
        mix_into(sm, rm_old, pm, ready);
        let im = &st.o_idi[e * k..(e + 1) * k];
        mix_into(sm, rm_old.max(0.0) + ready, im, idi);
    }
}

#[allow(clippy::too_many_arguments)]
fn origin_produce(
    net: &Network,
    st: &mut State,
    q: usize,
    s0: usize,
    s1: usize,
    m0: usize,
    m1: usize,
    make: f64,
) {
    if make <= 0.0 {
        return;
    }
    let k = net.k_origin;
    let leader = net.mem_nodes[m0] as usize;
    st.o_tmp.fill(0.0);
    if net.origin_stamp[leader] != NONE {
        st.o_tmp[net.origin_stamp[leader] as usize] = 1.0;
    } else {
        let mut wsum = 0.0;
        for sl in s0..s1 {
            let w = net.slot_bom[sl];
            wsum += w;
            for j in 0..k {
                st.o_tmp[j] += w * st.o_slot[sl * k + j];
            }
        }
        if wsum > 0.0 {
            for x in st.o_tmp.iter_mut() {
                *x /= wsum;
            }
        }
    }
    let _ = q;
    for mi in m0..m1 {
        let n = net.mem_nodes[mi] as usize;
        let old = st.il[n];
        let made = make * net.node_yield[n];
        let tmp = std::mem::take(&mut st.o_tmp);
        mix_into(&mut st.o_node[n * k..(n + 1) * k], old, &tmp, made);
        st.o_tmp = tmp;
    }
}

#[allow(clippy::too_many_arguments)]
fn origin_ship(
    net: &Network,
    st: &mut State,
    n: usize,
    e: usize,
    p: usize,
    ready: f64,
    odi_new: f64,
    di_os: f64,
    odi_old: f64,
) {
    let k = net.k_origin;
    let node_mix: Vec<f64> = st.o_node[n * k..(n + 1) * k].to_vec();
    if odi_new > 0.0 {
        mix_into(
            &mut st.o_odi[e * k..(e + 1) * k],
            odi_old,
            &node_mix,
            odi_new,
        );
    } else {
        let q = st.pipe[p];
        let odi_mix: Vec<f64> = st.o_odi[e * k..(e + 1) * k].to_vec();
        let pm = &mut st.o_pipe[p * k..(p + 1) * k];
        mix_into(pm, q, &node_mix, ready);
        mix_into(pm, q.max(0.0) + ready.max(0.0), &odi_mix, di_os);
    }
}
