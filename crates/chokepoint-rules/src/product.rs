//! What is checked: a product (its materials by mass and value, each material's element content
//! and the origin of its rare-earth content by country) and a shipment of it (exporter,
//! destination, end user, end use, date).
//!
//! Invariants (enforced by [`Product::new`]): masses and values are finite and non-negative;
//! element content fractions are in [0, 1] and sum to at most 1 per material; origin shares are in
//! [0, 1] and sum to at most 1 per material (the remainder is *unknown* origin, which the checker
//! reports as a gap when it could change the answer). The derived masks are computed once here so
//! that checks do not allocate.

use crate::vocab::{Bits, EndUse, EndUser, Form, Goods, TariffClass, Technology, element_bit};
use chokepoint_core::{CountryCode, Date, Element};
use serde::Serialize;

/// Rounding slack for shares that should sum to 1 (decimal inputs such as 0.7 + 0.2 + 0.1).
pub const SHARE_TOLERANCE: f64 = 1e-9;

/// One material in a product.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaterialLine {
    pub name: String,
    pub form: Form,
    pub mass_kg: f64,
    /// Value of this material as incorporated (what the content rule counts), USD.
    pub value_usd: f64,
    /// Mass fraction of each element in the material.
    pub content: Vec<(Element, f64)>,
    /// Share of the material's rare-earth content by country of origin.
    pub re_origin: Vec<(CountryCode, f64)>,
    #[serde(skip)]
    pub(crate) element_mask: u32,
}

impl MaterialLine {
    /// Share of this line's rare-earth content that comes from `country` (0 when not stated).
    pub fn origin_share(&self, country: CountryCode) -> f64 {
        self.re_origin
            .iter()
            .filter(|(c, _)| *c == country)
            .map(|(_, s)| *s)
            .sum()
    }

    /// Share of the rare-earth content whose origin is not stated.
    pub fn unknown_origin_share(&self) -> f64 {
        let known: f64 = self.re_origin.iter().map(|(_, s)| *s).sum();
        (1.0 - known).max(0.0)
    }

    pub fn element_mask(&self) -> u32 {
        self.element_mask
    }
}

/// A product as shipped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Product {
    pub id: String,
    pub name: String,
    /// The form in which the product crosses the border.
    pub form: Form,
    pub goods: Option<Goods>,
    /// Technologies transferred with the shipment (only meaningful for `form = technology`).
    pub technologies: Vec<Technology>,
    pub tariff_class: TariffClass,
    /// Country where the product was made (its origin for tariffs and for "foreign-made").
    pub made_in: CountryCode,
    /// Origin of the rare-earth processing technology used to make it; `None` = not stated.
    pub tech_origin: Option<CountryCode>,
    /// Customs value of the product, USD.
    pub value_usd: f64,
    pub materials: Vec<MaterialLine>,
    #[serde(skip)]
    pub(crate) element_mask: u32,
    #[serde(skip)]
    pub(crate) technology_mask: u32,
}

/// A problem with a product, naming the field (`materials[1].content.Dy`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}`: {message}")]
pub struct ProductError {
    pub field: String,
    pub message: String,
}

/// The unchecked description of a product, as a parser or caller builds it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductSpec {
    pub id: String,
    pub name: String,
    pub form: Form,
    pub goods: Option<Goods>,
    pub technologies: Vec<Technology>,
    pub tariff_class: TariffClass,
    pub made_in: CountryCode,
    pub tech_origin: Option<CountryCode>,
    /// `None`: the sum of the material values.
    pub value_usd: Option<f64>,
    pub materials: Vec<MaterialSpec>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MaterialSpec {
    pub name: String,
    pub form: Form,
    pub mass_kg: f64,
    pub value_usd: f64,
    pub content: Vec<(Element, f64)>,
    pub re_origin: Vec<(CountryCode, f64)>,
}

fn check_amount(errs: &mut Vec<ProductError>, field: String, v: f64, what: &str) {
    if !v.is_finite() {
        errs.push(ProductError {
            field,
            message: format!("{what} {v} is not a finite number"),
        });
    } else if v < 0.0 {
        errs.push(ProductError {
            field,
            message: format!("{what} {v} is negative"),
        });
    }
}

fn check_share(errs: &mut Vec<ProductError>, field: String, v: f64) {
    if !v.is_finite() || !(0.0..=1.0).contains(&v) {
        errs.push(ProductError {
            field,
            message: format!(
                "share {v} is outside [0, 1] (shares are fractions: 1.0 = 100%, {:.1}% given)",
                v * 100.0
            ),
        });
    }
}

impl Product {
    /// Validates a spec; returns every problem found.
    pub fn new(spec: ProductSpec) -> Result<Product, Vec<ProductError>> {
        let mut errs = Vec::new();
        let mut materials = Vec::with_capacity(spec.materials.len());
        let mut element_mask = 0u32;
        let mut sum_values = 0.0;
        for (i, m) in spec.materials.into_iter().enumerate() {
            let f = |s: &str| format!("materials[{i}].{s}");
            check_amount(&mut errs, f("mass_kg"), m.mass_kg, "mass");
            check_amount(&mut errs, f("value_usd"), m.value_usd, "value");
            let mut total = 0.0;
            let mut mask = 0u32;
            for (e, share) in &m.content {
                check_share(&mut errs, f(&format!("content.{e}")), *share);
                if share.is_finite() {
                    total += share;
                }
                if *share > 0.0 {
                    mask |= element_bit(*e);
                }
            }
            if total > 1.0 + SHARE_TOLERANCE {
                errs.push(ProductError {
                    field: f("content"),
                    message: format!(
                        "element mass fractions sum to {total} ({:.1}%), above 100%",
                        total * 100.0
                    ),
                });
            }
            let mut origin_total = 0.0;
            for (c, share) in &m.re_origin {
                check_share(&mut errs, f(&format!("re_origin.{c}")), *share);
                if share.is_finite() {
                    origin_total += share;
                }
            }
            if origin_total > 1.0 + SHARE_TOLERANCE {
                errs.push(ProductError {
                    field: f("re_origin"),
                    message: format!(
                        "origin shares sum to {origin_total} ({:.1}%), above 100%",
                        origin_total * 100.0
                    ),
                });
            }
            if m.value_usd.is_finite() {
                sum_values += m.value_usd;
            }
            element_mask |= mask;
            materials.push(MaterialLine {
                name: m.name,
                form: m.form,
                mass_kg: m.mass_kg,
                value_usd: m.value_usd,
                content: m.content,
                re_origin: m.re_origin,
                element_mask: mask,
            });
        }
        let value_usd = match spec.value_usd {
            Some(v) => {
                check_amount(&mut errs, "value_usd".into(), v, "value");
                if v.is_finite() && v + 1e-9 < sum_values {
                    errs.push(ProductError {
                        field: "value_usd".into(),
                        message: format!(
                            "product value {v} is below the sum of its material values {sum_values}"
                        ),
                    });
                }
                v
            }
            None => sum_values,
        };
        let technology_mask = spec.technologies.iter().fold(0, |m, t| m | t.bit());
        if errs.is_empty() {
            Ok(Product {
                id: spec.id,
                name: spec.name,
                form: spec.form,
                goods: spec.goods,
                technologies: spec.technologies,
                tariff_class: spec.tariff_class,
                made_in: spec.made_in,
                tech_origin: spec.tech_origin,
                value_usd,
                materials,
                element_mask,
                technology_mask,
            })
        } else {
            Err(errs)
        }
    }

    /// Elements present in any material with a non-zero fraction.
    pub fn elements(&self) -> impl Iterator<Item = Element> + '_ {
        Element::ALL
            .into_iter()
            .filter(|e| self.element_mask & element_bit(*e) != 0)
    }

    pub(crate) fn element_bits(&self) -> Bits {
        Bits(self.element_mask)
    }
}

/// One shipment of a product on one lane and date. Borrowing the product lets the simulator ask
/// about many lanes and dates without copying BOMs.
#[derive(Debug, Clone, Copy)]
pub struct Shipment<'a> {
    pub product: &'a Product,
    pub exporter: CountryCode,
    pub destination: CountryCode,
    pub end_user: EndUser,
    pub end_use: EndUse,
    pub date: Date,
    /// The exporter holds a general licence (Dec 2025 general licences went to selected
    /// exporters; eligibility itself is not modelled).
    pub holds_general_licence: bool,
}
