//! The sourcing MILP on instances solved by hand or by enumerating the binaries.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use chokepoint_optimise::OptimiseError;
use chokepoint_optimise::sourcing::{
    DisruptionPath, SourcingProblem, Supplier, default_lambdas, frontier, path_shortfalls,
    program_size, solve, solve_relaxation, solve_with_contracts,
};

fn supplier(id: &str, price: f64, cap: f64, min: f64) -> Supplier {
    Supplier {
        id: id.into(),
        name: id.to_uppercase(),
        country: "XXX".into(),
        price_per_tonne: price,
        capacity_per_period: cap,
        lead_time_periods: 0,
        min_contract_per_period: min,
        fixed_cost: 0.0,
    }
}

fn reliable_paths(periods: usize, suppliers: usize) -> Vec<DisruptionPath> {
    vec![DisruptionPath {
        weight: 1.0,
        delivered: vec![vec![1.0; suppliers]; periods],
    }]
}

fn problem(
    demand: Vec<f64>,
    suppliers: Vec<Supplier>,
    paths: Vec<DisruptionPath>,
) -> SourcingProblem {
    SourcingProblem {
        demand,
        suppliers,
        paths,
        cover: 1.0,
        max_cover: None,
        cvar_alpha: 0.5,
        lambda: 0.0,
        shortfall_penalty_per_tonne: 0.0,
    }
}

/// Minimum objective over every feasible assignment of the binaries.
fn enumerate(p: &SourcingProblem) -> (f64, Vec<bool>) {
    let n = p.suppliers.len();
    let mut best = (f64::INFINITY, Vec::new());
    for mask in 0u32..(1 << n) {
        let y: Vec<bool> = (0..n).map(|i| mask & (1 << i) != 0).collect();
        match solve_with_contracts(p, &y) {
            Ok(plan) if plan.objective < best.0 => best = (plan.objective, y),
            Ok(_) | Err(OptimiseError::Infeasible { .. }) => {}
            Err(e) => panic!("assignment {y:?}: {e}"),
        }
    }
    best
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn minimum_contract_forces_an_integer_choice_the_relaxation_splits() {
    // Demand 10 t in one period. A: 1/t, up to 6. B: 2/t, 8..10 if contracted. C: 3.5/t.
    // Relaxation: A 6 + B 4 (B's binary at 0.4, below its minimum) = 6 + 8 = 14.
    // MILP, by hand over the assignments: A2 + B8 = 2 + 16 = 18 beats A6 + C4 = 20,
    // B10 = 20, C10 = 35, A6 + B8 = 22.
    let p = problem(
        vec![10.0],
        vec![
            supplier("a", 1.0, 6.0, 0.0),
            supplier("b", 2.0, 10.0, 8.0),
            supplier("c", 3.5, 10.0, 0.0),
        ],
        reliable_paths(1, 3),
    );
    let relaxed = solve_relaxation(&p).expect("relaxation");
    assert!(close(relaxed.objective, 14.0), "{}", relaxed.objective);
    assert!(close(relaxed.contracts[1].tonnes_per_period, 4.0));
    let plan = solve(&p).expect("milp");
    assert!(close(plan.objective, 18.0), "{}", plan.objective);
    assert!(close(plan.cost, 18.0));
    let v: Vec<f64> = plan.contracts.iter().map(|c| c.tonnes_per_period).collect();
    assert!(close(v[0], 2.0) && close(v[1], 8.0) && v[2] == 0.0, "{v:?}");
    assert_eq!(
        plan.contracts
            .iter()
            .map(|c| c.contracted)
            .collect::<Vec<_>>(),
        [true, true, false]
    );
    assert!(close(plan.contracts[1].share, 0.8));
    assert_eq!(plan.binaries, 3);
    let (best, y) = enumerate(&p);
    assert!(close(best, plan.objective));
    assert_eq!(y, [true, true, false]);
}

#[test]
fn fixed_costs_make_one_contract_better_than_two() {
    // Demand 10. A: 1/t up to 6, fixed 10. B: 2/t up to 10, fixed 1.
    // A6 + B4 = 6 + 8 + 11 = 25; B10 = 20 + 1 = 21; A alone cannot cover. Optimum: B only.
    let mut a = supplier("a", 1.0, 6.0, 0.0);
    a.fixed_cost = 10.0;
    let mut b = supplier("b", 2.0, 10.0, 0.0);
    b.fixed_cost = 1.0;
    let p = problem(vec![10.0], vec![a, b], reliable_paths(1, 2));
    let plan = solve(&p).expect("milp");
    assert!(close(plan.objective, 21.0), "{}", plan.objective);
    assert!(!plan.contracts[0].contracted && plan.contracts[1].contracted);
    assert!(close(enumerate(&p).0, 21.0));
}

/// China (price 1) delivers in path 0 only; Lynas (price 3) always. Two equally likely paths,
/// one period of demand 10, CVaR at 0.5 (the worse path). With x_C = 10 - x_L the objective is
/// 10 + 10λ + x_L (2 - λ): China alone for λ < 2, Lynas alone for λ > 2.
fn two_paths() -> SourcingProblem {
    let mut p = problem(
        vec![10.0],
        vec![
            supplier("china", 1.0, 100.0, 0.0),
            supplier("lynas", 3.0, 100.0, 0.0),
        ],
        vec![
            DisruptionPath {
                weight: 0.5,
                delivered: vec![vec![1.0, 1.0]],
            },
            DisruptionPath {
                weight: 0.5,
                delivered: vec![vec![0.0, 1.0]],
            },
        ],
    );
    p.cvar_alpha = 0.5;
    p
}

#[test]
fn lambda_zero_picks_the_cheapest_mix_and_a_large_lambda_the_most_reliable() {
    let mut p = two_paths();
    p.lambda = 0.0;
    let cheap = solve(&p).expect("λ = 0");
    assert!(close(cheap.contracts[0].tonnes_per_period, 10.0));
    assert_eq!(cheap.contracts[1].tonnes_per_period, 0.0);
    assert!(close(cheap.cost, 10.0));
    assert!(close(cheap.expected_shortfall_tonnes, 5.0));
    assert!(close(cheap.cvar.value, 10.0));
    assert!(close(
        cheap.contracts[0].expected_delivery_rate.unwrap(),
        0.5
    ));

    p.lambda = 1.0;
    let below = solve(&p).expect("λ = 1");
    assert!(close(below.objective, 10.0 + 10.0 * 1.0));
    assert_eq!(below.contracts[1].tonnes_per_period, 0.0);

    p.lambda = 3.0;
    let safe = solve(&p).expect("λ = 3");
    assert!(close(safe.contracts[1].tonnes_per_period, 10.0));
    assert_eq!(safe.contracts[0].tonnes_per_period, 0.0);
    assert!(close(safe.cost, 30.0));
    assert!(close(safe.cvar.value, 0.0) && close(safe.expected_shortfall_tonnes, 0.0));
    assert!(close(safe.objective, 10.0 + 30.0 + 10.0 * (2.0 - 3.0)));
    assert!(safe.cvar.value >= safe.expected_shortfall_tonnes - 1e-12);
}

#[test]
fn a_cover_cap_stops_over_contracting_a_partly_failing_supplier() {
    // One period of 10 t. A (price 1) delivers half in the only path; B (price 3) in full.
    // Uncapped with a high penalty: A 20 (cost 20, delivers 10) beats B 10 (cost 30).
    // Capped at 1.0 x demand: A 10 short 5 t (10 + 5π) or B 10 (30): B for π = 10.
    let p0 = problem(
        vec![10.0],
        vec![supplier("a", 1.0, 30.0, 0.0), supplier("b", 3.0, 30.0, 0.0)],
        vec![DisruptionPath {
            weight: 1.0,
            delivered: vec![vec![0.5, 1.0]],
        }],
    );
    let mut p = p0.clone();
    p.shortfall_penalty_per_tonne = 10.0;
    let free = solve(&p).unwrap();
    assert!(close(free.contracts[0].tonnes_per_period, 20.0));
    assert!(close(free.objective, 20.0));
    p.max_cover = Some(1.0);
    let capped = solve(&p).unwrap();
    assert!(close(capped.contracts[1].tonnes_per_period, 10.0));
    assert!(close(capped.objective, 30.0));
    assert!(close(enumerate(&p).0, 30.0));
    // A cap below the cover, and minimum contracts that no assignment fits in the range.
    p.max_cover = Some(0.5);
    assert!(matches!(solve(&p), Err(OptimiseError::Invalid { .. })));
    let mut q = p0.clone();
    q.max_cover = Some(1.0);
    q.suppliers[0].min_contract_per_period = 12.0;
    q.suppliers[1].min_contract_per_period = 11.0;
    let e = solve(&q).unwrap_err();
    assert!(matches!(e, OptimiseError::Infeasible { .. }), "{e}");
}

#[test]
fn an_expected_shortfall_penalty_switches_at_its_hand_computed_price() {
    // Objective 10 + 2 x_L + π 0.5 (10 - x_L): Lynas once π > 4.
    let mut p = two_paths();
    p.shortfall_penalty_per_tonne = 3.9;
    assert_eq!(solve(&p).unwrap().contracts[1].tonnes_per_period, 0.0);
    p.shortfall_penalty_per_tonne = 4.1;
    let plan = solve(&p).unwrap();
    assert!(close(plan.contracts[1].tonnes_per_period, 10.0));
    assert!(close(plan.objective, 30.0));
}

#[test]
fn lead_times_delay_deliveries_and_cut_the_cost_to_the_delivering_periods() {
    // Two periods of 10 t. A (price 1) delivers from period 1 only; B (price 5) from period 0.
    // λ = 0: A alone covers on paper (cost 1 x 10 x 1 period = 10) and period 0 is short 10 t.
    let mut a = supplier("a", 1.0, 20.0, 0.0);
    a.lead_time_periods = 1;
    let b = supplier("b", 5.0, 20.0, 0.0);
    let mut p = problem(vec![10.0, 10.0], vec![a, b], reliable_paths(2, 2));
    let plan = solve(&p).unwrap();
    assert!(close(plan.contracts[0].tonnes_per_period, 10.0));
    assert!(close(plan.cost, 10.0));
    assert!(close(plan.expected_shortfall_tonnes, 10.0));
    // With x_A = 10 - x_B the objective is 10 + 10π + x_B (9 - π): B alone (100) once the
    // shortfall is priced above 9/t, A alone (10 + 10π) below.
    p.shortfall_penalty_per_tonne = 10.0;
    let plan = solve(&p).unwrap();
    assert!(close(plan.expected_shortfall_tonnes, 0.0));
    assert!(close(plan.objective, 100.0), "{}", plan.objective);
    assert!(close(enumerate(&p).0, 100.0));
    p.shortfall_penalty_per_tonne = 4.0;
    assert!(close(solve(&p).unwrap().objective, 50.0));
}

#[test]
fn frontier_cost_rises_and_risk_falls_with_lambda_and_is_thread_count_independent() {
    // Three suppliers with partial reliability over 3 periods and 4 paths.
    let mut p = problem(
        vec![10.0, 12.0, 10.0],
        vec![
            supplier("cn", 1.0, 30.0, 2.0),
            supplier("au", 2.5, 8.0, 3.0),
            supplier("us", 4.0, 12.0, 5.0),
        ],
        (0..4)
            .map(|s| DisruptionPath {
                weight: 0.25,
                delivered: (0..3)
                    .map(|t| {
                        let cn = if s >= 2 && t >= 1 {
                            0.25 * s as f64 - 0.5
                        } else {
                            1.0
                        };
                        let au = if s == 3 && t == 2 { 0.5 } else { 1.0 };
                        vec![cn, au, 1.0]
                    })
                    .collect(),
            })
            .collect(),
    );
    p.cvar_alpha = 0.75;
    let lambdas = default_lambdas(&p, 9);
    assert_eq!(lambdas.len(), 9);
    assert_eq!(lambdas[0], 0.0);
    assert!(lambdas.windows(2).all(|w| w[0] < w[1]));
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| frontier(&p, &lambdas))
            .expect("frontier")
    };
    let pts = run(1);
    assert_eq!(pts, run(2), "frontier differs between 1 and 2 threads");
    for w in pts.windows(2) {
        assert!(
            w[1].cost >= w[0].cost - 1e-6,
            "{:?}",
            (w[0].cost, w[1].cost)
        );
        assert!(
            w[1].cvar.value <= w[0].cvar.value + 1e-6,
            "{:?}",
            (w[0].cvar.value, w[1].cvar.value)
        );
    }
    // The ends differ: λ = 0 is the cheapest mix, the largest λ removes all tail shortfall
    // that the reliable US supplier can cover.
    let (first, last) = (&pts[0], &pts[pts.len() - 1]);
    assert!(first.cost < last.cost);
    assert!(first.cvar.value > last.cvar.value);
    assert!(close(last.cvar.value, 0.0), "{}", last.cvar.value);
    // Every point is the enumerated optimum at its λ.
    for pt in &pts {
        let mut q = p.clone();
        q.lambda = pt.lambda;
        assert!(close(pt.objective, enumerate(&q).0), "λ = {}", pt.lambda);
    }
}

#[test]
fn integrality_holds_in_every_plan() {
    let p = problem(
        vec![7.0, 9.0],
        vec![
            supplier("a", 1.0, 5.0, 4.0),
            supplier("b", 1.5, 6.0, 5.5),
            supplier("c", 2.0, 9.0, 1.0),
        ],
        reliable_paths(2, 3),
    );
    let plan = solve(&p).unwrap();
    for (c, s) in plan.contracts.iter().zip(&p.suppliers) {
        if c.contracted {
            assert!(c.tonnes_per_period >= s.min_contract_per_period - 1e-9);
            assert!(c.tonnes_per_period <= s.capacity_per_period + 1e-9);
        } else {
            assert_eq!(c.tonnes_per_period, 0.0);
        }
    }
    assert!(plan.contracted_per_period >= 9.0 - 1e-9);
    assert!(close(plan.objective, enumerate(&p).0));
}

#[test]
fn the_program_size_counts_binaries_and_shortfall_rows() {
    let mut p = two_paths();
    p.lambda = 1.0;
    let size = program_size(&p).unwrap();
    // Rows: cover 1 + 2 links x 2 suppliers + per path (CVaR 1 + shortfall 1) x 2 = 9.
    // Columns: (x, y) x 2 + shortfall 2 + z 2 + η 1 = 9.
    assert_eq!((size.rows, size.columns), (9, 9));
    let plan = solve(&p).unwrap();
    assert_eq!(plan.lp, size);
    assert_eq!(plan.binaries, 2);
    assert_eq!(plan.status, "Optimal");
    let s = path_shortfalls(&p, &[10.0, 0.0]);
    assert_eq!(s, vec![0.0, 10.0]);
}

#[test]
fn bad_input_is_an_error_naming_the_field_or_the_binding_constraint() {
    let base = two_paths();
    let field_of = |e: OptimiseError| match e {
        OptimiseError::Invalid { field, .. } => field,
        other => panic!("expected Invalid, got {other}"),
    };
    let mut p = base.clone();
    p.suppliers.clear();
    assert_eq!(field_of(solve(&p).unwrap_err()), "suppliers");
    let mut p = base.clone();
    p.paths[0].weight = 0.7;
    assert_eq!(field_of(solve(&p).unwrap_err()), "paths[..].weight");
    let mut p = base.clone();
    p.paths[1].delivered[0][1] = 1.2;
    assert_eq!(field_of(solve(&p).unwrap_err()), "paths[1].delivered[0][1]");
    let mut p = base.clone();
    p.paths[1].delivered.push(vec![1.0, 1.0]);
    assert_eq!(field_of(solve(&p).unwrap_err()), "paths[1].delivered");
    let mut p = base.clone();
    p.cvar_alpha = 1.0;
    assert_eq!(field_of(solve(&p).unwrap_err()), "cvar_alpha");
    let mut p = base.clone();
    p.lambda = f64::NAN;
    assert_eq!(field_of(solve(&p).unwrap_err()), "lambda");
    let mut p = base.clone();
    p.suppliers[1].id = "china".into();
    assert_eq!(field_of(solve(&p).unwrap_err()), "suppliers[1].id");
    // A minimum contract above capacity: that supplier could never be contracted.
    let mut p = base.clone();
    p.suppliers[1].min_contract_per_period = 150.0;
    let e = solve(&p).unwrap_err();
    assert!(e.to_string().contains("exceeds its capacity"), "{e}");
    assert_eq!(field_of(e), "suppliers[1].min_contract_per_period");
    // Demand above all capacity: the nominal cover binds, named before HiGHS runs.
    let mut p = base.clone();
    p.demand = vec![250.0];
    let e = solve(&p).unwrap_err();
    assert!(
        matches!(&e, OptimiseError::Infeasible { constraint, .. } if constraint.contains("nominal cover")),
        "{e}"
    );
    assert!(e.to_string().contains("200"), "{e}");
    assert!(frontier(&p, &[0.0, 1.0]).is_err());
    assert!(matches!(
        frontier(&base, &[0.0, -1.0]),
        Err(OptimiseError::Invalid { .. })
    ));
    // A fixed assignment that cannot cover is infeasible, not a HiGHS failure.
    let e = solve_with_contracts(&base, &[false, false]).unwrap_err();
    assert!(matches!(e, OptimiseError::Infeasible { .. }), "{e}");
}
