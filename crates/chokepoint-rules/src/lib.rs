//! # chokepoint-rules
//!
//! Trade-policy rules as data, and the licence checker. The rule timeline (export controls,
//! quotas, embargoes, suspensions, general licences, tariffs) lives in `data/policy/measures.toml`;
//! this crate parses it from text it is given, layers user policy texts over it, and answers "does
//! this shipment need a licence on this date, under which measures, and why?" — with an
//! explanation chain for compliance use ([`Timeline::check`]) and without one for bulk use by the
//! simulator ([`Timeline::check_fast`]).
//!
//! Pure: no files, clock, environment or printing. The CLI reads files and passes text and file
//! names in; every parser reports [`Diagnostics`] naming file, line/row, record and field, and no
//! input makes it panic.
//!
//! ```
//! use chokepoint_rules::{Timeline, BUNDLED_POLICY};
//! let t = Timeline::from_toml(BUNDLED_POLICY, "data/policy/measures.toml").unwrap();
//! let d = "2025-12-15".parse().unwrap();
//! assert_eq!(t.in_force("mofcom-2025-18", d), Some(true));
//! assert_eq!(t.in_force("mofcom-2025-61-art2", d), Some(false)); // suspended by No. 70
//! ```

pub mod bom;
pub mod check;
pub mod content;
pub mod diag;
pub mod measure;
pub mod policy;
pub mod product;
pub mod timeline;
pub mod vocab;

pub use bom::{BomEntry, parse_bom, parse_bom_csv, parse_bom_toml};
pub use check::{FastVerdict, JurisdictionVerdict, Step, StepKind, TariffOutcome, Verdict};
pub use diag::{Diagnostic, Diagnostics};
pub use measure::Measure;
pub use policy::parse_date;
pub use product::{MaterialSpec, Product, ProductSpec, Shipment};
pub use timeline::{MeasureStatus, State, Timeline};
pub use vocab::{EndUse, EndUser, Form, LicenceStatus, Presumption, TariffClass};

/// The bundled rule timeline, compiled in so that tests, benches and the CLI can always fall back
/// on it. The CLI prefers a copy on disk (see its `policy` module).
pub const BUNDLED_POLICY: &str = include_str!("../../../data/policy/measures.toml");
