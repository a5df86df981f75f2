//! The study's reliability analyses: internal consistency, checklist inter-observer agreement on
//! double-coded visits, CLASS agreement on double-coded cycles, score ICCs and per-observer
//! breakdowns. Every number becomes a [`Record`] with its context.

use super::ingest::{ObsMeta, Role, NA_CODE};
use super::pipeline::StudyData;
use super::score::{code_value, item_value_table, ScoreCol};
use super::spec::Study;
use crate::analysis::reliability::{alpha_records, coef_record, icc_anova_records, reml_records};
use crate::analysis::StatOpts;
use crate::results::Record;
use crate::stats::agreement::{self, RatingTable, WeightKind};
use std::collections::{BTreeMap, HashMap};

/// Pairs (primary index, reliability index) of observations of the same classroom and date.
pub fn pair_observations(meta: &[ObsMeta]) -> Vec<(usize, usize)> {
    // Only looked up, never iterated: a hash map (a million primary visits on a national export).
    let mut primary: HashMap<(&str, &str, Option<&str>), usize, super::ingest::IdHash> = HashMap::default();
    for (i, m) in meta.iter().enumerate() {
        if m.role == Role::Primary {
            primary.entry((&m.center, &m.classroom, m.date.as_deref())).or_insert(i);
        }
    }
    meta.iter()
        .enumerate()
        .filter(|(_, m)| m.role == Role::Reliability)
        .filter_map(|(i, m)| primary.get(&(&*m.center, &*m.classroom, m.date.as_deref())).map(|&p| (p, i)))
        .collect()
}

pub fn stat_opts(study: &Study) -> StatOpts {
    let a = &study.spec.analysis;
    StatOpts {
        ci_level: a.ci_level,
        bootstrap: a.bootstrap as usize,
        seed: a.seed,
        kappa_scale: a.kappa_scale,
        icc_scale: a.icc_scale,
    }
}

fn tag(mut recs: Vec<Record>, kv: &[(&str, &str)]) -> Vec<Record> {
    for r in &mut recs {
        for (k, v) in kv {
            r.context.insert(k.to_string(), serde_json::Value::String(v.to_string()));
        }
    }
    recs
}

pub fn reliability_records(study: &Study, d: &StudyData) -> Vec<Record> {
    let o = stat_opts(study);
    let mut out = Vec::new();
    let vt = item_value_table(study);
    // ---- internal consistency, primary observations
    internal_consistency_records(study, d, &vt, &o, &mut out);
    // ---- checklist double-coded visits
    let pairs = pair_observations(&d.checklist.meta);
    out.push(
        Record::new("n_double_coded_pairs", Ok(pairs.len() as f64))
            .n(pairs.len())
            .ctx("instrument", "checklist")
            .ctx("analysis", "inter_observer"),
    );
    checklist_item_agreement_records(study, d, &vt, &pairs, &o, &mut out);
    // Score ICCs on double-coded visits: ANOVA forms (primary vs reliability columns) and REML
    // forms with the actual observers as raters.
    for (s, name) in d.checklist_scores.names.iter().enumerate() {
        out.extend(score_icc_records(&d.checklist.meta, &pairs, &d.checklist_scores.values[s], "checklist", name, &o));
    }
    checklist_observer_agreement_records(study, d, &vt, &pairs, &mut out);
    // ---- CLASS double-coded cycles
    class_reliability_records(study, d, &o, &mut out);
    out
}

/// Cronbach's α (and its item statistics) of the total and each subscale, with missing and
/// not-applicable items handled by `analysis.alpha_missing`, then the item N/A and missing
/// shares, all on primary observations.
fn internal_consistency_records(study: &Study, d: &StudyData, vt: &[Vec<f64>], o: &StatOpts, out: &mut Vec<Record>) {
    let cl = &d.checklist;
    let items = &study.spec.checklist.items;
    let primary: Vec<usize> = (0..cl.meta.len()).filter(|&i| cl.meta[i].role == Role::Primary).collect();
    let mut scales: Vec<(String, Vec<usize>)> = vec![("checklist_total".into(), (0..items.len()).collect())];
    for s in &study.subscales {
        scales.push((format!("checklist_{s}"), (0..items.len()).filter(|&j| items[j].subscale == *s).collect()));
    }
    for (name, js) in &scales {
        let rows: Vec<Vec<Option<f64>>> =
            primary.iter().map(|&i| js.iter().map(|&j| code_value(vt, j, cl.row(i)[j])).collect()).collect();
        let names: Vec<String> = js.iter().map(|&j| items[j].id.clone()).collect();
        let recs = alpha_records(&rows, &names, o, name, study.spec.analysis.alpha_missing);
        out.extend(tag(recs, &[("analysis", "internal_consistency"), ("scale", name), ("level", "observation")]));
    }
    // Item N/A and missing shares (all primary observations).
    for (j, it) in items.iter().enumerate() {
        let n = primary.len();
        let na = primary.iter().filter(|&&i| cl.row(i)[j] == NA_CODE).count();
        let miss = primary.iter().filter(|&&i| cl.row(i)[j] == super::ingest::MISSING_CODE).count();
        let share =
            |c: usize| if n > 0 { Ok(c as f64 / n as f64) } else { Err(crate::stats::Na::new("no observations")) };
        out.push(
            Record::new("item_na_share", share(na)).n(n).ctx("item", it.id.as_str()).ctx("analysis", "item_coverage"),
        );
        out.push(
            Record::new("item_missing_share", share(miss))
                .n(n)
                .ctx("item", it.id.as_str())
                .ctx("analysis", "item_coverage"),
        );
    }
}

/// Per-item agreement on double-coded checklist visits: percent agreement, Cohen's κ, Gwet's AC1.
fn checklist_item_agreement_records(
    study: &Study,
    d: &StudyData,
    vt: &[Vec<f64>],
    pairs: &[(usize, usize)],
    o: &StatOpts,
    out: &mut Vec<Record>,
) {
    let ks = o.kappa_scale;
    let lab = move |k: f64| ks.label(k);
    let cl = &d.checklist;
    for (j, it) in study.spec.checklist.items.iter().enumerate() {
        let a: Vec<Option<f64>> = pairs.iter().map(|&(p, _)| code_value(vt, j, cl.row(p)[j])).collect();
        let b: Vec<Option<f64>> = pairs.iter().map(|&(_, r)| code_value(vt, j, cl.row(r)[j])).collect();
        let units: Vec<Vec<Option<f64>>> = a.iter().zip(&b).map(|(x, y)| vec![*x, *y]).collect();
        let ctx = [
            ("analysis", "item_agreement"),
            ("instrument", "checklist"),
            ("item", it.id.as_str()),
            ("subscale", it.subscale.as_str()),
        ];
        let t = RatingTable::new(&units, None);
        let mut recs = Vec::new();
        match &t {
            Ok(t) => {
                recs.push(match agreement::percent_agreement(t, WeightKind::Identity) {
                    Ok((v, n)) => Record::new("percent_agreement", Ok(v)).n(n),
                    Err(na) => Record::new("percent_agreement", Err(na)),
                });
                recs.push(coef_record(
                    "cohen_kappa",
                    agreement::cohen_kappa(&a, &b, WeightKind::Identity, o.ci_level),
                    o.ci_level,
                    Some(&lab),
                ));
                recs.push(coef_record(
                    "gwet_ac1",
                    agreement::gwet_ac(t, WeightKind::Identity, o.ci_level),
                    o.ci_level,
                    Some(&lab),
                ));
            }
            Err(na) => {
                for s in ["percent_agreement", "cohen_kappa", "gwet_ac1"] {
                    recs.push(Record::new(s, Err(na.clone())));
                }
            }
        }
        out.extend(tag(recs, &ctx));
    }
}

/// Per-observer agreement with partners on double-coded checklist visits (pooled over items
/// and pairs).
fn checklist_observer_agreement_records(
    study: &Study,
    d: &StudyData,
    vt: &[Vec<f64>],
    pairs: &[(usize, usize)],
    out: &mut Vec<Record>,
) {
    let cl = &d.checklist;
    let n_items = study.spec.checklist.items.len();
    let mut per_obs: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new(); // agree, compared, pairs
    for &(p, r) in pairs {
        let (mut ag, mut cmp) = (0, 0);
        for j in 0..n_items {
            if let (Some(x), Some(y)) = (code_value(vt, j, cl.row(p)[j]), code_value(vt, j, cl.row(r)[j])) {
                cmp += 1;
                if x == y {
                    ag += 1;
                }
            }
        }
        for i in [p, r] {
            let e = per_obs.entry(cl.meta[i].observer.to_string()).or_default();
            e.0 += ag;
            e.1 += cmp;
            e.2 += 1;
        }
    }
    for (obs, (ag, cmp, np)) in &per_obs {
        let est =
            if *cmp > 0 { Ok(*ag as f64 / *cmp as f64) } else { Err(crate::stats::Na::new("no comparable items")) };
        out.push(
            Record::new("observer_percent_agreement", est)
                .n(*cmp)
                .ctx("observer", obs.as_str())
                .ctx("n_pairs", *np)
                .ctx("instrument", "checklist")
                .ctx("analysis", "observer_agreement"),
        );
    }
}

/// CLASS double-coded observations: the pair count, per-dimension cycle agreement, score ICCs
/// and per-observer within-one agreement. Nothing without CLASS data.
fn class_reliability_records(study: &Study, d: &StudyData, o: &StatOpts, out: &mut Vec<Record>) {
    let (Some(c), Some(cs), Some(inst)) = (&d.class, &d.class_scores, &study.instrument) else { return };
    let cpairs = pair_observations(&c.obs);
    out.push(
        Record::new("n_double_coded_pairs", Ok(cpairs.len() as f64))
            .n(cpairs.len())
            .ctx("instrument", "class")
            .ctx("analysis", "inter_observer"),
    );
    // cycle lookup: (obs, cycle) → values
    let mut cyc: BTreeMap<(usize, u32), &Vec<Option<f64>>> = BTreeMap::new();
    for cy in &c.cycles {
        cyc.insert((cy.obs, cy.cycle), &cy.values);
    }
    let mut obs_within: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (di, dim) in inst.dimensions.iter().enumerate() {
        let mut units = Vec::new();
        for &(p, r) in &cpairs {
            for (&(o2, cycle), vals) in cyc.range((p, 0)..(p + 1, 0)) {
                let _ = o2;
                if let Some(rv) = cyc.get(&(r, cycle)) {
                    units.push(vec![vals[di], rv[di]]);
                    if let (Some(x), Some(y)) = (vals[di], rv[di]) {
                        for i in [p, r] {
                            let e = obs_within.entry(c.obs[i].observer.to_string()).or_default();
                            e.1 += 1;
                            if (x - y).abs() <= 1.0 + 1e-9 {
                                e.0 += 1;
                            }
                        }
                    }
                }
            }
        }
        let ctx = [("analysis", "class_cycle_agreement"), ("instrument", "class"), ("dimension", dim.code.as_str())];
        out.extend(tag(class_cycle_agreement(&units), &ctx));
    }
    for (s, name) in cs.names.iter().enumerate() {
        out.extend(score_icc_records(&c.obs, &cpairs, &cs.values[s], "class", name, o));
    }
    for (obs, (w, n)) in &obs_within {
        out.push(
            Record::new("observer_within_one_agreement", Ok(*w as f64 / *n as f64))
                .n(*n)
                .ctx("observer", obs.as_str())
                .ctx("instrument", "class")
                .ctx("analysis", "observer_agreement")
                .ctx("meets_criterion", *w as f64 / *n as f64 >= 0.80),
        );
    }
}

/// Exact and within-one agreement of one CLASS dimension over the double-coded cycles.
fn class_cycle_agreement(units: &[Vec<Option<f64>>]) -> Vec<Record> {
    let mut recs = Vec::new();
    match RatingTable::new(units, None) {
        Ok(t) => {
            recs.push(match agreement::percent_agreement(&t, WeightKind::Identity) {
                Ok((v, n)) => Record::new("percent_agreement", Ok(v)).n(n),
                Err(na) => Record::new("percent_agreement", Err(na)),
            });
            recs.push(match agreement::percent_agreement(&t, WeightKind::WithinOne) {
                Ok((v, n)) => Record::new("within_one_agreement", Ok(v))
                    .n(n)
                    .ctx("criterion", "within_one >= 0.80")
                    .ctx("meets_criterion", v >= 0.80),
                Err(na) => Record::new("within_one_agreement", Err(na)),
            });
        }
        Err(na) => {
            recs.push(Record::new("percent_agreement", Err(na.clone())));
            recs.push(Record::new("within_one_agreement", Err(na)));
        }
    }
    recs
}

/// Bland–Altman of primary vs reliability scores on double-coded visits.
fn bland_altman_pairs(rows: &[Vec<Option<f64>>], o: &StatOpts, instrument: &str, score: &str) -> Vec<Record> {
    let (a, b): (Vec<f64>, Vec<f64>) = rows.iter().filter_map(|r| Some((r[0]?, r[1]?))).unzip();
    tag(
        crate::analysis::validity::bland_altman_records(&a, &b, o),
        &[
            ("analysis", "bland_altman"),
            ("instrument", instrument),
            ("score", score),
            ("comparison", "primary - reliability"),
        ],
    )
}

/// Score ICCs on double-coded visits for one score: the ANOVA forms (primary vs reliability
/// columns), the REML forms with the actual observers as crossed raters, and Bland–Altman.
fn score_icc_records(
    meta: &[ObsMeta],
    pairs: &[(usize, usize)],
    col: &ScoreCol,
    instrument: &str,
    score: &str,
    o: &StatOpts,
) -> Vec<Record> {
    let mut observers: Vec<&str> = meta.iter().map(|m| &*m.observer).collect();
    observers.sort_unstable();
    observers.dedup();
    let obs_idx = |name: &str| observers.binary_search(&name).unwrap_or(0);
    let rows: Vec<Vec<Option<f64>>> = pairs.iter().map(|&(p, r)| vec![col.get(p), col.get(r)]).collect();
    let mut recs = icc_anova_records(&rows, o);
    let long: Vec<(usize, usize, f64)> = pairs
        .iter()
        .enumerate()
        .flat_map(|(u, &(p, r))| [(u, p), (u, r)])
        .filter_map(|(u, i)| col.get(i).map(|v| (u, obs_idx(&meta[i].observer), v)))
        .collect();
    recs.extend(reml_records(&long, o));
    let mut out = tag(
        recs,
        &[("analysis", "score_icc"), ("instrument", instrument), ("score", score), ("raters", "double-coded pairs")],
    );
    out.extend(bland_altman_pairs(&rows, o, instrument, score));
    out
}
