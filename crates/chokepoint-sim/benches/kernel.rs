//! Kernel benchmarks (single-threaded; see docs/benchmarks.md, "Simulation kernel").
//!
//! - `a1/batched_1e6`: case a1, one batch (`LANES` replications) x 1e6 periods in the
//!   lane-batched kernel (throughput in periods); `a1/scalar_1e6`: one replication in the
//!   scalar kernel.
//! - `b/batched_1e6`: case b (3 nodes), throughput in node-periods.
//! - `c/mc_10000x520`: case c Monte Carlo, 10,000 replications x 520 periods on a 1-thread
//!   pool (throughput in node-periods; the target is <= 2 s per iteration).
//! - `layered/<lanes>`: synthetic layered networks (6 echelons), throughput in lane-periods;
//!   one batch of the width Monte Carlo picks (at least 40 periods; 8 lanes and about 0.9 GB
//!   of state at 1e6 lanes) and a single scalar replication.
//!
//! Build with `RUSTFLAGS="-C target-cpu=native"` to get AVX2 for the batched kernel.

use std::hint::black_box;

use chokepoint_sim::batch::{BatchState, LANES, LANES_LARGE, run_batch};
use chokepoint_sim::cases::{
    a1_markov, b_demand, layered, stockpyl_a1, stockpyl_b, stockpyl_c_random,
};
use chokepoint_sim::{McConfig, Network, State, monte_carlo, replication_rng, simulate};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn stockpyl_cases(c: &mut Criterion) {
    let a1 = stockpyl_a1(a1_markov()).expect("a1");
    let mut g = c.benchmark_group("a1");
    g.sample_size(10);
    let periods = 1_000_000u32;
    g.throughput(Throughput::Elements(LANES as u64 * u64::from(periods)));
    let mut bs = BatchState::<LANES>::new(&a1);
    g.bench_function("batched_1e6", |b| {
        b.iter(|| black_box(run_batch(&a1, &mut bs, periods, 1, 0)))
    });
    g.throughput(Throughput::Elements(u64::from(periods)));
    let mut st = State::new(&a1);
    g.bench_function("scalar_1e6", |b| {
        b.iter(|| {
            let mut rng = replication_rng(1, 0);
            simulate(&a1, &mut st, periods, &mut rng, &mut ()).expect("run");
            black_box(st.total_cost())
        })
    });
    g.finish();

    let bnet = stockpyl_b(b_demand()).expect("b");
    let mut g = c.benchmark_group("b");
    g.sample_size(10);
    g.throughput(Throughput::Elements(3 * LANES as u64 * u64::from(periods)));
    let mut bs = BatchState::<LANES>::new(&bnet);
    g.bench_function("batched_1e6", |b| {
        b.iter(|| black_box(run_batch(&bnet, &mut bs, periods, 1, 0)))
    });
    g.finish();

    let cnet = stockpyl_c_random().expect("c");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let mut g = c.benchmark_group("c");
    g.sample_size(10);
    let cfg = McConfig {
        replications: 10_000,
        horizon: 520,
        seed: 42,
    };
    g.throughput(Throughput::Elements(27 * 10_000 * 520));
    g.bench_function("mc_10000x520", |b| {
        b.iter(|| {
            black_box(
                pool.install(|| monte_carlo(&cnet, &cfg))
                    .expect("run")
                    .cost
                    .mean,
            )
        })
    });
    g.finish();
}

/// One batch of `N` replications on a layered network: about 2e7 lane-periods per iteration,
/// but at least 40 periods (a shorter horizon is unrealistic and lets the once-per-batch reset
/// weigh on the DRAM-sized cases).
fn bench_batch<const N: usize>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    net: &Network,
    lanes: u64,
) {
    let periods = (20_000_000 / (lanes * N as u64)).max(40) as u32;
    g.throughput(Throughput::Elements(lanes * N as u64 * u64::from(periods)));
    let mut bs = BatchState::<N>::new(net);
    g.bench_with_input(BenchmarkId::new("batched", lanes), &periods, |b, &p| {
        b.iter(|| black_box(run_batch(net, &mut bs, p, 7, 0)))
    });
}

fn layered_networks(c: &mut Criterion) {
    let mut g = c.benchmark_group("layered");
    g.sample_size(10);
    for lanes in [100usize, 1_000, 10_000, 100_000, 1_000_000] {
        let net = layered(lanes / 5, 6, 0).expect("layered");
        let lanes = net.edge_count() as u64;
        // one batch of the width Monte Carlo would pick for this network
        if net.batch_lanes() == LANES {
            bench_batch::<LANES>(&mut g, &net, lanes);
        } else {
            bench_batch::<LANES_LARGE>(&mut g, &net, lanes);
        }
        let periods = (20_000_000 / lanes).clamp(5, 100_000) as u32;
        g.throughput(Throughput::Elements(lanes * u64::from(periods)));
        let mut st = State::new(&net);
        g.bench_with_input(BenchmarkId::new("scalar", lanes), &periods, |b, &p| {
            b.iter(|| {
                let mut rng = replication_rng(7, 0);
                simulate(&net, &mut st, p, &mut rng, &mut ()).expect("run");
                black_box(st.total_cost())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, stockpyl_cases, layered_networks);
criterion_main!(benches);
