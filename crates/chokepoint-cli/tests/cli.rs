//! The `chokepoint` binary end to end: exit codes, the seed figures through `data summary`, the
//! run directory of `simulate` (written completely or not at all, never over an existing one).

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
        // Runs are recorded in a store of the test process's own, never the user's.
        .env(
            "CHOKEPOINT_STORE",
            std::env::temp_dir().join(format!(
                "chokepoint-cli-tests-{}.sqlite",
                std::process::id()
            )),
        )
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn data_check_passes_on_the_bundled_dataset() {
    let o = chokepoint(&["data", "check"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout(&o).contains("0 errors"));
}

#[test]
fn data_check_exits_2_and_names_the_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lanes.csv"),
        "id,from,to,material,lead_time_days,contracted_share_pct,note,source,assumption\nx,nowhere,chn-metal-alloy,nd-oxide,5,100,,,test\n",
    )
    .unwrap();
    let o = chokepoint(&["data", "check", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(out.contains("lanes.csv:2 [x] field `from`"), "{out}");
}

#[test]
fn summary_reproduces_the_seed_figures() {
    let o = chokepoint(&[
        "data",
        "summary",
        "--edition",
        "mcs2025",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mining = &v["stages"][0];
    assert_eq!(
        format!("{:.4}", mining["china_share"].as_f64().unwrap()),
        "0.6923"
    );
    assert_eq!(
        format!("{:.4}", v["reserves"]["china_share"].as_f64().unwrap()),
        "0.4889"
    );
}

#[test]
fn simulate_writes_a_complete_run_directory() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("run");
    let o = chokepoint(&[
        "simulate",
        "licensing-2025-04",
        "--runs",
        "3",
        "--threads",
        "1",
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for f in [
        "summary.json",
        "replications.csv",
        "replications.parquet",
        "plants.csv",
        "flows.csv",
        "flows.parquet",
        "nodes.csv",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["runs"], 3);
    assert!(
        summary["china_exports"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
    // The daily series covers every day of the horizon for every (sector, country).
    let daily = std::fs::read_to_string(out.join("daily.csv")).unwrap();
    let sectors = summary["sectors"].as_array().unwrap().len();
    assert_eq!(daily.lines().count(), 1 + 365 * sectors);
    // No temporary directory is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(parent.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    // Same seed, different thread count: the same numbers.
    let again = chokepoint(&[
        "simulate",
        "licensing-2025-04",
        "--runs",
        "3",
        "--threads",
        "2",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(v["sectors"], summary["sectors"]);
}

#[test]
fn simulate_refuses_an_existing_run_directory_and_leaves_it_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "earlier results").unwrap();
    let o = chokepoint(&[
        "simulate",
        "baseline",
        "--runs",
        "1",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("keep.txt")).unwrap(),
        "earlier results"
    );
}

#[test]
fn simulate_rejects_bad_scenarios_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "id = \"b\"\ntitle = \"b\"\nstart = 2025-01-01\nhorizon_days = 0\n[provenance]\n",
    )
    .unwrap();
    let o = chokepoint(&["simulate", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("horizon_days"),
        "{err}"
    );
    assert_eq!(
        chokepoint(&["simulate", "no-such-scenario"]).status.code(),
        Some(2)
    );
    assert_eq!(
        chokepoint(&["simulate", "baseline", "--runs", "0"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn licence_check_exit_codes() {
    // A Japanese EV motor with a Dy magnet made from Chinese-origin rare earths, to the US:
    // no licence in June 2025 (No. 61 not yet in force); required on 2026-11-23, after No. 70's
    // suspension of No. 61 ended on 2026-11-10 (with a staleness warning).
    let bom = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bom/jp_ev_motor.toml");
    let check = |date: &str| {
        chokepoint(&[
            "licence",
            "check",
            bom.to_str().unwrap(),
            "--date",
            date,
            "--to",
            "USA",
            "--end-use",
            "civil",
        ])
    };
    assert_eq!(check("2025-06-01").status.code(), Some(0));
    let today = check("2026-11-23");
    assert_eq!(today.status.code(), Some(1));
    let out = stdout(&today);
    assert!(
        out.contains("mofcom-2025-61-art2") && out.contains("may have changed"),
        "{out}"
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "product,material,element,mass_kg\nx,y,Zz,-1\n").unwrap();
    assert_eq!(
        chokepoint(&["licence", "check", bad.to_str().unwrap()])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn flows_and_nodes_match_the_baseline_when_no_policy_applies() {
    // The bundled baseline has no policy: every flow equals its policy-free twin month by month,
    // and every node makes its baseline flow (steady start, no structural shortfall on the
    // lanes that cross borders).
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("base");
    let o = chokepoint(&[
        "simulate",
        "baseline",
        "--runs",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Results are readable by colleagues: 0666/0777 less the umask (0644/0755 under 022), not
    // tempfile's private 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["summary.json", "flows.csv", "nodes.csv"] {
            let mode = std::fs::metadata(out.join(f)).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o044,
                0o044,
                "{f}: mode {mode:o} not readable by group and others"
            );
        }
        let dmode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(dmode & 0o055, 0o055, "run directory mode {dmode:o}");
    }
    let mut flows = csv::Reader::from_path(out.join("flows.csv")).unwrap();
    let mut n = 0;
    for r in flows.records() {
        let r = r.unwrap();
        let (scen, base): (f64, f64) = (r[4].parse().unwrap(), r[7].parse().unwrap());
        assert_eq!(scen.to_bits(), base.to_bits(), "{r:?}");
        n += 1;
    }
    assert!(n > 100, "{n} flow rows");
    let mut nodes = csv::Reader::from_path(out.join("nodes.csv")).unwrap();
    let (mut close, mut total) = (0, 0);
    for r in nodes.records() {
        let r = r.unwrap();
        let (made, base): (f64, f64) = (r[6].parse().unwrap(), r[7].parse().unwrap());
        total += 1;
        if (made - base).abs() <= 0.02 * base.max(1e-9) || base == 0.0 {
            close += 1;
        }
    }
    // Co-products made beyond their sales are the only other rows.
    assert!(
        close * 10 >= total * 9,
        "{close} of {total} node-months at baseline"
    );
}

#[test]
fn backtest_prints_every_observation_with_modelled_observed_and_error() {
    let o = chokepoint(&["backtest", "--runs", "2", "--json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let events = v.as_array().unwrap();
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["scenario"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["embargo-2010-japan", "licensing-2025-04"]);
    let obs = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/observations.csv"),
    )
    .unwrap();
    let listed: usize = events
        .iter()
        .map(|e| e["observations"].as_array().unwrap().len())
        .sum();
    assert_eq!(listed, obs.lines().count() - 1);
    for e in events {
        for ob in e["observations"].as_array().unwrap() {
            assert!(ob["observed"].is_number(), "{ob}");
            // Every flow and halt is modelled with an error; the rest say why not.
            match ob["kind"].as_str().unwrap() {
                "flow" | "halt" => assert!(ob["error"].is_number(), "{ob}"),
                _ => assert!(!ob["note"].as_str().unwrap().is_empty(), "{ob}"),
            }
        }
    }
}

#[test]
fn an_unknown_destination_exits_2_naming_the_valid_codes_and_empty_dates_say_so() {
    let bom = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bom/jp_ev_motor.toml");
    let o = chokepoint(&[
        "licence",
        "check",
        bom.to_str().unwrap(),
        "--date",
        "2025-06-01",
        "--to",
        "XXX",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--to") && err.contains("XXX") && err.contains("USA, VNM"),
        "{err}"
    );
    let o = chokepoint(&["policy", "at", "1900-01-01"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("nothing: no measure"), "{}", stdout(&o));
}

#[test]
fn drawn_inputs_give_bands_and_fixed_inputs_take_them_away() {
    // heavy-ban-12m has no random element of its own: its bands come only from the drawn stock
    // cover, so they are wide by default and closed with --fixed-inputs.
    let run = |extra: &[&str]| {
        let mut args = vec![
            "simulate",
            "heavy-ban-12m",
            "--runs",
            "48",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let o = chokepoint(&args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_str::<serde_json::Value>(&stdout(&o)).unwrap()
    };
    let widths = |v: &serde_json::Value| -> Vec<f64> {
        v["sectors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["lost_units"]["mean"].as_f64().unwrap() > 0.0)
            .map(|s| {
                s["lost_units"]["p95"].as_f64().unwrap() - s["lost_units"]["p5"].as_f64().unwrap()
            })
            .collect()
    };
    let drawn = run(&[]);
    let w = widths(&drawn);
    assert!(!w.is_empty() && w.iter().all(|x| *x > 0.0), "{w:?}");
    let inputs = drawn["inputs"].as_array().unwrap();
    assert!(
        inputs
            .iter()
            .any(|i| i["name"] == "inventory.days_of_cover"),
        "{inputs:?}"
    );
    let fixed = run(&["--fixed-inputs"]);
    assert!(widths(&fixed).iter().all(|x| *x == 0.0));
    assert!(fixed["inputs"].as_array().unwrap().is_empty());
}

#[test]
fn licence_check_can_trace_origins_through_the_network_and_says_which_it_used() {
    let bom = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bom/jp_ev_motor.toml");
    let bom = bom.to_str().unwrap();
    let asserted = chokepoint(&["licence", "check", bom, "--date", "2026-12-01"]);
    assert!(
        stdout(&asserted).contains("origin: asserted in the BOM"),
        "{}",
        stdout(&asserted)
    );
    let traced = chokepoint(&["licence", "check", bom, "--date", "2026-12-01", "--trace"]);
    let out = stdout(&traced);
    assert!(out.contains("traced (magnet delivered to JPN"), "{out}");
    // Chinese-mined content in a Japanese magnet is far above 0.1% of the motor's value.
    assert!(out.contains("mofcom-2025-61-art2"), "{out}");
    assert_eq!(traced.status.code(), Some(1));
    let json = chokepoint(&[
        "licence",
        "check",
        bom,
        "--date",
        "2026-12-01",
        "--trace",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert!(
        v[0]["origin"][0].as_str().unwrap().contains("traced"),
        "{v}"
    );
}

#[test]
fn domestic_shipments_and_dates_before_the_data_say_so() {
    let bom =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bom/us_munition_actuator.toml");
    let o = chokepoint(&[
        "licence",
        "check",
        bom.to_str().unwrap(),
        "--to",
        "USA",
        "--date",
        "1990-06-01",
    ]);
    let out = stdout(&o);
    assert!(
        out.contains("domestic shipment: exporter and destination are both USA"),
        "{out}"
    );
    assert!(out.contains("before the timeline's first measure"), "{out}");
    let at = stdout(&chokepoint(&["policy", "at", "1900-01-01"]));
    assert!(
        at.contains("warning: 1900-01-01 is before the timeline's first measure"),
        "{at}"
    );
}

#[test]
fn runs_are_recorded_and_can_be_listed_shown_compared_exported_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("runs.sqlite");
    let st = store.to_str().unwrap();
    for seed in ["1", "2"] {
        let o = chokepoint(&[
            "simulate",
            "heavy-ban-12m",
            "--runs",
            "16",
            "--seed",
            seed,
            "--store",
            st,
            "--format",
            "json",
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let list: serde_json::Value = serde_json::from_str(&stdout(&chokepoint(&[
        "runs", "--store", st, "list", "--json",
    ])))
    .unwrap();
    let runs = list.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    let (b, a) = (
        runs[0]["id"].as_i64().unwrap(),
        runs[1]["id"].as_i64().unwrap(),
    );
    assert_eq!(runs[0]["status"], "done");
    assert_eq!(runs[0]["seed"], 2);
    assert_eq!(runs[0]["kind"], "simulate");
    assert_eq!(runs[0]["dataset_hash"], runs[1]["dataset_hash"]);
    assert_eq!(runs[0]["dataset_hash"].as_str().unwrap().len(), 64);
    // The stored summary is the run's report.
    let again = chokepoint(&[
        "simulate",
        "heavy-ban-12m",
        "--runs",
        "16",
        "--seed",
        "2",
        "--no-store",
        "--format",
        "json",
    ]);
    let exported = chokepoint(&[
        "runs",
        "--store",
        st,
        "export",
        &b.to_string(),
        "--format",
        "json",
    ]);
    let x: serde_json::Value = serde_json::from_str(&stdout(&exported)).unwrap();
    let y: serde_json::Value = serde_json::from_str(&stdout(&again)).unwrap();
    assert_eq!(x["sectors"], y["sectors"]);
    let csv = stdout(&chokepoint(&[
        "runs",
        "--store",
        st,
        "export",
        &a.to_string(),
        "--format",
        "csv",
    ]));
    assert!(
        csv.starts_with("replication,sector,country,lost_units"),
        "{csv}"
    );
    // 16 replications: the last is replication 15.
    assert!(csv.lines().any(|l| l.starts_with("15,")));
    let diff = stdout(&chokepoint(&[
        "runs",
        "--store",
        st,
        "diff",
        &a.to_string(),
        &b.to_string(),
    ]));
    assert!(
        diff.contains("seed") && diff.contains("Lost output by sector and country"),
        "{diff}"
    );
    assert!(diff.contains("Same:") && diff.contains("dataset"), "{diff}");
    let show = stdout(&chokepoint(&[
        "runs",
        "--store",
        st,
        "show",
        &a.to_string(),
    ]));
    assert!(
        show.contains("scenario sha256") && show.contains("replications.parquet"),
        "{show}"
    );
    assert_eq!(
        chokepoint(&["runs", "--store", st, "rm", &a.to_string()])
            .status
            .code(),
        Some(0)
    );
    let missing = chokepoint(&["runs", "--store", st, "show", &a.to_string()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no run"));
    // A run that fails on bad input is recorded as failed, with the reason.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/scenarios/baseline.toml"),
        )
        .unwrap()
        .replace("[rationing]", "[rationing]\nATLANTIS = \"pro-rata\""),
    )
    .unwrap();
    let o = chokepoint(&["simulate", bad.to_str().unwrap(), "--store", st]);
    assert_eq!(o.status.code(), Some(2));
    let list: serde_json::Value = serde_json::from_str(&stdout(&chokepoint(&[
        "runs", "--store", st, "list", "--json",
    ])))
    .unwrap();
    assert_eq!(list[0]["status"], "failed");
    assert!(
        list[0]["message"].as_str().unwrap().contains("ATLANTIS"),
        "{list}"
    );
}

#[test]
fn serve_answers_on_loopback_and_refuses_an_open_bind_without_a_token() {
    use std::io::{Read, Write};
    let o = chokepoint(&["serve", "--bind", "0.0.0.0:0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("needs --token"));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_chokepoint"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(["--store", dir.path().join("runs.sqlite").to_str().unwrap()])
        .env(
            "CHOKEPOINT_DATA",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data"),
        )
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut answer = String::new();
    for _ in 0..100 {
        if let Ok(mut c) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            c.write_all(b"GET /api/scenarios HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            c.read_to_string(&mut answer).unwrap();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("licensing-2025-04"), "{answer}");
}

#[test]
fn a_scenario_saved_in_the_store_runs_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("runs.sqlite");
    let baseline = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/scenarios/baseline.toml"),
    )
    .unwrap();
    let text = baseline
        .replacen("id = \"baseline\"", "id = \"saved-short\"", 1)
        .replacen("horizon_days = 365", "horizon_days = 20", 1);
    chokepoint_store::Store::open(&store_path)
        .unwrap()
        .save_scenario(&chokepoint_store::SavedScenario {
            id: "saved-short".into(),
            title: "saved".into(),
            toml: text,
            hash: "h".into(),
            created_at: "2026-12-07T00:00:00Z".into(),
        })
        .unwrap();
    let run = |id: &str| {
        Command::new(env!("CARGO_BIN_EXE_chokepoint"))
            .args(["simulate", id, "--runs", "2", "--format", "json"])
            .env(
                "CHOKEPOINT_DATA",
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data"),
            )
            .env("CHOKEPOINT_STORE", &store_path)
            .output()
            .unwrap()
    };
    let o = run("saved-short");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (v["scenario"].as_str(), v["horizon_days"].as_u64()),
        (Some("saved-short"), Some(20))
    );
    let o = run("not-saved-anywhere");
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no saved scenario"));
}
