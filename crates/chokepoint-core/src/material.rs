//! Materials along the chain, from ore to end product, and their rare-earth content.
//!
//! Invariant: a material's resolved element content is elemental: tonnes of element per unit
//! of the material (per tonne of oxide for t REO materials, per piece for pieces), every fraction is finite and
//! non-negative, and for tonne-measured materials the fractions sum to at most 1. Recipes conserve
//! mass per element on this basis.

use crate::deposit::DepositId;
use crate::element::Element;
use crate::ids::Id;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MaterialForm {
    Ore,
    Concentrate,
    /// Mixed rare-earth carbonate (MREC), mixed chlorides, SEG/SEGH heavy concentrates.
    MixedCompound,
    SeparatedOxide,
    Metal,
    Alloy,
    Magnet,
    Component,
    EndProduct,
    Other,
}

impl MaterialForm {
    pub const ALL: [MaterialForm; 10] = [
        Self::Ore,
        Self::Concentrate,
        Self::MixedCompound,
        Self::SeparatedOxide,
        Self::Metal,
        Self::Alloy,
        Self::Magnet,
        Self::Component,
        Self::EndProduct,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ore => "ore",
            Self::Concentrate => "concentrate",
            Self::MixedCompound => "mixed-compound",
            Self::SeparatedOxide => "separated-oxide",
            Self::Metal => "metal",
            Self::Alloy => "alloy",
            Self::Magnet => "magnet",
            Self::Component => "component",
            Self::EndProduct => "end-product",
            Self::Other => "other",
        }
    }
}

/// The text is not a material form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown form `{0}`; expected one of: ore, concentrate, mixed-compound, separated-oxide, metal, alloy, magnet, component, end-product, other"
)]
pub struct UnknownForm(pub String);

impl FromStr for MaterialForm {
    type Err = UnknownForm;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownForm(s.to_string()))
    }
}

/// How a material is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum QuantityUnit {
    /// Tonnes of the material itself.
    #[serde(rename = "t")]
    Tonnes,
    /// Tonnes of rare-earth oxide equivalent.
    #[serde(rename = "t REO")]
    TonnesReo,
    /// Pieces.
    #[serde(rename = "unit")]
    Pieces,
}

impl QuantityUnit {
    pub fn is_mass(self) -> bool {
        !matches!(self, Self::Pieces)
    }
}

impl fmt::Display for QuantityUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Tonnes => "t",
            Self::TonnesReo => "t REO",
            Self::Pieces => "unit",
        })
    }
}

/// The text is not a known quantity unit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown unit `{0}`; expected one of: t, t REO, unit")]
pub struct UnknownUnit(pub String);

impl FromStr for QuantityUnit {
    type Err = UnknownUnit;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "t" => Ok(Self::Tonnes),
            "t REO" => Ok(Self::TonnesReo),
            "unit" | "units" => Ok(Self::Pieces),
            _ => Err(UnknownUnit(s.to_string())),
        }
    }
}

/// Element content as a dense array: tonnes of element per unit of material.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ElementContent(pub [f64; Element::COUNT]);

impl Default for ElementContent {
    fn default() -> Self {
        Self([0.0; Element::COUNT])
    }
}

impl ElementContent {
    pub fn get(&self, e: Element) -> f64 {
        self.0[e.index()]
    }

    pub fn set(&mut self, e: Element, v: f64) {
        self.0[e.index()] = v;
    }

    pub fn total(&self) -> f64 {
        self.0.iter().sum()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Element, f64)> + '_ {
        Element::ALL
            .into_iter()
            .map(|e| (e, self.0[e.index()]))
            .filter(|(_, v)| *v != 0.0)
    }
}

/// How the element content of a material is defined.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContentSpec {
    /// A separated oxide or metal of one element.
    Single(Element),
    /// A concentrate or mixed compound carrying a deposit's element distribution (REO basis).
    Deposit(DepositId),
    /// Explicit tonnes of element per unit.
    Explicit(Vec<(Element, f64)>),
    /// No modelled element content (e.g. a steel part).
    None,
}

#[derive(Debug, Clone, Serialize)]
pub struct Material {
    pub key: String,
    pub name: String,
    pub form: MaterialForm,
    pub unit: QuantityUnit,
    pub content_spec: ContentSpec,
    /// Resolved by `World::resolve_contents` from `content_spec`.
    pub content: ElementContent,
    pub unit_mass_kg: Option<f64>,
}

pub type MaterialId = Id<Material>;
