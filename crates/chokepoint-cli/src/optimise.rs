//! `chokepoint optimise stockpile`: size stockpiles by sample average approximation over the
//! simulator's disruption paths, print holdings, cover, cost, the frontier and the
//! out-of-sample check (docs/optimise.md).
//!
//! Nothing is written until every stage has succeeded; `--out` builds its directory under a
//! temporary name and renames it into place, `--csv` writes atomically. Bad input exits 2.

use crate::output::{Table, write_atomic};
use anyhow::{Context, Result, bail};
use chokepoint_app::AppError;
use chokepoint_app::optimise::stockpile::{
    self as sp, OutOfSample, SampleRequest, Sampled, ScenarioText, Sized, SolveOptions,
    StockpileInputs,
};
use chokepoint_optimise::stockpile::CvarTerm;
use clap::{Args, Subcommand};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Subcommand)]
pub enum OptimiseCommand {
    /// Size stockpiles (element x form x importer) against sampled disruption paths: holdings,
    /// months of cover, cost, the budget frontier and an out-of-sample re-simulation.
    Stockpile(StockpileArgs),
    /// Supplier mix for a buyer under a scenario: contracted volumes per supplier (minimum
    /// contract sizes as binary decisions), cost, expected shortfall, CVaR and the cost/risk
    /// frontier over the weight on CVaR.
    Sourcing(crate::optimise_sourcing::SourcingArgs),
}

#[derive(Debug, Args)]
pub struct StockpileArgs {
    /// A scenario file or bundled id; repeat for several (paths weighted equally).
    #[arg(long = "scenario", required = true)]
    pub scenarios: Vec<String>,
    /// Importing country (ISO3) whose holdings are sized; repeat for several.
    #[arg(long = "importer", required = true)]
    pub importers: Vec<String>,
    /// Elements to hold (default Dy and Tb); repeat.
    #[arg(long = "element")]
    pub elements: Vec<String>,
    /// Material forms to hold (default separated-oxide and metal); repeat.
    #[arg(long = "form")]
    pub forms: Vec<String>,
    /// Largest acquisition + holding cost over the horizon, USD.
    #[arg(long)]
    pub budget: Option<f64>,
    /// Cheapest plan whose in-sample P95 loss (USD) is at most this.
    #[arg(long)]
    pub target_p95: Option<f64>,
    /// Sampled paths (replications) per scenario.
    #[arg(long, default_value_t = 200)]
    pub paths: u32,
    /// Fresh paths per scenario for the out-of-sample check (default: --paths).
    #[arg(long)]
    pub check_paths: Option<u32>,
    /// Master seed of the in-sample paths (the check uses a seed derived from it).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// CVaR level α in (0, 1) of a λ·CVaR term in the objective (with --cvar-lambda).
    #[arg(long, requires = "cvar_lambda")]
    pub cvar_alpha: Option<f64>,
    /// CVaR weight λ >= 0 (with --cvar-alpha).
    #[arg(long, requires = "cvar_alpha")]
    pub cvar_lambda: Option<f64>,
    /// Frontier points from 0 to the budget (or the full-cover cost); 0 for none.
    #[arg(long, default_value_t = 6)]
    pub frontier: usize,
    /// The optimiser's assumptions file (default: the bundled data/optimise/stockpile.toml).
    #[arg(long)]
    pub inputs: Option<PathBuf>,
    /// Layer this data directory over the bundled dataset.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Central values of the scenarios' uncertain inputs.
    #[arg(long)]
    pub fixed_inputs: bool,
    /// Worker threads (default: all cores); answers are identical for any value.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print one JSON document instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Write the holdings and the frontier as CSV to this file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Write summary.json, holdings.csv, cover.csv, frontier.csv into this new directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(cmd: OptimiseCommand) -> Result<i32> {
    match cmd {
        OptimiseCommand::Stockpile(a) => run_stockpile(a),
        OptimiseCommand::Sourcing(a) => crate::optimise_sourcing::run(a),
    }
}

/// Stage timings (wall clock, seconds), for the benchmark figures.
#[derive(Debug, Serialize)]
struct Timings {
    sample_s: f64,
    solve_s: f64,
    check_s: f64,
}

#[derive(Debug, Serialize)]
struct Answer<'a> {
    scenarios: &'a [String],
    importers: &'a [String],
    paths_per_scenario: u32,
    seed: u64,
    periods: usize,
    period_days: f64,
    groups: &'a [sp::GroupInfo],
    candidates: &'a [sp::CandidateInfo],
    value_per_tonne_element_usd: &'a std::collections::BTreeMap<String, f64>,
    sized: &'a Sized,
    check: &'a OutOfSample,
    notes: &'a [String],
    timings: Timings,
}

fn app_exit(e: AppError) -> Result<i32> {
    eprintln!("error: {e}");
    Ok(match e {
        AppError::Invalid(_) => 2,
        _ => 1,
    })
}

fn run_stockpile(a: StockpileArgs) -> Result<i32> {
    if let Some(out) = &a.out
        && out.exists()
    {
        eprintln!(
            "error: --out: directory {} already exists; choose a new one",
            out.display()
        );
        return Ok(2);
    }
    if a.threads == Some(0) {
        eprintln!("error: --threads: expected at least 1 thread");
        return Ok(2);
    }
    let mut scenarios = Vec::new();
    for s in &a.scenarios {
        let (path, text) = crate::simulate::read_scenario(s)?;
        scenarios.push(ScenarioText {
            text,
            file: path.display().to_string(),
        });
    }
    let inputs_path = a.inputs.clone().unwrap_or_else(|| {
        chokepoint_data::bundled_dir()
            .join("optimise")
            .join("stockpile.toml")
    });
    let inputs_text = std::fs::read_to_string(&inputs_path)
        .with_context(|| format!("reading {}", inputs_path.display()))?;
    let inputs = match StockpileInputs::parse(&inputs_text, &inputs_path.display().to_string()) {
        Ok(i) => i,
        Err(e) => return app_exit(e),
    };
    let timeline = match crate::policy::load_timeline(None)? {
        Ok(t) => t,
        Err(d) => {
            crate::policy::print_diagnostics(&d);
            bail!("the bundled policy timeline has errors");
        }
    };
    let world = crate::simulate::load_world(a.data.as_deref())?;
    let cvar = match (a.cvar_alpha, a.cvar_lambda) {
        (Some(alpha), Some(weight)) => Some(CvarTerm { alpha, weight }),
        _ => None,
    };
    let req = SampleRequest {
        scenarios,
        importers: a.importers.clone(),
        elements: a.elements.clone(),
        forms: a.forms.clone(),
        paths: a.paths,
        seed: a.seed,
        fixed_inputs: a.fixed_inputs,
    };
    let opts = SolveOptions {
        budget: a.budget,
        target_p95: a.target_p95,
        cvar,
        frontier: a.frontier,
    };
    let check_paths = a.check_paths.unwrap_or(a.paths);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads.unwrap_or(0))
        .build()?;
    let staged = pool.install(
        || -> Result<(Sampled, Sized, OutOfSample, Timings), AppError> {
            let t0 = Instant::now();
            let sampled = sp::sample(&world, &timeline, &inputs, &req)?;
            let t1 = Instant::now();
            let sized = sp::size(&sampled, &opts)?;
            let t2 = Instant::now();
            let check = sp::check(&world, &sampled, &sized, check_paths)?;
            let t3 = Instant::now();
            Ok((
                sampled,
                sized,
                check,
                Timings {
                    sample_s: (t1 - t0).as_secs_f64(),
                    solve_s: (t2 - t1).as_secs_f64(),
                    check_s: (t3 - t2).as_secs_f64(),
                },
            ))
        },
    );
    let (sampled, sized, check, timings) = match staged {
        Ok(x) => x,
        Err(e) => return app_exit(e),
    };
    let answer = Answer {
        scenarios: &a.scenarios,
        importers: &a.importers,
        paths_per_scenario: sampled.paths_per_scenario,
        seed: sampled.seed,
        periods: sampled.periods,
        period_days: sampled.period_days,
        groups: &sampled.groups,
        candidates: &sampled.candidates,
        value_per_tonne_element_usd: &sampled.value_per_tonne_element,
        sized: &sized,
        check: &check,
        notes: &sampled.notes,
        timings,
    };
    let holdings = holdings_table(&sampled, &sized);
    let cover = cover_table(&sized);
    let frontier = frontier_table(&sampled, &sized);
    // Files first (all built in memory), so a failed write leaves the terminal output unprinted
    // and nothing half-written on disk.
    if let Some(path) = &a.csv {
        let mut buf = Vec::new();
        holdings.to_csv(&mut buf)?;
        buf.push(b'\n');
        frontier.to_csv(&mut buf)?;
        write_atomic(path, &buf).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(out) = &a.out {
        write_dir(out, &answer, &holdings, &cover, &frontier)?;
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        print_answer(&answer, &holdings, &cover, &frontier);
    }
    Ok(0)
}

fn write_dir(
    out: &std::path::Path,
    answer: &Answer<'_>,
    holdings: &Table,
    cover: &Table,
    frontier: &Table,
) -> Result<()> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let mut builder = tempfile::Builder::new();
    let tmp = crate::output::shared_mode(builder.prefix(".chokepoint-optimise-"), 0o777)
        .tempdir_in(parent)?;
    write_atomic(
        &tmp.path().join("summary.json"),
        serde_json::to_string_pretty(answer)?.as_bytes(),
    )?;
    for (name, t) in [
        ("holdings.csv", holdings),
        ("cover.csv", cover),
        ("frontier.csv", frontier),
    ] {
        let mut buf = Vec::new();
        t.to_csv(&mut buf)?;
        write_atomic(&tmp.path().join(name), &buf)?;
    }
    let tmp_path = tmp.keep();
    std::fs::rename(&tmp_path, out).with_context(|| format!("creating {}", out.display()))?;
    Ok(())
}

fn usd(x: f64) -> String {
    if x.abs() >= 1e9 {
        format!("{:.3}e9", x / 1e9)
    } else if x.abs() >= 1e6 {
        format!("{:.3}e6", x / 1e6)
    } else {
        format!("{x:.0}")
    }
}

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.digits$}"))
}

fn holdings_table(s: &Sampled, z: &Sized) -> Table {
    let mut t = Table::new(&[
        "holding",
        "covers",
        "price_usd_per_t",
        "price_row",
        "tonnes",
        "cost_usd",
        "expected_release_t",
        "months_of_cover",
    ]);
    for (h, c) in z.plan.holdings.iter().zip(&s.candidates) {
        t.push(vec![
            h.id.clone(),
            h.covers.clone(),
            format!("{:.0}", c.price_per_tonne),
            c.price_row.clone(),
            format!("{:.2}", h.tonnes),
            format!("{:.0}", h.cost),
            format!("{:.2}", h.expected_release_tonnes),
            opt(h.months_of_cover, 2),
        ]);
    }
    t
}

fn cover_table(z: &Sized) -> Table {
    let mut t = Table::new(&[
        "importer",
        "element",
        "element_tonnes_held",
        "shortfall_t_per_month_while_short",
        "months_of_cover",
    ]);
    for c in &z.cover {
        t.push(vec![
            c.importer.clone(),
            c.element.clone(),
            format!("{:.2}", c.element_tonnes),
            opt(c.monthly_shortfall, 2),
            opt(c.months_of_cover, 2),
        ]);
    }
    t
}

fn frontier_table(s: &Sampled, z: &Sized) -> Table {
    let mut headers = vec![
        "budget_usd".to_string(),
        "cost_usd".into(),
        "expected_loss_usd".into(),
        "cvar_usd".into(),
        "p95_loss_usd".into(),
    ];
    headers.extend(s.candidates.iter().map(|c| format!("{}_t", c.id)));
    let mut t = Table {
        headers,
        rows: Vec::new(),
    };
    for p in &z.frontier {
        let mut row = vec![
            format!("{:.0}", p.budget),
            format!("{:.0}", p.cost),
            format!("{:.0}", p.expected_loss),
            format!("{:.0}", p.cvar),
            format!("{:.0}", p.p95_loss),
        ];
        row.extend(p.tonnes.iter().map(|x| format!("{x:.2}")));
        t.push(row);
    }
    t
}

fn print_answer(a: &Answer<'_>, holdings: &Table, cover: &Table, frontier: &Table) {
    let z = a.sized;
    let c = a.check;
    println!(
        "Stockpile sizing for {} against {} ({} paths each, seed {}; {} periods of {:.1} days)",
        a.importers.join(", "),
        a.scenarios.join(" + "),
        a.paths_per_scenario,
        a.seed,
        a.periods,
        a.period_days
    );
    println!();
    println!("Value of lost output per tonne of element (world end-product mix, gross):");
    for (e, v) in a.value_per_tonne_element_usd {
        println!("  {e}: USD {}", usd(*v));
    }
    println!();
    println!("Holdings");
    print!("{}", holdings.render());
    println!();
    println!("Cover per element and importer");
    print!("{}", cover.render());
    println!();
    println!(
        "Total cost USD {} (budget {}); in-sample expected loss USD {} (none held: {}), P95 {} (none held: {}), CVaR{:.0} {}; objective {}",
        usd(z.plan.cost),
        z.budget.map_or_else(|| "none".into(), usd),
        usd(z.plan.expected_loss),
        usd(z.unmitigated_expected_loss),
        usd(z.p95_loss),
        usd(z.unmitigated_p95_loss),
        z.plan.cvar.alpha * 100.0,
        usd(z.plan.cvar.value),
        usd(z.plan.objective)
    );
    println!(
        "LP: {} rows, {} columns, {} nonzeros; HiGHS {}",
        z.lp.rows, z.lp.columns, z.lp.nonzeros, z.plan.status
    );
    if !z.frontier.is_empty() {
        println!();
        println!("Efficient frontier (budget -> in-sample loss)");
        print!("{}", frontier.render());
    }
    println!();
    println!(
        "Out-of-sample check: {} fresh paths per scenario (seed {})",
        c.paths_per_scenario, c.seed
    );
    println!(
        "  realised expected loss USD {} (95% CI {} .. {}) vs in-sample {}: gap {}{}",
        usd(c.realised_loss.mean),
        usd(c.realised_loss.lo95),
        usd(c.realised_loss.hi95),
        usd(c.in_sample_expected_loss),
        usd(c.gap),
        c.gap_share
            .map_or_else(String::new, |g| format!(" ({:+.1}%)", g * 100.0))
    );
    println!(
        "  without the holdings on the same paths: USD {} (95% CI {} .. {})",
        usd(c.unmitigated_loss.mean),
        usd(c.unmitigated_loss.lo95),
        usd(c.unmitigated_loss.hi95)
    );
    println!(
        "  simulator's lost end-product units (all sectors): {:.0} with, {:.0} without",
        c.lost_units_with.mean, c.lost_units_without.mean
    );
    for (h, r) in z.plan.holdings.iter().zip(&c.released_tonnes) {
        println!("  {} released {:.2} t on average", h.id, r);
    }
    for n in a.notes {
        println!("note: {n}");
    }
    eprintln!(
        "time: sampling {:.2} s, solve + frontier {:.2} s, check {:.2} s",
        a.timings.sample_s, a.timings.solve_s, a.timings.check_s
    );
}
