//! Closed-form (and numerically exact) inventory models from the textbook, used as oracles:
//! the optimiser's sample-average programs must converge to them, and their published numbers
//! are tests.
//!
//! * [`newsvendor`]: the single-period newsvendor with normal demand.
//! * [`disruption`]: the newsvendor whose supplier goes up and down as a two-state Markov chain
//!   (Snyder & Shen, *Fundamentals of Supply Chain Theory*, section on supply disruptions).
//! * [`serial`]: the Clark-Scarf serial base-stock system, solved by the Chen-Zheng recursion.
//!
//! Invariants: every model validates its parameters and returns
//! [`OptimiseError::Invalid`](crate::OptimiseError::Invalid) naming the field instead of
//! panicking; results are pure functions of the parameters.

pub mod disruption;
pub mod newsvendor;
pub mod serial;

pub use disruption::DisruptionNewsvendor;
pub use newsvendor::{NewsvendorOptimum, NormalNewsvendor};
pub use serial::{SerialOptimum, SerialSystem};
