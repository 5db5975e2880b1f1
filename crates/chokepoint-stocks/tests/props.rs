//! Property tests: mass balance, round trip and the recycling loop's balances on random inputs.

use chokepoint_stocks::peer_case::ree_case;
use chokepoint_stocks::{InUseStock, InflowAt, Lifetime, Product, System, Yields};
use proptest::prelude::*;

fn lifetime() -> impl Strategy<Value = Lifetime> {
    prop_oneof![
        (0.0..30.0f64).prop_map(|mean| Lifetime::Fixed { mean }),
        (0.5..30.0f64, 0.2..10.0f64).prop_map(|(mean, std)| Lifetime::Normal { mean, std }),
        (0.5..30.0f64, 0.2..10.0f64).prop_map(|(mean, std)| Lifetime::LogNormal { mean, std }),
        (0.5..30.0f64, 0.5..6.0f64).prop_map(|(scale, shape)| Lifetime::Weibull { scale, shape }),
    ]
}

fn inflow_at() -> impl Strategy<Value = InflowAt> {
    prop_oneof![
        Just(InflowAt::Start),
        Just(InflowAt::Middle),
        Just(InflowAt::End)
    ]
}

proptest! {
    #[test]
    fn inflow_minus_outflow_is_the_change_in_stock(
        l in lifetime(), at in inflow_at(),
        inflow in prop::collection::vec(0.0..100.0f64, 1..150),
    ) {
        let c = chokepoint_stocks::SurvivalCurve::new(l, inflow.len(), at).unwrap();
        let m = InUseStock::from_inflow(&inflow, &c).unwrap();
        let scale: f64 = inflow.iter().sum::<f64>() + 1.0;
        for b in m.balance() {
            prop_assert!(b.abs() <= 1e-12 * scale);
        }
        // Survival is a non-increasing share and the stock never exceeds what came in.
        for w in c.survival().windows(2) {
            prop_assert!(w[1] <= w[0] && w[1] >= 0.0 && w[0] <= 1.0);
        }
        for t in 0..inflow.len() {
            prop_assert!(m.stock[t] >= 0.0 && m.outflow[t] >= 0.0);
            prop_assert!(m.stock[t] <= inflow[..=t].iter().sum::<f64>() * (1.0 + 1e-12));
        }
    }

    #[test]
    fn stock_driven_inverts_inflow_driven(
        l in lifetime(), inflow in prop::collection::vec(0.0..100.0f64, 1..80),
    ) {
        let c = chokepoint_stocks::SurvivalCurve::new(l, inflow.len(), InflowAt::Start).unwrap();
        prop_assume!(c.survival()[0] > 0.05);
        let m = InUseStock::from_inflow(&inflow, &c).unwrap();
        let back = InUseStock::from_stock(&m.stock, &c).unwrap();
        for (b, i) in back.inflow.iter().zip(&inflow) {
            prop_assert!((b - i).abs() <= 1e-6 * (1.0 + i), "{} vs {}", b, i);
        }
    }

    #[test]
    fn the_recycling_loop_balances(
        lifetimes in prop::collection::vec(lifetime(), 1..4),
        rates in prop::collection::vec(0.0..=1.0f64, 4),
        fab in 0.1..=1.0f64, rec in 0.0..=1.0f64, regions in 1usize..3,
        seed in prop::collection::vec(0.0..50.0f64, 40),
    ) {
        let years = 40;
        let products: Vec<Product> = lifetimes.iter().enumerate().map(|(i, l)| Product {
            name: format!("p{i}"), lifetime: *l, collection_rate: rates[i],
        }).collect();
        let n = products.len();
        let system = System::new(years, regions, products, Yields { fabrication: fab, recycling: rec }, InflowAt::Middle).unwrap();
        let inflow: Vec<f64> = (0..regions * n * years).map(|i| seed[i % years] * (1.0 + (i / years) as f64)).collect();
        let flows = system.run(&inflow).unwrap();
        prop_assert!(flows.max_imbalance() <= 1e-9);
        for j in 0..regions * years {
            // Primary may be negative (recycling returning more than fabrication needs: a
            // surplus of secondary material), as in flodym; recycled never is.
            prop_assert!(flows.recycled[j] >= 0.0);
        }
    }
}

#[test]
fn ree_case_at_benchmark_size_balances_and_approaches_littles_law() {
    let (system, inflow) = ree_case(20, 10, 1900, 2099).unwrap();
    let flows = system.run(&inflow).unwrap();
    assert!(flows.max_imbalance() < 1e-9);
    // EV motors in region 0 by 2099: stock -> K · E[L] = 60 · 15 = 900 kt.
    let ev = flows.stock[flows.cell(0, 0, 199)];
    assert!((ev - 900.0).abs() < 1.0, "{ev}");
}

#[test]
fn system_errors_name_the_product_and_field() {
    let bad = System::new(
        10,
        1,
        vec![Product {
            name: "x".into(),
            lifetime: Lifetime::Normal {
                mean: 5.0,
                std: -1.0,
            },
            collection_rate: 0.5,
        }],
        Yields {
            fabrication: 0.8,
            recycling: 0.9,
        },
        InflowAt::Middle,
    )
    .unwrap_err();
    assert!(
        bad.to_string().starts_with("products[0].lifetime.std"),
        "{bad}"
    );
    let bad = System::new(
        10,
        1,
        vec![Product {
            name: "x".into(),
            lifetime: Lifetime::Fixed { mean: 5.0 },
            collection_rate: 1.5,
        }],
        Yields {
            fabrication: 0.8,
            recycling: 0.9,
        },
        InflowAt::Middle,
    )
    .unwrap_err();
    assert!(
        bad.to_string().starts_with("products[0].collection_rate"),
        "{bad}"
    );
}
