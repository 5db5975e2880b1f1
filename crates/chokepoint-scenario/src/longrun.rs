//! Long-run scenario files (`chokepoint project`; `docs/longrun.md`): demand growth by sector,
//! substitution and thrifting levers, export-control regimes, recycling (product lifetimes,
//! collection and recycling rates) and changes to the dataset's capacity projects (add, remove,
//! delay), over years rather than days. Parsed from TOML text (the caller reads the file).
//!
//! Invariant: a parsed [`LongRunScenario`] has passed every check that needs no world: unknown
//! fields are refused, the years are ordered and within [`YEARS`], shares and probabilities lie in
//! [0, 1], rates are finite, lifetimes are positive, a ramp's points are in year order. Names that
//! need the world (sector, project, facility, material) are checked by the long-run engine
//! (`chokepoint-longrun`), which names the field (`project[2].id`).

use crate::spec::{Provenance, ScenarioError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether a bundled scenario file (by its stem, `long-baseline`) is a long-run scenario: they
/// live beside the daily ones in `data/scenarios/` as `long-*.toml`, and readers of daily
/// scenarios skip them.
pub fn is_long_run_id(stem: &str) -> bool {
    stem.starts_with("long-")
}

/// The years the long-horizon mode covers at most.
pub const YEARS: std::ops::RangeInclusive<i32> = 1990..=2060;

/// A long-run scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LongRunScenario {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// First reported year (default 2010).
    #[serde(default = "from_default")]
    pub from: i32,
    /// Last reported year (default 2040).
    #[serde(default = "to_default")]
    pub to: i32,
    /// Monte Carlo runs over project delays when the command line does not say (default 200).
    #[serde(default)]
    pub runs: Option<u32>,
    #[serde(default)]
    pub seed: Option<u64>,
    /// Demand growth per year by sector, applied to the base-year demand both ways in time.
    #[serde(default)]
    pub growth: Growth,
    #[serde(default, rename = "substitution")]
    pub substitutions: Vec<Substitution>,
    #[serde(default, rename = "export_control")]
    pub export_controls: Vec<ExportControl>,
    #[serde(default)]
    pub recycling: Recycling,
    #[serde(default, rename = "project")]
    pub projects: Vec<ProjectChange>,
    pub provenance: Provenance,
}

fn from_default() -> i32 {
    2010
}
fn to_default() -> i32 {
    2040
}

/// Demand growth: a rate per year (0.05 = +5%/yr) by sector id, `default` for the rest; each a
/// number or a [`Ramp`] of rates by year. Year `y`'s demand is the base year's times the product
/// of `1 + rate(k)` over the years `k` after the base year up to `y` (divided by it for years
/// before the base year).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Growth {
    /// The year whose demand rows are scaled (default: the newest demand year, 2024).
    #[serde(default)]
    pub base_year: Option<i32>,
    #[serde(default = "zero_ramp")]
    pub default: Ramp,
    #[serde(default)]
    pub by_sector: BTreeMap<String, Ramp>,
}

fn zero_ramp() -> Ramp {
    Ramp::constant(0.0)
}

impl Default for Growth {
    fn default() -> Self {
        Self {
            base_year: None,
            default: zero_ramp(),
            by_sector: BTreeMap::new(),
        }
    }
}

impl Growth {
    /// The rate schedule of `sector`.
    pub fn of(&self, sector: &str) -> &Ramp {
        self.by_sector.get(sector).unwrap_or(&self.default)
    }

    /// Demand in `year` relative to `base_year` for `sector`.
    pub fn factor(&self, sector: &str, base_year: i32, year: i32) -> f64 {
        let r = self.of(sector);
        let mut f = 1.0;
        if year >= base_year {
            for k in base_year + 1..=year {
                f *= 1.0 + r.at(k);
            }
        } else {
            for k in year + 1..=base_year {
                f /= 1.0 + r.at(k);
            }
        }
        f
    }
}

/// What a lever removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lever {
    /// Magnet demand itself (ferrite or induction motors instead of NdFeB): removes magnets and
    /// every element in them.
    Magnet,
    /// Dy and Tb only (Dy-free grades, grain-boundary diffusion, thrifting).
    DyTb,
}

/// A substitution or thrifting lever: from `from`, `share_per_year` more of the demand is
/// removed each year (the first year removes one step), up to `max_share`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Substitution {
    pub lever: Lever,
    /// Sector ids it applies to (empty: every sector).
    #[serde(default)]
    pub sectors: Vec<String>,
    pub from: i32,
    pub share_per_year: f64,
    pub max_share: f64,
}

impl Substitution {
    /// The share of demand removed in `year`.
    pub fn removed(&self, year: i32) -> f64 {
        if year < self.from {
            0.0
        } else {
            (self.share_per_year * f64::from(year - self.from + 1)).min(self.max_share)
        }
    }
}

/// The commodities the long-run balance keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Commodity {
    /// Nd + Pr (element mass, in separated oxides).
    Ndpr,
    /// Dy + Tb (element mass, in separated oxides).
    Dytb,
    /// Sintered NdFeB magnets (t of magnet).
    Magnet,
}

impl Commodity {
    pub const ALL: [Commodity; 3] = [Commodity::Ndpr, Commodity::Dytb, Commodity::Magnet];
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn label(self) -> &'static str {
        match self {
            Commodity::Ndpr => "NdPr",
            Commodity::Dytb => "DyTb",
            Commodity::Magnet => "magnet",
        }
    }
}

/// An export-control regime: China withholds `withheld` of what it would supply outside China of
/// `commodity`, every year from `from` to `to` inclusive.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportControl {
    pub commodity: Commodity,
    pub from: i32,
    pub to: i32,
    pub withheld: f64,
}

/// A value that moves linearly between dated points and stays flat before the first and after
/// the last: `[[2024, 0.01], [2030, 0.25]]`, or a plain number for a flat value.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "RampRepr")]
pub struct Ramp(pub Vec<(i32, f64)>);

#[derive(Deserialize)]
#[serde(untagged)]
enum RampRepr {
    Flat(f64),
    Points(Vec<(i32, f64)>),
}

impl From<RampRepr> for Ramp {
    fn from(r: RampRepr) -> Self {
        match r {
            RampRepr::Flat(v) => Ramp::constant(v),
            RampRepr::Points(p) => Ramp(p),
        }
    }
}

impl Ramp {
    pub fn constant(v: f64) -> Self {
        Ramp(vec![(*YEARS.start(), v)])
    }
    /// The value in `year`.
    pub fn at(&self, year: i32) -> f64 {
        let p = &self.0;
        match (p.first(), p.last()) {
            (Some(&(y0, v0)), _) if year <= y0 => v0,
            (_, Some(&(y1, v1))) if year >= y1 => v1,
            (None, _) | (_, None) => 0.0,
            _ => {
                for w in p.windows(2) {
                    let ((ya, va), (yb, vb)) = (w[0], w[1]);
                    if year >= ya && year <= yb {
                        if yb == ya {
                            return vb;
                        }
                        return va + (vb - va) * f64::from(year - ya) / f64::from(yb - ya);
                    }
                }
                p.last().map_or(0.0, |&(_, v)| v)
            }
        }
    }
    fn check(&self, field: &str, share: bool) -> Result<(), (String, String)> {
        if self.0.is_empty() {
            return Err((
                field.into(),
                "a ramp needs at least one [year, value] point".into(),
            ));
        }
        for (i, &(y, v)) in self.0.iter().enumerate() {
            if !YEARS.contains(&y) {
                return Err((
                    format!("{field}[{i}]"),
                    format!("year {y} is outside {}..={}", YEARS.start(), YEARS.end()),
                ));
            }
            if !v.is_finite() || (share && !(0.0..=1.0).contains(&v)) {
                return Err((
                    format!("{field}[{i}]"),
                    format!("{v} is not a share in [0, 1]"),
                ));
            }
            if i > 0 && self.0[i - 1].0 > y {
                return Err((
                    format!("{field}[{i}]"),
                    "points must be in year order".into(),
                ));
            }
        }
        Ok(())
    }
}

/// A product lifetime: normal with the given mean and standard deviation, in years.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifetimeSpec {
    pub mean: f64,
    pub std: f64,
}

/// The in-use stock and recycling loop.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recycling {
    /// First year of the stock model (earlier cohorts are taken as absent); demand before the
    /// base year is back-cast with the growth rates. Default 1990.
    #[serde(default = "stock_from_default")]
    pub stock_from: i32,
    /// Lifetime by sector id; `default` for the rest.
    #[serde(default)]
    pub lifetime: BTreeMap<String, LifetimeSpec>,
    /// Share of end-of-life magnets collected, by region (`CHN`, `JPN`, `EU`, `USA`, `ROW`) or
    /// `default`.
    #[serde(default)]
    pub collection: BTreeMap<String, Ramp>,
    /// Share of the collected element recovered as oxide (default 0.9 flat).
    #[serde(default = "yield_default")]
    pub recovery: Ramp,
}

fn stock_from_default() -> i32 {
    1990
}
fn yield_default() -> Ramp {
    Ramp::constant(0.9)
}

impl Default for Recycling {
    fn default() -> Self {
        Self {
            stock_from: stock_from_default(),
            lifetime: BTreeMap::new(),
            collection: BTreeMap::new(),
            recovery: yield_default(),
        }
    }
}

/// What a scenario does to the dataset's projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProjectAction {
    /// A new project (every field below given).
    Add,
    /// Drop a project of the dataset (every material of it).
    Remove,
    /// Shift a project's start by `years` (on top of any drawn delay).
    Delay,
}

/// One change to the projects.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectChange {
    pub action: ProjectAction,
    pub id: String,
    /// `delay`: years of shift (may be fractional).
    #[serde(default)]
    pub years: Option<f64>,
    /// `add`: the facility (facilities.csv id).
    #[serde(default)]
    pub facility: Option<String>,
    /// `add`: the material (materials.csv id).
    #[serde(default)]
    pub material: Option<String>,
    /// `add`: full capacity per year in the material's unit.
    #[serde(default)]
    pub capacity: Option<f64>,
    /// `add`: `YYYY` or `YYYY-MM`.
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub ramp_years: Option<f64>,
    #[serde(default)]
    pub delay_probability: Option<f64>,
    #[serde(default)]
    pub delay_years: Option<f64>,
}

impl LongRunScenario {
    /// Parses and checks a long-run scenario; errors name `file` and the field.
    pub fn parse(text: &str, file: &str) -> Result<Self, ScenarioError> {
        let sc: LongRunScenario = toml::from_str(text).map_err(|e| ScenarioError::Syntax {
            file: file.into(),
            message: e.to_string(),
        })?;
        sc.check()
            .map_err(|(field, message)| ScenarioError::Invalid {
                file: file.into(),
                field,
                message,
            })?;
        Ok(sc)
    }

    fn check(&self) -> Result<(), (String, String)> {
        let year = |field: &str, y: i32| {
            if YEARS.contains(&y) {
                Ok(())
            } else {
                Err((
                    field.to_string(),
                    format!("year {y} is outside {}..={}", YEARS.start(), YEARS.end()),
                ))
            }
        };
        let share = |field: String, v: f64| {
            if v.is_finite() && (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err((field, format!("{v} is not a share in [0, 1]")))
            }
        };
        let rate = |field: String, v: f64| {
            if v.is_finite() && v > -1.0 {
                Ok(())
            } else {
                Err((
                    field,
                    format!(
                        "{v} is not a growth rate; expected a finite number > -1 (0.05 = +5%/yr)"
                    ),
                ))
            }
        };
        year("from", self.from)?;
        year("to", self.to)?;
        if self.from > self.to {
            return Err((
                "to".into(),
                format!("{} is before `from` {}", self.to, self.from),
            ));
        }
        if let Some(b) = self.growth.base_year {
            year("growth.base_year", b)?;
        }
        self.growth.default.check("growth.default", false)?;
        for (i, &(_, v)) in self.growth.default.0.iter().enumerate() {
            rate(format!("growth.default[{i}]"), v)?;
        }
        for (k, ramp) in &self.growth.by_sector {
            ramp.check(&format!("growth.by_sector.{k}"), false)?;
            for (i, &(_, v)) in ramp.0.iter().enumerate() {
                rate(format!("growth.by_sector.{k}[{i}]"), v)?;
            }
        }
        for (i, s) in self.substitutions.iter().enumerate() {
            year(&format!("substitution[{i}].from"), s.from)?;
            share(
                format!("substitution[{i}].share_per_year"),
                s.share_per_year,
            )?;
            share(format!("substitution[{i}].max_share"), s.max_share)?;
        }
        for (i, e) in self.export_controls.iter().enumerate() {
            year(&format!("export_control[{i}].from"), e.from)?;
            year(&format!("export_control[{i}].to"), e.to)?;
            if e.from > e.to {
                return Err((
                    format!("export_control[{i}].to"),
                    format!("{} is before `from` {}", e.to, e.from),
                ));
            }
            share(format!("export_control[{i}].withheld"), e.withheld)?;
        }
        let r = &self.recycling;
        year("recycling.stock_from", r.stock_from)?;
        if r.stock_from > self.from {
            return Err((
                "recycling.stock_from".into(),
                format!("{} is after `from` {}", r.stock_from, self.from),
            ));
        }
        for (k, l) in &r.lifetime {
            if !(l.mean.is_finite() && l.mean > 0.0) {
                return Err((
                    format!("recycling.lifetime.{k}.mean"),
                    format!("{} is not a finite number > 0", l.mean),
                ));
            }
            if !(l.std.is_finite() && l.std > 0.0) {
                return Err((
                    format!("recycling.lifetime.{k}.std"),
                    format!("{} is not a finite number > 0", l.std),
                ));
            }
        }
        for (k, ramp) in &r.collection {
            if !matches!(k.as_str(), "default" | "CHN" | "JPN" | "EU" | "USA" | "ROW") {
                return Err((
                    format!("recycling.collection.{k}"),
                    "unknown region; expected CHN, JPN, EU, USA, ROW or default".into(),
                ));
            }
            ramp.check(&format!("recycling.collection.{k}"), true)?;
        }
        r.recovery.check("recycling.recovery", true)?;
        for (i, p) in self.projects.iter().enumerate() {
            let f = |name: &str| format!("project[{i}].{name}");
            match p.action {
                ProjectAction::Add => {
                    for (name, missing) in [
                        ("facility", p.facility.is_none()),
                        ("material", p.material.is_none()),
                        ("capacity", p.capacity.is_none()),
                        ("start", p.start.is_none()),
                    ] {
                        if missing {
                            return Err((f(name), "required when action = \"add\"".into()));
                        }
                    }
                    for (name, v) in [
                        ("capacity", p.capacity),
                        ("ramp_years", p.ramp_years),
                        ("delay_years", p.delay_years),
                    ] {
                        if let Some(v) = v
                            && !(v.is_finite() && v >= 0.0)
                        {
                            return Err((f(name), format!("{v} is not a finite number >= 0")));
                        }
                    }
                    if let Some(pr) = p.delay_probability {
                        share(f("delay_probability"), pr)?;
                    }
                }
                ProjectAction::Remove => {}
                ProjectAction::Delay => match p.years {
                    Some(y) if y.is_finite() => {}
                    Some(y) => return Err((f("years"), format!("{y} is not finite"))),
                    None => return Err((f("years"), "required when action = \"delay\"".into())),
                },
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: &str = "id = \"x\"\ntitle = \"x\"\n[provenance]\n";

    #[test]
    fn minimal_file_parses_with_defaults() {
        let sc = LongRunScenario::parse(MIN, "x.toml").expect("parses");
        assert_eq!(
            (sc.from, sc.to, sc.recycling.stock_from),
            (2010, 2040, 1990)
        );
        assert!(sc.projects.is_empty());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let text = format!("{MIN}\n[growth]\nrate = 0.1\n");
        let e = LongRunScenario::parse(&text, "x.toml").expect_err("refused");
        assert!(e.to_string().contains("rate"), "{e}");
        let text = "id = \"x\"\ntitle = \"x\"\nhorizon = 3\n[provenance]\n";
        assert!(LongRunScenario::parse(text, "x.toml").is_err());
    }

    #[test]
    fn errors_name_the_field() {
        let text = format!("{MIN}\n[[project]]\naction = \"add\"\nid = \"p\"\nfacility = \"f\"\n");
        let e = LongRunScenario::parse(&text, "x.toml").expect_err("refused");
        assert_eq!(
            e,
            ScenarioError::Invalid {
                file: "x.toml".into(),
                field: "project[0].material".into(),
                message: "required when action = \"add\"".into()
            }
        );
        let text = format!(
            "{MIN}\n[[export_control]]\ncommodity = \"dytb\"\nfrom = 2026\nto = 2025\nwithheld = 0.5\n"
        );
        let e = LongRunScenario::parse(&text, "x.toml").expect_err("refused");
        assert!(e.to_string().contains("export_control[0].to"), "{e}");
    }

    #[test]
    fn growth_compounds_both_ways_from_the_base_year() {
        let text = format!(
            "{MIN}\n[growth]\ndefault = 0.1\nby_sector = {{ nev = [[2025, 0.5], [2026, 0.0]] }}\n"
        );
        let sc = LongRunScenario::parse(&text, "x.toml").expect("parses");
        let g = &sc.growth;
        assert!((g.factor("wind", 2024, 2026) - 1.21).abs() < 1e-12);
        assert!((g.factor("wind", 2024, 2023) - 1.0 / 1.1).abs() < 1e-12);
        // nev: +50% in 2025, 0 from 2026 on; before 2025 the first point (0.5) holds.
        assert!((g.factor("nev", 2024, 2030) - 1.5).abs() < 1e-12);
        assert!((g.factor("nev", 2024, 2022) - 1.0 / 2.25).abs() < 1e-12);
    }

    #[test]
    fn ramps_interpolate_and_hold() {
        let r = Ramp(vec![(2024, 0.0), (2030, 0.3)]);
        assert_eq!(r.at(2000), 0.0);
        assert!((r.at(2027) - 0.15).abs() < 1e-12);
        assert_eq!(r.at(2040), 0.3);
    }

    #[test]
    fn substitution_steps_up_to_its_cap() {
        let s = Substitution {
            lever: Lever::DyTb,
            sectors: vec![],
            from: 2025,
            share_per_year: 0.1,
            max_share: 0.25,
        };
        assert_eq!(s.removed(2024), 0.0);
        assert!((s.removed(2025) - 0.1).abs() < 1e-12);
        assert_eq!(s.removed(2030), 0.25);
    }
}
