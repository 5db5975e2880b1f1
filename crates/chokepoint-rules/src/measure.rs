//! One trade-policy measure, validated: who imposes it, from when to when, what it covers, how it
//! attaches to a shipment, what licensing it implies, what it suspends, and its sources.
//!
//! Invariants (enforced by the parser in `policy`): `start <= end`; a suspension names at least one
//! target and every target exists; a tariff measure has a rate in [0, 10]; a content rule's
//! threshold is in (0, 1]; an item scope names at least one of elements, goods or technologies, so
//! an empty scope never matches everything by accident.

use crate::vocab::{
    Bits, Condition, Confidence, EndUse, EndUser, Form, Instrument, Precision, Presumption,
    TariffBasis, TariffClass, Trigger,
};
use chokepoint_core::policy::MeasureHeader;
use chokepoint_core::{CountryCode, Date, Element};
use serde::Serialize;

/// When a measure is in its own window (before suspensions are considered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    /// First day in force (inclusive).
    pub start: Date,
    /// Last boundary, if the measure lapses.
    pub end: Option<Date>,
    /// Whether `end` itself is still in force ("until 10 Nov 2026" is read as through that day).
    pub end_inclusive: bool,
}

impl Window {
    pub fn contains(&self, d: Date) -> bool {
        if d < self.start {
            return false;
        }
        match self.end {
            None => true,
            Some(end) if self.end_inclusive => d <= end,
            Some(end) => d < end,
        }
    }

    /// The first day no longer in force, if any.
    pub fn end_exclusive(&self) -> Option<Date> {
        let end = self.end?;
        if self.end_inclusive {
            // Date::MAX has no tomorrow; a window ending then never lapses.
            end.tomorrow().ok()
        } else {
            Some(end)
        }
    }

    /// The last day in force, if the measure lapses.
    pub fn last_day(&self) -> Option<Date> {
        let end = self.end?;
        if self.end_inclusive {
            Some(end)
        } else {
            end.yesterday().ok()
        }
    }

    /// `2025-11-07 to 2026-11-10` (both inclusive), or `from 2025-04-04`.
    pub fn describe(&self) -> String {
        match self.last_day() {
            Some(last) => format!("from {} to {}", self.start, last),
            None => format!("from {}", self.start),
        }
    }
}

/// A free-text citation with a confidence tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub cite: String,
    pub confidence: Confidence,
    /// What in the measure this source supports, when it supports only part of it.
    pub supports: Option<String>,
}

/// A class of items: elements in forms, goods, or technologies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemScope {
    pub elements: Vec<Element>,
    /// Empty: any form.
    pub forms: Vec<Form>,
    pub goods: Vec<crate::vocab::Goods>,
    pub technologies: Vec<crate::vocab::Technology>,
    pub note: Option<String>,
    /// Set when this item line rests on weaker evidence than the measure as a whole.
    pub confidence: Option<Confidence>,
    #[serde(skip)]
    pub(crate) masks: ItemMasks,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ItemMasks {
    pub elements: Bits,
    pub forms: Bits,
    pub goods: Bits,
    pub technologies: Bits,
}

impl ItemMasks {
    pub(crate) fn of(scope: &ItemScope) -> Self {
        let mut m = ItemMasks::default();
        for e in &scope.elements {
            m.elements.0 |= crate::vocab::element_bit(*e);
        }
        for f in &scope.forms {
            m.forms.0 |= f.bit();
        }
        for g in &scope.goods {
            m.goods.0 |= g.bit();
        }
        for t in &scope.technologies {
            m.technologies.0 |= t.bit();
        }
        m
    }
}

/// The extraterritorial value-share rule (No. 61 of 2025, Art. 2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentRule {
    /// Share of the product's value (0.001 = 0.1%); reached at or above ("0.1% or more").
    pub threshold_value_share: f64,
    /// Whose origin counts (the imposing jurisdiction).
    pub origin: CountryCode,
    /// Listed elements; a material line counts when it contains any of them in a listed form.
    pub elements: Vec<Element>,
    pub forms: Vec<Form>,
    #[serde(skip)]
    pub(crate) masks: ItemMasks,
}

/// An end-use condition that changes the presumption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndUsePolicy {
    pub when: Condition,
    pub presumption: Presumption,
    pub note: Option<String>,
}

/// How licences under this measure are handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LicenceProcess {
    /// Statutory or reported review time, in working days; `None` when the sources give none.
    pub review_working_days: Option<u16>,
    pub presumption: Presumption,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tariff {
    /// Ad valorem rate as a fraction (0.15 = 15%).
    pub rate: f64,
    pub basis: TariffBasis,
    /// Countries of origin the rate applies to.
    pub origins: Vec<CountryCode>,
    /// Tariff classes the rate applies to.
    pub classes: Vec<TariffClass>,
}

/// Which countries a scope admits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CountrySet {
    Any,
    Only(Vec<CountryCode>),
}

impl CountrySet {
    pub fn contains(&self, c: CountryCode) -> bool {
        match self {
            Self::Any => true,
            Self::Only(v) => v.contains(&c),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    /// Stable id, lowercase kebab-case: `mofcom-2025-18`.
    pub id: String,
    /// The instrument this measure is an article or provision of; a suspension of the parent
    /// suspends it too.
    pub part_of: Option<String>,
    pub jurisdiction: CountryCode,
    pub instrument: Instrument,
    /// Full name: "MOFCOM/GAC Announcement 2025 No. 18".
    pub title: String,
    /// Short citation for explanation chains: "No. 18 of 2025".
    pub short: String,
    pub article: Option<String>,
    pub announced: Option<Date>,
    pub window: Window,
    pub date_precision: Precision,
    pub trigger: Trigger,
    pub destinations: CountrySet,
    /// Empty: any end user.
    pub end_users: Vec<EndUser>,
    /// Empty: any end use.
    pub end_uses: Vec<EndUse>,
    pub items: Vec<ItemScope>,
    pub control_codes: Vec<String>,
    pub licence: LicenceProcess,
    pub end_use_policy: Vec<EndUsePolicy>,
    pub content_rule: Option<ContentRule>,
    /// Ids (or parents) of measures this one suspends.
    pub suspends: Vec<String>,
    /// Ids (or parents) of measures a general licence covers.
    pub covers: Vec<String>,
    pub tariff: Option<Tariff>,
    pub sources: Vec<Source>,
    pub note: Option<String>,
    /// The file the measure came from (bundled or a user layer).
    pub origin_file: String,
}

impl Measure {
    /// "No. 61 of 2025 Art. 2", plus "\[memory\]" when any source is memory, so explanation chains
    /// never present recalled facts as sourced.
    pub fn citation(&self) -> String {
        let mut s = self.short.clone();
        if let Some(a) = &self.article {
            s.push(' ');
            s.push_str(a);
        }
        if self.rests_on_memory() {
            s.push_str(" [partly from memory]");
        }
        s
    }

    pub fn rests_on_memory(&self) -> bool {
        self.sources
            .iter()
            .any(|s| s.confidence == Confidence::Memory)
            || self
                .items
                .iter()
                .any(|i| i.confidence == Some(Confidence::Memory))
    }

    /// Elements this measure names (items or content rule); for timeline filters.
    pub fn mentions_element(&self, e: Element) -> bool {
        self.items.iter().any(|i| i.elements.contains(&e))
            || self
                .content_rule
                .as_ref()
                .is_some_and(|c| c.elements.contains(&e))
    }

    /// The core crate's header for this measure (exclusive end date), for the simulator; `None`
    /// for general licences, which the core vocabulary lacks.
    pub fn to_header(&self) -> Option<MeasureHeader> {
        Some(MeasureHeader {
            key: self.id.clone(),
            jurisdiction: self.jurisdiction.to_string(),
            instrument: self.instrument.to_core()?,
            title: self.title.clone(),
            effective: self.window.start,
            end: self.window.end_exclusive(),
        })
    }
}
