//! The newsvendor (base-stock) model with Markov supply disruptions.
//!
//! The model (Snyder & Shen, *Fundamentals of Supply Chain Theory*, supply disruptions;
//! stockpyl's `supply_uncertainty.newsvendor_with_disruptions`): demand is `d` per period,
//! deterministic. The supplier is up or down; from up it goes down with probability `α`, from
//! down it comes back up with probability `β`, independently each period. In a period when the
//! supplier is up, inventory is raised to the base-stock level `S` at once (backorders are
//! filled first); when it is down nothing arrives. Holding costs `h` per unit left at the end of
//! a period, backorders `p` per unit short at the end of a period.
//!
//! Derivation. Let `K` be the number of consecutive disrupted periods up to and including the
//! current one (`K = 0` when the supplier is up). The last replenishment raised the inventory
//! level to `S` and `K + 1` periods of demand have been drawn since, so the period ends with
//! inventory level `S - (K + 1) d`, and the cost of the period is
//! `h (S - (K+1)d)⁺ + p ((K+1)d - S)⁺`: a newsvendor whose "demand" is `D = (K + 1) d`.
//! `K` is itself a Markov chain (up -> 0 or 1; k >= 1 -> 0 with probability `β`, else
//! `k + 1`), whose stationary distribution is
//!
//! ```text
//! π₀ = β / (α + β)             (the supplier is up)
//! πₖ = π₀ α (1 - β)^(k-1)      k >= 1
//! ```
//!
//! (balance: `π₁ = α π₀`, `πₖ₊₁ = (1 - β) πₖ`; the πₖ sum to `π₀ (1 + α / β) = 1`). The
//! long-run expected cost per period is `g(S) = h (S - E[D]) + (h + p) E[(D - S)⁺]`, with
//! `E[D] = d (1 + E[K])`, `E[K] = π₀ α / β²`, and the tail sum in closed form: with `m` the
//! number of values of `K` for which `(K + 1) d <= S`, i.e. `m = ⌊S / d⌋`, and `q = 1 - β`,
//!
//! ```text
//! Σ_{k >= m, k >= 1} πₖ ((k+1)d - S) = π₀ α q^(j-1) [ ((j+1)d - S) / β + d q / β² ],  j = max(m, 1)
//! ```
//!
//! plus `π₀ (d - S)` when `m = 0`. `g` is convex and piecewise linear with breakpoints at the
//! multiples of `d`, so the optimum is `S* = (n + 1) d` for the smallest `n` with
//! `P(K <= n) >= p / (p + h)`, where `P(K > n) = α (1 - β)ⁿ / (α + β)`.

use crate::error::{Result, invalid, non_negative, positive, probability};
use crate::textbook::NewsvendorOptimum;
use serde::{Deserialize, Serialize};

/// A base-stock (newsvendor) system whose supplier is disrupted as a two-state Markov chain.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DisruptionNewsvendor {
    /// Cost per unit on hand at the end of a period (`h`, > 0).
    pub holding_cost: f64,
    /// Cost per unit backordered at the end of a period (`p`, > 0).
    pub stockout_cost: f64,
    /// Demand per period (`d`, > 0, deterministic).
    pub demand: f64,
    /// Probability that an up supplier goes down in the next period (`α`, in [0, 1]).
    pub disruption_probability: f64,
    /// Probability that a down supplier comes back up in the next period (`β`, in (0, 1]).
    pub recovery_probability: f64,
}

impl DisruptionNewsvendor {
    /// Checks every parameter, naming the first bad one.
    pub fn validate(&self) -> Result<()> {
        positive("holding_cost", self.holding_cost)?;
        positive("stockout_cost", self.stockout_cost)?;
        positive("demand", self.demand)?;
        probability(
            "disruption_probability",
            self.disruption_probability,
            false,
            false,
        )?;
        probability(
            "recovery_probability",
            self.recovery_probability,
            true,
            false,
        )?;
        Ok(())
    }

    /// Long-run fraction of periods in which the supplier is up, `β / (α + β)`.
    pub fn up_probability(&self) -> f64 {
        let (a, b) = (self.disruption_probability, self.recovery_probability);
        b / (a + b)
    }

    /// Stationary probability that the current period is the `k`-th consecutive disrupted
    /// period (`k = 0`: the supplier is up).
    pub fn consecutive_disrupted_probability(&self, k: u64) -> f64 {
        let pi0 = self.up_probability();
        if k == 0 {
            pi0
        } else {
            pi0 * self.disruption_probability
                * (1.0 - self.recovery_probability).powf((k - 1) as f64)
        }
    }

    /// Stationary `P(K > n)`: more than `n` consecutive disrupted periods.
    pub fn more_than_disrupted_probability(&self, n: u64) -> f64 {
        let (a, b) = (self.disruption_probability, self.recovery_probability);
        a / (a + b) * (1.0 - b).powf(n as f64)
    }

    /// Expected cost per period (long run) at base-stock level `base_stock` (>= 0).
    pub fn expected_cost(&self, base_stock: f64) -> Result<f64> {
        self.validate()?;
        let s = non_negative("base_stock", base_stock)?;
        let (h, p, d) = (self.holding_cost, self.stockout_cost, self.demand);
        let (a, b) = (self.disruption_probability, self.recovery_probability);
        let q = 1.0 - b;
        let pi0 = self.up_probability();
        let mean_k = pi0 * a / (b * b);
        let mean_demand = d * (1.0 + mean_k);
        let m = (s / d).floor();
        let mut shortfall = 0.0;
        if m < 1.0 {
            shortfall += pi0 * (d - s);
        }
        let j = m.max(1.0);
        shortfall += pi0 * a * q.powf(j - 1.0) * (((j + 1.0) * d - s) / b + d * q / (b * b));
        Ok(h * (s - mean_demand) + (h + p) * shortfall)
    }

    /// The optimal base-stock level (the smallest optimal one, a multiple of `d`) and its cost.
    pub fn optimum(&self) -> Result<NewsvendorOptimum> {
        self.validate()?;
        let (h, p) = (self.holding_cost, self.stockout_cost);
        let ratio = p / (p + h);
        let (a, b) = (self.disruption_probability, self.recovery_probability);
        // Smallest n with P(K > n) = a/(a+b) (1-b)^n <= 1 - ratio.
        let n = if a == 0.0 || a / (a + b) <= 1.0 - ratio {
            0
        } else if b >= 1.0 {
            // (1 - b)^n = 0 for n >= 1.
            1
        } else {
            let guess = (((1.0 - ratio) * (a + b) / a).ln() / (1.0 - b).ln()).ceil();
            if !guess.is_finite() || guess > 1e15 {
                return Err(invalid(
                    "recovery_probability",
                    format!("{b} is too small: the optimal base stock is out of range"),
                ));
            }
            // Guard the logarithms' rounding: step to the exact smallest n.
            let mut n = guess as u64;
            while n > 0 && self.more_than_disrupted_probability(n - 1) <= 1.0 - ratio {
                n -= 1;
            }
            while self.more_than_disrupted_probability(n) > 1.0 - ratio {
                n += 1;
            }
            n
        };
        let base_stock = (n as f64 + 1.0) * self.demand;
        Ok(NewsvendorOptimum {
            base_stock,
            expected_cost: self.expected_cost(base_stock)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Snyder & Shen's instance (stockpyl `newsvendor_with_disruptions` docs).
    pub(crate) const TEXTBOOK: DisruptionNewsvendor = DisruptionNewsvendor {
        holding_cost: 0.25,
        stockout_cost: 3.0,
        demand: 2000.0,
        disruption_probability: 0.04,
        recovery_probability: 0.25,
    };

    #[test]
    fn meets_the_published_numbers() {
        let opt = TEXTBOOK.optimum().expect("valid");
        assert_eq!(opt.base_stock, 8000.0);
        assert!(
            (opt.expected_cost - 2737.069).abs() < 1e-3,
            "{}",
            opt.expected_cost
        );
        assert!((opt.expected_cost - 2737.0689655172).abs() < 1e-4);
        let at_1200 = TEXTBOOK.expected_cost(1200.0).expect("valid");
        assert!((at_1200 - 5710.345).abs() < 1e-3, "{at_1200}");
        assert!((at_1200 - 5710.3448275862).abs() < 1e-4);
        // The peers' other anchors (S = 2000 and 12000).
        assert!((TEXTBOOK.expected_cost(2000.0).expect("valid") - 3310.3448).abs() < 1e-4);
        assert!((TEXTBOOK.expected_cost(12000.0).expect("valid") - 3075.1616).abs() < 1e-4);
    }

    #[test]
    fn closed_form_equals_the_direct_sum_over_the_stationary_distribution() {
        for s in [0.0, 500.0, 1999.0, 2000.0, 7999.5, 8000.0, 8001.0, 31_234.0] {
            let mut direct = 0.0;
            for k in 0..2000u64 {
                let pk = TEXTBOOK.consecutive_disrupted_probability(k);
                let level = s - (k as f64 + 1.0) * TEXTBOOK.demand;
                direct += pk * (0.25 * level.max(0.0) + 3.0 * (-level).max(0.0));
            }
            let closed = TEXTBOOK.expected_cost(s).expect("valid");
            assert!(
                (closed - direct).abs() < 1e-8 * direct,
                "S = {s}: {closed} vs {direct}"
            );
        }
    }

    #[test]
    fn the_optimum_is_the_minimum_over_breakpoints() {
        let opt = TEXTBOOK.optimum().expect("valid");
        for k in 0..30 {
            let s = k as f64 * 1000.0;
            assert!(TEXTBOOK.expected_cost(s).expect("valid") >= opt.expected_cost - 1e-9);
        }
        // Never disrupted: order one period's demand.
        let calm = DisruptionNewsvendor {
            disruption_probability: 0.0,
            ..TEXTBOOK
        };
        let o = calm.optimum().expect("valid");
        assert_eq!(o.base_stock, 2000.0);
        assert!(o.expected_cost.abs() < 1e-12);
    }

    #[test]
    fn bad_parameters_name_the_field() {
        let m = DisruptionNewsvendor {
            recovery_probability: 0.0,
            ..TEXTBOOK
        };
        assert!(
            m.optimum()
                .expect_err("b=0")
                .to_string()
                .contains("recovery_probability")
        );
        let m = DisruptionNewsvendor {
            disruption_probability: 1.5,
            ..TEXTBOOK
        };
        assert!(
            m.optimum()
                .expect_err("a>1")
                .to_string()
                .contains("disruption_probability")
        );
        assert!(
            TEXTBOOK
                .expected_cost(-1.0)
                .expect_err("S<0")
                .to_string()
                .contains("base_stock")
        );
    }
}
