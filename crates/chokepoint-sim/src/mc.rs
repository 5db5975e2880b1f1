//! Monte Carlo over replications.
//!
//! Determinism contract: replication `r` draws only from [`replication_rng`]`(seed, r)` (ChaCha8
//! keyed by the seed, stream = r), runs on a state that [`crate::simulate`] resets, and its
//! summary lands at index `r`; statistics are reduced sequentially in index order. Hence results
//! are bit-identical whatever the number of rayon threads (tested at 1, 2 and 4).
//!
//! Memory: one [`State`] per worker thread (O(nodes + pipeline slots)) plus one
//! [`ReplicationSummary`] per replication (O(nodes)); no per-period history.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::batch::{BatchState, LANES, LANES_LARGE, run_batch};
use crate::engine::simulate;
use crate::error::{ConfigError, Result};
use crate::network::{NONE, Network};
use crate::state::State;

/// Monte Carlo settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct McConfig {
    /// Number of replications (>= 1).
    pub replications: u32,
    /// Periods per replication (>= 1).
    pub horizon: u32,
    /// Master seed.
    pub seed: u64,
}

/// Outcome of one replication.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicationSummary {
    /// Total cost over the horizon.
    pub cost: f64,
    /// Per sink ([`Network::sinks`] order): demand met from stock / demand (1 if no demand).
    pub fill_rate: Vec<f64>,
    /// Per sink: units of external demand not met from stock in the period demanded.
    pub lost_output: Vec<f64>,
    /// Per sink: units of external demand still owed (backordered) at the end of the horizon:
    /// demand not made at all within the horizon, however late.
    pub unmet_at_end: Vec<f64>,
    /// Per node: first period ending with backorders (`None` if never).
    pub first_stockout: Vec<Option<u32>>,
    /// Per node: number of periods ending with backorders.
    pub stockout_periods: Vec<u32>,
    /// Per node: backorder unit-periods (sum over periods of max(-IL, 0)).
    pub shortage: Vec<f64>,
    /// Per stockpile ([`Network::stockpile_nodes`] order): units released.
    pub drawdown: Vec<f64>,
}

/// Mean, standard error and quantiles of a metric across replications.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    /// Mean.
    pub mean: f64,
    /// Standard error of the mean (sample SD / sqrt(n); 0 for n = 1).
    pub se: f64,
    /// 5th percentile (linear interpolation between order statistics).
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
}

impl Stat {
    /// Statistics of `xs` (summed in the given order).
    pub fn of(xs: &[f64]) -> Stat {
        let n = xs.len();
        if n == 0 {
            return Stat {
                mean: f64::NAN,
                se: f64::NAN,
                p5: f64::NAN,
                p50: f64::NAN,
                p95: f64::NAN,
            };
        }
        let mean = xs.iter().sum::<f64>() / n as f64;
        let se = if n > 1 {
            let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
            (ss / (n - 1) as f64).sqrt() / (n as f64).sqrt()
        } else {
            0.0
        };
        let mut s = xs.to_vec();
        s.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let h = p * (n - 1) as f64;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            s[lo] + (h - lo as f64) * (s[hi] - s[lo])
        };
        Stat {
            mean,
            se,
            p5: q(0.05),
            p50: q(0.5),
            p95: q(0.95),
        }
    }
}

/// Monte Carlo result.
#[derive(Debug, Clone, PartialEq)]
pub struct McResult {
    /// Per-replication summaries in replication order.
    pub replications: Vec<ReplicationSummary>,
    /// Total cost.
    pub cost: Stat,
    /// Fill rate per sink.
    pub fill_rate: Vec<Stat>,
    /// Lost output per sink.
    pub lost_output: Vec<Stat>,
    /// Stocked-out periods per node.
    pub stockout_periods: Vec<Stat>,
    /// Share of replications with at least one stockout, per node.
    pub stockout_probability: Vec<f64>,
    /// First stockout period per node, over the replications that had one (NaN if none).
    pub first_stockout: Vec<Stat>,
    /// Backorder unit-periods per node.
    pub shortage: Vec<Stat>,
    /// Units released per stockpile.
    pub drawdown: Vec<Stat>,
}

/// The random stream of replication `rep`: ChaCha8 keyed by `seed`, stream number `rep`.
pub fn replication_rng(seed: u64, rep: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(rep);
    rng
}

/// Runs replication `rep` on `state` and summarises it.
pub fn run_replication(
    net: &Network,
    state: &mut State,
    horizon: u32,
    seed: u64,
    rep: u64,
) -> Result<ReplicationSummary> {
    let mut rng = replication_rng(seed, rep);
    simulate(net, state, horizon, &mut rng, &mut ())?;
    Ok(summarise(net, state))
}

/// Summary of a finished replication.
pub fn summarise(net: &Network, st: &State) -> ReplicationSummary {
    let sinks: Vec<usize> = net.demands.iter().map(|&(n, _)| n as usize).collect();
    ReplicationSummary {
        cost: st.cost_total,
        fill_rate: sinks
            .iter()
            .map(|&n| {
                if st.dem_sum[n] > 0.0 {
                    st.met_sum[n] / st.dem_sum[n]
                } else {
                    1.0
                }
            })
            .collect(),
        lost_output: sinks
            .iter()
            .map(|&n| st.dem_sum[n] - st.met_sum[n])
            .collect(),
        unmet_at_end: sinks.iter().map(|&n| st.bo_ext[n]).collect(),
        first_stockout: st
            .first_stockout
            .iter()
            .map(|&t| (t != NONE).then_some(t))
            .collect(),
        stockout_periods: st.stockout_periods.clone(),
        shortage: st.shortage.clone(),
        drawdown: st.sp_released.clone(),
    }
}

/// Runs `cfg.replications` replications on the current rayon pool and reduces them in index
/// order (run inside `ThreadPool::install` to choose the thread count).
pub fn monte_carlo(net: &Network, cfg: &McConfig) -> Result<McResult> {
    if cfg.replications == 0 {
        return Err(ConfigError::Run {
            field: "replications",
            reason: "must be at least 1".into(),
        });
    }
    if cfg.horizon == 0 {
        return Err(ConfigError::Run {
            field: "horizon",
            reason: "must be at least 1 period".into(),
        });
    }
    let n = u64::from(cfg.replications);
    let lanes = net.batch_lanes();
    let reps: Vec<ReplicationSummary> = if net.batchable() && n >= lanes as u64 {
        if lanes == LANES {
            batched::<LANES>(net, cfg)
        } else {
            batched::<LANES_LARGE>(net, cfg)
        }
    } else {
        (0..n)
            .into_par_iter()
            .map_init(
                || State::new(net),
                |st, r| run_replication(net, st, cfg.horizon, cfg.seed, r),
            )
            .collect::<Result<Vec<_>>>()?
    };
    Ok(reduce(net, reps))
}

/// Batches of `N` replications; the last batch runs its surplus lanes on the streams that
/// follow and drops them (lanes are independent, so this changes nothing else).
fn batched<const N: usize>(net: &Network, cfg: &McConfig) -> Vec<ReplicationSummary> {
    let n = u64::from(cfg.replications);
    let lanes = N as u64;
    let mut v: Vec<ReplicationSummary> = (0..n.div_ceil(lanes))
        .into_par_iter()
        .map_init(
            || BatchState::<N>::new(net),
            |bs, b| run_batch(net, bs, cfg.horizon, cfg.seed, b * lanes),
        )
        .flatten_iter()
        .collect();
    v.truncate(n as usize);
    v
}

/// Reduces replication summaries (in their order) to statistics.
pub fn reduce(net: &Network, reps: Vec<ReplicationSummary>) -> McResult {
    let col = |f: &dyn Fn(&ReplicationSummary) -> f64| -> Stat {
        let v: Vec<f64> = reps.iter().map(f).collect();
        Stat::of(&v)
    };
    let nsink = net.demands.len();
    let nn = net.node_count();
    let nsp = net.stockpiles.len();
    let cost = col(&|r| r.cost);
    let fill_rate = (0..nsink).map(|i| col(&|r| r.fill_rate[i])).collect();
    let lost_output = (0..nsink).map(|i| col(&|r| r.lost_output[i])).collect();
    let stockout_periods = (0..nn)
        .map(|i| col(&|r| f64::from(r.stockout_periods[i])))
        .collect();
    let shortage = (0..nn).map(|i| col(&|r| r.shortage[i])).collect();
    let drawdown = (0..nsp).map(|i| col(&|r| r.drawdown[i])).collect();
    let stockout_probability = (0..nn)
        .map(|i| {
            reps.iter()
                .filter(|r| r.first_stockout[i].is_some())
                .count() as f64
                / reps.len() as f64
        })
        .collect();
    let first_stockout = (0..nn)
        .map(|i| {
            let v: Vec<f64> = reps
                .iter()
                .filter_map(|r| r.first_stockout[i].map(f64::from))
                .collect();
            Stat::of(&v)
        })
        .collect();
    McResult {
        replications: reps,
        cost,
        fill_rate,
        lost_output,
        stockout_periods,
        stockout_probability,
        first_stockout,
        shortage,
        drawdown,
    }
}
