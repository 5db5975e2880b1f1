//! Stockpile sizing through the application layer: a hand-checkable case, the frontier's
//! monotonicity, budgets, thread-count independence, the out-of-sample seeds and bad input,
//! on hand-built paths and on the bundled world (short horizons, few paths: the behaviour,
//! not the figures, is under test).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use chokepoint_app::AppError;
use chokepoint_app::optimise::stockpile::{
    CandidateInfo, GroupInfo, SampleRequest, Sampled, ScenarioText, SolveOptions, StockpileInputs,
    check, check_seed, path_losses, sample, size,
};
use chokepoint_optimise::stockpile::{CandidateHolding, SampledPath, StockpileProblem};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn world() -> chokepoint_core::World {
    chokepoint_data::load(&[root().join("data").as_path()])
        .map(|l| l.world)
        .unwrap_or_else(|d| panic!("{d:#?}"))
}

fn timeline() -> chokepoint_rules::Timeline {
    let path = root().join("data/policy/measures.toml");
    chokepoint_rules::Timeline::from_toml(&std::fs::read_to_string(&path).unwrap(), "measures.toml")
        .unwrap()
}

fn inputs() -> StockpileInputs {
    let path = root().join("data/optimise/stockpile.toml");
    StockpileInputs::parse(&std::fs::read_to_string(&path).unwrap(), "stockpile.toml").unwrap()
}

/// The heavy-REE ban cut to 120 days (four months), so a run takes well under a second.
fn heavy_ban() -> ScenarioText {
    let text = std::fs::read_to_string(root().join("data/scenarios/heavy-ban-12m.toml"))
        .unwrap()
        .replace("horizon_days = 545", "horizon_days = 120");
    assert!(text.contains("horizon_days = 120"));
    ScenarioText {
        text,
        file: "heavy-ban-12m.toml".into(),
    }
}

fn request(paths: u32, seed: u64) -> SampleRequest {
    SampleRequest {
        scenarios: vec![heavy_ban()],
        importers: vec!["JPN".into()],
        elements: Vec::new(),
        forms: Vec::new(),
        paths,
        seed,
        fixed_inputs: false,
    }
}

/// One group worth USD 1000 per tonne short; one candidate at USD 100 per tonne, no holding
/// cost; two equally likely paths: 4 t then 6 t short, or never short.
fn tiny(extra_uncoverable: bool) -> Sampled {
    let mut groups = vec!["G".to_string()];
    let mut loss = vec![1000.0];
    let mut rows_a = vec![vec![4.0], vec![6.0]];
    let mut rows_b = vec![vec![0.0], vec![0.0]];
    if extra_uncoverable {
        // A second group with no candidate: 1 t short in path A, worth USD 3000.
        groups.push("H".into());
        loss.push(3000.0);
        rows_a = vec![vec![4.0, 1.0], vec![6.0, 0.0]];
        rows_b = vec![vec![0.0, 0.0], vec![0.0, 0.0]];
    }
    let problem = StockpileProblem {
        groups: groups.clone(),
        candidates: vec![CandidateHolding {
            id: "c".into(),
            material: "m".into(),
            holder: "X".into(),
            covers: "G".into(),
            acquisition_cost_per_tonne: 100.0,
            holding_cost_per_tonne_year: 0.0,
            max_tonnes: None,
            max_release_tonnes_per_day: None,
        }],
        paths: vec![
            SampledPath {
                weight: 0.5,
                shortfall_tonnes: rows_a,
                loss_per_tonne: loss.clone(),
            },
            SampledPath {
                weight: 0.5,
                shortfall_tonnes: rows_b,
                loss_per_tonne: loss.clone(),
            },
        ],
        period_days: 30.0,
        budget: None,
        cvar: None,
    };
    let infos = groups
        .iter()
        .zip(&loss)
        .map(|(g, l)| GroupInfo {
            id: g.clone(),
            importer: "X".into(),
            material: "m".into(),
            element: "Dy".into(),
            form: "separated-oxide".into(),
            element_content: 1.0,
            loss_per_tonne: *l,
        })
        .collect();
    let cands = vec![CandidateInfo {
        id: "c".into(),
        group: "G".into(),
        price_per_tonne: 100.0,
        price_row: "m,test,0".into(),
        price_source: "hand".into(),
        holding_cost_per_tonne_year: 0.0,
    }];
    Sampled::from_problem(infos, cands, problem).unwrap()
}

#[test]
fn the_tiny_case_matches_the_hand_solution() {
    let s = tiny(false);
    // Unconstrained: a tonne costs 100 and averts 0.5 x 1000 = 500 while path A is short, so
    // hold all 10 t: cost 1000, no loss.
    let full = size(&s, &SolveOptions::default()).unwrap();
    assert!((full.plan.holdings[0].tonnes - 10.0).abs() < 1e-6);
    assert!((full.plan.cost - 1000.0).abs() < 1e-4);
    assert!(full.plan.expected_loss.abs() < 1e-4);
    assert!((full.unmitigated_expected_loss - 5000.0).abs() < 1e-9);
    assert!((full.full_cover_cost - 1000.0).abs() < 1e-9);
    // Months of cover: 10 t against 5 t per 30-day period while short = 2 periods of 30 days.
    let months = full.plan.holdings[0].months_of_cover.unwrap();
    assert!((months - 10.0 / (5.0 / 30.0 * 365.25 / 12.0)).abs() < 1e-9);
    // Budget 500 buys 5 t: path A loses 5 t x 1000.
    let half = size(
        &s,
        &SolveOptions {
            budget: Some(500.0),
            frontier: 3,
            ..Default::default()
        },
    )
    .unwrap();
    assert!((half.plan.holdings[0].tonnes - 5.0).abs() < 1e-6);
    assert!((half.plan.expected_loss - 2500.0).abs() < 1e-3);
    assert!((half.p95_loss - 5000.0).abs() < 1e-3);
    let losses: Vec<f64> = half.frontier.iter().map(|p| p.expected_loss).collect();
    for (got, want) in losses.iter().zip([5000.0, 3750.0, 2500.0]) {
        assert!((got - want).abs() < 1e-3, "{losses:?}");
    }
    // P95 at most 2000 needs path A's loss <= 2000: at least 8 t, USD 800.
    let target = size(
        &s,
        &SolveOptions {
            target_p95: Some(2000.0),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(target.p95_loss <= 2000.0 + 1e-6);
    assert!(
        (target.plan.holdings[0].tonnes - 8.0).abs() < 0.01,
        "{}",
        target.plan.holdings[0].tonnes
    );
    // The path losses the target is judged on.
    let l = path_losses(&s.problem, &[8.0]);
    assert_eq!(l, vec![2000.0, 0.0]);
}

#[test]
fn bad_budgets_targets_and_options_name_what_binds() {
    let s = tiny(false);
    let msg = |r: Result<_, AppError>| match r {
        Err(AppError::Invalid(m)) => m,
        Err(e) => panic!("not invalid: {e}"),
        Ok(_) => panic!("accepted"),
    };
    let m = msg(size(
        &s,
        &SolveOptions {
            budget: Some(50.0),
            ..Default::default()
        },
    ));
    assert!(m.contains("--budget") && m.contains("one tonne"), "{m}");
    let m = msg(size(
        &s,
        &SolveOptions {
            budget: Some(-1.0),
            ..Default::default()
        },
    ));
    assert!(m.contains("--budget"), "{m}");
    // The budget binds before the target is met.
    let m = msg(size(
        &s,
        &SolveOptions {
            budget: Some(300.0),
            target_p95: Some(2000.0),
            ..Default::default()
        },
    ));
    assert!(
        m.contains("--target-p95") && m.contains("budget binds"),
        "{m}"
    );
    // No stockpile meets it: group H has no candidate and loses 3000 in path A.
    let m = msg(size(
        &tiny(true),
        &SolveOptions {
            target_p95: Some(1000.0),
            ..Default::default()
        },
    ));
    assert!(m.contains("no stockpile"), "{m}");
    let m = msg(size(
        &s,
        &SolveOptions {
            frontier: 1,
            ..Default::default()
        },
    ));
    assert!(m.contains("--frontier"), "{m}");
    // A hand-built problem has no scenario to re-simulate.
    let sized = size(&s, &SolveOptions::default()).unwrap();
    assert!(
        matches!(check(&world(), &s, &sized, 10), Err(AppError::Invalid(m)) if m.contains("scenarios"))
    );
}

#[test]
fn bad_requests_on_the_bundled_world_name_the_option() {
    let (w, t, i) = (world(), timeline(), inputs());
    let msg = |r: Result<Sampled, AppError>| match r {
        Err(AppError::Invalid(m)) => m,
        Err(e) => panic!("not invalid: {e}"),
        Ok(_) => panic!("accepted"),
    };
    let mut r = request(16, 1);
    r.importers = vec!["XYZ".into()];
    assert!(msg(sample(&w, &t, &i, &r)).contains("--importer XYZ"));
    let mut r = request(16, 1);
    r.elements = vec!["Qq".into()];
    assert!(msg(sample(&w, &t, &i, &r)).contains("--element Qq"));
    let mut r = request(16, 1);
    r.elements = vec!["Nd".into()];
    assert!(msg(sample(&w, &t, &i, &r)).contains("--element Nd"));
    let mut r = request(16, 1);
    r.forms = vec!["powder".into()];
    assert!(msg(sample(&w, &t, &i, &r)).contains("--form powder"));
    let r = request(0, 1);
    assert!(msg(sample(&w, &t, &i, &r)).contains("--paths"));
    let mut r = request(16, 1);
    r.scenarios[0].text = "id = 1".into();
    assert!(msg(sample(&w, &t, &i, &r)).contains("heavy-ban-12m.toml"));
    // An inputs file without a rationale is refused.
    let bad = "[holding_cost]\nstorage_usd_per_tonne_year = 1.0\ncapital_rate_per_year = 0.05\nassumption = \"\"\n[end_product_value_usd]\n";
    assert!(
        matches!(StockpileInputs::parse(bad, "x.toml"), Err(AppError::Invalid(m)) if m.contains("holding_cost.assumption"))
    );
}

#[test]
fn on_the_bundled_world_the_frontier_falls_the_budget_holds_and_threads_do_not_matter() {
    let (w, t, i) = (world(), timeline(), inputs());
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let s = sample(&w, &t, &i, &request(32, 7)).unwrap();
            let z = size(
                &s,
                &SolveOptions {
                    budget: Some(20e6),
                    frontier: 5,
                    ..Default::default()
                },
            )
            .unwrap();
            let c = check(&w, &s, &z, 32).unwrap();
            (s, z, c)
        })
    };
    let (s1, z1, c1) = run(1);
    let (_, z4, c4) = run(4);
    // Japan's Dy and Tb oxide imports are groups with a price; the shortfall is real.
    assert!(s1.groups.iter().any(|g| g.id == "JPN:dy-oxide"));
    assert!(s1.candidates.iter().any(|c| c.id == "JPN-dy-oxide"));
    assert!(z1.unmitigated_expected_loss > 0.0);
    // Within budget.
    assert!(z1.plan.cost <= 20e6 * (1.0 + 1e-9));
    for p in &z1.frontier {
        assert!(p.cost <= p.budget * (1.0 + 1e-9) + 1e-6, "{p:?}");
    }
    // Expected loss never rises with the budget.
    for pair in z1.frontier.windows(2) {
        assert!(
            pair[1].expected_loss <= pair[0].expected_loss * (1.0 + 1e-9) + 1e-6,
            "{pair:?}"
        );
    }
    assert!(z1.frontier[0].expected_loss >= z1.frontier[4].expected_loss);
    assert!(
        (z1.frontier[0].expected_loss - z1.unmitigated_expected_loss).abs()
            < 1e-6 * z1.unmitigated_expected_loss.max(1.0)
    );
    // Identical answers on 1 and 4 threads, bit for bit.
    let bits = |z: &chokepoint_app::optimise::stockpile::Sized| -> Vec<u64> {
        let mut v: Vec<u64> = z.plan.holdings.iter().map(|h| h.tonnes.to_bits()).collect();
        v.extend(z.frontier.iter().map(|p| p.expected_loss.to_bits()));
        v.push(z.plan.objective.to_bits());
        v
    };
    assert_eq!(bits(&z1), bits(&z4));
    assert_eq!(
        c1.realised_loss.mean.to_bits(),
        c4.realised_loss.mean.to_bits()
    );
    assert_eq!(
        c1.unmitigated_loss.mean.to_bits(),
        c4.unmitigated_loss.mean.to_bits()
    );
    // Out of sample on another master seed; the holdings do not make things worse on the
    // fresh paths, and they are drawn.
    assert_ne!(c1.seed, 7);
    assert_eq!(c1.seed, check_seed(7));
    assert!(c1.realised_loss.mean <= c1.unmitigated_loss.mean * (1.0 + 1e-9));
    assert!(
        c1.realised_loss.lo95 <= c1.realised_loss.mean
            && c1.realised_loss.mean <= c1.realised_loss.hi95
    );
    let held: f64 = z1.plan.holdings.iter().map(|h| h.tonnes).sum();
    if held > 0.0 {
        assert!(c1.released_tonnes.iter().sum::<f64>() > 0.0);
    }
}

#[test]
fn the_check_seed_differs_from_the_sample_seed() {
    for seed in [0, 1, 7, 20_250_404, u64::MAX, u64::MAX / 3] {
        assert_ne!(check_seed(seed), seed);
    }
}
