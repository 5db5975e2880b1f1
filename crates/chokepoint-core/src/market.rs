//! Prices and trade: price series per material and market, and importers' source shares.

use crate::geo::CountryCode;
use crate::material::MaterialId;
use crate::source::Provenance;
use crate::units::Share;
use serde::Serialize;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Market {
    ChinaDomestic,
    FobChina,
    Europe,
    UsgsUs,
}

impl FromStr for Market {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "china-domestic" => Self::ChinaDomestic,
            "fob-china" => Self::FobChina,
            "europe" => Self::Europe,
            "usgs-us" => Self::UsgsUs,
            _ => {
                return Err(format!(
                    "unknown market `{s}`; expected one of: china-domestic, fob-china, europe, usgs-us"
                ));
            }
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PriceUnit {
    #[serde(rename = "USD/kg")]
    UsdPerKg,
    #[serde(rename = "CNY/t")]
    CnyPerTonne,
}

impl FromStr for PriceUnit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "USD/kg" => Ok(Self::UsdPerKg),
            "CNY/t" => Ok(Self::CnyPerTonne),
            _ => Err(format!(
                "unknown price unit `{s}`; expected USD/kg or CNY/t"
            )),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PricePoint {
    pub material: MaterialId,
    pub market: Market,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as published.
    pub period: String,
    pub price: f64,
    pub unit: PriceUnit,
    pub provenance: Provenance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TradeBasis {
    Volume,
    Value,
}

/// An importer's share of one item from one partner in one year.
#[derive(Debug, Clone, Serialize)]
pub struct TradeShare {
    /// An ISO3 code or a region code (EU27).
    pub importer: String,
    pub partner: CountryCode,
    pub year: i32,
    pub item: String,
    pub basis: TradeBasis,
    pub share: Share,
    pub quantity: Option<f64>,
    pub provenance: Provenance,
    pub note: String,
}

/// A price tier of the market engine: the price inside China, and the price ex-China buyers
/// pay. The two diverge when exports are licensed or blocked (the shortage falls on ex-China
/// buyers, the withheld material on China's domestic market).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PriceTier {
    ChinaDomestic,
    ExChina,
}

impl PriceTier {
    pub const ALL: [PriceTier; 2] = [Self::ChinaDomestic, Self::ExChina];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChinaDomestic => "china-domestic",
            Self::ExChina => "ex-china",
        }
    }
}

impl FromStr for PriceTier {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "china-domestic" => Ok(Self::ChinaDomestic),
            "ex-china" => Ok(Self::ExChina),
            _ => Err(format!(
                "unknown price tier `{s}`; expected china-domestic or ex-china"
            )),
        }
    }
}

/// The short-run price elasticity of demand (its magnitude) for one material in one tier, as a
/// range (`data/market_params.csv`). The loader guarantees 0 < low <= central <= high.
#[derive(Debug, Clone, Serialize)]
pub struct MarketParam {
    pub material: MaterialId,
    pub tier: PriceTier,
    pub elasticity_low: f64,
    pub elasticity_central: f64,
    pub elasticity_high: f64,
    pub provenance: Provenance,
    pub note: String,
}
