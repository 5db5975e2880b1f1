//! Product lifetimes and the survival function S(age) = P(lifetime > age), in flodym 1.1.0's
//! parameterisation (peers README §3.1):
//!
//! * `Fixed { mean }`: a cohort is in use while its age is strictly below `mean`. With
//!   mid-year entry, a lifetime of 3 is still there at the end of years 0, 1 and 2 (ages 0.5,
//!   1.5, 2.5) and gone at the end of year 3 (age 3.5).
//! * `Normal { mean, std }`: untruncated; the probability of a negative lifetime leaves in the
//!   year of entry (it is part of `1 − S` at the end of that year).
//! * `LogNormal { mean, std }`: `mean` and `std` are those of the lognormal itself, not of its
//!   logarithm: σ = √ln(1 + std²/mean²), μ = ln(mean²/√(mean² + std²)).
//! * `Weibull { scale, shape }`: S(a) = exp(−(a/scale)^shape).
//!
//! For the lognormal and the Weibull, S(a) = 1 for a ≤ 0 (their support starts at 0).
//!
//! [`InflowAt`] says where in its year a cohort enters: at the start, in the middle (flodym's
//! default) or at the end. The survival a model uses at the end of year `t` for the cohort of
//! year `c` is S(t − c + 1), S(t − c + ½) or S(t − c) respectively.
//!
//! **Numerics.** The error functions come from the `libm` crate (musl's, accurate to about an
//! ulp). `statrs` 0.18's `erf` is accurate to about 1e-10 only, which moved the outflows of the
//! flodym case by up to 1e-10 relative, so it is not used here. The standard normal survival
//! is assembled the way scipy's `ndtr` assembles it (0.5 + 0.5·erf(x/√2) near the centre,
//! 0.5·erfc(|x|/√2) in the tails, reflected as 1 − that on the far side). That structure, not
//! the erf itself, decides the last bits of S near 1, and flodym's outflow shares are 1 − S and
//! differences of S, so matching the structure is what lets us reproduce flodym's outflows.

use crate::error::StockError;

/// Where in its year a cohort's inflow enters the stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InflowAt {
    /// At the start of the year: at the end of its first year a cohort is one year old.
    Start,
    /// Mid-year (flodym's default): half a year old at the end of its first year.
    #[default]
    Middle,
    /// At the end of the year: age zero at the end of its first year.
    End,
}

impl InflowAt {
    /// The age of a cohort at the end of its year of entry.
    pub fn age_at_end_of_entry_year(self) -> f64 {
        match self {
            InflowAt::Start => 1.0,
            InflowAt::Middle => 0.5,
            InflowAt::End => 0.0,
        }
    }
}

/// A product lifetime distribution (flodym's parameterisation; see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lifetime {
    /// Every unit leaves when its age reaches `mean` years.
    Fixed {
        /// The lifetime in years, >= 0.
        mean: f64,
    },
    /// Normal lifetime, untruncated.
    Normal {
        /// Mean in years, >= 0.
        mean: f64,
        /// Standard deviation in years, > 0.
        std: f64,
    },
    /// Lognormal lifetime given by its own mean and standard deviation.
    LogNormal {
        /// Mean of the lifetime in years, > 0.
        mean: f64,
        /// Standard deviation of the lifetime in years, > 0.
        std: f64,
    },
    /// Weibull lifetime.
    Weibull {
        /// Scale parameter in years, > 0.
        scale: f64,
        /// Shape parameter, > 0.
        shape: f64,
    },
}

fn parameter(field: &str, value: f64, ok: bool, expected: &'static str) -> Result<(), StockError> {
    if ok && value.is_finite() {
        Ok(())
    } else {
        Err(StockError::Parameter {
            field: field.to_owned(),
            value,
            expected,
        })
    }
}

impl Lifetime {
    /// Checks the parameters; errors name the field (`lifetime.mean`, `lifetime.std`,
    /// `lifetime.scale`, `lifetime.shape`).
    pub fn validate(&self) -> Result<(), StockError> {
        match *self {
            Lifetime::Fixed { mean } => {
                parameter("lifetime.mean", mean, mean >= 0.0, "a finite number >= 0")
            }
            Lifetime::Normal { mean, std } => {
                parameter("lifetime.mean", mean, mean >= 0.0, "a finite number >= 0")?;
                parameter("lifetime.std", std, std > 0.0, "a finite number > 0")
            }
            Lifetime::LogNormal { mean, std } => {
                parameter("lifetime.mean", mean, mean > 0.0, "a finite number > 0")?;
                parameter("lifetime.std", std, std > 0.0, "a finite number > 0")
            }
            Lifetime::Weibull { scale, shape } => {
                parameter("lifetime.scale", scale, scale > 0.0, "a finite number > 0")?;
                parameter("lifetime.shape", shape, shape > 0.0, "a finite number > 0")
            }
        }
    }

    /// The survival function S(age) = P(lifetime > age) (for `Fixed`, 1 while age < mean).
    /// Assumes [`Lifetime::validate`] passed.
    pub fn survival(&self, age: f64) -> f64 {
        Survival::new(self).at(age)
    }
}

/// A lifetime with its derived constants computed once (the lognormal's μ and σ).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Survival {
    Fixed { mean: f64 },
    Normal { mean: f64, std: f64 },
    LogNormal { scale: f64, sigma: f64 },
    Weibull { scale: f64, shape: f64 },
}

impl Survival {
    pub(crate) fn new(lifetime: &Lifetime) -> Self {
        match *lifetime {
            Lifetime::Fixed { mean } => Survival::Fixed { mean },
            Lifetime::Normal { mean, std } => Survival::Normal { mean, std },
            Lifetime::LogNormal { mean, std } => {
                // The lognormal's own mean and SD to the parameters of its logarithm, in the
                // order of operations flodym uses.
                let mean_square = mean * mean;
                let std_square = std * std;
                let mu = (mean_square / (mean_square + std_square).sqrt()).ln();
                let sigma = (1.0 + std_square / mean_square).ln().sqrt();
                Survival::LogNormal {
                    scale: mu.exp(),
                    sigma,
                }
            }
            Lifetime::Weibull { scale, shape } => Survival::Weibull { scale, shape },
        }
    }

    pub(crate) fn at(&self, age: f64) -> f64 {
        match *self {
            Survival::Fixed { mean } => {
                if age < mean {
                    1.0
                } else {
                    0.0
                }
            }
            Survival::Normal { mean, std } => standard_normal_cdf(-((age - mean) / std)),
            Survival::LogNormal { scale, sigma } => {
                let x = age / scale;
                if x <= 0.0 {
                    1.0
                } else {
                    standard_normal_cdf(-(x.ln() / sigma))
                }
            }
            Survival::Weibull { scale, shape } => {
                let x = age / scale;
                if x <= 0.0 {
                    1.0
                } else {
                    (-x.powf(shape)).exp()
                }
            }
        }
    }
}

/// Φ(a), the standard normal distribution function. Written out (rather than calling
/// `statrs::distribution::Normal::cdf`) to fix how it is assembled from erf and erfc, which
/// decides the last bits near 0 and 1 (see the module docs), and to use libm's erf/erfc.
fn standard_normal_cdf(a: f64) -> f64 {
    use libm::{erf, erfc};
    let x = a * std::f64::consts::FRAC_1_SQRT_2;
    let z = x.abs();
    if z < std::f64::consts::FRAC_1_SQRT_2 {
        0.5 + 0.5 * erf(x)
    } else {
        let tail = 0.5 * erfc(z);
        if x > 0.0 { 1.0 - tail } else { tail }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_survival_matches_the_normal_table() {
        // Φ(1) = 0.8413447460685429 (Abramowitz & Stegun 26.2), so S(mean + std) = 1 − Φ(1).
        let l = Lifetime::Normal {
            mean: 10.0,
            std: 2.0,
        };
        assert!((l.survival(12.0) - 0.15865525393145707).abs() < 1e-15);
        assert!((l.survival(8.0) - 0.8413447460685429).abs() < 1e-15);
        assert_eq!(l.survival(10.0), 0.5);
    }

    #[test]
    fn lognormal_median_is_exp_mu() {
        // The median of a lognormal is exp(μ) = mean²/√(mean² + std²).
        let (m, s) = (5.0_f64, 2.0_f64);
        let median = m * m / (m * m + s * s).sqrt();
        let l = Lifetime::LogNormal { mean: m, std: s };
        assert!((l.survival(median) - 0.5).abs() < 1e-15);
        assert_eq!(l.survival(0.0), 1.0);
    }

    #[test]
    fn weibull_survival_at_the_scale_is_exp_minus_one() {
        let l = Lifetime::Weibull {
            scale: 25.0,
            shape: 3.5,
        };
        assert!((l.survival(25.0) - (-1.0f64).exp()).abs() < 1e-15);
        assert_eq!(l.survival(0.0), 1.0);
    }

    #[test]
    fn fixed_lifetime_is_a_step_strictly_below_the_mean() {
        let l = Lifetime::Fixed { mean: 3.0 };
        assert_eq!(l.survival(2.5), 1.0);
        assert_eq!(l.survival(3.0), 0.0);
    }

    #[test]
    fn bad_parameters_name_their_field() {
        let e = Lifetime::Normal {
            mean: 5.0,
            std: 0.0,
        }
        .validate()
        .unwrap_err();
        assert!(matches!(e, StockError::Parameter { ref field, .. } if field == "lifetime.std"));
        let e = Lifetime::Weibull {
            scale: f64::NAN,
            shape: 1.0,
        }
        .validate()
        .unwrap_err();
        assert!(matches!(e, StockError::Parameter { ref field, .. } if field == "lifetime.scale"));
        assert!(
            Lifetime::LogNormal {
                mean: 0.0,
                std: 1.0
            }
            .validate()
            .is_err()
        );
    }
}
