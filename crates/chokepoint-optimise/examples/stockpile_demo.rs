//! A synthetic stockpile-sizing run: Markov cut-off paths for two shortfall groups (Dy and Tb
//! oxide reaching one importer), three candidate holdings, the plan, the frontier, and the LP
//! size of a 1,000-path x 365-day instance (built, not solved).
//!
//! ```text
//! cargo run -p chokepoint-optimise --example stockpile_demo
//! ```
//!
//! The numbers are illustrative, not the dataset's: the simulator-sampled paths of the real
//! `chokepoint optimise stockpile` are not wired in yet.

use chokepoint_optimise::OptimiseError;
use chokepoint_optimise::stockpile::{
    CandidateHolding, CvarTerm, SampledPath, StockpileProblem, efficient_frontier, program_size,
    solve,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `paths` equally likely paths of `periods` periods; each group is cut off as a Markov chain
/// (start probability `p_cut` per period, end probability `p_end`), short `rate` t/period then.
fn sample_paths(paths: usize, periods: usize, seed: u64) -> Vec<SampledPath> {
    let groups = [(0.02, 0.05, 1.2), (0.02, 0.05, 0.25)]; // (p_cut, p_end, t short per period)
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..paths)
        .map(|_| {
            let mut cut = [false; 2];
            let shortfall_tonnes = (0..periods)
                .map(|_| {
                    groups
                        .iter()
                        .enumerate()
                        .map(|(g, &(p_cut, p_end, rate))| {
                            let u: f64 = rng.random();
                            cut[g] = if cut[g] { u >= p_end } else { u < p_cut };
                            if cut[g] { rate } else { 0.0 }
                        })
                        .collect()
                })
                .collect();
            SampledPath {
                weight: 1.0 / paths as f64,
                shortfall_tonnes,
                // Value of lost output per tonne of oxide not covered (magnets, motors...).
                loss_per_tonne: vec![2.0e6, 6.0e6],
            }
        })
        .collect()
}

fn candidate(
    id: &str,
    material: &str,
    covers: &str,
    price: f64,
    max: Option<f64>,
) -> CandidateHolding {
    CandidateHolding {
        id: id.into(),
        material: material.into(),
        holder: "JP".into(),
        covers: covers.into(),
        acquisition_cost_per_tonne: price,
        holding_cost_per_tonne_year: 0.05 * price,
        max_tonnes: max,
        max_release_tonnes_per_day: None,
    }
}

fn main() -> Result<(), OptimiseError> {
    let mut problem = StockpileProblem {
        groups: vec!["Dy2O3->JP".into(), "Tb4O7->JP".into()],
        candidates: vec![
            candidate("JP-Dy2O3", "Dy2O3", "Dy2O3->JP", 250_000.0, Some(40.0)),
            candidate("JP-DyFe", "DyFe alloy", "Dy2O3->JP", 320_000.0, None),
            candidate("JP-Tb4O7", "Tb4O7", "Tb4O7->JP", 1_000_000.0, None),
        ],
        paths: sample_paths(200, 52, 14),
        period_days: 7.0,
        budget: None,
        cvar: Some(CvarTerm {
            alpha: 0.95,
            weight: 0.5,
        }),
    };
    let plan = solve(&problem)?;
    println!(
        "200 paths x 52 weeks: LP {} rows x {} columns ({} nonzeros), HiGHS {}",
        plan.lp.rows, plan.lp.columns, plan.lp.nonzeros, plan.status
    );
    println!("| holding | covers | tonnes | cost | months of cover |\n|---|---|---:|---:|---:|");
    for h in &plan.holdings {
        println!(
            "| {} | {} | {:.2} | {:.0} | {} |",
            h.id,
            h.covers,
            h.tonnes,
            h.cost,
            h.months_of_cover.map_or("-".into(), |m| format!("{m:.1}"))
        );
    }
    println!(
        "cost {:.0}, expected loss {:.0}, CVaR_{} {:.0}, objective {:.0}\n",
        plan.cost, plan.expected_loss, plan.cvar.alpha, plan.cvar.value, plan.objective
    );
    problem.cvar = None;
    let budgets = [0.0, 2e6, 5e6, 1e7, 2e7, 4e7];
    println!("| budget | cost | expected loss | CVaR_0.95 |\n|---:|---:|---:|---:|");
    for pt in efficient_frontier(&problem, &budgets)? {
        println!(
            "| {:.0} | {:.0} | {:.0} | {:.0} |",
            pt.budget, pt.cost, pt.expected_loss, pt.cvar.value
        );
    }
    let big = StockpileProblem {
        paths: sample_paths(1_000, 365, 15),
        period_days: 1.0,
        ..problem
    };
    let size = program_size(&big)?;
    println!(
        "\n1,000 paths x 365 days (built, not solved): {} rows x {} columns ({} nonzeros)",
        size.rows, size.columns, size.nonzeros
    );
    Ok(())
}
