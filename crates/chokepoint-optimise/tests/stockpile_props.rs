//! Property tests of the stockpile program on random small instances.

use chokepoint_optimise::stockpile::{
    CandidateHolding, CvarTerm, SampledPath, StockpileProblem, efficient_frontier,
};
use proptest::prelude::*;

fn instance() -> impl Strategy<Value = (StockpileProblem, Vec<f64>)> {
    (1usize..=2, 1usize..=3, 1usize..=3, 1usize..=4)
        .prop_flat_map(|(groups, cands, paths, periods)| {
            let candidates = proptest::collection::vec(
                (
                    0..groups,
                    0.0..3000.0f64,
                    0.0..300.0f64,
                    proptest::option::of(0.0..40.0f64),
                    proptest::option::of(0.05..2.0f64),
                ),
                cands,
            );
            let paths = proptest::collection::vec(
                (
                    0.05..1.0f64,
                    proptest::collection::vec(
                        proptest::collection::vec(prop_oneof![Just(0.0), 0.0..20.0f64], groups),
                        periods,
                    ),
                    proptest::collection::vec(0.0..8000.0f64, groups),
                ),
                paths,
            );
            let budgets = proptest::collection::vec(0.0..200_000.0f64, 2..5);
            let cvar = proptest::option::of((0.5..0.99f64, 0.0..2.0f64));
            (Just(groups), candidates, paths, budgets, cvar)
        })
        .prop_map(|(groups, candidates, paths, mut budgets, cvar)| {
            let group_ids: Vec<String> = (0..groups).map(|g| format!("G{g}")).collect();
            let candidates = candidates
                .into_iter()
                .enumerate()
                .map(|(i, (g, a, k, max, rate))| CandidateHolding {
                    id: format!("C{i}"),
                    material: "REO".into(),
                    holder: "H".into(),
                    covers: group_ids[g].clone(),
                    acquisition_cost_per_tonne: a,
                    holding_cost_per_tonne_year: k,
                    max_tonnes: max,
                    max_release_tonnes_per_day: rate,
                })
                .collect();
            let total: f64 = paths.iter().map(|p| p.0).sum();
            let paths = paths
                .into_iter()
                .map(|(w, shortfall_tonnes, loss_per_tonne)| SampledPath {
                    weight: w / total,
                    shortfall_tonnes,
                    loss_per_tonne,
                })
                .collect();
            budgets.sort_by(f64::total_cmp);
            let problem = StockpileProblem {
                groups: group_ids,
                candidates,
                paths,
                period_days: 7.0,
                budget: None,
                cvar: cvar.map(|(alpha, weight)| CvarTerm { alpha, weight }),
            };
            (problem, budgets)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Along the frontier the optimal objective never rises with the budget (the feasible set
    /// grows), and with no CVaR weight neither does the expected loss; every point spends
    /// within its budget, keeps holdings within their limits and has CVaR >= expected loss.
    #[test]
    fn frontier_is_monotone_in_the_budget((problem, budgets) in instance()) {
        let frontier = efficient_frontier(&problem, &budgets).expect("always solvable");
        let risk_neutral = problem.cvar.is_none_or(|c| c.weight == 0.0);
        for w in frontier.windows(2) {
            let tol = 1e-6 * (1.0 + w[0].objective.abs());
            prop_assert!(w[1].objective <= w[0].objective + tol,
                "objective rose: {} -> {}", w[0].objective, w[1].objective);
            if risk_neutral {
                prop_assert!(w[1].expected_loss <= w[0].expected_loss + tol,
                    "expected loss rose: {} -> {}", w[0].expected_loss, w[1].expected_loss);
            }
        }
        for pt in &frontier {
            prop_assert!(pt.cost <= pt.budget * (1.0 + 1e-9) + 1e-6);
            prop_assert!(pt.cvar.value >= pt.expected_loss - 1e-9 * (1.0 + pt.expected_loss));
            for (h, c) in pt.holdings.iter().zip(&problem.candidates) {
                prop_assert!(h.tonnes >= 0.0);
                if let Some(m) = c.max_tonnes {
                    prop_assert!(h.tonnes <= m, "{} > max {m}", h.tonnes);
                }
            }
        }
    }
}
