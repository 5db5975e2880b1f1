//! Mitigation optimisers on the simulated world (issue 14): the application layer between a
//! scenario and the pure programs of `chokepoint-optimise`.
//!
//! * [`stockpile`]: size stockpiles (element x form x importer) by sample average
//!   approximation over disruption paths the simulator samples, with the efficient frontier
//!   and an out-of-sample re-simulation of the chosen holdings on fresh seeds.
//!
//! New optimisers (the supplier mix) add a module here; each is split into stages (sample,
//! solve, check) that take and return plain values, so a front end can time or show progress
//! per stage without this crate touching a clock.

pub mod stockpile;
