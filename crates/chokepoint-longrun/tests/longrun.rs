//! The long-run engine on the bundled world: hand-computed ramps, delay draws, the recycling
//! identity, the zero-growth fixed point, determinism across thread counts, and located errors.

use chokepoint_core::World;
use chokepoint_longrun::base::{Base, LineStage, NDPR};
use chokepoint_longrun::mc::{draw_shifts, simulate};
use chokepoint_longrun::model::{Model, WORLD, allocate};
use chokepoint_longrun::{LongRunError, Region};
use chokepoint_scenario::longrun::{Commodity, LongRunScenario};
use std::sync::OnceLock;

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        chokepoint_data::load_bundled(None)
            .expect("bundled dataset")
            .world
    })
}

/// A scenario with zero growth and no recycling unless `extra` says otherwise.
fn scenario(extra: &str) -> LongRunScenario {
    let text = format!("id = \"t\"\ntitle = \"t\"\nfrom = 2010\nto = 2040\n[provenance]\n{extra}");
    LongRunScenario::parse(&text, "t.toml").expect("scenario parses")
}

/// The bundled world with no projects, no facility that starts or ends in the horizon, and
/// every capacity held at its base-year (2024) figure.
fn static_base() -> Base {
    let mut base = Base::from_world(world(), None).expect("base");
    base.lines
        .retain(|l| l.project.is_none() && l.start.is_none() && l.end.is_none());
    for l in &mut base.lines {
        for m in &mut l.capacities {
            let v = m.per_year(2024);
            m.figures = vec![chokepoint_longrun::base::Figure {
                year: None,
                per_year: v,
            }];
        }
    }
    base
}

#[test]
fn zero_growth_no_projects_world_stays_at_its_base_balance() {
    let sc = scenario("");
    let model = Model::from_base(world(), static_base(), &sc).expect("model");
    let path = model.run(&[]);
    assert_eq!(path.len(), 31);
    let first = &path[0];
    for yb in &path {
        assert_eq!(yb.cells, first.cells, "year {} differs from 2010", yb.year);
        assert_eq!(yb.mine_reo, first.mine_reo);
    }
    // The base balance is the base-year demand: world magnet demand equals the demand rows'
    // tonnes summed by hand (units x kg per unit / 1000, WLD rows left out).
    let by_hand: f64 = world()
        .demand
        .values()
        .filter(|d| d.region != "WLD" && d.year == 2024)
        .filter_map(|d| d.magnet_tonnes())
        .sum();
    let m = first.cell(Commodity::Magnet, WORLD).demand;
    assert!((m - by_hand).abs() < 1e-6 * by_hand, "{m} vs {by_hand}");
}

const ND_IN_ND2O3: f64 = 2.0 * 144.242 / (2.0 * 144.242 + 3.0 * 15.999);

fn add_solvay(extra: &str) -> String {
    format!(
        "[[project]]\naction = \"add\"\nid = \"test-line\"\nfacility = \"solvay-la-rochelle\"\nmaterial = \"nd-oxide\"\ncapacity = 1000\nstart = \"2027\"\nramp_years = 2\n{extra}"
    )
}

fn eu_separation(model: &Model, year: i32, shifts: &[f64]) -> f64 {
    model.capacity_by_stage(year, shifts)[1][Region::Eu.index()][NDPR]
}

#[test]
fn a_project_adds_exactly_its_ramped_capacity_after_its_start() {
    let without = Model::from_base(world(), static_base(), &scenario("")).expect("model");
    let with = Model::from_base(world(), static_base(), &scenario(&add_solvay(""))).expect("model");
    // 1000 t/yr of Nd2O3 from January 2027, linear over two years: 0, 1/4, 3/4, 1, 1 of
    // 1000 x 0.8574 t Nd (Nd in Nd2O3 from atomic weights, by hand).
    for (year, share) in [
        (2026, 0.0),
        (2027, 0.25),
        (2028, 0.75),
        (2029, 1.0),
        (2035, 1.0),
    ] {
        let added = eu_separation(&with, year, &[]) - eu_separation(&without, year, &[]);
        let expected = 1000.0 * ND_IN_ND2O3 * share;
        assert!(
            (added - expected).abs() < 1e-3,
            "{year}: {added} vs {expected}"
        );
    }
}

/// Share of year `y` a ramp from `s` over `r` years runs at, by midpoint integration (an
/// independent check of the closed form).
fn ramp_share(y: i32, s: f64, r: f64) -> f64 {
    let n = 200_000;
    (0..n)
        .map(|i| {
            let t = f64::from(y) + (i as f64 + 0.5) / n as f64;
            ((t - s) / r).clamp(0.0, 1.0)
        })
        .sum::<f64>()
        / n as f64
}

#[test]
fn a_delay_draw_shifts_the_project() {
    let sc = scenario(&add_solvay("delay_probability = 1.0\ndelay_years = 2\n"));
    let with = Model::from_base(world(), static_base(), &sc).expect("model");
    let without = Model::from_base(world(), static_base(), &scenario("")).expect("model");
    let p = with
        .projects
        .iter()
        .position(|k| k == "test-line")
        .expect("project");
    for k in 0..5 {
        let shifts = draw_shifts(&with, 7, k);
        let s = shifts[p];
        assert!((1.0..=3.0).contains(&s), "delay {s} outside 2 x [0.5, 1.5]");
        for year in 2027..=2032 {
            let added =
                eu_separation(&with, year, &shifts) - eu_separation(&without, year, &shifts);
            let expected = 1000.0 * ND_IN_ND2O3 * ramp_share(year, 2027.0 + s, 2.0);
            assert!(
                (added - expected).abs() < 1e-2,
                "run {k} {year}: {added} vs {expected}"
            );
        }
    }
    // A project with no chance of delay never moves, and draws repeat for a seed.
    let sure = Model::from_base(world(), static_base(), &scenario(&add_solvay(""))).expect("model");
    assert!(draw_shifts(&sure, 7, 3).iter().all(|&s| s == 0.0));
    assert_eq!(draw_shifts(&with, 7, 3), draw_shifts(&with, 7, 3));
    // A scenario delay adds to every run.
    let fixed = scenario(&format!(
        "{}\n[[project]]\naction = \"delay\"\nid = \"test-line\"\nyears = 1\n",
        add_solvay("")
    ));
    let m = Model::from_base(world(), static_base(), &fixed).expect("model");
    let added = eu_separation(&m, 2028, &[]) - eu_separation(&without, 2028, &[]);
    assert!(
        (added - 1000.0 * ND_IN_ND2O3 * 0.25).abs() < 1e-3,
        "{added}"
    );
}

#[test]
fn recycled_supply_is_the_stock_outflow_times_collection_times_recovery() {
    let sc = scenario(
        "[recycling]\nstock_from = 1990\ncollection.default = 0.0\ncollection.JPN = [[2020, 0.1], [2030, 0.4]]\nrecovery = 0.8\n[recycling.lifetime]\ndefault = { mean = 10, std = 3 }\n",
    );
    let base = static_base();
    let model = Model::from_base(world(), base.clone(), &sc).expect("model");
    // Independently: with zero growth each Japanese demand cell is a constant inflow of
    // magnet_t x Nd+Pr per tonne from 1990; its outflow by the stock model, summed.
    let curve = chokepoint_stocks::SurvivalCurve::new(
        chokepoint_stocks::Lifetime::Normal {
            mean: 10.0,
            std: 3.0,
        },
        51,
        chokepoint_stocks::InflowAt::Middle,
    )
    .expect("curve");
    let mut outflow = vec![0.0; 51];
    for d in base.demand.iter().filter(|d| d.region == Region::Jpn) {
        let inflow = vec![d.magnet_t * d.ndpr_per_t; 51];
        let s = chokepoint_stocks::InUseStock::from_inflow(&inflow, &curve).expect("stock");
        for (o, x) in outflow.iter_mut().zip(&s.outflow) {
            *o += x;
        }
    }
    let j = Region::Jpn.index();
    let path = model.run(&[]);
    for (i, yb) in path.iter().enumerate() {
        let y = yb.year;
        let collection = if y <= 2020 {
            0.1
        } else if y >= 2030 {
            0.4
        } else {
            0.1 + 0.3 * f64::from(y - 2020) / 10.0
        };
        let expected = outflow[(y - 1990) as usize] * collection * 0.8;
        let got = model.recycled[i][j][0];
        assert!(
            (got - expected).abs() <= 1e-9 * expected.max(1.0),
            "{y}: {got} vs {expected}"
        );
        assert_eq!(yb.cell(Commodity::Ndpr, j).recycled, got);
        // No collection elsewhere.
        assert_eq!(model.recycled[i][Region::Eu.index()][0], 0.0);
    }
    assert!(path[30].cell(Commodity::Ndpr, j).recycled > 0.0);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/scenarios/long-baseline.toml"),
    )
    .expect("bundled scenario");
    let sc = LongRunScenario::parse(&text, "long-baseline.toml").expect("parses");
    let model = Model::new(world(), &sc).expect("model");
    let run_on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let s = pool.install(|| simulate(&model, 40, 11));
        serde_json::to_string(&s).expect("json")
    };
    let one = run_on(1);
    assert_eq!(one, run_on(3));
    assert_eq!(one, run_on(8));
    // And the draws matter: another seed gives another answer.
    let other = serde_json::to_string(&simulate(&model, 40, 12)).expect("json");
    assert_ne!(one, other);
}

#[test]
fn allocation_conserves_mass_and_serves_home_first() {
    // China 100 supply / 20 demand; Japan 0 / 30; EU 10 / 5; USA 0 / 0; ROW 0 / 10.
    let a = allocate(
        &[100.0, 0.0, 10.0, 0.0, 0.0],
        &[20.0, 30.0, 5.0, 0.0, 10.0],
        0.5,
    );
    // EU keeps 5; its surplus 5 goes to Japan and ROW pro rata to their lack (30:10).
    assert!((a.received[2] - 5.0).abs() < 1e-12);
    // Still lacking: Japan 26.25, ROW 8.75 = 35, which China's surplus of 80 would cover;
    // half of that is withheld: 17.5, split 26.25:8.75.
    assert!((a.from_china[1] - 13.125).abs() < 1e-12);
    assert!((a.received[1] - 16.875).abs() < 1e-12);
    assert!((a.received[4] - 5.625).abs() < 1e-12);
    let shipped: f64 = a.production.iter().sum();
    let received: f64 = a.received.iter().sum();
    assert!((shipped - received).abs() < 1e-9);
    // No controls: everyone is served.
    let c = allocate(
        &[100.0, 0.0, 10.0, 0.0, 0.0],
        &[20.0, 30.0, 5.0, 0.0, 10.0],
        0.0,
    );
    assert!((c.received[1] - 30.0).abs() < 1e-12 && (c.from_china[1] - 26.25).abs() < 1e-12);
    // With everything withheld, Japan gets only the EU pool.
    let b = allocate(
        &[100.0, 0.0, 10.0, 0.0, 0.0],
        &[20.0, 30.0, 5.0, 0.0, 10.0],
        1.0,
    );
    assert!((b.received[1] - 3.75).abs() < 1e-12);
    assert_eq!(b.from_china[1], 0.0);
}

#[test]
fn scenario_names_are_checked_against_the_world() {
    let err = |extra: &str| Model::new(world(), &scenario(extra)).expect_err("refused");
    let e = err("[[project]]\naction = \"remove\"\nid = \"no-such-project\"\n");
    assert!(
        matches!(&e, LongRunError::Scenario { field, .. } if field == "project[0].id"),
        "{e}"
    );
    let e = err(&add_solvay("").replace("solvay-la-rochelle", "nowhere"));
    assert!(
        matches!(&e, LongRunError::Scenario { field, .. } if field == "project[0].facility"),
        "{e}"
    );
    let e = err("[growth]\nby_sector.flying-cars = 0.1\n");
    assert!(
        matches!(&e, LongRunError::Scenario { field, .. } if field == "growth.by_sector.flying-cars"),
        "{e}"
    );
    // Removing a bundled project removes its capacity.
    let base = Model::new(world(), &scenario("")).expect("model");
    let gone = Model::new(
        world(),
        &scenario("[[project]]\naction = \"remove\"\nid = \"mp-10x\"\n"),
    )
    .expect("model");
    let mags = |m: &Model| m.capacity_by_stage(2035, &[])[3][Region::Usa.index()][2];
    assert!((mags(&base) - mags(&gone) - 9000.0).abs() < 1e-6);
    assert!(
        base.lines
            .iter()
            .any(|l| l.stage == LineStage::Magnet && l.id == "mp-10x")
    );
}
