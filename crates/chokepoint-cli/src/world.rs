//! `chokepoint world balance`: how far the bundled world's baseline is from published
//! production and demand, stage by stage and sector by sector.

use crate::output::Table;
use anyhow::{Result, bail};
use chokepoint_core::stats::Edition;
use chokepoint_scenario::{Scenario, balance::world_balance, compile, run};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum WorldCommand {
    /// The baseline against published figures: throughput per stage and country, demand served
    /// per sector and country, with residuals, sources and whether each figure is sourced.
    Balance(BalanceArgs),
}

#[derive(Debug, Args)]
pub struct BalanceArgs {
    /// Print one JSON document instead of tables.
    #[arg(long)]
    json: bool,
    /// USGS Mineral Commodity Summaries edition for mine production (mcs2025 or mcs2026).
    #[arg(long, default_value = "mcs2026")]
    edition: String,
    /// A directory of CSV files layered over the bundled dataset.
    #[arg(long)]
    data: Option<PathBuf>,
}

pub fn run_world(cmd: WorldCommand) -> Result<i32> {
    let WorldCommand::Balance(args) = cmd;
    let edition: Edition = match args.edition.parse() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: --edition: {e}");
            return Ok(2);
        }
    };
    let world = crate::simulate::load_world(args.data.as_deref())?;
    let (path, text) = crate::simulate::read_scenario("baseline")?;
    let file = path.display().to_string();
    let mut scenario = match Scenario::parse(&text, &file) {
        Ok(s) => s,
        Err(e) => bail!("bundled baseline: {e}"),
    };
    // The balance is of baseline flows, which stock cover does not change: central inputs.
    scenario.fixed_inputs = true;
    let compiled = match compile(&world, &scenario, &file) {
        Ok(c) => c,
        Err(e) => bail!("bundled baseline: {e}"),
    };
    let runs = if compiled.network.is_deterministic() {
        1
    } else {
        16
    };
    let mc = run(&compiled, runs, 0, &|| {})?;
    let b = world_balance(
        &world,
        &compiled,
        &mc,
        compiled.horizon,
        scenario
            .demand_year
            .or_else(|| world.demand.values().map(|d| d.year).max()),
        edition,
    );
    if args.json {
        println!("{}", serde_json::to_string_pretty(&b)?);
        return Ok(0);
    }
    let opt =
        |x: Option<f64>, digits: usize| x.map_or("-".to_string(), |v| format!("{v:.digits$}"));
    println!(
        "Stage throughput of the baseline against published output (t/yr; t REO at mining and separation; {}):",
        b.edition
    );
    let mut t = Table::new(&[
        "stage",
        "country",
        "modelled",
        "published",
        "residual",
        "share",
        "published share",
        "sourced",
        "source",
    ]);
    for r in &b.stages {
        t.push(vec![
            r.stage.clone(),
            r.country.clone(),
            format!("{:.0}", r.modelled_t),
            opt(r.published_t, 0),
            r.residual_pct.map_or("-".into(), |x| format!("{x:+.1}%")),
            format!("{:.1}%", r.modelled_share_pct),
            r.published_share_pct
                .map_or("-".into(), |x| format!("{x:.1}%")),
            if r.sourced { "yes" } else { "-" }.into(),
            r.source.clone(),
        ]);
    }
    println!("{}", t.render());
    println!(
        "Demand served by the baseline, per sector and country (units/yr in the sector's own unit):"
    );
    let mut t = Table::new(&[
        "sector",
        "region",
        "published",
        "served",
        "served %",
        "sourced",
        "source",
    ]);
    for r in &b.sectors {
        t.push(vec![
            r.sector.clone(),
            r.region.clone(),
            format!("{:.0}", r.published_units),
            format!("{:.0}", r.served_units),
            format!("{:.1}%", r.served_pct),
            if r.sourced { "yes" } else { "assumption" }.into(),
            r.source.clone(),
        ]);
    }
    println!("{}", t.render());
    println!("Share of world demand served, and China's share of it:");
    let mut t = Table::new(&[
        "sector",
        "world units/yr",
        "served",
        "China published",
        "China modelled",
    ]);
    for r in &b.sector_shares {
        t.push(vec![
            r.sector.clone(),
            format!("{:.0}", r.world_units),
            format!("{:.1}%", r.served_pct),
            r.china_published_pct
                .map_or("-".into(), |x| format!("{x:.1}%")),
            format!("{:.1}%", r.china_modelled_pct),
        ]);
    }
    println!("{}", t.render());
    println!("Cross-border flows of the baseline against published trade (t/yr):");
    let mut t = Table::new(&[
        "flow",
        "year",
        "modelled",
        "published",
        "residual",
        "basis",
        "source",
    ]);
    for r in &b.trade {
        t.push(vec![
            r.flow.clone(),
            r.year.to_string(),
            format!("{:.0}", r.modelled_t),
            format!("{:.0}", r.published_t),
            format!("{:+.1}%", r.residual_pct),
            r.basis.clone(),
            r.source.clone(),
        ]);
    }
    println!("{}", t.render());
    println!("Targets:");
    for c in &b.checks {
        if c.met {
            println!("  met      {}", c.target);
        } else {
            println!("  NOT MET  {}: {}", c.target, c.misses.join("; "));
        }
    }
    for (d, u) in &b.unplaced {
        println!("unserved: demand `{d}` ({u:.0} units/yr): no open node makes its product");
    }
    for s in &b.structural_shortfalls {
        println!("structural shortfall: {s}");
    }
    Ok(0)
}
