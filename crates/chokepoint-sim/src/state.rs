//! Mutable per-replication state.
//!
//! Size is O(nodes + edges + pipeline slots) (times the number of origin labels when origin
//! tracing is on); nothing grows with the number of periods, so a replication of 10^8 periods
//! needs the same memory as one of 10 periods. Per-period quantities (orders, shipments, cost
//! components) are overwritten every period and are exposed to [`crate::Observer`]s, which is
//! how traces are recorded without the kernel keeping history.

use rand::{Rng, RngExt};

use crate::network::{CProcess, NONE, Network};
use crate::spec::NodeId;

/// Per-key licence state.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LicState {
    /// A licence is valid for `t < valid_until`.
    pub valid_until: u32,
    pub pending: bool,
    pub decide_at: u32,
    pub approve: bool,
}

/// Cumulative mass accounting of a replication. Goods enter through external supply orders
/// (they are in the supplier's pipeline from the moment of ordering), leave through deliveries
/// to external customers, and are transformed by production (inputs consumed at their BOM
/// quantities, outputs made at their yields). Hence at the end of every period
/// `stock == initial + inflow - outflow + produced - consumed` up to rounding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MassBalance {
    /// Goods now in the system: on-hand finished goods + raw material + pipelines + held
    /// outbound + held inbound goods.
    pub stock: f64,
    /// Goods at period 0 (positive initial inventories).
    pub initial: f64,
    /// Cumulative external supply ordered.
    pub inflow: f64,
    /// Cumulative deliveries to external customers.
    pub outflow: f64,
    /// Cumulative production (output units).
    pub produced: f64,
    /// Cumulative raw material consumed.
    pub consumed: f64,
}

impl MassBalance {
    /// `stock - (initial + inflow - outflow + produced - consumed)`.
    pub fn residual(&self) -> f64 {
        self.stock - (self.initial + self.inflow - self.outflow + self.produced - self.consumed)
    }
    /// Scale for relative tolerances.
    pub fn scale(&self) -> f64 {
        self.initial + self.inflow + self.produced + 1.0
    }
}

/// Mutable state of one replication. Create with [`State::new`]; [`crate::simulate`] resets it.
#[derive(Debug, Clone)]
pub struct State {
    // nodes
    pub(crate) il: Vec<f64>,
    pub(crate) dem: Vec<f64>,
    pub(crate) bo_ext: Vec<f64>,
    pub(crate) io_total: Vec<f64>,
    pub(crate) os_total: Vec<f64>,
    pub(crate) dmfs: Vec<f64>,
    pub(crate) made: Vec<f64>,
    pub(crate) c_hold: Vec<f64>,
    pub(crate) c_short: Vec<f64>,
    pub(crate) c_transit: Vec<f64>,
    pub(crate) c_total: Vec<f64>,
    pub(crate) node_disrupted: Vec<bool>,
    // node metrics (cumulative)
    pub(crate) stockout_periods: Vec<u32>,
    pub(crate) first_stockout: Vec<u32>,
    pub(crate) shortage: Vec<f64>,
    pub(crate) dem_sum: Vec<f64>,
    pub(crate) met_sum: Vec<f64>,
    // slots
    pub(crate) rm: Vec<f64>,
    // edges
    /// Pipeline slots, one ring of `lead + 1` slots per edge starting at `Network::e_pipe`.
    /// Logical slot `s` (0 = arriving next, `lead` = just shipped) of edge `e` is at physical
    /// offset `(pout[e] - e_pipe[e] + s) mod (lead + 1)` in its ring.
    pub(crate) pipe: Vec<f64>,
    /// Physical index of each edge's logical slot 0 (the slot received from).
    pub(crate) pout: Vec<u32>,
    /// Physical index of each edge's logical slot `lead` (the slot shipped into).
    pub(crate) pin: Vec<u32>,
    pub(crate) oo: Vec<f64>,
    pub(crate) idi: Vec<f64>,
    pub(crate) odi: Vec<f64>,
    pub(crate) bo: Vec<f64>,
    pub(crate) oq: Vec<f64>,
    pub(crate) os: Vec<f64>,
    pub(crate) is: Vec<f64>,
    pub(crate) flags: Vec<u8>,
    // exogenous
    pub(crate) dstate: Vec<bool>,
    pub(crate) episode: Vec<(u32, u32)>,
    pub(crate) lic: Vec<LicState>,
    pub(crate) sp_budget: Vec<f64>,
    pub(crate) sp_released: Vec<f64>,
    // origin tracing (empty when off): K fractions per stock
    pub(crate) o_node: Vec<f64>,
    pub(crate) o_slot: Vec<f64>,
    pub(crate) o_pipe: Vec<f64>,
    pub(crate) o_odi: Vec<f64>,
    pub(crate) o_idi: Vec<f64>,
    pub(crate) o_tmp: Vec<f64>,
    // mass accounting (cumulative)
    pub(crate) oh: Vec<f64>,
    pub(crate) cum_in: f64,
    pub(crate) cum_out: f64,
    pub(crate) cum_made: f64,
    pub(crate) cum_consumed: f64,
    // totals
    pub(crate) period_cost: f64,
    pub(crate) cost_total: f64,
    pub(crate) periods_run: u32,
}

impl State {
    /// Allocates state for `net` (initialised as at period 0).
    pub fn new(net: &Network) -> Self {
        let nn = net.node_count();
        let ne = net.e_from.len();
        let ns = net.slot_bom.len();
        let k = net.k_origin;
        State {
            il: net.init_il.clone(),
            dem: vec![0.0; nn],
            bo_ext: vec![0.0; nn],
            io_total: vec![0.0; nn],
            os_total: vec![0.0; nn],
            dmfs: vec![0.0; nn],
            made: vec![0.0; nn],
            c_hold: vec![0.0; nn],
            c_short: vec![0.0; nn],
            c_transit: vec![0.0; nn],
            c_total: vec![0.0; nn],
            node_disrupted: vec![false; nn],
            stockout_periods: vec![0; nn],
            first_stockout: vec![NONE; nn],
            shortage: vec![0.0; nn],
            dem_sum: vec![0.0; nn],
            met_sum: vec![0.0; nn],
            rm: vec![0.0; ns],
            pipe: net.init_pipe.clone(),
            pout: net.e_pipe.clone(),
            pin: (0..ne).map(|e| net.e_pipe[e] + net.e_lead[e]).collect(),
            oo: net.init_oo.clone(),
            idi: vec![0.0; ne],
            odi: vec![0.0; ne],
            bo: vec![0.0; ne],
            oq: vec![0.0; ne],
            os: vec![0.0; ne],
            is: vec![0.0; ne],
            flags: vec![0; ne],
            dstate: vec![false; net.disruptions.len()],
            episode: vec![(u32::MAX, u32::MAX); net.disruptions.len()],
            lic: vec![LicState::default(); net.licences.len()],
            sp_budget: vec![0.0; net.stockpiles.len()],
            sp_released: vec![0.0; net.stockpiles.len()],
            o_node: vec![0.0; nn * k],
            o_slot: vec![0.0; ns * k],
            o_pipe: vec![0.0; net.pipe_len * k],
            o_odi: vec![0.0; ne * k],
            o_idi: vec![0.0; ne * k],
            o_tmp: vec![0.0; k],
            oh: net.init_il.iter().map(|&x| x.max(0.0)).collect(),
            cum_in: 0.0,
            cum_out: 0.0,
            cum_made: 0.0,
            cum_consumed: 0.0,
            period_cost: 0.0,
            cost_total: 0.0,
            periods_run: 0,
        }
    }

    /// Resets to period 0 and draws the per-replication randomness (disruption episodes).
    pub(crate) fn reset<R: Rng + ?Sized>(&mut self, net: &Network, rng: &mut R) {
        self.il.copy_from_slice(&net.init_il);
        for v in [
            &mut self.dem,
            &mut self.bo_ext,
            &mut self.io_total,
            &mut self.os_total,
            &mut self.dmfs,
            &mut self.made,
            &mut self.c_hold,
            &mut self.c_short,
            &mut self.c_transit,
            &mut self.c_total,
            &mut self.shortage,
            &mut self.dem_sum,
            &mut self.met_sum,
            &mut self.rm,
            &mut self.idi,
            &mut self.odi,
            &mut self.bo,
            &mut self.oq,
            &mut self.os,
            &mut self.is,
            &mut self.sp_budget,
            &mut self.sp_released,
            &mut self.o_slot,
            &mut self.o_pipe,
            &mut self.o_odi,
            &mut self.o_idi,
        ] {
            v.fill(0.0);
        }
        self.pipe.copy_from_slice(&net.init_pipe);
        self.oo.copy_from_slice(&net.init_oo);
        self.pout.copy_from_slice(&net.e_pipe);
        for (e, p) in self.pin.iter_mut().enumerate() {
            *p = net.e_pipe[e] + net.e_lead[e];
        }
        self.node_disrupted.fill(false);
        self.stockout_periods.fill(0);
        self.first_stockout.fill(NONE);
        self.flags.fill(0);
        self.dstate.fill(false);
        self.lic.fill(LicState::default());
        let k = net.k_origin;
        if k > 0 {
            // Initial stock carries its node's stamp (label 0 if unstamped).
            self.o_node.fill(0.0);
            for n in 0..net.node_count() {
                let lab = if net.origin_stamp[n] == NONE {
                    0
                } else {
                    net.origin_stamp[n] as usize
                };
                self.o_node[n * k + lab] = 1.0;
            }
            // A steady start's pipeline carries its supplier's stamp (the customer's for
            // external supply), by the same rule as initial stock.
            for e in 0..net.e_from.len() {
                let n = net.init_pipe_node[e] as usize;
                let lab = if net.origin_stamp[n] == NONE {
                    0
                } else {
                    net.origin_stamp[n] as usize
                };
                let o = net.e_pipe[e] as usize;
                for p in o..=o + net.e_lead[e] as usize {
                    if net.init_pipe[p] > 0.0 {
                        self.o_pipe[p * k + lab] = 1.0;
                    }
                }
            }
        }
        for (i, d) in net.disruptions.iter().enumerate() {
            self.episode[i] = (u32::MAX, u32::MAX);
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
                    self.episode[i] = (s, s.saturating_add(dur));
                }
            }
        }
        for (o, &x) in self.oh.iter_mut().zip(&net.init_il) {
            *o = x.max(0.0);
        }
        self.cum_in = 0.0;
        self.cum_out = 0.0;
        self.cum_made = 0.0;
        self.cum_consumed = 0.0;
        self.period_cost = 0.0;
        self.cost_total = 0.0;
        self.periods_run = 0;
    }

    /// An edge's ring as two physical runs `(a, b)`: logical order is `b` then `a`.
    #[inline(always)]
    pub(crate) fn pipe_logical(&self, net: &Network, e: usize) -> (&[f64], &[f64]) {
        let o = net.e_pipe[e] as usize;
        let ring = &self.pipe[o..=o + net.e_lead[e] as usize];
        ring.split_at(self.pout[e] as usize - o)
    }

    /// Sum of all pipeline slots, edge by edge in logical slot order (the order of a flat
    /// shifted pipeline, so the rounding is unchanged).
    fn pipe_sum(&self, net: &Network) -> f64 {
        (0..net.e_from.len())
            .flat_map(|e| {
                let (a, b) = self.pipe_logical(net, e);
                b.iter().chain(a)
            })
            .sum()
    }

    /// Mass accounting since period 0 (see [`MassBalance`]).
    pub fn mass_balance(&self, net: &Network) -> MassBalance {
        let stock = self.oh.iter().sum::<f64>()
            + self.rm.iter().sum::<f64>()
            + self.pipe_sum(net)
            + self.odi.iter().sum::<f64>()
            + self.idi.iter().sum::<f64>();
        MassBalance {
            stock,
            initial: net.init_il.iter().map(|&x| x.max(0.0)).sum::<f64>()
                + net.init_pipe.iter().sum::<f64>(),
            inflow: self.cum_in,
            outflow: self.cum_out,
            produced: self.cum_made,
            consumed: self.cum_consumed,
        }
    }

    /// Physical on-hand finished goods of a node at the end of the last period.
    pub fn on_hand(&self, n: NodeId) -> f64 {
        self.oh[n.0 as usize]
    }

    /// Backorders a node owes (all lanes plus external demand).
    pub fn backorders(&self, net: &Network, n: NodeId) -> f64 {
        let n = n.0 as usize;
        let mut s = self.bo_ext[n];
        for &e in &net.out_edges[net.out_start[n] as usize..net.out_start[n + 1] as usize] {
            s += self.bo[e as usize];
        }
        s
    }

    // ---------------------------------------------------------------- read access
    /// Inventory level (on-hand minus backorders) at the end of the last period.
    pub fn inventory_level(&self, n: NodeId) -> f64 {
        self.il[n.0 as usize]
    }
    /// Total cost of the last period (all nodes).
    pub fn period_cost(&self) -> f64 {
        self.period_cost
    }
    /// Cumulative cost since period 0.
    pub fn total_cost(&self) -> f64 {
        self.cost_total
    }
    /// Number of periods simulated since the reset.
    pub fn periods_run(&self) -> u32 {
        self.periods_run
    }
    /// External demand of the last period at a node (0 if none).
    pub fn demand(&self, n: NodeId) -> f64 {
        self.dem[n.0 as usize]
    }
    /// Origin mix (K fractions summing to 1 when stock is positive) of a node's stock, if
    /// origin tracing is on.
    pub fn origin_mix(&self, net: &Network, n: NodeId) -> Option<&[f64]> {
        let k = net.k_origin;
        (k > 0).then(|| &self.o_node[n.0 as usize * k..(n.0 as usize + 1) * k])
    }
    /// A licence process so far: whether it has applied (a review pending or decided) and
    /// whether it has ever been granted.
    pub fn licence_progress(&self, key: crate::spec::LicenceKey) -> (bool, bool) {
        let s = &self.lic[key.0 as usize];
        let granted = s.valid_until > 0;
        (s.pending || granted, granted)
    }
    /// Whether licence process `key` lets goods ship in period `t`: no licence is required
    /// then (before the regime, after it is lifted, under a general licence), or one was
    /// granted and is still valid. Read by an observer after period `t`, it is what the kernel
    /// decided for a shipment attempted in `t` (the state advances only when goods are
    /// offered). Unknown keys are closed.
    pub fn licence_open(&self, net: &Network, key: crate::spec::LicenceKey, t: u32) -> bool {
        let k = key.0 as usize;
        match (net.licences.get(k), self.lic.get(k)) {
            (Some(l), Some(s)) => !l.required(t) || t < s.valid_until,
            _ => false,
        }
    }
    /// Units released so far by each stockpile (in [`Network::stockpile_nodes`] order).
    pub fn stockpile_released(&self) -> &[f64] {
        &self.sp_released
    }
    /// Raw material held by a node's process (sum over input slots; 0 for co-products).
    pub fn raw_material(&self, net: &Network, n: NodeId) -> f64 {
        let q = net.node_proc[n.0 as usize] as usize;
        if net.mem_nodes[net.mem_start[q] as usize] != n.0 {
            return 0.0;
        }
        let mut s = 0.0;
        for sl in net.slot_start[q] as usize..net.slot_start[q + 1] as usize {
            s += self.rm[sl];
        }
        s
    }
    /// Goods in the pipelines of a lane (including goods waiting at the customer under a
    /// receipt pause is *not* included; see [`State::held_inbound`]).
    pub fn in_transit(&self, net: &Network, e: crate::spec::EdgeId) -> f64 {
        let e = e.0 as usize;
        let (a, b) = self.pipe_logical(net, e);
        b.iter().chain(a).sum()
    }
    /// Goods held at the supplier of a lane (shipment pause / licence wait).
    pub fn held_outbound(&self, e: crate::spec::EdgeId) -> f64 {
        self.odi[e.0 as usize]
    }
    /// Goods held at the customer of a lane (receipt pause).
    pub fn held_inbound(&self, e: crate::spec::EdgeId) -> f64 {
        self.idi[e.0 as usize]
    }
    /// Backorders a supplier owes on a lane.
    pub fn backorders_on(&self, e: crate::spec::EdgeId) -> f64 {
        self.bo[e.0 as usize]
    }
    /// Backorders owed to a node's external customers.
    pub fn external_backorders(&self, n: NodeId) -> f64 {
        self.bo_ext[n.0 as usize]
    }
    /// External demand at a node, summed since period 0.
    pub fn external_demand_total(&self, n: NodeId) -> f64 {
        self.dem_sum[n.0 as usize]
    }
    /// External demand met from stock at a node, summed since period 0.
    pub fn external_demand_met_total(&self, n: NodeId) -> f64 {
        self.met_sum[n.0 as usize]
    }
    /// Amount shipped on a lane in the last period.
    pub fn shipped(&self, e: crate::spec::EdgeId) -> f64 {
        self.os[e.0 as usize]
    }
    /// Amount produced by a node in the last period.
    pub fn produced(&self, n: NodeId) -> f64 {
        self.made[n.0 as usize]
    }
}
