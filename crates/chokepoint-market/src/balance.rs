//! The balance of one market in one period, and its shortage ratio.
//!
//! Quantities are in the material's unit (tonnes for oxides). `demand` is what the market's
//! buyers take in the baseline (the policy-free twin); `gap` is the baseline's arrivals minus
//! the scenario's (negative: more arrived than in the baseline, a surplus); `release` is what
//! stockpiles put on this market in the period. A release offsets a shortfall, never more: it
//! cannot turn a shortage into a surplus, and does nothing in a period without a shortfall.

use serde::Serialize;

/// One period of one market.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Period {
    pub demand: f64,
    pub gap: f64,
    pub release: f64,
}

impl Period {
    /// The shortfall left after releases (negative: a surplus).
    pub fn net_gap(&self) -> f64 {
        if self.gap > 0.0 {
            (self.gap - self.release.max(0.0)).max(0.0)
        } else {
            self.gap
        }
    }

    /// What the buyers got: the baseline quantity less the net shortfall (more with a surplus).
    pub fn bought(&self) -> f64 {
        (self.demand - self.net_gap()).max(0.0)
    }
}

/// `net_gap / demand`; 0 for a market with no baseline demand in the period.
pub fn shortage_ratio(p: &Period) -> f64 {
    if p.demand > 0.0 && p.demand.is_finite() {
        p.net_gap() / p.demand
    } else {
        0.0
    }
}

/// Spreads `total` released units over the periods in proportion to their shortfalls (positive
/// gaps), never more than a period's shortfall: period t gets
/// `min(total, sum of gaps) * gap_t / sum of gaps`. Nothing is placed when no period is short.
/// (The kernel reports a stockpile's release as a total per replication; the market sees it
/// where the market was short.)
pub fn spread_release(total: f64, gaps: &[f64]) -> Vec<f64> {
    let short: f64 = gaps.iter().map(|g| g.max(0.0)).sum();
    if short <= 0.0 || total <= 0.0 || !total.is_finite() {
        return vec![0.0; gaps.len()];
    }
    let placed = total.min(short);
    gaps.iter().map(|g| placed * g.max(0.0) / short).collect()
}
