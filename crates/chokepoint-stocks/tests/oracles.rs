//! Oracles from issue 16 and flodym's own test invariants (peers README §3.1), plus mass balance
//! and input validation.

use chokepoint_stocks::{InUseStock, InflowAt, Lifetime, StockError, SurvivalCurve};

fn curve(l: Lifetime, years: usize, at: InflowAt) -> SurvivalCurve {
    SurvivalCurve::new(l, years, at).expect("valid curve")
}

#[test]
fn fixed_lifetime_five_with_inflow_one_to_ten() {
    let inflow: Vec<f64> = (1..=10).map(f64::from).collect();
    let c = curve(Lifetime::Fixed { mean: 5.0 }, 10, InflowAt::Middle);
    let m = InUseStock::from_inflow(&inflow, &c).unwrap();
    assert_eq!(
        m.stock,
        [1.0, 3.0, 6.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0]
    );
    assert_eq!(
        m.outflow,
        [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    );
}

#[test]
fn normal_survival_of_cohort_zero() {
    // The values are S at whole ages 0..4: the survival a cohort entering at the end of
    // its year shows at the end of years 0..4.
    let c = curve(
        Lifetime::Normal {
            mean: 5.0,
            std: 1.5,
        },
        5,
        InflowAt::End,
    );
    let expected = [0.99957094, 0.99616962, 0.97724987, 0.90878878, 0.74750746];
    for (a, (got, want)) in c.survival().iter().zip(expected).enumerate() {
        assert!((got - want).abs() < 1e-8, "age {a}: {got} vs {want}");
        let direct = Lifetime::Normal {
            mean: 5.0,
            std: 1.5,
        }
        .survival(a as f64);
        assert!((direct - want).abs() < 1e-8);
    }
}

#[test]
#[allow(clippy::needless_range_loop)]
fn stock_driven_recovers_the_inflow() {
    let inflow: Vec<f64> = (0..80)
        .map(|t| 10.0 / (1.0 + (-0.2 * (f64::from(t) - 40.0)).exp()))
        .collect();
    for l in [
        Lifetime::Normal {
            mean: 12.0,
            std: 3.0,
        },
        Lifetime::Weibull {
            scale: 20.0,
            shape: 2.5,
        },
        Lifetime::LogNormal {
            mean: 8.0,
            std: 4.0,
        },
        Lifetime::Fixed { mean: 7.0 },
    ] {
        for at in [InflowAt::Start, InflowAt::Middle] {
            let c = curve(l, 80, at);
            let driven = InUseStock::from_inflow(&inflow, &c).unwrap();
            let back = InUseStock::from_stock(&driven.stock, &c).unwrap();
            for t in 0..80 {
                assert!(
                    (back.inflow[t] - inflow[t]).abs() <= 1e-9 * (1.0 + inflow[t]),
                    "{l:?} {at:?} year {t}: {} vs {}",
                    back.inflow[t],
                    inflow[t]
                );
                assert!((back.outflow[t] - driven.outflow[t]).abs() <= 1e-9);
            }
        }
    }
}

#[test]
fn stationary_stock_of_lognormal_30_10_by_entry_convention() {
    // Constant inflow 1: the stock tends to E[L] (30) for mid-year entry, half a year less if
    // cohorts enter at the start of the year (they are a year old by its end), half a year more
    // at the end (flodym's test).
    let inflow = vec![1.0; 400];
    let l = Lifetime::LogNormal {
        mean: 30.0,
        std: 10.0,
    };
    for (at, want) in [
        (InflowAt::Middle, 30.0),
        (InflowAt::Start, 29.5),
        (InflowAt::End, 30.5),
    ] {
        let m = InUseStock::from_inflow(&inflow, &curve(l, 400, at)).unwrap();
        let last = m.stock[399];
        assert!((last - want).abs() < 0.01, "{at:?}: {last}");
    }
}

#[test]
fn littles_law_for_each_family() {
    // Stationary stock = inflow × mean lifetime (mid-year entry), within 0.01 after 400 years.
    let inflow = vec![2.0; 400];
    let weibull_mean = 25.0 * statrs::function::gamma::gamma(1.0 + 1.0 / 3.5);
    for (l, mean) in [
        (
            Lifetime::Normal {
                mean: 15.0,
                std: 4.0,
            },
            15.0,
        ),
        (
            Lifetime::Weibull {
                scale: 25.0,
                shape: 3.5,
            },
            weibull_mean,
        ),
        (
            Lifetime::LogNormal {
                mean: 5.0,
                std: 2.0,
            },
            5.0,
        ),
    ] {
        let m = InUseStock::from_inflow(&inflow, &curve(l, 400, InflowAt::Middle)).unwrap();
        assert!((m.stock[399] - 2.0 * mean).abs() < 0.01, "{l:?}");
        assert!((m.outflow[399] - 2.0).abs() < 1e-9, "{l:?}");
    }
}

#[test]
fn normal_mass_below_age_zero_leaves_in_the_entry_year() {
    // Normal(1, 2): P(L < 0.5) = Φ(−0.25) leaves in the entry year, negative ages included.
    let c = curve(
        Lifetime::Normal {
            mean: 1.0,
            std: 2.0,
        },
        3,
        InflowAt::Middle,
    );
    assert!((c.exit()[0] - 0.4012936743170763).abs() < 1e-15);
}

#[test]
fn every_year_balances() {
    let inflow: Vec<f64> = (0..120).map(|t| 1.0 + f64::from(t % 17)).collect();
    let c = curve(
        Lifetime::Weibull {
            scale: 9.0,
            shape: 1.7,
        },
        120,
        InflowAt::Middle,
    );
    let m = InUseStock::from_inflow(&inflow, &c).unwrap();
    for (t, b) in m.balance().iter().enumerate() {
        assert!(b.abs() < 1e-12, "year {t}: {b}");
    }
    // The stock by cohort sums to the stock.
    let by_cohort: f64 = m.stock_by_cohort(60, &c).sum();
    assert!((by_cohort - m.stock[60]).abs() < 1e-12);
}

#[test]
fn bad_inputs_are_errors_naming_the_field() {
    let c = curve(Lifetime::Fixed { mean: 2.0 }, 3, InflowAt::Middle);
    assert_eq!(
        InUseStock::from_inflow(&[1.0, -1.0, 0.0], &c),
        Err(StockError::Series {
            field: "inflow".into(),
            index: 1,
            value: -1.0
        })
    );
    assert!(matches!(
        InUseStock::from_stock(&[1.0, f64::NAN, 0.0], &c),
        Err(StockError::Series { ref field, index: 1, .. }) if field == "stock"
    ));
    assert!(matches!(
        InUseStock::from_inflow(&[1.0], &c),
        Err(StockError::Length {
            expected: 3,
            got: 1,
            ..
        })
    ));
    assert_eq!(
        SurvivalCurve::new(Lifetime::Fixed { mean: 2.0 }, 0, InflowAt::End),
        Err(StockError::NoYears)
    );
    // A fixed lifetime of 0 keeps nothing to the end of the entry year: no stock-driven model.
    let zero = curve(Lifetime::Fixed { mean: 0.0 }, 3, InflowAt::Middle);
    assert!(matches!(
        InUseStock::from_stock(&[1.0, 1.0, 1.0], &zero),
        Err(StockError::NoEntryYearSurvival { .. })
    ));
}
