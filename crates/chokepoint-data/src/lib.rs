//! # chokepoint-data
//!
//! The adapter that turns the files in `data/` (schema: `docs/data.md`) into a validated
//! [`chokepoint_core::World`]. A user directory can be layered over the bundled dataset: its
//! records add to or replace bundled ones with the same id (or key, for tables keyed by several
//! columns), and its files may be partial.
//!
//! Invariant: [`load`] either returns a world that passed every check (with warnings, if any)
//! or every diagnostic found — it never stops at the first problem, and it never panics on bad
//! input.

pub mod diag;
mod load;
pub mod schemas;
pub mod table;

pub use diag::{Diagnostic, DiagnosticKind, Diagnostics, Severity};

use chokepoint_core::World;
use std::path::{Path, PathBuf};

/// A loaded world and the warnings that did not stop it.
#[derive(Debug)]
pub struct Loaded {
    pub world: World,
    pub warnings: Vec<Diagnostic>,
}

/// Loads the dataset in `layers[0]` (a full dataset) with each further directory layered over it.
pub fn load(layers: &[&Path]) -> Result<Loaded, Diagnostics> {
    let mut loader = load::Loader::new();
    for dir in layers {
        if !dir.is_dir() {
            loader.diags.push(table::file_diag(
                &dir.display().to_string(),
                DiagnosticKind::MissingFile,
                "not a directory; expected a dataset directory holding the CSV files of docs/data.md".to_string(),
            ));
        }
    }
    if loader.diags.is_empty() {
        loader.load_all(layers);
        let finish_issues = loader.world.finish();
        loader.place_issues(finish_issues);
        let issues = loader.world.validate();
        loader.place_issues(issues);
    }
    let diags = Diagnostics(loader.diags);
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Loaded {
        world: loader.world,
        warnings: diags.0,
    })
}

/// Where the bundled dataset lives: `$CHOKEPOINT_DATA`, else `./data` when it holds a dataset,
/// else the `data/` directory of the source tree this binary was built from.
pub fn bundled_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CHOKEPOINT_DATA") {
        return PathBuf::from(dir);
    }
    let local = PathBuf::from("data");
    if local.join("sources.csv").is_file() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// Loads the bundled dataset, with an optional user directory layered over it.
pub fn load_bundled(overlay: Option<&Path>) -> Result<Loaded, Diagnostics> {
    let base = bundled_dir();
    match overlay {
        Some(o) => load(&[base.as_path(), o]),
        None => load(&[base.as_path()]),
    }
}
