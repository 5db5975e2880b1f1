//! Every bad-input class gets an exact diagnostic (file, line, record, field), and the loader
//! collects all of them instead of stopping at the first. Each test copies the small valid
//! fixture dataset, breaks one thing, and checks what the loader says about it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use chokepoint_data::{Diagnostic, DiagnosticKind as K, load};
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini")
}

/// A copy of the fixture with `edit(file_text) -> file_text` applied to one file.
fn broken(file: &str, edit: impl FnOnce(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(text)).unwrap();
    dir
}

fn diagnostics(dir: &Path) -> Vec<Diagnostic> {
    match load(&[dir]) {
        Ok(_) => Vec::new(),
        Err(d) => d.0,
    }
}

/// The single diagnostic of the given kind, checked for place.
fn expect(
    diags: &[Diagnostic],
    kind: K,
    file: &str,
    line: Option<u64>,
    record: Option<&str>,
    field: Option<&str>,
) -> Diagnostic {
    let found: Vec<&Diagnostic> = diags.iter().filter(|d| d.kind == kind).collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {kind:?} diagnostic, got {diags:#?}"
    );
    let d = found[0].clone();
    assert!(
        d.file.ends_with(file),
        "file {} should end with {file}",
        d.file
    );
    assert_eq!(d.line, line, "line of {d}");
    assert_eq!(d.record.as_deref(), record, "record of {d}");
    assert_eq!(d.field.as_deref(), field, "field of {d}");
    d
}

#[test]
fn fixture_loads_clean() {
    let loaded = load(&[fixture().as_path()]).unwrap_or_else(|d| panic!("{d:#?}"));
    let w = &loaded.world;
    assert_eq!(w.facilities.len(), 5);
    assert_eq!(w.lanes.len(), 4);
    // Co-production expanded: the separation recipe yields the four oxides of the ore.
    let sep = w.recipes.get(w.recipes.lookup("sep-run").unwrap());
    assert_eq!(sep.outputs.len(), 4);
    let nd = w.materials.lookup("nd-oxide").unwrap();
    let nd_out = sep
        .outputs
        .iter()
        .find(|l| l.material == nd)
        .unwrap()
        .quantity;
    assert!((nd_out - 0.15 * 0.95).abs() < 1e-12);
}

#[test]
fn malformed_file() {
    let dir = broken("lanes.csv", |t| t + "bad-lane,test-mine\n");
    let d = expect(
        &diagnostics(dir.path()),
        K::MalformedFile,
        "lanes.csv",
        Some(6),
        None,
        None,
    );
    assert!(d.message.contains("malformed CSV"), "{d}");
}

#[test]
fn missing_field_value() {
    let dir = broken("facilities.csv", |t| {
        t.replace(
            "test-sep,Test separation,Op,CHN,separation",
            "test-sep,Test separation,Op,,separation",
        )
    });
    expect(
        &diagnostics(dir.path()),
        K::MissingField,
        "facilities.csv",
        Some(3),
        Some("test-sep"),
        Some("country"),
    );
}

#[test]
fn missing_column() {
    let dir = broken("lanes.csv", |t| {
        t.replacen("lead_time_days,", "", 1)
            .replace(",30,100", ",100")
            .replace(",7,100", ",100")
            .replace(",21,100", ",100")
            .replace(",3,100", ",100")
    });
    expect(
        &diagnostics(dir.path()),
        K::MissingField,
        "lanes.csv",
        Some(1),
        None,
        Some("lead_time_days"),
    );
}

#[test]
fn unknown_field() {
    let dir = broken("sectors.csv", |t| t.replacen("note,", "colour,", 1));
    let d = expect(
        &diagnostics(dir.path()),
        K::UnknownField,
        "sectors.csv",
        Some(1),
        None,
        Some("colour"),
    );
    assert!(d.message.contains("expected only"), "{d}");
}

#[test]
fn duplicate_id() {
    let dir = broken("lanes.csv", |t| {
        t + "mine-to-sep,test-mine,test-sep,test-conc,30,100,,,dup\n"
    });
    let d = expect(
        &diagnostics(dir.path()),
        K::DuplicateId,
        "lanes.csv",
        Some(6),
        Some("mine-to-sep"),
        None,
    );
    assert!(d.message.contains("line 2"), "{d}");
}

#[test]
fn dangling_reference() {
    let dir = broken("lanes.csv", |t| {
        t.replace(
            "magnet-to-motor,test-magnet,test-motor",
            "magnet-to-motor,test-magnet,no-such-plant",
        )
    });
    let d = expect(
        &diagnostics(dir.path()),
        K::DanglingReference,
        "lanes.csv",
        Some(5),
        Some("magnet-to-motor"),
        Some("to"),
    );
    assert!(d.message.contains("no-such-plant"), "{d}");
}

#[test]
fn negative_quantity() {
    let dir = broken("facility_capacity.csv", |t| {
        t.replace("test-magnet,magnet,100,", "test-magnet,magnet,-100,")
    });
    expect(
        &diagnostics(dir.path()),
        K::NegativeOrNonFinite,
        "facility_capacity.csv",
        Some(3),
        Some("test-magnet/magnet"),
        Some("capacity"),
    );
}

#[test]
fn non_finite_quantity() {
    let dir = broken("mine_production.csv", |t| {
        t.replace("mcs2025,USA,2024,45000", "mcs2025,USA,2024,NaN")
    });
    expect(
        &diagnostics(dir.path()),
        K::NegativeOrNonFinite,
        "mine_production.csv",
        Some(3),
        Some("mcs2025/USA/2024"),
        Some("production_t_reo"),
    );
}

#[test]
fn shares_not_summing() {
    let dir = broken("stage_shares.csv", |t| {
        t.replace("magnet,JPN,2024,10", "magnet,JPN,2024,5")
    });
    let d = expect(
        &diagnostics(dir.path()),
        K::SharesDoNotSum,
        "stage_shares.csv",
        Some(2),
        Some("magnet/2024"),
        Some("share_pct"),
    );
    assert!(d.message.contains("95.00%"), "{d}");
}

#[test]
fn deposit_shares_not_summing() {
    let dir = broken("deposit_distribution.csv", |t| {
        t.replace("test-ore,Pr,5", "test-ore,Pr,15")
    });
    expect(
        &diagnostics(dir.path()),
        K::SharesDoNotSum,
        "deposit_distribution.csv",
        Some(2),
        Some("test-ore"),
        Some("share_pct"),
    );
}

#[test]
fn recipe_that_creates_mass() {
    // 0.31 t Nd metal cannot make a magnet that is 40% Nd.
    let dir = broken("recipes.csv", |t| {
        t.replace(
            "magnet-run,test-magnet,in,nd-metal,0.31",
            "magnet-run,test-magnet,in,nd-metal,0.25",
        )
    });
    let d = expect(
        &diagnostics(dir.path()),
        K::RecipeCreatesMass,
        "recipes.csv",
        Some(6),
        Some("magnet-run"),
        Some("quantity"),
    );
    assert!(d.message.contains("Nd"), "{d}");
}

#[test]
fn reversed_date_range() {
    let dir = broken("facilities.csv", |t| {
        t.replace("2020-01-01,2030-01-01", "2030-01-01,2020-01-01")
    });
    expect(
        &diagnostics(dir.path()),
        K::ReversedDateRange,
        "facilities.csv",
        Some(4),
        Some("test-metal"),
        Some("end"),
    );
}

#[test]
fn unit_mismatch() {
    let dir = broken("facility_capacity.csv", |t| {
        t.replace(
            "test-magnet,magnet,100,t/yr",
            "test-magnet,magnet,100,unit/yr",
        )
    });
    let d = expect(
        &diagnostics(dir.path()),
        K::UnitMismatch,
        "facility_capacity.csv",
        Some(3),
        Some("test-magnet/magnet"),
        Some("capacity_unit"),
    );
    assert!(d.message.contains("expected `t/yr`"), "{d}");
}

#[test]
fn source_not_in_registry() {
    let dir = broken("prices.csv", |t| t.replace("usgs-mcs2025", "argus-2099"));
    let d = expect(
        &diagnostics(dir.path()),
        K::UnknownSource,
        "prices.csv",
        Some(2),
        Some("nd-oxide/fob-china/2024"),
        Some("source"),
    );
    assert!(d.message.contains("argus-2099"), "{d}");
}

#[test]
fn missing_provenance() {
    let dir = broken("lanes.csv", |t| {
        t.replace(",3,100,,,test fixture", ",3,100,,,")
    });
    expect(
        &diagnostics(dir.path()),
        K::MissingProvenance,
        "lanes.csv",
        Some(5),
        Some("magnet-to-motor"),
        Some("source"),
    );
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let dir = broken("lanes.csv", |t| {
        t.replace(",30,100,", ",-30,100,").replace(
            "sep-to-metal,test-sep,test-metal",
            "sep-to-metal,nowhere,test-metal",
        )
    });
    let diags = diagnostics(dir.path());
    assert!(
        diags
            .iter()
            .any(|d| d.kind == K::NegativeOrNonFinite && d.line == Some(2))
    );
    assert!(
        diags
            .iter()
            .any(|d| d.kind == K::DanglingReference && d.line == Some(3))
    );
}

#[test]
fn overlay_replaces_and_adds_by_id() {
    let user = tempfile::tempdir().unwrap();
    std::fs::write(
        user.path().join("facility_capacity.csv"),
        "facility,material,capacity,capacity_unit,note,source,assumption\ntest-magnet,magnet,250,t/yr,,,user expansion plan\n",
    )
    .unwrap();
    std::fs::write(
        user.path().join("countries.csv"),
        "iso3,name,source,assumption\nDEU,Germany,iso-3166,\n",
    )
    .unwrap();
    let base = fixture();
    let loaded = load(&[base.as_path(), user.path()]).unwrap_or_else(|d| panic!("{d:#?}"));
    let w = &loaded.world;
    let f = w
        .facilities
        .get(w.facilities.lookup("test-magnet").unwrap());
    assert_eq!(f.capacities.len(), 1, "replaced, not duplicated");
    assert_eq!(f.capacities[0].per_year, 250.0);
    assert!(w.country("DEU".parse().unwrap()).is_some());
    assert_eq!(w.countries.len(), 5);
}

#[test]
fn missing_directory_is_an_error_not_a_panic() {
    let diags = diagnostics(Path::new("/definitely/not/here"));
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].kind, K::MissingFile);
}
