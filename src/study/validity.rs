//! The study's validity analyses: checklist vs CLASS at classroom and center level (MTMM),
//! disattenuated and partial correlations, dependent-correlation tests, ROC against the spec's
//! quality thresholds, item-level validity, the short-form search and clustering diagnostics.

use super::ingest::Role;
use super::pipeline::StudyData;
use super::reliability::stat_opts;
use super::score::{code_value, item_value_table, LevelTable};
use super::spec::{ItemType, Study, Threshold};
use crate::analysis::validity::{corr_records, roc_records, rule_name, Benchmark};
use crate::analysis::StatOpts;
use crate::choices::Level;
use crate::results::Record;
use crate::stats::correlation::{self, bh_adjust, correlate, Method};
use crate::stats::multilevel;
use crate::stats::roc::{self, Direction};

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
    let mut names: Vec<&str> = t.center.iter().map(|c| &**c).collect();
    names.sort();
    names.dedup();
    (t.center.iter().map(|c| names.binary_search(&&**c).expect("center")).collect(), names.len())
}

fn domains(study: &Study) -> Vec<String> {
    study
        .instrument
        .as_ref()
        .map(|i| i.domains.iter().map(|d| format!("class_{}", d.code)).collect())
        .unwrap_or_default()
}

/// What every validity section needs: the study, its data, the options, the score names and the
/// center index of every classroom row.
struct Ctx<'a> {
    study: &'a Study,
    d: &'a StudyData,
    o: StatOpts,
    cl_names: Vec<String>,
    cs_names: Vec<String>,
    doms: Vec<String>,
    rooms: &'a LevelTable,
    room_center: Vec<usize>,
    n_centers: usize,
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
    let rooms = &d.classrooms;
    let (room_center, n_centers) = center_index(rooms);
    let cx = Ctx {
        study,
        d,
        o: stat_opts(study),
        cl_names: study.checklist_score_names(),
        cs_names: study.class_score_names(),
        doms: domains(study),
        rooms,
        room_center,
        n_centers,
    };
    // ---- MTMM at each level
    mtmm_records(&cx, &mut out);
    // ---- disattenuated (classroom level), with the inter-observer ICC(A,1) of each score
    disattenuated_records(&cx, reliability, &mut out);
    // ---- partial correlations controlling for roster covariates (classroom level)
    partial_records(&cx, &mut out);
    // ---- dependent correlations (classroom level)
    dependent_correlation_records(&cx, &mut out);
    // ---- ROC against each quality threshold (classroom level, cluster bootstrap)
    roc_and_delong_records(&cx, &mut out);
    // ---- item-level validity (classroom item means vs CLASS domains)
    let item_means = classroom_item_means(study, d);
    item_validity_records(&cx, &item_means, &mut out);
    // ---- short form
    out.extend(super::short_form::short_form_records(study, d, &item_means, &cx.o, &cx.room_center, cx.n_centers));
    // ---- clustering: ICC(1) of center and design effect for every score (classroom level)
    clustering_records(&cx, &mut out);
    // ---- is center-level n enough for the stated precision?
    precision_records(&cx, &mut out);
    out
}

/// Checklist scores vs CLASS scores at each analysis level (multitrait-multimethod).
fn mtmm_records(cx: &Ctx, out: &mut Vec<Record>) {
    let (d, rooms) = (cx.d, cx.rooms);
    for lvl in &cx.study.spec.analysis.levels {
        let (t, cluster_of): (&LevelTable, Vec<usize>) = if *lvl == Level::Classroom {
            (rooms, cx.room_center.clone())
        } else {
            (&d.centers, (0..d.centers.len()).collect())
        };
        for a in &cx.cl_names {
            for b in &cx.cs_names {
                let (x, y, c) = pairs(t, a, b, &cluster_of);
                let k = if *lvl == Level::Classroom { cx.n_centers } else { c.len() };
                let cluster = if *lvl == Level::Classroom { Some((c.as_slice(), k)) } else { None };
                let recs = corr_records(&x, &y, &[Method::Pearson], cluster, &cx.o, &format!("mtmm/{lvl}/{a}/{b}"));
                out.extend(tag(recs, &[("analysis", "mtmm"), ("level", lvl.as_str()), ("x", a), ("y", b)]));
            }
        }
    }
}

/// Checklist scores vs CLASS domains corrected for attenuation with each score's inter-observer
/// ICC(A,1) from the reliability records.
fn disattenuated_records(cx: &Ctx, reliability: &[Record], out: &mut Vec<Record>) {
    let o = &cx.o;
    let rel = |score: &str| {
        reliability
            .iter()
            .find(|r| {
                r.statistic == "icc2" && r.ctx_str("analysis") == Some("score_icc") && r.ctx_str("score") == Some(score)
            })
            .and_then(|r| r.estimate)
    };
    for a in &cx.cl_names {
        for b in &cx.doms {
            let (x, y, _) = pairs(cx.rooms, a, b, &cx.room_center);
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
}

/// The checklist total vs each CLASS domain, controlling for the roster covariates.
fn partial_records(cx: &Ctx, out: &mut Vec<Record>) {
    let (study, rooms, o) = (cx.study, cx.rooms, &cx.o);
    if study.spec.analysis.covariates.is_empty() {
        return;
    }
    let Some(r) = &cx.d.roster else { return };
    let covs = covariate_columns(study, r, rooms);
    for b in &cx.doms {
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

/// Tests of r(checklist_total, domain 1) vs r(checklist_total, domain 2) for every pair of
/// domains (overlapping dependent correlations).
fn dependent_correlation_records(cx: &Ctx, out: &mut Vec<Record>) {
    let (rooms, doms) = (cx.rooms, &cx.doms);
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
}

/// A threshold's positives (`score < below` or `score ≥ at_or_above`) and the direction of the
/// checklist score that predicts them (lower for `below`, higher for `at_or_above`).
fn threshold_truth(th: &Threshold) -> Option<(Direction, Box<dyn Fn(f64) -> bool + Sync>)> {
    match (th.below, th.at_or_above) {
        (Some(b), _) => Some((Direction::Lower, Box::new(move |v| v < b))),
        (_, Some(a)) => Some((Direction::Higher, Box::new(move |v| v >= a))),
        _ => None,
    }
}

/// Classrooms with both a checklist score and the threshold's score: (score, positive).
fn threshold_pairs(
    rooms: &LevelTable,
    score: &[Option<f64>],
    truth_col: &[Option<f64>],
    positive: &dyn Fn(f64) -> bool,
) -> (Vec<f64>, Vec<bool>, Vec<usize>) {
    let mut s = Vec::new();
    let mut t = Vec::new();
    let mut c = Vec::new();
    for i in 0..rooms.len() {
        if let (Some(u), Some(v)) = (score[i], truth_col[i]) {
            s.push(u);
            t.push(positive(v));
            c.push(i);
        }
    }
    (s, t, c)
}

/// The validated screening cut-off of the checklist total: the classroom-level ROC cut-off that
/// `run` reports (`youden_threshold`, or `chosen_threshold` under another `cutoff_rule`) against
/// the spec's first `[[analysis.thresholds]]`.
#[derive(Debug, Clone)]
pub struct ScreeningCutoff {
    /// The threshold's name.
    pub threshold: String,
    /// The cut-off on the checklist total's scale.
    pub cutoff: f64,
    /// Lower: classrooms with `total ≤ cutoff` are flagged (the threshold marks low quality);
    /// Higher: classrooms with `total ≥ cutoff` are flagged (it marks adequate quality).
    pub direction: Direction,
    /// The cut-off rule (`youden`, `closest_to_01`, `min_sensitivity_NN`).
    pub rule: String,
}

/// [`ScreeningCutoff`] from the classroom table of a study with CLASS data. NA with the reason
/// when the spec has no threshold, the threshold's score is missing, the ROC is undefined (no
/// positives or no negatives) or no cut-off satisfies the rule.
pub fn screening_cutoff(study: &Study, rooms: &LevelTable) -> crate::stats::StatResult<ScreeningCutoff> {
    use crate::stats::Na;
    let th = study.spec.analysis.thresholds.first().ok_or_else(|| Na::new("no [[analysis.thresholds]] in the spec"))?;
    let truth_col = rooms
        .column(&th.score)
        .ok_or_else(|| Na::new(format!("threshold score '{}' is not a score column", th.score)))?;
    let (dir, positive) = threshold_truth(th)
        .ok_or_else(|| Na::new(format!("threshold '{}' has neither below nor at_or_above", th.name)))?;
    let total = rooms.column("checklist_total").ok_or_else(|| Na::new("no checklist total"))?;
    let (s, t, _) = threshold_pairs(rooms, total, truth_col, &*positive);
    roc::auc_delong(&s, &t, dir, study.spec.analysis.ci_level)?;
    let rule = study.spec.analysis.cutoff_rule;
    let cuts = roc::cutoffs(&s, &t, dir);
    let i = roc::choose(&cuts, rule).ok_or_else(|| Na::new("no cut-off satisfies the rule"))?;
    Ok(ScreeningCutoff { threshold: th.name.clone(), cutoff: cuts[i].threshold, direction: dir, rule: rule_name(rule) })
}

/// ROC of every checklist score against each quality threshold, then the paired DeLong tests.
fn roc_and_delong_records(cx: &Ctx, out: &mut Vec<Record>) {
    let rooms = cx.rooms;
    for th in &cx.study.spec.analysis.thresholds {
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
        let Some((dir, positive)) = threshold_truth(th) else { continue };
        let aucs = roc_threshold_records(cx, th, truth_col, dir, &*positive, out);
        delong_records(&aucs, th, dir, out);
    }
}

/// ROC of every checklist score against one threshold (classroom level, cluster bootstrap).
/// Returns each score's complete (score, truth) pairs for the paired comparisons. The scores
/// are worked out side by side (each its own seeded bootstrap) and their records kept in score
/// order, so the output does not depend on the number of threads.
fn roc_threshold_records(
    cx: &Ctx,
    th: &Threshold,
    truth_col: &[Option<f64>],
    dir: Direction,
    positive: &(dyn Fn(f64) -> bool + Sync),
    out: &mut Vec<Record>,
) -> Vec<(String, Vec<f64>, Vec<bool>)> {
    use rayon::prelude::*;
    let (study, rooms) = (cx.study, cx.rooms);
    let rule = study.spec.analysis.cutoff_rule;
    let sc = &study.spec.analysis.screening;
    let bench = Benchmark {
        min_auc_lower: sc.min_auc_lower,
        min_sensitivity: sc.min_sensitivity,
        min_specificity: sc.min_specificity,
    };
    let (recs, aucs): (Vec<Vec<Record>>, Vec<(String, Vec<f64>, Vec<bool>)>) = cx
        .cl_names
        .par_iter()
        .map(|a| {
            let sa = rooms.column(a).unwrap_or(&[]);
            let (s, t, rows) = threshold_pairs(rooms, sa, truth_col, positive);
            let c: Vec<usize> = rows.iter().map(|&i| cx.room_center[i]).collect();
            let recs = roc_records(
                &s,
                &t,
                dir,
                rule,
                bench,
                Some((&c, cx.n_centers)),
                &cx.o,
                &format!("roc/{}/{a}", th.name),
                a == "checklist_total",
            );
            let tags = [
                ("analysis", "roc"),
                ("level", "classroom"),
                ("threshold", &th.name),
                ("score", a),
                ("truth", &th.score),
            ];
            (tag(recs, &tags), (a.clone(), s, t))
        })
        .unzip();
    out.extend(recs.into_iter().flatten());
    aucs
}

/// Paired DeLong: total against each subscale (same classrooms).
fn delong_records(aucs: &[(String, Vec<f64>, Vec<bool>)], th: &Threshold, dir: Direction, out: &mut Vec<Record>) {
    let Some((_, s0, t0)) = aucs.first() else { return };
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

/// Classroom item means vs each CLASS domain (FDR-adjusted across all tests), then one
/// `item_discriminates` flag per item; the flags come before the correlations.
fn item_validity_records(cx: &Ctx, item_means: &[Vec<Option<f64>>], out: &mut Vec<Record>) {
    let (rooms, o) = (cx.rooms, &cx.o);
    let items = &cx.study.spec.checklist.items;
    let mut tests: Vec<(usize, usize, Record)> = Vec::new();
    for (j, it) in items.iter().enumerate() {
        for (k, dom) in cx.doms.iter().enumerate() {
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
}

/// ICC(1) of center and design effect for every score (classroom level).
fn clustering_records(cx: &Ctx, out: &mut Vec<Record>) {
    let rooms = cx.rooms;
    for (s, name) in rooms.names.iter().enumerate() {
        let vals: Vec<(usize, f64)> =
            (0..rooms.len()).filter_map(|i| rooms.values[s][i].map(|v| (cx.room_center[i], v))).collect();
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
}

/// Is the center-level n enough for the stated precision of r(checklist_total, domain)?
fn precision_records(cx: &Ctx, out: &mut Vec<Record>) {
    let (d, o) = (cx.d, &cx.o);
    let h = cx.study.spec.analysis.precision;
    for b in &cx.doms {
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
            .map(|c| roster.centers.get(&**c).map(|v| v[ai].clone()).filter(|v| !v.is_empty()))
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
    let obs_room = super::short_form::observation_rooms(d);
    let vt = item_value_table(study);
    let items = &study.spec.checklist.items;
    let mut sum = vec![vec![0.0; rooms.len()]; items.len()];
    let mut cnt = vec![vec![0u32; rooms.len()]; items.len()];
    for (i, m) in d.checklist.meta.iter().enumerate() {
        if m.role != Role::Primary {
            continue;
        }
        let Some(ri) = obs_room[i] else { continue };
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
