//! Knock-out sweep over every facility of the bundled world: 90-day outages, 200 replications
//! each, single-threaded — the target is under 30 s. Runs the flow stand-in runner
//! (`chokepoint_analysis::flow`); re-measure once the simulator-backed runner is wired.
//!
//! `cargo bench -p chokepoint-analysis --bench knockout`

use chokepoint_analysis::flow::{FlowOptions, FlowRunner};
use chokepoint_analysis::knockout::{SweepConfig, candidates, sweep};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let world = match chokepoint_data::load_bundled(None) {
        Ok(l) => l.world,
        Err(d) => panic!("bundled dataset does not load ({} diagnostics)", d.0.len()),
    };
    let runner = match FlowRunner::new(&world, "ev", "JPN", &FlowOptions::default()) {
        Ok(r) => r,
        Err(e) => panic!("runner: {e}"),
    };
    let facilities = candidates(&world, true, false, false);
    let all = candidates(&world, true, true, true);
    eprintln!(
        "{} facilities, {} nodes in all, {} lanes",
        facilities.len(),
        all.len(),
        world.lanes.len()
    );
    let mut g = c.benchmark_group("knockout");
    g.sample_size(10);
    // The sweep as specified: lost output per facility, 90 days, 200 replications.
    let mut bare = SweepConfig::new(90, 200, 1);
    bare.risk_exposure = false;
    bare.time_to_survive = false;
    g.bench_function("every facility, 90 d, 200 reps", |b| {
        b.iter(|| sweep(&runner, &facilities, &bare, &mut |_| {}).map(|r| r.len()))
    });
    // What `chokepoint chokepoints` does: plus TTS and the REI run at each node's TTR, over
    // facilities, country-stages and lanes.
    let full = SweepConfig::new(90, 200, 1);
    g.bench_function("all nodes, 90 d, 200 reps, TTS + REI", |b| {
        b.iter(|| sweep(&runner, &all, &full, &mut |_| {}).map(|r| r.len()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
