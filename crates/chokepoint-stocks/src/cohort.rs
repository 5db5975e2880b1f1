//! Dynamic stock models by cohort on annual steps (flodym 1.1.0's discretisation, peers README
//! §3.1).
//!
//! A cohort is the inflow of one year. For a lifetime that does not change with the cohort or the
//! year, the share of cohort `c` still in use at the end of year `t` depends only on its age
//! index `a = t − c`: `survival[a] = S(a + e)`, where `e` is the age at the end of the entry
//! year ([`InflowAt`]). The share leaving in year `t` is `exit[0] = 1 − survival[0]` for the
//! entry year and `exit[a] = survival[a − 1] − survival[a]` after.
//!
//! * Inflow-driven: `stock[t] = Σ_{c ≤ t} inflow[c]·survival[t − c]`,
//!   `outflow[t] = Σ_{c ≤ t} inflow[c]·exit[t − c]`.
//! * Stock-driven: the same relation read the other way, a lower-triangular solve:
//!   `inflow[t] = (stock[t] − Σ_{c < t} inflow[c]·survival[t − c]) / survival[0]`, then the
//!   outflow as above.
//!
//! **Invariants.** Mass balance: `inflow[t] − outflow[t] = stock[t] − stock[t − 1]` every year
//! (to rounding), because the exit shares of a cohort telescope to `1 − survival[a]`. Memory is
//! O(T) per curve and O(T) per cell: the curve is stored once (the survival table flodym
//! materialises as T × T × cells is Toeplitz) and the stock by cohort is never stored; it is
//! computed on demand ([`InUseStock::stock_by_cohort`]). Work is T²/2 multiply-adds per series.
//!
//! The sums over cohorts use numpy's pairwise order (eight running partial sums over blocks of
//! at most 128 terms), which is both what flodym's `sum` does on one cell and what lets the
//! compiler keep eight independent lanes in SIMD registers.

use crate::error::{StockError, check_series};
use crate::lifetime::{InflowAt, Lifetime, Survival};

/// The survival and exit shares of one lifetime over a horizon, by age index.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalCurve {
    lifetime: Lifetime,
    inflow_at: InflowAt,
    survival: Vec<f64>,
    exit: Vec<f64>,
    // The same two, reversed, so a sum over cohorts reads both operands in ascending order.
    survival_rev: Vec<f64>,
    exit_rev: Vec<f64>,
}

impl SurvivalCurve {
    /// The curve of `lifetime` over `years` annual steps with inflow entering at `inflow_at`.
    pub fn new(lifetime: Lifetime, years: usize, inflow_at: InflowAt) -> Result<Self, StockError> {
        lifetime.validate()?;
        if years == 0 {
            return Err(StockError::NoYears);
        }
        let s = Survival::new(&lifetime);
        let entry_age = inflow_at.age_at_end_of_entry_year();
        let survival: Vec<f64> = (0..years).map(|a| s.at(a as f64 + entry_age)).collect();
        let exit: Vec<f64> = (0..years)
            .map(|a| {
                if a == 0 {
                    1.0 - survival[0]
                } else {
                    survival[a - 1] - survival[a]
                }
            })
            .collect();
        let survival_rev = survival.iter().rev().copied().collect();
        let exit_rev = exit.iter().rev().copied().collect();
        Ok(Self {
            lifetime,
            inflow_at,
            survival,
            exit,
            survival_rev,
            exit_rev,
        })
    }

    /// The lifetime the curve was built from.
    pub fn lifetime(&self) -> Lifetime {
        self.lifetime
    }

    /// Where in its year a cohort enters.
    pub fn inflow_at(&self) -> InflowAt {
        self.inflow_at
    }

    /// Number of annual steps.
    pub fn years(&self) -> usize {
        self.survival.len()
    }

    /// `survival()[a]`: the share of a cohort still in use at the end of its `a`-th year after
    /// entry (`a = 0` is the entry year).
    pub fn survival(&self) -> &[f64] {
        &self.survival
    }

    /// `exit()[a]`: the share of a cohort leaving use during its `a`-th year after entry.
    pub fn exit(&self) -> &[f64] {
        &self.exit
    }

    /// Σ_{c ≤ t} series[c]·exit[t − c].
    fn outflow_at(&self, series: &[f64], t: usize) -> f64 {
        let n = self.exit.len();
        dot_pairwise(&series[..=t], &self.exit_rev[n - 1 - t..])
    }
}

/// An in-use stock over time with its inflow and outflow (all per year; the stock at the end of
/// each year).
#[derive(Debug, Clone, PartialEq)]
pub struct InUseStock {
    /// Inflow into use per year (the cohorts).
    pub inflow: Vec<f64>,
    /// Stock in use at the end of each year.
    pub stock: Vec<f64>,
    /// Outflow to end of life per year.
    pub outflow: Vec<f64>,
}

impl InUseStock {
    /// Inflow-driven model: the cohorts' inflow and their lifetime give the stock and the
    /// outflow. `inflow` must have `curve.years()` finite values >= 0.
    pub fn from_inflow(inflow: &[f64], curve: &SurvivalCurve) -> Result<Self, StockError> {
        check_series("inflow", inflow, curve.years())?;
        let mut out = Self {
            inflow: inflow.to_vec(),
            stock: vec![0.0; inflow.len()],
            outflow: vec![0.0; inflow.len()],
        };
        inflow_driven_into(inflow, curve, &mut out.stock, &mut out.outflow);
        Ok(out)
    }

    /// Stock-driven model: the stock and the lifetime give the inflow (a lower-triangular
    /// solve) and the outflow. `stock` must have `curve.years()` finite values >= 0, and the
    /// entry-year survival must be > 0. The inflow comes out negative in a year the stock falls
    /// faster than its cohorts retire (as in flodym; nothing is clipped).
    pub fn from_stock(stock: &[f64], curve: &SurvivalCurve) -> Result<Self, StockError> {
        check_series("stock", stock, curve.years())?;
        let entry = curve.survival[0];
        if entry <= 0.0 {
            return Err(StockError::NoEntryYearSurvival { survival: entry });
        }
        let n = stock.len();
        let mut inflow = vec![0.0; n];
        for t in 0..n {
            // Survivors of the earlier cohorts: Σ_{c < t} inflow[c]·survival[t − c].
            let earlier = dot_pairwise(&inflow[..t], &curve.survival_rev[n - 1 - t..n - 1]);
            inflow[t] = (stock[t] - earlier) / entry;
        }
        let outflow = (0..n).map(|t| curve.outflow_at(&inflow, t)).collect();
        Ok(Self {
            inflow,
            stock: stock.to_vec(),
            outflow,
        })
    }

    /// Number of years.
    pub fn years(&self) -> usize {
        self.stock.len()
    }

    /// The stock at the end of year `t` by cohort: element `c` is what is left of cohort `c`
    /// (zero for `c > t`). Computed on demand; nothing of size T² is kept.
    pub fn stock_by_cohort<'a>(
        &'a self,
        t: usize,
        curve: &'a SurvivalCurve,
    ) -> impl Iterator<Item = f64> + 'a {
        (0..self.inflow.len()).map(move |c| {
            if c <= t {
                self.inflow[c] * curve.survival[t - c]
            } else {
                0.0
            }
        })
    }

    /// Net addition to stock minus what the flows say, per year:
    /// `inflow[t] − outflow[t] − (stock[t] − stock[t − 1])` (stock before year 0 is zero).
    pub fn balance(&self) -> Vec<f64> {
        (0..self.years())
            .map(|t| {
                let before = if t == 0 { 0.0 } else { self.stock[t - 1] };
                self.inflow[t] - self.outflow[t] - (self.stock[t] - before)
            })
            .collect()
    }
}

/// Inflow-driven stock and outflow written into the caller's buffers (no allocation; what the
/// multi-cell models use). Lengths must equal `curve.years()` and `inflow` must be checked.
pub(crate) fn inflow_driven_into(
    inflow: &[f64],
    curve: &SurvivalCurve,
    stock: &mut [f64],
    outflow: &mut [f64],
) {
    let n = curve.years();
    for t in 0..inflow.len() {
        // Both sums in one pass over the cohorts (each in the same order as on its own).
        let (s, o) = dot2_pairwise(
            &inflow[..=t],
            &curve.survival_rev[n - 1 - t..],
            &curve.exit_rev[n - 1 - t..],
        );
        stock[t] = s;
        outflow[t] = o;
    }
}

/// `(dot_pairwise(a, b), dot_pairwise(a, c))` in one pass, bit for bit the same.
fn dot2_pairwise(a: &[f64], b: &[f64], c: &[f64]) -> (f64, f64) {
    debug_assert!(a.len() == b.len() && a.len() == c.len());
    let n = a.len();
    if n < 8 {
        let (mut sb, mut sc) = (0.0, 0.0);
        for i in 0..n {
            sb += a[i] * b[i];
            sc += a[i] * c[i];
        }
        (sb, sc)
    } else if n <= 128 {
        let (mut rb, mut rc) = ([0.0f64; 8], [0.0f64; 8]);
        for j in 0..8 {
            rb[j] = a[j] * b[j];
            rc[j] = a[j] * c[j];
        }
        let whole = n - n % 8;
        let mut i = 8;
        while i < whole {
            let (x, y, z) = (&a[i..i + 8], &b[i..i + 8], &c[i..i + 8]);
            for j in 0..8 {
                rb[j] += x[j] * y[j];
                rc[j] += x[j] * z[j];
            }
            i += 8;
        }
        let mut sb = ((rb[0] + rb[1]) + (rb[2] + rb[3])) + ((rb[4] + rb[5]) + (rb[6] + rb[7]));
        let mut sc = ((rc[0] + rc[1]) + (rc[2] + rc[3])) + ((rc[4] + rc[5]) + (rc[6] + rc[7]));
        for k in whole..n {
            sb += a[k] * b[k];
            sc += a[k] * c[k];
        }
        (sb, sc)
    } else {
        let half = n / 2;
        let half = half - half % 8;
        let (lb, lc) = dot2_pairwise(&a[..half], &b[..half], &c[..half]);
        let (hb, hc) = dot2_pairwise(&a[half..], &b[half..], &c[half..]);
        (lb + hb, lc + hc)
    }
}

/// Σ a[i]·b[i] summed in numpy's pairwise order (`pairwise_sum` of the products): fewer than 8
/// terms left to right; up to 128 terms as eight partial sums over strided lanes, combined
/// ((0+1)+(2+3))+((4+5)+(6+7)), then the remainder left to right; more than 128 split in two
/// at half rounded down to a multiple of 8.
fn dot_pairwise(a: &[f64], b: &[f64]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let n = a.len();
    if n < 8 {
        let mut sum = 0.0;
        for i in 0..n {
            sum += a[i] * b[i];
        }
        sum
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        for j in 0..8 {
            r[j] = a[j] * b[j];
        }
        let whole = n - n % 8;
        let (a_blocks, a_rest) = a[8..].split_at(whole - 8);
        let (b_blocks, b_rest) = b[8..].split_at(whole - 8);
        for (x, y) in a_blocks.chunks_exact(8).zip(b_blocks.chunks_exact(8)) {
            for j in 0..8 {
                r[j] += x[j] * y[j];
            }
        }
        let mut sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (x, y) in a_rest.iter().zip(b_rest) {
            sum += x * y;
        }
        sum
    } else {
        let half = n / 2;
        let half = half - half % 8;
        dot_pairwise(&a[..half], &b[..half]) + dot_pairwise(&a[half..], &b[half..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_dot_equals_plain_dot_on_exact_values() {
        // Small integers: every order of summation is exact, so all branches must agree with
        // the plain sum.
        for n in [0usize, 1, 7, 8, 9, 16, 127, 128, 129, 200, 300] {
            let a: Vec<f64> = (0..n).map(|i| (i % 13) as f64).collect();
            let b: Vec<f64> = (0..n).map(|i| (i % 7) as f64 - 3.0).collect();
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert_eq!(dot_pairwise(&a, &b), plain, "n = {n}");
        }
    }

    #[test]
    fn fused_dot_is_bit_identical_to_two_dots() {
        for n in [0usize, 3, 8, 13, 128, 129, 200, 333] {
            let a: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin().abs()).collect();
            let b: Vec<f64> = (0..n).map(|i| 1.0 / (1.0 + i as f64)).collect();
            let c: Vec<f64> = (0..n).map(|i| (i as f64 * 1.3).cos()).collect();
            let (sb, sc) = dot2_pairwise(&a, &b, &c);
            assert_eq!(sb.to_bits(), dot_pairwise(&a, &b).to_bits(), "n = {n}");
            assert_eq!(sc.to_bits(), dot_pairwise(&a, &c).to_bits(), "n = {n}");
        }
    }

    #[test]
    fn exit_shares_of_a_cohort_telescope() {
        let c = SurvivalCurve::new(
            Lifetime::Weibull {
                scale: 4.0,
                shape: 2.0,
            },
            30,
            InflowAt::Middle,
        )
        .unwrap();
        for a in 0..30 {
            let left: f64 = c.exit()[..=a].iter().sum();
            assert!((left - (1.0 - c.survival()[a])).abs() < 1e-15);
        }
    }
}
