//! The dataset as the long-run mode sees it: capacity lines (mines, separation, secondary
//! supply from scrap, magnet plants), each with its figures by year, its start, ramp-up and
//! delay odds; and the base-year demand cells (sector × country) with the element content of
//! their magnets.
//!
//! Invariants. A facility's capacity for a material that a project names is the project's, never
//! both (no double counting). Facilities that are planned or under construction count only
//! through projects; closed ones not at all. Quantities are kept on an element basis: Nd + Pr
//! and Dy + Tb in tonnes of element (a material's resolved element content times its capacity),
//! magnets in tonnes of NdFeB, mine output also in t REO.

use crate::error::LongRunError;
use crate::region::{Region, region_of};
use chokepoint_core::World;
use chokepoint_core::element::Element;
use chokepoint_core::facility::{FacilityStatus, Stage};
use chokepoint_core::material::{Material, MaterialForm, QuantityUnit};
use serde::Serialize;

/// Quantities a capacity line carries: Nd+Pr (t element), Dy+Tb (t element), NdFeB magnet (t),
/// mine output (t REO).
pub const Q: usize = 4;
pub const NDPR: usize = 0;
pub const DYTB: usize = 1;
pub const MAGNET: usize = 2;
pub const REO: usize = 3;

/// What a capacity line supplies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LineStage {
    /// Mine output: the feed separation needs.
    Mine,
    /// Separation to oxides (needs mine feed).
    Separation,
    /// Oxide from scrap (recycling plants): needs no mine feed.
    Secondary,
    /// Sintered NdFeB magnets.
    Magnet,
}

/// One capacity figure: per year, in the material's unit, describing `year` (or undated).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Figure {
    pub year: Option<i32>,
    pub per_year: f64,
}

/// A line's capacity for one material.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaterialCapacity {
    pub material: String,
    /// Quantities per unit of the material (element content, magnet mass, t REO).
    pub per_unit: [f64; Q],
    pub figures: Vec<Figure>,
}

impl MaterialCapacity {
    /// The figure for `year`: the newest describing `year` or before; else the undated one;
    /// else the oldest (a plant known only from later figures) — the dataset's own rule
    /// (`Facility::capacity_known_on`), read per year.
    pub fn per_year(&self, year: i32) -> f64 {
        let f = &self.figures;
        f.iter()
            .filter(|x| x.year.is_some_and(|y| y <= year))
            .max_by_key(|x| x.year)
            .or_else(|| f.iter().find(|x| x.year.is_none()))
            .or_else(|| f.iter().min_by_key(|x| x.year))
            .map_or(0.0, |x| x.per_year)
    }
}

/// A capacity line: an existing facility, or one project row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// The project id, or the facility id for an existing facility.
    pub id: String,
    pub facility: String,
    pub country: String,
    pub region: Region,
    pub stage: LineStage,
    pub capacities: Vec<MaterialCapacity>,
    /// Start as a fractional year (`None`: running before any modelled year).
    pub start: Option<f64>,
    /// End as a fractional year (`None`: open).
    pub end: Option<f64>,
    /// Years from start to full capacity.
    pub ramp_years: f64,
    pub delay_probability: f64,
    pub delay_years: f64,
    /// A delay every run applies (a scenario's `delay`), years.
    pub fixed_shift: f64,
    /// Lines of one project share a delay draw: the index of that project, if a project.
    pub project: Option<usize>,
}

/// ∫₀ᵘ ramp: the capacity-years of a linear ramp over `r` years, `u` years after its start.
fn ramp_integral(u: f64, r: f64) -> f64 {
    if u <= 0.0 {
        0.0
    } else if r <= 0.0 {
        u
    } else if u <= r {
        u * u / (2.0 * r)
    } else {
        u - r / 2.0
    }
}

impl Line {
    /// Full capacity in `year` (before availability), per quantity.
    pub fn capacity(&self, year: i32) -> [f64; Q] {
        let mut out = [0.0; Q];
        for m in &self.capacities {
            let v = m.per_year(year);
            for (o, k) in out.iter_mut().zip(m.per_unit) {
                *o += v * k;
            }
        }
        out
    }

    /// The share of year `year` (from 1 January to 31 December, as `[year, year + 1)`) the line
    /// runs at full capacity: the year's average of a linear ramp from `start + shift` over
    /// `ramp_years`, zero from `end` on (an end cuts the year pro rata).
    pub fn availability(&self, year: i32, shift: f64) -> f64 {
        let t = f64::from(year);
        let on = match self.start {
            None => 1.0,
            Some(s) => {
                let s = s + shift + self.fixed_shift;
                ramp_integral(t + 1.0 - s, self.ramp_years) - ramp_integral(t - s, self.ramp_years)
            }
        };
        let off = match self.end {
            None => 0.0,
            Some(e) => (t + 1.0 - e).clamp(0.0, 1.0),
        };
        (on - off).max(0.0)
    }
}

/// A base-year demand row: magnets in one sector and country.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemandCell {
    /// The demand row's id.
    pub id: String,
    pub sector: String,
    pub region: Region,
    /// Tonnes of magnet per year in the base year.
    pub magnet_t: f64,
    /// Nd + Pr per tonne of magnet.
    pub ndpr_per_t: f64,
    /// Dy + Tb per tonne of magnet.
    pub dytb_per_t: f64,
}

/// The dataset's lines and demand.
#[derive(Debug, Clone, Serialize)]
pub struct Base {
    pub lines: Vec<Line>,
    /// Project ids, indexed by `Line::project`.
    pub projects: Vec<String>,
    pub demand: Vec<DemandCell>,
    pub base_year: i32,
}

/// Quantities per unit of `m`.
pub fn per_unit(m: &Material) -> [f64; Q] {
    let c = &m.content;
    let mut q = [0.0; Q];
    q[NDPR] = c.get(Element::Nd) + c.get(Element::Pr);
    q[DYTB] = c.get(Element::Dy) + c.get(Element::Tb);
    if m.form == MaterialForm::Magnet
        && m.key.starts_with("ndfeb")
        && m.unit == QuantityUnit::Tonnes
    {
        q[MAGNET] = 1.0;
    }
    // Any t REO material (concentrate, ion-adsorption clay carbonate, oxide); only mine lines'
    // t REO are read (mine output), so an oxide's entry is never used.
    if m.unit == QuantityUnit::TonnesReo {
        q[REO] = 1.0;
    }
    q
}

fn stage_of(stage: Stage) -> Option<LineStage> {
    Some(match stage {
        Stage::Mining => LineStage::Mine,
        Stage::Separation => LineStage::Separation,
        Stage::Recycling => LineStage::Secondary,
        Stage::Magnet => LineStage::Magnet,
        _ => return None,
    })
}

fn fractional_year(d: chokepoint_core::Date) -> f64 {
    f64::from(d.year()) + f64::from(d.day_of_year() - 1) / 365.25
}

impl Base {
    /// The lines and demand of `world`, demand from `base_year` (default: the newest demand
    /// year). Per (sector, country) the row of the base year is used, else the nearest year.
    pub fn from_world(world: &World, base_year: Option<i32>) -> Result<Base, LongRunError> {
        let newest = world.demand.values().map(|d| d.year).max();
        let base_year = base_year
            .or(newest)
            .ok_or_else(|| LongRunError::Data("demand.csv has no rows".into()))?;
        let mut lines = Vec::new();
        // Facilities: capacity for materials no project names.
        for f in world.facilities.values() {
            let Some(stage) = stage_of(f.stage) else {
                continue;
            };
            if !matches!(
                f.status,
                FacilityStatus::Operating | FacilityStatus::Aggregate
            ) {
                continue;
            }
            let Some(region) = region_of(world, f.country.as_str()) else {
                continue;
            };
            let mut capacities = Vec::new();
            for mid in f.capacity_materials() {
                let covered = world
                    .projects
                    .iter()
                    .any(|p| world.facilities.get(p.facility).key == f.key && p.material == mid);
                let m = world.materials.get(mid);
                let pu = per_unit(m);
                if covered || pu.iter().all(|&x| x == 0.0) {
                    continue;
                }
                let figures = f
                    .capacities
                    .iter()
                    .filter(|c| c.material == mid)
                    .map(|c| Figure {
                        year: c.year,
                        per_year: c.per_year,
                    })
                    .collect();
                capacities.push(MaterialCapacity {
                    material: m.key.clone(),
                    per_unit: pu,
                    figures,
                });
            }
            if capacities.is_empty() {
                continue;
            }
            lines.push(Line {
                id: f.key.clone(),
                facility: f.key.clone(),
                country: f.country.to_string(),
                region,
                stage,
                capacities,
                start: f.start.map(fractional_year),
                end: f.end.map(fractional_year),
                ramp_years: f64::from(f.ramp_up.0) / 365.25,
                delay_probability: 0.0,
                delay_years: 0.0,
                fixed_shift: 0.0,
                project: None,
            });
        }
        let mut projects: Vec<String> = Vec::new();
        for p in &world.projects {
            let f = world.facilities.get(p.facility);
            let stage = stage_of(f.stage).ok_or_else(|| {
                LongRunError::Data(format!(
                    "projects.csv: project `{}`: facility `{}` is a {:?} plant; the long-run mode takes mining, separation, recycling and magnet projects",
                    p.key, f.key, f.stage
                ))
            })?;
            let region = region_of(world, f.country.as_str()).unwrap_or(Region::Row);
            let idx = match projects.iter().position(|k| *k == p.key) {
                Some(i) => i,
                None => {
                    projects.push(p.key.clone());
                    projects.len() - 1
                }
            };
            let m = world.materials.get(p.material);
            lines.push(Line {
                id: p.key.clone(),
                facility: f.key.clone(),
                country: f.country.to_string(),
                region,
                stage,
                capacities: vec![MaterialCapacity {
                    material: m.key.clone(),
                    per_unit: per_unit(m),
                    figures: vec![Figure {
                        year: None,
                        per_year: p.capacity,
                    }],
                }],
                start: Some(p.start.as_year()),
                end: None,
                ramp_years: p.ramp_years,
                delay_probability: p.delay_probability,
                delay_years: p.delay_years,
                fixed_shift: 0.0,
                project: Some(idx),
            });
        }
        // Demand: per (sector, place) the row nearest the base year (the base year first, then
        // earlier years before later ones).
        let mut chosen: Vec<(String, String, i32, chokepoint_core::demand::DemandId)> = Vec::new();
        for (id, d) in world.demand.iter() {
            if d.region == "WLD" || d.magnet_tonnes().is_none() {
                continue;
            }
            let sector = world.sectors.get(d.sector).key.clone();
            let rank = |y: i32| ((y - base_year).abs(), y > base_year);
            match chosen
                .iter_mut()
                .find(|(s, r, _, _)| *s == sector && *r == d.region)
            {
                Some(entry) if rank(d.year) < rank(entry.2) => {
                    entry.2 = d.year;
                    entry.3 = id;
                }
                Some(_) => {}
                None => chosen.push((sector, d.region.clone(), d.year, id)),
            }
        }
        let mut demand = Vec::new();
        for (sector, place, _, id) in chosen {
            let d = world.demand.get(id);
            let Some(region) = region_of(world, &place) else {
                continue;
            };
            let magnet_t = d.magnet_tonnes().unwrap_or(0.0);
            let (ndpr, dytb) = match d.magnet {
                Some(mid) => {
                    let q = per_unit(world.materials.get(mid));
                    (q[NDPR], q[DYTB])
                }
                None => (0.0, 0.0),
            };
            // The row's own Dy/Tb percentages take precedence over the grade's.
            let dytb = match (d.dy_share, d.tb_share) {
                (None, None) => dytb,
                (dy, tb) => dy.map_or(0.0, |s| s.fraction()) + tb.map_or(0.0, |s| s.fraction()),
            };
            demand.push(DemandCell {
                id: d.key.clone(),
                sector,
                region,
                magnet_t,
                ndpr_per_t: ndpr,
                dytb_per_t: dytb,
            });
        }
        Ok(Base {
            lines,
            projects,
            demand,
            base_year,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(start: f64, ramp: f64) -> Line {
        Line {
            id: "p".into(),
            facility: "f".into(),
            country: "FRA".into(),
            region: Region::Eu,
            stage: LineStage::Separation,
            capacities: vec![],
            start: Some(start),
            end: None,
            ramp_years: ramp,
            delay_probability: 0.0,
            delay_years: 0.0,
            fixed_shift: 0.0,
            project: Some(0),
        }
    }

    #[test]
    fn a_two_year_ramp_from_january_gives_quarter_three_quarters_full() {
        // Hand computed: ramp r = 2 from 2027.0; year 2027 averages u/2 over u in [0, 1]: 1/4;
        // 2028 averages over [1, 2]: 3/4; 2029 on: 1.
        let l = line(2027.0, 2.0);
        assert_eq!(l.availability(2026, 0.0), 0.0);
        assert!((l.availability(2027, 0.0) - 0.25).abs() < 1e-12);
        assert!((l.availability(2028, 0.0) - 0.75).abs() < 1e-12);
        assert!((l.availability(2029, 0.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_mid_year_start_without_ramp_gives_half_a_year() {
        let l = line(2026.5, 0.0);
        assert!((l.availability(2026, 0.0) - 0.5).abs() < 1e-12);
        assert_eq!(l.availability(2027, 0.0), 1.0);
        // Shifted by 1.5 years: starts 2028.0.
        assert_eq!(l.availability(2027, 1.5), 0.0);
        assert_eq!(l.availability(2028, 1.5), 1.0);
    }

    #[test]
    fn figures_are_read_per_year_like_the_dataset() {
        let m = MaterialCapacity {
            material: "x".into(),
            per_unit: [1.0, 0.0, 0.0, 0.0],
            figures: vec![
                Figure {
                    year: Some(2024),
                    per_year: 10.0,
                },
                Figure {
                    year: Some(2025),
                    per_year: 20.0,
                },
            ],
        };
        assert_eq!(m.per_year(2010), 10.0);
        assert_eq!(m.per_year(2024), 10.0);
        assert_eq!(m.per_year(2030), 20.0);
    }
}
