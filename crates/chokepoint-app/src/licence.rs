//! Check a bill of materials: parse it, apply the request's overrides (destination, end use, end
//! user, date, general licence), optionally trace each line's origin through the bundled
//! network, and evaluate every product on the rule timeline.

use chokepoint_core::material::MaterialForm;
use chokepoint_core::{CountryCode, Date, World};
use chokepoint_rules::{
    BomEntry, Diagnostic, Diagnostics, EndUse, EndUser, Form, Shipment, Timeline, Verdict,
};
use chokepoint_scenario::Scenario;
use chokepoint_scenario::origin::{TraceBasis, TracedOrigins, trace_origins};
use std::collections::BTreeMap;

/// The request's overrides of what the BOM states.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub date: Option<Date>,
    pub to: Option<CountryCode>,
    pub end_use: Option<EndUse>,
    pub end_user: Option<EndUser>,
    pub general_licence: bool,
    /// Replace asserted origins by origins traced through the network (needs `baseline`).
    pub trace: bool,
    /// The date used when neither the request nor the BOM gives one.
    pub today: Date,
}

/// One product's answer.
#[derive(Debug, Clone)]
pub struct ProductCheck {
    pub name: String,
    pub verdict: Verdict,
    /// Per material line: which origin the answer used (asserted or traced, and the mix).
    pub origin: Vec<String>,
}

/// Why a check could not be answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CheckError {
    /// The BOM (or a fact it must state) is wrong: located diagnostics.
    #[error("{} problem(s) in the bill of materials", .0.0.len())]
    Bom(Diagnostics),
    /// An option is wrong (`flag`, message).
    #[error("{0}: {1}")]
    Option(&'static str, String),
    /// Tracing origins failed.
    #[error("--trace: {0}")]
    Trace(String),
}

/// Checks every product of the BOM in `text` (named `file` in diagnostics).
pub fn check(
    world: &World,
    timeline: &Timeline,
    baseline: &Scenario,
    text: &str,
    file: &str,
    opts: &CheckOptions,
) -> Result<Vec<ProductCheck>, CheckError> {
    if let Some(c) = opts.to
        && world.country(c).is_none()
    {
        // The rules name jurisdictions by these codes; list them so a typo is easy to fix.
        let mut codes: Vec<String> = world
            .countries
            .values()
            .map(|k| k.code.to_string())
            .collect();
        codes.sort();
        return Err(CheckError::Option(
            "--to",
            format!(
                "`{c}` is not a country of the dataset; valid codes: {}",
                codes.join(", ")
            ),
        ));
    }
    let mut entries = chokepoint_rules::parse_bom(text, file).map_err(CheckError::Bom)?;
    let origins = if opts.trace {
        trace_entries(
            world,
            baseline,
            &mut entries,
            opts.date.unwrap_or(opts.today),
        )
        .map_err(|e| CheckError::Trace(e.to_string()))?
    } else {
        vec![
            vec![
                "asserted in the BOM (pass --trace to trace it through the bundled network)"
                    .to_string()
            ];
            entries.len()
        ]
    };
    let mut missing = Vec::new();
    let mut out = Vec::with_capacity(entries.len());
    for (e, origin) in entries.iter().zip(origins) {
        let Some(destination) = opts.to.or(e.destination) else {
            missing.push(Diagnostic {
                file: file.to_string(),
                line: e.line,
                record: format!("product {}", e.product.id),
                field: Some("destination".into()),
                message: "missing (state it in the BOM or pass --to)".into(),
            });
            continue;
        };
        let s = Shipment {
            product: &e.product,
            exporter: e.exporter,
            destination,
            end_user: opts.end_user.unwrap_or(e.end_user),
            end_use: opts.end_use.unwrap_or(e.end_use),
            date: opts.date.or(e.date).unwrap_or(opts.today),
            holds_general_licence: opts.general_licence || e.holds_general_licence,
        };
        out.push(ProductCheck {
            name: e.product.name.clone(),
            verdict: timeline.check(&s),
            origin,
        });
    }
    if !missing.is_empty() {
        return Err(CheckError::Bom(Diagnostics(missing)));
    }
    Ok(out)
}

/// Replaces each rare-earth line's asserted origin by the traced mix of its form reaching the
/// product's country of manufacture, one baseline run per shipment date. Returns, per entry, a
/// note per line saying which origin the answer used.
fn trace_entries(
    world: &World,
    baseline: &Scenario,
    entries: &mut [BomEntry],
    default_date: Date,
) -> Result<Vec<Vec<String>>, chokepoint_scenario::origin::TraceError> {
    let mut by_date: BTreeMap<Date, TracedOrigins> = BTreeMap::new();
    let mut notes = Vec::with_capacity(entries.len());
    for e in entries.iter_mut() {
        let date = e.date.unwrap_or(default_date);
        let traced = match by_date.entry(date) {
            std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(trace_origins(world, baseline, date)?)
            }
        };
        let made_in = e.product.made_in;
        let mut lines = Vec::new();
        for line in &mut e.product.materials {
            let form = match line.form {
                Form::Ore => Some(MaterialForm::Ore),
                Form::Concentrate => Some(MaterialForm::Concentrate),
                Form::Oxide => Some(MaterialForm::SeparatedOxide),
                Form::Compound => Some(MaterialForm::MixedCompound),
                Form::Metal | Form::Target | Form::Powder => Some(MaterialForm::Metal),
                Form::Alloy => Some(MaterialForm::Alloy),
                Form::Magnet => Some(MaterialForm::Magnet),
                Form::Component => Some(MaterialForm::Component),
                _ => None,
            };
            match form.and_then(|f| traced.mix(made_in, f)) {
                Some(m) if line.element_mask() != 0 => {
                    let shares = m
                        .shares
                        .iter()
                        .take(4)
                        .map(|(c, s)| format!("{c} {:.1}%", s * 100.0))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let how = match m.basis {
                        TraceBasis::Delivered => format!("delivered to {made_in}"),
                        TraceBasis::Made => format!("made in {made_in} (nothing delivered)"),
                    };
                    lines.push(format!(
                        "{}: traced ({} {how}, baseline from {date}, {} days): {shares}",
                        line.name, line.form, traced.days
                    ));
                    line.re_origin = m.shares;
                }
                _ => lines.push(format!(
                    "{}: asserted in the BOM (the network does not trace {} into {made_in})",
                    line.name, line.form
                )),
            }
        }
        notes.push(lines);
    }
    Ok(notes)
}
