//! `chokepoint project`: runs the bundled long-run scenarios, writes its files, and refuses bad
//! input with exit code 2 and a message naming the field.

use std::process::{Command, Output};

fn chokepoint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chokepoint"))
        .args(args)
        .output()
        .expect("runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn project_prints_the_year_table_and_history() {
    let o = chokepoint(&["project", "--runs", "8", "--from", "2020", "--to", "2030"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("long-baseline"), "{out}");
    for y in 2020..=2030 {
        assert!(out.contains(&format!("\n{y} ")), "year {y} missing:\n{out}");
    }
    assert!(out.contains("china-share-of-japan-supply"), "{out}");
    let o = chokepoint(&[
        "project",
        "--scenario",
        "long-japan-2030",
        "--region",
        "JPN",
        "--runs",
        "4",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(&text(&o.stdout)).expect("json");
    assert_eq!(v["scenario"]["id"], "long-japan-2030");
    assert_eq!(v["summary"]["announced"].as_array().map(Vec::len), Some(31));
}

#[test]
fn project_writes_its_files_into_a_new_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("run");
    let o = chokepoint(&[
        "project",
        "--runs",
        "4",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for f in ["summary.json", "years.csv", "history.csv"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let years = std::fs::read_to_string(out.join("years.csv")).expect("years.csv");
    // 31 years x 3 commodities x 6 columns, plus the header.
    assert_eq!(years.lines().count(), 31 * 3 * 6 + 1);
    // An existing directory is refused.
    let o = chokepoint(&[
        "project",
        "--runs",
        "4",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn project_refuses_bad_input_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "id = \"b\"\ntitle = \"b\"\n[provenance]\n[[project]]\naction = \"delay\"\nid = \"no-such-project\"\nyears = 1\n",
    )
    .expect("write");
    let o = chokepoint(&["project", "--scenario", bad.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("project[0].id"),
        "{}",
        text(&o.stderr)
    );
    std::fs::write(&bad, "id = \"b\"\ntitle = \"b\"\nspeed = 3\n[provenance]\n").expect("write");
    let o = chokepoint(&["project", "--scenario", bad.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("speed"), "{}", text(&o.stderr));
    let o = chokepoint(&["project", "--region", "MARS"]);
    assert_eq!(o.status.code(), Some(2));
    let o = chokepoint(&["project", "--from", "2030", "--to", "2020"]);
    assert_eq!(o.status.code(), Some(2));
}
