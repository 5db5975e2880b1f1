//! Bundles the dashboard's front-end packages into the binary, from the npm registry
//! (`web/package.json`, installed with `npm ci --prefix web`), so that nothing is loaded from
//! the internet at run time:
//! * ECharts (`echarts.min.js`), the charts;
//! * the world map: Natural Earth 1:110m country outlines as TopoJSON (`world-atlas`), the
//!   TopoJSON decoder (`topojson-client`), and each country's ISO 3166 numeric code and a
//!   reference point (`world-countries`: `cca3`, `ccn3`, `latlng`), cut down here to what the
//!   page needs.
//!
//! Without them (no `npm ci` before the build) small stand-ins are written that tell the page
//! so; the API and the tables still work. `CHOKEPOINT_ECHARTS` can name another copy of
//! `echarts.min.js`.
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let modules = manifest.join("../../web/node_modules");
    // The node_modules folder appearing (npm ci after a first build) must rebuild too.
    println!("cargo:rerun-if-changed={}", modules.display());
    println!("cargo:rerun-if-env-changed=CHOKEPOINT_ECHARTS");

    let echarts = std::env::var_os("CHOKEPOINT_ECHARTS")
        .map(PathBuf::from)
        .unwrap_or(modules.join("echarts/dist/echarts.min.js"));
    let charts = copy(
        &echarts,
        &out.join("echarts.min.js"),
        "/* ECharts was not bundled: run `npm ci --prefix web` and rebuild. */\nwindow.CHOKEPOINT_NO_CHARTS = true;\n",
    );
    let outlines = copy(
        &modules.join("world-atlas/countries-110m.json"),
        &out.join("world-110m.json"),
        "null",
    );
    let decoder = copy(
        &modules.join("topojson-client/dist/topojson-client.min.js"),
        &out.join("topojson-client.min.js"),
        "/* topojson-client was not bundled */\n",
    );
    let points = country_points(
        &modules.join("world-countries/countries.json"),
        &out.join("country-points.json"),
    );
    if !charts {
        println!(
            "cargo:warning=dashboard charts not bundled ({} not found): run `npm ci --prefix web` before building",
            echarts.display()
        );
    }
    println!(
        "cargo:rustc-env=CHOKEPOINT_ECHARTS_BUNDLED={}",
        if charts { "1" } else { "0" }
    );
    println!(
        "cargo:rustc-env=CHOKEPOINT_MAP_BUNDLED={}",
        if outlines && decoder && points {
            "1"
        } else {
            "0"
        }
    );
}

/// Copies `from` to `to`, or writes `stub` there; true when the real file was copied.
fn copy(from: &Path, to: &Path, stub: &str) -> bool {
    println!("cargo:rerun-if-changed={}", from.display());
    if std::fs::copy(from, to).is_ok() {
        return true;
    }
    if let Err(e) = std::fs::write(to, stub) {
        println!("cargo:warning=cannot write {}: {e}", to.display());
    }
    false
}

/// `{"JPN": {"n": "392", "at": [lat, lon]}, ...}` from world-countries' table (1.4 MB, of
/// which the page needs a few kilobytes); `{}` when the package is missing or unreadable.
fn country_points(from: &Path, to: &Path) -> bool {
    println!("cargo:rerun-if-changed={}", from.display());
    let table: Option<Vec<serde_json::Value>> = std::fs::read(from)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let mut points = serde_json::Map::new();
    for c in table.iter().flatten() {
        let (Some(a3), Some(n3), Some(at)) = (
            c.get("cca3").and_then(|v| v.as_str()),
            c.get("ccn3").and_then(|v| v.as_str()),
            c.get("latlng").and_then(|v| v.as_array()),
        ) else {
            continue;
        };
        points.insert(a3.to_string(), serde_json::json!({"n": n3, "at": at}));
    }
    let ok = !points.is_empty();
    let body = serde_json::Value::Object(points).to_string();
    if let Err(e) = std::fs::write(to, body) {
        println!("cargo:warning=cannot write {}: {e}", to.display());
        return false;
    }
    ok
}
