//! Located diagnostics: what is wrong, where (file, line, record, field) and what was expected.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// Which class of problem a diagnostic reports; tests and tools match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticKind {
    MalformedFile,
    MissingFile,
    MissingField,
    UnknownField,
    DuplicateId,
    DanglingReference,
    InvalidValue,
    NegativeOrNonFinite,
    SharesDoNotSum,
    RecipeCreatesMass,
    ReversedDateRange,
    UnitMismatch,
    UnknownSource,
    MissingProvenance,
    Inconsistent,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub kind: DiagnosticKind,
    /// Path of the file as given to the loader.
    pub file: String,
    /// 1-based line in the file, when the problem sits on one line.
    pub line: Option<u64>,
    /// The record's id or key, when it has one.
    pub record: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev}: {}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(r) = &self.record {
            write!(f, " [{r}]")?;
        }
        if let Some(field) = &self.field {
            write!(f, " field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every diagnostic a load produced; returned as the error when any is an error.
#[derive(Debug, Clone, Default, thiserror::Error, Serialize)]
#[error("{} error(s) in the dataset; first: {}", self.error_count(), self.first_error())]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn error_count(&self) -> usize {
        self.0
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    fn first_error(&self) -> String {
        self.0
            .iter()
            .find(|d| d.severity == Severity::Error)
            .map_or_else(String::new, ToString::to_string)
    }

    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }
}
