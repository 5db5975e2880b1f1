//! Configuration errors.
//!
//! Every error names the offending entity (node name, edge index with its endpoints, disruption
//! index, licence key) and the field, so a caller that derived the network from a scenario file
//! can point the user at the exact input that is wrong. The kernel never panics on bad user
//! input: validation happens once, in [`crate::NetworkBuilder::build`] and at the start of a run.

use thiserror::Error;

/// A network or run configuration that the kernel refuses to simulate.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ConfigError {
    /// A node field is out of range (negative cost, NaN base stock, ...).
    #[error("node `{node}`: field `{field}` is invalid: {reason}")]
    Node {
        /// Node name.
        node: String,
        /// Field name.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// An edge field is out of range or the edge refers to an unknown node.
    #[error("edge {edge} (`{from}` -> `{to}`): field `{field}` is invalid: {reason}")]
    Edge {
        /// Edge index, in the order edges were added.
        edge: usize,
        /// Supplier name (or `?` if unknown).
        from: String,
        /// Customer name (or `?` if unknown).
        to: String,
        /// Field name.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A disruption is malformed.
    #[error("disruption {index} on {target}: field `{field}` is invalid: {reason}")]
    Disruption {
        /// Disruption index, in the order disruptions were added.
        index: usize,
        /// Human-readable target (node name or edge).
        target: String,
        /// Field name.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A licence regime is malformed.
    #[error("licence key {key}: field `{field}` is invalid: {reason}")]
    Licence {
        /// Licence key index.
        key: usize,
        /// Field name.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The supplier graph has a cycle. Orders travel upstream within the period they are placed
    /// (order lead time 0), so every cycle would need an infinite fixed point; stock alone does
    /// not break it in this kernel, hence cycles are rejected outright.
    #[error(
        "cycle in the supply network through node `{node}`: orders are passed upstream within a \
         period, so the supplier graph must be acyclic"
    )]
    Cycle {
        /// A node on the cycle.
        node: String,
    },
    /// A run parameter is invalid.
    #[error("run configuration: field `{field}` is invalid: {reason}")]
    Run {
        /// Field name.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The caller asked the run to stop (a cancelled job); its replications are incomplete and
    /// nothing of it is reported.
    #[error("the run was cancelled before it finished")]
    Cancelled,
}

/// Shorthand for results with [`ConfigError`].
pub type Result<T> = std::result::Result<T, ConfigError>;
