//! The mitigation optimiser (issue 14): which stockpile, of what size, buys how much.
//!
//! * [`textbook`]: closed-form and numerically exact inventory models (newsvendor, newsvendor
//!   with Markov supply disruptions, Clark-Scarf serial system) used as oracles.
//! * [`lp`]: a small sparse linear-program builder and its solution by HiGHS, with HiGHS's
//!   status checked and the returned point re-checked against every constraint here.
//! * [`saa`]: sample average approximation of the newsvendor models as linear programs, with
//!   seeded samplers and the convergence studies against the oracles.
//! * [`stockpile`]: the two-stage stochastic program that sizes stockpiles from sampled
//!   shortfall paths (holdings first, releases per path and period second), optionally with
//!   CVaR, and its efficient frontier over budgets.
//! * [`sourcing`]: the supplier-mix MILP (which suppliers to contract, for how much, with
//!   minimum contract sizes as binary decisions), minimising contract cost plus a weighted CVaR
//!   of shortfall over sampled disruption paths, and its cost/risk frontier over the weight.
//!
//! Invariants: no I/O (HiGHS runs with its output switched off and writes no files), no clock,
//! no unseeded randomness: a seed and the inputs give bit-identical answers. Every input is
//! validated and a bad one is an [`OptimiseError::Invalid`] naming the field, never a panic.

pub mod error;
pub mod lp;
mod numerics;
pub mod saa;
pub mod sourcing;
pub mod stockpile;
pub mod textbook;

pub use error::{OptimiseError, Result};
