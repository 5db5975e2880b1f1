//! `chokepoint simulate` and `chokepoint scenario list|show`: run a scenario's Monte Carlo on the
//! bundled world and write its results.
//!
//! Results go to a new run directory, built under a temporary name next to it and renamed into
//! place at the end, so an interrupted or failed run leaves nothing half-written and never
//! touches an existing directory.

use crate::output::{Format, Table, write_atomic};
use anyhow::{Context, Result, bail};
use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema};
use chokepoint_scenario::{Compiled, Report, Scenario, compile};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// A scenario file, or the id of a bundled scenario (see `chokepoint scenario list`).
    pub scenario: String,
    /// Monte Carlo replications (default: the scenario's `runs`, else 1000).
    #[arg(long)]
    pub runs: Option<u32>,
    /// Master seed; replication r uses the stream (seed, r), so results do not depend on threads.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results are bit-identical for any value.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Write summary.json, replications.csv/.parquet, plants.csv, prices.csv/.parquet/.json (price
    /// paths per market and month, money costs), flows.csv/.parquet (every
    /// cross-border flow per month against the policy-free baseline), nodes.csv (output and
    /// stock per node per month of the median replication), china_exports.csv and daily.csv
    /// into this new directory (it must not exist).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// With --out: also write daily.csv for this replication (default: the median one by total
    /// lost output).
    #[arg(long)]
    pub daily_replication: Option<u64>,
    /// Layer this data directory over the bundled dataset.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Use every uncertain input's central value (mode of a triangular, middle of a uniform)
    /// instead of drawing it per group of 16 replications: deterministic inputs, narrower bands.
    #[arg(long)]
    pub fixed_inputs: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub store: crate::runs::StoreArgs,
}

#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// List the bundled scenarios.
    List,
    /// Show a scenario: its inputs, provenance and the network it compiles to.
    Show {
        /// A scenario file or bundled id.
        scenario: String,
    },
}

fn scenario_dir() -> PathBuf {
    chokepoint_data::bundled_dir().join("scenarios")
}

/// Resolves a path or a bundled id to (path, text).
pub(crate) fn read_scenario(arg: &str) -> Result<(PathBuf, String)> {
    let as_path = PathBuf::from(arg);
    let path = if as_path.is_file() {
        as_path
    } else {
        let bundled = scenario_dir().join(format!("{arg}.toml"));
        if !bundled.is_file() {
            // A scenario saved through the server (`POST /api/scenarios`) runs here by name too.
            let store = crate::runs::store_path(None);
            if store.is_file()
                && let Ok(s) = chokepoint_store::Store::open(&store)
                && let Ok(saved) = s.scenario(arg)
            {
                return Ok((
                    PathBuf::from(format!("{} (saved in {})", arg, store.display())),
                    saved.toml,
                ));
            }
            bail!(
                "no scenario file `{arg}`, no bundled scenario and no saved scenario with that id; `chokepoint scenario list` shows the bundled ones"
            );
        }
        bundled
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok((path, text))
}

/// Resolves the scenario's licensing regimes against the rule timeline (bundled policy file):
/// windows of regimes that name a measure, general-licence dates, unknown ids. Returns the notes
/// or the error message naming the field.
fn resolve_measures(
    s: &mut Scenario,
    file: &str,
) -> Result<std::result::Result<Vec<String>, String>> {
    let timeline = match crate::policy::load_timeline(None)? {
        Ok(t) => t,
        Err(d) => {
            crate::policy::print_diagnostics(&d);
            bail!("the bundled policy timeline has errors");
        }
    };
    Ok(s.resolve_measures(&timeline, file)
        .map_err(|e| e.to_string()))
}

pub(crate) fn load_world(data: Option<&Path>) -> Result<chokepoint_core::World> {
    match chokepoint_data::load_bundled(data) {
        Ok(l) => Ok(l.world),
        Err(d) => {
            for x in d.0.iter().take(20) {
                eprintln!("{x}");
            }
            bail!(
                "the dataset has {} error(s); run `chokepoint data check` for all of them",
                d.error_count()
            )
        }
    }
}

pub fn run_scenario_command(cmd: ScenarioCommand) -> Result<i32> {
    match cmd {
        ScenarioCommand::List => {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(scenario_dir())
                .with_context(|| format!("reading {}", scenario_dir().display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            entries.sort();
            let mut t = Table::new(&["id", "start", "days", "title"]);
            for p in entries {
                let text = std::fs::read_to_string(&p)?;
                let stem = p
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default();
                if chokepoint_scenario::longrun::is_long_run_id(&stem) {
                    // Long-run scenarios run with `chokepoint project --scenario ID`.
                    match chokepoint_scenario::longrun::LongRunScenario::parse(
                        &text,
                        &p.display().to_string(),
                    ) {
                        Ok(s) => t.push(vec![
                            s.id,
                            format!("{} (project)", s.from),
                            format!("to {}", s.to),
                            s.title,
                        ]),
                        Err(e) => t.push(vec![
                            p.display().to_string(),
                            String::new(),
                            String::new(),
                            format!("INVALID: {e}"),
                        ]),
                    }
                    continue;
                }
                match Scenario::parse(&text, &p.display().to_string()) {
                    Ok(s) => t.push(vec![
                        s.id,
                        s.start.to_string(),
                        s.horizon_days.to_string(),
                        s.title,
                    ]),
                    Err(e) => t.push(vec![
                        p.display().to_string(),
                        String::new(),
                        String::new(),
                        format!("INVALID: {e}"),
                    ]),
                }
            }
            print!("{}", t.render());
            Ok(0)
        }
        ScenarioCommand::Show { scenario } => {
            let (path, text) = read_scenario(&scenario)?;
            let file = path.display().to_string();
            let mut s = match Scenario::parse(&text, &file) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(2);
                }
            };
            let measures = match resolve_measures(&mut s, &file)? {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(2);
                }
            };
            let world = load_world(None)?;
            let c = match compile(&world, &s, &file) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(2);
                }
            };
            println!("{} — {}\n{}\n", s.id, s.title, s.description.trim());
            println!(
                "start {}  horizon {} days  file {}",
                s.start, s.horizon_days, file
            );
            println!(
                "network: {} nodes, {} edges, {} sinks, {} stockpiles",
                c.network.node_count(),
                c.network.edge_count(),
                c.sinks.len(),
                c.stockpiles.len()
            );
            for m in &measures {
                println!("policy: {m}");
            }
            println!("\nsources: {}", s.provenance.sources.join(", "));
            for a in s.provenance.assumptions.iter().chain(&c.assumptions) {
                println!("assumption: {a}");
            }
            for w in &c.warnings {
                println!("warning: {w}");
            }
            Ok(0)
        }
    }
}

pub fn run_simulate(args: SimulateArgs) -> Result<i32> {
    let (path, text) = read_scenario(&args.scenario)?;
    let file = path.display().to_string();
    if let Some(out) = &args.out
        && out.exists()
    {
        eprintln!(
            "error: --out: run directory {} already exists; choose a new one (results are never merged into an old run)",
            out.display()
        );
        return Ok(2);
    }
    if args.threads == Some(0) {
        eprintln!("error: --threads: expected at least 1 thread");
        return Ok(2);
    }
    let timeline = match crate::policy::load_timeline(None)? {
        Ok(t) => t,
        Err(d) => {
            crate::policy::print_diagnostics(&d);
            bail!("the bundled policy timeline has errors");
        }
    };
    let world = load_world(args.data.as_deref())?;
    let opts = chokepoint_app::simulate::SimulateOptions {
        runs: args.runs,
        seed: args.seed,
        fixed_inputs: args.fixed_inputs,
        replay: args.out.is_some(),
        replay_replication: args.daily_replication,
    };
    // The progress bar's length is the run's replication count, known once the scenario parses.
    let (runs, seed, label) = match chokepoint_app::simulate::parse(&text, &file, &timeline) {
        Ok((s, _)) => (
            args.runs.or(s.runs).unwrap_or(1000),
            args.seed.or(s.seed).unwrap_or(0),
            s.id.clone(),
        ),
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    };
    let recording = crate::runs::Recording::begin(
        &args.store,
        chokepoint_store::NewRun {
            seed: Some(seed),
            runs: Some(u64::from(runs)),
            threads: Some(args.threads.unwrap_or_else(rayon::current_num_threads) as u64),
            ..crate::runs::new_run(
                "simulate",
                label,
                args.data.as_deref(),
                Some(&text),
                serde_json::json!({
                    "scenario": args.scenario,
                    "runs": runs,
                    "seed": seed,
                    "fixed_inputs": args.fixed_inputs,
                    "data": args.data.as_ref().map(|p| p.display().to_string()),
                }),
            )?
        },
    );
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(t) = args.threads {
        pool = pool.num_threads(t);
    }
    let pool = pool.build().context("starting the worker threads")?;
    let bar = ProgressBar::new(u64::from(runs));
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:30}] {pos}/{len} replications ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(args.scenario.clone());
    let started = std::time::Instant::now();
    let sim = pool.install(|| {
        chokepoint_app::simulate::run(&world, &timeline, &text, &file, &opts, &|| bar.inc(1))
    });
    bar.finish_and_clear();
    let sim = match sim {
        Ok(s) => s,
        Err(chokepoint_app::AppError::Invalid(m)) => {
            recording.failed(&m);
            eprintln!("error: {m}");
            return Ok(2);
        }
        Err(e) => {
            recording.failed(&e.to_string());
            bail!("{e}")
        }
    };
    let elapsed = started.elapsed();
    let rep = &sim.report;
    if let (Some(out), Some(replay)) = (&args.out, &sim.replay) {
        write_run_dir(
            out,
            rep,
            &sim.compiled,
            &sim.mc,
            &replay.daily,
            &replay.nodes,
            replay.replication,
            sim.prices.as_ref(),
        )?;
        eprintln!("wrote {}", out.display());
    }
    let (csv_bytes, parquet_bytes) = replications_tables(&sim.compiled, &sim.mc)?;
    let mut results = vec![
        ("summary", serde_json::to_value(rep)?),
        ("plants", serde_json::to_value(&rep.plants)?),
    ];
    if let Some(p) = &sim.prices {
        results.push(("prices", serde_json::to_value(p)?));
    }
    recording.done(
        &results,
        &[
            ("replications", "replications.csv", &csv_bytes),
            (
                "replications-parquet",
                "replications.parquet",
                &parquet_bytes,
            ),
        ],
    );
    match args.format {
        Format::Json => {
            // The report's fields, plus `prices` (additive: the report's shape is unchanged).
            let mut v = serde_json::to_value(rep)?;
            if let (Some(p), Some(obj)) = (&sim.prices, v.as_object_mut()) {
                obj.insert("prices".into(), serde_json::to_value(p)?);
            }
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        Format::Csv => sectors_table(rep).to_csv(&mut std::io::stdout())?,
        Format::Table => {
            print_report(rep, &sim.compiled, elapsed);
            if let Some(p) = &sim.prices {
                print_prices(p);
            }
        }
    }
    Ok(0)
}

/// The price section: each priced market's base and peak, the money cost, and the rare-earth
/// cost per unit of end product.
fn print_prices(p: &chokepoint_app::market::PriceReport) {
    println!(
        "\nPrices (USD/kg; mean [P5, P95] over replications at the central elasticity; in brackets after it the means at the low and high ends of the elasticity range):"
    );
    let mut t = Table::new(&[
        "material",
        "tier",
        "base (row)",
        "peak month",
        "peak price",
        "elasticity range",
        "extra spend, USD M",
    ]);
    for m in &p.markets {
        let peak = m.rows.iter().find(|r| r.month == m.peak_month);
        t.push(vec![
            m.material.clone(),
            m.tier.as_str().into(),
            format!(
                "{} ({} {})",
                m.base.price,
                m.base.market_label(),
                m.base.period
            ),
            m.peak_month.clone(),
            peak.map_or("-".into(), |r| {
                format!(
                    "{} ({:.0} / {:.0})",
                    fmt_summary(&r.price, 0),
                    r.price_low_elasticity,
                    r.price_high_elasticity
                )
            }),
            format!(
                "{} / {} / {}",
                m.elasticity.low, m.elasticity.central, m.elasticity.high
            ),
            format!(
                "{} ({:.1} / {:.1})",
                fmt_summary(&scale(m.extra_spend_usd, 1e-6), 1),
                m.extra_spend_low_elasticity_usd * 1e-6,
                m.extra_spend_high_elasticity_usd * 1e-6
            ),
        ]);
    }
    print!("{}", t.render());
    println!(
        "Extra spend on priced materials: buyers outside China {} USD M, in China {} USD M.",
        fmt_summary(&scale(p.extra_spend_ex_china_usd, 1e-6), 1),
        fmt_summary(&scale(p.extra_spend_china_usd, 1e-6), 1)
    );
    match p.lost_output_value_usd {
        Some(v) => println!(
            "Value of lost output (sectors with a unit value): {:.1} USD M.",
            v * 1e-6
        ),
        None => println!("Value of lost output: no sector has a unit value in this scenario."),
    }
    if !p.products.is_empty() {
        println!(
            "\nRare-earth oxide cost per unit of end product (USD; base and in the peak month):"
        );
        let mut t = Table::new(&["sector", "product", "tier", "base", "peak", "peak month"]);
        for c in &p.products {
            t.push(vec![
                c.sector.clone(),
                c.product.clone(),
                c.tier.as_str().into(),
                format!("{:.2}", c.base_usd),
                format!("{:.2}", c.peak_usd),
                c.peak_month.clone(),
            ]);
        }
        print!("{}", t.render());
    }
    let taxed: Vec<_> = p.lanes.iter().filter(|l| l.tariff_rate > 0.0).collect();
    if !taxed.is_empty() {
        println!(
            "\nLanes with a modelled tariff (landed USD/kg = price x (1 + tariff); no freight data):"
        );
        let mut t = Table::new(&[
            "lane",
            "material",
            "tariff",
            "landed at base",
            "landed at peak",
        ]);
        for l in taxed.iter().take(12) {
            t.push(vec![
                format!("{}>{}", l.from, l.to),
                l.material.clone(),
                format!("{:.1}%", l.tariff_rate * 100.0),
                format!("{:.1}", l.landed_base),
                format!("{:.1}", l.landed_peak),
            ]);
        }
        print!("{}", t.render());
    }
    for w in &p.warnings {
        println!("warning: {w}");
    }
}

fn scale(s: chokepoint_scenario::report::Summary, k: f64) -> chokepoint_scenario::report::Summary {
    chokepoint_scenario::report::Summary {
        mean: s.mean * k,
        se: s.se * k,
        p5: s.p5 * k,
        p50: s.p50 * k,
        p95: s.p95 * k,
    }
}

fn fmt_summary(s: &chokepoint_scenario::report::Summary, digits: usize) -> String {
    format!("{:.d$} [{:.d$}, {:.d$}]", s.mean, s.p5, s.p95, d = digits)
}

fn sectors_table(r: &Report) -> Table {
    let mut t = Table::new(&[
        "sector",
        "country",
        "demand",
        "late or lost (mean [P5, P95])",
        "share",
        "not made by the end",
        "share",
        "P(short)",
    ]);
    for s in &r.sectors {
        t.push(vec![
            s.sector.clone(),
            s.country.clone(),
            format!("{:.0}", s.demand_units),
            fmt_summary(&s.lost_units, 0),
            format!("{:.2}%", s.lost_share.mean * 100.0),
            fmt_summary(&s.unmade_units, 0),
            format!("{:.2}%", s.unmade_share.mean * 100.0),
            format!("{:.2}", s.probability_short),
        ]);
    }
    t
}

fn print_report(r: &Report, c: &Compiled, elapsed: std::time::Duration) {
    println!("{} — {}", r.scenario, r.title);
    println!(
        "{} replications x {} days from {} (seed {}), {} nodes, {} edges, {:.2} s\n",
        r.runs,
        r.horizon_days,
        r.start,
        r.seed,
        c.network.node_count(),
        c.network.edge_count(),
        elapsed.as_secs_f64()
    );
    println!(
        "End-product output by sector and country (units over the horizon): demand not met on the day it was due (made late or not at all), and demand still not made at the end:"
    );
    print!("{}", sectors_table(r).render());
    if r.plants.is_empty() {
        println!("\nNo facility ran short.");
    } else {
        println!(
            "\nFacilities that ran short (first short day and days short, over replications with a shortage):"
        );
        let mut t = Table::new(&[
            "node",
            "country",
            "stage",
            "P(short)",
            "first short day",
            "days short",
        ]);
        for p in r.plants.iter().take(15) {
            t.push(vec![
                p.node.clone(),
                p.country.clone(),
                p.stage.clone(),
                format!("{:.2}", p.probability_short),
                format!("{:.0}", p.first_short_day.p50),
                fmt_summary(&p.days_short, 0),
            ]);
        }
        print!("{}", t.render());
        if r.plants.len() > 15 {
            println!(
                "... and {} more (use --format json or --out)",
                r.plants.len() - 15
            );
        }
    }
    print_exports(r);
    if !r.origins.is_empty() {
        println!(
            "\nOrigin of end products' rare-earth flows by country of mining (end of horizon, mean over the replications that traced origins):"
        );
        let mut t = Table::new(&["sector", "country", "origin shares"]);
        for o in &r.origins {
            t.push(vec![
                o.sector.clone(),
                o.country.clone(),
                o.shares
                    .iter()
                    .take(5)
                    .map(|(c, x)| format!("{c} {:.1}%", x * 100.0))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]);
        }
        print!("{}", t.render());
    }
    if !r.stockpiles.is_empty() {
        println!("\nStockpile releases (units of the stockpiled material):");
        let mut t = Table::new(&["stockpile", "released (mean [P5, P95])"]);
        for s in &r.stockpiles {
            t.push(vec![s.stockpile.clone(), fmt_summary(&s.released, 1)]);
        }
        print!("{}", t.render());
    }
    print_falls(r);
    print_inputs(r);
    println!(
        "\n{} derived assumptions and {} network warnings apply (see `chokepoint scenario show {}` or summary.json).",
        r.assumptions.len(),
        r.warnings.len(),
        r.scenario
    );
}

/// The uncertain inputs and their screen.
fn print_inputs(r: &Report) {
    if r.inputs.is_empty() {
        println!(
            "\nNo input was drawn (fixed inputs): the bands show only the kernel's own randomness."
        );
        return;
    }
    println!(
        "\nUncertain inputs, drawn once per group of {} replications ({} groups); screen: Spearman's rho between the input and each sector's lost output over the groups, strongest first:",
        chokepoint_scenario::inputs::GROUP,
        r.runs.div_ceil(chokepoint_scenario::inputs::GROUP as u32)
    );
    let mut t = Table::new(&[
        "input",
        "distribution",
        "drawn [P5, P95]",
        "rank correlation",
    ]);
    let mut rows: Vec<&chokepoint_scenario::report::InputRow> = r.inputs.iter().collect();
    let strongest = |x: &chokepoint_scenario::report::InputRow| {
        x.rank_correlation.first().map_or(0.0, |c| c.1.abs())
    };
    rows.sort_by(|a, b| strongest(b).total_cmp(&strongest(a)));
    for i in rows {
        let dist = match &i.value {
            chokepoint_scenario::spec::Uncertain::Fixed(v) => format!("{v}"),
            chokepoint_scenario::spec::Uncertain::Drawn(d) => match d {
                chokepoint_scenario::spec::DayDist::Fixed { days } => format!("{days}"),
                chokepoint_scenario::spec::DayDist::Uniform { min, max } => {
                    format!("uniform {min}..{max}")
                }
                chokepoint_scenario::spec::DayDist::Triangular { min, mode, max } => {
                    format!("triangular {min}/{mode}/{max}")
                }
            },
        };
        let corr = if r.runs < 8 * chokepoint_scenario::inputs::GROUP as u32 {
            "too few groups to rank (needs 8 or more)".to_string()
        } else if i.rank_correlation.is_empty() {
            "no sector lost output".to_string()
        } else {
            i.rank_correlation
                .iter()
                .take(3)
                .map(|(s, rho)| format!("{s} {rho:+.2}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        t.push(vec![
            i.name.clone(),
            dist,
            format!(
                "{:.3} [{:.3}, {:.3}]",
                i.drawn.mean, i.drawn.p5, i.drawn.p95
            ),
            corr,
        ]);
    }
    print!("{}", t.render());
}

/// China's exports of the most-shipped materials, month by month (mean over replications).
fn print_exports(r: &Report) {
    let mut totals: Vec<(String, f64)> = Vec::new();
    for row in &r.china_exports {
        match totals.iter_mut().find(|(m, _)| *m == row.material) {
            Some(t) => t.1 += row.shipped.mean,
            None => totals.push((row.material.clone(), row.shipped.mean)),
        }
    }
    totals.sort_by(|a, b| b.1.total_cmp(&a.1));
    let top: Vec<String> = totals
        .iter()
        .take(6)
        .filter(|t| t.1 > 0.0)
        .map(|t| t.0.clone())
        .collect();
    if top.is_empty() {
        return;
    }
    println!("\nChina's exports by month (mean over replications; t, or units for components):");
    let mut headers = vec!["month".to_string()];
    headers.extend(top.iter().cloned());
    let mut t = Table {
        headers,
        rows: Vec::new(),
    };
    let mut months: Vec<&String> = r.china_exports.iter().map(|x| &x.month).collect();
    months.dedup();
    for m in months {
        let mut row = vec![m.clone()];
        for mat in &top {
            let v = r
                .china_exports
                .iter()
                .find(|x| &x.month == m && &x.material == mat)
                .map_or(0.0, |x| x.shipped.mean);
            row.push(format!("{v:.1}"));
        }
        t.push(row);
    }
    print!("{}", t.render());
}

/// Writes the run directory under a temporary sibling name, then renames it into place.
/// Per-replication lost output per sink, one row per (replication, sector, country), as CSV and
/// Parquet bytes (the run directory and the run store keep the same tables).
pub(crate) fn replications_tables(
    c: &Compiled,
    mc: &chokepoint_sim::McResult,
) -> Result<(Vec<u8>, Vec<u8>)> {
    let (mut rep_col, mut sector_col, mut country_col, mut lost_col) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (r, summary) in mc.replications.iter().enumerate() {
        for (k, sink) in c.sinks.iter().enumerate() {
            rep_col.push(u32::try_from(r).unwrap_or(u32::MAX));
            sector_col.push(sink.sector.clone());
            country_col.push(sink.country.to_string());
            lost_col.push(summary.lost_output[k]);
        }
    }
    let mut csv_out = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut csv_out);
        w.write_record(["replication", "sector", "country", "lost_units"])?;
        for i in 0..rep_col.len() {
            w.write_record([
                rep_col[i].to_string(),
                sector_col[i].clone(),
                country_col[i].clone(),
                lost_col[i].to_string(),
            ])?;
        }
        w.flush()?;
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("replication", DataType::UInt32, false),
        Field::new("sector", DataType::Utf8, false),
        Field::new("country", DataType::Utf8, false),
        Field::new("lost_units", DataType::Float64, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(UInt32Array::from(rep_col)) as ArrayRef,
            Arc::new(StringArray::from(sector_col)),
            Arc::new(StringArray::from(country_col)),
            Arc::new(Float64Array::from(lost_col)),
        ],
    )?;
    let mut pq = Vec::new();
    {
        let mut w = parquet::arrow::ArrowWriter::try_new(&mut pq, schema, None)?;
        w.write(&batch)?;
        w.close()?;
    }
    Ok((csv_out, pq))
}

#[allow(clippy::too_many_arguments)] // one argument per file group written
fn write_run_dir(
    out: &Path,
    rep: &Report,
    c: &Compiled,
    mc: &chokepoint_sim::McResult,
    daily: &[chokepoint_scenario::report::DayRow],
    nodes: &[chokepoint_scenario::report::NodeMonth],
    daily_rep: u64,
    prices: Option<&chokepoint_app::market::PriceReport>,
) -> Result<()> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let mut builder = tempfile::Builder::new();
    let tmp =
        crate::output::shared_mode(builder.prefix(".chokepoint-run-"), 0o777).tempdir_in(parent)?;
    write_atomic(
        &tmp.path().join("summary.json"),
        serde_json::to_string_pretty(rep)?.as_bytes(),
    )?;

    let (csv_out, pq) = replications_tables(c, mc)?;
    write_atomic(&tmp.path().join("replications.csv"), &csv_out)?;
    write_atomic(&tmp.path().join("replications.parquet"), &pq)?;

    let mut plants = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut plants);
        w.write_record([
            "node",
            "facility",
            "country",
            "stage",
            "probability_short",
            "first_short_day_p50",
            "days_short_mean",
            "days_short_p95",
        ])?;
        for p in &rep.plants {
            w.write_record([
                p.node.clone(),
                p.facility.clone(),
                p.country.clone(),
                p.stage.clone(),
                p.probability_short.to_string(),
                p.first_short_day.p50.to_string(),
                p.days_short.mean.to_string(),
                p.days_short.p95.to_string(),
            ])?;
        }
        w.flush()?;
    }
    write_atomic(&tmp.path().join("plants.csv"), &plants)?;

    let mut exports = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut exports);
        w.write_record(["month", "material", "mean", "p5", "p50", "p95"])?;
        for x in &rep.china_exports {
            w.write_record([
                x.month.clone(),
                x.material.clone(),
                x.shipped.mean.to_string(),
                x.shipped.p5.to_string(),
                x.shipped.p50.to_string(),
                x.shipped.p95.to_string(),
            ])?;
        }
        w.flush()?;
    }
    write_atomic(&tmp.path().join("china_exports.csv"), &exports)?;

    let mut days = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut days);
        w.write_record([
            "replication",
            "day",
            "date",
            "sector",
            "country",
            "demand",
            "met",
        ])?;
        for d in daily {
            w.write_record([
                daily_rep.to_string(),
                d.day.to_string(),
                d.date.clone(),
                d.sector.clone(),
                d.country.clone(),
                d.demand.to_string(),
                d.met.to_string(),
            ])?;
        }
        w.flush()?;
    }
    write_atomic(&tmp.path().join("daily.csv"), &days)?;

    write_flows(tmp.path(), &rep.flows)?;
    if let Some(p) = prices {
        write_prices(tmp.path(), p)?;
    }

    let mut node_csv = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut node_csv);
        w.write_record([
            "replication",
            "node",
            "country",
            "stage",
            "material",
            "month",
            "produced",
            "baseline",
            "on_hand_end",
        ])?;
        for n in nodes {
            w.write_record([
                daily_rep.to_string(),
                n.node.clone(),
                n.country.clone(),
                n.stage.clone(),
                n.material.clone(),
                n.month.clone(),
                n.produced.to_string(),
                n.baseline.to_string(),
                n.on_hand.to_string(),
            ])?;
        }
        w.flush()?;
    }
    write_atomic(&tmp.path().join("nodes.csv"), &node_csv)?;

    let tmp_path = tmp.keep();
    std::fs::rename(&tmp_path, out)
        .with_context(|| format!("moving the finished run into {}", out.display()))?;
    Ok(())
}

/// `prices.csv` and `prices.parquet` (one row per market and month), and `prices.json` (the
/// whole price section: bases, money costs, costs per unit of end product, lanes).
fn write_prices(dir: &Path, p: &chokepoint_app::market::PriceReport) -> Result<()> {
    let headers = [
        "material",
        "tier",
        "month",
        "demand_t",
        "shortage_mean",
        "shortage_p5",
        "shortage_p95",
        "price_mean",
        "price_p5",
        "price_p95",
        "price_low_elasticity_mean",
        "price_high_elasticity_mean",
    ];
    type Row = (String, String, String, [f64; 9]);
    let rows: Vec<Row> = p
        .markets
        .iter()
        .flat_map(|m| {
            m.rows.iter().map(|r| {
                (
                    m.material.clone(),
                    m.tier.as_str().to_string(),
                    r.month.clone(),
                    [
                        r.demand_t,
                        r.shortage.mean,
                        r.shortage.p5,
                        r.shortage.p95,
                        r.price.mean,
                        r.price.p5,
                        r.price.p95,
                        r.price_low_elasticity,
                        r.price_high_elasticity,
                    ],
                )
            })
        })
        .collect();
    let mut out = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(headers)?;
        for (m, t, month, x) in &rows {
            let mut rec = vec![m.clone(), t.clone(), month.clone()];
            rec.extend(x.iter().map(ToString::to_string));
            w.write_record(rec)?;
        }
        w.flush()?;
    }
    write_atomic(&dir.join("prices.csv"), &out)?;
    let mut fields: Vec<Field> = headers[..3]
        .iter()
        .map(|h| Field::new(*h, DataType::Utf8, false))
        .collect();
    fields.extend(
        headers[3..]
            .iter()
            .map(|h| Field::new(*h, DataType::Float64, false)),
    );
    let schema = Arc::new(Schema::new(fields));
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(
            rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            rows.iter().map(|r| r.2.clone()).collect::<Vec<_>>(),
        )),
    ];
    for j in 0..9 {
        cols.push(Arc::new(Float64Array::from(
            rows.iter().map(|r| r.3[j]).collect::<Vec<_>>(),
        )));
    }
    let batch = RecordBatch::try_new(schema.clone(), cols)?;
    let mut pq = Vec::new();
    {
        let mut w = parquet::arrow::ArrowWriter::try_new(&mut pq, schema, None)?;
        w.write(&batch)?;
        w.close()?;
    }
    write_atomic(&dir.join("prices.parquet"), &pq)?;
    write_atomic(
        &dir.join("prices.json"),
        serde_json::to_string_pretty(p)?.as_bytes(),
    )?;
    Ok(())
}

/// `flows.csv` and `flows.parquet`: every cross-border flow per month, scenario against the
/// policy-free baseline (mean, P5, P95 over replications).
fn write_flows(dir: &Path, flows: &[chokepoint_scenario::report::FlowRow]) -> Result<()> {
    let headers = [
        "from",
        "to",
        "material",
        "month",
        "scenario_mean",
        "scenario_p5",
        "scenario_p95",
        "baseline_mean",
        "baseline_p5",
        "baseline_p95",
    ];
    let mut out = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(headers)?;
        for f in flows {
            w.write_record([
                f.from.clone(),
                f.to.clone(),
                f.material.clone(),
                f.month.clone(),
                f.scenario.mean.to_string(),
                f.scenario.p5.to_string(),
                f.scenario.p95.to_string(),
                f.baseline.mean.to_string(),
                f.baseline.p5.to_string(),
                f.baseline.p95.to_string(),
            ])?;
        }
        w.flush()?;
    }
    write_atomic(&dir.join("flows.csv"), &out)?;
    let mut fields: Vec<Field> = headers[..4]
        .iter()
        .map(|h| Field::new(*h, DataType::Utf8, false))
        .collect();
    fields.extend(
        headers[4..]
            .iter()
            .map(|h| Field::new(*h, DataType::Float64, false)),
    );
    let schema = Arc::new(Schema::new(fields));
    let text = |f: fn(&chokepoint_scenario::report::FlowRow) -> &String| -> ArrayRef {
        Arc::new(StringArray::from(
            flows.iter().map(|r| f(r).clone()).collect::<Vec<_>>(),
        ))
    };
    let num = |f: fn(&chokepoint_scenario::report::FlowRow) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from(flows.iter().map(f).collect::<Vec<_>>()))
    };
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            text(|r| &r.from),
            text(|r| &r.to),
            text(|r| &r.material),
            text(|r| &r.month),
            num(|r| r.scenario.mean),
            num(|r| r.scenario.p5),
            num(|r| r.scenario.p95),
            num(|r| r.baseline.mean),
            num(|r| r.baseline.p5),
            num(|r| r.baseline.p95),
        ],
    )?;
    let mut pq = Vec::new();
    {
        let mut w = parquet::arrow::ArrowWriter::try_new(&mut pq, schema, None)?;
        w.write(&batch)?;
        w.close()?;
    }
    write_atomic(&dir.join("flows.parquet"), &pq)?;
    Ok(())
}

/// The cross-border flows that fell most against the policy-free baseline.
fn print_falls(r: &Report) {
    if r.flow_falls.is_empty() {
        return;
    }
    println!(
        "\nLargest falls in cross-border flows against the policy-free baseline (same seeds; t, or units for components):"
    );
    let mut t = Table::new(&[
        "from",
        "to",
        "material",
        "worst month",
        "scenario",
        "baseline",
        "fall",
        "horizon: scenario",
        "baseline",
    ]);
    for f in &r.flow_falls {
        t.push(vec![
            f.from.clone(),
            f.to.clone(),
            f.material.clone(),
            f.worst_month.clone(),
            format!("{:.1}", f.worst_scenario),
            format!("{:.1}", f.worst_baseline),
            format!("{:.1}%", 100.0 * f.fall_share),
            format!("{:.1}", f.scenario_total),
            format!("{:.1}", f.baseline_total),
        ]);
    }
    print!("{}", t.render());
}
