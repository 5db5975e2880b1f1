//! Throughput of the fast path (no explanations): product checks per second, single-threaded.
//! Target: at least one million per second.

use chokepoint_core::{CountryCode, Date};
use chokepoint_rules::{
    BUNDLED_POLICY, EndUse, EndUser, Shipment, Timeline, parse_bom_csv, parse_bom_toml,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let t = Timeline::from_toml(BUNDLED_POLICY, "measures.toml").expect("bundled policy");
    let mut products = Vec::new();
    for (text, name) in [
        (
            include_str!("../../../examples/bom/jp_ev_motor.toml"),
            "jp.toml",
        ),
        (
            include_str!("../../../examples/bom/de_wind_generator.toml"),
            "de.toml",
        ),
        (
            include_str!("../../../examples/bom/us_munition_actuator.toml"),
            "us.toml",
        ),
    ] {
        products.extend(
            parse_bom_toml(text, name)
                .expect("example BOM")
                .into_iter()
                .map(|e| e.product),
        );
    }
    products.extend(
        parse_bom_csv(
            include_str!("../../../examples/bom/in_two_wheeler_motor.csv"),
            "in.csv",
        )
        .expect("example BOM")
        .into_iter()
        .map(|e| e.product),
    );
    let countries: Vec<CountryCode> = ["CHN", "JPN", "USA", "DEU", "IND"]
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let dates: Vec<Date> = [
        "2010-10-01",
        "2024-06-01",
        "2025-04-04",
        "2025-10-20",
        "2025-12-15",
        "2026-12-01",
    ]
    .iter()
    .filter_map(|s| s.parse().ok())
    .collect();
    let mut shipments = Vec::new();
    for p in &products {
        for &from in &countries {
            for &to in &countries {
                for &date in &dates {
                    shipments.push(Shipment {
                        product: p,
                        exporter: from,
                        destination: to,
                        end_user: EndUser::Civil,
                        end_use: EndUse::Automotive,
                        date,
                        holds_general_licence: false,
                    });
                }
            }
        }
    }
    let mut g = c.benchmark_group("rules");
    g.throughput(Throughput::Elements(shipments.len() as u64));
    g.bench_function("check_fast", |b| {
        b.iter(|| {
            for s in &shipments {
                black_box(t.check_fast(black_box(s)));
            }
        })
    });
    g.throughput(Throughput::Elements(shipments.len() as u64));
    g.bench_function("check_with_explanations", |b| {
        b.iter(|| {
            for s in &shipments {
                black_box(t.check(black_box(s)));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
