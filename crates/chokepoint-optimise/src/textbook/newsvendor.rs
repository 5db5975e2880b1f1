//! The newsvendor with normally distributed demand.
//!
//! One period: order up to `S` before demand `D ~ N(μ, σ²)` is seen; each unit left over costs
//! `h` (holding, overage), each unit short costs `p` (stockout, underage). The expected cost is
//!
//! ```text
//! g(S) = h E[(S - D)⁺] + p E[(D - S)⁺] = h (S - μ) + (h + p) σ L((S - μ) / σ)
//! ```
//!
//! with `L(z) = φ(z) - z (1 - Φ(z))` the standard normal loss function, and it is minimised at
//! the critical fractile `S* = μ + σ Φ⁻¹(p / (p + h))`, where `g(S*) = (h + p) σ φ(z*)`.

use crate::error::{Result, positive};
use crate::numerics::{std_loss, std_pdf, std_quantile};
use serde::{Deserialize, Serialize};

/// A newsvendor with normal demand.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NormalNewsvendor {
    /// Cost per unit left over at the end of the period (`h`, > 0).
    pub holding_cost: f64,
    /// Cost per unit of demand not met (`p`, > 0).
    pub stockout_cost: f64,
    /// Mean demand (`μ`).
    pub demand_mean: f64,
    /// Standard deviation of demand (`σ`, > 0).
    pub demand_sd: f64,
}

/// An optimal base-stock level and its expected cost.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NewsvendorOptimum {
    /// The optimal order-up-to level `S*`.
    pub base_stock: f64,
    /// The expected cost per period at `S*`.
    pub expected_cost: f64,
}

impl NormalNewsvendor {
    /// Checks every parameter, naming the first bad one.
    pub fn validate(&self) -> Result<()> {
        positive("holding_cost", self.holding_cost)?;
        positive("stockout_cost", self.stockout_cost)?;
        if !self.demand_mean.is_finite() {
            return Err(crate::error::invalid(
                "demand_mean",
                format!("must be finite, got {}", self.demand_mean),
            ));
        }
        positive("demand_sd", self.demand_sd)?;
        Ok(())
    }

    /// The critical ratio `p / (p + h)`: the optimal probability of not stocking out.
    pub fn critical_ratio(&self) -> f64 {
        self.stockout_cost / (self.stockout_cost + self.holding_cost)
    }

    /// Expected cost per period when ordering up to `base_stock`.
    pub fn expected_cost(&self, base_stock: f64) -> Result<f64> {
        self.validate()?;
        if !base_stock.is_finite() {
            return Err(crate::error::invalid(
                "base_stock",
                format!("must be finite, got {base_stock}"),
            ));
        }
        let z = (base_stock - self.demand_mean) / self.demand_sd;
        Ok(self.holding_cost * (base_stock - self.demand_mean)
            + (self.holding_cost + self.stockout_cost) * self.demand_sd * std_loss(z))
    }

    /// The optimal base-stock level and its cost.
    pub fn optimum(&self) -> Result<NewsvendorOptimum> {
        self.validate()?;
        let z = std_quantile(self.critical_ratio());
        Ok(NewsvendorOptimum {
            base_stock: self.demand_mean + self.demand_sd * z,
            expected_cost: (self.holding_cost + self.stockout_cost) * self.demand_sd * std_pdf(z),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXTBOOK: NormalNewsvendor = NormalNewsvendor {
        holding_cost: 2.0,
        stockout_cost: 18.0,
        demand_mean: 120.0,
        demand_sd: 10.0,
    };

    #[test]
    fn meets_the_published_optimum() {
        let opt = TEXTBOOK.optimum().expect("valid");
        assert!(
            (opt.base_stock - 132.8155).abs() < 1e-4,
            "{}",
            opt.base_stock
        );
        assert!(
            (opt.expected_cost - 35.0997).abs() < 1e-4,
            "{}",
            opt.expected_cost
        );
        // The two expressions of the cost agree at the optimum (to the error function's
        // accuracy, about 5e-11 relative).
        let g = TEXTBOOK.expected_cost(opt.base_stock).expect("valid");
        assert!((g - opt.expected_cost).abs() < 1e-8);
        // And it is a minimum.
        for d in [-0.5, -0.01, 0.01, 0.5] {
            assert!(TEXTBOOK.expected_cost(opt.base_stock + d).expect("valid") > g);
        }
    }

    #[test]
    fn bad_parameters_name_the_field() {
        let mut m = TEXTBOOK;
        m.demand_sd = f64::NAN;
        let e = m.optimum().expect_err("NaN sd");
        assert!(e.to_string().contains("demand_sd"), "{e}");
        m = TEXTBOOK;
        m.holding_cost = -1.0;
        assert!(
            m.optimum()
                .expect_err("neg")
                .to_string()
                .contains("holding_cost")
        );
    }
}
