//! Bills of materials for the licence checker, from TOML or CSV text given by the caller.
//!
//! TOML: `[[product]]` tables with `[[product.material]]` lines. CSV: one row per
//! product-material line; product columns may be left blank on a product's later rows (they
//! inherit), but may not contradict earlier rows. Fractions are fractions (1.0 = 100%), masses in
//! kg, values in USD. Every problem is a diagnostic naming the file, line/row, product and field;
//! a BOM with any problem yields no products.

use crate::diag::{Collector, Diagnostics};
use crate::policy::{date_from_value, parse_country, parse_date, parse_element};
use crate::product::{MaterialSpec, Product, ProductError, ProductSpec};
use crate::vocab::{EndUse, EndUser, Form, Goods, TariffClass, Technology};
use chokepoint_core::{CountryCode, Date, Element};
use serde::Deserialize;

/// One product of a BOM with the shipment facts the BOM states (the caller may override them).
#[derive(Debug, Clone)]
pub struct BomEntry {
    pub product: Product,
    /// Defaults to the country where the product was made.
    pub exporter: CountryCode,
    pub destination: Option<CountryCode>,
    pub end_user: EndUser,
    pub end_use: EndUse,
    pub date: Option<Date>,
    pub holds_general_licence: bool,
    /// Line (TOML) or first row (CSV) of the product.
    pub line: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBom {
    #[serde(default)]
    product: Vec<toml::Spanned<RawProduct>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProduct {
    id: Option<String>,
    name: Option<String>,
    form: Option<String>,
    goods: Option<String>,
    #[serde(default)]
    technologies: Vec<String>,
    tariff_class: Option<String>,
    made_in: Option<String>,
    exporter: Option<String>,
    destination: Option<String>,
    end_user: Option<String>,
    end_use: Option<String>,
    tech_origin: Option<String>,
    value_usd: Option<toml::Value>,
    date: Option<toml::Value>,
    holds_general_licence: Option<bool>,
    #[serde(default)]
    material: Vec<toml::Spanned<RawMaterial>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMaterial {
    name: Option<String>,
    form: Option<String>,
    mass_kg: Option<toml::Value>,
    value_usd: Option<toml::Value>,
    #[serde(default)]
    content: toml::Table,
    #[serde(default)]
    re_origin: toml::Table,
}

fn number(v: &toml::Value) -> Result<f64, String> {
    match v {
        toml::Value::Float(f) => Ok(*f),
        toml::Value::Integer(i) => Ok(*i as f64),
        toml::Value::String(s) => parse_number(s),
        other => Err(format!("expected a number, found {}", other.type_str())),
    }
}

fn parse_number(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v: f64 = t.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("`{s}` is not a finite number"))
    }
}

/// Product-level facts shared by both formats, as strings.
#[derive(Default, Clone, PartialEq)]
struct Head {
    id: String,
    name: Option<String>,
    form: Option<String>,
    goods: Option<String>,
    technologies: Vec<String>,
    tariff_class: Option<String>,
    made_in: Option<String>,
    exporter: Option<String>,
    destination: Option<String>,
    end_user: Option<String>,
    end_use: Option<String>,
    tech_origin: Option<String>,
    value_usd: Option<Result<f64, String>>,
    date: Option<Result<Date, String>>,
    holds_general_licence: Option<bool>,
}

/// A material with the location it came from.
struct Line {
    spec: Option<MaterialSpec>,
    line: Option<usize>,
}

/// Validates the head and materials into an entry, reporting into `c`.
fn assemble(
    c: &mut Collector<'_>,
    head: Head,
    line: Option<usize>,
    lines: Vec<Line>,
    csv: bool,
) -> Option<BomEntry> {
    let before = c.out.len();
    let rec = format!("product {}", head.id);
    let rec = rec.as_str();
    let vocab = |c: &mut Collector<'_>,
                 field: &str,
                 v: &Option<String>,
                 default: Option<&str>|
     -> Option<String> {
        match v.as_deref().filter(|s| !s.trim().is_empty()).or(default) {
            Some(s) => Some(s.trim().to_string()),
            None => {
                c.push(line, rec, Some(field), "missing");
                None
            }
        }
    };
    let form = vocab(c, "form", &head.form, None).and_then(|s| {
        let f = Form::parse(&s);
        if f.is_none() {
            c.push(
                line,
                rec,
                Some("form"),
                format!("unknown form `{s}`; expected one of: {}", Form::expected()),
            );
        }
        f
    });
    let tariff_class =
        vocab(c, "tariff_class", &head.tariff_class, Some("general")).and_then(|s| {
            let f = TariffClass::parse(&s);
            if f.is_none() {
                c.push(
                    line,
                    rec,
                    Some("tariff_class"),
                    format!(
                        "unknown tariff class `{s}`; expected one of: {}",
                        TariffClass::expected()
                    ),
                );
            }
            f
        });
    let country = |c: &mut Collector<'_>, field: &str, v: &Option<String>| -> Option<CountryCode> {
        let s = v.as_deref().filter(|s| !s.trim().is_empty())?;
        match parse_country(s) {
            Ok(cc) => Some(cc),
            Err(e) => {
                c.push(line, rec, Some(field), e);
                None
            }
        }
    };
    let made_in = country(c, "made_in", &head.made_in);
    if head.made_in.as_deref().is_none_or(|s| s.trim().is_empty()) {
        c.push(line, rec, Some("made_in"), "missing");
    }
    let exporter = country(c, "exporter", &head.exporter);
    let destination = country(c, "destination", &head.destination);
    let tech_origin = country(c, "tech_origin", &head.tech_origin);
    let goods = match head.goods.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(g) => {
            let v = Goods::parse(g.trim());
            if v.is_none() {
                c.push(
                    line,
                    rec,
                    Some("goods"),
                    format!(
                        "unknown goods `{g}`; expected one of: {}",
                        Goods::expected()
                    ),
                );
            }
            v
        }
        None => None,
    };
    let mut technologies = Vec::new();
    for t in &head.technologies {
        match Technology::parse(t.trim()) {
            Some(v) => technologies.push(v),
            None => c.push(
                line,
                rec,
                Some("technologies"),
                format!(
                    "unknown technology `{t}`; expected one of: {}",
                    Technology::expected()
                ),
            ),
        }
    }
    let end_user = match head.end_user.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => EndUser::parse(s.trim()).unwrap_or_else(|| {
            c.push(
                line,
                rec,
                Some("end_user"),
                format!(
                    "unknown end user `{s}`; expected one of: {}",
                    EndUser::expected()
                ),
            );
            EndUser::Unknown
        }),
        None => EndUser::Unknown,
    };
    let end_use = match head.end_use.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => EndUse::parse(s.trim()).unwrap_or_else(|| {
            c.push(
                line,
                rec,
                Some("end_use"),
                format!(
                    "unknown end use `{s}`; expected one of: {}",
                    EndUse::expected()
                ),
            );
            EndUse::Unknown
        }),
        None => EndUse::Unknown,
    };
    let value_usd = match head.value_usd {
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => {
            c.push(line, rec, Some("value_usd"), e);
            None
        }
        None => None,
    };
    let date = match head.date {
        Some(Ok(d)) => Some(d),
        Some(Err(e)) => {
            c.push(line, rec, Some("date"), e);
            None
        }
        None => None,
    };
    let mut materials = Vec::with_capacity(lines.len());
    let mut material_lines = Vec::with_capacity(lines.len());
    for l in lines {
        if let Some(s) = l.spec {
            materials.push(s);
            material_lines.push(l.line);
        }
    }
    if c.out.len() > before {
        return None;
    }
    let (Some(form), Some(tariff_class), Some(made_in)) = (form, tariff_class, made_in) else {
        return None;
    };
    let spec = ProductSpec {
        id: head.id.clone(),
        name: head.name.unwrap_or_else(|| head.id.clone()),
        form,
        goods,
        technologies,
        tariff_class,
        made_in,
        tech_origin,
        value_usd,
        materials,
    };
    match Product::new(spec) {
        Ok(product) => Some(BomEntry {
            product,
            exporter: exporter.unwrap_or(made_in),
            destination,
            end_user,
            end_use,
            date,
            holds_general_licence: head.holds_general_licence.unwrap_or(false),
            line,
        }),
        Err(errs) => {
            for ProductError { field, message } in errs {
                // Point material errors at the material's own line/row.
                let at = field
                    .strip_prefix("materials[")
                    .and_then(|r| r.split(']').next())
                    .and_then(|k| k.parse::<usize>().ok())
                    .and_then(|k| material_lines.get(k).copied().flatten())
                    .or(line);
                // CSV rows are material lines: name the column, not the material index.
                let field = if !csv {
                    field
                } else {
                    match field.split_once("].") {
                        Some((_, rest)) if field.starts_with("materials[") => rest.to_string(),
                        _ => field,
                    }
                };
                c.push(at, rec, Some(&field), message);
            }
            None
        }
    }
}

fn fractions_from_table<K>(
    c: &mut Collector<'_>,
    line: Option<usize>,
    rec: &str,
    field: &str,
    t: &toml::Table,
    key: impl Fn(&str) -> Result<K, String>,
) -> Option<Vec<(K, f64)>> {
    let mut ok = true;
    let mut out = Vec::with_capacity(t.len());
    for (k, v) in t {
        let f = format!("{field}.{k}");
        let kk = match key(k) {
            Ok(kk) => Some(kk),
            Err(e) => {
                c.push(line, rec, Some(&f), e);
                ok = false;
                None
            }
        };
        match number(v) {
            Ok(x) => {
                if let Some(kk) = kk {
                    out.push((kk, x));
                }
            }
            Err(e) => {
                c.push(line, rec, Some(&f), e);
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// Parses a TOML BOM. `file` names it in diagnostics.
pub fn parse_bom_toml(text: &str, file: &str) -> Result<Vec<BomEntry>, Diagnostics> {
    let mut c = Collector::new(file, text);
    let raw: RawBom = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            c.push_toml_error(&e);
            return Err(Diagnostics(c.out));
        }
    };
    if raw.product.is_empty() {
        // A problem of the whole file: reported at its first line.
        c.push(
            Some(1),
            "",
            Some("product"),
            "the BOM has no [[product]] tables",
        );
    }
    let mut out = Vec::with_capacity(raw.product.len());
    for (i, sp) in raw.product.into_iter().enumerate() {
        let line = Some(c.line_of(sp.span().start));
        let r = sp.into_inner();
        let id = r.id.clone().unwrap_or_else(|| format!("#{}", i + 1));
        let rec = format!("product {id}");
        if r.id.is_none() {
            c.push(line, &rec, Some("id"), "missing");
        }
        let mut lines = Vec::with_capacity(r.material.len());
        for (k, sm) in r.material.into_iter().enumerate() {
            let mline = Some(c.line_of(sm.span().start));
            let m = sm.into_inner();
            let f = |s: &str| format!("materials[{k}].{s}");
            let form = match m.form.as_deref() {
                Some(s) => Form::parse(s.trim()).or_else(|| {
                    c.push(
                        mline,
                        &rec,
                        Some(&f("form")),
                        format!("unknown form `{s}`; expected one of: {}", Form::expected()),
                    );
                    None
                }),
                None => {
                    c.push(mline, &rec, Some(&f("form")), "missing");
                    None
                }
            };
            let num =
                |c: &mut Collector<'_>, field: &str, v: &Option<toml::Value>| -> Option<f64> {
                    match v.as_ref().map(number) {
                        Some(Ok(x)) => Some(x),
                        Some(Err(e)) => {
                            c.push(mline, &rec, Some(&f(field)), e);
                            None
                        }
                        None => {
                            c.push(mline, &rec, Some(&f(field)), "missing");
                            None
                        }
                    }
                };
            let mass = num(&mut c, "mass_kg", &m.mass_kg);
            let value = num(&mut c, "value_usd", &m.value_usd);
            let content = fractions_from_table(
                &mut c,
                mline,
                &rec,
                &f("content"),
                &m.content,
                parse_element,
            );
            let origin = fractions_from_table(
                &mut c,
                mline,
                &rec,
                &f("re_origin"),
                &m.re_origin,
                parse_country,
            );
            let spec = match (form, mass, value, content, origin) {
                (Some(form), Some(mass_kg), Some(value_usd), Some(content), Some(re_origin)) => {
                    Some(MaterialSpec {
                        name: m.name.unwrap_or_else(|| format!("material {}", k + 1)),
                        form,
                        mass_kg,
                        value_usd,
                        content,
                        re_origin,
                    })
                }
                _ => None,
            };
            lines.push(Line { spec, line: mline });
        }
        let head = Head {
            id,
            name: r.name,
            form: r.form,
            goods: r.goods,
            technologies: r.technologies,
            tariff_class: r.tariff_class,
            made_in: r.made_in,
            exporter: r.exporter,
            destination: r.destination,
            end_user: r.end_user,
            end_use: r.end_use,
            tech_origin: r.tech_origin,
            value_usd: r.value_usd.as_ref().map(number),
            date: r.date.as_ref().map(date_from_value),
            holds_general_licence: r.holds_general_licence,
        };
        if let Some(e) = assemble(&mut c, head, line, lines, false) {
            out.push(e);
        }
    }
    c.finish(out)
}

/// The CSV columns, in the order the docs list them.
pub const CSV_COLUMNS: &[&str] = &[
    "product",
    "name",
    "product_form",
    "tariff_class",
    "made_in",
    "exporter",
    "destination",
    "end_user",
    "end_use",
    "tech_origin",
    "goods",
    "technologies",
    "product_value_usd",
    "date",
    "holds_general_licence",
    "material",
    "material_form",
    "mass_kg",
    "value_usd",
    "content",
    "re_origin",
];

/// Parses `K:v;K:v` pairs.
fn pairs<K>(s: &str, key: impl Fn(&str) -> Result<K, String>) -> Result<Vec<(K, f64)>, String> {
    let mut out = Vec::new();
    for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once(':')
            .ok_or_else(|| format!("`{part}` is not KEY:VALUE (e.g. Dy:0.009)"))?;
        out.push((key(k.trim())?, parse_number(v)?));
    }
    Ok(out)
}

/// Parses a CSV BOM (one row per product-material line). `file` names it in diagnostics.
pub fn parse_bom_csv(text: &str, file: &str) -> Result<Vec<BomEntry>, Diagnostics> {
    let mut c = Collector::new(file, text);
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            c.push(Some(1), "header", None, e.to_string());
            return Err(Diagnostics(c.out));
        }
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    for h in headers.iter() {
        if !CSV_COLUMNS.contains(&h) {
            c.push(
                Some(1),
                "header",
                Some(h),
                format!(
                    "unknown column; expected columns: {}",
                    CSV_COLUMNS.join(", ")
                ),
            );
        }
    }
    for required in ["product", "made_in", "product_form"] {
        if col(required).is_none() {
            c.push(Some(1), "header", Some(required), "required column missing");
        }
    }
    if !c.out.is_empty() {
        return Err(Diagnostics(c.out));
    }

    // Products in first-appearance order, each with its head, first row and material lines.
    let mut products: Vec<(Head, Option<usize>, Vec<Line>)> = Vec::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                c.push(line, "", None, e.to_string());
                continue;
            }
        };
        let line = rec.position().map(|p| p.line() as usize);
        let get = |name: &str| -> Option<String> {
            col(name)
                .and_then(|i| rec.get(i))
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let Some(id) = get("product") else {
            c.push(
                line,
                &format!("row {}", line.unwrap_or(0)),
                Some("product"),
                "missing",
            );
            continue;
        };
        let record = format!("row {} product {id}", line.unwrap_or(0));
        let head = Head {
            id: id.clone(),
            name: get("name"),
            form: get("product_form"),
            goods: get("goods"),
            technologies: get("technologies")
                .map(|s| {
                    s.split(';')
                        .map(|t| t.trim().to_string())
                        .filter(|t| !t.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            tariff_class: get("tariff_class"),
            made_in: get("made_in"),
            exporter: get("exporter"),
            destination: get("destination"),
            end_user: get("end_user"),
            end_use: get("end_use"),
            tech_origin: get("tech_origin"),
            value_usd: get("product_value_usd").map(|s| parse_number(&s)),
            date: get("date").map(|s| parse_date(&s)),
            holds_general_licence: match get("holds_general_licence").as_deref() {
                None => None,
                Some("true" | "yes" | "1") => Some(true),
                Some("false" | "no" | "0") => Some(false),
                Some(other) => {
                    c.push(
                        line,
                        &record,
                        Some("holds_general_licence"),
                        format!("`{other}` is not true/false"),
                    );
                    None
                }
            },
        };
        // A material line, if the row names one.
        let material = if get("material").is_some() || get("material_form").is_some() {
            let form = match get("material_form") {
                Some(s) => Form::parse(&s).or_else(|| {
                    c.push(
                        line,
                        &record,
                        Some("material_form"),
                        format!("unknown form `{s}`; expected one of: {}", Form::expected()),
                    );
                    None
                }),
                None => {
                    c.push(line, &record, Some("material_form"), "missing");
                    None
                }
            };
            let num = |c: &mut Collector<'_>, field: &str| -> Option<f64> {
                match get(field).map(|s| parse_number(&s)) {
                    Some(Ok(v)) => Some(v),
                    Some(Err(e)) => {
                        c.push(line, &record, Some(field), e);
                        None
                    }
                    None => {
                        c.push(line, &record, Some(field), "missing");
                        None
                    }
                }
            };
            let mass = num(&mut c, "mass_kg");
            let value = num(&mut c, "value_usd");
            let content = match pairs(get("content").as_deref().unwrap_or(""), parse_element) {
                Ok(v) => Some(v),
                Err(e) => {
                    c.push(line, &record, Some("content"), e);
                    None
                }
            };
            let origin = match pairs(get("re_origin").as_deref().unwrap_or(""), parse_country) {
                Ok(v) => Some(v),
                Err(e) => {
                    c.push(line, &record, Some("re_origin"), e);
                    None
                }
            };
            let spec = match (form, mass, value, content, origin) {
                (Some(form), Some(mass_kg), Some(value_usd), Some(content), Some(re_origin)) => {
                    Some(MaterialSpec {
                        name: get("material").unwrap_or_else(|| "material".into()),
                        form,
                        mass_kg,
                        value_usd,
                        content,
                        re_origin,
                    })
                }
                _ => None,
            };
            Some(Line { spec, line })
        } else {
            None
        };

        match products.iter_mut().find(|(h, ..)| h.id == id) {
            None => products.push((head, line, material.into_iter().collect())),
            Some((h, _, lines)) => {
                merge_head(&mut c, h, head, line, &record);
                lines.extend(material);
            }
        }
    }
    let mut out = Vec::with_capacity(products.len());
    if products.is_empty() && c.out.is_empty() {
        // A problem of the whole file: reported at its first line (the header).
        c.push(Some(1), "", None, "the BOM has no product rows");
    }
    for (head, line, lines) in products {
        if let Some(e) = assemble(&mut c, head, line, lines, true) {
            out.push(e);
        }
    }
    c.finish(out)
}

/// Later rows may leave product columns blank (inherit) but may not contradict.
fn merge_head(c: &mut Collector<'_>, h: &mut Head, new: Head, line: Option<usize>, record: &str) {
    fn merge<T: PartialEq + Clone>(
        c: &mut Collector<'_>,
        line: Option<usize>,
        record: &str,
        field: &str,
        old: &mut Option<T>,
        new: Option<T>,
    ) {
        match (old.as_ref(), new) {
            (_, None) => {}
            (None, Some(n)) => *old = Some(n),
            (Some(o), Some(n)) if *o == n => {}
            (Some(_), Some(_)) => c.push(
                line,
                record,
                Some(field),
                "contradicts an earlier row of the same product (leave it blank to inherit)",
            ),
        }
    }
    merge(c, line, record, "name", &mut h.name, new.name);
    merge(c, line, record, "product_form", &mut h.form, new.form);
    merge(c, line, record, "goods", &mut h.goods, new.goods);
    merge(
        c,
        line,
        record,
        "tariff_class",
        &mut h.tariff_class,
        new.tariff_class,
    );
    merge(c, line, record, "made_in", &mut h.made_in, new.made_in);
    merge(c, line, record, "exporter", &mut h.exporter, new.exporter);
    merge(
        c,
        line,
        record,
        "destination",
        &mut h.destination,
        new.destination,
    );
    merge(c, line, record, "end_user", &mut h.end_user, new.end_user);
    merge(c, line, record, "end_use", &mut h.end_use, new.end_use);
    merge(
        c,
        line,
        record,
        "tech_origin",
        &mut h.tech_origin,
        new.tech_origin,
    );
    merge(
        c,
        line,
        record,
        "product_value_usd",
        &mut h.value_usd,
        new.value_usd,
    );
    merge(c, line, record, "date", &mut h.date, new.date);
    merge(
        c,
        line,
        record,
        "holds_general_licence",
        &mut h.holds_general_licence,
        new.holds_general_licence,
    );
    if !new.technologies.is_empty() && h.technologies.is_empty() {
        h.technologies = new.technologies;
    }
}

/// Picks the parser by file extension (`.csv` or anything else as TOML).
pub fn parse_bom(text: &str, file: &str) -> Result<Vec<BomEntry>, Diagnostics> {
    if file.to_ascii_lowercase().ends_with(".csv") {
        parse_bom_csv(text, file)
    } else {
        parse_bom_toml(text, file)
    }
}

/// Element symbols, for callers building specs by hand.
pub fn element(symbol: &str) -> Result<Element, String> {
    parse_element(symbol)
}
