//! Parsing and validating a policy file (TOML text given by the caller, never read here).
//!
//! Format (see `docs/rules.md`): a `[meta]` table with `as_of` (the date of the newest source the
//! file relies on) and a `[[measure]]` array. Dates are TOML dates or `"YYYY-MM-DD"` strings.
//! Every problem becomes a [`Diagnostic`](crate::Diagnostic) naming the file, the line of the measure, the measure id
//! and the field; nothing panics on bad input.

use crate::diag::{Collector, Diagnostics};
use crate::measure::{
    ContentRule, CountrySet, EndUsePolicy, ItemMasks, ItemScope, LicenceProcess, Measure, Source,
    Tariff, Window,
};
use crate::vocab::{
    Condition, Confidence, EndUse, EndUser, Form, Goods, Instrument, Precision, Presumption,
    TariffBasis, TariffClass, Technology, Trigger,
};
use chokepoint_core::{CountryCode, Date, Element};
use serde::Deserialize;

/// The `[meta]` table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Meta {
    /// Date of the newest source the file relies on. Queries after it get a warning.
    pub as_of: Option<Date>,
    pub as_of_note: Option<String>,
    pub title: Option<String>,
}

/// A parsed, validated policy file (references to other measures are checked by the timeline,
/// because a user layer may point at bundled measures).
#[derive(Debug, Clone)]
pub struct PolicyFile {
    pub meta: Meta,
    pub measures: Vec<Measure>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    meta: Option<RawMeta>,
    #[serde(default)]
    measure: Vec<toml::Spanned<RawMeasure>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    as_of: Option<toml::Value>,
    as_of_note: Option<String>,
    title: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeasure {
    id: Option<String>,
    part_of: Option<String>,
    jurisdiction: Option<String>,
    instrument: Option<String>,
    title: Option<String>,
    short: Option<String>,
    article: Option<String>,
    announced: Option<toml::Value>,
    effective: Option<toml::Value>,
    end: Option<toml::Value>,
    end_inclusive: Option<bool>,
    date_precision: Option<String>,
    applies: Option<String>,
    destinations: Option<Vec<String>>,
    end_users: Option<Vec<String>>,
    end_uses: Option<Vec<String>>,
    #[serde(default)]
    items: Vec<RawItem>,
    #[serde(default)]
    control_codes: Vec<String>,
    licence: Option<RawLicence>,
    #[serde(default)]
    end_use_policy: Vec<RawEndUsePolicy>,
    content_rule: Option<RawContentRule>,
    #[serde(default)]
    suspends: Vec<String>,
    #[serde(default)]
    covers: Vec<String>,
    tariff: Option<RawTariff>,
    #[serde(default)]
    sources: Vec<RawSource>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    #[serde(default)]
    elements: Vec<String>,
    #[serde(default)]
    forms: Vec<String>,
    #[serde(default)]
    goods: Vec<String>,
    #[serde(default)]
    technologies: Vec<String>,
    note: Option<String>,
    confidence: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLicence {
    review_working_days: Option<i64>,
    presumption: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEndUsePolicy {
    when: String,
    presumption: String,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContentRule {
    threshold_value_share: f64,
    origin: Option<String>,
    elements: Vec<String>,
    #[serde(default)]
    forms: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTariff {
    rate: f64,
    basis: String,
    origins: Vec<String>,
    classes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    cite: String,
    confidence: String,
    supports: Option<String>,
}

/// Parses a date given as a TOML date or a `"YYYY-MM-DD"` string.
pub(crate) fn date_from_value(v: &toml::Value) -> Result<Date, String> {
    match v {
        toml::Value::Datetime(dt) => {
            if dt.time.is_some() || dt.offset.is_some() {
                return Err(format!("`{dt}` has a time; expected a date YYYY-MM-DD"));
            }
            let Some(d) = dt.date else {
                return Err(format!("`{dt}` is not a date; expected YYYY-MM-DD"));
            };
            Date::new(d.year as i16, d.month as i8, d.day as i8)
                .map_err(|e| format!("`{dt}` is not a valid date: {e}"))
        }
        toml::Value::String(s) => parse_date(s),
        other => Err(format!(
            "expected a date YYYY-MM-DD, found {}",
            other.type_str()
        )),
    }
}

/// Parses `YYYY-MM-DD` strictly (no times, no week dates).
pub fn parse_date(s: &str) -> Result<Date, String> {
    let t = s.trim();
    let b = t.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return Err(format!("`{s}` is not a date; expected YYYY-MM-DD"));
    }
    t.parse::<Date>()
        .map_err(|e| format!("`{s}` is not a valid date: {e}"))
}

/// Parses a country code, with the core's message.
pub(crate) fn parse_country(s: &str) -> Result<CountryCode, String> {
    s.trim().parse::<CountryCode>().map_err(|e| e.to_string())
}

pub(crate) fn parse_element(s: &str) -> Result<Element, String> {
    s.trim().parse::<Element>().map_err(|e| e.to_string())
}

fn is_kebab_id(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// Parses a list of vocabulary words, reporting each bad one.
fn vocab_list<T: Copy>(
    c: &mut Collector<'_>,
    line: Option<usize>,
    record: &str,
    field: &str,
    words: &[String],
    parse: impl Fn(&str) -> Option<T>,
    expected: impl Fn() -> String,
) -> Vec<T> {
    let mut out = Vec::with_capacity(words.len());
    for w in words {
        match parse(w.trim()) {
            Some(v) => out.push(v),
            None => c.push(
                line,
                record,
                Some(field),
                format!("unknown value `{w}`; expected one of: {}", expected()),
            ),
        }
    }
    out
}

fn one<T>(
    c: &mut Collector<'_>,
    line: Option<usize>,
    record: &str,
    field: &str,
    word: &str,
    parse: impl Fn(&str) -> Option<T>,
    expected: impl Fn() -> String,
) -> Option<T> {
    let v = parse(word.trim());
    if v.is_none() {
        c.push(
            line,
            record,
            Some(field),
            format!("unknown value `{word}`; expected one of: {}", expected()),
        );
    }
    v
}

fn countries(
    c: &mut Collector<'_>,
    line: Option<usize>,
    record: &str,
    field: &str,
    words: &[String],
) -> Vec<CountryCode> {
    let mut out = Vec::new();
    for w in words {
        match parse_country(w) {
            Ok(cc) => out.push(cc),
            Err(e) => c.push(line, record, Some(field), e),
        }
    }
    out
}

fn elements(
    c: &mut Collector<'_>,
    line: Option<usize>,
    record: &str,
    field: &str,
    words: &[String],
) -> Vec<Element> {
    let mut out = Vec::new();
    for w in words {
        match parse_element(w) {
            Ok(e) => out.push(e),
            Err(e) => c.push(line, record, Some(field), e),
        }
    }
    out
}

/// Parses and validates one policy file. `file` is used only in diagnostics.
pub fn parse_policy(text: &str, file: &str) -> Result<PolicyFile, Diagnostics> {
    let mut c = Collector::new(file, text);
    let raw: RawFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            c.push_toml_error(&e);
            return Err(Diagnostics(c.out));
        }
    };

    let mut meta = Meta {
        as_of: None,
        as_of_note: None,
        title: None,
    };
    if let Some(m) = raw.meta {
        if let Some(v) = &m.as_of {
            match date_from_value(v) {
                Ok(d) => meta.as_of = Some(d),
                Err(e) => c.push(None, "[meta]", Some("as_of"), e),
            }
        }
        meta.as_of_note = m.as_of_note;
        meta.title = m.title;
    }

    let mut measures = Vec::with_capacity(raw.measure.len());
    let mut seen = std::collections::HashSet::new();
    for (i, spanned) in raw.measure.into_iter().enumerate() {
        let line = Some(c.line_of(spanned.span().start));
        let r = spanned.into_inner();
        if let Some(m) = measure(&mut c, line, i, r) {
            if !seen.insert(m.id.clone()) {
                c.push(
                    line,
                    &format!("measure {}", m.id),
                    Some("id"),
                    "duplicate id in this file",
                );
            }
            measures.push(m);
        }
    }
    c.finish(PolicyFile { meta, measures })
}

fn measure(
    c: &mut Collector<'_>,
    line: Option<usize>,
    index: usize,
    r: RawMeasure,
) -> Option<Measure> {
    let before = c.out.len();
    let id = match r.id {
        Some(id) if is_kebab_id(&id) => id,
        Some(id) => {
            c.push(
                line,
                &format!("measure #{}", index + 1),
                Some("id"),
                format!("`{id}` is not a lowercase kebab-case id"),
            );
            id
        }
        None => {
            c.push(
                line,
                &format!("measure #{}", index + 1),
                Some("id"),
                "missing",
            );
            format!("#{}", index + 1)
        }
    };
    let rec = format!("measure {id}");
    let rec = rec.as_str();

    let required = |c: &mut Collector<'_>, field: &str, v: Option<String>| -> String {
        match v {
            Some(s) if !s.trim().is_empty() => s,
            _ => {
                c.push(line, rec, Some(field), "missing");
                String::new()
            }
        }
    };
    let jurisdiction_s = required(c, "jurisdiction", r.jurisdiction);
    let instrument_s = required(c, "instrument", r.instrument);
    let title = required(c, "title", r.title);

    let jurisdiction = match parse_country(&jurisdiction_s) {
        Ok(j) => j,
        Err(e) => {
            if !jurisdiction_s.is_empty() {
                c.push(line, rec, Some("jurisdiction"), e);
            }
            CountryCode::CHINA
        }
    };
    let instrument = if instrument_s.is_empty() {
        None
    } else {
        one(
            c,
            line,
            rec,
            "instrument",
            &instrument_s,
            Instrument::parse,
            Instrument::expected,
        )
    };

    let date = |c: &mut Collector<'_>, field: &str, v: &Option<toml::Value>| -> Option<Date> {
        let v = v.as_ref()?;
        match date_from_value(v) {
            Ok(d) => Some(d),
            Err(e) => {
                c.push(line, rec, Some(field), e);
                None
            }
        }
    };
    let announced = date(c, "announced", &r.announced);
    let start = date(c, "effective", &r.effective);
    if r.effective.is_none() {
        c.push(line, rec, Some("effective"), "missing");
    }
    let end = date(c, "end", &r.end);
    if r.end.is_some() && r.end_inclusive.is_none() {
        c.push(
            line,
            rec,
            Some("end_inclusive"),
            "missing: say whether the end date itself is still in force (true) or not (false)",
        );
    }
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        c.push(
            line,
            rec,
            Some("end"),
            format!("{e} is before the effective date {s}"),
        );
    }
    let date_precision = match &r.date_precision {
        Some(p) => one(
            c,
            line,
            rec,
            "date_precision",
            p,
            Precision::parse,
            Precision::expected,
        )
        .unwrap_or(Precision::Day),
        None => Precision::Day,
    };

    let default_trigger = match instrument {
        Some(Instrument::Tariff) => Trigger::Import,
        Some(Instrument::Suspension | Instrument::GeneralLicence) => Trigger::None,
        Some(Instrument::ExtraterritorialRule) => Trigger::Content,
        _ => Trigger::Export,
    };
    let trigger = match &r.applies {
        Some(a) => one(
            c,
            line,
            rec,
            "applies",
            a,
            Trigger::parse,
            Trigger::expected,
        )
        .unwrap_or(default_trigger),
        None => default_trigger,
    };

    let destinations = match &r.destinations {
        None => CountrySet::Any,
        Some(v) if v.iter().any(|s| s == "*") => CountrySet::Any,
        Some(v) => CountrySet::Only(countries(c, line, rec, "destinations", v)),
    };
    let end_users = vocab_list(
        c,
        line,
        rec,
        "end_users",
        r.end_users.as_deref().unwrap_or(&[]),
        EndUser::parse,
        EndUser::expected,
    );
    let end_uses = vocab_list(
        c,
        line,
        rec,
        "end_uses",
        r.end_uses.as_deref().unwrap_or(&[]),
        EndUse::parse,
        EndUse::expected,
    );

    let mut items = Vec::with_capacity(r.items.len());
    for (k, it) in r.items.into_iter().enumerate() {
        let field = format!("items[{k}]");
        let els = elements(c, line, rec, &format!("{field}.elements"), &it.elements);
        let forms = vocab_list(
            c,
            line,
            rec,
            &format!("{field}.forms"),
            &it.forms,
            Form::parse,
            Form::expected,
        );
        let goods = vocab_list(
            c,
            line,
            rec,
            &format!("{field}.goods"),
            &it.goods,
            Goods::parse,
            Goods::expected,
        );
        let techs = vocab_list(
            c,
            line,
            rec,
            &format!("{field}.technologies"),
            &it.technologies,
            Technology::parse,
            Technology::expected,
        );
        if it.elements.is_empty() && it.goods.is_empty() && it.technologies.is_empty() {
            c.push(
                line,
                rec,
                Some(&field),
                "names no elements, goods or technologies; an empty item would match everything",
            );
        }
        let confidence = it.confidence.as_deref().and_then(|s| {
            one(
                c,
                line,
                rec,
                &format!("{field}.confidence"),
                s,
                Confidence::parse,
                Confidence::expected,
            )
        });
        let mut scope = ItemScope {
            elements: els,
            forms,
            goods,
            technologies: techs,
            note: it.note,
            confidence,
            masks: ItemMasks::default(),
        };
        scope.masks = ItemMasks::of(&scope);
        items.push(scope);
    }
    if matches!(
        trigger,
        Trigger::Export | Trigger::ReexportOrigin | Trigger::MadeWithTechnology
    ) && items.is_empty()
    {
        c.push(
            line,
            rec,
            Some("items"),
            format!("a measure that applies on `{trigger}` needs items"),
        );
    }

    let licence = match r.licence {
        Some(l) => {
            let review = match l.review_working_days {
                Some(d) if (0..=u16::MAX as i64).contains(&d) => Some(d as u16),
                Some(d) => {
                    c.push(
                        line,
                        rec,
                        Some("licence.review_working_days"),
                        format!("{d} is not a number of days"),
                    );
                    None
                }
                None => None,
            };
            let presumption = match &l.presumption {
                Some(p) => one(
                    c,
                    line,
                    rec,
                    "licence.presumption",
                    p,
                    Presumption::parse,
                    Presumption::expected,
                )
                .unwrap_or(Presumption::Standard),
                None => default_presumption(instrument),
            };
            LicenceProcess {
                review_working_days: review,
                presumption,
                note: l.note,
            }
        }
        None => LicenceProcess {
            review_working_days: None,
            presumption: default_presumption(instrument),
            note: None,
        },
    };

    let mut end_use_policy = Vec::new();
    for (k, p) in r.end_use_policy.into_iter().enumerate() {
        let when = one(
            c,
            line,
            rec,
            &format!("end_use_policy[{k}].when"),
            &p.when,
            Condition::parse,
            Condition::expected,
        );
        let pres = one(
            c,
            line,
            rec,
            &format!("end_use_policy[{k}].presumption"),
            &p.presumption,
            Presumption::parse,
            Presumption::expected,
        );
        if let (Some(when), Some(presumption)) = (when, pres) {
            end_use_policy.push(EndUsePolicy {
                when,
                presumption,
                note: p.note,
            });
        }
    }

    let content_rule = match r.content_rule {
        Some(cr) => {
            let t = cr.threshold_value_share;
            if !(t.is_finite() && t > 0.0 && t <= 1.0) {
                c.push(
                    line,
                    rec,
                    Some("content_rule.threshold_value_share"),
                    format!("{t} is not a share in (0, 1] (0.001 = 0.1%)"),
                );
            }
            let origin = match cr.origin.as_deref().map(parse_country) {
                Some(Ok(o)) => o,
                Some(Err(e)) => {
                    c.push(line, rec, Some("content_rule.origin"), e);
                    jurisdiction
                }
                None => jurisdiction,
            };
            let els = elements(c, line, rec, "content_rule.elements", &cr.elements);
            let forms = vocab_list(
                c,
                line,
                rec,
                "content_rule.forms",
                &cr.forms,
                Form::parse,
                Form::expected,
            );
            let mut masks = ItemMasks::default();
            for e in &els {
                masks.elements.0 |= crate::vocab::element_bit(*e);
            }
            for f in &forms {
                masks.forms.0 |= f.bit();
            }
            Some(ContentRule {
                threshold_value_share: t,
                origin,
                elements: els,
                forms,
                masks,
            })
        }
        None => None,
    };
    if trigger == Trigger::Content && content_rule.is_none() {
        c.push(
            line,
            rec,
            Some("content_rule"),
            "a measure that applies on `content` needs a content_rule",
        );
    }

    let tariff = match r.tariff {
        Some(t) => {
            if !(t.rate.is_finite() && (0.0..=10.0).contains(&t.rate)) {
                c.push(
                    line,
                    rec,
                    Some("tariff.rate"),
                    format!(
                        "{} is not an ad valorem rate in [0, 10] (0.15 = 15%)",
                        t.rate
                    ),
                );
            }
            let basis = one(
                c,
                line,
                rec,
                "tariff.basis",
                &t.basis,
                TariffBasis::parse,
                TariffBasis::expected,
            )
            .unwrap_or(TariffBasis::Additional);
            let origins = countries(c, line, rec, "tariff.origins", &t.origins);
            let classes = vocab_list(
                c,
                line,
                rec,
                "tariff.classes",
                &t.classes,
                TariffClass::parse,
                TariffClass::expected,
            );
            Some(Tariff {
                rate: t.rate,
                basis,
                origins,
                classes,
            })
        }
        None => None,
    };
    if instrument == Some(Instrument::Tariff) && tariff.is_none() {
        c.push(
            line,
            rec,
            Some("tariff"),
            "a tariff measure needs a tariff table",
        );
    }
    if instrument == Some(Instrument::Suspension) && r.suspends.is_empty() {
        c.push(
            line,
            rec,
            Some("suspends"),
            "a suspension must name what it suspends",
        );
    }
    if instrument == Some(Instrument::GeneralLicence) && r.covers.is_empty() {
        c.push(
            line,
            rec,
            Some("covers"),
            "a general licence must name the measures it covers",
        );
    }

    let mut sources = Vec::new();
    for (k, s) in r.sources.into_iter().enumerate() {
        if let Some(conf) = one(
            c,
            line,
            rec,
            &format!("sources[{k}].confidence"),
            &s.confidence,
            Confidence::parse,
            Confidence::expected,
        ) {
            sources.push(Source {
                cite: s.cite,
                confidence: conf,
                supports: s.supports,
            });
        }
    }
    if sources.is_empty() {
        c.push(
            line,
            rec,
            Some("sources"),
            "every measure needs at least one source (tag memory as `memory`)",
        );
    }

    if c.out.len() > before {
        return None;
    }
    let (Some(instrument), Some(start)) = (instrument, start) else {
        return None;
    };
    let short = r.short.unwrap_or_else(|| title.clone());
    Some(Measure {
        id,
        part_of: r.part_of,
        jurisdiction,
        instrument,
        title,
        short,
        article: r.article,
        announced,
        window: Window {
            start,
            end,
            end_inclusive: r.end_inclusive.unwrap_or(false),
        },
        date_precision,
        trigger,
        destinations,
        end_users,
        end_uses,
        items,
        control_codes: r.control_codes,
        licence,
        end_use_policy,
        content_rule,
        suspends: r.suspends,
        covers: r.covers,
        tariff,
        sources,
        note: r.note,
        origin_file: String::new(),
    })
}

fn default_presumption(instrument: Option<Instrument>) -> Presumption {
    match instrument {
        Some(Instrument::ExportBan | Instrument::DeFactoEmbargo) => Presumption::Prohibited,
        Some(Instrument::Tariff | Instrument::Suspension | Instrument::GeneralLicence) => {
            Presumption::None
        }
        _ => Presumption::Standard,
    }
}
