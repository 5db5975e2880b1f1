//! Monte Carlo: determinism across thread counts, stream derivation, statistics sanity.

use chokepoint_sim::cases::{a1_markov, stockpyl_a1, stockpyl_c_random};
use chokepoint_sim::{McConfig, McResult, Stat, State, monte_carlo, run_replication};

fn mc_with_threads(threads: usize, cfg: &McConfig) -> McResult {
    let net = stockpyl_c_random().expect("network");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    pool.install(|| monte_carlo(&net, cfg)).expect("run")
}

#[test]
fn results_are_bit_identical_at_1_2_and_4_threads() {
    let cfg = McConfig {
        replications: 64,
        horizon: 150,
        seed: 7,
    };
    // Debug formatting of f64 is the shortest round-tripping representation, so equal strings
    // mean equal bits (and it treats NaN statistics of empty samples as equal).
    let r1 = format!("{:?}", mc_with_threads(1, &cfg));
    let r2 = format!("{:?}", mc_with_threads(2, &cfg));
    let r4 = format!("{:?}", mc_with_threads(4, &cfg));
    assert_eq!(r1, r2);
    assert_eq!(r1, r4);
}

#[test]
fn replication_depends_only_on_seed_and_index() {
    let net = stockpyl_c_random().expect("network");
    let cfg = McConfig {
        replications: 5,
        horizon: 100,
        seed: 11,
    };
    let all = monte_carlo(&net, &cfg).expect("run");
    // Re-run replication 3 alone, on a state that has run something else before.
    let mut st = State::new(&net);
    run_replication(&net, &mut st, 100, 99, 0).expect("run");
    let r3 = run_replication(&net, &mut st, 100, 11, 3).expect("run");
    assert_eq!(format!("{r3:?}"), format!("{:?}", all.replications[3]));
    // Different replications differ.
    assert_ne!(all.replications[0].cost, all.replications[1].cost);
    // A different seed changes the results.
    let other = monte_carlo(&net, &McConfig { seed: 12, ..cfg }).expect("run");
    assert_ne!(other.replications[0].cost, all.replications[0].cost);
}

#[test]
fn statistics_are_consistent() {
    let s = Stat::of(&[1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(s.mean, 3.0);
    assert!((s.se - (2.5f64).sqrt() / 5f64.sqrt()).abs() < 1e-15);
    assert_eq!(s.p50, 3.0);
    assert!((s.p5 - 1.2).abs() < 1e-12 && (s.p95 - 4.8).abs() < 1e-12);

    let res = mc_with_threads(
        2,
        &McConfig {
            replications: 40,
            horizon: 200,
            seed: 3,
        },
    );
    assert_eq!(res.replications.len(), 40);
    assert_eq!(res.fill_rate.len(), 9);
    assert_eq!(res.stockout_periods.len(), 27);
    for (i, f) in res.fill_rate.iter().enumerate() {
        assert!(f.p5 <= f.p50 && f.p50 <= f.p95, "sink {i}");
        assert!(
            f.mean > 0.5 && f.mean <= 1.0,
            "sink {i} fill rate {}",
            f.mean
        );
    }
    for r in &res.replications {
        for (n, fs) in r.first_stockout.iter().enumerate() {
            assert_eq!(fs.is_some(), r.stockout_periods[n] > 0);
        }
        for (fr, lo) in r.fill_rate.iter().zip(&r.lost_output) {
            assert!((0.0..=1.0).contains(fr) && *lo >= -1e-9);
        }
    }
}

#[test]
fn a1_mc_is_near_theory_at_moderate_length() {
    // Quick sanity (not the slow anchor): 8 x 20k periods; SE is large, so allow 5 SE.
    let net = stockpyl_a1(a1_markov()).expect("network");
    let res = monte_carlo(
        &net,
        &McConfig {
            replications: 8,
            horizon: 20_000,
            seed: 1,
        },
    )
    .expect("run");
    let per_period = res.cost.mean / 20_000.0;
    let se = res.cost.se / 20_000.0;
    assert!(
        (per_period - 2737.069).abs() < 5.0 * se + 50.0,
        "{per_period} ± {se}"
    );
}

#[test]
fn bad_run_configuration_is_rejected() {
    let net = stockpyl_a1(a1_markov()).expect("network");
    let e = monte_carlo(
        &net,
        &McConfig {
            replications: 0,
            horizon: 10,
            seed: 1,
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("replications"));
    let e = monte_carlo(
        &net,
        &McConfig {
            replications: 1,
            horizon: 0,
            seed: 1,
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("horizon"));
}

#[test]
fn batched_kernel_is_bit_identical_to_scalar_kernel() {
    use chokepoint_sim::cases::{b_demand, layered, stockpyl_b};
    use chokepoint_sim::{
        Capacity, Demand, DisruptionKind, DisruptionProcess, DisruptionSpec, Dist, NetworkBuilder,
        NodeSpec, Target,
    };
    // a network with capacity ramps and every disruption kind/process, to exercise all selects
    let mut b = NetworkBuilder::new();
    let m = b.node(
        NodeSpec::new("m")
            .base_stock(40.0)
            .costs(1.0, 0.0)
            .external_supply(2)
            .capacity(Capacity {
                per_period: 12.0,
                open_at: 3,
                close_at: Some(150),
                ramp_periods: 6,
            }),
    );
    let s = b.node(NodeSpec::new("s").base_stock(30.0).costs(2.0, 1.0));
    let c1 = b.node(
        NodeSpec::new("c1")
            .base_stock(20.0)
            .costs(3.0, 9.0)
            .demand(Demand::Random(Dist::Normal { mean: 5.0, sd: 2.0 })),
    );
    let c2 = b.node(
        NodeSpec::new("c2")
            .base_stock(20.0)
            .costs(3.0, 9.0)
            .demand(Demand::Random(Dist::Uniform { lo: 0.0, hi: 9.0 })),
    );
    let e1 = b.lane(m, s, 1);
    b.lane(s, c1, 2);
    let e3 = b.lane(s, c2, 0);
    let dis = [
        (
            Target::Node(s),
            DisruptionKind::OrderPausing,
            DisruptionProcess::Markov {
                alpha: 0.05,
                beta: 0.3,
            },
        ),
        (
            Target::Edge(e1),
            DisruptionKind::TransitPausing,
            DisruptionProcess::Markov {
                alpha: 0.05,
                beta: 0.3,
            },
        ),
        (
            Target::Node(c1),
            DisruptionKind::ShipmentPausing,
            DisruptionProcess::Scheduled(vec![(20, 35), (90, 95)]),
        ),
        (
            Target::Edge(e3),
            DisruptionKind::ReceiptPausing,
            DisruptionProcess::Episode {
                probability: 0.7,
                start: Dist::Uniform { lo: 0.0, hi: 150.0 },
                duration: Dist::Exponential { mean: 10.0 },
            },
        ),
    ];
    for (target, kind, process) in dis {
        b.disruption(DisruptionSpec {
            target,
            kind,
            process,
        });
    }
    let rich = b.build().expect("network");
    for net in [
        rich,
        stockpyl_c_random().expect("c"),
        stockpyl_b(b_demand()).expect("b"),
        layered(7, 6, 3).expect("layered"),
    ] {
        assert!(net.batchable());
        let cfg = McConfig {
            replications: 19,
            horizon: 200,
            seed: 5,
        };
        let batched = monte_carlo(&net, &cfg).expect("run");
        let mut st = State::new(&net);
        for (r, got) in batched.replications.iter().enumerate() {
            let want =
                run_replication(&net, &mut st, cfg.horizon, cfg.seed, r as u64).expect("run");
            assert_eq!(format!("{want:?}"), format!("{got:?}"), "replication {r}");
        }
    }
}
