//! The rule timeline: measures from the bundled file plus user layers, the suspension graph, and
//! the status of every measure on every date.
//!
//! Semantics:
//! * A measure is *in its window* on `d` when `start <= d` and `d` is before its end (or on it, if
//!   `end_inclusive`).
//! * It is *suspended* on `d` when a suspension measure that targets it is itself **in force** on
//!   `d`. A suspension can be suspended in turn (nested suspensions), which revives its targets.
//!   Targets are matched by id or by `part_of` ancestry, so suspending `mofcom-2025-61` suspends
//!   every article recorded as part of it.
//! * It is *in force* when in its window and not suspended.
//!
//! Invariants: ids are unique across layers (a layer replaces a measure with the same id);
//! every `suspends`/`covers` reference resolves to at least one measure; the suspension graph has
//! no cycles (checked when the timeline is built, so status resolution terminates). Status is
//! constant between window boundaries, so it is precomputed per interval and a date lookup is one
//! binary search.

use crate::diag::{Diagnostic, Diagnostics};
use crate::measure::Measure;
use crate::policy::{Meta, parse_policy};
use crate::vocab::Trigger;
use chokepoint_core::{CountryCode, Date};
use std::collections::HashMap;

/// A measure's state on one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    NotYet,
    InForce,
    Suspended,
    Lapsed,
}

#[derive(Debug, Clone)]
pub(crate) struct Interval {
    pub start: Date,
    /// Per measure: in window and not suspended.
    pub in_force: Vec<bool>,
    /// Per measure: in window.
    pub in_window: Vec<bool>,
    /// Measures with a trigger that are in their window (in force or suspended), for the checker.
    pub candidates: Vec<u16>,
}

/// The bundled timeline plus any user layers.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub(crate) measures: Vec<Measure>,
    pub(crate) meta: Meta,
    pub(crate) as_of: Option<Date>,
    pub(crate) by_id: HashMap<String, usize>,
    /// For each measure, the suspensions that target it.
    pub(crate) suspenders: Vec<Vec<usize>>,
    /// For each measure, the general licences that cover it.
    pub(crate) general_licences: Vec<Vec<usize>>,
    pub(crate) intervals: Vec<Interval>,
    pub(crate) files: Vec<String>,
}

/// A measure with its state on a date and, if suspended, what suspends it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MeasureStatus<'a> {
    pub measure: &'a Measure,
    pub state: State,
    pub suspended_by: Vec<&'a Measure>,
}

impl Timeline {
    /// Builds a timeline from the bundled policy text. `file` names it in diagnostics.
    pub fn from_toml(text: &str, file: &str) -> Result<Timeline, Diagnostics> {
        let pf = parse_policy(text, file)?;
        let mut measures = pf.measures;
        for m in &mut measures {
            m.origin_file = file.to_string();
        }
        let as_of = pf.meta.as_of;
        Self::build(measures, pf.meta, as_of, vec![file.to_string()], file)
    }

    /// Adds or replaces measures by id from a user policy text, leaving the bundled text alone.
    /// On error the timeline is unchanged. A layer's `as_of` moves the timeline's forward only.
    pub fn layer(&mut self, text: &str, file: &str) -> Result<(), Diagnostics> {
        let pf = parse_policy(text, file)?;
        let mut measures = self.measures.clone();
        let mut by_id: HashMap<String, usize> = self.by_id.clone();
        for mut m in pf.measures {
            m.origin_file = file.to_string();
            match by_id.get(&m.id) {
                Some(&i) => measures[i] = m,
                None => {
                    by_id.insert(m.id.clone(), measures.len());
                    measures.push(m);
                }
            }
        }
        let as_of = match (self.as_of, pf.meta.as_of) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let mut files = self.files.clone();
        files.push(file.to_string());
        *self = Self::build(measures, self.meta.clone(), as_of, files, file)?;
        Ok(())
    }

    fn build(
        measures: Vec<Measure>,
        meta: Meta,
        as_of: Option<Date>,
        files: Vec<String>,
        file: &str,
    ) -> Result<Timeline, Diagnostics> {
        let mut diags = Vec::new();
        if measures.len() > u16::MAX as usize {
            diags.push(Diagnostic {
                file: file.to_string(),
                line: None,
                record: String::new(),
                field: None,
                message: format!(
                    "{} measures; at most {} are supported",
                    measures.len(),
                    u16::MAX
                ),
            });
            return Err(Diagnostics(diags));
        }
        let by_id: HashMap<String, usize> = measures
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.clone(), i))
            .collect();

        // Does measure `i` equal `target` or descend from it through `part_of`? The walk is
        // bounded by the number of measures so a `part_of` loop cannot hang it.
        let descends = |i: usize, target: &str| -> bool {
            let mut cur = i;
            for _ in 0..=measures.len() {
                let m = &measures[cur];
                if m.id == target {
                    return true;
                }
                match m.part_of.as_deref() {
                    None => return false,
                    Some(p) if p == target => return true,
                    Some(p) => match by_id.get(p) {
                        Some(&j) => cur = j,
                        None => return false,
                    },
                }
            }
            false
        };

        let n = measures.len();
        let mut suspenders = vec![Vec::new(); n];
        let mut general_licences = vec![Vec::new(); n];
        for (s, m) in measures.iter().enumerate() {
            let lists: [(&Vec<String>, &str, bool); 2] = [
                (&m.suspends, "suspends", true),
                (&m.covers, "covers", false),
            ];
            for (targets, field, is_suspension) in lists {
                for t in targets {
                    let hits: Vec<usize> = (0..n).filter(|&i| i != s && descends(i, t)).collect();
                    if hits.is_empty() {
                        diags.push(Diagnostic {
                            file: m.origin_file.clone(),
                            line: None,
                            record: format!("measure {}", m.id),
                            field: Some(field.to_string()),
                            message: format!("`{t}` matches no measure id or part_of"),
                        });
                    }
                    for i in hits {
                        if is_suspension {
                            suspenders[i].push(s);
                        } else {
                            general_licences[i].push(s);
                        }
                    }
                }
            }
        }
        // Cycle check on the suspension graph (edge: target -> suspender).
        let mut colour = vec![0u8; n];
        fn visit(i: usize, g: &[Vec<usize>], colour: &mut [u8], path: &mut Vec<usize>) -> bool {
            colour[i] = 1;
            path.push(i);
            for &j in &g[i] {
                if colour[j] == 1 || (colour[j] == 0 && visit(j, g, colour, path)) {
                    if colour[j] == 1 {
                        path.push(j);
                    }
                    return true;
                }
            }
            colour[i] = 2;
            path.pop();
            false
        }
        for i in 0..n {
            let mut path = Vec::new();
            if colour[i] == 0 && visit(i, &suspenders, &mut colour, &mut path) {
                let names: Vec<&str> = path.iter().map(|&k| measures[k].id.as_str()).collect();
                diags.push(Diagnostic {
                    file: measures[i].origin_file.clone(),
                    line: None,
                    record: format!("measure {}", measures[i].id),
                    field: Some("suspends".into()),
                    message: format!("suspension cycle: {}", names.join(" suspended by ")),
                });
                break;
            }
        }
        if !diags.is_empty() {
            return Err(Diagnostics(diags));
        }

        let mut t = Timeline {
            measures,
            meta,
            as_of,
            by_id,
            suspenders,
            general_licences,
            intervals: Vec::new(),
            files,
        };
        t.intervals = t.compute_intervals();
        Ok(t)
    }

    fn compute_intervals(&self) -> Vec<Interval> {
        let mut bounds: Vec<Date> = Vec::with_capacity(self.measures.len() * 2 + 1);
        bounds.push(Date::MIN);
        for m in &self.measures {
            bounds.push(m.window.start);
            if let Some(e) = m.window.end_exclusive() {
                bounds.push(e);
            }
        }
        bounds.sort();
        bounds.dedup();
        bounds
            .into_iter()
            .map(|d| {
                let in_window: Vec<bool> =
                    self.measures.iter().map(|m| m.window.contains(d)).collect();
                let mut memo: Vec<Option<bool>> = vec![None; self.measures.len()];
                let in_force: Vec<bool> = (0..self.measures.len())
                    .map(|i| self.resolve(i, &in_window, &mut memo))
                    .collect();
                let candidates = (0..self.measures.len())
                    .filter(|&i| in_window[i] && self.measures[i].trigger != Trigger::None)
                    .map(|i| i as u16)
                    .collect();
                Interval {
                    start: d,
                    in_force,
                    in_window,
                    candidates,
                }
            })
            .collect()
    }

    /// In force = in window and no suspender in force. Terminates because the graph is acyclic.
    fn resolve(&self, i: usize, in_window: &[bool], memo: &mut [Option<bool>]) -> bool {
        if let Some(v) = memo[i] {
            return v;
        }
        let v = in_window[i]
            && !self.suspenders[i]
                .iter()
                .any(|&s| self.resolve(s, in_window, memo));
        memo[i] = Some(v);
        v
    }

    pub(crate) fn interval(&self, d: Date) -> &Interval {
        // intervals[0] starts at Date::MIN, so the partition point is at least 1.
        let k = self.intervals.partition_point(|iv| iv.start <= d);
        &self.intervals[k.saturating_sub(1)]
    }

    pub fn measures(&self) -> &[Measure] {
        &self.measures
    }

    pub fn get(&self, id: &str) -> Option<&Measure> {
        self.by_id.get(id).map(|&i| &self.measures[i])
    }

    /// Date of the newest source behind the data (the maximum over layers).
    pub fn as_of(&self) -> Option<Date> {
        self.as_of
    }

    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// The files the timeline was built from, bundled first.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// Whether a query date is past the data's newest source.
    /// The first day any measure of the timeline is in force (`None`: no measures).
    pub fn first_date(&self) -> Option<Date> {
        self.measures.iter().map(|m| m.window.start).min()
    }

    pub fn is_after_as_of(&self, d: Date) -> bool {
        self.as_of.is_some_and(|a| d > a)
    }

    /// The warning for a query after `as_of`, if any.
    pub fn staleness_warning(&self, d: Date) -> Option<String> {
        let a = self.as_of?;
        (d > a).then(|| {
            format!(
                "query date {d} is after the policy data's newest source ({a}); the status of \
                 these rules may have changed since (add newer measures in a user policy file)"
            )
        })
    }

    /// The suspensions that target measure `id` (by id or ancestry).
    pub fn suspensions_of(&self, id: &str) -> Vec<&Measure> {
        self.by_id
            .get(id)
            .map(|&i| {
                self.suspenders[i]
                    .iter()
                    .map(|&s| &self.measures[s])
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The state of every measure on `d`, in file order.
    pub fn status_on(&self, d: Date) -> Vec<MeasureStatus<'_>> {
        let iv = self.interval(d);
        self.measures
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let state = if iv.in_force[i] {
                    State::InForce
                } else if iv.in_window[i] {
                    State::Suspended
                } else if d < m.window.start {
                    State::NotYet
                } else {
                    State::Lapsed
                };
                let suspended_by = if state == State::Suspended {
                    self.suspenders[i]
                        .iter()
                        .filter(|&&s| iv.in_force[s])
                        .map(|&s| &self.measures[s])
                        .collect()
                } else {
                    Vec::new()
                };
                MeasureStatus {
                    measure: m,
                    state,
                    suspended_by,
                }
            })
            .collect()
    }

    /// Whether measure `id` is in force on `d` (in window and not suspended).
    pub fn in_force(&self, id: &str, d: Date) -> Option<bool> {
        let &i = self.by_id.get(id)?;
        Some(self.interval(d).in_force[i])
    }

    /// Measures of one jurisdiction, or all, in date order (for `policy timeline`).
    pub fn chronological(&self, jurisdiction: Option<CountryCode>) -> Vec<&Measure> {
        let mut v: Vec<&Measure> = self
            .measures
            .iter()
            .filter(|m| jurisdiction.is_none_or(|j| m.jurisdiction == j))
            .collect();
        v.sort_by(|a, b| a.window.start.cmp(&b.window.start).then(a.id.cmp(&b.id)));
        v
    }
}
