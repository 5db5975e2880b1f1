//! Sensitivity sweeps: one scenario, some of its parameters swept over ranges or lists, a
//! design that picks the variants, and per variant the outputs asked for (lost output of a
//! sector in a country); then which parameter moves them most (Sobol indices, a tornado table).
//!
//! A sweep is split into deterministic shards so that it can run on many machines: variant `i`
//! belongs to shard `i mod N` (1-based: shard `K` of `N` runs the `i` with `i mod N = K - 1`).
//! Every variant runs on the same seed (common random numbers across variants, so a difference
//! between two variants is the parameters', not the draws'), and nothing of a variant depends on
//! which shard ran it or on the thread count; so [`merge`] of the shards' [`Partial`]s and
//! [`analyse`] of a single-machine run give the same [`SweepResult`], bit for bit.
//!
//! Invariants: no I/O (the adapter reads the spec and the scenario and writes the results); a
//! partial carries the hash of the spec and scenario it ran and its shard, so partials of
//! another sweep are refused and missing ones are named.

use crate::AppError;
use chokepoint_analysis::sensitivity::{self, SaltelliRole, SobolIndex, TornadoBar};
use chokepoint_core::World;
use chokepoint_rules::Timeline;
use serde::{Deserialize, Serialize};

/// A sweep as written in its TOML file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// The scenario swept: a bundled id or a path (resolved by the adapter).
    pub scenario: String,
    /// Replications per variant.
    #[serde(default = "default_runs")]
    pub runs: u32,
    /// The seed of every variant (default: the scenario's).
    pub seed: Option<u64>,
    /// Hold the scenario's other uncertain inputs at their central values.
    #[serde(default)]
    pub fixed_inputs: bool,
    pub design: Design,
    /// Base samples (Saltelli) or points (Latin hypercube).
    #[serde(default = "default_samples")]
    pub samples: usize,
    /// Seed of the design's sequence (Sobol scrambling, hypercube permutations, bootstrap).
    #[serde(default)]
    pub design_seed: u64,
    /// Bootstrap resamples for the Sobol intervals.
    #[serde(default = "default_bootstrap")]
    pub bootstrap: usize,
    /// Add the one-at-a-time points for a tornado table to a Saltelli, hypercube or grid design.
    #[serde(default = "default_true")]
    pub tornado: bool,
    #[serde(rename = "axis")]
    pub axes: Vec<Axis>,
    #[serde(rename = "output")]
    pub outputs: Vec<OutputSpec>,
}

fn default_runs() -> u32 {
    32
}
fn default_samples() -> usize {
    16
}
fn default_bootstrap() -> usize {
    200
}
fn default_true() -> bool {
    true
}

/// How the variants are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Design {
    /// Every combination of the axes' levels.
    Grid,
    /// A Latin hypercube of `samples` points.
    Lhs,
    /// Saltelli's scheme for Sobol indices: `samples x (axes + 2)` variants.
    Saltelli,
    /// Each axis at its low and high end, the others at their centre (tornado only).
    Oat,
}

/// One swept parameter: a path into the scenario's TOML and a range (uniform) or a list.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    /// Shown in tables (default: the path).
    pub name: Option<String>,
    /// Dotted path into the scenario's TOML, with array indices as numbers or `[k]`:
    /// `licensing[0].approval_probability`, `inventory.days_of_cover`.
    pub path: String,
    /// Uniform range `[low, high]`.
    pub range: Option<[f64; 2]>,
    /// Or a list of values (numbers, strings, booleans), chosen with equal weight.
    pub values: Option<Vec<toml::Value>>,
    /// Round the value to an integer (for counts and days).
    #[serde(default)]
    pub integer: bool,
    /// Levels of a range in a grid design (default 3).
    pub levels: Option<usize>,
}

/// An output read from each variant's report.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Sector id (`nev`, `wind`, ...).
    pub sector: String,
    /// Country code, or `all` for the sector's world total.
    pub country: String,
    #[serde(default)]
    pub metric: Metric,
}

/// What is read: the mean over replications of lost (late or never made) or unmade output, as
/// a share of demand; or the share of replications in which the output fell short at all
/// (over several countries: the largest of theirs, a lower bound of the sector's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Metric {
    #[default]
    LostShare,
    UnmadeShare,
    ProbabilityShort,
}

impl OutputSpec {
    pub fn label(&self) -> String {
        let m = match self.metric {
            Metric::LostShare => "lost share",
            Metric::UnmadeShare => "unmade share",
            Metric::ProbabilityShort => "probability short",
        };
        format!("{} {} {m}", self.sector, self.country)
    }
}

impl Axis {
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.path.clone())
    }

    /// The parameter's value at coordinate `u` in `[0, 1]`.
    fn value_at(&self, u: f64) -> toml::Value {
        if let Some(vals) = &self.values {
            let k = ((u * vals.len() as f64).floor() as usize).min(vals.len().saturating_sub(1));
            return vals[k].clone();
        }
        let [lo, hi] = self.range.unwrap_or([0.0, 0.0]);
        let x = lo + u.clamp(0.0, 1.0) * (hi - lo);
        if self.integer {
            toml::Value::Integer(x.round() as i64)
        } else {
            toml::Value::Float(x)
        }
    }

    fn levels(&self) -> usize {
        match &self.values {
            Some(v) => v.len(),
            None => self.levels.unwrap_or(3),
        }
    }
}

/// Where a variant comes from in the design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Role {
    Point,
    SaltelliA { sample: usize },
    SaltelliB { sample: usize },
    SaltelliAb { sample: usize, axis: usize },
    Centre,
    Low { axis: usize },
    High { axis: usize },
}

/// One variant: its place in the design, its coordinates and parameter values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variant {
    pub index: usize,
    pub role: Role,
    pub point: Vec<f64>,
    pub params: Vec<toml::Value>,
}

/// What one variant gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantResult {
    pub index: usize,
    pub role: Role,
    pub point: Vec<f64>,
    pub params: Vec<toml::Value>,
    pub outputs: Vec<f64>,
}

/// The variants one shard ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partial {
    /// Hash of the spec and the scenario text: partials of another sweep are refused.
    pub sweep_hash: String,
    /// 1-based.
    pub shard: u32,
    pub shards: u32,
    pub variants: usize,
    pub results: Vec<VariantResult>,
}

/// Sobol indices of one output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputIndices {
    pub output: String,
    pub indices: Vec<(String, SobolIndex)>,
}

/// The tornado table of one output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputTornado {
    pub output: String,
    pub centre: f64,
    pub bars: Vec<(String, TornadoBar)>,
}

/// A whole sweep: every variant's outputs and the sensitivity measures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepResult {
    pub sweep_hash: String,
    pub scenario: String,
    pub design: Design,
    pub runs: u32,
    pub seed: u64,
    pub axes: Vec<String>,
    pub outputs: Vec<String>,
    pub variants: Vec<VariantResult>,
    pub sobol: Vec<OutputIndices>,
    pub tornado: Vec<OutputTornado>,
}

fn invalid(file: &str, field: &str, why: impl std::fmt::Display) -> AppError {
    AppError::Invalid(format!("{file}: {field}: {why}"))
}

/// Parses a sweep spec; `file` names it in errors.
pub fn parse_spec(text: &str, file: &str) -> Result<SweepSpec, AppError> {
    let spec: SweepSpec =
        toml::from_str(text).map_err(|e| AppError::Invalid(format!("{file}: {e}")))?;
    if spec.runs == 0 {
        return Err(invalid(file, "runs", "at least 1 replication per variant"));
    }
    if spec.axes.is_empty() {
        return Err(invalid(file, "axis", "give at least one [[axis]]"));
    }
    if spec.outputs.is_empty() {
        return Err(invalid(file, "output", "give at least one [[output]]"));
    }
    for (k, a) in spec.axes.iter().enumerate() {
        let f = format!("axis[{k}] ({})", a.path);
        match (&a.range, &a.values) {
            (Some([lo, hi]), None) => {
                if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                    return Err(invalid(
                        file,
                        &format!("{f}.range"),
                        "expected [low, high] with low <= high, both finite",
                    ));
                }
            }
            (None, Some(v)) if !v.is_empty() => {}
            (None, Some(_)) => return Err(invalid(file, &format!("{f}.values"), "empty list")),
            _ => {
                return Err(invalid(
                    file,
                    &f,
                    "give exactly one of `range` and `values`",
                ));
            }
        }
        if a.levels == Some(0) {
            return Err(invalid(file, &format!("{f}.levels"), "at least 1"));
        }
        path_segments(&a.path).map_err(|e| invalid(file, &format!("{f}.path"), e))?;
    }
    if matches!(spec.design, Design::Saltelli | Design::Lhs) && spec.samples < 2 {
        return Err(invalid(file, "samples", "at least 2"));
    }
    Ok(spec)
}

/// The variants of a spec, in order.
pub fn variants(spec: &SweepSpec) -> Result<Vec<Variant>, AppError> {
    let d = spec.axes.len();
    let err = |e: sensitivity::SensitivityError| AppError::Invalid(format!("design: {e}"));
    let mut out: Vec<(Role, Vec<f64>)> = match spec.design {
        Design::Grid => {
            let levels: Vec<usize> = spec.axes.iter().map(Axis::levels).collect();
            sensitivity::grid(&levels)
                .map_err(err)?
                .into_iter()
                .map(|p| {
                    // A list of k values: level i sits in the middle of its k-th of [0, 1].
                    let p = p
                        .iter()
                        .zip(&spec.axes)
                        .zip(&levels)
                        .map(|((&u, a), &l)| {
                            if a.values.is_some() && l > 1 {
                                (u * (l - 1) as f64 + 0.5) / l as f64
                            } else {
                                u
                            }
                        })
                        .collect();
                    (Role::Point, p)
                })
                .collect()
        }
        Design::Lhs => sensitivity::latin_hypercube(spec.samples, d, spec.design_seed)
            .map_err(err)?
            .into_iter()
            .map(|p| (Role::Point, p))
            .collect(),
        Design::Saltelli => sensitivity::saltelli(spec.samples, d, spec.design_seed)
            .map_err(err)?
            .into_iter()
            .map(|(sample, role, p)| {
                let role = match role {
                    SaltelliRole::A => Role::SaltelliA { sample },
                    SaltelliRole::B => Role::SaltelliB { sample },
                    SaltelliRole::AB(axis) => Role::SaltelliAb { sample, axis },
                };
                (role, p)
            })
            .collect(),
        Design::Oat => Vec::new(),
    };
    if spec.design == Design::Oat || spec.tornado {
        for (k, p) in sensitivity::one_at_a_time(d)
            .map_err(err)?
            .into_iter()
            .enumerate()
        {
            let role = if k == 0 {
                Role::Centre
            } else if k % 2 == 1 {
                Role::Low { axis: (k - 1) / 2 }
            } else {
                Role::High { axis: (k - 2) / 2 }
            };
            // A list's centre is its middle value, its ends its first and last.
            out.push((role, p));
        }
    }
    Ok(out
        .into_iter()
        .enumerate()
        .map(|(index, (role, point))| Variant {
            index,
            role,
            params: spec
                .axes
                .iter()
                .zip(&point)
                .map(|(a, &u)| a.value_at(u))
                .collect(),
            point,
        })
        .collect())
}

/// `a.b[2].c` or `a.b.2.c` into segments (a number is an array index).
fn path_segments(path: &str) -> Result<Vec<String>, String> {
    let flat = path.replace('[', ".").replace(']', "");
    let segs: Vec<String> = flat.split('.').map(str::to_string).collect();
    if segs.iter().any(String::is_empty) {
        return Err(format!("`{path}` is not a dotted path (a.b[0].c)"));
    }
    Ok(segs)
}

/// The scenario's TOML with `value` at `path`; the path must name a value the scenario has
/// (a misspelt path would otherwise sweep nothing).
fn set_path(doc: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let segs = path_segments(path)?;
    let (first, rest) = segs
        .split_first()
        .ok_or_else(|| format!("`{path}`: empty"))?;
    let mut here: &mut toml::Value = doc
        .get_mut(first)
        .ok_or_else(|| format!("`{path}`: the scenario has no `{first}`"))?;
    for seg in rest {
        here = match here {
            toml::Value::Table(t) => t
                .get_mut(seg)
                .ok_or_else(|| format!("`{path}`: the scenario has no `{seg}` there"))?,
            toml::Value::Array(a) => {
                let i: usize = seg
                    .parse()
                    .map_err(|_| format!("`{path}`: `{seg}` must be an index into a list"))?;
                let n = a.len();
                a.get_mut(i)
                    .ok_or_else(|| format!("`{path}`: index {i} past the list's {n} entries"))?
            }
            _ => return Err(format!("`{path}`: `{seg}` is inside a plain value")),
        };
    }
    *here = value;
    Ok(())
}

/// The scenario text of one variant.
pub fn variant_text(
    scenario_text: &str,
    spec: &SweepSpec,
    v: &Variant,
) -> Result<String, AppError> {
    let mut doc: toml::Table = scenario_text
        .parse()
        .map_err(|e| AppError::Invalid(format!("{}: {e}", spec.scenario)))?;
    for (k, (a, value)) in spec.axes.iter().zip(&v.params).enumerate() {
        set_path(&mut doc, &a.path, value.clone())
            .map_err(|e| AppError::Invalid(format!("axis[{k}].path: {e}")))?;
    }
    toml::to_string(&doc).map_err(|e| AppError::Invalid(format!("variant {}: {e}", v.index)))
}

/// A hash of the spec and the scenario (FNV-1a, 64 bits: an identity check between shards,
/// not a security measure).
pub fn sweep_hash(spec_text: &str, scenario_text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in spec_text.bytes().chain([0u8]).chain(scenario_text.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("fnv1a64:{h:016x}")
}

/// Runs one variant and reads its outputs.
pub fn evaluate(
    world: &World,
    timeline: &Timeline,
    scenario_text: &str,
    spec: &SweepSpec,
    v: &Variant,
) -> Result<VariantResult, AppError> {
    let text = variant_text(scenario_text, spec, v)?;
    let file = format!("{} (variant {})", spec.scenario, v.index);
    let (mut scenario, _) = crate::simulate::parse(&text, &file, timeline)?;
    scenario.fixed_inputs = spec.fixed_inputs;
    // Origin mixes are not an output of a sweep; trace them only where a content rule reads them.
    if scenario.licensing.iter().all(|l| l.content_rule.is_none()) {
        scenario.trace_origin = false;
    }
    let compiled = chokepoint_scenario::compile(world, &scenario, &file)
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    let seed = spec.seed.or(scenario.seed).unwrap_or(0);
    let mc = chokepoint_scenario::run(&compiled, spec.runs, seed, &|| {})
        .map_err(|e| AppError::Run(format!("{file}: {e}")))?;
    let rep = chokepoint_scenario::report(world, &scenario, &compiled, &mc, seed);
    let mut outputs = Vec::with_capacity(spec.outputs.len());
    for (k, o) in spec.outputs.iter().enumerate() {
        let rows: Vec<_> = rep
            .sectors
            .iter()
            .filter(|r| r.sector == o.sector && (o.country == "all" || r.country == o.country))
            .collect();
        if rows.is_empty() {
            let known: Vec<String> = rep
                .sectors
                .iter()
                .map(|r| format!("{}/{}", r.sector, r.country))
                .collect();
            return Err(AppError::Invalid(format!(
                "output[{k}]: the scenario reports no sector `{}` in `{}` (it reports {})",
                o.sector,
                o.country,
                known.join(", ")
            )));
        }
        let demand: f64 = rows.iter().map(|r| r.demand_units).sum();
        let value = match o.metric {
            Metric::ProbabilityShort => {
                rows.iter().map(|r| r.probability_short).fold(0.0, f64::max)
            }
            Metric::LostShare | Metric::UnmadeShare => {
                let lost: f64 = rows
                    .iter()
                    .map(|r| match o.metric {
                        Metric::UnmadeShare => r.unmade_units.mean,
                        _ => r.lost_units.mean,
                    })
                    .sum();
                if demand > 0.0 { lost / demand } else { 0.0 }
            }
        };
        outputs.push(value);
    }
    Ok(VariantResult {
        index: v.index,
        role: v.role,
        point: v.point.clone(),
        params: v.params.clone(),
        outputs,
    })
}

/// Parses `K/N` (1-based).
pub fn parse_shard(s: &str) -> Result<(u32, u32), AppError> {
    let bad = || {
        AppError::Invalid(format!(
            "--shard {s}: expected K/N with 1 <= K <= N, e.g. 2/4"
        ))
    };
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (u32, u32) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || k == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// The variants of shard `k` of `n`.
pub fn shard_of(all: &[Variant], k: u32, n: u32) -> Vec<&Variant> {
    all.iter()
        .filter(|v| v.index % n as usize == (k - 1) as usize)
        .collect()
}

/// Combines the partials of one sweep into its result; a missing shard or variant is named.
pub fn merge(
    spec: &SweepSpec,
    sweep_hash: &str,
    partials: &[Partial],
) -> Result<SweepResult, AppError> {
    let total = variants(spec)?.len();
    let mut slots: Vec<Option<VariantResult>> = vec![None; total];
    let mut shards_seen = std::collections::BTreeSet::new();
    let mut shards_of: Option<u32> = None;
    for p in partials {
        if p.sweep_hash != sweep_hash {
            return Err(AppError::Invalid(format!(
                "shard {}/{} was run for another sweep ({}; this one is {sweep_hash})",
                p.shard, p.shards, p.sweep_hash
            )));
        }
        if p.variants != total || shards_of.is_some_and(|n| n != p.shards) {
            return Err(AppError::Invalid(format!(
                "shard {}/{}: its layout ({} variants in {} shards) differs from the others'",
                p.shard, p.shards, p.variants, p.shards
            )));
        }
        shards_of = Some(p.shards);
        shards_seen.insert(p.shard);
        for r in &p.results {
            match slots.get_mut(r.index) {
                Some(s) => *s = Some(r.clone()),
                None => {
                    return Err(AppError::Invalid(format!(
                        "shard {}: variant {} is outside the sweep",
                        p.shard, r.index
                    )));
                }
            }
        }
    }
    let missing: Vec<usize> = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| i)
        .collect();
    if !missing.is_empty() {
        let n = shards_of.unwrap_or(0);
        let absent: Vec<String> = (1..=n)
            .filter(|k| !shards_seen.contains(k))
            .map(|k| format!("{k}/{n}"))
            .collect();
        let shown: Vec<String> = missing.iter().take(20).map(usize::to_string).collect();
        return Err(AppError::Invalid(format!(
            "the sweep is incomplete: {} of {total} variants missing ({}{}); shards not found: {}. Re-run those shards and merge again",
            missing.len(),
            shown.join(", "),
            if missing.len() > 20 { ", ..." } else { "" },
            if absent.is_empty() {
                "none (some shard is partial)".to_string()
            } else {
                absent.join(", ")
            }
        )));
    }
    analyse(spec, sweep_hash, slots.into_iter().flatten().collect())
}

/// The sweep's result from every variant's outputs (in index order).
pub fn analyse(
    spec: &SweepSpec,
    sweep_hash: &str,
    mut results: Vec<VariantResult>,
) -> Result<SweepResult, AppError> {
    results.sort_by_key(|r| r.index);
    let d = spec.axes.len();
    let axes: Vec<String> = spec.axes.iter().map(Axis::label).collect();
    let outputs: Vec<String> = spec.outputs.iter().map(OutputSpec::label).collect();
    let err = |e: sensitivity::SensitivityError| AppError::Invalid(format!("indices: {e}"));
    let mut sobol = Vec::new();
    if spec.design == Design::Saltelli {
        let n = spec.samples;
        for (o, label) in outputs.iter().enumerate() {
            let mut v = sensitivity::SaltelliValues {
                a: vec![f64::NAN; n],
                b: vec![f64::NAN; n],
                ab: vec![vec![f64::NAN; n]; d],
            };
            for r in &results {
                let y = r.outputs.get(o).copied().unwrap_or(f64::NAN);
                match r.role {
                    Role::SaltelliA { sample } if sample < n => v.a[sample] = y,
                    Role::SaltelliB { sample } if sample < n => v.b[sample] = y,
                    Role::SaltelliAb { sample, axis } if sample < n && axis < d => {
                        v.ab[axis][sample] = y
                    }
                    _ => {}
                }
            }
            let idx =
                sensitivity::sobol_indices(&v, spec.bootstrap, spec.design_seed).map_err(err)?;
            sobol.push(OutputIndices {
                output: label.clone(),
                indices: axes.iter().cloned().zip(idx).collect(),
            });
        }
    }
    let mut tornado = Vec::new();
    if spec.design == Design::Oat || spec.tornado {
        for (o, label) in outputs.iter().enumerate() {
            let mut ys = vec![f64::NAN; 1 + 2 * d];
            for r in &results {
                let y = r.outputs.get(o).copied().unwrap_or(f64::NAN);
                match r.role {
                    Role::Centre => ys[0] = y,
                    Role::Low { axis } if axis < d => ys[1 + 2 * axis] = y,
                    Role::High { axis } if axis < d => ys[2 + 2 * axis] = y,
                    _ => {}
                }
            }
            let (centre, bars) = sensitivity::tornado(&ys, d).map_err(err)?;
            tornado.push(OutputTornado {
                output: label.clone(),
                centre,
                bars: bars
                    .into_iter()
                    .map(|b| (axes[b.input].clone(), b))
                    .collect(),
            });
        }
    }
    Ok(SweepResult {
        sweep_hash: sweep_hash.to_string(),
        scenario: spec.scenario.clone(),
        design: spec.design,
        runs: spec.runs,
        seed: spec.seed.unwrap_or(0),
        axes,
        outputs,
        variants: results,
        sobol,
        tornado,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
scenario = "x"
design = "saltelli"
samples = 4
[[axis]]
path = "licensing[0].approval_probability"
range = [0.2, 1.0]
[[axis]]
name = "applications"
path = "licensing.0.applications"
values = [1, 4, 8]
[[output]]
sector = "nev"
country = "JPN"
"#;

    #[test]
    fn a_spec_gives_its_design_and_shards_cover_it_exactly_once() {
        let spec = parse_spec(SPEC, "s.toml").unwrap();
        let vs = variants(&spec).unwrap();
        // Saltelli: 4 x (2 + 2), then the tornado's 1 + 2 x 2.
        assert_eq!(vs.len(), 4 * 4 + 5);
        assert!(vs.iter().enumerate().all(|(i, v)| v.index == i));
        for n in 1..=5u32 {
            let mut seen = vec![0; vs.len()];
            for k in 1..=n {
                for v in shard_of(&vs, k, n) {
                    seen[v.index] += 1;
                }
            }
            assert!(seen.iter().all(|&c| c == 1), "{n} shards: {seen:?}");
        }
        // The list axis takes only its values; the range axis stays inside its range.
        for v in &vs {
            assert!(
                matches!(v.params[1], toml::Value::Integer(1 | 4 | 8)),
                "{:?}",
                v.params
            );
            let toml::Value::Float(p) = v.params[0] else {
                panic!("{:?}", v.params)
            };
            assert!((0.2..=1.0).contains(&p));
        }
        let centre = vs.iter().find(|v| v.role == Role::Centre).unwrap();
        assert_eq!(centre.params[1], toml::Value::Integer(4));
        assert_eq!(variants(&spec).unwrap(), vs);
    }

    #[test]
    fn a_variant_sets_the_paths_and_a_bad_path_is_named() {
        let spec = parse_spec(SPEC, "s.toml").unwrap();
        let vs = variants(&spec).unwrap();
        let scenario = "id = \"x\"\n[[licensing]]\nname = \"n\"\napproval_probability = 0.8\napplications = 8\n";
        let text = variant_text(scenario, &spec, &vs[0]).unwrap();
        let doc: toml::Table = text.parse().unwrap();
        let lic = &doc["licensing"].as_array().unwrap()[0];
        assert_eq!(lic["approval_probability"], vs[0].params[0]);
        assert_eq!(lic["applications"], vs[0].params[1]);
        let missing = "id = \"x\"\n[[licensing]]\nname = \"n\"\n";
        let e = variant_text(missing, &spec, &vs[0])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("axis[0].path") && e.contains("approval_probability"),
            "{e}"
        );
    }

    #[test]
    fn bad_specs_name_the_field() {
        let cases = [
            (
                SPEC.replace("range = [0.2, 1.0]", "range = [1.0, 0.2]"),
                "axis[0]",
            ),
            (SPEC.replace("values = [1, 4, 8]", "values = []"), "axis[1]"),
            (SPEC.replace("samples = 4", "samples = 1"), "samples"),
            (
                SPEC.replace("design = \"saltelli\"", "design = \"sobol\""),
                "design",
            ),
            (
                SPEC.replace("[[output]]\nsector = \"nev\"\ncountry = \"JPN\"", ""),
                "output",
            ),
            (
                SPEC.replace("scenario = \"x\"", "scenario = \"x\"\nbogus = 1"),
                "bogus",
            ),
        ];
        for (text, field) in cases {
            let e = parse_spec(&text, "s.toml").unwrap_err().to_string();
            assert!(e.contains("s.toml") && e.contains(field), "{field}: {e}");
        }
        for bad in ["3", "0/2", "3/2", "a/b", "1/0"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_shard("2/4").unwrap(), (2, 4));
    }

    fn fake_results(spec: &SweepSpec) -> Vec<VariantResult> {
        // y = 3 u0 + u1: a known, deterministic model of the coordinates.
        variants(spec)
            .unwrap()
            .into_iter()
            .map(|v| VariantResult {
                index: v.index,
                role: v.role,
                outputs: vec![3.0 * v.point[0] + v.point[1]],
                point: v.point,
                params: v.params,
            })
            .collect()
    }

    #[test]
    fn merging_shards_gives_the_single_run_result_and_a_missing_shard_is_named() {
        let spec = parse_spec(&SPEC.replace("samples = 4", "samples = 64"), "s.toml").unwrap();
        let all = fake_results(&spec);
        let whole = analyse(&spec, "h", all.clone()).unwrap();
        let n = 4u32;
        let partials: Vec<Partial> = (1..=n)
            .map(|k| Partial {
                sweep_hash: "h".into(),
                shard: k,
                shards: n,
                variants: all.len(),
                results: all
                    .iter()
                    .filter(|r| r.index % n as usize == (k - 1) as usize)
                    .cloned()
                    .collect(),
            })
            .collect();
        // Order of the partials does not matter, and a JSON round trip changes nothing.
        let mut shuffled = partials.clone();
        shuffled.reverse();
        let json: Vec<Partial> = shuffled
            .iter()
            .map(|p| serde_json::from_str(&serde_json::to_string(p).unwrap()).unwrap())
            .collect();
        let merged = merge(&spec, "h", &json).unwrap();
        // Compared as values and as text (a long text is not printed on failure).
        assert!(
            merged == whole,
            "the merged result differs from the single run"
        );
        assert!(serde_json::to_string(&merged).unwrap() == serde_json::to_string(&whole).unwrap());
        // The first input matters more (its coefficient is 3), in both measures.
        let idx = &whole.sobol[0].indices;
        assert!(idx[0].1.total > idx[1].1.total, "{idx:?}");
        assert_eq!(
            whole.tornado[0].bars[0].0,
            "licensing[0].approval_probability"
        );

        let e = merge(&spec, "h", &partials[..3]).unwrap_err().to_string();
        assert!(e.contains("4/4") && e.contains("incomplete"), "{e}");
        let mut other = partials.clone();
        other[1].sweep_hash = "other".into();
        assert!(
            merge(&spec, "h", &other)
                .unwrap_err()
                .to_string()
                .contains("another sweep")
        );
    }
}
