//! Bundles the dashboard's chart library into the binary: ECharts from the npm registry
//! (`web/package.json`, installed with `npm ci --prefix web`), copied into `OUT_DIR` so that
//! `include_bytes!` embeds it and nothing is loaded from the internet at run time. Without it
//! (no `npm ci` before the build) a small script stands in that tells the page so; the API and
//! the tables still work. `CHOKEPOINT_ECHARTS` can name another copy of `echarts.min.js`.
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let default = manifest.join("../../web/node_modules/echarts/dist/echarts.min.js");
    let source = std::env::var_os("CHOKEPOINT_ECHARTS")
        .map(PathBuf::from)
        .unwrap_or(default);
    println!("cargo:rerun-if-env-changed=CHOKEPOINT_ECHARTS");
    println!("cargo:rerun-if-changed={}", source.display());
    // The node_modules folder appearing (npm ci after a first build) must rebuild too.
    println!(
        "cargo:rerun-if-changed={}",
        manifest.join("../../web/node_modules").display()
    );
    let target = out.join("echarts.min.js");
    let bundled = std::fs::copy(&source, &target).is_ok();
    if !bundled {
        let stub = "/* ECharts was not bundled: run `npm ci --prefix web` and rebuild. */\nwindow.CHOKEPOINT_NO_CHARTS = true;\n";
        if let Err(e) = std::fs::write(&target, stub) {
            println!("cargo:warning=cannot write {}: {e}", target.display());
        }
        println!(
            "cargo:warning=dashboard charts not bundled ({} not found): run `npm ci --prefix web` before building",
            source.display()
        );
    }
    println!(
        "cargo:rustc-env=CHOKEPOINT_ECHARTS_BUNDLED={}",
        if bundled { "1" } else { "0" }
    );
}
