//! `chokepoint data check|summary`: validate a dataset, and print what it says about
//! concentration along the chain.

use crate::output::{Format, Table, pct};
use anyhow::Result;
use chokepoint_core::facility::Stage;
use chokepoint_core::stats::{Concentration, Edition, WorldMetric};
use chokepoint_core::{Element, World};
use chokepoint_data::{Diagnostics, Severity};
use clap::{Args, Subcommand};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Validate a dataset: the bundled one, or DIR layered over it. Lists every problem with
    /// file, line, record and field. Exit 0 when clean, 2 on errors.
    Check {
        /// A directory of CSV files (same schema as data/, any subset) layered over the bundled
        /// dataset; its records add to or replace bundled ones by id.
        dir: Option<PathBuf>,
        /// Check DIR on its own, as a complete dataset, instead of layering it.
        #[arg(long)]
        standalone: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Print, per stage, each country's share, the HHI and China's share; reserves; and the
    /// modelled mine supply per element.
    Summary(SummaryArgs),
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// USGS Mineral Commodity Summaries edition for mining and reserves (editions disagree:
    /// MCS 2026 revised 2024 output). Default: the newest.
    #[arg(long, default_value = "mcs2026", value_parser = ["mcs2024", "mcs2025", "mcs2026"])]
    pub edition: String,
    /// Data year for mine production (default: the newest year in the edition).
    #[arg(long)]
    pub year: Option<i32>,
    /// Layer this directory over the bundled dataset.
    #[arg(long)]
    pub data: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(cmd: DataCommand) -> Result<i32> {
    match cmd {
        DataCommand::Check {
            dir,
            standalone,
            format,
        } => check(dir, standalone, format),
        DataCommand::Summary(args) => summary(args),
    }
}

fn print_diagnostics(diags: &Diagnostics, format: Format) -> Result<()> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&diags.0)?),
        Format::Csv => {
            let mut t = Table::new(&[
                "severity", "kind", "file", "line", "record", "field", "message",
            ]);
            for d in &diags.0 {
                t.push(vec![
                    format!("{:?}", d.severity).to_lowercase(),
                    serde_json::to_value(d.kind)?
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                    d.file.clone(),
                    d.line.map(|l| l.to_string()).unwrap_or_default(),
                    d.record.clone().unwrap_or_default(),
                    d.field.clone().unwrap_or_default(),
                    d.message.clone(),
                ]);
            }
            t.to_csv(&mut std::io::stdout())?;
        }
        Format::Table => {
            for d in &diags.0 {
                println!("{d}");
            }
        }
    }
    Ok(())
}

fn check(dir: Option<PathBuf>, standalone: bool, format: Format) -> Result<i32> {
    let result = match (&dir, standalone) {
        (Some(d), true) => chokepoint_data::load(&[d.as_path()]),
        (Some(d), false) => chokepoint_data::load_bundled(Some(d.as_path())),
        (None, _) => chokepoint_data::load_bundled(None),
    };
    match result {
        Ok(loaded) => {
            let w = &loaded.world;
            print_diagnostics(&Diagnostics(loaded.warnings.clone()), format)?;
            if format == Format::Table {
                println!(
                    "ok: {} sources, {} materials, {} facilities, {} recipes, {} lanes, {} demand records; 0 errors, {} warnings",
                    w.sources.len(),
                    w.materials.len(),
                    w.facilities.len(),
                    w.recipes.len(),
                    w.lanes.len(),
                    w.demand.len(),
                    loaded.warnings.len()
                );
            }
            Ok(0)
        }
        Err(diags) => {
            print_diagnostics(&diags, format)?;
            if format == Format::Table {
                let errors = diags
                    .0
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .count();
                eprintln!("{errors} error(s); the dataset was not loaded");
            }
            Ok(2)
        }
    }
}

#[derive(Debug, Serialize)]
struct Summary {
    edition: String,
    production_year: Option<i32>,
    stages: Vec<Concentration>,
    reserves: Option<Concentration>,
    reserves_world_is_lower_bound: bool,
    element_supply_t_reo: Vec<(String, f64)>,
    /// How the numeric records are backed.
    provenance: chokepoint_core::world::ProvenanceCensus,
}

fn build_summary(world: &World, edition: Edition, year: Option<i32>) -> Result<Summary> {
    let year = year.or_else(|| world.production_years(edition).last().copied());
    let mut stages = Vec::new();
    if let Some(y) = year {
        match world.mining_concentration(edition, y) {
            Some(c) => stages.push(c),
            None => anyhow::bail!(
                "no mine production for {y} in edition {edition}; years available: {:?}",
                world.production_years(edition)
            ),
        }
    }
    let as_of = year.unwrap_or(i32::MAX);
    for stage in [Stage::Separation, Stage::Metal, Stage::Magnet] {
        if let Some(c) = world.stage_concentration(stage, as_of) {
            stages.push(c);
        }
    }
    let supply = world.element_supply();
    Ok(Summary {
        edition: edition.to_string(),
        production_year: year,
        stages,
        reserves: world.reserves_concentration(edition),
        reserves_world_is_lower_bound: world
            .world_total_is_lower_bound(edition, WorldMetric::Reserves),
        element_supply_t_reo: Element::ALL
            .into_iter()
            .filter(|e| supply.get(*e) > 0.0)
            .map(|e| (e.symbol().to_string(), supply.get(e)))
            .collect(),
        provenance: world.provenance_census(),
    })
}

fn summary(args: SummaryArgs) -> Result<i32> {
    let edition: Edition = args.edition.parse().map_err(anyhow::Error::msg)?;
    let loaded = match chokepoint_data::load_bundled(args.data.as_deref()) {
        Ok(l) => l,
        Err(diags) => {
            print_diagnostics(&diags, Format::Table)?;
            eprintln!("the dataset has errors; run `chokepoint data check` for the full list");
            return Ok(2);
        }
    };
    let s = build_summary(&loaded.world, edition, args.year)?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&s)?),
        Format::Csv => {
            let mut t = Table::new(&[
                "section",
                "label",
                "country",
                "quantity_t_reo",
                "share",
                "hhi",
                "china_share",
            ]);
            for c in s.stages.iter().chain(s.reserves.iter()) {
                for sh in &c.shares {
                    t.push(vec![
                        "concentration".into(),
                        c.label.clone(),
                        sh.country.to_string(),
                        sh.quantity.map(|q| format!("{q}")).unwrap_or_default(),
                        format!("{:.6}", sh.share),
                        format!("{:.6}", c.hhi),
                        format!("{:.6}", c.china_share),
                    ]);
                }
            }
            for (e, q) in &s.element_supply_t_reo {
                t.push(vec![
                    "element-supply".into(),
                    "modelled mine supply".into(),
                    e.clone(),
                    format!("{q:.1}"),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
            t.to_csv(&mut std::io::stdout())?;
        }
        Format::Table => print_summary_table(&loaded.world, &s),
    }
    Ok(0)
}

fn print_summary_table(world: &World, s: &Summary) {
    println!(
        "chokepoint data summary — edition {} (mine production year {})\n",
        s.edition,
        s.production_year.map_or("-".into(), |y| y.to_string())
    );
    let name = |c: chokepoint_core::CountryCode| {
        world
            .country(c)
            .map_or_else(|| c.to_string(), |x| x.name.clone())
    };
    for c in s.stages.iter().chain(s.reserves.iter()) {
        println!(
            "{}: China {}  HHI {:.4}  top-3 {}",
            c.label,
            pct(c.china_share),
            c.hhi,
            pct(c.top3_share)
        );
        let mut t = Table::new(&["country", "", "quantity (t REO)", "share"]);
        for sh in &c.shares {
            t.push(vec![
                sh.country.to_string(),
                name(sh.country),
                sh.quantity.map_or_else(String::new, |q| format!("{q:.0}")),
                pct(sh.share),
            ]);
        }
        if c.quantity_total_known() {
            t.push(vec![
                "WLD".into(),
                "world (published total)".into(),
                format!("{:.0}", c.total),
                "100.00%".into(),
            ]);
        }
        print!("{}", t.render());
        println!();
    }
    if s.reserves_world_is_lower_bound {
        println!(
            "note: the published world reserves total is a lower bound ('>'); shares against it are upper bounds.\n"
        );
    }
    println!(
        "modelled mine supply by element (facility capacities x deposit distributions, t REO/yr)"
    );
    let mut t = Table::new(&["element", "name", "t REO/yr"]);
    for (e, q) in &s.element_supply_t_reo {
        let name = e.parse::<Element>().map(|x| x.name()).unwrap_or("");
        t.push(vec![e.clone(), name.to_string(), format!("{q:.1}")]);
    }
    print!("{}", t.render());
    let p = &s.provenance;
    println!(
        "\nprovenance of the {} numeric records: {} read in a source, {} derived from sources with a stated step, {} assumed ({:.1}% cite a source)",
        p.total(),
        p.sourced,
        p.derived,
        p.assumed,
        100.0 * p.cited_share()
    );
}

trait TotalKnown {
    fn quantity_total_known(&self) -> bool;
}

impl TotalKnown for Concentration {
    fn quantity_total_known(&self) -> bool {
        self.shares.iter().any(|s| s.quantity.is_some())
    }
}
