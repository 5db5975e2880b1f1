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
