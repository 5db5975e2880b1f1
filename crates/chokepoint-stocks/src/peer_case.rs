//! The rare-earth MFA case used to check this crate against flodym 1.1.0 (peers README §3.2):
//! NdPr + Dy in NdFeB magnets, one material, products EV motors (Normal(15, 4)), wind turbines
//! (Weibull(scale 25, shape 3.5)) and electronics (LogNormal(mean 5, sd 2)), logistic inflow,
//! fabrication yield 0.80, recycling yield 0.90, mid-year inflow. Quantities in kt and kt/a.
//!
//! Product `j >= 3` repeats family `j mod 3` with `g = j div 3`: mean, standard deviation and
//! Weibull scale × (1 + 0.1 g) (the Weibull shape is not scaled), ceiling K / (1 + 0.2 g),
//! midpoint t0 + 2 g, same collection rate. Region `r` has weight w_r = 1 / (1 + 0.1 r) and its
//! logistic is shifted by `r` years:
//! inflow(t, r, p) = K_p · w_r / (1 + exp(−k_p (t − t0_p − r))).
//!
//! The numbers are a synthetic benchmark case, not data: they exist so both models run on
//! identical inputs.

use crate::error::StockError;
use crate::lifetime::{InflowAt, Lifetime};
use crate::system::{Product, System, Yields};

/// Fabrication yield of the case.
pub const FABRICATION_YIELD: f64 = 0.80;
/// Recycling yield of the case.
pub const RECYCLING_YIELD: f64 = 0.90;

struct Family {
    name: &'static str,
    kind: Kind,
    a: f64,
    b: f64,
    ceiling: f64,
    rate: f64,
    midpoint: f64,
    collection: f64,
}

#[derive(Clone, Copy)]
enum Kind {
    Normal,
    Weibull,
    LogNormal,
}

const FAMILIES: [Family; 3] = [
    Family {
        name: "EV_motor",
        kind: Kind::Normal,
        a: 15.0,
        b: 4.0,
        ceiling: 60.0,
        rate: 0.25,
        midpoint: 2030.0,
        collection: 0.60,
    },
    Family {
        name: "wind_turbine",
        kind: Kind::Weibull,
        a: 25.0,
        b: 3.5,
        ceiling: 25.0,
        rate: 0.15,
        midpoint: 2030.0,
        collection: 0.70,
    },
    Family {
        name: "electronics",
        kind: Kind::LogNormal,
        a: 5.0,
        b: 2.0,
        ceiling: 15.0,
        rate: 0.12,
        midpoint: 2005.0,
        collection: 0.10,
    },
];

/// The case over `regions` regions, `products` products and the years `first..=last`: the
/// system and its inflow (cell-major, as [`System::run`] takes it).
pub fn ree_case(
    regions: usize,
    products: usize,
    first: i32,
    last: i32,
) -> Result<(System, Vec<f64>), StockError> {
    let (system, logistic) = build(regions, products, first, last)?;
    Ok((system, inflow(regions, first, last, &logistic)))
}

/// The system of the case alone (products, lifetimes and their survival curves, yields): what
/// flodym's `compute()` builds, without the inflow, which its harness builds beforehand.
pub fn ree_system(
    regions: usize,
    products: usize,
    first: i32,
    last: i32,
) -> Result<System, StockError> {
    Ok(build(regions, products, first, last)?.0)
}

type Logistic = (f64, f64, f64);

fn build(
    regions: usize,
    products: usize,
    first: i32,
    last: i32,
) -> Result<(System, Vec<Logistic>), StockError> {
    if last < first {
        return Err(StockError::NoYears);
    }
    let years = (last - first + 1) as usize;
    let mut list = Vec::with_capacity(products);
    let mut logistic = Vec::with_capacity(products);
    for j in 0..products {
        let f = &FAMILIES[j % 3];
        let g = (j / 3) as f64;
        let (mut a, mut b, mut ceiling, mut midpoint) = (f.a, f.b, f.ceiling, f.midpoint);
        let mut name = f.name.to_owned();
        if j >= 3 {
            name = format!("{name}_{}", j / 3);
            a *= 1.0 + 0.1 * g;
            if !matches!(f.kind, Kind::Weibull) {
                b *= 1.0 + 0.1 * g;
            }
            ceiling /= 1.0 + 0.2 * g;
            midpoint += 2.0 * g;
        }
        let lifetime = match f.kind {
            Kind::Normal => Lifetime::Normal { mean: a, std: b },
            Kind::Weibull => Lifetime::Weibull { scale: a, shape: b },
            Kind::LogNormal => Lifetime::LogNormal { mean: a, std: b },
        };
        list.push(Product {
            name,
            lifetime,
            collection_rate: f.collection,
        });
        logistic.push((ceiling, f.rate, midpoint));
    }
    let system = System::new(
        years,
        regions,
        list,
        Yields {
            fabrication: FABRICATION_YIELD,
            recycling: RECYCLING_YIELD,
        },
        InflowAt::Middle,
    )?;
    Ok((system, logistic))
}

fn inflow(regions: usize, first: i32, last: i32, logistic: &[Logistic]) -> Vec<f64> {
    let years = (last - first + 1) as usize;
    let mut inflow = Vec::with_capacity(regions * logistic.len() * years);
    for r in 0..regions {
        let rf = r as f64;
        let weight = 1.0 / (1.0 + 0.1 * rf);
        for &(ceiling, rate, midpoint) in logistic {
            for y in first..=last {
                let t = f64::from(y);
                inflow.push(ceiling * weight / (1.0 + (-rate * (t - midpoint - rf)).exp()));
            }
        }
    }
    inflow
}
