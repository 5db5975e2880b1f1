//! flodym's REE case on chokepoint-stocks.
//!
//!   cargo run --release -p chokepoint-stocks --example ree_case                 # 1 × 3, 1990–2089: selected years
//!   cargo run --release -p chokepoint-stocks --example ree_case -- perf R P Y0 Y1 REPS
//!
//! `perf` times what flodym's `compute()` does (survival curves, stocks, outflows, the recycling
//! loop), single-threaded, and prints one JSON line with the median (used by
//! `bench/peers/flodym_stocks.sh`).

use std::time::Instant;

use chokepoint_stocks::peer_case::{ree_case, ree_system};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("perf") {
        let n = |i: usize, d: i64| -> Result<i64, Box<dyn std::error::Error>> {
            Ok(args.get(i).map(|s| s.parse()).transpose()?.unwrap_or(d))
        };
        let (r, p, y0, y1, reps) = (n(1, 20)?, n(2, 10)?, n(3, 1900)?, n(4, 2099)?, n(5, 50)?);
        let (_, inflow) = ree_case(r as usize, p as usize, y0 as i32, y1 as i32)?;
        let mut times = Vec::new();
        let mut check = 0.0;
        for _ in 0..reps.max(1) {
            let start = Instant::now();
            let system = ree_system(r as usize, p as usize, y0 as i32, y1 as i32)?;
            let flows = system.run(&inflow)?;
            check = (0..flows.regions * flows.products)
                .map(|c| flows.stock[c * flows.years + flows.years - 1])
                .sum();
            // Freeing the results is part of the run (as in the criterion bench).
            drop((system, flows));
            times.push(start.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{{\"R\": {r}, \"P\": {p}, \"years\": {}, \"median_compute_s\": {:e}, \"min_compute_s\": {:e}, \"reps\": {}, \"total_stock_last\": {check}}}",
            y1 - y0 + 1,
            times[times.len() / 2],
            times[0],
            times.len()
        );
        return Ok(());
    }
    let (system, inflow) = ree_case(1, 3, 1990, 2089)?;
    let flows = system.run(&inflow)?;
    println!(
        "year  stock EV  stock wind  stock elec  out EV  out wind  out elec  recycled  primary (kt, kt/a)"
    );
    for year in [2000usize, 2020, 2030, 2050, 2080] {
        let t = year - 1990;
        let c = |p| flows.cell(0, p, t);
        println!(
            "{year}  {:.3}  {:.3}  {:.3}  {:.4}  {:.4}  {:.4}  {:.4}  {:.4}",
            flows.stock[c(0)],
            flows.stock[c(1)],
            flows.stock[c(2)],
            flows.outflow[c(0)],
            flows.outflow[c(1)],
            flows.outflow[c(2)],
            flows.recycled[flows.region(0, t)],
            flows.primary[flows.region(0, t)],
        );
    }
    Ok(())
}
