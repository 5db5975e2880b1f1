//! In-use stocks of several products in several regions, with collection and recycling feeding
//! secondary material back to fabrication: the system of flodym's REE case (peers README §3.2),
//! with the processes sysenv (outside the system), fabrication, use, end of life and recycling.
//!
//! Per region `r`, product `p` and year `t`:
//!
//! | flow | route | value |
//! |---|---|---|
//! | F3 `inflow` | fabrication → use | given (r, p) |
//! | F5 `outflow` | use → end of life | outflow of the inflow-driven stock (r, p) |
//! | F6 `collected` | end of life → recycling | F5 · collection_rate_p |
//! | F7 `uncollected` | end of life → sysenv | F5 · (1 − collection_rate_p) |
//! | F2 `recycled` | recycling → fabrication | recycling_yield · Σ_p F6 (r) |
//! | F8 `recycling_loss` | recycling → sysenv | (1 − recycling_yield) · Σ_p F6 (r) |
//! | F4 `fabrication_loss` | fabrication → sysenv | Σ_p F3 · (1/fabrication_yield − 1) (r) |
//! | F1 `primary` | sysenv → fabrication | Σ_p F3 / fabrication_yield − F2 (r) |
//!
//! Recycled material re-enters at fabrication in the year it is collected and displaces primary
//! material one for one. F1 is not clipped: in a year recycling returns more than fabrication
//! needs, it is negative (a surplus of secondary material leaving the system), as in flodym.
//!
//! **Invariants.** Every process balances every year (fabrication F1 + F2 = Σ F3 + F4; use
//! F3 − F5 = Δstock; end of life F5 = F6 + F7; recycling Σ F6 = F2 + F8), to rounding:
//! [`SystemFlows::max_imbalance`]. Each (region, product) cell is an independent stock; the
//! survival curve is computed once per product (lifetimes do not vary by region here), so the
//! survival function is evaluated T × products times, not T² × cells.

use crate::cohort::{SurvivalCurve, inflow_driven_into};
use crate::error::{StockError, check_series, check_share};
use crate::lifetime::{InflowAt, Lifetime};

/// A product in use: its lifetime and the share of its end-of-life outflow that is collected.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// The product's name (a sector or end use).
    pub name: String,
    /// How long it stays in use.
    pub lifetime: Lifetime,
    /// Share of its end-of-life outflow collected for recycling, in [0, 1].
    pub collection_rate: f64,
}

/// The material yields around use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Yields {
    /// Share of fabrication input that ends up in the product, in (0, 1].
    pub fabrication: f64,
    /// Share of collected material the recycling process returns to fabrication, in [0, 1].
    pub recycling: f64,
}

/// Regions × products of in-use stock on one annual time axis, with the recycling loop.
#[derive(Debug, Clone)]
pub struct System {
    years: usize,
    regions: usize,
    products: Vec<Product>,
    yields: Yields,
    curves: Vec<SurvivalCurve>,
}

/// The flows and stocks of a [`System`] run. Cell series are laid out cell-major
/// (`cell = region · products + product`, then year); region series region-major.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemFlows {
    /// Number of years.
    pub years: usize,
    /// Number of regions.
    pub regions: usize,
    /// Number of products.
    pub products: usize,
    /// F3 by cell.
    pub inflow: Vec<f64>,
    /// In-use stock at the end of each year by cell.
    pub stock: Vec<f64>,
    /// F5 by cell.
    pub outflow: Vec<f64>,
    /// F6 by cell.
    pub collected: Vec<f64>,
    /// F7 by cell.
    pub uncollected: Vec<f64>,
    /// F2 by region.
    pub recycled: Vec<f64>,
    /// F8 by region.
    pub recycling_loss: Vec<f64>,
    /// F4 by region.
    pub fabrication_loss: Vec<f64>,
    /// F1 by region.
    pub primary: Vec<f64>,
}

impl System {
    /// A system over `years` annual steps and `regions` regions. Errors name the product and
    /// field (`products[1].collection_rate`, `products[0].lifetime.std`, `yields.recycling`).
    pub fn new(
        years: usize,
        regions: usize,
        products: Vec<Product>,
        yields: Yields,
        inflow_at: InflowAt,
    ) -> Result<Self, StockError> {
        if years == 0 {
            return Err(StockError::NoYears);
        }
        check_share("yields.fabrication", yields.fabrication, true)?;
        check_share("yields.recycling", yields.recycling, false)?;
        let mut curves = Vec::with_capacity(products.len());
        for (i, p) in products.iter().enumerate() {
            check_share(
                &format!("products[{i}].collection_rate"),
                p.collection_rate,
                false,
            )?;
            let curve = SurvivalCurve::new(p.lifetime, years, inflow_at).map_err(|e| match e {
                StockError::Parameter {
                    field,
                    value,
                    expected,
                } => StockError::Parameter {
                    field: format!("products[{i}].{field}"),
                    value,
                    expected,
                },
                other => other,
            })?;
            curves.push(curve);
        }
        Ok(Self {
            years,
            regions,
            products,
            yields,
            curves,
        })
    }

    /// The products, in cell order.
    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// Survival curve of product `p`.
    pub fn curve(&self, p: usize) -> &SurvivalCurve {
        &self.curves[p]
    }

    /// Number of years.
    pub fn years(&self) -> usize {
        self.years
    }

    /// Number of regions.
    pub fn regions(&self) -> usize {
        self.regions
    }

    /// Runs the system on `inflow` (F3), laid out cell-major: `regions · products` series of
    /// `years` values each, finite and >= 0.
    pub fn run(&self, inflow: &[f64]) -> Result<SystemFlows, StockError> {
        let (n_t, n_r, n_p) = (self.years, self.regions, self.products.len());
        let cells = n_r * n_p;
        if inflow.len() != cells * n_t {
            return Err(StockError::Length {
                field: "inflow".into(),
                expected: cells * n_t,
                got: inflow.len(),
            });
        }
        for cell in 0..cells {
            let series = &inflow[cell * n_t..(cell + 1) * n_t];
            let (r, p) = (cell / n_p, cell % n_p);
            check_series(&format!("inflow[region {r}][product {p}]"), series, n_t)?;
        }
        let mut stock = vec![0.0; cells * n_t];
        let mut outflow = vec![0.0; cells * n_t];
        for cell in 0..cells {
            let range = cell * n_t..(cell + 1) * n_t;
            inflow_driven_into(
                &inflow[range.clone()],
                &self.curves[cell % n_p],
                &mut stock[range.clone()],
                &mut outflow[range],
            );
        }
        let mut collected = vec![0.0; cells * n_t];
        let mut uncollected = vec![0.0; cells * n_t];
        for cell in 0..cells {
            let rate = self.products[cell % n_p].collection_rate;
            for i in cell * n_t..(cell + 1) * n_t {
                collected[i] = outflow[i] * rate;
                uncollected[i] = outflow[i] * (1.0 - rate);
            }
        }
        let (y_fab, y_rec) = (self.yields.fabrication, self.yields.recycling);
        let mut recycled = vec![0.0; n_r * n_t];
        let mut recycling_loss = vec![0.0; n_r * n_t];
        let mut fabrication_loss = vec![0.0; n_r * n_t];
        let mut primary = vec![0.0; n_r * n_t];
        for r in 0..n_r {
            for t in 0..n_t {
                let (mut to_fabrication, mut to_recycling) = (0.0, 0.0);
                for p in 0..n_p {
                    let i = (r * n_p + p) * n_t + t;
                    to_fabrication += inflow[i];
                    to_recycling += collected[i];
                }
                let i = r * n_t + t;
                recycled[i] = to_recycling * y_rec;
                recycling_loss[i] = to_recycling * (1.0 - y_rec);
                fabrication_loss[i] = to_fabrication * (1.0 / y_fab - 1.0);
                primary[i] = to_fabrication / y_fab - recycled[i];
            }
        }
        Ok(SystemFlows {
            years: n_t,
            regions: n_r,
            products: n_p,
            inflow: inflow.to_vec(),
            stock,
            outflow,
            collected,
            uncollected,
            recycled,
            recycling_loss,
            fabrication_loss,
            primary,
        })
    }
}

impl SystemFlows {
    /// Index of (region, product, year) in the cell series.
    pub fn cell(&self, region: usize, product: usize, year: usize) -> usize {
        (region * self.products + product) * self.years + year
    }

    /// Index of (region, year) in the region series.
    pub fn region(&self, region: usize, year: usize) -> usize {
        region * self.years + year
    }

    /// The largest absolute imbalance of any process in any year (fabrication, use, end of
    /// life, recycling), in the flows' unit.
    pub fn max_imbalance(&self) -> f64 {
        let mut worst = 0.0f64;
        for r in 0..self.regions {
            for t in 0..self.years {
                let (mut f3, mut f6) = (0.0, 0.0);
                for p in 0..self.products {
                    let i = self.cell(r, p, t);
                    f3 += self.inflow[i];
                    f6 += self.collected[i];
                    let before = if t == 0 { 0.0 } else { self.stock[i - 1] };
                    worst = worst
                        .max((self.inflow[i] - self.outflow[i] - (self.stock[i] - before)).abs())
                        .max((self.outflow[i] - self.collected[i] - self.uncollected[i]).abs());
                }
                let j = self.region(r, t);
                worst = worst
                    .max((self.primary[j] + self.recycled[j] - f3 - self.fabrication_loss[j]).abs())
                    .max((f6 - self.recycled[j] - self.recycling_loss[j]).abs());
            }
        }
        worst
    }
}
