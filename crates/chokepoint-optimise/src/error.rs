//! The crate's one error type.
//!
//! Every failure is a value, never a panic: bad input is [`OptimiseError::Invalid`] naming the
//! field in the caller's terms (`candidates[2].acquisition_cost_per_tonne`), and anything HiGHS
//! does not solve to optimality, or solves to a point that fails our own feasibility re-check, is
//! reported with HiGHS's status or the violated constraint. Front ends map `Invalid` to "bad
//! input" (exit code 2 in the CLI) and the others to a failed run.

use thiserror::Error;

/// What went wrong in an optimisation.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum OptimiseError {
    /// An input failed validation. `field` names it as the caller wrote it.
    #[error("invalid `{field}`: {reason}")]
    Invalid {
        /// The offending field, e.g. `paths[3].weight`.
        field: String,
        /// What was expected and what was found.
        reason: String,
    },
    /// HiGHS refused the model or stopped without proving optimality.
    #[error("HiGHS did not solve the {program} to optimality: {status}")]
    NotOptimal {
        /// Which program (e.g. "stockpile program").
        program: &'static str,
        /// HiGHS's model status, or the failing call.
        status: String,
    },
    /// The program would exceed HiGHS's 32-bit index range.
    #[error("the {program} is too large for HiGHS: {count} {what} (limit {limit})")]
    TooLarge {
        /// Which program.
        program: &'static str,
        /// "rows", "columns" or "nonzeros".
        what: &'static str,
        /// How many there would be.
        count: usize,
        /// HiGHS's limit.
        limit: usize,
    },
    /// HiGHS reported an optimum, but the point it returned violates a constraint of the
    /// program by more than the tolerance when re-checked here.
    #[error("HiGHS's solution of the {program} violates {constraint} by {violation:.3e}")]
    SolutionCheck {
        /// Which program.
        program: &'static str,
        /// The violated constraint, in the program's terms.
        constraint: String,
        /// By how much (absolute, in the constraint's units).
        violation: f64,
    },
    /// The program has no feasible point, found before HiGHS is asked: `constraint` names the
    /// constraint that cannot be met and `detail` gives the numbers.
    #[error("the {program} is infeasible: {constraint} cannot be met ({detail})")]
    Infeasible {
        /// Which program.
        program: &'static str,
        /// The binding constraint, in the program's terms.
        constraint: String,
        /// The figures that make it unmeetable.
        detail: String,
    },
    /// A numerical procedure (root bracketing in the Clark-Scarf recursion) failed to converge.
    #[error("{what} did not converge: {detail}")]
    NoConvergence {
        /// The procedure.
        what: &'static str,
        /// Where it stopped.
        detail: String,
    },
}

/// Result with [`OptimiseError`].
pub type Result<T> = std::result::Result<T, OptimiseError>;

/// Builds an [`OptimiseError::Invalid`].
pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> OptimiseError {
    OptimiseError::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// `value` must be finite and `>= 0`.
pub(crate) fn non_negative(field: impl Into<String>, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(invalid(
            field,
            format!("must be a finite number >= 0, got {value}"),
        ))
    }
}

/// `value` must be finite and `> 0`.
pub(crate) fn positive(field: impl Into<String>, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(invalid(
            field,
            format!("must be a finite number > 0, got {value}"),
        ))
    }
}

/// `value` must be a probability in `[lo, hi]` given as a closed range check by the caller's
/// wording (`open_low`/`open_high` exclude the ends).
pub(crate) fn probability(
    field: impl Into<String>,
    value: f64,
    open_low: bool,
    open_high: bool,
) -> Result<f64> {
    let low_ok = if open_low { value > 0.0 } else { value >= 0.0 };
    let high_ok = if open_high { value < 1.0 } else { value <= 1.0 };
    if value.is_finite() && low_ok && high_ok {
        Ok(value)
    } else {
        let range = format!(
            "{}0, 1{}",
            if open_low { "(" } else { "[" },
            if open_high { ")" } else { "]" }
        );
        Err(invalid(
            field,
            format!("must be a probability in {range}, got {value}"),
        ))
    }
}
