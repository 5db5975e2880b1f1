//! The HTTP API: the dataset, the scenarios, runs as queued jobs with progress (polling or
//! server-sent events), their results from the run store, the licence check, the policy at a
//! date, and `/openapi.json`. Every answer comes from the application layer (`chokepoint-app`)
//! and the run store (`chokepoint-store`); nothing here reimplements them.
//!
//! Errors are JSON with a stable code: `{"error": {"code": "invalid_scenario", "message": ...}}`
//! (codes: `not_found`, `invalid_request`, `invalid_scenario`, `invalid_bom`, `queue_full`,
//! `unauthorized`, `conflict`, `internal`). Bodies are limited to [`MAX_BODY`] bytes. The job queue
//! is bounded: a full queue answers 429 with `Retry-After`. Binding to anything but loopback needs
//! a bearer token (checked by [`check_bind`]); with a token every `/api` request must carry it.
//!
//! Invariants: a run is recorded in the store before its 202 is sent, so its id is the store's;
//! one job runs at a time (a run already uses every core through rayon); a queued job can be
//! cancelled, a running one finishes.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chokepoint_core::World;
use chokepoint_rules::Timeline;
use chokepoint_store::{NewRun, Store};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use utoipa::OpenApi;

pub mod dashboard;

/// Largest request body accepted (a scenario or a BOM), bytes.
pub const MAX_BODY: usize = 1 << 20;

/// What the server serves from: the loaded world and rules, the bundled scenarios, the store.
#[derive(Debug)]
pub struct Context {
    pub world: World,
    pub timeline: Timeline,
    /// Bundled scenarios by id: their TOML text.
    pub scenarios: BTreeMap<String, String>,
    pub store: PathBuf,
    /// Program name and version, recorded with each run.
    pub program: String,
    pub dataset: String,
    pub dataset_hash: String,
    /// The date used when a request gives none (the front end's clock).
    pub today: chokepoint_core::Date,
    /// The clock for run records (RFC 3339); the front end supplies it.
    pub now: fn() -> String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

#[derive(Debug)]
struct Job {
    state: Mutex<JobState>,
    /// Set by `DELETE` while the job runs; the simulation stops at its next replication.
    cancel: AtomicBool,
    done: AtomicU64,
    total: u64,
    request: RunRequest,
}

/// The server's state.
#[derive(Debug)]
pub struct Shared {
    ctx: Context,
    token: Option<String>,
    jobs: Mutex<HashMap<i64, Arc<Job>>>,
    queue: mpsc::Sender<i64>,
}

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("--bind {0}: binding to a non-loopback address needs --token (bearer authentication)")]
    NeedsToken(SocketAddr),
    #[error("--bind {addr}: {message}")]
    Bind { addr: SocketAddr, message: String },
    #[error("serving: {0}")]
    Serve(String),
}

/// A non-loopback address needs a token.
pub fn check_bind(addr: SocketAddr, token: Option<&str>) -> Result<(), ServeError> {
    if !addr.ip().is_loopback() && token.is_none_or(str::is_empty) {
        return Err(ServeError::NeedsToken(addr));
    }
    Ok(())
}

impl Shared {
    /// The state with a job queue of `queue` places; the worker runs the jobs when
    /// `start_worker` (tests leave it off to fill the queue).
    pub fn new(
        ctx: Context,
        token: Option<String>,
        queue: usize,
        start_worker: bool,
    ) -> Arc<Shared> {
        let (tx, rx) = mpsc::channel(queue.max(1));
        let shared = Arc::new(Shared {
            ctx,
            token,
            jobs: Mutex::new(HashMap::new()),
            queue: tx,
        });
        if start_worker {
            tokio::spawn(worker(shared.clone(), rx));
        } else {
            // Keep the receiver alive so the queue fills instead of closing.
            std::mem::forget(rx);
        }
        shared
    }
}

/// The API's routes.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/dataset", get(dataset))
        .route("/api/scenarios", get(scenarios).post(save_scenario))
        .route("/api/scenarios/validate", post(validate))
        .route("/api/scenarios/{id}", get(scenario).delete(remove_scenario))
        .route("/api/runs", get(list_runs).post(start_run))
        .route("/api/runs/{id}", get(run_status).delete(cancel_run))
        .route("/api/runs/{id}/events", get(run_events))
        .route("/api/runs/{id}/result", get(run_result))
        .route("/api/licence/check", post(licence_check))
        .route("/api/policy/at", get(policy_at))
        .route("/api/concentration", get(concentration))
        .route("/api/chokepoints", get(chokepoints))
        .route("/openapi.json", get(openapi))
        .merge(dashboard::routes())
        .fallback(unknown_path)
        .layer(axum::middleware::from_fn_with_state(shared.clone(), auth))
        .layer(axum::middleware::from_fn(json_errors))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared)
}

/// Binds `addr` (checked by [`check_bind`]); port 0 picks a free port, which
/// `local_addr()` then tells.
pub async fn bind(
    addr: SocketAddr,
    token: Option<&str>,
) -> Result<tokio::net::TcpListener, ServeError> {
    check_bind(addr, token)?;
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| ServeError::Bind {
            addr,
            message: e.to_string(),
        })
}

/// Serves `router` (the API and the dashboard) on `listener` until the process ends.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
) -> Result<(), ServeError> {
    axum::serve(listener, router(shared))
        .await
        .map_err(|e| ServeError::Serve(e.to_string()))
}

/// Binds `addr` and serves on it until the process ends.
pub async fn serve(addr: SocketAddr, shared: Arc<Shared>) -> Result<(), ServeError> {
    let listener = bind(addr, shared.token.as_deref()).await?;
    serve_on(listener, shared).await
}

// ---------------------------------------------------------------- errors

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u32>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }
    fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", what)
    }
    fn internal(e: impl std::fmt::Display) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
            },
        };
        let mut r = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}

type ApiResult<T> = Result<T, ApiError>;

fn open_store(shared: &Shared) -> ApiResult<Store> {
    Store::open(&shared.ctx.store).map_err(ApiError::internal)
}

async fn unknown_path(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!(
        "no resource at `{}` (GET /openapi.json lists them)",
        uri.path()
    ))
}

/// axum's own refusals (a path parameter that is not a number, a body that is not JSON or
/// lacks a field, a wrong method, a body over the limit) answer in plain text; under `/api`
/// they are rewritten here into the API's JSON error with a stable code, so that a client
/// handles every refusal one way.
async fn json_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = req.uri().path().starts_with("/api");
    let r = next.run(req).await;
    let status = r.status();
    let is_json = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return r;
    }
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_server_error() => "internal",
        _ => "invalid_request",
    };
    // Rejection bodies are short texts; anything longer is cut rather than buffered.
    let text = match axum::body::to_bytes(r.into_body(), 16 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().to_string(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("refused")
            .to_lowercase()
    } else {
        text
    };
    ApiError::new(status, code, message).into_response()
}

async fn auth(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    // The dashboard's page and assets carry no data (the page asks the API, with the token):
    // they are served without it.
    let guarded = req.uri().path().starts_with("/api") || req.uri().path() == "/openapi.json";
    if let Some(token) = shared.token.as_ref().filter(|_| guarded) {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given != Some(token.as_str()) {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this server needs `Authorization: Bearer <token>`",
            )
            .into_response();
        }
    }
    next.run(req).await
}

// ---------------------------------------------------------------- handlers

#[utoipa::path(get, path = "/api/health", responses((status = 200, description = "The server is up")))]
async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({"status": "ok"}))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct FacilityOut {
    id: String,
    name: String,
    country: String,
    stage: String,
    status: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct LaneOut {
    id: String,
    from: String,
    to: String,
    material: String,
    lead_time_days: u32,
    contracted_share: f64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct DatasetOut {
    dataset: String,
    dataset_hash: String,
    facilities: Vec<FacilityOut>,
    lanes: Vec<LaneOut>,
}

#[utoipa::path(get, path = "/api/dataset", responses((status = 200, body = DatasetOut)))]
async fn dataset(State(shared): State<Arc<Shared>>) -> axum::Json<DatasetOut> {
    let w = &shared.ctx.world;
    let facilities = w
        .facilities
        .values()
        .map(|f| FacilityOut {
            id: f.key.clone(),
            name: f.name.clone(),
            country: f.country.to_string(),
            stage: f.stage.to_string(),
            status: format!("{:?}", f.status).to_lowercase(),
        })
        .collect();
    let lanes = w
        .lanes
        .values()
        .map(|l| LaneOut {
            id: l.key.clone(),
            from: w.facilities.get(l.from).key.clone(),
            to: w.facilities.get(l.to).key.clone(),
            material: w.materials.get(l.material).key.clone(),
            lead_time_days: l.lead_time.0,
            contracted_share: l.contracted_share.fraction(),
        })
        .collect();
    axum::Json(DatasetOut {
        dataset: shared.ctx.dataset.clone(),
        dataset_hash: shared.ctx.dataset_hash.clone(),
        facilities,
        lanes,
    })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ScenarioListItem {
    id: String,
    title: String,
    start: String,
    horizon_days: i64,
    /// `bundled` (shipped with the dataset) or `saved` (posted to `/api/scenarios`).
    origin: &'static str,
}

#[utoipa::path(get, path = "/api/scenarios", responses((status = 200, body = [ScenarioListItem])))]
async fn scenarios(
    State(shared): State<Arc<Shared>>,
) -> ApiResult<axum::Json<Vec<ScenarioListItem>>> {
    let saved = open_store(&shared)?
        .scenarios()
        .map_err(ApiError::internal)?;
    let bundled = shared
        .ctx
        .scenarios
        .iter()
        .map(|(id, t)| (id, t, "bundled"));
    let items = bundled
        .chain(saved.iter().map(|s| (&s.id, &s.toml, "saved")))
        .filter_map(|(id, text, origin)| {
            let s = chokepoint_scenario::Scenario::parse(text, id).ok()?;
            Some(ScenarioListItem {
                id: id.clone(),
                title: s.title,
                start: s.start.to_string(),
                horizon_days: s.horizon_days,
                origin,
            })
        })
        .collect();
    Ok(axum::Json(items))
}

/// A scenario's text by id: a bundled one, else a saved one.
fn scenario_text(shared: &Shared, id: &str) -> ApiResult<(String, &'static str)> {
    if let Some(t) = shared.ctx.scenarios.get(id) {
        return Ok((t.clone(), "bundled"));
    }
    match open_store(shared)?.scenario(id) {
        Ok(s) => Ok((s.toml, "saved")),
        Err(chokepoint_store::StoreError::NoScenario(_)) => Err(ApiError::not_found(format!(
            "no bundled or saved scenario `{id}` (GET /api/scenarios lists them)"
        ))),
        Err(e) => Err(ApiError::internal(e)),
    }
}

/// An id a saved scenario may take: it is also a path segment and a run's label.
fn check_scenario_id(id: &str) -> ApiResult<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !id.starts_with(['-', '_']);
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_scenario",
            format!(
                "id: `{id}` cannot name a saved scenario: use 1 to 64 of a-z, 0-9, `-` and `_`, starting with a letter or digit"
            ),
        ))
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ScenarioSaved {
    id: String,
    title: String,
    hash: String,
    url: String,
}

#[utoipa::path(post, path = "/api/scenarios", request_body(content = String, content_type = "application/toml"),
    responses((status = 201, body = ScenarioSaved, description = "Validated and saved under the scenario's `id`"),
        (status = 400, body = ErrorBody), (status = 409, body = ErrorBody, description = "The id names a bundled or an already saved scenario")))]
async fn save_scenario(
    State(shared): State<Arc<Shared>>,
    body: String,
) -> ApiResult<(StatusCode, axum::Json<ScenarioSaved>)> {
    let (s, _) = chokepoint_app::simulate::parse(&body, "request", &shared.ctx.timeline)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_scenario", e.to_string()))?;
    chokepoint_scenario::compile(&shared.ctx.world, &s, "request")
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_scenario", e.to_string()))?;
    check_scenario_id(&s.id)?;
    if shared.ctx.scenarios.contains_key(&s.id) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "`{}` names a bundled scenario; save yours under another id",
                s.id
            ),
        ));
    }
    let saved = chokepoint_store::SavedScenario {
        id: s.id.clone(),
        title: s.title.clone(),
        hash: sha_of(&body),
        toml: body,
        created_at: (shared.ctx.now)(),
    };
    match open_store(&shared)?.save_scenario(&saved) {
        Ok(()) => {}
        Err(e @ chokepoint_store::StoreError::ScenarioExists(_)) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                e.to_string(),
            ));
        }
        Err(e) => return Err(ApiError::internal(e)),
    }
    Ok((
        StatusCode::CREATED,
        axum::Json(ScenarioSaved {
            url: format!("/api/scenarios/{}", saved.id),
            id: saved.id,
            title: saved.title,
            hash: saved.hash,
        }),
    ))
}

#[utoipa::path(delete, path = "/api/scenarios/{id}", params(("id" = String, Path)),
    responses((status = 200, description = "Removed (runs that ran it keep their copy)"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "A bundled scenario")))]
async fn remove_scenario(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    if shared.ctx.scenarios.contains_key(&id) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("`{id}` is bundled with the dataset and cannot be removed"),
        ));
    }
    match open_store(&shared)?.remove_scenario(&id) {
        Ok(()) => Ok(axum::Json(serde_json::json!({"id": id, "removed": true}))),
        Err(chokepoint_store::StoreError::NoScenario(_)) => {
            Err(ApiError::not_found(format!("no saved scenario `{id}`")))
        }
        Err(e) => Err(ApiError::internal(e)),
    }
}

#[utoipa::path(get, path = "/api/scenarios/{id}", params(("id" = String, Path)),
    responses((status = 200, description = "The scenario's TOML and its parsed form"), (status = 404, body = ErrorBody)))]
async fn scenario(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let (text, origin) = scenario_text(&shared, &id)?;
    let parsed = chokepoint_scenario::Scenario::parse(&text, &id).map_err(ApiError::internal)?;
    Ok(axum::Json(
        serde_json::json!({"id": id, "origin": origin, "toml": text, "scenario": parsed}),
    ))
}

#[utoipa::path(post, path = "/api/scenarios/validate", request_body(content = String, content_type = "application/toml"),
    responses((status = 200, description = "Valid: the notes of resolving it on the rule timeline"), (status = 400, body = ErrorBody)))]
async fn validate(
    State(shared): State<Arc<Shared>>,
    body: String,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let (s, notes) = chokepoint_app::simulate::parse(&body, "request", &shared.ctx.timeline)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_scenario", e.to_string()))?;
    chokepoint_scenario::compile(&shared.ctx.world, &s, "request")
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_scenario", e.to_string()))?;
    Ok(axum::Json(
        serde_json::json!({"valid": true, "id": s.id, "notes": notes}),
    ))
}

/// A run to start: a bundled scenario by id, or a scenario's TOML.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    pub scenario: Option<String>,
    pub toml: Option<String>,
    pub runs: Option<u32>,
    pub seed: Option<u64>,
    #[serde(default)]
    pub fixed_inputs: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct RunAccepted {
    id: i64,
    state: JobState,
    status_url: String,
    events_url: String,
}

#[utoipa::path(post, path = "/api/runs", request_body = RunRequest,
    responses((status = 202, body = RunAccepted), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody, description = "Queue full; see Retry-After")))]
async fn start_run(
    State(shared): State<Arc<Shared>>,
    axum::Json(req): axum::Json<RunRequest>,
) -> ApiResult<(StatusCode, axum::Json<RunAccepted>)> {
    let text = match (&req.scenario, &req.toml) {
        (Some(id), None) => scenario_text(&shared, id)?.0,
        (None, Some(t)) => t.clone(),
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "give exactly one of `scenario` (a bundled or saved id) and `toml` (a scenario's text)",
            ));
        }
    };
    if req.runs == Some(0) || req.runs.is_some_and(|r| r > 100_000) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "`runs` must be 1 to 100000",
        ));
    }
    // Validate before queueing: a bad scenario is the request's fault, not a failed run.
    let (s, _) = chokepoint_app::simulate::parse(&text, "request", &shared.ctx.timeline)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_scenario", e.to_string()))?;
    let permit = shared.queue.try_reserve().map_err(|_| ApiError {
        status: StatusCode::TOO_MANY_REQUESTS,
        code: "queue_full",
        message: "the run queue is full; retry later".into(),
        retry_after: Some(10),
    })?;
    let runs = req.runs.or(s.runs).unwrap_or(1000);
    let seed = req.seed.or(s.seed).unwrap_or(0);
    let store = open_store(&shared)?;
    let id = store
        .begin(&NewRun {
            kind: "simulate".into(),
            label: s.id.clone(),
            program: shared.ctx.program.clone(),
            dataset: shared.ctx.dataset.clone(),
            dataset_hash: shared.ctx.dataset_hash.clone(),
            scenario_hash: Some(sha_of(&text)),
            scenario_text: Some(text.clone()),
            options: serde_json::to_value(&req).map_err(ApiError::internal)?,
            seed: Some(seed),
            runs: Some(u64::from(runs)),
            threads: Some(rayon::current_num_threads() as u64),
            started_at: (shared.ctx.now)(),
        })
        .map_err(ApiError::internal)?;
    let mut req = req;
    req.toml = Some(text);
    let job = Arc::new(Job {
        state: Mutex::new(JobState::Queued),
        cancel: AtomicBool::new(false),
        done: AtomicU64::new(0),
        total: u64::from(runs),
        request: req,
    });
    shared
        .jobs
        .lock()
        .map_err(ApiError::internal)?
        .insert(id, job);
    permit.send(id);
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(RunAccepted {
            id,
            state: JobState::Queued,
            status_url: format!("/api/runs/{id}"),
            events_url: format!("/api/runs/{id}/events"),
        }),
    ))
}

fn sha_of(text: &str) -> String {
    // A content hash to tell scenario texts apart in the store (FNV-1a 64: no cryptographic
    // claim; the CLI records SHA-256).
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("fnv1a64:{h:016x}")
}

async fn worker(shared: Arc<Shared>, mut rx: mpsc::Receiver<i64>) {
    while let Some(id) = rx.recv().await {
        let Some(job) = shared.jobs.lock().ok().and_then(|j| j.get(&id).cloned()) else {
            continue;
        };
        {
            let Ok(mut st) = job.state.lock() else {
                continue;
            };
            if *st == JobState::Cancelled {
                continue;
            }
            *st = JobState::Running;
        }
        let s2 = shared.clone();
        let j2 = job.clone();
        let outcome = tokio::task::spawn_blocking(move || run_job(&s2, id, &j2)).await;
        let state = match outcome {
            Ok(Ok(end)) => end,
            _ => JobState::Failed,
        };
        if let Ok(mut st) = job.state.lock() {
            *st = state;
        }
    }
}

/// Runs a job and records its end; `Ok` with the state it ended in (done, or cancelled while
/// running), `Err` when it failed.
fn run_job(shared: &Shared, id: i64, job: &Job) -> Result<JobState, String> {
    let ctx = &shared.ctx;
    let req = &job.request;
    let text = req.toml.clone().unwrap_or_default();
    let opts = chokepoint_app::simulate::SimulateOptions {
        runs: req.runs,
        seed: req.seed,
        fixed_inputs: req.fixed_inputs,
        replay: false,
        replay_replication: None,
    };
    let result = chokepoint_app::simulate::run_until(
        &ctx.world,
        &ctx.timeline,
        &text,
        "request",
        &opts,
        &|| {
            job.done.fetch_add(1, Ordering::Relaxed);
        },
        &job.cancel,
    );
    let mut store = Store::open(&ctx.store).map_err(|e| e.to_string())?;
    match result {
        Ok(sim) => {
            let summary = serde_json::to_value(&sim.report).map_err(|e| e.to_string())?;
            store
                .finish(id, &(ctx.now)(), &[("summary", summary)], &[])
                .map_err(|e| e.to_string())?;
            Ok(JobState::Done)
        }
        Err(chokepoint_app::AppError::Cancelled) => {
            store
                .fail(id, &(ctx.now)(), "cancelled while running")
                .map_err(|e| e.to_string())?;
            Ok(JobState::Cancelled)
        }
        Err(e) => {
            let m = e.to_string();
            store
                .fail(id, &(ctx.now)(), &m)
                .map_err(|e| e.to_string())?;
            Err(m)
        }
    }
}

#[utoipa::path(get, path = "/api/runs", responses((status = 200, description = "Every recorded run, newest first")))]
async fn list_runs(State(shared): State<Arc<Shared>>) -> ApiResult<axum::Json<serde_json::Value>> {
    let rows = open_store(&shared)?.list().map_err(ApiError::internal)?;
    Ok(axum::Json(
        serde_json::to_value(rows).map_err(ApiError::internal)?,
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Progress {
    done: u64,
    total: u64,
}

fn job_view(shared: &Shared, id: i64) -> Option<(JobState, Progress)> {
    let job = shared.jobs.lock().ok()?.get(&id).cloned()?;
    let state = *job.state.lock().ok()?;
    Some((
        state,
        Progress {
            done: job.done.load(Ordering::Relaxed).min(job.total),
            total: job.total,
        },
    ))
}

#[utoipa::path(get, path = "/api/runs/{id}", params(("id" = i64, Path)),
    responses((status = 200, description = "The run's record, job state and progress"), (status = 404, body = ErrorBody)))]
async fn run_status(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let row = match open_store(&shared)?.get(id) {
        Ok(r) => r,
        Err(chokepoint_store::StoreError::NoRun(_)) => {
            return Err(ApiError::not_found(format!("no run {id}")));
        }
        Err(e) => return Err(ApiError::internal(e)),
    };
    let (state, progress) = job_view(&shared, id).unwrap_or_else(|| {
        // A run from another process or an earlier server: its record is the truth.
        let state = match row.status.as_str() {
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            _ => JobState::Running,
        };
        let n = row.runs.map_or(0, |r| u64::try_from(r).unwrap_or(0));
        (
            state,
            Progress {
                done: if state == JobState::Done { n } else { 0 },
                total: n,
            },
        )
    });
    Ok(axum::Json(
        serde_json::json!({"run": row, "state": state, "progress": progress}),
    ))
}

#[utoipa::path(delete, path = "/api/runs/{id}", params(("id" = i64, Path)),
    responses((status = 200, description = "Cancelled (it was queued), or cancelling (it was running: it stops at its next replication and ends `cancelled`)"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "Already finished")))]
async fn cancel_run(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let job = shared
        .jobs
        .lock()
        .map_err(ApiError::internal)?
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("no job {id} on this server")))?;
    let mut st = job.state.lock().map_err(ApiError::internal)?;
    match *st {
        JobState::Queued => {
            *st = JobState::Cancelled;
            drop(st);
            open_store(&shared)?
                .fail(id, &(shared.ctx.now)(), "cancelled before it started")
                .map_err(ApiError::internal)?;
            Ok(axum::Json(
                serde_json::json!({"id": id, "state": JobState::Cancelled}),
            ))
        }
        JobState::Running => {
            // The simulation sees the flag at its next replication and the worker records
            // the run as cancelled; until then the job reads `running`.
            job.cancel.store(true, Ordering::Relaxed);
            Ok(axum::Json(
                serde_json::json!({"id": id, "state": JobState::Running, "cancelling": true}),
            ))
        }
        s => Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("run {id} is {s:?} already; only a queued or running run can be cancelled")
                .to_lowercase(),
        )),
    }
}

#[utoipa::path(get, path = "/api/runs/{id}/events", params(("id" = i64, Path)),
    responses((status = 200, description = "Server-sent events: `progress` {done, total} until a final `done`, `failed` or `cancelled`")))]
async fn run_events(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<i64>,
) -> ApiResult<Sse<impl tokio_stream::Stream<Item = Result<Event, std::convert::Infallible>>>> {
    if job_view(&shared, id).is_none() {
        return Err(ApiError::not_found(format!("no job {id} on this server")));
    }
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        while let Some((state, p)) = job_view(&shared, id) {
            let data = serde_json::json!({"done": p.done, "total": p.total}).to_string();
            let finished = matches!(
                state,
                JobState::Done | JobState::Failed | JobState::Cancelled
            );
            let name = if finished {
                format!("{state:?}").to_lowercase()
            } else {
                "progress".to_string()
            };
            if tx
                .send(Ok(Event::default().event(name).data(data)))
                .await
                .is_err()
                || finished
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    });
    Ok(Sse::new(tokio_stream::wrappers::ReceiverStream::new(rx)).keep_alive(KeepAlive::default()))
}

#[utoipa::path(get, path = "/api/runs/{id}/result", params(("id" = i64, Path)),
    responses((status = 200, description = "The run's summary report"), (status = 404, body = ErrorBody)))]
async fn run_result(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    match open_store(&shared)?.result(id, "summary") {
        Ok(Some(v)) => Ok(axum::Json(v)),
        Ok(None) => Err(ApiError::not_found(format!("run {id} has no result (yet)"))),
        Err(chokepoint_store::StoreError::NoRun(_)) => {
            Err(ApiError::not_found(format!("no run {id}")))
        }
        Err(e) => Err(ApiError::internal(e)),
    }
}

/// A licence check: the BOM's text (TOML or CSV) and the request's overrides.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LicenceRequest {
    pub bom: String,
    pub date: Option<String>,
    pub to: Option<String>,
    pub end_use: Option<String>,
    pub end_user: Option<String>,
    #[serde(default)]
    pub general_licence: bool,
    #[serde(default)]
    pub trace: bool,
}

#[utoipa::path(post, path = "/api/licence/check", request_body = LicenceRequest,
    responses((status = 200, description = "Per product: the verdict with its explanation chain and the origin used"), (status = 400, body = ErrorBody)))]
async fn licence_check(
    State(shared): State<Arc<Shared>>,
    axum::Json(req): axum::Json<LicenceRequest>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let bad = |field: &str, m: String| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("{field}: {m}"),
        )
    };
    let date = req
        .date
        .as_deref()
        .map(chokepoint_rules::parse_date)
        .transpose()
        .map_err(|e| bad("date", e.to_string()))?;
    let to = req
        .to
        .as_deref()
        .map(str::parse::<chokepoint_core::CountryCode>)
        .transpose()
        .map_err(|e| bad("to", e.to_string()))?;
    let end_use = match req.end_use.as_deref() {
        Some(s) => Some(chokepoint_rules::EndUse::parse(s).ok_or_else(|| {
            bad(
                "end_use",
                format!(
                    "unknown `{s}`; expected one of: {}",
                    chokepoint_rules::EndUse::expected()
                ),
            )
        })?),
        None => None,
    };
    let end_user = match req.end_user.as_deref() {
        Some(s) => Some(chokepoint_rules::EndUser::parse(s).ok_or_else(|| {
            bad(
                "end_user",
                format!(
                    "unknown `{s}`; expected one of: {}",
                    chokepoint_rules::EndUser::expected()
                ),
            )
        })?),
        None => None,
    };
    let baseline_text = shared
        .ctx
        .scenarios
        .get("baseline")
        .ok_or_else(|| ApiError::internal("the bundled baseline scenario is missing"))?;
    let baseline = chokepoint_scenario::Scenario::parse(baseline_text, "baseline")
        .map_err(ApiError::internal)?;
    let opts = chokepoint_app::licence::CheckOptions {
        date,
        to,
        end_use,
        end_user,
        general_licence: req.general_licence,
        trace: req.trace,
        today: shared.ctx.today,
    };
    let checks = chokepoint_app::licence::check(
        &shared.ctx.world,
        &shared.ctx.timeline,
        &baseline,
        &req.bom,
        "bom",
        &opts,
    )
    .map_err(|e| match e {
        chokepoint_app::licence::CheckError::Bom(d) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_bom",
            d.0.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        ),
        chokepoint_app::licence::CheckError::Option(f, m) => bad(f.trim_start_matches("--"), m),
        other => ApiError::internal(other),
    })?;
    let out: Vec<serde_json::Value> = checks
        .iter()
        .map(|c| serde_json::json!({"name": c.name, "verdict": c.verdict, "origin": c.origin}))
        .collect();
    Ok(axum::Json(serde_json::json!(out)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct AtQuery {
    date: String,
}

#[utoipa::path(get, path = "/api/policy/at", params(AtQuery),
    responses((status = 200, description = "Measures in force or suspended on the date"), (status = 400, body = ErrorBody)))]
async fn policy_at(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<AtQuery>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let d = chokepoint_rules::parse_date(&q.date).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("date: {e}"),
        )
    })?;
    let t = &shared.ctx.timeline;
    let states: Vec<_> = t
        .status_on(d)
        .into_iter()
        .filter(|s| {
            matches!(
                s.state,
                chokepoint_rules::State::InForce | chokepoint_rules::State::Suspended
            )
        })
        .collect();
    Ok(axum::Json(serde_json::json!({
        "date": d,
        "as_of": t.as_of(),
        "warning": t.staleness_warning(d),
        "measures": states,
    })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct ConcentrationQuery {
    /// USGS edition of the published shares (default mcs2026).
    edition: Option<String>,
    /// One element (Nd, Dy, ...); default every rare-earth row.
    element: Option<String>,
}

#[utoipa::path(get, path = "/api/concentration", params(ConcentrationQuery),
    responses((status = 200, description = "Per subject and stage: shares, HHI, China's and the top 3's share, basis"), (status = 400, body = ErrorBody)))]
async fn concentration(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<ConcentrationQuery>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let rows = chokepoint_app::concentration::table(
        &shared.ctx.world,
        q.edition.as_deref().unwrap_or("mcs2026"),
        q.element.as_deref(),
    )
    .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", e.to_string()))?;
    Ok(axum::Json(
        serde_json::to_value(rows).map_err(ApiError::internal)?,
    ))
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct ChokepointsQuery {
    /// Sector id (`ev` is an alias of `nev`); default ev.
    sector: Option<String>,
    /// Region or ISO3 country; default JPN.
    region: Option<String>,
    /// Outage days; default 90.
    duration: Option<u32>,
    /// Replications per knock-out; default 200.
    runs: Option<usize>,
    /// `sim` (default) or `flow` (the long run of the same network).
    runner: Option<String>,
    /// Comma-separated: facility, country-stage, lane; default all three.
    kinds: Option<String>,
    /// How many to return; default 10.
    top: Option<usize>,
    seed: Option<u64>,
}

#[utoipa::path(get, path = "/api/chokepoints", params(ChokepointsQuery),
    responses((status = 200, description = "The ranking (as `chokepoint chokepoints --format json`), recorded in the store"), (status = 400, body = ErrorBody)))]
async fn chokepoints(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<ChokepointsQuery>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    use chokepoint_app::chokepoints::{RankOptions, Runner, rank};
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", m);
    let runner = match q.runner.as_deref().unwrap_or("sim") {
        "sim" => Runner::Sim,
        "flow" => Runner::LongRun,
        other => {
            return Err(bad(format!(
                "runner: unknown `{other}`; expected sim or flow"
            )));
        }
    };
    let kinds: Vec<String> = q
        .kinds
        .as_deref()
        .unwrap_or("facility,country-stage,lane")
        .split(',')
        .map(|k| k.trim().to_string())
        .collect();
    if let Some(k) = kinds
        .iter()
        .find(|k| !["facility", "country-stage", "lane"].contains(&k.as_str()))
    {
        return Err(bad(format!(
            "kinds: unknown `{k}`; expected facility, country-stage, lane"
        )));
    }
    let duration = q.duration.unwrap_or(90);
    let runs = q.runs.unwrap_or(200);
    if duration == 0 || runs == 0 || runs > 10_000 {
        return Err(bad(
            "duration must be at least 1 day and runs 1 to 10000".into()
        ));
    }
    let opts = RankOptions {
        sector: q.sector.clone().unwrap_or_else(|| "ev".into()),
        region: q.region.clone().unwrap_or_else(|| "JPN".into()),
        duration_days: duration,
        runs,
        seed: q.seed.unwrap_or(1),
        top: q.top.unwrap_or(10),
        facilities: kinds.iter().any(|k| k == "facility"),
        country_stages: kinds.iter().any(|k| k == "country-stage"),
        lanes: kinds.iter().any(|k| k == "lane"),
        runner,
        recovery_days: 90,
        no_stockpiles: false,
        restart_ramp: false,
        inventory_days: None,
        unit_value: None,
        fixed_inputs: false,
    };
    let text = shared
        .ctx
        .scenarios
        .get("baseline")
        .cloned()
        .ok_or_else(|| ApiError::internal("the bundled baseline scenario is missing"))?;
    let baseline =
        chokepoint_scenario::Scenario::parse(&text, "baseline").map_err(ApiError::internal)?;
    let id = open_store(&shared)?
        .begin(&NewRun {
            kind: "chokepoints".into(),
            label: format!("{} {} {}d", opts.sector, opts.region, duration),
            program: shared.ctx.program.clone(),
            dataset: shared.ctx.dataset.clone(),
            dataset_hash: shared.ctx.dataset_hash.clone(),
            scenario_hash: Some(sha_of(&text)),
            scenario_text: Some(text),
            options: serde_json::to_value(&q).map_err(ApiError::internal)?,
            seed: Some(opts.seed),
            runs: Some(runs as u64),
            threads: Some(rayon::current_num_threads() as u64),
            started_at: (shared.ctx.now)(),
        })
        .map_err(ApiError::internal)?;
    let s2 = shared.clone();
    let ranking =
        tokio::task::spawn_blocking(move || rank(&s2.ctx.world, baseline, &opts, &mut |_| {}))
            .await
            .map_err(ApiError::internal)?;
    let mut store = open_store(&shared)?;
    match ranking {
        Ok(r) => {
            let v = serde_json::to_value(&r).map_err(ApiError::internal)?;
            store
                .finish(id, &(shared.ctx.now)(), &[("summary", v.clone())], &[])
                .map_err(ApiError::internal)?;
            Ok(axum::Json(serde_json::json!({"run": id, "ranking": v})))
        }
        Err(e) => {
            store
                .fail(id, &(shared.ctx.now)(), &e.to_string())
                .map_err(ApiError::internal)?;
            Err(bad(e.to_string()))
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "chokepoint",
        description = "Rare-earth supply-chain chokepoints, disruptions and licences"
    ),
    paths(
        health,
        dataset,
        scenarios,
        scenario,
        save_scenario,
        remove_scenario,
        validate,
        start_run,
        list_runs,
        run_status,
        cancel_run,
        run_events,
        run_result,
        licence_check,
        policy_at,
        concentration,
        chokepoints
    ),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        RunRequest,
        RunAccepted,
        JobState,
        Progress,
        LicenceRequest,
        DatasetOut,
        FacilityOut,
        LaneOut,
        ScenarioListItem,
        ScenarioSaved
    ))
)]
struct ApiDoc;

/// The OpenAPI document, generated from the handlers' annotations.
pub fn openapi_json() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or(serde_json::Value::Null)
}

async fn openapi() -> axum::Json<serde_json::Value> {
    axum::Json(openapi_json())
}
