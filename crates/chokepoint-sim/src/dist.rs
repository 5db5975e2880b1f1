//! Small distributions used for exogenous randomness (demand, disruption episodes, licence
//! review times).
//!
//! Kept deliberately small and plain-data so that a rules engine can construct them. All
//! sampling goes through the caller's RNG so that a replication's draws depend only on its own
//! stream.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

/// A univariate distribution.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    /// Always this value.
    Const(f64),
    /// Uniform on `[lo, hi)`.
    Uniform {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// Exponential with this mean.
    Exponential {
        /// Mean.
        mean: f64,
    },
    /// Triangular on `[lo, hi]` with the given mode.
    Triangular {
        /// Lower bound.
        lo: f64,
        /// Mode.
        mode: f64,
        /// Upper bound.
        hi: f64,
    },
    /// Normal, truncated at zero by `max(0, x)` (stockpyl's convention for demand).
    Normal {
        /// Mean before truncation.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Uniform choice among the listed values.
    Empirical(Vec<f64>),
}

impl Dist {
    /// Checks parameters; `what` names the field in the error message.
    pub(crate) fn check(&self) -> Result<(), String> {
        let fin = |x: f64, n: &str| {
            if x.is_finite() {
                Ok(())
            } else {
                Err(format!("{n} must be finite, got {x}"))
            }
        };
        match self {
            Dist::Const(v) => fin(*v, "value"),
            Dist::Uniform { lo, hi } => {
                fin(*lo, "lo")?;
                fin(*hi, "hi")?;
                if lo > hi {
                    return Err(format!("lo ({lo}) > hi ({hi})"));
                }
                Ok(())
            }
            Dist::Exponential { mean } => {
                fin(*mean, "mean")?;
                if *mean < 0.0 {
                    return Err(format!("mean must be >= 0, got {mean}"));
                }
                Ok(())
            }
            Dist::Triangular { lo, mode, hi } => {
                fin(*lo, "lo")?;
                fin(*mode, "mode")?;
                fin(*hi, "hi")?;
                if !(lo <= mode && mode <= hi) {
                    return Err(format!("need lo <= mode <= hi, got {lo}, {mode}, {hi}"));
                }
                Ok(())
            }
            Dist::Normal { mean, sd } => {
                fin(*mean, "mean")?;
                fin(*sd, "sd")?;
                if *sd < 0.0 {
                    return Err(format!("sd must be >= 0, got {sd}"));
                }
                Ok(())
            }
            Dist::Empirical(v) => {
                if v.is_empty() {
                    return Err("empirical distribution has no values".into());
                }
                v.iter().try_for_each(|x| fin(*x, "value"))
            }
        }
    }

    /// Smallest value the distribution can produce (used to reject negative durations).
    pub(crate) fn min_value(&self) -> f64 {
        match self {
            Dist::Const(v) => *v,
            Dist::Uniform { lo, .. } | Dist::Triangular { lo, .. } => *lo,
            Dist::Exponential { .. } | Dist::Normal { .. } => 0.0,
            Dist::Empirical(v) => v.iter().copied().fold(f64::INFINITY, f64::min),
        }
    }

    /// Draws one value.
    // always inlined: the kernels draw demand once per sink per period per replication, and a
    // call per draw cost the lane-batched kernel about 5% on layered networks
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Const(v) => *v,
            Dist::Uniform { lo, hi } => lo + (hi - lo) * rng.random::<f64>(),
            Dist::Exponential { mean } => -mean * (1.0 - rng.random::<f64>()).ln(),
            Dist::Triangular { lo, mode, hi } => {
                let u: f64 = rng.random();
                let w = hi - lo;
                if w <= 0.0 {
                    return *lo;
                }
                let fc = (mode - lo) / w;
                if u < fc {
                    lo + (u * w * (mode - lo)).sqrt()
                } else {
                    hi - ((1.0 - u) * w * (hi - mode)).sqrt()
                }
            }
            Dist::Normal { mean, sd } => {
                // `Distribution::sample` directly (what `RngExt::sample` calls): the same draws,
                // but it inlines, which saves a call per draw in the batched kernel
                let z: f64 = StandardNormal.sample(rng);
                (mean + sd * z).max(0.0)
            }
            Dist::Empirical(v) => {
                // `check` guarantees a non-empty list.
                let i = rng.random_range(0..v.len());
                v[i]
            }
        }
    }

    /// Draws a whole number of periods (rounded, at least 0).
    #[inline]
    pub(crate) fn sample_periods<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        let x = self.sample(rng).round();
        if x <= 0.0 {
            0
        } else if x >= f64::from(u32::MAX / 2) {
            u32::MAX / 2
        } else {
            x as u32
        }
    }
}
