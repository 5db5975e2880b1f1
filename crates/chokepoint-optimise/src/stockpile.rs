//! Stockpile sizing as a two-stage stochastic program, by sample average approximation.
//!
//! The caller (eventually the simulator, through the application layer) hands in sampled
//! **paths**: each with a probability weight, and per period and per **shortfall group** (the
//! shortage a given kind of stock can cover, e.g. "Dy oxide reaching Japan's magnet makers")
//! the tonnes short that a release could cover, and the value of lost output per tonne not
//! covered. **Candidate holdings** (a material held by a holder, covering one group) carry an
//! acquisition cost per tonne, a holding cost per tonne-year, an optional maximum size and an
//! optional maximum release rate.
//!
//! With `x_c` the tonnes held of candidate `c` (first stage), `r_{s,t,c}` the tonnes released
//! from it in path `s`, period `t` (second stage), `sh_{s,t,g}` the shortfall and `v_{s,g}`
//! the value of lost output per tonne, `w_s` the path weights, `Y` the horizon in years
//! (`periods x period_days / 365.25`), the program is
//!
//! ```text
//! min  Σ_c (a_c + k_c Y) x_c  +  Σ_s w_s L_s  [ + λ (η + Σ_s w_s z_s / (1 - α)) ]
//!      L_s = Σ_t Σ_g v_{s,g} (sh_{s,t,g} - Σ_{c covers g} r_{s,t,c})   (lost output of path s)
//! s.t. Σ_t r_{s,t,c} <= x_c                      for every path s, candidate c  (cumulative release)
//!      Σ_{c covers g} r_{s,t,c} <= sh_{s,t,g}    for every s, t, g with several candidates
//!      0 <= r_{s,t,c} <= min(sh_{s,t,g(c)}, rate_c x period_days)
//!      0 <= x_c <= max_c
//!      Σ_c (a_c + k_c Y) x_c <= budget             (if a budget is given)
//!      z_s >= L_s - η,  z_s >= 0,  η free         (if a CVaR term is given)
//! ```
//!
//! The bracket is Rockafellar and Uryasev's linearisation of `λ CVaR_α(L)`: at the optimum
//! `η` is the α-quantile (value at risk) of the path losses and the bracket their CVaR, the
//! mean of the worst `1 - α` of probability. Releases carry no cost (the stock was paid for);
//! unreleased stock keeps no salvage value in the objective; holding cost is charged on the
//! full holding over the horizon (a stock kept and rotated, whether or not it is drawn).
//!
//! **Months of cover** of a holding: its tonnes divided by the mean monthly shortfall of its
//! group *while short*, i.e. `x_c / (m_g x 365.25 / 12)` with `m_g = Σ_s w_s Σ_t sh_{s,t,g} /
//! (period_days x Σ_s w_s #{t : sh_{s,t,g} > 0})` tonnes per day: how many months of the
//! shortage rate seen in the sampled disruptions the holding would cover. `None` when the
//! group is never short in any path.
//!
//! Invariants: the program is always feasible (holding nothing is) and bounded, so anything
//! but HiGHS's `Optimal` is an error; the returned point is re-checked against every
//! constraint ([`crate::lp`]); holdings never exceed `max_tonnes`; the reported CVaR is
//! computed exactly from the plan's path losses (so it is >= the expected loss), at the CVaR
//! term's `alpha`, or at [`DEFAULT_REPORT_ALPHA`] when there is none. No I/O.

use crate::error::{Result, invalid, non_negative, positive, probability};
use crate::lp::{Column, LinearProgram, LpSize, RowId, RowTag};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Days per year used to turn a horizon into years of holding cost.
pub const DAYS_PER_YEAR: f64 = 365.25;
/// Days per month used for months of cover.
pub const DAYS_PER_MONTH: f64 = DAYS_PER_YEAR / 12.0;
/// CVaR level reported when the problem has no CVaR term.
pub const DEFAULT_REPORT_ALPHA: f64 = 0.95;
/// Tolerance on the sum of path weights.
const WEIGHT_SUM_TOLERANCE: f64 = 1e-9;

/// A stock that could be held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateHolding {
    /// Unique identifier, e.g. `"JP-JOGMEC-Dy2O3"`.
    pub id: String,
    /// The element or material held, e.g. `"Dy2O3"` (a label, reported back).
    pub material: String,
    /// Who holds it, e.g. `"JOGMEC"` or a country (a label, reported back).
    pub holder: String,
    /// The shortfall group its releases cover: one of [`StockpileProblem::groups`].
    pub covers: String,
    /// Acquisition cost per tonne (>= 0), paid once.
    pub acquisition_cost_per_tonne: f64,
    /// Holding cost per tonne and year (>= 0: storage, insurance, capital, rotation).
    pub holding_cost_per_tonne_year: f64,
    /// Largest holding in tonnes, if limited (>= 0).
    pub max_tonnes: Option<f64>,
    /// Largest release rate in tonnes per day, if limited (>= 0).
    pub max_release_tonnes_per_day: Option<f64>,
}

/// One sampled disruption path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampledPath {
    /// Probability weight (>= 0; the weights of all paths sum to 1).
    pub weight: f64,
    /// `shortfall_tonnes[t][g]`: tonnes of group `g` short in period `t` that a release could
    /// cover (>= 0). Every path has the same number of periods.
    pub shortfall_tonnes: Vec<Vec<f64>>,
    /// `loss_per_tonne[g]`: value of lost output per tonne of group `g` not covered (>= 0).
    pub loss_per_tonne: Vec<f64>,
}

/// A CVaR term in the objective: `weight x CVaR_alpha(lost output)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CvarTerm {
    /// Level `α` in (0, 1): CVaR is the mean loss over the worst `1 - α` of probability.
    pub alpha: f64,
    /// Weight `λ` (>= 0; 0 reports CVaR at `alpha` without optimising it).
    pub weight: f64,
}

/// The stockpile sizing problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockpileProblem {
    /// Shortfall groups, by identifier (unique); the order indexes the paths' vectors.
    pub groups: Vec<String>,
    /// Candidate holdings (at least one).
    pub candidates: Vec<CandidateHolding>,
    /// Sampled paths (at least one).
    pub paths: Vec<SampledPath>,
    /// Length of a period in days (> 0).
    pub period_days: f64,
    /// Largest total acquisition + holding cost, if any (>= 0).
    pub budget: Option<f64>,
    /// Optional CVaR term.
    pub cvar: Option<CvarTerm>,
}

/// The decision for one candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldingDecision {
    /// The candidate's id.
    pub id: String,
    /// Its material.
    pub material: String,
    /// Its holder.
    pub holder: String,
    /// The group it covers.
    pub covers: String,
    /// Tonnes to hold.
    pub tonnes: f64,
    /// Acquisition plus holding cost over the horizon.
    pub cost: f64,
    /// Expected tonnes released over the horizon.
    pub expected_release_tonnes: f64,
    /// Months of cover (see the module docs); `None` if its group is never short.
    pub months_of_cover: Option<f64>,
}

/// Cover bought per shortfall group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupCover {
    /// The group.
    pub group: String,
    /// Tonnes held by all candidates covering it.
    pub tonnes: f64,
    /// Mean shortfall while short, tonnes per month; `None` if never short.
    pub mean_monthly_shortfall_while_short: Option<f64>,
    /// Months of cover of all its holdings together; `None` if never short.
    pub months_of_cover: Option<f64>,
    /// Expected shortfall over the horizon, tonnes.
    pub expected_shortfall_tonnes: f64,
    /// Expected shortfall left uncovered by releases, tonnes.
    pub expected_uncovered_tonnes: f64,
}

/// CVaR of the plan's lost output.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CvarValue {
    /// Level.
    pub alpha: f64,
    /// Mean lost output over the worst `1 - alpha` of probability.
    pub value: f64,
}

/// The optimal stockpile plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockpilePlan {
    /// One decision per candidate, in input order.
    pub holdings: Vec<HoldingDecision>,
    /// Cover per group, in input order.
    pub groups: Vec<GroupCover>,
    /// Total acquisition + holding cost.
    pub cost: f64,
    /// Expected value of lost output.
    pub expected_loss: f64,
    /// CVaR of lost output.
    pub cvar: CvarValue,
    /// The program's optimal objective: cost + expected loss (+ λ CVaR).
    pub objective: f64,
    /// The horizon, in years.
    pub horizon_years: f64,
    /// The LP handed to HiGHS.
    pub lp: LpSize,
    /// HiGHS's model status.
    pub status: String,
}

/// Tonnes held of one candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldingTonnes {
    /// The candidate's id.
    pub id: String,
    /// Tonnes.
    pub tonnes: f64,
}

/// One point of the efficient frontier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontierPoint {
    /// The budget.
    pub budget: f64,
    /// Cost spent (<= budget).
    pub cost: f64,
    /// Expected lost output.
    pub expected_loss: f64,
    /// CVaR of lost output.
    pub cvar: CvarValue,
    /// The program's objective.
    pub objective: f64,
    /// Holdings.
    pub holdings: Vec<HoldingTonnes>,
}

/// Checked dimensions and per-candidate data.
#[derive(Debug)]
struct Checked {
    /// Group index of each candidate.
    group_of: Vec<usize>,
    /// Candidates covering each group.
    candidates_of: Vec<Vec<usize>>,
    /// Cost per tonne held over the horizon.
    unit_cost: Vec<f64>,
    horizon_years: f64,
}

impl StockpileProblem {
    /// Checks the whole problem, naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        self.check().map(|_| ())
    }

    fn check(&self) -> Result<Checked> {
        if self.groups.is_empty() {
            return Err(invalid("groups", "needs at least one shortfall group"));
        }
        let mut group_index = BTreeMap::new();
        for (g, id) in self.groups.iter().enumerate() {
            if id.trim().is_empty() {
                return Err(invalid(format!("groups[{g}]"), "must not be empty"));
            }
            if group_index.insert(id.as_str(), g).is_some() {
                return Err(invalid(
                    format!("groups[{g}]"),
                    format!("`{id}` appears twice"),
                ));
            }
        }
        positive("period_days", self.period_days)?;
        if let Some(b) = self.budget {
            non_negative("budget", b)?;
        }
        if let Some(c) = self.cvar {
            probability("cvar.alpha", c.alpha, true, true)?;
            non_negative("cvar.weight", c.weight)?;
        }
        if self.candidates.is_empty() {
            return Err(invalid(
                "candidates",
                "needs at least one candidate holding",
            ));
        }
        if self.paths.is_empty() {
            return Err(invalid("paths", "needs at least one sampled path"));
        }
        let periods = self.paths[0].shortfall_tonnes.len();
        if periods == 0 {
            return Err(invalid(
                "paths[0].shortfall_tonnes",
                "needs at least one period",
            ));
        }
        let horizon_years = periods as f64 * self.period_days / DAYS_PER_YEAR;
        let mut ids = BTreeMap::new();
        let mut group_of = Vec::with_capacity(self.candidates.len());
        let mut candidates_of = vec![Vec::new(); self.groups.len()];
        let mut unit_cost = Vec::with_capacity(self.candidates.len());
        for (i, c) in self.candidates.iter().enumerate() {
            let f = |name: &str| format!("candidates[{i}].{name}");
            if c.id.trim().is_empty() {
                return Err(invalid(f("id"), "must not be empty"));
            }
            if ids.insert(c.id.as_str(), i).is_some() {
                return Err(invalid(f("id"), format!("`{}` appears twice", c.id)));
            }
            let Some(&g) = group_index.get(c.covers.as_str()) else {
                return Err(invalid(
                    f("covers"),
                    format!("`{}` is not one of the groups {:?}", c.covers, self.groups),
                ));
            };
            let a = non_negative(
                f("acquisition_cost_per_tonne"),
                c.acquisition_cost_per_tonne,
            )?;
            let k = non_negative(
                f("holding_cost_per_tonne_year"),
                c.holding_cost_per_tonne_year,
            )?;
            if let Some(m) = c.max_tonnes {
                non_negative(f("max_tonnes"), m)?;
            }
            if let Some(r) = c.max_release_tonnes_per_day {
                non_negative(f("max_release_tonnes_per_day"), r)?;
            }
            group_of.push(g);
            candidates_of[g].push(i);
            unit_cost.push(a + k * horizon_years);
        }
        let mut total = 0.0;
        for (s, p) in self.paths.iter().enumerate() {
            total += non_negative(format!("paths[{s}].weight"), p.weight)?;
            if p.shortfall_tonnes.len() != periods {
                return Err(invalid(
                    format!("paths[{s}].shortfall_tonnes"),
                    format!(
                        "has {} periods, paths[0] has {periods}: every path must cover the same horizon",
                        p.shortfall_tonnes.len()
                    ),
                ));
            }
            for (t, row) in p.shortfall_tonnes.iter().enumerate() {
                if row.len() != self.groups.len() {
                    return Err(invalid(
                        format!("paths[{s}].shortfall_tonnes[{t}]"),
                        format!("has {} groups, expected {}", row.len(), self.groups.len()),
                    ));
                }
                for (g, &v) in row.iter().enumerate() {
                    non_negative(format!("paths[{s}].shortfall_tonnes[{t}][{g}]"), v)?;
                }
            }
            if p.loss_per_tonne.len() != self.groups.len() {
                return Err(invalid(
                    format!("paths[{s}].loss_per_tonne"),
                    format!(
                        "has {} groups, expected {}",
                        p.loss_per_tonne.len(),
                        self.groups.len()
                    ),
                ));
            }
            for (g, &v) in p.loss_per_tonne.iter().enumerate() {
                non_negative(format!("paths[{s}].loss_per_tonne[{g}]"), v)?;
            }
        }
        if (total - 1.0).abs() > WEIGHT_SUM_TOLERANCE {
            return Err(invalid(
                "paths[..].weight",
                format!("path probabilities must sum to 1, they sum to {total}"),
            ));
        }
        Ok(Checked {
            group_of,
            candidates_of,
            unit_cost,
            horizon_years,
        })
    }
}

/// A built program and where its variables are.
#[derive(Debug)]
struct Built {
    lp: LinearProgram,
    hold: Vec<Column>,
    /// (path, period, candidate, column).
    releases: Vec<(usize, usize, usize, Column)>,
    /// Lost output of each path with no release.
    unmitigated_loss: Vec<f64>,
    checked: Checked,
}

fn build(problem: &StockpileProblem) -> Result<Built> {
    let checked = problem.check()?;
    let mut lp = LinearProgram::new("stockpile program");
    let n_cand = problem.candidates.len();
    let budget_row = problem
        .budget
        .map(|b| lp.add_row(f64::NEG_INFINITY, b, RowTag::new("the budget", [0; 3])));
    let cvar = problem.cvar.filter(|c| c.weight > 0.0);
    let mut cvar_rows: Vec<(RowId, f64)> = Vec::new();
    // Cumulative-release rows of each candidate, over the paths.
    let mut cumulative: Vec<Vec<RowId>> = vec![Vec::new(); n_cand];
    let mut releases = Vec::new();
    let mut unmitigated_loss = Vec::with_capacity(problem.paths.len());
    let mut expected_unmitigated = 0.0;
    for (s, path) in problem.paths.iter().enumerate() {
        let l0: f64 = path
            .shortfall_tonnes
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&path.loss_per_tonne)
                    .map(|(sh, v)| sh * v)
                    .sum::<f64>()
            })
            .sum();
        unmitigated_loss.push(l0);
        expected_unmitigated += path.weight * l0;
        if path.weight == 0.0 {
            continue;
        }
        let cvar_row = match cvar {
            Some(c) => {
                let r = lp.add_row(
                    l0,
                    f64::INFINITY,
                    RowTag::new("the CVaR excess of path {0}", [s, 0, 0]),
                );
                lp.add_column(
                    c.weight * path.weight / (1.0 - c.alpha),
                    0.0,
                    f64::INFINITY,
                    &[(r, 1.0)],
                );
                cvar_rows.push((r, 1.0));
                Some(r)
            }
            _ => None,
        };
        let mut cum_row: Vec<Option<RowId>> = vec![None; n_cand];
        for (t, row) in path.shortfall_tonnes.iter().enumerate() {
            for (g, &sh) in row.iter().enumerate() {
                let v = path.loss_per_tonne[g];
                let covering = &checked.candidates_of[g];
                if sh <= 0.0 || v <= 0.0 || covering.is_empty() {
                    continue;
                }
                let cover_row = (covering.len() > 1).then(|| {
                    lp.add_row(
                        f64::NEG_INFINITY,
                        sh,
                        RowTag::new(
                            "the shortfall of path {0}, period {1}, group {2}",
                            [s, t, g],
                        ),
                    )
                });
                for &c in covering {
                    let cap = problem.candidates[c]
                        .max_release_tonnes_per_day
                        .map_or(f64::INFINITY, |r| r * problem.period_days);
                    let upper = sh.min(cap);
                    if upper <= 0.0 {
                        continue;
                    }
                    let cr = *cum_row[c].get_or_insert_with(|| {
                        let r = lp.add_row(
                            f64::NEG_INFINITY,
                            0.0,
                            RowTag::new(
                                "the cumulative release of path {0}, candidate {1}",
                                [s, c, 0],
                            ),
                        );
                        cumulative[c].push(r);
                        r
                    });
                    let mut coef = vec![(cr, 1.0)];
                    if let Some(r) = cover_row {
                        coef.push((r, 1.0));
                    }
                    if let Some(r) = cvar_row {
                        coef.push((r, v));
                    }
                    let col = lp.add_column(-path.weight * v, 0.0, upper, &coef);
                    releases.push((s, t, c, col));
                }
            }
        }
    }
    lp.add_objective_constant(expected_unmitigated);
    let hold = (0..n_cand)
        .map(|c| {
            let mut coef: Vec<(RowId, f64)> = cumulative[c].iter().map(|&r| (r, -1.0)).collect();
            if let Some(b) = budget_row {
                coef.push((b, checked.unit_cost[c]));
            }
            let upper = problem.candidates[c].max_tonnes.unwrap_or(f64::INFINITY);
            lp.add_column(checked.unit_cost[c], 0.0, upper, &coef)
        })
        .collect();
    // η (the value at risk) appears in every CVaR row with coefficient 1.
    if let Some(c) = cvar {
        lp.add_column(c.weight, f64::NEG_INFINITY, f64::INFINITY, &cvar_rows);
    }
    Ok(Built {
        lp,
        hold,
        releases,
        unmitigated_loss,
        checked,
    })
}

/// CVaR at level `alpha` of a discrete distribution: the mean of the worst `1 - alpha` of
/// probability (splitting the atom at the quantile).
pub fn cvar_of(losses: &[f64], weights: &[f64], alpha: f64) -> f64 {
    let mut order: Vec<usize> = (0..losses.len()).collect();
    order.sort_by(|&a, &b| losses[b].total_cmp(&losses[a]));
    let tail = 1.0 - alpha;
    let mut mass = 0.0;
    let mut sum = 0.0;
    for i in order {
        let take = weights[i].min(tail - mass);
        if take <= 0.0 {
            break;
        }
        mass += take;
        sum += take * losses[i];
    }
    if mass > 0.0 { sum / mass } else { 0.0 }
}

/// The size of the LP `solve` would hand to HiGHS, without solving it.
pub fn program_size(problem: &StockpileProblem) -> Result<LpSize> {
    Ok(build(problem)?.lp.size())
}

/// Solves the stockpile program.
pub fn solve(problem: &StockpileProblem) -> Result<StockpilePlan> {
    let built = build(problem)?;
    let sol = built.lp.solve()?;
    let checked = &built.checked;
    let n_cand = problem.candidates.len();
    let tonnes: Vec<f64> = built.hold.iter().map(|&c| sol.value(c)).collect();
    let mut path_loss = built.unmitigated_loss.clone();
    let mut expected_release = vec![0.0; n_cand];
    let mut expected_released_by_group = vec![0.0; problem.groups.len()];
    for &(s, _t, c, col) in &built.releases {
        let r = sol.value(col);
        let w = problem.paths[s].weight;
        let g = checked.group_of[c];
        path_loss[s] -= problem.paths[s].loss_per_tonne[g] * r;
        expected_release[c] += w * r;
        expected_released_by_group[g] += w * r;
    }
    let weights: Vec<f64> = problem.paths.iter().map(|p| p.weight).collect();
    let expected_loss: f64 = path_loss.iter().zip(&weights).map(|(l, w)| l * w).sum();
    let alpha = problem.cvar.map_or(DEFAULT_REPORT_ALPHA, |c| c.alpha);
    let cvar = CvarValue {
        alpha,
        value: cvar_of(&path_loss, &weights, alpha),
    };
    // Shortage statistics per group.
    let n_groups = problem.groups.len();
    let mut expected_shortfall = vec![0.0; n_groups];
    let mut expected_short_periods = vec![0.0; n_groups];
    for p in &problem.paths {
        for row in &p.shortfall_tonnes {
            for (g, &sh) in row.iter().enumerate() {
                expected_shortfall[g] += p.weight * sh;
                if sh > 0.0 {
                    expected_short_periods[g] += p.weight;
                }
            }
        }
    }
    let monthly_rate: Vec<Option<f64>> = (0..n_groups)
        .map(|g| {
            (expected_short_periods[g] > 0.0 && expected_shortfall[g] > 0.0).then(|| {
                expected_shortfall[g] / (expected_short_periods[g] * problem.period_days)
                    * DAYS_PER_MONTH
            })
        })
        .collect();
    let holdings: Vec<HoldingDecision> = problem
        .candidates
        .iter()
        .enumerate()
        .map(|(c, cand)| HoldingDecision {
            id: cand.id.clone(),
            material: cand.material.clone(),
            holder: cand.holder.clone(),
            covers: cand.covers.clone(),
            tonnes: tonnes[c],
            cost: tonnes[c] * checked.unit_cost[c],
            expected_release_tonnes: expected_release[c],
            months_of_cover: monthly_rate[checked.group_of[c]].map(|m| tonnes[c] / m),
        })
        .collect();
    let groups = (0..n_groups)
        .map(|g| {
            let held: f64 = checked.candidates_of[g].iter().map(|&c| tonnes[c]).sum();
            GroupCover {
                group: problem.groups[g].clone(),
                tonnes: held,
                mean_monthly_shortfall_while_short: monthly_rate[g],
                months_of_cover: monthly_rate[g].map(|m| held / m),
                expected_shortfall_tonnes: expected_shortfall[g],
                expected_uncovered_tonnes: (expected_shortfall[g] - expected_released_by_group[g])
                    .max(0.0),
            }
        })
        .collect();
    let cost = holdings.iter().map(|h| h.cost).sum();
    Ok(StockpilePlan {
        holdings,
        groups,
        cost,
        expected_loss,
        cvar,
        objective: sol.objective,
        horizon_years: checked.horizon_years,
        lp: sol.size,
        status: sol.status,
    })
}

/// The efficient frontier: the program solved at each budget (the problem's own budget is
/// replaced), in the order given. Each point is an independent solve, so the answer does not
/// depend on the order of `budgets`. With costs in the objective, spending stops where a tonne
/// costs more than the loss it is expected to avert, so the frontier flattens there.
pub fn efficient_frontier(
    problem: &StockpileProblem,
    budgets: &[f64],
) -> Result<Vec<FrontierPoint>> {
    let mut points = Vec::with_capacity(budgets.len());
    for (i, &b) in budgets.iter().enumerate() {
        non_negative(format!("budgets[{i}]"), b)?;
        let mut p = problem.clone();
        p.budget = Some(b);
        let plan = solve(&p)?;
        points.push(FrontierPoint {
            budget: b,
            cost: plan.cost,
            expected_loss: plan.expected_loss,
            cvar: plan.cvar,
            objective: plan.objective,
            holdings: plan
                .holdings
                .into_iter()
                .map(|h| HoldingTonnes {
                    id: h.id,
                    tonnes: h.tonnes,
                })
                .collect(),
        });
    }
    Ok(points)
}
