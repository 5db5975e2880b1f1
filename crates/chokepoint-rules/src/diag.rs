//! Diagnostics for bad input: every problem names the file (as the caller called it), the line
//! where known, the record (a measure id, a product and row) and the field.
//!
//! Invariant: parsing collects every problem it can find in one pass rather than stopping at the
//! first, so a user fixes a file in one round; a file with any diagnostic yields no value.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub file: String,
    /// 1-based line, when the parser knows it.
    pub line: Option<usize>,
    /// The record: `measure mofcom-2025-18`, `row 4 (product jp-ev-motor)`.
    pub record: String,
    /// The field, when the problem is in one field.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.record.is_empty() {
            write!(f, ": {}", self.record)?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// One or more diagnostics; the error type of every parser in this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl Diagnostics {
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Collects diagnostics for one file.
#[derive(Debug)]
pub(crate) struct Collector<'a> {
    file: &'a str,
    text: &'a str,
    pub(crate) out: Vec<Diagnostic>,
}

impl<'a> Collector<'a> {
    pub(crate) fn new(file: &'a str, text: &'a str) -> Self {
        Self {
            file,
            text,
            out: Vec::new(),
        }
    }

    /// 1-based line of a byte offset into the file text.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    pub(crate) fn push(
        &mut self,
        line: Option<usize>,
        record: &str,
        field: Option<&str>,
        message: impl Into<String>,
    ) {
        self.out.push(Diagnostic {
            file: self.file.to_string(),
            line,
            record: record.to_string(),
            field: field.map(str::to_string),
            message: message.into(),
        });
    }

    /// A TOML syntax or type error, at the line of its span (line 1 when it has none) and, when
    /// the span lies in the value of a `key = value`, naming that key as the field.
    pub(crate) fn push_toml_error(&mut self, e: &toml::de::Error) {
        let (line, field) = match e.span() {
            Some(span) => (self.line_of(span.start), self.key_before(span.start)),
            None => (1, None),
        };
        self.push(
            Some(line),
            "",
            field.as_deref(),
            e.message().trim_end().to_string(),
        );
    }

    /// The key of the nearest `key =` before `offset` on the same line, if any.
    fn key_before(&self, offset: usize) -> Option<String> {
        let end = offset.min(self.text.len());
        let head = self.text.as_bytes().get(..end)?;
        let line_start = head.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let segment = std::str::from_utf8(&head[line_start..]).ok()?;
        let (before, _) = segment.rsplit_once('=')?;
        let before = before.trim_end();
        let key: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            .collect::<Vec<char>>()
            .into_iter()
            .rev()
            .collect();
        (!key.is_empty()).then_some(key)
    }

    pub(crate) fn finish<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.out.is_empty() {
            Ok(value)
        } else {
            Err(Diagnostics(self.out))
        }
    }
}
