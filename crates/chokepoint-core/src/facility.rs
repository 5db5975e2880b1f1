//! Facilities, their recipes and capacities, and the lanes between them.
//!
//! Invariants (checked by `World::validate`):
//! * a facility's `end`, if any, is after its `start`;
//! * every recipe conserves mass per element: for each element, output content <= input content
//!   (1e-9 relative slack for rounding), so no plant creates rare earths;
//! * a lane's material is made by its supplier and used by its customer, and a customer's
//!   contracted shares for one material sum to 100% within tolerance.

use crate::deposit::DepositId;
use crate::element::Element;
use crate::geo::CountryCode;
use crate::ids::Id;
use crate::material::MaterialId;
use crate::source::Provenance;
use crate::units::{Days, Share};
use jiff::civil::Date;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Mining,
    Concentration,
    /// Cracking and leaching to a mixed compound (MREC).
    Cracking,
    Separation,
    /// Metal and alloy making.
    Metal,
    Magnet,
    Component,
    /// End-product assembly.
    Assembly,
    Recycling,
    Stockpile,
}

impl Stage {
    pub const ALL: [Stage; 10] = [
        Self::Mining,
        Self::Concentration,
        Self::Cracking,
        Self::Separation,
        Self::Metal,
        Self::Magnet,
        Self::Component,
        Self::Assembly,
        Self::Recycling,
        Self::Stockpile,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mining => "mining",
            Self::Concentration => "concentration",
            Self::Cracking => "cracking",
            Self::Separation => "separation",
            Self::Metal => "metal",
            Self::Magnet => "magnet",
            Self::Component => "component",
            Self::Assembly => "assembly",
            Self::Recycling => "recycling",
            Self::Stockpile => "stockpile",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown stage `{0}`; expected one of: mining, concentration, cracking, separation, metal, magnet, component, assembly, recycling, stockpile"
)]
pub struct UnknownStage(pub String);

impl FromStr for Stage {
    type Err = UnknownStage;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownStage(s.to_string()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FacilityStatus {
    Operating,
    Construction,
    Planned,
    Closed,
    /// An aggregate node standing for many plants (e.g. China's magnet makers).
    Aggregate,
}

impl FromStr for FacilityStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "operating" => Self::Operating,
            "construction" => Self::Construction,
            "planned" => Self::Planned,
            "closed" => Self::Closed,
            "aggregate" => Self::Aggregate,
            _ => {
                return Err(format!(
                    "unknown status `{s}`; expected one of: operating, construction, planned, closed, aggregate"
                ));
            }
        })
    }
}

/// Annual capacity for one output material, in the material's own unit.
#[derive(Debug, Clone, Serialize)]
pub struct Capacity {
    pub material: MaterialId,
    pub per_year: f64,
    /// The year the figure describes (a mine's output in that year, say), when the dataset
    /// holds one figure per year; `None` for a single undated figure.
    pub year: Option<i32>,
    pub provenance: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct Facility {
    pub key: String,
    pub name: String,
    pub operator: String,
    pub country: CountryCode,
    pub stage: Stage,
    pub status: FacilityStatus,
    pub start: Option<Date>,
    pub end: Option<Date>,
    /// Days from `start` to full capacity, ramping linearly.
    pub ramp_up: Days,
    pub deposit: Option<DepositId>,
    pub aggregate: bool,
    pub capacities: Vec<Capacity>,
    pub recipes: Vec<RecipeId>,
    pub provenance: Provenance,
}

impl Facility {
    /// Share of nameplate capacity available on `date`: 0 before start and after end, a linear
    /// ramp over `ramp_up` days after start, 1 otherwise.
    pub fn availability_on(&self, date: Date) -> f64 {
        if self.end.is_some_and(|end| date >= end) {
            return 0.0;
        }
        let Some(start) = self.start else {
            return 1.0;
        };
        if date < start {
            return 0.0;
        }
        if self.ramp_up.0 == 0 {
            return 1.0;
        }
        let elapsed = (date - start).get_days() as f64;
        (elapsed / f64::from(self.ramp_up.0)).clamp(0.0, 1.0)
    }

    /// The newest figure for `material` (the undated one if there is no dated one).
    pub fn capacity_newest(&self, material: MaterialId) -> Option<&Capacity> {
        self.capacities
            .iter()
            .filter(|c| c.material == material)
            .max_by_key(|c| c.year.unwrap_or(i32::MIN))
    }

    /// Annual capacity for `material`: the newest figure.
    pub fn capacity_for(&self, material: MaterialId) -> Option<f64> {
        self.capacity_newest(material).map(|c| c.per_year)
    }

    /// The figure a run starting on `date` may know: the newest one describing a year before
    /// `date`'s year; else the undated one; else the oldest dated one (a plant known only
    /// from later figures).
    pub fn capacity_known_on(&self, material: MaterialId, date: Date) -> Option<&Capacity> {
        let rows = || self.capacities.iter().filter(|c| c.material == material);
        rows()
            .filter(|c| c.year.is_some_and(|y| y < i32::from(date.year())))
            .max_by_key(|c| c.year)
            .or_else(|| rows().find(|c| c.year.is_none()))
            .or_else(|| rows().min_by_key(|c| c.year))
    }

    /// The materials this facility has capacity figures for, once each, in file order.
    pub fn capacity_materials(&self) -> Vec<MaterialId> {
        let mut out: Vec<MaterialId> = Vec::new();
        for c in &self.capacities {
            if !out.contains(&c.material) {
                out.push(c.material);
            }
        }
        out
    }
}

pub type FacilityId = Id<Facility>;

/// One line of a recipe: so much of a material per run.
#[derive(Debug, Clone, Serialize)]
pub struct RecipeLine {
    pub material: MaterialId,
    pub quantity: f64,
}

/// Co-production: a separation run on a deposit-specific feed yields one separated oxide per
/// element of the feed's deposit, in the deposit's proportions, times the recovery.
#[derive(Debug, Clone, Serialize)]
pub struct Coproduction {
    pub feed: MaterialId,
    pub recovery: Share,
}

#[derive(Debug, Clone, Serialize)]
pub struct Recipe {
    pub key: String,
    pub facility: FacilityId,
    pub inputs: Vec<RecipeLine>,
    pub outputs: Vec<RecipeLine>,
    pub coproduction: Option<Coproduction>,
    pub provenance: Provenance,
}

pub type RecipeId = Id<Recipe>;

/// A per-element excess found in a recipe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MassCreation {
    pub element: Element,
    pub input_t: f64,
    pub output_t: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Lane {
    pub key: String,
    pub from: FacilityId,
    pub to: FacilityId,
    pub material: MaterialId,
    pub lead_time: Days,
    /// The customer's inbound split: this lane's share of the customer's purchases of the
    /// material. Meaningless when `share_by_capacity` is set.
    pub contracted_share: Share,
    /// The share follows the supplier's capacity for the material (each supplier sells its
    /// output to this customer: mines feeding a separator), so it moves with the year's
    /// capacity figures; every inbound lane of the customer and material is then of this kind.
    pub share_by_capacity: bool,
    pub provenance: Provenance,
}

impl Lane {
    /// A lane crosses a border when its ends are in different countries; export controls apply.
    pub fn is_cross_border(&self, facilities: &crate::ids::Arena<Facility>) -> bool {
        facilities.get(self.from).country != facilities.get(self.to).country
    }
}

pub type LaneId = Id<Lane>;
