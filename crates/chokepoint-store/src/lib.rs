//! The run store: every run (simulate, chokepoints, backtest, ...) with what is needed to
//! reproduce it — dataset edition and content hash, scenario text and hash, seed, replications,
//! threads, program version, start and end time, status — and its results: a JSON summary and
//! small tables in the database, large per-replication tables as files beside it.
//!
//! The database is SQLite (bundled), in WAL mode so readers (a dashboard, `runs list`) never
//! block the writer. The schema is versioned by `PRAGMA user_version`; [`MIGRATIONS`] are applied
//! in order on open, each in its own transaction, and a database newer than the program is
//! refused rather than guessed at.
//!
//! Invariants: a run is written `running` first and moves to `done` (with every result) or
//! `failed` (with the reason) in one transaction, so a reader never sees a done run with missing
//! results; result files are written under a temporary name and renamed before the row that
//! names them is committed; removing a run removes its rows and its files.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The schema, one step per version (version = index + 1).
pub const MIGRATIONS: [&str; 3] = [
    include_str!("../migrations/0001_runs.sql"),
    include_str!("../migrations/0002_run_owner.sql"),
    include_str!("../migrations/0003_scenarios.sql"),
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("run store {path}: {source}")]
    Sql {
        path: String,
        source: rusqlite::Error,
    },
    #[error("run store {path}: {message}")]
    Io { path: String, message: String },
    #[error(
        "run store {path}: schema version {found} is newer than this program's {known}; use a newer chokepoint"
    )]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
    #[error("no run {0} in the store (`chokepoint runs list` shows them)")]
    NoRun(i64),
    #[error(
        "a saved scenario `{0}` exists already; saved scenarios are immutable, save under a new id"
    )]
    ScenarioExists(String),
    #[error("no saved scenario `{0}`")]
    NoScenario(String),
}

/// A scenario an analyst saved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavedScenario {
    pub id: String,
    pub title: String,
    pub toml: String,
    pub hash: String,
    pub created_at: String,
}

/// What a run is, before it has results.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NewRun {
    pub kind: String,
    pub label: String,
    pub program: String,
    pub dataset: String,
    pub dataset_hash: String,
    pub scenario_text: Option<String>,
    pub scenario_hash: Option<String>,
    /// The request's options as JSON.
    pub options: serde_json::Value,
    pub seed: Option<u64>,
    pub runs: Option<u64>,
    pub threads: Option<u64>,
    pub started_at: String,
}

/// A stored run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    pub id: i64,
    pub kind: String,
    pub label: String,
    pub status: String,
    pub message: Option<String>,
    pub program: String,
    pub dataset: String,
    pub dataset_hash: String,
    pub scenario_hash: Option<String>,
    pub options: serde_json::Value,
    pub seed: Option<i64>,
    pub runs: Option<i64>,
    pub threads: Option<i64>,
    pub started_at: String,
    pub finished_at: Option<String>,
}

/// A result file of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunFile {
    pub name: String,
    /// Absolute path.
    pub path: PathBuf,
    pub bytes: u64,
}

/// The store: a database file and the directory of run files beside it.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    dir: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let shown = path.display().to_string();
        let sql = |source| StoreError::Sql {
            path: shown.clone(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Io {
                path: shown.clone(),
                message: e.to_string(),
            })?;
        }
        let mut conn = Connection::open(path).map_err(sql)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sql)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sql)?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew {
                path: shown,
                found: version,
                known,
            });
        }
        for (i, m) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            let tx = conn.transaction().map_err(sql)?;
            tx.execute_batch(m).map_err(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)
                .map_err(sql)?;
            tx.commit().map_err(sql)?;
        }
        let dir = path.with_extension("files");
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            dir,
        })
    }

    fn sql(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sql {
            path: self.path.display().to_string(),
            source,
        }
    }

    fn io(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Io {
            path: self.path.display().to_string(),
            message: e.to_string(),
        }
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.sql(e))
    }

    /// Records a run as `running`; returns its id.
    pub fn begin(&self, run: &NewRun) -> Result<i64, StoreError> {
        let as_i64 = |x: Option<u64>| x.map(|v| i64::try_from(v).unwrap_or(i64::MAX));
        self.conn
            .execute(
                "INSERT INTO runs (kind, label, status, program, dataset, dataset_hash, scenario_text,
                 scenario_hash, options, seed, runs, threads, started_at, owner)
                 VALUES (?1, ?2, 'running', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    run.kind,
                    run.label,
                    run.program,
                    run.dataset,
                    run.dataset_hash,
                    run.scenario_text,
                    run.scenario_hash,
                    run.options.to_string(),
                    as_i64(run.seed),
                    as_i64(run.runs),
                    as_i64(run.threads),
                    run.started_at,
                    owner::this_process(),
                ],
            )
            .map_err(|e| self.sql(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Completes run `id`: its results (name, JSON) and files (name, file name, bytes) are
    /// written, then the run is marked `done`, all in one transaction. Files are written under
    /// a temporary name and renamed first, so a committed row never names a missing file.
    pub fn finish(
        &mut self,
        id: i64,
        finished_at: &str,
        results: &[(&str, serde_json::Value)],
        files: &[(&str, &str, &[u8])],
    ) -> Result<(), StoreError> {
        let run_dir = self.dir.join(id.to_string());
        let mut written = Vec::new();
        if !files.is_empty() {
            std::fs::create_dir_all(&run_dir).map_err(|e| self.io(e))?;
        }
        for (name, file_name, bytes) in files {
            if file_name.contains('/') || file_name.contains('\\') || file_name.starts_with('.') {
                return Err(self.io(format!(
                    "result file name `{file_name}` must be a plain name"
                )));
            }
            let target = run_dir.join(file_name);
            let tmp = run_dir.join(format!(".{file_name}.tmp"));
            std::fs::write(&tmp, bytes).map_err(|e| self.io(e))?;
            std::fs::rename(&tmp, &target).map_err(|e| self.io(e))?;
            written.push((name.to_string(), format!("{id}/{file_name}"), bytes.len()));
        }
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sql {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        for (name, body) in results {
            tx.execute(
                "INSERT OR REPLACE INTO results (run_id, name, body) VALUES (?1, ?2, ?3)",
                params![id, name, body.to_string()],
            )
            .map_err(sql)?;
        }
        for (name, rel, bytes) in &written {
            tx.execute(
                "INSERT OR REPLACE INTO files (run_id, name, path, bytes) VALUES (?1, ?2, ?3, ?4)",
                params![id, name, rel, *bytes as i64],
            )
            .map_err(sql)?;
        }
        let n = tx
            .execute(
                "UPDATE runs SET status = 'done', finished_at = ?2 WHERE id = ?1",
                params![id, finished_at],
            )
            .map_err(sql)?;
        if n == 0 {
            return Err(StoreError::NoRun(id));
        }
        tx.commit().map_err(sql)
    }

    /// Marks run `id` failed with `message`.
    pub fn fail(&self, id: i64, finished_at: &str, message: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE runs SET status = 'failed', message = ?2, finished_at = ?3 WHERE id = ?1",
                params![id, message, finished_at],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Marks failed every `running` run whose recording process has ended (killed, crashed,
    /// or the machine restarted), so that a run is never shown as running for ever; returns
    /// their ids. Runs of live processes, and runs whose owner cannot be checked, are left.
    /// The server calls this when it starts and `runs list` before it lists.
    pub fn reap_orphans(&self, finished_at: &str) -> Result<Vec<i64>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT id, owner FROM runs WHERE status = 'running' AND owner IS NOT NULL")
            .map_err(|e| self.sql(e))?;
        let running = st
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        let mut reaped = Vec::new();
        for (id, who) in running {
            if owner::has_ended(&who) {
                let pid = who.split(':').nth(1).unwrap_or("?");
                self.conn
                    .execute(
                        "UPDATE runs SET status = 'failed', message = ?2, finished_at = ?3
                         WHERE id = ?1 AND status = 'running'",
                        params![
                            id,
                            format!(
                                "interrupted: the process that ran it (pid {pid}) ended before it finished"
                            ),
                            finished_at
                        ],
                    )
                    .map_err(|e| self.sql(e))?;
                reaped.push(id);
            }
        }
        Ok(reaped)
    }

    /// Saves a scenario under its id; an id already saved is refused (saved scenarios are
    /// immutable, so a run that names one can always be reproduced from it).
    pub fn save_scenario(&self, sc: &SavedScenario) -> Result<(), StoreError> {
        let n = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO scenarios (id, title, toml, hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![sc.id, sc.title, sc.toml, sc.hash, sc.created_at],
            )
            .map_err(|e| self.sql(e))?;
        if n == 0 {
            return Err(StoreError::ScenarioExists(sc.id.clone()));
        }
        Ok(())
    }

    /// Every saved scenario, by id.
    pub fn scenarios(&self) -> Result<Vec<SavedScenario>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT id, title, toml, hash, created_at FROM scenarios ORDER BY id")
            .map_err(|e| self.sql(e))?;
        st.query_map([], scenario_of)
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))
    }

    /// One saved scenario.
    pub fn scenario(&self, id: &str) -> Result<SavedScenario, StoreError> {
        self.conn
            .query_row(
                "SELECT id, title, toml, hash, created_at FROM scenarios WHERE id = ?1",
                [id],
                scenario_of,
            )
            .optional()
            .map_err(|e| self.sql(e))?
            .ok_or_else(|| StoreError::NoScenario(id.to_string()))
    }

    /// Removes a saved scenario (the runs that ran it keep their copy of its text).
    pub fn remove_scenario(&self, id: &str) -> Result<(), StoreError> {
        let n = self
            .conn
            .execute("DELETE FROM scenarios WHERE id = ?1", [id])
            .map_err(|e| self.sql(e))?;
        if n == 0 {
            return Err(StoreError::NoScenario(id.to_string()));
        }
        Ok(())
    }

    /// Every run, newest first.
    pub fn list(&self) -> Result<Vec<RunRow>, StoreError> {
        let mut st = self
            .conn
            .prepare(&format!("{SELECT_RUN} ORDER BY id DESC"))
            .map_err(|e| self.sql(e))?;
        let rows = st
            .query_map([], row_of)
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(rows)
    }

    /// One run.
    pub fn get(&self, id: i64) -> Result<RunRow, StoreError> {
        self.conn
            .query_row(&format!("{SELECT_RUN} WHERE id = ?1"), [id], row_of)
            .optional()
            .map_err(|e| self.sql(e))?
            .ok_or(StoreError::NoRun(id))
    }

    /// The scenario text a run ran (to reproduce it).
    pub fn scenario_text(&self, id: i64) -> Result<Option<String>, StoreError> {
        self.get(id)?;
        self.conn
            .query_row("SELECT scenario_text FROM runs WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .map_err(|e| self.sql(e))
    }

    /// A run's result by name (`summary`, ...).
    pub fn result(&self, id: i64, name: &str) -> Result<Option<serde_json::Value>, StoreError> {
        self.get(id)?;
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM results WHERE run_id = ?1 AND name = ?2",
                params![id, name],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        body.map(|b| serde_json::from_str(&b).map_err(|e| self.io(e)))
            .transpose()
    }

    /// A run's result names.
    pub fn result_names(&self, id: i64) -> Result<Vec<String>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT name FROM results WHERE run_id = ?1 ORDER BY name")
            .map_err(|e| self.sql(e))?;
        let names = st
            .query_map([id], |r| r.get(0))
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<String>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(names)
    }

    /// A run's files.
    pub fn files(&self, id: i64) -> Result<Vec<RunFile>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT name, path, bytes FROM files WHERE run_id = ?1 ORDER BY name")
            .map_err(|e| self.sql(e))?;
        let files = st
            .query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(files
            .into_iter()
            .map(|(name, rel, bytes)| RunFile {
                name,
                path: self.dir.join(rel),
                bytes: u64::try_from(bytes).unwrap_or(0),
            })
            .collect())
    }

    /// Removes a run, its results and its files.
    pub fn remove(&self, id: i64) -> Result<(), StoreError> {
        self.get(id)?;
        self.conn
            .execute("DELETE FROM runs WHERE id = ?1", [id])
            .map_err(|e| self.sql(e))?;
        let run_dir = self.dir.join(id.to_string());
        if run_dir.exists() {
            std::fs::remove_dir_all(&run_dir).map_err(|e| self.io(e))?;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn scenario_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<SavedScenario> {
    Ok(SavedScenario {
        id: r.get(0)?,
        title: r.get(1)?,
        toml: r.get(2)?,
        hash: r.get(3)?,
        created_at: r.get(4)?,
    })
}

const SELECT_RUN: &str = "SELECT id, kind, label, status, message, program, dataset, dataset_hash,
    scenario_hash, options, seed, runs, threads, started_at, finished_at FROM runs";

fn row_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRow> {
    let options: String = r.get(9)?;
    Ok(RunRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        label: r.get(2)?,
        status: r.get(3)?,
        message: r.get(4)?,
        program: r.get(5)?,
        dataset: r.get(6)?,
        dataset_hash: r.get(7)?,
        scenario_hash: r.get(8)?,
        options: serde_json::from_str(&options).unwrap_or(serde_json::Value::Null),
        seed: r.get(10)?,
        runs: r.get(11)?,
        threads: r.get(12)?,
        started_at: r.get(13)?,
        finished_at: r.get(14)?,
    })
}

/// Who records a run: the process, named so that its end can be told later. On Linux a pid
/// alone is not enough (pids are reused, and a restarted machine starts counting again), so
/// the owner also carries the process's start time and the boot id.
mod owner {
    #[cfg(target_os = "linux")]
    fn boot_id() -> Option<String> {
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .ok()
            .map(|s| s.trim().to_string())
    }

    /// Field 22 of `/proc/PID/stat`: the start time in clock ticks since boot. The command name
    /// (field 2) may hold spaces and parentheses, so fields are counted after its last `)`.
    #[cfg(target_os = "linux")]
    fn start_time(pid: &str) -> Option<String> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let rest = &stat[stat.rfind(')')? + 1..];
        rest.split_whitespace().nth(19).map(str::to_string)
    }

    #[cfg(target_os = "linux")]
    pub fn this_process() -> Option<String> {
        let pid = std::process::id().to_string();
        Some(format!("linux:{pid}:{}:{}", start_time(&pid)?, boot_id()?))
    }

    #[cfg(not(target_os = "linux"))]
    pub fn this_process() -> Option<String> {
        None
    }

    /// True when the owner named is certainly gone: another boot, or no process with that pid
    /// and start time. Anything unreadable counts as alive (a run is never failed on a guess).
    #[cfg(target_os = "linux")]
    pub fn has_ended(owner: &str) -> bool {
        let parts: Vec<&str> = owner.split(':').collect();
        let [kind, pid, started, boot] = parts[..] else {
            return false;
        };
        if kind != "linux" || pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        match boot_id() {
            Some(b) if b != boot => true,
            Some(_) => start_time(pid).as_deref() != Some(started),
            None => false,
        }
    }

    #[cfg(not(target_os = "linux"))]
    pub fn has_ended(_owner: &str) -> bool {
        false
    }
}
