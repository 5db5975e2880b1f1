//! The run store on a temporary database: migrations, the run life cycle, files, removal.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use chokepoint_store::{MIGRATIONS, NewRun, Store, StoreError};

fn new_run(label: &str) -> NewRun {
    NewRun {
        kind: "simulate".into(),
        label: label.into(),
        program: "chokepoint 0.1.0".into(),
        dataset: "mcs2026".into(),
        dataset_hash: "abc".into(),
        scenario_text: Some("id = \"x\"".into()),
        scenario_hash: Some("def".into()),
        options: serde_json::json!({"runs": 16}),
        seed: Some(7),
        runs: Some(16),
        threads: Some(1),
        started_at: "2026-12-07T03:00:00Z".into(),
    }
}

#[test]
fn a_new_store_is_migrated_in_wal_mode_and_a_newer_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/runs.sqlite");
    let s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as i64);
    drop(s);
    // Reopening applies nothing twice.
    let s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as i64);
    drop(s);
    let conn = rusqlite_free_check(&path);
    assert_eq!(conn, "wal");
    // A database from a newer program is refused, not guessed at.
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    match Store::open(&path) {
        Err(StoreError::TooNew { found: 99, .. }) => {}
        other => panic!("{other:?}"),
    }
}

fn rusqlite_free_check(path: &std::path::Path) -> String {
    let c = rusqlite::Connection::open(path).unwrap();
    c.pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap()
}

#[test]
fn runs_go_from_running_to_done_or_failed_with_their_results_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.sqlite");
    let mut s = Store::open(&path).unwrap();
    let a = s.begin(&new_run("a")).unwrap();
    let b = s.begin(&new_run("b")).unwrap();
    assert_eq!(s.get(a).unwrap().status, "running");
    s.finish(
        a,
        "2026-12-07T03:01:00Z",
        &[("summary", serde_json::json!({"lost": 1.5}))],
        &[("replications", "replications.csv", b"r,lost\n0,1.5\n")],
    )
    .unwrap();
    s.fail(b, "2026-12-07T03:02:00Z", "the kernel refused")
        .unwrap();
    let list = s.list().unwrap();
    assert_eq!(list.iter().map(|r| r.id).collect::<Vec<_>>(), vec![b, a]);
    let ra = s.get(a).unwrap();
    assert_eq!(
        (ra.status.as_str(), ra.seed, ra.runs),
        ("done", Some(7), Some(16))
    );
    assert_eq!(ra.options["runs"], 16);
    assert_eq!(s.result(a, "summary").unwrap().unwrap()["lost"], 1.5);
    assert_eq!(s.result(a, "missing").unwrap(), None);
    assert_eq!(s.scenario_text(a).unwrap().as_deref(), Some("id = \"x\""));
    let files = s.files(a).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(std::fs::read(&files[0].path).unwrap(), b"r,lost\n0,1.5\n");
    assert_eq!(files[0].bytes, 13);
    let rb = s.get(b).unwrap();
    assert_eq!(rb.status, "failed");
    assert_eq!(rb.message.as_deref(), Some("the kernel refused"));
    // Removal takes the rows and the files; an unknown id says so.
    s.remove(a).unwrap();
    assert!(!files[0].path.exists());
    assert!(matches!(s.get(a), Err(StoreError::NoRun(x)) if x == a));
    assert!(matches!(s.remove(a), Err(StoreError::NoRun(_))));
    assert!(s.result_names(a).unwrap().is_empty());
    // A file name that tries to leave the run's directory is refused before anything is kept.
    let c = s.begin(&new_run("c")).unwrap();
    assert!(s.finish(c, "t", &[], &[("x", "../escape", b"no")]).is_err());
    assert_eq!(s.get(c).unwrap().status, "running");
}

#[test]
fn a_reader_sees_the_store_while_a_writer_holds_it_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.sqlite");
    let w = Store::open(&path).unwrap();
    let id = w.begin(&new_run("a")).unwrap();
    let r = Store::open(&path).unwrap();
    assert_eq!(r.get(id).unwrap().label, "a");
}

/// The start time (field 22 of /proc/PID/stat) of a live process, as the store records it.
#[cfg(target_os = "linux")]
fn proc_start_time(pid: u32) -> String {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 1..];
    rest.split_whitespace().nth(19).unwrap().to_string()
}

#[cfg(target_os = "linux")]
#[test]
fn a_run_left_running_by_a_process_that_ended_is_marked_failed_and_nothing_else_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.sqlite");
    let mut s = Store::open(&path).unwrap();
    let done = s.begin(&new_run("done-before")).unwrap();
    s.finish(
        done,
        "2026-12-07T03:01:00Z",
        &[("summary", serde_json::json!({"x": 1}))],
        &[],
    )
    .unwrap();
    let mine = s.begin(&new_run("this-process")).unwrap();
    let orphan = s.begin(&new_run("killed")).unwrap();
    let other_boot = s.begin(&new_run("before-a-restart")).unwrap();
    let unknown = s.begin(&new_run("no-owner")).unwrap();

    // A child stands for the process that was recording `orphan`.
    let mut child = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
    let owner = format!(
        "linux:{}:{}:{}",
        child.id(),
        proc_start_time(child.id()),
        boot.trim()
    );
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute(
            "UPDATE runs SET owner = ?1 WHERE id = ?2",
            rusqlite::params![owner, orphan],
        )
        .unwrap();
        c.execute(
            "UPDATE runs SET owner = 'linux:1:1:not-this-boot' WHERE id = ?1",
            [other_boot],
        )
        .unwrap();
        c.execute("UPDATE runs SET owner = NULL WHERE id = ?1", [unknown])
            .unwrap();
    }
    // While the child lives, its run is in progress.
    assert_eq!(
        s.reap_orphans("2026-12-07T04:00:00Z").unwrap(),
        vec![other_boot]
    );
    assert_eq!(s.get(orphan).unwrap().status, "running");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        s.reap_orphans("2026-12-07T04:00:01Z").unwrap(),
        vec![orphan]
    );

    let row = s.get(orphan).unwrap();
    assert_eq!(row.status, "failed");
    assert!(
        row.message.as_deref().unwrap().contains("interrupted"),
        "{row:?}"
    );
    assert_eq!(row.finished_at.as_deref(), Some("2026-12-07T04:00:01Z"));
    assert_eq!(s.get(other_boot).unwrap().status, "failed");
    // This process is alive; a run with no owner cannot be checked: both left as they are.
    assert_eq!(s.get(mine).unwrap().status, "running");
    assert_eq!(s.get(unknown).unwrap().status, "running");
    // The finished run and its results are untouched.
    assert_eq!(s.get(done).unwrap().status, "done");
    assert_eq!(
        s.result(done, "summary").unwrap(),
        Some(serde_json::json!({"x": 1}))
    );
    // Reaping again changes nothing.
    assert!(s.reap_orphans("2026-12-07T04:00:02Z").unwrap().is_empty());
}

#[test]
fn a_version_1_store_is_migrated_with_its_runs_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.sqlite");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(MIGRATIONS[0]).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
        c.execute(
            "INSERT INTO runs (kind, label, status, program, dataset, dataset_hash, options, started_at)
             VALUES ('simulate', 'old', 'running', 'chokepoint 0.1.0', 'mcs2026', 'abc', '{}', '2026-12-01T00:00:00Z')",
            [],
        )
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as i64);
    let rows = s.list().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].label, "old");
    // Its owner is unknown, so it is never reaped on a guess.
    assert!(s.reap_orphans("2026-12-07T00:00:00Z").unwrap().is_empty());
    assert_eq!(s.get(rows[0].id).unwrap().status, "running");
}

#[test]
fn saved_scenarios_are_kept_immutable_and_removable() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("runs.sqlite")).unwrap();
    let sc = |id: &str, toml: &str| chokepoint_store::SavedScenario {
        id: id.into(),
        title: format!("title of {id}"),
        toml: toml.into(),
        hash: format!("hash of {toml}"),
        created_at: "2026-12-07T05:00:00Z".into(),
    };
    s.save_scenario(&sc("b-case", "id = \"b-case\"")).unwrap();
    s.save_scenario(&sc("a-case", "id = \"a-case\"")).unwrap();
    // Saving an id again is refused and the first text stays.
    let again = s.save_scenario(&sc("a-case", "id = \"changed\""));
    assert!(matches!(again, Err(StoreError::ScenarioExists(ref id)) if id == "a-case"));
    assert_eq!(s.scenario("a-case").unwrap().toml, "id = \"a-case\"");
    let ids: Vec<String> = s.scenarios().unwrap().into_iter().map(|x| x.id).collect();
    assert_eq!(ids, ["a-case", "b-case"]);
    s.remove_scenario("a-case").unwrap();
    assert!(matches!(
        s.scenario("a-case"),
        Err(StoreError::NoScenario(_))
    ));
    assert!(matches!(
        s.remove_scenario("a-case"),
        Err(StoreError::NoScenario(_))
    ));
    assert_eq!(s.scenarios().unwrap().len(), 1);
}
