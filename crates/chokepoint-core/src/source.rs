//! The source registry and the provenance every number carries.
//!
//! Invariant (checked by `World::validate`): every [`Citation`] in a [`Provenance`] names a source that is
//! in the registry, and no record is without provenance.

use crate::ids::Id;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reliability {
    /// Read in the cited source.
    Sourced,
    /// An aggregator or trade-press page restating another source.
    Secondary,
    /// A weak source (market-research or SEO page).
    Low,
    /// Not confirmed against a source.
    Memory,
}

#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub id: String,
    pub publisher: String,
    pub title: String,
    pub year: Option<i32>,
    pub locator: String,
    pub url: String,
    pub reliability: Reliability,
}

pub type SourceId = Id<Source>;

/// A citation: a registry entry plus an optional locator (page, table) within it.
#[derive(Debug, Clone, Serialize)]
pub struct Citation {
    pub source: SourceId,
    pub locator: Option<String>,
}

/// Where a record's numbers come from.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Provenance {
    pub citations: Vec<Citation>,
    /// A one-line rationale when a number is assumed, derived or from memory.
    pub assumption: Option<String>,
}

impl Provenance {
    pub fn is_empty(&self) -> bool {
        self.citations.is_empty() && self.assumption.is_none()
    }

    pub fn is_assumption(&self) -> bool {
        self.assumption.is_some()
    }
}
