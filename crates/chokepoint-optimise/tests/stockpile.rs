//! The stockpile program on instances whose answer is known in advance.

use chokepoint_optimise::OptimiseError;
use chokepoint_optimise::stockpile::{
    CandidateHolding, CvarTerm, DAYS_PER_MONTH, SampledPath, StockpileProblem, cvar_of,
    efficient_frontier, program_size, solve,
};

const X: f64 = 10.0; // tonnes short per period
const T: usize = 12; // periods
const PERIOD_DAYS: f64 = 30.0;

fn candidate(id: &str, covers: &str, acquisition: f64, holding: f64) -> CandidateHolding {
    CandidateHolding {
        id: id.into(),
        material: "Dy2O3".into(),
        holder: "JOGMEC".into(),
        covers: covers.into(),
        acquisition_cost_per_tonne: acquisition,
        holding_cost_per_tonne_year: holding,
        max_tonnes: None,
        max_release_tonnes_per_day: None,
    }
}

/// One deterministic path short of X t every period for T periods, loss `value` per tonne.
fn single_shortage(value: f64) -> StockpileProblem {
    StockpileProblem {
        groups: vec!["Dy2O3->JP".into()],
        candidates: vec![candidate("JP-Dy", "Dy2O3->JP", 1000.0, 100.0)],
        paths: vec![SampledPath {
            weight: 1.0,
            shortfall_tonnes: vec![vec![X]; T],
            loss_per_tonne: vec![value],
        }],
        period_days: PERIOD_DAYS,
        budget: None,
        cvar: None,
    }
}

/// Cost per tonne of the single candidate over the horizon.
fn unit_cost() -> f64 {
    1000.0 + 100.0 * T as f64 * PERIOD_DAYS / 365.25
}

#[test]
fn a_valuable_shortage_is_covered_in_full() {
    let plan = solve(&single_shortage(1e6)).expect("solves");
    let h = &plan.holdings[0];
    assert!((h.tonnes - X * T as f64).abs() < 1e-6, "{}", h.tonnes);
    assert!(plan.expected_loss.abs() < 1e-3, "{}", plan.expected_loss);
    assert!((plan.cost - X * T as f64 * unit_cost()).abs() < 1e-4);
    assert!((h.expected_release_tonnes - X * T as f64).abs() < 1e-6);
    // Months of cover: holding / (X / period_days t/day x days per month).
    let months = X * T as f64 / (X / PERIOD_DAYS * DAYS_PER_MONTH);
    assert!((h.months_of_cover.expect("short") - months).abs() < 1e-9);
    assert!((plan.groups[0].months_of_cover.expect("short") - months).abs() < 1e-9);
    assert!(plan.groups[0].expected_uncovered_tonnes < 1e-6);
    assert_eq!(plan.status, "Optimal");
    // 12 release columns + 1 holding column; one cumulative-release row.
    assert_eq!(
        (plan.lp.rows, plan.lp.columns, plan.lp.nonzeros),
        (1, 13, 13)
    );
    assert_eq!(program_size(&single_shortage(1e6)).expect("valid"), plan.lp);
}

#[test]
fn a_shortage_worth_less_than_its_stock_is_not_covered() {
    let plan = solve(&single_shortage(0.9 * unit_cost())).expect("solves");
    assert!(
        plan.holdings[0].tonnes.abs() < 1e-9,
        "{}",
        plan.holdings[0].tonnes
    );
    assert!(plan.cost.abs() < 1e-6);
    let full_loss = X * T as f64 * 0.9 * unit_cost();
    assert!((plan.expected_loss - full_loss).abs() < 1e-6 * full_loss);
}

#[test]
fn a_budget_binds_exactly() {
    let mut p = single_shortage(1e6);
    let budget = 0.37 * X * T as f64 * unit_cost();
    p.budget = Some(budget);
    let plan = solve(&p).expect("solves");
    assert!(
        (plan.cost - budget).abs() < 1e-6 * budget,
        "{} vs {budget}",
        plan.cost
    );
    assert!((plan.holdings[0].tonnes - budget / unit_cost()).abs() < 1e-6);
    // A budget of zero buys nothing, and is not an error.
    p.budget = Some(0.0);
    let plan = solve(&p).expect("solves");
    assert!(plan.holdings[0].tonnes.abs() < 1e-9);
}

#[test]
fn holdings_never_exceed_max_tonnes_and_releases_respect_the_rate_cap() {
    let mut p = single_shortage(1e6);
    p.candidates[0].max_tonnes = Some(50.0);
    let plan = solve(&p).expect("solves");
    assert!(plan.holdings[0].tonnes <= 50.0);
    assert!((plan.holdings[0].tonnes - 50.0).abs() < 1e-6);

    let mut p = single_shortage(1e6);
    // 0.2 t/day x 30 days = 6 t per period < X: only 6 T can ever be released.
    p.candidates[0].max_release_tonnes_per_day = Some(0.2);
    let plan = solve(&p).expect("solves");
    assert!((plan.holdings[0].tonnes - 6.0 * T as f64).abs() < 1e-6);
}

#[test]
fn the_cheaper_candidate_is_used_first_and_cover_is_never_double_counted() {
    let mut p = single_shortage(1e6);
    p.candidates
        .push(candidate("JP-Dy-firm", "Dy2O3->JP", 500.0, 100.0));
    p.candidates[1].max_tonnes = Some(40.0);
    let plan = solve(&p).expect("solves");
    let (expensive, cheap) = (plan.holdings[0].tonnes, plan.holdings[1].tonnes);
    assert!((cheap - 40.0).abs() < 1e-6, "{cheap}");
    assert!(
        (expensive - (X * T as f64 - 40.0)).abs() < 1e-6,
        "{expensive}"
    );
    assert!((plan.groups[0].tonnes - X * T as f64).abs() < 1e-6);
}

/// A rare catastrophe: path A (probability 0.9) has no shortage, path B (0.1) is short X t
/// for T periods. The loss value v is set so that holding is not worth it on expectation
/// (0.1 v < unit cost) but is when CVaR at 0.9 (= path B's loss) is weighted in.
fn rare_catastrophe(cvar: Option<CvarTerm>) -> StockpileProblem {
    let v = 5.0 * unit_cost();
    StockpileProblem {
        groups: vec!["Tb4O7->JP".into()],
        candidates: vec![candidate("JP-Tb", "Tb4O7->JP", 1000.0, 100.0)],
        paths: vec![
            SampledPath {
                weight: 0.9,
                shortfall_tonnes: vec![vec![0.0]; T],
                loss_per_tonne: vec![v],
            },
            SampledPath {
                weight: 0.1,
                shortfall_tonnes: vec![vec![X]; T],
                loss_per_tonne: vec![v],
            },
        ],
        period_days: PERIOD_DAYS,
        budget: None,
        cvar,
    }
}

#[test]
fn cvar_makes_a_risk_averse_planner_hold_for_the_rare_catastrophe() {
    let neutral = solve(&rare_catastrophe(None)).expect("solves");
    assert!(neutral.holdings[0].tonnes.abs() < 1e-9);
    let term = CvarTerm {
        alpha: 0.9,
        weight: 1.0,
    };
    let averse = solve(&rare_catastrophe(Some(term))).expect("solves");
    assert!((averse.holdings[0].tonnes - X * T as f64).abs() < 1e-6);
    // CVaR >= expected loss, and the LP's Rockafellar-Uryasev bracket equals the exact CVaR.
    for plan in [&neutral, &averse] {
        assert!(plan.cvar.value >= plan.expected_loss - 1e-9 * (1.0 + plan.expected_loss));
    }
    assert!(
        (neutral.cvar.value - X * T as f64 * 5.0 * unit_cost()).abs() < 1e-6 * neutral.cvar.value
    );
    let recomputed = averse.cost + averse.expected_loss + term.weight * averse.cvar.value;
    assert!((averse.objective - recomputed).abs() < 1e-6 * (1.0 + recomputed));
}

#[test]
fn cvar_of_a_discrete_distribution() {
    // Worst 10% of {0 w.p. 0.5, 10 w.p. 0.45, 100 w.p. 0.05}: half 100, half 10 -> 55.
    let v = cvar_of(&[0.0, 10.0, 100.0], &[0.5, 0.45, 0.05], 0.9);
    assert!((v - 55.0).abs() < 1e-12, "{v}");
}

fn two_group_instance() -> StockpileProblem {
    let mut paths = Vec::new();
    let weights = [0.5, 0.3, 0.15, 0.05];
    for (s, &w) in weights.iter().enumerate() {
        let shortfall = (0..T)
            .map(|t| {
                let on = t >= 2 && t < 2 + 3 * s;
                vec![
                    if on { 4.0 + s as f64 } else { 0.0 },
                    if t % (s + 2) == 0 { 1.5 } else { 0.0 },
                ]
            })
            .collect();
        paths.push(SampledPath {
            weight: w,
            shortfall_tonnes: shortfall,
            loss_per_tonne: vec![20_000.0 * (1.0 + s as f64), 8_000.0],
        });
    }
    StockpileProblem {
        groups: vec!["Dy2O3->JP".into(), "Tb4O7->JP".into()],
        candidates: vec![
            candidate("JP-Dy-oxide", "Dy2O3->JP", 3000.0, 150.0),
            candidate("JP-Dy-metal", "Dy2O3->JP", 4500.0, 120.0),
            candidate("JP-Tb-oxide", "Tb4O7->JP", 6000.0, 200.0),
        ],
        paths,
        period_days: PERIOD_DAYS,
        budget: None,
        cvar: Some(CvarTerm {
            alpha: 0.9,
            weight: 0.0,
        }),
    }
}

#[test]
fn the_frontier_is_monotone_and_within_budget() {
    let p = two_group_instance();
    let budgets: Vec<f64> = (0..8).map(|k| k as f64 * 25_000.0).collect();
    let frontier = efficient_frontier(&p, &budgets).expect("solves");
    for w in frontier.windows(2) {
        assert!(
            w[1].expected_loss <= w[0].expected_loss + 1e-6 * (1.0 + w[0].expected_loss),
            "expected loss rose from {} to {}",
            w[0].expected_loss,
            w[1].expected_loss
        );
        assert!(w[1].objective <= w[0].objective + 1e-6 * (1.0 + w[0].objective));
    }
    for pt in &frontier {
        assert!(pt.cost <= pt.budget * (1.0 + 1e-9) + 1e-6);
        assert!(pt.cvar.value >= pt.expected_loss - 1e-9 * (1.0 + pt.expected_loss));
        assert!(pt.holdings.iter().all(|h| h.tonnes >= 0.0));
    }
    // Spending helps here: the largest budget ends well below the smallest's loss.
    let (first, last) = (&frontier[0], &frontier[frontier.len() - 1]);
    assert!(last.expected_loss < 0.5 * first.expected_loss);
    assert_eq!(first.cost, 0.0);
    // Each point is an independent solve: the order of budgets does not matter.
    let reversed: Vec<f64> = budgets.iter().rev().copied().collect();
    let back = efficient_frontier(&p, &reversed).expect("solves");
    assert_eq!(back.last(), frontier.first());
}

#[test]
fn the_same_problem_gives_a_bit_identical_plan() {
    let mut p = two_group_instance();
    p.cvar = Some(CvarTerm {
        alpha: 0.95,
        weight: 0.5,
    });
    let a = solve(&p).expect("solves");
    let b = solve(&p).expect("solves");
    assert_eq!(a, b);
    assert_eq!(a.objective.to_bits(), b.objective.to_bits());
}

fn invalid_field(p: &StockpileProblem) -> String {
    match solve(p) {
        Err(OptimiseError::Invalid { field, .. }) => field,
        other => panic!("expected an invalid-input error, got {other:?}"),
    }
}

#[test]
fn invalid_input_is_an_error_naming_the_field() {
    let mut p = single_shortage(1e6);
    p.candidates[0].acquisition_cost_per_tonne = -5.0;
    assert_eq!(
        invalid_field(&p),
        "candidates[0].acquisition_cost_per_tonne"
    );

    let mut p = single_shortage(1e6);
    p.candidates[0].holding_cost_per_tonne_year = f64::NAN;
    assert_eq!(
        invalid_field(&p),
        "candidates[0].holding_cost_per_tonne_year"
    );

    let mut p = rare_catastrophe(None);
    p.paths[1].weight = 0.2;
    assert_eq!(invalid_field(&p), "paths[..].weight");
    let msg = solve(&p).expect_err("bad sum").to_string();
    assert!(msg.contains("sum to 1") && msg.contains("1.1"), "{msg}");

    let mut p = single_shortage(1e6);
    p.paths[0].shortfall_tonnes[3][0] = f64::NAN;
    assert_eq!(invalid_field(&p), "paths[0].shortfall_tonnes[3][0]");

    let mut p = single_shortage(1e6);
    p.paths[0].loss_per_tonne[0] = f64::INFINITY;
    assert_eq!(invalid_field(&p), "paths[0].loss_per_tonne[0]");

    let mut p = single_shortage(1e6);
    p.candidates[0].covers = "Nd->JP".into();
    assert_eq!(invalid_field(&p), "candidates[0].covers");

    let mut p = single_shortage(1e6);
    p.candidates[0].max_tonnes = Some(-1.0);
    assert_eq!(invalid_field(&p), "candidates[0].max_tonnes");

    let mut p = rare_catastrophe(None);
    p.paths[1].shortfall_tonnes.pop();
    assert_eq!(invalid_field(&p), "paths[1].shortfall_tonnes");

    let mut p = single_shortage(1e6);
    p.budget = Some(-1.0);
    assert_eq!(invalid_field(&p), "budget");

    let mut p = single_shortage(1e6);
    p.cvar = Some(CvarTerm {
        alpha: 1.0,
        weight: 1.0,
    });
    assert_eq!(invalid_field(&p), "cvar.alpha");

    let mut p = single_shortage(1e6);
    p.period_days = 0.0;
    assert_eq!(invalid_field(&p), "period_days");

    let mut p = single_shortage(1e6);
    p.candidates.push(p.candidates[0].clone());
    assert_eq!(invalid_field(&p), "candidates[1].id");

    let e = efficient_frontier(&single_shortage(1e6), &[1.0, f64::NAN]).expect_err("NaN budget");
    assert!(e.to_string().contains("budgets[1]"), "{e}");
}
