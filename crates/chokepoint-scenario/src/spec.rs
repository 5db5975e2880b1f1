//! The scenario file: what is disrupted, when, under which licensing regime, with which
//! stockpiles, over what horizon. Parsed from TOML text (the caller reads the file).
//!
//! Invariant: a parsed [`Scenario`] has passed every check that needs no world: dates are
//! ordered, probabilities lie in [0, 1], durations and the horizon are positive. Checks that need
//! the world (unknown facility, material, country) happen in [`crate::compile()`].

use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize};

/// Dates may be written as TOML dates (`2025-04-04`) or strings (`"2025-04-04"`).
mod date {
    use super::*;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Toml(toml::value::Datetime),
        Text(String),
    }

    fn parse<E: serde::de::Error>(raw: Raw) -> Result<Date, E> {
        let text = match raw {
            Raw::Toml(d) => d.to_string(),
            Raw::Text(s) => s,
        };
        text.parse::<Date>()
            .map_err(|_| E::custom(format!("`{text}` is not a date; expected YYYY-MM-DD")))
    }

    pub fn one<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        parse(Raw::deserialize(d)?)
    }

    pub fn opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        Option::<Raw>::deserialize(d)?.map(parse).transpose()
    }
}

/// A problem in a scenario file, naming the file and the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: field `{field}`: {message}")]
    Invalid {
        file: String,
        field: String,
        message: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// First simulated day.
    #[serde(deserialize_with = "date::one")]
    pub start: Date,
    /// Number of days simulated.
    pub horizon_days: i64,
    /// Sector demand year in the dataset (default: the newest).
    #[serde(default)]
    pub demand_year: Option<i32>,
    /// Replications when the command line does not say (default 1000).
    #[serde(default)]
    pub runs: Option<u32>,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub inventory: InventoryPolicy,
    /// Rationing rule per country code (`CHN = "domestic-first"`); `default` for the rest.
    #[serde(default)]
    pub rationing: std::collections::BTreeMap<String, RationingRule>,
    #[serde(default, rename = "disruption")]
    pub disruptions: Vec<Disruption>,
    #[serde(default, rename = "licensing")]
    pub licensing: Vec<Licensing>,
    /// Trace the origin of every stock by country of mining (slower; off by default).
    #[serde(default)]
    pub trace_origin: bool,
    /// When origins are traced only to report them (no content rule reads them), the first
    /// this many replications trace and the rest run untraced, with identical quantities
    /// (default 64; rounded up to whole groups of 16).
    #[serde(default = "origin_sample")]
    pub origin_sample_runs: u32,
    /// Whether the dataset's stockpiles take part (default true).
    #[serde(default = "yes")]
    pub stockpiles: bool,
    /// Build the network only from what was published before this date (the back-test sets
    /// it to the event's first day): stockpiles whose every source was published on or after
    /// it are left out, and reported. Not read from scenario files.
    #[serde(skip)]
    pub known_before: Option<chokepoint_core::Date>,
    /// Use every uncertain input's central value instead of drawing it per group of
    /// replications (`--fixed-inputs`). Not read from scenario files.
    #[serde(skip)]
    pub fixed_inputs: bool,
    /// Value per unit of end product by sector id, for lost-output value (USD). Not in the
    /// dataset: give it with its provenance in `provenance`.
    #[serde(default)]
    pub unit_value_usd: std::collections::BTreeMap<String, f64>,
    pub provenance: Provenance,
}

fn yes() -> bool {
    true
}

fn origin_sample() -> u32 {
    64
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// Source ids from data/sources.csv or policy measure ids.
    #[serde(default)]
    pub sources: Vec<String>,
    /// What is assumed, and why.
    #[serde(default)]
    pub assumptions: Vec<String>,
}

/// How much stock each node holds: base-stock levels as days of cover of its baseline flow.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryPolicy {
    /// Days of cover held at every stage unless overridden (on top of lead-time demand).
    pub days_of_cover: Uncertain,
    /// Overrides by stage name (`magnet = 30`).
    #[serde(default)]
    pub by_stage: std::collections::BTreeMap<String, Uncertain>,
    /// Coefficient of variation of daily end-product demand (0 = deterministic).
    #[serde(default = "zero")]
    pub demand_cv: Uncertain,
}

fn zero() -> Uncertain {
    Uncertain::Fixed(0.0)
}

impl Default for InventoryPolicy {
    fn default() -> Self {
        Self {
            days_of_cover: Uncertain::Fixed(30.0),
            by_stage: Default::default(),
            demand_cv: Uncertain::Fixed(0.0),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RationingRule {
    InOrder,
    ProRata,
    DomesticFirst,
    SectorPriority,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DisruptionKind {
    /// No orders placed (a quota freeze).
    OrderPausing,
    /// Shipments held at the supplier (an export hold or embargo).
    ShipmentPausing,
    /// Goods in transit stop.
    TransitPausing,
    /// Arrivals not received (a customs hold).
    ReceiptPausing,
    /// The facility ships nothing and receives nothing (a plant outage).
    Outage,
}

/// Which lanes or facilities a disruption hits. Lane filters combine with AND; an empty filter
/// matches everything.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// Facility ids (their outputs are disrupted as nodes).
    #[serde(default)]
    pub facilities: Vec<String>,
    /// Lane ids (lanes.csv).
    #[serde(default)]
    pub lanes: Vec<String>,
    /// Lanes whose supplier is in one of these countries.
    #[serde(default)]
    pub from_countries: Vec<String>,
    /// Lanes whose customer is in one of these countries.
    #[serde(default)]
    pub to_countries: Vec<String>,
    /// Lanes whose customer is not in one of these countries.
    #[serde(default)]
    pub not_to_countries: Vec<String>,
    /// Lanes carrying one of these materials.
    #[serde(default)]
    pub materials: Vec<String>,
    /// Lanes carrying a material that contains one of these elements.
    #[serde(default)]
    pub elements: Vec<String>,
    /// Lanes carrying a material of one of these forms (`separated-oxide`, `magnet`, ...).
    #[serde(default)]
    pub forms: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disruption {
    pub name: String,
    pub kind: DisruptionKind,
    #[serde(flatten)]
    pub selector: Selector,
    /// Scheduled: from this date (inclusive)...
    #[serde(default, deserialize_with = "date::opt")]
    pub from: Option<Date>,
    /// ... to this date (exclusive).
    #[serde(default, deserialize_with = "date::opt")]
    pub until: Option<Date>,
    /// Stochastic: a two-state Markov chain per day.
    #[serde(default)]
    pub markov: Option<Markov>,
    /// Stochastic: one episode with a probability, a start-day and a duration distribution.
    #[serde(default)]
    pub episode: Option<Episode>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub assumption: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Markov {
    /// P(up -> down) per day.
    pub alpha: f64,
    /// P(down -> up) per day.
    pub beta: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Episode {
    pub probability: f64,
    /// Day offset of the start from the scenario start.
    pub start_day: DayDist,
    pub duration_days: DayDist,
}

/// A distribution of a non-negative number (days, a probability, a coefficient of variation).
/// `Fixed` names its value `days` for the review and episode fields it was first written for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "kebab-case", deny_unknown_fields)]
pub enum DayDist {
    Fixed { days: f64 },
    Uniform { min: f64, max: f64 },
    Triangular { min: f64, mode: f64, max: f64 },
}

/// A scenario number that is given or drawn: `30` is used as it stands; a table such as
/// `{ dist = "triangular", min = 15, mode = 30, max = 60 }` is drawn once per group of
/// replications (see [`crate::inputs`]) unless the run asks for fixed inputs, which use its
/// central value (the mode of a triangular, the middle of a uniform).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Uncertain {
    Fixed(f64),
    Drawn(DayDist),
}

impl Uncertain {
    /// The value a run with fixed inputs uses.
    pub fn central(&self) -> f64 {
        match self {
            Uncertain::Fixed(v) => *v,
            Uncertain::Drawn(d) => d.central(),
        }
    }

    /// Smallest and largest value it can take.
    pub fn bounds(&self) -> (f64, f64) {
        match self {
            Uncertain::Fixed(v) => (*v, *v),
            Uncertain::Drawn(DayDist::Fixed { days }) => (*days, *days),
            Uncertain::Drawn(DayDist::Uniform { min, max })
            | Uncertain::Drawn(DayDist::Triangular { min, max, .. }) => (*min, *max),
        }
    }

    /// Whether a run draws it (a distribution whose bounds differ).
    pub fn is_drawn(&self) -> bool {
        let (lo, hi) = self.bounds();
        matches!(self, Uncertain::Drawn(_)) && hi > lo
    }

    /// Checks the distribution and that every value it can take passes `ok`.
    fn check(&self, ok: impl Fn(f64) -> bool, expected: &str) -> Result<(), String> {
        if let Uncertain::Drawn(d) = self {
            d.check_shape()?;
        }
        let (lo, hi) = self.bounds();
        if ok(lo) && ok(hi) {
            Ok(())
        } else if lo == hi {
            Err(format!("{lo}; expected {expected}"))
        } else {
            Err(format!("[{lo}, {hi}]; expected {expected} everywhere"))
        }
    }
}

/// A number, or a table deserialised as a [`DayDist`] (so its errors name the table's fields).
impl<'de> Deserialize<'de> for Uncertain {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Uncertain;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number or a distribution table such as { dist = \"uniform\", min = 0.2, max = 0.9 }")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Uncertain, E> {
                Ok(Uncertain::Fixed(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Uncertain, E> {
                Ok(Uncertain::Fixed(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Uncertain, E> {
                Ok(Uncertain::Fixed(v as f64))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Uncertain, A::Error> {
                DayDist::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Uncertain::Drawn)
            }
        }
        d.deserialize_any(V)
    }
}

/// A licensing regime: controlled lanes wait for a licence per (exporter, importer, material).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Licensing {
    pub name: String,
    /// The policy measure this models (an id in data/policy/measures.toml). When `from` is not
    /// given, the regime's window is read from the rule timeline: the first stretch of the
    /// horizon in which the measure is in force (suspensions included).
    #[serde(default)]
    pub measure: Option<String>,
    /// The controlling jurisdiction: lanes leaving it are controlled.
    pub exporter: String,
    #[serde(flatten)]
    pub selector: Selector,
    #[serde(default, deserialize_with = "date::opt")]
    pub from: Option<Date>,
    #[serde(default, deserialize_with = "date::opt")]
    pub until: Option<Date>,
    /// Review time in calendar days.
    pub review_days: DayDist,
    /// Probability that an application is approved: a number, or a distribution drawn per
    /// group of replications.
    pub approval_probability: Uncertain,
    /// Validity of an approved licence in days: a number, or a distribution drawn per group.
    pub validity_days: Uncertain,
    /// Applications per (importer, material): each covers an equal part of every controlled
    /// lane to that importer for that material and has its own review, approval draw and
    /// validity, so approvals trickle out instead of releasing all goods at once (default 1:
    /// one licence per importer and material).
    #[serde(default = "one_application")]
    pub applications: u32,
    #[serde(default, deserialize_with = "date::opt")]
    pub general_licence_from: Option<Date>,
    /// A timeline measure whose first day in force is `general_licence_from` (when that is not
    /// given).
    #[serde(default)]
    pub general_licence_measure: Option<String>,
    /// An extraterritorial content rule: only goods whose rare-earth content is at least
    /// `min_share` of `origin`-mined material need a licence (needs `trace_origin = true`).
    #[serde(default)]
    pub content_rule: Option<ContentRule>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub assumption: Option<String>,
}

fn one_application() -> u32 {
    1
}

/// `content_rule = { origin = "CHN", min_share = 0.001 }` in a licensing regime. A regime whose
/// `measure` is an extraterritorial content rule of the timeline takes the measure's rule when it
/// gives none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentRule {
    /// Country of mining whose content is controlled.
    pub origin: String,
    /// Share of the goods' value in listed content of `origin` at or above which a licence is
    /// needed, in [0, 1], as the measure states it (MOFCOM No. 61: 0.1% by value). The compiler
    /// turns it into the traced origin share of the goods' rare-earth content with
    /// [`chokepoint_rules::content::min_origin_share`], the function the licence checker's test
    /// is written with.
    pub min_share: f64,
}

impl Scenario {
    /// The same scenario without its disruptions and licensing regimes: the baseline that a
    /// run is compared with under the same random numbers (same start, horizon, inventory,
    /// demand and stockpiles).
    pub fn policy_free(&self) -> Scenario {
        let mut s = self.clone();
        s.disruptions.clear();
        s.licensing.clear();
        s
    }

    /// Fills licensing windows from the rule timeline: a regime that names a `measure` and gives
    /// no `from` gets the first stretch of the horizon in which the measure is in force (as of
    /// each day, suspensions included); `general_licence_measure` likewise sets
    /// `general_licence_from`. Returns notes for the report. An unknown measure id is an error
    /// naming the field.
    pub fn resolve_measures(
        &mut self,
        timeline: &chokepoint_rules::Timeline,
        file: &str,
    ) -> Result<Vec<String>, ScenarioError> {
        let mut notes = Vec::new();
        let start = self.start;
        let days: Vec<Date> = (0..self.horizon_days)
            .filter_map(|d| start.checked_add(jiff::Span::new().days(d)).ok())
            .collect();
        let unknown = |i: usize, name: &str, field: &str, id: &str| ScenarioError::Invalid {
            file: file.to_string(),
            field: format!("licensing[{i}] ({name}).{field}"),
            message: format!(
                "`{id}` is not a measure of the policy timeline (data/policy/measures.toml); `chokepoint policy timeline` lists them"
            ),
        };
        let tracing = self.trace_origin;
        for (i, l) in self.licensing.iter_mut().enumerate() {
            if let Some(id) = l.measure.clone() {
                let Some(measure) = timeline.get(&id) else {
                    return Err(unknown(i, &l.name, "measure", &id));
                };
                if l.content_rule.is_none()
                    && let Some(rule) = &measure.content_rule
                {
                    if !tracing {
                        return Err(ScenarioError::Invalid {
                            file: file.to_string(),
                            field: format!("licensing[{i}] ({}).measure", l.name),
                            message: format!(
                                "{id} is a content rule ({}% by value of {}-origin content), which reads traced origins: set `trace_origin = true`",
                                rule.threshold_value_share * 100.0,
                                rule.origin
                            ),
                        });
                    }
                    l.content_rule = Some(ContentRule {
                        origin: rule.origin.to_string(),
                        min_share: rule.threshold_value_share,
                    });
                    notes.push(format!(
                        "licensing `{}`: content rule from {id}: goods with {}% or more of their value in {}-origin listed content need a licence",
                        l.name,
                        rule.threshold_value_share * 100.0,
                        rule.origin
                    ));
                }
                if l.from.is_none() {
                    let in_force: Vec<bool> = days
                        .iter()
                        .map(|d| timeline.in_force(&id, *d).unwrap_or(false))
                        .collect();
                    match in_force.iter().position(|x| *x) {
                        None => {
                            notes.push(format!(
                                "licensing `{}`: {id} is not in force on any day of the horizon; the regime has no effect",
                                l.name
                            ));
                            // A window after the horizon: nothing is controlled within it.
                            l.from = start
                                .checked_add(jiff::Span::new().days(self.horizon_days))
                                .ok();
                        }
                        Some(first) => {
                            l.from = Some(days[first]);
                            let end = in_force[first..]
                                .iter()
                                .position(|x| !*x)
                                .map(|k| first + k);
                            l.until = end.map(|k| days[k]);
                            if let Some(k) = end
                                && in_force[k..].iter().any(|x| *x)
                            {
                                notes.push(format!(
                                    "licensing `{}`: {id} is in force again later in the horizon; only its first window ({} to {}) is simulated",
                                    l.name, days[first], days[k]
                                ));
                            }
                            notes.push(format!(
                                "licensing `{}`: window from the rule timeline ({id}): {} to {}",
                                l.name,
                                days[first],
                                l.until.map_or_else(
                                    || "the end of the horizon".to_string(),
                                    |u| u.to_string()
                                )
                            ));
                        }
                    }
                }
            }
            if let Some(id) = l.general_licence_measure.clone() {
                if timeline.get(&id).is_none() {
                    return Err(unknown(i, &l.name, "general_licence_measure", &id));
                }
                if l.general_licence_from.is_none() {
                    l.general_licence_from = days
                        .iter()
                        .find(|d| timeline.in_force(&id, **d).unwrap_or(false))
                        .copied();
                    if let Some(g) = l.general_licence_from {
                        notes.push(format!(
                            "licensing `{}`: general licences from {g} (rule timeline: {id})",
                            l.name
                        ));
                    }
                }
            }
        }
        if let Some(as_of) = timeline.as_of()
            && days.last().is_some_and(|d| *d > as_of)
            && !self.licensing.is_empty()
        {
            notes.push(format!(
                "the horizon runs past the policy data's newest source ({as_of}); rule status after that date may have changed"
            ));
        }
        Ok(notes)
    }

    /// Parses and checks a scenario; `file` names it in messages.
    pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        let s: Scenario = toml::from_str(text).map_err(|e| ScenarioError::Syntax {
            file: file.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        s.check(file)?;
        Ok(s)
    }

    fn check(&self, file: &str) -> Result<(), ScenarioError> {
        let bad = |field: String, message: String| {
            Err(ScenarioError::Invalid {
                file: file.to_string(),
                field,
                message,
            })
        };
        if self.horizon_days <= 0 {
            return bad(
                "horizon_days".into(),
                format!(
                    "{} days; expected a horizon of at least 1 day",
                    self.horizon_days
                ),
            );
        }
        // The run and the licensing windows go day by day over the horizon (and calendar
        // arithmetic ends in the year 9999): at most a century.
        if self.horizon_days > 36_500 {
            return bad(
                "horizon_days".into(),
                format!(
                    "{} days; expected a horizon of at most 36500 days (100 years)",
                    self.horizon_days
                ),
            );
        }
        let non_negative = |x: f64| x.is_finite() && x >= 0.0;
        // Days of cover scale baseline flows into base-stock levels, which must stay finite:
        // at most a century of cover.
        let cover = |x: f64| non_negative(x) && x <= 36_500.0;
        self.inventory
            .days_of_cover
            .check(cover, "a number of days in [0, 36500]")
            .or_else(|e| bad("inventory.days_of_cover".into(), e))?;
        for (stage, d) in &self.inventory.by_stage {
            d.check(cover, "a number of days in [0, 36500]")
                .or_else(|e| bad(format!("inventory.by_stage.{stage}"), e))?;
        }
        self.inventory
            .demand_cv
            .check(
                |x| non_negative(x) && x <= 100.0,
                "a coefficient of variation in [0, 100]",
            )
            .or_else(|e| bad("inventory.demand_cv".into(), e))?;
        for (sector, v) in &self.unit_value_usd {
            if !(v.is_finite() && *v >= 0.0) {
                return bad(
                    format!("unit_value_usd.{sector}"),
                    "expected a value >= 0".into(),
                );
            }
        }
        for (i, d) in self.disruptions.iter().enumerate() {
            let f = |x: &str| format!("disruption[{i}] ({}).{x}", d.name);
            let modes = [
                d.from.is_some() || d.until.is_some(),
                d.markov.is_some(),
                d.episode.is_some(),
            ];
            if modes.iter().filter(|m| **m).count() != 1 {
                return bad(
                    f("from"),
                    "give exactly one of: from/until dates, markov, episode".into(),
                );
            }
            if let (Some(a), Some(b)) = (d.from, d.until)
                && b <= a
            {
                return bad(
                    f("until"),
                    format!("{b} is not after {a}; expected until > from"),
                );
            }
            if d.from.is_some() != d.until.is_some() && d.until.is_some() {
                return bad(f("from"), "a scheduled disruption needs `from`".into());
            }
            if let Some(m) = d.markov {
                check_prob(m.alpha).or_else(|e| bad(f("markov.alpha"), e))?;
                check_prob(m.beta).or_else(|e| bad(f("markov.beta"), e))?;
            }
            if let Some(ep) = &d.episode {
                check_prob(ep.probability).or_else(|e| bad(f("episode.probability"), e))?;
                ep.start_day
                    .check()
                    .or_else(|e| bad(f("episode.start_day"), e))?;
                ep.duration_days
                    .check()
                    .or_else(|e| bad(f("episode.duration_days"), e))?;
            }
            if d.source.is_none() && d.assumption.is_none() {
                return bad(
                    f("source"),
                    "every disruption needs `source` or `assumption`".into(),
                );
            }
        }
        for (i, l) in self.licensing.iter().enumerate() {
            let f = |x: &str| format!("licensing[{i}] ({}).{x}", l.name);
            if let (Some(u), Some(from)) = (l.until, l.from)
                && u <= from
            {
                return bad(
                    f("until"),
                    format!("{u} is not after {from}; expected until > from"),
                );
            }
            if l.from.is_none() && l.measure.is_none() {
                return bad(
                    f("from"),
                    "give `from`, or a `measure` whose dates the rule timeline supplies".into(),
                );
            }
            l.approval_probability
                .check(|p| (0.0..=1.0).contains(&p), "a probability in [0, 1]")
                .or_else(|e| bad(f("approval_probability"), e))?;
            if let Some(r) = &l.content_rule {
                check_prob(r.min_share).or_else(|e| bad(f("content_rule.min_share"), e))?;
                if !self.trace_origin {
                    return bad(
                        f("content_rule"),
                        "a content rule reads traced origins: set `trace_origin = true`".into(),
                    );
                }
            }
            l.review_days
                .check()
                .or_else(|e| bad(f("review_days"), e))?;
            if !(1..=64).contains(&l.applications) {
                return bad(
                    f("applications"),
                    format!("{}; expected 1 to 64 applications", l.applications),
                );
            }
            l.validity_days
                .check(
                    |v| v.is_finite() && (1.0..=36_500.0).contains(&v),
                    "a validity of 1 to 36500 days",
                )
                .or_else(|e| bad(f("validity_days"), e))?;
            if l.source.is_none() && l.assumption.is_none() {
                return bad(
                    f("source"),
                    "every licensing regime needs `source` or `assumption`".into(),
                );
            }
        }
        Ok(())
    }

    /// Day offset of a date from the start (negative before the start).
    pub fn day_of(&self, date: Date) -> i64 {
        i64::from((date - self.start).get_days())
    }
}

fn check_prob(p: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(format!(
            "{p} is not a probability; expected a number in [0, 1]"
        ))
    }
}

impl DayDist {
    /// Its central value: the fixed value, the middle of a uniform, the mode of a triangular.
    pub fn central(&self) -> f64 {
        match *self {
            DayDist::Fixed { days } => days,
            DayDist::Uniform { min, max } => 0.5 * (min + max),
            DayDist::Triangular { mode, .. } => mode,
        }
    }

    /// Ordered, finite parameters (the caller checks the range).
    fn check_shape(&self) -> Result<(), String> {
        let ok = |x: f64| x.is_finite();
        match *self {
            DayDist::Fixed { days } if ok(days) => Ok(()),
            DayDist::Uniform { min, max } if ok(min) && ok(max) && min <= max => Ok(()),
            DayDist::Triangular { min, mode, max }
                if ok(min) && ok(max) && min <= mode && mode <= max =>
            {
                Ok(())
            }
            _ => Err("expected finite numbers with min <= (mode <=) max".into()),
        }
    }

    fn check(&self) -> Result<(), String> {
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        match *self {
            DayDist::Fixed { days } if ok(days) => Ok(()),
            DayDist::Uniform { min, max } if ok(min) && ok(max) && min <= max => Ok(()),
            DayDist::Triangular { min, mode, max }
                if ok(min) && ok(max) && min <= mode && mode <= max =>
            {
                Ok(())
            }
            _ => Err("expected non-negative days with min <= (mode <=) max".into()),
        }
    }

    pub fn to_sim(&self) -> chokepoint_sim::Dist {
        match *self {
            DayDist::Fixed { days } => chokepoint_sim::Dist::Const(days),
            DayDist::Uniform { min, max } => chokepoint_sim::Dist::Uniform { lo: min, hi: max },
            DayDist::Triangular { min, mode, max } => chokepoint_sim::Dist::Triangular {
                lo: min,
                mode,
                hi: max,
            },
        }
    }
}
