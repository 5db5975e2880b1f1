//! Dynamic in-use stock models with recycling (issue 16 item 4): how much material sits in
//! products in use, what leaves use each year, and how much of it comes back through collection
//! and recycling.
//!
//! * [`lifetime`]: lifetime distributions (fixed, normal, Weibull, lognormal) and where in its
//!   year a cohort enters ([`InflowAt`]), in flodym 1.1.0's parameterisation.
//! * [`cohort`]: the survival curve of a lifetime ([`SurvivalCurve`]) and the inflow-driven and
//!   stock-driven models of one stock ([`InUseStock`]).
//! * [`system`]: regions × products of stocks with the collection and recycling loop feeding
//!   fabrication ([`System`]).
//! * [`peer_case`]: the REE case of the flodym comparison (`docs/stocks.md`).
//!
//! **Invariants.** No I/O, no clock, no randomness. Inputs are validated and every error names
//! its field; nothing panics on bad input. Each year balances: inflow − outflow = Δstock, and
//! every process of the recycling loop balances. Memory is O(T · cells): survival curves are
//! stored once per lifetime by age (the survival table is Toeplitz for time-invariant lifetimes),
//! and the stock by cohort is computed on demand rather than stored.

pub mod cohort;
pub mod error;
pub mod lifetime;
pub mod peer_case;
pub mod system;

pub use cohort::{InUseStock, SurvivalCurve};
pub use error::StockError;
pub use lifetime::{InflowAt, Lifetime};
pub use system::{Product, System, SystemFlows, Yields};
