//! Criterion benchmark of the dynamic stock model with recycling on flodym's REE case at
//! 20 regions × 10 products × 200 years (1900–2099), the size of issue 16 item 6; and the
//! 1 × 3 × 100 fixture case. `bench/peers/flodym_stocks.sh` times flodym on the same cases.

use std::hint::black_box;

use chokepoint_stocks::peer_case::{ree_case, ree_system};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    for (regions, products, first, last) in [(20, 10, 1900, 2099), (1, 3, 1990, 2089)] {
        let (_, inflow) = ree_case(regions, products, first, last).expect("case");
        let name = format!("ree_{regions}x{products}x{}", last - first + 1);
        // What flodym's compute() does: survival curves, stocks, outflows, recycling (the inflow
        // is built beforehand, as flodym_ree.py builds it outside compute()).
        c.bench_function(&name, |b| {
            b.iter(|| {
                let system = ree_system(regions, products, first, last).expect("case");
                black_box(system.run(black_box(&inflow)).expect("run"))
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
