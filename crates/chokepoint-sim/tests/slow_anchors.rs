//! Theory anchors (slow): long-run cost per period against the textbook values, within 3
//! standard errors estimated by batch means over >= 1e8 periods.
//!
//! Gated by `CHOKEPOINT_SLOW_TESTS=1` (they take seconds in release, many minutes in debug);
//! run them in the benchmark job with
//! `CHOKEPOINT_SLOW_TESTS=1 cargo test --release -p chokepoint-sim --test slow_anchors`.

use chokepoint_sim::cases::{a1_markov, b_demand, stockpyl_a1_with_base_stock, stockpyl_b};
use chokepoint_sim::{Network, State, replication_rng, simulate};

const PERIODS: u64 = 100_000_000;
const BATCHES: u64 = 100;

fn enabled() -> bool {
    let on = std::env::var("CHOKEPOINT_SLOW_TESTS").is_ok_and(|v| v == "1");
    if !on {
        eprintln!(
            "skipped: set CHOKEPOINT_SLOW_TESTS=1 (and use --release) to run the theory anchors"
        );
    }
    on
}

/// Mean cost per period and its batch-means standard error over one long run (after a
/// warm-up of 1000 periods, which is negligible against 1e8 but removes the start-up bias).
fn batch_means(net: &Network, seed: u64) -> (f64, f64) {
    let warm = 1000u64;
    let per_batch = PERIODS / BATCHES;
    let mut st = State::new(net);
    let mut rng = replication_rng(seed, 0);
    let mut sums = vec![0.0f64; BATCHES as usize];
    let mut obs = |t: u32, _: &Network, st: &State| {
        let t = u64::from(t);
        if t >= warm {
            sums[((t - warm) / per_batch) as usize] += st.period_cost();
        }
    };
    simulate(net, &mut st, (PERIODS + warm) as u32, &mut rng, &mut obs).expect("run");
    let means: Vec<f64> = sums.iter().map(|s| s / per_batch as f64).collect();
    let m = means.iter().sum::<f64>() / BATCHES as f64;
    let var = means.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (BATCHES - 1) as f64;
    (m, (var / BATCHES as f64).sqrt())
}

/// Asserts |mean - theory| <= 3 SE + `theory_uncertainty` (the reference value's own error).
fn check(name: &str, net: &Network, theory: f64, theory_uncertainty: f64, seed: u64) {
    let (m, se) = batch_means(net, seed);
    eprintln!(
        "{name}: {m:.4} ± {se:.4} per period (theory {theory}, z = {:.2})",
        (m - theory) / se
    );
    assert!(
        (m - theory).abs() <= 3.0 * se + theory_uncertainty,
        "{name}: {m} ± {se} vs theory {theory} (± {theory_uncertainty})"
    );
}

#[test]
fn a1_long_run_cost_matches_newsvendor_with_disruptions() {
    if !enabled() {
        return;
    }
    let net = stockpyl_a1_with_base_stock(8000.0, a1_markov()).expect("network");
    check("a1 S=8000", &net, 2737.068965490435, 0.0, 1);
}

#[test]
fn a1_other_base_stock_levels_match_theory() {
    if !enabled() {
        return;
    }
    for (s, theory) in [(2000.0, 3310.344827558603), (12000.0, 3075.161637904759)] {
        let net = stockpyl_a1_with_base_stock(s, a1_markov()).expect("network");
        check(&format!("a1 S={s}"), &net, theory, 0.0, 2);
    }
}

#[test]
fn b_long_run_cost_matches_clark_scarf() {
    if !enabled() {
        return;
    }
    // The reference is stockpyl's `ssm_serial.expected_cost(S*, x_num=1000, d_num=100)`. That
    // discretised value is not converged: x_num/d_num = 2000/200 gives 47.66528 and 4000/400
    // gives 47.69811 (measured with stockpyl 1.0.2). Its error, about 0.035, is ~15x our
    // batch-means SE at 1e8 periods (~0.002), so 3 SE alone would test the discretisation,
    // not the simulator. stockpyl's own simulation gives 47.689 ± 0.044 (3 x 1e5 periods), and
    // the replay tests show our period semantics are identical to stockpyl's.
    let net = stockpyl_b(b_demand()).expect("network");
    check("b", &net, 47.66324749, 0.035, 3);
}
