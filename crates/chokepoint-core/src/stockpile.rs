//! Stockpiles and national stockpiling policies.
//!
//! A stockpile is inventory held back from the market with a rule for releasing it: what triggers
//! a release, how fast it may be drawn, and who may draw. Invariant: quantities and rates are
//! finite and non-negative; a policy's state and private days add up to its target when all three
//! are given.

use crate::geo::CountryCode;
use crate::ids::Id;
use crate::material::MaterialId;
use crate::source::Provenance;
use jiff::civil::Date;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseTrigger {
    /// Release when eligible downstream consumers are short.
    Shortage,
    /// Release from a date on.
    Date(Date),
}

#[derive(Debug, Clone, Serialize)]
pub struct Stockpile {
    pub key: String,
    pub owner: CountryCode,
    pub location: CountryCode,
    pub material: MaterialId,
    pub quantity: Option<f64>,
    pub days_of_cover: Option<f64>,
    pub trigger: ReleaseTrigger,
    pub max_release_per_day: Option<f64>,
    /// Countries whose consumers may draw. Both lists empty = the owner's consumers only.
    pub eligible_countries: Vec<CountryCode>,
    /// Facilities that may draw.
    pub eligible_facilities: Vec<crate::facility::FacilityId>,
    pub priority_sectors: Vec<crate::demand::SectorId>,
    pub provenance: Provenance,
}

pub type StockpileId = Id<Stockpile>;

#[derive(Debug, Clone, Serialize)]
pub struct StockpilePolicy {
    pub key: String,
    pub owner: CountryCode,
    /// Days of consumption to hold, when the policy states one (the US NDS buys tonnages).
    pub target_days: Option<f64>,
    pub state_days: Option<f64>,
    pub private_days: Option<f64>,
    pub high_risk_max_days: Option<f64>,
    pub provenance: Provenance,
}
