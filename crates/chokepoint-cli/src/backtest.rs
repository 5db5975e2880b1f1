//! `chokepoint backtest`: the historical scenarios against what was observed, and the check
//! that each run used only sources published before its event.

use crate::output::Table;
use anyhow::{Result, anyhow};
use chokepoint_scenario::Scenario;
use chokepoint_scenario::backtest::replay;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Monte Carlo replications per event.
    #[arg(long, default_value_t = 200)]
    runs: u32,
    /// Master seed (default: each scenario's own).
    #[arg(long)]
    seed: Option<u64>,
    /// Print one JSON document instead of tables.
    #[arg(long)]
    json: bool,
    /// A directory of CSV files layered over the bundled dataset (observations.csv included).
    #[arg(long)]
    data: Option<PathBuf>,
    #[command(flatten)]
    store: crate::runs::StoreArgs,
}

pub fn run_backtest(args: BacktestArgs) -> Result<i32> {
    if args.runs == 0 {
        eprintln!("error: --runs: expected at least 1 replication");
        return Ok(2);
    }
    let world = crate::simulate::load_world(args.data.as_deref())?;
    let mut events: Vec<String> = world.observations.iter().map(|o| o.event.clone()).collect();
    events.sort();
    events.dedup();
    if events.is_empty() {
        eprintln!("error: observations.csv has no observations: nothing to back-test");
        return Ok(2);
    }
    let timeline = match crate::policy::load_timeline(None)? {
        Ok(t) => t,
        Err(d) => {
            crate::policy::print_diagnostics(&d);
            return Ok(2);
        }
    };
    let recording = crate::runs::Recording::begin(
        &args.store,
        chokepoint_store::NewRun {
            seed: args.seed,
            runs: Some(u64::from(args.runs)),
            ..crate::runs::new_run(
                "backtest",
                events.join(" "),
                args.data.as_deref(),
                None,
                serde_json::json!({"runs": args.runs, "seed": args.seed}),
            )?
        },
    );
    let mut results = Vec::new();
    let mut price_results = Vec::new();
    for id in &events {
        let (path, text) = crate::simulate::read_scenario(id)
            .map_err(|e| anyhow!("observations.csv names event `{id}`: {e}"))?;
        let file = path.display().to_string();
        let mut scenario = Scenario::parse(&text, &file).map_err(|e| anyhow!("{e}"))?;
        scenario
            .resolve_measures(&timeline, &file)
            .map_err(|e| anyhow!("{e}"))?;
        let seed = args.seed.or(scenario.seed).unwrap_or(0);
        results.push(replay(&world, scenario, &file, args.runs, seed).map_err(|e| anyhow!("{e}"))?);
        let has_prices = world.observations.iter().any(|o| {
            o.event == *id && o.kind == chokepoint_core::observation::ObservationKind::Price
        });
        price_results.push(if has_prices {
            match chokepoint_app::market::price_backtest(
                &world, &timeline, &text, &file, args.runs, args.seed,
            ) {
                Ok(p) => Some(p),
                Err(chokepoint_app::AppError::Invalid(m)) => {
                    eprintln!("error: {m}");
                    return Ok(2);
                }
                Err(e) => return Err(anyhow!("{e}")),
            }
        } else {
            None
        });
    }
    // Each event's result with its price back-test as an added `prices` field.
    let mut values = Vec::new();
    for (e, p) in results.iter().zip(&price_results) {
        let mut v = serde_json::to_value(e)?;
        if let (Some(p), Some(obj)) = (p, v.as_object_mut()) {
            obj.insert("prices".into(), serde_json::to_value(p)?);
        }
        values.push(v);
    }
    recording.done(
        &[("summary", serde_json::Value::Array(values.clone()))],
        &[],
    );
    if args.json {
        println!("{}", serde_json::to_string_pretty(&values)?);
        return Ok(0);
    }
    for (e, prices) in results.iter().zip(&price_results) {
        println!(
            "{} — {}\n{} replications from {} (seed {})",
            e.scenario, e.title, e.runs, e.start, e.seed
        );
        let mut t = Table::new(&[
            "observation",
            "subject",
            "date",
            "observed",
            "modelled [P5, P95]",
            "P(halt)",
            "error",
            "note",
        ]);
        for o in &e.observations {
            t.push(vec![
                o.id.clone(),
                o.subject.clone(),
                o.date.clone(),
                format!("{:.1} {}", o.observed, o.unit),
                o.modelled.map_or("-".into(), |m| {
                    format!(
                        "{:.1} [{:.1}, {:.1}]",
                        m.p50.max(m.mean.min(m.p50)),
                        m.p5,
                        m.p95
                    )
                }),
                o.probability.map_or("-".into(), |p| format!("{p:.2}")),
                o.error
                    .map_or("-".into(), |x| format!("{x:+.1} {}", o.error_unit)),
                o.note.clone(),
            ]);
        }
        println!("{}", t.render());
        let s = &e.sources;
        println!(
            "What the run knew: {} parameter records citing {} sources; {} citations published on or after {}, {} undetermined by their date's precision, {} sources undated.",
            s.records,
            s.sources,
            s.after.len(),
            s.event_date,
            s.undetermined.len(),
            s.undated.len()
        );
        for a in s.after.iter().take(20) {
            println!(
                "  after the event: {} cites {} (published {})",
                a.record, a.source, a.published
            );
        }
        if s.after.len() > 20 {
            println!("  ... and {} more (use --json)", s.after.len() - 20);
        }
        if let Some(p) = prices {
            print_price_backtest(p);
        }
        println!();
    }
    Ok(0)
}

/// The price back-test of one event: modelled multiples and tier ratios against observed.
fn print_price_backtest(p: &chokepoint_app::market::PriceBacktest) {
    println!(
        "\nPrices ({} replications, seed {}; modelled at the central elasticity, in brackets the means at the low and high ends of its range):",
        p.runs, p.seed
    );
    let mut t = Table::new(&[
        "observation",
        "subject",
        "month",
        "observed",
        "modelled mean [P5, P95]",
        "(low / high elasticity)",
        "error",
        "note",
    ]);
    for o in &p.observations {
        t.push(vec![
            o.id.clone(),
            o.subject.clone(),
            o.date.clone(),
            format!("{:.2} {}", o.observed, o.unit),
            o.modelled.map_or("-".into(), |m| {
                format!("{:.2} [{:.2}, {:.2}]", m.mean, m.p5, m.p95)
            }),
            match (o.modelled_low_elasticity, o.modelled_high_elasticity) {
                (Some(l), Some(h)) => format!("{l:.2} / {h:.2}"),
                _ => "-".into(),
            },
            o.error_pct.map_or("-".into(), |x| format!("{x:+.0}%")),
            o.note.clone(),
        ]);
    }
    print!("{}", t.render());
    println!("What the prices were built from:");
    for line in &p.parameters {
        println!("  {line}");
    }
    for w in &p.warnings {
        println!("  warning: {w}");
    }
}
