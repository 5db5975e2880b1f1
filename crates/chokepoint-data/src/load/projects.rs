//! `projects.csv`: new capacity projects (issue 16 item 3). One row per (project, material); the
//! facility and material must exist, the capacity and ramp-up be >= 0, the delay probability a
//! percentage, and the start `YYYY` or `YYYY-MM` within the years a project may start.

use super::Loader;
use crate::diag::DiagnosticKind as K;
use crate::schemas as s;
use chokepoint_core::project::{Project, ProjectStart};
use std::path::Path;

impl Loader {
    pub(super) fn load_projects(&mut self, layers: &[&Path]) {
        for row in self.rows(layers, &s::PROJECTS, false) {
            if !self.id_format(&row, "id") {
                continue;
            }
            let f = self.world.facilities.lookup(row.get("facility"));
            let facility = self.reference(f, &row, "facility", "facilities.csv");
            let m = self.world.materials.lookup(row.get("material"));
            let material = self.reference(m, &row, "material", "materials.csv");
            if let Some(material) = material {
                self.material_unit_check(&row, "capacity_unit", material, true);
            }
            let capacity = self.number(&row, "capacity");
            let ramp = self.number(&row, "ramp_years");
            let delay_p = self.percent(&row, "delay_probability_pct");
            let delay_years = self.number(&row, "delay_years");
            let start = match ProjectStart::parse(row.get("start")) {
                Ok(st) => Some(st),
                Err(e) => {
                    self.err(&row, K::InvalidValue, "start", e);
                    None
                }
            };
            let provenance = self.provenance(&row);
            let (
                Some(facility),
                Some(material),
                Some(capacity),
                Some(start),
                Some(ramp),
                Some(p),
                Some(delay),
            ) = (
                facility,
                material,
                capacity,
                start,
                ramp,
                delay_p,
                delay_years,
            )
            else {
                continue;
            };
            let name = row
                .opt("name")
                .map_or_else(|| row.get("id").to_string(), str::to_string);
            match Project::new(
                row.get("id").to_string(),
                name,
                facility,
                material,
                capacity,
                start,
                ramp,
                p.fraction(),
                delay,
                provenance,
            ) {
                Ok(project) => {
                    self.remember("projects", &row);
                    self.world.projects.push(project);
                }
                Err((field, message)) => self.err(&row, K::InvalidValue, field, message),
            }
        }
    }
}
