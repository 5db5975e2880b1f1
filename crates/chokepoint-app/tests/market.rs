//! The price section of `simulate` on the bundled world: known answers from the data rows,
//! determinism across thread counts, and bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use chokepoint_app::simulate::{SimulateOptions, Simulation, run};
use chokepoint_core::market::PriceTier;
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

fn heavy_ban(threads: usize) -> Simulation {
    let (w, t) = (world(), timeline());
    let text =
        scenario_text("heavy-ban-12m.toml").replace("horizon_days = 545", "horizon_days = 90");
    let opts = SimulateOptions {
        runs: Some(32),
        ..Default::default()
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| run(&w, &t, &text, "heavy-ban-12m.toml", &opts, &|| {}).unwrap())
}

#[test]
fn without_a_disruption_every_price_is_its_base_price() {
    let (w, t) = (world(), timeline());
    let text = scenario_text("baseline.toml").replace("horizon_days = 365", "horizon_days = 60");
    let opts = SimulateOptions {
        runs: Some(16),
        ..Default::default()
    };
    let sim = run(&w, &t, &text, "baseline.toml", &opts, &|| {}).unwrap();
    let p = sim.prices.expect("the dataset prices materials");
    assert!(!p.markets.is_empty());
    for m in &p.markets {
        for r in &m.rows {
            assert_eq!(
                r.price.mean, m.base.price,
                "{} {:?} {}",
                m.material, m.tier, r.month
            );
            assert_eq!(r.price.p95, m.base.price);
        }
        assert_eq!(m.extra_spend_usd.mean, 0.0);
    }
}

#[test]
fn a_heavy_ban_raises_dy_outside_china_and_is_the_same_at_any_thread_count() {
    let one = heavy_ban(1);
    let three = heavy_ban(3);
    let (a, b) = (one.prices.as_ref().unwrap(), three.prices.as_ref().unwrap());
    assert_eq!(
        serde_json::to_string(a).unwrap(),
        serde_json::to_string(b).unwrap(),
        "prices differ between 1 and 3 threads"
    );
    let dy = |tier| {
        a.markets
            .iter()
            .find(|m| m.material == "dy-oxide" && m.tier == tier)
            .expect("dy-oxide is priced")
    };
    let (ex, cn) = (dy(PriceTier::ExChina), dy(PriceTier::ChinaDomestic));
    // The base is the 2025 FOB China annual average (USGS MCS 2026): the latest row before 2026.
    assert_eq!(ex.base.price, 239.0);
    assert_eq!(ex.base.period, "2025");
    assert!(ex.peak_price > ex.base.price, "{}", ex.peak_price);
    // The shortage falls on buyers outside China; China's market gets the withheld exports.
    assert!(cn.rows.iter().all(|r| r.price.mean <= cn.base.price));
    // Elasticity range ordering: the low end moves the price more.
    let peak = ex.rows.iter().find(|r| r.month == ex.peak_month).unwrap();
    assert!(peak.price_low_elasticity >= peak.price.mean);
    assert!(peak.price.mean >= peak.price_high_elasticity);
    assert!(a.extra_spend_ex_china_usd.mean > 0.0);
}

#[test]
fn rare_earth_cost_per_ev_and_per_mw_by_hand_from_the_data_rows() {
    let sim = heavy_ban(2);
    let p = sim.prices.unwrap();
    let cost = |product: &str| {
        p.products
            .iter()
            .find(|c| c.product == product && c.tier == PriceTier::ExChina)
            .unwrap_or_else(|| panic!("{product} costed"))
            .base_usd
    };
    // materials.csv `nev`: Nd 0.566 kg, Pr 0.1887 kg, Dy 0.03774 kg, Tb 0.007547 kg per vehicle;
    // prices.csv 2025 FOB China: Nd2O3 73, Pr6O11 74, Dy2O3 239, Tb4O7 1010 USD/kg. Oxide mass
    // fractions (atomic weights, O 15.999): Nd2O3 0.857356, Pr6O11 0.827704, Dy2O3 0.871321,
    // Tb4O7 0.850215. 0.566/0.857356*73 + 0.1887/0.827704*74 + 0.03774/0.871321*239
    // + 0.007547/0.850215*1010 = 48.19 + 16.87 + 10.35 + 8.97 = 84.38 USD.
    assert!((cost("nev") - 84.38).abs() < 0.05, "{}", cost("nev"));
    // `wind-turbine-pm-mw`: Nd 136.5 kg, Pr 45.5 kg, Dy 26 kg per MW: 11622.5 + 4067.9 + 7131.6.
    assert!(
        (cost("wind-turbine-pm-mw") - 22821.94).abs() < 0.5,
        "{}",
        cost("wind-turbine-pm-mw")
    );
}

#[test]
fn a_bad_market_parameter_is_a_located_data_error() {
    let dir = std::env::temp_dir().join(format!("chokepoint-market-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("market_params.csv"),
        "material,tier,elasticity_low,elasticity_central,elasticity_high,source,assumption,note\n\
         dy-oxide,ex-china,-0.1,0.3,0.6,,test,\n\
         tb-oxide,ex-china,0.5,0.3,0.6,,test,\n\
         nd-oxide,nowhere,0.2,0.3,0.6,,test,\n",
    )
    .unwrap();
    let diags = match chokepoint_data::load(&[root().join("data").as_path(), dir.as_path()]) {
        Ok(_) => panic!("bad market parameters loaded"),
        Err(d) => format!("{d:?}"),
    };
    std::fs::remove_dir_all(&dir).ok();
    assert!(diags.contains("market_params.csv"), "{diags}");
    assert!(
        diags.contains("elasticity_low") && diags.contains("negative"),
        "{diags}"
    );
    assert!(diags.contains("not ordered"), "{diags}");
    assert!(diags.contains("nowhere"), "{diags}");
}

#[test]
fn a_priced_material_without_a_base_price_is_named_in_a_warning() {
    // The 2010 replay starts before any Nd oxide price row in prices.csv.
    let (w, t) = (world(), timeline());
    let text = scenario_text("embargo-2010-japan.toml")
        .replace("horizon_days = 240", "horizon_days = 40")
        .replace("trace_origin = true", "trace_origin = false");
    let opts = SimulateOptions {
        runs: Some(16),
        ..Default::default()
    };
    let sim = run(&w, &t, &text, "embargo-2010-japan.toml", &opts, &|| {}).unwrap();
    let p = sim.prices.unwrap();
    assert!(
        p.warnings
            .iter()
            .any(|m| m.contains("nd-oxide (ex-china)") && m.contains("2010-09-01")),
        "{:?}",
        p.warnings
    );
    assert!(p.markets.iter().all(|m| m.material != "nd-oxide"));
    // Dy oxide is priced from the January 2009 row.
    assert!(
        p.markets
            .iter()
            .any(|m| m.material == "dy-oxide" && m.base.period == "2009-01")
    );
}
