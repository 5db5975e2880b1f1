//! The market engine: prices that respond to the simulated balance (issue 16 items 1 and 2;
//! `docs/markets.md`).
//!
//! * [`demand`]: the short-run inverse demand, constant elasticity: a market that gets the
//!   share `1 - s` of what it would buy at the base price clears at `p0 * (1 - s)^(-1/e)`, with
//!   `e` the magnitude of the price elasticity of demand, given as a range (low, central,
//!   high).
//! * [`balance`]: the shortage ratio of one market in one period, from what buyers take at the
//!   base price, what did not arrive against the policy-free twin, and what stockpiles released
//!   (a release lowers the shortage, never below zero).
//! * [`path`]: a price path per replication (shortage, price, extra spend of the buyers).
//! * [`landed`]: landed cost (price x (1 + tariff) + freight) and the rare-earth cost embodied in
//!   one unit of an end product (an EV, a MW of wind).
//!
//! Invariants: no I/O, no randomness; every function is a pure function of its arguments, so a
//! caller that hands the replications in index order gets the same numbers at any thread count.
//! Every error names the market (material and tier) or the field that was wrong.

pub mod balance;
pub mod demand;
mod error;
pub mod landed;
pub mod path;

pub use balance::{Period, shortage_ratio, spread_release};
pub use demand::{Elasticity, MAX_SHORTAGE, MAX_SURPLUS, RangePoint, inverse_demand, multiple};
pub use error::MarketError;
pub use landed::{ContentCost, content_cost, landed_cost};
pub use path::{MarketSpec, Trajectory, trajectory};
