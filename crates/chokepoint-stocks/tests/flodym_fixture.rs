//! The REE MFA case against flodym 1.1.0's own output (`tests/fixtures/`, see its README): every
//! value of stock, outflow, recycled and primary, 1 region × 3 products × 1990–2089.

use std::io::Read;

use chokepoint_stocks::peer_case::ree_case;

struct Row {
    year: i32,
    product: String,
    inflow: f64,
    stock: f64,
    outflow: f64,
    recycled: f64,
    primary: f64,
}

fn fixture() -> Vec<Row> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/flodym_R1_P3_1990_2089.csv.gz"
    );
    let file = std::fs::File::open(path).expect("fixture present");
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("gzip");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("year,region,product,inflow,stock,outflow,recycled_region,primary_region")
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 8, "{l}");
            assert_eq!(f[1], "0");
            let num = |i: usize| f[i].parse::<f64>().expect("number");
            Row {
                year: f[0].parse().expect("year"),
                product: f[2].to_owned(),
                inflow: num(3),
                stock: num(4),
                outflow: num(5),
                recycled: num(6),
                primary: num(7),
            }
        })
        .collect()
}

fn rel(ours: f64, theirs: f64) -> f64 {
    if ours == theirs {
        0.0
    } else {
        (ours - theirs).abs() / theirs.abs()
    }
}

#[derive(Default, Debug)]
struct Worst {
    inflow: (f64, String),
    stock: (f64, String),
    outflow: (f64, String),
    recycled: (f64, String),
    primary: (f64, String),
}

fn track(slot: &mut (f64, String), e: f64, what: impl FnOnce() -> String) {
    if e > slot.0 {
        *slot = (e, what());
    }
}

#[test]
fn ree_case_matches_flodym_on_every_value() {
    let rows = fixture();
    assert_eq!(rows.len(), 300);
    let (system, inflow) = ree_case(1, 3, 1990, 2089).unwrap();
    let names: Vec<&str> = system.products().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["EV_motor", "wind_turbine", "electronics"]);
    let flows = system.run(&inflow).unwrap();
    let mut worst = Worst::default();
    for row in &rows {
        let t = (row.year - 1990) as usize;
        let p = names
            .iter()
            .position(|n| *n == row.product)
            .expect("product");
        let i = flows.cell(0, p, t);
        let j = flows.region(0, t);
        let at = || format!("{} {}", row.year, row.product);
        track(&mut worst.inflow, rel(flows.inflow[i], row.inflow), at);
        track(&mut worst.stock, rel(flows.stock[i], row.stock), at);
        track(&mut worst.outflow, rel(flows.outflow[i], row.outflow), at);
        track(
            &mut worst.recycled,
            rel(flows.recycled[j], row.recycled),
            at,
        );
        track(&mut worst.primary, rel(flows.primary[j], row.primary), at);
    }
    eprintln!("{worst:#?}");
    for (name, (e, at)) in [
        ("inflow", &worst.inflow),
        ("stock", &worst.stock),
        ("outflow", &worst.outflow),
        ("recycled", &worst.recycled),
        ("primary", &worst.primary),
    ] {
        assert!(e <= &1e-12, "{name}: relative error {e:e} at {at}");
    }
}
