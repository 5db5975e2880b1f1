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
    /// When the source was published (to day, month or year precision), where known: what the
    /// back-test checks a parameter's source against.
    pub published: Option<Published>,
}

pub type SourceId = Id<Source>;

/// A publication date known to a day, a month or a year: the span of days it may fall on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Published {
    pub earliest: jiff::civil::Date,
    pub latest: jiff::civil::Date,
}

/// Where a publication date falls against an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timing {
    /// Published before the event's first day.
    Before,
    /// Published on or after the event's first day: not knowable when the event began.
    After,
    /// The precision leaves it open (e.g. a year that contains the event day).
    Undetermined,
}

impl Published {
    /// Parses `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    pub fn parse(s: &str) -> Option<Published> {
        let s = s.trim();
        let parts: Vec<&str> = s.split('-').collect();
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(parts.first()?, 4) || parts.iter().skip(1).any(|p| !digits(p, 2)) {
            return None;
        }
        let year: i16 = parts.first()?.parse().ok()?;
        let date = |m: i8, d: i8| jiff::civil::Date::new(year, m, d).ok();
        match parts.len() {
            1 => Some(Published {
                earliest: date(1, 1)?,
                latest: date(12, 31)?,
            }),
            2 => {
                let m: i8 = parts[1].parse().ok()?;
                let first = date(m, 1)?;
                Some(Published {
                    earliest: first,
                    latest: first.last_of_month(),
                })
            }
            3 => {
                let d: jiff::civil::Date = s.parse().ok()?;
                Some(Published {
                    earliest: d,
                    latest: d,
                })
            }
            _ => None,
        }
    }

    /// Against an event that starts on `event`.
    pub fn timing(&self, event: jiff::civil::Date) -> Timing {
        if self.latest < event {
            Timing::Before
        } else if self.earliest >= event {
            Timing::After
        } else {
            Timing::Undetermined
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn publication_dates_parse_to_their_span_and_time_against_an_event() {
        let day = Published::parse("2025-01-13").unwrap();
        assert_eq!(
            (day.earliest, day.latest),
            (date(2025, 1, 13), date(2025, 1, 13))
        );
        let month = Published::parse("2024-02").unwrap();
        assert_eq!(
            (month.earliest, month.latest),
            (date(2024, 2, 1), date(2024, 2, 29))
        );
        let year = Published::parse("2025").unwrap();
        assert_eq!(
            (year.earliest, year.latest),
            (date(2025, 1, 1), date(2025, 12, 31))
        );
        for bad in [
            "",
            "25-01",
            "2025-13",
            "2025-02-30",
            "2025-01-01-01",
            "soon",
        ] {
            assert!(Published::parse(bad).is_none(), "{bad}");
        }
        let event = date(2025, 4, 4);
        assert_eq!(day.timing(event), Timing::Before);
        assert_eq!(
            Published::parse("2025-04-04").unwrap().timing(event),
            Timing::After
        );
        assert_eq!(
            Published::parse("2025-04-03").unwrap().timing(event),
            Timing::Before
        );
        assert_eq!(
            Published::parse("2025-04").unwrap().timing(event),
            Timing::Undetermined
        );
        assert_eq!(year.timing(event), Timing::Undetermined);
        assert_eq!(
            Published::parse("2025-05").unwrap().timing(event),
            Timing::After
        );
    }
}
