//! # chokepoint-analysis
//!
//! The analytics engine: where the rare-earth supply chain can be choked, how exposed each
//! importer and sector is, and how long each could hold out.
//!
//! * [`concentration`]: per element and stage, country shares, HHI, China's share, top-three
//!   share; per importer and year, source shares and import reliance.
//! * [`criticality`]: the EU JRC supply-risk / economic-importance method and a USGS-style
//!   (Nassar & Fortier 2021) supply-risk product, every input shown with its provenance.
//! * [`knockout`]: single points of failure — knock out each facility, country-stage or lane,
//!   rank by lost output with confidence intervals, time-to-survive, time-to-recover and the
//!   risk-exposure index, and say why each top node matters.
//! * [`flow`]: a deterministic, capacity-weighted flow runner over the `World`'s lanes that
//!   implements [`knockout::KnockoutRunner`] until the simulator-backed runner is wired.
//!
//! Invariants: the crate is pure (no file, clock, network or environment access; the WGI table is
//! compiled in); every score that needs an input the caller did not source says so
//! ([`input::Origin::NotSourced`]) instead of defaulting; results are deterministic for a given
//! world, inputs and seed.

pub mod concentration;
pub mod criticality;
pub mod error;
pub mod flow;
pub mod input;
pub mod knockout;
pub mod sensitivity;
pub mod sim_runner;
pub mod stats;
pub mod wgi;

pub use error::AnalysisError;
pub use input::{Input, Origin};
