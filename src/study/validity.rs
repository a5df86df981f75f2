//! The study's validity analyses: checklist vs CLASS at classroom and center level (MTMM),
//! disattenuated and partial correlations, dependent-correlation tests, ROC against the spec's
//! quality thresholds, item-level validity, the short-form search and clustering diagnostics.

use super::ingest::Role;
use super::pipeline::StudyData;
use super::reliability::stat_opts;
use super::score::{code_value, item_value_table, LevelTable};
use super::spec::{ItemType, Study};
use crate::analysis::validity::{corr_records, roc_records, Benchmark};
use crate::analysis::StatOpts;
use crate::choices::Level;
use crate::results::Record;
use crate::stats::consistency::{cronbach_alpha, Items};
use crate::stats::correlation::{self, bh_adjust, correlate, Method};
use crate::stats::multilevel;
use crate::stats::roc::{self, Direction};
use crate::stats::Na;
use std::collections::BTreeMap;

fn tag(mut recs: Vec<Record>, kv: &[(&str, &str)]) -> Vec<Record> {
    for r in &mut recs {
        for (k, v) in kv {
            r.context.insert(k.to_string(), serde_json::Value::String(v.to_string()));
        }
    }
    recs
}

/// Complete pairs of two columns, with the cluster (center) index of each kept row.
fn pairs(t: &LevelTable, a: &str, b: &str, centers: &[usize]) -> (Vec<f64>, Vec<f64>, Vec<usize>) {
    let (ca, cb) = (t.column(a).unwrap_or(&[]), t.column(b).unwrap_or(&[]));
    let mut x = Vec::new();
    let mut y = Vec::new();
    let mut c = Vec::new();
    for i in 0..ca.len().min(cb.len()) {
        if let (Some(u), Some(v)) = (ca[i], cb[i]) {
            x.push(u);
            y.push(v);
            c.push(centers[i]);
        }
    }
    (x, y, c)
}

/// Center index of every classroom row, and the number of centers.
fn center_index(t: &LevelTable) -> (Vec<usize>, usize) {
    let mut names: Vec<&String> = t.center.iter().collect();
    names.sort();
    names.dedup();
    (t.center.iter().map(|c| names.binary_search(&c).expect("center")).collect(), names.len())
}

fn domains(study: &Study) -> Vec<String> {
    study
        .instrument
        .as_ref()
        .map(|i| i.domains.iter().map(|d| format!("class_{}", d.code)).collect())
        .unwrap_or_default()
}

pub fn validity_records(study: &Study, d: &StudyData, reliability: &[Record]) -> Vec<Record> {
    let mut out = Vec::new();
    if d.class.is_none() {
        out.push(
            Record::na("pearson_r", "no CLASS data in the spec: validity analyses need [class]")
                .ctx("analysis", "mtmm"),
        );
        return out;
    }
    let o = stat_opts(study);
    let cl_names = study.checklist_score_names();
    let cs_names = study.class_score_names();
    let doms = domains(study);
    let rooms = &d.classrooms;
    let (room_center, n_centers) = center_index(rooms);
    // ---- MTMM at each level
    for lvl in &study.spec.analysis.levels {
        let (t, cluster_of): (&LevelTable, Vec<usize>) = if *lvl == Level::Classroom {
            (rooms, room_center.clone())
        } else {
            (&d.centers, (0..d.centers.len()).collect())
        };
        for a in &cl_names {
            for b in &cs_names {
                let (x, y, c) = pairs(t, a, b, &cluster_of);
                let k = if *lvl == Level::Classroom { n_centers } else { c.len() };
                let cluster = if *lvl == Level::Classroom { Some((c.as_slice(), k)) } else { None };
                let recs = corr_records(&x, &y, &[Method::Pearson], cluster, &o, &format!("mtmm/{lvl}/{a}/{b}"));
                out.extend(tag(recs, &[("analysis", "mtmm"), ("level", lvl.as_str()), ("x", a), ("y", b)]));
            }
        }
    }
    // ---- disattenuated (classroom level), with the inter-observer ICC(A,1) of each score
    let rel = |score: &str| {
        reliability
            .iter()
            .find(|r| {
                r.statistic == "icc2" && r.ctx_str("analysis") == Some("score_icc") && r.ctx_str("score") == Some(score)
            })
            .and_then(|r| r.estimate)
    };
    for a in &cl_names {
        for b in &doms {
            let (x, y, _) = pairs(rooms, a, b, &room_center);
            let r = correlate(&x, &y, Method::Pearson, o.ci_level);
            let rec = match (r, rel(a), rel(b)) {
                (Ok(c), Some(rx), Some(ry)) => Record::new("disattenuated_r", correlation::disattenuate(c.r, rx, ry))
                    .n(c.n)
                    .ctx("observed_r", c.r)
                    .ctx("reliability_x", rx)
                    .ctx("reliability_y", ry)
                    .ctx(
                        "reliability_source",
                        "icc2: ICC(A,1) of the score on double-coded visits (single observation)",
                    ),
                (Err(na), _, _) => Record::new("disattenuated_r", Err(na)),
                _ => Record::na(
                    "disattenuated_r",
                    "no inter-observer ICC for one of the scores (too few double-coded visits?)",
                ),
            };
            out.push(
                rec.ctx("analysis", "disattenuated")
                    .ctx("level", "classroom")
                    .ctx("x", a.as_str())
                    .ctx("y", b.as_str()),
            );
        }
    }
    // ---- partial correlations controlling for roster covariates (classroom level)
    if !study.spec.analysis.covariates.is_empty() {
        if let Some(r) = &d.roster {
            let covs = covariate_columns(study, r, rooms);
            for b in &doms {
                let mut x = Vec::new();
                let mut y = Vec::new();
                let mut z: Vec<Vec<f64>> = vec![Vec::new(); covs.len()];
                let (ca, cb) = (rooms.column("checklist_total").unwrap_or(&[]), rooms.column(b).unwrap_or(&[]));
                for i in 0..rooms.len() {
                    if let (Some(u), Some(v)) = (ca[i], cb[i]) {
                        if covs.iter().all(|c| c.1[i].is_some()) {
                            x.push(u);
                            y.push(v);
                            for (k, c) in covs.iter().enumerate() {
                                z[k].push(c.1[i].expect("checked"));
                            }
                        }
                    }
                }
                let rec = match correlation::partial_corr(&x, &y, &z, o.ci_level) {
                    Ok(c) => {
                        let mut r = Record::new("partial_r", Ok(c.r)).n(c.n);
                        if let Some((l, h)) = c.ci {
                            r = r.ci(l, h, o.ci_level, c.ci_method);
                        }
                        if let Some(p) = c.p_value {
                            r = r.p(p);
                        }
                        r
                    }
                    Err(na) => Record::new("partial_r", Err(na)),
                };
                out.push(
                    rec.ctx("analysis", "partial")
                        .ctx("level", "classroom")
                        .ctx("x", "checklist_total")
                        .ctx("y", b.as_str())
                        .ctx("covariates", study.spec.analysis.covariates.join(", "))
                        .ctx("covariate_columns", covs.iter().map(|c| c.0.clone()).collect::<Vec<_>>().join(", ")),
                );
            }
        }
    }
    // ---- dependent correlations (classroom level)
    for (i, d1) in doms.iter().enumerate() {
        for d2 in &doms[i + 1..] {
            let (ca, c1, c2) = (
                rooms.column("checklist_total").unwrap_or(&[]),
                rooms.column(d1).unwrap_or(&[]),
                rooms.column(d2).unwrap_or(&[]),
            );
            let rows: Vec<(f64, f64, f64)> = (0..rooms.len()).filter_map(|k| Some((ca[k]?, c1[k]?, c2[k]?))).collect();
            let x: Vec<f64> = rows.iter().map(|r| r.0).collect();
            let y1: Vec<f64> = rows.iter().map(|r| r.1).collect();
            let y2: Vec<f64> = rows.iter().map(|r| r.2).collect();
            let n = rows.len();
            let rr = |a: &[f64], b: &[f64]| correlation::pearson_w(a, b, None);
            let ctx = |r: Record| {
                r.n(n)
                    .ctx("analysis", "dependent_correlations")
                    .ctx("level", "classroom")
                    .ctx("comparison", format!("r(checklist_total, {d1}) vs r(checklist_total, {d2})"))
            };
            match (rr(&x, &y1), rr(&x, &y2), rr(&y1, &y2)) {
                (Some(r1), Some(r2), Some(r12)) => {
                    for (name, res) in [
                        ("williams_t", correlation::williams_t(r1, r2, r12, n)),
                        ("meng_rosenthal_rubin_z", correlation::meng_rosenthal_rubin(r1, r2, r12, n)),
                        ("steiger_z", correlation::steiger_overlapping(r1, r2, r12, n)),
                    ] {
                        out.push(ctx(match res {
                            Ok((z, p)) => Record::new(name, Ok(z)).p(p).ctx("r1", r1).ctx("r2", r2).ctx("r12", r12),
                            Err(na) => Record::new(name, Err(na)),
                        }));
                    }
                }
                _ => out.push(ctx(Record::na("williams_t", "a correlation is undefined"))),
            }
        }
    }
    // ---- ROC against each quality threshold (classroom level, cluster bootstrap)
    let rule = study.spec.analysis.cutoff_rule;
    let sc = &study.spec.analysis.screening;
    let bench = Benchmark {
        min_auc_lower: sc.min_auc_lower,
        min_sensitivity: sc.min_sensitivity,
        min_specificity: sc.min_specificity,
    };
    for th in &study.spec.analysis.thresholds {
        let truth_col = match rooms.column(&th.score) {
            Some(c) => c,
            None => {
                out.push(
                    Record::na("auc", format!("threshold score '{}' is not a score column", th.score))
                        .ctx("threshold", th.name.as_str()),
                );
                continue;
            }
        };
        let (dir, positive): (Direction, Box<dyn Fn(f64) -> bool>) = match (th.below, th.at_or_above) {
            (Some(b), _) => (Direction::Lower, Box::new(move |v| v < b)),
            (_, Some(a)) => (Direction::Higher, Box::new(move |v| v >= a)),
            _ => continue,
        };
        let mut aucs: Vec<(String, Vec<f64>, Vec<bool>)> = Vec::new();
        for a in &cl_names {
            let sa = rooms.column(a).unwrap_or(&[]);
            let mut s = Vec::new();
            let mut t = Vec::new();
            let mut c = Vec::new();
            for i in 0..rooms.len() {
                if let (Some(u), Some(v)) = (sa[i], truth_col[i]) {
                    s.push(u);
                    t.push(positive(v));
                    c.push(room_center[i]);
                }
            }
            let recs = roc_records(
                &s,
                &t,
                dir,
                rule,
                bench,
                Some((&c, n_centers)),
                &o,
                &format!("roc/{}/{a}", th.name),
                a == "checklist_total",
            );
            out.extend(tag(
                recs,
                &[
                    ("analysis", "roc"),
                    ("level", "classroom"),
                    ("threshold", &th.name),
                    ("score", a),
                    ("truth", &th.score),
                ],
            ));
            aucs.push((a.clone(), s, t));
        }
        // Paired DeLong: total against each subscale (same classrooms).
        if let Some((_, s0, t0)) = aucs.first() {
            for (name, s1, t1) in aucs.iter().skip(1) {
                if s1.len() != s0.len() || t1 != t0 {
                    out.push(
                        Record::na("delong_paired_z", "different classrooms have the two scores")
                            .ctx("analysis", "roc_compare")
                            .ctx("threshold", th.name.as_str())
                            .ctx("score", name.as_str()),
                    );
                    continue;
                }
                let r = match roc::delong_paired(s0, dir, s1, dir, t0) {
                    Ok((a1, a2, z, p)) => {
                        Record::new("delong_paired_z", Ok(z)).p(p).n(s0.len()).ctx("auc_total", a1).ctx("auc_other", a2)
                    }
                    Err(na) => Record::new("delong_paired_z", Err(na)),
                };
                out.push(
                    r.ctx("analysis", "roc_compare")
                        .ctx("threshold", th.name.as_str())
                        .ctx("score", name.as_str())
                        .ctx("compared_with", "checklist_total"),
                );
            }
        }
    }
    // ---- item-level validity (classroom item means vs CLASS domains)
    let item_means = classroom_item_means(study, d);
    let items = &study.spec.checklist.items;
    let mut tests: Vec<(usize, usize, Record)> = Vec::new();
    for (j, it) in items.iter().enumerate() {
        for (k, dom) in doms.iter().enumerate() {
            let dc = rooms.column(dom).unwrap_or(&[]);
            let (x, y): (Vec<f64>, Vec<f64>) =
                (0..rooms.len()).filter_map(|i| Some((item_means[j][i]?, dc[i]?))).unzip();
            let name = if it.kind == ItemType::Binary { "point_biserial_r" } else { "item_r" };
            let rec = match correlate(&x, &y, Method::Pearson, o.ci_level) {
                Ok(c) => {
                    let mut r = Record::new(name, Ok(c.r)).n(c.n);
                    if let Some((l, h)) = c.ci {
                        r = r.ci(l, h, o.ci_level, c.ci_method);
                    }
                    if let Some(p) = c.p_value {
                        r = r.p(p);
                    }
                    r
                }
                Err(na) => Record::new(name, Err(na)),
            };
            tests.push((
                j,
                k,
                rec.ctx("analysis", "item_validity")
                    .ctx("item", it.id.as_str())
                    .ctx("y", dom.as_str())
                    .ctx("level", "classroom"),
            ));
        }
    }
    let adj = bh_adjust(&tests.iter().map(|t| t.2.p_value).collect::<Vec<_>>());
    for (t, a) in tests.iter_mut().zip(&adj) {
        if let Some(a) = a {
            t.2.context.insert("p_fdr".into(), (*a).into());
        }
    }
    for (j, it) in items.iter().enumerate() {
        let mine: Vec<&Record> = tests.iter().filter(|t| t.0 == j).map(|t| &t.2).collect();
        let discriminates = mine.iter().any(|r| {
            r.estimate.is_some_and(|e| e >= 0.10)
                && r.context.get("p_fdr").and_then(|v| v.as_f64()).is_some_and(|p| p < 0.05)
        });
        out.push(
            Record::new("item_discriminates", Ok(if discriminates { 1.0 } else { 0.0 }))
                .ctx("analysis", "item_validity")
                .ctx("item", it.id.as_str())
                .ctx("criterion", "r ≥ .10 with FDR-adjusted p < .05 for at least one CLASS domain")
                .ctx("flag", if discriminates { "" } else { "does not discriminate" }),
        );
    }
    out.extend(tests.into_iter().map(|t| t.2));
    // ---- short form
    out.extend(short_form(study, d, &item_means, &o));
    // ---- clustering: ICC(1) of center and design effect for every score (classroom level)
    for (s, name) in rooms.names.iter().enumerate() {
        let vals: Vec<(usize, f64)> =
            (0..rooms.len()).filter_map(|i| rooms.values[s][i].map(|v| (room_center[i], v))).collect();
        match multilevel::clustering(&vals) {
            Ok(c) => {
                out.push(
                    Record::new("icc_center", Ok(c.icc))
                        .n(c.n_units)
                        .ctx("n_centers", c.n_clusters)
                        .ctx("method", "REML one-way")
                        .ctx("analysis", "multilevel")
                        .ctx("score", name.as_str()),
                );
                out.push(
                    Record::new("design_effect", Ok(c.deff))
                        .n(c.n_units)
                        .ctx("mean_classrooms_per_center", c.mean_cluster_size)
                        .ctx("analysis", "multilevel")
                        .ctx("score", name.as_str()),
                );
            }
            Err(na) => {
                out.push(Record::new("icc_center", Err(na)).ctx("analysis", "multilevel").ctx("score", name.as_str()))
            }
        }
    }
    // ---- is center-level n enough for the stated precision?
    let h = study.spec.analysis.precision;
    for b in &doms {
        let (x, y, _) = pairs(&d.centers, "checklist_total", b, &(0..d.centers.len()).collect::<Vec<_>>());
        let rec = match correlate(&x, &y, Method::Pearson, o.ci_level) {
            Ok(c) => match multilevel::n_for_precision(c.r, h, o.ci_level) {
                Ok(need) => Record::new("n_required_for_precision", Ok(need.ceil()))
                    .n(c.n)
                    .ctx("r", c.r)
                    .ctx("half_width", h)
                    .ctx("adequate", c.n as f64 >= need)
                    .ctx(
                        "message_en",
                        if c.n as f64 >= need {
                            format!("{} centers suffice for ±{h} around r = {:.2}", c.n, c.r)
                        } else {
                            format!(
                                "{} centers are too few for ±{h} around r = {:.2}: about {} needed",
                                c.n,
                                c.r,
                                need.ceil()
                            )
                        },
                    ),
                Err(na) => Record::new("n_required_for_precision", Err(na)),
            },
            Err(na) => Record::new("n_required_for_precision", Err(na)),
        };
        out.push(
            rec.ctx("analysis", "precision").ctx("level", "center").ctx("x", "checklist_total").ctx("y", b.as_str()),
        );
    }
    out
}

/// Roster covariates expanded to numeric columns aligned with classroom rows: numeric
/// attributes as they are, categorical ones as dummies (first category is the reference).
fn covariate_columns(
    study: &Study,
    roster: &super::ingest::Roster,
    rooms: &LevelTable,
) -> Vec<(String, Vec<Option<f64>>)> {
    let mut out = Vec::new();
    for cov in &study.spec.analysis.covariates {
        let ai = match roster.attributes.iter().position(|a| a == cov) {
            Some(i) => i,
            None => continue,
        };
        let vals: Vec<Option<String>> = rooms
            .center
            .iter()
            .map(|c| roster.centers.get(c).map(|v| v[ai].clone()).filter(|v| !v.is_empty()))
            .collect();
        let numeric: Option<Vec<Option<f64>>> = vals
            .iter()
            .map(|v| match v {
                Some(s) => s.replace(',', ".").parse::<f64>().ok().map(Some),
                None => Some(None),
            })
            .collect();
        match numeric {
            Some(nv) => out.push((cov.clone(), nv)),
            None => {
                let mut levels: Vec<&String> = vals.iter().flatten().collect();
                levels.sort();
                levels.dedup();
                for l in levels.iter().skip(1) {
                    out.push((
                        format!("{cov}={l}"),
                        vals.iter().map(|v| v.as_ref().map(|s| f64::from(s == *l))).collect(),
                    ));
                }
            }
        }
    }
    out
}

/// Classroom-level item means (primary observations, 0–1 scale with reverse scoring), `[item][room]`.
fn classroom_item_means(study: &Study, d: &StudyData) -> Vec<Vec<Option<f64>>> {
    let rooms = &d.classrooms;
    let index: BTreeMap<(&str, &str), usize> = rooms
        .center
        .iter()
        .zip(&rooms.classroom)
        .enumerate()
        .map(|(i, (c, r))| ((c.as_str(), r.as_str()), i))
        .collect();
    let vt = item_value_table(study);
    let items = &study.spec.checklist.items;
    let mut sum = vec![vec![0.0; rooms.len()]; items.len()];
    let mut cnt = vec![vec![0u32; rooms.len()]; items.len()];
    for (i, m) in d.checklist.meta.iter().enumerate() {
        if m.role != Role::Primary {
            continue;
        }
        let Some(&ri) = index.get(&(&*m.center, &*m.classroom)) else { continue };
        for (j, it) in items.iter().enumerate() {
            if let Some(v) = code_value(&vt, j, d.checklist.row(i)[j]) {
                let (lo, hi) = it.range();
                sum[j][ri] += (v - lo) / (hi - lo);
                cnt[j][ri] += 1;
            }
        }
    }
    (0..items.len())
        .map(|j| {
            (0..rooms.len()).map(|r| if cnt[j][r] > 0 { Some(sum[j][r] / cnt[j][r] as f64) } else { None }).collect()
        })
        .collect()
}

/// Backward elimination: at each step drop the item whose removal keeps the highest mean
/// correlation of the short total with the CLASS domains, never taking a subscale below
/// `min_items_per_subscale`. Reports k → α, r with each domain and the AUC for the first
/// threshold; proposes the smallest form meeting `min_alpha` and `max_r_loss`.
fn short_form(study: &Study, d: &StudyData, item_means: &[Vec<Option<f64>>], o: &StatOpts) -> Vec<Record> {
    let mut out = Vec::new();
    let rooms = &d.classrooms;
    let doms = domains(study);
    let items = &study.spec.checklist.items;
    let sf = &study.spec.analysis.short_form;
    let min_ans = study.spec.scoring.min_answered;
    let dom_cols: Vec<&[Option<f64>]> = doms.iter().filter_map(|dname| rooms.column(dname)).collect();
    let score = |set: &[usize]| -> Vec<Option<f64>> {
        (0..rooms.len())
            .map(|r| {
                let vals: Vec<f64> = set.iter().filter_map(|&j| item_means[j][r]).collect();
                if vals.is_empty() || (vals.len() as f64) < min_ans * set.len() as f64 - 1e-9 {
                    None
                } else {
                    Some(vals.iter().sum::<f64>() / vals.len() as f64)
                }
            })
            .collect()
    };
    let rs = |s: &[Option<f64>]| -> Vec<Option<f64>> {
        dom_cols
            .iter()
            .map(|dc| {
                let (x, y): (Vec<f64>, Vec<f64>) =
                    s.iter().zip(dc.iter()).filter_map(|(a, b)| Some(((*a)?, (*b)?))).unzip();
                correlation::pearson_w(&x, &y, None)
            })
            .collect()
    };
    let mean_r = |v: &[Option<f64>]| {
        let p: Vec<f64> = v.iter().flatten().copied().collect();
        if p.is_empty() {
            f64::NEG_INFINITY
        } else {
            p.iter().sum::<f64>() / p.len() as f64
        }
    };
    let primary: Vec<usize> =
        (0..d.checklist.meta.len()).filter(|&i| d.checklist.meta[i].role == Role::Primary).collect();
    let vt = item_value_table(study);
    let alpha = |set: &[usize]| -> (Result<f64, Na>, usize) {
        let rows: Vec<Vec<Option<f64>>> =
            primary.iter().map(|&i| set.iter().map(|&j| code_value(&vt, j, d.checklist.row(i)[j])).collect()).collect();
        match Items::listwise(&rows) {
            Ok(it) => {
                let n = it.n;
                (cronbach_alpha(&it), n)
            }
            Err(na) => (Err(na), 0),
        }
    };
    let th = study.spec.analysis.thresholds.first();
    let auc = |s: &[Option<f64>]| -> Option<f64> {
        let th = th?;
        let truth = rooms.column(&th.score)?;
        let (sc, t): (Vec<f64>, Vec<bool>) = s
            .iter()
            .zip(truth)
            .filter_map(|(a, b)| {
                let (a, b) = ((*a)?, (*b)?);
                Some((a, if let Some(x) = th.below { b < x } else { b >= th.at_or_above.unwrap_or(f64::INFINITY) }))
            })
            .unzip();
        let dir = if th.below.is_some() { Direction::Lower } else { Direction::Higher };
        roc::auc_delong(&sc, &t, dir, o.ci_level).ok().map(|a| a.auc)
    };
    let mut set: Vec<usize> = (0..items.len()).collect();
    let full_r = mean_r(&rs(&score(&set)));
    let mut steps: Vec<(usize, Option<String>, f64, Result<f64, Na>, Vec<Option<f64>>, Option<f64>)> = Vec::new();
    let record_step = |set: &[usize], removed: Option<String>, steps: &mut Vec<_>| {
        let s = score(set);
        let r = rs(&s);
        let (a, _) = alpha(set);
        steps.push((set.len(), removed, mean_r(&r), a, r, auc(&s)));
    };
    record_step(&set, None, &mut steps);
    let min_k = sf.min_items_per_subscale.max(1);
    loop {
        let mut best: Option<(usize, f64)> = None;
        for (pos, &j) in set.iter().enumerate() {
            let sub = &items[j].subscale;
            let left = set.iter().filter(|&&q| items[q].subscale == *sub).count();
            if left <= min_k {
                continue;
            }
            let trial: Vec<usize> = set.iter().copied().filter(|&q| q != j).collect();
            let m = mean_r(&rs(&score(&trial)));
            if best.is_none_or(|(_, b)| m > b + 1e-12) {
                best = Some((pos, m));
            }
        }
        let Some((pos, _)) = best else { break };
        let removed = items[set[pos]].id.clone();
        set.remove(pos);
        record_step(&set, Some(removed), &mut steps);
    }
    let mut proposed: Option<usize> = None;
    for (i, st) in steps.iter().enumerate() {
        let ok_alpha = st.3.as_ref().is_ok_and(|a| *a >= sf.min_alpha);
        let ok_r = full_r - st.2 <= sf.max_r_loss;
        if ok_alpha && ok_r {
            proposed = Some(i);
        }
    }
    let mut kept: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
    for (i, st) in steps.iter().enumerate() {
        if let Some(rm) = &st.1 {
            kept.retain(|k| k != rm);
        }
        let mut r = Record::new("short_form_step", Ok(st.0 as f64))
            .ctx("analysis", "short_form")
            .ctx("k", st.0)
            .ctx("removed", st.1.clone().unwrap_or_default())
            .ctx("mean_r", st.2);
        match &st.3 {
            Ok(a) => r = r.ctx("alpha", *a),
            Err(na) => r = r.ctx("alpha_na_reason", na.0.clone()),
        }
        for (dn, rv) in doms.iter().zip(&st.4) {
            if let Some(v) = rv {
                r = r.ctx(&format!("r_{dn}"), *v);
            }
        }
        if let Some(a) = st.5 {
            r = r.ctx("auc", a);
        }
        out.push(r);
        if proposed == Some(i) {
            out.push(
                Record::new("short_form_proposed", Ok(st.0 as f64))
                    .ctx("analysis", "short_form")
                    .ctx("items", kept.join(", "))
                    .ctx(
                        "criterion",
                        format!(
                            "alpha >= {}, mean r loss <= {}, at least {} items per subscale",
                            sf.min_alpha, sf.max_r_loss, sf.min_items_per_subscale
                        ),
                    )
                    .ctx("mean_r", st.2)
                    .ctx("full_mean_r", full_r),
            );
        }
    }
    if proposed.is_none() {
        out.push(
            Record::na(
                "short_form_proposed",
                format!("no form meets alpha >= {} with a mean r loss <= {}", sf.min_alpha, sf.max_r_loss),
            )
            .ctx("analysis", "short_form"),
        );
    }
    out
}
