//! Shared test helpers: the mini fixture world, optionally with the redundant-metal overlay.

use chokepoint_core::World;
use std::path::PathBuf;

fn dir(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[allow(dead_code)] // not every test binary uses it
pub fn mini() -> World {
    let base = dir("../chokepoint-data/tests/fixtures/mini");
    match chokepoint_data::load(&[base.as_path()]) {
        Ok(l) => l.world,
        Err(d) => panic!("mini fixture must load: {d:?}"),
    }
}

#[allow(dead_code)] // not every test binary uses it
pub fn redundant() -> World {
    let base = dir("../chokepoint-data/tests/fixtures/mini");
    let overlay = dir("tests/fixtures/redundant");
    match chokepoint_data::load(&[base.as_path(), overlay.as_path()]) {
        Ok(l) => l.world,
        Err(d) => panic!("redundant fixture must load: {d:?}"),
    }
}

#[allow(dead_code)] // not every test binary uses it
pub fn facility(world: &World, key: &str) -> chokepoint_analysis::knockout::NodeRef {
    let id = world
        .facilities
        .lookup(key)
        .unwrap_or_else(|| panic!("fixture facility {key}"));
    chokepoint_analysis::knockout::NodeRef::Facility { id }
}
