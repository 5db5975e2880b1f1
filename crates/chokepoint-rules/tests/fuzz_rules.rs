//! Fuzzing the policy and BOM parsers (issue 13, item 5): each case mutates a bundled input
//! (`data/policy/measures.toml`, `examples/bom/*.toml|csv`; the mutations are in
//! `chokepoint-data/tests/mutate/mod.rs`) and parses it: the policy as the timeline and as a user
//! layer over the bundled timeline, a BOM with the parser its extension picks. The parser must
//! return (a panic fails the case), and every diagnostic must be located: it names the file as
//! given, a line within the file or a record, and, when it is a TOML type or value error on a
//! `key = value` line, the field. Bytes that are not UTF-8 are replaced (the parsers take text; the CLI reads
//! files as UTF-8 and names the file when it cannot).
//!
//! Cases: `CHOKEPOINT_FUZZ_CASES` per target (default 64).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

#[path = "../../chokepoint-data/tests/mutate/mod.rs"]
mod mutate;

use chokepoint_rules::{BUNDLED_POLICY, Diagnostics, Timeline, parse_bom};
use mutate::{Format, Mutation, apply, line_count, mutations};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const BOMS: [&str; 4] = [
    "examples/bom/de_wind_generator.toml",
    "examples/bom/in_two_wheeler_motor.csv",
    "examples/bom/jp_ev_motor.toml",
    "examples/bom/us_munition_actuator.toml",
];

/// Whether 1-based line `line` of `text` is a TOML `key = value` line.
fn is_key_line(text: &str, line: usize) -> bool {
    text.lines().nth(line.wrapping_sub(1)).is_some_and(|l| {
        let t = l.trim_start();
        !t.starts_with('#') && !t.starts_with('[') && t.contains('=')
    })
}

fn check_located(
    diags: &Diagnostics,
    file: &str,
    text: &str,
    fmt: Format,
) -> Result<(), TestCaseError> {
    prop_assert!(!diags.is_empty(), "an error without diagnostics");
    for d in diags.iter() {
        let shown = d.to_string();
        prop_assert_eq!(&d.file, file, "{}", shown);
        prop_assert!(shown.starts_with(file), "{}", shown);
        prop_assert!(
            d.line.is_some() || !d.record.is_empty(),
            "diagnostic names neither a line nor a record: {shown}"
        );
        if let Some(line) = d.line {
            prop_assert!(
                line >= 1 && line <= line_count(text.as_bytes()),
                "line {line} is outside the file: {shown}"
            );
            prop_assert!(shown.starts_with(&format!("{file}:{line}")), "{shown}");
            // A type or value error (serde's wording) is about the value of a field.
            let about_a_value = [
                "invalid type",
                "invalid value",
                "unknown variant",
                "invalid length",
            ]
            .iter()
            .any(|p| d.message.starts_with(p));
            if fmt == Format::Toml && about_a_value && d.field.is_none() {
                prop_assert!(
                    !is_key_line(text, line),
                    "the diagnostic points at a `key = value` line but names no field: {shown}\nline: {:?}",
                    text.lines().nth(line - 1)
                );
            }
        }
        if let Some(f) = &d.field {
            prop_assert!(shown.contains(&format!("field `{f}`")), "{shown}");
        }
        prop_assert!(!d.message.trim().is_empty(), "no message: {shown}");
    }
    Ok(())
}

fn mutated(path: &str, fmt: Format, muts: &[Mutation]) -> String {
    let original = std::fs::read(root().join(path)).unwrap();
    String::from_utf8_lossy(&apply(&original, fmt, muts)).into_owned()
}

proptest! {
    #![proptest_config(mutate::config(64))]

    #[test]
    fn mutated_policy_parses_or_gives_located_diagnostics(muts in mutations()) {
        let text = mutated("data/policy/measures.toml", Format::Toml, &muts);
        let file = "data/policy/measures.toml";
        if let Err(e) = Timeline::from_toml(&text, file) {
            check_located(&e, file, &text, Format::Toml)?;
        }
        // The same text as a user layer over the bundled timeline.
        let mut t = Timeline::from_toml(BUNDLED_POLICY, "bundled.toml").unwrap();
        let before = t.measures().len();
        match t.layer(&text, "user.toml") {
            Ok(()) => prop_assert!(t.measures().len() >= before),
            Err(e) => {
                check_located(&e, "user.toml", &text, Format::Toml)?;
                // On error the timeline is unchanged.
                prop_assert_eq!(t.measures().len(), before);
            }
        }
    }

    #[test]
    fn mutated_bom_parses_or_gives_located_diagnostics(which in 0usize..BOMS.len(), muts in mutations()) {
        let path = BOMS[which];
        let fmt = if path.ends_with(".csv") { Format::Csv } else { Format::Toml };
        let text = mutated(path, fmt, &muts);
        match parse_bom(&text, path) {
            Ok(entries) => {
                for e in &entries {
                    for m in &e.product.materials {
                        prop_assert!(m.mass_kg.is_finite() && m.mass_kg >= 0.0);
                        prop_assert!(m.value_usd.is_finite() && m.value_usd >= 0.0);
                        prop_assert!(m.content.iter().all(|c| c.1.is_finite() && c.1 >= 0.0));
                        prop_assert!(m.re_origin.iter().all(|c| (0.0..=1.0).contains(&c.1)));
                    }
                }
            }
            Err(e) => check_located(&e, path, &text, fmt)?,
        }
    }
}

/// The harness itself: the bundled inputs parse, and a planted bad number is reported at its
/// line and field.
#[test]
fn harness_sees_a_planted_error() {
    for path in BOMS {
        let fmt = if path.ends_with(".csv") {
            Format::Csv
        } else {
            Format::Toml
        };
        let text = mutated(path, fmt, &[]);
        assert!(parse_bom(&text, path).is_ok(), "{path}");
    }
    let path = "examples/bom/jp_ev_motor.toml";
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("mass_kg"))
        .unwrap();
    // Material problems are reported at the material's `[[product.material]]` line.
    let table = text
        .lines()
        .take(line)
        .enumerate()
        .filter(|(_, l)| l.starts_with("[[product.material]]"))
        .last()
        .unwrap()
        .0;
    let good = text.lines().nth(line).unwrap();
    let bad = text.replacen(good, "mass_kg = -1.0", 1);
    let e = parse_bom(&bad, path).unwrap_err();
    let d = e.iter().next().unwrap();
    assert_eq!(d.line, Some(table + 1), "{e}");
    assert!(d.field.as_deref().unwrap_or("").ends_with("mass_kg"), "{e}");
}
