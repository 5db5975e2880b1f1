//! The HTTP API on the bundled world, through the router (no socket) and once over a real
//! loopback socket.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chokepoint_server::{Context, Shared, router};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn context(store: &Path) -> Context {
    let world = chokepoint_data::load(&[root().join("data").as_path()])
        .map(|l| l.world)
        .unwrap_or_else(|d| panic!("{d:#?}"));
    let timeline = chokepoint_rules::Timeline::from_toml(
        &std::fs::read_to_string(root().join("data/policy/measures.toml")).unwrap(),
        "measures.toml",
    )
    .unwrap();
    let mut scenarios = std::collections::BTreeMap::new();
    for e in std::fs::read_dir(root().join("data/scenarios")).unwrap() {
        let p = e.unwrap().path();
        let id = p.file_stem().unwrap().to_string_lossy().to_string();
        if chokepoint_scenario::longrun::is_long_run_id(&id) {
            continue;
        }
        scenarios.insert(id, std::fs::read_to_string(&p).unwrap());
    }
    Context {
        world,
        timeline,
        scenarios,
        store: store.to_path_buf(),
        program: "chokepoint test".into(),
        dataset: "bundled".into(),
        dataset_hash: "test".into(),
        today: "2026-12-07".parse().unwrap(),
        now: || "2026-12-07T00:00:00Z".into(),
    }
}

async fn call(
    app: &axum::Router,
    req: Request<Body>,
) -> (StatusCode, serde_json::Value, axum::http::HeaderMap) {
    let r = app.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .unwrap();
    let v = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, v, headers)
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn post_json(uri: &str, v: serde_json::Value) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(v.to_string()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_goes_from_202_to_done_and_its_result_matches_the_application_layer() {
    let dir = tempfile::tempdir().unwrap();
    let shared = Shared::new(context(&dir.path().join("runs.sqlite")), None, 4, true);
    let app = router(shared);
    let (s, v, _) = call(&app, get("/api/health")).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (s, v, _) = call(&app, get("/api/scenarios")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == "licensing-2025-04")
    );
    let (s, v, _) = call(&app, get("/api/dataset")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["facilities"].as_array().unwrap().len() > 50);
    // Start a small run of a bundled scenario.
    let text = std::fs::read_to_string(root().join("data/scenarios/heavy-ban-12m.toml"))
        .unwrap()
        .replace("horizon_days = 545", "horizon_days = 60");
    let (s, v, _) = call(
        &app,
        post_json(
            "/api/runs",
            serde_json::json!({"toml": text, "runs": 16, "seed": 3}),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let mut state = String::new();
    for _ in 0..600 {
        let (_, v, _) = call(&app, get(&format!("/api/runs/{id}"))).await;
        state = v["state"].as_str().unwrap().to_string();
        if state == "done" || state == "failed" {
            assert_eq!(v["progress"]["total"], 16);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(state, "done");
    // The event stream of a finished run ends with its final state.
    let r = app
        .clone()
        .oneshot(get(&format!("/api/runs/{id}/events")))
        .await
        .unwrap();
    assert_eq!(
        r.headers().get("content-type").unwrap(),
        "text/event-stream"
    );
    let body = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .unwrap();
    let events = String::from_utf8_lossy(&body);
    assert!(
        events.contains("event: done") && events.contains("\"total\":16"),
        "{events}"
    );
    let (s, result, _) = call(&app, get(&format!("/api/runs/{id}/result"))).await;
    assert_eq!(s, StatusCode::OK);
    // The same request through the application layer gives the same numbers.
    let ctx = context(&dir.path().join("other.sqlite"));
    let opts = chokepoint_app::simulate::SimulateOptions {
        runs: Some(16),
        seed: Some(3),
        ..Default::default()
    };
    let direct =
        chokepoint_app::simulate::run(&ctx.world, &ctx.timeline, &text, "request", &opts, &|| {})
            .unwrap();
    // (compared within 1e-12: a JSON round trip of a float may move its last digit)
    let served = result["sectors"].as_array().unwrap();
    assert_eq!(served.len(), direct.report.sectors.len());
    for (a, b) in served.iter().zip(&direct.report.sectors) {
        assert_eq!(a["sector"], b.sector.as_str());
        assert_eq!(a["country"], b.country.as_str());
        let x = a["lost_units"]["mean"].as_f64().unwrap();
        assert!(
            (x - b.lost_units.mean).abs() <= 1e-12 * b.lost_units.mean.abs().max(1.0),
            "{x} {}",
            b.lost_units.mean
        );
    }
    assert!(
        direct
            .report
            .sectors
            .iter()
            .any(|s| s.lost_units.mean > 0.0)
    );
    let (_, list, _) = call(&app, get("/api/runs")).await;
    assert_eq!(list[0]["id"], id);
    // Errors are JSON with stable codes.
    let (s, v, _) = call(&app, get("/api/runs/999999")).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (s, v, _) = call(
        &app,
        post_json("/api/runs", serde_json::json!({"scenario": "nope"})),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let bad = Request::post("/api/scenarios/validate")
        .body(Body::from("id = 3"))
        .unwrap();
    let (s, v, _) = call(&app, bad).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_scenario"))
    );
    let (s, v, _) = call(
        &app,
        post_json(
            "/api/runs",
            serde_json::json!({"scenario": "baseline", "runs": 0}),
        ),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let big = Request::post("/api/scenarios/validate")
        .body(Body::from(vec![b'a'; chokepoint_server::MAX_BODY + 10]))
        .unwrap();
    let r = app.clone().oneshot(big).await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_429_and_a_queued_run_can_be_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    // No worker: the queue (2 places) fills.
    let app = router(Shared::new(
        context(&dir.path().join("runs.sqlite")),
        None,
        2,
        false,
    ));
    let req = || {
        post_json(
            "/api/runs",
            serde_json::json!({"scenario": "baseline", "runs": 16}),
        )
    };
    let (a, v1, _) = call(&app, req()).await;
    let (b, _, _) = call(&app, req()).await;
    assert_eq!((a, b), (StatusCode::ACCEPTED, StatusCode::ACCEPTED));
    let (s, v, h) = call(&app, req()).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("queue_full"))
    );
    assert_eq!(h.get("retry-after").unwrap(), "10");
    let id = v1["id"].as_i64().unwrap();
    let del = Request::delete(format!("/api/runs/{id}"))
        .body(Body::empty())
        .unwrap();
    let (s, v, _) = call(&app, del).await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    let (_, v, _) = call(&app, get(&format!("/api/runs/{id}"))).await;
    assert_eq!(v["run"]["status"], "failed");
    assert_eq!(v["state"], "cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licence_policy_openapi_and_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let app = router(Shared::new(
        context(&dir.path().join("runs.sqlite")),
        None,
        2,
        false,
    ));
    let bom = std::fs::read_to_string(root().join("examples/bom/jp_ev_motor.toml")).unwrap();
    let (s, v, _) = call(
        &app,
        post_json(
            "/api/licence/check",
            serde_json::json!({"bom": bom, "date": "2026-12-01", "trace": true}),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v[0]["verdict"]["licence"], "required");
    assert!(v[0]["origin"][0].as_str().unwrap().contains("traced"));
    let (s, v, _) = call(
        &app,
        post_json(
            "/api/licence/check",
            serde_json::json!({"bom": bom, "to": "XXX"}),
        ),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("valid codes")
    );
    let (s, v, _) = call(&app, get("/api/policy/at?date=2025-06-01")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v["measures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["measure"]["id"] == "mofcom-2025-18"),
        "{v}"
    );
    let (s, v, _) = call(&app, get("/api/concentration?element=Dy")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|r| r["stage"] == "separation"),
        "{v}"
    );
    let (s, v, _) = call(&app, get("/api/concentration?edition=mcs1999")).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (s, v, _) = call(
        &app,
        get("/api/chokepoints?runner=flow&kinds=facility&top=3&duration=30"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["ranking"]["top"].as_array().unwrap().len(), 3);
    let (_, run, _) = call(&app, get(&format!("/api/runs/{}", v["run"]))).await;
    assert_eq!(run["run"]["kind"], "chokepoints");
    assert_eq!(run["run"]["status"], "done");
    let (s, v, _) = call(&app, get("/api/chokepoints?kinds=planet")).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (s, v, _) = call(&app, get("/openapi.json")).await;
    assert_eq!(s, StatusCode::OK);
    for p in [
        "/api/runs",
        "/api/runs/{id}/events",
        "/api/licence/check",
        "/api/policy/at",
        "/api/chokepoints",
        "/api/concentration",
    ] {
        assert!(
            v["paths"][p].is_object(),
            "{p} missing from the OpenAPI document"
        );
    }
    // With a token every /api request needs it.
    let locked = router(Shared::new(
        context(&dir.path().join("runs.sqlite")),
        Some("s3cret".into()),
        2,
        false,
    ));
    let (s, v, _) = call(&locked, get("/api/health")).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let ok = Request::get("/api/health")
        .header("authorization", "Bearer s3cret")
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&locked, ok).await.0, StatusCode::OK);
    // A non-loopback bind without a token is refused.
    assert!(chokepoint_server::check_bind("0.0.0.0:8080".parse().unwrap(), None).is_err());
    assert!(chokepoint_server::check_bind("0.0.0.0:8080".parse().unwrap(), Some("t")).is_ok());
    assert!(chokepoint_server::check_bind("127.0.0.1:8080".parse().unwrap(), None).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_answers_over_a_real_loopback_socket() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let shared: Arc<Shared> = Shared::new(context(&dir.path().join("runs.sqlite")), None, 2, false);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(shared)).await });
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    c.write_all(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    c.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.contains("\"status\":\"ok\""), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_is_served_from_the_binary_and_its_data_stays_behind_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir.path().join("runs.sqlite"));
    let app = router(Shared::new(ctx, Some("s3cret".into()), 2, false));
    let body_of = |r: axum::response::Response| async move {
        let h = r.headers().clone();
        let b = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        (h, String::from_utf8_lossy(&b).to_string())
    };
    // The page and its assets carry no data: no token needed.
    let r = app.clone().oneshot(get("/")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (h, page) = body_of(r).await;
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.contains("/assets/app.js") && page.contains("/assets/echarts.min.js"));
    // The page loads nothing from another origin.
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "{page}"
    );
    for (asset, kind) in [
        ("app.js", "text/javascript"),
        ("app.css", "text/css"),
        ("echarts.min.js", "text/javascript"),
    ] {
        let r = app
            .clone()
            .oneshot(get(&format!("/assets/{asset}")))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{asset}");
        let (h, text) = body_of(r).await;
        assert!(
            h["content-type"].to_str().unwrap().starts_with(kind),
            "{asset}"
        );
        assert!(h.contains_key("content-security-policy"), "{asset}");
        assert!(!text.is_empty(), "{asset}");
    }
    // The script asks only this server's API.
    let (_, js) = body_of(app.clone().oneshot(get("/assets/app.js")).await.unwrap()).await;
    assert!(js.contains("\"/api/dataset\"") && js.contains("/api/runs"));
    let (s, _, _) = call(&app, get("/assets/../data/demand.csv")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = call(&app, get("/assets/nothing.js")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The data still needs the token.
    let (s, v, _) = call(&app, get("/api/dataset")).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let with_token = Request::get("/api/dataset")
        .header("authorization", "Bearer s3cret")
        .body(Body::empty())
        .unwrap();
    let (s, _, _) = call(&app, with_token).await;
    assert_eq!(s, StatusCode::OK);
}

/// Malformed and hostile requests: each is a 4xx with the API's JSON error and a message that
/// names the problem, never a 500, a panic or a plain-text body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_hostile_requests_get_a_json_4xx_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let app = router(Shared::new(
        context(&dir.path().join("runs.sqlite")),
        None,
        2,
        false,
    ));
    let raw = |method: &str, uri: &str, ctype: Option<&str>, body: Vec<u8>| {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(c) = ctype {
            b = b.header("content-type", c);
        }
        b.body(Body::from(body)).unwrap()
    };
    let cases: Vec<(&str, Request<Body>, StatusCode, &str, &str)> = vec![
        (
            "id not a number",
            get("/api/runs/abc"),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "abc",
        ),
        (
            "traversal in a run id",
            get("/api/runs/..%2F..%2Fetc%2Fpasswd"),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "",
        ),
        (
            "traversal in a scenario id",
            get("/api/scenarios/..%2F..%2Fetc%2Fpasswd"),
            StatusCode::NOT_FOUND,
            "not_found",
            "no bundled or saved scenario",
        ),
        (
            "unknown path",
            get("/api/nothing-here"),
            StatusCode::NOT_FOUND,
            "not_found",
            "/api/nothing-here",
        ),
        (
            "wrong method",
            raw("PUT", "/api/runs", None, vec![]),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "",
        ),
        (
            "JSON that does not parse",
            raw(
                "POST",
                "/api/runs",
                Some("application/json"),
                b"{\"scenario\": ".to_vec(),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "",
        ),
        (
            "JSON of the wrong type",
            post_json(
                "/api/runs",
                serde_json::json!({"scenario": "baseline", "runs": "many"}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            "runs",
        ),
        (
            "no content type",
            raw("POST", "/api/runs", None, b"{}".to_vec()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "",
        ),
        (
            "TOML that does not parse",
            raw(
                "POST",
                "/api/scenarios/validate",
                Some("application/toml"),
                b"id = [unclosed".to_vec(),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_scenario",
            "",
        ),
        (
            "a run of TOML that does not parse",
            post_json("/api/runs", serde_json::json!({"toml": "id = [unclosed"})),
            StatusCode::BAD_REQUEST,
            "invalid_scenario",
            "",
        ),
        (
            "a body over the limit",
            raw(
                "POST",
                "/api/scenarios/validate",
                Some("application/toml"),
                vec![b'a'; chokepoint_server::MAX_BODY + 10],
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "",
        ),
        (
            "a bad date",
            get("/api/policy/at?date=2025-13-45"),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "",
        ),
        (
            "an unknown field",
            post_json(
                "/api/runs",
                serde_json::json!({"scenario": "baseline", "runz": 5}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            "runz",
        ),
        (
            "an unknown licence field",
            post_json(
                "/api/licence/check",
                serde_json::json!({"bom": "x", "destination": "DEU"}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            "destination",
        ),
        (
            "an unknown query parameter",
            get("/api/policy/at?date=2025-05-01&when=now"),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "when",
        ),
    ];
    for (what, req, status, code, needle) in cases {
        let (s, v, h) = call(&app, req).await;
        assert_eq!(s, status, "{what}: {v}");
        assert!(
            h.get("content-type")
                .and_then(|c| c.to_str().ok())
                .is_some_and(|c| c.starts_with("application/json")),
            "{what}: not JSON"
        );
        assert_eq!(v["error"]["code"].as_str(), Some(code), "{what}: {v}");
        let message = v["error"]["message"].as_str().unwrap_or("");
        assert!(
            !message.is_empty() && message.contains(needle),
            "{what}: {message}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_run_can_be_cancelled_and_stops_early() {
    let dir = tempfile::tempdir().unwrap();
    let app = router(Shared::new(
        context(&dir.path().join("runs.sqlite")),
        None,
        2,
        true,
    ));
    // Far more replications than the test waits for: only cancelling ends it in time.
    let (s, v, _) = call(
        &app,
        post_json(
            "/api/runs",
            serde_json::json!({"scenario": "licensing-2025-04", "runs": 100000, "seed": 1}),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let status = |app: axum::Router| async move {
        let (_, v, _) = call(&app, get(&format!("/api/runs/{id}"))).await;
        v
    };
    let t0 = std::time::Instant::now();
    loop {
        let v = status(app.clone()).await;
        if v["state"] == "running" && v["progress"]["done"].as_u64().unwrap_or(0) > 0 {
            break;
        }
        assert!(t0.elapsed().as_secs() < 120, "never started: {v}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let del = || {
        Request::delete(format!("/api/runs/{id}"))
            .body(Body::empty())
            .unwrap()
    };
    let (s, v, _) = call(&app, del()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["cancelling"], true);
    let v = loop {
        let v = status(app.clone()).await;
        if v["state"] != "running" {
            break v;
        }
        assert!(t0.elapsed().as_secs() < 120, "did not stop: {v}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(v["state"], "cancelled", "{v}");
    assert_eq!(v["run"]["status"], "failed");
    assert_eq!(v["run"]["message"], "cancelled while running");
    // It stopped early: far fewer replications than asked were run.
    assert!(v["progress"]["done"].as_u64().unwrap() < 100000, "{v}");
    // Nothing of it is reported, and it cannot be cancelled twice.
    let (s, _, _) = call(&app, get(&format!("/api/runs/{id}/result"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v, _) = call(&app, del()).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_posted_scenario_is_saved_listed_run_by_name_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let app = router(Shared::new(
        context(&dir.path().join("runs.sqlite")),
        None,
        2,
        true,
    ));
    let toml_post = |body: String| {
        Request::post("/api/scenarios")
            .header("content-type", "application/toml")
            .body(Body::from(body))
            .unwrap()
    };
    let baseline = std::fs::read_to_string(root().join("data/scenarios/baseline.toml")).unwrap();
    let mine = baseline
        .replacen("id = \"baseline\"", "id = \"my-short-baseline\"", 1)
        .replacen("horizon_days = 365", "horizon_days = 30", 1);
    assert_ne!(mine, baseline);
    let (s, v, _) = call(&app, toml_post(mine.clone())).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["id"], "my-short-baseline");

    let (_, list, _) = call(&app, get("/api/scenarios")).await;
    let item = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "my-short-baseline")
        .cloned()
        .unwrap();
    assert_eq!(
        (item["origin"].as_str(), item["horizon_days"].as_i64()),
        (Some("saved"), Some(30))
    );
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == "baseline" && x["origin"] == "bundled")
    );
    let (_, one, _) = call(&app, get("/api/scenarios/my-short-baseline")).await;
    assert_eq!(one["toml"].as_str(), Some(mine.as_str()));

    // Saved scenarios are immutable; bundled ids are taken; ids are plain names.
    let (s, v, _) = call(&app, toml_post(mine.clone())).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
    let (s, _, _) = call(&app, toml_post(baseline.clone())).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let odd = baseline.replacen("id = \"baseline\"", "id = \"../Etc\"", 1);
    let (s, v, _) = call(&app, toml_post(odd)).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_scenario"))
    );

    // It runs by name, and the run records its text.
    let (s, v, _) = call(
        &app,
        post_json(
            "/api/runs",
            serde_json::json!({"scenario": "my-short-baseline", "runs": 2}),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let t0 = std::time::Instant::now();
    loop {
        let (_, v, _) = call(&app, get(&format!("/api/runs/{id}"))).await;
        if v["state"] == "done" {
            assert_eq!(v["run"]["label"], "my-short-baseline");
            break;
        }
        assert_ne!(v["state"], "failed", "{v}");
        assert!(t0.elapsed().as_secs() < 120, "{v}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let del = |id: &str| {
        Request::delete(format!("/api/scenarios/{id}"))
            .body(Body::empty())
            .unwrap()
    };
    let (s, _, _) = call(&app, del("baseline")).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _, _) = call(&app, del("my-short-baseline")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = call(&app, get("/api/scenarios/my-short-baseline")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = call(&app, del("my-short-baseline")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
