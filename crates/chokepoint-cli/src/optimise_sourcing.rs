//! `chokepoint optimise sourcing`: the supplier mix for a buyer under a scenario (the MILP of
//! `chokepoint_optimise::sourcing`, built by `chokepoint_app::sourcing`). Parses arguments,
//! times the two steps (sampling paths on the simulator, solving), prints and writes; exit 2 on
//! bad input, with the binding constraint named.

use crate::output::{Table, write_atomic};
use anyhow::{Context, Result, bail};
use chokepoint_app::AppError;
use chokepoint_app::sourcing::{SourcingReport, SourcingRequest};
use std::path::PathBuf;

/// Arguments of `optimise sourcing`.
#[derive(Debug, clap::Args)]
pub struct SourcingArgs {
    /// The buying country (ISO3), e.g. JPN.
    #[arg(long)]
    pub buyer: String,
    /// The material (an id of materials.csv), e.g. dy-oxide.
    #[arg(long)]
    pub material: String,
    /// The buyer's demand, tonnes per year (default: the baseline inflow of the material into
    /// the buyer's plants in the bundled network).
    #[arg(long, value_name = "TONNES_PER_YEAR")]
    pub demand: Option<f64>,
    /// The scenario whose replications are the disruption paths: a bundled id or a file.
    #[arg(long)]
    pub scenario: String,
    /// Sampled paths (replications of the scenario).
    #[arg(long, default_value_t = 200)]
    pub paths: u32,
    /// Master seed (default: the scenario's); path r is replication r's stream (seed, r).
    #[arg(long)]
    pub seed: Option<u64>,
    /// CVaR level: the risk is the mean shortfall over the worst 1 - A of paths.
    #[arg(long, default_value_t = 0.9)]
    pub cvar_alpha: f64,
    /// Weight of the CVaR of shortfall, USD per kg of tail shortfall (0: cheapest mix).
    #[arg(long, default_value_t = 0.0, value_name = "USD_PER_KG")]
    pub lambda: f64,
    /// Points of the cost/risk frontier over lambda (0: none).
    #[arg(long, default_value_t = 7, value_name = "K")]
    pub frontier: usize,
    /// Penalty per kg of expected shortfall, USD (a spot market at that price).
    #[arg(long, default_value_t = 0.0, value_name = "USD_PER_KG")]
    pub shortfall_penalty: f64,
    /// Nominal cover: contract at least this multiple of demand.
    #[arg(long, default_value_t = 1.0)]
    pub cover: f64,
    /// Contract at most this multiple of demand (default: no cap, so a partly failing supplier
    /// may be over-contracted).
    #[arg(long)]
    pub max_cover: Option<f64>,
    /// Periods per year of the program.
    #[arg(long, default_value_t = 12)]
    pub periods_per_year: u32,
    /// Use the central value of every uncertain scenario input.
    #[arg(long)]
    pub fixed_inputs: bool,
    /// Fresh paths on which the chosen mix is replayed (the out-of-sample check; 0: none).
    #[arg(long, default_value_t = 200)]
    pub check_paths: u32,
    /// Worker threads (default: all cores). Results are bit-identical for any value.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also write the mix and the frontier as CSV to FILE (atomically).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Layer this data directory over the bundled dataset.
    #[arg(long)]
    pub data: Option<PathBuf>,
}

/// Runs `optimise sourcing`; returns the exit code.
pub fn run(args: SourcingArgs) -> Result<i32> {
    if args.threads == Some(0) {
        eprintln!("error: --threads: expected at least 1 thread");
        return Ok(2);
    }
    let (path, text) = crate::simulate::read_scenario(&args.scenario)?;
    let file = path.display().to_string();
    let timeline = match crate::policy::load_timeline(None)? {
        Ok(t) => t,
        Err(d) => {
            crate::policy::print_diagnostics(&d);
            bail!("the bundled policy timeline has errors");
        }
    };
    let world = crate::simulate::load_world(args.data.as_deref())?;
    let req = SourcingRequest {
        buyer: args.buyer.clone(),
        material: args.material.clone(),
        demand_tonnes_per_year: args.demand,
        paths: args.paths,
        seed: args.seed,
        cvar_alpha: args.cvar_alpha,
        lambda: args.lambda * 1000.0,
        frontier_points: args.frontier,
        shortfall_penalty_per_tonne: args.shortfall_penalty * 1000.0,
        cover: args.cover,
        max_cover: args.max_cover,
        periods_per_year: args.periods_per_year,
        fixed_inputs: args.fixed_inputs,
        check_paths: args.check_paths,
    };
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(t) = args.threads {
        pool = pool.num_threads(t);
    }
    let pool = pool.build().context("starting the worker threads")?;
    let threads = pool.current_num_threads();
    let t0 = std::time::Instant::now();
    let prepared =
        pool.install(|| chokepoint_app::sourcing::prepare(&world, &timeline, &text, &file, &req));
    let sampled = t0.elapsed();
    let t1 = std::time::Instant::now();
    let report =
        prepared.and_then(|p| pool.install(|| chokepoint_app::sourcing::optimise(p, &req)));
    let solved = t1.elapsed();
    let report = report.and_then(|mut r| {
        if req.check_paths > 0 {
            let c = pool.install(|| {
                chokepoint_app::sourcing::check(&world, &timeline, &text, &file, &req, &r)
            })?;
            r.out_of_sample = Some(c);
        }
        Ok(r)
    });
    let report = match report {
        Ok(r) => r,
        Err(AppError::Invalid(m)) => {
            eprintln!("error: {m}");
            return Ok(2);
        }
        Err(e) => bail!("{e}"),
    };
    if let Some(out) = &args.csv {
        write_atomic(out, csv_text(&report)?.as_bytes())
            .with_context(|| format!("writing {}", out.display()))?;
        eprintln!("wrote {}", out.display());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
        println!(
            "time: {:.2} s sampling {} paths on the simulator, {:.2} s solving ({} MILPs: the mix and {} frontier points) on {threads} thread(s)",
            sampled.as_secs_f64(),
            report.paths,
            solved.as_secs_f64(),
            1 + report.frontier.len(),
            report.frontier.len()
        );
    }
    Ok(0)
}

fn usd_m(x: f64) -> String {
    format!("{:.3}", x / 1e6)
}

fn t(x: f64) -> String {
    format!("{x:.1}")
}

/// The report as text.
fn render(r: &SourcingReport) -> String {
    let mut s = String::new();
    let per_year = 365.25 / r.period_days;
    s.push_str(&format!(
        "Sourcing {} for {} under {} (from {}, {} days = {} periods of {:.1} days), {} paths, seed {}\n",
        r.material,
        r.buyer,
        r.scenario,
        r.start,
        r.horizon_days,
        r.periods,
        r.period_days,
        r.paths,
        r.seed
    ));
    s.push_str(&format!(
        "demand {:.1} t/yr ({} t over the horizon; {}); risk = CVaR at {} of the horizon shortfall; lambda = {} USD/kg\n\n",
        r.demand_tonnes_per_year,
        t(r.plan.demand_tonnes),
        r.demand_source,
        r.cvar_alpha,
        r.plan.lambda / 1000.0
    ));
    let mut sup = Table::new(&[
        "supplier",
        "country",
        "USD/kg",
        "capacity t/yr",
        "lead d",
        "min t/yr",
        "mean delivered",
        "price row",
    ]);
    for x in &r.suppliers {
        sup.push(vec![
            x.id.clone(),
            x.country.clone(),
            format!("{:.0}", x.price_usd_per_tonne / 1000.0),
            format!(
                "{}{}",
                x.capacity_tonnes_per_year,
                x.capacity_year
                    .map(|y| format!(" ({y})"))
                    .unwrap_or_default()
            ),
            x.lead_time_days.to_string(),
            x.min_contract_tonnes_per_year.to_string(),
            format!("{:.1}%", 100.0 * x.mean_delivered_share),
            x.price_row.clone(),
        ]);
    }
    s.push_str("Candidate suppliers\n");
    s.push_str(&sup.render());
    for x in &r.suppliers {
        s.push_str(&format!("  {}: {}\n", x.id, x.exposure));
    }
    for e in &r.excluded {
        s.push_str(&format!("  excluded {}: {}\n", e.id, e.reason));
    }
    let mut mix = Table::new(&[
        "supplier",
        "contracted",
        "t/yr",
        "share",
        "cost USD M",
        "E[delivered] t",
        "E[delivery rate]",
    ]);
    for c in &r.plan.contracts {
        mix.push(vec![
            c.id.clone(),
            if c.contracted { "yes" } else { "no" }.into(),
            t(c.tonnes_per_period * per_year),
            format!("{:.1}%", 100.0 * c.share),
            usd_m(c.cost),
            t(c.expected_delivered_tonnes),
            c.expected_delivery_rate
                .map(|x| format!("{:.1}%", 100.0 * x))
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    s.push_str("\nMix\n");
    s.push_str(&mix.render());
    let p = &r.plan;
    s.push_str(&format!(
        "contracted {} t/yr; cost {} USD M; expected shortfall {} t ({:.1}% of demand); CVaR{:.0} {} t; objective {} USD M\n",
        t(p.contracted_per_period * per_year),
        usd_m(p.cost),
        t(p.expected_shortfall_tonnes),
        100.0 * p.expected_shortfall_share,
        100.0 * p.cvar.alpha,
        t(p.cvar.value),
        usd_m(p.objective)
    ));
    s.push_str(&format!(
        "MILP: {} rows, {} columns ({} binary), {} nonzeros; HiGHS {}{}\n",
        r.lp.rows,
        r.lp.columns,
        p.binaries,
        r.lp.nonzeros,
        p.status,
        p.mip_gap
            .map(|g| format!(", gap {g:.1e}"))
            .unwrap_or_default()
    ));
    if let Some(c) = &r.out_of_sample {
        s.push_str(&format!(
            "Out-of-sample check: the mix replayed on {} fresh paths (seed {}): expected shortfall {} t (95% CI {} .. {}) vs in-sample {} t, gap {} t; CVaR{:.0} {} t\n",
            c.paths,
            c.seed,
            t(c.expected_shortfall_tonnes),
            t(c.expected_shortfall_ci95.0),
            t(c.expected_shortfall_ci95.1),
            t(p.expected_shortfall_tonnes),
            t(c.gap_tonnes),
            100.0 * p.cvar.alpha,
            t(c.cvar_tonnes),
        ));
    }
    if !r.frontier.is_empty() {
        let mut headers = vec![
            "lambda USD/kg".to_string(),
            "cost USD M".into(),
            "E[shortfall] t".into(),
            format!("CVaR{:.0} t", 100.0 * r.cvar_alpha),
        ];
        headers.extend(r.suppliers.iter().map(|x| format!("{} t/yr", x.id)));
        let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        let mut fr = Table::new(&refs);
        for pt in &r.frontier {
            let mut row = vec![
                format!("{:.3}", pt.lambda / 1000.0),
                usd_m(pt.cost),
                t(pt.expected_shortfall_tonnes),
                t(pt.cvar.value),
            ];
            row.extend(pt.volumes.iter().map(|v| t(v.tonnes_per_period * per_year)));
            fr.push(row);
        }
        s.push_str("\nCost/risk frontier\n");
        s.push_str(&fr.render());
    }
    s.push_str("\nAssumptions\n");
    for a in &r.assumptions {
        s.push_str(&format!("  - {a}\n"));
    }
    s
}

/// The mix and the frontier as one CSV: `kind` is `mix` or `frontier`.
fn csv_text(r: &SourcingReport) -> Result<String> {
    let per_year = 365.25 / r.period_days;
    let mut headers = vec![
        "kind".to_string(),
        "lambda_usd_per_kg".into(),
        "cost_usd".into(),
        "expected_shortfall_t".into(),
        "cvar_t".into(),
    ];
    headers.extend(r.suppliers.iter().map(|x| format!("{}_t_per_year", x.id)));
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut tab = Table::new(&refs);
    let p = &r.plan;
    let mut row = vec![
        "mix".to_string(),
        (p.lambda / 1000.0).to_string(),
        p.cost.to_string(),
        p.expected_shortfall_tonnes.to_string(),
        p.cvar.value.to_string(),
    ];
    row.extend(
        p.contracts
            .iter()
            .map(|c| (c.tonnes_per_period * per_year).to_string()),
    );
    tab.push(row);
    for pt in &r.frontier {
        let mut row = vec![
            "frontier".to_string(),
            (pt.lambda / 1000.0).to_string(),
            pt.cost.to_string(),
            pt.expected_shortfall_tonnes.to_string(),
            pt.cvar.value.to_string(),
        ];
        row.extend(
            pt.volumes
                .iter()
                .map(|v| (v.tonnes_per_period * per_year).to_string()),
        );
        tab.push(row);
    }
    let mut out = Vec::new();
    tab.to_csv(&mut out)?;
    Ok(String::from_utf8(out)?)
}
