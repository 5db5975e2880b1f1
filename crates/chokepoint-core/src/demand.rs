//! End-use sectors and their demand by region and year, with magnet intensity per unit.
//!
//! Invariant: intensities and Dy/Tb contents are finite and non-negative, Dy + Tb <= 100% of the
//! magnet mass.

use crate::ids::Id;
use crate::material::MaterialId;
use crate::source::Provenance;
use crate::units::Share;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Sector {
    pub key: String,
    pub name: String,
    /// The end product whose output this sector measures, if modelled in the network.
    pub end_product: Option<MaterialId>,
    /// Lower number = served first under sector-priority rationing.
    pub priority: u32,
    pub provenance: Provenance,
}

pub type SectorId = Id<Sector>;

#[derive(Debug, Clone, Serialize)]
pub struct Demand {
    pub key: String,
    pub sector: SectorId,
    /// A region code (from the region table) or an ISO3 country code.
    pub region: String,
    pub year: i32,
    /// Units of end product per year (or tonnes of magnet when the sector is counted in tonnes).
    pub units: Option<f64>,
    pub magnet: Option<MaterialId>,
    pub magnet_kg_per_unit: Option<f64>,
    pub dy_share: Option<Share>,
    pub tb_share: Option<Share>,
    pub provenance: Provenance,
}

impl Demand {
    /// Tonnes of magnet per year implied by units x intensity, when both are known.
    pub fn magnet_tonnes(&self) -> Option<f64> {
        Some(self.units? * self.magnet_kg_per_unit? / 1000.0)
    }
}

pub type DemandId = Id<Demand>;
