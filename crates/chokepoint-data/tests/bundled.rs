//! The bundled dataset: it loads with zero diagnostics, and it reproduces the published figures
//! the seed article quotes (USGS MCS 2025: China 44 of >90 Mt reserves = 48.89%, 270 of 390 kt
//! 2024 mine production = 69.23%).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use chokepoint_core::CountryCode;
use chokepoint_core::facility::Stage;
use chokepoint_core::stats::Edition;
use std::path::Path;

fn bundled() -> chokepoint_core::World {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    match chokepoint_data::load(&[dir.as_path()]) {
        Ok(l) => {
            assert!(l.warnings.is_empty(), "warnings: {:#?}", l.warnings);
            l.world
        }
        Err(d) => panic!("bundled dataset has {} diagnostics: {:#?}", d.0.len(), d.0),
    }
}

#[test]
fn seed_article_figures_from_mcs2025() {
    let w = bundled();
    let reserves = w.reserves_concentration(Edition::Mcs2025).unwrap();
    assert_eq!(reserves.total, 90_000_000.0);
    assert_eq!(format!("{:.2}", reserves.china_share * 100.0), "48.89");
    let prod = w.mining_concentration(Edition::Mcs2025, 2024).unwrap();
    assert_eq!(prod.total, 390_000.0);
    let china = prod
        .shares
        .iter()
        .find(|s| s.country == CountryCode::CHINA)
        .unwrap();
    assert_eq!(china.quantity, Some(270_000.0));
    assert_eq!(format!("{:.2}", prod.china_share * 100.0), "69.23");
}

#[test]
fn editions_are_kept_apart() {
    // MCS 2026 revised 2024 production: world 380 kt, Australia 29 kt (13 kt in MCS 2025).
    let w = bundled();
    let aus: CountryCode = "AUS".parse().unwrap();
    let qty = |e, y| {
        w.mining_concentration(e, y).and_then(|c| {
            c.shares
                .iter()
                .find(|s| s.country == aus)
                .and_then(|s| s.quantity)
        })
    };
    assert_eq!(qty(Edition::Mcs2025, 2024), Some(13_000.0));
    assert_eq!(qty(Edition::Mcs2026, 2024), Some(29_000.0));
    assert_eq!(
        w.mining_concentration(Edition::Mcs2026, 2024)
            .unwrap()
            .total,
        380_000.0
    );
}

#[test]
fn stage_shares_show_chinas_dominance_downstream() {
    // IEA: China ~90%+ of separation and of sintered magnets; the summary uses data years, not
    // the 2030 outlook.
    let w = bundled();
    let sep = w.stage_concentration(Stage::Separation, 2024).unwrap();
    assert!(sep.china_share >= 0.85, "separation {}", sep.label);
    let mag = w.stage_concentration(Stage::Magnet, 2024).unwrap();
    assert!(mag.china_share >= 0.85, "magnet {}", mag.label);
    assert!(!sep.label.contains("2030"));
}

#[test]
fn every_recipe_conserves_mass_and_world_totals_reconcile() {
    let w = bundled();
    for r in w.recipes.values() {
        assert!(w.recipe_mass_creation(r).is_empty(), "recipe {}", r.key);
    }
    // Modelled mine capacity reconciles with USGS world production (MCS 2026, 2025: 390 kt)
    // within 5%.
    let supply: f64 = w.element_supply().total();
    let usgs = 390_000.0;
    assert!(
        (supply - usgs).abs() / usgs < 0.05,
        "modelled {supply:.0} t REO vs USGS {usgs}"
    );
}

#[test]
fn facility_coverage() {
    let w = bundled();
    let named_outside_china = w
        .facilities
        .values()
        .filter(|f| !f.aggregate && f.country != CountryCode::CHINA)
        .count();
    assert!(
        named_outside_china >= 25,
        "{named_outside_china} named facilities outside China"
    );
    assert_eq!(chokepoint_core::Element::rare_earths().count(), 17);
}

#[test]
fn the_provenance_census_matches_the_files_row_by_row() {
    // Counted independently from the CSV rows: a row citing a source with no assumption is
    // sourced, one citing a source with an assumption is derived, one without a source assumed.
    // Recipes count once per recipe (its rows share one provenance), deposits by their
    // distribution rows.
    let w = bundled();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let mut expected = chokepoint_core::world::ProvenanceCensus::default();
    let files = [
        "facilities.csv",
        "facility_capacity.csv",
        "lanes.csv",
        "demand.csv",
        "deposit_distribution.csv",
        "stockpiles.csv",
        "mine_production.csv",
        "reserves.csv",
        "world_totals.csv",
        "stage_shares.csv",
        "stage_output.csv",
        "trade_flows.csv",
        "trade_shares.csv",
        "prices.csv",
        "supplier_terms.csv",
        "recipes.csv",
        "projects.csv",
        "market_params.csv",
    ];
    for f in files {
        let mut rdr = csv::Reader::from_path(dir.join(f)).unwrap();
        let headers = rdr.headers().unwrap().clone();
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let (s, a) = (col("source"), col("assumption"));
        let mut seen_recipes = std::collections::BTreeSet::new();
        for r in rdr.records() {
            let r = r.unwrap();
            if f == "recipes.csv" && !seen_recipes.insert(r[0].to_string()) {
                continue;
            }
            match (r[s].trim().is_empty(), r[a].trim().is_empty()) {
                (false, true) => expected.sourced += 1,
                (false, false) => expected.derived += 1,
                (true, _) => expected.assumed += 1,
            }
        }
    }
    let got = w.provenance_census();
    assert_eq!(got.total(), expected.total(), "{got:?} vs {expected:?}");
    assert_eq!(got, expected);
}
