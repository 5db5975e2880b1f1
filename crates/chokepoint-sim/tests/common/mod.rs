//! Fixture helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;

/// Path of a fixture copied into this crate (CI runs without /work/shared).
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Reads a gzipped CSV into (header, rows of strings).
pub fn read_gz_csv(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let f = std::fs::File::open(fixture(name)).expect("fixture present");
    let mut s = String::new();
    flate2::read::GzDecoder::new(f)
        .read_to_string(&mut s)
        .expect("gzip");
    let mut rdr = csv::Reader::from_reader(s.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = rdr
        .records()
        .map(|r| r.expect("row").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// Input series of a case: column name -> values.
pub fn read_inputs(case: &str) -> HashMap<String, Vec<f64>> {
    let (h, rows) = read_gz_csv(&format!("stockpyl_{case}_T1000_seed42_inputs.csv.gz"));
    let mut out: HashMap<String, Vec<f64>> = HashMap::new();
    for (j, name) in h.iter().enumerate() {
        out.insert(
            name.clone(),
            rows.iter()
                .map(|r| r[j].parse::<f64>().expect("number"))
                .collect(),
        );
    }
    out
}

pub fn bools(v: &[f64]) -> Vec<bool> {
    v.iter().map(|&x| x != 0.0).collect()
}
