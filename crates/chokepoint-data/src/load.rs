//! Typed conversion of the tables into a `World`, with a diagnostic for every bad value.
//!
//! Invariant: conversion never stops at the first problem. A bad field is reported with file,
//! line, record and field; the record is skipped only when it cannot be represented at all, so
//! later checks (dangling references, sums) still run on everything else.

use crate::diag::{Diagnostic, DiagnosticKind as K, Severity};
use crate::schemas as s;
use crate::table::{self, Row, Schema};
use chokepoint_core::demand::{Demand, Sector};
use chokepoint_core::deposit::{Deposit, DistributionEntry};
use chokepoint_core::facility::{
    Capacity, Coproduction, Facility, FacilityStatus, Lane, Recipe, RecipeLine, Stage,
};
use chokepoint_core::geo::{Country, CountryCode, Region};
use chokepoint_core::ids::Id;
use chokepoint_core::market::{
    Market, MarketParam, PricePoint, PriceTier, PriceUnit, TradeBasis, TradeShare,
};
use chokepoint_core::material::{
    ContentSpec, ElementContent, Material, MaterialForm, QuantityUnit,
};
use chokepoint_core::source::{Citation, Provenance, Reliability, Source};
use chokepoint_core::stats::{
    Comparator, Edition, MineProduction, Reserves, StageShare, WorldMetric, WorldTotal,
};
use chokepoint_core::stockpile::{ReleaseTrigger, Stockpile, StockpilePolicy};
use chokepoint_core::supplier::SupplierTerms;
use chokepoint_core::units::{Days, Share};
use chokepoint_core::{Date, Element, World};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::str::FromStr;

mod projects;

pub(crate) struct Loader {
    pub world: World,
    pub diags: Vec<Diagnostic>,
    /// (record kind, key) -> (file, line), to place cross-record issues from the core.
    pub locations: HashMap<(&'static str, String), (String, u64)>,
    /// File name -> path in the last layer that has it, for issues whose record has no line.
    pub paths: HashMap<&'static str, String>,
}

impl Loader {
    pub fn new() -> Self {
        Self {
            world: World::default(),
            diags: Vec::new(),
            locations: HashMap::new(),
            paths: HashMap::new(),
        }
    }

    fn err(&mut self, row: &Row, kind: K, field: &str, message: impl Into<String>) {
        self.diags.push(row.diag(kind, field, message));
    }

    fn remember(&mut self, kind: &'static str, row: &Row) {
        self.locations
            .insert((kind, row.key.clone()), (row.file.clone(), row.line));
    }

    /// Reads one table from every layer (bundled first) and merges by key.
    pub fn rows(&mut self, layers: &[&Path], schema: &Schema, required_in_base: bool) -> Vec<Row> {
        let mut per_layer = Vec::new();
        for (i, dir) in layers.iter().enumerate() {
            match table::read(dir, schema, &mut self.diags) {
                Some(rows) => {
                    self.paths
                        .insert(schema.file, dir.join(schema.file).display().to_string());
                    per_layer.push(rows);
                }
                None if i == 0 && required_in_base => self.diags.push(table::file_diag(
                    &dir.join(schema.file).display().to_string(),
                    K::MissingFile,
                    format!(
                        "missing file `{}`; every dataset needs it (see docs/data.md)",
                        schema.file
                    ),
                )),
                None => {}
            }
        }
        table::layer(per_layer, &mut self.diags)
    }

    // ---- field parsers -------------------------------------------------------------------

    fn number(&mut self, row: &Row, col: &str) -> Option<f64> {
        let raw = row.opt(col)?;
        let cleaned = raw.replace('_', "");
        match cleaned.parse::<f64>() {
            Ok(v) if !v.is_finite() => {
                self.err(
                    row,
                    K::NegativeOrNonFinite,
                    col,
                    format!("`{raw}` is not finite; expected a finite number"),
                );
                None
            }
            Ok(v) if v < 0.0 => {
                self.err(
                    row,
                    K::NegativeOrNonFinite,
                    col,
                    format!("{v} is negative; expected a quantity >= 0"),
                );
                None
            }
            Ok(v) => Some(v),
            Err(_) => {
                self.err(
                    row,
                    K::InvalidValue,
                    col,
                    format!("`{raw}` is not a number; expected e.g. 1250 or 0.35"),
                );
                None
            }
        }
    }

    fn percent(&mut self, row: &Row, col: &str) -> Option<Share> {
        let v = self.number(row, col)?;
        match Share::from_percent(v) {
            Ok(s) => Some(s),
            Err(_) => {
                self.err(
                    row,
                    K::InvalidValue,
                    col,
                    format!("{v}% is above 100%; expected a percentage in [0, 100]"),
                );
                None
            }
        }
    }

    fn year(&mut self, row: &Row, col: &str) -> Option<i32> {
        let raw = row.opt(col)?;
        match raw.parse::<i32>() {
            Ok(y) if (1900..=2100).contains(&y) => Some(y),
            _ => {
                self.err(
                    row,
                    K::InvalidValue,
                    col,
                    format!("`{raw}` is not a year; expected YYYY between 1900 and 2100"),
                );
                None
            }
        }
    }

    fn date(&mut self, row: &Row, col: &str) -> Option<Date> {
        let raw = row.opt(col)?;
        match raw.parse::<Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                self.err(
                    row,
                    K::InvalidValue,
                    col,
                    format!("`{raw}` is not a date; expected YYYY-MM-DD"),
                );
                None
            }
        }
    }

    fn parse<T: FromStr>(&mut self, row: &Row, col: &str) -> Option<T>
    where
        T::Err: std::fmt::Display,
    {
        let raw = row.opt(col)?;
        match raw.parse::<T>() {
            Ok(v) => Some(v),
            Err(e) => {
                self.err(row, K::InvalidValue, col, e.to_string());
                None
            }
        }
    }

    fn country(&mut self, row: &Row, col: &str) -> Option<CountryCode> {
        let code: CountryCode = self.parse(row, col)?;
        if self.world.countries.lookup(code.as_str()).is_none() {
            self.err(
                row,
                K::DanglingReference,
                col,
                format!("country `{code}` is not in countries.csv"),
            );
            return None;
        }
        Some(code)
    }

    /// A country code or a region code.
    fn place(&mut self, row: &Row, col: &str) -> Option<String> {
        let raw = row.opt(col)?.to_string();
        let known = self.world.regions.lookup(&raw).is_some()
            || self.world.countries.lookup(&raw).is_some();
        if !known {
            self.err(
                row,
                K::DanglingReference,
                col,
                format!(
                    "`{raw}` is neither a country in countries.csv nor a region in regions.csv"
                ),
            );
            return None;
        }
        Some(raw)
    }

    fn reference<T>(
        &mut self,
        arena_lookup: Option<Id<T>>,
        row: &Row,
        col: &str,
        file: &str,
    ) -> Option<Id<T>> {
        if arena_lookup.is_none()
            && let Some(raw) = row.opt(col)
        {
            self.err(
                row,
                K::DanglingReference,
                col,
                format!("`{raw}` is not an id in {file}"),
            );
        }
        arena_lookup
    }

    fn provenance(&mut self, row: &Row) -> Provenance {
        let mut p = Provenance {
            citations: Vec::new(),
            assumption: row.opt("assumption").map(str::to_string),
        };
        if let Some(list) = row.opt("source") {
            for item in list.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                let (id, locator) = match item.split_once('@') {
                    Some((id, loc)) => (id.trim(), Some(loc.trim().to_string())),
                    None => (item, None),
                };
                match self.world.sources.lookup(id) {
                    Some(source) => p.citations.push(Citation { source, locator }),
                    None => self.err(
                        row,
                        K::UnknownSource,
                        "source",
                        format!("source id `{id}` is not in sources.csv"),
                    ),
                }
            }
        }
        if p.is_empty() && row.opt("source").is_none() {
            self.err(row, K::MissingProvenance, "source", "no provenance: give `source` (ids from sources.csv) or `assumption` (a one-line rationale)");
        }
        p
    }

    fn insert<T>(
        &mut self,
        arena_kind: &'static str,
        row: &Row,
        result: Result<Id<T>, chokepoint_core::ids::DuplicateKey>,
    ) -> Option<Id<T>> {
        match result {
            Ok(id) => {
                self.remember(arena_kind, row);
                Some(id)
            }
            Err(e) => {
                self.err(row, K::DuplicateId, "", e.to_string());
                None
            }
        }
    }

    fn id_format(&mut self, row: &Row, col: &str) -> bool {
        let v = row.get(col);
        let ok = !v.is_empty()
            && v.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !v.starts_with('-');
        if !ok {
            self.err(
                row,
                K::InvalidValue,
                col,
                format!(
                    "`{v}` is not a valid id; expected lowercase kebab-case like `lynas-malaysia`"
                ),
            );
        }
        ok
    }

    // ---- tables --------------------------------------------------------------------------

    pub fn load_all(&mut self, layers: &[&Path]) {
        for row in self.rows(layers, &s::SOURCES, true) {
            if !self.id_format(&row, "id") {
                continue;
            }
            let Some(reliability) = self.parse_reliability(&row) else {
                continue;
            };
            let year = self.year(&row, "year");
            let published = match row.opt("published") {
                None => None,
                Some(raw) => match chokepoint_core::source::Published::parse(raw) {
                    Some(p) => Some(p),
                    None => {
                        self.err(
                            &row,
                            K::InvalidValue,
                            "published",
                            format!("`{raw}` is not a date; expected YYYY-MM-DD, YYYY-MM or YYYY"),
                        );
                        None
                    }
                },
            };
            let src = Source {
                published,
                id: row.get("id").to_string(),
                publisher: row.get("publisher").to_string(),
                title: row.get("title").to_string(),
                year,
                locator: row.get("locator").to_string(),
                url: row.get("url").to_string(),
                reliability,
            };
            let r = self.world.sources.insert(&src.id.clone(), src);
            self.insert("sources", &row, r);
        }

        for row in self.rows(layers, &s::COUNTRIES, true) {
            let Some(code) = self.parse::<CountryCode>(&row, "iso3") else {
                continue;
            };
            self.provenance(&row);
            let r = self.world.countries.insert(
                code.as_str(),
                Country {
                    code,
                    name: row.get("name").to_string(),
                },
            );
            self.insert("countries", &row, r);
        }

        for row in self.rows(layers, &s::REGIONS, true) {
            let mut members = Vec::new();
            for m in row
                .get("members")
                .split(';')
                .map(str::trim)
                .filter(|m| !m.is_empty())
            {
                match m.parse::<CountryCode>() {
                    Ok(c) if self.world.countries.lookup(c.as_str()).is_some() => members.push(c),
                    Ok(c) => self.err(
                        &row,
                        K::DanglingReference,
                        "members",
                        format!("member `{c}` is not in countries.csv"),
                    ),
                    Err(e) => self.err(&row, K::InvalidValue, "members", e.to_string()),
                }
            }
            self.provenance(&row);
            let code = row.get("code").to_string();
            let r = self.world.regions.insert(
                &code.clone(),
                Region {
                    code,
                    name: row.get("name").to_string(),
                    members,
                },
            );
            self.insert("regions", &row, r);
        }

        self.load_deposits(layers);
        self.load_materials(layers);
        self.load_statistics(layers);
        self.load_facilities(layers);
        self.load_lanes(layers);
        self.load_demand(layers);
        self.load_markets(layers);
        self.load_supplier_terms(layers);
        self.load_stockpiles(layers);
        self.load_projects(layers);
    }

    fn parse_reliability(&mut self, row: &Row) -> Option<Reliability> {
        Some(match row.get("reliability") {
            "sourced" => Reliability::Sourced,
            "secondary" => Reliability::Secondary,
            "low" => Reliability::Low,
            "memory" => Reliability::Memory,
            other => {
                self.err(
                    row,
                    K::InvalidValue,
                    "reliability",
                    format!("`{other}`; expected one of: sourced, secondary, low, memory"),
                );
                return None;
            }
        })
    }

    fn load_deposits(&mut self, layers: &[&Path]) {
        for row in self.rows(layers, &s::DEPOSITS, true) {
            if !self.id_format(&row, "id") {
                continue;
            }
            let country = self.country(&row, "country");
            let provenance = self.provenance(&row);
            let Some(country) = country else { continue };
            let d = Deposit {
                key: row.get("id").to_string(),
                name: row.get("name").to_string(),
                country,
                ore_type: row.get("ore_type").to_string(),
                distribution: Vec::new(),
                provenance,
            };
            let r = self.world.deposits.insert(row.get("id"), d);
            self.insert("deposits", &row, r);
        }
        for row in self.rows(layers, &s::DEPOSIT_DISTRIBUTION, true) {
            let dep = self.world.deposits.lookup(row.get("deposit"));
            let dep = self.reference(dep, &row, "deposit", "deposits.csv");
            let element = self.parse::<Element>(&row, "element");
            let share = self.percent(&row, "share_pct");
            let provenance = self.provenance(&row);
            if let (Some(dep), Some(element), Some(share)) = (dep, element, share) {
                self.world
                    .deposits
                    .get_mut(dep)
                    .distribution
                    .push(DistributionEntry {
                        element,
                        share,
                        provenance,
                    });
                self.locations
                    .entry(("deposit_distribution", row.get("deposit").to_string()))
                    .or_insert((row.file.clone(), row.line));
            }
        }
    }

    fn load_materials(&mut self, layers: &[&Path]) {
        for row in self.rows(layers, &s::MATERIALS, true) {
            if !self.id_format(&row, "id") {
                continue;
            }
            let form = self.parse::<MaterialForm>(&row, "form");
            let unit = self.parse::<QuantityUnit>(&row, "unit");
            let given: Vec<&str> = ["element", "deposit", "content"]
                .into_iter()
                .filter(|c| row.opt(c).is_some())
                .collect();
            if given.len() > 1 {
                self.err(
                    &row,
                    K::Inconsistent,
                    given[1],
                    format!(
                        "give only one of element, deposit, content (found {})",
                        given.join(" and ")
                    ),
                );
            }
            let spec = if row.opt("element").is_some() {
                self.parse::<Element>(&row, "element")
                    .map(ContentSpec::Single)
            } else if row.opt("deposit").is_some() {
                let d = self.world.deposits.lookup(row.get("deposit"));
                self.reference(d, &row, "deposit", "deposits.csv")
                    .map(ContentSpec::Deposit)
            } else if let Some(text) = row.opt("content") {
                self.parse_content(&row, text).map(ContentSpec::Explicit)
            } else {
                Some(ContentSpec::None)
            };
            let unit_mass_kg = self.number(&row, "unit_mass_kg");
            self.provenance(&row);
            let (Some(form), Some(unit), Some(content_spec)) = (form, unit, spec) else {
                continue;
            };
            if matches!(content_spec, ContentSpec::Deposit(_)) && unit != QuantityUnit::TonnesReo {
                self.err(&row, K::UnitMismatch, "unit", format!("a material carrying a deposit distribution is measured in `t REO`, not `{unit}`"));
            }
            let m = Material {
                key: row.get("id").to_string(),
                name: row.get("name").to_string(),
                form,
                unit,
                content_spec,
                content: ElementContent::default(),
                unit_mass_kg,
            };
            let r = self.world.materials.insert(row.get("id"), m);
            self.insert("materials", &row, r);
        }
    }

    fn parse_content(&mut self, row: &Row, text: &str) -> Option<Vec<(Element, f64)>> {
        let mut out = Vec::new();
        let mut ok = true;
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((sym, val)) = part.split_once(':') else {
                self.err(
                    row,
                    K::InvalidValue,
                    "content",
                    format!("`{part}` is not `Element:fraction`; expected e.g. Nd:0.235;Dy:0.045"),
                );
                ok = false;
                continue;
            };
            match (sym.trim().parse::<Element>(), val.trim().parse::<f64>()) {
                (Ok(e), Ok(v)) if v.is_finite() && v >= 0.0 => out.push((e, v)),
                (Err(e), _) => {
                    self.err(row, K::InvalidValue, "content", e.to_string());
                    ok = false;
                }
                (_, Ok(v)) => {
                    self.err(
                        row,
                        K::NegativeOrNonFinite,
                        "content",
                        format!("{sym}: {v} is negative or not finite; expected a fraction >= 0"),
                    );
                    ok = false;
                }
                (_, Err(_)) => {
                    self.err(
                        row,
                        K::InvalidValue,
                        "content",
                        format!("`{val}` is not a number"),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    fn comparator(&mut self, row: &Row) -> Comparator {
        match row.get("comparator") {
            "" | "=" => Comparator::Equal,
            ">" => Comparator::GreaterThan,
            "<" => Comparator::LessThan,
            other => {
                self.err(
                    row,
                    K::InvalidValue,
                    "comparator",
                    format!("`{other}`; expected empty, =, > or <"),
                );
                Comparator::Equal
            }
        }
    }

    fn load_statistics(&mut self, layers: &[&Path]) {
        for row in self.rows(layers, &s::MINE_PRODUCTION, true) {
            let edition = self.parse::<Edition>(&row, "edition");
            let country = self.country(&row, "country");
            let year = self.year(&row, "year");
            let tonnes = self.number(&row, "production_t_reo");
            let estimated = matches!(row.get("estimated"), "true" | "yes" | "e");
            let provenance = self.provenance(&row);
            if let (Some(edition), Some(country), Some(year), Some(tonnes_reo)) =
                (edition, country, year, tonnes)
            {
                self.world.mine_production.push(MineProduction {
                    edition,
                    country,
                    year,
                    tonnes_reo,
                    estimated,
                    provenance,
                });
            }
        }
        for row in self.rows(layers, &s::RESERVES, true) {
            let edition = self.parse::<Edition>(&row, "edition");
            let country = self.country(&row, "country");
            let tonnes = self.number(&row, "reserves_t_reo");
            let comparator = self.comparator(&row);
            let provenance = self.provenance(&row);
            if let (Some(edition), Some(country), Some(tonnes_reo)) = (edition, country, tonnes) {
                self.world.reserves.push(Reserves {
                    edition,
                    country,
                    tonnes_reo,
                    comparator,
                    provenance,
                });
            }
        }
        for row in self.rows(layers, &s::WORLD_TOTALS, true) {
            let edition = self.parse::<Edition>(&row, "edition");
            let metric = match row.get("metric") {
                "production" => Some(WorldMetric::Production),
                "reserves" => Some(WorldMetric::Reserves),
                other => {
                    self.err(
                        &row,
                        K::InvalidValue,
                        "metric",
                        format!("`{other}`; expected production or reserves"),
                    );
                    None
                }
            };
            let year = self.year(&row, "year");
            if metric == Some(WorldMetric::Production)
                && year.is_none()
                && row.opt("year").is_none()
            {
                self.err(
                    &row,
                    K::MissingField,
                    "year",
                    "a production total needs its data year",
                );
            }
            let tonnes = self.number(&row, "value_t_reo");
            let comparator = self.comparator(&row);
            let provenance = self.provenance(&row);
            if let (Some(edition), Some(metric), Some(tonnes_reo)) = (edition, metric, tonnes) {
                self.world.world_totals.push(WorldTotal {
                    edition,
                    metric,
                    year,
                    tonnes_reo,
                    comparator,
                    provenance,
                });
            }
        }
        for row in self.rows(layers, &s::STAGE_SHARES, true) {
            let stage = self.parse::<Stage>(&row, "stage");
            let country = self.country(&row, "country");
            let year = self.year(&row, "year");
            let share = self.percent(&row, "share_pct");
            let provenance = self.provenance(&row);
            if let (Some(stage), Some(country), Some(year), Some(share)) =
                (stage, country, year, share)
            {
                self.locations
                    .entry(("stage_shares", format!("{stage}/{year}")))
                    .or_insert((row.file.clone(), row.line));
                self.world.stage_shares.push(StageShare {
                    stage,
                    country,
                    year,
                    share,
                    basis: row.get("basis").to_string(),
                    provenance,
                });
            }
        }
        for row in self.rows(layers, &s::TRADE_FLOWS, false) {
            let year = self.year(&row, "year");
            let tonnes = self.number(&row, "tonnes");
            let provenance = self.provenance(&row);
            let flow = row.get("flow").to_string();
            if let Err(e) = flow.parse::<chokepoint_core::observation::FlowSelector>() {
                self.err(&row, K::InvalidValue, "flow", e);
                continue;
            }
            if let (Some(year), Some(tonnes)) = (year, tonnes) {
                self.world
                    .trade_flows
                    .push(chokepoint_core::stats::TradeFlow {
                        flow,
                        year,
                        tonnes,
                        basis: row.get("basis").to_string(),
                        provenance,
                    });
            }
        }
        for row in self.rows(layers, &s::OBSERVATIONS, false) {
            let kind = self.parse::<chokepoint_core::observation::ObservationKind>(&row, "kind");
            let raw_date = row.get("date").to_string();
            let (date, monthly) = match raw_date.parse::<chokepoint_core::Date>() {
                Ok(d) => (Some(d), false),
                Err(_) => match format!("{raw_date}-01").parse::<chokepoint_core::Date>() {
                    Ok(d) => (Some(d), true),
                    Err(_) => {
                        self.err(
                            &row,
                            K::InvalidValue,
                            "date",
                            format!("`{raw_date}` is not a date; expected YYYY-MM-DD or YYYY-MM"),
                        );
                        (None, false)
                    }
                },
            };
            let value = self.number(&row, "value");
            let provenance = self.provenance(&row);
            if kind == Some(chokepoint_core::observation::ObservationKind::Flow)
                && let Err(e) = row
                    .get("subject")
                    .parse::<chokepoint_core::observation::FlowSelector>()
            {
                self.err(&row, K::InvalidValue, "subject", e);
                continue;
            }
            if let (Some(kind), Some(date), Some(value)) = (kind, date, value) {
                self.world
                    .observations
                    .push(chokepoint_core::observation::Observation {
                        key: row.get("id").to_string(),
                        event: row.get("event").to_string(),
                        kind,
                        subject: row.get("subject").to_string(),
                        date,
                        monthly,
                        value,
                        unit: row.get("unit").to_string(),
                        provenance,
                    });
            }
        }
        for row in self.rows(layers, &s::STAGE_OUTPUT, false) {
            let stage = self.parse::<Stage>(&row, "stage");
            let country = self.country(&row, "country");
            let year = self.year(&row, "year");
            let tonnes = self.number(&row, "tonnes");
            let provenance = self.provenance(&row);
            if let (Some(stage), Some(country), Some(year), Some(tonnes)) =
                (stage, country, year, tonnes)
            {
                self.world
                    .stage_outputs
                    .push(chokepoint_core::stats::StageOutput {
                        stage,
                        country,
                        year,
                        tonnes,
                        basis: row.get("basis").to_string(),
                        provenance,
                    });
            }
        }
    }

    fn material_unit_check(
        &mut self,
        row: &Row,
        col: &str,
        material: Id<Material>,
        per_year: bool,
    ) {
        let unit = self.world.materials.get(material).unit;
        let raw = row.get(col);
        // Capacities are annual; the `/yr` suffix is optional there and refused elsewhere.
        let base = if per_year {
            raw.strip_suffix("/yr").unwrap_or(raw)
        } else {
            raw
        };
        let matches = QuantityUnit::from_str(base)
            .map(|u| u == unit)
            .unwrap_or(false);
        if !matches {
            let expected = if per_year {
                format!("{unit}/yr")
            } else {
                unit.to_string()
            };
            self.err(row, K::UnitMismatch, col, format!("`{raw}` does not match material `{}`, which is measured in `{unit}`; expected `{expected}`", self.world.materials.get(material).key));
        }
    }

    fn load_facilities(&mut self, layers: &[&Path]) {
        for row in self.rows(layers, &s::FACILITIES, true) {
            if !self.id_format(&row, "id") {
                continue;
            }
            let country = self.country(&row, "country");
            let stage = self.parse::<Stage>(&row, "stage");
            let status = self.parse::<FacilityStatus>(&row, "status");
            let start = self.date(&row, "start");
            let end = self.date(&row, "end");
            let ramp = self.number(&row, "ramp_up_days").map(Days::from_f64);
            let ramp_up = match ramp {
                Some(Ok(d)) => d,
                Some(Err(e)) => {
                    self.err(
                        &row,
                        K::InvalidValue,
                        "ramp_up_days",
                        format!("{e}; expected whole days"),
                    );
                    Days(0)
                }
                None => Days(0),
            };
            let deposit = match row.opt("deposit") {
                Some(_) => {
                    let d = self.world.deposits.lookup(row.get("deposit"));
                    self.reference(d, &row, "deposit", "deposits.csv")
                }
                None => None,
            };
            let aggregate = match row.get("aggregate") {
                "" | "false" | "no" => false,
                "true" | "yes" => true,
                other => {
                    self.err(
                        &row,
                        K::InvalidValue,
                        "aggregate",
                        format!("`{other}`; expected true or false"),
                    );
                    false
                }
            };
            let provenance = self.provenance(&row);
            let (Some(country), Some(stage), Some(status)) = (country, stage, status) else {
                continue;
            };
            let f = Facility {
                key: row.get("id").to_string(),
                name: row.get("name").to_string(),
                operator: row.get("operator").to_string(),
                country,
                stage,
                status,
                start,
                end,
                ramp_up,
                deposit,
                aggregate,
                capacities: Vec::new(),
                recipes: Vec::new(),
                provenance,
            };
            let r = self.world.facilities.insert(row.get("id"), f);
            self.insert("facilities", &row, r);
        }

        for row in self.rows(layers, &s::FACILITY_CAPACITY, true) {
            let f = self.world.facilities.lookup(row.get("facility"));
            let f = self.reference(f, &row, "facility", "facilities.csv");
            let m = self.world.materials.lookup(row.get("material"));
            let m = self.reference(m, &row, "material", "materials.csv");
            let cap = self.number(&row, "capacity");
            let year = self.year(&row, "year");
            let provenance = self.provenance(&row);
            if let Some(m) = m {
                self.material_unit_check(&row, "capacity_unit", m, true);
            }
            if let (Some(f), Some(material), Some(per_year)) = (f, m, cap) {
                self.world.facilities.get_mut(f).capacities.push(Capacity {
                    material,
                    per_year,
                    year,
                    provenance,
                });
            }
        }

        // Recipes: lines grouped by recipe id, in file order.
        let rows = self.rows(layers, &s::RECIPES, true);
        let mut groups: BTreeMap<String, Vec<Row>> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        for row in rows {
            let key = row.get("recipe").to_string();
            if !groups.contains_key(&key) {
                order.push(key.clone());
            }
            groups.entry(key).or_default().push(row);
        }
        for key in order {
            let lines = groups.remove(&key).unwrap_or_default();
            let Some(first) = lines.first().cloned() else {
                continue;
            };
            if !self.id_format(&first, "recipe") {
                continue;
            }
            let f = self.world.facilities.lookup(first.get("facility"));
            let facility = self.reference(f, &first, "facility", "facilities.csv");
            let mut recipe_ok = facility.is_some();
            let mut inputs = Vec::new();
            let mut outputs = Vec::new();
            let mut coproduction = None;
            let mut provenance = Provenance::default();
            for line in &lines {
                if line.get("facility") != first.get("facility") {
                    self.err(line, K::Inconsistent, "facility", format!("recipe `{key}` is given for facility `{}` on line {}; one recipe belongs to one facility", first.get("facility"), first.line));
                    recipe_ok = false;
                }
                let m = self.world.materials.lookup(line.get("material"));
                let m = self.reference(m, line, "material", "materials.csv");
                let qty = self.number(line, "quantity");
                let p = self.provenance(line);
                provenance.citations.extend(p.citations);
                if provenance.assumption.is_none() {
                    provenance.assumption = p.assumption;
                }
                let side = line.get("side");
                if let Some(m) = m {
                    if side == "coproduct" {
                        if line.get("quantity_unit") != "%" {
                            self.err(
                                line,
                                K::UnitMismatch,
                                "quantity_unit",
                                format!(
                                    "`{}`: a coproduct line gives the recovery in `%`",
                                    line.get("quantity_unit")
                                ),
                            );
                        }
                    } else {
                        self.material_unit_check(line, "quantity_unit", m, false);
                    }
                }
                let (Some(material), Some(quantity)) = (m, qty) else {
                    recipe_ok = false;
                    continue;
                };
                match side {
                    "in" => inputs.push(RecipeLine { material, quantity }),
                    "out" => outputs.push(RecipeLine { material, quantity }),
                    "coproduct" => match Share::from_percent(quantity) {
                        Ok(recovery) => {
                            coproduction = Some(Coproduction {
                                feed: material,
                                recovery,
                            })
                        }
                        Err(_) => {
                            self.err(
                                line,
                                K::InvalidValue,
                                "quantity",
                                format!("recovery {quantity}% is above 100%"),
                            );
                            recipe_ok = false;
                        }
                    },
                    other => {
                        self.err(
                            line,
                            K::InvalidValue,
                            "side",
                            format!("`{other}`; expected in, out or coproduct"),
                        );
                        recipe_ok = false;
                    }
                }
            }
            if let Some(co) = &coproduction
                && !inputs.iter().any(|l| l.material == co.feed)
            {
                inputs.push(RecipeLine {
                    material: co.feed,
                    quantity: 1.0,
                });
            }
            if inputs.is_empty() && outputs.is_empty() && coproduction.is_none() {
                recipe_ok = false;
            }
            let Some(facility) = facility.filter(|_| recipe_ok) else {
                continue;
            };
            let recipe = Recipe {
                key: key.clone(),
                facility,
                inputs,
                outputs,
                coproduction,
                provenance,
            };
            match self.world.recipes.insert(&key, recipe) {
                Ok(id) => {
                    self.locations
                        .insert(("recipes", key.clone()), (first.file.clone(), first.line));
                    self.world.facilities.get_mut(facility).recipes.push(id);
                }
                Err(e) => self.err(&first, K::DuplicateId, "recipe", e.to_string()),
            }
        }
    }

    fn load_lanes(&mut self, layers: &[&Path]) {
        for row in self.rows(layers, &s::LANES, true) {
            if !self.id_format(&row, "id") {
                continue;
            }
            let from = self.world.facilities.lookup(row.get("from"));
            let from = self.reference(from, &row, "from", "facilities.csv");
            let to = self.world.facilities.lookup(row.get("to"));
            let to = self.reference(to, &row, "to", "facilities.csv");
            let m = self.world.materials.lookup(row.get("material"));
            let material = self.reference(m, &row, "material", "materials.csv");
            let lead = self
                .number(&row, "lead_time_days")
                .and_then(|v| match Days::from_f64(v) {
                    Ok(d) => Some(d),
                    Err(_) => {
                        self.err(
                            &row,
                            K::InvalidValue,
                            "lead_time_days",
                            format!("{v} is not a whole number of days"),
                        );
                        None
                    }
                });
            let by_capacity = row.get("contracted_share_pct") == "capacity";
            let share = if by_capacity {
                Share::from_percent(0.0).ok()
            } else {
                self.percent(&row, "contracted_share_pct")
            };
            let provenance = self.provenance(&row);
            if from.is_some() && from == to {
                self.err(
                    &row,
                    K::Inconsistent,
                    "to",
                    "a lane must join two different facilities",
                );
                continue;
            }
            if let (Some(from), Some(to), Some(material), Some(lead_time), Some(contracted_share)) =
                (from, to, material, lead, share)
            {
                let lane = Lane {
                    key: row.get("id").to_string(),
                    from,
                    to,
                    material,
                    lead_time,
                    contracted_share,
                    share_by_capacity: by_capacity,
                    provenance,
                };
                let r = self.world.lanes.insert(row.get("id"), lane);
                if self.insert("lanes", &row, r).is_some() {
                    // The core checks contracted shares per (customer, material): place such an
                    // issue on the group's first lane.
                    self.locations
                        .entry((
                            "lanes",
                            format!("{}/{}", row.get("to"), row.get("material")),
                        ))
                        .or_insert((row.file.clone(), row.line));
                }
            }
        }
    }

    fn load_demand(&mut self, layers: &[&Path]) {
        for row in self.rows(layers, &s::SECTORS, true) {
            if !self.id_format(&row, "id") {
                continue;
            }
            let end_product = match row.opt("end_product") {
                Some(_) => {
                    let m = self.world.materials.lookup(row.get("end_product"));
                    self.reference(m, &row, "end_product", "materials.csv")
                }
                None => None,
            };
            let priority = match row.opt("priority") {
                Some(p) => match p.parse::<u32>() {
                    Ok(v) => v,
                    Err(_) => {
                        self.err(
                            &row,
                            K::InvalidValue,
                            "priority",
                            format!("`{p}`; expected a whole number (1 = served first)"),
                        );
                        u32::MAX
                    }
                },
                None => u32::MAX,
            };
            let provenance = self.provenance(&row);
            let sector = Sector {
                key: row.get("id").to_string(),
                name: row.get("name").to_string(),
                end_product,
                priority,
                provenance,
            };
            let r = self.world.sectors.insert(row.get("id"), sector);
            self.insert("sectors", &row, r);
        }
        for row in self.rows(layers, &s::DEMAND, true) {
            if !self.id_format(&row, "id") {
                continue;
            }
            let sec = self.world.sectors.lookup(row.get("sector"));
            let sector = self.reference(sec, &row, "sector", "sectors.csv");
            let region = self.place(&row, "region");
            let year = self.year(&row, "year");
            let units = self.number(&row, "units");
            let magnet = match row.opt("magnet_material") {
                Some(_) => {
                    let m = self.world.materials.lookup(row.get("magnet_material"));
                    self.reference(m, &row, "magnet_material", "materials.csv")
                }
                None => None,
            };
            let magnet_kg_per_unit = self.number(&row, "magnet_kg_per_unit");
            let dy_share = self.percent(&row, "dy_pct");
            let tb_share = self.percent(&row, "tb_pct");
            let provenance = self.provenance(&row);
            if let (Some(sector), Some(region), Some(year)) = (sector, region, year) {
                let d = Demand {
                    key: row.get("id").to_string(),
                    sector,
                    region,
                    year,
                    units,
                    magnet,
                    magnet_kg_per_unit,
                    dy_share,
                    tb_share,
                    provenance,
                };
                let r = self.world.demand.insert(row.get("id"), d);
                self.insert("demand", &row, r);
            }
        }
    }

    fn load_markets(&mut self, layers: &[&Path]) {
        for row in self.rows(layers, &s::TRADE_SHARES, true) {
            let importer = self.place(&row, "importer");
            let partner = self.country(&row, "partner");
            let year = self.year(&row, "year");
            let basis = match row.get("basis") {
                "volume" => Some(TradeBasis::Volume),
                "value" => Some(TradeBasis::Value),
                other => {
                    self.err(
                        &row,
                        K::InvalidValue,
                        "basis",
                        format!("`{other}`; expected volume or value"),
                    );
                    None
                }
            };
            let share = self.percent(&row, "share_pct");
            let quantity = self.number(&row, "quantity");
            if quantity.is_some() && row.opt("quantity_unit").is_none() {
                self.err(
                    &row,
                    K::UnitMismatch,
                    "quantity_unit",
                    "a quantity needs its unit (t, t REO, USD)",
                );
            }
            let provenance = self.provenance(&row);
            if let (Some(importer), Some(partner), Some(year), Some(basis), Some(share)) =
                (importer, partner, year, basis, share)
            {
                self.world.trade_shares.push(TradeShare {
                    importer,
                    partner,
                    year,
                    item: row.get("item").to_string(),
                    basis,
                    share,
                    quantity,
                    provenance,
                    note: row.get("note").to_string(),
                });
            }
        }
        for row in self.rows(layers, &s::PRICES, true) {
            let m = self.world.materials.lookup(row.get("material"));
            let material = self.reference(m, &row, "material", "materials.csv");
            let market = self.parse::<Market>(&row, "market");
            let price = self.number(&row, "price");
            let unit = match row.get("price_unit").parse::<PriceUnit>() {
                Ok(u) => Some(u),
                Err(e) => {
                    self.err(&row, K::UnitMismatch, "price_unit", e);
                    None
                }
            };
            let provenance = self.provenance(&row);
            if let (Some(material), Some(market), Some(price), Some(unit)) =
                (material, market, price, unit)
            {
                self.world.prices.push(PricePoint {
                    material,
                    market,
                    period: row.get("period").to_string(),
                    price,
                    unit,
                    provenance,
                });
            }
        }
        for row in self.rows(layers, &s::MARKET_PARAMS, false) {
            let m = self.world.materials.lookup(row.get("material"));
            let material = self.reference(m, &row, "material", "materials.csv");
            let tier = self.parse::<PriceTier>(&row, "tier");
            let mut range = [None; 3];
            for (slot, col) in
                range
                    .iter_mut()
                    .zip(["elasticity_low", "elasticity_central", "elasticity_high"])
            {
                // `number` already rejects negative and non-finite values; an elasticity of
                // zero would make the inverse demand infinite.
                *slot = match self.number(&row, col) {
                    Some(0.0) => {
                        self.err(
                            &row,
                            K::InvalidValue,
                            col,
                            "0 is not an elasticity; expected the magnitude of the short-run price elasticity of demand, > 0",
                        );
                        None
                    }
                    v => v,
                };
            }
            let provenance = self.provenance(&row);
            if let [Some(low), Some(central), Some(high)] = range {
                if !(low <= central && central <= high) {
                    self.err(
                        &row,
                        K::InvalidValue,
                        "elasticity_central",
                        format!(
                            "the range is not ordered: low {low}, central {central}, high {high}; expected low <= central <= high"
                        ),
                    );
                    continue;
                }
                if let (Some(material), Some(tier)) = (material, tier) {
                    self.world.market_params.push(MarketParam {
                        material,
                        tier,
                        elasticity_low: low,
                        elasticity_central: central,
                        elasticity_high: high,
                        provenance,
                        note: row.get("note").to_string(),
                    });
                }
            }
        }
    }

    /// `supplier_terms.csv` (optional: a dataset without it has no contract terms, and the
    /// sourcing optimiser says so): one row per (facility, material) a buyer could contract.
    fn load_supplier_terms(&mut self, layers: &[&Path]) {
        for row in self.rows(layers, &s::SUPPLIER_TERMS, false) {
            let f = self.world.facilities.lookup(row.get("facility"));
            let facility = self.reference(f, &row, "facility", "facilities.csv");
            let m = self.world.materials.lookup(row.get("material"));
            let material = self.reference(m, &row, "material", "materials.csv");
            if let (Some(fid), Some(mid)) = (facility, material)
                && self.world.facilities.get(fid).capacity_for(mid).is_none()
            {
                self.err(
                    &row,
                    K::DanglingReference,
                    "material",
                    format!(
                        "facility `{}` has no capacity for `{}` in facility_capacity.csv; terms need a capacity to contract against",
                        row.get("facility"),
                        row.get("material")
                    ),
                );
            }
            let price_market = self.parse::<Market>(&row, "price_market");
            let lead_time_days = self.number(&row, "lead_time_days").and_then(|v| {
                if v.fract() == 0.0 && v <= f64::from(u32::MAX) {
                    Some(v as u32)
                } else {
                    self.err(
                        &row,
                        K::InvalidValue,
                        "lead_time_days",
                        format!("{v} is not a whole number of days"),
                    );
                    None
                }
            });
            let min_contract = self.number(&row, "min_contract_t_per_year");
            let fixed_cost = if row.opt("fixed_cost_usd").is_some() {
                self.number(&row, "fixed_cost_usd")
            } else {
                Some(0.0)
            };
            let provenance = self.provenance(&row);
            if let (
                Some(facility),
                Some(material),
                Some(price_market),
                Some(lead_time_days),
                Some(min_contract_tonnes_per_year),
                Some(fixed_cost_usd),
            ) = (
                facility,
                material,
                price_market,
                lead_time_days,
                min_contract,
                fixed_cost,
            ) {
                self.world.supplier_terms.push(SupplierTerms {
                    facility,
                    material,
                    price_market,
                    lead_time_days,
                    min_contract_tonnes_per_year,
                    fixed_cost_usd,
                    provenance,
                    note: row.get("note").to_string(),
                });
            }
        }
    }

    /// `eligible`: `;`-separated ISO3 country codes and/or facility ids.
    fn eligible_list(&mut self, row: &Row) -> (Vec<CountryCode>, Vec<Id<Facility>>) {
        let (mut countries, mut facilities) = (Vec::new(), Vec::new());
        for token in row
            .get("eligible")
            .split(';')
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            if let Ok(code) = token.parse::<CountryCode>() {
                if self.world.countries.lookup(code.as_str()).is_some() {
                    countries.push(code);
                } else {
                    self.err(
                        row,
                        K::DanglingReference,
                        "eligible",
                        format!("country `{code}` is not in countries.csv"),
                    );
                }
            } else if let Some(f) = self.world.facilities.lookup(token) {
                facilities.push(f);
            } else {
                self.err(row, K::DanglingReference, "eligible", format!("`{token}` is neither a country in countries.csv nor a facility id in facilities.csv"));
            }
        }
        (countries, facilities)
    }

    fn load_stockpiles(&mut self, layers: &[&Path]) {
        for row in self.rows(layers, &s::STOCKPILES, true) {
            if !self.id_format(&row, "id") {
                continue;
            }
            let owner = self.country(&row, "owner");
            let location = self.country(&row, "location");
            let m = self.world.materials.lookup(row.get("material"));
            let material = self.reference(m, &row, "material", "materials.csv");
            let quantity = self.number(&row, "quantity");
            if let (Some(_), Some(m)) = (quantity, material) {
                self.material_unit_check(&row, "quantity_unit", m, false);
            }
            let days_of_cover = self.number(&row, "days_of_cover");
            let trigger = match row.get("trigger") {
                "shortage" => Some(ReleaseTrigger::Shortage),
                t => match t.strip_prefix("date:").map(str::parse::<Date>) {
                    Some(Ok(d)) => Some(ReleaseTrigger::Date(d)),
                    _ => {
                        self.err(
                            &row,
                            K::InvalidValue,
                            "trigger",
                            format!("`{t}`; expected `shortage` or `date:YYYY-MM-DD`"),
                        );
                        None
                    }
                },
            };
            let max_release_per_day = self.number(&row, "max_release_per_day");
            let (eligible_countries, eligible_facilities) = self.eligible_list(&row);
            let mut priority_sectors = Vec::new();
            for sct in row
                .get("priority_sectors")
                .split(';')
                .map(str::trim)
                .filter(|x| !x.is_empty())
            {
                match self.world.sectors.lookup(sct) {
                    Some(id) => priority_sectors.push(id),
                    None => self.err(
                        &row,
                        K::DanglingReference,
                        "priority_sectors",
                        format!("`{sct}` is not an id in sectors.csv"),
                    ),
                }
            }
            let provenance = self.provenance(&row);
            if let (Some(owner), Some(location), Some(material), Some(trigger)) =
                (owner, location, material, trigger)
            {
                let sp = Stockpile {
                    key: row.get("id").to_string(),
                    owner,
                    location,
                    material,
                    quantity,
                    days_of_cover,
                    trigger,
                    max_release_per_day,
                    eligible_countries,
                    eligible_facilities,
                    priority_sectors,
                    provenance,
                };
                let r = self.world.stockpiles.insert(row.get("id"), sp);
                self.insert("stockpiles", &row, r);
            }
        }
        for row in self.rows(layers, &s::STOCKPILE_POLICIES, true) {
            if !self.id_format(&row, "id") {
                continue;
            }
            let owner = self.country(&row, "owner");
            let target = self.number(&row, "target_days");
            let state_days = self.number(&row, "state_days");
            let private_days = self.number(&row, "private_days");
            let high = self.number(&row, "high_risk_max_days");
            if let (Some(t), Some(a), Some(b)) = (target, state_days, private_days)
                && (a + b - t).abs() > 1e-9
            {
                self.err(&row, K::SharesDoNotSum, "target_days", format!("state {a} + private {b} days = {} but target is {t}; expected them to add up", a + b));
            }
            let provenance = self.provenance(&row);
            if let Some(owner) = owner {
                let p = StockpilePolicy {
                    key: row.get("id").to_string(),
                    owner,
                    target_days: target,
                    state_days,
                    private_days,
                    high_risk_max_days: high,
                    provenance,
                };
                let r = self.world.stockpile_policies.insert(row.get("id"), p);
                self.insert("stockpile_policies", &row, r);
            }
        }
    }

    /// Places the core's cross-record issues into files and lines.
    pub fn place_issues(&mut self, issues: Vec<chokepoint_core::Issue>) {
        for issue in issues {
            let (file, line) = match self.locations.get(&(issue.kind, issue.key.clone())) {
                Some((f, l)) => (f.clone(), Some(*l)),
                None => {
                    let name = format!("{}.csv", issue.kind);
                    let path = self.paths.get(name.as_str()).cloned();
                    (path.unwrap_or(name), None)
                }
            };
            let kind = match (issue.kind, issue.field) {
                ("recipes", "quantity") => K::RecipeCreatesMass,
                ("facilities", "end") => K::ReversedDateRange,
                (_, "share_pct" | "contracted_share_pct") => K::SharesDoNotSum,
                ("lanes", "from" | "to") | ("recipes", "material") => K::Inconsistent,
                _ => K::InvalidValue,
            };
            self.diags.push(Diagnostic {
                severity: Severity::Error,
                kind,
                file,
                line,
                record: Some(issue.key),
                field: Some(issue.field.to_string()),
                message: issue.message,
            });
        }
    }
}
