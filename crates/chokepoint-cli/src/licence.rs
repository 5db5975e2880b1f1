//! `chokepoint licence check BOM`: does each product in a bill of materials need an export
//! licence on a date, under which measures, and why?
//!
//! Exit codes: 0 when no product needs a licence; 1 when any needs one, is prohibited, or cannot be
//! decided for lack of a fact (an unknown end use is a gap, not a pass); 2 on bad input, with
//! diagnostics naming file, line/row and field.

use crate::policy::{Format, emit, load_timeline, outln, print_diagnostics, today};
use anyhow::{Context, Result};
use chokepoint_core::CountryCode;
use chokepoint_rules::{EndUse, EndUser, LicenceStatus, StepKind, Verdict};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: LicenceCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum LicenceCommand {
    /// Check a BOM (.toml, or .csv with one row per product-material line; see examples/bom/).
    /// Exit 0: no licence needed; 1: a licence is needed (or prohibited, or a fact is missing);
    /// 2: bad input.
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The bill of materials: TOML (`[[product]]` with `[[product.material]]`) or CSV.
    pub bom: PathBuf,
    /// Shipment date, YYYY-MM-DD (default: the BOM's date, else today).
    #[arg(long)]
    pub date: Option<String>,
    /// Destination country, ISO3 (overrides the BOM).
    #[arg(long)]
    pub to: Option<String>,
    /// End use (overrides the BOM): automotive, wind, electronics, industrial, civil, military,
    /// advanced-semiconductor, military-ai, unknown.
    #[arg(long)]
    pub end_use: Option<String>,
    /// End user (overrides the BOM): civil, military, listed-entity, unknown.
    #[arg(long)]
    pub end_user: Option<String>,
    /// The exporter holds a general licence (Dec 2025 general licences).
    #[arg(long)]
    pub general_licence: bool,
    /// Replace the BOM's asserted origins by origins traced through the bundled network: each
    /// rare-earth line gets the mix by country of mining of that form as it reaches the
    /// product's country of manufacture in the baseline run from the shipment date (365 days,
    /// central inputs). Lines the network does not trace keep their assertion; the output says
    /// which was used.
    #[arg(long)]
    pub trace: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Layer every *.toml in DIR over the bundled policy (adds or replaces measures by id).
    #[arg(long)]
    pub policy_dir: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<i32> {
    match args.command {
        LicenceCommand::Check(a) => check(a),
    }
}

fn arg_error(flag: &str, msg: impl std::fmt::Display) -> i32 {
    eprintln!("error: {flag}: {msg}");
    2
}

fn check(a: CheckArgs) -> Result<i32> {
    let date = match a.date.as_deref().map(chokepoint_rules::parse_date) {
        Some(Ok(d)) => Some(d),
        Some(Err(e)) => return Ok(arg_error("--date", e)),
        None => None,
    };
    let to = match a.to.as_deref().map(str::parse::<CountryCode>) {
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => return Ok(arg_error("--to", e)),
        None => None,
    };
    let end_use = match a.end_use.as_deref() {
        Some(s) => match EndUse::parse(s) {
            Some(u) => Some(u),
            None => {
                return Ok(arg_error(
                    "--end-use",
                    format!("unknown `{s}`; expected one of: {}", EndUse::expected()),
                ));
            }
        },
        None => None,
    };
    let end_user = match a.end_user.as_deref() {
        Some(s) => match EndUser::parse(s) {
            Some(u) => Some(u),
            None => {
                return Ok(arg_error(
                    "--end-user",
                    format!("unknown `{s}`; expected one of: {}", EndUser::expected()),
                ));
            }
        },
        None => None,
    };
    let name = a.bom.display().to_string();
    let text = match std::fs::read_to_string(&a.bom) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {name}: {e}");
            return Ok(2);
        }
    };
    let timeline = match load_timeline(a.policy_dir.as_deref()).context("loading the policy")? {
        Ok(t) => t,
        Err(d) => {
            print_diagnostics(&d);
            return Ok(2);
        }
    };
    let world = crate::simulate::load_world(None)?;
    let (path, baseline_text) = crate::simulate::read_scenario("baseline")?;
    let baseline =
        chokepoint_scenario::Scenario::parse(&baseline_text, &path.display().to_string())?;
    let opts = chokepoint_app::licence::CheckOptions {
        date,
        to,
        end_use,
        end_user,
        general_licence: a.general_licence,
        trace: a.trace,
        today: today(),
    };
    let checks =
        match chokepoint_app::licence::check(&world, &timeline, &baseline, &text, &name, &opts) {
            Ok(c) => c,
            Err(chokepoint_app::licence::CheckError::Bom(d)) => {
                print_diagnostics(&d);
                return Ok(2);
            }
            Err(chokepoint_app::licence::CheckError::Option(flag, m)) => {
                return Ok(arg_error(flag, m));
            }
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(2);
            }
        };
    let verdicts: Vec<&Verdict> = checks.iter().map(|c| &c.verdict).collect();
    let mut out = String::new();
    match a.format {
        Format::Json => {
            let with_origin: Vec<serde_json::Value> = checks
                .iter()
                .map(|c| {
                    let mut x = serde_json::to_value(&c.verdict)?;
                    if let Some(m) = x.as_object_mut() {
                        m.insert("origin".into(), serde_json::json!(c.origin));
                    }
                    Ok(x)
                })
                .collect::<Result<_>>()?;
            outln!(out, "{}", serde_json::to_string_pretty(&with_origin)?)
        }
        Format::Table => {
            for c in &checks {
                print_table(&mut out, &c.verdict, &c.name);
                for line in &c.origin {
                    outln!(out, "  origin: {line}");
                }
            }
        }
    }
    emit(&out)?;
    let any = verdicts
        .iter()
        .any(|v| v.licence != LicenceStatus::NotRequired);
    Ok(i32::from(any))
}

fn status_text(s: LicenceStatus) -> &'static str {
    match s {
        LicenceStatus::NotRequired => "not required",
        LicenceStatus::Undetermined => "UNDETERMINED (a fact is missing)",
        LicenceStatus::Required => "REQUIRED",
        LicenceStatus::Prohibited => "PROHIBITED",
    }
}

fn print_table(out: &mut String, v: &Verdict, name: &str) {
    outln!(
        out,
        "{} — {name}\n  {} → {} on {}; end user {}, end use {}",
        v.product,
        v.exporter,
        v.destination,
        v.date,
        v.end_user,
        v.end_use
    );
    outln!(out, "  licence: {}", status_text(v.licence));
    for j in &v.jurisdictions {
        let tariff_only = j.licence == LicenceStatus::NotRequired
            && j.required_under.is_empty()
            && j.suspended.is_empty()
            && j.gaps.is_empty()
            && j.tariff.is_some();
        let mut line = if tariff_only {
            format!("  {}: import", j.jurisdiction)
        } else {
            format!("  {}: licence {}", j.jurisdiction, status_text(j.licence))
        };
        if !j.required_under.is_empty() {
            line.push_str(&format!(" under {}", j.required_under.join(", ")));
            line.push_str(&format!("; presumption {}", j.presumption));
            match j.review_working_days {
                Some(d) => line.push_str(&format!("; review up to {d} working days")),
                None => line.push_str("; review time not stated in sources"),
            }
        }
        if !j.suspended.is_empty() {
            let s: Vec<&str> = j.suspended.iter().map(|s| s.measure.as_str()).collect();
            line.push_str(&format!("; suspended: {}", s.join(", ")));
        }
        if let Some(t) = &j.tariff {
            line.push_str(&format!(
                "; tariff {:.1}% ({}), duty USD {:.2}",
                t.rate * 100.0,
                if t.includes_mfn {
                    "all-in"
                } else {
                    "plus MFN, not modelled"
                },
                t.duty_usd
            ));
        }
        outln!(out, "{line}");
        for step in &j.explanation {
            let tag = match step.kind {
                StepKind::Requires => "requires",
                StepKind::Suspended => "suspended",
                StepKind::Gap => "gap",
                StepKind::EndUse => "end use",
                StepKind::GeneralLicence => "general licence",
                StepKind::Tariff => "tariff",
                StepKind::Info => "info",
            };
            outln!(out, "    - [{tag}] {}", step.text);
        }
    }
    if !v.jurisdictions.iter().any(|j| j.tariff.is_some()) {
        outln!(
            out,
            "  tariff: no modelled tariff measure on this lane (MFN duties are not modelled)"
        );
    }
    for n in &v.notes {
        outln!(out, "  note: {n}");
    }
    for w in &v.warnings {
        outln!(out, "  warning: {w}");
    }
    outln!(out);
}
