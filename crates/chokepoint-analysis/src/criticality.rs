//! Criticality scores with published methods, every input shown with its provenance.
//!
//! ## EU JRC (European Commission 2017 methodology, used for the 2017-2023 CRM lists)
//!
//! * `HHI_WGI = Σ_c s_c² × WGI_c × t_c` over named countries (shares as fractions, so 0..10),
//!   with `WGI_c` the scaled governance index (0..10, higher = worse; see [`crate::wgi`]) and
//!   `t_c` the trade-restriction factor (1 when the country restricts nothing).
//! * `SR = [HHI_WGI,GS × IR/2 + HHI_WGI,EU × (1 − IR/2)] × (1 − EoL_RIR) × SI_SR`, with GS the
//!   global supply shares, EU the EU sourcing shares (domestic production + imports), IR the EU
//!   import reliance (0..1), EoL_RIR the end-of-life recycling input rate and SI_SR the
//!   substitution index for supply risk (0..1, 1 = no substitute).
//! * `EI = Σ_s (A_s × Q_s) × SI_EI`, A_s the end-use share of sector s, Q_s its value added
//!   scaled 0..10, SI_EI the substitution index for economic importance.
//! * Critical when `EI ≥ 2.8` and `SR ≥ 1.0`.
//!
//! Because `IR/2` and `1 − IR/2` are convex weights and `(1 − EoL_RIR)` and `SI_SR` are at most 1,
//! `SR ≤ max(HHI_WGI,GS, HHI_WGI,EU)` whatever the unsourced inputs are; the result reports that
//! bound, and an element whose bound is below 1.0 is "not critical" without them.
//!
//! Trade-restriction factors: the JRC 2017 guidelines raise `t` above 1 for export taxes, quotas
//! and prohibitions. The values in [`jrc2017_trade_factor`] are **from memory** (1.1 / 1.2 / 1.3)
//! and were not checked against the guidelines; they are only used when the caller asks.
//!
//! ## USGS-style (Nassar & Fortier 2021, USGS OFR 2021-1045)
//!
//! `supply risk = disruption potential × trade exposure × economic vulnerability`. The three
//! factors are inputs; [`usgs_inputs_from_world`] fills what the dataset supports (a governance-
//! weighted concentration proxy for DP — an assumption, not the paper's exact formula — and the
//! USGS net import reliance for TE) and leaves economic vulnerability not sourced.
//!
//! Invariant: a score is `Computed` only when every input it needs has a value; otherwise it is
//! `NotSourced` and names what is missing.

use crate::AnalysisError;
use crate::concentration::{
    RelianceRecord, Subject, capacity_table, import_reliance, modelled_concentration,
};
use crate::input::{Input, Origin, Score};
use crate::wgi::{WGI_CITATION, Wgi};
use chokepoint_core::facility::Stage;
use chokepoint_core::{CountryCode, World};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// JRC thresholds.
pub const EI_THRESHOLD: f64 = 2.8;
pub const SR_THRESHOLD: f64 = 1.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TradeMeasure {
    ExportTax,
    ExportQuota,
    ExportProhibition,
}

/// JRC 2017 trade-restriction factor for a measure — **from memory, unverified** against
/// "Methodology for establishing the EU list of critical raw materials: Guidelines" (European
/// Commission, 2017). Returned as a memory-tagged input so the output shows it.
pub fn jrc2017_trade_factor(measure: TradeMeasure) -> Input {
    let (v, what) = match measure {
        TradeMeasure::ExportTax => (1.1, "export tax"),
        TradeMeasure::ExportQuota => (1.2, "export quota"),
        TradeMeasure::ExportProhibition => (1.3, "export prohibition"),
    };
    Input::memory(
        &format!("t ({what})"),
        v,
        "JRC 2017 CRM methodology guidelines, trade-restriction parameter; value recalled, not checked",
    )
}

/// One country's term of an HHI_WGI.
#[derive(Debug, Clone, Serialize)]
pub struct HhiWgiTerm {
    pub country: CountryCode,
    pub share: f64,
    pub scaled_wgi: Option<f64>,
    pub t: f64,
    pub contribution: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HhiWgi {
    /// `None` when a named country has no WGI or there are no shares.
    pub value: Option<f64>,
    pub terms: Vec<HhiWgiTerm>,
    pub missing_wgi: Vec<CountryCode>,
    pub origin: String,
}

/// `Σ s² × WGI × t` over named countries (residual codes are skipped, so the result is a lower
/// bound when a residual is large). A country without a WGI makes the value unknown rather than
/// silently zero.
pub fn hhi_wgi(
    shares: &[(CountryCode, f64)],
    wgi: &Wgi,
    t: &BTreeMap<CountryCode, Input>,
    origin: &str,
) -> HhiWgi {
    let residuals = World::residual_codes();
    let mut terms = Vec::new();
    let mut missing = Vec::new();
    let mut sum = 0.0;
    for &(country, share) in shares {
        if residuals.contains(&country) {
            continue;
        }
        let w = wgi.scaled(country);
        let tf = t.get(&country).and_then(|i| i.value).unwrap_or(1.0);
        let contribution = w.map_or(0.0, |w| share * share * w * tf);
        if w.is_none() && share > 0.0 {
            missing.push(country);
        }
        sum += contribution;
        terms.push(HhiWgiTerm {
            country,
            share,
            scaled_wgi: w,
            t: tf,
            contribution,
        });
    }
    HhiWgi {
        value: (missing.is_empty() && !terms.is_empty()).then_some(sum),
        terms,
        missing_wgi: missing,
        origin: origin.to_string(),
    }
}

/// One end use for the economic-importance sum.
#[derive(Debug, Clone, Serialize)]
pub struct EndUse {
    pub sector: String,
    /// Share of the element's end use (0..1).
    pub share: Input,
    /// Sector value added scaled 0..10 (the JRC scales against the largest NACE 2-digit sector).
    pub value_added_scaled: Input,
}

#[derive(Debug, Clone, Serialize)]
pub struct JrcInputs {
    pub subject: String,
    /// The supply stage the global shares describe (JRC: extraction or processing).
    pub stage: String,
    pub global_supply: Vec<(CountryCode, f64)>,
    pub global_supply_origin: String,
    pub eu_sourcing: Vec<(CountryCode, f64)>,
    pub eu_sourcing_origin: String,
    pub import_reliance: Input,
    pub eol_rir: Input,
    pub si_sr: Input,
    pub end_uses: Vec<EndUse>,
    pub si_ei: Input,
    /// Trade-restriction factor per country; absent = 1.
    pub trade_restrictions: BTreeMap<CountryCode, Input>,
}

impl JrcInputs {
    /// Inputs with nothing sourced but the subject and stage: a starting point for callers.
    pub fn empty(subject: &str, stage: &str) -> Self {
        Self {
            subject: subject.to_string(),
            stage: stage.to_string(),
            global_supply: Vec::new(),
            global_supply_origin: String::new(),
            eu_sourcing: Vec::new(),
            eu_sourcing_origin: String::new(),
            import_reliance: Input::not_sourced("IR"),
            eol_rir: Input::not_sourced("EoL-RIR"),
            si_sr: Input::not_sourced("SI_SR"),
            end_uses: Vec::new(),
            si_ei: Input::not_sourced("SI_EI"),
            trade_restrictions: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Critical,
    NotCritical,
    /// A needed input is not sourced and the bounds do not settle it.
    Undetermined,
}

#[derive(Debug, Clone, Serialize)]
pub struct JrcResult {
    pub subject: String,
    pub stage: String,
    pub hhi_wgi_gs: HhiWgi,
    pub hhi_wgi_eu: HhiWgi,
    /// Every scalar input, in formula order, with provenance.
    pub inputs: Vec<Input>,
    pub end_uses: Vec<EndUse>,
    pub sr: Score,
    pub ei: Score,
    pub verdict: Verdict,
    pub verdict_reason: String,
    pub wgi_citation: &'static str,
}

fn is_unsourced(i: &Input) -> bool {
    matches!(i.origin, Origin::Assumption(_) | Origin::Memory(_))
}

/// Applies the JRC formulas to explicit inputs.
pub fn jrc(inputs: &JrcInputs, wgi: &Wgi) -> Result<JrcResult, AnalysisError> {
    let ir = inputs.import_reliance.checked(0.0, 1.0)?;
    let eol = inputs.eol_rir.checked(0.0, 1.0)?;
    let si_sr = inputs.si_sr.checked(0.0, 1.0)?;
    let si_ei = inputs.si_ei.checked(0.0, 1.0)?;
    for t in inputs.trade_restrictions.values() {
        t.checked(1.0, 10.0)?;
    }
    let gs = hhi_wgi(
        &inputs.global_supply,
        wgi,
        &inputs.trade_restrictions,
        &inputs.global_supply_origin,
    );
    let eu = hhi_wgi(
        &inputs.eu_sourcing,
        wgi,
        &inputs.trade_restrictions,
        &inputs.eu_sourcing_origin,
    );

    let mut scalar_inputs = vec![
        inputs.import_reliance.clone(),
        inputs.eol_rir.clone(),
        inputs.si_sr.clone(),
        inputs.si_ei.clone(),
    ];
    scalar_inputs.extend(inputs.trade_restrictions.values().cloned());

    // Supply risk.
    let mut missing = Vec::new();
    if gs.value.is_none() {
        missing.push(if gs.missing_wgi.is_empty() {
            "global supply shares".to_string()
        } else {
            format!("WGI for {:?}", gs.missing_wgi)
        });
    }
    if eu.value.is_none() {
        missing.push(if eu.missing_wgi.is_empty() {
            "EU sourcing shares".to_string()
        } else {
            format!("WGI for {:?}", eu.missing_wgi)
        });
    }
    let blend = match (gs.value, eu.value, ir) {
        (Some(g), Some(e), Some(ir)) => Some(g * ir / 2.0 + e * (1.0 - ir / 2.0)),
        _ => None,
    };
    if ir.is_none() {
        missing.push("IR".into());
    }
    if eol.is_none() {
        missing.push("EoL-RIR".into());
    }
    if si_sr.is_none() {
        missing.push("SI_SR".into());
    }
    let sr_unsourced = [&inputs.import_reliance, &inputs.eol_rir, &inputs.si_sr]
        .into_iter()
        .any(is_unsourced)
        || inputs.trade_restrictions.values().any(is_unsourced);
    let sr = if missing.is_empty() {
        let (b, eol, si) = (
            blend.unwrap_or_default(),
            eol.unwrap_or_default(),
            si_sr.unwrap_or_default(),
        );
        Score::Computed {
            value: b * (1.0 - eol) * si,
            uses_unsourced: sr_unsourced,
        }
    } else {
        // The blend is a convex combination of the two HHIs; the other factors are <= 1.
        let blend_bound = blend.or_else(|| Some(gs.value?.max(eu.value?)));
        let upper_bound =
            blend_bound.map(|b| b * eol.map_or(1.0, |e| 1.0 - e) * si_sr.unwrap_or(1.0));
        Score::NotSourced {
            missing,
            upper_bound,
        }
    };

    // Economic importance.
    let mut ei_missing = Vec::new();
    let mut ei_sum = 0.0;
    if inputs.end_uses.is_empty() {
        ei_missing.push("end-use shares and sector value added".to_string());
    }
    for u in &inputs.end_uses {
        let a = u.share.checked(0.0, 1.0)?;
        let q = u.value_added_scaled.checked(0.0, 10.0)?;
        match (a, q) {
            (Some(a), Some(q)) => ei_sum += a * q,
            _ => ei_missing.push(format!("end use `{}`", u.sector)),
        }
    }
    let share_sum: f64 = inputs.end_uses.iter().filter_map(|u| u.share.value).sum();
    if share_sum > 1.0 + 1e-6 {
        return Err(AnalysisError::InputOutOfRange {
            name: format!("sum of end-use shares of {}", inputs.subject),
            value: share_sum,
            min: 0.0,
            max: 1.0,
        });
    }
    if si_ei.is_none() {
        ei_missing.push("SI_EI".into());
    }
    let ei_unsourced = is_unsourced(&inputs.si_ei)
        || inputs
            .end_uses
            .iter()
            .any(|u| is_unsourced(&u.share) || is_unsourced(&u.value_added_scaled));
    let ei = if ei_missing.is_empty() {
        Score::Computed {
            value: ei_sum * si_ei.unwrap_or_default(),
            uses_unsourced: ei_unsourced,
        }
    } else {
        Score::NotSourced {
            missing: ei_missing,
            upper_bound: None,
        }
    };

    let (verdict, verdict_reason) = verdict(&sr, &ei);
    Ok(JrcResult {
        subject: inputs.subject.clone(),
        stage: inputs.stage.clone(),
        hhi_wgi_gs: gs,
        hhi_wgi_eu: eu,
        inputs: scalar_inputs,
        end_uses: inputs.end_uses.clone(),
        sr,
        ei,
        verdict,
        verdict_reason,
        wgi_citation: WGI_CITATION,
    })
}

fn verdict(sr: &Score, ei: &Score) -> (Verdict, String) {
    match (sr, ei) {
        (Score::Computed { value: s, .. }, Score::Computed { value: e, .. }) => {
            if *e >= EI_THRESHOLD && *s >= SR_THRESHOLD {
                (
                    Verdict::Critical,
                    format!("EI {e:.2} >= 2.8 and SR {s:.2} >= 1.0"),
                )
            } else {
                (
                    Verdict::NotCritical,
                    format!("EI {e:.2} (threshold 2.8), SR {s:.2} (threshold 1.0)"),
                )
            }
        }
        (
            Score::NotSourced {
                upper_bound: Some(b),
                ..
            },
            _,
        ) if *b < SR_THRESHOLD => (
            Verdict::NotCritical,
            format!("SR <= {b:.2} < 1.0 whatever the unsourced inputs"),
        ),
        (Score::Computed { value: s, .. }, _) if *s < SR_THRESHOLD => {
            (Verdict::NotCritical, format!("SR {s:.2} < 1.0"))
        }
        (_, Score::Computed { value: e, .. }) if *e < EI_THRESHOLD => {
            (Verdict::NotCritical, format!("EI {e:.2} < 2.8"))
        }
        _ => {
            let mut m = Vec::new();
            for s in [sr, ei] {
                if let Score::NotSourced { missing, .. } = s {
                    m.extend(missing.iter().cloned());
                }
            }
            (
                Verdict::Undetermined,
                format!("input not sourced: {}", m.join(", ")),
            )
        }
    }
}

/// Global supply shares of a subject at a stage: modelled facility capacity when the dataset
/// has it for the subject, else the published all-rare-earth stage shares (labelled as such).
pub fn global_supply(
    world: &World,
    subject: Subject,
    stage: Stage,
) -> Option<(Vec<(CountryCode, f64)>, String)> {
    let table = capacity_table(world);
    if let Some(c) = modelled_concentration(&table, subject, stage) {
        return Some((
            c.concentration
                .shares
                .iter()
                .map(|s| (s.country, s.share))
                .collect(),
            format!("{} ({})", c.basis, c.concentration.label),
        ));
    }
    let c = world.stage_concentration(stage, crate::concentration::data_year(world))?;
    Some((
        c.shares.iter().map(|s| (s.country, s.share)).collect(),
        format!(
            "published all-REE shares, {} (element-level not modelled)",
            c.label
        ),
    ))
}

/// EU sourcing shares: the newest EU27 trade-share group in the dataset (all rare earths; the
/// data has no element-level EU sourcing, so every element gets the same shares).
pub fn eu_sourcing(world: &World) -> Option<(Vec<(CountryCode, f64)>, String)> {
    let year = world
        .trade_shares
        .iter()
        .filter(|t| t.importer == "EU27")
        .map(|t| t.year)
        .max()?;
    let rows: Vec<_> = world
        .trade_shares
        .iter()
        .filter(|t| t.importer == "EU27" && t.year == year)
        .collect();
    let item = rows.first().map(|t| t.item.clone()).unwrap_or_default();
    let shares = rows
        .iter()
        .filter(|t| t.item == item)
        .map(|t| (t.partner, t.share.fraction()))
        .collect();
    Some((
        shares,
        format!(
            "EU27 import shares {year}, `{item}` (all rare earths; applied to every element; partners not listed are left out, so HHI_WGI,EU is a lower bound)"
        ),
    ))
}

/// JRC inputs for a subject and stage from the dataset and the embedded tables. What the data
/// cannot give (EoL-RIR, SI_SR, SI_EI, end uses) is `NotSourced`; trade-restriction factors
/// default to 1 (the JRC value for "no restriction"). Callers override fields explicitly.
pub fn jrc_inputs_from_world(
    world: &World,
    subject: Subject,
    stage: Stage,
    reliance: &[RelianceRecord],
) -> JrcInputs {
    let mut i = JrcInputs::empty(&subject.to_string(), stage.as_str());
    if let Some((s, o)) = global_supply(world, subject, stage) {
        i.global_supply = s;
        i.global_supply_origin = o;
    }
    if let Some((s, o)) = eu_sourcing(world) {
        i.eu_sourcing = s;
        i.eu_sourcing_origin = o;
    }
    let year = world
        .trade_shares
        .iter()
        .filter(|t| t.importer == "EU27")
        .map(|t| t.year)
        .max();
    if let Some(y) = year {
        let mut ir = import_reliance(reliance, "EU27", y);
        ir.name = "IR".into();
        i.import_reliance = ir;
    }
    i
}

// ---------------------------------------------------------------------------------------------
// Caller-supplied inputs (the CLI's `--inputs FILE.json`).

/// An input as a caller writes it: `{"value": 0.01, "origin": "memory", "detail": "EU CRM 2023"}`.
#[derive(Debug, Clone, Deserialize)]
pub struct InputSpec {
    pub value: f64,
    /// sourced | derived | assumption | memory
    pub origin: String,
    #[serde(default)]
    pub detail: String,
}

impl InputSpec {
    pub fn to_input(&self, name: &str) -> Result<Input, AnalysisError> {
        let detail = self.detail.clone();
        Ok(match self.origin.as_str() {
            "sourced" => Input::sourced(name, self.value, detail),
            "derived" => Input::derived(name, self.value, detail),
            "assumption" => Input::assumption(name, self.value, detail),
            "memory" => Input::memory(name, self.value, detail),
            other => {
                return Err(AnalysisError::Runner(format!(
                    "input `{name}`: unknown origin `{other}`; expected sourced, derived, assumption or memory"
                )));
            }
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct EndUseSpec {
    pub sector: String,
    pub share: InputSpec,
    pub value_added_scaled: InputSpec,
}

/// Overrides for one subject (or `"*"` for all).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectOverrides {
    pub import_reliance: Option<InputSpec>,
    pub eol_rir: Option<InputSpec>,
    pub si_sr: Option<InputSpec>,
    pub si_ei: Option<InputSpec>,
    pub end_uses: Option<Vec<EndUseSpec>>,
    /// ISO3 → factor.
    #[serde(default)]
    pub trade_restrictions: BTreeMap<String, InputSpec>,
    pub disruption_potential: Option<InputSpec>,
    pub trade_exposure: Option<InputSpec>,
    pub economic_vulnerability: Option<InputSpec>,
}

/// A caller's criticality inputs, keyed by subject (`Dy`, `HREE`, or `*` for every subject).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CriticalityOverrides(pub BTreeMap<String, SubjectOverrides>);

impl CriticalityOverrides {
    /// The overrides that apply to a subject: `*` first, then the subject's own on top.
    fn layers(&self, subject: &str) -> impl Iterator<Item = &SubjectOverrides> {
        self.0.get("*").into_iter().chain(self.0.get(subject))
    }

    pub fn apply_jrc(&self, i: &mut JrcInputs) -> Result<(), AnalysisError> {
        let subject = i.subject.clone();
        for o in self.layers(&subject) {
            if let Some(s) = &o.import_reliance {
                i.import_reliance = s.to_input("IR")?;
            }
            if let Some(s) = &o.eol_rir {
                i.eol_rir = s.to_input("EoL-RIR")?;
            }
            if let Some(s) = &o.si_sr {
                i.si_sr = s.to_input("SI_SR")?;
            }
            if let Some(s) = &o.si_ei {
                i.si_ei = s.to_input("SI_EI")?;
            }
            if let Some(uses) = &o.end_uses {
                i.end_uses = uses
                    .iter()
                    .map(|u| {
                        Ok(EndUse {
                            sector: u.sector.clone(),
                            share: u.share.to_input(&format!("A({})", u.sector))?,
                            value_added_scaled: u
                                .value_added_scaled
                                .to_input(&format!("Q({})", u.sector))?,
                        })
                    })
                    .collect::<Result<_, AnalysisError>>()?;
            }
            for (iso, s) in &o.trade_restrictions {
                let c: CountryCode =
                    iso.parse()
                        .map_err(|e: chokepoint_core::geo::BadCountryCode| {
                            AnalysisError::Runner(e.to_string())
                        })?;
                i.trade_restrictions
                    .insert(c, s.to_input(&format!("t({iso})"))?);
            }
        }
        Ok(())
    }

    pub fn apply_usgs(&self, subject: &str, i: &mut UsgsInputs) -> Result<(), AnalysisError> {
        for o in self.layers(subject) {
            if let Some(s) = &o.disruption_potential {
                i.disruption_potential = s.to_input("disruption potential")?;
            }
            if let Some(s) = &o.trade_exposure {
                i.trade_exposure = s.to_input("trade exposure")?;
            }
            if let Some(s) = &o.economic_vulnerability {
                i.economic_vulnerability = s.to_input("economic vulnerability")?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// USGS-style supply risk

#[derive(Debug, Clone, Serialize)]
pub struct UsgsInputs {
    pub subject: String,
    pub disruption_potential: Input,
    pub trade_exposure: Input,
    pub economic_vulnerability: Input,
}

#[derive(Debug, Clone, Serialize)]
pub struct UsgsResult {
    pub subject: String,
    pub inputs: Vec<Input>,
    pub supply_risk: Score,
    pub method: &'static str,
}

pub const USGS_METHOD: &str = "Nassar & Fortier (2021), Methodology and technical input for the 2021 review and revision of the U.S. Critical Minerals List, USGS Open-File Report 2021-1045: supply risk = disruption potential x trade exposure x economic vulnerability";

/// The product of the three factors, or "input not sourced" naming the missing ones.
pub fn usgs_supply_risk(i: &UsgsInputs) -> UsgsResult {
    let inputs = vec![
        i.disruption_potential.clone(),
        i.trade_exposure.clone(),
        i.economic_vulnerability.clone(),
    ];
    let missing: Vec<String> = inputs
        .iter()
        .filter(|x| !x.is_present())
        .map(|x| x.name.clone())
        .collect();
    let supply_risk = if missing.is_empty() {
        Score::Computed {
            value: inputs.iter().filter_map(|x| x.value).product(),
            uses_unsourced: inputs.iter().any(is_unsourced),
        }
    } else {
        Score::NotSourced {
            missing,
            upper_bound: None,
        }
    };
    UsgsResult {
        subject: i.subject.clone(),
        inputs,
        supply_risk,
        method: USGS_METHOD,
    }
}

/// USGS-style inputs for the United States from the dataset: DP as the governance-weighted
/// concentration of global mine supply (HHI_WGI / 10, an **assumption** standing in for the
/// paper's disruption potential), TE as the published US net import reliance (compounds and
/// metals, newest year), EV not sourced.
pub fn usgs_inputs_from_world(
    world: &World,
    subject: Subject,
    wgi: &Wgi,
    reliance: &[RelianceRecord],
) -> UsgsInputs {
    let dp = match global_supply(world, subject, Stage::Mining) {
        Some((shares, origin)) => match hhi_wgi(&shares, wgi, &BTreeMap::new(), &origin).value {
            Some(h) => Input::assumption(
                "disruption potential",
                h / 10.0,
                format!(
                    "proxy HHI_WGI(global mine supply)/10 from {origin}; N&F 2021's exact DP formula not applied"
                ),
            ),
            None => Input::not_sourced("disruption potential"),
        },
        None => Input::not_sourced("disruption potential"),
    };
    let newest = reliance
        .iter()
        .filter(|r| r.importer == "USA")
        .map(|r| r.year)
        .max();
    let te = match newest {
        Some(y) => {
            let ir = import_reliance(reliance, "USA", y);
            match ir.value {
                Some(v) => Input::derived(
                    "trade exposure",
                    v,
                    format!(
                        "US net import reliance {y} ({}); used unadjusted for partner risk",
                        ir.origin.detail()
                    ),
                ),
                None => Input::not_sourced("trade exposure"),
            }
        }
        None => Input::not_sourced("trade exposure"),
    };
    UsgsInputs {
        subject: subject.to_string(),
        disruption_potential: dp,
        trade_exposure: te,
        economic_vulnerability: Input::not_sourced("economic vulnerability"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> CountryCode {
        s.parse().expect("test code")
    }

    fn wgi() -> Wgi {
        // Scaled values: AAA 6.0, BBB 2.0, CCC 4.0, DDD 2.5 (composites 0.4, 0.8, 0.6, 0.75).
        Wgi::parse("iso3,country,wgi_composite_0_1,year\nAAA,A,0.4,2022\nBBB,B,0.8,2022\nCCC,C,0.6,2022\nDDD,D,0.75,2022\n")
            .expect("parses")
    }

    #[test]
    fn hhi_of_the_published_example() {
        // Global supply shares 86/6/2/2/1/1/1/1 %: HHI = 0.7396 + 0.0036 + 2×0.0004 + 4×0.0001
        // = 0.7444. With every scaled WGI = 1 and t = 1, HHI_WGI equals the HHI.
        let codes = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH"];
        let shares: Vec<(CountryCode, f64)> = codes
            .iter()
            .zip([0.86, 0.06, 0.02, 0.02, 0.01, 0.01, 0.01, 0.01])
            .map(|(k, s)| (c(k), s))
            .collect();
        let mut csv = String::from("iso3,country,wgi_composite_0_1,year\n");
        for k in codes {
            csv.push_str(&format!("{k},{k},0.9,2022\n"));
        }
        let w = Wgi::parse(&csv).expect("parses");
        let h = hhi_wgi(&shares, &w, &BTreeMap::new(), "test");
        assert!((h.value.unwrap_or(0.0) - 0.7444).abs() < 1e-12);
        assert!((chokepoint_core::stats::hhi(shares.iter().map(|s| s.1)) - 0.7444).abs() < 1e-12);
    }

    fn full_inputs() -> JrcInputs {
        let mut i = JrcInputs::empty("Xx", "separation");
        i.global_supply = vec![(c("AAA"), 0.8), (c("BBB"), 0.2)];
        i.eu_sourcing = vec![(c("AAA"), 0.5), (c("CCC"), 0.5)];
        i.import_reliance = Input::assumption("IR", 1.0, "test");
        i.eol_rir = Input::assumption("EoL-RIR", 0.1, "test");
        i.si_sr = Input::assumption("SI_SR", 0.9, "test");
        i.si_ei = Input::assumption("SI_EI", 0.95, "test");
        i.end_uses = vec![
            EndUse {
                sector: "magnets".into(),
                share: Input::assumption("A", 0.6, "test"),
                value_added_scaled: Input::assumption("Q", 5.0, "test"),
            },
            EndUse {
                sector: "catalysts".into(),
                share: Input::assumption("A", 0.4, "test"),
                value_added_scaled: Input::assumption("Q", 2.0, "test"),
            },
        ];
        i
    }

    #[test]
    fn full_sr_and_ei_by_hand() {
        // HHI_WGI,GS = 0.8²×6 + 0.2²×2 = 3.84 + 0.08 = 3.92
        // HHI_WGI,EU = 0.5²×6 + 0.5²×4 = 1.5 + 1.0 = 2.5
        // blend (IR = 1) = 3.92×0.5 + 2.5×0.5 = 3.21
        // SR = 3.21 × (1 − 0.1) × 0.9 = 2.6001
        // EI = (0.6×5 + 0.4×2) × 0.95 = 3.8 × 0.95 = 3.61 → critical.
        let r = jrc(&full_inputs(), &wgi()).expect("valid inputs");
        assert!((r.hhi_wgi_gs.value.unwrap_or(0.0) - 3.92).abs() < 1e-12);
        assert!((r.hhi_wgi_eu.value.unwrap_or(0.0) - 2.5).abs() < 1e-12);
        assert!((r.sr.value().unwrap_or(0.0) - 2.6001).abs() < 1e-9);
        assert!((r.ei.value().unwrap_or(0.0) - 3.61).abs() < 1e-9);
        assert_eq!(r.verdict, Verdict::Critical);
        assert!(matches!(
            r.sr,
            Score::Computed {
                uses_unsourced: true,
                ..
            }
        ));
    }

    #[test]
    fn trade_restriction_multiplies_the_country_term() {
        // t(AAA) = 1.2: GS = 0.64×6×1.2 + 0.04×2 = 4.608 + 0.08 = 4.688.
        let mut i = full_inputs();
        i.trade_restrictions
            .insert(c("AAA"), jrc2017_trade_factor(TradeMeasure::ExportQuota));
        let r = jrc(&i, &wgi()).expect("valid");
        assert!((r.hhi_wgi_gs.value.unwrap_or(0.0) - 4.688).abs() < 1e-12);
        assert!(
            r.inputs
                .iter()
                .any(|x| matches!(x.origin, Origin::Memory(_)))
        );
    }

    #[test]
    fn missing_inputs_say_not_sourced_with_a_bound() {
        let mut i = full_inputs();
        i.eol_rir = Input::not_sourced("EoL-RIR");
        i.si_sr = Input::not_sourced("SI_SR");
        let r = jrc(&i, &wgi()).expect("valid");
        match &r.sr {
            Score::NotSourced {
                missing,
                upper_bound,
            } => {
                assert_eq!(missing, &vec!["EoL-RIR".to_string(), "SI_SR".to_string()]);
                // Bound = the blend 3.21.
                assert!((upper_bound.unwrap_or(0.0) - 3.21).abs() < 1e-12);
            }
            other => panic!("expected not sourced, got {other:?}"),
        }
        assert_eq!(r.verdict, Verdict::Undetermined);
        assert!(
            r.sr.to_string()
                .starts_with("input not sourced: EoL-RIR, SI_SR")
        );
    }

    #[test]
    fn a_bound_below_one_settles_not_critical() {
        // Two halves from DDD (scaled WGI 2.5): GS = EU = 2 × 0.5² × 2.5 = 1.25.
        let mut i = JrcInputs::empty("Yy", "mining");
        i.global_supply = vec![(c("DDD"), 0.5), (c("DDD"), 0.5)];
        i.eu_sourcing = vec![(c("DDD"), 0.5), (c("DDD"), 0.5)];
        // Without IR the bound is max(GS, EU) = 1.25 → not below 1.0.
        let r = jrc(&i, &wgi()).expect("valid");
        assert_eq!(r.verdict, Verdict::Undetermined);
        i.eol_rir = Input::assumption("EoL-RIR", 0.5, "test");
        let r = jrc(&i, &wgi()).expect("valid");
        // Bound = 1.25 × (1 − 0.5) = 0.625 < 1.
        assert_eq!(r.verdict, Verdict::NotCritical);
    }

    #[test]
    fn missing_wgi_is_not_silently_zero() {
        let mut i = full_inputs();
        i.global_supply.push((c("QQQ"), 0.1));
        let r = jrc(&i, &wgi()).expect("valid");
        assert!(r.hhi_wgi_gs.value.is_none());
        assert!(r.sr.to_string().contains("WGI for [QQQ]"));
    }

    #[test]
    fn out_of_range_inputs_are_refused() {
        let mut i = full_inputs();
        i.si_sr = Input::assumption("SI_SR", 1.2, "test");
        assert!(matches!(
            jrc(&i, &wgi()),
            Err(AnalysisError::InputOutOfRange { .. })
        ));
    }

    #[test]
    fn usgs_product_by_hand_and_not_sourced() {
        // 0.5 × 0.8 × 0.25 = 0.1
        let i = UsgsInputs {
            subject: "Xx".into(),
            disruption_potential: Input::assumption("disruption potential", 0.5, "t"),
            trade_exposure: Input::sourced("trade exposure", 0.8, "t"),
            economic_vulnerability: Input::assumption("economic vulnerability", 0.25, "t"),
        };
        assert!((usgs_supply_risk(&i).supply_risk.value().unwrap_or(0.0) - 0.1).abs() < 1e-12);
        let mut j = i.clone();
        j.economic_vulnerability = Input::not_sourced("economic vulnerability");
        assert_eq!(
            usgs_supply_risk(&j).supply_risk.to_string(),
            "input not sourced: economic vulnerability"
        );
    }

    #[test]
    fn overrides_apply_star_then_subject() {
        let json_like = CriticalityOverrides(BTreeMap::from([
            (
                "*".to_string(),
                SubjectOverrides {
                    eol_rir: Some(InputSpec {
                        value: 0.01,
                        origin: "memory".into(),
                        detail: "x".into(),
                    }),
                    ..Default::default()
                },
            ),
            (
                "Xx".to_string(),
                SubjectOverrides {
                    eol_rir: Some(InputSpec {
                        value: 0.08,
                        origin: "sourced".into(),
                        detail: "y".into(),
                    }),
                    ..Default::default()
                },
            ),
        ]));
        let mut i = JrcInputs::empty("Xx", "mining");
        json_like.apply_jrc(&mut i).expect("applies");
        assert_eq!(i.eol_rir.value, Some(0.08));
        let mut k = JrcInputs::empty("Yy", "mining");
        json_like.apply_jrc(&mut k).expect("applies");
        assert_eq!(k.eol_rir.value, Some(0.01));
    }
}
