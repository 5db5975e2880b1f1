//! The regions of the long-run balance: China, Japan, the EU, the US and the rest of the world.

use chokepoint_core::World;
use serde::Serialize;

/// A region of the long-run balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Region {
    Chn,
    Jpn,
    Eu,
    Usa,
    Row,
}

/// Number of regions.
pub const REGIONS: usize = 5;

impl Region {
    pub const ALL: [Region; REGIONS] = [
        Region::Chn,
        Region::Jpn,
        Region::Eu,
        Region::Usa,
        Region::Row,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// `CHN`, `JPN`, `EU`, `USA`, `ROW`.
    pub fn code(self) -> &'static str {
        match self {
            Region::Chn => "CHN",
            Region::Jpn => "JPN",
            Region::Eu => "EU",
            Region::Usa => "USA",
            Region::Row => "ROW",
        }
    }

    /// Parses a region code (also `EU27` for the EU).
    pub fn parse(code: &str) -> Option<Region> {
        Some(match code {
            "CHN" => Region::Chn,
            "JPN" => Region::Jpn,
            "EU" | "EU27" => Region::Eu,
            "USA" => Region::Usa,
            "ROW" => Region::Row,
            _ => return None,
        })
    }
}

/// Maps a country code or a region code of the dataset to a long-run region: the members of the
/// dataset's `EU27` region are the EU; any other code (countries, `ZZO`/`ZZR` residuals) is the
/// rest of the world. `WLD` has no region (world totals are not placed).
pub fn region_of(world: &World, code: &str) -> Option<Region> {
    if code == "WLD" {
        return None;
    }
    if let Some(r) = Region::parse(code) {
        return Some(r);
    }
    let in_eu = world
        .regions
        .lookup("EU27")
        .map(|id| world.regions.get(id))
        .is_some_and(|eu| eu.members.iter().any(|m| m.as_str() == code));
    Some(if in_eu { Region::Eu } else { Region::Row })
}
