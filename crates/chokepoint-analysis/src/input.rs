//! Inputs with provenance.
//!
//! Published criticality methods need numbers the dataset does not hold (substitution indices,
//! end-of-life recycling input rates, sector value added, import reliance). The caller passes each
//! one explicitly as an [`Input`] that says where it came from; an input nobody sourced is
//! [`Origin::NotSourced`] and carries no value, so a score that needs it reports "input not
//! sourced" instead of silently defaulting. Invariant: `value` is `None` exactly when the origin
//! is `NotSourced`, and every present value is finite.

use serde::Serialize;
use std::fmt;

/// Where an input value comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum Origin {
    /// Read in a cited source (the string cites it).
    Sourced(String),
    /// Calculated from sourced figures (the string says how).
    Derived(String),
    /// A modelling assumption (the string gives the rationale).
    Assumption(String),
    /// Recalled, not checked against a source.
    Memory(String),
    /// Nobody has sourced it; the value is absent.
    NotSourced,
}

impl Origin {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Sourced(_) => "sourced",
            Self::Derived(_) => "derived",
            Self::Assumption(_) => "assumption",
            Self::Memory(_) => "memory",
            Self::NotSourced => "not sourced",
        }
    }

    pub fn detail(&self) -> &str {
        match self {
            Self::Sourced(s) | Self::Derived(s) | Self::Assumption(s) | Self::Memory(s) => s,
            Self::NotSourced => "",
        }
    }

    /// Whether a number with this origin was read in or calculated from a source.
    pub fn is_sourced(&self) -> bool {
        matches!(self, Self::Sourced(_) | Self::Derived(_))
    }
}

/// A named number and its provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Input {
    pub name: String,
    pub value: Option<f64>,
    pub origin: Origin,
}

impl Input {
    fn with(name: &str, value: f64, origin: Origin) -> Self {
        // A non-finite number cannot be a sourced value; treat it as missing rather than
        // propagating NaN into a score.
        if value.is_finite() {
            Self {
                name: name.to_string(),
                value: Some(value),
                origin,
            }
        } else {
            Self::not_sourced(name)
        }
    }

    pub fn sourced(name: &str, value: f64, citation: impl Into<String>) -> Self {
        Self::with(name, value, Origin::Sourced(citation.into()))
    }

    pub fn derived(name: &str, value: f64, how: impl Into<String>) -> Self {
        Self::with(name, value, Origin::Derived(how.into()))
    }

    pub fn assumption(name: &str, value: f64, why: impl Into<String>) -> Self {
        Self::with(name, value, Origin::Assumption(why.into()))
    }

    pub fn memory(name: &str, value: f64, note: impl Into<String>) -> Self {
        Self::with(name, value, Origin::Memory(note.into()))
    }

    pub fn not_sourced(name: &str) -> Self {
        Self {
            name: name.to_string(),
            value: None,
            origin: Origin::NotSourced,
        }
    }

    pub fn is_present(&self) -> bool {
        self.value.is_some()
    }

    /// The value when it lies in `[min, max]`; an error naming the input otherwise.
    pub fn checked(&self, min: f64, max: f64) -> Result<Option<f64>, crate::AnalysisError> {
        match self.value {
            Some(v) if !(min..=max).contains(&v) => Err(crate::AnalysisError::InputOutOfRange {
                name: self.name.clone(),
                value: v,
                min,
                max,
            }),
            v => Ok(v),
        }
    }
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value {
            Some(v) => write!(f, "{} = {v:.4} ({}", self.name, self.origin.label())?,
            None => return write!(f, "{} = input not sourced", self.name),
        }
        let d = self.origin.detail();
        if d.is_empty() {
            write!(f, ")")
        } else {
            write!(f, ": {d})")
        }
    }
}

/// A score that may be missing inputs. `Computed` carries the value and whether any input was
/// an assumption or from memory; `NotSourced` names the missing inputs, and `upper_bound` is set
/// when the missing factors are bounded by the method (e.g. JRC's SI and (1 - EoL-RIR) are at
/// most 1, so the rest of the product bounds the score from above).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Score {
    Computed {
        value: f64,
        uses_unsourced: bool,
    },
    NotSourced {
        missing: Vec<String>,
        upper_bound: Option<f64>,
    },
}

impl Score {
    pub fn value(&self) -> Option<f64> {
        match self {
            Self::Computed { value, .. } => Some(*value),
            Self::NotSourced { .. } => None,
        }
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Computed {
                value,
                uses_unsourced: false,
            } => write!(f, "{value:.3}"),
            Self::Computed {
                value,
                uses_unsourced: true,
            } => {
                write!(f, "{value:.3} (uses assumptions)")
            }
            Self::NotSourced {
                missing,
                upper_bound,
            } => {
                write!(f, "input not sourced: {}", missing.join(", "))?;
                if let Some(b) = upper_bound {
                    write!(f, " (<= {b:.3})")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_sourced_has_no_value_and_says_so() {
        let i = Input::not_sourced("EoL-RIR");
        assert!(!i.is_present());
        assert_eq!(i.to_string(), "EoL-RIR = input not sourced");
        assert!(Input::sourced("x", f64::NAN, "c").value.is_none());
    }

    #[test]
    fn range_check_names_the_input() {
        let i = Input::assumption("SI_SR", 1.5, "test");
        assert!(matches!(
            i.checked(0.0, 1.0),
            Err(crate::AnalysisError::InputOutOfRange { .. })
        ));
        assert_eq!(
            Input::derived("IR", 0.5, "t").checked(0.0, 1.0),
            Ok(Some(0.5))
        );
    }
}
