//! Reading one CSV table into rows that remember their file and line, checked against a schema
//! of allowed and required columns.

use crate::diag::{Diagnostic, DiagnosticKind, Severity};
use std::collections::HashMap;
use std::path::Path;

/// The columns a file may and must have, and which columns identify a record for layering.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    pub file: &'static str,
    pub columns: &'static [&'static str],
    /// Columns that must be present in the header and non-empty in every row.
    pub required: &'static [&'static str],
    /// Columns whose values together identify a record; a later layer's record with the same key
    /// replaces the earlier one.
    pub key: &'static [&'static str],
}

#[derive(Debug, Clone)]
pub struct Row {
    pub file: String,
    pub line: u64,
    pub key: String,
    values: HashMap<&'static str, String>,
}

impl Row {
    /// The trimmed cell, or "" when absent.
    pub fn get(&self, column: &str) -> &str {
        self.values.get(column).map_or("", |s| s.as_str())
    }

    pub fn opt(&self, column: &str) -> Option<&str> {
        let v = self.get(column);
        (!v.is_empty()).then_some(v)
    }

    pub fn diag(
        &self,
        kind: DiagnosticKind,
        field: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            kind,
            file: self.file.clone(),
            line: Some(self.line),
            record: (!self.key.is_empty()).then(|| self.key.clone()),
            field: (!field.is_empty()).then(|| field.to_string()),
            message: message.into(),
        }
    }
}

/// Reads `dir/schema.file` if it exists. Rows with problems in their shape are reported and
/// dropped; rows with bad values are kept for the typed conversion to report precisely.
pub fn read(dir: &Path, schema: &Schema, diags: &mut Vec<Diagnostic>) -> Option<Vec<Row>> {
    let path = dir.join(schema.file);
    let display = path.display().to_string();
    let bytes = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            diags.push(file_diag(
                &display,
                DiagnosticKind::MalformedFile,
                format!("cannot read: {e}"),
            ));
            return Some(Vec::new());
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            // Report every line holding bytes that are not UTF-8, then read the rest of the file
            // (the bad bytes replaced) so that its other problems are reported too.
            invalid_utf8(&display, e.as_bytes(), diags);
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    };
    Some(parse(&display, &text, schema, diags))
}

/// One diagnostic per line that holds bytes that are not UTF-8.
fn invalid_utf8(file: &str, bytes: &[u8], diags: &mut Vec<Diagnostic>) {
    let mut offset = 0;
    let mut last_line = 0;
    for chunk in bytes.utf8_chunks() {
        offset += chunk.valid().len();
        let bad = chunk.invalid();
        if !bad.is_empty() {
            let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count() as u64;
            if line != last_line {
                last_line = line;
                diags.push(Diagnostic {
                    line: Some(line),
                    ..file_diag(
                        file,
                        DiagnosticKind::MalformedFile,
                        format!(
                            "bytes {bad:02x?} are not UTF-8; expected a UTF-8 text file (save it as UTF-8)"
                        ),
                    )
                });
            }
        }
        offset += bad.len();
    }
}

pub fn file_diag(file: &str, kind: DiagnosticKind, message: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        kind,
        file: file.to_string(),
        line: None,
        record: None,
        field: None,
        message,
    }
}

/// Parses CSV text (the file name is only for messages).
pub fn parse(file: &str, text: &str, schema: &Schema, diags: &mut Vec<Diagnostic>) -> Vec<Row> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            diags.push(Diagnostic {
                line: Some(e.position().map_or(1, |p| p.line().max(1))),
                ..file_diag(
                    file,
                    DiagnosticKind::MalformedFile,
                    format!("unreadable header: {e}"),
                )
            });
            return Vec::new();
        }
    };
    let mut columns: Vec<Option<&'static str>> = Vec::with_capacity(headers.len());
    for h in headers.iter() {
        match schema.columns.iter().find(|c| **c == h) {
            Some(c) => columns.push(Some(c)),
            None => {
                diags.push(Diagnostic {
                    line: Some(1),
                    field: Some(h.to_string()),
                    ..file_diag(
                        file,
                        DiagnosticKind::UnknownField,
                        format!(
                            "unknown column `{h}`; expected only: {}",
                            schema.columns.join(", ")
                        ),
                    )
                });
                columns.push(None);
            }
        }
    }
    let mut header_ok = true;
    for req in schema
        .required
        .iter()
        .chain(["source", "assumption"].iter())
    {
        if schema.columns.contains(req) && !headers.iter().any(|h| h == *req) {
            header_ok = false;
            diags.push(Diagnostic {
                line: Some(1),
                field: Some((*req).to_string()),
                ..file_diag(
                    file,
                    DiagnosticKind::MissingField,
                    format!("missing column `{req}`"),
                )
            });
        }
    }
    if !header_ok {
        return Vec::new();
    }

    let mut rows = Vec::new();
    for result in reader.records() {
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line());
                diags.push(Diagnostic {
                    line,
                    ..file_diag(
                        file,
                        DiagnosticKind::MalformedFile,
                        format!("malformed CSV: {e}"),
                    )
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let mut values = HashMap::new();
        for (col, v) in columns.iter().zip(record.iter()) {
            if let Some(c) = col {
                values.insert(*c, v.to_string());
            }
        }
        // An optional key column left empty (a capacity without a year) adds nothing.
        let mut parts: Vec<&str> = schema
            .key
            .iter()
            .map(|k| values.get(k).map_or("", |s| s.as_str()))
            .collect();
        while parts.len() > 1 && parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        let key = parts.join("/");
        let row = Row {
            file: file.to_string(),
            line,
            key,
            values,
        };
        let mut ok = true;
        for req in schema.required {
            if row.get(req).is_empty() {
                ok = false;
                diags.push(row.diag(
                    DiagnosticKind::MissingField,
                    req,
                    format!("`{req}` is empty; it is required"),
                ));
            }
        }
        if ok {
            rows.push(row);
        }
    }
    rows
}

/// Layers rows: later layers replace earlier records with the same key; duplicates within one
/// layer are errors.
pub fn layer(layers: Vec<Vec<Row>>, diags: &mut Vec<Diagnostic>) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for rows in layers {
        let mut seen: HashMap<String, u64> = HashMap::new();
        for row in rows {
            if let Some(first) = seen.insert(row.key.clone(), row.line) {
                diags.push(row.diag(
                    DiagnosticKind::DuplicateId,
                    "",
                    format!("duplicate id `{}` (first defined on line {first})", row.key),
                ));
                continue;
            }
            match index.get(&row.key) {
                Some(&i) => out[i] = row,
                None => {
                    index.insert(row.key.clone(), out.len());
                    out.push(row);
                }
            }
        }
    }
    out
}
