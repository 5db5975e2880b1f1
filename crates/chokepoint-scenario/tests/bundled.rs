#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use chokepoint_scenario::{Scenario, compile, report, run};
use std::path::Path;

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn world() -> chokepoint_core::World {
    chokepoint_data::load(&[root().join("data").as_path()])
        .map(|l| l.world)
        .unwrap_or_else(|d| panic!("{d:#?}"))
}

fn scenario(name: &str) -> Scenario {
    let path = root().join("data/scenarios").join(name);
    Scenario::parse(
        &std::fs::read_to_string(&path).unwrap(),
        &path.display().to_string(),
    )
    .unwrap()
}

#[test]
fn baseline_compiles_and_runs() {
    let w = world();
    let s = scenario("baseline.toml");
    let c = compile(&w, &s, "baseline.toml").unwrap();
    for x in &c.warnings {
        eprintln!("warning: {x}");
    }
    for x in &c.assumptions {
        eprintln!("assumption: {x}");
    }
    let mc = run(&c, 4, 1, &|| {}).unwrap();
    let r = report(&w, &s, &c, &mc, 1);
    for row in &r.sectors {
        eprintln!(
            "{} {} demand {:.0} lost {:.1} ({:.4})",
            row.sector, row.country, row.demand_units, row.lost_units.mean, row.lost_share.mean
        );
    }
    for p in r.plants.iter().take(15) {
        eprintln!(
            "short: {} p={} first {:.0} days {:.0}",
            p.node, p.probability_short, p.first_short_day.mean, p.days_short.mean
        );
    }
    assert!(!r.sectors.is_empty());
}
