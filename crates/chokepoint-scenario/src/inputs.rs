//! Uncertain scenario inputs: behavioural numbers given as ranges (days of cover per stage,
//! approval probability, licence validity, demand variability) and drawn per group of
//! replications.
//!
//! A run is a two-level Monte Carlo. The outer level draws the uncertain inputs once per group of
//! [`GROUP`] consecutive replications and derives that group's network from the compiled one
//! (only numbers change: base-stock levels, licence parameters, demand spread; never the
//! structure); the inner level is the kernel's own randomness (review times, approval draws,
//! demand) on each replication's stream. Bands over replications therefore carry both what we
//! do not know and what varies by chance.
//!
//! Invariants:
//! * a group's values depend only on (seed, group, input name), so they are the same whatever
//!   the thread count or batch width, and a policy-free twin that shares the inventory inputs
//!   draws the same cover and demand as the scenario;
//! * a group is a whole number of kernel batches (`GROUP` is a multiple of both lane widths), so
//!   a batch never mixes networks;
//! * with fixed inputs (or no ranges) there is one network, the compiled one, and results are
//!   those of a run without this layer.

use crate::spec::Uncertain;
use chokepoint_sim::batch::{LANES, LANES_LARGE};
use chokepoint_sim::{ConfigError, Demand, LicenceKey, Network, NetworkBuilder, NodeId};
use serde::Serialize;
use std::borrow::Cow;

/// Replications per draw of the uncertain inputs.
pub const GROUP: u64 = 16;

const _: () =
    assert!(GROUP.is_multiple_of(LANES as u64) && GROUP.is_multiple_of(LANES_LARGE as u64));

/// One uncertain input of a compiled scenario.
#[derive(Debug, Clone, Serialize)]
pub struct UncertainInput {
    /// The scenario field (`inventory.by_stage.component`, `licensing[0].approval_probability`).
    pub name: String,
    pub value: Uncertain,
}

/// Where each drawn input lands in the network, and the builder to derive a group's network.
#[derive(Debug, Clone, Default)]
pub struct InputPlan {
    /// The drawn inputs (empty: every replication runs on the compiled network).
    pub inputs: Vec<UncertainInput>,
    builder: Option<NetworkBuilder>,
    /// (node, lead-time days, baseline flow per day, input): base stock = (lead + cover) x flow.
    covers: Vec<(NodeId, f64, f64, usize)>,
    /// (node, mean demand per day, input): demand sd = mean x cv.
    demands: Vec<(NodeId, f64, usize)>,
    approvals: Vec<(LicenceKey, usize)>,
    validities: Vec<(LicenceKey, usize)>,
    /// Origins are traced only in the first `traced_groups` groups (`None`: in all): set when
    /// tracing only reports origin mixes and no content rule reads them.
    pub(crate) traced_groups: Option<u64>,
    /// The compiled network without origin tracing, for the groups past `traced_groups` when
    /// nothing is drawn.
    untraced: Option<Network>,
}

impl InputPlan {
    /// Whether any input is drawn.
    pub fn is_drawn(&self) -> bool {
        !self.inputs.is_empty()
    }

    /// Registers `value` under `name` if it is drawn; returns its index.
    pub(crate) fn register(&mut self, name: &str, value: &Uncertain) -> Option<usize> {
        if !value.is_drawn() {
            return None;
        }
        if let Some(i) = self.inputs.iter().position(|x| x.name == name) {
            return Some(i);
        }
        self.inputs.push(UncertainInput {
            name: name.to_string(),
            value: value.clone(),
        });
        Some(self.inputs.len() - 1)
    }

    pub(crate) fn cover(&mut self, node: NodeId, lead_days: f64, flow: f64, input: usize) {
        self.covers.push((node, lead_days, flow, input));
    }

    pub(crate) fn demand(&mut self, node: NodeId, mean: f64, input: usize) {
        self.demands.push((node, mean, input));
    }

    pub(crate) fn approval(&mut self, key: LicenceKey, input: usize) {
        self.approvals.push((key, input));
    }

    pub(crate) fn validity(&mut self, key: LicenceKey, input: usize) {
        self.validities.push((key, input));
    }

    pub(crate) fn keep_builder(&mut self, b: &NetworkBuilder) -> Result<(), ConfigError> {
        if self.is_drawn() {
            self.builder = Some(b.clone());
        } else if self.traced_groups.is_some() {
            self.untraced = Some(b.untraced().build()?);
        }
        Ok(())
    }

    /// Whether groups differ in their network (drawn inputs, or tracing in only some groups).
    pub fn varies(&self) -> bool {
        self.is_drawn() || self.traced_groups.is_some()
    }

    /// Whether group `group` traces origins (when the scenario traces them at all).
    pub fn traces(&self, group: u64) -> bool {
        self.traced_groups.is_none_or(|n| group < n)
    }

    /// The network of group `group` of a run with `seed` (`None`: the compiled one).
    pub fn group_network(&self, seed: u64, group: u64) -> Result<Option<Network>, ConfigError> {
        let traced = self.traces(group);
        if !self.is_drawn() {
            return Ok(if traced { None } else { self.untraced.clone() });
        }
        self.network_traced(&self.draw(seed, group), traced)
    }

    /// The values of group `group` of a run with `seed`, in [`InputPlan::inputs`] order.
    pub fn draw(&self, seed: u64, group: u64) -> Vec<f64> {
        self.inputs
            .iter()
            .map(|x| match &x.value {
                Uncertain::Fixed(v) => *v,
                Uncertain::Drawn(d) => {
                    let mut rng = chokepoint_sim::replication_rng(seed ^ name_key(&x.name), group);
                    d.to_sim().sample(&mut rng)
                }
            })
            .collect()
    }

    /// The network of a group with these input values (`None` when nothing is drawn: use the
    /// compiled one).
    pub fn network(&self, values: &[f64]) -> Result<Option<Network>, ConfigError> {
        self.network_traced(values, true)
    }

    fn network_traced(&self, values: &[f64], traced: bool) -> Result<Option<Network>, ConfigError> {
        let Some(base) = &self.builder else {
            return Ok(None);
        };
        let mut b = if traced {
            base.clone()
        } else {
            base.untraced()
        };
        for &(node, lead, flow, i) in &self.covers {
            if let Some(spec) = b.node_mut(node) {
                spec.base_stock = chokepoint_sim::BaseStock::Level((lead + values[i]) * flow);
            }
        }
        for &(node, mean, i) in &self.demands {
            if let Some(spec) = b.node_mut(node) {
                spec.demand = Some(Demand::Random(chokepoint_sim::Dist::Normal {
                    mean,
                    sd: mean * values[i],
                }));
            }
        }
        for &(key, i) in &self.approvals {
            if let Some(l) = b.licence_mut(key) {
                l.approval_probability = values[i].clamp(0.0, 1.0);
            }
        }
        for &(key, i) in &self.validities {
            if let Some(l) = b.licence_mut(key) {
                l.validity = (values[i].round() as i64).max(1);
            }
        }
        b.build().map(Some)
    }

    /// The network replication `rep` of a run with `seed` runs on.
    pub fn network_of<'a>(
        &self,
        compiled: &'a Network,
        seed: u64,
        rep: u64,
    ) -> Result<Cow<'a, Network>, ConfigError> {
        Ok(match self.group_network(seed, rep / GROUP)? {
            Some(n) => Cow::Owned(n),
            None => Cow::Borrowed(compiled),
        })
    }
}

/// A stable 64-bit key of an input name (FNV-1a), so each input has its own random stream.
fn name_key(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::DayDist;

    fn plan() -> InputPlan {
        let mut p = InputPlan::default();
        p.register(
            "inventory.days_of_cover",
            &Uncertain::Drawn(DayDist::Triangular {
                min: 10.0,
                mode: 30.0,
                max: 90.0,
            }),
        );
        p.register(
            "licensing[0].approval_probability",
            &Uncertain::Drawn(DayDist::Uniform { min: 0.2, max: 0.9 }),
        );
        p
    }

    #[test]
    fn draws_stay_in_range_and_depend_on_seed_group_and_name_only() {
        let p = plan();
        let mut seen = Vec::new();
        for g in 0..200 {
            let v = p.draw(7, g);
            assert!((10.0..=90.0).contains(&v[0]), "{v:?}");
            assert!((0.2..=0.9).contains(&v[1]), "{v:?}");
            assert_eq!(v, p.draw(7, g));
            seen.push(v[0]);
        }
        // Not one value for every group.
        seen.sort_by(f64::total_cmp);
        assert!(seen[180] - seen[20] > 20.0, "{:?}", (seen[20], seen[180]));
        // A plan with only the first input draws the same cover: draws do not shift when
        // other inputs come or go (the policy-free twin relies on it).
        let mut alone = InputPlan::default();
        alone.register("inventory.days_of_cover", &p.inputs[0].value);
        assert_eq!(alone.draw(7, 3)[0], p.draw(7, 3)[0]);
        assert_ne!(p.draw(8, 3)[0], p.draw(7, 3)[0]);
    }

    #[test]
    fn a_range_of_zero_width_is_not_drawn() {
        let mut p = InputPlan::default();
        let i = p.register(
            "x",
            &Uncertain::Drawn(DayDist::Uniform { min: 3.0, max: 3.0 }),
        );
        assert_eq!(i, None);
        assert!(!p.is_drawn());
        assert_eq!(p.register("y", &Uncertain::Fixed(4.0)), None);
    }
}
