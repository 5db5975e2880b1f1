//! Bad input gives diagnostics naming file, line/row, record and field; nothing panics.

use chokepoint_rules::{BUNDLED_POLICY, Diagnostics, Timeline, parse_bom_csv, parse_bom_toml};
use proptest::prelude::*;

fn policy_err(text: &str) -> Diagnostics {
    Timeline::from_toml(text, "user.toml").expect_err("should be rejected")
}

const GOOD: &str = r#"
[[measure]]
id = "x-1"
jurisdiction = "CHN"
instrument = "export-licensing"
title = "t"
effective = 2025-01-01
items = [{ elements = ["Dy"], forms = ["oxide"] }]
sources = [{ cite = "c", confidence = "sourced" }]
"#;

#[test]
fn a_minimal_policy_parses() {
    let t = Timeline::from_toml(GOOD, "user.toml").unwrap();
    assert_eq!(t.measures().len(), 1);
    assert_eq!(t.as_of(), None);
}

#[test]
fn unknown_element_and_country_name_the_field_and_line() {
    let text = GOOD
        .replace("\"Dy\"", "\"Dx\"")
        .replace("\"CHN\"", "\"China\"");
    let e = policy_err(&text);
    let s = e.to_string();
    assert!(
        s.contains("user.toml:2: measure x-1: field `jurisdiction`"),
        "{s}"
    );
    assert!(
        s.contains("field `items[0].elements`: unknown element `Dx`"),
        "{s}"
    );
    assert_eq!(e.len(), 2);
}

#[test]
fn malformed_dates_are_reported() {
    let e = policy_err(&GOOD.replace("effective = 2025-01-01", "effective = \"2025-13-01\""));
    assert!(
        e.to_string()
            .contains("field `effective`: `2025-13-01` is not a valid date"),
        "{e}"
    );
    let e = policy_err(&GOOD.replace("effective = 2025-01-01", "effective = \"1 Dec 2025\""));
    assert!(e.to_string().contains("expected YYYY-MM-DD"), "{e}");
    // A TOML-level date error carries its line.
    let e = policy_err(&GOOD.replace("effective = 2025-01-01", "effective = 2025-02-30"));
    assert!(e.to_string().starts_with("user.toml:7"), "{e}");
    let e = policy_err(&GOOD.replace(
        "effective = 2025-01-01",
        "effective = 2025-01-01\nend = 2024-01-01\nend_inclusive = false",
    ));
    assert!(
        e.to_string().contains("is before the effective date"),
        "{e}"
    );
}

#[test]
fn dangling_suspension_targets_and_typos_are_reported() {
    let text = r#"
[[measure]]
id = "s"
jurisdiction = "CHN"
instrument = "suspension"
title = "s"
effective = 2026-01-01
suspends = ["mofcom-2099-1"]
sources = [{ cite = "c", confidence = "memory" }]
"#;
    let mut t = Timeline::from_toml(BUNDLED_POLICY, "bundled").unwrap();
    let e = t.layer(text, "user.toml").unwrap_err();
    assert!(
        e.to_string().contains("`mofcom-2099-1` matches no measure"),
        "{e}"
    );
    let e = policy_err(&GOOD.replace("title = \"t\"", "titel = \"t\""));
    assert!(e.to_string().contains("unknown field `titel`"), "{e}");
    let e = policy_err(&GOOD.replace("confidence = \"sourced\"", "confidence = \"sure\""));
    assert!(e.to_string().contains("sources[0].confidence"), "{e}");
    let e = policy_err(&GOOD.replace(
        "items = [{ elements = [\"Dy\"], forms = [\"oxide\"] }]",
        "items = [{ forms = [\"oxide\"] }]",
    ));
    assert!(e.to_string().contains("would match everything"), "{e}");
}

const BOM: &str = r#"
[[product]]
id = "p1"
form = "component"
made_in = "JPN"
value_usd = 100.0

[[product.material]]
name = "magnet"
form = "magnet"
mass_kg = 1.0
value_usd = 10.0
content = { Nd = 0.3, Dy = 0.01 }
re_origin = { CHN = 1.0 }
"#;

#[test]
fn toml_bom_errors_name_product_material_and_field() {
    assert!(parse_bom_toml(BOM, "bom.toml").is_ok());
    let e =
        parse_bom_toml(&BOM.replace("mass_kg = 1.0", "mass_kg = -1.0"), "bom.toml").unwrap_err();
    assert_eq!(
        e.to_string(),
        "bom.toml:8: product p1: field `materials[0].mass_kg`: mass -1 is negative"
    );
    let e = parse_bom_toml(&BOM.replace("CHN = 1.0", "CHN = 1.5"), "bom.toml").unwrap_err();
    assert!(e.to_string().contains("materials[0].re_origin"), "{e}");
    assert!(
        e.to_string().contains("above 100%") || e.to_string().contains("outside [0, 1]"),
        "{e}"
    );
    let e = parse_bom_toml(&BOM.replace("Nd = 0.3", "Nd = 0.995"), "bom.toml").unwrap_err();
    assert!(
        e.to_string().contains("sum to 1.005 (100.5%), above 100%"),
        "{e}"
    );
    let e = parse_bom_toml(&BOM.replace("Dy = 0.01", "Xy = 0.01"), "bom.toml").unwrap_err();
    assert!(
        e.to_string()
            .contains("field `materials[0].content.Xy`: unknown element `Xy`"),
        "{e}"
    );
    let e = parse_bom_toml(
        &BOM.replace("made_in = \"JPN\"", "made_in = \"Japan\""),
        "bom.toml",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("bom.toml:2: product p1: field `made_in`"),
        "{e}"
    );
    let e = parse_bom_toml(
        &BOM.replace(
            "value_usd = 100.0",
            "value_usd = 100.0\ndate = \"2025-02-30\"",
        ),
        "bom.toml",
    )
    .unwrap_err();
    assert!(e.to_string().contains("field `date`"), "{e}");
    let e = parse_bom_toml("[[product]\n", "bom.toml").unwrap_err();
    assert!(e.to_string().starts_with("bom.toml:1"), "{e}");
}

const CSV: &str = "product,product_form,made_in,destination,product_value_usd,material,material_form,mass_kg,value_usd,content,re_origin
p1,component,JPN,USA,100,magnet,magnet,1,10,Nd:0.3;Dy:0.01,CHN:1
p1,,,,,second magnet,magnet,1,10,Sm:0.25,CHN:0.5;AUS:0.5
";

#[test]
fn csv_bom_errors_name_row_and_column() {
    let ok = parse_bom_csv(CSV, "bom.csv").unwrap();
    assert_eq!(ok[0].product.materials.len(), 2);
    let e = parse_bom_csv(&CSV.replace(",1,10,Sm", ",-2,10,Sm"), "bom.csv").unwrap_err();
    assert!(
        e.to_string()
            .contains("bom.csv:3: product p1: field `mass_kg`: mass -2 is negative"),
        "{e}"
    );
    let e = parse_bom_csv(
        &CSV.replace("CHN:0.5;AUS:0.5", "CHN:0.9;AUS:0.5"),
        "bom.csv",
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("bom.csv:3") && e.to_string().contains("above 100%"),
        "{e}"
    );
    let e = parse_bom_csv(&CSV.replace("Sm:0.25", "Qq:0.25"), "bom.csv").unwrap_err();
    assert!(
        e.to_string()
            .contains("bom.csv:3: row 3 product p1: field `content`: unknown element `Qq`"),
        "{e}"
    );
    let e =
        parse_bom_csv(&CSV.replace("p1,,,,,second", "p1,,KOR,,,second"), "bom.csv").unwrap_err();
    assert!(
        e.to_string()
            .contains("field `made_in`: contradicts an earlier row"),
        "{e}"
    );
    let e = parse_bom_csv(&CSV.replace("JPN,USA", "JPN,US"), "bom.csv").unwrap_err();
    assert!(e.to_string().contains("field `destination`"), "{e}");
    let e = parse_bom_csv(&CSV.replace("made_in", "madein"), "bom.csv").unwrap_err();
    assert!(
        e.to_string()
            .contains("header: field `madein`: unknown column"),
        "{e}"
    );
    let e = parse_bom_csv(&CSV.replace(",10,Nd", ",ten,Nd"), "bom.csv").unwrap_err();
    assert!(
        e.to_string()
            .contains("field `value_usd`: `ten` is not a number"),
        "{e}"
    );
}

proptest! {
    // Arbitrary text never panics the parsers.
    #[test]
    fn parsers_do_not_panic(s in ".{0,400}") {
        let _ = Timeline::from_toml(&s, "fuzz.toml");
        let _ = parse_bom_toml(&s, "fuzz.toml");
        let _ = parse_bom_csv(&s, "fuzz.csv");
    }

    // Arbitrary numbers in a BOM either parse or give diagnostics; accepted BOMs satisfy the
    // invariants.
    #[test]
    fn bom_numbers_are_validated(mass in -10.0f64..10.0, share in -0.5f64..1.5, origin in -0.5f64..1.5) {
        let text = BOM
            .replace("mass_kg = 1.0", &format!("mass_kg = {mass:?}"))
            .replace("Dy = 0.01", &format!("Dy = {share:?}"))
            .replace("CHN = 1.0", &format!("CHN = {origin:?}"));
        match parse_bom_toml(&text, "p.toml") {
            Ok(v) => {
                let m = &v[0].product.materials[0];
                prop_assert!(m.mass_kg >= 0.0);
                prop_assert!(m.content.iter().map(|x| x.1).sum::<f64>() <= 1.0 + 1e-9);
                prop_assert!(m.re_origin.iter().all(|x| (0.0..=1.0).contains(&x.1)));
            }
            Err(e) => prop_assert!(!e.is_empty()),
        }
    }
}
