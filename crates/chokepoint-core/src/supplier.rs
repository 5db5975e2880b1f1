//! Commercial terms on which a buyer could contract a supplier (`supplier_terms.csv`): the
//! inputs of the supplier-mix optimiser that the capacity and price tables do not hold.
//!
//! A record names a facility and one material it makes, the price market its contracts are
//! priced on (a row of `prices.csv` is read from that market), the lead time from signing to
//! the first delivery, the smallest volume it contracts, and a fixed cost per contract.
//! Invariant: the facility has a capacity figure for the material; quantities are finite and
//! non-negative.

use crate::facility::FacilityId;
use crate::market::Market;
use crate::material::MaterialId;
use crate::source::Provenance;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct SupplierTerms {
    pub facility: FacilityId,
    pub material: MaterialId,
    /// The market whose price a contract follows.
    pub price_market: Market,
    /// Days from signing to the first delivery.
    pub lead_time_days: u32,
    /// Smallest contract, tonnes per year (0: any volume).
    pub min_contract_tonnes_per_year: f64,
    /// Fixed cost of setting up a contract (qualification, audits), USD.
    pub fixed_cost_usd: f64,
    pub provenance: Provenance,
    pub note: String,
}
