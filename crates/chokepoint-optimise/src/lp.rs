//! Sparse linear and mixed-integer programs and their solution by HiGHS.
//!
//! [`LinearProgram`] is built column by column with rows declared first (the order HiGHS's
//! column-wise interface wants), every row tagged with what it means in its program so a
//! violated one can be named. Columns may be declared integer
//! ([`LinearProgram::add_integer_column`], [`LinearProgram::add_binary_column`]), which makes
//! the program a MILP that HiGHS solves by branch and bound. [`LinearProgram::solve`] hands it
//! to HiGHS (the `highs` crate, output switched off), insists on the `Optimal` model status,
//! checks that every integer column came back within HiGHS's integrality tolerance of an
//! integer and rounds it there, clamps the returned columns into their bounds (HiGHS may
//! return values a tolerance outside them) and then re-checks every row here at that point;
//! the objective reported is recomputed from it.
//!
//! Invariants: the program always minimises; sizes are checked against HiGHS's 32-bit indices
//! before anything is passed to it; HiGHS is deterministic for a given program (its default
//! options, fixed random seed), so the same program gives a bit-identical solution. A MILP is
//! solved to the relative gap [`DEFAULT_MIP_REL_GAP`] unless the builder asks for another, so
//! "optimal" means within that gap of the proven bound (HiGHS's own default, 1e-4, is looser).

use crate::error::{OptimiseError, Result};
use highs::{ColProblem, HighsModelStatus, Sense};
use serde::{Deserialize, Serialize};

/// Relative feasibility tolerance of the re-check (HiGHS's own primal tolerance is 1e-7).
const FEASIBILITY_TOLERANCE: f64 = 1e-6;
/// Largest distance from an integer accepted for an integer column (HiGHS's
/// `mip_feasibility_tolerance` is 1e-6).
const INTEGRALITY_TOLERANCE: f64 = 1e-6;
/// Relative MIP gap at which HiGHS stops and reports `Optimal`, unless the builder sets another.
pub const DEFAULT_MIP_REL_GAP: f64 = 1e-9;

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
    /// Integer columns and what each means, in the order declared.
    integers: Vec<(usize, RowTag)>,
    mip_rel_gap: f64,
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
    /// For a MILP, HiGHS's final relative gap between the solution and the proven bound
    /// (`None` for a linear program).
    pub mip_gap: Option<f64>,
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
            integers: Vec::new(),
            mip_rel_gap: DEFAULT_MIP_REL_GAP,
        }
    }

    /// Adds an integer column (`lower <= x <= upper`, `x` integral); `tag` names it in an
    /// integrality error ("contract decision of supplier {0}").
    pub fn add_integer_column(
        &mut self,
        cost: f64,
        lower: f64,
        upper: f64,
        coefficients: &[(RowId, f64)],
        tag: RowTag,
    ) -> Column {
        let c = self.add_column(cost, lower, upper, coefficients);
        self.integers.push((c.0, tag));
        c
    }

    /// Adds a binary column (`x` in {0, 1}).
    pub fn add_binary_column(
        &mut self,
        cost: f64,
        coefficients: &[(RowId, f64)],
        tag: RowTag,
    ) -> Column {
        self.add_integer_column(cost, 0.0, 1.0, coefficients, tag)
    }

    /// Whether the program has integer columns.
    pub fn is_mip(&self) -> bool {
        !self.integers.is_empty()
    }

    /// Number of integer columns.
    pub fn integer_columns(&self) -> usize {
        self.integers.len()
    }

    /// The relative MIP gap at which HiGHS may stop (default [`DEFAULT_MIP_REL_GAP`]); a
    /// negative or non-finite value is ignored.
    pub fn set_mip_rel_gap(&mut self, gap: f64) {
        if gap.is_finite() && gap >= 0.0 {
            self.mip_rel_gap = gap;
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
        let mut is_integer = vec![false; self.cost.len()];
        for &(j, _) in &self.integers {
            is_integer[j] = true;
        }
        for (j, &integer) in is_integer.iter().enumerate() {
            let factors: Vec<(highs::Row, f64)> =
                self.entries[j].iter().map(|&(r, a)| (rows[r], a)).collect();
            // Continuous columns go through `add_column` so a program without integers stays
            // an LP for HiGHS (the `highs` crate passes a MIP only once one integer appears).
            if integer {
                problem.add_column_with_integrality(
                    self.cost[j],
                    self.lower[j]..=self.upper[j],
                    factors,
                    true,
                );
            } else {
                problem.add_column(self.cost[j], self.lower[j]..=self.upper[j], factors);
            }
        }
        let not_optimal = |status: String| OptimiseError::NotOptimal {
            program: self.name,
            status,
        };
        let mut model = problem
            .try_optimise(Sense::Minimise)
            .map_err(|s| not_optimal(format!("model rejected ({s:?})")))?;
        if self.is_mip() {
            model
                .try_set_option("mip_rel_gap", self.mip_rel_gap)
                .map_err(|e| not_optimal(format!("option mip_rel_gap rejected ({e:?})")))?;
        }
        let solved = model
            .try_solve()
            .map_err(|s| not_optimal(format!("run failed ({s:?})")))?;
        let status = solved.status();
        if status != HighsModelStatus::Optimal {
            return Err(not_optimal(format!("{status:?}")));
        }
        let mip_gap = self.is_mip().then(|| solved.mip_gap());
        let raw = solved.get_solution();
        let mut x: Vec<f64> = raw.columns().to_vec();
        if x.len() != self.cost.len() {
            return Err(not_optimal(format!(
                "returned {} column values for {} columns",
                x.len(),
                self.cost.len()
            )));
        }
        // Integer columns: within tolerance of an integer, then exactly that integer, so the
        // point re-checked below is the one reported.
        for &(j, tag) in &self.integers {
            let v = x[j];
            let r = v.round();
            if !v.is_finite() || (v - r).abs() > INTEGRALITY_TOLERANCE {
                return Err(OptimiseError::SolutionCheck {
                    program: self.name,
                    constraint: format!("the integrality of {}", tag.describe()),
                    violation: if v.is_finite() {
                        (v - r).abs()
                    } else {
                        f64::INFINITY
                    },
                });
            }
            x[j] = r;
        }
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
            mip_gap,
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

    #[test]
    fn integer_columns_make_a_milp_whose_optimum_differs_from_the_relaxation() {
        // max 5a + 4b s.t. 6a + 4b <= 24, a + 2b <= 6 (Taha's example): the LP relaxation is
        // (3, 1.5) with value 21; the integer optimum is (4, 0) with value 20 (enumerated by
        // hand over a in 0..=4, b in 0..=3).
        let build = |integer: bool| {
            let mut lp = LinearProgram::new("test program");
            let r1 = lp.add_row(f64::NEG_INFINITY, 24.0, RowTag::new("r1", [0; 3]));
            let r2 = lp.add_row(f64::NEG_INFINITY, 6.0, RowTag::new("r2", [0; 3]));
            let coef_a = [(r1, 6.0), (r2, 1.0)];
            let coef_b = [(r1, 4.0), (r2, 2.0)];
            let (a, b) = if integer {
                (
                    lp.add_integer_column(-5.0, 0.0, 10.0, &coef_a, RowTag::new("a", [0; 3])),
                    lp.add_integer_column(-4.0, 0.0, 10.0, &coef_b, RowTag::new("b", [0; 3])),
                )
            } else {
                (
                    lp.add_column(-5.0, 0.0, 10.0, &coef_a),
                    lp.add_column(-4.0, 0.0, 10.0, &coef_b),
                )
            };
            (lp, a, b)
        };
        let (lp, a, b) = build(false);
        assert!(!lp.is_mip());
        let relaxed = lp.solve().expect("LP optimal");
        assert!((relaxed.value(a) - 3.0).abs() < 1e-9);
        assert!((relaxed.value(b) - 1.5).abs() < 1e-9);
        assert!((relaxed.objective + 21.0).abs() < 1e-9);
        assert!(relaxed.mip_gap.is_none());
        let (lp, a, b) = build(true);
        assert!(lp.is_mip());
        assert_eq!(lp.integer_columns(), 2);
        let sol = lp.solve().expect("MILP optimal");
        assert_eq!(sol.value(a), 4.0);
        assert_eq!(sol.value(b), 0.0);
        assert!((sol.objective + 20.0).abs() < 1e-9);
        assert!(sol.mip_gap.is_some_and(|g| g <= DEFAULT_MIP_REL_GAP));
    }

    #[test]
    fn an_infeasible_milp_is_an_error() {
        // 2b = 1 with b binary has no solution although its relaxation (b = 0.5) does.
        let mut lp = LinearProgram::new("test program");
        let r = lp.add_row(1.0, 1.0, RowTag::new("parity", [0; 3]));
        lp.add_binary_column(1.0, &[(r, 2.0)], RowTag::new("b", [0; 3]));
        let e = lp.solve().expect_err("infeasible");
        assert!(e.to_string().contains("Infeasible"), "{e}");
    }
}
