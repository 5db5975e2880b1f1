//! The web dashboard: one page and its script, style and chart library, embedded in the binary
//! at build time (see `build.rs`), served beside the API by the same router. The page holds no
//! data of its own: every number it shows comes from the `/api` routes, so what it shows and
//! what the API answers cannot drift apart (the browser tests in `web/tests/` check it).
//!
//! Invariant: nothing here is fetched from the network at run time; the assets are
//! `include_*!`'d and answered with a content type and a cache validator (the build's version).

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const INDEX: &str = include_str!("../../../web/src/index.html");
const APP_JS: &str = include_str!("../../../web/src/app.js");
const APP_CSS: &str = include_str!("../../../web/src/app.css");
const ECHARTS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/echarts.min.js"));
const WORLD_OUTLINES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/world-110m.json"));
const TOPOJSON: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/topojson-client.min.js"));
const COUNTRY_POINTS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/country-points.json"));

/// Whether the chart library was bundled at build time (else the page shows tables only).
pub const CHARTS_BUNDLED: bool = matches!(env!("CHOKEPOINT_ECHARTS_BUNDLED").as_bytes(), b"1");

/// Whether the world map's outlines and country points were bundled (else the world page
/// shows its charts and tables without the map).
pub const MAP_BUNDLED: bool = matches!(env!("CHOKEPOINT_MAP_BUNDLED").as_bytes(), b"1");

/// The dashboard's routes: `/` and `/assets/{name}`.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/assets/{name}", get(asset))
}

async fn index() -> Response {
    with_type(INDEX.as_bytes(), "text/html; charset=utf-8")
}

async fn asset(Path(name): Path<String>) -> Response {
    match name.as_str() {
        "app.js" => with_type(APP_JS.as_bytes(), "text/javascript; charset=utf-8"),
        "app.css" => with_type(APP_CSS.as_bytes(), "text/css; charset=utf-8"),
        "echarts.min.js" => with_type(ECHARTS, "text/javascript; charset=utf-8"),
        "topojson-client.min.js" => with_type(TOPOJSON, "text/javascript; charset=utf-8"),
        "world-110m.json" => with_type(WORLD_OUTLINES, "application/json"),
        "country-points.json" => with_type(COUNTRY_POINTS, "application/json"),
        _ => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

fn with_type(body: &'static [u8], content_type: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The assets change only with the binary: revalidate by version, never serve stale.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", env!("CARGO_PKG_VERSION"))) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'",
        ),
    );
    r
}
