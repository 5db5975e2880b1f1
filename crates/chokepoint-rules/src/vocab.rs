//! The closed vocabularies of the rule data and of product descriptions: item forms, non-element
//! goods, technologies, tariff classes, end uses and end users, instruments, triggers and
//! presumptions.
//!
//! Invariant: every vocabulary is a closed enum parsed from a fixed kebab-case spelling, so a typo
//! in a policy file or a BOM is a diagnostic rather than a silently unmatched string. Each enum is
//! small enough (< 32 variants) to be packed into a `u32` bit set, which the fast path uses to
//! match items without allocating.

use serde::Serialize;
use std::fmt;

/// Declares a kebab-case string enum with `parse`, `as_str`, `ALL`, `bit` and `Display`.
macro_rules! vocab {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The fixed spelling used in data files.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the fixed spelling; `None` for anything else.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }

            /// This value's bit in a `u32` set.
            pub fn bit(self) -> u32 {
                1u32 << (self as u32)
            }

            /// The accepted spellings, for error messages.
            pub fn expected() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocab! {
    /// The physical form of a shipped item or of a material inside it. Richer than the core's
    /// `MaterialForm` because the instruments list targets, powders and technologies separately.
    Form {
        Ore => "ore",
        Concentrate => "concentrate",
        Oxide => "oxide",
        /// Compounds and mixtures (carbonates, chlorides, fluorides, optical materials).
        Compound => "compound",
        /// Metals, ingots and metal powders.
        Metal => "metal",
        Alloy => "alloy",
        /// Sputtering targets.
        Target => "target",
        /// Powders that are not metals (graphite powders, spherical graphite).
        Powder => "powder",
        Magnet => "magnet",
        Component => "component",
        EndProduct => "end-product",
        Equipment => "equipment",
        /// A technology transfer (know-how, designs, services), not goods.
        Technology => "technology",
        Other => "other",
    }
}

vocab! {
    /// Controlled goods that are not described by element content.
    Goods {
        SuperhardMaterial => "superhard-material",
        /// Rare-earth production equipment and raw/auxiliary materials (No. 56 of 2025).
        ReEquipment => "re-equipment",
        LithiumBattery => "lithium-battery",
        CathodeMaterial => "cathode-material",
        GraphiteAnode => "graphite-anode",
    }
}

vocab! {
    /// Rare-earth technologies named by the technology catalogue and No. 62 of 2025 (1E902).
    Technology {
        /// Mining, beneficiation and smelting.
        ReMining => "re-mining",
        /// Extraction and separation.
        ReSeparation => "re-separation",
        /// Metal and alloy production.
        ReMetalAlloy => "re-metal-alloy",
        /// Magnet preparation (SmCo, NdFeB, Ce magnets).
        ReMagnet => "re-magnet",
        /// Secondary resource recycling.
        ReRecycling => "re-recycling",
        /// Production-line assembly, commissioning, maintenance, upgrade (1E902.b).
        ReLineService => "re-line-service",
    }
}

vocab! {
    /// The importing country's tariff class of a product. `general` is everything not in a more
    /// specific class, because the US deals treat autos (Section 232) apart from other goods.
    TariffClass {
        General => "general",
        /// Passenger vehicles and light trucks.
        Vehicle => "vehicle",
        /// Parts of passenger vehicles and light trucks.
        AutoPart => "auto-part",
    }
}

vocab! {
    /// What the goods will be used for. The civil uses are kept apart only for display; the
    /// instruments distinguish military, advanced-semiconductor and military-AI uses.
    EndUse {
        Automotive => "automotive",
        Wind => "wind",
        Electronics => "electronics",
        Industrial => "industrial",
        OtherCivil => "civil",
        Military => "military",
        /// Logic chips at 14 nm and below, memory at 256 layers and above, and their equipment
        /// and materials.
        AdvancedSemiconductor => "advanced-semiconductor",
        /// Research and development of AI with potential military applications.
        MilitaryAi => "military-ai",
        /// Not stated: reported as a gap, never as a pass.
        Unknown => "unknown",
    }
}

impl EndUse {
    pub fn is_civil(self) -> bool {
        matches!(
            self,
            Self::Automotive | Self::Wind | Self::Electronics | Self::Industrial | Self::OtherCivil
        )
    }
}

vocab! {
    /// Who receives the goods.
    EndUser {
        Civil => "civil",
        Military => "military",
        /// An entity on the exporting jurisdiction's control list (or owned 50% or more by one).
        ListedEntity => "listed-entity",
        /// Not stated: reported as a gap, never as a pass.
        Unknown => "unknown",
    }
}

vocab! {
    /// A condition of an end-use policy: the shipment facts that change the licensing presumption.
    Condition {
        MilitaryEndUser => "military-end-user",
        MilitaryEndUse => "military-end-use",
        ListedEntity => "listed-entity",
        AdvancedSemiconductor => "advanced-semiconductor",
        MilitaryAi => "military-ai",
    }
}

impl Condition {
    /// Whether the condition holds; `None` when the relevant fact is unknown.
    pub fn holds(self, end_user: EndUser, end_use: EndUse) -> Option<bool> {
        match self {
            Self::MilitaryEndUser => match end_user {
                EndUser::Unknown => None,
                u => Some(u == EndUser::Military),
            },
            Self::ListedEntity => match end_user {
                EndUser::Unknown => None,
                u => Some(u == EndUser::ListedEntity),
            },
            Self::MilitaryEndUse => match end_use {
                EndUse::Unknown => None,
                u => Some(u == EndUse::Military),
            },
            Self::AdvancedSemiconductor => match end_use {
                EndUse::Unknown => None,
                u => Some(u == EndUse::AdvancedSemiconductor),
            },
            Self::MilitaryAi => match end_use {
                EndUse::Unknown => None,
                u => Some(u == EndUse::MilitaryAi),
            },
        }
    }
}

vocab! {
    /// The kind of instrument. Richer than the core's `policy::Instrument`: it adds general
    /// licences (see [`Instrument::to_core`]).
    Instrument {
        ExportLicensing => "export-licensing",
        ExportQuota => "export-quota",
        ExportBan => "export-ban",
        /// An unannounced halt (the 2010 shipments to Japan).
        DeFactoEmbargo => "de-facto-embargo",
        TechnologyExportControl => "technology-export-control",
        ExtraterritorialRule => "extraterritorial-rule",
        Tariff => "tariff",
        /// Suspends other measures for a period.
        Suspension => "suspension",
        /// Lets holders ship items under other measures without individual review.
        GeneralLicence => "general-licence",
    }
}

impl Instrument {
    /// The core vocabulary's equivalent; `None` for general licences, which the core lacks.
    pub fn to_core(self) -> Option<chokepoint_core::policy::Instrument> {
        use chokepoint_core::policy::Instrument as C;
        Some(match self {
            Self::ExportLicensing => C::ExportLicensing,
            Self::ExportQuota => C::ExportQuota,
            Self::ExportBan => C::ExportBan,
            Self::DeFactoEmbargo => C::DeFactoEmbargo,
            Self::TechnologyExportControl => C::TechnologyExportControl,
            Self::ExtraterritorialRule => C::ExtraterritorialContentRule,
            Self::Tariff => C::Tariff,
            Self::Suspension => C::Suspension,
            Self::GeneralLicence => return None,
        })
    }
}

vocab! {
    /// How a measure attaches to a shipment.
    Trigger {
        /// Goods leave the jurisdiction: exporter = jurisdiction and the item scope matches.
        Export => "export",
        /// Goods made in the jurisdiction are exported onward from a third country.
        ReexportOrigin => "reexport-origin",
        /// Goods made abroad contain jurisdiction-origin listed items at or above a value share.
        Content => "content",
        /// Goods made abroad with the jurisdiction's technology.
        MadeWithTechnology => "made-with-technology",
        /// Goods enter the jurisdiction (tariffs): destination = jurisdiction.
        Import => "import",
        /// No direct trigger: suspensions and general licences act on other measures.
        None => "none",
    }
}

vocab! {
    /// The licensing presumption, ordered from most to least permissive.
    Presumption {
        /// No licence needed.
        None => "none",
        /// A licence is needed and reviewed normally.
        Standard => "standard",
        CaseByCase => "case-by-case",
        /// Denied in principle.
        Denial => "denial",
        /// No licence is available (ban, de facto halt, prohibited technology).
        Prohibited => "prohibited",
    }
}

vocab! {
    /// The answer to "is a licence required?", ordered from most to least permissive.
    LicenceStatus {
        NotRequired => "not-required",
        /// A fact needed to decide is missing (end use, origin, technology origin): a gap, not a
        /// pass.
        Undetermined => "undetermined",
        Required => "required",
        /// Shipping is not possible under the measure (ban, embargo).
        Prohibited => "prohibited",
    }
}

impl LicenceStatus {
    /// Whether the shipment can go without any licence.
    pub fn is_clear(self) -> bool {
        self == Self::NotRequired
    }
}

vocab! {
    /// How far a source can be trusted (the facts README's tags).
    Confidence {
        Sourced => "sourced",
        Secondary => "secondary",
        /// Not confirmed against a source.
        Memory => "memory",
    }
}

vocab! {
    /// How precisely a date is known. A month-precision date is stored as the first of the
    /// month, which the data says in a note.
    Precision {
        Day => "day",
        Month => "month",
        Year => "year",
    }
}

vocab! {
    /// How a tariff rate combines with others.
    TariffBasis {
        /// The rate includes the MFN duty and replaces other rates (the US-Japan 15% cap).
        AllIn => "all-in",
        /// Added on top of the MFN duty and of other additional rates.
        Additional => "additional",
    }
}

/// A set of vocabulary values packed into a `u32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Bits(pub u32);

impl Bits {
    pub fn has(self, bit: u32) -> bool {
        self.0 & bit != 0
    }
    pub fn intersects(self, other: Bits) -> bool {
        self.0 & other.0 != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Element set as a bit set over `Element::index()` (21 elements).
pub fn element_bit(e: chokepoint_core::Element) -> u32 {
    1u32 << e.index()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocab_round_trips_and_fits_in_u32() {
        for f in Form::ALL {
            assert_eq!(Form::parse(f.as_str()), Some(*f));
        }
        assert!(Form::ALL.len() < 32);
        assert_eq!(
            Presumption::parse("case-by-case"),
            Some(Presumption::CaseByCase)
        );
        assert_eq!(EndUse::parse("Military"), None);
        assert!(Presumption::Denial > Presumption::CaseByCase);
        assert!(LicenceStatus::Prohibited > LicenceStatus::Required);
        assert!(LicenceStatus::Undetermined > LicenceStatus::NotRequired);
    }

    #[test]
    fn unknown_facts_leave_conditions_open() {
        assert_eq!(
            Condition::MilitaryEndUser.holds(EndUser::Unknown, EndUse::Automotive),
            None
        );
        assert_eq!(
            Condition::AdvancedSemiconductor.holds(EndUser::Civil, EndUse::AdvancedSemiconductor),
            Some(true)
        );
    }
}
