//! The simulator-backed knock-out runner: each knock-out is the baseline scenario plus an outage
//! of the knocked node (a facility stops receiving and shipping; a country-stage is every
//! facility of that stage in that country; a lane holds its shipments) for the given duration,
//! run as a Monte Carlo on `chokepoint-scenario` over the duration plus a recovery window.
//!
//! Invariant: replication `r` of every knock-out and of the baseline uses only the random stream
//! (seed, r) (common random numbers), and the lost output reported for `r` is the knock-out's
//! lost output minus the baseline's in the same replication, floored at zero, summed over the
//! sinks of the chosen sector and region.

use crate::error::AnalysisError;
use crate::knockout::{KnockoutRunner, NodeRef};
use chokepoint_core::World;
use chokepoint_scenario::spec::{Disruption, DisruptionKind, Selector};
use chokepoint_scenario::{Scenario, compile, run};
use std::collections::HashMap;
use std::sync::Mutex;

/// Replications used per probe when bisecting the time to survive.
pub const TTS_REPS: usize = 4;

#[derive(Debug)]
pub struct SimRunner<'w> {
    world: &'w World,
    base: Scenario,
    sector: String,
    region: String,
    /// Days simulated after the outage ends, so a slow recovery counts.
    pub recovery_days: u32,
    baseline_cache: Mutex<HashMap<(u32, usize, u64), Vec<f64>>>,
    per_day: f64,
}

impl<'w> SimRunner<'w> {
    /// `base` is the no-disruption scenario (usually the bundled `baseline`); `sector` a
    /// sectors.csv id (aliases as in [`crate::flow::resolve_sector`]); `region` a region code or
    /// ISO3 country.
    pub fn new(
        world: &'w World,
        base: Scenario,
        sector: &str,
        region: &str,
    ) -> Result<Self, AnalysisError> {
        let sid = crate::flow::resolve_sector(world, sector).ok_or_else(|| {
            AnalysisError::UnknownSector {
                given: sector.to_string(),
                known: world
                    .sectors
                    .values()
                    .map(|s| s.key.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })?;
        let sector_key = world.sectors.get(sid).key.clone();
        let known_region = world.regions.lookup(region).is_some()
            || region
                .parse::<chokepoint_core::CountryCode>()
                .ok()
                .is_some_and(|c| world.country(c).is_some());
        if !known_region {
            return Err(AnalysisError::UnknownRegion {
                given: region.to_string(),
                known: world
                    .regions
                    .values()
                    .map(|r| r.code.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let mut runner = Self {
            world,
            base,
            sector: sector_key,
            region: region.to_string(),
            recovery_days: 90,
            baseline_cache: Mutex::new(HashMap::new()),
            per_day: 0.0,
        };
        let compiled = compile(world, &runner.base, "baseline")
            .map_err(|e| AnalysisError::Scenario(e.to_string()))?;
        runner.per_day = compiled
            .sinks
            .iter()
            .filter(|s| runner.selected(&s.sector, s.country))
            .map(|s| s.units_per_day)
            .sum();
        if runner.per_day <= 0.0 {
            return Err(AnalysisError::NoSink {
                sector: runner.sector.clone(),
                material: format!("(no demand in {region} in the baseline scenario)"),
            });
        }
        Ok(runner)
    }

    fn selected(&self, sector: &str, country: chokepoint_core::CountryCode) -> bool {
        sector == self.sector
            && match self.world.regions.lookup(&self.region) {
                Some(r) => self.world.regions.get(r).contains(country),
                None => country.as_str() == self.region,
            }
    }

    fn lost_per_replication(
        &self,
        scenario: &Scenario,
        reps: usize,
        seed: u64,
    ) -> Result<Vec<f64>, AnalysisError> {
        let compiled = compile(self.world, scenario, "knock-out")
            .map_err(|e| AnalysisError::Scenario(e.to_string()))?;
        let mc = run(
            &compiled,
            u32::try_from(reps).unwrap_or(u32::MAX),
            seed,
            &|| {},
        )
        .map_err(|e| AnalysisError::Scenario(e.to_string()))?;
        let sinks: Vec<usize> = compiled
            .sinks
            .iter()
            .enumerate()
            .filter(|(_, s)| self.selected(&s.sector, s.country))
            .map(|(k, _)| k)
            .collect();
        Ok(mc
            .replications
            .iter()
            .map(|r| sinks.iter().map(|&k| r.lost_output[k]).sum())
            .collect())
    }

    fn scenario_for(&self, duration: u32) -> Scenario {
        let mut s = self.base.clone();
        s.horizon_days = i64::from(duration + self.recovery_days);
        s.disruptions.clear();
        s.id = format!("{}-knockout", self.base.id);
        s
    }
}

impl KnockoutRunner for SimRunner<'_> {
    fn lost_output(
        &self,
        knocked: &[NodeRef],
        duration_days: u32,
        reps: usize,
        seed: u64,
    ) -> Result<Vec<f64>, AnalysisError> {
        if duration_days == 0 {
            return Err(AnalysisError::ZeroDuration(0));
        }
        let key = (duration_days, reps, seed);
        let cached = self
            .baseline_cache
            .lock()
            .ok()
            .and_then(|c| c.get(&key).cloned());
        let baseline = match cached {
            Some(b) => b,
            None => {
                let b = self.lost_per_replication(&self.scenario_for(duration_days), reps, seed)?;
                if let Ok(mut c) = self.baseline_cache.lock() {
                    c.insert(key, b.clone());
                }
                b
            }
        };
        let s = self.knockout_scenario(knocked, duration_days)?;
        // A knocked node that is not in the network (no recipe, no lane) loses nothing.
        let with = match self.lost_per_replication(&s, reps, seed) {
            Ok(v) => v,
            Err(AnalysisError::Scenario(m)) if m.contains("selects no facility or lane") => {
                return Ok(vec![0.0; reps]);
            }
            Err(e) => return Err(e),
        };
        Ok(with
            .iter()
            .zip(&baseline)
            .map(|(w, b)| (w - b).max(0.0))
            .collect())
    }

    fn baseline_per_day(&self) -> f64 {
        self.per_day
    }

    /// Every probe of the time-to-survive search is a full Monte Carlo; a few replications
    /// suffice because the outage is scheduled, not random.
    fn survival_probe_reps(&self, reps: usize) -> usize {
        reps.clamp(1, TTS_REPS)
    }

    /// Two years: the bundled scenarios' longest horizon.
    fn survival_search_days(&self) -> u32 {
        730
    }

    fn unit(&self) -> String {
        self.unit_name()
    }
}

impl SimRunner<'_> {
    /// The base scenario with `knocked` out for the first `duration_days`.
    fn knockout_scenario(
        &self,
        knocked: &[NodeRef],
        duration_days: u32,
    ) -> Result<Scenario, AnalysisError> {
        let mut s = self.scenario_for(duration_days);
        let from = s.start;
        let until = from
            .checked_add(jiff::Span::new().days(i64::from(duration_days)))
            .map_err(|e| AnalysisError::Scenario(e.to_string()))?;
        let mut selector = Selector::default();
        for node in knocked {
            match *node {
                NodeRef::Facility { id } => selector
                    .facilities
                    .push(self.world.facilities.get(id).key.clone()),
                NodeRef::CountryStage { country, stage } => selector.facilities.extend(
                    self.world
                        .facilities
                        .values()
                        .filter(|f| f.country == country && f.stage == stage)
                        .map(|f| f.key.clone()),
                ),
                NodeRef::Lane { id } => selector.lanes.push(self.world.lanes.get(id).key.clone()),
            }
        }
        s.disruptions.push(Disruption {
            name: "knock-out".into(),
            kind: DisruptionKind::Outage,
            selector,
            from: Some(from),
            until: Some(until),
            markov: None,
            episode: None,
            source: None,
            assumption: Some("knock-out analysis".into()),
        });
        Ok(s)
    }

    /// Output of the selected sector and region not made per day in the long run of an outage
    /// of `knocked` that never ends (the simulator's own steady state:
    /// [`chokepoint_scenario::Compiled::long_run`]), less what the network loses without it.
    pub fn long_run_lost_per_day(&self, knocked: &[NodeRef]) -> Result<f64, AnalysisError> {
        let days = 365;
        let lost = |s: &Scenario| -> Result<f64, AnalysisError> {
            let mut s = s.clone();
            s.fixed_inputs = true;
            let c = compile(self.world, &s, "knock-out")
                .map_err(|e| AnalysisError::Scenario(e.to_string()))?;
            let lr = c
                .long_run()
                .map_err(|e| AnalysisError::Scenario(e.to_string()))?;
            Ok(c.sinks
                .iter()
                .filter(|k| self.selected(&k.sector, k.country))
                .map(|k| lr.lost(k.node))
                .sum())
        };
        let base = lost(&self.scenario_for(days))?;
        match lost(&self.knockout_scenario(knocked, days)?) {
            Ok(with) => Ok((with - base).max(0.0)),
            Err(AnalysisError::Scenario(m)) if m.contains("selects no facility or lane") => Ok(0.0),
            Err(e) => Err(e),
        }
    }

    fn unit_name(&self) -> String {
        let sid = self.world.sectors.lookup(&self.sector);
        let product = sid
            .and_then(|s| self.world.sectors.get(s).end_product)
            .map_or_else(
                || self.sector.clone(),
                |m| self.world.materials.get(m).name.clone(),
            );
        format!("{product} (units)")
    }
}

/// The long-run view of the simulator as a knock-out runner: an outage of `d` days loses the
/// long-run daily loss times `d`, with no stock to bridge it (so time to survive is 0 for any
/// node whose loss is positive). Deterministic. A long outage in the simulator converges to the
/// same daily loss once stocks are spent (a test in chokepoint-scenario), so the two runners
/// differ by what stocks and catch-up do over the outage, not by their model of flow.
#[derive(Debug)]
pub struct LongRunRunner<'a, 'w> {
    pub sim: &'a SimRunner<'w>,
}

impl KnockoutRunner for LongRunRunner<'_, '_> {
    fn lost_output(
        &self,
        knocked: &[NodeRef],
        duration_days: u32,
        reps: usize,
        _seed: u64,
    ) -> Result<Vec<f64>, AnalysisError> {
        if duration_days == 0 {
            return Err(AnalysisError::ZeroDuration(0));
        }
        let rate = self.sim.long_run_lost_per_day(knocked)?;
        Ok(vec![rate * f64::from(duration_days); reps])
    }

    fn baseline_per_day(&self) -> f64 {
        self.sim.baseline_per_day()
    }

    fn unit(&self) -> String {
        self.sim.unit_name()
    }
}
