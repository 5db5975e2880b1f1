//! `optimise sourcing` on the bundled world: candidates from the dataset, paths from the
//! licensing scenario's replications, the MILP and its frontier.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use chokepoint_app::AppError;
use chokepoint_app::sourcing::{SourcingRequest, prepare, run};
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

fn licensing() -> String {
    std::fs::read_to_string(root().join("data/scenarios/licensing-2025-04.toml")).unwrap()
}

fn request(paths: u32) -> SourcingRequest {
    SourcingRequest {
        buyer: "JPN".into(),
        material: "dy-oxide".into(),
        demand_tonnes_per_year: Some(300.0),
        paths,
        frontier_points: 5,
        ..Default::default()
    }
}

#[test]
fn japan_dy_oxide_under_the_2025_licensing() {
    let (w, t) = (world(), timeline());
    let text = licensing();
    let r = run(&w, &t, &text, "licensing-2025-04.toml", &request(16)).unwrap();
    assert_eq!(r.scenario, "licensing-2025-04");
    assert_eq!((r.horizon_days, r.periods, r.paths), (365, 12, 16));
    // Candidates: the two plants making Dy oxide in the horizon; the rest excluded by date.
    let ids: Vec<&str> = r.suppliers.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["chn-heavy-separation", "lynas-malaysia-hre"]);
    let excluded: Vec<&str> = r.excluded.iter().map(|e| e.id.as_str()).collect();
    for id in [
        "lynas-malaysia-hre-expansion",
        "carester-caremag-separation",
        "energy-fuels-white-mesa-ph2",
    ] {
        assert!(excluded.contains(&id), "{id} not excluded: {excluded:?}");
    }
    // From the CSVs: China at the 2025 FOB average (239 USD/kg), capacity the 2024 figure a
    // 2025 run may know (3,411 t); Lynas at the April 2025 Argus Europe quote (280 USD/kg).
    let cn = &r.suppliers[0];
    assert_eq!(cn.price_usd_per_tonne, 239_000.0);
    assert_eq!(
        (cn.capacity_tonnes_per_year, cn.capacity_year),
        (3411.0, Some(2024))
    );
    assert!(
        cn.exposure.contains("8 licence applications CHN->JPN"),
        "{}",
        cn.exposure
    );
    let ly = &r.suppliers[1];
    assert_eq!(ly.price_usd_per_tonne, 280_000.0);
    assert!(
        ly.price_row.contains("europe,2025-04-01"),
        "{}",
        ly.price_row
    );
    assert!(ly.exposure.contains("in full"));
    // Lambda 0: the cheaper supplier covers all demand; Lynas, dearer, gets nothing.
    let p = &r.plan;
    assert!((p.contracts[0].tonnes_per_period * 12.0 - 300.0 * 365.0 / 365.25).abs() < 1e-6);
    assert_eq!(p.contracts[1].tonnes_per_period, 0.0);
    assert!(
        p.expected_shortfall_tonnes > 0.0,
        "licensing must cost some deliveries"
    );
    assert!(p.cvar.value >= p.expected_shortfall_tonnes);
    // The frontier's largest weight pays for less tail shortfall.
    let last = r.frontier.last().unwrap();
    assert!(last.cost > p.cost);
    assert!(last.cvar.value < p.cvar.value);
    // Capped at the demand it cannot over-contract China: no more than the demand in all,
    // and (a smaller feasible set) an objective no better than the uncapped one at that λ.
    let mut capped = request(16);
    capped.max_cover = Some(1.0);
    capped.lambda = last.lambda;
    let c = run(&w, &t, &text, "licensing-2025-04.toml", &capped).unwrap();
    let total: f64 = c.plan.contracts.iter().map(|k| k.tonnes_per_period).sum();
    assert!(total <= 300.0 * r.period_days / 365.25 + 1e-6);
    assert!(c.plan.objective >= last.objective - 1e-6 * last.objective.abs());
    for pair in r.frontier.windows(2) {
        assert!(pair[1].cost >= pair[0].cost - 1e-6);
        assert!(pair[1].cvar.value <= pair[0].cvar.value + 1e-6);
    }
}

#[test]
fn delivered_shares_follow_the_licence_timeline_and_do_not_depend_on_threads() {
    let (w, t) = (world(), timeline());
    let text = licensing();
    let req = request(16);
    let prep = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| prepare(&w, &t, &text, "licensing-2025-04.toml", &req))
            .unwrap()
    };
    let one = prep(1);
    let two = prep(2);
    assert_eq!(one.problem, two.problem);
    // Period 0 is days 0..=30; a review takes at least 20 days, so at most days 20..=30 of it
    // can ship under a licence.
    for path in &one.problem.paths {
        assert!(
            path.delivered[0][0] <= 11.0 / 31.0 + 1e-12,
            "{}",
            path.delivered[0][0]
        );
        // General licences from 2025-12-01 (day 241): periods 8.. ship in full.
        for row in &path.delivered[8..] {
            assert_eq!(row[0], 1.0);
        }
        // Lynas's circuit starts 2025-05-01 (day 27) and ramps over 365 days.
        assert!(path.delivered[0][1] < 0.01);
        assert!(path.delivered[11][1] > 0.8 && path.delivered[11][1] < 1.0);
    }
    // Some path is short of licences in mid-year (approval is drawn, refusals happen).
    assert!(one.problem.paths.iter().any(|p| p.delivered[3][0] < 1.0));
}

#[test]
fn bad_requests_say_which_input_or_constraint() {
    let (w, t) = (world(), timeline());
    let text = licensing();
    let f = "licensing-2025-04.toml";
    let invalid = |req: &SourcingRequest| match run(&w, &t, &text, f, req) {
        Err(AppError::Invalid(m)) => m,
        other => panic!("expected Invalid, got {other:?}"),
    };
    let mut req = request(2);
    req.buyer = "XYZ".into();
    assert!(invalid(&req).contains("--buyer"));
    let mut req = request(2);
    req.material = "la-oxide".into();
    assert!(invalid(&req).contains("no candidate supplier"));
    let mut req = request(2);
    req.demand_tonnes_per_year = Some(-1.0);
    assert!(invalid(&req).contains("--demand"));
    let mut req = request(2);
    req.paths = 0;
    assert!(invalid(&req).contains("--paths"));
    // More than China's and Lynas's capacities together: the nominal cover cannot be met.
    let mut req = request(2);
    req.demand_tonnes_per_year = Some(10_000.0);
    let m = invalid(&req);
    assert!(m.contains("nominal cover"), "{m}");
}

#[test]
fn the_out_of_sample_check_replays_the_mix_on_fresh_paths() {
    let (w, t) = (world(), timeline());
    let text = licensing();
    let req = SourcingRequest {
        check_paths: 8,
        frontier_points: 0,
        ..request(8)
    };
    let r = run(&w, &t, &text, "licensing-2025-04.toml", &req).unwrap();
    let c = r.out_of_sample.as_ref().expect("asked for a check");
    assert_eq!(c.paths, 8);
    assert_ne!(
        c.seed, r.seed,
        "the check must not reuse the in-sample seed"
    );
    let (lo, hi) = c.expected_shortfall_ci95;
    assert!(lo <= c.expected_shortfall_tonnes && c.expected_shortfall_tonnes <= hi);
    // Shortfall is bounded by the horizon's demand, and CVaR is at least the mean.
    let demand = r.plan.demand_tonnes;
    assert!((0.0..=demand + 1e-9).contains(&c.expected_shortfall_tonnes));
    assert!(c.cvar_tonnes + 1e-9 >= c.expected_shortfall_tonnes);
    assert!(
        (c.gap_tonnes - (c.expected_shortfall_tonnes - r.plan.expected_shortfall_tonnes)).abs()
            < 1e-9
    );

    let one = SourcingRequest {
        check_paths: 1,
        ..req
    };
    match run(&w, &t, &text, "licensing-2025-04.toml", &one) {
        Err(chokepoint_app::AppError::Invalid(m)) => assert!(m.contains("--check-paths"), "{m}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}
