//! Error types and exit codes.
//!
//! Every problem with the user's files becomes an [`InputError`] that names the file, the line,
//! the column, what was found and what was expected. The CLI maps errors to exit codes:
//! `0` ok, `1` data problems found under `--strict`, `2` usage or input error.

use std::fmt;
use std::path::Path;

/// Machine-readable error kinds. Tests assert on these; the CLI prints them as `error[kind]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    FileNotFound,
    Io,
    EmptyFile,
    HeaderOnly,
    Encoding,
    MixedEncoding,
    BinaryFile,
    Delimiter,
    DuplicateHeader,
    RaggedRow,
    UnknownColumn,
    AmbiguousColumn,
    InvalidValue,
    InvalidNumber,
    InvalidDate,
    FieldTooLarge,
    AllMissing,
    Spec,
    Usage,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::FileNotFound => "file-not-found",
            ErrorKind::Io => "io",
            ErrorKind::EmptyFile => "empty-file",
            ErrorKind::HeaderOnly => "header-only",
            ErrorKind::Encoding => "encoding",
            ErrorKind::MixedEncoding => "mixed-encoding",
            ErrorKind::BinaryFile => "binary-file",
            ErrorKind::Delimiter => "delimiter",
            ErrorKind::DuplicateHeader => "duplicate-header",
            ErrorKind::RaggedRow => "ragged-row",
            ErrorKind::UnknownColumn => "unknown-column",
            ErrorKind::AmbiguousColumn => "ambiguous-column",
            ErrorKind::InvalidValue => "invalid-value",
            ErrorKind::InvalidNumber => "invalid-number",
            ErrorKind::InvalidDate => "invalid-date",
            ErrorKind::FieldTooLarge => "field-too-large",
            ErrorKind::AllMissing => "all-missing",
            ErrorKind::Spec => "spec",
            ErrorKind::Usage => "usage",
        }
    }
}

/// A problem with an input file (or the spec), located as precisely as possible.
#[derive(Debug, Clone)]
pub struct InputError {
    pub kind: ErrorKind,
    pub file: String,
    /// 1-based physical line in the file (the header is line 1).
    pub line: Option<u64>,
    pub column: Option<String>,
    pub found: Option<String>,
    pub expected: Option<String>,
    /// Free text: what was tried, the closest names, how to fix it.
    pub hint: Option<String>,
}

impl InputError {
    pub fn new(kind: ErrorKind, file: impl AsRef<Path>) -> Self {
        InputError {
            kind,
            file: file.as_ref().display().to_string(),
            line: None,
            column: None,
            found: None,
            expected: None,
            hint: None,
        }
    }
    pub fn line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
    pub fn column(mut self, c: impl Into<String>) -> Self {
        self.column = Some(c.into());
        self
    }
    pub fn found(mut self, f: impl Into<String>) -> Self {
        let mut s: String = f.into();
        if s.chars().count() > 80 {
            s = s.chars().take(77).collect::<String>() + "...";
        }
        self.found = Some(s);
        self
    }
    pub fn expected(mut self, e: impl Into<String>) -> Self {
        self.expected = Some(e.into());
        self
    }
    pub fn hint(mut self, h: impl Into<String>) -> Self {
        self.hint = Some(h.into());
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error[{}]: {}", self.kind.as_str(), self.file)?;
        if let Some(l) = self.line {
            write!(f, ", line {l}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column '{c}'")?;
        }
        if let Some(v) = &self.found {
            write!(f, ": found '{v}'")?;
        }
        if let Some(e) = &self.expected {
            write!(f, "{}expected {e}", if self.found.is_some() { ", " } else { ": " })?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// Raised after all outputs were written when `--strict` was given and data problems were found.
#[derive(Debug)]
pub struct StrictFailure {
    pub problems: usize,
}

impl fmt::Display for StrictFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "--strict: {} data problem(s) found; outputs were written, see the data-quality summary",
            self.problems
        )
    }
}
impl std::error::Error for StrictFailure {}

/// Exit code for an error chain: 1 for [`StrictFailure`], 2 for everything else
/// (input errors, usage errors, I/O).
pub fn exit_code(err: &anyhow::Error) -> i32 {
    if err.downcast_ref::<StrictFailure>().is_some() {
        1
    } else {
        2
    }
}

/// Levenshtein distance on chars, for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Up to three names closest to `wanted`, for error hints.
pub fn closest_names<'a>(wanted: &str, names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let w = wanted.to_lowercase();
    let mut scored: Vec<(usize, &str)> = names
        .into_iter()
        .map(|n| {
            let nl = n.to_lowercase();
            let d = if nl.contains(&w) || w.contains(&nl) { 0 } else { edit_distance(&w, &nl) };
            (d, n)
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, n)| n.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn edit_distance_basic() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("sala", "sala"), 0);
    }
    #[test]
    fn closest_prefers_substrings() {
        let c = closest_names("centro", ["clave_centro", "sala", "observador"]);
        assert_eq!(c[0], "clave_centro");
    }
}
