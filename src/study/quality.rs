//! The short data-quality summary that `run` prints and reports. Issue 5's `check` command
//! goes much further; this is what the pipeline needs to be honest about its inputs.

use crate::choices::Lang;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, Serialize)]
pub struct QualityLine {
    pub severity: Severity,
    pub code: String,
    pub count: usize,
    pub message_en: String,
    pub message_es: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Quality {
    pub lines: Vec<QualityLine>,
}

impl Quality {
    pub fn push(&mut self, severity: Severity, code: &str, count: usize, en: impl Into<String>, es: impl Into<String>) {
        self.lines.push(QualityLine {
            severity,
            code: code.to_string(),
            count,
            message_en: en.into(),
            message_es: es.into(),
        });
    }
    /// Warnings and errors with a non-zero count: what `--strict` fails on.
    pub fn problems(&self) -> usize {
        self.lines.iter().filter(|l| l.severity >= Severity::Warning && l.count > 0).count()
    }
    pub fn message<'a>(&self, l: &'a QualityLine, lang: Lang) -> &'a str {
        if lang.is_es() {
            &l.message_es
        } else {
            &l.message_en
        }
    }
}

/// "a, b, c and 4 more"
pub fn list_some(items: &[String], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!("{} (+{})", items[..max].join(", "), items.len() - max)
    }
}

/// ": a, b, c" or "" when empty, for messages that list examples.
pub fn colon_list(items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!(": {}", list_some(items, 5))
    }
}
