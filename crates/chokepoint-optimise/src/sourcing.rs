//! Supplier mix (offtake) as a mixed-integer program over sampled disruption paths.
//!
//! A buyer needs `D_t` tonnes of one material in each period `t` of the horizon. Candidate
//! **suppliers** `i` (plants or countries) each offer a price per tonne `p_i`, a capacity per
//! period `u_i`, a lead time `L_i` (periods before the first delivery), a minimum contract
//! size `m_i` (tonnes per period if contracted at all) and a fixed cost `f_i` per contract.
//! Sampled **paths** `s` with weights `w_s` give, per period and supplier, the fraction
//! `a_{s,t,i}` in `[0, 1]` of the contracted volume that is delivered (1: delivered in full;
//! an export licence refused or not yet granted: 0).
//!
//! With `x_i` the tonnes contracted per period and `y_i` in {0, 1} whether supplier `i` is
//! contracted (first stage), `sh_{s,t}` the shortfall (second stage), `S_s = Σ_t sh_{s,t}` the
//! horizon shortfall of path `s`, `A_i = #{t : t >= L_i}` the periods a contract delivers in,
//! the program is
//!
//! ```text
//! min  Σ_i (p_i A_i x_i + f_i y_i)  +  π Σ_s w_s S_s  +  λ (η + Σ_s w_s z_s / (1 - α))
//! s.t. m_i y_i <= x_i <= u_i y_i                        for every supplier i   (semi-continuous)
//!      Σ_i x_i >= c · max_t D_t                                                (nominal cover)
//!      sh_{s,t} >= D_t - Σ_{i : t >= L_i} a_{s,t,i} x_i,  0 <= sh_{s,t} <= D_t  (shortfall)
//!      z_s >= S_s - η,  z_s >= 0,  η free                                      (CVaR, if λ > 0)
//! ```
//!
//! The bracket is Rockafellar and Uryasev's linearisation of `λ CVaR_α(S)` (at the optimum
//! `η` is the α-quantile of the path shortfalls), so `λ` is the value the buyer puts on a
//! tonne of tail shortfall, in the currency of the prices. `π` is an optional penalty per
//! tonne short in expectation (equivalently: an unlimited spot market at price `π`). The
//! contract cost is its nominal value, the committed volume at its price over the periods it
//! delivers in, whether or not a disruption stops the deliveries: the buyer commits to volume
//! (take-or-pay), and a supplier that may fail is not made to look cheaper by the tonnes it
//! fails to deliver. The nominal cover `c` (1 by default) says the buyer contracts at least
//! its peak demand; volume beyond it is hedging, and is paid for. An optional cap
//! `Σ_i x_i <= C · max_t D_t` stops that hedging at `C` (without it, a supplier whose deliveries
//! fail in part can be over-contracted so that the part that arrives covers demand).
//!
//! With `λ = 0` and `π = 0` the program picks the cheapest mix that covers demand on paper;
//! as `λ` grows it buys reliability (contracts with suppliers that deliver in the bad paths,
//! or more volume than needed); [`frontier`] solves it over a range of `λ` (the points in
//! parallel on rayon, each an independent solve, returned in the order given).
//!
//! Invariants: no I/O. Every input is validated and a bad one is an
//! [`OptimiseError::Invalid`] naming the field; a nominal cover that the capacities cannot
//! meet is an [`OptimiseError::Infeasible`] naming that constraint before HiGHS is asked.
//! HiGHS's status is checked, the binaries are checked for integrality and the point is
//! re-checked against every row ([`crate::lp`]). The reported shortfall, its expectation and
//! CVaR are recomputed exactly from the chosen volumes (the program's `sh` may exceed the true
//! shortfall in paths outside the tail, where it costs nothing), so the CVaR reported is >= the
//! expected shortfall. Same inputs, same plan bit for bit, at any number of threads.

use crate::error::{OptimiseError, Result, invalid, non_negative, positive, probability};
use crate::lp::{Column, LinearProgram, LpSize, RowId, RowTag};
use crate::stockpile::{CvarValue, cvar_of};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The program's name in messages.
pub const PROGRAM: &str = "sourcing program";
/// Tolerance on the sum of path weights.
const WEIGHT_SUM_TOLERANCE: f64 = 1e-9;
/// A contracted volume below this (tonnes per period) is reported as no contract.
const VOLUME_EPSILON: f64 = 1e-9;

/// A candidate supplier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Supplier {
    /// Unique identifier, e.g. a facility id `"lynas-malaysia-hre"`.
    pub id: String,
    /// Display name (a label, reported back).
    pub name: String,
    /// Country (a label, reported back).
    pub country: String,
    /// Price per tonne (>= 0).
    pub price_per_tonne: f64,
    /// Largest volume the buyer can contract, tonnes per period (>= 0).
    pub capacity_per_period: f64,
    /// Periods before the first delivery (0: delivers from the first period).
    pub lead_time_periods: usize,
    /// Smallest volume of a contract, tonnes per period (>= 0, <= capacity).
    pub min_contract_per_period: f64,
    /// Fixed cost of a contract over the horizon (>= 0).
    pub fixed_cost: f64,
}

/// One sampled disruption path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisruptionPath {
    /// Probability weight (>= 0; the weights of all paths sum to 1).
    pub weight: f64,
    /// `delivered[t][i]`: share in `[0, 1]` of supplier `i`'s contracted volume delivered in
    /// period `t`.
    pub delivered: Vec<Vec<f64>>,
}

/// The sourcing problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourcingProblem {
    /// Demand per period, tonnes (>= 0; at least one period).
    pub demand: Vec<f64>,
    /// Candidate suppliers (at least one).
    pub suppliers: Vec<Supplier>,
    /// Sampled paths (at least one), each over the demand's periods.
    pub paths: Vec<DisruptionPath>,
    /// Nominal cover `c` (> 0): contracted volume per period >= `c` x the peak demand.
    pub cover: f64,
    /// Largest nominal cover `C` (>= `cover`), if any: contracted volume per period <= `C` x
    /// the peak demand (a buyer that will not commit to more than it can use).
    #[serde(default)]
    pub max_cover: Option<f64>,
    /// CVaR level `α` in (0, 1).
    pub cvar_alpha: f64,
    /// Weight `λ` of the CVaR of shortfall (>= 0), in currency per tonne.
    pub lambda: f64,
    /// Penalty `π` per tonne of expected shortfall (>= 0).
    pub shortfall_penalty_per_tonne: f64,
}

/// The decision for one supplier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contract {
    /// The supplier's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its country.
    pub country: String,
    /// Whether it is contracted (binary decision, with a positive volume).
    pub contracted: bool,
    /// Tonnes per period contracted.
    pub tonnes_per_period: f64,
    /// Share of the total contracted volume.
    pub share: f64,
    /// Price per tonne.
    pub price_per_tonne: f64,
    /// Nominal contract cost over the horizon (volume x price x delivering periods + fixed).
    pub cost: f64,
    /// Expected tonnes delivered over the horizon.
    pub expected_delivered_tonnes: f64,
    /// Expected delivered / contracted over the periods it delivers in (`None` if not
    /// contracted).
    pub expected_delivery_rate: Option<f64>,
}

/// The optimal mix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourcingPlan {
    /// One decision per supplier, in input order.
    pub contracts: Vec<Contract>,
    /// Total contracted tonnes per period.
    pub contracted_per_period: f64,
    /// Demand over the horizon, tonnes.
    pub demand_tonnes: f64,
    /// Nominal contract cost.
    pub cost: f64,
    /// Expected shortfall over the horizon, tonnes.
    pub expected_shortfall_tonnes: f64,
    /// Expected shortfall as a share of demand (0 when demand is 0).
    pub expected_shortfall_share: f64,
    /// CVaR of the horizon shortfall, tonnes.
    pub cvar: CvarValue,
    /// `cost + π E[S] + λ CVaR`, from the exact shortfalls.
    pub objective: f64,
    /// The CVaR weight solved at.
    pub lambda: f64,
    /// The program handed to HiGHS.
    pub lp: LpSize,
    /// Binary columns in it.
    pub binaries: usize,
    /// HiGHS's model status.
    pub status: String,
    /// HiGHS's final relative MIP gap.
    pub mip_gap: Option<f64>,
}

/// Volume of one supplier at a frontier point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Volume {
    /// The supplier's id.
    pub id: String,
    /// Tonnes per period.
    pub tonnes_per_period: f64,
}

/// One point of the cost/risk frontier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontierPoint {
    /// The CVaR weight.
    pub lambda: f64,
    /// Nominal contract cost.
    pub cost: f64,
    /// Expected shortfall, tonnes.
    pub expected_shortfall_tonnes: f64,
    /// CVaR of shortfall, tonnes.
    pub cvar: CvarValue,
    /// The objective at this weight.
    pub objective: f64,
    /// Volumes, in supplier order.
    pub volumes: Vec<Volume>,
}

/// Checked per-supplier data.
#[derive(Debug)]
struct Checked {
    /// Periods each supplier delivers in.
    active: Vec<usize>,
    peak: f64,
}

impl SourcingProblem {
    /// Checks the whole problem, naming the first bad field or the unmeetable constraint.
    pub fn validate(&self) -> Result<()> {
        self.check().map(|_| ())
    }

    fn check(&self) -> Result<Checked> {
        if self.demand.is_empty() {
            return Err(invalid("demand", "needs at least one period"));
        }
        for (t, &d) in self.demand.iter().enumerate() {
            non_negative(format!("demand[{t}]"), d)?;
        }
        let periods = self.demand.len();
        positive("cover", self.cover)?;
        if let Some(m) = self.max_cover
            && !(m.is_finite() && m >= self.cover)
        {
            return Err(invalid(
                "max_cover",
                format!("must be a finite number >= cover ({}), got {m}", self.cover),
            ));
        }
        probability("cvar_alpha", self.cvar_alpha, true, true)?;
        non_negative("lambda", self.lambda)?;
        non_negative(
            "shortfall_penalty_per_tonne",
            self.shortfall_penalty_per_tonne,
        )?;
        if self.suppliers.is_empty() {
            return Err(invalid(
                "suppliers",
                "needs at least one candidate supplier",
            ));
        }
        let mut ids = BTreeSet::new();
        let mut active = Vec::with_capacity(self.suppliers.len());
        for (i, s) in self.suppliers.iter().enumerate() {
            let f = |name: &str| format!("suppliers[{i}].{name}");
            if s.id.trim().is_empty() {
                return Err(invalid(f("id"), "must not be empty"));
            }
            if !ids.insert(s.id.as_str()) {
                return Err(invalid(f("id"), format!("`{}` appears twice", s.id)));
            }
            non_negative(f("price_per_tonne"), s.price_per_tonne)?;
            let u = non_negative(f("capacity_per_period"), s.capacity_per_period)?;
            let m = non_negative(f("min_contract_per_period"), s.min_contract_per_period)?;
            non_negative(f("fixed_cost"), s.fixed_cost)?;
            if m > u {
                return Err(invalid(
                    f("min_contract_per_period"),
                    format!(
                        "the minimum contract of `{}` ({m} t per period) exceeds its capacity \
                         ({u} t per period): it could never be contracted",
                        s.id
                    ),
                ));
            }
            active.push(periods.saturating_sub(s.lead_time_periods));
        }
        if self.paths.is_empty() {
            return Err(invalid("paths", "needs at least one sampled path"));
        }
        let mut total = 0.0;
        for (p, path) in self.paths.iter().enumerate() {
            total += non_negative(format!("paths[{p}].weight"), path.weight)?;
            if path.delivered.len() != periods {
                return Err(invalid(
                    format!("paths[{p}].delivered"),
                    format!(
                        "has {} periods, the demand has {periods}",
                        path.delivered.len()
                    ),
                ));
            }
            for (t, row) in path.delivered.iter().enumerate() {
                if row.len() != self.suppliers.len() {
                    return Err(invalid(
                        format!("paths[{p}].delivered[{t}]"),
                        format!(
                            "has {} suppliers, expected {}",
                            row.len(),
                            self.suppliers.len()
                        ),
                    ));
                }
                for (i, &a) in row.iter().enumerate() {
                    probability(format!("paths[{p}].delivered[{t}][{i}]"), a, false, false)?;
                }
            }
        }
        if (total - 1.0).abs() > WEIGHT_SUM_TOLERANCE {
            return Err(invalid(
                "paths[..].weight",
                format!("path probabilities must sum to 1, they sum to {total}"),
            ));
        }
        let peak = self.demand.iter().copied().fold(0.0, f64::max);
        let need = self.cover * peak;
        let capacity: f64 = self.suppliers.iter().map(|s| s.capacity_per_period).sum();
        if capacity < need {
            return Err(OptimiseError::Infeasible {
                program: PROGRAM,
                constraint:
                    "the nominal cover of demand (contracted volume >= cover x peak demand)".into(),
                detail: format!(
                    "cover {} x peak demand {peak} t = {need} t per period, but all suppliers \
                     together can take contracts of at most {capacity} t per period",
                    self.cover
                ),
            });
        }
        Ok(Checked { active, peak })
    }
}

/// How the binary contract decisions enter the program.
#[derive(Debug, Clone, Copy)]
enum Mode<'a> {
    /// Binary (the MILP).
    Milp,
    /// Continuous in [0, 1] (the LP relaxation).
    Relaxed,
    /// Fixed to the given values (an LP in the volumes).
    Fixed(&'a [bool]),
}

/// A built program and where its variables are.
struct Built {
    lp: LinearProgram,
    volume: Vec<Column>,
    decision: Vec<Column>,
    checked: Checked,
}

fn build(problem: &SourcingProblem, mode: Mode<'_>) -> Result<Built> {
    let checked = problem.check()?;
    let n = problem.suppliers.len();
    if let Mode::Fixed(y) = mode {
        if y.len() != n {
            return Err(invalid(
                "contracted",
                format!("has {} decisions for {n} suppliers", y.len()),
            ));
        }
        let capacity: f64 = (0..n)
            .filter(|&i| y[i])
            .map(|i| problem.suppliers[i].capacity_per_period)
            .sum();
        let need = problem.cover * checked.peak;
        if capacity < need {
            return Err(OptimiseError::Infeasible {
                program: PROGRAM,
                constraint: "the nominal cover of demand with the given contracts".into(),
                detail: format!(
                    "cover x peak demand = {need} t per period, the contracted suppliers can \
                     take at most {capacity} t per period"
                ),
            });
        }
    }
    let mut lp = LinearProgram::new(PROGRAM);
    let lambda = problem.lambda;
    let penalty = problem.shortfall_penalty_per_tonne;
    let alpha = problem.cvar_alpha;
    let cover_row = lp.add_row(
        problem.cover * checked.peak,
        problem
            .max_cover
            .map_or(f64::INFINITY, |m| m * checked.peak),
        RowTag::new("the nominal cover of demand", [0; 3]),
    );
    let link: Vec<(RowId, RowId)> = (0..n)
        .map(|i| {
            (
                lp.add_row(
                    0.0,
                    f64::INFINITY,
                    RowTag::new("the minimum contract of supplier {0}", [i, 0, 0]),
                ),
                lp.add_row(
                    f64::NEG_INFINITY,
                    0.0,
                    RowTag::new("the capacity of supplier {0}", [i, 0, 0]),
                ),
            )
        })
        .collect();
    // Shortfall rows only matter when shortfall is priced; otherwise it is computed afterwards.
    let priced = lambda > 0.0 || penalty > 0.0;
    // (path, period, row) for the shortfall rows; CVaR row per path.
    let mut short_rows: Vec<(usize, usize, RowId)> = Vec::new();
    let mut cvar_rows: Vec<Option<RowId>> = vec![None; problem.paths.len()];
    if priced {
        for (s, path) in problem.paths.iter().enumerate() {
            if path.weight == 0.0 {
                continue;
            }
            if lambda > 0.0 {
                cvar_rows[s] = Some(lp.add_row(
                    0.0,
                    f64::INFINITY,
                    RowTag::new("the CVaR excess of path {0}", [s, 0, 0]),
                ));
            }
            for (t, &d) in problem.demand.iter().enumerate() {
                if d > 0.0 {
                    short_rows.push((
                        s,
                        t,
                        lp.add_row(
                            d,
                            f64::INFINITY,
                            RowTag::new("the shortfall of path {0}, period {1}", [s, t, 0]),
                        ),
                    ));
                }
            }
        }
    }
    let mut volume = Vec::with_capacity(n);
    let mut decision = Vec::with_capacity(n);
    for (i, sup) in problem.suppliers.iter().enumerate() {
        let mut coef = vec![(cover_row, 1.0), (link[i].0, 1.0), (link[i].1, 1.0)];
        for &(s, t, r) in &short_rows {
            let a = problem.paths[s].delivered[t][i];
            if t >= sup.lead_time_periods && a > 0.0 {
                coef.push((r, a));
            }
        }
        let cost = sup.price_per_tonne * checked.active[i] as f64;
        volume.push(lp.add_column(cost, 0.0, sup.capacity_per_period, &coef));
        let ycoef = [
            (link[i].0, -sup.min_contract_per_period),
            (link[i].1, -sup.capacity_per_period),
        ];
        let tag = RowTag::new("the contract decision of supplier {0}", [i, 0, 0]);
        decision.push(match mode {
            Mode::Milp => lp.add_binary_column(sup.fixed_cost, &ycoef, tag),
            Mode::Relaxed => lp.add_column(sup.fixed_cost, 0.0, 1.0, &ycoef),
            Mode::Fixed(y) => {
                let v = if y[i] { 1.0 } else { 0.0 };
                lp.add_column(sup.fixed_cost, v, v, &ycoef)
            }
        });
    }
    for &(s, t, r) in &short_rows {
        let w = problem.paths[s].weight;
        let mut coef = vec![(r, 1.0)];
        if let Some(c) = cvar_rows[s] {
            coef.push((c, -1.0));
        }
        lp.add_column(penalty * w, 0.0, problem.demand[t], &coef);
    }
    if lambda > 0.0 {
        let mut eta = Vec::new();
        for (s, row) in cvar_rows.iter().enumerate() {
            if let Some(c) = *row {
                let w = problem.paths[s].weight;
                lp.add_column(lambda * w / (1.0 - alpha), 0.0, f64::INFINITY, &[(c, 1.0)]);
                eta.push((c, 1.0));
            }
        }
        lp.add_column(lambda, f64::NEG_INFINITY, f64::INFINITY, &eta);
    }
    Ok(Built {
        lp,
        volume,
        decision,
        checked,
    })
}

/// Horizon shortfall of every path for the given volumes (exact, not the program's `sh`).
pub fn path_shortfalls(problem: &SourcingProblem, volumes: &[f64]) -> Vec<f64> {
    problem
        .paths
        .iter()
        .map(|path| {
            problem
                .demand
                .iter()
                .enumerate()
                .map(|(t, &d)| {
                    let delivered: f64 = problem
                        .suppliers
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| t >= s.lead_time_periods)
                        .map(|(i, _)| path.delivered[t][i] * volumes[i])
                        .sum();
                    (d - delivered).max(0.0)
                })
                .sum()
        })
        .collect()
}

fn plan_of(problem: &SourcingProblem, built: &Built, mode: Mode<'_>) -> Result<SourcingPlan> {
    let sol = built.lp.solve().map_err(|e| match e {
        // With a cap on the cover, minimum contract sizes can leave no assignment feasible.
        OptimiseError::NotOptimal { status, .. }
            if status == "Infeasible" && problem.max_cover.is_some() =>
        {
            OptimiseError::Infeasible {
                program: PROGRAM,
                constraint: "the nominal cover range (cover .. max_cover x peak demand) with the minimum contract sizes".into(),
                detail: format!(
                    "no choice of suppliers contracts between {} and {} t per period",
                    problem.cover * built.checked.peak,
                    problem.max_cover.unwrap_or(f64::INFINITY) * built.checked.peak
                ),
            }
        }
        e => e,
    })?;
    let n = problem.suppliers.len();
    let checked = &built.checked;
    let mut x: Vec<f64> = built.volume.iter().map(|&c| sol.value(c)).collect();
    let y: Vec<f64> = built.decision.iter().map(|&c| sol.value(c)).collect();
    // Snap each volume into its semi-continuous range [m y, u y] (HiGHS meets the link rows
    // only to its tolerance), so a contract reported meets its minimum exactly; a volume
    // within rounding of zero is no volume (and no delivery).
    for (i, v) in x.iter_mut().enumerate() {
        let s = &problem.suppliers[i];
        *v = v.clamp(
            s.min_contract_per_period * y[i],
            s.capacity_per_period * y[i],
        );
        if *v < VOLUME_EPSILON {
            *v = 0.0;
        }
    }
    let shortfalls = path_shortfalls(problem, &x);
    let weights: Vec<f64> = problem.paths.iter().map(|p| p.weight).collect();
    let expected_shortfall: f64 = shortfalls.iter().zip(&weights).map(|(s, w)| s * w).sum();
    let cvar = CvarValue {
        alpha: problem.cvar_alpha,
        value: cvar_of(&shortfalls, &weights, problem.cvar_alpha),
    };
    let total: f64 = x.iter().sum();
    let demand_tonnes: f64 = problem.demand.iter().sum();
    let contracts: Vec<Contract> = (0..n)
        .map(|i| {
            let sup = &problem.suppliers[i];
            let active = checked.active[i];
            let delivered: f64 = problem
                .paths
                .iter()
                .map(|p| {
                    p.weight
                        * (sup.lead_time_periods..problem.demand.len())
                            .map(|t| p.delivered[t][i])
                            .sum::<f64>()
                })
                .sum::<f64>()
                * x[i];
            let nominal = x[i] * active as f64;
            let contracted = y[i] > 0.5 && x[i] > 0.0;
            Contract {
                id: sup.id.clone(),
                name: sup.name.clone(),
                country: sup.country.clone(),
                contracted,
                tonnes_per_period: x[i],
                share: if total > 0.0 { x[i] / total } else { 0.0 },
                price_per_tonne: sup.price_per_tonne,
                cost: sup.price_per_tonne * nominal + sup.fixed_cost * y[i],
                expected_delivered_tonnes: delivered,
                expected_delivery_rate: (contracted && nominal > 0.0).then(|| delivered / nominal),
            }
        })
        .collect();
    let cost: f64 = contracts.iter().map(|c| c.cost).sum();
    let objective = cost
        + problem.shortfall_penalty_per_tonne * expected_shortfall
        + problem.lambda * cvar.value;
    Ok(SourcingPlan {
        contracts,
        contracted_per_period: total,
        demand_tonnes,
        cost,
        expected_shortfall_tonnes: expected_shortfall,
        expected_shortfall_share: if demand_tonnes > 0.0 {
            expected_shortfall / demand_tonnes
        } else {
            0.0
        },
        cvar,
        objective,
        lambda: problem.lambda,
        lp: sol.size,
        binaries: match mode {
            Mode::Milp => built.lp.integer_columns(),
            _ => 0,
        },
        status: sol.status,
        mip_gap: sol.mip_gap,
    })
}

/// The size of the MILP [`solve`] would hand to HiGHS, without solving it.
pub fn program_size(problem: &SourcingProblem) -> Result<LpSize> {
    Ok(build(problem, Mode::Milp)?.lp.size())
}

/// Solves the sourcing MILP.
pub fn solve(problem: &SourcingProblem) -> Result<SourcingPlan> {
    let built = build(problem, Mode::Milp)?;
    plan_of(problem, &built, Mode::Milp)
}

/// Solves the LP relaxation (contract decisions continuous in [0, 1]): a lower bound on the
/// MILP's objective. Its "plan" may split volumes below the minimum contract sizes.
pub fn solve_relaxation(problem: &SourcingProblem) -> Result<SourcingPlan> {
    let built = build(problem, Mode::Relaxed)?;
    plan_of(problem, &built, Mode::Relaxed)
}

/// Solves the program with the contract decisions fixed (`contracted[i]`: supplier `i` is
/// contracted, so its volume is between its minimum and its capacity; otherwise 0): an LP
/// in the volumes. An assignment whose capacities cannot meet the nominal cover is
/// [`OptimiseError::Infeasible`].
pub fn solve_with_contracts(
    problem: &SourcingProblem,
    contracted: &[bool],
) -> Result<SourcingPlan> {
    let built = build(problem, Mode::Fixed(contracted))?;
    plan_of(problem, &built, Mode::Fixed(contracted))
}

/// The cost/risk frontier: the MILP solved at each `λ` (the problem's own `lambda` is
/// replaced), in the order given. The points are independent solves run in parallel on the
/// current rayon pool; the result does not depend on the pool's size or on the order of
/// `lambdas`. The first failing point, in the order given, is the error.
pub fn frontier(problem: &SourcingProblem, lambdas: &[f64]) -> Result<Vec<FrontierPoint>> {
    for (k, &l) in lambdas.iter().enumerate() {
        non_negative(format!("lambdas[{k}]"), l)?;
    }
    problem.check()?;
    let results: Vec<Result<FrontierPoint>> = lambdas
        .par_iter()
        .map(|&l| {
            let mut p = problem.clone();
            p.lambda = l;
            let plan = solve(&p)?;
            Ok(FrontierPoint {
                lambda: l,
                cost: plan.cost,
                expected_shortfall_tonnes: plan.expected_shortfall_tonnes,
                cvar: plan.cvar,
                objective: plan.objective,
                volumes: plan
                    .contracts
                    .into_iter()
                    .map(|c| Volume {
                        id: c.id,
                        tonnes_per_period: c.tonnes_per_period,
                    })
                    .collect(),
            })
        })
        .collect();
    results.into_iter().collect()
}

/// `points` CVaR weights for a frontier: 0, then log-spaced from 1/100 to 100 times the
/// highest price per tonne (a tonne of tail shortfall is bought back at roughly the price of
/// a tonne of reliable supply, so the mix turns within that range). Empty for 0 points; just
/// 0 for 1.
pub fn default_lambdas(problem: &SourcingProblem, points: usize) -> Vec<f64> {
    let top = problem
        .suppliers
        .iter()
        .map(|s| s.price_per_tonne)
        .filter(|p| p.is_finite())
        .fold(0.0, f64::max);
    let top = if top > 0.0 { top } else { 1.0 };
    match points {
        0 => Vec::new(),
        1 => vec![0.0],
        k => {
            let (lo, hi) = ((top / 100.0).ln(), (top * 100.0).ln());
            let steps = (k - 2).max(1) as f64;
            std::iter::once(0.0)
                .chain((0..k - 1).map(|j| (lo + (hi - lo) * j as f64 / steps).exp()))
                .collect()
        }
    }
}
