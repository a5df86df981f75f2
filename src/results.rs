//! The record contract shared by `results.json` and `stat --format json`.
//!
//! Every computed statistic is one [`Record`]: `statistic`, `estimate` (null when NA, with
//! `na_reason`), and where defined `se`, `ci_low`, `ci_high`, `ci_level`, `ci_method`,
//! `p_value`, `n`, plus context keys (`level`, `score`, `item`, `criterion`, ...).

use crate::stats::StatResult;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Record {
    pub statistic: String,
    pub estimate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub se: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_low: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_high: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_level: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub na_reason: Option<String>,
    #[serde(flatten)]
    pub context: BTreeMap<String, serde_json::Value>,
}

impl Record {
    pub fn new(statistic: impl Into<String>, estimate: StatResult<f64>) -> Record {
        let (estimate, na_reason) = match estimate {
            Ok(v) if v.is_finite() => (Some(v), None),
            Ok(_) => (None, Some("not finite".to_string())),
            Err(na) => (None, Some(na.0)),
        };
        Record {
            statistic: statistic.into(),
            estimate,
            se: None,
            ci_low: None,
            ci_high: None,
            ci_level: None,
            ci_method: None,
            p_value: None,
            n: None,
            na_reason,
            context: BTreeMap::new(),
        }
    }
    pub fn na(statistic: impl Into<String>, reason: impl Into<String>) -> Record {
        Record::new(statistic, Err(crate::stats::Na::new(reason)))
    }
    pub fn n(mut self, n: usize) -> Self {
        self.n = Some(n);
        self
    }
    pub fn se(mut self, se: f64) -> Self {
        self.se = Some(se).filter(|v| v.is_finite());
        self
    }
    pub fn ci(mut self, low: f64, high: f64, level: f64, method: &str) -> Self {
        if low.is_finite() && high.is_finite() {
            self.ci_low = Some(low);
            self.ci_high = Some(high);
            self.ci_level = Some(level);
            self.ci_method = Some(method.to_string());
        }
        self
    }
    pub fn p(mut self, p: f64) -> Self {
        self.p_value = Some(p).filter(|v| v.is_finite());
        self
    }
    pub fn ctx(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.context.insert(key.to_string(), value.into());
        self
    }
    pub fn ctx_str(&self, key: &str) -> Option<&str> {
        self.context.get(key).and_then(|v| v.as_str())
    }
}

/// The kind of interval a record carries, from its `ci_method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CiFamily {
    /// Feldt's F-based interval for α.
    Feldt,
    /// DeLong's interval for an AUC.
    DeLong,
    /// Any bootstrap interval (percentile, BCa, cluster).
    Bootstrap,
}

impl CiFamily {
    fn of(method: &str) -> Option<CiFamily> {
        if method.starts_with("Feldt") {
            Some(CiFamily::Feldt)
        } else if method == "DeLong" {
            Some(CiFamily::DeLong)
        } else if method.contains("bootstrap") {
            Some(CiFamily::Bootstrap)
        } else {
            None
        }
    }
}

/// How the report (and every other reader) looks records up: the statistic (or any of several),
/// context keys that must hold a value or be absent, and optionally the CI family. Build it with
/// [`Query::stat`] and the chained methods, then call [`find`] or [`Query::all`].
#[derive(Debug, Clone, Default)]
pub struct Query<'q> {
    statistics: Vec<&'q str>,
    keys: Vec<(&'q str, Option<&'q str>)>,
    ci: Option<CiFamily>,
}

impl<'q> Query<'q> {
    /// Records of one statistic.
    pub fn stat(statistic: &'q str) -> Self {
        Query { statistics: vec![statistic], ..Default::default() }
    }
    /// Records of any of these statistics.
    pub fn any_of(statistics: &[&'q str]) -> Self {
        Query { statistics: statistics.to_vec(), ..Default::default() }
    }
    /// Records of any statistic (filter by context only).
    pub fn any() -> Self {
        Query::default()
    }
    /// Context key `key` equals `value`.
    pub fn with(mut self, key: &'q str, value: &'q str) -> Self {
        self.keys.push((key, Some(value)));
        self
    }
    /// Every `(key, value)` pair must match.
    pub fn with_all(mut self, pairs: &[(&'q str, &'q str)]) -> Self {
        self.keys.extend(pairs.iter().map(|&(k, v)| (k, Some(v))));
        self
    }
    /// Context key `key` is absent.
    pub fn without(mut self, key: &'q str) -> Self {
        self.keys.push((key, None));
        self
    }
    /// The record's CI is of this family.
    pub fn ci(mut self, family: CiFamily) -> Self {
        self.ci = Some(family);
        self
    }
    pub fn matches(&self, r: &Record) -> bool {
        (self.statistics.is_empty() || self.statistics.iter().any(|s| r.statistic == *s))
            && self.keys.iter().all(|(k, v)| r.ctx_str(k) == *v)
            && self.ci.is_none_or(|f| r.ci_method.as_deref().and_then(CiFamily::of) == Some(f))
    }
    /// Every matching record, in order.
    pub fn all<'a>(&self, records: &'a [Record]) -> impl Iterator<Item = &'a Record> + use<'a, '_, 'q> {
        records.iter().filter(move |r| self.matches(r))
    }
}

/// The first record matching `q`: the one lookup function of the record contract. `records` is
/// a slice of records or any other sequence of them (a subset picked out beforehand).
pub fn find<'a>(records: impl IntoIterator<Item = &'a Record>, q: &Query) -> Option<&'a Record> {
    records.into_iter().find(|r| q.matches(r))
}

#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub results: Vec<Record>,
}

/// Serialize records as pretty JSON with a trailing newline (deterministic).
pub fn to_json(records: &[Record]) -> String {
    #[derive(Serialize)]
    struct W<'a> {
        results: &'a [Record],
    }
    let mut s = serde_json::to_string_pretty(&W { results: records }).expect("records serialize");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn na_serializes_as_null_with_reason() {
        let r =
            Record::new("cronbach_alpha", Err(crate::stats::Na::new("zero variance"))).n(3).ctx("level", "classroom");
        let s = serde_json::to_string(&r).unwrap();
        assert_eq!(
            s,
            r#"{"statistic":"cronbach_alpha","estimate":null,"n":3,"na_reason":"zero variance","level":"classroom"}"#
        );
        let r = Record::new("mean", Ok(f64::NAN));
        assert_eq!(r.estimate, None);
    }
}
