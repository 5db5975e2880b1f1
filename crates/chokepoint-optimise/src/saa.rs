//! Sample average approximation (SAA) of the newsvendor models, as linear programs solved by
//! HiGHS, and the convergence studies against the closed forms of [`crate::textbook`].
//!
//! The SAA newsvendor over scenarios `(dᵢ, wᵢ)` (weights summing to 1) is the LP
//!
//! ```text
//! min  Σᵢ wᵢ (h oᵢ + p uᵢ)
//! s.t. S - oᵢ + uᵢ = dᵢ      for every scenario i     (oᵢ = (S - dᵢ)⁺, uᵢ = (dᵢ - S)⁺)
//!      oᵢ, uᵢ >= 0,  S free
//! ```
//!
//! with first-stage `S` and second-stage overage/underage per scenario. For the disruption
//! newsvendor the scenario "demand" is `(K + 1) d` with `K` the number of consecutive disrupted
//! periods (see [`crate::textbook::disruption`]), read off sampled Markov up/down paths; it
//! takes few distinct values, so identical samples are merged into one scenario whose weight
//! is their frequency ([`merge_identical`]). That is exact, not an approximation: for any `S`
//! the best `oᵢ, uᵢ` depend only on `dᵢ`, so the merged LP has the same optimal `S` and value
//! as the one with a scenario per sample (tested).
//!
//! Invariants: every sampler takes a seed and draws from `ChaCha8Rng::seed_from_u64(seed)` in
//! a fixed order, and a smaller sample is a prefix of a larger one with the same seed, so a
//! seed gives bit-identical samples, programs and answers.

use crate::error::{Result, invalid, non_negative, positive};
use crate::lp::{LinearProgram, LpSize, RowTag};
use crate::numerics::{std_pdf, std_quantile};
use crate::textbook::{DisruptionNewsvendor, NormalNewsvendor};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

/// Tolerance on the sum of scenario weights.
const WEIGHT_SUM_TOLERANCE: f64 = 1e-9;

/// One scenario of a newsvendor SAA.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DemandScenario {
    /// The demand to be covered by the base stock in this scenario.
    pub demand: f64,
    /// Its probability weight (weights sum to 1).
    pub weight: f64,
}

/// The solution of an SAA newsvendor LP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaaNewsvendorSolution {
    /// The SAA-optimal base-stock level.
    pub base_stock: f64,
    /// The SAA optimal value: the sample-average cost at `base_stock`.
    pub in_sample_cost: f64,
    /// The LP's size.
    pub lp: LpSize,
    /// HiGHS's model status.
    pub status: String,
}

/// Equal-weight scenarios, one per sample.
pub fn equal_weights(demands: &[f64]) -> Vec<DemandScenario> {
    let w = 1.0 / demands.len() as f64;
    demands
        .iter()
        .map(|&demand| DemandScenario { demand, weight: w })
        .collect()
}

/// Equal-weight samples with identical values merged into one scenario weighted by their
/// frequency, in increasing order of demand.
pub fn merge_identical(demands: &[f64]) -> Vec<DemandScenario> {
    let mut sorted = demands.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let mut out: Vec<DemandScenario> = Vec::new();
    let mut count = 0usize;
    for (i, &d) in sorted.iter().enumerate() {
        count += 1;
        if sorted.get(i + 1) != Some(&d) {
            out.push(DemandScenario {
                demand: d,
                weight: count as f64 / n,
            });
            count = 0;
        }
    }
    out
}

/// Solves the SAA newsvendor LP (see the module docs) over `scenarios`.
pub fn solve_newsvendor(
    holding_cost: f64,
    stockout_cost: f64,
    scenarios: &[DemandScenario],
) -> Result<SaaNewsvendorSolution> {
    positive("holding_cost", holding_cost)?;
    positive("stockout_cost", stockout_cost)?;
    if scenarios.is_empty() {
        return Err(invalid("scenarios", "needs at least one scenario"));
    }
    let mut total = 0.0;
    for (i, s) in scenarios.iter().enumerate() {
        non_negative(format!("scenarios[{i}].weight"), s.weight)?;
        if !s.demand.is_finite() {
            return Err(invalid(
                format!("scenarios[{i}].demand"),
                format!("must be finite, got {}", s.demand),
            ));
        }
        total += s.weight;
    }
    if (total - 1.0).abs() > WEIGHT_SUM_TOLERANCE {
        return Err(invalid(
            "scenarios[..].weight",
            format!("must sum to 1, sum to {total}"),
        ));
    }
    let mut lp = LinearProgram::new("SAA newsvendor");
    let rows: Vec<_> = scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| {
            lp.add_row(
                s.demand,
                s.demand,
                RowTag::new("balance of scenario {0}", [i, 0, 0]),
            )
        })
        .collect();
    let all: Vec<_> = rows.iter().map(|&r| (r, 1.0)).collect();
    let base = lp.add_column(0.0, f64::NEG_INFINITY, f64::INFINITY, &all);
    for (s, &r) in scenarios.iter().zip(&rows) {
        lp.add_column(s.weight * holding_cost, 0.0, f64::INFINITY, &[(r, -1.0)]);
        lp.add_column(s.weight * stockout_cost, 0.0, f64::INFINITY, &[(r, 1.0)]);
    }
    let sol = lp.solve()?;
    Ok(SaaNewsvendorSolution {
        base_stock: sol.value(base),
        in_sample_cost: sol.objective,
        lp: sol.size,
        status: sol.status,
    })
}

/// `n` demands drawn from `N(mean, sd²)` with `seed` (a prefix of any larger draw).
pub fn sample_normal_demands(mean: f64, sd: f64, n: usize, seed: u64) -> Result<Vec<f64>> {
    if !mean.is_finite() {
        return Err(invalid(
            "demand_mean",
            format!("must be finite, got {mean}"),
        ));
    }
    positive("demand_sd", sd)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Ok((0..n)
        .map(|_| {
            let z: f64 = rng.sample(StandardNormal);
            mean + sd * z
        })
        .collect())
}

/// `paths` independent stationary paths of `periods` periods of the disruption model's
/// supplier, each period given as `K`, the number of consecutive disrupted periods up to and
/// including it (0 when the supplier is up). Each path starts from the stationary distribution
/// of `K` (up with probability `β / (α + β)`, otherwise `K = 1 + Geometric(β)` failures), then
/// moves period by period: up -> down with probability `α`, down -> up with probability `β`.
pub fn sample_disruption_paths(
    model: &DisruptionNewsvendor,
    paths: usize,
    periods: usize,
    seed: u64,
) -> Result<Vec<Vec<u64>>> {
    model.validate()?;
    let (a, b) = (model.disruption_probability, model.recovery_probability);
    let pi0 = model.up_probability();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(paths);
    for _ in 0..paths {
        let mut k: u64 = if rng.random::<f64>() < pi0 {
            0
        } else {
            let mut k = 1;
            while rng.random::<f64>() >= b {
                k += 1;
            }
            k
        };
        let mut path = Vec::with_capacity(periods);
        for t in 0..periods {
            if t > 0 {
                let u: f64 = rng.random();
                k = if k == 0 {
                    u64::from(u < a)
                } else if u < b {
                    0
                } else {
                    k + 1
                };
            }
            path.push(k);
        }
        out.push(path);
    }
    Ok(out)
}

/// One row of a convergence study: the SAA answer at one sample size against the oracle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConvergenceRow {
    /// Samples drawn (demands, or sampled periods for the disruption model).
    pub samples: usize,
    /// Scenarios in the LP (after merging identical samples, for the disruption model).
    pub scenarios: usize,
    /// The SAA-optimal base stock `S_N`.
    pub base_stock: f64,
    /// `S_N - S*`.
    pub base_stock_error: f64,
    /// Asymptotic standard error of `S_N` where it has one (the normal model: the sample
    /// quantile's `√(q(1-q)/N) / f(S*)`); `None` for the disruption model, whose `S_N` jumps
    /// between multiples of `d`.
    pub base_stock_standard_error: Option<f64>,
    /// The SAA optimal value `v_N` (in-sample cost).
    pub in_sample_cost: f64,
    /// `v_N - g(S*)`.
    pub cost_error: f64,
    /// Standard error of the sample-average cost at `S*` (i.i.d. for the normal model; batch
    /// means over independent paths for the disruption model).
    pub cost_standard_error: f64,
    /// `g(S_N)`: the true expected cost of the SAA decision (>= `g(S*)`), from the closed form.
    pub true_cost_of_solution: f64,
    /// The LP's size.
    pub lp: LpSize,
}

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = if xs.len() > 1 {
        xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

fn check_sizes(sizes: &[usize]) -> Result<()> {
    if sizes.is_empty() {
        return Err(invalid("sizes", "needs at least one sample size"));
    }
    for (i, &n) in sizes.iter().enumerate() {
        if n < 2 {
            return Err(invalid(
                format!("sizes[{i}]"),
                format!("must be >= 2, got {n}"),
            ));
        }
    }
    Ok(())
}

/// SAA of the normal newsvendor at each sample size (nested samples from one seed).
pub fn normal_newsvendor_convergence(
    model: &NormalNewsvendor,
    sizes: &[usize],
    seed: u64,
) -> Result<Vec<ConvergenceRow>> {
    model.validate()?;
    check_sizes(sizes)?;
    let opt = model.optimum()?;
    let n_max = sizes.iter().copied().max().unwrap_or(0);
    let demands = sample_normal_demands(model.demand_mean, model.demand_sd, n_max, seed)?;
    let (h, p) = (model.holding_cost, model.stockout_cost);
    let q = model.critical_ratio();
    let density_at_opt = std_pdf(std_quantile(q)) / model.demand_sd;
    let mut rows = Vec::with_capacity(sizes.len());
    for &n in sizes {
        let sample = &demands[..n];
        let sol = solve_newsvendor(h, p, &equal_weights(sample))?;
        let at_opt: Vec<f64> = sample
            .iter()
            .map(|d| h * (opt.base_stock - d).max(0.0) + p * (d - opt.base_stock).max(0.0))
            .collect();
        let (_, sd) = mean_sd(&at_opt);
        rows.push(ConvergenceRow {
            samples: n,
            scenarios: n,
            base_stock: sol.base_stock,
            base_stock_error: sol.base_stock - opt.base_stock,
            base_stock_standard_error: Some((q * (1.0 - q) / n as f64).sqrt() / density_at_opt),
            in_sample_cost: sol.in_sample_cost,
            cost_error: sol.in_sample_cost - opt.expected_cost,
            cost_standard_error: sd / (n as f64).sqrt(),
            true_cost_of_solution: model.expected_cost(sol.base_stock)?,
            lp: sol.lp,
        });
    }
    Ok(rows)
}

/// SAA of the disruption newsvendor at each size, in sampled periods: `size /
/// periods_per_path` (rounded up, at least 2) independent stationary paths, nested from one seed.
pub fn disruption_newsvendor_convergence(
    model: &DisruptionNewsvendor,
    sizes: &[usize],
    periods_per_path: usize,
    seed: u64,
) -> Result<Vec<ConvergenceRow>> {
    model.validate()?;
    check_sizes(sizes)?;
    if periods_per_path == 0 {
        return Err(invalid("periods_per_path", "must be >= 1"));
    }
    let opt = model.optimum()?;
    let paths_for = |n: usize| n.div_ceil(periods_per_path).max(2);
    let max_paths = sizes.iter().map(|&n| paths_for(n)).max().unwrap_or(2);
    let paths = sample_disruption_paths(model, max_paths, periods_per_path, seed)?;
    let (h, p, d) = (model.holding_cost, model.stockout_cost, model.demand);
    let mut rows = Vec::with_capacity(sizes.len());
    for &n in sizes {
        let m = paths_for(n);
        let used = &paths[..m];
        let demands: Vec<f64> = used
            .iter()
            .flatten()
            .map(|&k| (k as f64 + 1.0) * d)
            .collect();
        let scenarios = merge_identical(&demands);
        let sol = solve_newsvendor(h, p, &scenarios)?;
        let path_means: Vec<f64> = used
            .iter()
            .map(|path| {
                path.iter()
                    .map(|&k| {
                        let level = opt.base_stock - (k as f64 + 1.0) * d;
                        h * level.max(0.0) + p * (-level).max(0.0)
                    })
                    .sum::<f64>()
                    / path.len() as f64
            })
            .collect();
        let (_, sd) = mean_sd(&path_means);
        rows.push(ConvergenceRow {
            samples: demands.len(),
            scenarios: scenarios.len(),
            base_stock: sol.base_stock,
            base_stock_error: sol.base_stock - opt.base_stock,
            base_stock_standard_error: None,
            in_sample_cost: sol.in_sample_cost,
            cost_error: sol.in_sample_cost - opt.expected_cost,
            cost_standard_error: sd / (m as f64).sqrt(),
            true_cost_of_solution: model.expected_cost(sol.base_stock.max(0.0))?,
            lp: sol.lp,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_scenarios_give_the_same_lp_answer_as_one_per_sample() {
        let model = DisruptionNewsvendor {
            holding_cost: 0.25,
            stockout_cost: 3.0,
            demand: 2000.0,
            disruption_probability: 0.04,
            recovery_probability: 0.25,
        };
        let paths = sample_disruption_paths(&model, 20, 100, 7).expect("valid");
        let demands: Vec<f64> = paths
            .iter()
            .flatten()
            .map(|&k| (k as f64 + 1.0) * 2000.0)
            .collect();
        let merged = merge_identical(&demands);
        assert!(merged.len() < 40);
        let a = solve_newsvendor(0.25, 3.0, &merged).expect("solves");
        let b = solve_newsvendor(0.25, 3.0, &equal_weights(&demands)).expect("solves");
        assert!(
            (a.base_stock - b.base_stock).abs() < 1e-6,
            "{} {}",
            a.base_stock,
            b.base_stock
        );
        assert!((a.in_sample_cost - b.in_sample_cost).abs() < 1e-9 * b.in_sample_cost);
        assert_eq!(b.lp.rows, 2000);
        assert_eq!(b.lp.columns, 4001);
    }

    #[test]
    fn disruption_paths_have_the_stationary_frequencies() {
        let model = DisruptionNewsvendor {
            holding_cost: 0.25,
            stockout_cost: 3.0,
            demand: 2000.0,
            disruption_probability: 0.04,
            recovery_probability: 0.25,
        };
        let paths = sample_disruption_paths(&model, 2000, 100, 3).expect("valid");
        let n = 200_000.0;
        let up = paths.iter().flatten().filter(|&&k| k == 0).count() as f64 / n;
        // π0 = 0.862; the batch-means SE of the up fraction here is about 0.002.
        assert!((up - model.up_probability()).abs() < 0.01, "{up}");
        // The first period of every path is stationary too.
        let first_up = paths.iter().filter(|p| p[0] == 0).count() as f64 / 2000.0;
        assert!(
            (first_up - model.up_probability()).abs() < 4.0 * (0.862f64 * 0.138 / 2000.0).sqrt()
        );
    }

    #[test]
    fn bad_scenarios_name_the_field() {
        let e = solve_newsvendor(
            1.0,
            2.0,
            &[
                DemandScenario {
                    demand: 1.0,
                    weight: 0.5,
                },
                DemandScenario {
                    demand: f64::NAN,
                    weight: 0.5,
                },
            ],
        )
        .expect_err("NaN");
        assert!(e.to_string().contains("scenarios[1].demand"), "{e}");
        let e = solve_newsvendor(
            1.0,
            2.0,
            &[DemandScenario {
                demand: 1.0,
                weight: 0.7,
            }],
        )
        .expect_err("sum");
        assert!(e.to_string().contains("sum to 1"), "{e}");
    }
}
