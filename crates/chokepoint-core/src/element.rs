//! The elements chokepoint models: the 17 rare earths and the other critical minerals the sources
//! name (gallium, germanium, antimony, graphite as carbon).
//!
//! This table is definitional, not data: symbols, names, atomic weights (IUPAC 2021 standard
//! atomic weights, abridged; Pm has no stable isotope, so its longest-lived isotope's mass number
//! 145 is used) and the oxide formula in which the trade quotes each rare earth (REO basis:
//! CeO2, Pr6O11, Tb4O7, the rest M2O3). The light/heavy split follows the EU CRM assessments
//! (LREE = La..Sm, HREE = Eu..Lu + Y; Sc on its own), because the JRC criticality method that
//! chokepoint reproduces groups elements that way.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// Standard atomic weight of oxygen (IUPAC 2021, abridged).
const OXYGEN: f64 = 15.999;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Element {
    Sc,
    Y,
    La,
    Ce,
    Pr,
    Nd,
    Pm,
    Sm,
    Eu,
    Gd,
    Tb,
    Dy,
    Ho,
    Er,
    Tm,
    Yb,
    Lu,
    Ga,
    Ge,
    Sb,
    /// Carbon, standing for natural and synthetic graphite.
    C,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ElementGroup {
    LightRareEarth,
    HeavyRareEarth,
    Scandium,
    OtherCriticalMineral,
}

impl fmt::Display for ElementGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::LightRareEarth => "LREE",
            Self::HeavyRareEarth => "HREE",
            Self::Scandium => "Sc",
            Self::OtherCriticalMineral => "other critical mineral",
        })
    }
}

struct Props {
    symbol: &'static str,
    name: &'static str,
    group: ElementGroup,
    atomic_weight: f64,
    /// Oxide formula M_a O_b as (a, b); (1, 0) when the element is traded as such (graphite).
    oxide: (u8, u8),
}

impl Element {
    pub const ALL: [Element; 21] = [
        Self::Sc,
        Self::Y,
        Self::La,
        Self::Ce,
        Self::Pr,
        Self::Nd,
        Self::Pm,
        Self::Sm,
        Self::Eu,
        Self::Gd,
        Self::Tb,
        Self::Dy,
        Self::Ho,
        Self::Er,
        Self::Tm,
        Self::Yb,
        Self::Lu,
        Self::Ga,
        Self::Ge,
        Self::Sb,
        Self::C,
    ];

    /// Number of elements; element-indexed arrays have this length.
    pub const COUNT: usize = 21;

    pub fn rare_earths() -> impl Iterator<Item = Element> {
        Self::ALL.into_iter().filter(|e| e.is_rare_earth())
    }

    fn props(self) -> Props {
        use ElementGroup::*;
        let p = |symbol, name, group, atomic_weight, oxide| Props {
            symbol,
            name,
            group,
            atomic_weight,
            oxide,
        };
        match self {
            Self::Sc => p("Sc", "scandium", Scandium, 44.955_908, (2, 3)),
            Self::Y => p("Y", "yttrium", HeavyRareEarth, 88.905_838, (2, 3)),
            Self::La => p("La", "lanthanum", LightRareEarth, 138.905_47, (2, 3)),
            Self::Ce => p("Ce", "cerium", LightRareEarth, 140.116, (1, 2)),
            Self::Pr => p("Pr", "praseodymium", LightRareEarth, 140.907_66, (6, 11)),
            Self::Nd => p("Nd", "neodymium", LightRareEarth, 144.242, (2, 3)),
            Self::Pm => p("Pm", "promethium", LightRareEarth, 145.0, (2, 3)),
            Self::Sm => p("Sm", "samarium", LightRareEarth, 150.36, (2, 3)),
            Self::Eu => p("Eu", "europium", HeavyRareEarth, 151.964, (2, 3)),
            Self::Gd => p("Gd", "gadolinium", HeavyRareEarth, 157.25, (2, 3)),
            Self::Tb => p("Tb", "terbium", HeavyRareEarth, 158.925_354, (4, 7)),
            Self::Dy => p("Dy", "dysprosium", HeavyRareEarth, 162.500, (2, 3)),
            Self::Ho => p("Ho", "holmium", HeavyRareEarth, 164.930_329, (2, 3)),
            Self::Er => p("Er", "erbium", HeavyRareEarth, 167.259, (2, 3)),
            Self::Tm => p("Tm", "thulium", HeavyRareEarth, 168.934_219, (2, 3)),
            Self::Yb => p("Yb", "ytterbium", HeavyRareEarth, 173.045, (2, 3)),
            Self::Lu => p("Lu", "lutetium", HeavyRareEarth, 174.966_8, (2, 3)),
            Self::Ga => p("Ga", "gallium", OtherCriticalMineral, 69.723, (2, 3)),
            Self::Ge => p("Ge", "germanium", OtherCriticalMineral, 72.630, (1, 2)),
            Self::Sb => p("Sb", "antimony", OtherCriticalMineral, 121.760, (2, 3)),
            Self::C => p(
                "C",
                "carbon (graphite)",
                OtherCriticalMineral,
                12.011,
                (1, 0),
            ),
        }
    }

    pub fn symbol(self) -> &'static str {
        self.props().symbol
    }

    pub fn name(self) -> &'static str {
        self.props().name
    }

    pub fn group(self) -> ElementGroup {
        self.props().group
    }

    pub fn is_rare_earth(self) -> bool {
        !matches!(self.group(), ElementGroup::OtherCriticalMineral)
    }

    pub fn atomic_weight(self) -> f64 {
        self.props().atomic_weight
    }

    /// Mass fraction of the element in its trade oxide: tonnes of element per tonne of oxide.
    /// (Nd2O3: 0.857; Pr6O11: 0.828.) This converts the REO basis of mining and separation
    /// statistics into the elemental basis on which recipes conserve mass.
    pub fn element_fraction_of_oxide(self) -> f64 {
        let p = self.props();
        let (a, b) = p.oxide;
        let metal = f64::from(a) * p.atomic_weight;
        metal / (metal + f64::from(b) * OXYGEN)
    }

    /// Dense index for element-indexed arrays (`[f64; Element::COUNT]`).
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// The text was not one of the modelled element symbols.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown element `{0}`; expected a symbol such as Nd, Dy, Ga (case-sensitive)")]
pub struct UnknownElement(pub String);

impl FromStr for Element {
    type Err = UnknownElement;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|e| e.symbol() == s)
            .ok_or_else(|| UnknownElement(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seventeen_rare_earths() {
        assert_eq!(Element::rare_earths().count(), 17);
        assert_eq!(Element::ALL.len(), Element::COUNT);
        for (i, e) in Element::ALL.iter().enumerate() {
            assert_eq!(e.index(), i);
        }
    }

    #[test]
    fn oxide_fractions_match_stoichiometry() {
        // Nd2O3: 2*144.242 / (2*144.242 + 3*15.999) = 0.85734
        assert!((Element::Nd.element_fraction_of_oxide() - 0.857_34).abs() < 1e-4);
        // Pr6O11 = 0.8277, CeO2 = 0.8141, Tb4O7 = 0.8502, Dy2O3 = 0.8713
        assert!((Element::Pr.element_fraction_of_oxide() - 0.8277).abs() < 1e-4);
        assert!((Element::Ce.element_fraction_of_oxide() - 0.8141).abs() < 1e-4);
        assert!((Element::Tb.element_fraction_of_oxide() - 0.8502).abs() < 1e-4);
        assert!((Element::Dy.element_fraction_of_oxide() - 0.8713).abs() < 1e-4);
        assert_eq!(Element::C.element_fraction_of_oxide(), 1.0);
    }

    #[test]
    fn parse_symbols() {
        assert_eq!("Dy".parse::<Element>(), Ok(Element::Dy));
        assert!("dy".parse::<Element>().is_err());
        assert!("Xx".parse::<Element>().is_err());
    }

    #[test]
    fn groups_follow_eu_convention() {
        assert_eq!(Element::Sm.group(), ElementGroup::LightRareEarth);
        assert_eq!(Element::Eu.group(), ElementGroup::HeavyRareEarth);
        assert_eq!(Element::Y.group(), ElementGroup::HeavyRareEarth);
        assert_eq!(Element::Sc.group(), ElementGroup::Scandium);
    }
}
