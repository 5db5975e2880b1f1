//! Errors of the analysis engine. Every message names the offending value and what was expected,
//! so the CLI can print it as is.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum AnalysisError {
    #[error("unknown sector `{given}`; known sectors: {known}")]
    UnknownSector { given: String, known: String },
    #[error(
        "unknown region `{given}`; expected a region code from regions.csv or an ISO3 country code in the dataset (known regions: {known})"
    )]
    UnknownRegion { given: String, known: String },
    #[error("unknown element `{given}`; expected a symbol such as Nd, Dy, or a group LREE/HREE")]
    UnknownElement { given: String },
    #[error(
        "sector `{sector}` has no end product in the network (sectors.csv `end_product` is empty), so lost output cannot be measured"
    )]
    NoEndProduct { sector: String },
    #[error("no facility in the dataset makes `{material}`, the end product of sector `{sector}`")]
    NoSink { sector: String, material: String },
    #[error("scenario: {0}")]
    Scenario(String),
    #[error("duration must be at least 1 day; got {0}")]
    ZeroDuration(u32),
    #[error("replications must be at least 1; got {0}")]
    ZeroReplications(usize),
    #[error("runner returned {got} replications; expected {expected}")]
    ReplicationCount { expected: usize, got: usize },
    #[error("runner returned a non-finite or negative lost output ({value}) for {node}")]
    BadLoss { node: String, value: f64 },
    #[error("invalid input `{name}`: {value} is outside [{min}, {max}]")]
    InputOutOfRange {
        name: String,
        value: f64,
        min: f64,
        max: f64,
    },
    #[error("malformed embedded table {table}, line {line}: {message}")]
    EmbeddedTable {
        table: &'static str,
        line: usize,
        message: String,
    },
    #[error("simulation runner failed: {0}")]
    Runner(String),
}
