//! World Bank Worldwide Governance Indicators (WGI), 2022, compiled into the binary.
//!
//! The only WGI data available to the project is one composite per country for 2022: the mean of
//! the six WGI "Estimate" values (-2.5..2.5) rescaled to 0..1 with higher = better governance
//! (Kaufmann & Kraay, WGI 2023 update, CC BY 4.0; copied from `lukaszgajewski/pytradeshifts`, see
//! the header of `data/wgi_2022.csv`). The JRC criticality method needs a scaled WGI on 0..10 with
//! higher = *worse* governance; this module derives it as `10 × (1 − composite)`. If the upstream
//! rescaling is the linear map of the theoretical range (x + 2.5) / 5 — which the published values
//! are consistent with (Denmark 0.853 ↔ mean estimate 1.76) — then `10 × (1 − composite)` equals
//! `5 − 2x`, the JRC's linear rescaling of the mean estimate. The JRC itself averages the six
//! dimensions too, so the transformation is faithful up to that unverified upstream detail.
//!
//! Invariant: every composite is finite and in [0, 1]; every scaled value is in [0, 10].
//! The table is parsed once per call to [`Wgi::embedded`]; it is small (213 rows).

use crate::AnalysisError;
use chokepoint_core::CountryCode;
use std::collections::BTreeMap;

/// The embedded CSV (`iso3,country,wgi_composite_0_1,year`, `#` comment header).
pub const WGI_2022_CSV: &str = include_str!("../data/wgi_2022.csv");

/// Citation shown next to every WGI-derived number.
pub const WGI_CITATION: &str = "World Bank WGI 2023 update, data year 2022 (Kaufmann & Kraay, CC BY 4.0), composite of the six estimates rescaled 0..1; scaled WGI = 10 x (1 - composite)";

#[derive(Debug, Clone)]
pub struct Wgi {
    composite: BTreeMap<CountryCode, f64>,
    pub year: i32,
}

impl Wgi {
    /// Parses the embedded 2022 table.
    pub fn embedded() -> Result<Self, AnalysisError> {
        Self::parse(WGI_2022_CSV)
    }

    /// Parses `iso3,country,wgi_composite_0_1,year` rows. The country name may be quoted and
    /// contain commas, so the code is read from the front and the numbers from the back.
    pub fn parse(text: &str) -> Result<Self, AnalysisError> {
        let err = |line: usize, message: String| AnalysisError::EmbeddedTable {
            table: "wgi_2022.csv",
            line,
            message,
        };
        let mut composite = BTreeMap::new();
        let mut year = None;
        let mut header_seen = false;
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if !header_seen {
                if line != "iso3,country,wgi_composite_0_1,year" {
                    return Err(err(line_no, format!("unexpected header `{line}`")));
                }
                header_seen = true;
                continue;
            }
            let (code, rest) = line
                .split_once(',')
                .ok_or_else(|| err(line_no, "expected 4 fields".into()))?;
            let mut back = rest.rsplitn(3, ',');
            let (Some(y), Some(v), Some(_name)) = (back.next(), back.next(), back.next()) else {
                return Err(err(line_no, "expected 4 fields".into()));
            };
            let code: CountryCode = code
                .parse()
                .map_err(|e: chokepoint_core::geo::BadCountryCode| err(line_no, e.to_string()))?;
            let v: f64 = v
                .parse()
                .map_err(|_| err(line_no, format!("`{v}` is not a number")))?;
            if !(0.0..=1.0).contains(&v) {
                return Err(err(line_no, format!("composite {v} outside [0, 1]")));
            }
            let y: i32 = y
                .parse()
                .map_err(|_| err(line_no, format!("`{y}` is not a year")))?;
            year.get_or_insert(y);
            composite.insert(code, v);
        }
        Ok(Self {
            composite,
            year: year.ok_or_else(|| err(0, "no rows".into()))?,
        })
    }

    /// The composite (0..1, higher = better governance).
    pub fn composite(&self, country: CountryCode) -> Option<f64> {
        self.composite.get(&country).copied()
    }

    /// The JRC-style scaled WGI (0..10, higher = worse governance): `10 × (1 − composite)`.
    pub fn scaled(&self, country: CountryCode) -> Option<f64> {
        self.composite(country).map(scale)
    }

    pub fn len(&self) -> usize {
        self.composite.len()
    }

    pub fn is_empty(&self) -> bool {
        self.composite.is_empty()
    }
}

/// `10 × (1 − composite)`: 0..1 with higher = better becomes 0..10 with higher = worse.
pub fn scale(composite: f64) -> f64 {
    10.0 * (1.0 - composite)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> CountryCode {
        s.parse().expect("test code")
    }

    #[test]
    fn embedded_table_has_the_facts_values() {
        let w = Wgi::embedded().expect("embedded WGI parses");
        assert_eq!(w.year, 2022);
        assert_eq!(w.len(), 213);
        // Facts README §10: China 0.433, Myanmar 0.179, Japan 0.775.
        assert!((w.composite(c("CHN")).unwrap_or(0.0) - 0.433_35).abs() < 1e-6);
        assert!((w.composite(c("MMR")).unwrap_or(0.0) - 0.179_33).abs() < 1e-6);
        // Scaled: 10 × (1 − 0.43335) = 5.6665.
        assert!((w.scaled(c("CHN")).unwrap_or(0.0) - 5.6665).abs() < 1e-4);
        assert!(w.scaled(c("ZZO")).is_none());
    }

    #[test]
    fn quoted_names_with_commas_parse() {
        let w = Wgi::parse("iso3,country,wgi_composite_0_1,year\nKOR,\"Korea, Rep.\",0.7,2022\n")
            .expect("parses");
        assert!((w.scaled(c("KOR")).unwrap_or(0.0) - 3.0).abs() < 1e-12);
    }

    #[test]
    fn bad_rows_are_located() {
        let e = Wgi::parse("iso3,country,wgi_composite_0_1,year\nKOR,Korea,1.7,2022\n");
        assert!(matches!(
            e,
            Err(AnalysisError::EmbeddedTable { line: 2, .. })
        ));
    }
}
