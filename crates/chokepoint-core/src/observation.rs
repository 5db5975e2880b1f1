//! Observations of what happened during an event (halt dates of named plants, export volumes,
//! licence approvals, prices): what a back-test measures the model against. They are never
//! inputs of the model.
//!
//! Invariant: an observation names the event (a scenario id) it belongs to and carries its
//! provenance like every other record.

use crate::source::Provenance;
use jiff::civil::Date;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObservationKind {
    /// A plant or line stopped for want of material; `subject` is a facility id, `date` the
    /// first day stopped.
    Halt,
    /// Tonnes shipped in a month; `subject` is `FROM>TO:WHAT` (countries, `WLD` for every
    /// importer; WHAT a material form such as `magnet`, several joined by `+`, or a material id).
    Flow,
    /// Share of licence applications approved by `date`, %.
    Approvals,
    /// A price, for when prices are modelled.
    Price,
}

impl std::str::FromStr for ObservationKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "halt" => Self::Halt,
            "flow" => Self::Flow,
            "approvals" => Self::Approvals,
            "price" => Self::Price,
            other => {
                return Err(format!(
                    "unknown observation kind `{other}`; expected halt, flow, approvals or price"
                ));
            }
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    pub key: String,
    /// The scenario id of the event.
    pub event: String,
    pub kind: ObservationKind,
    pub subject: String,
    /// The day observed, or the first day of the month observed.
    pub date: Date,
    /// The observation covers the whole month of `date`.
    pub monthly: bool,
    pub value: f64,
    pub unit: String,
    pub provenance: Provenance,
}

pub type ObservationId = crate::ids::Id<Observation>;

/// `FROM>TO:WHAT`: a trade route and what moves on it. `FROM` is a country; `TO` a country, a
/// region code (EU27) or `WLD` for every importer other than `FROM`; `WHAT` material forms
/// (`magnet`, `separated-oxide`, ...) or material ids joined by `+`. Observations of kind flow
/// and the published trade flows name their route this way.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowSelector {
    pub from: crate::CountryCode,
    pub to: String,
    pub forms: Vec<crate::material::MaterialForm>,
    pub materials: Vec<String>,
}

impl std::str::FromStr for FlowSelector {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not FROM>TO:WHAT (e.g. CHN>WLD:magnet)");
        let (route, what) = s.split_once(':').ok_or_else(bad)?;
        let (from, to) = route.split_once('>').ok_or_else(bad)?;
        let from: crate::CountryCode = from.parse().map_err(|e| format!("`{s}`: {e}"))?;
        if to.is_empty() || what.is_empty() {
            return Err(bad());
        }
        let (mut forms, mut materials) = (Vec::new(), Vec::new());
        for part in what.split('+') {
            match part.parse::<crate::material::MaterialForm>() {
                Ok(f) => forms.push(f),
                Err(_) => materials.push(part.to_string()),
            }
        }
        Ok(FlowSelector {
            from,
            to: to.to_string(),
            forms,
            materials,
        })
    }
}

impl FlowSelector {
    /// Whether a shipment from `from` to `to` of `material` is on this route.
    pub fn matches(
        &self,
        world: &crate::World,
        from: crate::CountryCode,
        to: crate::CountryCode,
        material: crate::material::MaterialId,
    ) -> bool {
        let to_ok = match world.regions.lookup(&self.to) {
            Some(r) => world.regions.get(r).contains(to) && to != from,
            None => (self.to == "WLD" && to != from) || to.as_str() == self.to,
        };
        let m = world.materials.get(material);
        from == self.from
            && to_ok
            && (self.materials.contains(&m.key) || self.forms.contains(&m.form))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::material::MaterialForm;

    #[test]
    fn flow_selectors_parse_and_refuse_malformed_routes() {
        let f: FlowSelector = "CHN>WLD:magnet+metal+nd-oxide".parse().unwrap();
        assert_eq!(f.from.as_str(), "CHN");
        assert_eq!(f.to, "WLD");
        assert_eq!(f.forms, vec![MaterialForm::Magnet, MaterialForm::Metal]);
        assert_eq!(f.materials, vec!["nd-oxide".to_string()]);
        for bad in [
            "CHN-WLD:magnet",
            "CHN>WLD",
            "CHN>:magnet",
            "CHN>WLD:",
            "XX>WLD:magnet",
        ] {
            assert!(bad.parse::<FlowSelector>().is_err(), "{bad}");
        }
    }
}
