//! Property tests of the sourcing MILP against brute force over the binaries.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use chokepoint_optimise::OptimiseError;
use chokepoint_optimise::sourcing::{
    DisruptionPath, SourcingProblem, Supplier, solve, solve_relaxation, solve_with_contracts,
};
use proptest::prelude::*;

fn instance() -> impl Strategy<Value = SourcingProblem> {
    (1usize..=3, 1usize..=3, 1usize..=3)
        .prop_flat_map(|(n, periods, paths)| {
            let suppliers = proptest::collection::vec(
                (
                    0.5..5.0f64,                          // price
                    1.0..15.0f64,                         // capacity
                    0.0..1.0f64,                          // min as share of capacity
                    0usize..=2,                           // lead time
                    prop_oneof![Just(0.0), 0.0..20.0f64], // fixed cost
                ),
                n,
            );
            let paths = proptest::collection::vec(
                (
                    0.05..1.0f64,
                    proptest::collection::vec(
                        proptest::collection::vec(
                            prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0f64],
                            n,
                        ),
                        periods,
                    ),
                ),
                paths,
            );
            (
                suppliers,
                paths,
                proptest::collection::vec(0.0..10.0f64, periods),
                0.0..8.0f64,  // λ
                0.0..6.0f64,  // π
                0.5..0.95f64, // α
            )
        })
        .prop_map(|(suppliers, paths, demand, lambda, penalty, alpha)| {
            let total: f64 = paths.iter().map(|p| p.0).sum();
            SourcingProblem {
                demand,
                suppliers: suppliers
                    .into_iter()
                    .enumerate()
                    .map(|(i, (price, cap, min, lead, fixed))| Supplier {
                        id: format!("s{i}"),
                        name: format!("S{i}"),
                        country: "XXX".into(),
                        price_per_tonne: price,
                        capacity_per_period: cap,
                        lead_time_periods: lead,
                        min_contract_per_period: min * cap,
                        fixed_cost: fixed,
                    })
                    .collect(),
                paths: paths
                    .into_iter()
                    .map(|(w, delivered)| DisruptionPath {
                        weight: w / total,
                        delivered,
                    })
                    .collect(),
                cover: 1.0,
                max_cover: None,
                cvar_alpha: alpha,
                lambda,
                shortfall_penalty_per_tonne: penalty,
            }
        })
}

fn renormalised(mut p: SourcingProblem) -> SourcingProblem {
    // The weights were divided by their sum; make the last absorb the rounding.
    let head: f64 = p.paths[..p.paths.len() - 1].iter().map(|q| q.weight).sum();
    if let Some(last) = p.paths.last_mut() {
        last.weight = (1.0 - head).max(0.0);
    }
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn milp_optimum_is_the_best_enumerated_assignment(p in instance().prop_map(renormalised)) {
        let n = p.suppliers.len();
        let tol = |a: f64| 1e-6 * (1.0 + a.abs());
        let mut best = f64::INFINITY;
        for mask in 0u32..(1 << n) {
            let y: Vec<bool> = (0..n).map(|i| mask & (1 << i) != 0).collect();
            match solve_with_contracts(&p, &y) {
                Ok(plan) => best = best.min(plan.objective),
                Err(OptimiseError::Infeasible { .. }) => {}
                Err(e) => prop_assert!(false, "assignment {y:?}: {e}"),
            }
        }
        match solve(&p) {
            Ok(plan) => {
                // The MILP is no worse than any feasible assignment, and it is one of them.
                prop_assert!(plan.objective <= best + tol(best), "{} > {best}", plan.objective);
                prop_assert!(plan.objective >= best - tol(best), "{} < {best}", plan.objective);
                // Integrality: a contract is within its bounds, no contract is zero volume.
                for (c, s) in plan.contracts.iter().zip(&p.suppliers) {
                    if c.contracted {
                        prop_assert!(c.tonnes_per_period >= s.min_contract_per_period - 1e-7);
                        prop_assert!(c.tonnes_per_period <= s.capacity_per_period + 1e-7);
                    } else {
                        prop_assert!(c.tonnes_per_period == 0.0);
                    }
                }
                prop_assert!(plan.cvar.value >= plan.expected_shortfall_tonnes - 1e-9);
                let relaxed = solve_relaxation(&p).expect("relaxation of a feasible MILP");
                prop_assert!(relaxed.objective <= plan.objective + tol(plan.objective));
            }
            Err(OptimiseError::Infeasible { .. }) => prop_assert!(best.is_infinite()),
            Err(e) => prop_assert!(false, "MILP: {e}"),
        }
    }
}
