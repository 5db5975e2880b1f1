//! Types of trade-policy measures. The rule timeline itself (which measures, when) is data, read
//! and evaluated by the `chokepoint-rules` engine; the core only names the vocabulary so that
//! scenarios and the simulator can refer to measures without depending on the rule engine.

use crate::element::Element;
use crate::material::MaterialForm;
use jiff::civil::Date;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Instrument {
    ExportLicensing,
    ExportQuota,
    ExportBan,
    /// An unannounced halt (the 2010 shipments to Japan).
    DeFactoEmbargo,
    TechnologyExportControl,
    ExtraterritorialContentRule,
    Tariff,
    /// Suspends other measures for a period.
    Suspension,
}

/// What a measure covers: elements in given forms, or named equipment and technologies.
#[derive(Debug, Clone, Serialize)]
pub struct ItemScope {
    pub elements: Vec<Element>,
    pub forms: Vec<MaterialForm>,
    pub control_codes: Vec<String>,
    pub equipment: bool,
    pub technology: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MeasureHeader {
    pub key: String,
    /// The jurisdiction imposing the measure (ISO3).
    pub jurisdiction: String,
    pub instrument: Instrument,
    /// The instrument's name, e.g. "MOFCOM/GAC Announcement 2025 No. 18".
    pub title: String,
    pub effective: Date,
    /// Exclusive end date, if the measure lapses.
    pub end: Option<Date>,
}
