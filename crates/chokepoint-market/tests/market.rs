//! Known answers worked by hand, invariants and bad input for the market engine.

use chokepoint_core::Element;
use chokepoint_core::market::PriceTier;
use chokepoint_market::*;
use proptest::prelude::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

#[test]
fn zero_shortage_gives_the_base_price_exactly() {
    for e in [0.15, 0.3, 0.5, 1.0, 2.0] {
        assert_eq!(inverse_demand(239.0, 0.0, e).ok(), Some(239.0));
    }
}

#[test]
fn known_multiples_by_hand() {
    // (1 - 0.5)^(-1/0.5) = 2^2 = 4
    assert!(close(multiple(0.5, 0.5), 4.0, 1e-12));
    // (1 - 0.75)^(-1/1) = 4
    assert!(close(multiple(0.75, 1.0), 4.0, 1e-12));
    // 0.8^-4 = 1 / 0.4096 = 2.44140625
    assert!(close(multiple(0.2, 0.25), 2.441_406_25, 1e-12));
    // surplus: 1.25^-2 = 0.64
    assert!(close(multiple(-0.25, 0.5), 0.64, 1e-12));
    // 239 USD/kg at a 50% shortage with e = 0.3: 239 * 2^(10/3) = 239 * 10.0794 = 2408.97
    let p = inverse_demand(239.0, 0.5, 0.3).expect("valid");
    assert!(close(p, 2408.97, 1e-4), "{p}");
}

#[test]
fn the_curve_is_capped_at_max_shortage_and_max_surplus() {
    assert_eq!(multiple(1.0, 0.3), multiple(MAX_SHORTAGE, 0.3));
    assert!(multiple(1.0, 0.3).is_finite());
    // 0.1^(-1/0.5) = 100
    assert!(close(multiple(5.0, 0.5), 100.0, 1e-12));
    assert_eq!(multiple(-3.0, 0.5), multiple(-MAX_SURPLUS, 0.5));
}

proptest! {
    #[test]
    fn price_is_monotone_in_the_shortage(a in -0.6f64..1.0, b in -0.6f64..1.0, e in 0.05f64..3.0) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(multiple(lo, e) <= multiple(hi, e));
    }

    #[test]
    fn less_elastic_demand_moves_the_price_more(s in -0.5f64..0.9, e1 in 0.05f64..3.0, e2 in 0.05f64..3.0) {
        let (lo, hi) = if e1 <= e2 { (e1, e2) } else { (e2, e1) };
        let el = Elasticity::new("x", lo, lo, hi).expect("ordered");
        let p_low = multiple(s, el.at(RangePoint::Low));
        let p_high = multiple(s, el.at(RangePoint::High));
        if s >= 0.0 {
            prop_assert!(p_low >= p_high);
        } else {
            prop_assert!(p_low <= p_high);
        }
    }
}

#[test]
fn elasticity_range_ordering_low_central_high() {
    let el = Elasticity::new("dy-oxide (ex-china)", 0.15, 0.3, 0.6).expect("valid");
    let spec = MarketSpec::new("dy-oxide", PriceTier::ExChina, Some(239.0), "", el).expect("valid");
    let periods = [Period {
        demand: 100.0,
        gap: 60.0,
        release: 0.0,
    }];
    let low = trajectory(&spec, &periods, RangePoint::Low).price[0];
    let central = trajectory(&spec, &periods, RangePoint::Central).price[0];
    let high = trajectory(&spec, &periods, RangePoint::High).price[0];
    assert!(
        low > central && central > high && high > 239.0,
        "{low} {central} {high}"
    );
}

#[test]
fn bad_elasticities_are_located_errors() {
    let e = Elasticity::new("dy-oxide (ex-china)", -0.1, 0.3, 0.6).expect_err("negative");
    let msg = e.to_string();
    assert!(
        msg.contains("dy-oxide (ex-china)") && msg.contains("low"),
        "{msg}"
    );
    let e = Elasticity::new("nd-oxide (china-domestic)", 0.5, 0.3, 0.6).expect_err("order");
    assert!(e.to_string().contains("nd-oxide (china-domestic)"), "{e}");
    assert!(Elasticity::new("m", 0.1, 0.2, f64::NAN).is_err());
    assert!(Elasticity::new("m", 0.0, 0.2, 0.3).is_err());
    let e = inverse_demand(100.0, 0.2, -0.3).expect_err("negative elasticity");
    assert!(e.to_string().contains("elasticity"), "{e}");
    assert!(inverse_demand(-1.0, 0.2, 0.3).is_err());
    assert!(inverse_demand(1.0, f64::NAN, 0.3).is_err());
}

#[test]
fn a_missing_base_price_is_an_error_naming_the_market() {
    let el = Elasticity::new("m", 0.25, 0.5, 1.0).expect("valid");
    let e = MarketSpec::new(
        "nd-oxide",
        PriceTier::ExChina,
        None,
        "no fob-china row before 2010-09-01",
        el,
    )
    .expect_err("missing");
    let msg = e.to_string();
    assert!(
        msg.contains("nd-oxide (ex-china)")
            && msg.contains("2010-09-01")
            && msg.contains("prices.csv"),
        "{msg}"
    );
    assert!(MarketSpec::new("nd-oxide", PriceTier::ExChina, Some(0.0), "", el).is_err());
}

#[test]
fn stockpile_releases_lower_the_shortage_and_never_below_zero() {
    let p = |gap, release| Period {
        demand: 100.0,
        gap,
        release,
    };
    assert!(close(shortage_ratio(&p(50.0, 0.0)), 0.5, 1e-12));
    assert!(close(shortage_ratio(&p(50.0, 20.0)), 0.3, 1e-12));
    assert_eq!(shortage_ratio(&p(50.0, 80.0)), 0.0);
    // a release does nothing to a surplus
    assert!(close(shortage_ratio(&p(-10.0, 20.0)), -0.1, 1e-12));
    // no demand, no ratio
    assert_eq!(
        shortage_ratio(&Period {
            demand: 0.0,
            gap: 5.0,
            release: 0.0
        }),
        0.0
    );
    // and so the price: release 20 of a 50 t gap at e = 0.5 gives 0.7^-2 instead of 0.5^-2
    assert!(multiple(shortage_ratio(&p(50.0, 20.0)), 0.5) < multiple(0.5, 0.5));
}

#[test]
fn releases_are_spread_over_the_short_periods() {
    let r = spread_release(30.0, &[0.0, 10.0, 30.0, -5.0]);
    assert_eq!(r, vec![0.0, 7.5, 22.5, 0.0]);
    // more than the shortfalls: each shortfall filled, no more
    assert_eq!(
        spread_release(100.0, &[0.0, 10.0, 30.0, -5.0]),
        vec![0.0, 10.0, 30.0, 0.0]
    );
    assert_eq!(spread_release(10.0, &[0.0, -1.0]), vec![0.0, 0.0]);
}

#[test]
fn extra_spend_by_hand() {
    // base 100 USD/kg, e = 0.5; 10 t wanted, 5 t short: s = 0.5, price 400 USD/kg, 5 t bought
    // at 300 USD/kg over base: 300 * 5,000 kg = 1.5 M USD.
    let el = Elasticity::new("m", 0.5, 0.5, 0.5).expect("valid");
    let spec = MarketSpec::new("m", PriceTier::ExChina, Some(100.0), "", el).expect("valid");
    let t = trajectory(
        &spec,
        &[
            Period {
                demand: 10.0,
                gap: 5.0,
                release: 0.0,
            },
            Period {
                demand: 10.0,
                gap: 0.0,
                release: 0.0,
            },
        ],
        RangePoint::Central,
    );
    assert!(close(t.price[0], 400.0, 1e-12));
    assert_eq!(t.price[1], 100.0);
    assert!(
        close(t.extra_spend_usd, 1.5e6, 1e-12),
        "{}",
        t.extra_spend_usd
    );
}

#[test]
fn landed_cost_arithmetic() {
    // 239 USD/kg with a 25% tariff and 2 USD/kg freight: 298.75 + 2
    assert!(close(
        landed_cost(239.0, 0.25, Some(2.0)).expect("valid"),
        300.75,
        1e-12
    ));
    assert_eq!(landed_cost(239.0, 0.0, None).ok(), Some(239.0));
    let e = landed_cost(239.0, -0.1, None).expect_err("negative tariff");
    assert!(e.to_string().contains("tariff"), "{e}");
}

#[test]
fn content_cost_converts_element_to_oxide() {
    // 1 kg of Dy in a unit, Dy2O3 at 239 USD/kg: Dy2O3 is 2 * 162.500 / (2 * 162.500 + 3 *
    // 15.999) = 325.000 / 372.997 = 0.871321 Dy by mass, so 1.147683 kg oxide, 274.30 USD.
    let c = content_cost("p", &[(Element::Dy, 0.001)], |_| Some(239.0)).expect("priced");
    assert!(close(c.total_usd, 274.30, 1e-4), "{}", c.total_usd);
    let e = content_cost("nev", &[(Element::Tb, 0.001)], |_| None).expect_err("unpriced");
    assert!(
        e.to_string().contains("nev") && e.to_string().contains("Tb"),
        "{e}"
    );
}
