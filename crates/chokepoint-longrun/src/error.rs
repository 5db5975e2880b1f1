//! Errors of the long-run engine: each names the field of the scenario or dataset record at
//! fault.

/// A long-run input that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LongRunError {
    /// A scenario field names something the world does not have, or is inconsistent with it.
    #[error("field `{field}`: {message}")]
    Scenario { field: String, message: String },
    /// The world lacks what the mode needs.
    #[error("dataset: {0}")]
    Data(String),
    /// The stock model refused its inputs.
    #[error("stock model: {0}")]
    Stocks(String),
}
