//! Behaviour of the bundled timeline and the checker on dates and thresholds taken from the
//! instruments themselves.

use chokepoint_core::{CountryCode, Date, Element};
use chokepoint_rules::vocab::Goods;
use chokepoint_rules::{
    BUNDLED_POLICY, EndUse, EndUser, Form, LicenceStatus, MaterialSpec, Presumption, Product,
    ProductSpec, Shipment, State, StepKind, TariffClass, Timeline, parse_bom_csv, parse_bom_toml,
};

const FILE: &str = "data/policy/measures.toml";

fn timeline() -> Timeline {
    Timeline::from_toml(BUNDLED_POLICY, FILE).expect("bundled policy parses")
}

fn d(s: &str) -> Date {
    s.parse().expect("test date")
}

fn c(s: &str) -> CountryCode {
    s.parse().expect("test country")
}

/// A single-material product: `form` of `element` at `fraction`, all value in the material.
fn raw(id: &str, form: Form, content: &[(Element, f64)], made_in: &str) -> Product {
    Product::new(ProductSpec {
        id: id.into(),
        name: id.into(),
        form,
        goods: None,
        technologies: vec![],
        tariff_class: TariffClass::General,
        made_in: c(made_in),
        tech_origin: None,
        value_usd: None,
        materials: vec![MaterialSpec {
            name: id.into(),
            form,
            mass_kg: 1.0,
            value_usd: 100.0,
            content: content.to_vec(),
            re_origin: vec![(c(made_in), 1.0)],
        }],
    })
    .expect("valid test product")
}

/// A foreign-made component whose magnet line (value `magnet_value` of `product_value`) has the
/// given rare-earth origin.
fn component(
    made_in: &str,
    product_value: f64,
    magnet_value: f64,
    content: &[(Element, f64)],
    origin: &[(&str, f64)],
) -> Product {
    Product::new(ProductSpec {
        id: "motor".into(),
        name: "motor".into(),
        form: Form::Component,
        goods: None,
        technologies: vec![],
        tariff_class: TariffClass::AutoPart,
        made_in: c(made_in),
        tech_origin: Some(c(made_in)),
        value_usd: Some(product_value),
        materials: vec![MaterialSpec {
            name: "NdFeB magnet".into(),
            form: Form::Magnet,
            mass_kg: 1.5,
            value_usd: magnet_value,
            content: content.to_vec(),
            re_origin: origin.iter().map(|(k, v)| (c(k), *v)).collect(),
        }],
    })
    .expect("valid test product")
}

fn ship<'a>(p: &'a Product, from: &str, to: &str, date: &str) -> Shipment<'a> {
    Shipment {
        product: p,
        exporter: c(from),
        destination: c(to),
        end_user: EndUser::Civil,
        end_use: EndUse::Automotive,
        date: d(date),
        holds_general_licence: false,
    }
}

const DY_MAGNET: &[(Element, f64)] = &[
    (Element::Nd, 0.2325),
    (Element::Pr, 0.0775),
    (Element::Dy, 0.009),
];

#[test]
fn bundled_policy_covers_the_issue_and_states_as_of() {
    let t = timeline();
    assert_eq!(t.as_of(), Some(d("2026-02-01")));
    for id in [
        "cn-2010-japan-halt",
        "cn-re-export-quotas",
        "mofcom-2023-ga-ge",
        "mofcom-2023-graphite",
        "most-2023-tech-catalogue-prohibited",
        "mofcom-2024-antimony",
        "mofcom-2024-46-art2",
        "mofcom-2025-72",
        "mofcom-2025-18",
        "mofcom-2025-55",
        "mofcom-2025-56",
        "mofcom-2025-57",
        "mofcom-2025-58",
        "mofcom-2025-61-art1",
        "mofcom-2025-61-art2",
        "mofcom-2025-62",
        "mofcom-2025-70",
        "cn-2025-general-licences",
        "us-jpn-autos-2025",
        "us-kor-2025",
        "us-ind-reciprocal-2025",
        "us-chn-fentanyl-10",
    ] {
        assert!(t.get(id).is_some(), "missing {id}");
    }
    // No. 70 suspends every article of No. 61 through `part_of`.
    let s61: Vec<&str> = t
        .suspensions_of("mofcom-2025-61-art2")
        .iter()
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(s61, ["mofcom-2025-70"]);
    // Memory is flagged in citations.
    assert!(
        t.get("cn-2010-japan-halt")
            .unwrap()
            .citation()
            .contains("memory")
    );
    assert!(
        !t.get("mofcom-2025-70")
            .unwrap()
            .citation()
            .contains("memory")
    );
    // The core header carries an exclusive end.
    let h = t.get("mofcom-2025-70").unwrap().to_header().unwrap();
    assert_eq!(h.end, Some(d("2026-11-11")));
}

#[test]
fn no_18_starts_on_publication_day() {
    let t = timeline();
    let dy = raw("dy-oxide", Form::Oxide, &[(Element::Dy, 0.871)], "CHN");
    assert_eq!(
        t.check_fast(&ship(&dy, "CHN", "USA", "2025-04-03")).licence,
        LicenceStatus::NotRequired
    );
    let v = t.check(&ship(&dy, "CHN", "USA", "2025-04-04"));
    assert_eq!(v.licence, LicenceStatus::Required);
    assert_eq!(v.jurisdictions[0].required_under, ["mofcom-2025-18"]);
    assert_eq!(v.jurisdictions[0].review_working_days, Some(45));
}

#[test]
fn no_70_window_is_inclusive_at_both_ends() {
    let t = timeline();
    let id = "mofcom-2025-61-art1";
    assert_eq!(t.in_force(id, d("2025-10-08")), Some(false)); // not yet
    assert_eq!(t.in_force(id, d("2025-10-09")), Some(true)); // on publication
    assert_eq!(t.in_force(id, d("2025-11-06")), Some(true));
    assert_eq!(t.in_force(id, d("2025-11-07")), Some(false)); // No. 70 from 7 Nov
    assert_eq!(t.in_force(id, d("2026-11-10")), Some(false)); // "until 10 Nov 2026" inclusive
    assert_eq!(t.in_force(id, d("2026-11-11")), Some(true)); // revives per the text
    let st = t.status_on(d("2026-11-10"));
    let s = st.iter().find(|s| s.measure.id == id).unwrap();
    assert_eq!(s.state, State::Suspended);
    assert_eq!(s.suspended_by[0].id, "mofcom-2025-70");
}

#[test]
fn the_2010_halt_and_the_quota_era_boundaries() {
    let t = timeline();
    let nd = raw("nd-oxide", Form::Oxide, &[(Element::Nd, 0.857)], "CHN");
    let at = |date: &str, to: &str| t.check_fast(&ship(&nd, "CHN", to, date)).licence;
    assert_eq!(at("2010-09-20", "JPN"), LicenceStatus::Required); // quota only
    assert_eq!(at("2010-09-21", "JPN"), LicenceStatus::Prohibited);
    assert_eq!(at("2010-11-20", "JPN"), LicenceStatus::Prohibited); // last day inclusive
    assert_eq!(at("2010-11-21", "JPN"), LicenceStatus::Required);
    assert_eq!(at("2010-10-01", "USA"), LicenceStatus::Required); // the halt was Japan only
    assert_eq!(at("2014-12-31", "USA"), LicenceStatus::Required);
    assert_eq!(at("2015-01-01", "USA"), LicenceStatus::NotRequired); // quotas removed, exclusive end
}

#[test]
fn no_72_suspends_article_2_of_no_46_only_until_27_nov_2026() {
    let t = timeline();
    let ga = raw("ga-metal", Form::Metal, &[(Element::Ga, 1.0)], "CHN");
    // Before No. 72: Ga/Ge licensing and No. 46 Art. 2 both apply; denial in principle.
    let v = t.check(&ship(&ga, "CHN", "USA", "2025-01-10"));
    let j = &v.jurisdictions[0];
    assert_eq!(
        j.required_under,
        ["mofcom-2023-ga-ge", "mofcom-2024-46-art2"]
    );
    assert_eq!(j.presumption, Presumption::Denial);
    // During the suspension (last day inclusive): licence, standard review.
    for date in ["2025-11-09", "2026-11-27"] {
        let f = t.check_fast(&ship(&ga, "CHN", "USA", date));
        assert_eq!(f.presumption, Presumption::Standard, "{date}");
        assert_eq!(f.suspended_hits, 1, "{date}");
    }
    assert_eq!(
        t.check_fast(&ship(&ga, "CHN", "USA", "2026-11-28"))
            .presumption,
        Presumption::Denial
    );
    // Not to Japan: Art. 2 is US-specific.
    assert_eq!(
        t.check_fast(&ship(&ga, "CHN", "JPN", "2025-01-10"))
            .presumption,
        Presumption::Standard
    );
}

#[test]
fn military_end_user_in_the_us_is_prohibited_and_unknown_end_user_is_a_gap() {
    let t = timeline();
    let ga = raw("ga-metal", Form::Metal, &[(Element::Ga, 1.0)], "CHN");
    let mut s = ship(&ga, "CHN", "USA", "2025-12-15");
    s.end_user = EndUser::Military;
    assert_eq!(t.check_fast(&s).licence, LicenceStatus::Prohibited);
    s.end_user = EndUser::Unknown;
    let v = t.check(&s);
    // Still needs a licence under the Ga/Ge controls, but the end-user question is open.
    assert_eq!(v.licence, LicenceStatus::Required);
    assert_eq!(v.summary.gaps, 1);
    assert!(v.jurisdictions[0].gaps[0].contains("end user not stated"));
}

#[test]
fn content_rule_exactly_at_the_threshold_applies() {
    let t = timeline();
    // After No. 70's stated end: Art. 2 in force per the data (with a staleness warning).
    let date = "2026-11-11";
    let at = component("JPN", 100.0, 0.1, DY_MAGNET, &[("CHN", 1.0)]);
    let v = t.check(&ship(&at, "JPN", "USA", date));
    assert_eq!(v.licence, LicenceStatus::Required);
    let j = v
        .jurisdictions
        .iter()
        .find(|j| j.jurisdiction == c("CHN"))
        .unwrap();
    assert_eq!(j.required_under, ["mofcom-2025-61-art2"]);
    assert!(
        j.explanation[0]
            .text
            .contains("contains 0.1% by value Chinese-origin")
    );
    assert!(j.explanation[0].text.contains("threshold 0.1%"));
    assert!(
        v.warnings
            .iter()
            .any(|w| w.contains("after the policy data's newest source"))
    );
    assert!(
        v.warnings
            .iter()
            .any(|w| w.contains("No. 70 of 2025 ended on 2026-11-10"))
    );

    let below = component("JPN", 100.0, 0.0999, DY_MAGNET, &[("CHN", 1.0)]);
    let v = t.check(&ship(&below, "JPN", "USA", date));
    let cn = v
        .jurisdictions
        .iter()
        .find(|j| j.jurisdiction == c("CHN"))
        .unwrap();
    assert_eq!(cn.licence, LicenceStatus::NotRequired);
    assert_eq!(cn.explanation[0].kind, StepKind::Info);
    assert!(cn.explanation[0].text.contains("below the threshold"));
    // Only the Chinese-origin share counts.
    let half = component("JPN", 100.0, 0.15, DY_MAGNET, &[("CHN", 0.5), ("AUS", 0.5)]);
    assert_eq!(
        t.check_fast(&ship(&half, "JPN", "USA", date)).licence,
        LicenceStatus::NotRequired
    );
}

#[test]
fn unknown_origin_that_could_cross_the_threshold_is_a_gap() {
    let t = timeline();
    let p = component("JPN", 1000.0, 43.79, DY_MAGNET, &[("CHN", 0.0)]);
    let v = t.check(&ship(&p, "JPN", "USA", "2026-12-01"));
    assert_eq!(v.licence, LicenceStatus::Undetermined);
    let cn = v
        .jurisdictions
        .iter()
        .find(|j| j.jurisdiction == c("CHN"))
        .unwrap();
    assert!(cn.gaps[0].contains("unstated origin"));
}

#[test]
fn the_issue_example_suspended_content_rule_is_explained() {
    let t = timeline();
    // 3.5 of 1000 USD: 0.35% Chinese-origin Dy-bearing material.
    let p = component("JPN", 1000.0, 3.5, &[(Element::Dy, 0.05)], &[("CHN", 1.0)]);
    let v = t.check(&ship(&p, "JPN", "USA", "2025-12-15"));
    assert_eq!(v.licence, LicenceStatus::NotRequired);
    let cn = v
        .jurisdictions
        .iter()
        .find(|j| j.jurisdiction == c("CHN"))
        .unwrap();
    assert_eq!(cn.suspended[0].measure, "mofcom-2025-61-art2");
    let text = &cn.explanation[0].text;
    assert!(
        text.contains("contains 0.35% by value Chinese-origin listed items with Dy"),
        "{text}"
    );
    assert!(text.contains("threshold 0.1%"), "{text}");
    assert!(text.contains("No. 61 of 2025 Art. 2"), "{text}");
    assert!(
        text.contains("suspended by No. 70 of 2025 from 2025-11-07 to 2026-11-10"),
        "{text}"
    );
    // The US tariff on Japanese auto parts applies on the same shipment.
    let us = v
        .jurisdictions
        .iter()
        .find(|j| j.jurisdiction == c("USA"))
        .unwrap();
    let tariff = us.tariff.as_ref().unwrap();
    assert_eq!(tariff.rate, 0.15);
    assert!((tariff.duty_usd - 150.0).abs() < 1e-9);
    assert!(tariff.includes_mfn);
}

#[test]
fn the_content_rule_was_never_in_force_before_the_suspension() {
    // Effective 1 Dec 2025, suspended from 7 Nov 2025: on 2025-11-20 it is not yet in its window.
    let t = timeline();
    let p = component("JPN", 1000.0, 43.79, DY_MAGNET, &[("CHN", 1.0)]);
    let f = t.check_fast(&ship(&p, "JPN", "USA", "2025-11-20"));
    assert_eq!(f.licence, LicenceStatus::NotRequired);
    assert_eq!(f.suspended_hits, 0);
}

#[test]
fn nested_suspensions_revive_the_suspended_measure() {
    let mut t = timeline();
    let user = r#"
[[measure]]
id = "user-lift-70"
jurisdiction = "CHN"
instrument = "suspension"
title = "Hypothetical: No. 70 lifted early"
effective = 2026-01-01
suspends = ["mofcom-2025-70"]
sources = [{ cite = "scenario", confidence = "memory" }]

[[measure]]
id = "user-restore-70"
jurisdiction = "CHN"
instrument = "suspension"
title = "Hypothetical: the lifting itself paused"
effective = 2026-03-01
end = 2026-03-31
end_inclusive = true
suspends = ["user-lift-70"]
sources = [{ cite = "scenario", confidence = "memory" }]
"#;
    t.layer(user, "scenario.toml").expect("layer parses");
    let p = component("JPN", 1000.0, 43.79, DY_MAGNET, &[("CHN", 1.0)]);
    let at = |date: &str| t.check_fast(&ship(&p, "JPN", "USA", date)).licence;
    assert_eq!(at("2025-12-31"), LicenceStatus::NotRequired); // No. 70 in force
    assert_eq!(at("2026-01-01"), LicenceStatus::Required); // No. 70 suspended: No. 61 revives
    assert_eq!(at("2026-03-01"), LicenceStatus::NotRequired); // lift paused: No. 70 back
    assert_eq!(at("2026-04-01"), LicenceStatus::Required);
    assert_eq!(t.files(), [FILE, "scenario.toml"]);
}

#[test]
fn suspension_cycles_are_rejected_and_leave_the_timeline_unchanged() {
    let mut t = timeline();
    let n = t.measures().len();
    let user = r#"
[[measure]]
id = "a"
jurisdiction = "CHN"
instrument = "suspension"
title = "a"
effective = 2026-01-01
suspends = ["b"]
sources = [{ cite = "x", confidence = "memory" }]
[[measure]]
id = "b"
jurisdiction = "CHN"
instrument = "suspension"
title = "b"
effective = 2026-01-01
suspends = ["a"]
sources = [{ cite = "x", confidence = "memory" }]
"#;
    let e = t.layer(user, "cycle.toml").unwrap_err();
    assert!(e.to_string().contains("suspension cycle"), "{e}");
    assert_eq!(t.measures().len(), n);
}

#[test]
fn a_user_layer_replaces_a_measure_by_id() {
    let mut t = timeline();
    let p = component("IND", 300.0, 14.6, DY_MAGNET, &[("CHN", 1.0)]);
    let mut p = p;
    p.tariff_class = TariffClass::General;
    let rate = |t: &Timeline| {
        t.check_fast(&ship(&p, "IND", "USA", "2025-12-15"))
            .tariff_rate
    };
    assert_eq!(rate(&t), Some(0.5));
    let user = r#"
[meta]
as_of = 2026-11-20
[[measure]]
id = "us-ind-russia-oil-2025"
jurisdiction = "USA"
instrument = "tariff"
title = "Russian-oil tariff, ended (hypothetical)"
effective = 2025-08-27
end = 2025-12-01
end_inclusive = false
tariff = { rate = 0.25, basis = "additional", origins = ["IND"], classes = ["general"] }
sources = [{ cite = "user", confidence = "memory" }]
"#;
    t.layer(user, "mine.toml").unwrap();
    assert_eq!(rate(&t), Some(0.25));
    assert_eq!(
        t.get("us-ind-russia-oil-2025").unwrap().origin_file,
        "mine.toml"
    );
    assert_eq!(t.as_of(), Some(d("2026-11-20")));
}

#[test]
fn an_item_in_two_measures_reports_both() {
    let t = timeline();
    let ga = raw("ga-metal", Form::Metal, &[(Element::Ga, 1.0)], "CHN");
    let mut s = ship(&ga, "CHN", "USA", "2025-01-10");
    s.end_user = EndUser::Military;
    s.end_use = EndUse::Military;
    let v = t.check(&s);
    let j = &v.jurisdictions[0];
    assert_eq!(
        j.required_under,
        [
            "mofcom-2023-ga-ge",
            "mofcom-2024-46-art1",
            "mofcom-2024-46-art2"
        ]
    );
    assert_eq!(j.licence, LicenceStatus::Prohibited);
}

#[test]
fn elements_outside_the_control_list_pass_with_a_note() {
    let t = timeline();
    let ndpr = raw(
        "ndpr-oxide",
        Form::Oxide,
        &[(Element::Nd, 0.64), (Element::Pr, 0.21)],
        "CHN",
    );
    let v = t.check(&ship(&ndpr, "CHN", "USA", "2025-12-15"));
    assert_eq!(v.licence, LicenceStatus::NotRequired);
    assert!(
        v.notes.iter().any(|n| n.starts_with("Pr, Nd: not named")),
        "{:?}",
        v.notes
    );
    // A Dy-free NdFeB magnet from China is not under No. 18 either.
    let magnet = raw("ndfeb", Form::Magnet, &[(Element::Nd, 0.31)], "CHN");
    assert!(
        t.check_fast(&ship(&magnet, "CHN", "DEU", "2025-12-15"))
            .licence
            .is_clear()
    );
    // A component is not a listed form for No. 18 even if its magnet contains Dy.
    let motor = component("CHN", 1000.0, 43.79, DY_MAGNET, &[("CHN", 1.0)]);
    assert!(
        t.check_fast(&ship(&motor, "CHN", "DEU", "2025-12-15"))
            .licence
            .is_clear()
    );
}

#[test]
fn shipped_from_china_versus_re_exported_from_a_third_country() {
    let t = timeline();
    let dy = raw("dy-oxide", Form::Oxide, &[(Element::Dy, 0.871)], "CHN");
    let from_china = t.check(&ship(&dy, "CHN", "USA", "2025-10-20"));
    assert_eq!(
        from_china.jurisdictions[0].required_under,
        ["mofcom-2025-18"]
    );
    // Chinese-made Dy oxide re-exported from Japan: No. 18 does not reach it, No. 61 Art. 1 does.
    let re = t.check(&ship(&dy, "JPN", "USA", "2025-10-20"));
    assert_eq!(re.jurisdictions[0].required_under, ["mofcom-2025-61-art1"]);
    assert!(
        re.jurisdictions[0].explanation[0]
            .text
            .contains("CHN-made item re-exported from JPN")
    );
    // ... until No. 70 suspends it.
    let later = t.check(&ship(&dy, "JPN", "USA", "2025-12-15"));
    assert_eq!(later.licence, LicenceStatus::NotRequired);
    assert_eq!(
        later.jurisdictions[0].suspended[0].measure,
        "mofcom-2025-61-art1"
    );
}

#[test]
fn end_use_policies_set_the_presumption_or_leave_a_gap() {
    let t = timeline();
    let p = component("JPN", 1000.0, 43.79, DY_MAGNET, &[("CHN", 1.0)]);
    let mut s = ship(&p, "JPN", "USA", "2026-12-01");
    s.end_use = EndUse::AdvancedSemiconductor;
    assert_eq!(t.check_fast(&s).presumption, Presumption::CaseByCase);
    s.end_use = EndUse::Military;
    assert_eq!(t.check_fast(&s).presumption, Presumption::Denial);
    s.end_use = EndUse::Unknown;
    let v = t.check(&s);
    assert_eq!(v.licence, LicenceStatus::Required);
    assert!(v.summary.gaps >= 1);
    assert!(
        v.jurisdictions
            .iter()
            .any(|j| j.gaps.iter().any(|g| g.contains("not stated")))
    );
}

#[test]
fn general_licences_cut_review_for_holders() {
    let t = timeline();
    let dy = raw("dy-oxide", Form::Oxide, &[(Element::Dy, 0.871)], "CHN");
    let mut s = ship(&dy, "CHN", "USA", "2025-12-15");
    let f = t.check_fast(&s);
    assert_eq!(
        (f.review_working_days, f.general_licence_available),
        (Some(45), true)
    );
    s.holds_general_licence = true;
    let f = t.check_fast(&s);
    assert_eq!(
        (f.licence, f.review_working_days, f.general_licence_used),
        (LicenceStatus::Required, Some(0), true)
    );
    // Before Dec 2025 there is none.
    s.date = d("2025-11-30");
    assert_eq!(t.check_fast(&s).review_working_days, Some(45));
}

#[test]
fn tariff_boundaries() {
    let t = timeline();
    let mut p = component("CHN", 1000.0, 43.79, DY_MAGNET, &[("CHN", 1.0)]);
    p.tariff_class = TariffClass::General;
    let rate = |date: &str| t.check_fast(&ship(&p, "CHN", "USA", date)).tariff_rate;
    assert_eq!(rate("2025-11-09"), Some(0.20));
    assert_eq!(rate("2025-11-10"), Some(0.10));
    let jp = component("JPN", 1000.0, 43.79, DY_MAGNET, &[("CHN", 1.0)]);
    let rate = |date: &str| t.check_fast(&ship(&jp, "JPN", "USA", date)).tariff_rate;
    assert_eq!(rate("2025-09-15"), None); // Section 232 era: not modelled
    assert_eq!(rate("2025-09-16"), Some(0.15));
}

#[test]
fn technology_transfers() {
    let t = timeline();
    let p = Product::new(ProductSpec {
        id: "know-how".into(),
        name: "separation know-how".into(),
        form: Form::Technology,
        goods: None,
        technologies: vec![chokepoint_rules::vocab::Technology::ReSeparation],
        tariff_class: TariffClass::General,
        made_in: c("CHN"),
        tech_origin: Some(c("CHN")),
        value_usd: Some(0.0),
        materials: vec![],
    })
    .unwrap();
    assert_eq!(
        t.check_fast(&ship(&p, "CHN", "MYS", "2023-12-20")).licence,
        LicenceStatus::NotRequired
    );
    assert_eq!(
        t.check_fast(&ship(&p, "CHN", "MYS", "2023-12-21")).licence,
        LicenceStatus::Prohibited
    );
    // Superhard goods to the US: No. 46 Art. 2, then No. 55 suspended by No. 70.
    let sh = Product::new(ProductSpec {
        id: "diamond".into(),
        name: "diamond micropowder".into(),
        form: Form::Other,
        goods: Some(Goods::SuperhardMaterial),
        technologies: vec![],
        tariff_class: TariffClass::General,
        made_in: c("CHN"),
        tech_origin: None,
        value_usd: Some(10.0),
        materials: vec![],
    })
    .unwrap();
    let f = t.check_fast(&ship(&sh, "CHN", "USA", "2025-12-15"));
    assert_eq!(
        (f.licence, f.suspended_hits),
        (LicenceStatus::NotRequired, 2)
    );
}

#[test]
fn fast_and_full_paths_agree() {
    let t = timeline();
    let products = [
        raw("dy", Form::Oxide, &[(Element::Dy, 0.871)], "CHN"),
        raw("ga", Form::Metal, &[(Element::Ga, 1.0)], "CHN"),
        raw("sm", Form::Magnet, &[(Element::Sm, 0.25)], "CHN"),
        component("JPN", 1000.0, 43.79, DY_MAGNET, &[("CHN", 1.0)]),
        component("JPN", 1000.0, 43.79, DY_MAGNET, &[]),
    ];
    let dates = [
        "2010-10-01",
        "2014-06-01",
        "2025-04-04",
        "2025-10-20",
        "2025-12-15",
        "2026-11-11",
    ];
    for p in &products {
        for from in ["CHN", "JPN", "USA"] {
            for to in ["USA", "JPN", "DEU"] {
                for date in dates {
                    for user in [EndUser::Civil, EndUser::Military, EndUser::Unknown] {
                        let mut s = ship(p, from, to, date);
                        s.end_user = user;
                        assert_eq!(
                            t.check(&s).summary,
                            t.check_fast(&s),
                            "{} {from} {to} {date}",
                            p.id
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn example_boms_give_the_expected_answers() {
    let t = timeline();
    let jp = parse_bom_toml(
        include_str!("../../../examples/bom/jp_ev_motor.toml"),
        "jp_ev_motor.toml",
    )
    .unwrap();
    let e = &jp[0];
    let s = |date: &str| Shipment {
        product: &e.product,
        exporter: e.exporter,
        destination: e.destination.unwrap(),
        end_user: e.end_user,
        end_use: e.end_use,
        date: d(date),
        holds_general_licence: false,
    };
    assert_eq!(
        t.check_fast(&s("2025-12-15")).licence,
        LicenceStatus::NotRequired
    );
    assert_eq!(t.check_fast(&s("2025-12-15")).suspended_hits, 1);
    assert_eq!(
        t.check_fast(&s("2026-11-23")).licence,
        LicenceStatus::Required
    );

    let wind = parse_bom_toml(
        include_str!("../../../examples/bom/de_wind_generator.toml"),
        "w.toml",
    )
    .unwrap();
    assert_eq!(wind[0].product.value_usd, 1_500_000.0);
    let act = parse_bom_toml(
        include_str!("../../../examples/bom/us_munition_actuator.toml"),
        "a.toml",
    )
    .unwrap();
    assert_eq!(act[0].end_user, EndUser::Military);
    let two = parse_bom_csv(
        include_str!("../../../examples/bom/in_two_wheeler_motor.csv"),
        "t.csv",
    )
    .unwrap();
    assert_eq!(two[0].product.materials.len(), 1);
    assert_eq!(two[0].destination, Some(c("USA")));
}
