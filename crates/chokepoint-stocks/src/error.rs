//! Errors of the stock models: every one names the field (and the index, for a series) that was
//! wrong and says what was expected.

/// Why a stock model could not be built or run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StockError {
    /// A scalar parameter outside its domain (a lifetime parameter, a rate, a yield).
    #[error("{field}: {value} is not valid, expected {expected}")]
    Parameter {
        /// The parameter, e.g. `lifetime.std` or `collection_rate[2]`.
        field: String,
        /// The value given.
        value: f64,
        /// What the field accepts.
        expected: &'static str,
    },
    /// A value of a time series that is negative, NaN or infinite.
    #[error("{field}[{index}] = {value}: expected a finite number >= 0")]
    Series {
        /// The series, e.g. `inflow` or `stock`.
        field: String,
        /// Its time index (0 = the first year).
        index: usize,
        /// The value given.
        value: f64,
    },
    /// A series or table of the wrong length.
    #[error("{field}: expected {expected} values, got {got}")]
    Length {
        /// The series or table.
        field: String,
        /// The length the model needs.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// A model over zero years.
    #[error("years: a stock model needs at least one year")]
    NoYears,
    /// The stock-driven model divides by the share of a cohort that survives its year of entry.
    #[error(
        "lifetime: a cohort keeps {survival} of itself to the end of its year of entry, so a stock \
         cannot determine the inflow (the stock-driven model needs it > 0)"
    )]
    NoEntryYearSurvival {
        /// The survival at the end of the entry year.
        survival: f64,
    },
}

pub(crate) fn check_series(field: &str, values: &[f64], len: usize) -> Result<(), StockError> {
    if values.len() != len {
        return Err(StockError::Length {
            field: field.to_owned(),
            expected: len,
            got: values.len(),
        });
    }
    match values.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        Some(index) => Err(StockError::Series {
            field: field.to_owned(),
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

pub(crate) fn check_share(field: &str, value: f64, positive: bool) -> Result<(), StockError> {
    let ok = value.is_finite() && value <= 1.0 && if positive { value > 0.0 } else { value >= 0.0 };
    if ok {
        Ok(())
    } else {
        Err(StockError::Parameter {
            field: field.to_owned(),
            value,
            expected: if positive {
                "a share in (0, 1]"
            } else {
                "a share in [0, 1]"
            },
        })
    }
}
