//! The long run of a network whose disruptions never end: what every node makes and every
//! customer receives per period once stocks, pipelines and stockpiles are spent.
//!
//! This is the simulator's own steady state, not a second model. It follows the kernel's rules
//! in the limit of a disruption that lasts for ever:
//! * orders: a base-stock node orders what its customers order, so every lane keeps its steady
//!   order (the process's steady activity x BOM x the lane's share); an order-paused lane orders
//!   nothing and its share is not moved to the other lanes;
//! * production: a process makes all the raw material it receives, limited by its binding input
//!   slot and its capacity; each member of a co-production process gets its yield of it;
//! * allocation: claims are served class by class (the node's rationing rule); within a class
//!   pro rata to claims, which are the lane's backlog plus its order. A short lane's backlog
//!   grows without end while a held lane's does not (its goods leave the backlog into the
//!   supplier's hold), so in the limit a short class is shared among its open lanes in
//!   proportion to their orders and the held lanes get nothing; a class that is not short
//!   serves its open lanes in full and its held lanes from what is left;
//! * every disruption is in force: shipment-, transit- and receipt-paused lanes deliver
//!   nothing, order-paused lanes order nothing; stockpiles have run dry; licences are left out.
//!
//! Invariant: nothing is delivered that was not made, and no node makes more than its steady
//! activity (tests compare with long kernel runs).

use crate::error::{ConfigError, Result};
use crate::network::{BIT_OP, NONE, Network};
use crate::spec::{Demand, NodeId};

/// Flows per period in the long run.
#[derive(Debug, Clone, PartialEq)]
pub struct LongRun {
    /// Per node: units made per period.
    pub made: Vec<f64>,
    /// Per node: external demand per period (0 for nodes without demand).
    pub demand: Vec<f64>,
    /// Per node: external demand served per period.
    pub served: Vec<f64>,
}

impl LongRun {
    /// Demand per period not served at `node`.
    pub fn lost(&self, node: NodeId) -> f64 {
        let n = node.0 as usize;
        (self.demand[n] - self.served[n]).max(0.0)
    }
}

/// The long run of `net` with every disruption permanently in force, at capacities of period
/// `t`. Needs a network whose processes start steady ([`crate::NodeSpec::steady_activity`]):
/// their activity is the order each keeps placing.
pub fn long_run(net: &Network, t: u32) -> Result<LongRun> {
    let nn = net.names.len();
    let ne = net.e_from.len();
    let np = net.steady_act.len();
    // lanes that deliver nothing / order nothing when every disruption is on
    let mut held = vec![false; ne];
    let mut unordered = vec![false; ne];
    for d in &net.disruptions {
        for &e in &d.edges {
            if d.bit & BIT_OP != 0 {
                unordered[e as usize] = true;
            } else {
                held[e as usize] = true;
            }
        }
    }
    // steady orders per lane
    let mut order = vec![0.0; ne];
    for q in 0..np {
        let Some(act) = net.steady_act[q] else {
            // Processes without inputs (stockpiles) need no steady activity.
            if net.slot_start[q] == net.slot_start[q + 1] {
                continue;
            }
            return Err(ConfigError::Run {
                field: "steady_activity",
                reason: format!(
                    "process of node `{}` has no steady activity; the long run needs a steady start",
                    net.names[net.mem_nodes[net.mem_start[q] as usize] as usize]
                ),
            });
        };
        for sl in net.slot_start[q] as usize..net.slot_start[q + 1] as usize {
            for &e in &net.slot_edges
                [net.slot_edge_start[sl] as usize..net.slot_edge_start[sl + 1] as usize]
            {
                let e = e as usize;
                let stockpile = net.has_stockpiles && net.e_stockpile[e] != NONE;
                if !unordered[e] && !stockpile {
                    order[e] = act * net.slot_bom[sl] * net.e_share[e];
                }
            }
        }
    }
    let mut demand = vec![0.0; nn];
    for &(n, ref d) in &net.demands {
        demand[n as usize] = match d {
            Demand::Constant(x) => *x,
            Demand::Series(v) => v.iter().sum::<f64>() / v.len().max(1) as f64,
            Demand::Random(dist) => dist_mean(dist),
        };
    }
    let mut received = vec![0.0; ne];
    let mut made = vec![0.0; nn];
    let mut served = vec![0.0; nn];
    for &q in &net.topo {
        let q = q as usize;
        let (s0, s1) = (net.slot_start[q] as usize, net.slot_start[q + 1] as usize);
        let mut make = if s0 == s1 { 0.0 } else { f64::INFINITY };
        for sl in s0..s1 {
            let mut x = 0.0;
            for &e in &net.slot_edges
                [net.slot_edge_start[sl] as usize..net.slot_edge_start[sl + 1] as usize]
            {
                let e = e as usize;
                if net.e_from[e] == NONE {
                    // external supply: never short, unless the lane is held
                    received[e] = if held[e] { 0.0 } else { order[e] };
                }
                x += received[e];
            }
            make = make.min(x / net.slot_bom[sl]);
        }
        if net.has_capacity && net.capped[q] {
            make = make.min(net.cap[q].at(t));
        }
        for &n in &net.mem_nodes[net.mem_start[q] as usize..net.mem_start[q + 1] as usize] {
            let n = n as usize;
            let mut left = make * net.node_yield[n];
            made[n] = left;
            let (c0, c1) = (net.claim_start[n] as usize, net.claim_start[n + 1] as usize);
            let claim_order = |c: u32| {
                if c == NONE {
                    demand[n]
                } else {
                    order[c as usize]
                }
            };
            let is_held = |c: u32| c != NONE && held[c as usize];
            let mut ci = c0;
            while ci < c1 {
                let class = net.claim_class[ci];
                let mut cj = ci;
                while cj < c1 && net.claim_class[cj] == class {
                    cj += 1;
                }
                let claims = &net.claims[ci..cj];
                let open: f64 = claims
                    .iter()
                    .filter(|c| !is_held(**c))
                    .map(|c| claim_order(*c))
                    .sum();
                let on_hold: f64 = claims
                    .iter()
                    .filter(|c| is_held(**c))
                    .map(|c| claim_order(*c))
                    .sum();
                let (f_open, f_held) = if left >= open {
                    let rest = left - open;
                    (
                        1.0,
                        if on_hold > 0.0 {
                            (rest / on_hold).min(1.0)
                        } else {
                            0.0
                        },
                    )
                } else {
                    (if open > 0.0 { left / open } else { 0.0 }, 0.0)
                };
                for &c in claims {
                    let give = claim_order(c) * if is_held(c) { f_held } else { f_open };
                    left = (left - give).max(0.0);
                    if c == NONE {
                        served[n] = give;
                    } else if !held[c as usize] {
                        received[c as usize] = give;
                    }
                }
                ci = cj;
            }
        }
    }
    Ok(LongRun {
        made,
        demand,
        served,
    })
}

fn dist_mean(d: &crate::Dist) -> f64 {
    use crate::Dist;
    match d {
        Dist::Const(v) => *v,
        Dist::Uniform { lo, hi } => 0.5 * (lo + hi),
        Dist::Exponential { mean } => *mean,
        Dist::Triangular { lo, mode, hi } => (lo + mode + hi) / 3.0,
        // truncated at 0: the mean of max(0, X)
        Dist::Normal { mean, sd } => {
            if *sd <= 0.0 {
                mean.max(0.0)
            } else {
                let z = mean / sd;
                let phi = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
                mean * normal_cdf(z) + sd * phi
            }
        }
        Dist::Empirical(v) => v.iter().sum::<f64>() / v.len().max(1) as f64,
    }
}

/// Standard normal CDF (Abramowitz and Stegun 7.1.26 via erf; |error| < 1.5e-7), written here
/// because it is the only special function the crate needs.
fn normal_cdf(z: f64) -> f64 {
    let x = z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-x * x).exp();
    0.5 * (1.0 + if x >= 0.0 { y } else { -y })
}
