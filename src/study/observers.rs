//! Observer severity and drift: each checklist observer's mean total against the other
//! observers' (Welch t test, Cohen's d), and the mean total by fieldwork week.

use super::ingest::Role;
use super::pipeline::Observations;
use crate::results::Record;
use crate::stats::descriptive::{mean, variance};
use crate::stats::ttest::welch_summary;
use std::collections::BTreeMap;

pub fn observer_records(d: &Observations, ci_level: f64) -> Vec<Record> {
    let cl = &d.checklist;
    let total = &d.checklist_scores.values[0];
    let mut by_obs: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut all: Vec<(&str, f64)> = Vec::new();
    for (i, m) in cl.meta.iter().enumerate() {
        if m.role != Role::Primary || m.observer.is_empty() {
            continue;
        }
        if let Some(v) = total.get(i) {
            by_obs.entry(&m.observer).or_default().push(v);
            all.push((&m.observer, v));
        }
    }
    let mut out = Vec::new();
    // Others' mean and variance from totals minus the observer's own sums: O(observers).
    let (n_all, s_all, ss_all) = all.iter().fold((0.0, 0.0, 0.0), |(n, s, ss), (_, v)| (n + 1.0, s + v, ss + v * v));
    for (obs, vals) in &by_obs {
        let (n_o, s_o, ss_o) = vals.iter().fold((0.0, 0.0, 0.0), |(n, s, ss), v| (n + 1.0, s + v, ss + v * v));
        let n_b = n_all - n_o;
        let summary = |n: f64, s: f64, ss: f64| (n, s / n, ((ss - s * s / n) / (n - 1.0)).max(0.0));
        let res = if n_o >= 2.0 && n_b >= 2.0 {
            // Two-pass variance for the observer's own (small) group; totals for the others.
            welch_summary(
                (n_o, mean(vals).unwrap_or(0.0), variance(vals).unwrap_or(0.0)),
                summary(n_b, s_all - s_o, ss_all - ss_o),
            )
        } else {
            None
        };
        let rec = match res {
            Some((diff, se, df, _t, p, dd)) => {
                let tc = crate::stats::descriptive::t_crit(ci_level, df).unwrap_or(1.96);
                let mut r = Record::new("observer_severity", Ok(diff))
                    .n(vals.len())
                    .se(se)
                    .ci(diff - tc * se, diff + tc * se, ci_level, "Welch t")
                    .p(p);
                if dd.is_finite() {
                    r = r.ctx("cohen_d", dd);
                }
                r
            }
            None => Record::na("observer_severity", "fewer than 2 observations for this observer or the others"),
        };
        out.push(
            rec.ctx("observer", *obs)
                .ctx("score", "checklist_total")
                .ctx("analysis", "observer_severity")
                .ctx("comparison", "observer mean − other observers' mean"),
        );
    }
    // Drift: mean total by fieldwork week (weeks since the first visit date).
    let days: Vec<Option<i64>> = cl
        .meta
        .iter()
        .map(|m| m.date.as_deref().and_then(crate::io::values::parse_datetime).map(|d| d.days()))
        .collect();
    if let Some(first) = days.iter().flatten().min().copied() {
        let mut weeks: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
        for (i, m) in cl.meta.iter().enumerate() {
            if let (Role::Primary, Some(dd), Some(v)) = (m.role, days[i], total.get(i)) {
                weeks.entry((dd - first) / 7 + 1).or_default().push(v);
            }
        }
        for (w, vals) in weeks {
            let rec = match crate::stats::descriptive::mean_ci(&vals, ci_level) {
                Ok(m) => Record::new("weekly_mean", Ok(m.mean)).n(m.n).ci(m.ci_low, m.ci_high, ci_level, "t"),
                Err(_) => Record::new("weekly_mean", mean(&vals)).n(vals.len()),
            };
            out.push(rec.ctx("week", w).ctx("score", "checklist_total").ctx("analysis", "observer_drift"));
        }
    }
    out
}
