//! A market's price path in one replication.

use crate::MarketError;
use crate::balance::{Period, shortage_ratio};
use crate::demand::{Elasticity, RangePoint, multiple};
use chokepoint_core::market::PriceTier;
use serde::Serialize;

/// One priced market: a material in a tier, its base price (USD/kg, the price before the
/// event) and its elasticity range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketSpec {
    pub material: String,
    pub tier: PriceTier,
    pub base_price: f64,
    pub elasticity: Elasticity,
}

impl MarketSpec {
    /// `base`: the base price in USD/kg, `None` when the data has none (an error naming the
    /// market and `why`, e.g. "no fob-china row before 2010-09-01").
    pub fn new(
        material: &str,
        tier: PriceTier,
        base: Option<f64>,
        why_missing: &str,
        elasticity: Elasticity,
    ) -> Result<Self, MarketError> {
        let market = format!("{material} ({})", tier.as_str());
        let base = base.ok_or_else(|| MarketError::MissingBasePrice {
            market: market.clone(),
            message: why_missing.to_string(),
        })?;
        if !base.is_finite() || base <= 0.0 {
            return Err(MarketError::Invalid {
                field: format!("{market} base price"),
                value: base,
                message: "expected a finite price > 0 (USD/kg)".into(),
            });
        }
        Ok(Self {
            material: material.to_string(),
            tier,
            base_price: base,
            elasticity,
        })
    }
}

/// One replication of one market: per period its shortage ratio and price (USD/kg), and the
/// buyers' extra spend over the horizon, USD: sum over periods of (price - base) x bought, with
/// quantities in tonnes (1 t = 1,000 kg). Negative: they spent less (a surplus).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trajectory {
    pub shortage: Vec<f64>,
    pub price: Vec<f64>,
    pub extra_spend_usd: f64,
}

/// The price path of `spec` over `periods` at one end of its elasticity range.
pub fn trajectory(spec: &MarketSpec, periods: &[Period], point: RangePoint) -> Trajectory {
    let e = spec.elasticity.at(point);
    let mut shortage = Vec::with_capacity(periods.len());
    let mut price = Vec::with_capacity(periods.len());
    let mut extra = 0.0;
    for p in periods {
        let s = shortage_ratio(p);
        let x = spec.base_price * multiple(s, e);
        extra += (x - spec.base_price) * p.bought() * 1000.0;
        shortage.push(s);
        price.push(x);
    }
    Trajectory {
        shortage,
        price,
        extra_spend_usd: extra,
    }
}
