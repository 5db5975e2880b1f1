//! `chokepoint serve`: the HTTP API on the bundled world (see `chokepoint-server`).

use anyhow::{Context as _, Result, bail};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: a free port, printed at start); anything but loopback
    /// needs --token.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: std::net::SocketAddr,
    /// Bearer token every /api request must carry (`Authorization: Bearer TOKEN`).
    #[arg(long)]
    pub token: Option<String>,
    /// The run store (default as for `simulate`).
    #[arg(long)]
    pub store: Option<PathBuf>,
    /// Places in the run queue; a full queue answers 429.
    #[arg(long, default_value_t = 8)]
    pub queue: usize,
    /// Layer this data directory over the bundled dataset.
    #[arg(long)]
    pub data: Option<PathBuf>,
}

pub fn run(a: ServeArgs) -> Result<i32> {
    if let Err(e) = chokepoint_server::check_bind(a.bind, a.token.as_deref()) {
        eprintln!("error: {e}");
        return Ok(2);
    }
    let world = crate::simulate::load_world(a.data.as_deref())?;
    let timeline = match crate::policy::load_timeline(None)? {
        Ok(t) => t,
        Err(d) => {
            crate::policy::print_diagnostics(&d);
            bail!("the bundled policy timeline has errors");
        }
    };
    let dir = chokepoint_data::bundled_dir().join("scenarios");
    let mut scenarios = std::collections::BTreeMap::new();
    for e in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "toml")
            && let Some(id) = p.file_stem().map(|s| s.to_string_lossy().to_string())
            && !chokepoint_scenario::longrun::is_long_run_id(&id)
        {
            scenarios.insert(id, std::fs::read_to_string(&p)?);
        }
    }
    let store = crate::runs::store_path(a.store.as_deref());
    // A run an earlier server (or CLI) left `running` when it was killed is marked failed now,
    // before anyone reads the store; nothing else in it changes.
    match chokepoint_store::Store::open(&store) {
        Ok(s) => {
            for id in s.reap_orphans(&crate::runs::now())? {
                eprintln!("run {id}: its process ended before it finished; marked failed");
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    }
    let ctx = chokepoint_server::Context {
        world,
        timeline,
        scenarios,
        store: store.clone(),
        program: format!("chokepoint {}", env!("CARGO_PKG_VERSION")),
        dataset: format!("bundled ({})", chokepoint_core::stats::Edition::NEWEST),
        dataset_hash: crate::runs::dataset_hash(a.data.as_deref())?,
        today: crate::policy::today(),
        now: crate::runs::now,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the server runtime")?;
    rt.block_on(async move {
        let listener = chokepoint_server::bind(a.bind, a.token.as_deref()).await?;
        let at = listener.local_addr().unwrap_or(a.bind);
        let shared = chokepoint_server::Shared::new(ctx, a.token.clone(), a.queue, true);
        eprintln!(
            "serving the chokepoint dashboard on http://{at}/ and its API on http://{at}/api (store {}); /openapi.json describes it{}",
            store.display(),
            if chokepoint_server::dashboard::CHARTS_BUNDLED {
                ""
            } else {
                "; charts not bundled in this build (npm ci --prefix web, then rebuild)"
            }
        );
        chokepoint_server::serve_on(listener, shared).await
    })?;
    Ok(0)
}
