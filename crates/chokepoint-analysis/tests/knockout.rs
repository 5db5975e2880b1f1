//! Knock-out analysis on the small fixture network (mini fixture + redundant metal plant):
//! mine (USA) -> separation (CHN) -> metal (CHN, ramp 90 d) 50% + metal-2 (JPN) 50% -> magnet
//! (JPN) -> motor (JPN). Demand: 1000 motors/yr in WLD, so 1000/365 motors per day.

mod common;

use chokepoint_analysis::flow::{FlowOptions, FlowRunner};
use chokepoint_analysis::knockout::{
    KnockoutRunner, NodeRef, NodeResult, SweepConfig, annotate, candidates, rank, sweep,
};
use chokepoint_analysis::stats::Summary;
use chokepoint_analysis::{AnalysisError, Input};
use chokepoint_core::facility::Stage;
use common::{facility, redundant};

const PER_DAY: f64 = 1000.0 / 365.0;

/// Structure only, with the commissioning ramp as restart ramp (test-metal ramps over 90 days).
fn no_stockpiles() -> FlowOptions {
    FlowOptions {
        stockpiles: false,
        restart_ramp: true,
        ..FlowOptions::default()
    }
}

fn find<'a>(rs: &'a [NodeResult], node: &NodeRef) -> &'a NodeResult {
    rs.iter()
        .find(|r| r.node == *node)
        .expect("node in results")
}

#[test]
fn sole_source_ranks_above_redundant_node() {
    let w = redundant();
    let runner = FlowRunner::new(&w, "ev", "WLD", &no_stockpiles()).expect("runner");
    let nodes = candidates(&w, true, false, false);
    let cfg = SweepConfig::new(90, 20, 7);
    let rs = sweep(&runner, &nodes, &cfg, &mut |_| {}).expect("sweep");
    let pos = |k: &str| {
        rs.iter()
            .position(|r| r.node == facility(&w, k))
            .expect("ranked")
    };
    // Separation is the sole source of Nd oxide; each metal plant carries half.
    assert!(pos("test-sep") < pos("test-metal"));
    assert!(pos("test-sep") < pos("test-metal-2"));
    assert!(pos("test-metal") < pos("test-metal-2"));

    // Hand-computed: sep loses 100% for 90 d = 90 days of supply.
    let sep = find(&rs, &facility(&w, "test-sep"));
    assert!((sep.lost.mean - 90.0 * PER_DAY).abs() < 1e-9);
    assert!((sep.lost_share - 1.0).abs() < 1e-12);
    // metal: 50% for 90 d plus a 90-day linear ramp back: 0.5 × (90 + 45) = 67.5 days.
    let metal = find(&rs, &facility(&w, "test-metal"));
    assert!((metal.lost.mean - 67.5 * PER_DAY).abs() < 1e-9);
    assert_eq!(metal.ttr_days, 180.0);
    // metal-2: 50% for 90 d, no ramp = 45 days.
    let metal2 = find(&rs, &facility(&w, "test-metal-2"));
    assert!((metal2.lost.mean - 45.0 * PER_DAY).abs() < 1e-9);
    // Deterministic runner: zero-width intervals, n = reps.
    assert_eq!(
        (sep.lost.n, sep.lost.ci_low, sep.lost.ci_high),
        (20, sep.lost.mean, sep.lost.mean)
    );

    // REI: impact at TTR. sep 90 d; metal (TTR 180) 0.5 × (180 + 45) = 112.5 d = the maximum;
    // metal-2 45 d. REI = 90/112.5 = 0.8, 1.0, 0.4.
    assert!((sep.rei.unwrap_or(0.0) - 0.8).abs() < 1e-12);
    assert!((metal.rei.unwrap_or(0.0) - 1.0).abs() < 1e-12);
    assert!((metal2.rei.unwrap_or(0.0) - 0.4).abs() < 1e-12);
    // No cover at all: TTS = 0 < TTR → at risk.
    assert_eq!(sep.tts_days, Some(0.0));
    assert!(sep.at_risk);
}

#[test]
fn country_stages_and_lanes_are_knocked_out_too() {
    let w = redundant();
    let runner = FlowRunner::new(&w, "ev", "WLD", &no_stockpiles()).expect("runner");
    let chn_metal = NodeRef::CountryStage {
        country: "CHN".parse().expect("code"),
        stage: Stage::Metal,
    };
    // CHN metal = test-metal only (metal-2 is in Japan): 67.5 days.
    assert!((runner.lost(&[chn_metal], 90) - 67.5 * PER_DAY).abs() < 1e-9);
    let lane = NodeRef::Lane {
        id: w.lanes.lookup("sep-to-metal").expect("lane"),
    };
    // Cutting the lane starves test-metal: 50% for 90 days, lanes restart at once.
    assert!((runner.lost(&[lane], 90) - 45.0 * PER_DAY).abs() < 1e-9);
    // Both metal plants together: 100% (with metal's ramp): 1 × (90 + 45).
    let both = [facility(&w, "test-metal"), facility(&w, "test-metal-2")];
    assert!((runner.lost(&both, 90) - 135.0 * PER_DAY).abs() < 1e-9);
    let all = candidates(&w, true, true, true);
    // 6 facilities; USA mining, CHN separation, CHN metal, JPN metal, JPN magnet, JPN
    // component; 6 lanes.
    assert_eq!(all.len(), 6 + 6 + 6);
}

#[test]
fn stockpile_cover_gives_time_to_survive() {
    // Japan's 60-day Nd-oxide stockpile (eligible: JPN, USA) covers a cut in Nd-oxide supply at
    // the Japanese metal plant: knocking out separation is covered for 60 days.
    let w = redundant();
    let runner = FlowRunner::new(&w, "ev", "WLD", &FlowOptions::default()).expect("runner");
    let sep = facility(&w, "test-sep");
    let im = runner.impact(&[sep]);
    assert_eq!(im.cover_days, 60.0);
    assert_eq!(im.stockpile_material.as_deref(), Some("nd-oxide"));
    // Lost = (1 × 90 − 60) days; TTS = 60 / 1 = 60 d < TTR 90 → at risk.
    assert!((runner.lost(&[sep], 90) - 30.0 * PER_DAY).abs() < 1e-9);
    assert_eq!(runner.time_to_survive(&sep, 1, 0), Ok(Some(60.0)));
    // Knocking out the Chinese metal plant does not cut Nd oxide: the stockpile cannot help.
    assert_eq!(runner.impact(&[facility(&w, "test-metal")]).cover_days, 0.0);
    // A 45-day outage is fully covered.
    assert_eq!(runner.lost(&[sep], 45), 0.0);
}

/// Delegates lost output but keeps the trait's default (bisection) time-to-survive.
struct ViaBisection<'a>(&'a FlowRunner<'a>);

impl KnockoutRunner for ViaBisection<'_> {
    fn lost_output(
        &self,
        k: &[NodeRef],
        d: u32,
        reps: usize,
        seed: u64,
    ) -> Result<Vec<f64>, AnalysisError> {
        self.0.lost_output(k, d, reps, seed)
    }
    fn baseline_per_day(&self) -> f64 {
        self.0.baseline_per_day()
    }
    fn unit(&self) -> String {
        self.0.unit()
    }
}

#[test]
fn default_time_to_survive_matches_closed_form_without_ramp() {
    let w = redundant();
    let runner = FlowRunner::new(&w, "ev", "WLD", &FlowOptions::default()).expect("runner");
    let sep = facility(&w, "test-sep");
    assert_eq!(
        ViaBisection(&runner).time_to_survive(&sep, 1, 0),
        Ok(Some(60.0))
    );
    // A node whose loss is zero survives indefinitely.
    let none = NodeRef::CountryStage {
        country: "USA".parse().expect("code"),
        stage: Stage::Magnet,
    };
    assert_eq!(ViaBisection(&runner).time_to_survive(&none, 1, 0), Ok(None));
}

/// A stochastic stand-in: lost = base × (1 + u_r), u_r uniform in [-0.5, 0.5) drawn from a
/// stream keyed by (seed, r) only — the CRN contract.
struct Noisy(Vec<(NodeRef, f64)>);

fn uniform(seed: u64, r: usize) -> f64 {
    // SplitMix64 of (seed, r): a fixed, documented generator keeps the test reproducible.
    let mut z = seed ^ (r as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}

impl KnockoutRunner for Noisy {
    fn lost_output(
        &self,
        k: &[NodeRef],
        _d: u32,
        reps: usize,
        seed: u64,
    ) -> Result<Vec<f64>, AnalysisError> {
        let base = self
            .0
            .iter()
            .find(|(n, _)| k.contains(n))
            .map_or(0.0, |x| x.1);
        Ok((0..reps).map(|r| base * (1.0 + uniform(seed, r))).collect())
    }
    fn baseline_per_day(&self) -> f64 {
        1.0
    }
    fn unit(&self) -> String {
        "units".into()
    }
}

#[test]
fn common_random_numbers_separate_close_nodes() {
    let w = redundant();
    let a = facility(&w, "test-sep");
    let b = facility(&w, "test-mine");
    let runner = Noisy(vec![(a, 10.0), (b, 9.8)]);
    let mut cfg = SweepConfig::new(90, 200, 42);
    cfg.time_to_survive = false;
    cfg.unit_value = Input::assumption("USD per motor", 100.0, "test");
    let rs = sweep(&runner, &[b, a], &cfg, &mut |_| {}).expect("sweep");
    assert_eq!(rs[0].node, a);
    // The separate 95% intervals overlap (noise ±50% dwarfs the 2% gap)...
    assert!(rs[0].lost.ci_low < rs[1].lost.ci_high);
    // ...but the paired difference under CRN is 0.2 × (1 + u_r) > 0 in every replication.
    assert_eq!(rs[0].separated_from_next, Some(true));
    assert_eq!(rs[1].separated_from_next, None);
    // Value = units × 100 USD.
    let v = rs[0].lost_value.expect("valued");
    assert!((v.mean - 100.0 * rs[0].lost.mean).abs() < 1e-9);
}

#[test]
fn bad_configuration_is_refused() {
    let w = redundant();
    let runner = FlowRunner::new(&w, "ev", "WLD", &FlowOptions::default()).expect("runner");
    let nodes = candidates(&w, true, false, false);
    assert_eq!(
        sweep(&runner, &nodes, &SweepConfig::new(0, 10, 1), &mut |_| {}).err(),
        Some(AnalysisError::ZeroDuration(0))
    );
    assert_eq!(
        sweep(&runner, &nodes, &SweepConfig::new(90, 0, 1), &mut |_| {}).err(),
        Some(AnalysisError::ZeroReplications(0))
    );
    assert!(matches!(
        FlowRunner::new(&w, "wind", "WLD", &FlowOptions::default()),
        Err(AnalysisError::UnknownSector { .. })
    ));
    assert!(matches!(
        FlowRunner::new(&w, "ev", "ATLANTIS", &FlowOptions::default()),
        Err(AnalysisError::UnknownRegion { .. })
    ));
}

#[test]
fn reasons_name_sole_sources() {
    let w = redundant();
    let runner = FlowRunner::new(&w, "ev", "WLD", &no_stockpiles()).expect("runner");
    let mut rs = sweep(
        &runner,
        &candidates(&w, true, false, true),
        &SweepConfig::new(90, 1, 1),
        &mut |_| {},
    )
    .expect("sweep");
    annotate(&w, &mut rs, "EV supply to WLD");
    let sep = find(&rs, &facility(&w, "test-sep"));
    let text = sep.reasons.join("; ");
    assert!(text.contains("removes 100% of EV supply to WLD"), "{text}");
    // Separation co-produces every oxide of the feed, and is the sole producer of each.
    assert!(
        text.contains("sole producer of La oxide, Ce oxide, Nd oxide, Pr oxide (separation)"),
        "{text}"
    );
    let metal2 = find(&rs, &facility(&w, "test-metal-2"));
    // Japan's metal plant is the only Nd-metal maker outside China.
    assert!(
        metal2
            .reasons
            .join("; ")
            .contains("source of Nd metal outside China"),
        "{:?}",
        metal2.reasons
    );
    rank(&mut rs);
    assert!(rs.windows(2).all(|p| p[0].lost.mean >= p[1].lost.mean));
    let _ = Summary::of(&[1.0]);
}
