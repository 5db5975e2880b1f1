//! A deterministic, capacity-weighted flow runner over the `World`'s lanes.
//!
//! **Why it exists:** the knock-out analysis is written against [`KnockoutRunner`] so that the
//! Monte Carlo simulator (`chokepoint-sim`, being written concurrently) can drive it. Until the
//! simulator-backed runner is wired, this runner makes the feature work end to end on the bundled
//! world. It has no randomness, so every replication returns the same number and confidence
//! intervals have zero width.
//!
//! Model:
//! * **Loss propagation.** A knocked facility loses all output. Any other facility loses, for each
//!   input material, the contracted-share-weighted loss of its inbound lanes (a knocked lane
//!   counts as fully lost; contracted shares summing below 100% leave the rest to unmodelled,
//!   unaffected supply). Within a recipe the loss is the *largest* over its inputs (a recipe
//!   needs every input); a facility's recipes are *alternatives* (a separation plant runs Bayan
//!   Obo or Mountain Pass concentrate), so the loss of one output material is the mean of the
//!   recipes making it, weighted by the capacity of the suppliers feeding each recipe (a proxy for
//!   feed volume) times the recipe's yield of that material. Facilities without recipes lose the
//!   largest loss over their inputs. Facilities that are planned, under construction or closed
//!   deliver nothing. The region's loss is the capacity-weighted mean loss of the facilities making the
//!   sector's end product in the region (all of them, if none is in the region), minus the loss
//!   already present with nothing knocked out. Spare capacity is not re-routed: losses are
//!   an upper bound in that respect.
//! * **Outage profile.** The node is out at full loss for the duration and restarts at full rate
//!   (TTR = duration). With [`FlowOptions::restart_ramp`] it instead ramps back linearly over its
//!   commissioning ramp-up days (`facilities.ramp_up_days` — an assumption, since a restart is
//!   usually faster than a first start-up; a country-stage takes its slowest facility's; a lane
//!   restarts at once).
//! * **Cover.** Stockpiles available to the region (owner or an eligible country in the region)
//!   cover the loss when their material is one whose supply the knock-out cuts, at a facility in
//!   a country allowed to draw on them. Cover is their `days_of_cover`, read as days of the
//!   region's full need (the largest applicable stockpile counts, not the sum), plus an optional
//!   working-inventory allowance given by the caller. Release-rate limits are not modelled.
//! * **Lost output** = daily need × max(0, ΔL × (duration + ramp/2) − cover), with ΔL the
//!   region's loss share; **TTS** = cover / ΔL (Simchi-Levi: how long cover lasts while the node
//!   is down); **TTR** = duration + ramp.
//!
//! Invariants: losses are in [0, 1]; lanes that form a cycle are relaxed to a fixed point, so
//! cycles (recycling loops) cannot make propagation diverge.

use crate::AnalysisError;
use crate::input::Input;
use crate::knockout::{KnockoutRunner, NodeRef};
use chokepoint_core::facility::FacilityStatus;
use chokepoint_core::{CountryCode, World};
use std::collections::BTreeMap;

/// One input material of a facility: the inbound lanes carrying it.
/// (lane index, supplier facility index, contracted share).
type InboundLane = (usize, usize, f64);
/// An end-product maker: (facility, weight in the region, recipe weights for the end product).
type Sink = (usize, f64, Vec<(usize, f64)>);

#[derive(Debug, Clone)]
struct InputGroup {
    material: usize,
    /// (lane index, supplier facility index, contracted share).
    lanes: Vec<InboundLane>,
}

/// A facility's recipes for propagation: each recipe's input groups (indices into the facility's
/// groups) and its feed weight (normalised over the facility's recipes).
#[derive(Debug, Clone, Default)]
struct RecipeModel {
    groups: Vec<usize>,
    feed_weight: f64,
}

#[derive(Debug, Clone)]
struct StockpileCover {
    material: usize,
    days: f64,
    /// Countries whose facilities may draw.
    countries: Vec<CountryCode>,
    /// Facilities (indices) that may draw.
    facilities: Vec<usize>,
}

impl StockpileCover {
    fn may_draw(&self, facility: usize, country: CountryCode) -> bool {
        self.facilities.contains(&facility) || self.countries.contains(&country)
    }
}

#[derive(Debug, Clone)]
pub struct FlowOptions {
    /// Working inventory in days of full need, held across the chain. Default: 0 (assumption:
    /// the dataset records no working inventories).
    pub inventory_days: Input,
    /// Demand year (default: the newest year with demand for the sector and region).
    pub demand_year: Option<i32>,
    /// Count stockpiles as cover (off = the raw structural exposure).
    pub stockpiles: bool,
    /// Ramp back over the facility's commissioning ramp-up days after the outage (default off:
    /// restart at full rate).
    pub restart_ramp: bool,
}

impl Default for FlowOptions {
    fn default() -> Self {
        Self {
            inventory_days: Input::assumption(
                "working inventory (days)",
                0.0,
                "the dataset records no working inventories; stockpiles are counted separately",
            ),
            demand_year: None,
            stockpiles: true,
            restart_ramp: false,
        }
    }
}

#[derive(Debug)]
pub struct FlowRunner<'w> {
    world: &'w World,
    order: Vec<usize>,
    /// Whether `order` has cycles (then propagation iterates to a fixed point).
    cyclic: bool,
    inputs: Vec<Vec<InputGroup>>,
    recipes: Vec<Vec<RecipeModel>>,
    /// Per lane: (recipe index at the supplier, weight) for the lane's material; empty = use the
    /// supplier's facility-level loss.
    lane_sources: Vec<Vec<(usize, f64)>>,
    active: Vec<bool>,
    ramp: Vec<f64>,
    /// (facility, weight, recipe weights for the end product).
    sinks: Vec<Sink>,
    stockpiles: Vec<StockpileCover>,
    inventory_days: f64,
    per_day: f64,
    unit: String,
    baseline_loss: f64,
    baseline_groups: Vec<Vec<f64>>,
    /// What the runner measured and assumed, for the report.
    pub notes: Vec<String>,
    pub sector: String,
    pub region: String,
}

/// Result of one propagation.
struct Propagation {
    region_loss: f64,
    group_loss: Vec<Vec<f64>>,
}

impl<'w> FlowRunner<'w> {
    pub fn new(
        world: &'w World,
        sector: &str,
        region: &str,
        opts: &FlowOptions,
    ) -> Result<Self, AnalysisError> {
        let sector_id =
            resolve_sector(world, sector).ok_or_else(|| AnalysisError::UnknownSector {
                given: sector.to_string(),
                known: world
                    .sectors
                    .values()
                    .map(|s| s.key.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        let sec = world.sectors.get(sector_id);
        let members: Vec<CountryCode> = if let Some(rid) = world.regions.lookup(region) {
            world.regions.get(rid).members.clone()
        } else if let Some(code) = region
            .parse::<CountryCode>()
            .ok()
            .filter(|c| world.country(*c).is_some())
        {
            vec![code]
        } else {
            return Err(AnalysisError::UnknownRegion {
                given: region.to_string(),
                known: world
                    .regions
                    .values()
                    .map(|r| r.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        let in_region = |c: CountryCode| members.is_empty() || members.contains(&c);
        let end = sec.end_product.ok_or_else(|| AnalysisError::NoEndProduct {
            sector: sector.to_string(),
        })?;
        let end_name = world.materials.get(end).name.clone();

        let n = world.facilities.len();
        let mut notes = Vec::new();
        let active: Vec<bool> = world
            .facilities
            .values()
            .map(|f| {
                matches!(
                    f.status,
                    FacilityStatus::Operating | FacilityStatus::Aggregate
                )
            })
            .collect();
        let ramp: Vec<f64> = world
            .facilities
            .values()
            .map(|f| {
                if opts.restart_ramp {
                    f64::from(f.ramp_up.0)
                } else {
                    0.0
                }
            })
            .collect();

        // Inbound lanes grouped by material, per customer.
        let mut groups: Vec<BTreeMap<usize, Vec<InboundLane>>> = vec![BTreeMap::new(); n];
        for (lid, l) in world.lanes.iter() {
            groups[l.to.index()]
                .entry(l.material.index())
                .or_default()
                .push((lid.index(), l.from.index(), world.lane_share(lid, None)));
        }
        let inputs: Vec<Vec<InputGroup>> = groups
            .into_iter()
            .map(|g| {
                g.into_iter()
                    .map(|(material, lanes)| InputGroup { material, lanes })
                    .collect()
            })
            .collect();

        // Recipe models: input groups and feed weights (supplier capacity of the fed material).
        let facs: Vec<_> = world.facilities.values().collect();
        let recipes: Vec<Vec<RecipeModel>> = facs
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let mut models: Vec<RecipeModel> = f
                    .recipes
                    .iter()
                    .map(|rid| {
                        let r = world.recipes.get(*rid);
                        let groups: Vec<usize> = inputs[i]
                            .iter()
                            .enumerate()
                            .filter(|(_, g)| {
                                r.inputs.iter().any(|l| l.material.index() == g.material)
                            })
                            .map(|(gi, _)| gi)
                            .collect();
                        let feed: f64 = groups
                            .iter()
                            .flat_map(|gi| {
                                let g = &inputs[i][*gi];
                                g.lanes.iter().map(move |(_, from, _)| (*from, g.material))
                            })
                            .map(|(from, m)| {
                                facs[from]
                                    .capacity_for(
                                        chokepoint_core::material::MaterialId::from_index(m),
                                    )
                                    .unwrap_or(0.0)
                            })
                            .sum();
                        RecipeModel {
                            groups,
                            feed_weight: feed,
                        }
                    })
                    .collect();
                let total: f64 = models.iter().map(|m| m.feed_weight).sum();
                let k = models.len() as f64;
                for m in &mut models {
                    // No supplier capacity known anywhere: weigh the recipes equally.
                    m.feed_weight = if total > 0.0 {
                        m.feed_weight / total
                    } else {
                        1.0 / k
                    };
                }
                models
            })
            .collect();
        // Recipe weights of one output material at one facility: feed weight × yield, normalised.
        let material_weights =
            |i: usize, m: chokepoint_core::material::MaterialId| -> Vec<(usize, f64)> {
                let mut v: Vec<(usize, f64)> = facs[i]
                    .recipes
                    .iter()
                    .enumerate()
                    .filter_map(|(ri, rid)| {
                        let qty: f64 = world
                            .recipes
                            .get(*rid)
                            .outputs
                            .iter()
                            .filter(|o| o.material == m)
                            .map(|o| o.quantity)
                            .sum();
                        (qty > 0.0).then(|| (ri, recipes[i][ri].feed_weight * qty))
                    })
                    .collect();
                let total: f64 = v.iter().map(|x| x.1).sum();
                if total > 0.0 {
                    for x in &mut v {
                        x.1 /= total;
                    }
                } else if !v.is_empty() {
                    let k = v.len() as f64;
                    for x in &mut v {
                        x.1 = 1.0 / k;
                    }
                }
                v
            };
        let lane_sources: Vec<Vec<(usize, f64)>> = world
            .lanes
            .values()
            .map(|l| material_weights(l.from.index(), l.material))
            .collect();

        // Topological order (Kahn); nodes left on cycles are appended and relaxed iteratively.
        let mut indeg = vec![0usize; n];
        let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
        for l in world.lanes.values() {
            indeg[l.to.index()] += 1;
            succ[l.from.index()].push(l.to.index());
        }
        let mut order: Vec<usize> = (0..n).filter(|i| indeg[*i] == 0).collect();
        let mut head = 0;
        while head < order.len() {
            let u = order[head];
            head += 1;
            for &v in &succ[u] {
                indeg[v] -= 1;
                if indeg[v] == 0 {
                    order.push(v);
                }
            }
        }
        let cyclic = order.len() < n;
        if cyclic {
            let seen: std::collections::BTreeSet<usize> = order.iter().copied().collect();
            order.extend((0..n).filter(|i| !seen.contains(i)));
            notes.push("lanes form a cycle; losses relaxed to a fixed point".into());
        }

        // Sinks: active facilities making the end product, in the region if any are.
        let makes_end = |i: usize| {
            let f = facs[i];
            f.capacities.iter().any(|c| c.material == end)
                || f.recipes.iter().any(|r| {
                    world
                        .recipes
                        .get(*r)
                        .outputs
                        .iter()
                        .any(|o| o.material == end)
                })
        };
        let all_sinks: Vec<usize> = (0..n).filter(|i| active[*i] && makes_end(*i)).collect();
        if all_sinks.is_empty() {
            return Err(AnalysisError::NoSink {
                sector: sector.to_string(),
                material: world.materials.get(end).key.clone(),
            });
        }
        let regional: Vec<usize> = all_sinks
            .iter()
            .copied()
            .filter(|i| in_region(facs[*i].country))
            .collect();
        let sink_ids = if regional.is_empty() {
            notes.push(format!(
                "no facility in {region} makes {end_name}; the region is assumed supplied pro rata by all {} makers",
                all_sinks.len()
            ));
            all_sinks
        } else {
            regional
        };
        let caps: Vec<f64> = sink_ids
            .iter()
            .map(|i| facs[*i].capacity_for(end).unwrap_or(0.0))
            .collect();
        let cap_total: f64 = caps.iter().sum();
        let sinks: Vec<Sink> = if cap_total > 0.0 {
            sink_ids
                .iter()
                .zip(&caps)
                .map(|(i, c)| (*i, c / cap_total, material_weights(*i, end)))
                .collect()
        } else {
            notes.push("end-product makers have no capacity; weighted equally".into());
            let w = 1.0 / sink_ids.len() as f64;
            sink_ids
                .iter()
                .map(|i| (*i, w, material_weights(*i, end)))
                .collect()
        };

        // Daily need: the sector's demand in the region, else the sinks' capacity.
        let demand: Vec<_> = world
            .demand
            .values()
            .filter(|d| d.sector == sector_id && d.region == region && d.units.is_some())
            .filter(|d| opts.demand_year.is_none_or(|y| d.year == y))
            .collect();
        let newest = demand.iter().max_by_key(|d| d.year);
        let (per_day, unit) = match newest {
            Some(d) => {
                notes.push(format!(
                    "daily need = {} demand in {region} {} / 365 = {:.1} per day ({})",
                    sec.name,
                    d.year,
                    d.units.unwrap_or(0.0) / 365.0,
                    d.key
                ));
                (d.units.unwrap_or(0.0) / 365.0, end_name.clone())
            }
            None => {
                // End-product capacities of aggregate nodes are often set non-binding (e.g. to world
                // demand), so they are no measure of a region's need: count days of supply instead.
                notes.push(format!(
                    "no {} demand for {region} in the dataset; losses are in days of the region's full {end_name} supply",
                    sec.name
                ));
                (1.0, format!("days of {end_name} supply"))
            }
        };

        // Stockpiles available to the region.
        let mut stockpiles = Vec::new();
        for s in world.stockpiles.values().filter(|_| opts.stockpiles) {
            // Both eligibility lists empty = the owner's consumers only.
            let countries = if s.eligible_countries.is_empty() && s.eligible_facilities.is_empty() {
                vec![s.owner]
            } else {
                s.eligible_countries.clone()
            };
            let facilities: Vec<usize> = s.eligible_facilities.iter().map(|f| f.index()).collect();
            let serves_region = countries.iter().any(|c| in_region(*c))
                || facilities.iter().any(|f| in_region(facs[*f].country));
            if !serves_region {
                continue;
            }
            match s.days_of_cover {
                Some(days) if days > 0.0 => stockpiles.push(StockpileCover {
                    material: s.material.index(),
                    days,
                    countries,
                    facilities,
                }),
                _ => notes.push(format!(
                    "stockpile {} has no days of cover; not counted",
                    s.key
                )),
            }
        }

        let inventory_days = opts.inventory_days.checked(0.0, 3650.0)?.unwrap_or(0.0);
        let mut runner = Self {
            world,
            order,
            cyclic,
            inputs,
            recipes,
            lane_sources,
            active,
            ramp,
            sinks,
            stockpiles,
            inventory_days,
            per_day,
            unit,
            baseline_loss: 0.0,
            baseline_groups: Vec::new(),
            notes,
            sector: sector.to_string(),
            region: region.to_string(),
        };
        let base = runner.propagate(&vec![false; n], &vec![false; world.lanes.len()]);
        if base.region_loss > 0.0 {
            runner.notes.push(format!(
                "{:.1}% of the region's supply is already lost with nothing knocked out (inactive suppliers on contracted lanes); knock-outs are measured against that",
                base.region_loss * 100.0
            ));
        }
        runner.baseline_loss = base.region_loss;
        runner.baseline_groups = base.group_loss;
        Ok(runner)
    }

    fn propagate(&self, knocked_fac: &[bool], knocked_lane: &[bool]) -> Propagation {
        let n = self.inputs.len();
        // Facility-level loss (fallback) and per-recipe losses.
        let mut loss = vec![0.0_f64; n];
        let mut rloss: Vec<Vec<f64>> = self.recipes.iter().map(|r| vec![0.0; r.len()]).collect();
        let mut group_loss: Vec<Vec<f64>> =
            self.inputs.iter().map(|g| vec![0.0; g.len()]).collect();
        // One pass suffices on a DAG; with cycles, iterate (monotone and bounded, so it converges;
        // n + 1 passes bound the longest simple path).
        let passes = if self.cyclic { n + 1 } else { 1 };
        for _ in 0..passes {
            let mut changed = false;
            for &i in &self.order {
                let down = knocked_fac[i] || !self.active[i];
                for (gi, g) in self.inputs[i].iter().enumerate() {
                    group_loss[i][gi] = g
                        .lanes
                        .iter()
                        .map(|&(lane, from, share)| {
                            share
                                * if knocked_lane[lane] {
                                    1.0
                                } else {
                                    self.lane_loss(lane, from, knocked_fac, &loss, &rloss)
                                }
                        })
                        .sum::<f64>()
                        .min(1.0);
                }
                for (ri, r) in self.recipes[i].iter().enumerate() {
                    rloss[i][ri] = if down {
                        1.0
                    } else {
                        r.groups
                            .iter()
                            .map(|gi| group_loss[i][*gi])
                            .fold(0.0, f64::max)
                    };
                }
                let new = if down {
                    1.0
                } else if self.recipes[i].is_empty() {
                    group_loss[i].iter().copied().fold(0.0, f64::max)
                } else {
                    self.recipes[i]
                        .iter()
                        .zip(&rloss[i])
                        .map(|(r, l)| r.feed_weight * l)
                        .sum()
                };
                if (new - loss[i]).abs() > 1e-12 {
                    changed = true;
                }
                loss[i] = new;
            }
            if !changed {
                break;
            }
        }
        let region_loss = self
            .sinks
            .iter()
            .map(|(i, w, rw)| {
                let l = if knocked_fac[*i] || !self.active[*i] || rw.is_empty() {
                    loss[*i]
                } else {
                    rw.iter().map(|(r, x)| x * rloss[*i][*r]).sum()
                };
                w * l
            })
            .sum();
        Propagation {
            region_loss,
            group_loss,
        }
    }

    /// Loss of the material a lane carries, at its supplier.
    fn lane_loss(
        &self,
        lane: usize,
        from: usize,
        knocked_fac: &[bool],
        loss: &[f64],
        rloss: &[Vec<f64>],
    ) -> f64 {
        let src = &self.lane_sources[lane];
        if knocked_fac[from] || !self.active[from] || src.is_empty() {
            loss[from]
        } else {
            src.iter().map(|(r, w)| w * rloss[from][*r]).sum()
        }
    }

    fn knocked_sets(&self, knocked: &[NodeRef]) -> (Vec<bool>, Vec<bool>, f64) {
        let mut kf = vec![false; self.inputs.len()];
        let mut kl = vec![false; self.world.lanes.len()];
        let mut ramp = 0.0_f64;
        for node in knocked {
            match *node {
                NodeRef::Facility { id } => {
                    kf[id.index()] = true;
                    ramp = ramp.max(self.ramp[id.index()]);
                }
                NodeRef::CountryStage { country, stage } => {
                    for (id, f) in self.world.facilities.iter() {
                        if f.country == country && f.stage == stage {
                            kf[id.index()] = true;
                            ramp = ramp.max(self.ramp[id.index()]);
                        }
                    }
                }
                NodeRef::Lane { id } => kl[id.index()] = true,
            }
        }
        (kf, kl, ramp)
    }

    /// Region loss share above baseline, cover days and ramp days for a knock-out.
    pub fn impact(&self, knocked: &[NodeRef]) -> Impact {
        let (kf, kl, ramp) = self.knocked_sets(knocked);
        let p = self.propagate(&kf, &kl);
        let delta = (p.region_loss - self.baseline_loss).max(0.0);
        // Stockpiles whose material the knock-out cuts at a facility allowed to draw on them.
        let facs: Vec<_> = self.world.facilities.values().collect();
        let mut cover = 0.0_f64;
        let mut used = None;
        for s in &self.stockpiles {
            let applies = self.inputs.iter().enumerate().any(|(i, groups)| {
                s.may_draw(i, facs[i].country)
                    && !kf[i]
                    && groups.iter().enumerate().any(|(gi, g)| {
                        g.material == s.material
                            && p.group_loss[i][gi] > self.baseline_groups[i][gi] + 1e-12
                    })
            });
            if applies && s.days > cover {
                cover = s.days;
                used = Some(s.material);
            }
        }
        Impact {
            loss_share: delta,
            cover_days: cover + self.inventory_days,
            stockpile_material: used.map(|m| {
                self.world
                    .materials
                    .get(chokepoint_core::material::MaterialId::from_index(m))
                    .key
                    .clone()
            }),
            ramp_days: ramp,
        }
    }

    /// Lost output for one knock-out (deterministic).
    pub fn lost(&self, knocked: &[NodeRef], duration_days: u32) -> f64 {
        let im = self.impact(knocked);
        let exposure = im.loss_share * (f64::from(duration_days) + im.ramp_days / 2.0);
        self.per_day * (exposure - im.cover_days).max(0.0)
    }
}

/// Other names accepted for sector keys (the issue and the CLI speak of `ev`; the dataset's key
/// is `nev`, new-energy vehicles).
pub const SECTOR_ALIASES: [(&str, &str); 3] = [("ev", "nev"), ("evs", "nev"), ("bev", "nev")];

/// A sector by key or alias.
pub fn resolve_sector(world: &World, given: &str) -> Option<chokepoint_core::demand::SectorId> {
    world.sectors.lookup(given).or_else(|| {
        SECTOR_ALIASES
            .iter()
            .find(|(a, _)| *a == given)
            .and_then(|(_, k)| world.sectors.lookup(k))
    })
}

/// What a knock-out does in the flow model.
#[derive(Debug, Clone, PartialEq)]
pub struct Impact {
    /// Share of the region's supply lost while the node is down (above baseline).
    pub loss_share: f64,
    pub cover_days: f64,
    pub stockpile_material: Option<String>,
    pub ramp_days: f64,
}

impl KnockoutRunner for FlowRunner<'_> {
    fn lost_output(
        &self,
        knocked: &[NodeRef],
        duration_days: u32,
        reps: usize,
        _seed: u64,
    ) -> Result<Vec<f64>, AnalysisError> {
        // Deterministic: every replication is the same, which trivially satisfies CRN.
        Ok(vec![self.lost(knocked, duration_days); reps])
    }

    fn baseline_per_day(&self) -> f64 {
        self.per_day
    }

    fn unit(&self) -> String {
        self.unit.clone()
    }

    fn time_to_recover(&self, node: &NodeRef, duration_days: u32) -> f64 {
        let (_, _, ramp) = self.knocked_sets(&[*node]);
        f64::from(duration_days) + ramp
    }

    fn time_to_survive(
        &self,
        node: &NodeRef,
        _reps: usize,
        _seed: u64,
    ) -> Result<Option<f64>, AnalysisError> {
        let im = self.impact(&[*node]);
        Ok((im.loss_share > 1e-12).then(|| im.cover_days / im.loss_share))
    }
}
