//! Unit newtypes: tonnes, US dollars, days, shares.
//!
//! Invariant: every value held by these types is finite, and the quantity types are non-negative.
//! Constructors return [`UnitError`] instead of clamping, so bad data surfaces where it was read.

use serde::Serialize;
use std::fmt;
use std::ops::{Add, AddAssign, Mul, Sub};

/// Why a raw number was refused as a quantity.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UnitError {
    #[error("{value} is not a finite number")]
    NonFinite { value: f64 },
    #[error("{value} is negative; expected a quantity >= 0")]
    Negative { value: f64 },
    #[error("{value} is outside [{min}, {max}]")]
    OutOfRange { value: f64, min: f64, max: f64 },
}

fn check_non_negative(value: f64) -> Result<f64, UnitError> {
    if !value.is_finite() {
        return Err(UnitError::NonFinite { value });
    }
    if value < 0.0 {
        return Err(UnitError::Negative { value });
    }
    Ok(value)
}

macro_rules! quantity {
    ($(#[$doc:meta])* $name:ident, $unit:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize)]
        #[serde(transparent)]
        pub struct $name(f64);

        impl $name {
            pub const ZERO: Self = Self(0.0);

            /// A finite, non-negative amount.
            pub fn new(value: f64) -> Result<Self, UnitError> {
                check_non_negative(value).map(Self)
            }

            pub fn value(self) -> f64 {
                self.0
            }
        }

        impl Add for $name {
            type Output = Self;
            fn add(self, rhs: Self) -> Self {
                Self(self.0 + rhs.0)
            }
        }

        impl AddAssign for $name {
            fn add_assign(&mut self, rhs: Self) {
                self.0 += rhs.0;
            }
        }

        impl Sub for $name {
            /// Subtraction of amounts can go negative (a balance), so it yields a plain number.
            type Output = f64;
            fn sub(self, rhs: Self) -> f64 {
                self.0 - rhs.0
            }
        }

        impl Mul<f64> for $name {
            type Output = f64;
            fn mul(self, rhs: f64) -> f64 {
                self.0 * rhs
            }
        }

        impl std::iter::Sum for $name {
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                Self(iter.map(|q| q.0).sum())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} {}", self.0, $unit)
            }
        }
    };
}

quantity!(
    /// Metric tonnes of a material (or of rare-earth oxide equivalent, when the material's unit says so).
    Tonnes,
    "t"
);
quantity!(
    /// US dollars (nominal).
    Usd,
    "USD"
);
quantity!(
    /// A count of pieces (motors, vehicles, turbines).
    Units,
    "units"
);

/// A whole number of days (lead times, review times, durations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct Days(pub u32);

impl Days {
    /// Accepts whole, non-negative day counts only; fractional days would silently round otherwise.
    pub fn from_f64(value: f64) -> Result<Self, UnitError> {
        let v = check_non_negative(value)?;
        if v.fract() != 0.0 || v > f64::from(u32::MAX) {
            return Err(UnitError::OutOfRange {
                value,
                min: 0.0,
                max: f64::from(u32::MAX),
            });
        }
        Ok(Days(v as u32))
    }
}

impl fmt::Display for Days {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} d", self.0)
    }
}

/// A fraction in [0, 1]. Data files speak in percent; the model speaks in fractions.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize)]
#[serde(transparent)]
pub struct Share(f64);

impl Share {
    pub const ZERO: Self = Self(0.0);
    pub const ONE: Self = Self(1.0);

    pub fn from_fraction(value: f64) -> Result<Self, UnitError> {
        let v = check_non_negative(value)?;
        if v > 1.0 + 1e-12 {
            return Err(UnitError::OutOfRange {
                value,
                min: 0.0,
                max: 1.0,
            });
        }
        Ok(Self(v.min(1.0)))
    }

    pub fn from_percent(value: f64) -> Result<Self, UnitError> {
        if !value.is_finite() {
            return Err(UnitError::NonFinite { value });
        }
        if !(0.0..=100.0 + 1e-9).contains(&value) {
            return Err(UnitError::OutOfRange {
                value,
                min: 0.0,
                max: 100.0,
            });
        }
        Ok(Self((value / 100.0).min(1.0)))
    }

    pub fn fraction(self) -> f64 {
        self.0
    }

    pub fn percent(self) -> f64 {
        self.0 * 100.0
    }
}

impl fmt::Display for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}%", self.0 * 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_refuse_negative_and_non_finite() {
        assert!(matches!(Tonnes::new(-1.0), Err(UnitError::Negative { .. })));
        assert!(matches!(
            Tonnes::new(f64::NAN),
            Err(UnitError::NonFinite { .. })
        ));
        assert!(matches!(
            Usd::new(f64::INFINITY),
            Err(UnitError::NonFinite { .. })
        ));
        assert_eq!(Tonnes::new(2.5).map(Tonnes::value), Ok(2.5));
    }

    #[test]
    fn shares_are_bounded() {
        assert!(Share::from_percent(100.5).is_err());
        assert!(Share::from_fraction(1.01).is_err());
        assert_eq!(Share::from_percent(48.5).map(Share::fraction), Ok(0.485));
    }

    #[test]
    fn days_must_be_whole() {
        assert!(Days::from_f64(1.5).is_err());
        assert_eq!(Days::from_f64(45.0), Ok(Days(45)));
    }
}
