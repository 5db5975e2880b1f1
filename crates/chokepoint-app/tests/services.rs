//! The application services on the bundled world: what the CLI and the server both call.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use chokepoint_app::AppError;
use chokepoint_app::licence::{CheckError, CheckOptions, check};
use chokepoint_app::simulate::{SimulateOptions, run};
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

fn scenario_text(name: &str) -> String {
    std::fs::read_to_string(root().join("data/scenarios").join(name)).unwrap()
}

#[test]
fn a_scenario_without_policies_equals_its_twin_and_bad_requests_say_where() {
    let (w, t) = (world(), timeline());
    let text = scenario_text("baseline.toml").replace("horizon_days = 365", "horizon_days = 60");
    let opts = SimulateOptions {
        runs: Some(16),
        replay: true,
        ..Default::default()
    };
    let sim = run(&w, &t, &text, "baseline.toml", &opts, &|| {}).unwrap();
    assert_eq!(sim.runs, 16);
    assert_eq!(sim.mc.replications.len(), 16);
    // The baseline is its own policy-free twin on the same seeds: no flow falls.
    assert!(!sim.report.flows.is_empty());
    for f in &sim.report.flows {
        assert_eq!(
            f.scenario.mean.to_bits(),
            f.baseline.mean.to_bits(),
            "{f:?}"
        );
    }
    let replay = sim.replay.expect("replay asked for");
    assert!(replay.replication < 16 && !replay.daily.is_empty() && !replay.nodes.is_empty());
    // Bad requests are invalid, with the place named.
    let zero = SimulateOptions {
        runs: Some(0),
        ..Default::default()
    };
    assert!(
        matches!(run(&w, &t, &text, "b", &zero, &|| {}), Err(AppError::Invalid(m)) if m.contains("--runs"))
    );
    let bad = text.replace("horizon_days = 60", "horizon_days = 0");
    match run(
        &w,
        &t,
        &bad,
        "bad.toml",
        &SimulateOptions::default(),
        &|| {},
    ) {
        Err(AppError::Invalid(m)) => {
            assert!(m.contains("bad.toml") && m.contains("horizon_days"), "{m}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_licence_service_checks_validates_and_traces() {
    let (w, t) = (world(), timeline());
    let baseline =
        chokepoint_scenario::Scenario::parse(&scenario_text("baseline.toml"), "baseline").unwrap();
    let bom = std::fs::read_to_string(root().join("examples/bom/jp_ev_motor.toml")).unwrap();
    let mut opts = CheckOptions {
        date: Some("2026-12-01".parse().unwrap()),
        to: None,
        end_use: None,
        end_user: None,
        general_licence: false,
        trace: true,
        today: "2026-12-07".parse().unwrap(),
    };
    let checks = check(&w, &t, &baseline, &bom, "jp_ev_motor.toml", &opts).unwrap();
    assert_eq!(checks.len(), 1);
    assert!(
        checks[0].origin[0].contains("traced"),
        "{:?}",
        checks[0].origin
    );
    assert_eq!(
        checks[0].verdict.licence,
        chokepoint_rules::LicenceStatus::Required
    );
    opts.to = Some("XXX".parse().unwrap());
    match check(&w, &t, &baseline, &bom, "jp_ev_motor.toml", &opts) {
        Err(CheckError::Option(flag, m)) => {
            assert_eq!(flag, "--to");
            assert!(m.contains("valid codes") && m.contains("JPN"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    opts.to = None;
    match check(
        &w,
        &t,
        &baseline,
        "[[product]]\nid = 3\n",
        "bad.toml",
        &opts,
    ) {
        Err(CheckError::Bom(d)) => assert!(d.0.iter().all(|x| x.file == "bad.toml")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_ranking_service_ranks_and_rejects_bad_options() {
    use chokepoint_app::chokepoints::{RankOptions, Runner, rank};
    let w = world();
    let baseline =
        chokepoint_scenario::Scenario::parse(&scenario_text("baseline.toml"), "baseline").unwrap();
    let mut opts = RankOptions {
        sector: "ev".into(),
        region: "JPN".into(),
        duration_days: 60,
        runs: 16,
        seed: 1,
        top: 5,
        facilities: true,
        country_stages: false,
        lanes: false,
        runner: Runner::LongRun,
        recovery_days: 30,
        no_stockpiles: false,
        restart_ramp: false,
        inventory_days: None,
        unit_value: None,
        fixed_inputs: true,
    };
    let long = rank(&w, baseline.clone(), &opts, &mut |_| {}).unwrap();
    assert_eq!(long.top.len(), 5);
    assert!(
        long.top
            .windows(2)
            .all(|p| p[0].lost.mean >= p[1].lost.mean)
    );
    // Every node's long-run loss is at most Japan's whole NEV demand over the outage.
    let demand = long.top[0].lost.mean / long.top[0].lost_share.max(1e-12);
    assert!(
        long.top
            .iter()
            .all(|n| n.lost.mean <= demand * (1.0 + 1e-9))
    );
    opts.runs = 0;
    assert!(
        rank(
            &w,
            chokepoint_scenario::Scenario::parse(&scenario_text("baseline.toml"), "b").unwrap(),
            &opts,
            &mut |_| {}
        )
        .is_err()
    );
}
