//! Prints the SAA convergence tables of `docs/optimise.md`:
//!
//! ```text
//! cargo run -p chokepoint-optimise --example saa_convergence
//! ```
//!
//! Same seeds as the tests (`tests/saa_convergence.rs`), so the rows they check are the rows
//! printed here; the larger sizes are shown only here.

use chokepoint_optimise::saa::{
    ConvergenceRow, disruption_newsvendor_convergence, normal_newsvendor_convergence,
};
use chokepoint_optimise::textbook::{DisruptionNewsvendor, NormalNewsvendor};

const SEED: u64 = 20_250_414;

fn print(rows: &[ConvergenceRow], what: &str) {
    println!(
        "| {what} | LP scenarios | LP rows x cols (nnz) | S_N | S_N - S* | SE(S_N) | v_N (in-sample cost) | v_N - g* | SE(cost) | g(S_N) - g* |"
    );
    println!("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {} | {} x {} ({}) | {:.4} | {:+.4} | {} | {:.4} | {:+.4} | {:.4} | {:.6} |",
            r.samples,
            r.scenarios,
            r.lp.rows,
            r.lp.columns,
            r.lp.nonzeros,
            r.base_stock,
            r.base_stock_error,
            r.base_stock_standard_error
                .map_or("-".to_string(), |s| format!("{s:.4}")),
            r.in_sample_cost,
            r.cost_error,
            r.cost_standard_error,
            r.true_cost_of_solution - (r.in_sample_cost - r.cost_error),
        );
    }
}

fn main() -> Result<(), chokepoint_optimise::OptimiseError> {
    let normal = NormalNewsvendor {
        holding_cost: 2.0,
        stockout_cost: 18.0,
        demand_mean: 120.0,
        demand_sd: 10.0,
    };
    let o = normal.optimum()?;
    println!(
        "Normal newsvendor: S* = {:.4}, g* = {:.4}, seed {SEED}\n",
        o.base_stock, o.expected_cost
    );
    let rows = normal_newsvendor_convergence(&normal, &[100, 1_000, 10_000, 100_000], SEED)?;
    print(&rows, "samples");

    let disrupted = DisruptionNewsvendor {
        holding_cost: 0.25,
        stockout_cost: 3.0,
        demand: 2000.0,
        disruption_probability: 0.04,
        recovery_probability: 0.25,
    };
    let o = disrupted.optimum()?;
    println!(
        "\nDisruption newsvendor: S* = {:.0}, g* = {:.4}, paths of 100 periods, seed {SEED}\n",
        o.base_stock, o.expected_cost
    );
    let rows = disruption_newsvendor_convergence(
        &disrupted,
        &[1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000],
        100,
        SEED,
    )?;
    print(&rows, "periods");
    Ok(())
}
