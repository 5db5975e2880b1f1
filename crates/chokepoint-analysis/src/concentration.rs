//! Concentration and dependence.
//!
//! * Per element and stage: country shares of modelled capacity (each facility's capacity,
//!   expanded through its recipes so co-products count, converted to elemental tonnes), with the
//!   HHI, China's share and the top-three share from [`chokepoint_core::stats::Concentration`].
//!   Published all-rare-earth figures (USGS mine production by edition, published stage shares)
//!   are reported alongside, labelled as such.
//! * Per importer and year: source shares from `world.trade_shares`, China's share, the HHI of
//!   named partners and the net import reliance where a publication gives it.
//!
//! Invariants: shares are fractions of the stated total; residual pseudo-countries (`ZZO`, `ZZR`)
//! are listed but left out of HHIs and top-three shares (so those are lower bounds); only
//! facilities that are operating or aggregate count as capacity.

use crate::AnalysisError;
use crate::input::Input;
use chokepoint_core::facility::{Facility, FacilityStatus, Stage};
use chokepoint_core::market::TradeBasis;
use chokepoint_core::material::ElementContent;
use chokepoint_core::stats::{Concentration, Edition, hhi};
use chokepoint_core::{CountryCode, Element, ElementGroup, World};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

/// An element, a group of elements, or every rare earth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Subject {
    Element(Element),
    Group(ElementGroup),
    AllRareEarths,
}

impl Subject {
    pub fn elements(self) -> Vec<Element> {
        match self {
            Self::Element(e) => vec![e],
            Self::Group(g) => Element::ALL
                .into_iter()
                .filter(|e| e.group() == g)
                .collect(),
            Self::AllRareEarths => Element::rare_earths().collect(),
        }
    }

    /// The 17 rare earths one by one, then the LREE and HREE groups.
    pub fn rare_earth_rows() -> Vec<Subject> {
        let mut v: Vec<Subject> = Element::rare_earths().map(Subject::Element).collect();
        v.push(Subject::Group(ElementGroup::LightRareEarth));
        v.push(Subject::Group(ElementGroup::HeavyRareEarth));
        v
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Element(e) => write!(f, "{e}"),
            Self::Group(g) => write!(f, "{g}"),
            Self::AllRareEarths => f.write_str("REE"),
        }
    }
}

impl FromStr for Subject {
    type Err = AnalysisError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "LREE" | "lree" => Ok(Self::Group(ElementGroup::LightRareEarth)),
            "HREE" | "hree" => Ok(Self::Group(ElementGroup::HeavyRareEarth)),
            "REE" | "ree" | "all" => Ok(Self::AllRareEarths),
            _ => {
                s.parse::<Element>()
                    .map(Self::Element)
                    .map_err(|_| AnalysisError::UnknownElement {
                        given: s.to_string(),
                    })
            }
        }
    }
}

/// One distribution over countries with what it measures.
#[derive(Debug, Clone, Serialize)]
pub struct StageConcentration {
    pub subject: String,
    pub stage: String,
    /// What the shares are shares of, and where they come from.
    pub basis: String,
    pub concentration: Concentration,
}

fn counts_as_capacity(f: &Facility) -> bool {
    matches!(
        f.status,
        FacilityStatus::Operating | FacilityStatus::Aggregate
    )
}

/// Annual elemental output capacity of a facility: its stated capacities, plus the other outputs
/// of any recipe whose output is capacity-limited (a separation plant rated for NdPr oxide also
/// makes the Dy of its feed). Facilities without any capacity contribute nothing.
pub fn facility_element_capacity(world: &World, f: &Facility) -> ElementContent {
    let mut total = ElementContent::default();
    let mut counted: BTreeSet<usize> = BTreeSet::new();
    let add = |acc: &mut ElementContent, c: ElementContent| {
        for (e, v) in c.iter() {
            acc.set(e, acc.get(e) + v);
        }
    };
    for c in f
        .capacity_materials()
        .into_iter()
        .filter_map(|m| f.capacity_newest(m))
    {
        if counted.insert(c.material.index()) {
            add(&mut total, world.element_mass(c.material, c.per_year));
        }
    }
    for rid in &f.recipes {
        let r = world.recipes.get(*rid);
        // Runs per year implied by the first capacity-limited output line.
        let runs = r.outputs.iter().find_map(|l| {
            let cap = f.capacity_for(l.material)?;
            (l.quantity > 0.0).then(|| cap / l.quantity)
        });
        let Some(runs) = runs else { continue };
        for l in &r.outputs {
            if counted.insert(l.material.index()) {
                add(
                    &mut total,
                    world.element_mass(l.material, l.quantity * runs),
                );
            }
        }
    }
    total
}

/// Modelled capacity by country, per stage, per element (elemental tonnes per year).
pub type CapacityTable = BTreeMap<Stage, BTreeMap<CountryCode, ElementContent>>;

pub fn capacity_table(world: &World) -> CapacityTable {
    let mut out: CapacityTable = BTreeMap::new();
    for f in world.facilities.values() {
        if !counts_as_capacity(f) || f.stage == Stage::Stockpile {
            continue;
        }
        let c = facility_element_capacity(world, f);
        if c.total() <= 0.0 {
            continue;
        }
        let slot = out
            .entry(f.stage)
            .or_default()
            .entry(f.country)
            .or_default();
        for (e, v) in c.iter() {
            slot.set(e, slot.get(e) + v);
        }
    }
    out
}

/// Country shares of one subject's modelled capacity at one stage; `None` when no capacity.
pub fn modelled_concentration(
    table: &CapacityTable,
    subject: Subject,
    stage: Stage,
) -> Option<StageConcentration> {
    let by_country = table.get(&stage)?;
    let elements = subject.elements();
    let rows: Vec<(CountryCode, f64)> = by_country
        .iter()
        .map(|(c, content)| (*c, elements.iter().map(|e| content.get(*e)).sum::<f64>()))
        .filter(|(_, q)| *q > 0.0)
        .collect();
    let total: f64 = rows.iter().map(|r| r.1).sum();
    if total <= 0.0 {
        return None;
    }
    Some(StageConcentration {
        subject: subject.to_string(),
        stage: stage.to_string(),
        basis: "modelled capacity of operating and aggregate facilities (t element/yr)".into(),
        concentration: Concentration::from_quantities(
            format!("{subject} {stage} capacity"),
            &rows,
            total,
            &World::residual_codes(),
        ),
    })
}

/// The published all-rare-earth distributions: USGS mine production (the edition's newest data
/// year), USGS reserves, and every stage with published shares (its newest year).
pub fn published_concentrations(world: &World, edition: Edition) -> Vec<StageConcentration> {
    let mut out = Vec::new();
    if let Some(year) = world.production_years(edition).last().copied()
        && let Some(c) = world.mining_concentration(edition, year)
    {
        out.push(StageConcentration {
            subject: "REE".into(),
            stage: "mining".into(),
            basis: format!(
                "USGS mine production {year} ({edition}), t REO, share of the published world total"
            ),
            concentration: c,
        });
    }
    if let Some(c) = world.reserves_concentration(edition) {
        out.push(StageConcentration {
            subject: "REE".into(),
            stage: "reserves".into(),
            basis: format!("USGS reserves ({edition}), t REO"),
            concentration: c,
        });
    }
    let as_of = data_year(world);
    for stage in Stage::ALL {
        if let Some(c) = world.stage_concentration(stage, as_of) {
            // The basis of the year the concentration was computed for (the newest at or
            // before `as_of`), not of the stage's first row: bases differ by year.
            let year = world
                .stage_shares
                .iter()
                .filter(|s| s.stage == stage && s.year <= as_of)
                .map(|s| s.year)
                .max();
            let basis = world
                .stage_shares
                .iter()
                .find(|s| s.stage == stage && Some(s.year) == year && !s.basis.is_empty())
                .map(|s| s.basis.clone())
                .filter(|b| !b.is_empty())
                .unwrap_or_else(|| "published stage shares".into());
            out.push(StageConcentration {
                subject: "REE".into(),
                stage: stage.to_string(),
                basis: format!("published: {basis} ({})", c.label),
                concentration: c,
            });
        }
    }
    out
}

/// The newest data year of the dataset: the newest mine-production year in any edition (stage
/// shares after it — outlooks such as 2030 — are not "current" and are left out). Falls back to
/// the newest stage-share year when there is no production data.
pub fn data_year(world: &World) -> i32 {
    world
        .mine_production
        .iter()
        .map(|p| p.year)
        .max()
        .or_else(|| world.stage_shares.iter().map(|s| s.year).max())
        .unwrap_or(i32::MAX)
}

/// Modelled distributions for each subject at the stages with capacity (mining, separation,
/// metal, magnet, ...), in stage order.
pub fn modelled_concentrations(world: &World, subjects: &[Subject]) -> Vec<StageConcentration> {
    let table = capacity_table(world);
    let mut out = Vec::new();
    for subject in subjects {
        for stage in table.keys() {
            if let Some(c) = modelled_concentration(&table, *subject, *stage) {
                out.push(c);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Dependence

/// The net import reliance table compiled in (`data/import_reliance.csv`).
pub const IMPORT_RELIANCE_CSV: &str = include_str!("../data/import_reliance.csv");

/// One published (or derived) net import reliance figure.
#[derive(Debug, Clone, Serialize)]
pub struct RelianceRecord {
    pub importer: String,
    pub year: i32,
    pub item: String,
    /// Fraction; a lower bound when `lower_bound`.
    pub reliance: f64,
    pub lower_bound: bool,
    pub input: Input,
}

/// Parses the embedded reliance table.
pub fn import_reliance_table() -> Result<Vec<RelianceRecord>, AnalysisError> {
    let mut out = Vec::new();
    let mut header = true;
    for (i, line) in IMPORT_RELIANCE_CSV.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if header {
            header = false;
            continue;
        }
        let f: Vec<&str> = line.splitn(8, ',').collect();
        let err = |m: &str| AnalysisError::EmbeddedTable {
            table: "import_reliance.csv",
            line: i + 1,
            message: m.to_string(),
        };
        if f.len() < 7 {
            return Err(err("expected 8 fields"));
        }
        let year: i32 = f[1].parse().map_err(|_| err("bad year"))?;
        let pct: f64 = f[3].parse().map_err(|_| err("bad reliance_pct"))?;
        if !(0.0..=100.0).contains(&pct) {
            return Err(err("reliance_pct outside 0..100"));
        }
        let lower_bound = f[4] == ">";
        let name = format!("net import reliance {} {}", f[0], year);
        let detail = format!(
            "{}{}{}",
            f[6],
            if lower_bound {
                format!("; published as >{pct}%, used as {pct}%")
            } else {
                String::new()
            },
            f.get(7)
                .filter(|n| !n.is_empty())
                .map(|n| format!("; {n}"))
                .unwrap_or_default()
        );
        let input = match f[5] {
            "derived" => Input::derived(&name, pct / 100.0, detail),
            _ => Input::sourced(&name, pct / 100.0, detail),
        };
        out.push(RelianceRecord {
            importer: f[0].to_string(),
            year,
            item: f[2].to_string(),
            reliance: pct / 100.0,
            lower_bound,
            input,
        });
    }
    Ok(out)
}

/// Net import reliance for an importer and year: the published "compounds and metals" (or the
/// first) record of that year, else "input not sourced".
pub fn import_reliance(table: &[RelianceRecord], importer: &str, year: i32) -> Input {
    table
        .iter()
        .filter(|r| r.importer == importer && r.year == year)
        .min_by_key(|r| !r.item.contains("compounds and metals"))
        .map(|r| r.input.clone())
        .unwrap_or_else(|| Input::not_sourced(&format!("net import reliance {importer} {year}")))
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceShare {
    pub partner: CountryCode,
    pub share: f64,
    pub quantity: Option<f64>,
    pub citation: String,
    /// The record's note: says when a published figure is a bound (">90%") stored as its value.
    pub note: String,
}

/// One importer's sources of one item in one year.
#[derive(Debug, Clone, Serialize)]
pub struct Dependence {
    pub importer: String,
    pub year: i32,
    pub item: String,
    pub basis: TradeBasis,
    /// Largest first.
    pub sources: Vec<SourceShare>,
    pub china_share: f64,
    /// HHI of the named partners (residuals excluded); a lower bound when shares are missing.
    pub hhi: f64,
    pub top3_share: f64,
    /// Sum of the listed shares; below 1 when the publication lists only the main partners.
    pub covered: f64,
    pub import_reliance: Input,
}

fn citation_of(world: &World, p: &chokepoint_core::source::Provenance) -> String {
    let mut parts: Vec<String> = p
        .citations
        .iter()
        .map(|c| {
            let s = world.sources.get(c.source);
            match &c.locator {
                Some(l) => format!("{} @ {l}", s.id),
                None => s.id.clone(),
            }
        })
        .collect();
    if let Some(a) = &p.assumption {
        parts.push(format!("assumption: {a}"));
    }
    parts.join("; ")
}

/// Source shares per (importer, year, item, basis), optionally for one importer, sorted by
/// importer, item, basis, year.
pub fn dependence(
    world: &World,
    importer: Option<&str>,
    reliance: &[RelianceRecord],
) -> Vec<Dependence> {
    let mut groups: BTreeMap<(String, String, u8, i32), Vec<SourceShare>> = BTreeMap::new();
    for t in &world.trade_shares {
        if importer.is_some_and(|i| i != t.importer) {
            continue;
        }
        let basis = match t.basis {
            TradeBasis::Volume => 0,
            TradeBasis::Value => 1,
        };
        groups
            .entry((t.importer.clone(), t.item.clone(), basis, t.year))
            .or_default()
            .push(SourceShare {
                partner: t.partner,
                share: t.share.fraction(),
                quantity: t.quantity,
                citation: citation_of(world, &t.provenance),
                note: t.note.clone(),
            });
    }
    let residuals = World::residual_codes();
    groups
        .into_iter()
        .map(|((importer, item, basis, year), mut sources)| {
            sources.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.partner.cmp(&b.partner)));
            let named = || sources.iter().filter(|s| !residuals.contains(&s.partner));
            Dependence {
                china_share: sources
                    .iter()
                    .filter(|s| s.partner == CountryCode::CHINA)
                    .map(|s| s.share)
                    .sum(),
                hhi: hhi(named().map(|s| s.share)),
                top3_share: named().take(3).map(|s| s.share).sum(),
                covered: sources.iter().map(|s| s.share).sum(),
                import_reliance: import_reliance(reliance, &importer, year),
                basis: if basis == 0 {
                    TradeBasis::Volume
                } else {
                    TradeBasis::Value
                },
                importer,
                year,
                item,
                sources,
            }
        })
        .collect()
}

/// China's share of an importer's sources by year (the largest over items and bases when a
/// year has several), oldest first.
pub fn china_share_series(deps: &[Dependence], importer: &str) -> Vec<(i32, f64)> {
    let mut by_year: BTreeMap<i32, f64> = BTreeMap::new();
    for d in deps.iter().filter(|d| d.importer == importer) {
        let e = by_year.entry(d.year).or_insert(0.0);
        *e = e.max(d.china_share);
    }
    by_year.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_parse_and_expand() {
        assert_eq!("Dy".parse::<Subject>(), Ok(Subject::Element(Element::Dy)));
        assert_eq!(
            Subject::Group(ElementGroup::LightRareEarth)
                .elements()
                .len(),
            6
        );
        // HREE = Eu..Lu + Y: 10 elements.
        assert_eq!(
            "HREE".parse::<Subject>().map(|s| s.elements().len()),
            Ok(10)
        );
        assert!(matches!(
            "Xx".parse::<Subject>(),
            Err(AnalysisError::UnknownElement { .. })
        ));
        assert_eq!(Subject::rare_earth_rows().len(), 19);
    }

    #[test]
    fn reliance_table_parses_with_lower_bounds() {
        let t = import_reliance_table().expect("embedded table parses");
        let r = import_reliance(&t, "USA", 2025);
        assert_eq!(r.value, Some(0.67));
        let r21 = t
            .iter()
            .find(|r| r.importer == "USA" && r.year == 2021)
            .expect("row");
        assert!(r21.lower_bound);
        assert!(!import_reliance(&t, "JPN", 2024).is_present());
        assert_eq!(import_reliance(&t, "EU27", 2024).value, Some(1.0));
    }
}
