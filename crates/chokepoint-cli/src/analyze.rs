//! `chokepoint analyze concentration|dependence|criticality` and `chokepoint chokepoints`: the
//! analytics engine (`chokepoint-analysis`) at the edge — load the dataset, run, print.
//!
//! Exit codes follow the binary: 0 ok, 2 bad input (unknown sector, region or element, zero
//! duration or runs, a dataset or inputs file that does not load). Every table can also be had
//! as JSON (with every input and its provenance) or CSV.

use crate::output::{Format, Table};
use anyhow::{Context, Result, bail};
use chokepoint_analysis::concentration::{
    StageConcentration, Subject, dependence, import_reliance_table,
};
use chokepoint_analysis::criticality::{
    CriticalityOverrides, JrcResult, UsgsResult, jrc, jrc_inputs_from_world,
    usgs_inputs_from_world, usgs_supply_risk,
};
use chokepoint_analysis::wgi::Wgi;
use chokepoint_core::World;
use chokepoint_core::facility::Stage;
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum AnalyzeCommand {
    /// Per element and stage: country shares, HHI, China's share and top-three share (modelled
    /// facility capacity per element, plus the published all-rare-earth figures).
    Concentration(ConcentrationArgs),
    /// Per importer and year: source shares, China's share, HHI of partners, net import reliance.
    Dependence(DependenceArgs),
    /// EU JRC supply risk and economic importance, and USGS-style supply risk, per element and
    /// for LREE/HREE, with every input and its provenance. Unsourced inputs are reported as
    /// "input not sourced" (give them with --inputs).
    Criticality(CriticalityArgs),
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// An element symbol (Nd, Dy, ...), LREE, HREE or REE. Default: every rare earth and both groups.
    #[arg(long)]
    pub element: Option<String>,
    /// Layer this directory of CSV files over the bundled dataset.
    #[arg(long)]
    pub data: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ConcentrationArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// USGS edition for the published mine production and reserves rows.
    #[arg(long, default_value = "mcs2026", value_parser = ["mcs2024", "mcs2025", "mcs2026"])]
    pub edition: String,
}

#[derive(Debug, Args)]
pub struct DependenceArgs {
    /// Only this importer (JPN, USA, EU27, IND, KOR, ...).
    #[arg(long)]
    pub importer: Option<String>,
    /// Layer this directory of CSV files over the bundled dataset.
    #[arg(long)]
    pub data: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct CriticalityArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// JSON file of inputs with provenance, keyed by subject (`Dy`, `HREE`, or `*` for all):
    /// {"*": {"eol_rir": {"value": 0.01, "origin": "memory", "detail": "..."}}}. Fields:
    /// import_reliance, eol_rir, si_sr, si_ei, end_uses [{sector, share, value_added_scaled}],
    /// trade_restrictions {ISO3: input}, disruption_potential, trade_exposure,
    /// economic_vulnerability. Origins: sourced, derived, assumption, memory.
    #[arg(long)]
    pub inputs: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NodeKind {
    Facility,
    CountryStage,
    Lane,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RunnerKind {
    Sim,
    Flow,
}

#[derive(Debug, Args)]
pub struct ChokepointsArgs {
    /// End-use sector (sectors.csv id; `ev` is an alias of `nev`).
    #[arg(long, default_value = "ev")]
    pub sector: String,
    /// Region (regions.csv code such as EU27) or ISO3 country code.
    #[arg(long, default_value = "JPN")]
    pub region: String,
    /// Outage duration: days, optionally with a `d` suffix (90d).
    #[arg(long, default_value = "90d", value_parser = parse_duration)]
    pub duration: u32,
    /// Monte Carlo replications per knock-out (the flow stand-in is deterministic).
    #[arg(long, default_value_t = 200)]
    pub runs: usize,
    /// Seed shared by every knock-out (common random numbers).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How many top chokepoints to print.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Which nodes to knock out (default: all three kinds).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub kinds: Vec<NodeKind>,
    /// Which engine measures a knock-out: `sim` runs the simulator (baseline scenario plus an
    /// outage, Monte Carlo with common random numbers); `flow` is the long run of the same
    /// network (daily loss once stocks are spent, times the outage; deterministic).
    #[arg(long, value_enum, default_value_t = RunnerKind::Sim)]
    pub runner: RunnerKind,
    /// Days simulated after the outage ends (sim runner), so slow recoveries count.
    #[arg(long, default_value_t = 90)]
    pub recovery_days: u32,
    /// Ignore stockpiles (the raw structural exposure).
    #[arg(long)]
    pub no_stockpiles: bool,
    #[command(flatten)]
    pub store: crate::runs::StoreArgs,
    /// Sim runner: use the baseline's central stock cover instead of drawing it per group of
    /// 16 replications (intervals then show only the kernel's own randomness).
    #[arg(long)]
    pub fixed_inputs: bool,
    /// Ramp back over each facility's commissioning ramp-up days after the outage.
    #[arg(long)]
    pub restart_ramp: bool,
    /// Working inventory across the chain, in days of full need (an assumption; default 0).
    #[arg(long)]
    pub inventory_days: Option<f64>,
    /// Value of one unit of lost output (e.g. USD per vehicle); shown as an assumption.
    #[arg(long)]
    pub unit_value: Option<f64>,
    /// Layer this directory of CSV files over the bundled dataset.
    #[arg(long)]
    pub data: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn parse_duration(s: &str) -> std::result::Result<u32, String> {
    let digits = s.strip_suffix('d').unwrap_or(s);
    let d: u32 = digits
        .parse()
        .map_err(|_| format!("`{s}` is not a duration; expected whole days such as 90d or 90"))?;
    if d == 0 {
        return Err("duration must be at least 1 day".into());
    }
    Ok(d)
}

fn load(data: Option<&Path>) -> Result<World> {
    match chokepoint_data::load_bundled(data) {
        Ok(l) => Ok(l.world),
        Err(d) => {
            for x in d.0.iter().take(20) {
                eprintln!("{x}");
            }
            bail!(
                "the dataset does not load ({} problems); run `chokepoint data check` for the full list",
                d.0.len()
            )
        }
    }
}

fn subjects(element: Option<&str>) -> Result<Vec<Subject>> {
    match element {
        Some(e) => Ok(vec![e.parse::<Subject>()?]),
        None => Ok(Subject::rare_earth_rows()),
    }
}

fn print_json<T: Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn emit(t: &Table, format: Format) -> Result<()> {
    match format {
        Format::Csv => t.to_csv(&mut std::io::stdout()),
        _ => {
            print!("{}", t.render());
            Ok(())
        }
    }
}

pub fn run_analyze(cmd: AnalyzeCommand) -> Result<i32> {
    match cmd {
        AnalyzeCommand::Concentration(a) => concentration(a),
        AnalyzeCommand::Dependence(a) => dependence_cmd(a),
        AnalyzeCommand::Criticality(a) => criticality(a),
    }
}

fn leading(c: &chokepoint_core::stats::Concentration) -> String {
    c.shares
        .iter()
        .take(4)
        .map(|s| format!("{} {}", s.country, pct(s.share)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn concentration(a: ConcentrationArgs) -> Result<i32> {
    let world = load(a.common.data.as_deref())?;
    let rows: Vec<StageConcentration> =
        chokepoint_app::concentration::table(&world, &a.edition, a.common.element.as_deref())
            .map_err(anyhow::Error::msg)?;
    if a.common.format == Format::Json {
        print_json(&rows)?;
        return Ok(0);
    }
    let mut t = Table::new(&[
        "subject",
        "stage",
        "HHI",
        "China",
        "top 3",
        "leading countries",
        "basis",
    ]);
    for r in &rows {
        let c = &r.concentration;
        t.push(vec![
            r.subject.clone(),
            r.stage.clone(),
            format!("{:.4}", c.hhi),
            pct(c.china_share),
            pct(c.top3_share),
            leading(c),
            r.basis.clone(),
        ]);
    }
    emit(&t, a.common.format)?;
    Ok(0)
}

fn dependence_cmd(a: DependenceArgs) -> Result<i32> {
    let world = load(a.data.as_deref())?;
    let rel = import_reliance_table()?;
    if let Some(i) = &a.importer
        && !world.trade_shares.iter().any(|t| &t.importer == i)
    {
        let mut known: Vec<&str> = world
            .trade_shares
            .iter()
            .map(|t| t.importer.as_str())
            .collect();
        known.sort_unstable();
        known.dedup();
        bail!(
            "no trade shares for importer `{i}`; importers in the dataset: {}",
            known.join(", ")
        );
    }
    let deps = dependence(&world, a.importer.as_deref(), &rel);
    if a.format == Format::Json {
        print_json(&deps)?;
        return Ok(0);
    }
    let mut t = Table::new(&[
        "importer",
        "year",
        "item",
        "basis",
        "China",
        "HHI",
        "top 3",
        "listed",
        "import reliance",
        "sources",
    ]);
    for d in &deps {
        t.push(vec![
            d.importer.clone(),
            d.year.to_string(),
            d.item.clone(),
            format!("{:?}", d.basis).to_lowercase(),
            pct(d.china_share),
            format!("{:.4}", d.hhi),
            pct(d.top3_share),
            pct(d.covered),
            d.import_reliance
                .value
                .map(|v| format!("{} ({})", pct(v), d.import_reliance.origin.label()))
                .unwrap_or_else(|| "input not sourced".into()),
            d.sources
                .iter()
                .map(|s| format!("{} {}", s.partner, pct(s.share)))
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    emit(&t, a.format)?;
    if a.format == Format::Table {
        println!(
            "\nBounds: where a publication gives \">90%\" or \"<60%\", the dataset stores the bound; see each record's note (--format json)."
        );
    }
    Ok(0)
}

#[derive(Debug, Serialize)]
struct CriticalityReport {
    jrc: Vec<JrcResult>,
    usgs: Vec<UsgsResult>,
    wgi_year: i32,
}

fn criticality(a: CriticalityArgs) -> Result<i32> {
    let subs = subjects(a.common.element.as_deref())?;
    let overrides: CriticalityOverrides = match &a.inputs {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("parsing inputs file {}", p.display()))?
        }
        None => CriticalityOverrides::default(),
    };
    let world = load(a.common.data.as_deref())?;
    let rel = import_reliance_table()?;
    let wgi = Wgi::embedded()?;
    let mut report = CriticalityReport {
        jrc: Vec::new(),
        usgs: Vec::new(),
        wgi_year: wgi.year,
    };
    for s in &subs {
        for stage in [Stage::Mining, Stage::Separation] {
            let mut i = jrc_inputs_from_world(&world, *s, stage, &rel);
            overrides.apply_jrc(&mut i)?;
            report.jrc.push(jrc(&i, &wgi)?);
        }
        let mut u = usgs_inputs_from_world(&world, *s, &wgi, &rel);
        overrides.apply_usgs(&s.to_string(), &mut u)?;
        report.usgs.push(usgs_supply_risk(&u));
    }
    if a.common.format == Format::Json {
        print_json(&report)?;
        return Ok(0);
    }
    let opt = |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), |x| format!("{x:.3}"));
    let mut t = Table::new(&[
        "subject",
        "stage",
        "HHI_WGI,GS",
        "HHI_WGI,EU",
        "IR",
        "SR (JRC)",
        "EI (JRC)",
        "verdict",
        "USGS supply risk",
    ]);
    for (k, r) in report.jrc.iter().enumerate() {
        let u = &report.usgs[k / 2];
        t.push(vec![
            r.subject.clone(),
            r.stage.clone(),
            opt(r.hhi_wgi_gs.value),
            opt(r.hhi_wgi_eu.value),
            opt(r.inputs.first().and_then(|i| i.value)),
            r.sr.to_string(),
            r.ei.to_string(),
            match r.verdict {
                // The SR and EI columns already name what is not sourced.
                chokepoint_analysis::criticality::Verdict::Undetermined => {
                    "undetermined".to_string()
                }
                v => format!("{}: {}", format!("{v:?}").to_lowercase(), r.verdict_reason),
            },
            u.supply_risk.to_string(),
        ]);
    }
    emit(&t, a.common.format)?;
    if a.common.format == Format::Table {
        // The provenance of every input, once per distinct input.
        let mut seen = std::collections::BTreeSet::new();
        println!("\nInputs:");
        let mut show = |line: String| {
            if seen.insert(line.clone()) {
                println!("  {line}");
            }
        };
        for r in &report.jrc {
            show(format!(
                "global supply {} {}: {}",
                r.subject, r.stage, r.hhi_wgi_gs.origin
            ));
            show(format!("EU sourcing: {}", r.hhi_wgi_eu.origin));
            for i in &r.inputs {
                show(i.to_string());
            }
        }
        for u in &report.usgs {
            for i in &u.inputs {
                show(format!("{}: {i}", u.subject));
            }
        }
        show(format!("WGI: {}", chokepoint_analysis::wgi::WGI_CITATION));
        show(format!(
            "USGS method: {}",
            chokepoint_analysis::criticality::USGS_METHOD
        ));
    }
    Ok(0)
}

pub fn run_chokepoints(a: ChokepointsArgs) -> Result<i32> {
    let world = load(a.data.as_deref())?;
    let (path, text) = crate::simulate::read_scenario("baseline")?;
    let baseline = chokepoint_scenario::Scenario::parse(&text, &path.display().to_string())?;
    let kinds = if a.kinds.is_empty() {
        vec![NodeKind::Facility, NodeKind::CountryStage, NodeKind::Lane]
    } else {
        a.kinds.clone()
    };
    let opts = chokepoint_app::chokepoints::RankOptions {
        sector: a.sector.clone(),
        region: a.region.clone(),
        duration_days: a.duration,
        runs: a.runs,
        seed: a.seed,
        top: a.top,
        facilities: kinds.contains(&NodeKind::Facility),
        country_stages: kinds.contains(&NodeKind::CountryStage),
        lanes: kinds.contains(&NodeKind::Lane),
        runner: match a.runner {
            RunnerKind::Sim => chokepoint_app::chokepoints::Runner::Sim,
            RunnerKind::Flow => chokepoint_app::chokepoints::Runner::LongRun,
        },
        recovery_days: a.recovery_days,
        no_stockpiles: a.no_stockpiles,
        restart_ramp: a.restart_ramp,
        inventory_days: a.inventory_days,
        unit_value: a.unit_value,
        fixed_inputs: a.fixed_inputs,
    };
    let recording = crate::runs::Recording::begin(
        &a.store,
        chokepoint_store::NewRun {
            seed: Some(a.seed),
            runs: Some(a.runs as u64),
            ..crate::runs::new_run(
                "chokepoints",
                format!("{} {} {}d", a.sector, a.region, a.duration),
                a.data.as_deref(),
                Some(&text),
                serde_json::json!({
                    "sector": a.sector, "region": a.region, "duration_days": a.duration,
                    "runs": a.runs, "seed": a.seed, "runner": format!("{:?}", a.runner),
                    "recovery_days": a.recovery_days, "no_stockpiles": a.no_stockpiles,
                    "fixed_inputs": a.fixed_inputs,
                }),
            )?
        },
    );
    let pb = indicatif::ProgressBar::new(0);
    pb.set_style(
        indicatif::ProgressStyle::with_template("knock-outs {bar:40} {pos} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let ranking = chokepoint_app::chokepoints::rank(&world, baseline, &opts, &mut |done| {
        pb.set_position(done as u64)
    });
    pb.finish_and_clear();
    let r = match ranking {
        Ok(r) => r,
        Err(e) => {
            recording.failed(&e.to_string());
            bail!("{e}")
        }
    };
    recording.done(&[("summary", serde_json::to_value(&r)?)], &[]);
    if a.format == Format::Json {
        print_json(&r)?;
        return Ok(0);
    }
    let days = |d: Option<f64>| d.map_or_else(|| "indefinite".to_string(), |x| format!("{x:.0}"));
    let mut t = Table::new(&[
        "rank", "node", "kind", "lost", "lost %", "95% CI", "value", "TTS d", "TTR d", "at risk",
        "REI", "why",
    ]);
    for (k, n) in r.top.iter().enumerate() {
        t.push(vec![
            (k + 1).to_string(),
            n.label.clone(),
            n.kind.to_string(),
            format!("{:.1}", n.lost.mean),
            pct(n.lost_share),
            format!("{:.1}..{:.1}", n.lost.ci_low, n.lost.ci_high),
            n.lost_value
                .map_or_else(|| "not sourced".into(), |v| format!("{:.0}", v.mean)),
            days(n.tts_days),
            format!("{:.0}", n.ttr_days),
            if n.at_risk { "yes" } else { "no" }.into(),
            n.rei.map_or_else(|| "n/a".into(), |x| format!("{x:.2}")),
            n.reasons.join("; "),
        ]);
    }
    emit(&t, a.format)?;
    if a.format == Format::Table {
        println!(
            "\n{} nodes knocked out for {} days, {} runs each, seed {}; lost output in {}.",
            r.nodes_knocked_out, r.duration_days, r.runs, r.seed, r.unit
        );
        println!("Runner: {}.", r.runner);
        for n in &r.notes {
            println!("Note: {n}.");
        }
    }
    Ok(0)
}

/// Percent with two decimals; `+ 0.0` turns an empty sum's -0.0 into 0.0 so no "-0.00%" prints.
fn pct(x: f64) -> String {
    crate::output::pct(x + 0.0)
}
