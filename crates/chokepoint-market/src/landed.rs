//! Landed cost, and the rare-earth cost embodied in one unit of an end product.

use crate::MarketError;
use chokepoint_core::Element;
use serde::Serialize;

/// Landed cost per kg: `price x (1 + tariff) + freight` (tariff a fraction: 0.25 = 25%; freight
/// in USD/kg when the data has it). Errors name the argument.
pub fn landed_cost(price: f64, tariff: f64, freight: Option<f64>) -> Result<f64, MarketError> {
    let check = |field: &str, v: f64| {
        if v.is_finite() && v >= 0.0 {
            Ok(())
        } else {
            Err(MarketError::Invalid {
                field: field.into(),
                value: v,
                message: "expected a finite number >= 0".into(),
            })
        }
    };
    check("price", price)?;
    check("tariff", tariff)?;
    if let Some(f) = freight {
        check("freight", f)?;
    }
    Ok(price * (1.0 + tariff) + freight.unwrap_or(0.0))
}

/// One element's share of an end product's rare-earth cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentLine {
    pub element: Element,
    /// kg of element per unit of product.
    pub element_kg: f64,
    /// kg of the element's trade oxide that carries it.
    pub oxide_kg: f64,
    /// USD/kg of oxide (landed).
    pub oxide_price: f64,
    pub cost_usd: f64,
}

/// The rare-earth cost of one unit of an end product.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentCost {
    pub lines: Vec<ContentLine>,
    pub total_usd: f64,
}

/// The cost of the rare earths in one unit of a product whose content is `content` (element,
/// tonnes per unit, as `materials.csv` gives it), priced as trade oxide: kg oxide =
/// kg element / the element's mass fraction of its oxide. `price` gives USD/kg of an element's
/// oxide; an element without a price is an error naming it (a partial sum would understate).
pub fn content_cost(
    product: &str,
    content: &[(Element, f64)],
    price: impl Fn(Element) -> Option<f64>,
) -> Result<ContentCost, MarketError> {
    let mut lines = Vec::new();
    let mut total = 0.0;
    for &(element, tonnes) in content {
        if !tonnes.is_finite() || tonnes < 0.0 {
            return Err(MarketError::Invalid {
                field: format!("{product} content {}", element.symbol()),
                value: tonnes,
                message: "expected tonnes per unit >= 0".into(),
            });
        }
        let p = price(element).ok_or_else(|| MarketError::MissingBasePrice {
            market: format!("{product}: {} oxide", element.symbol()),
            message: "the product contains it but no oxide price is given".into(),
        })?;
        let element_kg = tonnes * 1000.0;
        let oxide_kg = element_kg / element.element_fraction_of_oxide();
        let cost = oxide_kg * p;
        total += cost;
        lines.push(ContentLine {
            element,
            element_kg,
            oxide_kg,
            oxide_price: p,
            cost_usd: cost,
        });
    }
    Ok(ContentCost {
        lines,
        total_usd: total,
    })
}
