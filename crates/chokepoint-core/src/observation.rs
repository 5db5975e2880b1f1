//! Observations of what happened during an event (halt dates of named plants, export volumes,
//! licence approvals, prices): what a back-test measures the model against. They are never
//! inputs of the model.
//!
//! Invariant: an observation names the event (a scenario id) it belongs to and carries its
//! provenance like every other record.

use crate::source::Provenance;
use jiff::civil::Date;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObservationKind {
    /// A plant or line stopped for want of material; `subject` is a facility id, `date` the
    /// first day stopped.
    Halt,
    /// Tonnes shipped in a month; `subject` is `FROM>TO:WHAT` (countries, `WLD` for every
    /// importer; WHAT a material form such as `magnet`, several joined by `+`, or a material id).
    Flow,
    /// Share of licence applications approved by `date`, %.
    Approvals,
    /// A price, for when prices are modelled.
    Price,
}

impl std::str::FromStr for ObservationKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "halt" => Self::Halt,
            "flow" => Self::Flow,
            "approvals" => Self::Approvals,
            "price" => Self::Price,
            other => {
                return Err(format!(
                    "unknown observation kind `{other}`; expected halt, flow, approvals or price"
                ));
            }
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    pub key: String,
    /// The scenario id of the event.
    pub event: String,
    pub kind: ObservationKind,
    pub subject: String,
    /// The day observed, or the first day of the month observed.
    pub date: Date,
    /// The observation covers the whole month of `date`.
    pub monthly: bool,
    pub value: f64,
    pub unit: String,
    pub provenance: Provenance,
}

pub type ObservationId = crate::ids::Id<Observation>;
