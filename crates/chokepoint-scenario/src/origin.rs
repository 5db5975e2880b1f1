//! Origin of the rare-earth content that reaches a country in a material form, traced through
//! the bundled network: what `licence check --trace` puts in place of a bill of materials'
//! asserted origins.
//!
//! The baseline scenario is run from the shipment date with origin tracing on and its central
//! inputs; at the end of the horizon each supplier's stock carries a mix by country of mining.
//! The mix of form F reaching country C is the flow-weighted mix over every lane that ships a
//! material of form F to a facility in C (imports and domestic deliveries alike). When no lane
//! delivers F to C, the mix of what C's own plants make in form F stands in; when C neither
//! receives nor makes F, there is no traced answer and the caller keeps the assertion.
//!
//! Invariant: every mix returned sums to 1 within rounding (a test).

use crate::compile::{Compiled, compile};
use crate::spec::Scenario;
use chokepoint_core::material::MaterialForm;
use chokepoint_core::{CountryCode, World};
use std::collections::HashMap;

/// Days simulated from the shipment date before the mixes are read: long enough for stocks
/// upstream of the magnet stage to turn over several times at the baseline's cover.
pub const TRACE_DAYS: i64 = 365;

/// Traced origin mixes by (receiving country, material form).
#[derive(Debug, Clone)]
pub struct TracedOrigins {
    /// The date the baseline run started (the shipment date).
    pub from: chokepoint_core::Date,
    pub days: i64,
    delivered: HashMap<(CountryCode, MaterialForm), Vec<f64>>,
    made: HashMap<(CountryCode, MaterialForm), Vec<f64>>,
    labels: Vec<CountryCode>,
}

/// Where a traced mix came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceBasis {
    /// The flow-weighted mix of deliveries of the form to the country.
    Delivered,
    /// The mix of what the country's plants make in the form (nothing is delivered to it).
    Made,
}

/// A traced mix: (country of mining, share), largest first.
#[derive(Debug, Clone)]
pub struct TracedMix {
    pub basis: TraceBasis,
    pub shares: Vec<(CountryCode, f64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("{0}")]
    Scenario(#[from] crate::spec::ScenarioError),
    #[error("tracing the baseline: {0}")]
    Run(#[from] chokepoint_sim::ConfigError),
}

/// Runs `baseline` from `date` for [`TRACE_DAYS`] with origin tracing and central inputs, and
/// collects the mixes. `baseline` is normally the bundled baseline scenario.
pub fn trace_origins(
    world: &World,
    baseline: &Scenario,
    date: chokepoint_core::Date,
) -> Result<TracedOrigins, TraceError> {
    let mut s = baseline.clone();
    s.start = date;
    s.horizon_days = TRACE_DAYS;
    s.trace_origin = true;
    s.fixed_inputs = true;
    s.origin_sample_runs = 1;
    s.disruptions.clear();
    s.licensing.clear();
    let compiled = compile(world, &s, "baseline (origin trace)")?;
    let net = &compiled.network;
    let mut st = chokepoint_sim::State::new(net);
    let mut rng = chokepoint_sim::replication_rng(s.seed.unwrap_or(0), 0);
    chokepoint_sim::simulate(net, &mut st, compiled.horizon, &mut rng, &mut ())?;
    Ok(collect(world, &compiled, &st, date))
}

fn collect(
    world: &World,
    c: &Compiled,
    st: &chokepoint_sim::State,
    from: chokepoint_core::Date,
) -> TracedOrigins {
    let k = c.origin_labels.len();
    let net = &c.network;
    let mut delivered: HashMap<(CountryCode, MaterialForm), Vec<f64>> = HashMap::new();
    // Flow-weighted sums; divided by their total at the end.
    let add = |map: &mut HashMap<(CountryCode, MaterialForm), Vec<f64>>,
               key: (CountryCode, MaterialForm),
               flow: f64,
               mix: &[f64]| {
        if flow <= 0.0 || mix.iter().sum::<f64>() <= 0.0 {
            return;
        }
        let acc = map.entry(key).or_insert_with(|| vec![0.0; k]);
        for (a, m) in acc.iter_mut().zip(mix) {
            *a += flow * m;
        }
    };
    for e in &c.edges {
        let form = world.materials.get(e.material).form;
        if let Some(mix) = st.origin_mix(net, e.from) {
            add(
                &mut delivered,
                (e.to_country, form),
                e.baseline_per_day,
                mix,
            );
        }
    }
    let mut made: HashMap<(CountryCode, MaterialForm), Vec<f64>> = HashMap::new();
    for (i, n) in c.nodes.iter().enumerate() {
        let id = chokepoint_sim::NodeId(u32::try_from(i).unwrap_or(u32::MAX));
        let form = world.materials.get(n.material).form;
        if let Some(mix) = st.origin_mix(net, id) {
            add(&mut made, (n.country, form), n.baseline_per_day, mix);
        }
    }
    // Each sum over its total: the flow-weighted mean of mixes that each sum to 1 (up to the
    // kernel's floating-point drift, which this also removes).
    let finish = |map: &mut HashMap<(CountryCode, MaterialForm), Vec<f64>>| {
        for v in map.values_mut() {
            let total: f64 = v.iter().sum();
            if total > 0.0 {
                v.iter_mut().for_each(|x| *x /= total);
            }
        }
    };
    finish(&mut delivered);
    finish(&mut made);
    TracedOrigins {
        from,
        days: TRACE_DAYS,
        delivered,
        made,
        labels: c.origin_labels.clone(),
    }
}

impl TracedOrigins {
    /// The traced mix of `form` reaching `country`, or `None` when the network neither delivers
    /// nor makes it there.
    pub fn mix(&self, country: CountryCode, form: MaterialForm) -> Option<TracedMix> {
        let (basis, v) = match self.delivered.get(&(country, form)) {
            Some(v) => (TraceBasis::Delivered, v),
            None => (TraceBasis::Made, self.made.get(&(country, form))?),
        };
        let mut shares: Vec<(CountryCode, f64)> = self
            .labels
            .iter()
            .zip(v)
            .filter(|(_, s)| **s > 0.0)
            .map(|(c, s)| (*c, *s))
            .collect();
        shares.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Some(TracedMix { basis, shares })
    }
}
