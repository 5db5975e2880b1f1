//! Fuzzing the scenario parser and compiler (issue 13, item 5): each case mutates a bundled
//! scenario (`data/scenarios/*.toml`; the mutations are in
//! `chokepoint-data/tests/mutate/mod.rs`), parses it, resolves its measures against the bundled
//! rule timeline, compiles it on the bundled world and, when it compiles, runs two replications
//! of at most 20 days. Every step must return (a panic fails the case). Every error must name the
//! file and a location in it: a TOML error its line, a check or compile error the scenario field
//! (a path from a top-level key, such as `disruption[0] (ban).from`). Bytes that are not UTF-8
//! are replaced (the parser takes text; the CLI reads files as UTF-8 and names the file when it
//! cannot).
//!
//! Cases: `CHOKEPOINT_FUZZ_CASES` (default 64).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

#[path = "../../chokepoint-data/tests/mutate/mod.rs"]
mod mutate;

use chokepoint_scenario::{Scenario, ScenarioError, compile, run};
use mutate::{Format, apply, mutations};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn world() -> &'static chokepoint_core::World {
    static W: OnceLock<chokepoint_core::World> = OnceLock::new();
    W.get_or_init(|| {
        chokepoint_data::load(&[root().join("data").as_path()])
            .map(|l| l.world)
            .unwrap_or_else(|d| panic!("{d:#?}"))
    })
}

fn timeline() -> &'static chokepoint_rules::Timeline {
    static T: OnceLock<chokepoint_rules::Timeline> = OnceLock::new();
    T.get_or_init(|| {
        let path = root().join("data/policy/measures.toml");
        chokepoint_rules::Timeline::from_toml(
            &std::fs::read_to_string(&path).unwrap(),
            "measures.toml",
        )
        .unwrap()
    })
}

fn scenarios() -> &'static [(String, Vec<u8>)] {
    static S: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    S.get_or_init(|| {
        let dir = root().join("data/scenarios");
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .filter(|p| {
                !p.file_name().is_some_and(|n| {
                    chokepoint_scenario::longrun::is_long_run_id(&n.to_string_lossy())
                })
            })
            .map(|p| {
                let name = format!(
                    "data/scenarios/{}",
                    p.file_name().unwrap().to_string_lossy()
                );
                (name, std::fs::read(&p).unwrap())
            })
            .collect();
        v.sort();
        assert!(v.len() >= 5, "{v:?}");
        v
    })
}

/// Top-level keys of a scenario file: every field an error names starts with one.
const TOP_LEVEL: &[&str] = &[
    "id",
    "title",
    "description",
    "start",
    "horizon_days",
    "demand_year",
    "runs",
    "seed",
    "inventory",
    "rationing",
    "disruption",
    "licensing",
    "trace_origin",
    "stockpiles",
    "unit_value_usd",
    "provenance",
];

fn check_located(e: &ScenarioError, file: &str) -> Result<(), TestCaseError> {
    let shown = e.to_string();
    prop_assert!(shown.starts_with(&format!("{file}: ")), "{shown}");
    match e {
        ScenarioError::Syntax { file: f, message } => {
            prop_assert_eq!(f, file);
            prop_assert!(
                message.contains(" line "),
                "a syntax error without its line: {shown}"
            );
        }
        ScenarioError::Invalid {
            file: f,
            field,
            message,
        } => {
            prop_assert_eq!(f, file);
            let head = field.split(['.', '[', ' ']).next().unwrap_or_default();
            prop_assert!(
                TOP_LEVEL.contains(&head),
                "the error names no field of the scenario file: {shown}"
            );
            prop_assert!(shown.contains(&format!("field `{field}`")), "{shown}");
            prop_assert!(!message.trim().is_empty(), "{shown}");
        }
    }
    Ok(())
}

fn run_case(file: &str, text: &str) -> Result<(), TestCaseError> {
    let mut s = match Scenario::parse(text, file) {
        Ok(s) => s,
        Err(e) => return check_located(&e, file),
    };
    prop_assert!(s.horizon_days > 0);
    if let Err(e) = s.resolve_measures(timeline(), file) {
        return check_located(&e, file);
    }
    let compiled = match compile(world(), &s, file) {
        Ok(c) => c,
        Err(e) => return check_located(&e, file),
    };
    prop_assert_eq!(i64::from(compiled.horizon), s.horizon_days);
    // A short run of what compiled: the kernel must take any compiled network.
    let mut short = compiled;
    short.horizon = short.horizon.min(20);
    let mc = run(&short, 2, 1, &|| {});
    match mc {
        Ok(mc) => {
            for r in &mc.replications {
                for lost in &r.lost_output {
                    prop_assert!(lost.is_finite() && *lost >= -1e-6, "lost output {lost}");
                }
            }
        }
        Err(e) => prop_assert!(!e.to_string().is_empty()),
    }
    Ok(())
}

proptest! {
    #![proptest_config(mutate::config(64))]

    #[test]
    fn mutated_scenario_compiles_or_gives_located_error(which in 0usize..5, muts in mutations()) {
        let all = scenarios();
        let (file, original) = &all[which % all.len()];
        let text = String::from_utf8_lossy(&apply(original, Format::Toml, &muts)).into_owned();
        run_case(file, &text)?;
    }
}

/// The harness itself: every bundled scenario goes through the whole path, and a planted bad
/// value is reported with its field.
#[test]
fn harness_sees_a_planted_error() {
    for (file, text) in scenarios() {
        let text = String::from_utf8_lossy(text);
        let mut s = Scenario::parse(&text, file).unwrap_or_else(|e| panic!("{e}"));
        s.resolve_measures(timeline(), file).unwrap();
        compile(world(), &s, file).unwrap_or_else(|e| panic!("{e}"));
    }
    let (file, text) = &scenarios()[0];
    let text = String::from_utf8_lossy(text);
    let line = text
        .lines()
        .find(|l| l.starts_with("horizon_days"))
        .unwrap();
    let bad = text.replacen(line, "horizon_days = -1", 1);
    let e = Scenario::parse(&bad, file).unwrap_err();
    assert!(
        matches!(&e, ScenarioError::Invalid { field, .. } if field == "horizon_days"),
        "{e}"
    );
}
