//! # chokepoint-scenario
//!
//! Scenarios on the bundled world: a scenario file names disruptions (dated or stochastic export
//! holds, embargoes, plant outages), licensing regimes and the inventory policy; this crate
//! checks it, compiles the `World` and the scenario into a `chokepoint-sim` network, runs the
//! Monte Carlo and reports by sector, country, plant, material and stockpile.
//!
//! Pure: the caller reads the scenario text and writes the results.

pub mod backtest;
pub mod balance;
pub mod compile;
pub mod inputs;
pub mod longrun;
pub mod origin;
pub mod report;
pub mod spec;

pub use compile::{Compiled, compile};
pub use report::{
    OriginRow, Report, daily_series, largest_falls, median_replication, node_months, report, run,
    run_detailed, run_detailed_until,
};
pub use spec::{Scenario, ScenarioError};
