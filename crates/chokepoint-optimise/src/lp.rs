//! Sparse linear programs and their solution by HiGHS.
//!
//! [`LinearProgram`] is built column by column with rows declared first (the order HiGHS's
//! column-wise interface wants), every row tagged with what it means in its program so a
//! violated one can be named. [`LinearProgram::solve`] hands it to HiGHS (the `highs` crate,
//! output switched off), insists on the `Optimal` model status, clamps the returned columns
//! into their bounds (HiGHS may return values a tolerance outside them) and then re-checks
//! every row here; the objective reported is recomputed from the clamped point.
//!
//! Invariants: the program always minimises; sizes are checked against HiGHS's 32-bit indices
//! before anything is passed to it; HiGHS is deterministic for a given program (its default
//! options, fixed random seed), so the same program gives a bit-identical solution.

use crate::error::{OptimiseError, Result};
use highs::{ColProblem, HighsModelStatus, Sense};
use serde::{Deserialize, Serialize};

/// Relative feasibility tolerance of the re-check (HiGHS's own primal tolerance is 1e-7).
const FEASIBILITY_TOLERANCE: f64 = 1e-6;

/// A column (variable) of a [`LinearProgram`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Column(usize);

impl Column {
    /// Position of the column in the solution vector.
    pub fn index(self) -> usize {
        self.0
    }
}

/// A row (constraint) of a [`LinearProgram`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RowId(usize);

/// What a row means, for messages: a kind and up to three indices (path, period, candidate...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowTag {
    /// The kind of constraint, e.g. "cumulative release of path {0}, candidate {1}".
    pub kind: &'static str,
    /// Indices substituted for `{0}`, `{1}`, `{2}` in `kind`.
    pub index: [usize; 3],
}

impl RowTag {
    /// A tag with indices.
    pub fn new(kind: &'static str, index: [usize; 3]) -> Self {
        Self { kind, index }
    }

    fn describe(&self) -> String {
        self.kind
            .replace("{0}", &self.index[0].to_string())
            .replace("{1}", &self.index[1].to_string())
            .replace("{2}", &self.index[2].to_string())
    }
}

/// The size of a program as handed to HiGHS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LpSize {
    /// Constraints.
    pub rows: usize,
    /// Variables.
    pub columns: usize,
    /// Nonzero coefficients of the constraint matrix.
    pub nonzeros: usize,
}

/// A minimisation LP: `min c·x + offset` subject to `row_lower <= A x <= row_upper`,
/// `lower <= x <= upper`.
#[derive(Debug, Clone)]
pub struct LinearProgram {
    name: &'static str,
    offset: f64,
    cost: Vec<f64>,
    lower: Vec<f64>,
    upper: Vec<f64>,
    /// Per column: (row, coefficient).
    entries: Vec<Vec<(usize, f64)>>,
    row_lower: Vec<f64>,
    row_upper: Vec<f64>,
    row_tags: Vec<RowTag>,
    nonzeros: usize,
}

/// An optimal solution, re-checked.
#[derive(Debug, Clone, PartialEq)]
pub struct LpSolution {
    /// Column values, clamped into their bounds, in column order.
    pub columns: Vec<f64>,
    /// `c·x + offset` at `columns`.
    pub objective: f64,
    /// HiGHS's model status (always `Optimal` here).
    pub status: String,
    /// The program's size.
    pub size: LpSize,
}

impl LpSolution {
    /// Value of a column.
    pub fn value(&self, c: Column) -> f64 {
        self.columns[c.0]
    }
}

impl LinearProgram {
    /// An empty program; `name` is used in error messages ("stockpile program").
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            offset: 0.0,
            cost: Vec::new(),
            lower: Vec::new(),
            upper: Vec::new(),
            entries: Vec::new(),
            row_lower: Vec::new(),
            row_upper: Vec::new(),
            row_tags: Vec::new(),
            nonzeros: 0,
        }
    }

    /// Adds a constant to the objective.
    pub fn add_objective_constant(&mut self, c: f64) {
        self.offset += c;
    }

    /// Declares a row `lower <= Σ a x <= upper`; its coefficients come with the columns.
    pub fn add_row(&mut self, lower: f64, upper: f64, tag: RowTag) -> RowId {
        self.row_lower.push(lower);
        self.row_upper.push(upper);
        self.row_tags.push(tag);
        RowId(self.row_lower.len() - 1)
    }

    /// Adds a column with objective coefficient `cost`, bounds, and its row coefficients.
    pub fn add_column(
        &mut self,
        cost: f64,
        lower: f64,
        upper: f64,
        coefficients: &[(RowId, f64)],
    ) -> Column {
        self.cost.push(cost);
        self.lower.push(lower);
        self.upper.push(upper);
        self.entries
            .push(coefficients.iter().map(|&(r, a)| (r.0, a)).collect());
        self.nonzeros += coefficients.len();
        Column(self.cost.len() - 1)
    }

    /// The program's size.
    pub fn size(&self) -> LpSize {
        LpSize {
            rows: self.row_lower.len(),
            columns: self.cost.len(),
            nonzeros: self.nonzeros,
        }
    }

    /// Solves with HiGHS and re-checks the solution.
    pub fn solve(&self) -> Result<LpSolution> {
        let size = self.size();
        let limit = i32::MAX as usize;
        for (what, count) in [
            ("rows", size.rows),
            ("columns", size.columns),
            ("nonzeros", size.nonzeros),
        ] {
            if count > limit {
                return Err(OptimiseError::TooLarge {
                    program: self.name,
                    what,
                    count,
                    limit,
                });
            }
        }
        let mut problem = ColProblem::default();
        let rows: Vec<highs::Row> = self
            .row_lower
            .iter()
            .zip(&self.row_upper)
            .map(|(&lo, &hi)| problem.add_row(lo..=hi))
            .collect();
        for j in 0..self.cost.len() {
            let factors: Vec<(highs::Row, f64)> =
                self.entries[j].iter().map(|&(r, a)| (rows[r], a)).collect();
            problem.add_column(self.cost[j], self.lower[j]..=self.upper[j], factors);
        }
        let not_optimal = |status: String| OptimiseError::NotOptimal {
            program: self.name,
            status,
        };
        let model = problem
            .try_optimise(Sense::Minimise)
            .map_err(|s| not_optimal(format!("model rejected ({s:?})")))?;
        let solved = model
            .try_solve()
            .map_err(|s| not_optimal(format!("run failed ({s:?})")))?;
        let status = solved.status();
        if status != HighsModelStatus::Optimal {
            return Err(not_optimal(format!("{status:?}")));
        }
        let raw = solved.get_solution();
        let mut x: Vec<f64> = raw.columns().to_vec();
        for (j, v) in x.iter_mut().enumerate() {
            *v = v.clamp(self.lower[j], self.upper[j]);
        }
        self.check(&x)?;
        let objective = self.offset + self.cost.iter().zip(&x).map(|(c, v)| c * v).sum::<f64>();
        Ok(LpSolution {
            columns: x,
            objective,
            status: format!("{status:?}"),
            size,
        })
    }

    /// Re-checks `A x` against the row bounds, relative to the magnitude of the terms.
    fn check(&self, x: &[f64]) -> Result<()> {
        let m = self.row_lower.len();
        let mut activity = vec![0.0; m];
        let mut magnitude = vec![0.0; m];
        for (j, col) in self.entries.iter().enumerate() {
            for &(r, a) in col {
                activity[r] += a * x[j];
                magnitude[r] += (a * x[j]).abs();
            }
        }
        for r in 0..m {
            let (lo, hi) = (self.row_lower[r], self.row_upper[r]);
            let scale = 1.0
                + magnitude[r]
                + if lo.is_finite() { lo.abs() } else { 0.0 }
                + if hi.is_finite() { hi.abs() } else { 0.0 };
            let violation = (lo - activity[r]).max(activity[r] - hi).max(0.0);
            if !activity[r].is_finite() || violation > FEASIBILITY_TOLERANCE * scale {
                return Err(OptimiseError::SolutionCheck {
                    program: self.name,
                    constraint: self.row_tags[r].describe(),
                    violation,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_small_lp_and_reports_its_size() {
        // min -x - 2y  s.t.  x + y <= 4, x <= 3, 0 <= y <= 2.5
        let mut lp = LinearProgram::new("test program");
        let r = lp.add_row(f64::NEG_INFINITY, 4.0, RowTag::new("capacity", [0; 3]));
        let x = lp.add_column(-1.0, 0.0, 3.0, &[(r, 1.0)]);
        let y = lp.add_column(-2.0, 0.0, 2.5, &[(r, 1.0)]);
        lp.add_objective_constant(10.0);
        let sol = lp.solve().expect("optimal");
        assert!((sol.value(x) - 1.5).abs() < 1e-9);
        assert!((sol.value(y) - 2.5).abs() < 1e-9);
        assert!((sol.objective - (10.0 - 1.5 - 5.0)).abs() < 1e-9);
        assert_eq!(sol.status, "Optimal");
        assert_eq!(
            sol.size,
            LpSize {
                rows: 1,
                columns: 2,
                nonzeros: 2
            }
        );
    }

    #[test]
    fn infeasible_and_unbounded_programs_are_errors_not_panics() {
        let mut lp = LinearProgram::new("test program");
        let r = lp.add_row(
            5.0,
            f64::INFINITY,
            RowTag::new("demand of path {0}", [7, 0, 0]),
        );
        lp.add_column(1.0, 0.0, 1.0, &[(r, 1.0)]);
        let e = lp.solve().expect_err("infeasible");
        assert!(matches!(e, OptimiseError::NotOptimal { .. }), "{e}");
        assert!(e.to_string().contains("Infeasible"), "{e}");

        let mut lp = LinearProgram::new("test program");
        lp.add_column(-1.0, 0.0, f64::INFINITY, &[]);
        let e = lp.solve().expect_err("unbounded");
        assert!(e.to_string().contains("nbounded"), "{e}");
    }
}
