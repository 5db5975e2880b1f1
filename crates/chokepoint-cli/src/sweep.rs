//! `chokepoint sweep`: sensitivity sweeps of a scenario (see `chokepoint_app::sweep`), whole on
//! this machine, one shard of them (`--shard K/N`), the merge of the shards' partial results,
//! and a Slurm job array that runs the shards and the merge on a cluster.

use crate::output::{Table, write_atomic};
use anyhow::{Context as _, Result, bail};
use chokepoint_app::sweep::{self, Partial, SweepResult, SweepSpec};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    pub command: Option<SweepCommand>,
    /// The sweep's spec (TOML): a scenario, its swept parameters (`[[axis]]`), a design and the
    /// outputs (`[[output]]`); see docs/sweeps.md.
    pub spec: Option<PathBuf>,
    /// Run only shard K of N (1-based) and write its partial result into --out.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Directory for the results (a shard writes `part-K-of-N.json` there).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the result as JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum SweepCommand {
    /// Combine the shards' partial results in DIR into the sweep's result (the same, bit for
    /// bit, as one machine running the whole sweep); names any missing shard or variant.
    Merge {
        /// The directory the shards wrote their `part-*.json` into.
        dir: PathBuf,
        /// The spec the shards ran (default: the `spec.toml` copy in DIR).
        #[arg(long)]
        spec: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Write a Slurm job array that runs the sweep in N shards plus a merge job that depends
    /// on it, and submit both with sbatch (unless --no-submit).
    Slurm {
        spec: PathBuf,
        #[arg(long)]
        shards: u32,
        /// The sweep's directory on storage every node sees (scripts, parts, logs, result).
        #[arg(long)]
        out: PathBuf,
        /// Slurm partition (default: the cluster's default).
        #[arg(long)]
        partition: Option<String>,
        /// Only write the scripts.
        #[arg(long)]
        no_submit: bool,
    },
}

pub fn run(args: SweepArgs) -> Result<i32> {
    match args.command {
        Some(SweepCommand::Merge { dir, spec, json }) => merge(&dir, spec.as_deref(), json),
        Some(SweepCommand::Slurm {
            spec,
            shards,
            out,
            partition,
            no_submit,
        }) => slurm(&spec, shards, &out, partition.as_deref(), no_submit),
        None => {
            let Some(spec) = args.spec else {
                eprintln!(
                    "error: give a sweep spec (chokepoint sweep SPEC.toml), or `merge` / `slurm`"
                );
                return Ok(2);
            };
            run_sweep(&spec, args.shard.as_deref(), args.out.as_deref(), args.json)
        }
    }
}

/// The spec, its scenario's text and the sweep's hash; a bad spec is exit code 2.
fn load(
    spec_path: &Path,
) -> Result<std::result::Result<(String, SweepSpec, String, String), String>> {
    let text = std::fs::read_to_string(spec_path)
        .with_context(|| format!("reading {}", spec_path.display()))?;
    let spec = match sweep::parse_spec(&text, &spec_path.display().to_string()) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e.to_string())),
    };
    // A path is read relative to the spec's folder first, then as given, then as a bundled id.
    let beside = spec_path
        .parent()
        .map(|d| d.join(&spec.scenario))
        .filter(|p| p.is_file());
    let scenario_arg = beside
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| spec.scenario.clone());
    let (_, scenario_text) = match crate::simulate::read_scenario(&scenario_arg) {
        Ok(x) => x,
        Err(e) => return Ok(Err(format!("{}: scenario: {e}", spec_path.display()))),
    };
    let hash = sweep::sweep_hash(&text, &scenario_text);
    Ok(Ok((text, spec, scenario_text, hash)))
}

fn run_sweep(spec_path: &Path, shard: Option<&str>, out: Option<&Path>, json: bool) -> Result<i32> {
    let (spec_text, spec, scenario_text, hash) = match load(spec_path)? {
        Ok(x) => x,
        Err(m) => {
            eprintln!("error: {m}");
            return Ok(2);
        }
    };
    let shard = match shard.map(sweep::parse_shard).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    };
    if shard.is_some() && out.is_none() {
        eprintln!("error: --shard needs --out DIR for its partial result");
        return Ok(2);
    }
    let all = match sweep::variants(&spec) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {}: {e}", spec_path.display());
            return Ok(2);
        }
    };
    let mine: Vec<&sweep::Variant> = match shard {
        Some((k, n)) => sweep::shard_of(&all, k, n),
        None => all.iter().collect(),
    };
    let timeline = match crate::policy::load_timeline(None)? {
        Ok(t) => t,
        Err(d) => {
            crate::policy::print_diagnostics(&d);
            bail!("the bundled policy timeline has errors");
        }
    };
    let world = crate::simulate::load_world(None)?;
    let bar = ProgressBar::new(mine.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} variants, {elapsed} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(match shard {
        Some((k, n)) => format!("sweep {} shard {k}/{n}", spec.scenario),
        None => format!("sweep {}", spec.scenario),
    });
    let t0 = std::time::Instant::now();
    let mut results = Vec::with_capacity(mine.len());
    for v in mine {
        match sweep::evaluate(&world, &timeline, &scenario_text, &spec, v) {
            Ok(r) => results.push(r),
            Err(e) => {
                bar.abandon();
                eprintln!("error: variant {} ({:?}): {e}", v.index, v.params);
                return Ok(2);
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let elapsed = t0.elapsed();
    if let Some((k, n)) = shard {
        let dir = out.unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let part = Partial {
            sweep_hash: hash,
            shard: k,
            shards: n,
            variants: all.len(),
            results,
        };
        let path = dir.join(format!("part-{k}-of-{n}.json"));
        write_atomic(&path, serde_json::to_string(&part)?.as_bytes())?;
        // The spec beside the parts, so `merge DIR` needs nothing else.
        let copy = dir.join("spec.toml");
        if !copy.exists() {
            write_atomic(&copy, spec_text.as_bytes())?;
        }
        eprintln!(
            "shard {k}/{n}: {} variants in {:.1} s -> {}",
            part.results.len(),
            elapsed.as_secs_f64(),
            path.display()
        );
        return Ok(0);
    }
    let result = match sweep::analyse(&spec, &hash, results) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    };
    finish(&result, out, json)?;
    eprintln!(
        "{} variants × {} replications in {:.1} s",
        result.variants.len(),
        spec.runs,
        elapsed.as_secs_f64()
    );
    Ok(0)
}

fn merge(dir: &Path, spec: Option<&Path>, json: bool) -> Result<i32> {
    let spec_path = spec
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.join("spec.toml"));
    let (_, spec, _, hash) = match load(&spec_path)? {
        Ok(x) => x,
        Err(m) => {
            eprintln!("error: {m}");
            return Ok(2);
        }
    };
    let mut partials = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("part-") && n.ends_with(".json"))
        })
        .collect();
    names.sort();
    for p in &names {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
        match serde_json::from_str::<Partial>(&text) {
            Ok(x) => partials.push(x),
            Err(e) => {
                eprintln!(
                    "error: {}: not a partial result of a sweep: {e}",
                    p.display()
                );
                return Ok(2);
            }
        }
    }
    if partials.is_empty() {
        eprintln!(
            "error: {}: no part-*.json files (did the shards run?)",
            dir.display()
        );
        return Ok(2);
    }
    match sweep::merge(&spec, &hash, &partials) {
        Ok(result) => {
            finish(&result, Some(dir), json)?;
            Ok(0)
        }
        Err(e) => {
            eprintln!("error: {}: {e}", dir.display());
            Ok(2)
        }
    }
}

/// Prints the result and, with a directory, writes `result.json`, `variants.csv` and
/// `indices.csv` there atomically.
fn finish(result: &SweepResult, out: Option<&Path>, json: bool) -> Result<()> {
    let text = serde_json::to_string_pretty(result)?;
    if json {
        println!("{text}");
    } else {
        print_tables(result);
    }
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        write_atomic(&dir.join("result.json"), text.as_bytes())?;
        let mut headers: Vec<String> = vec!["variant".into(), "role".into()];
        headers.extend(result.axes.iter().cloned());
        headers.extend(result.outputs.iter().cloned());
        let mut t = Table {
            headers,
            rows: Vec::new(),
        };
        for v in &result.variants {
            let mut row = vec![v.index.to_string(), serde_json::to_string(&v.role)?];
            row.extend(v.params.iter().map(|p| p.to_string()));
            row.extend(v.outputs.iter().map(|y| y.to_string()));
            t.rows.push(row);
        }
        let mut buf = Vec::new();
        t.to_csv(&mut buf)?;
        write_atomic(&dir.join("variants.csv"), &buf)?;
        write_atomic(&dir.join("variants.parquet"), &variants_parquet(result)?)?;
        let mut t = Table::new(&[
            "output",
            "parameter",
            "first_order",
            "first_lo",
            "first_hi",
            "total",
            "total_lo",
            "total_hi",
        ]);
        for o in &result.sobol {
            for (name, i) in &o.indices {
                t.push(vec![
                    o.output.clone(),
                    name.clone(),
                    i.first_order.to_string(),
                    i.first_order_ci.0.to_string(),
                    i.first_order_ci.1.to_string(),
                    i.total.to_string(),
                    i.total_ci.0.to_string(),
                    i.total_ci.1.to_string(),
                ]);
            }
        }
        let mut buf = Vec::new();
        t.to_csv(&mut buf)?;
        write_atomic(&dir.join("indices.csv"), &buf)?;
        eprintln!(
            "wrote result.json, variants.csv, indices.csv to {}",
            dir.display()
        );
    }
    Ok(())
}

/// The variants as a Parquet table: index, role, each parameter (as text: a list's values may
/// be tables) and each output (f64).
fn variants_parquet(r: &SweepResult) -> Result<Vec<u8>> {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt64Array};
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;
    let mut fields = vec![
        Field::new("variant", DataType::UInt64, false),
        Field::new("role", DataType::Utf8, false),
    ];
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(UInt64Array::from(
            r.variants
                .iter()
                .map(|v| v.index as u64)
                .collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            r.variants
                .iter()
                .map(|v| serde_json::to_string(&v.role).unwrap_or_default())
                .collect::<Vec<_>>(),
        )),
    ];
    for (j, name) in r.axes.iter().enumerate() {
        fields.push(Field::new(name, DataType::Utf8, true));
        cols.push(Arc::new(StringArray::from(
            r.variants
                .iter()
                .map(|v| v.params.get(j).map(|p| p.to_string()))
                .collect::<Vec<_>>(),
        )));
    }
    for (k, name) in r.outputs.iter().enumerate() {
        fields.push(Field::new(name, DataType::Float64, true));
        cols.push(Arc::new(Float64Array::from(
            r.variants
                .iter()
                .map(|v| v.outputs.get(k).copied())
                .collect::<Vec<_>>(),
        )));
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), cols)?;
    let mut pq = Vec::new();
    {
        let mut w = parquet::arrow::ArrowWriter::try_new(&mut pq, schema, None)?;
        w.write(&batch)?;
        w.close()?;
    }
    Ok(pq)
}

fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

fn print_tables(r: &SweepResult) {
    println!(
        "Sweep of {} ({} variants, {} replications each, seed {}; design {:?})",
        r.scenario,
        r.variants.len(),
        r.runs,
        r.seed,
        r.design
    );
    for o in &r.sobol {
        println!("\nSobol indices of {} (95% bootstrap intervals):", o.output);
        let mut t = Table::new(&["parameter", "first order", "interval", "total", "interval"]);
        let mut rows: Vec<_> = o.indices.iter().collect();
        rows.sort_by(|a, b| b.1.total.total_cmp(&a.1.total));
        for (name, i) in rows {
            t.push(vec![
                name.clone(),
                format!("{:.3}", i.first_order),
                format!("{:.3} – {:.3}", i.first_order_ci.0, i.first_order_ci.1),
                format!("{:.3}", i.total),
                format!("{:.3} – {:.3}", i.total_ci.0, i.total_ci.1),
            ]);
        }
        print!("{}", t.render());
    }
    for o in &r.tornado {
        println!(
            "\nTornado of {} (centre {}; each parameter at its low and high end, the others at their centre):",
            o.output,
            pct(o.centre)
        );
        let mut t = Table::new(&["parameter", "at low", "at high", "swing (points)"]);
        for (name, b) in &o.bars {
            t.push(vec![
                name.clone(),
                pct(b.low),
                pct(b.high),
                format!("{:.2}", 100.0 * b.swing),
            ]);
        }
        print!("{}", t.render());
    }
}

/// Single-quotes `s` for a POSIX shell.
fn sh(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn slurm(
    spec_path: &Path,
    shards: u32,
    out: &Path,
    partition: Option<&str>,
    no_submit: bool,
) -> Result<i32> {
    if shards == 0 {
        eprintln!("error: --shards: at least 1");
        return Ok(2);
    }
    let (spec_text, spec, _, _) = match load(spec_path)? {
        Ok(x) => x,
        Err(m) => {
            eprintln!("error: {m}");
            return Ok(2);
        }
    };
    let n_variants = match sweep::variants(&spec) {
        Ok(v) => v.len(),
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    };
    std::fs::create_dir_all(out.join("logs"))
        .with_context(|| format!("creating {}", out.display()))?;
    let out = std::fs::canonicalize(out)?;
    // The spec is copied beside the parts (with the scenario resolved to its text's path), so
    // every shard and the merge read the same bytes whatever the working directory.
    let spec_copy = out.join("spec.toml");
    let resolved = std::fs::canonicalize(spec_path)?;
    let spec_for_nodes = if spec_path
        .parent()
        .map(|d| d.join(&spec.scenario))
        .is_some_and(|p| p.is_file())
    {
        // A scenario given relative to the spec: keep the original spec where it is.
        resolved.clone()
    } else {
        write_atomic(&spec_copy, spec_text.as_bytes())?;
        spec_copy.clone()
    };
    let exe = std::env::current_exe().context("finding this program's path")?;
    let part = partition
        .map(|p| format!("#SBATCH --partition={p}\n"))
        .unwrap_or_default();
    let array = format!(
        "#!/bin/sh\n#SBATCH --job-name=chokepoint-sweep\n#SBATCH --array=1-{shards}\n#SBATCH --cpus-per-task=1\n#SBATCH --output={logs}/shard-%a.out\n{part}\
# One shard of the sweep per array task ({n_variants} variants in {shards} shards).\n\
exec {exe} sweep {spec} --shard \"$SLURM_ARRAY_TASK_ID/{shards}\" --out {out}\n",
        logs = sh(&out.join("logs").display().to_string()),
        exe = sh(&exe.display().to_string()),
        spec = sh(&spec_for_nodes.display().to_string()),
        out = sh(&out.display().to_string()),
    );
    let merge = format!(
        "#!/bin/sh\n#SBATCH --job-name=chokepoint-sweep-merge\n#SBATCH --output={logs}/merge.out\n{part}\
# Runs after every shard succeeded (--dependency=afterok on the array).\n\
exec {exe} sweep merge {out} --spec {spec}\n",
        logs = sh(&out.join("logs").display().to_string()),
        exe = sh(&exe.display().to_string()),
        spec = sh(&spec_for_nodes.display().to_string()),
        out = sh(&out.display().to_string()),
    );
    write_atomic(&out.join("shards.sbatch"), array.as_bytes())?;
    write_atomic(&out.join("merge.sbatch"), merge.as_bytes())?;
    println!(
        "wrote {0}/shards.sbatch and {0}/merge.sbatch",
        out.display()
    );
    if no_submit {
        println!(
            "submit with:\n  jobid=$(sbatch --parsable {0}/shards.sbatch)\n  sbatch --dependency=afterok:$jobid {0}/merge.sbatch",
            out.display()
        );
        return Ok(0);
    }
    let submitted = std::process::Command::new("sbatch")
        .arg("--parsable")
        .arg(out.join("shards.sbatch"))
        .output()
        .context("running sbatch (is Slurm installed here?)")?;
    if !submitted.status.success() {
        eprintln!(
            "error: sbatch: {}",
            String::from_utf8_lossy(&submitted.stderr).trim()
        );
        return Ok(2);
    }
    let job = String::from_utf8_lossy(&submitted.stdout)
        .trim()
        .split(';')
        .next()
        .unwrap_or("")
        .to_string();
    let merged = std::process::Command::new("sbatch")
        .arg("--parsable")
        .arg(format!("--dependency=afterok:{job}"))
        .arg(out.join("merge.sbatch"))
        .output()
        .context("running sbatch for the merge")?;
    if !merged.status.success() {
        eprintln!(
            "error: sbatch (merge): {}",
            String::from_utf8_lossy(&merged.stderr).trim()
        );
        return Ok(2);
    }
    let merge_job = String::from_utf8_lossy(&merged.stdout).trim().to_string();
    println!(
        "submitted shards as job {job} (array 1-{shards}) and the merge as job {merge_job}; the result will be {}/result.json",
        out.display()
    );
    Ok(0)
}
