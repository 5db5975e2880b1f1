//! New capacity projects: a facility's capacity for one material that comes online from an
//! announced start, ramps up linearly to full capacity, and may be delayed (`data/projects.csv`,
//! issue 16 item 3).
//!
//! Invariants (checked by [`Project::new`]): capacity, ramp-up and typical delay are finite and
//! non-negative; the delay probability lies in [0, 1]; the start lies in [`START_YEARS`] with a
//! month in 1..=12. A project names a facility and a material that exist in the world (the loader
//! checks the references).

use crate::facility::FacilityId;
use crate::material::MaterialId;
use crate::source::Provenance;
use serde::Serialize;

/// The years a project may start in: the long-horizon mode covers 2010-2040, and a start far
/// outside it is a typo rather than a plan.
pub const START_YEARS: std::ops::RangeInclusive<i32> = 2000..=2060;

/// When a project starts: a year, and a month when one was announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProjectStart {
    pub year: i32,
    /// 1..=12; January when only the year is known.
    pub month: u8,
}

impl ProjectStart {
    /// Parses `YYYY` or `YYYY-MM`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let (y, m) = match t.split_once('-') {
            Some((y, m)) => (y, Some(m)),
            None => (t, None),
        };
        let bad = || format!("`{text}` is not a start; expected YYYY or YYYY-MM");
        if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u8 = match m {
            None => 1,
            Some(m) if m.len() == 2 && m.bytes().all(|b| b.is_ascii_digit()) => {
                m.parse().map_err(|_| bad())?
            }
            Some(_) => return Err(bad()),
        };
        Self::new(year, month)
    }

    /// A start in [`START_YEARS`], month 1..=12.
    pub fn new(year: i32, month: u8) -> Result<Self, String> {
        if !START_YEARS.contains(&year) {
            return Err(format!(
                "start year {year} is out of range; expected {}..={}",
                START_YEARS.start(),
                START_YEARS.end()
            ));
        }
        if !(1..=12).contains(&month) {
            return Err(format!("month {month} is not in 1..=12"));
        }
        Ok(Self { year, month })
    }

    /// The start as a fractional year (the first of the month): 2027-07 is 2027.5.
    pub fn as_year(self) -> f64 {
        f64::from(self.year) + f64::from(self.month - 1) / 12.0
    }
}

/// One material of one capacity project.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    /// The project id (several rows, one per material, may share it).
    pub key: String,
    pub name: String,
    pub facility: FacilityId,
    pub material: MaterialId,
    /// Full capacity per year, in the material's unit.
    pub capacity: f64,
    pub start: ProjectStart,
    /// Years from start to full capacity (linear ramp; 0 = full at once).
    pub ramp_years: f64,
    /// Probability that the start slips, in [0, 1].
    pub delay_probability: f64,
    /// The typical slip when it does, in years.
    pub delay_years: f64,
    pub provenance: Provenance,
}

impl Project {
    /// Checks the numeric fields; the error names the field.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        key: String,
        name: String,
        facility: FacilityId,
        material: MaterialId,
        capacity: f64,
        start: ProjectStart,
        ramp_years: f64,
        delay_probability: f64,
        delay_years: f64,
        provenance: Provenance,
    ) -> Result<Self, (&'static str, String)> {
        let nonneg = |field: &'static str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err((field, format!("{v} is not a finite number >= 0")))
            }
        };
        nonneg("capacity", capacity)?;
        nonneg("ramp_years", ramp_years)?;
        nonneg("delay_years", delay_years)?;
        if !(0.0..=1.0).contains(&delay_probability) {
            return Err((
                "delay_probability_pct",
                format!(
                    "{}% is not a probability; expected 0..100",
                    delay_probability * 100.0
                ),
            ));
        }
        Ok(Self {
            key,
            name,
            facility,
            material,
            capacity,
            start,
            ramp_years,
            delay_probability,
            delay_years,
            provenance,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_parses_years_and_months() {
        assert_eq!(ProjectStart::parse("2027").map(|s| s.as_year()), Ok(2027.0));
        assert_eq!(
            ProjectStart::parse("2027-07").map(|s| s.as_year()),
            Ok(2027.5)
        );
        assert!(ProjectStart::parse("1890").is_err());
        assert!(ProjectStart::parse("2027-13").is_err());
        assert!(ProjectStart::parse("27").is_err());
        assert!(ProjectStart::parse("2027-7").is_err());
    }
}
