//! Reference networks: the stockpyl peer cases (a1, b, c of `shared/peers`, parameters from
//! Snyder & Shen's textbook examples and the peer harness documentation) and synthetic layered
//! networks for scaling benchmarks.
//!
//! Node numbering follows stockpyl's indices where those start at 0 (a1, c); case b's stockpyl
//! nodes 1, 2, 3 (1 downstream) are our nodes 0, 1, 2.

use crate::dist::Dist;
use crate::error::Result;
use crate::network::Network;
use crate::spec::{
    Demand, DisruptionKind, DisruptionProcess, DisruptionSpec, NetworkBuilder, NodeId, NodeSpec,
    Target,
};

/// Case a1 (S&S Example 9.3): single stage, demand 2000, h 0.25, p 3, L 1, S 8000, OP
/// disruptions with the given process (Markov α = 0.04, β = 0.25 for the textbook case).
pub fn stockpyl_a1(disruption: DisruptionProcess) -> Result<Network> {
    stockpyl_a1_with_base_stock(8000.0, disruption)
}

/// Case a1 at another base-stock level (theory: S = 2000 -> 3310.3448, 12000 -> 3075.1616).
pub fn stockpyl_a1_with_base_stock(s: f64, disruption: DisruptionProcess) -> Result<Network> {
    let mut b = NetworkBuilder::new();
    let n = b.node(
        NodeSpec::new("stage")
            .base_stock(s)
            .costs(0.25, 3.0)
            .external_supply(1)
            .demand(Demand::Constant(2000.0)),
    );
    b.disruption(DisruptionSpec {
        target: Target::Node(n),
        kind: DisruptionKind::OrderPausing,
        process: disruption,
    });
    b.build()
}

/// The Markov process of case a1.
pub fn a1_markov() -> DisruptionProcess {
    DisruptionProcess::Markov {
        alpha: 0.04,
        beta: 0.25,
    }
}

/// Optimal echelon base-stock levels of S&S Example 6.1 (stockpyl `ssm_serial`), downstream
/// first.
pub const B_S_ECHELON: [f64; 3] = [6.599662958019763, 11.99662958019757, 22.790562824553184];

/// Case b (S&S Example 6.1): serial 3 -> 2 -> 1 (our nodes 2 -> 1 -> 0), local base stock
/// equivalent to the optimal echelon levels, h = (7, 4, 2), L = (1, 1, 2), p = 37.12 at the
/// downstream node, demand N(5, 1) truncated at 0 (or a replayed series).
pub fn stockpyl_b(demand: Demand) -> Result<Network> {
    let s = B_S_ECHELON;
    let mut b = NetworkBuilder::new();
    let n1 = b.node(
        NodeSpec::new("node1")
            .base_stock(s[0])
            .costs(7.0, 37.12)
            .demand(demand),
    );
    let n2 = b.node(
        NodeSpec::new("node2")
            .base_stock(s[1] - s[0])
            .costs(4.0, 0.0),
    );
    let n3 = b.node(
        NodeSpec::new("node3")
            .base_stock(s[2] - s[1])
            .costs(2.0, 0.0)
            .external_supply(2),
    );
    b.lane(n3, n2, 1);
    b.lane(n2, n1, 1);
    b.build()
}

/// Demand of case b for Monte Carlo.
pub fn b_demand() -> Demand {
    Demand::Random(Dist::Normal { mean: 5.0, sd: 1.0 })
}

/// Case c: the 27-node rare-earth DAG (2 mines, 2 separators, 2 metal makers, 3 magnet
/// makers assembling NdPr + DyTb 1:1, 9 component makers, 9 OEMs with demand N(10, 3)).
/// `demands` has 9 entries (OEM 0..8); `disruptions` are for node 1 (TP), node 2 (OP) and
/// node 5 (SP).
pub fn stockpyl_c(demands: Vec<Demand>, disruptions: [DisruptionProcess; 3]) -> Result<Network> {
    let mut b = NetworkBuilder::new();
    let spec =
        |name: String, l: i64, h: f64, s: f64| (NodeSpec::new(name).base_stock(s).costs(h, 0.0), l);
    let mut nodes: Vec<(NodeSpec, i64)> = vec![
        spec("MINE_LREE".into(), 4, 0.5, 490.25),
        spec("MINE_HREE".into(), 4, 0.5, 490.25),
        spec("SEP_LREE".into(), 3, 1.0, 396.0),
        spec("SEP_HREE".into(), 3, 1.0, 396.0),
        spec("METAL_NDPR".into(), 2, 2.0, 1021.18),
        spec("METAL_DYTB".into(), 2, 2.0, 1021.18),
    ];
    for m in ["A", "B", "C"] {
        nodes.push(spec(format!("MAGNET_{m}"), 2, 4.0, 108.0));
    }
    for j in 0..9 {
        nodes.push(spec(format!("COMP_{j}"), 1, 6.0, 28.49));
    }
    let mut dem = demands.into_iter();
    for j in 0..9 {
        let (mut n, l) = spec(format!("OEM_{j}"), 1, 8.0, 28.49);
        n.stockout_cost = 80.0;
        n.demand = dem.next();
        nodes.push((n, l));
    }
    let lead: Vec<i64> = nodes.iter().map(|(_, l)| *l).collect();
    for (i, (mut n, l)) in nodes.into_iter().enumerate() {
        if i < 2 {
            n = n.external_supply(l);
        }
        b.node(n);
    }
    let mut edges: Vec<(u32, u32)> = vec![
        (0, 2),
        (1, 3),
        (2, 4),
        (3, 5),
        (4, 6),
        (4, 7),
        (4, 8),
        (5, 6),
        (5, 7),
        (5, 8),
    ];
    edges.extend((0..9).map(|j| (6 + j / 3, 9 + j)));
    edges.extend((0..9).map(|j| (9 + j, 18 + j)));
    for (a, c) in edges {
        b.lane(NodeId(a), NodeId(c), lead[c as usize]);
    }
    let [d1, d2, d5] = disruptions;
    for (n, kind, process) in [
        (1, DisruptionKind::TransitPausing, d1),
        (2, DisruptionKind::OrderPausing, d2),
        (5, DisruptionKind::ShipmentPausing, d5),
    ] {
        b.disruption(DisruptionSpec {
            target: Target::Node(NodeId(n)),
            kind,
            process,
        });
    }
    b.build()
}

/// Case c with its stochastic inputs (N(10, 3) demand, Markov disruptions).
pub fn stockpyl_c_random() -> Result<Network> {
    stockpyl_c(
        vec![
            Demand::Random(Dist::Normal {
                mean: 10.0,
                sd: 3.0
            });
            9
        ],
        [
            DisruptionProcess::Markov {
                alpha: 0.02,
                beta: 0.25,
            },
            DisruptionProcess::Markov {
                alpha: 0.01,
                beta: 0.20,
            },
            DisruptionProcess::Markov {
                alpha: 0.01,
                beta: 0.10,
            },
        ],
    )
}

/// Synthetic layered network: `width` parallel chains of `depth` stages (mine -> ... -> OEM),
/// lead times cycling through (4, 3, 2, 2, 1, 1), local base stock sized for uniform demand with
/// mean 10, external supply at the top, demand at the bottom; every `cross`-th chain also
/// buys from its neighbour chain's stage above (an assembly), so the DAG is not just chains.
/// Lanes = `width * (depth - 1)` plus the cross lanes.
pub fn layered(width: usize, depth: usize, cross: usize) -> Result<Network> {
    const LT: [i64; 6] = [4, 3, 2, 2, 1, 1];
    let mut b = NetworkBuilder::new();
    let mut ids = vec![vec![NodeId(0); depth]; width];
    for (c, row) in ids.iter_mut().enumerate() {
        for (s, id) in row.iter_mut().enumerate() {
            let l = LT[s % LT.len()];
            let mut n = NodeSpec::new(format!("c{c}s{s}"))
                .base_stock(10.0 * (l as f64 + 1.0) + 15.0)
                .costs(1.0 + s as f64, 0.0);
            if s == 0 {
                n = n.external_supply(l);
            }
            if s + 1 == depth {
                n.stockout_cost = 20.0;
                n.demand = Some(Demand::Random(Dist::Uniform { lo: 0.0, hi: 20.0 }));
            }
            *id = b.node(n);
        }
    }
    for c in 0..width {
        for s in 1..depth {
            let l = LT[s % LT.len()];
            b.lane(ids[c][s - 1], ids[c][s], l);
            if cross > 0 && c % cross == 0 && width > 1 && s >= 2 {
                b.lane(ids[(c + 1) % width][s - 1], ids[c][s], l);
            }
        }
    }
    b.build()
}
