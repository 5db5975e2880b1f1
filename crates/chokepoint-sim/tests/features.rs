//! Behaviour of the extensions beyond stockpyl: validation errors, capacity profiles,
//! co-production, rationing rules, export licensing, stockpiles, origin tracing, disruption
//! processes.

use chokepoint_sim::{
    Capacity, ConfigError, ContentRule, Demand, DisruptionKind, DisruptionProcess, DisruptionSpec,
    Dist, EdgeSpec, LicenceSpec, McConfig, Network, NetworkBuilder, NodeId, NodeSpec, Rationing,
    State, StockpileSpec, Target, monte_carlo, simulate,
};
use rand::SeedableRng;

/// Runs `horizon` periods and returns `f(state)` after each period.
fn series<T>(net: &Network, horizon: u32, mut f: impl FnMut(&Network, &State) -> T) -> Vec<T> {
    let mut st = State::new(net);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let mut out = Vec::new();
    simulate(
        net,
        &mut st,
        horizon,
        &mut rng,
        &mut |_t: u32, n: &Network, s: &State| out.push(f(n, s)),
    )
    .expect("run");
    out
}

// ------------------------------------------------------------------ validation

#[test]
fn configuration_errors_name_the_culprit() {
    let mut b = NetworkBuilder::new();
    let a = b.node(NodeSpec::new("mine").external_supply(-1));
    let err = b.build().unwrap_err();
    assert!(
        matches!(err, ConfigError::Node { ref node, field: "supply.lead_time", .. } if node == "mine"),
        "{err}"
    );

    let mut b = NetworkBuilder::new();
    let a2 = b.node(NodeSpec::new("a").external_supply(1));
    let c = b.node(NodeSpec::new("c"));
    b.edge(EdgeSpec::new(a2, c, -3));
    let err = b.build().unwrap_err();
    assert!(
        err.to_string().contains("`a` -> `c`") && err.to_string().contains("lead_time"),
        "{err}"
    );

    let mut b = NetworkBuilder::new();
    let n = b.node(NodeSpec::new("x").external_supply(1));
    b.disruption(DisruptionSpec {
        target: Target::Node(n),
        kind: DisruptionKind::OrderPausing,
        process: DisruptionProcess::Markov {
            alpha: 1.5,
            beta: 0.2,
        },
    });
    let err = b.build().unwrap_err();
    assert!(
        err.to_string().contains("alpha") && err.to_string().contains("node `x`"),
        "{err}"
    );

    let mut b = NetworkBuilder::new();
    let x = b.node(NodeSpec::new("x"));
    let y = b.node(NodeSpec::new("y"));
    let z = b.node(NodeSpec::new("z"));
    b.lane(x, y, 1);
    b.lane(y, z, 1);
    b.lane(z, x, 1);
    assert!(matches!(b.build().unwrap_err(), ConfigError::Cycle { .. }));

    let mut b = NetworkBuilder::new();
    b.node(NodeSpec::new("neg").base_stock(-5.0));
    assert!(b.build().unwrap_err().to_string().contains("base_stock"));

    let mut b = NetworkBuilder::new();
    let n = b.node(NodeSpec::new("e").external_supply(1));
    b.disruption(DisruptionSpec {
        target: Target::Node(n),
        kind: DisruptionKind::ShipmentPausing,
        process: DisruptionProcess::Episode {
            probability: 0.5,
            start: Dist::Const(3.0),
            duration: Dist::Uniform { lo: -2.0, hi: 4.0 },
        },
    });
    assert!(
        b.build()
            .unwrap_err()
            .to_string()
            .contains("negative durations")
    );

    let mut b = NetworkBuilder::new();
    b.licence(LicenceSpec {
        required_from: 0,
        required_until: None,
        review: Dist::Const(5.0),
        approval_probability: -0.1,
        validity: 10,
        general_licence_from: None,
        content_rule: None,
    });
    assert!(
        b.build()
            .unwrap_err()
            .to_string()
            .contains("approval_probability")
    );

    let mut b = NetworkBuilder::new();
    let s1 = b.node(NodeSpec::new("s1").external_supply(0));
    let s2 = b.node(NodeSpec::new("s2").external_supply(0));
    let c = b.node(NodeSpec::new("c"));
    b.edge(EdgeSpec::new(s1, c, 1).slot(0).share(0.5));
    b.edge(EdgeSpec::new(s2, c, 1).slot(0).share(0.3));
    assert!(b.build().unwrap_err().to_string().contains("sum to"));

    let mut b = NetworkBuilder::new();
    b.node(NodeSpec::new("u"));
    let err = b.edge(EdgeSpec::new(NodeId(0), NodeId(7), 1));
    let _ = (err, a);
    assert!(
        b.build()
            .unwrap_err()
            .to_string()
            .contains("unknown node id 7")
    );

    let net = NetworkBuilder::new()
        .build()
        .expect("empty network is fine");
    let mut st = State::new(&net);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let err = simulate(&net, &mut st, 0, &mut rng, &mut ()).unwrap_err();
    assert!(err.to_string().contains("horizon"));
}

// ------------------------------------------------------------------ capacity

#[test]
fn capacity_opens_ramps_and_closes() {
    let mut b = NetworkBuilder::new();
    let plant = b.node(
        NodeSpec::new("plant")
            .base_stock(0.0)
            .external_supply(0)
            .capacity(Capacity {
                per_period: 8.0,
                open_at: 5,
                close_at: Some(30),
                ramp_periods: 4,
            })
            .demand(Demand::Constant(10.0)),
    );
    let net = b.build().expect("network");
    let made = series(&net, 40, |_, s| s.produced(plant));
    assert!(made[..5].iter().all(|&m| m == 0.0), "{made:?}");
    assert_eq!(&made[5..9], &[2.0, 4.0, 6.0, 8.0]);
    assert!(made[9..30].iter().all(|&m| m == 8.0));
    assert!(made[30..].iter().all(|&m| m == 0.0));
}

// ------------------------------------------------------------------ co-production

#[test]
fn coproduction_follows_the_binding_output_and_surplus_accumulates() {
    // Separation: one unit of activity yields 1 Nd (leader) and 0.25 Dy. Dy demand is the
    // binding one: 2/period needs 8 units of activity, whereas Nd needs only 3.
    let mut b = NetworkBuilder::new();
    let nd = b.node(
        NodeSpec::new("Nd")
            .base_stock(10.0)
            .costs(1.0, 5.0)
            .external_supply(1)
            .demand(Demand::Constant(3.0)),
    );
    let dy = b.node(
        NodeSpec::new("Dy")
            .base_stock(4.0)
            .costs(1.0, 5.0)
            .demand(Demand::Constant(2.0)),
    );
    b.coproduct(nd, dy, 0.25);
    let net = b.build().expect("network");
    let out = series(&net, 50, |_, s| {
        (
            s.produced(nd),
            s.produced(dy),
            s.inventory_level(nd),
            s.inventory_level(dy),
        )
    });
    let last = out[49];
    assert_eq!(last.0, 8.0, "activity follows Dy: {last:?}");
    assert_eq!(last.1, 2.0);
    assert!(last.3 >= 0.0, "Dy is served: {last:?}");
    assert!(last.2 > 100.0, "Nd surplus accumulates: {last:?}");
}

#[test]
fn a_steady_start_runs_at_its_flows_from_the_first_period() {
    // mine -(lead 2)-> separation (+ co-product at 0.25) -(lead 5, 60%)-> magnet plant
    // <-(lead 3, 40%)- import; magnet plant (2 units of input per unit) -(lead 4)-> assembly
    // with demand 10 per period. Steady flows: assembly 10, magnets 10, inputs 20 = 12 + 8.
    let mut b = NetworkBuilder::new();
    let cover = 6.0;
    let mine = b.node(
        NodeSpec::new("mine")
            .base_stock((1.0 + cover) * 12.0)
            .external_supply(1)
            .starts_steady(12.0),
    );
    let sep = b.node(
        NodeSpec::new("sep")
            .base_stock((2.0 + cover) * 12.0)
            .starts_steady(12.0),
    );
    let co = b.node(NodeSpec::new("co").base_stock(1.0));
    b.coproduct(sep, co, 0.25);
    let import = b.node(
        NodeSpec::new("import")
            .base_stock((1.0 + cover) * 8.0)
            .external_supply(1)
            .starts_steady(8.0),
    );
    let magnet = b.node(
        NodeSpec::new("magnet")
            .base_stock((5.0 + cover) * 10.0)
            .starts_steady(10.0),
    );
    let assembly = b.node(
        NodeSpec::new("assembly")
            .base_stock((4.0 + cover) * 10.0)
            .demand(Demand::Constant(10.0))
            .starts_steady(10.0),
    );
    b.edge(EdgeSpec::new(mine, sep, 2));
    let from_sep = b.edge(EdgeSpec::new(sep, magnet, 5).bom(2.0).slot(0).share(0.6));
    let from_import = b.edge(EdgeSpec::new(import, magnet, 3).bom(2.0).slot(0).share(0.4));
    let to_assembly = b.edge(EdgeSpec::new(magnet, assembly, 4));
    let net = b.build().expect("network");
    let out = series(&net, 60, |n, s| {
        (
            s.shipped(from_sep),
            s.shipped(from_import),
            s.shipped(to_assembly),
            s.produced(assembly),
            s.external_backorders(assembly),
            s.inventory_level(magnet),
            s.mass_balance(n).residual(),
        )
    });
    for (t, &(a, b2, c, made, bo, il, residual)) in out.iter().enumerate() {
        assert!((a - 12.0).abs() < 1e-9, "period {t}: separation ships {a}");
        assert!((b2 - 8.0).abs() < 1e-9, "period {t}: import ships {b2}");
        assert!((c - 10.0).abs() < 1e-9, "period {t}: magnets ship {c}");
        assert!(
            (made - 10.0).abs() < 1e-9,
            "period {t}: assembly makes {made}"
        );
        assert!(bo.abs() < 1e-9, "period {t}: backorders {bo}");
        // on hand = cover + (longest lead - mean lead) x flow, constant over time
        assert!(
            (il - out[0].5).abs() < 1e-9,
            "period {t}: stock drifts to {il}"
        );
        assert!(
            residual.abs() < 1e-6,
            "period {t}: mass residual {residual}"
        );
    }
    // Without the steady start the pipelines start empty: nothing arrives for a lead time, so
    // the customer's stock falls by lead time x flow before it settles.
    let cold_net = |steady: bool| {
        let mut b = NetworkBuilder::new();
        let mut m = NodeSpec::new("m").base_stock(70.0).external_supply(1);
        let mut a = NodeSpec::new("a")
            .base_stock(100.0)
            .demand(Demand::Constant(10.0));
        if steady {
            m = m.starts_steady(10.0);
            a = a.starts_steady(10.0);
        }
        let (m, a) = (b.node(m), b.node(a));
        b.edge(EdgeSpec::new(m, a, 4));
        (b.build().expect("network"), a)
    };
    for steady in [false, true] {
        let (net, a) = cold_net(steady);
        let stock = series(&net, 10, |_, s| s.inventory_level(a));
        let drift = stock
            .iter()
            .fold(0.0f64, |d, &x| d.max((x - stock[9]).abs()));
        assert_eq!(drift > 1.0, !steady, "steady start {steady}: {stock:?}");
    }
}

// ------------------------------------------------------------------ rationing

fn rationing_net(rule: Rationing) -> (Network, [chokepoint_sim::EdgeId; 2]) {
    let mut b = NetworkBuilder::new();
    let sup = b.node(
        NodeSpec::new("sup")
            .external_supply(0)
            .capacity(Capacity::constant(10.0))
            .rationing(rule)
            .country(1),
    );
    let c1 = b.node(
        NodeSpec::new("c1")
            .base_stock(5.0)
            .demand(Demand::Constant(10.0))
            .country(2)
            .sector_priority(1),
    );
    let c2 = b.node(
        NodeSpec::new("c2")
            .base_stock(5.0)
            .demand(Demand::Constant(10.0))
            .country(1)
            .sector_priority(0),
    );
    let e1 = b.lane(sup, c1, 0);
    let e2 = b.lane(sup, c2, 0);
    (b.build().expect("network"), [e1, e2])
}

#[test]
fn rationing_rules_split_scarce_output() {
    let check = |rule: Rationing, expect: (f64, f64)| {
        let (net, [e1, e2]) = rationing_net(rule);
        let out = series(&net, 30, |_, s| (s.shipped(e1), s.shipped(e2)));
        let last = out[29];
        assert!(
            (last.0 - expect.0).abs() < 1e-9 && (last.1 - expect.1).abs() < 1e-9,
            "{rule:?}: {last:?}"
        );
    };
    check(Rationing::InOrder, (10.0, 0.0));
    check(Rationing::ProRata, (5.0, 5.0));
    check(Rationing::DomesticFirst, (0.0, 10.0));
    check(Rationing::SectorPriority, (0.0, 10.0));
}

// ------------------------------------------------------------------ licences

fn licensed(approval: f64, general_from: Option<i64>) -> (Network, chokepoint_sim::EdgeId) {
    let mut b = NetworkBuilder::new();
    let cn = b.node(NodeSpec::new("cn").base_stock(100.0).external_supply(0));
    let jp = b.node(
        NodeSpec::new("jp")
            .base_stock(20.0)
            .demand(Demand::Constant(5.0)),
    );
    let k = b.licence(LicenceSpec {
        required_from: 3,
        required_until: None,
        review: Dist::Const(10.0),
        approval_probability: approval,
        validity: 100,
        general_licence_from: general_from,
        content_rule: None,
    });
    let e = b.edge(EdgeSpec::new(cn, jp, 1).licence(k));
    (b.build().expect("network"), e)
}

#[test]
fn licences_hold_shipments_until_approved() {
    let (net, e) = licensed(1.0, None);
    let shipped = series(&net, 40, |_, s| s.shipped(e));
    assert!(shipped[..3].iter().all(|&x| x > 0.0));
    // applied at period 3, decision at 13: nothing ships in 3..13, the backlog ships at 13
    assert!(shipped[3..13].iter().all(|&x| x == 0.0), "{shipped:?}");
    assert!(shipped[13] > 5.0, "{shipped:?}");

    let (net, e) = licensed(0.0, None);
    let shipped = series(&net, 60, |_, s| s.shipped(e));
    assert!(
        shipped[3..].iter().all(|&x| x == 0.0),
        "denied end user: never ships"
    );

    let (net, e) = licensed(0.0, Some(20));
    let shipped = series(&net, 40, |_, s| s.shipped(e));
    assert!(
        shipped[3..20].iter().all(|&x| x == 0.0) && shipped[20] > 0.0,
        "general licence from 20"
    );
}

// ------------------------------------------------------------------ stockpiles

fn embargo_net(
    with_stockpile: bool,
    rate: f64,
) -> (Network, NodeId, Option<chokepoint_sim::EdgeId>) {
    let mut b = NetworkBuilder::new();
    let cn = b.node(NodeSpec::new("cn").base_stock(50.0).external_supply(1));
    let jp = b.node(
        NodeSpec::new("jp")
            .base_stock(30.0)
            .demand(Demand::Constant(10.0)),
    );
    let lane = b.edge(EdgeSpec::new(cn, jp, 2).slot(0));
    let mut sp_edge = None;
    if with_stockpile {
        let sp = b.node(NodeSpec::new("jogmec").stockpile(StockpileSpec {
            initial: 600.0,
            release_from: None,
            release_on_shortage: true,
            max_release_per_period: rate,
        }));
        sp_edge = Some(b.edge(EdgeSpec::new(sp, jp, 0).slot(0)));
    }
    b.disruption(DisruptionSpec {
        target: Target::Edge(lane),
        kind: DisruptionKind::ShipmentPausing,
        process: DisruptionProcess::Scheduled(vec![(10, 70)]),
    });
    (b.build().expect("network"), jp, sp_edge)
}

#[test]
fn stockpile_releases_on_shortage_at_most_at_its_rate() {
    let (plain, jp, _) = embargo_net(false, 0.0);
    let (with, jp2, sp_edge) = embargo_net(true, 6.0);
    let sp_edge = sp_edge.expect("edge");
    let delivered = |net: &Network| series(net, 100, |n, s| s.mass_balance(n).outflow);
    let a = delivered(&plain);
    let b = delivered(&with);
    assert!(
        b[69] > a[69] + 100.0,
        "stockpile keeps the plant running: {} vs {}",
        b[69],
        a[69]
    );
    let shipped = series(&with, 100, |_, s| s.shipped(sp_edge));
    assert!(shipped.iter().all(|&x| x <= 6.0 + 1e-12), "rate limit");
    // the embargo starts at 10; the backlog it creates is seen when ordering at 11
    assert!(
        shipped[..11].iter().all(|&x| x == 0.0),
        "no release before the shortage: {shipped:?}"
    );
    assert!(shipped[11] > 0.0, "{shipped:?}");
    let res = monte_carlo(
        &with,
        &McConfig {
            replications: 2,
            horizon: 100,
            seed: 1,
        },
    )
    .expect("run");
    assert!(res.drawdown[0].mean > 100.0 && res.drawdown[0].mean <= 600.0);
    let _ = (jp, jp2);
}

// ------------------------------------------------------------------ origin tracing

#[test]
fn origin_mix_follows_the_inputs() {
    let mut b = NetworkBuilder::new();
    b.origin_labels(2);
    let cn = b.node(
        NodeSpec::new("mine_cn")
            .base_stock(20.0)
            .external_supply(1)
            .origin(0),
    );
    let au = b.node(
        NodeSpec::new("mine_au")
            .base_stock(20.0)
            .external_supply(1)
            .origin(1),
    );
    let mag = b.node(
        NodeSpec::new("magnet")
            .base_stock(20.0)
            .demand(Demand::Constant(5.0)),
    );
    b.edge(EdgeSpec::new(cn, mag, 1).bom(1.0));
    b.edge(EdgeSpec::new(au, mag, 1).bom(3.0));
    let net = b.build().expect("network");
    let mix = series(&net, 200, |n, s| s.origin_mix(n, mag).map(<[f64]>::to_vec));
    // initial stock carries label 0 and is diluted geometrically by production
    let last = mix[199].clone().expect("tracing on");
    assert!(
        (last[0] - 0.25).abs() < 1e-9 && (last[1] - 0.75).abs() < 1e-9,
        "{last:?}"
    );
    let early = mix[5].clone().expect("tracing on");
    assert!(
        early[0] > 0.25 && (early[0] + early[1] - 1.0).abs() < 1e-12,
        "{early:?}"
    );
    // tracing off: no mix
    let (plain, _, _) = embargo_net(false, 0.0);
    assert!(series(&plain, 1, |n, s| s.origin_mix(n, NodeId(0)).is_none())[0]);
}

/// A magnet maker buying from one mine ships to a customer over a lane whose licence is never
/// granted, under a content rule on label 1 ("CN") at `min_share`; label 0 ("AU") is what the
/// unstamped initial stock carries. Returns the units shipped over 120 periods.
fn shipped_under_content_rule(from_cn: bool, rule: Option<f64>) -> f64 {
    let mut b = NetworkBuilder::new();
    b.origin_labels(2);
    let mine = b.node(
        NodeSpec::new("mine")
            .base_stock(30.0)
            .external_supply(1)
            .origin(u16::from(from_cn)),
    );
    let maker = b.node(NodeSpec::new("magnet_maker").base_stock(30.0));
    let customer = b.node(
        NodeSpec::new("customer")
            .base_stock(20.0)
            .demand(Demand::Constant(5.0)),
    );
    let k = b.licence(LicenceSpec {
        required_from: 0,
        required_until: None,
        review: Dist::Const(3.0),
        approval_probability: 0.0,
        validity: 100,
        general_licence_from: None,
        content_rule: rule.map(|min_share| ContentRule {
            label: 1,
            min_share,
        }),
    });
    b.edge(EdgeSpec::new(mine, maker, 1));
    let e = b.edge(EdgeSpec::new(maker, customer, 2).licence(k));
    let net = b.build().expect("network");
    series(&net, 120, |_, s| s.shipped(e)).iter().sum()
}

#[test]
fn content_rules_license_only_goods_with_enough_controlled_origin() {
    // no content rule: the denied licence stops every shipment, whatever the origin
    assert_eq!(shipped_under_content_rule(false, None), 0.0);
    assert_eq!(shipped_under_content_rule(true, None), 0.0);
    // AU-sourced goods carry no CN content: exempt, the customer is served (5 a period)
    let au = shipped_under_content_rule(false, Some(0.001));
    assert!(au > 0.9 * 5.0 * 120.0, "{au}");
    // CN-sourced goods: the initial (AU-stamped) stock ships until production has carried
    // the CN share past the threshold, then nothing
    let cn = shipped_under_content_rule(true, Some(0.5));
    assert!(cn > 0.0 && cn < 0.5 * au, "{cn} vs {au}");
    // the lower the threshold, the sooner the rule bites
    let cn_strict = shipped_under_content_rule(true, Some(0.001));
    assert!(cn_strict < cn, "{cn_strict} vs {cn}");
    // a content rule needs origin tracing, and a label that exists
    let mut b = NetworkBuilder::new();
    b.licence(LicenceSpec {
        required_from: 0,
        required_until: None,
        review: Dist::Const(3.0),
        approval_probability: 0.5,
        validity: 10,
        general_licence_from: None,
        content_rule: Some(ContentRule {
            label: 0,
            min_share: 0.001,
        }),
    });
    let err = b.build().unwrap_err().to_string();
    assert!(
        err.contains("content_rule") && err.contains("origin tracing"),
        "{err}"
    );
    b.origin_labels(1);
    assert!(b.build().is_ok());
    let mut d = NetworkBuilder::new();
    d.origin_labels(1);
    d.licence(LicenceSpec {
        required_from: 0,
        required_until: None,
        review: Dist::Const(3.0),
        approval_probability: 0.5,
        validity: 10,
        general_licence_from: None,
        content_rule: Some(ContentRule {
            label: 1,
            min_share: 0.001,
        }),
    });
    let err = d.build().unwrap_err().to_string();
    assert!(err.contains("content_rule.label"), "{err}");
}

#[test]
fn origin_tracing_does_not_change_quantities() {
    let build = |k: u16| {
        let mut b = NetworkBuilder::new();
        b.origin_labels(k);
        let m = b.node(
            NodeSpec::new("m")
                .base_stock(30.0)
                .costs(1.0, 0.0)
                .external_supply(2)
                .origin(0),
        );
        let c = b.node(
            NodeSpec::new("c")
                .base_stock(25.0)
                .costs(2.0, 9.0)
                .demand(Demand::Random(Dist::Uniform { lo: 0.0, hi: 20.0 })),
        );
        let e = b.lane(m, c, 1);
        b.disruption(DisruptionSpec {
            target: Target::Edge(e),
            kind: DisruptionKind::TransitPausing,
            process: DisruptionProcess::Markov {
                alpha: 0.1,
                beta: 0.3,
            },
        });
        b.build().expect("network")
    };
    let cfg = McConfig {
        replications: 4,
        horizon: 300,
        seed: 9,
    };
    let a = monte_carlo(&build(0), &cfg).expect("run");
    let b = monte_carlo(&build(3), &cfg).expect("run");
    assert_eq!(
        format!("{:?}", a.replications),
        format!("{:?}", b.replications)
    );
}

// ------------------------------------------------------------------ disruption processes

#[test]
fn markov_and_episode_disruptions_behave() {
    let mut b = NetworkBuilder::new();
    let n = b.node(
        NodeSpec::new("n")
            .base_stock(10.0)
            .external_supply(1)
            .demand(Demand::Constant(1.0)),
    );
    b.disruption(DisruptionSpec {
        target: Target::Node(n),
        kind: DisruptionKind::OrderPausing,
        process: DisruptionProcess::Markov {
            alpha: 0.1,
            beta: 0.4,
        },
    });
    let net = b.build().expect("network");
    let mut down = 0u32;
    let mut st = State::new(&net);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    simulate(
        &net,
        &mut st,
        100_000,
        &mut rng,
        &mut |_t: u32, _n: &Network, s: &State| {
            // order-paused periods order nothing although demand is 1
            if s.demand(n) > 0.0 && s.inventory_level(n) < 10.0 - 1.0 - 1e-9 {
                down += 0;
            }
        },
    )
    .expect("run");
    let _ = down;
    let recs = {
        let mut rec = chokepoint_sim::TraceRecorder::new();
        let mut st = State::new(&net);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        simulate(&net, &mut st, 100_000, &mut rng, &mut rec).expect("run");
        rec.records
    };
    let frac = recs.iter().filter(|r| r.disrupted).count() as f64 / recs.len() as f64;
    assert!((frac - 0.1 / 0.5).abs() < 0.01, "stationary share {frac}");
    assert!(recs.iter().all(|r| !r.disrupted || r.order_quantity == 0.0));

    let mut b = NetworkBuilder::new();
    let n = b.node(
        NodeSpec::new("n")
            .base_stock(10.0)
            .external_supply(1)
            .demand(Demand::Constant(1.0)),
    );
    b.disruption(DisruptionSpec {
        target: Target::Node(n),
        kind: DisruptionKind::ReceiptPausing,
        process: DisruptionProcess::Episode {
            probability: 1.0,
            start: Dist::Uniform { lo: 10.0, hi: 20.0 },
            duration: Dist::Const(5.0),
        },
    });
    let net = b.build().expect("network");
    let mut rec = chokepoint_sim::TraceRecorder::new();
    let mut st = State::new(&net);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
    simulate(&net, &mut st, 60, &mut rng, &mut rec).expect("run");
    let down: Vec<u32> = rec
        .records
        .iter()
        .filter(|r| r.disrupted)
        .map(|r| r.period)
        .collect();
    assert_eq!(down.len(), 5);
    assert!(down[0] >= 10 && down[0] <= 20 && down.windows(2).all(|w| w[1] == w[0] + 1));
}
