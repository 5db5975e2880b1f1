//! `projects.csv`: the bundled projects load, and bad rows give located errors (file, line,
//! record, field) rather than a panic or a silent default.

use chokepoint_data::{Diagnostic, DiagnosticKind, load, load_bundled};
use std::path::Path;

const HEADER: &str = "id,name,facility,material,capacity,capacity_unit,start,ramp_years,delay_probability_pct,delay_years,source,assumption,note\n";

fn overlay(rows: &str) -> Vec<Diagnostic> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("projects.csv"), format!("{HEADER}{rows}")).expect("write");
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    match load(&[base.as_path(), dir.path()]) {
        Ok(_) => Vec::new(),
        Err(d) => d.0,
    }
}

fn find<'a>(d: &'a [Diagnostic], field: &str) -> &'a Diagnostic {
    d.iter()
        .find(|x| x.field.as_deref() == Some(field))
        .unwrap_or_else(|| panic!("no diagnostic on `{field}` in {d:?}"))
}

#[test]
fn bundled_projects_load_with_their_facilities() {
    let w = load_bundled(None).expect("bundled dataset loads").world;
    assert!(w.projects.len() >= 20, "{}", w.projects.len());
    let caremag = w
        .projects
        .iter()
        .find(|p| p.key == "caremag-separation")
        .expect("Caremag is a project");
    assert_eq!(w.facilities.get(caremag.facility).country.as_str(), "FRA");
    assert_eq!(caremag.start.year, 2026);
    assert!((caremag.start.as_year() - 2026.5).abs() < 1e-12);
    for p in &w.projects {
        assert!(!p.provenance.is_empty(), "{} has no provenance", p.key);
    }
}

#[test]
fn negative_capacity_is_a_located_error() {
    let d =
        overlay("bad-cap,x,solvay-la-rochelle,nd-oxide,-5,t REO,2027,1,0,0,,assumption: test,\n");
    let e = find(&d, "capacity");
    assert_eq!(e.kind, DiagnosticKind::NegativeOrNonFinite);
    assert!(e.file.ends_with("projects.csv"), "{}", e.file);
    assert_eq!(e.line, Some(2));
    assert_eq!(e.record.as_deref(), Some("bad-cap/nd-oxide"));
}

#[test]
fn start_year_out_of_range_is_a_located_error() {
    let d = overlay("late,x,solvay-la-rochelle,nd-oxide,5,t REO,2099,1,0,0,,assumption: test,\n");
    let e = find(&d, "start");
    assert_eq!(e.kind, DiagnosticKind::InvalidValue);
    assert!(e.message.contains("out of range"), "{}", e.message);
    let d = overlay(
        "bad-month,x,solvay-la-rochelle,nd-oxide,5,t REO,2027-13,1,0,0,,assumption: test,\n",
    );
    assert!(find(&d, "start").message.contains("1..=12"));
}

#[test]
fn unknown_facility_and_bad_probability_are_located_errors() {
    let d = overlay(
        "ghost,x,no-such-plant,nd-oxide,5,t REO,2027,1,0,0,,assumption: test,\n\
         odds,x,solvay-la-rochelle,nd-oxide,5,t REO,2027,1,150,1,,assumption: test,\n\
         unit,x,solvay-la-rochelle,nd-oxide,5,t,2027,1,0,0,,assumption: test,\n",
    );
    let e = find(&d, "facility");
    assert_eq!(e.kind, DiagnosticKind::DanglingReference);
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("no-such-plant"));
    let e = find(&d, "delay_probability_pct");
    assert_eq!(e.line, Some(3));
    let e = find(&d, "capacity_unit");
    assert_eq!(e.kind, DiagnosticKind::UnitMismatch);
    assert_eq!(e.line, Some(4));
}
