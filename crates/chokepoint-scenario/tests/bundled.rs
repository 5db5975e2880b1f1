//! Scenarios on the bundled world: each bundled scenario compiles and runs; the baseline loses
//! no end-product output; a disruption never makes any sector better off than the baseline with
//! the same random numbers; results do not depend on the thread count; bad scenario input gets
//! an error naming the file and field.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use chokepoint_scenario::{Scenario, ScenarioError, compile, report, run};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn world() -> chokepoint_core::World {
    chokepoint_data::load(&[root().join("data").as_path()])
        .map(|l| l.world)
        .unwrap_or_else(|d| panic!("{d:#?}"))
}

fn text(name: &str) -> String {
    std::fs::read_to_string(root().join("data/scenarios").join(name)).unwrap()
}

fn timeline() -> chokepoint_rules::Timeline {
    let path = root().join("data/policy/measures.toml");
    chokepoint_rules::Timeline::from_toml(&std::fs::read_to_string(&path).unwrap(), "measures.toml")
        .unwrap()
}

/// A bundled scenario, parsed and resolved against the bundled rule timeline.
fn scenario(name: &str) -> Scenario {
    let mut s = Scenario::parse(&text(name), name).unwrap();
    s.resolve_measures(&timeline(), name).unwrap();
    s
}

fn lost_by_sink(w: &chokepoint_core::World, s: &Scenario, reps: u32, seed: u64) -> Vec<Vec<f64>> {
    let c = compile(w, s, "test").unwrap();
    let mc = run(&c, reps, seed, &|| {}).unwrap();
    mc.replications
        .iter()
        .map(|r| r.lost_output.clone())
        .collect()
}

#[test]
fn every_bundled_scenario_compiles_and_runs() {
    let w = world();
    let mut names: Vec<String> = std::fs::read_dir(root().join("data/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !chokepoint_scenario::longrun::is_long_run_id(n))
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    for n in names {
        let mut s = scenario(&n);
        s.horizon_days = s.horizon_days.min(120);
        let c = compile(&w, &s, &n).unwrap_or_else(|e| panic!("{n}: {e}"));
        let mc = run(&c, 2, 1, &|| {}).unwrap();
        let r = report(&w, &s, &c, &mc, 1);
        assert!(!r.sectors.is_empty(), "{n}");
    }
}

#[test]
fn baseline_loses_no_end_product_output() {
    let w = world();
    let s = scenario("baseline.toml");
    for rep in lost_by_sink(&w, &s, 3, 7) {
        for lost in rep {
            assert!(lost.abs() < 1e-6, "baseline lost {lost}");
        }
    }
}

#[test]
fn a_disruption_never_beats_the_baseline_with_the_same_random_numbers() {
    // Common random numbers: replication r of both runs uses the stream (seed, r).
    let w = world();
    let base = scenario("baseline.toml");
    for name in [
        "heavy-ban-12m.toml",
        "licensing-2025-04.toml",
        "embargo-2010-japan.toml",
    ] {
        let mut s = scenario(name);
        s.horizon_days = 240;
        let mut b = base.clone();
        b.start = s.start;
        b.horizon_days = s.horizon_days;
        let with = lost_by_sink(&w, &s, 4, 11);
        let without = lost_by_sink(&w, &b, 4, 11);
        let total = |v: &Vec<Vec<f64>>| v.iter().flatten().sum::<f64>();
        assert!(
            total(&with) + 1e-6 >= total(&without),
            "{name}: {} < {}",
            total(&with),
            total(&without)
        );
    }
    // The 12-month heavy ban must actually hurt.
    let mut s = scenario("heavy-ban-12m.toml");
    s.horizon_days = 240;
    let lost: f64 = lost_by_sink(&w, &s, 2, 3).iter().flatten().sum();
    assert!(lost > 0.0);
}

#[test]
fn results_are_bit_identical_at_1_2_and_4_threads() {
    let w = world();
    let mut s = scenario("licensing-2025-04.toml");
    s.horizon_days = 150;
    let c = compile(&w, &s, "t").unwrap();
    let at = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| run(&c, 16, 99, &|| {}).unwrap())
    };
    let one = at(1);
    for t in [2, 4] {
        let other = at(t);
        assert_eq!(one.replications.len(), other.replications.len());
        for (a, b) in one.replications.iter().zip(&other.replications) {
            assert_eq!(a.cost.to_bits(), b.cost.to_bits());
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a.lost_output), bits(&b.lost_output));
            assert_eq!(bits(&a.shortage), bits(&b.shortage));
        }
    }
}

/// Indices of the lane edges of `c` from `from` to anywhere else (`to` = None) or to `to`,
/// whose material passes `keep`.
fn lane_edges(
    c: &chokepoint_scenario::Compiled,
    from: &str,
    to: Option<&str>,
    keep: impl Fn(chokepoint_core::material::MaterialId) -> bool,
) -> Vec<usize> {
    c.edges
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.lane.is_some()
                && e.from_country.as_str() == from
                && match to {
                    Some(t) => e.to_country.as_str() == t,
                    None => e.to_country.as_str() != from,
                }
                && keep(e.material)
        })
        .map(|(i, _)| i)
        .collect()
}

/// Runs replication 0 of `c` under `seed` for `days`, calling `f(day, state)` after each day.
fn observe(
    c: &chokepoint_scenario::Compiled,
    seed: u64,
    days: u32,
    mut f: impl FnMut(u32, &chokepoint_sim::State),
) {
    let net = &c.network;
    let mut st = chokepoint_sim::State::new(net);
    let mut rng = chokepoint_sim::replication_rng(seed, 0);
    chokepoint_sim::simulate(
        net,
        &mut st,
        days,
        &mut rng,
        &mut |t: u32, _n: &chokepoint_sim::Network, st: &chokepoint_sim::State| f(t, st),
    )
    .unwrap();
}

fn invalid(text: &str) -> (String, String) {
    match Scenario::parse(text, "bad.toml") {
        Err(ScenarioError::Invalid { file, field, .. }) => (file, field),
        other => panic!("expected an invalid-field error, got {other:?}"),
    }
}

fn compile_error(text: &str) -> String {
    let s = Scenario::parse(text, "bad.toml").unwrap();
    match compile(&world(), &s, "bad.toml") {
        Err(ScenarioError::Invalid {
            field,
            message,
            file,
        }) => {
            assert_eq!(file, "bad.toml");
            format!("{field}: {message}")
        }
        other => panic!(
            "expected a compile error, got {:?}",
            other.map(|c| c.horizon)
        ),
    }
}

const HEAD: &str =
    "id = \"t\"\ntitle = \"t\"\nstart = 2025-01-01\nhorizon_days = 30\n[provenance]\n";

#[test]
fn bad_scenarios_name_file_and_field() {
    let h = |horizon: &str| HEAD.replace("horizon_days = 30", horizon);
    assert_eq!(invalid(&h("horizon_days = 0")).1, "horizon_days");
    assert_eq!(invalid(&h("horizon_days = -5")).1, "horizon_days");

    let dis = |body: &str| {
        format!(
            "{HEAD}\n[[disruption]]\nname = \"d\"\nkind = \"shipment-pausing\"\nfacilities = [\"chn-heavy-separation\"]\nsource = \"s\"\n{body}"
        )
    };
    // A negative duration: until before from.
    assert_eq!(
        invalid(&dis("from = 2025-03-01\nuntil = 2025-02-01")).1,
        "disruption[0] (d).until"
    );
    assert_eq!(
        invalid(&dis("markov = { alpha = 1.5, beta = 0.1 }")).1,
        "disruption[0] (d).markov.alpha"
    );
    assert_eq!(
        invalid(&dis("episode = { probability = -0.1, start_day = { dist = \"fixed\", days = 1 }, duration_days = { dist = \"fixed\", days = 3 } }")).1,
        "disruption[0] (d).episode.probability"
    );

    // Syntax and unknown fields are reported with the file.
    match Scenario::parse(&format!("{HEAD}\ncolour = 1"), "bad.toml") {
        Err(ScenarioError::Syntax { file, message }) => {
            assert_eq!(file, "bad.toml");
            assert!(message.contains("colour"), "{message}");
        }
        other => panic!("{other:?}"),
    }

    // Unknown facility, material, country: found at compile time, naming the field.
    let unknown_fac = dis("from = 2025-01-05\nuntil = 2025-02-01")
        .replace("chn-heavy-separation", "atlantis-mine");
    let m = compile_error(&unknown_fac);
    assert!(
        m.starts_with("disruption[0] (d).facilities") && m.contains("atlantis-mine"),
        "{m}"
    );
    let unknown_mat = format!(
        "{HEAD}\n[[disruption]]\nname = \"d\"\nkind = \"order-pausing\"\nmaterials = [\"unobtainium\"]\nfrom = 2025-01-05\nuntil = 2025-02-01\nassumption = \"a\""
    );
    assert!(compile_error(&unknown_mat).starts_with("disruption[0] (d).materials"));
    let unknown_country = format!("{HEAD}\n[rationing]\nXXX = \"pro-rata\"");
    assert!(compile_error(&unknown_country).starts_with("rationing.XXX"));
}

#[test]
fn origin_tracing_gives_mixes_that_sum_to_one_and_changes_no_quantity() {
    let w = world();
    let mut s = scenario("licensing-2025-04.toml");
    s.horizon_days = 120;
    assert!(s.trace_origin);
    let c = compile(&w, &s, "t").unwrap();
    assert!(
        c.origin_labels
            .contains(&chokepoint_core::CountryCode::CHINA)
    );
    let (mc, series) = chokepoint_scenario::run_detailed(&w, &s, &c, 3, 5, &|| {}).unwrap();
    assert!(!series.origins.is_empty());
    for row in &series.origins {
        let total: f64 = row.shares.iter().map(|x| x.1).sum();
        // Mixes are carried in floating point through every stock for 120 days.
        assert!(
            (total - 1.0).abs() < 1e-5,
            "{} {}: shares sum to {total}",
            row.sector,
            row.country
        );
    }
    // The same scenario without tracing gives bit-identical quantities.
    let mut plain = s.clone();
    plain.trace_origin = false;
    let c2 = compile(&w, &plain, "t").unwrap();
    let mc2 = run(&c2, 3, 5, &|| {}).unwrap();
    for (a, b) in mc.replications.iter().zip(&mc2.replications) {
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a.lost_output), bits(&b.lost_output));
        assert_eq!(bits(&a.shortage), bits(&b.shortage));
    }
}

#[test]
fn tracing_a_sample_of_replications_changes_no_quantity() {
    // licensing-2025-04 traces origins only to report them: past the sample the replications
    // run untraced (batched); every quantity equals a run that traces them all.
    let w = world();
    let mut s = scenario("licensing-2025-04.toml");
    s.horizon_days = 90;
    s.origin_sample_runs = 16;
    let sampled = compile(&w, &s, "t").unwrap();
    assert!(sampled.inputs.traces(0) && !sampled.inputs.traces(1));
    let (a, sa) = chokepoint_scenario::run_detailed(&w, &s, &sampled, 40, 3, &|| {}).unwrap();
    s.origin_sample_runs = 1000;
    let all = compile(&w, &s, "t").unwrap();
    let (b, sb) = chokepoint_scenario::run_detailed(&w, &s, &all, 40, 3, &|| {}).unwrap();
    assert_eq!(a.replications, b.replications);
    assert_eq!(sa.per_replication, sb.per_replication);
    assert!(!sa.origins.is_empty() && sa.origins.len() == sb.origins.len());
}

#[test]
fn deterministic_scenarios_are_computed_once_with_the_same_result() {
    // baseline and heavy-ban have no random element: the shortcut must equal running every
    // replication on its own stream; licensing (random reviews) must not take the shortcut.
    let w = world();
    for (name, deterministic) in [
        ("heavy-ban-12m.toml", true),
        ("baseline.toml", true),
        ("licensing-2025-04.toml", false),
    ] {
        let mut s = scenario(name);
        s.horizon_days = 200;
        s.fixed_inputs = true;
        let c = compile(&w, &s, name).unwrap();
        assert!(!c.inputs.is_drawn(), "{name}");
        assert_eq!(c.network.is_deterministic(), deterministic, "{name}");
        let shortcut = run(&c, 3, 17, &|| {}).unwrap();
        let mut st = chokepoint_sim::State::new(&c.network);
        for r in 0..3u64 {
            let full =
                chokepoint_sim::run_replication(&c.network, &mut st, c.horizon, 17, r).unwrap();
            assert_eq!(
                full, shortcut.replications[r as usize],
                "{name} replication {r}"
            );
        }
    }
}

#[test]
fn drawn_inputs_run_each_group_on_its_own_network_and_widen_the_bands() {
    // heavy-ban-12m and embargo-2010-japan have no random element but their ranges: every
    // replication of a group is the group's network on its own stream, and the groups differ.
    let w = world();
    for name in ["heavy-ban-12m.toml", "embargo-2010-japan.toml"] {
        let mut s = scenario(name);
        s.horizon_days = 150;
        let c = compile(&w, &s, name).unwrap();
        assert!(c.inputs.is_drawn(), "{name}");
        let runs = 40u32; // groups of 16, 16 and 8
        let mc = run(&c, runs, 11, &|| {}).unwrap();
        for r in [0u64, 15, 16, 39] {
            let net = c.inputs.network_of(&c.network, 11, r).unwrap();
            let mut st = chokepoint_sim::State::new(&net);
            let alone = chokepoint_sim::run_replication(&net, &mut st, c.horizon, 11, r).unwrap();
            assert_eq!(alone, mc.replications[r as usize], "{name} replication {r}");
        }
        let total = |r: &chokepoint_sim::ReplicationSummary| r.lost_output.iter().sum::<f64>();
        let lost: Vec<f64> = mc.replications.iter().map(total).collect();
        // Within a group the inputs are the same and nothing else is random.
        assert_eq!(lost[0], lost[15], "{name}");
        let (lo, hi) = lost
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), x| (a.min(*x), b.max(*x)));
        assert!(
            hi > lo * 1.001 && hi > 0.0,
            "{name}: lost output {lo}..{hi} across groups"
        );
        // Fixed inputs: one network, every replication alike.
        s.fixed_inputs = true;
        let fixed = run(&compile(&w, &s, name).unwrap(), 20, 11, &|| {}).unwrap();
        assert!(
            fixed
                .replications
                .iter()
                .all(|r| total(r) == total(&fixed.replications[0]))
        );
    }
}

#[test]
fn licensing_windows_come_from_the_rule_timeline() {
    // No. 18 is in force from 2025-04-04; No. 57 (effective 2025-11-08) is suspended by No. 70
    // to 2026-11-10 inclusive, so it is in force from 2026-11-11; general licences from
    // 2025-12-01 (month precision in the data).
    let date = |s: &str| s.parse::<chokepoint_core::Date>().unwrap();
    let mut s = Scenario::parse(&text("expansion-2025-10.toml"), "e").unwrap();
    assert!(s.licensing.iter().all(|l| l.from.is_none()));
    let notes = s.resolve_measures(&timeline(), "e").unwrap();
    assert!(
        notes.iter().any(|n| n.contains("newest source")),
        "{notes:?}"
    );
    let by = |m: &str| {
        s.licensing
            .iter()
            .find(|l| l.measure.as_deref() == Some(m))
            .unwrap()
    };
    assert_eq!(
        by("mofcom-2025-18").from,
        Some(s.start),
        "in force before the start: from day 0"
    );
    assert_eq!(
        by("mofcom-2025-18").general_licence_from,
        Some(date("2025-12-01"))
    );
    assert_eq!(by("mofcom-2025-57").from, Some(date("2026-11-11")));
    assert_eq!(by("mofcom-2025-57").until, None);
    // A start before No. 18: the window opens on its effective date.
    let mut early = Scenario::parse(&text("licensing-2025-04.toml"), "l").unwrap();
    early.start = date("2025-03-01");
    early.resolve_measures(&timeline(), "l").unwrap();
    assert_eq!(early.licensing[0].from, Some(date("2025-04-04")));
    // An unknown measure is an error naming the field.
    let mut bad = Scenario::parse(
        &text("licensing-2025-04.toml").replace("mofcom-2025-18", "mofcom-2099-1"),
        "bad.toml",
    )
    .unwrap();
    match bad.resolve_measures(&timeline(), "bad.toml") {
        Err(ScenarioError::Invalid { file, field, .. }) => {
            assert_eq!(file, "bad.toml");
            assert!(field.ends_with(".measure"), "{field}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn content_rules_need_origin_tracing_and_a_mining_country() {
    // No. 61 in the bundled expansion scenario, with MOFCOM's 0.1% threshold made explicit
    // (the bundled file traces origins; the variants below choose)
    let base = text("expansion-2025-10.toml").replace("\ntrace_origin = true\n", "\n");
    let anchor = "name = \"No. 61 extraterritorial rule on Japanese magnets\"";
    assert!(base.contains(anchor));
    let with_rule = |origin: &str, share: f64, trace: bool| {
        let mut t = base.replace(
            anchor,
            &format!("{anchor}\ncontent_rule = {{ origin = \"{origin}\", min_share = {share} }}"),
        );
        if trace {
            t = format!("trace_origin = true\n{t}");
        }
        t
    };
    // without tracing: a validation error naming the field
    let (file, field) = invalid(&with_rule("CHN", 0.001, false));
    assert_eq!(file, "bad.toml");
    assert!(field.ends_with("content_rule"), "{field}");
    // a share outside [0, 1]
    let (_, field) = invalid(&with_rule("CHN", 1.5, true));
    assert!(field.ends_with("content_rule.min_share"), "{field}");
    // with tracing it compiles; a country with no mine in the network exempts everything
    let w = world();
    let tl = timeline();
    let compiled = |text: &str| {
        let mut s = Scenario::parse(text, "t.toml").unwrap();
        s.resolve_measures(&tl, "t.toml").unwrap();
        compile(&w, &s, "t.toml").unwrap()
    };
    let c = compiled(&with_rule("CHN", 0.001, true));
    assert!(
        c.origin_labels
            .contains(&chokepoint_core::CountryCode::CHINA)
    );
    assert!(
        !c.warnings.iter().any(|x| x.contains("no mine of")),
        "{:?}",
        c.warnings
    );
    let c = compiled(&with_rule("DEU", 0.001, true));
    assert!(
        c.warnings.iter().any(|x| x.contains("no mine of DEU")),
        "{:?}",
        c.warnings
    );
}

#[test]
fn a_policy_free_run_starts_in_steady_state() {
    // Every lane out of China ships on day 0 what it ships once the run has settled (day 120),
    // and every node holds the same stock: pipelines start full and stocks at their targets,
    // so nothing waits for a warm-up or draws its stock down while the pipelines fill.
    let w = world();
    let mut s = scenario("baseline.toml");
    s.horizon_days = 121;
    let c = compile(&w, &s, "baseline").unwrap();
    let exports = lane_edges(&c, "CHN", None, |_| true);
    assert!(exports.len() > 10, "{} export lanes", exports.len());
    let mut daily: Vec<Vec<f64>> = Vec::new();
    observe(&c, 1, 121, |_t, st| {
        let shipped = exports
            .iter()
            .map(|&e| st.shipped(chokepoint_sim::EdgeId(e as u32)));
        let on_hand =
            (0..c.nodes.len()).map(|n| st.inventory_level(chokepoint_sim::NodeId(n as u32)));
        daily.push(shipped.chain(on_hand).collect());
    });
    let settled = &daily[120];
    let total: f64 = settled[..exports.len()].iter().sum();
    assert!(total > 1.0, "China exports {total} units a day");
    let n_exports = exports.len();
    let structural: Vec<String> = c
        .warnings
        .iter()
        .filter_map(|w| w.strip_prefix("structural shortfall: "))
        .filter_map(|w| w.split(' ').next())
        .map(str::to_string)
        .collect();
    for (t, day) in daily.iter().enumerate() {
        for (k, &y) in settled[..n_exports].iter().enumerate() {
            let x = day[k];
            assert!(
                (x - y).abs() <= 0.02 * y.max(1e-9),
                "day {t}: lane {:?} ships {x}, settled {y}",
                c.edges[exports[k]].lane
            );
        }
        // Stocks never draw down (unsold co-products may pile up: that is their steady state),
        // but at the plants the compiler reports as short of capacity in the baseline.
        for (k, (&x, &x0)) in day.iter().zip(&daily[0]).enumerate().skip(n_exports) {
            let name = &c.nodes[k - n_exports].name;
            if structural.iter().any(|s| s == name) {
                continue;
            }
            assert!(
                x >= 0.98 * x0 - 1e-9,
                "day {t}: stock of {} fell to {x} from {x0}",
                c.nodes[k - n_exports].name
            );
        }
    }
}

#[test]
fn the_bundled_world_serves_its_demand_and_matches_published_shares() {
    let w = world();
    let s = scenario("baseline.toml");
    let c = compile(&w, &s, "baseline").unwrap();
    let mc = run(&c, 1, 0, &|| {}).unwrap();
    let b = chokepoint_scenario::balance::world_balance(
        &w,
        &c,
        &mc,
        c.horizon,
        Some(2024),
        chokepoint_core::stats::Edition::Mcs2026,
    );
    assert!(b.unplaced.is_empty(), "{:?}", b.unplaced);
    // The report's own verdict agrees with the rows checked below.
    let served = b
        .checks
        .iter()
        .find(|c| c.target.contains("served"))
        .unwrap();
    assert!(served.met, "{:?}", served.misses);
    for sh in &b.sector_shares {
        // Each sector's country rows add up to its published world total.
        let rows: f64 = b
            .sectors
            .iter()
            .filter(|r| r.sector == sh.sector)
            .map(|r| r.published_units)
            .sum();
        assert!(
            (rows - sh.world_units).abs() <= 0.005 * sh.world_units,
            "{}: rows {rows} vs world {}",
            sh.sector,
            sh.world_units
        );
        assert!(
            sh.served_pct >= 95.0,
            "{}: served {}%",
            sh.sector,
            sh.served_pct
        );
        if let Some(p) = sh.china_published_pct {
            assert!(
                (sh.china_modelled_pct - p).abs() <= 5.0,
                "{}: China {}% modelled vs {p}% published",
                sh.sector,
                sh.china_modelled_pct
            );
        }
    }
    // The balance's trade figure is what the simulator ships: China's magnet exports on a
    // baseline day (steady from the start) times 365.
    let exports = b
        .trade
        .iter()
        .find(|t| t.flow == "CHN>WLD:magnet")
        .expect("China's magnet exports are in trade_flows.csv");
    let magnet_edges = lane_edges(&c, "CHN", None, |m| {
        w.materials.get(m).form == chokepoint_core::material::MaterialForm::Magnet
    });
    let mut day10 = 0.0;
    observe(&c, 0, 11, |t, st| {
        if t == 10 {
            day10 = magnet_edges
                .iter()
                .map(|&e| st.shipped(chokepoint_sim::EdgeId(e as u32)))
                .sum();
        }
    });
    assert!(
        (day10 * 365.0 - exports.modelled_t).abs() <= 1e-6 * exports.modelled_t,
        "simulated {} t/yr vs balance {} t/yr",
        day10 * 365.0,
        exports.modelled_t
    );
    assert!(exports.published_t > 0.0 && exports.modelled_t > 0.0);
    // China's share of world magnet making, modelled against the IEA's 94%.
    let magnet_cn = b
        .stages
        .iter()
        .find(|r| r.stage == "magnet" && r.country == "CHN")
        .unwrap();
    let published = magnet_cn.published_share_pct.unwrap();
    assert!(
        (magnet_cn.modelled_share_pct - published).abs() <= 5.0,
        "China magnets {}% vs {published}%",
        magnet_cn.modelled_share_pct
    );
}

#[test]
fn the_2025_replay_knows_only_what_was_published_before_it_and_the_check_catches_later_sources() {
    let w = world();
    let replay = |name: &str| {
        let s = scenario(name);
        let seed = s.seed.unwrap_or(0);
        chokepoint_scenario::backtest::replay(&w, s, name, 2, seed).unwrap()
    };
    let apr = replay("licensing-2025-04.toml");
    assert!(apr.sources.records > 100, "{} records", apr.sources.records);
    assert!(
        apr.sources.after.is_empty() && apr.sources.undetermined.is_empty(),
        "2025 parameters with sources from after 4 April 2025: {:?} {:?}",
        apr.sources.after,
        apr.sources.undetermined
    );
    // The 2010 replay runs on the 2024 network: the check must flag it.
    let emb = replay("embargo-2010-japan.toml");
    assert!(
        emb.sources.after.iter().any(|a| a.source == "usgs-mcs2025"),
        "{:?}",
        emb.sources.after.iter().take(3).collect::<Vec<_>>()
    );
    // Every observation of each event is measured once, and the halts are modelled.
    for e in [&apr, &emb] {
        let expected = w
            .observations
            .iter()
            .filter(|o| o.event == e.scenario)
            .count();
        assert_eq!(e.observations.len(), expected, "{}", e.scenario);
    }
    for o in apr.observations.iter().filter(|o| {
        matches!(
            o.kind,
            chokepoint_core::observation::ObservationKind::Halt
                | chokepoint_core::observation::ObservationKind::Approvals
        )
    }) {
        assert!(o.modelled.is_some() && o.error.is_some(), "{o:?}");
    }
}

#[test]
fn licences_per_application_release_goods_over_weeks_not_at_once() {
    // China's magnet lanes to Germany under No. 18: with one licence per importer and item
    // every controlled edge resumes on one day; with several applications the parts resume on
    // different days, so exports recover in steps.
    let w = world();
    let release_days = |apps: u32| {
        let mut s = scenario("licensing-2025-04.toml");
        s.horizon_days = 150;
        s.trace_origin = false;
        for l in &mut s.licensing {
            l.applications = apps;
        }
        let c = compile(&w, &s, "t").unwrap();
        let edges = lane_edges(&c, "CHN", Some("DEU"), |m| {
            w.materials.get(m).key == "ndfeb-magnet-standard"
        });
        assert_eq!(edges.len(), apps as usize);
        // first day after day 0 on which each edge ships again
        let mut first: Vec<Option<u32>> = vec![None; edges.len()];
        let mut stopped = vec![false; edges.len()];
        observe(&c, 3, 150, |t, st| {
            for (k, &e) in edges.iter().enumerate() {
                let x = st.shipped(chokepoint_sim::EdgeId(e as u32));
                if x <= 0.0 {
                    stopped[k] = true;
                } else if stopped[k] && first[k].is_none() {
                    first[k] = Some(t);
                }
            }
        });
        let mut days: Vec<u32> = first.into_iter().flatten().collect();
        days.sort_unstable();
        days.dedup();
        days
    };
    assert_eq!(release_days(1).len(), 1, "one licence resumes all at once");
    let staggered = release_days(8);
    assert!(
        staggered.len() >= 3,
        "8 applications resume on {staggered:?}"
    );
}

#[test]
fn the_october_scenario_applies_no_61_by_value_from_the_timeline() {
    // The No. 61 regime names its measure and gives no rule: it takes the measure's 0.1% by
    // value of Chinese-origin content, and the compiler hands the kernel the same threshold as
    // an origin share of the traced content (a magnet is all listed content).
    let s = scenario("expansion-2025-10.toml");
    let rule = s
        .licensing
        .iter()
        .find(|l| l.measure.as_deref() == Some("mofcom-2025-61-art2"))
        .and_then(|l| l.content_rule.clone())
        .expect("No. 61 regime with a content rule");
    assert_eq!(rule.origin, "CHN");
    assert_eq!(rule.min_share, 0.001);
    assert_eq!(
        chokepoint_rules::content::min_origin_share(rule.min_share, 1.0),
        Some(0.001 * (1.0 - chokepoint_rules::content::THRESHOLD_TOLERANCE))
    );
    // Without tracing the rule cannot be read: an error naming the regime's measure field.
    let mut untraced = Scenario::parse(&text("expansion-2025-10.toml"), "e").unwrap();
    untraced.trace_origin = false;
    let e = untraced
        .resolve_measures(&timeline(), "e")
        .unwrap_err()
        .to_string();
    assert!(e.contains("measure") && e.contains("trace_origin"), "{e}");
}

#[test]
fn traced_origins_sum_to_one_and_follow_the_network() {
    let w = world();
    let base = scenario("baseline.toml");
    let date = "2025-01-01".parse().unwrap();
    let t = chokepoint_scenario::origin::trace_origins(&w, &base, date).unwrap();
    use chokepoint_core::material::MaterialForm;
    let jpn = t
        .mix("JPN".parse().unwrap(), MaterialForm::Magnet)
        .expect("magnets reach Japan");
    let total: f64 = jpn.shares.iter().map(|s| s.1).sum();
    assert!((total - 1.0).abs() < 1e-9, "{total}");
    // Japan's magnets carry Chinese-mined content (Chinese magnets and Chinese oxide) and
    // Australian (Lynas) content; the largest share is listed first.
    assert_eq!(
        jpn.shares[0].0,
        chokepoint_core::CountryCode::CHINA,
        "{:?}",
        jpn.shares
    );
    assert!(
        jpn.shares.iter().any(|(c, _)| c.as_str() == "AUS"),
        "{:?}",
        jpn.shares
    );
    assert!(jpn.shares.windows(2).all(|p| p[0].1 >= p[1].1));
    // No magnet is made in or delivered to Brazil in the network.
    assert!(
        t.mix("BRA".parse().unwrap(), MaterialForm::Magnet)
            .is_none()
    );
}

/// Growth per day of the sinks' unserved backlog (demand not made) over the last third of a run
/// of `s`, and the long-run loss per day of the same network (every disruption in force for
/// good). The backlog, not "met on the day", is what a flow measures: once a backlog exists every
/// shipment first clears it, so on-time service is zero even while goods still flow.
fn late_loss_rate_and_long_run(w: &chokepoint_core::World, s: &Scenario) -> (f64, f64) {
    let c = compile(w, s, "t").unwrap();
    let net = &c.network;
    let sinks: Vec<chokepoint_sim::NodeId> = c.sinks.iter().map(|s| s.node).collect();
    let h = c.horizon;
    let from = 2 * h / 3;
    let mut backlog = 0.0;
    observe(&c, 1, h, |t, st| {
        let b: f64 = sinks.iter().map(|&n| st.external_backorders(n)).sum();
        if t == from.saturating_sub(1) {
            backlog = -b;
        }
        if t == h - 1 {
            backlog += b;
        }
    });
    let sim = backlog / f64::from(h - from);
    let lr = chokepoint_sim::steady::long_run(net, h - 1).unwrap();
    let long: f64 = sinks.iter().map(|&n| lr.lost(n)).sum();
    (sim, long)
}

#[test]
fn a_long_knock_out_converges_to_the_long_run_flow() {
    // Outages from day 0 to the end, on the baseline with central inputs: the simulator's
    // daily loss late in the run approaches the long-run flow of the same network as the
    // outage lengthens and stocks run out.
    let w = world();
    let mut base = scenario("baseline.toml");
    base.fixed_inputs = true;
    base.stockpiles = false;
    for (facility, tol) in [
        ("jpn-metal-alloy", 1e-4),
        ("shin-etsu-japan", 1e-4),
        ("chn-sintered-ndfeb", 1e-4),
    ] {
        let mut errors = Vec::new();
        for days in [120i64, 360, 1080] {
            let mut s = base.clone();
            s.horizon_days = days;
            s.disruptions = vec![chokepoint_scenario::spec::Disruption {
                name: format!("{facility} out"),
                kind: chokepoint_scenario::spec::DisruptionKind::Outage,
                selector: chokepoint_scenario::spec::Selector {
                    facilities: vec![facility.to_string()],
                    ..Default::default()
                },
                from: Some(s.start),
                until: s.start.checked_add(jiff::Span::new().days(days + 1)).ok(),
                markov: None,
                episode: None,
                source: None,
                assumption: Some("test".into()),
            }];
            let (sim, long) = late_loss_rate_and_long_run(&w, &s);
            assert!(
                long > 0.0,
                "{facility}: the outage loses output in the long run"
            );
            errors.push((days, sim, long, (sim - long).abs() / long));
        }
        // (days, simulated backlog growth per day, long-run loss per day, relative gap)
        eprintln!("{facility}: {errors:?}");
        let last = errors.last().unwrap().3;
        assert!(last < tol, "{facility}: {errors:?}");
        assert!(
            errors[0].3 >= last,
            "{facility}: error does not shrink: {errors:?}"
        );
    }
}

/// A cancelled run stops with `Cancelled` on both kernels (the traced replications run on the
/// scalar kernel, the rest batched); an uncancelled one equals `run_detailed`.
#[test]
fn a_cancelled_run_stops_with_cancelled_and_an_uncancelled_one_is_unchanged() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let w = world();
    let mut s = scenario("licensing-2025-04.toml");
    s.horizon_days = 60;
    let c = compile(&w, &s, "t").unwrap();
    let stop = AtomicBool::new(true);
    let done = AtomicU64::new(0);
    let r = chokepoint_scenario::run_detailed_until(
        &w,
        &s,
        &c,
        200,
        5,
        &|| {
            done.fetch_add(1, Ordering::Relaxed);
        },
        &stop,
    );
    assert!(
        matches!(r, Err(chokepoint_sim::ConfigError::Cancelled)),
        "{:?}",
        r.as_ref().err()
    );
    assert!(done.load(Ordering::Relaxed) < 200);
    let go = AtomicBool::new(false);
    let (a, fa) = chokepoint_scenario::run_detailed_until(&w, &s, &c, 40, 5, &|| {}, &go).unwrap();
    let (b, fb) = chokepoint_scenario::run_detailed(&w, &s, &c, 40, 5, &|| {}).unwrap();
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    assert_eq!(
        format!("{:?}", fa.per_replication),
        format!("{:?}", fb.per_replication)
    );
}
