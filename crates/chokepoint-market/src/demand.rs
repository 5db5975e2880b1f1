//! The short-run inverse demand.
//!
//! Form: constant elasticity. If buyers who would take `Q0` at the base price `p0` can get only
//! `Q = (1 - s) Q0` (`s` the shortage ratio), the price that clears the market is
//! `p = p0 * (Q / Q0)^(-1/e) = p0 * (1 - s)^(-1/e)`, with `e > 0` the magnitude of the price
//! elasticity of demand. `s = 0` gives `p0`; the price rises with `s` and is higher the less
//! elastic the demand (smaller `e`). A surplus (`s < 0`, e.g. China's domestic market when its
//! exports are withheld) lowers the price the same way.
//!
//! The constant-elasticity curve has no finite price at `s = 1`. Within months, buyers facing a
//! total cut-off do not bid without limit (they stop lines, ration, draw stock): `s` is clamped
//! to `[-MAX_SURPLUS, MAX_SHORTAGE]`, so the multiple is at most `(1 - 0.9)^(-1/e)`. Both bounds
//! are modelling assumptions (docs/markets.md).

use crate::MarketError;
use serde::Serialize;

/// Largest shortage ratio the curve is evaluated at (assumption: beyond it the price is capped).
pub const MAX_SHORTAGE: f64 = 0.9;
/// Largest surplus ratio (negative shortage) the curve is evaluated at (assumption).
pub const MAX_SURPLUS: f64 = 0.5;

/// Which end of an elasticity range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RangePoint {
    Low,
    Central,
    High,
}

/// The magnitude of a short-run price elasticity of demand, as a range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Elasticity {
    pub low: f64,
    pub central: f64,
    pub high: f64,
}

impl Elasticity {
    /// Checks each value is a finite number > 0 and that low <= central <= high; `market`
    /// names the market in the error.
    pub fn new(market: &str, low: f64, central: f64, high: f64) -> Result<Self, MarketError> {
        for (field, value) in [("low", low), ("central", central), ("high", high)] {
            if !value.is_finite() || value <= 0.0 {
                return Err(MarketError::Elasticity {
                    market: market.to_string(),
                    field,
                    value,
                    message: "expected the magnitude of the price elasticity, a finite number > 0"
                        .into(),
                });
            }
        }
        if !(low <= central && central <= high) {
            return Err(MarketError::Elasticity {
                market: market.to_string(),
                field: "central",
                value: central,
                message: format!(
                    "range out of order (low {low}, high {high}); expected low <= central <= high"
                ),
            });
        }
        Ok(Self { low, central, high })
    }

    pub fn at(self, point: RangePoint) -> f64 {
        match point {
            RangePoint::Low => self.low,
            RangePoint::Central => self.central,
            RangePoint::High => self.high,
        }
    }
}

/// The price multiple `p / p0 = (1 - s)^(-1/e)` for a valid elasticity `e > 0`, with `s`
/// clamped to `[-MAX_SURPLUS, MAX_SHORTAGE]` (NaN counts as no shortage).
pub fn multiple(shortage: f64, elasticity: f64) -> f64 {
    let s = if shortage.is_nan() {
        0.0
    } else {
        shortage.clamp(-MAX_SURPLUS, MAX_SHORTAGE)
    };
    (1.0 - s).powf(-1.0 / elasticity)
}

/// The clearing price at shortage ratio `shortage`, from the base price and the elasticity's
/// magnitude; errors name the argument that was out of its domain.
pub fn inverse_demand(base: f64, shortage: f64, elasticity: f64) -> Result<f64, MarketError> {
    if !base.is_finite() || base <= 0.0 {
        return Err(MarketError::Invalid {
            field: "base price".into(),
            value: base,
            message: "expected a finite price > 0".into(),
        });
    }
    if !elasticity.is_finite() || elasticity <= 0.0 {
        return Err(MarketError::Invalid {
            field: "elasticity".into(),
            value: elasticity,
            message: "expected the magnitude of the price elasticity, a finite number > 0".into(),
        });
    }
    if shortage.is_nan() {
        return Err(MarketError::Invalid {
            field: "shortage ratio".into(),
            value: shortage,
            message: "expected a number".into(),
        });
    }
    Ok(base * multiple(shortage, elasticity))
}
