//! The run store from the command line: where it lives, recording a run, and `chokepoint runs
//! list | show | diff | export | rm`.
//!
//! The store is `--store PATH`, else `$CHOKEPOINT_STORE`, else `runs.sqlite` in the platform's
//! data directory (`~/.local/share/chokepoint/` on Linux). `--no-store` runs without recording.

use crate::output::{Table, write_atomic};
use anyhow::{Context, Result, bail};
use chokepoint_store::{NewRun, RunRow, Store};
use clap::{Args, Subcommand, ValueEnum};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Where runs are recorded (shared by every command that records).
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// The run store (SQLite; default `$CHOKEPOINT_STORE`, else the platform data directory's
    /// chokepoint/runs.sqlite).
    #[arg(long, global = false)]
    pub store: Option<PathBuf>,
    /// Do not record this run in the store.
    #[arg(long)]
    pub no_store: bool,
}

pub fn store_path(arg: Option<&Path>) -> PathBuf {
    if let Some(p) = arg {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("CHOKEPOINT_STORE") {
        return PathBuf::from(p);
    }
    dirs::data_dir()
        .map(|d| d.join("chokepoint").join("runs.sqlite"))
        .unwrap_or_else(|| PathBuf::from("chokepoint-runs.sqlite"))
}

fn open(arg: Option<&Path>) -> Result<Store> {
    Ok(Store::open(&store_path(arg))?)
}

pub fn now() -> String {
    jiff::Timestamp::now().to_string()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 over the dataset's files (relative path and contents, in path order): the bundled
/// directory and, when given, the overlay.
pub fn dataset_hash(overlay: Option<&Path>) -> Result<String> {
    let mut h = Sha256::new();
    let mut dirs_to_hash = vec![chokepoint_data::bundled_dir()];
    dirs_to_hash.extend(overlay.map(Path::to_path_buf));
    for dir in dirs_to_hash {
        let mut files = Vec::new();
        collect(&dir, &mut files)?;
        files.sort();
        for f in files {
            let rel = f.strip_prefix(&dir).unwrap_or(&f);
            h.update(rel.to_string_lossy().as_bytes());
            h.update([0]);
            h.update(std::fs::read(&f).with_context(|| format!("reading {}", f.display()))?);
        }
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let p = e?.path();
        if p.is_dir() {
            collect(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// A new run's record: the program, the dataset (bundled, with `overlay` layered over it) and
/// its hash, and the scenario text with its hash when there is one.
pub fn new_run(
    kind: &str,
    label: String,
    overlay: Option<&Path>,
    scenario_text: Option<&str>,
    options: serde_json::Value,
) -> Result<NewRun> {
    Ok(NewRun {
        kind: kind.into(),
        label,
        program: format!("chokepoint {}", env!("CARGO_PKG_VERSION")),
        dataset: format!("bundled ({})", chokepoint_core::stats::Edition::NEWEST),
        dataset_hash: dataset_hash(overlay)?,
        scenario_text: scenario_text.map(str::to_string),
        scenario_hash: scenario_text.map(|t| sha256_hex(t.as_bytes())),
        options,
        seed: None,
        runs: None,
        threads: Some(rayon::current_num_threads() as u64),
        started_at: now(),
    })
}

/// A run being recorded: `begin` on start, then `done` or `failed`. Store errors are reported
/// on stderr and never fail the run itself (the answer is still printed).
pub struct Recording {
    store: Option<Store>,
    id: i64,
}

impl Recording {
    pub fn begin(args: &StoreArgs, run: NewRun) -> Recording {
        if args.no_store {
            return Recording { store: None, id: 0 };
        }
        match open(args.store.as_deref()).and_then(|s| Ok((s.begin(&run)?, s))) {
            Ok((id, store)) => Recording {
                store: Some(store),
                id,
            },
            Err(e) => {
                eprintln!("warning: the run is not recorded: {e:#}");
                Recording { store: None, id: 0 }
            }
        }
    }

    pub fn done(mut self, results: &[(&str, serde_json::Value)], files: &[(&str, &str, &[u8])]) {
        if let Some(s) = self.store.as_mut() {
            match s.finish(self.id, &now(), results, files) {
                Ok(()) => eprintln!("recorded as run {} in {}", self.id, s.path().display()),
                Err(e) => eprintln!("warning: run {} not completed in the store: {e}", self.id),
            }
        }
    }

    pub fn failed(self, message: &str) {
        if let Some(s) = &self.store
            && let Err(e) = s.fail(self.id, &now(), message)
        {
            eprintln!(
                "warning: run {} not marked failed in the store: {e}",
                self.id
            );
        }
    }
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[command(subcommand)]
    pub command: RunsCommand,
    /// The run store (default as for recording).
    #[arg(long)]
    pub store: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// Every recorded run, newest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// One run: what reproduces it, its results and files, and its headline numbers.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Two runs side by side: what differs in their inputs, and lost output by sector and
    /// country in each.
    Diff { a: i64, b: i64 },
    /// A run's results: its summary (json), or its per-replication table (csv, parquet).
    Export {
        id: i64,
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        /// Write to this file (atomically) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Remove a run, its results and its files.
    Rm { id: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Json,
    Csv,
    Parquet,
}

pub fn run(args: RunsArgs) -> Result<i32> {
    let store = match open(args.store.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(2);
        }
    };
    let no_run = |e: chokepoint_store::StoreError| -> Result<i32> {
        match e {
            chokepoint_store::StoreError::NoRun(_) => {
                eprintln!("error: {e}");
                Ok(2)
            }
            other => Err(other.into()),
        }
    };
    match args.command {
        RunsCommand::List { json } => {
            // Runs whose process died (killed, crashed) would otherwise show as running for ever.
            for id in store.reap_orphans(&now())? {
                eprintln!("run {id}: its process ended before it finished; marked failed");
            }
            let rows = store.list()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(0);
            }
            if rows.is_empty() {
                println!("No runs recorded in {}.", store.path().display());
                return Ok(0);
            }
            let mut t = Table::new(&[
                "id", "kind", "label", "status", "started", "runs", "seed", "dataset", "scenario",
            ]);
            for r in &rows {
                t.push(vec![
                    r.id.to_string(),
                    r.kind.clone(),
                    r.label.clone(),
                    r.status.clone(),
                    r.started_at.clone(),
                    r.runs.map_or_else(String::new, |x| x.to_string()),
                    r.seed.map_or_else(String::new, |x| x.to_string()),
                    format!("{} {}", r.dataset, short(&r.dataset_hash)),
                    r.scenario_hash
                        .as_deref()
                        .map(short)
                        .unwrap_or_default()
                        .to_string(),
                ]);
            }
            print!("{}", t.render());
            Ok(0)
        }
        RunsCommand::Show { id, json } => {
            let r = match store.get(id) {
                Ok(r) => r,
                Err(e) => return no_run(e),
            };
            let names = store.result_names(id)?;
            let files = store.files(id)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "run": r,
                        "results": names,
                        "files": files,
                        "summary": store.result(id, "summary")?,
                    }))?
                );
                return Ok(0);
            }
            print_meta(&r);
            println!("results: {}", names.join(", "));
            for f in &files {
                println!("file: {} ({} bytes) {}", f.name, f.bytes, f.path.display());
            }
            if let Some(s) = store.result(id, "summary")? {
                let rows = lost_rows(&s);
                if !rows.is_empty() {
                    let mut t =
                        Table::new(&["sector", "country", "lost (mean [P5, P95])", "share"]);
                    for (k, (mean, p5, p95, share)) in rows {
                        t.push(vec![
                            k.0,
                            k.1,
                            format!("{mean:.0} [{p5:.0}, {p95:.0}]"),
                            format!("{:.2}%", share * 100.0),
                        ]);
                    }
                    print!("{}", t.render());
                }
            }
            Ok(0)
        }
        RunsCommand::Diff { a, b } => {
            let (ra, rb) = match (store.get(a), store.get(b)) {
                (Ok(x), Ok(y)) => (x, y),
                (Err(e), _) | (_, Err(e)) => return no_run(e),
            };
            let mut t = Table::new(&["input", &format!("run {a}"), &format!("run {b}")]);
            let fields: [(&str, String, String); 8] = [
                ("kind", ra.kind.clone(), rb.kind.clone()),
                ("label", ra.label.clone(), rb.label.clone()),
                ("program", ra.program.clone(), rb.program.clone()),
                (
                    "dataset",
                    format!("{} {}", ra.dataset, short(&ra.dataset_hash)),
                    format!("{} {}", rb.dataset, short(&rb.dataset_hash)),
                ),
                (
                    "scenario hash",
                    ra.scenario_hash
                        .as_deref()
                        .map(short)
                        .unwrap_or_default()
                        .into(),
                    rb.scenario_hash
                        .as_deref()
                        .map(short)
                        .unwrap_or_default()
                        .into(),
                ),
                ("seed", format!("{:?}", ra.seed), format!("{:?}", rb.seed)),
                ("runs", format!("{:?}", ra.runs), format!("{:?}", rb.runs)),
                ("options", ra.options.to_string(), rb.options.to_string()),
            ];
            let mut same = Vec::new();
            for (name, x, y) in fields {
                if x == y {
                    same.push(name);
                } else {
                    t.push(vec![name.to_string(), x, y]);
                }
            }
            if t.rows.is_empty() {
                println!("The two runs have the same inputs.");
            } else {
                println!("Inputs that differ:");
                print!("{}", t.render());
            }
            println!("Same: {}.", same.join(", "));
            let sa = store
                .result(a, "summary")?
                .map(|s| lost_rows(&s))
                .unwrap_or_default();
            let sb = store
                .result(b, "summary")?
                .map(|s| lost_rows(&s))
                .unwrap_or_default();
            let keys: std::collections::BTreeSet<(String, String)> =
                sa.keys().chain(sb.keys()).cloned().collect();
            if !keys.is_empty() {
                println!("\nLost output by sector and country (mean over replications):");
                let mut t = Table::new(&[
                    "sector",
                    "country",
                    &format!("run {a}"),
                    &format!("run {b}"),
                    "difference",
                ]);
                for k in keys {
                    let x = sa.get(&k).map(|v| v.0);
                    let y = sb.get(&k).map(|v| v.0);
                    let show = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| format!("{v:.0}"));
                    let d = match (x, y) {
                        (Some(x), Some(y)) => format!("{:+.0}", y - x),
                        _ => "-".into(),
                    };
                    t.push(vec![k.0, k.1, show(x), show(y), d]);
                }
                print!("{}", t.render());
            }
            Ok(0)
        }
        RunsCommand::Export { id, format, out } => {
            if let Err(e) = store.get(id) {
                return no_run(e);
            }
            let bytes = match format {
                ExportFormat::Json => match store.result(id, "summary")? {
                    Some(v) => serde_json::to_vec_pretty(&v)?,
                    None => bail!("run {id} has no summary (did it finish?)"),
                },
                ExportFormat::Csv | ExportFormat::Parquet => {
                    let name = if format == ExportFormat::Csv {
                        "replications.csv"
                    } else {
                        "replications.parquet"
                    };
                    let files = store.files(id)?;
                    let Some(f) = files.iter().find(|f| f.path.ends_with(name)) else {
                        eprintln!(
                            "error: run {id} has no {name} (its files: {})",
                            files
                                .iter()
                                .map(|f| f.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                        return Ok(2);
                    };
                    std::fs::read(&f.path)
                        .with_context(|| format!("reading {}", f.path.display()))?
                }
            };
            match out {
                Some(p) => {
                    write_atomic(&p, &bytes)?;
                    eprintln!("wrote {}", p.display());
                }
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
            Ok(0)
        }
        RunsCommand::Rm { id } => match store.remove(id) {
            Ok(()) => {
                println!("removed run {id}");
                Ok(0)
            }
            Err(e) => no_run(e),
        },
    }
}

fn short(h: &str) -> &str {
    h.get(..12).unwrap_or(h)
}

fn print_meta(r: &RunRow) {
    println!("run {} — {} {} ({})", r.id, r.kind, r.label, r.status);
    if let Some(m) = &r.message {
        println!("  failed: {m}");
    }
    println!(
        "  program {}; dataset {} sha256 {}",
        r.program, r.dataset, r.dataset_hash
    );
    if let Some(h) = &r.scenario_hash {
        println!("  scenario sha256 {h}");
    }
    println!(
        "  seed {:?}, runs {:?}, threads {:?}; started {}, finished {}",
        r.seed,
        r.runs,
        r.threads,
        r.started_at,
        r.finished_at.as_deref().unwrap_or("-")
    );
    println!("  options {}", r.options);
}

type LostRow = (f64, f64, f64, f64);

/// (sector, country) -> (lost mean, P5, P95, share of demand) from a simulate summary.
fn lost_rows(summary: &serde_json::Value) -> std::collections::BTreeMap<(String, String), LostRow> {
    let mut out = std::collections::BTreeMap::new();
    for s in summary["sectors"].as_array().into_iter().flatten() {
        let f = |v: &serde_json::Value| v.as_f64().unwrap_or(0.0);
        let key = (
            s["sector"].as_str().unwrap_or("?").to_string(),
            s["country"].as_str().unwrap_or("?").to_string(),
        );
        out.insert(
            key,
            (
                f(&s["lost_units"]["mean"]),
                f(&s["lost_units"]["p5"]),
                f(&s["lost_units"]["p95"]),
                f(&s["lost_share"]["mean"]),
            ),
        );
    }
    out
}
