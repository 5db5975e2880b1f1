//! Exact replay of stockpyl 1.0.2 on the peer fixtures (cases a1, b, c; 1000 periods, seed 42):
//! exogenous demand and disruption series in, every output column compared to
//! |diff| <= 1e-9 + 1e-12 |stockpyl|.

mod common;

use chokepoint_sim::cases::{stockpyl_a1, stockpyl_b, stockpyl_c};
use chokepoint_sim::{Demand, DisruptionProcess, Network, PeriodRecord, TraceRecorder, simulate};
use common::{bools, read_gz_csv, read_inputs};
use rand::SeedableRng;

const COLS: [&str; 13] = [
    "inbound_order",
    "order_quantity",
    "inbound_shipment",
    "raw_material_inventory",
    "outbound_shipment",
    "inventory_level",
    "backorders",
    "demand_met_from_stock",
    "holding_cost",
    "stockout_cost",
    "in_transit_holding_cost",
    "total_cost",
    "disrupted",
];

fn value(r: &PeriodRecord, col: &str) -> f64 {
    match col {
        "inbound_order" => r.inbound_order,
        "order_quantity" => r.order_quantity,
        "inbound_shipment" => r.inbound_shipment,
        "raw_material_inventory" => r.raw_material_inventory,
        "outbound_shipment" => r.outbound_shipment,
        "inventory_level" => r.inventory_level,
        "backorders" => r.backorders,
        "demand_met_from_stock" => r.demand_met_from_stock,
        "holding_cost" => r.holding_cost,
        "stockout_cost" => r.stockout_cost,
        "in_transit_holding_cost" => r.in_transit_holding_cost,
        "total_cost" => r.total_cost,
        "disrupted" => f64::from(u8::from(r.disrupted)),
        _ => unreachable!(),
    }
}

fn run(net: &Network, horizon: u32) -> Vec<PeriodRecord> {
    let mut st = chokepoint_sim::State::new(net);
    let mut rec = TraceRecorder::new();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    simulate(net, &mut st, horizon, &mut rng, &mut rec).expect("valid run");
    rec.records
}

/// Compares every column; `node_map` maps stockpyl node index -> ours. Returns max |diff|.
fn compare(
    outputs: &str,
    recs: &[PeriodRecord],
    nodes: usize,
    node_map: &dyn Fn(usize) -> usize,
) -> f64 {
    let (h, rows) = read_gz_csv(outputs);
    let idx = |c: &str| h.iter().position(|x| x == c).expect("column");
    let (ip, inode) = (idx("period"), idx("node"));
    let mut worst = 0.0f64;
    let mut bad = Vec::new();
    for row in &rows {
        let t: usize = row[ip].parse().expect("period");
        let n = node_map(row[inode].parse().expect("node"));
        let r = &recs[t * nodes + n];
        assert_eq!((r.period as usize, r.node as usize), (t, n));
        for c in COLS {
            let peer: f64 = row[idx(c)].parse().expect("number");
            let ours = value(r, c);
            let d = (peer - ours).abs();
            worst = worst.max(d);
            if d > 1e-9 + 1e-12 * peer.abs() && bad.len() < 10 {
                bad.push(format!("t={t} node={n} {c}: stockpyl {peer} ours {ours}"));
            }
        }
    }
    assert!(bad.is_empty(), "mismatches:\n{}", bad.join("\n"));
    assert!(!rows.is_empty());
    worst
}

#[test]
fn replay_a1_matches_stockpyl() {
    let inp = read_inputs("a1");
    let net = stockpyl_a1(DisruptionProcess::Series(bools(&inp["disrupted_0"]))).expect("network");
    let recs = run(&net, 1000);
    let worst = compare("stockpyl_a1_T1000_seed42_outputs.csv.gz", &recs, 1, &|i| i);
    let total: f64 = recs.iter().map(|r| r.total_cost).sum();
    assert_eq!(total, 2576500.0);
    assert_eq!(worst, 0.0, "a1 is integer-valued: replay must be bit-exact");
}

#[test]
fn replay_b_matches_stockpyl() {
    let inp = read_inputs("b");
    let net = stockpyl_b(Demand::Series(inp["demand_1"].clone())).expect("network");
    let recs = run(&net, 1000);
    let worst = compare("stockpyl_b_T1000_seed42_outputs.csv.gz", &recs, 3, &|i| {
        i - 1
    });
    assert_eq!(worst, 0.0, "case b replays bit-exactly");
    let total: f64 = recs.iter().map(|r| r.total_cost).sum();
    assert!(
        (total - 47960.26905582294).abs() <= 1e-9 * 47960.26905582294,
        "total {total}"
    );
}

fn case_c_from_fixture() -> Network {
    let inp = read_inputs("c");
    let demands = (18..27)
        .map(|i| Demand::Series(inp[&format!("demand_{i}")].clone()))
        .collect();
    let d = |i: usize| DisruptionProcess::Series(bools(&inp[&format!("disrupted_{i}")]));
    stockpyl_c(demands, [d(1), d(2), d(5)]).expect("network")
}

#[test]
fn replay_c_matches_stockpyl_first_200_and_total_cost() {
    let net = case_c_from_fixture();
    let recs = run(&net, 1000);
    let worst = compare(
        "stockpyl_c_T1000_seed42_outputs_first200.csv.gz",
        &recs,
        27,
        &|i| i,
    );
    assert_eq!(worst, 0.0, "case c replays bit-exactly");
    // stockpyl's close(): np.sum over nodes, then periods of total_cost_incurred
    let total: f64 = recs.iter().map(|r| r.total_cost).sum();
    let expect = 9869129.052697249;
    assert!(
        (total - expect).abs() <= 1e-9 * expect,
        "total {total} vs {expect}"
    );
}
