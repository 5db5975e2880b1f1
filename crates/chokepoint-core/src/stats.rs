//! Published statistics (USGS mine production and reserves by edition, stage shares by
//! country) and the concentration arithmetic applied to them.
//!
//! USGS editions disagree (MCS 2026 revised 2024 production for Australia from 13 to 29 kt), so
//! every figure is keyed by edition and the newest edition is the default. Invariant: the
//! summaries here are pure functions of the records; nothing is cached.

use crate::facility::Stage;
use crate::geo::CountryCode;
use crate::source::Provenance;
use crate::units::Share;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Edition {
    Mcs2024,
    Mcs2025,
    Mcs2026,
}

impl Edition {
    pub const NEWEST: Edition = Edition::Mcs2026;

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mcs2024 => "mcs2024",
            Self::Mcs2025 => "mcs2025",
            Self::Mcs2026 => "mcs2026",
        }
    }
}

impl fmt::Display for Edition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Edition {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "mcs2024" => Ok(Self::Mcs2024),
            "mcs2025" => Ok(Self::Mcs2025),
            "mcs2026" => Ok(Self::Mcs2026),
            _ => Err(format!(
                "unknown edition `{s}`; expected mcs2024, mcs2025 or mcs2026"
            )),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MineProduction {
    pub edition: Edition,
    pub country: CountryCode,
    pub year: i32,
    pub tonnes_reo: f64,
    pub estimated: bool,
    pub provenance: Provenance,
}

/// `>` when the publication gives a lower bound (">90,000,000").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Comparator {
    #[serde(rename = "=")]
    Equal,
    #[serde(rename = ">")]
    GreaterThan,
    #[serde(rename = "<")]
    LessThan,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reserves {
    pub edition: Edition,
    pub country: CountryCode,
    pub tonnes_reo: f64,
    pub comparator: Comparator,
    pub provenance: Provenance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorldMetric {
    Production,
    Reserves,
}

/// A world total as the publication prints it (rounded), for reconciliation and shares.
#[derive(Debug, Clone, Serialize)]
pub struct WorldTotal {
    pub edition: Edition,
    pub metric: WorldMetric,
    pub year: Option<i32>,
    pub tonnes_reo: f64,
    pub comparator: Comparator,
    pub provenance: Provenance,
}

/// A published output of one stage in one country (or the world, `ZZR` for the rest), in the
/// unit of the stage's principal material: t REO of concentrate at mining, t REO of separated
/// oxides at separation, t of metal, t of magnet. What the baseline network is measured against.
#[derive(Debug, Clone, Serialize)]
pub struct StageOutput {
    pub stage: Stage,
    pub country: CountryCode,
    pub year: i32,
    pub tonnes: f64,
    pub basis: String,
    pub provenance: Provenance,
}

/// A published annual trade flow, `FROM>TO:WHAT` (`TO` a country, a region or `WLD` for every
/// importer; `WHAT` material forms joined by `+` or a material id), in tonnes: what the
/// baseline's cross-border flows are measured against.
#[derive(Debug, Clone, Serialize)]
pub struct TradeFlow {
    pub flow: String,
    pub year: i32,
    pub tonnes: f64,
    pub basis: String,
    pub provenance: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageShare {
    pub stage: Stage,
    pub country: CountryCode,
    pub year: i32,
    pub share: Share,
    pub basis: String,
    pub provenance: Provenance,
}

/// One country's share in a distribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountryShare {
    pub country: CountryCode,
    pub quantity: Option<f64>,
    pub share: f64,
}

/// Herfindahl-Hirschman index on fractions (0..1): the sum of squared shares. A residual that is
/// not broken down by country is left out, so the index is then a lower bound.
pub fn hhi(shares: impl IntoIterator<Item = f64>) -> f64 {
    shares.into_iter().map(|s| s * s).sum()
}

/// A distribution of a quantity over countries with its concentration.
#[derive(Debug, Clone, Serialize)]
pub struct Concentration {
    pub label: String,
    pub total: f64,
    pub shares: Vec<CountryShare>,
    pub hhi: f64,
    pub china_share: f64,
    pub top3_share: f64,
}

impl Concentration {
    /// Builds from (country, quantity) pairs over a total. Shares are quantity / total, sorted
    /// largest first; country codes in `residual_codes` are excluded from the HHI.
    pub fn from_quantities(
        label: impl Into<String>,
        quantities: &[(CountryCode, f64)],
        total: f64,
        residual_codes: &[CountryCode],
    ) -> Self {
        let mut shares: Vec<CountryShare> = quantities
            .iter()
            .map(|&(country, q)| CountryShare {
                country,
                quantity: Some(q),
                share: if total > 0.0 { q / total } else { 0.0 },
            })
            .collect();
        Self::finish(label.into(), total, &mut shares, residual_codes)
    }

    /// Builds from published shares (fractions).
    pub fn from_shares(
        label: impl Into<String>,
        shares: &[(CountryCode, Share)],
        residual_codes: &[CountryCode],
    ) -> Self {
        let mut shares: Vec<CountryShare> = shares
            .iter()
            .map(|&(country, s)| CountryShare {
                country,
                quantity: None,
                share: s.fraction(),
            })
            .collect();
        Self::finish(label.into(), 1.0, &mut shares, residual_codes)
    }

    fn finish(
        label: String,
        total: f64,
        shares: &mut Vec<CountryShare>,
        residual_codes: &[CountryCode],
    ) -> Self {
        shares.sort_by(|a, b| {
            b.share
                .total_cmp(&a.share)
                .then_with(|| a.country.cmp(&b.country))
        });
        let named = || {
            shares
                .iter()
                .filter(|s| !residual_codes.contains(&s.country))
        };
        let hhi = hhi(named().map(|s| s.share));
        let top3_share = named().take(3).map(|s| s.share).sum();
        let china_share = shares
            .iter()
            .filter(|s| s.country == CountryCode::CHINA)
            .map(|s| s.share)
            .sum();
        Self {
            label,
            total,
            shares: std::mem::take(shares),
            hhi,
            china_share,
            top3_share,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hhi_of_published_example() {
        // Global supply shares 86/6/2/2/1/1/1/1 % give HHI 0.7444 (hand computed:
        // 0.7396 + 0.0036 + 2*0.0004 + 4*0.0001).
        let h = hhi([0.86, 0.06, 0.02, 0.02, 0.01, 0.01, 0.01, 0.01]);
        assert!((h - 0.7444).abs() < 1e-12);
    }

    #[test]
    fn concentration_excludes_residual_from_hhi() {
        let chn: CountryCode = "CHN".parse().unwrap();
        let usa: CountryCode = "USA".parse().unwrap();
        let rest: CountryCode = "ZZO".parse().unwrap();
        let c = Concentration::from_quantities(
            "mining",
            &[(usa, 20.0), (chn, 70.0), (rest, 10.0)],
            100.0,
            &[rest],
        );
        assert_eq!(c.shares[0].country, chn);
        assert!((c.china_share - 0.7).abs() < 1e-12);
        assert!((c.hhi - (0.49 + 0.04)).abs() < 1e-12);
        assert!((c.top3_share - 0.9).abs() < 1e-12);
    }
}
