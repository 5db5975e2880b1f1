//! One deterministic path of the long-run balance, year by year.
//!
//! Per year, commodity and region:
//! 1. **Capacity**: every line's capacity for the year times its availability (the year's
//!    average of its ramp from its start, shifted by its drawn and fixed delays).
//! 2. **Separation**: separators outside China take feed from mines outside China first
//!    (integrated producers such as Lynas and MP), pro rata to their capacity; China separates its
//!    own mines' output plus the ex-China ore the others leave, up to its capacity. Secondary
//!    plants (scrap) and end-of-life recycling (the stock model) add oxide in their region
//!    without feed.
//! 3. **Magnets** are allocated first: demand is the sectors' magnet tonnes; each region's
//!    plants serve their own region, then the surplus outside China is shared by the other
//!    importers pro rata to what they still lack, then China's surplus (less any export-control
//!    withholding) fills the rest, and what is left outside China goes to China.
//! 4. **Oxides**: a region's demand for Nd+Pr and Dy+Tb is what its magnet plants made, times
//!    the year's world element content per tonne of magnet; allocated by the same rule.
//!
//! Magnets are not limited by oxide here (an oxide shortfall is reported as such, it does not
//! cut magnet output). Recycled supply does not depend on the delay draws (the stock model's
//! inflow is demand), so it is computed once.
//!
//! Invariants: allocation conserves mass (received + unused supply = supply; received ≤
//! demand); with zero growth, no levers, no recycling and no projects, every year repeats the
//! base year (tested).

use crate::base::{Base, DYTB, Line, LineStage, MAGNET, NDPR, Q, REO};
use crate::error::LongRunError;
use crate::region::{REGIONS, Region};
use chokepoint_core::World;
use chokepoint_core::project::ProjectStart;
use chokepoint_scenario::longrun::{Commodity, Lever, LongRunScenario, ProjectAction, Ramp};
use chokepoint_stocks::{InUseStock, InflowAt, Lifetime, SurvivalCurve};
use serde::Serialize;

/// Columns of a year: the five regions, then the world.
pub const COLS: usize = REGIONS + 1;
/// The world column.
pub const WORLD: usize = REGIONS;

/// The quantities of one (year, commodity, region).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Cell {
    pub demand: f64,
    /// What the region received (own output used at home + imports).
    pub supply: f64,
    pub shortfall: f64,
    /// Of `supply`, what came from China (for China: its own output used at home).
    pub from_china: f64,
    /// End-of-life recycled oxide available in the region (zero for magnets).
    pub recycled: f64,
    /// What the region's plants made and shipped (home use + exports).
    pub production: f64,
    /// Capacity available in the region (for oxides: after the feed limit, plus secondary and
    /// recycled).
    pub available: f64,
}

impl Cell {
    /// China's share of the supply, or NaN with no supply.
    pub fn china_share(&self) -> f64 {
        if self.supply > 0.0 {
            self.from_china / self.supply
        } else {
            f64::NAN
        }
    }
    /// Recycled share of the supply (recycled oxide is used at home first), or NaN.
    pub fn recycled_share(&self) -> f64 {
        if self.supply > 0.0 {
            self.recycled.min(self.supply) / self.supply
        } else {
            f64::NAN
        }
    }
}

/// One year of a path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearBalance {
    pub year: i32,
    /// By commodity (`Commodity::index`), then region column (`Region::index`, [`WORLD`]).
    pub cells: [[Cell; COLS]; 3],
    /// Mine output, t REO, by region column.
    pub mine_reo: [f64; COLS],
}

impl YearBalance {
    pub fn cell(&self, c: Commodity, col: usize) -> &Cell {
        &self.cells[c.index()][col]
    }
    /// China's share of world mine output (t REO).
    pub fn china_mine_share(&self) -> f64 {
        if self.mine_reo[WORLD] > 0.0 {
            self.mine_reo[Region::Chn.index()] / self.mine_reo[WORLD]
        } else {
            f64::NAN
        }
    }
}

/// Demand of one year in one region: magnets, Nd+Pr, Dy+Tb (t).
type Demand3 = [f64; 3];

/// A scenario compiled on a world: everything but the delay draws.
#[derive(Debug, Clone)]
pub struct Model {
    pub from: i32,
    pub to: i32,
    pub lines: Vec<Line>,
    pub projects: Vec<String>,
    /// Demand by year index (from `from`), region: magnets, Nd+Pr, Dy+Tb.
    pub demand: Vec<[Demand3; REGIONS]>,
    /// Recycled oxide by year index (from `from`), region: Nd+Pr, Dy+Tb.
    pub recycled: Vec<[[f64; 2]; REGIONS]>,
    /// End-of-life outflow (before collection and recovery) by year index, region: Nd+Pr, Dy+Tb.
    pub eol_outflow: Vec<[[f64; 2]; REGIONS]>,
    /// Withheld share of China's supply outside China by year index, commodity.
    pub withheld: Vec<[f64; 3]>,
    /// Collection share by year index and region, and recovery by year index (what produced
    /// `recycled`).
    pub collection: Vec<[f64; REGIONS]>,
    pub recovery: Vec<f64>,
}

fn scenario_err(field: String, message: impl Into<String>) -> LongRunError {
    LongRunError::Scenario {
        field,
        message: message.into(),
    }
}

impl Model {
    /// Compiles `scenario` on `world`: applies its project changes, grows the base-year demand,
    /// applies the levers, runs the in-use stock model. Errors name the scenario field.
    pub fn new(world: &World, scenario: &LongRunScenario) -> Result<Model, LongRunError> {
        let base = Base::from_world(world, scenario.growth.base_year)?;
        Self::from_base(world, base, scenario)
    }

    /// As [`Model::new`] on a given [`Base`] (tests build their own).
    pub fn from_base(
        world: &World,
        mut base: Base,
        scenario: &LongRunScenario,
    ) -> Result<Model, LongRunError> {
        let (from, to) = (scenario.from, scenario.to);
        apply_project_changes(world, &mut base, scenario)?;
        let sectors: Vec<&str> = base.demand.iter().map(|d| d.sector.as_str()).collect();
        for k in scenario.growth.by_sector.keys() {
            if !sectors.contains(&k.as_str()) {
                return Err(scenario_err(
                    format!("growth.by_sector.{k}"),
                    format!("`{k}` is not a sector with demand rows (sectors.csv, demand.csv)"),
                ));
            }
        }
        for (i, s) in scenario.substitutions.iter().enumerate() {
            for (j, k) in s.sectors.iter().enumerate() {
                if !sectors.contains(&k.as_str()) {
                    return Err(scenario_err(
                        format!("substitution[{i}].sectors[{j}]"),
                        format!("`{k}` is not a sector with demand rows"),
                    ));
                }
            }
        }
        let rec = &scenario.recycling;
        for k in rec.lifetime.keys() {
            if k != "default" && !sectors.contains(&k.as_str()) {
                return Err(scenario_err(
                    format!("recycling.lifetime.{k}"),
                    format!("`{k}` is not a sector with demand rows, nor `default`"),
                ));
            }
        }
        // Demand by cell and year on the stock model's axis (stock_from..=to).
        let t0 = rec.stock_from;
        let n_stock = usize::try_from(to - t0 + 1).unwrap_or(0);
        let by = base.base_year;
        let cell_demand = |d: &crate::base::DemandCell, y: i32| -> Demand3 {
            let (mut keep_magnet, mut keep_dytb) = (1.0, 1.0);
            for s in &scenario.substitutions {
                if !s.sectors.is_empty() && !s.sectors.contains(&d.sector) {
                    continue;
                }
                let r = s.removed(y);
                match s.lever {
                    Lever::Magnet => keep_magnet *= 1.0 - r,
                    Lever::DyTb => keep_dytb *= 1.0 - r,
                }
            }
            let magnet = d.magnet_t * scenario.growth.factor(&d.sector, by, y) * keep_magnet;
            [
                magnet,
                magnet * d.ndpr_per_t,
                magnet * d.dytb_per_t * keep_dytb,
            ]
        };
        // Lifetimes by sector: the default if not given; a sector without either is an error.
        let lifetime_of = |sector: &str| -> Result<Lifetime, LongRunError> {
            let l = rec
                .lifetime
                .get(sector)
                .or_else(|| rec.lifetime.get("default"))
                .ok_or_else(|| {
                    scenario_err(
                        format!("recycling.lifetime.{sector}"),
                        "no lifetime for this sector and no `default`",
                    )
                })?;
            Ok(Lifetime::Normal {
                mean: l.mean,
                std: l.std,
            })
        };
        let collection = |r: Region| -> Option<&Ramp> {
            rec.collection
                .get(r.code())
                .or_else(|| rec.collection.get("default"))
        };
        let mut eol = vec![[[0.0; 2]; REGIONS]; n_stock];
        let any_collection = !rec.collection.is_empty();
        if any_collection && n_stock > 0 {
            // One stock per demand cell and element; outflows summed by region in cell order.
            let mut curves: Vec<(String, SurvivalCurve)> = Vec::new();
            for d in &base.demand {
                if curves.iter().any(|(s, _)| *s == d.sector) {
                    continue;
                }
                let curve = SurvivalCurve::new(lifetime_of(&d.sector)?, n_stock, InflowAt::Middle)
                    .map_err(|e| LongRunError::Stocks(format!("sector `{}`: {e}", d.sector)))?;
                curves.push((d.sector.clone(), curve));
            }
            for d in &base.demand {
                let Some((_, curve)) = curves.iter().find(|(s, _)| *s == d.sector) else {
                    continue;
                };
                for (k, e) in [(0usize, 1usize), (1, 2)] {
                    let inflow: Vec<f64> = (0..n_stock)
                        .map(|i| cell_demand(d, t0 + i as i32)[e])
                        .collect();
                    let stock = InUseStock::from_inflow(&inflow, curve).map_err(|err| {
                        LongRunError::Stocks(format!("demand row `{}`: {err}", d.id))
                    })?;
                    for (i, o) in stock.outflow.iter().enumerate() {
                        eol[i][d.region.index()][k] += o;
                    }
                }
            }
        }
        let years: Vec<i32> = (from..=to).collect();
        let offset = usize::try_from(from - t0).unwrap_or(0);
        let mut demand = Vec::with_capacity(years.len());
        let mut recycled = Vec::with_capacity(years.len());
        let mut eol_outflow = Vec::with_capacity(years.len());
        let mut withheld = Vec::with_capacity(years.len());
        let mut coll = Vec::with_capacity(years.len());
        let mut recov = Vec::with_capacity(years.len());
        for (i, &y) in years.iter().enumerate() {
            let mut d = [[0.0; 3]; REGIONS];
            for c in &base.demand {
                let q = cell_demand(c, y);
                for k in 0..3 {
                    d[c.region.index()][k] += q[k];
                }
            }
            demand.push(d);
            let out = eol.get(offset + i).copied().unwrap_or([[0.0; 2]; REGIONS]);
            let recovery = rec.recovery.at(y);
            let mut r = [[0.0; 2]; REGIONS];
            let mut cl = [0.0; REGIONS];
            for reg in Region::ALL {
                let share = collection(reg).map_or(0.0, |ramp| ramp.at(y));
                cl[reg.index()] = share;
                for k in 0..2 {
                    r[reg.index()][k] = out[reg.index()][k] * share * recovery;
                }
            }
            recycled.push(r);
            eol_outflow.push(out);
            coll.push(cl);
            recov.push(recovery);
            let mut w = [0.0; 3];
            for e in &scenario.export_controls {
                if (e.from..=e.to).contains(&y) {
                    let k = e.commodity.index();
                    w[k] = 1.0 - (1.0 - w[k]) * (1.0 - e.withheld);
                }
            }
            withheld.push(w);
        }
        Ok(Model {
            from,
            to,
            lines: base.lines,
            projects: base.projects,
            demand,
            recycled,
            eol_outflow,
            withheld,
            collection: coll,
            recovery: recov,
        })
    }

    /// Number of independent delay draws (projects).
    pub fn draws(&self) -> usize {
        self.projects.len()
    }

    /// The path with each project's start shifted by `shifts[project]` years (missing: 0).
    pub fn run(&self, shifts: &[f64]) -> Vec<YearBalance> {
        let mut out = Vec::with_capacity(self.demand.len());
        for (i, y) in (self.from..=self.to).enumerate() {
            out.push(self.year(i, y, shifts));
        }
        out
    }

    /// Capacity of every line in `year` after availability, summed by stage and region.
    pub fn capacity_by_stage(&self, year: i32, shifts: &[f64]) -> [[[f64; Q]; REGIONS]; 4] {
        let mut cap = [[[0.0; Q]; REGIONS]; 4];
        for l in &self.lines {
            let shift = l
                .project
                .and_then(|p| shifts.get(p))
                .copied()
                .unwrap_or(0.0);
            let a = l.availability(year, shift);
            if a == 0.0 {
                continue;
            }
            let c = l.capacity(year);
            let s = match l.stage {
                LineStage::Mine => 0,
                LineStage::Separation => 1,
                LineStage::Secondary => 2,
                LineStage::Magnet => 3,
            };
            for q in 0..Q {
                cap[s][l.region.index()][q] += c[q] * a;
            }
        }
        cap
    }

    fn year(&self, i: usize, year: i32, shifts: &[f64]) -> YearBalance {
        let cap = self.capacity_by_stage(year, shifts);
        let [mine, sep, secondary, magnet_cap] = cap;
        let chn = Region::Chn.index();
        let mut mine_reo = [0.0; COLS];
        for r in 0..REGIONS {
            mine_reo[r] = mine[r][REO];
            mine_reo[WORLD] += mine[r][REO];
        }
        // Magnets.
        let d = &self.demand[i];
        let mag_supply: [f64; REGIONS] = std::array::from_fn(|r| magnet_cap[r][MAGNET]);
        let mag_demand: [f64; REGIONS] = std::array::from_fn(|r| d[r][0]);
        let mags = allocate(
            &mag_supply,
            &mag_demand,
            self.withheld[i][Commodity::Magnet.index()],
        );
        // World Nd+Pr and Dy+Tb per tonne of magnet this year (after the levers).
        let (mut m_all, mut ndpr_all, mut dytb_all) = (0.0, 0.0, 0.0);
        for r in d {
            m_all += r[0];
            ndpr_all += r[1];
            dytb_all += r[2];
        }
        let per_t = |x: f64| if m_all > 0.0 { x / m_all } else { 0.0 };
        let content = [per_t(ndpr_all), per_t(dytb_all)];
        let mut cells = [[Cell::default(); COLS]; 3];
        fill(
            &mut cells[Commodity::Magnet.index()],
            &mags,
            &mag_supply,
            &[0.0; REGIONS],
        );
        for (k, q) in [(0usize, NDPR), (1, DYTB)] {
            let ex_mine: f64 = (0..REGIONS).filter(|&r| r != chn).map(|r| mine[r][q]).sum();
            let ex_sep: f64 = (0..REGIONS).filter(|&r| r != chn).map(|r| sep[r][q]).sum();
            let ex_out = ex_sep.min(ex_mine);
            let ex_util = if ex_sep > 0.0 { ex_out / ex_sep } else { 0.0 };
            let cn_out = sep[chn][q].min(mine[chn][q] + ex_mine - ex_out);
            let recycled: [f64; REGIONS] = std::array::from_fn(|r| self.recycled[i][r][k]);
            let supply: [f64; REGIONS] = std::array::from_fn(|r| {
                let separated = if r == chn {
                    cn_out
                } else {
                    sep[r][q] * ex_util
                };
                separated + secondary[r][q] + recycled[r]
            });
            let demand: [f64; REGIONS] = std::array::from_fn(|r| mags.production[r] * content[k]);
            let commodity = if k == 0 {
                Commodity::Ndpr
            } else {
                Commodity::Dytb
            };
            let a = allocate(&supply, &demand, self.withheld[i][commodity.index()]);
            fill(&mut cells[commodity.index()], &a, &supply, &recycled);
        }
        YearBalance {
            year,
            cells,
            mine_reo,
        }
    }
}

/// The outcome of allocating one commodity in one year.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    pub demand: [f64; REGIONS],
    pub received: [f64; REGIONS],
    pub from_china: [f64; REGIONS],
    pub production: [f64; REGIONS],
}

/// Allocates `supply` to `demand` by region: home first; then the surplus outside China to the
/// other regions outside China pro rata to what they lack; then China's exports (its surplus up
/// to what the others still lack), less the `withheld` share of them, likewise; what is left
/// outside China goes to China.
pub fn allocate(supply: &[f64; REGIONS], demand: &[f64; REGIONS], withheld: f64) -> Allocation {
    let chn = Region::Chn.index();
    let own: [f64; REGIONS] = std::array::from_fn(|r| supply[r].min(demand[r]));
    let surplus: [f64; REGIONS] = std::array::from_fn(|r| supply[r] - own[r]);
    let mut lack: [f64; REGIONS] = std::array::from_fn(|r| demand[r] - own[r]);
    let mut received = own;
    let mut from_china = [0.0; REGIONS];
    from_china[chn] = own[chn];
    let others = || (0..REGIONS).filter(move |&r| r != chn);
    // The pool outside China.
    let pool: f64 = others().map(|r| surplus[r]).sum();
    let need: f64 = others().map(|r| lack[r]).sum();
    let used = pool.min(need);
    if need > 0.0 {
        for r in others() {
            let got = used * lack[r] / need;
            received[r] += got;
            lack[r] -= got;
        }
    }
    // China's exports: what it would ship without controls, less the withheld share of that
    // (a share of its supply abroad, not of its spare capacity).
    let need2: f64 = others().map(|r| lack[r].max(0.0)).sum();
    let exported = surplus[chn].min(need2) * (1.0 - withheld);
    if need2 > 0.0 {
        for r in others() {
            let got = exported * lack[r].max(0.0) / need2;
            received[r] += got;
            from_china[r] = got;
        }
    }
    // China imports what is left of the pool.
    let imported = (pool - used).min(lack[chn]);
    received[chn] += imported;
    let shipped = used + imported;
    let mut production = [0.0; REGIONS];
    for r in others() {
        production[r] = own[r]
            + if pool > 0.0 {
                surplus[r] * shipped / pool
            } else {
                0.0
            };
    }
    production[chn] = own[chn] + exported;
    Allocation {
        demand: *demand,
        received,
        from_china,
        production,
    }
}

fn fill(
    cells: &mut [Cell; COLS],
    a: &Allocation,
    available: &[f64; REGIONS],
    recycled: &[f64; REGIONS],
) {
    let mut w = Cell::default();
    for r in 0..REGIONS {
        let c = Cell {
            demand: a.demand[r],
            supply: a.received[r],
            shortfall: (a.demand[r] - a.received[r]).max(0.0),
            from_china: a.from_china[r],
            recycled: recycled[r],
            production: a.production[r],
            available: available[r],
        };
        w.demand += c.demand;
        w.supply += c.supply;
        w.shortfall += c.shortfall;
        w.from_china += c.from_china;
        w.recycled += c.recycled;
        w.production += c.production;
        w.available += c.available;
        cells[r] = c;
    }
    cells[WORLD] = w;
}

/// Applies a scenario's `[[project]]` changes to the base: `remove` drops every line of a
/// project, `delay` shifts them, `add` appends a line (its facility and material looked up in
/// the world). Errors name `project[i].field`.
fn apply_project_changes(
    world: &World,
    base: &mut Base,
    scenario: &LongRunScenario,
) -> Result<(), LongRunError> {
    for (i, ch) in scenario.projects.iter().enumerate() {
        let field = |f: &str| format!("project[{i}].{f}");
        match ch.action {
            ProjectAction::Remove | ProjectAction::Delay => {
                if !base
                    .lines
                    .iter()
                    .any(|l| l.project.is_some() && l.id == ch.id)
                {
                    return Err(scenario_err(
                        field("id"),
                        format!(
                            "`{}` is not a project in projects.csv (or one added before)",
                            ch.id
                        ),
                    ));
                }
                if ch.action == ProjectAction::Remove {
                    base.lines
                        .retain(|l| !(l.project.is_some() && l.id == ch.id));
                } else {
                    let years = ch.years.unwrap_or(0.0);
                    for l in base
                        .lines
                        .iter_mut()
                        .filter(|l| l.project.is_some() && l.id == ch.id)
                    {
                        l.fixed_shift += years;
                    }
                }
            }
            ProjectAction::Add => {
                let fac_key = ch.facility.as_deref().unwrap_or_default();
                let fid = world.facilities.lookup(fac_key).ok_or_else(|| {
                    scenario_err(
                        field("facility"),
                        format!("`{fac_key}` is not a facility in facilities.csv"),
                    )
                })?;
                let f = world.facilities.get(fid);
                let stage = match f.stage {
                    chokepoint_core::facility::Stage::Mining => LineStage::Mine,
                    chokepoint_core::facility::Stage::Separation => LineStage::Separation,
                    chokepoint_core::facility::Stage::Recycling => LineStage::Secondary,
                    chokepoint_core::facility::Stage::Magnet => LineStage::Magnet,
                    other => {
                        return Err(scenario_err(
                            field("facility"),
                            format!(
                                "`{fac_key}` is a {other:?} plant; expected a mining, separation, recycling or magnet facility"
                            ),
                        ));
                    }
                };
                let mat_key = ch.material.as_deref().unwrap_or_default();
                let mid = world.materials.lookup(mat_key).ok_or_else(|| {
                    scenario_err(
                        field("material"),
                        format!("`{mat_key}` is not a material in materials.csv"),
                    )
                })?;
                let start_text = ch.start.as_deref().unwrap_or_default();
                let start =
                    ProjectStart::parse(start_text).map_err(|e| scenario_err(field("start"), e))?;
                let idx = match base.projects.iter().position(|k| *k == ch.id) {
                    Some(p) => p,
                    None => {
                        base.projects.push(ch.id.clone());
                        base.projects.len() - 1
                    }
                };
                let m = world.materials.get(mid);
                base.lines.push(Line {
                    id: ch.id.clone(),
                    facility: f.key.clone(),
                    country: f.country.to_string(),
                    region: crate::region::region_of(world, f.country.as_str())
                        .unwrap_or(Region::Row),
                    stage,
                    capacities: vec![crate::base::MaterialCapacity {
                        material: m.key.clone(),
                        per_unit: crate::base::per_unit(m),
                        figures: vec![crate::base::Figure {
                            year: None,
                            per_year: ch.capacity.unwrap_or(0.0),
                        }],
                    }],
                    start: Some(start.as_year()),
                    end: None,
                    ramp_years: ch.ramp_years.unwrap_or(0.0),
                    delay_probability: ch.delay_probability.unwrap_or(0.0),
                    delay_years: ch.delay_years.unwrap_or(0.0),
                    fixed_shift: 0.0,
                    project: Some(idx),
                });
            }
        }
    }
    Ok(())
}
