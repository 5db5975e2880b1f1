//! The checker: does this shipment need a licence on this date, under which measures, and why?
//!
//! One evaluation loop serves both paths. It walks the measures in their window on the date
//! (precomputed per interval) and emits `Hit`s; the fast path folds them into a [`FastVerdict`]
//! without allocating or formatting, the full path also keeps them and renders an explanation
//! chain per jurisdiction. Because both paths fold the same hits with the same function, they
//! cannot disagree.
//!
//! Attachment rules (per measure `trigger`, jurisdiction J):
//! * `export`: exporter = J, the product's form/elements/goods/technologies match an item.
//! * `reexport-origin`: exporter != J, made in J, an item matches (J-origin items shipped onward).
//! * `content`: exporter != J, made outside J, and the value of material lines that contain a
//!   listed element in a listed form, weighted by the J-origin share of their rare-earth content,
//!   is at least the threshold share of the product value (">= 0.1%": at exactly the threshold it
//!   applies). Unknown origin that could reach the threshold is a gap.
//! * `made-with-technology`: exporter != J, made outside J, an item matches, technology origin J
//!   (unknown technology origin is a gap).
//! * `import` (tariffs): destination = J, made in a listed origin, tariff class listed.
//!
//! A measure in its window but suspended still matches and is reported as suspended (with what
//! suspends it), never as required. Unknown end users/end uses are gaps, never passes.

use crate::measure::Measure;
use crate::product::Shipment;
use crate::timeline::Timeline;
use crate::vocab::{
    Bits, EndUse, EndUser, Instrument, LicenceStatus, Presumption, TariffBasis, Trigger,
};
use chokepoint_core::{CountryCode, Date, Element};
use serde::Serialize;

/// The answer without explanations, for bulk use.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FastVerdict {
    /// The most restrictive status over all jurisdictions.
    pub licence: LicenceStatus,
    /// The most restrictive presumption among measures requiring a licence.
    pub presumption: Presumption,
    /// Longest expected review among measures requiring a licence (0 when a held general licence
    /// covers them); `None` when no measure states one.
    pub review_working_days: Option<u16>,
    /// Sum of modelled tariff rates at the destination (`None`: no modelled tariff measure; MFN
    /// duties are not modelled unless an all-in rate includes them).
    pub tariff_rate: Option<f64>,
    /// Measures that matched but are suspended on the date.
    pub suspended_hits: u8,
    /// Facts missing for a complete answer (end use, origin, technology origin).
    pub gaps: u8,
    pub general_licence_available: bool,
    pub general_licence_used: bool,
    /// The date is after the data's `as_of`: the answer may be stale.
    pub after_as_of: bool,
}

/// Why a measure matched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Fact {
    /// An item scope matched; `elements` are the product's elements it names.
    Item {
        item: u8,
        elements: u32,
    },
    Content {
        share: f64,
        possible: f64,
        threshold: f64,
        elements: u32,
    },
    MadeWithTechnology {
        item: u8,
    },
    TechnologyOriginUnknown {
        item: u8,
    },
    EndUserUnknown,
    EndUseUnknown,
    Tariff,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum HitKind {
    /// In force and requires a licence (or prohibits).
    Requires {
        fact: Fact,
        presumption: Presumption,
        review: Option<u16>,
    },
    Suspended {
        fact: Fact,
    },
    /// A fact needed to decide is missing.
    Gap {
        fact: Fact,
        in_force: bool,
    },
    /// An end-use policy applies (military end user: denial).
    Policy {
        policy: u8,
    },
    /// An end-use policy could apply but the end use/user is unknown.
    PolicyGap {
        policy: u8,
    },
    /// The content rule was evaluated and not met (explanations only).
    ContentBelow {
        fact: Fact,
    },
    Tariff {
        rate: f64,
        basis: TariffBasis,
    },
    GeneralLicence {
        licence: u16,
        used: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Hit {
    pub measure: u16,
    pub kind: HitKind,
}

/// Folds hits into a verdict.
#[derive(Debug, Clone, Copy, Default)]
struct Acc {
    licence: Option<LicenceStatus>,
    presumption: Option<Presumption>,
    review: Option<u16>,
    all_in: Option<f64>,
    additional: f64,
    tariff_hits: u16,
    suspended: u8,
    gaps: u8,
    gl_available: bool,
    gl_used: bool,
}

impl Acc {
    fn apply(&mut self, h: &Hit) {
        let raise = |l: &mut Option<LicenceStatus>, s: LicenceStatus| {
            *l = Some(l.map_or(s, |x| x.max(s)));
        };
        match h.kind {
            HitKind::Requires {
                presumption,
                review,
                ..
            } => {
                let s = if presumption == Presumption::Prohibited {
                    LicenceStatus::Prohibited
                } else {
                    LicenceStatus::Required
                };
                raise(&mut self.licence, s);
                self.presumption =
                    Some(self.presumption.map_or(presumption, |p| p.max(presumption)));
                self.review = match (self.review, review) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
            }
            HitKind::Suspended { .. } => self.suspended = self.suspended.saturating_add(1),
            HitKind::Gap { in_force, .. } => {
                if in_force {
                    raise(&mut self.licence, LicenceStatus::Undetermined);
                    self.gaps = self.gaps.saturating_add(1);
                }
            }
            HitKind::PolicyGap { .. } => self.gaps = self.gaps.saturating_add(1),
            HitKind::Tariff { rate, basis } => {
                self.tariff_hits += 1;
                match basis {
                    TariffBasis::AllIn => {
                        self.all_in = Some(self.all_in.map_or(rate, |a| a.max(rate)))
                    }
                    TariffBasis::Additional => self.additional += rate,
                }
            }
            HitKind::GeneralLicence { used, .. } => {
                if used {
                    self.gl_used = true;
                } else {
                    self.gl_available = true;
                }
            }
            HitKind::Policy { .. } | HitKind::ContentBelow { .. } => {}
        }
    }

    fn tariff_rate(&self) -> Option<f64> {
        (self.tariff_hits > 0).then(|| self.all_in.unwrap_or(0.0) + self.additional)
    }

    fn finish(&self, after_as_of: bool) -> FastVerdict {
        FastVerdict {
            licence: self.licence.unwrap_or(LicenceStatus::NotRequired),
            presumption: self.presumption.unwrap_or(Presumption::None),
            review_working_days: self.review,
            tariff_rate: self.tariff_rate(),
            suspended_hits: self.suspended,
            gaps: self.gaps,
            general_licence_available: self.gl_available,
            general_licence_used: self.gl_used,
            after_as_of,
        }
    }
}

enum Match {
    No,
    Yes(Fact),
    Gap(Fact),
    Below(Fact),
}

impl Timeline {
    /// The fast path: no explanations, no allocation.
    pub fn check_fast(&self, s: &Shipment<'_>) -> FastVerdict {
        let mut acc = Acc::default();
        self.evaluate(s, |h| acc.apply(&h));
        acc.finish(self.is_after_as_of(s.date))
    }

    /// The full answer with an explanation chain per jurisdiction.
    pub fn check(&self, s: &Shipment<'_>) -> Verdict {
        let mut hits = Vec::new();
        self.evaluate(s, |h| hits.push(h));
        self.render(s, &hits)
    }

    fn evaluate(&self, s: &Shipment<'_>, mut on_hit: impl FnMut(Hit)) {
        let iv = self.interval(s.date);
        for &mi in &iv.candidates {
            let i = mi as usize;
            let m = &self.measures[i];
            let in_force = iv.in_force[i];
            match self.match_measure(m, s) {
                Match::No => {}
                Match::Below(fact) => on_hit(Hit {
                    measure: mi,
                    kind: HitKind::ContentBelow { fact },
                }),
                Match::Gap(fact) => on_hit(Hit {
                    measure: mi,
                    kind: HitKind::Gap { fact, in_force },
                }),
                Match::Yes(fact) if !in_force => on_hit(Hit {
                    measure: mi,
                    kind: HitKind::Suspended { fact },
                }),
                Match::Yes(_) if m.instrument == Instrument::Tariff => {
                    if let Some(t) = &m.tariff {
                        on_hit(Hit {
                            measure: mi,
                            kind: HitKind::Tariff {
                                rate: t.rate,
                                basis: t.basis,
                            },
                        });
                    }
                }
                Match::Yes(fact) => {
                    // First the outcome (so explanations lead with it), then its details.
                    let mut presumption = m.licence.presumption;
                    for pol in &m.end_use_policy {
                        if pol.when.holds(s.end_user, s.end_use) == Some(true) {
                            presumption = presumption.max(pol.presumption);
                        }
                    }
                    let gl_in_force = |g: usize| {
                        iv.in_force[g] && self.measures[g].destinations.contains(s.destination)
                    };
                    let covered = s.holds_general_licence
                        && self.general_licences[i].iter().any(|&g| gl_in_force(g));
                    let review = if covered && presumption < Presumption::Prohibited {
                        Some(0)
                    } else {
                        m.licence.review_working_days
                    };
                    on_hit(Hit {
                        measure: mi,
                        kind: HitKind::Requires {
                            fact,
                            presumption,
                            review,
                        },
                    });
                    for (k, pol) in m.end_use_policy.iter().enumerate() {
                        let policy = k.min(u8::MAX as usize) as u8;
                        match pol.when.holds(s.end_user, s.end_use) {
                            Some(true) => on_hit(Hit {
                                measure: mi,
                                kind: HitKind::Policy { policy },
                            }),
                            Some(false) => {}
                            None => on_hit(Hit {
                                measure: mi,
                                kind: HitKind::PolicyGap { policy },
                            }),
                        }
                    }
                    for &g in &self.general_licences[i] {
                        if gl_in_force(g) {
                            on_hit(Hit {
                                measure: mi,
                                kind: HitKind::GeneralLicence {
                                    licence: g as u16,
                                    used: s.holds_general_licence,
                                },
                            });
                        }
                    }
                }
            }
        }
    }

    fn match_measure(&self, m: &Measure, s: &Shipment<'_>) -> Match {
        let j = m.jurisdiction;
        let p = s.product;
        if !m.destinations.contains(s.destination) {
            return Match::No;
        }
        let m0 = match m.trigger {
            Trigger::None => return Match::No,
            Trigger::Export => {
                if s.exporter != j {
                    return Match::No;
                }
                match_items(m, s)
            }
            Trigger::ReexportOrigin => {
                if s.exporter == j || p.made_in != j {
                    return Match::No;
                }
                match_items(m, s)
            }
            Trigger::MadeWithTechnology => {
                if s.exporter == j || p.made_in == j {
                    return Match::No;
                }
                match match_items(m, s) {
                    Match::Yes(Fact::Item { item, .. }) => match p.tech_origin {
                        Some(o) if o == j => Match::Yes(Fact::MadeWithTechnology { item }),
                        Some(_) => Match::No,
                        None => Match::Gap(Fact::TechnologyOriginUnknown { item }),
                    },
                    other => other,
                }
            }
            Trigger::Content => {
                if s.exporter == j || p.made_in == j {
                    return Match::No;
                }
                let Some(rule) = &m.content_rule else {
                    return Match::No;
                };
                // (value, origin share) and (value, unknown-origin share) per listed line.
                let mut known = Vec::new();
                let mut unknown = Vec::new();
                let mut elements = 0u32;
                for line in &p.materials {
                    if !rule.masks.forms.is_empty() && !rule.masks.forms.has(line.form.bit()) {
                        continue;
                    }
                    let em = line.element_mask & rule.masks.elements.0;
                    if em == 0 {
                        continue;
                    }
                    let o = line.origin_share(rule.origin);
                    if o > 0.0 {
                        elements |= em;
                    }
                    known.push((line.value_usd, o));
                    unknown.push((line.value_usd, line.unknown_origin_share()));
                }
                let worth = |l: &[(f64, f64)]| l.iter().any(|(v, o)| v * o != 0.0);
                if !worth(&known) && !worth(&unknown) {
                    return Match::No;
                }
                let share = crate::content::value_share(known.iter().copied(), p.value_usd);
                let possible =
                    share + crate::content::value_share(unknown.iter().copied(), p.value_usd);
                let t = rule.threshold_value_share;
                let fact = Fact::Content {
                    share,
                    possible,
                    threshold: t,
                    elements,
                };
                if crate::content::applies(share, t) {
                    Match::Yes(fact)
                } else if crate::content::applies(possible, t) {
                    Match::Gap(fact)
                } else {
                    Match::Below(fact)
                }
            }
            Trigger::Import => {
                if s.destination != j {
                    return Match::No;
                }
                match &m.tariff {
                    Some(t)
                        if t.origins.contains(&p.made_in)
                            && t.classes.contains(&p.tariff_class) =>
                    {
                        Match::Yes(Fact::Tariff)
                    }
                    _ => Match::No,
                }
            }
        };
        // End-user and end-use scopes: checked after the item matched, so an unknown end use is
        // reported only where it matters.
        let Match::Yes(fact) = m0 else { return m0 };
        if !m.end_users.is_empty() {
            match s.end_user {
                EndUser::Unknown => return Match::Gap(Fact::EndUserUnknown),
                u if m.end_users.contains(&u) => {}
                _ => return Match::No,
            }
        }
        if !m.end_uses.is_empty() {
            match s.end_use {
                EndUse::Unknown => return Match::Gap(Fact::EndUseUnknown),
                u if m.end_uses.contains(&u) => {}
                _ => return Match::No,
            }
        }
        Match::Yes(fact)
    }
}

fn match_items(m: &Measure, s: &Shipment<'_>) -> Match {
    let p = s.product;
    let pe = p.element_bits();
    for (k, item) in m.items.iter().enumerate() {
        let mk = &item.masks;
        if !mk.forms.is_empty() && !mk.forms.has(p.form.bit()) {
            continue;
        }
        if !mk.elements.is_empty() && !mk.elements.intersects(pe) {
            continue;
        }
        if !mk.goods.is_empty() && !p.goods.is_some_and(|g| mk.goods.has(g.bit())) {
            continue;
        }
        if !mk.technologies.is_empty() && !mk.technologies.intersects(Bits(p.technology_mask)) {
            continue;
        }
        return Match::Yes(Fact::Item {
            item: k.min(u8::MAX as usize) as u8,
            elements: pe.0 & mk.elements.0,
        });
    }
    Match::No
}

/// One link of an explanation chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub kind: StepKind,
    /// The measure cited, if any.
    pub measure: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    Requires,
    Suspended,
    Gap,
    EndUse,
    GeneralLicence,
    Tariff,
    Info,
}

/// A measure that matched but is suspended on the date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuspendedMeasure {
    pub measure: String,
    pub citation: String,
    /// Suspensions in force on the date, as `(id, citation, window)`.
    pub suspended_by: Vec<(String, String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TariffOutcome {
    /// Sum of modelled rates (all-in rate, or 0, plus additional rates).
    pub rate: f64,
    pub duty_usd: f64,
    pub measures: Vec<String>,
    /// Whether an all-in rate (which includes MFN) is part of `rate`; otherwise MFN is extra.
    pub includes_mfn: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JurisdictionVerdict {
    pub jurisdiction: CountryCode,
    pub licence: LicenceStatus,
    pub required_under: Vec<String>,
    pub suspended: Vec<SuspendedMeasure>,
    pub review_working_days: Option<u16>,
    pub presumption: Presumption,
    pub general_licence: Option<String>,
    pub tariff: Option<TariffOutcome>,
    pub gaps: Vec<String>,
    pub explanation: Vec<Step>,
}

/// The full answer for one shipment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub product: String,
    pub date: Date,
    pub exporter: CountryCode,
    pub destination: CountryCode,
    pub end_user: EndUser,
    pub end_use: EndUse,
    /// Most restrictive over jurisdictions.
    pub licence: LicenceStatus,
    pub jurisdictions: Vec<JurisdictionVerdict>,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
    /// The same answer as [`Timeline::check_fast`].
    pub summary: FastVerdict,
}

fn pct(x: f64) -> String {
    let v = x * 100.0;
    let s = if v != 0.0 && v.abs() < 0.01 {
        format!("{v:.4}")
    } else {
        format!("{v:.3}")
    };
    let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    format!("{s}%")
}

fn elements_text(mask: u32) -> String {
    let v: Vec<&str> = Element::ALL
        .into_iter()
        .filter(|e| mask & crate::vocab::element_bit(*e) != 0)
        .map(Element::symbol)
        .collect();
    if v.is_empty() {
        "listed items".into()
    } else {
        v.join(", ")
    }
}

fn origin_adjective(c: CountryCode) -> String {
    if c == CountryCode::CHINA {
        "Chinese-origin".into()
    } else {
        format!("{c}-origin")
    }
}

impl Timeline {
    fn fact_text(&self, m: &Measure, s: &Shipment<'_>, fact: &Fact) -> String {
        let p = s.product;
        match *fact {
            Fact::Item { item, elements } => {
                let scope = m.items.get(item as usize);
                let what = if elements != 0 {
                    format!("{} containing {}", p.form, elements_text(elements))
                } else if let Some(g) = p.goods {
                    g.to_string()
                } else if !p.technologies.is_empty() {
                    let t: Vec<&str> = p.technologies.iter().map(|t| t.as_str()).collect();
                    format!("technology {}", t.join(", "))
                } else {
                    p.form.to_string()
                };
                let lane = match m.trigger {
                    Trigger::ReexportOrigin => {
                        format!("{}-made item re-exported from {}", p.made_in, s.exporter)
                    }
                    _ => format!("exported from {}", s.exporter),
                };
                let mut t = format!("{what}, {lane}");
                if let Some(note) = scope.and_then(|i| i.note.as_deref()) {
                    t.push_str(&format!(" (listed: {note})"));
                }
                if scope.and_then(|i| i.confidence) == Some(crate::vocab::Confidence::Memory) {
                    t.push_str(" [item coverage from memory]");
                }
                t
            }
            Fact::Content {
                share,
                possible,
                threshold,
                elements,
            } => {
                let origin = m
                    .content_rule
                    .as_ref()
                    .map_or_else(|| m.jurisdiction, |r| r.origin);
                let mut t = format!(
                    "contains {} by value {} listed items with {}; threshold {}",
                    pct(share),
                    origin_adjective(origin),
                    elements_text(elements),
                    pct(threshold)
                );
                if possible > share {
                    t.push_str(&format!(
                        "; up to {} if material of unstated origin is {}",
                        pct(possible),
                        origin_adjective(origin)
                    ));
                }
                t
            }
            Fact::MadeWithTechnology { .. } => format!(
                "made in {} with {} rare-earth technology",
                p.made_in,
                origin_adjective(m.jurisdiction)
            ),
            Fact::TechnologyOriginUnknown { .. } => format!(
                "made in {} with rare-earth processing technology of unstated origin (the rule \
                 applies if it is {})",
                p.made_in,
                origin_adjective(m.jurisdiction)
            ),
            Fact::EndUserUnknown => {
                let v: Vec<&str> = m.end_users.iter().map(|u| u.as_str()).collect();
                format!(
                    "end user not stated; the measure applies to end users: {}",
                    v.join(", ")
                )
            }
            Fact::EndUseUnknown => {
                let v: Vec<&str> = m.end_uses.iter().map(|u| u.as_str()).collect();
                format!(
                    "end use not stated; the measure applies to end uses: {}",
                    v.join(", ")
                )
            }
            Fact::Tariff => format!("{}-origin goods, class {}", p.made_in, p.tariff_class),
        }
    }

    fn suspension_text(&self, i: usize, d: Date) -> Vec<(String, String, String)> {
        let iv = self.interval(d);
        self.suspenders[i]
            .iter()
            .filter(|&&s| iv.in_force[s])
            .map(|&s| {
                let sm = &self.measures[s];
                (sm.id.clone(), sm.citation(), sm.window.describe())
            })
            .collect()
    }

    fn render(&self, s: &Shipment<'_>, hits: &[Hit]) -> Verdict {
        let mut acc_all = Acc::default();
        let mut per: Vec<(CountryCode, Acc, JurisdictionVerdict)> = Vec::new();
        let mut warnings: Vec<String> = self.staleness_warning(s.date).into_iter().collect();
        let mut named_elements = 0u32;

        for h in hits {
            let i = h.measure as usize;
            let m = &self.measures[i];
            acc_all.apply(h);
            let k = match per.iter().position(|(j, ..)| *j == m.jurisdiction) {
                Some(k) => k,
                None => {
                    per.push((
                        m.jurisdiction,
                        Acc::default(),
                        JurisdictionVerdict {
                            jurisdiction: m.jurisdiction,
                            licence: LicenceStatus::NotRequired,
                            required_under: Vec::new(),
                            suspended: Vec::new(),
                            review_working_days: None,
                            presumption: Presumption::None,
                            general_licence: None,
                            tariff: None,
                            gaps: Vec::new(),
                            explanation: Vec::new(),
                        },
                    ));
                    per.len() - 1
                }
            };
            let (_, acc, jv) = &mut per[k];
            acc.apply(h);
            let cite = m.citation();
            let step = |kind, text: String| Step {
                kind,
                measure: Some(m.id.clone()),
                text,
            };
            match &h.kind {
                HitKind::Requires {
                    fact,
                    presumption,
                    review,
                } => {
                    if let Fact::Item { elements, .. } | Fact::Content { elements, .. } = fact {
                        named_elements |= elements;
                    }
                    jv.required_under.push(m.id.clone());
                    let mut t = format!("{}; {cite}", self.fact_text(m, s, fact));
                    t.push_str(&match presumption {
                        Presumption::Prohibited => {
                            format!(": {} — no licence available", m.instrument)
                        }
                        Presumption::Denial => ": licence required, denial in principle".into(),
                        Presumption::CaseByCase => {
                            ": licence required, reviewed case by case".into()
                        }
                        _ => ": licence required".into(),
                    });
                    if let Some(d) = review {
                        t.push_str(&format!("; review up to {d} working days"));
                    }
                    if let Some(note) = &m.licence.note {
                        t.push_str(&format!(" ({note})"));
                    }
                    jv.explanation.push(step(StepKind::Requires, t));
                }
                HitKind::Suspended { fact } => {
                    let by = self.suspension_text(i, s.date);
                    let by_text: Vec<String> = by
                        .iter()
                        .map(|(_, c, w)| format!("suspended by {c} {w}"))
                        .collect();
                    jv.explanation.push(step(
                        StepKind::Suspended,
                        format!(
                            "{}; {cite}; {}",
                            self.fact_text(m, s, fact),
                            by_text.join("; ")
                        ),
                    ));
                    jv.suspended.push(SuspendedMeasure {
                        measure: m.id.clone(),
                        citation: cite.clone(),
                        suspended_by: by,
                    });
                }
                HitKind::Gap { fact, in_force } => {
                    let mut t = format!("{}; {cite}", self.fact_text(m, s, fact));
                    if *in_force {
                        t.push_str(": cannot decide without this fact (a gap, not a pass)");
                        jv.gaps.push(t.clone());
                    } else {
                        let by = self.suspension_text(i, s.date);
                        let w: Vec<String> =
                            by.iter().map(|(_, c, w)| format!("{c} {w}")).collect();
                        t.push_str(&format!(": moot while suspended by {}", w.join("; ")));
                    }
                    jv.explanation.push(step(StepKind::Gap, t));
                }
                HitKind::Policy { policy } => {
                    if let Some(p) = m.end_use_policy.get(*policy as usize) {
                        let mut t = format!("{cite}: {} → {}", p.when, p.presumption);
                        if let Some(n) = &p.note {
                            t.push_str(&format!(" ({n})"));
                        }
                        jv.explanation.push(step(StepKind::EndUse, t));
                    }
                }
                HitKind::PolicyGap { policy } => {
                    if let Some(p) = m.end_use_policy.get(*policy as usize) {
                        // One line per measure: append to its previous policy gap, if any.
                        let clause = format!("if {} → {}", p.when, p.presumption);
                        let last = jv.explanation.last_mut().filter(|l| {
                            l.kind == StepKind::Gap
                                && l.measure.as_deref() == Some(m.id.as_str())
                                && l.text.contains("end use/end user not stated")
                        });
                        match last {
                            Some(l) => {
                                l.text = l.text.replace(" (a gap", &format!("; {clause} (a gap"));
                                if let Some(g) = jv.gaps.last_mut() {
                                    *g = l.text.clone();
                                }
                            }
                            None => {
                                let t = format!(
                                    "{cite}: end use/end user not stated: {clause} (a gap, not a pass)"
                                );
                                jv.gaps.push(t.clone());
                                jv.explanation.push(step(StepKind::Gap, t));
                            }
                        }
                    }
                }
                HitKind::ContentBelow { fact } => {
                    if let Fact::Content { .. } = fact {
                        jv.explanation.push(step(
                            StepKind::Info,
                            format!(
                                "{}; {cite}: below the threshold, not triggered",
                                self.fact_text(m, s, fact)
                            ),
                        ));
                    }
                }
                HitKind::Tariff { rate, basis } => {
                    let t = format!(
                        "{}; {cite}: {} ({basis})",
                        self.fact_text(m, s, &Fact::Tariff),
                        pct(*rate)
                    );
                    jv.explanation.push(step(StepKind::Tariff, t));
                    let tariff = jv.tariff.get_or_insert(TariffOutcome {
                        rate: 0.0,
                        duty_usd: 0.0,
                        measures: Vec::new(),
                        includes_mfn: false,
                    });
                    tariff.measures.push(m.id.clone());
                    tariff.includes_mfn |= *basis == TariffBasis::AllIn;
                }
                HitKind::GeneralLicence { licence, used } => {
                    let g = &self.measures[*licence as usize];
                    let t = if *used {
                        format!(
                            "{}: exporter holds a general licence covering {cite}; no individual review",
                            g.citation()
                        )
                    } else {
                        format!(
                            "{} may cover {cite} for selected exporters (eligibility not modelled)",
                            g.citation()
                        )
                    };
                    jv.general_licence = Some(g.id.clone());
                    jv.explanation.push(step(StepKind::GeneralLicence, t));
                }
            }
            // Warn when the answer hinges on a boundary the data cannot have seen.
            if let Some(a) = self.as_of {
                let mut check = |mm: &Measure| {
                    if let Some(e) = mm.window.end_exclusive()
                        && e > a
                        && e <= s.date
                    {
                        let w = format!(
                            "{} ended on {} per its text, after the data's newest source ({a}); it \
                             may have been extended, replaced or lifted",
                            mm.citation(),
                            mm.window.last_day().unwrap_or(e)
                        );
                        if !warnings.contains(&w) {
                            warnings.push(w);
                        }
                    }
                };
                check(m);
                for &sp in &self.suspenders[i] {
                    check(&self.measures[sp]);
                }
            }
        }

        let mut jurisdictions = Vec::with_capacity(per.len());
        for (_, acc, mut jv) in per {
            let f = acc.finish(false);
            jv.licence = f.licence;
            jv.presumption = f.presumption;
            jv.review_working_days = f.review_working_days;
            if let (Some(t), Some(rate)) = (jv.tariff.as_mut(), f.tariff_rate) {
                t.rate = rate;
                t.duty_usd = rate * s.product.value_usd;
            }
            jurisdictions.push(jv);
        }

        let mut notes = Vec::new();
        let unnamed = s.product.element_mask & !named_elements;
        if unnamed != 0 {
            let iv = self.interval(s.date);
            let listed = iv
                .candidates
                .iter()
                .map(|&c| &self.measures[c as usize])
                .filter(|m| m.trigger != Trigger::Import)
                .fold(0u32, |acc, m| {
                    acc | m.items.iter().fold(0, |a, it| a | it.masks.elements.0)
                        | m.content_rule.as_ref().map_or(0, |r| r.masks.elements.0)
                });
            let outside = unnamed & !listed;
            if outside != 0 {
                notes.push(format!(
                    "{}: not named by any export-control measure in its window on {}",
                    elements_text(outside),
                    s.date
                ));
            }
        }
        if s.exporter == s.destination {
            notes.push(format!(
                "domestic shipment: exporter and destination are both {}, so no export control of {} applies to it (another country's extraterritorial rule still can)",
                s.exporter, s.exporter
            ));
        }
        if jurisdictions.is_empty() {
            notes.push(format!(
                "no modelled measure applies to this shipment on {} ({} → {})",
                s.date, s.exporter, s.destination
            ));
        }
        if let Some(first) = self.first_date()
            && s.date < first
        {
            warnings.push(format!(
                "query date {} is before the timeline's first measure ({first}): the rules data says nothing about that time",
                s.date
            ));
        }
        let summary = acc_all.finish(self.is_after_as_of(s.date));
        Verdict {
            product: s.product.id.clone(),
            date: s.date,
            exporter: s.exporter,
            destination: s.destination,
            end_user: s.end_user,
            end_use: s.end_use,
            licence: summary.licence,
            jurisdictions,
            warnings,
            notes,
            summary,
        }
    }
}
