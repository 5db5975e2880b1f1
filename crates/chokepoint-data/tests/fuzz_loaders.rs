//! Fuzzing the dataset loader (issue 13, item 5): each case copies the bundled `data/*.csv`,
//! mutates one file (see `mutate/mod.rs`) and loads it, either as the dataset itself or as a
//! user overlay layered over the bundled dataset. The loader must return (a panic fails the
//! case), and every diagnostic must be located: it names a file that exists in one of the layers,
//! a line within that file, and, for every kind of problem that sits in a field, a column of that
//! file's schema. A world that loads must pass the core's cross-record checks.
//!
//! Cases: `CHOKEPOINT_FUZZ_CASES` (default 32).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod mutate;

use chokepoint_data::{Diagnostic, DiagnosticKind as K, load, schemas};
use mutate::{Format, Mutation, apply, line_count, mutations};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// The dataset's CSV files, in schema order.
fn files() -> Vec<&'static str> {
    schemas::ALL.iter().map(|s| s.file).collect()
}

/// Kinds of problem that always sit in one field (the others are about a line or a record).
fn needs_field(kind: K) -> bool {
    !matches!(
        kind,
        K::MalformedFile | K::MissingFile | K::DuplicateId | K::Inconsistent
    )
}

/// Checks that a diagnostic is located; `layers` are the directories loaded.
fn check_located(d: &Diagnostic, layers: &[&Path]) -> Result<(), TestCaseError> {
    let shown = d.to_string();
    let path = Path::new(&d.file);
    prop_assert!(
        layers.iter().any(|l| path.starts_with(l)) && path.is_file(),
        "diagnostic does not name a file of the dataset: {shown}"
    );
    prop_assert!(shown.contains(&d.file), "{shown}");
    let line = d.line;
    prop_assert!(line.is_some(), "diagnostic without a line: {shown}");
    let line = line.unwrap_or(0);
    let text = std::fs::read(path).unwrap();
    prop_assert!(
        line >= 1 && line as usize <= line_count(&text),
        "line {line} is outside the file ({} lines): {shown}",
        line_count(&text)
    );
    prop_assert!(shown.contains(&format!(":{line}")), "{shown}");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let schema = schemas::ALL.iter().find(|s| s.file == name);
    prop_assert!(schema.is_some(), "not a dataset file: {shown}");
    if needs_field(d.kind) {
        prop_assert!(d.field.is_some(), "no field: {shown}");
    }
    if let (Some(field), Some(schema)) = (&d.field, schema)
        && d.kind != K::UnknownField
    {
        prop_assert!(
            schema.columns.contains(&field.as_str()),
            "field `{field}` is not a column of {name}: {shown}"
        );
        prop_assert!(shown.contains(&format!("field `{field}`")), "{shown}");
    }
    prop_assert!(!d.message.trim().is_empty(), "no message: {shown}");
    Ok(())
}

fn run_case(file: &str, muts: &[Mutation], overlay: bool) -> Result<(), TestCaseError> {
    let base = bundled();
    let original = std::fs::read(base.join(file)).unwrap();
    let mutated = apply(&original, Format::Csv, muts);
    let dir = tempfile::tempdir().unwrap();
    let layers_owned: Vec<PathBuf> = if overlay {
        std::fs::write(dir.path().join(file), &mutated).unwrap();
        vec![base.clone(), dir.path().to_path_buf()]
    } else {
        for f in files() {
            std::fs::copy(base.join(f), dir.path().join(f)).unwrap();
        }
        std::fs::write(dir.path().join(file), &mutated).unwrap();
        vec![dir.path().to_path_buf()]
    };
    let layers: Vec<&Path> = layers_owned.iter().map(PathBuf::as_path).collect();
    match load(&layers) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                check_located(w, &layers)?;
            }
            let issues = loaded.world.validate();
            prop_assert!(
                issues.is_empty(),
                "a loaded world fails validation: {issues:?}"
            );
        }
        Err(diags) => {
            prop_assert!(diags.has_errors());
            for d in &diags.0 {
                check_located(d, &layers)?;
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(mutate::config(32))]

    #[test]
    fn mutated_dataset_loads_or_gives_located_diagnostics(
        file in 0usize..schemas::ALL.len(),
        muts in mutations(),
        overlay in any::<bool>(),
    ) {
        run_case(files()[file], &muts, overlay)?;
    }
}

/// The harness itself: the unmutated bundled dataset loads through the same path, and a known
/// bad value is reported where it is.
#[test]
fn harness_sees_a_planted_error() {
    let base = bundled();
    let layers = [base.as_path()];
    assert!(load(&layers).is_ok());
    let text = std::fs::read(base.join("lanes.csv")).unwrap();
    let lines = line_count(&text);
    assert!(lines > 3);
    let dir = tempfile::tempdir().unwrap();
    // lead_time_days of the first data line becomes NaN.
    let header = String::from_utf8_lossy(&text);
    let col = header
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == "lead_time_days")
        .unwrap();
    let data_line = header
        .lines()
        .position(|l| !l.starts_with('#') && !l.starts_with("id,"))
        .unwrap();
    let m = Mutation::SetField {
        line: data_line,
        field: col,
        value: 0,
    };
    let mutated = apply(&text, Format::Csv, &[m]);
    std::fs::write(dir.path().join("lanes.csv"), mutated).unwrap();
    let err = load(&[base.as_path(), dir.path()]).unwrap_err();
    let d = err
        .0
        .iter()
        .find(|d| d.kind == K::NegativeOrNonFinite)
        .unwrap_or_else(|| panic!("{err:#?}"));
    assert_eq!(d.line, Some(data_line as u64 + 1), "{d}");
    assert_eq!(d.field.as_deref(), Some("lead_time_days"), "{d}");
}
