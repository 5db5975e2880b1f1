//! Per-period traces in stockpyl's column set.
//!
//! A trace is O(periods x nodes) by nature, so it is only built when asked for: attach a
//! [`TraceRecorder`] as the observer of [`crate::simulate`]. Column semantics (and summation
//! order) follow stockpyl's `state_vars` totals: `inbound_order` sums orders from customers then
//! external demand, `order_quantity`, `inbound_shipment` and `raw_material_inventory` sum over
//! the node's inputs (the leader carries them for a co-production group), `backorders` sums
//! over customers then external demand.

use crate::engine::Observer;
use crate::network::{NONE, Network};
use crate::state::State;

/// One node in one period (stockpyl's columns).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeriodRecord {
    /// Period.
    pub period: u32,
    /// Node index.
    pub node: u32,
    /// Whether a node-level disruption was active.
    pub disrupted: bool,
    /// Orders received (customers + external demand).
    pub inbound_order: f64,
    /// Orders placed (sum over inputs).
    pub order_quantity: f64,
    /// Goods received.
    pub inbound_shipment: f64,
    /// Raw material on hand at the end of the period.
    pub raw_material_inventory: f64,
    /// Goods shipped (customers + external demand).
    pub outbound_shipment: f64,
    /// Inventory level at the end of the period.
    pub inventory_level: f64,
    /// Backorders owed at the end of the period.
    pub backorders: f64,
    /// Demand met from stock this period.
    pub demand_met_from_stock: f64,
    /// Holding cost.
    pub holding_cost: f64,
    /// Stockout (backorder) cost.
    pub stockout_cost: f64,
    /// In-transit holding cost.
    pub in_transit_holding_cost: f64,
    /// Total cost.
    pub total_cost: f64,
}

/// Observer that records a [`PeriodRecord`] per node per period.
#[derive(Debug, Default, Clone)]
pub struct TraceRecorder {
    /// Records in (period, node) order.
    pub records: Vec<PeriodRecord>,
}

impl TraceRecorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Observer for TraceRecorder {
    fn period_end(&mut self, t: u32, net: &Network, st: &State) {
        for n in 0..net.node_count() {
            let q = net.node_proc[n] as usize;
            let leader = net.mem_nodes[net.mem_start[q] as usize] as usize == n;
            let (mut oq, mut is, mut rm) = (0.0, 0.0, 0.0);
            if leader {
                for sl in net.slot_start[q] as usize..net.slot_start[q + 1] as usize {
                    rm += st.rm[sl];
                    for &e in &net.slot_edges
                        [net.slot_edge_start[sl] as usize..net.slot_edge_start[sl + 1] as usize]
                    {
                        oq += st.oq[e as usize];
                        is += st.is[e as usize];
                    }
                }
            }
            let mut bo = 0.0;
            for &e in &net.out_edges[net.out_start[n] as usize..net.out_start[n + 1] as usize] {
                bo += st.bo[e as usize];
            }
            if net.demand_of[n] != NONE {
                bo += st.bo_ext[n];
            }
            self.records.push(PeriodRecord {
                period: t,
                node: n as u32,
                disrupted: st.node_disrupted[n],
                inbound_order: st.io_total[n],
                order_quantity: oq,
                inbound_shipment: is,
                raw_material_inventory: rm,
                outbound_shipment: st.os_total[n],
                inventory_level: st.il[n],
                backorders: bo,
                demand_met_from_stock: st.dmfs[n],
                holding_cost: st.c_hold[n],
                stockout_cost: st.c_short[n],
                in_transit_holding_cost: st.c_transit[n],
                total_cost: st.c_total[n],
            });
        }
    }
}
