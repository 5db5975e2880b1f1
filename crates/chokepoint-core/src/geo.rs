//! Countries (ISO 3166-1 alpha-3) and regions (named groups of countries, such as EU27).
//!
//! Invariant: a [`CountryCode`] is exactly three ASCII upper-case letters. Whether a code is
//! known is a property of the `World`'s country table, not of the code.

use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 3]);

impl CountryCode {
    pub const CHINA: CountryCode = CountryCode(*b"CHN");

    pub fn as_str(&self) -> &str {
        // The constructor admits ASCII upper-case only, so this is valid UTF-8.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

/// The text is not shaped like an ISO 3166-1 alpha-3 code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not an ISO 3166-1 alpha-3 code; expected three upper-case letters such as CHN, JPN"
)]
pub struct BadCountryCode(pub String);

impl FromStr for CountryCode {
    type Err = BadCountryCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        if b.len() == 3 && b.iter().all(u8::is_ascii_uppercase) {
            Ok(CountryCode([b[0], b[1], b[2]]))
        } else {
            Err(BadCountryCode(s.to_string()))
        }
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Country {
    pub code: CountryCode,
    pub name: String,
}

/// A named group of countries. An empty member list means "every country" (the world).
#[derive(Debug, Clone, Serialize)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub members: Vec<CountryCode>,
}

impl Region {
    pub fn contains(&self, country: CountryCode) -> bool {
        self.members.is_empty() || self.members.contains(&country)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_three_upper_case_letters() {
        assert_eq!(
            "JPN".parse::<CountryCode>().map(|c| c.to_string()),
            Ok("JPN".into())
        );
        assert!("jpn".parse::<CountryCode>().is_err());
        assert!("JP".parse::<CountryCode>().is_err());
        assert!("JPN1".parse::<CountryCode>().is_err());
    }
}
