//! `chokepoint sweep` end to end: a whole sweep, the same sweep in shards merged back (equal
//! byte for byte), a missing shard named, and bad specs refused with exit code 2.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::{Command, Output};

fn chokepoint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chokepoint"))
        .args(args)
        .env(
            "CHOKEPOINT_DATA",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data"),
        )
        .env(
            "CHOKEPOINT_STORE",
            std::env::temp_dir().join("chokepoint-sweep-tests.sqlite"),
        )
        .output()
        .unwrap()
}

const SPEC: &str = r#"
scenario = "licensing-2025-04"
runs = 4
design = "saltelli"
samples = 4
[[axis]]
path = "licensing[0].approval_probability"
range = [0.1, 1.0]
[[axis]]
path = "licensing[0].applications"
values = [1, 8]
[[output]]
sector = "nev"
country = "JPN"
[[output]]
sector = "nev"
country = "all"
"#;

#[test]
fn a_sweep_in_shards_merges_to_the_single_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.toml");
    std::fs::write(&spec, SPEC).unwrap();
    let spec_s = spec.to_str().unwrap();
    let whole = dir.path().join("whole");
    let o = chokepoint(&["sweep", spec_s, "--out", whole.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let printed = String::from_utf8_lossy(&o.stdout);
    assert!(
        printed.contains("Sobol indices of nev JPN lost share") && printed.contains("Tornado"),
        "{printed}"
    );

    let parts = dir.path().join("parts");
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let o = chokepoint(&[
            "sweep",
            spec_s,
            "--shard",
            &shard,
            "--out",
            parts.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    // Remove a shard: the merge names it and exits 2, writing no result.
    let third = parts.join("part-3-of-3.json");
    let kept = std::fs::read(&third).unwrap();
    std::fs::remove_file(&third).unwrap();
    let o = chokepoint(&["sweep", "merge", parts.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("3/3") && err.contains("missing"), "{err}");
    assert!(!parts.join("result.json").exists());
    // Re-running only that shard completes the sweep.
    let o = chokepoint(&[
        "sweep",
        spec_s,
        "--shard",
        "3/3",
        "--out",
        parts.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert_eq!(
        std::fs::read(&third).unwrap(),
        kept,
        "a shard re-run gives the same bytes"
    );
    let o = chokepoint(&["sweep", "merge", parts.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let a = std::fs::read(whole.join("result.json")).unwrap();
    let b = std::fs::read(parts.join("result.json")).unwrap();
    assert!(a == b, "merged result differs from the single-machine run");
    assert_eq!(
        std::fs::read(whole.join("indices.csv")).unwrap(),
        std::fs::read(parts.join("indices.csv")).unwrap()
    );
    // The indices are numbers in the unit range give or take estimation noise, and the
    // result has one row per variant: 4 x (2 + 2) + 5.
    let pq = std::fs::read(whole.join("variants.parquet")).unwrap();
    assert!(
        pq.starts_with(b"PAR1") && pq.ends_with(b"PAR1"),
        "not a Parquet file"
    );
    let v: serde_json::Value = serde_json::from_slice(&a).unwrap();
    assert_eq!(v["variants"].as_array().unwrap().len(), 21);
    assert_eq!(v["sobol"].as_array().unwrap().len(), 2);

    // A partial of another sweep is refused.
    let other = dir.path().join("other.toml");
    std::fs::write(&other, SPEC.replace("runs = 4", "runs = 5")).unwrap();
    let o = chokepoint(&[
        "sweep",
        "merge",
        parts.to_str().unwrap(),
        "--spec",
        other.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("another sweep"));
}

#[test]
fn bad_sweeps_exit_2_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            SPEC.replace("range = [0.1, 1.0]", "range = [1.0, 0.1]"),
            "axis[0]",
        ),
        (
            SPEC.replace(
                "licensing[0].approval_probability",
                "licensing[0].approval_probabilty",
            ),
            "approval_probabilty",
        ),
        (
            SPEC.replace("licensing-2025-04", "no-such-scenario"),
            "scenario",
        ),
        (
            SPEC.replace("country = \"JPN\"", "country = \"XXX\""),
            "output[0]",
        ),
    ];
    for (i, (text, needle)) in cases.iter().enumerate() {
        let p = dir.path().join(format!("bad{i}.toml"));
        std::fs::write(&p, text).unwrap();
        let o = chokepoint(&["sweep", p.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{needle}: {err}");
        assert!(err.contains(needle), "{needle}: {err}");
    }
    let p = dir.path().join("ok.toml");
    std::fs::write(&p, SPEC).unwrap();
    for shard in ["0/3", "4/3", "x"] {
        let o = chokepoint(&[
            "sweep",
            p.to_str().unwrap(),
            "--shard",
            shard,
            "--out",
            dir.path().to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{shard}");
    }
}
