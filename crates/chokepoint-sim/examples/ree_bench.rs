//! Benchmark / peer-comparison driver used by `bench/peers/run.sh`.
//!
//! ```text
//! ree_bench replay  --case a1|b|c --inputs IN.csv --out OUT.csv   # stockpyl columns, exact replay
//! ree_bench perf    --case a1|b|c --periods T --trials N          # own RNG, like stockpyl perf mode
//! ree_bench mc      --case a1|b|c --reps R --periods T [--threads K]   # Monte Carlo
//! ree_bench layered --lanes N --periods T [--reps R]              # synthetic layered network
//! ```
//! Prints one JSON line with in-process timings (`sim_s`) on stdout.

use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

use chokepoint_sim::cases::{
    a1_markov, b_demand, layered, stockpyl_a1, stockpyl_b, stockpyl_c, stockpyl_c_random,
};
use chokepoint_sim::{
    Demand, DisruptionProcess, McConfig, Network, State, TraceRecorder, monte_carlo,
    replication_rng, simulate,
};

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn num<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> AnyResult<T> {
    match arg(args, name) {
        None => Ok(default),
        Some(s) => s
            .parse()
            .map_err(|_| format!("bad value for {name}: {s}").into()),
    }
}

fn read_inputs(path: &str) -> AnyResult<HashMap<String, Vec<f64>>> {
    let mut rdr = csv::Reader::from_path(path)?;
    let header: Vec<String> = rdr.headers()?.iter().map(String::from).collect();
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); header.len()];
    for rec in rdr.records() {
        let rec = rec?;
        for (j, v) in rec.iter().enumerate() {
            cols[j].push(v.parse()?);
        }
    }
    Ok(header.into_iter().zip(cols).collect())
}

fn series(inp: &HashMap<String, Vec<f64>>, col: &str) -> AnyResult<Vec<f64>> {
    inp.get(col)
        .cloned()
        .ok_or_else(|| format!("input column {col} missing").into())
}

fn flags(v: Vec<f64>) -> DisruptionProcess {
    DisruptionProcess::Series(v.into_iter().map(|x| x != 0.0).collect())
}

fn replay_network(case: &str, inp: &HashMap<String, Vec<f64>>) -> AnyResult<(Network, Vec<u32>)> {
    Ok(match case {
        "a1" => (stockpyl_a1(flags(series(inp, "disrupted_0")?))?, vec![0]),
        "b" => (
            stockpyl_b(Demand::Series(series(inp, "demand_1")?))?,
            vec![1, 2, 3],
        ),
        "c" => {
            let d = (18..27)
                .map(|i| series(inp, &format!("demand_{i}")).map(Demand::Series))
                .collect::<AnyResult<Vec<_>>>()?;
            let net = stockpyl_c(
                d,
                [
                    flags(series(inp, "disrupted_1")?),
                    flags(series(inp, "disrupted_2")?),
                    flags(series(inp, "disrupted_5")?),
                ],
            )?;
            (net, (0..27).collect())
        }
        _ => return Err(format!("unknown case {case}").into()),
    })
}

fn random_network(case: &str) -> AnyResult<Network> {
    Ok(match case {
        "a1" => stockpyl_a1(a1_markov())?,
        "b" => stockpyl_b(b_demand())?,
        "c" => stockpyl_c_random()?,
        _ => return Err(format!("unknown case {case}").into()),
    })
}

fn main() -> AnyResult<()> {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).cloned().unwrap_or_default();
    let case = arg(&args, "--case").unwrap_or_else(|| "a1".into());
    match mode.as_str() {
        "replay" => {
            let inp = read_inputs(&arg(&args, "--inputs").ok_or("--inputs required")?)?;
            let periods = inp.get("period").map_or(0, Vec::len) as u32;
            let (net, ids) = replay_network(&case, &inp)?;
            let mut st = State::new(&net);
            let mut rec = TraceRecorder::new();
            let mut rng = replication_rng(0, 0);
            let t0 = Instant::now();
            simulate(&net, &mut st, periods, &mut rng, &mut rec)?;
            let sim_s = t0.elapsed().as_secs_f64();
            if let Some(out) = arg(&args, "--out") {
                let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
                writeln!(
                    w,
                    "period,node,disrupted,inbound_order,order_quantity,inbound_shipment,raw_material_inventory,outbound_shipment,inventory_level,backorders,demand_met_from_stock,holding_cost,stockout_cost,in_transit_holding_cost,total_cost"
                )?;
                for r in &rec.records {
                    writeln!(
                        w,
                        "{},{},{},{:?},{:?},{:?},{:?},{:?},{:?},{:?},{:?},{:?},{:?},{:?},{:?}",
                        r.period,
                        ids[r.node as usize],
                        u8::from(r.disrupted),
                        r.inbound_order,
                        r.order_quantity,
                        r.inbound_shipment,
                        r.raw_material_inventory,
                        r.outbound_shipment,
                        r.inventory_level,
                        r.backorders,
                        r.demand_met_from_stock,
                        r.holding_cost,
                        r.stockout_cost,
                        r.in_transit_holding_cost,
                        r.total_cost
                    )?;
                }
            }
            println!(
                "{{\"case\":\"{case}\",\"mode\":\"replay\",\"periods\":{periods},\"sim_s\":{sim_s},\"total_cost\":{:?}}}",
                st.total_cost()
            );
        }
        "perf" => {
            let periods: u32 = num(&args, "--periods", 1_000_000)?;
            let trials: u64 = num(&args, "--trials", 5)?;
            let net = random_network(&case)?;
            let mut st = State::new(&net);
            let mut times = Vec::new();
            let mut costs = Vec::new();
            for k in 0..trials {
                let mut rng = replication_rng(1000, k);
                let t0 = Instant::now();
                simulate(&net, &mut st, periods, &mut rng, &mut ())?;
                times.push(t0.elapsed().as_secs_f64());
                costs.push(st.total_cost() / f64::from(periods));
            }
            times.sort_by(f64::total_cmp);
            let med = times[times.len() / 2];
            let np = net.node_count() as f64 * f64::from(periods);
            println!(
                "{{\"case\":\"{case}\",\"mode\":\"perf\",\"periods\":{periods},\"trials\":{trials},\"sim_s\":{med},\"periods_per_s\":{},\"node_periods_per_s\":{},\"cost_per_period\":{:?}}}",
                f64::from(periods) / med,
                np / med,
                costs
            );
        }
        "mc" => {
            let reps: u32 = num(&args, "--reps", 10_000)?;
            let periods: u32 = num(&args, "--periods", 520)?;
            let threads: usize = num(&args, "--threads", 1)?;
            let net = random_network(&case)?;
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()?;
            let t0 = Instant::now();
            let res = pool.install(|| {
                monte_carlo(
                    &net,
                    &McConfig {
                        replications: reps,
                        horizon: periods,
                        seed: 42,
                    },
                )
            })?;
            let sim_s = t0.elapsed().as_secs_f64();
            let periods_total = f64::from(reps) * f64::from(periods);
            let np = net.node_count() as f64 * periods_total;
            let extra = if case == "c" {
                format!(
                    ",\"oem0_fill_mean\":{},\"oem0_fill_p5\":{},\"dytb_stockout_periods_mean\":{}",
                    res.fill_rate[0].mean, res.fill_rate[0].p5, res.stockout_periods[5].mean
                )
            } else {
                String::new()
            };
            println!(
                "{{\"case\":\"{case}\",\"mode\":\"mc\",\"reps\":{reps},\"periods\":{periods},\"threads\":{threads},\"batched\":{},\"sim_s\":{sim_s},\"periods_per_s\":{},\"node_periods_per_s\":{},\"cost_per_period_mean\":{},\"cost_per_period_se\":{}{extra}}}",
                net.batchable(),
                periods_total / sim_s,
                np / sim_s,
                res.cost.mean / f64::from(periods),
                res.cost.se / f64::from(periods)
            );
        }
        "layered" => {
            let lanes: usize = num(&args, "--lanes", 10_000)?;
            let periods: u32 = num(&args, "--periods", 100)?;
            let depth = 6;
            let width = (lanes / (depth - 1)).max(1);
            // --reps R: R replications through `monte_carlo` (the lane-batched kernel, on a
            // 1-thread pool); otherwise one replication on the scalar kernel
            let reps: u32 = num(&args, "--reps", 0)?;
            let net = layered(width, depth, 0)?;
            let t0 = Instant::now();
            if reps > 0 {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
                let cfg = McConfig {
                    replications: reps,
                    horizon: periods,
                    seed: 7,
                };
                pool.install(|| monte_carlo(&net, &cfg))?;
            } else {
                let mut st = State::new(&net);
                let mut rng = replication_rng(7, 0);
                simulate(&net, &mut st, periods, &mut rng, &mut ())?;
            }
            let sim_s = t0.elapsed().as_secs_f64();
            let lp = net.edge_count() as f64 * f64::from(periods) * f64::from(reps.max(1));
            println!(
                "{{\"mode\":\"layered\",\"lanes\":{},\"periods\":{periods},\"state_mib\":{:.2},\"sim_s\":{sim_s},\"lane_periods_per_s\":{}}}",
                net.edge_count(),
                net.state_bytes() as f64 / 1048576.0,
                lp / sim_s
            );
        }
        _ => return Err("usage: ree_bench replay|perf|mc|layered ...".into()),
    }
    Ok(())
}
