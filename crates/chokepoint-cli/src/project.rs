//! `chokepoint project`: the long-horizon mode — a yearly balance from 2010 to 2040 with
//! capacity projects, recycling, demand growth, substitution and export controls
//! (`docs/longrun.md`). Parses the arguments, reads the scenario, calls
//! `chokepoint_app::project::run`, prints the year table and the comparison with history, and
//! writes `--out` files atomically.

use crate::output::{Table, write_atomic};
use anyhow::{Context, Result};
use chokepoint_app::AppError;
use chokepoint_app::project::{ProjectOptions, Projection, run};
use chokepoint_longrun::Region;
use chokepoint_longrun::mc::Band;
use chokepoint_longrun::model::{COLS, WORLD};
use chokepoint_scenario::longrun::Commodity;
use clap::Args;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ProjectArgs {
    /// A long-run scenario file or bundled id (`data/scenarios/long-*.toml`).
    #[arg(long, default_value = "long-baseline")]
    scenario: String,
    /// First year shown (default: the scenario's, 2010).
    #[arg(long)]
    from: Option<i32>,
    /// Last year shown (default: the scenario's, 2040).
    #[arg(long)]
    to: Option<i32>,
    /// One region in detail: CHN, JPN, EU, USA, ROW or WLD (default: the world and China's
    /// share of each region's supply).
    #[arg(long)]
    region: Option<String>,
    /// Monte Carlo runs over project delays (0: announced dates only).
    #[arg(long)]
    runs: Option<u32>,
    /// Master seed; run k uses the stream (seed, k), so results do not depend on threads.
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: all cores). Results are bit-identical for any value.
    #[arg(long)]
    threads: Option<usize>,
    /// Print only the comparison with history.
    #[arg(long)]
    history: bool,
    /// Print one JSON document instead of tables.
    #[arg(long)]
    json: bool,
    /// Write summary.json, years.csv and history.csv into this new directory.
    #[arg(long)]
    out: Option<PathBuf>,
    /// A directory of CSV files layered over the bundled dataset.
    #[arg(long)]
    data: Option<PathBuf>,
}

fn column(code: &str) -> Option<usize> {
    if code == "WLD" {
        Some(WORLD)
    } else {
        Region::parse(code).map(Region::index)
    }
}

fn col_name(col: usize) -> &'static str {
    if col == WORLD {
        "WLD"
    } else {
        Region::ALL[col].code()
    }
}

pub fn run_project(args: ProjectArgs) -> Result<i32> {
    let region = match args.region.as_deref().map(|r| (r, column(r))) {
        None => None,
        Some((_, Some(c))) => Some(c),
        Some((r, None)) => {
            eprintln!(
                "error: --region: `{r}` is not a region; expected CHN, JPN, EU, USA, ROW or WLD"
            );
            return Ok(2);
        }
    };
    if args.threads == Some(0) {
        eprintln!("error: --threads: expected at least 1 thread");
        return Ok(2);
    }
    if let Some(out) = &args.out
        && out.exists()
    {
        eprintln!(
            "error: --out: directory {} already exists; choose a new one",
            out.display()
        );
        return Ok(2);
    }
    let (path, text) = crate::simulate::read_scenario(&args.scenario)?;
    let file = path.display().to_string();
    let world = crate::simulate::load_world(args.data.as_deref())?;
    let opts = ProjectOptions {
        from: args.from,
        to: args.to,
        runs: args.runs,
        seed: args.seed,
    };
    let go = || run(&world, &text, &file, &opts);
    let result = match args.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .context("building the thread pool")?
            .install(go),
        None => go(),
    };
    let p = match result {
        Ok(p) => p,
        Err(AppError::Invalid(m)) => {
            eprintln!("error: {m}");
            return Ok(2);
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(out) = &args.out {
        write_out(out, &p)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&p)?);
        return Ok(0);
    }
    if !args.history {
        print!("{}", header(&p));
        match region {
            Some(col) => print!("{}", region_table(&p, col)),
            None => print!("{}", world_table(&p)),
        }
        println!();
    }
    print!("{}", history_table(&p));
    if let Some(out) = &args.out {
        println!("\nwrote {}", out.display());
    }
    Ok(0)
}

fn header(p: &Projection) -> String {
    let s = &p.scenario;
    let mut h = format!(
        "{} — {}\n{} to {}; {} run(s) over project delays, seed {}; t of element (Nd+Pr, Dy+Tb in separated oxide) and t of NdFeB magnet; bands are mean [P5, P95] over runs\n",
        s.id, s.title, s.from, s.to, p.summary.runs, p.summary.seed
    );
    let _ = writeln!(h, "projects: {}", {
        let mut ids: Vec<&str> = p.projects.iter().map(|r| r.id.as_str()).collect();
        ids.dedup();
        ids.join(", ")
    });
    h.push('\n');
    h
}

fn num(x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

fn pct(x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else {
        format!("{:.1}", x * 100.0)
    }
}

fn band(b: &Band, f: fn(f64) -> String) -> String {
    if b.p5 == b.p95 || b.mean.is_nan() {
        f(b.mean)
    } else {
        format!("{} [{}, {}]", f(b.mean), f(b.p5), f(b.p95))
    }
}

fn region_table(p: &Projection, col: usize) -> String {
    let mut out = format!("Region {}:\n", col_name(col));
    let mut t = Table::new(&[
        "year",
        "NdPr demand",
        "NdPr short",
        "NdPr China %",
        "NdPr recycled %",
        "DyTb demand",
        "DyTb short",
        "DyTb China %",
        "DyTb recycled %",
        "magnet demand",
        "magnet short",
        "magnet China %",
    ]);
    for (i, yb) in p.summary.announced.iter().enumerate() {
        let b = &p.summary.bands[i];
        let mut row = vec![yb.year.to_string()];
        for c in Commodity::ALL {
            let cell = yb.cell(c, col);
            let cb = &b[c.index()][col];
            row.push(num(cell.demand));
            row.push(band(&cb.shortfall, num));
            row.push(band(&cb.china_share, pct));
            if c != Commodity::Magnet {
                row.push(band(&cb.recycled_share, pct));
            }
        }
        t.push(row);
    }
    out.push_str(&t.render());
    out
}

fn world_table(p: &Projection) -> String {
    let mut out = String::from("World balance and China's share of each region's supply (%):\n");
    let mut t = Table::new(&[
        "year",
        "China % mine",
        "NdPr demand",
        "NdPr short",
        "DyTb demand",
        "DyTb short",
        "magnet short",
        "JPN NdPr",
        "JPN DyTb",
        "EU NdPr",
        "USA NdPr",
        "ROW NdPr",
        "JPN magnet",
        "EU magnet",
        "USA magnet",
    ]);
    for (i, yb) in p.summary.announced.iter().enumerate() {
        let b = &p.summary.bands[i];
        let share = |c: Commodity, r: Region| band(&b[c.index()][r.index()].china_share, pct);
        t.push(vec![
            yb.year.to_string(),
            pct(yb.china_mine_share()),
            num(yb.cell(Commodity::Ndpr, WORLD).demand),
            band(&b[0][WORLD].shortfall, num),
            num(yb.cell(Commodity::Dytb, WORLD).demand),
            band(&b[1][WORLD].shortfall, num),
            band(&b[2][WORLD].shortfall, num),
            share(Commodity::Ndpr, Region::Jpn),
            share(Commodity::Dytb, Region::Jpn),
            share(Commodity::Ndpr, Region::Eu),
            share(Commodity::Ndpr, Region::Usa),
            share(Commodity::Ndpr, Region::Row),
            share(Commodity::Magnet, Region::Jpn),
            share(Commodity::Magnet, Region::Eu),
            share(Commodity::Magnet, Region::Usa),
        ]);
    }
    out.push_str(&t.render());
    out
}

fn history_table(p: &Projection) -> String {
    let mut out = String::from(
        "Against history (announced path; observations are compared, never inputs):\n",
    );
    let mut t = Table::new(&[
        "series",
        "year",
        "observed %",
        "modelled %",
        "error pp",
        "sources",
    ]);
    for c in &p.history {
        t.push(vec![
            c.series.to_string(),
            c.year.to_string(),
            format!("{:.1}", c.observed_pct),
            format!("{:.1}", c.modelled_pct),
            format!("{:+.1}", c.error_pp),
            c.sources.join(";"),
        ]);
    }
    out.push_str(&t.render());
    if !p.history.is_empty() {
        let mae = |s: &str| {
            let v: Vec<f64> = p
                .history
                .iter()
                .filter(|c| c.series == s && !c.error_pp.is_nan())
                .map(|c| c.error_pp.abs())
                .collect();
            if v.is_empty() {
                f64::NAN
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        };
        let _ = writeln!(
            out,
            "mean absolute error: China share of world mine output {:.1} pp; China share of Japan's supply {:.1} pp",
            mae("china-share-of-world-mine-output"),
            mae("china-share-of-japan-supply")
        );
    }
    out
}

fn write_out(dir: &std::path::Path, p: &Projection) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    write_atomic(
        &dir.join("summary.json"),
        serde_json::to_string_pretty(p)?.as_bytes(),
    )?;
    let mut years = csv::Writer::from_writer(Vec::new());
    years.write_record([
        "year",
        "commodity",
        "region",
        "demand",
        "supply",
        "shortfall",
        "from_china",
        "recycled",
        "production",
        "available",
        "supply_mean",
        "supply_p5",
        "supply_p95",
        "shortfall_mean",
        "shortfall_p5",
        "shortfall_p95",
        "china_share_mean",
        "china_share_p5",
        "china_share_p95",
        "recycled_share_mean",
    ])?;
    for (i, yb) in p.summary.announced.iter().enumerate() {
        for c in Commodity::ALL {
            for col in 0..COLS {
                let cell = yb.cell(c, col);
                let b = &p.summary.bands[i][c.index()][col];
                let f = |x: f64| x.to_string();
                years.write_record([
                    yb.year.to_string(),
                    c.label().to_string(),
                    col_name(col).to_string(),
                    f(cell.demand),
                    f(cell.supply),
                    f(cell.shortfall),
                    f(cell.from_china),
                    f(cell.recycled),
                    f(cell.production),
                    f(cell.available),
                    f(b.supply.mean),
                    f(b.supply.p5),
                    f(b.supply.p95),
                    f(b.shortfall.mean),
                    f(b.shortfall.p5),
                    f(b.shortfall.p95),
                    f(b.china_share.mean),
                    f(b.china_share.p5),
                    f(b.china_share.p95),
                    f(b.recycled_share.mean),
                ])?;
            }
        }
    }
    write_atomic(
        &dir.join("years.csv"),
        &years.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
    )?;
    let mut h = csv::Writer::from_writer(Vec::new());
    h.write_record([
        "series",
        "year",
        "observed_pct",
        "modelled_pct",
        "error_pp",
        "sources",
    ])?;
    for c in &p.history {
        h.write_record([
            c.series.to_string(),
            c.year.to_string(),
            c.observed_pct.to_string(),
            c.modelled_pct.to_string(),
            c.error_pp.to_string(),
            c.sources.join(";"),
        ])?;
    }
    write_atomic(
        &dir.join("history.csv"),
        &h.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
    )?;
    Ok(())
}
