//! Mutation-based fuzzing of text inputs, shared by the loader harnesses of several crates
//! (`chokepoint-data/tests/fuzz_loaders.rs`, `chokepoint-rules/tests/fuzz_rules.rs`,
//! `chokepoint-scenario/tests/fuzz_compile.rs` include it by path).
//!
//! A case starts from a bundled input and applies 1 to 4 mutations drawn by proptest: delete,
//! duplicate or swap lines; blank, swap or overwrite a field (a CSV cell, a TOML value) with a
//! hostile value (NaN, inf, -1, 1e308, "", text, huge integers, impossible dates, quotes); replace
//! a number with one of those; flip a bit of a byte; truncate the file; insert invalid UTF-8.
//! Indices are taken modulo what the file has, so every drawn mutation does something and
//! shrinking moves towards the first line and the first field.
//!
//! The number of cases comes from `CHOKEPOINT_FUZZ_CASES` (each target has a small default so
//! `cargo test --workspace` stays fast; CI runs a longer release-mode pass, see `.ci/run`).

#![allow(dead_code)] // each including crate uses a subset

use proptest::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Toml,
}

/// One edit. Line and field indices are reduced modulo the lines (fields) eligible for the edit.
#[derive(Debug, Clone)]
pub enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    /// Empty a field: a CSV cell, or a TOML value (`key = ""`).
    BlankField {
        line: usize,
        field: usize,
    },
    /// Swap two cells of a CSV line; swap the values of two TOML `key = value` lines.
    SwapFields {
        line: usize,
        a: usize,
        b: usize,
    },
    /// Overwrite a field with a hostile value.
    SetField {
        line: usize,
        field: usize,
        value: usize,
    },
    /// Replace a number (or a date, which is digits too) with a hostile value.
    ReplaceNumber {
        line: usize,
        nth: usize,
        value: usize,
    },
    FlipBit {
        at: usize,
        bit: u8,
    },
    Truncate(usize),
    InsertInvalidUtf8 {
        at: usize,
        which: usize,
    },
}

/// Hostile CSV cells.
pub const CSV_VALUES: &[&str] = &[
    "NaN",
    "nan",
    "inf",
    "-inf",
    "-1",
    "-0.5",
    "1e308",
    "-1e308",
    "1e999",
    "",
    "text",
    "0",
    "1e-320",
    "18446744073709551616",
    "4294967296",
    "2025-02-30",
    "9999-99-99",
    "\"",
    "\"unterminated,",
    ";",
    ":",
    "Nd:NaN;Dy:-1",
    "CHN",
    "ZZZ",
    "capacity",
    "date:2025-13-01",
    "-",
    " ",
    "101",
    "1_000_000",
];

/// Hostile TOML values (most are valid TOML of the wrong type or range; some are not TOML).
pub const TOML_VALUES: &[&str] = &[
    "nan",
    "inf",
    "-inf",
    "-1",
    "-0.5",
    "1e308",
    "-1e308",
    "\"\"",
    "\"text\"",
    "0",
    "NaN",
    "9223372036854775807",
    "-9223372036854775808",
    "4294967296",
    "100000000",
    "18446744073709551616",
    "\"NaN\"",
    "\"-1\"",
    "\"inf\"",
    "2025-02-30",
    "\"2025-13-01\"",
    "9999-12-31",
    "0001-01-01",
    "1979-05-27T07:32:00Z",
    "[]",
    "{}",
    "[1, \"a\"]",
    "{ dist = \"fixed\", days = -1 }",
    "{ dist = \"triangular\", min = 0, mode = inf, max = inf }",
    "{ dist = \"uniform\", min = 5, max = 1 }",
    "true",
    "\"CHN\"",
    "\"ZZZ\"",
    "\"\\u0000\"",
    "'",
    "",
];

/// Byte sequences that are not UTF-8: a lone continuation byte, a truncated 2-byte sequence, an
/// encoded surrogate, an overlong NUL, a byte that never occurs.
pub const INVALID_UTF8: &[&[u8]] = &[
    &[0x80],
    &[0xc3],
    &[0xed, 0xa0, 0x80],
    &[0xc0, 0x80],
    &[0xff],
];

pub fn mutation() -> impl Strategy<Value = Mutation> {
    let i = || any::<usize>();
    prop_oneof![
        2 => i().prop_map(Mutation::DeleteLine),
        1 => i().prop_map(Mutation::DuplicateLine),
        1 => (i(), i()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        2 => (i(), i()).prop_map(|(line, field)| Mutation::BlankField { line, field }),
        1 => (i(), i(), i()).prop_map(|(line, a, b)| Mutation::SwapFields { line, a, b }),
        4 => (i(), i(), i()).prop_map(|(line, field, value)| Mutation::SetField { line, field, value }),
        4 => (i(), i(), i()).prop_map(|(line, nth, value)| Mutation::ReplaceNumber { line, nth, value }),
        1 => (i(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        1 => i().prop_map(Mutation::Truncate),
        1 => (i(), i()).prop_map(|(at, which)| Mutation::InsertInvalidUtf8 { at, which }),
    ]
}

/// 1 to 4 mutations.
pub fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 1..=4)
}

/// Cases per target: `CHOKEPOINT_FUZZ_CASES` if set, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("CHOKEPOINT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Proptest configuration for a fuzz target: the case count above, no shrinking limit changes,
/// failures saved next to the test (the default).
pub fn config(default_cases: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases: cases(default_cases),
        ..proptest::test_runner::Config::default()
    }
}

fn split_lines(text: &[u8]) -> Vec<Vec<u8>> {
    text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
}

fn join_lines(lines: &[Vec<u8>]) -> Vec<u8> {
    lines.join(&b'\n')
}

/// Index of the `k`-th (mod count) line satisfying `ok`, if any.
fn pick(lines: &[Vec<u8>], k: usize, ok: impl Fn(&[u8]) -> bool) -> Option<usize> {
    let eligible: Vec<usize> = (0..lines.len()).filter(|&i| ok(&lines[i])).collect();
    (!eligible.is_empty()).then(|| eligible[k % eligible.len()])
}

/// A TOML `key = value` line: the byte offset where the value starts.
fn toml_value_start(line: &[u8]) -> Option<usize> {
    let trimmed = line.iter().position(|b| !b.is_ascii_whitespace())?;
    if matches!(line[trimmed], b'#' | b'[') {
        return None;
    }
    let eq = line.iter().position(|&b| b == b'=')?;
    let mut v = eq + 1;
    while v < line.len() && line[v] == b' ' {
        v += 1;
    }
    Some(v)
}

/// Byte ranges of CSV cells (a naive split on commas: quotes are data to a mutator).
fn csv_cells(line: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in line.iter().enumerate() {
        if b == b',' {
            out.push((start, i));
            start = i + 1;
        }
    }
    out.push((start, line.len()));
    out
}

/// Byte ranges of numbers (and dates) in a line: a digit, or `-`/`+` before a digit, not glued
/// to a preceding letter, continued over digits and `.eE+-_:`.
fn numbers(line: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        let starts = line[i].is_ascii_digit()
            || (matches!(line[i], b'-' | b'+') && line.get(i + 1).is_some_and(u8::is_ascii_digit));
        let glued = i > 0 && (line[i - 1].is_ascii_alphabetic() || line[i - 1] == b'_');
        if starts && !glued {
            let s = i;
            i += 1;
            while i < line.len()
                && (line[i].is_ascii_digit()
                    || matches!(line[i], b'.' | b'e' | b'E' | b'+' | b'-' | b'_' | b':'))
            {
                i += 1;
            }
            out.push((s, i));
        } else {
            i += 1;
        }
    }
    out
}

fn splice(line: &mut Vec<u8>, (s, e): (usize, usize), with: &[u8]) {
    line.splice(s..e, with.iter().copied());
}

fn value_of(fmt: Format, k: usize) -> &'static str {
    match fmt {
        Format::Csv => CSV_VALUES[k % CSV_VALUES.len()],
        Format::Toml => TOML_VALUES[k % TOML_VALUES.len()],
    }
}

/// Applies one mutation.
pub fn apply_one(text: &[u8], fmt: Format, m: &Mutation) -> Vec<u8> {
    let mut lines = split_lines(text);
    let n = lines.len();
    let is_field_line = |l: &[u8]| match fmt {
        Format::Csv => !l.is_empty(),
        Format::Toml => toml_value_start(l).is_some(),
    };
    // The byte range of field `f` of a line (CSV cell; TOML: the whole value).
    let field_range = |l: &[u8], f: usize| -> (usize, usize) {
        match fmt {
            Format::Csv => {
                let cells = csv_cells(l);
                cells[f % cells.len()]
            }
            Format::Toml => (toml_value_start(l).unwrap_or(l.len()), l.len()),
        }
    };
    match *m {
        Mutation::DeleteLine(i) => {
            lines.remove(i % n);
        }
        Mutation::DuplicateLine(i) => {
            let l = lines[i % n].clone();
            lines.insert(i % n, l);
        }
        Mutation::SwapLines(a, b) => lines.swap(a % n, b % n),
        Mutation::BlankField { line, field } => {
            if let Some(i) = pick(&lines, line, is_field_line) {
                let r = field_range(&lines[i], field);
                let blank: &[u8] = if fmt == Format::Toml { b"\"\"" } else { b"" };
                splice(&mut lines[i], r, blank);
            }
        }
        Mutation::SwapFields { line, a, b } => match fmt {
            Format::Csv => {
                if let Some(i) = pick(&lines, line, is_field_line) {
                    let l = &lines[i];
                    let cells = csv_cells(l);
                    let (x, y) = (a % cells.len(), b % cells.len());
                    let parts: Vec<Vec<u8>> =
                        cells.iter().map(|&(s, e)| l[s..e].to_vec()).collect();
                    let mut parts2 = parts.clone();
                    parts2.swap(x, y);
                    lines[i] = parts2.join(&b',');
                }
            }
            Format::Toml => {
                if let (Some(i), Some(j)) = (
                    pick(&lines, line, is_field_line),
                    pick(&lines, b, is_field_line),
                ) {
                    let (ri, rj) = (field_range(&lines[i], 0), field_range(&lines[j], 0));
                    let vi = lines[i][ri.0..ri.1].to_vec();
                    let vj = lines[j][rj.0..rj.1].to_vec();
                    splice(&mut lines[i], ri, &vj);
                    splice(&mut lines[j], rj, &vi);
                }
            }
        },
        Mutation::SetField { line, field, value } => {
            if let Some(i) = pick(&lines, line, is_field_line) {
                let r = field_range(&lines[i], field);
                splice(&mut lines[i], r, value_of(fmt, value).as_bytes());
            }
        }
        Mutation::ReplaceNumber { line, nth, value } => {
            if let Some(i) = pick(&lines, line, |l| !numbers(l).is_empty()) {
                let nums = numbers(&lines[i]);
                let r = nums[nth % nums.len()];
                splice(&mut lines[i], r, value_of(fmt, value).as_bytes());
            }
        }
        Mutation::FlipBit { at, bit } => {
            let mut bytes = text.to_vec();
            if !bytes.is_empty() {
                let k = at % bytes.len();
                bytes[k] ^= 1 << bit;
            }
            return bytes;
        }
        Mutation::Truncate(at) => {
            return text[..at % (text.len() + 1)].to_vec();
        }
        Mutation::InsertInvalidUtf8 { at, which } => {
            let mut bytes = text.to_vec();
            let k = at % (bytes.len() + 1);
            let seq = INVALID_UTF8[which % INVALID_UTF8.len()];
            bytes.splice(k..k, seq.iter().copied());
            return bytes;
        }
    }
    join_lines(&lines)
}

/// Applies the mutations in order.
pub fn apply(text: &[u8], fmt: Format, muts: &[Mutation]) -> Vec<u8> {
    muts.iter()
        .fold(text.to_vec(), |t, m| apply_one(&t, fmt, m))
}

/// Number of lines a text has for diagnostics (a final line without a newline counts).
pub fn line_count(text: &[u8]) -> usize {
    text.iter().filter(|&&b| b == b'\n').count() + 1
}

#[test]
fn mutations_change_the_text() {
    let csv = b"id,qty,note\na,1.5,x\nb,2,y\n";
    let set = Mutation::SetField {
        line: 1,
        field: 1,
        value: 0,
    };
    assert_eq!(
        apply_one(csv, Format::Csv, &set),
        b"id,qty,note\na,NaN,x\nb,2,y\n"
    );
    let num = Mutation::ReplaceNumber {
        line: 1,
        nth: 0,
        value: 4,
    };
    assert_eq!(
        apply_one(csv, Format::Csv, &num),
        b"id,qty,note\na,1.5,x\nb,-1,y\n"
    );
    let toml = b"[a]\nx = 1\ny = \"s\"\n";
    let blank = Mutation::BlankField { line: 1, field: 0 };
    assert_eq!(
        apply_one(toml, Format::Toml, &blank),
        b"[a]\nx = 1\ny = \"\"\n"
    );
    let swap = Mutation::SwapFields {
        line: 0,
        a: 0,
        b: 1,
    };
    assert_eq!(
        apply_one(toml, Format::Toml, &swap),
        b"[a]\nx = \"s\"\ny = 1\n"
    );
    assert_eq!(
        apply_one(toml, Format::Toml, &Mutation::Truncate(5)),
        b"[a]\nx"
    );
    let bad = apply_one(
        toml,
        Format::Toml,
        &Mutation::InsertInvalidUtf8 { at: 0, which: 0 },
    );
    assert!(std::str::from_utf8(&bad).is_err());
}
