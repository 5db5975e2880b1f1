//! Application services: each function answers one question a user asks — run a scenario,
//! check a bill of materials for licences, rank chokepoints — from plain values (the world, the rule timeline,
//! scenario or BOM text) handed in by a front end. The CLI is one front end; the HTTP server
//! will be another; neither reimplements what is here.
//!
//! Invariants: no I/O (front ends read files, print, write results); every failure is an
//! [`AppError`] naming what was wrong in the words of the request (file and field, or the
//! option), so each front end can map it to its own exit code or error body.

pub mod chokepoints;
pub mod concentration;
pub mod licence;
pub mod market;
pub mod optimise;
pub mod project;
pub mod simulate;
pub mod sourcing;
pub mod sweep;

/// What went wrong with a request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AppError {
    /// The request itself is invalid: a bad option (`--runs 0`) or a bad input file, with the
    /// place named in the message.
    #[error("{0}")]
    Invalid(String),
    /// The request was valid but the run failed (a kernel configuration error).
    #[error("{0}")]
    Run(String),
    /// The caller cancelled the run before it finished; nothing of it is reported.
    #[error("cancelled while running")]
    Cancelled,
}
