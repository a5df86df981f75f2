//! The round of each observation: from the spec's round column, else from the visit date by
//! month, quarter or the named date ranges of `[monitor]`.

use crate::error::{ErrorKind, InputError};
use crate::io::values::parse_datetime;
use crate::study::ingest::ObsMeta;
use crate::study::monitor_spec::{MonitorSpec, Period};
use crate::study::spec::Study;
use std::collections::HashMap;

/// No round (blank round cell, no date, or a date outside every named round).
pub const NO_ROUND: u16 = u16::MAX;

/// Round index per observation (or [`NO_ROUND`]) and the round names in order.
pub struct Rounds {
    pub of_obs: Vec<u16>,
    pub names: Vec<String>,
    /// Observations without a round.
    pub missing: usize,
}

/// The label of a date's period, or `None` outside every named round.
fn period_label(m: &MonitorSpec, iso: &str) -> Option<String> {
    let d = parse_datetime(iso)?;
    let (y, mo, _) = crate::io::values::civil_from_days(d.days());
    match m.period {
        Period::Month => Some(format!("{y:04}-{mo:02}")),
        Period::Quarter => Some(format!("{y:04}-Q{}", (mo - 1) / 3 + 1)),
        Period::Dates => m
            .rounds
            .iter()
            .find(|r| {
                let s = parse_datetime(&r.start).map(|x| x.days());
                let e = parse_datetime(&r.end).map(|x| x.days());
                matches!((s, e), (Some(s), Some(e)) if s <= d.days() && d.days() <= e)
            })
            .map(|r| r.name.clone()),
    }
}

/// Assign rounds. Round names from a column are ordered numerically when they all are numbers,
/// else by their earliest visit date, else alphabetically; period labels sort by time; named
/// date ranges keep the spec's order.
pub fn assign(study: &Study, meta: &[ObsMeta]) -> Result<Rounds, InputError> {
    let m = study.spec.monitor.clone().unwrap_or_default();
    let by_column = study.spec.checklist.columns.round.is_some();
    if !by_column && study.spec.checklist.columns.date.is_none() && study.spec.checklist.columns.start.is_none() {
        return Err(InputError::new(ErrorKind::Spec, &study.spec_path)
            .found("no round column and no visit date")
            .expected("checklist.columns.round, or a date (or start) column with monitor.period"));
    }
    let mut index: HashMap<String, u16> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut first_date: Vec<Option<String>> = Vec::new();
    let mut raw = Vec::with_capacity(meta.len());
    let mut missing = 0;
    for o in meta {
        let label = if by_column {
            o.round.as_deref().map(str::to_string)
        } else {
            o.date.as_deref().and_then(|d| period_label(&m, d))
        };
        match label {
            None => {
                missing += 1;
                raw.push(NO_ROUND);
            }
            Some(l) => {
                let k = *index.entry(l.clone()).or_insert_with(|| {
                    names.push(l);
                    first_date.push(None);
                    (names.len() - 1) as u16
                });
                if let Some(d) = o.date.as_deref() {
                    let fd = &mut first_date[k as usize];
                    if fd.as_deref().is_none_or(|x| d < x) {
                        *fd = Some(d.to_string());
                    }
                }
                raw.push(k);
            }
        }
    }
    if names.len() >= NO_ROUND as usize {
        return Err(InputError::new(ErrorKind::InvalidValue, &study.spec_path)
            .found(format!("{} distinct rounds", names.len()))
            .expected("fewer than 65,535 rounds"));
    }
    let mut order: Vec<usize> = (0..names.len()).collect();
    let numeric: Option<Vec<f64>> = names.iter().map(|n| n.trim().parse::<f64>().ok()).collect();
    match (&numeric, by_column, m.period) {
        (Some(v), true, _) => order.sort_by(|&a, &b| v[a].total_cmp(&v[b])),
        (None, true, _) if first_date.iter().all(Option::is_some) => {
            order.sort_by(|&a, &b| first_date[a].cmp(&first_date[b]).then(names[a].cmp(&names[b])))
        }
        (_, false, Period::Dates) => order.sort_by_key(|&a| m.rounds.iter().position(|r| r.name == names[a])),
        _ => order.sort_by(|&a, &b| names[a].cmp(&names[b])),
    }
    let mut rank = vec![0u16; names.len()];
    for (r, &k) in order.iter().enumerate() {
        rank[k] = r as u16;
    }
    let of_obs = raw.into_iter().map(|k| if k == NO_ROUND { k } else { rank[k as usize] }).collect();
    let names = order.iter().map(|&k| names[k].clone()).collect();
    Ok(Rounds { of_obs, names, missing })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn period_labels() {
        let mut m = MonitorSpec::default();
        assert_eq!(period_label(&m, "2026-05-04").unwrap(), "2026-Q2");
        m.period = Period::Month;
        assert_eq!(period_label(&m, "2026-05-04").unwrap(), "2026-05");
        m.period = Period::Dates;
        m.rounds = vec![crate::study::monitor_spec::RoundDates {
            name: "R1".into(),
            start: "2026-01-10".into(),
            end: "2026-02-20".into(),
        }];
        assert_eq!(period_label(&m, "2026-02-20").unwrap(), "R1");
        assert!(period_label(&m, "2026-02-21").is_none());
    }
}
