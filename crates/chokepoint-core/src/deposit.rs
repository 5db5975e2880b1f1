//! Deposits (and ore types) with their element distribution.
//!
//! Co-production is the reason this exists: a separation plant fed with one deposit's concentrate
//! yields every element in that ore's proportion; it cannot choose to make only Dy. Invariant
//! (checked by `World::validate`): a deposit's shares are non-negative and sum to 100% within
//! [`crate::world::SHARE_TOLERANCE_PCT`].

use crate::element::Element;
use crate::geo::CountryCode;
use crate::ids::Id;
use crate::source::Provenance;
use crate::units::Share;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct DistributionEntry {
    pub element: Element,
    /// Share of the deposit's total rare-earth oxide.
    pub share: Share,
    pub provenance: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct Deposit {
    pub key: String,
    pub name: String,
    pub country: CountryCode,
    pub ore_type: String,
    pub distribution: Vec<DistributionEntry>,
    pub provenance: Provenance,
}

impl Deposit {
    /// The distribution scaled to sum to exactly 1. Published columns are rounded (they sum to
    /// 98.8..102.3%); validation bounds the error, and scaling keeps co-production from creating
    /// or losing mass through rounding.
    pub fn normalized(&self) -> Vec<(Element, f64)> {
        let total: f64 = self.distribution.iter().map(|d| d.share.fraction()).sum();
        if total <= 0.0 {
            return Vec::new();
        }
        self.distribution
            .iter()
            .map(|d| (d.element, d.share.fraction() / total))
            .collect()
    }

    pub fn share_of(&self, element: Element) -> f64 {
        self.distribution
            .iter()
            .filter(|d| d.element == element)
            .map(|d| d.share.fraction())
            .sum()
    }
}

pub type DepositId = Id<Deposit>;
