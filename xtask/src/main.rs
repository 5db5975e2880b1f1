//! Project automation. `cargo xtask ci` is what CI runs (through `.ci/run`): formatting, clippy
//! with warnings denied, the architecture check, docs, then the test suite.
//!
//! The architecture check reads `cargo metadata` and enforces the layering written down in
//! ARCHITECTURE.md: pure crates (core and the engines) must not reach I/O-bound crates even
//! transitively, and chokepoint crates may depend only on crates further in.

use anyhow::{Context, Result, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Crates that must stay free of I/O: no filesystem walkers, no async runtimes, no HTTP, no
/// databases, no CLI or terminal crates.
const PURE_CRATES: [&str; 10] = [
    "chokepoint-core",
    "chokepoint-app",
    "chokepoint-scenario",
    "chokepoint-sim",
    "chokepoint-rules",
    "chokepoint-analysis",
    "chokepoint-optimise",
    "chokepoint-stocks",
    "chokepoint-longrun",
    "chokepoint-market",
];

/// (`csv` is not here: parsing CSV text handed in is pure; reading the file is the caller's.)
const IO_BOUND: [&str; 15] = [
    "tokio",
    "axum",
    "hyper",
    "reqwest",
    "ureq",
    "rusqlite",
    "postgres",
    "sqlx",
    "clap",
    "indicatif",
    "tempfile",
    "walkdir",
    "parquet",
    "tower",
    "console",
];

/// Which chokepoint crates each crate may depend on (dependencies point inward only).
fn allowed_internal() -> BTreeMap<&'static str, &'static [&'static str]> {
    BTreeMap::from([
        ("chokepoint-core", &[][..]),
        ("chokepoint-rules", &["chokepoint-core"][..]),
        ("chokepoint-sim", &["chokepoint-core"][..]),
        // The optimiser is generic: it is handed sampled paths as plain values.
        ("chokepoint-optimise", &["chokepoint-core"][..]),
        // Dynamic in-use stocks: plain series in, plain series out.
        ("chokepoint-stocks", &["chokepoint-core"][..]),
        // Prices from simulated balances: plain series in, plain series out.
        ("chokepoint-market", &["chokepoint-core"][..]),
        (
            "chokepoint-scenario",
            &["chokepoint-core", "chokepoint-sim", "chokepoint-rules"][..],
        ),
        // The long-horizon mode: reads the world and a long-run scenario, runs the stock model.
        (
            "chokepoint-longrun",
            &[
                "chokepoint-core",
                "chokepoint-sim",
                "chokepoint-rules",
                "chokepoint-scenario",
                "chokepoint-stocks",
            ][..],
        ),
        (
            "chokepoint-analysis",
            &[
                "chokepoint-core",
                "chokepoint-sim",
                "chokepoint-rules",
                "chokepoint-scenario",
            ][..],
        ),
        (
            "chokepoint-app",
            &[
                "chokepoint-core",
                "chokepoint-sim",
                "chokepoint-rules",
                "chokepoint-scenario",
                "chokepoint-analysis",
                "chokepoint-optimise",
                "chokepoint-longrun",
                "chokepoint-stocks",
                "chokepoint-market",
            ][..],
        ),
        (
            "chokepoint-data",
            &["chokepoint-core", "chokepoint-rules"][..],
        ),
    ])
}

fn main() -> Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    match task.as_str() {
        "ci" => {
            lint()?;
            test()
        }
        "lint" => lint(),
        "arch" => arch(),
        "test" => test(),
        _ => {
            eprintln!(
                "usage: cargo xtask <ci|lint|arch|test>\n  ci    lint + test (what .ci/run does)\n  lint  fmt --check, clippy -D warnings, architecture check, docs\n  arch  dependency layering only\n  test  cargo test --workspace"
            );
            bail!("unknown task `{task}`")
        }
    }
}

fn cargo(args: &[&str]) -> Result<()> {
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .status()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed", args.join(" "));
    }
    Ok(())
}

fn lint() -> Result<()> {
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    arch()?;
    // SAFETY of env mutation: single-threaded here, before spawning children.
    let mut doc = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    doc.args(["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings");
    eprintln!("$ RUSTDOCFLAGS='-D warnings' cargo doc --workspace --no-deps");
    if !doc.status()?.success() {
        bail!("cargo doc failed");
    }
    Ok(())
}

/// The README's test command.
fn test() -> Result<()> {
    cargo(&["test", "--workspace"])
}

fn arch() -> Result<()> {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1"])
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let packages = meta["packages"].as_array().context("metadata.packages")?;
    let name_of: BTreeMap<&str, &str> = packages
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p["name"].as_str()?)))
        .collect();
    // Normal (non-dev, non-build) dependency edges of the resolved graph.
    let mut deps: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for node in meta["resolve"]["nodes"]
        .as_array()
        .context("metadata.resolve.nodes")?
    {
        let Some(id) = node["id"].as_str() else {
            continue;
        };
        let name = name_of.get(id).copied().unwrap_or(id);
        let normal: Vec<&str> = node["deps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| {
                d["dep_kinds"]
                    .as_array()
                    .is_some_and(|ks| ks.iter().any(|k| k["kind"].is_null()))
            })
            .filter_map(|d| d["pkg"].as_str().and_then(|p| name_of.get(p).copied()))
            .collect();
        deps.entry(name).or_default().extend(normal);
    }
    let mut problems = Vec::new();
    for krate in PURE_CRATES {
        let mut seen = BTreeSet::new();
        let mut stack = vec![(krate, vec![krate])];
        while let Some((c, path)) = stack.pop() {
            for &d in deps.get(c).map(Vec::as_slice).unwrap_or(&[]) {
                if IO_BOUND.contains(&d) {
                    problems.push(format!(
                        "{krate} reaches I/O-bound crate `{d}` via {} -> {d}",
                        path.join(" -> ")
                    ));
                }
                if seen.insert(d) {
                    let mut p = path.clone();
                    p.push(d);
                    stack.push((d, p));
                }
            }
        }
    }
    for (krate, allowed) in allowed_internal() {
        for &d in deps.get(krate).map(Vec::as_slice).unwrap_or(&[]) {
            if d.starts_with("chokepoint-") && !allowed.contains(&d) {
                problems.push(format!(
                    "{krate} depends on {d}; allowed inward dependencies: {allowed:?}"
                ));
            }
        }
    }
    if problems.is_empty() {
        eprintln!(
            "architecture check: ok ({} pure crates, layering respected)",
            PURE_CRATES.len()
        );
        Ok(())
    } else {
        for p in &problems {
            eprintln!("architecture violation: {p}");
        }
        bail!("{} architecture violation(s)", problems.len())
    }
}
