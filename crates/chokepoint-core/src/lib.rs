//! # chokepoint-core
//!
//! The pure domain model of the rare-earth supply chain: elements, materials and their element
//! content, deposits with their co-production vectors, facilities with recipes and capacities,
//! lanes, demand by sector, stockpiles, prices, trade shares, published statistics and the
//! source registry that every number refers to.
//!
//! This crate does no I/O: no filesystem, clock, environment, network, printing or unseeded
//! randomness (`cargo xtask ci` enforces the dependency side of that rule). Adapters build a
//! [`World`] and the engines read it.

pub mod demand;
pub mod deposit;
pub mod element;
pub mod facility;
pub mod geo;
pub mod ids;
pub mod market;
pub mod material;
pub mod observation;
pub mod policy;
pub mod project;
pub mod source;
pub mod stats;
pub mod stockpile;
pub mod supplier;
pub mod units;
pub mod world;

pub use element::{Element, ElementGroup};
pub use geo::CountryCode;
pub use ids::{Arena, Id};
pub use jiff::civil::Date;
pub use world::{Issue, World};
