//! Concentration, dependence and criticality inputs on the mini fixture (hand-computed).

mod common;

use chokepoint_analysis::concentration::{
    Subject, capacity_table, dependence, import_reliance_table, modelled_concentration,
    published_concentrations,
};
use chokepoint_analysis::criticality::{Verdict, jrc, jrc_inputs_from_world};
use chokepoint_analysis::wgi::Wgi;
use chokepoint_core::facility::Stage;
use chokepoint_core::stats::Edition;
use chokepoint_core::{CountryCode, Element};

#[test]
fn published_mining_concentration_excludes_the_residual() {
    let w = common::mini();
    let p = published_concentrations(&w, Edition::Mcs2025);
    let mining = p.iter().find(|c| c.stage == "mining").expect("mining row");
    // 270/390 = 0.692308, 45/390 = 0.115385; ZZO (75/390) is out of the HHI:
    // HHI = 0.692308² + 0.115385² = 0.479290 + 0.013314 = 0.492604.
    assert!((mining.concentration.china_share - 270.0 / 390.0).abs() < 1e-12);
    assert!((mining.concentration.hhi - 0.492_604).abs() < 1e-6);
    let magnet = p.iter().find(|c| c.stage == "magnet").expect("magnet row");
    // Published 90/10: HHI = 0.81 + 0.01 = 0.82.
    assert!((magnet.concentration.hhi - 0.82).abs() < 1e-12);
}

#[test]
fn modelled_element_concentration_follows_capacity() {
    let w = common::mini();
    let t = capacity_table(&w);
    // The only mine is in the USA: 100% of modelled Nd mining, HHI 1, China 0.
    let nd = modelled_concentration(&t, Subject::Element(Element::Nd), Stage::Mining).expect("Nd");
    assert_eq!(nd.concentration.shares.len(), 1);
    assert_eq!(
        (nd.concentration.hhi, nd.concentration.china_share),
        (1.0, 0.0)
    );
    // Nd in 1000 t REO of concentrate at 15% Nd2O3: 150 × 0.857 34 = 128.6 t Nd.
    assert!(
        (nd.concentration.total - 150.0 * Element::Nd.element_fraction_of_oxide()).abs() < 1e-6
    );
    // Magnets: 100 t at 30% Nd = 30 t Nd, all in Japan.
    let mag =
        modelled_concentration(&t, Subject::Element(Element::Nd), Stage::Magnet).expect("magnet");
    assert!((mag.concentration.total - 30.0).abs() < 1e-9);
    assert!(modelled_concentration(&t, Subject::Element(Element::Dy), Stage::Mining).is_none());
}

#[test]
fn dependence_shows_sources_and_reliance() {
    let w = common::mini();
    let rel = import_reliance_table().expect("table");
    let d = dependence(&w, Some("USA"), &rel);
    assert_eq!(d.len(), 1);
    let us = &d[0];
    assert_eq!((us.year, us.china_share), (2023, 0.7));
    assert!((us.hhi - 0.49).abs() < 1e-12);
    // USGS MCS 2026: >90% for 2023, stored as its lower bound.
    assert_eq!(us.import_reliance.value, Some(0.9));
    assert!(us.import_reliance.to_string().contains(">90%"));
}

#[test]
fn jrc_on_the_mini_world_says_what_is_not_sourced() {
    let w = common::mini();
    let rel = import_reliance_table().expect("table");
    let wgi = Wgi::embedded().expect("wgi");
    let i = jrc_inputs_from_world(&w, Subject::Element(Element::Nd), Stage::Mining, &rel);
    // Global supply: 100% USA (scaled WGI 10 × (1 − 0.69885) = 3.0115) → HHI_WGI = 3.0115.
    let r = jrc(&i, &wgi).expect("valid");
    let usa: CountryCode = "USA".parse().expect("code");
    assert_eq!(r.hhi_wgi_gs.terms[0].country, usa);
    assert!((r.hhi_wgi_gs.value.unwrap_or(0.0) - 3.0115).abs() < 1e-4);
    // No EU27 trade data in the fixture: EU sourcing, IR, EoL-RIR, SI_SR are not sourced.
    let text = r.sr.to_string();
    assert!(
        text.starts_with("input not sourced: EU sourcing shares, IR, EoL-RIR, SI_SR"),
        "{text}"
    );
    assert_eq!(r.verdict, Verdict::Undetermined);
}
