//! `chokepoint policy timeline|at`: the trade-policy rule timeline, and where the CLI finds it.
//!
//! The bundled policy file is looked up at run time so that an edited copy on disk wins over the
//! compiled-in one: `$CHOKEPOINT_DATA/policy/measures.toml`, then `./data/policy/measures.toml`,
//! then the source tree this binary was built from, and finally the copy embedded in the binary
//! (so the tool works from anywhere). `--policy-dir DIR` layers every `*.toml` in DIR over it, in
//! file-name order, adding or replacing measures by id; the bundled file is never modified.

use anyhow::{Context, Result};
use chokepoint_core::{CountryCode, Date, Element};
use chokepoint_rules::timeline::State;
use chokepoint_rules::{Diagnostics, Measure, Timeline};
use std::path::{Path, PathBuf};

/// `writeln!` into a `String` (which cannot fail); output is written once at the end by
/// [`emit`] so that a closed pipe (`| head`) ends the command quietly instead of panicking.
macro_rules! outln {
    ($buf:expr) => {
        $buf.push('\n')
    };
    ($buf:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($buf, $($arg)*);
    }};
}
pub(crate) use outln;

/// Writes command output to stdout; a closed pipe is not an error.
pub fn emit(s: &str) -> Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(Into::into),
    }
}

const RELATIVE: &str = "policy/measures.toml";

/// Where the bundled policy text came from, and the text.
#[derive(Debug, Clone)]
pub struct PolicySource {
    pub name: String,
    pub text: String,
}

/// Finds the bundled policy file (see the module docs for the order).
pub fn bundled_policy() -> Result<PolicySource> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(dir) = std::env::var_os("CHOKEPOINT_DATA") {
        candidates.push(PathBuf::from(dir).join(RELATIVE));
    }
    candidates.push(Path::new("data").join(RELATIVE));
    candidates.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../data")
            .join(RELATIVE),
    );
    for path in candidates {
        if path.is_file() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            return Ok(PolicySource {
                name: path.display().to_string(),
                text,
            });
        }
    }
    Ok(PolicySource {
        name: "<embedded data/policy/measures.toml>".into(),
        text: chokepoint_rules::BUNDLED_POLICY.to_string(),
    })
}

/// The bundled timeline with the user's layers. `Ok(Err(_))` carries policy diagnostics (exit 2);
/// `Err` is an I/O failure.
pub fn load_timeline(
    policy_dir: Option<&Path>,
) -> Result<std::result::Result<Timeline, Diagnostics>> {
    let bundled = bundled_policy()?;
    let mut t = match Timeline::from_toml(&bundled.text, &bundled.name) {
        Ok(t) => t,
        Err(d) => return Ok(Err(d)),
    };
    if let Some(dir) = policy_dir {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("reading policy directory {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
            .collect();
        files.sort();
        let mut diags = Vec::new();
        for f in files {
            let text =
                std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
            if let Err(d) = t.layer(&text, &f.display().to_string()) {
                diags.extend(d.0);
            }
        }
        if !diags.is_empty() {
            return Ok(Err(Diagnostics(diags)));
        }
    }
    Ok(Ok(t))
}

/// Today's date (UTC) from the system clock; the rules crate itself never reads the clock.
pub fn today() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = std::time::Duration::from_secs(secs - secs % 86_400);
    Date::constant(1970, 1, 1)
        .checked_add(days)
        .unwrap_or(Date::constant(1970, 1, 1))
}

pub fn print_diagnostics(d: &Diagnostics) {
    for x in d.iter() {
        eprintln!("error: {x}");
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum PolicyCommand {
    /// Print the dated measures (export controls, suspensions, general licences, tariffs) with
    /// their windows, what suspends them, and their state today.
    Timeline(TimelineArgs),
    /// Print what is in force and what is suspended on DATE.
    At(AtArgs),
}

#[derive(Debug, clap::Args)]
pub struct Filter {
    /// Only measures naming this element (symbol, e.g. Dy), plus the suspensions and general
    /// licences that act on them.
    #[arg(long)]
    pub element: Option<String>,
    /// Only measures of this jurisdiction (ISO3, e.g. CHN, USA).
    #[arg(long)]
    pub jurisdiction: Option<String>,
    /// Layer every *.toml in DIR over the bundled policy (adds or replaces measures by id).
    #[arg(long)]
    pub policy_dir: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct TimelineArgs {
    #[command(flatten)]
    pub filter: Filter,
}

#[derive(Debug, clap::Args)]
pub struct AtArgs {
    /// The date, YYYY-MM-DD.
    pub date: String,
    #[command(flatten)]
    pub filter: Filter,
}

pub fn run(args: Args) -> Result<i32> {
    match args.command {
        PolicyCommand::Timeline(a) => timeline(a.filter),
        PolicyCommand::At(a) => at(&a.date, a.filter),
    }
}

/// Parsed filters, or an exit code 2 after printing why.
fn filters(f: &Filter) -> std::result::Result<(Option<Element>, Option<CountryCode>), i32> {
    let element = match f.element.as_deref().map(str::parse::<Element>) {
        Some(Ok(e)) => Some(e),
        Some(Err(e)) => {
            eprintln!("error: --element: {e}");
            return Err(2);
        }
        None => None,
    };
    let jurisdiction = match f.jurisdiction.as_deref().map(str::parse::<CountryCode>) {
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => {
            eprintln!("error: --jurisdiction: {e}");
            return Err(2);
        }
        None => None,
    };
    Ok((element, jurisdiction))
}

/// Whether a measure passes the element filter: it names the element, or it suspends or covers
/// one that does.
fn names_element(t: &Timeline, m: &Measure, e: Option<Element>) -> bool {
    let Some(e) = e else { return true };
    if m.mentions_element(e) {
        return true;
    }
    t.measures().iter().any(|x| {
        x.mentions_element(e)
            && (t.suspensions_of(&x.id).iter().any(|s| s.id == m.id)
                || (!m.covers.is_empty()
                    && m.covers
                        .iter()
                        .any(|c| x.id == *c || x.part_of.as_deref() == Some(c))))
    })
}

fn state_text(s: State) -> &'static str {
    match s {
        State::NotYet => "not yet",
        State::InForce => "in force",
        State::Suspended => "suspended",
        State::Lapsed => "lapsed",
    }
}

fn load(f: &Filter) -> Result<std::result::Result<Timeline, i32>> {
    Ok(match load_timeline(f.policy_dir.as_deref())? {
        Ok(t) => Ok(t),
        Err(d) => {
            print_diagnostics(&d);
            Err(2)
        }
    })
}

fn timeline(f: Filter) -> Result<i32> {
    let (element, jurisdiction) = match filters(&f) {
        Ok(x) => x,
        Err(code) => return Ok(code),
    };
    let t = match load(&f)? {
        Ok(t) => t,
        Err(code) => return Ok(code),
    };
    let today = today();
    let states = t.status_on(today);
    let state_of = |id: &str| states.iter().find(|s| s.measure.id == id).map(|s| s.state);
    let mut out = String::new();
    let measures: Vec<&Measure> = t
        .chronological(jurisdiction)
        .into_iter()
        .filter(|m| names_element(&t, m, element))
        .collect();
    match f.format {
        Format::Json => {
            let rows: Vec<serde_json::Value> = measures
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "measure": m,
                        "window": m.window.describe(),
                        "suspended_by": t.suspensions_of(&m.id).iter().map(|s| serde_json::json!({"id": s.id, "citation": s.citation(), "window": s.window.describe()})).collect::<Vec<_>>(),
                        "state_today": state_of(&m.id),
                        "today": today,
                    })
                })
                .collect();
            outln!(
                out,
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({"as_of": t.as_of(), "measures": rows})
                )?
            );
        }
        Format::Table => {
            outln!(
                out,
                "{:<11} {:<11} {:<4} {:<36} {:<10} instrument / what",
                "start",
                "last day",
                "by",
                "measure",
                "today"
            );
            for m in &measures {
                let last = m
                    .window
                    .last_day()
                    .map_or_else(|| "-".to_string(), |d| d.to_string());
                outln!(
                    out,
                    "{:<11} {:<11} {:<4} {:<36} {:<10} {}: {}",
                    m.window.start.to_string(),
                    last,
                    m.jurisdiction.to_string(),
                    m.id,
                    state_of(&m.id).map_or("", state_text),
                    m.instrument,
                    m.citation()
                );
                for s in t.suspensions_of(&m.id) {
                    outln!(
                        out,
                        "{:<65}   suspended by {} {}",
                        "",
                        s.citation(),
                        s.window.describe()
                    );
                }
            }
            outln!(out);
            if let Some(a) = t.as_of() {
                outln!(out, "Data as of {a} (newest source). Today is {today}.");
            }
            if let Some(w) = t.staleness_warning(today) {
                outln!(out, "warning: {w}");
            }
        }
    }
    emit(&out)?;
    Ok(0)
}

fn at(date: &str, f: Filter) -> Result<i32> {
    let d = match chokepoint_rules::parse_date(date) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: DATE: {e}");
            return Ok(2);
        }
    };
    let (element, jurisdiction) = match filters(&f) {
        Ok(x) => x,
        Err(code) => return Ok(code),
    };
    let t = match load(&f)? {
        Ok(t) => t,
        Err(code) => return Ok(code),
    };
    let mut out = String::new();
    let states: Vec<_> = t
        .status_on(d)
        .into_iter()
        .filter(|s| jurisdiction.is_none_or(|j| s.measure.jurisdiction == j))
        .filter(|s| names_element(&t, s.measure, element))
        .filter(|s| matches!(s.state, State::InForce | State::Suspended))
        .collect();
    // A date outside the data's span answers "nothing" for want of data, not of measures.
    let warning = t.staleness_warning(d).or_else(|| {
        t.first_date().filter(|f| d < *f).map(|f| {
            format!("{d} is before the timeline's first measure ({f}): the rules data says nothing about that time")
        })
    });
    match f.format {
        Format::Json => outln!(
            out,
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "date": d,
                "as_of": t.as_of(),
                "warning": warning,
                "measures": states,
            }))?
        ),
        Format::Table => {
            if let Some(w) = &warning
                && t.staleness_warning(d).is_none()
            {
                outln!(out, "warning: {w}");
            }
            outln!(out, "In force on {d}:");
            if !states.iter().any(|s| s.state == State::InForce) {
                outln!(
                    out,
                    "  nothing: no measure of the timeline is in force on {d}"
                );
            }
            for s in states.iter().filter(|s| s.state == State::InForce) {
                outln!(
                    out,
                    "  {:<4} {:<36} {} ({})",
                    s.measure.jurisdiction.to_string(),
                    s.measure.id,
                    s.measure.citation(),
                    s.measure.window.describe()
                );
            }
            outln!(out, "Suspended on {d}:");
            if !states.iter().any(|s| s.state == State::Suspended) {
                outln!(out, "  nothing is suspended on {d}");
            }
            for s in states.iter().filter(|s| s.state == State::Suspended) {
                let by: Vec<String> = s
                    .suspended_by
                    .iter()
                    .map(|b| format!("{} {}", b.citation(), b.window.describe()))
                    .collect();
                outln!(
                    out,
                    "  {:<4} {:<36} {} — by {}",
                    s.measure.jurisdiction.to_string(),
                    s.measure.id,
                    s.measure.citation(),
                    by.join("; ")
                );
            }
            if let Some(w) = t.staleness_warning(d) {
                outln!(out, "warning: {w}");
            }
        }
    }
    emit(&out)?;
    Ok(0)
}
