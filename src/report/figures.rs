//! Build the report's figures from the computed records and scores, write them as SVG and PNG
//! under `figures/`, and return them as report blocks.

use super::build::score_label;
use super::i18n::tr;
use super::Block;
use crate::choices::Lang;
use crate::choices::Level;
use crate::format::{bounded, ci, num};
use crate::plot::figures::*;
use crate::plot::{write_both, Figure};
use crate::results::{find, CiFamily, Query, Record};
use crate::study::ingest::Role;
use crate::study::pipeline::StudyData;
use crate::study::spec::Study;
use anyhow::Result;
use std::path::Path;

/// A figure ready to draw, with its id and caption.
pub enum AnyFig {
    Scatter(Scatter),
    Roc(Roc),
    BlandAltman(BlandAltmanFig),
    Forest(Forest),
    Heatmap(Heatmap),
    Distribution(Distribution),
    Dots(Dots),
    Lines(Lines),
}

pub struct Fig {
    pub id: String,
    pub caption: String,
    pub fig: AnyFig,
}

impl Fig {
    pub fn write(&self, dir: &Path) -> Result<String> {
        match &self.fig {
            AnyFig::Scatter(f) => write_both(f, dir, &self.id),
            AnyFig::Roc(f) => write_both(f, dir, &self.id),
            AnyFig::BlandAltman(f) => write_both(f, dir, &self.id),
            AnyFig::Forest(f) => write_both(f, dir, &self.id),
            AnyFig::Heatmap(f) => write_both(f, dir, &self.id),
            AnyFig::Distribution(f) => write_both(f, dir, &self.id),
            AnyFig::Dots(f) => write_both(f, dir, &self.id),
            AnyFig::Lines(f) => write_both(f, dir, &self.id),
        }
    }
    /// Write one file whose format follows the extension (`.svg` or `.png`).
    pub fn write_file(&self, path: &Path) -> Result<()> {
        fn one<F: Figure>(f: &F, path: &Path) -> Result<()> {
            match path.extension().and_then(|e| e.to_str()) {
                Some("png") => crate::plot::to_png(f, path),
                _ => crate::io::atomic::write_atomic_str(path, &crate::plot::to_svg(f)?),
            }
        }
        match &self.fig {
            AnyFig::Scatter(f) => one(f, path),
            AnyFig::Roc(f) => one(f, path),
            AnyFig::BlandAltman(f) => one(f, path),
            AnyFig::Forest(f) => one(f, path),
            AnyFig::Heatmap(f) => one(f, path),
            AnyFig::Distribution(f) => one(f, path),
            AnyFig::Dots(f) => one(f, path),
            AnyFig::Lines(f) => one(f, path),
        }
    }
}

/// The figure kinds of the report, as `checkval plot` accepts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FigureKind {
    Scatter,
    Roc,
    BlandAltman,
    Forest,
    Heatmap,
    Distributions,
    Observers,
    ClassProfile,
    ShortForm,
    // D studies: Φ and Eρ² of CLASS domains by cycles; Φ of the center mean by classrooms.
    DStudy,
    // IRT test information of the checklist's yes/no items, with the ROC cut-off marked.
    TestInformation,
}

impl std::fmt::Display for FigureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use clap::ValueEnum;
        f.write_str(self.to_possible_value().expect("no skipped variants").get_name())
    }
}

fn r_note(records: &[Record], level: &str, y: &str) -> String {
    let c = [("analysis", "mtmm"), ("level", level), ("x", "checklist_total"), ("y", y)];
    find(records, &Query::stat("pearson_r").with_all(&c).without("ci_kind"))
        .and_then(|r| {
            r.estimate.map(|e| {
                format!("r = {} {}, n = {}", bounded(e, 2), ci(r.ci_low, r.ci_high, 2, true), r.n.unwrap_or(0))
            })
        })
        .unwrap_or_else(|| "r = NA".into())
}

/// What every figure builder reads.
struct FigCtx<'a> {
    study: &'a Study,
    d: &'a StudyData,
    records: &'a [Record],
    lang: Lang,
    doms: Vec<String>,
    total_lab: String,
}

impl<'a> FigCtx<'a> {
    fn new(study: &'a Study, d: &'a StudyData, records: &'a [Record], lang: Lang) -> Self {
        let doms: Vec<String> = study
            .instrument
            .as_ref()
            .map(|i| i.domains.iter().map(|x| format!("class_{}", x.code)).collect())
            .unwrap_or_default();
        let total_lab = score_label(study, "checklist_total", lang);
        FigCtx { study, d, records, lang, doms, total_lab }
    }
}

/// The D-study figures alone (kind [`FigureKind::DStudy`]), from the dependability records: the
/// figures [`build_all`] makes of them, so `run` can draw them as soon as the G studies end.
pub fn d_study(study: &Study, d: &StudyData, records: &[Record], lang: Lang) -> Vec<(FigureKind, Fig)> {
    let mut out = Vec::new();
    d_study_figs(&FigCtx::new(study, d, records, lang), &mut out);
    out
}

/// Every figure the report shows, keyed by kind.
pub fn build_all(study: &Study, d: &StudyData, records: &[Record], lang: Lang) -> Vec<(FigureKind, Fig)> {
    let mut out: Vec<(FigureKind, Fig)> = Vec::new();
    let c = FigCtx::new(study, d, records, lang);
    for group in GROUPS {
        group(&c, &mut out);
    }
    out
}

/// The figure builders of [`build_all`], in the report's order.
const GROUPS: [fn(&FigCtx, &mut Vec<(FigureKind, Fig)>); 11] = [
    scatter_figs,
    roc_figs,
    bland_altman_figs,
    forest_figs,
    heatmap_figs,
    distribution_figs,
    observer_figs,
    class_profile_figs,
    short_form_figs,
    d_study_figs,
    test_information_figs,
];

/// [`draw`] of [`build_all`], each group of figures built and drawn on its own (rayon) task
/// as soon as it starts, not after every figure is built: the same files and blocks, in the
/// same order.
pub fn build_and_draw(
    study: &Study,
    d: &StudyData,
    records: &[Record],
    lang: Lang,
    dir: &Path,
) -> Result<Vec<(FigureKind, Block)>> {
    use rayon::prelude::*;
    let c = FigCtx::new(study, d, records, lang);
    let groups: Vec<Vec<(FigureKind, Block)>> = GROUPS
        .par_iter()
        .map(|group| {
            let mut figs = Vec::new();
            group(&c, &mut figs);
            draw(figs, dir)
        })
        .collect::<Result<_>>()?;
    Ok(groups.into_iter().flatten().collect())
}

/// The θ at which the expected share of yes/no items met (the test characteristic curve of the
/// 2PL) equals `share`, by bisection on [−4, 4]; `None` when the curve does not reach it there.
fn theta_at_share(a: &[f64], b: &[f64], share: f64) -> Option<f64> {
    let tcc = |t: f64| a.iter().zip(b).map(|(a, b)| 1.0 / (1.0 + (-a * (t - b)).exp())).sum::<f64>() / a.len() as f64;
    let (mut lo, mut hi) = (-4.0, 4.0);
    if !(tcc(lo) <= share && share <= tcc(hi)) {
        return None;
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if tcc(mid) < share {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

/// 11. IRT test information against θ, with the ROC cut-off of the first threshold marked at the
///     θ where the expected share of yes/no items met equals it (an approximation when the
///     total also holds ordinal items).
fn test_information_figs(c: &FigCtx, out: &mut Vec<(FigureKind, Fig)>) {
    let kv = [("analysis", "irt")];
    let info: Vec<(f64, f64)> = Query::stat("test_information")
        .with_all(&kv)
        .all(c.records)
        .filter_map(|r| Some((r.context.get("theta")?.as_f64()?, r.estimate?)))
        .collect();
    if info.len() < 2 {
        return;
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for r in Query::stat("discrimination").with_all(&kv).all(c.records) {
        let item = r.ctx_str("item").unwrap_or("");
        let d = find(c.records, &Query::stat("difficulty").with_all(&[("analysis", "irt"), ("item", item)]));
        if let (Some(x), Some(y)) = (r.estimate, d.and_then(|d| d.estimate)) {
            a.push(x);
            b.push(y);
        }
    }
    let cut = c.study.spec.analysis.thresholds.first().and_then(|th| {
        let q = [("analysis", "roc"), ("threshold", th.name.as_str()), ("score", "checklist_total")];
        let t = find(c.records, &Query::any_of(&["youden_threshold", "chosen_threshold"]).with_all(&q))?.estimate?;
        let theta = theta_at_share(&a, &b, t)?;
        Some((theta, format!("{} ({})", tr(c.lang, "roc_cutoff_theta"), num(t, 3))))
    });
    out.push((
        FigureKind::TestInformation,
        Fig {
            id: "test-information".into(),
            caption: tr(c.lang, "fig_test_information").into(),
            fig: AnyFig::Lines(Lines {
                title: tr(c.lang, "fig_test_information").into(),
                x: info.iter().map(|p| p.0).collect(),
                series: vec![(tr(c.lang, "test_information").into(), info.iter().map(|p| Some(p.1)).collect())],
                xlab: "θ".into(),
                ylab: tr(c.lang, "test_information").into(),
                yrange: None,
                vline: cut,
            }),
        },
    ));
}

/// 1. Checklist vs CLASS scatters at each level.
fn scatter_figs(c: &FigCtx, out: &mut Vec<(FigureKind, Fig)>) {
    let study = c.study;
    let d = c.d;
    let records = c.records;
    let lang = c.lang;
    let doms = c.doms.clone();
    let total_lab = c.total_lab.clone();
    for lvl in &study.spec.analysis.levels {
        let t = if *lvl == Level::Classroom { &d.classrooms } else { &d.centers };
        let Some(x) = t.column("checklist_total") else { continue };
        let panels: Vec<Panel> = doms
            .iter()
            .filter_map(|dm| {
                let y = t.column(dm)?;
                let (xs, ys): (Vec<f64>, Vec<f64>) = x.iter().zip(y).filter_map(|(a, b)| Some(((*a)?, (*b)?))).unzip();
                Some(Panel {
                    x: xs,
                    y: ys,
                    xlab: total_lab.clone(),
                    ylab: score_label(study, dm, lang),
                    note: r_note(records, lvl.as_str(), dm),
                })
            })
            .collect();
        if panels.is_empty() {
            continue;
        }
        let lv = tr(lang, &format!("level_{lvl}"));
        out.push((
            FigureKind::Scatter,
            Fig {
                id: format!("scatter-{lvl}"),
                caption: format!("{} ({lv})", tr(lang, "fig_scatter")),
                fig: AnyFig::Scatter(Scatter { title: format!("{} ({lv})", tr(lang, "fig_scatter")), panels }),
            },
        ));
    }
}

/// 2. ROC curve per quality threshold (checklist total).
fn roc_figs(c: &FigCtx, out: &mut Vec<(FigureKind, Fig)>) {
    let study = c.study;
    let records = c.records;
    let lang = c.lang;
    for th in &study.spec.analysis.thresholds {
        let c = [("analysis", "roc"), ("threshold", th.name.as_str()), ("score", "checklist_total")];
        let mut pts: Vec<(f64, f64, f64, f64)> = records
            .iter()
            .filter(|r| r.statistic == "cutoff" && c.iter().all(|(k, v)| r.ctx_str(k) == Some(*v)))
            .filter_map(|r| {
                let g = |k: &str| r.context.get(k).and_then(|v| v.as_f64());
                Some((1.0 - g("specificity")?, g("sensitivity")?, g("sensitivity_ci_low")?, g("sensitivity_ci_high")?))
            })
            .collect();
        if pts.is_empty() {
            continue;
        }
        pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let envelope: Vec<(f64, f64, f64)> = Query::stat("roc_envelope")
            .with_all(&c)
            .all(records)
            .filter_map(|r| Some((r.estimate?, r.ci_low?, r.ci_high?)))
            .collect();
        let auc = find(records, &Query::stat("auc").with_all(&c).ci(CiFamily::DeLong));
        let legend = auc
            .and_then(|a| a.estimate.map(|e| format!("AUC = {} {}", bounded(e, 2), ci(a.ci_low, a.ci_high, 2, true))))
            .unwrap_or_else(|| "AUC = NA".into());
        let se = find(records, &Query::stat("sensitivity").with_all(&c)).and_then(|r| r.estimate);
        let sp = find(records, &Query::stat("specificity").with_all(&c)).and_then(|r| r.estimate);
        let thr = find(records, &Query::any_of(&["youden_threshold", "chosen_threshold"]).with_all(&c))
            .and_then(|r| r.estimate);
        let cutoff = match (se, sp, thr) {
            (Some(se), Some(sp), Some(t)) => Some((1.0 - sp, se, format!("{} ≤ {:.3}", tr(lang, "cutoff"), t))),
            _ => None,
        };
        let label = if lang.is_es() { &th.label_es } else { &th.label_en };
        let label = if label.is_empty() { th.name.clone() } else { label.clone() };
        out.push((
            FigureKind::Roc,
            Fig {
                id: format!("roc-{}", th.name),
                caption: format!("{}: {label}", tr(lang, "fig_roc")),
                fig: AnyFig::Roc(Roc {
                    title: label,
                    points: pts,
                    envelope,
                    cutoff,
                    legend,
                    xlab: format!("1 − {}", tr(lang, "specificity")),
                    ylab: tr(lang, "sensitivity").into(),
                }),
            },
        ));
    }
}

/// 3. Bland–Altman plot of double-coded checklist totals.
fn bland_altman_figs(c: &FigCtx, out: &mut Vec<(FigureKind, Fig)>) {
    let d = c.d;
    let records = c.records;
    let lang = c.lang;
    let total_lab = c.total_lab.clone();
    {
        let pairs = crate::study::reliability::pair_observations(&d.checklist.meta);
        let col = &d.checklist_scores.values[0];
        let (means, diffs): (Vec<f64>, Vec<f64>) = pairs
            .iter()
            .filter_map(|&(p, r)| Some(((col.get(p)? + col.get(r)?) / 2.0, col.get(p)? - col.get(r)?)))
            .unzip();
        let c = [("analysis", "bland_altman"), ("score", "checklist_total")];
        let g = |stat: &str| {
            find(records, &Query::stat(stat).with_all(&c)).and_then(|r| Some((r.estimate?, r.ci_low?, r.ci_high?)))
        };
        if let (Some(b), Some(l), Some(h)) = (g("bias"), g("loa_low"), g("loa_high")) {
            if means.len() >= 3 {
                out.push((
                    FigureKind::BlandAltman,
                    Fig {
                        id: "bland-altman".into(),
                        caption: tr(lang, "fig_ba").into(),
                        fig: AnyFig::BlandAltman(BlandAltmanFig {
                            title: format!("{} — {}", tr(lang, "fig_ba"), total_lab),
                            means,
                            diffs,
                            bias: b,
                            loa_low: l,
                            loa_high: h,
                            xlab: tr(lang, "ba_x").into(),
                            ylab: tr(lang, "ba_y").into(),
                            labels: [tr(lang, "bias").into(), tr(lang, "loa_short").into()],
                        }),
                    },
                ));
            }
        }
    }
}

/// 4. Forest plots of item agreement and item validity.
fn forest_figs(c: &FigCtx, out: &mut Vec<(FigureKind, Fig)>) {
    let study = c.study;
    let records = c.records;
    let lang = c.lang;
    let doms = c.doms.clone();
    let items = &study.spec.checklist.items;
    let mut marks = Vec::new();
    for (i, it) in items.iter().enumerate() {
        for (si, stat) in ["gwet_ac1", "cohen_kappa"].iter().enumerate() {
            if let Some(r) =
                find(records, &Query::stat(stat).with_all(&[("analysis", "item_agreement"), ("item", it.id.as_str())]))
            {
                if let (Some(e), Some(l), Some(h)) = (r.estimate, r.ci_low, r.ci_high) {
                    marks.push((i, si, e, l, h));
                }
            }
        }
    }
    if !marks.is_empty() {
        out.push((
            FigureKind::Forest,
            Fig {
                id: "forest-agreement".into(),
                caption: tr(lang, "fig_forest_agree").into(),
                fig: AnyFig::Forest(Forest {
                    title: tr(lang, "fig_forest_agree").into(),
                    rows: items.iter().map(|i| i.id.clone()).collect(),
                    marks,
                    series: vec!["AC1".into(), "κ".into()],
                    xlab: tr(lang, "coefficient").into(),
                    xrange: (-0.4, 1.0),
                    reference: Some(0.0),
                }),
            },
        ));
    }
    let mut marks = Vec::new();
    for (i, it) in items.iter().enumerate() {
        for (si, dm) in doms.iter().enumerate() {
            if let Some(r) = find(
                records,
                &Query::any().with_all(&[("analysis", "item_validity"), ("item", it.id.as_str()), ("y", dm.as_str())]),
            ) {
                if let (Some(e), Some(l), Some(h)) = (r.estimate, r.ci_low, r.ci_high) {
                    marks.push((i, si, e, l, h));
                }
            }
        }
    }
    if !marks.is_empty() {
        out.push((
            FigureKind::Forest,
            Fig {
                id: "forest-item-validity".into(),
                caption: tr(lang, "fig_forest_validity").into(),
                fig: AnyFig::Forest(Forest {
                    title: tr(lang, "fig_forest_validity").into(),
                    rows: items.iter().map(|i| i.id.clone()).collect(),
                    marks,
                    series: doms.iter().map(|d| d.trim_start_matches("class_").to_string()).collect(),
                    xlab: "r".into(),
                    xrange: (-0.4, 1.0),
                    reference: Some(0.0),
                }),
            },
        ));
    }
}

/// 5. MTMM heat map (classroom level).
fn heatmap_figs(c: &FigCtx, out: &mut Vec<(FigureKind, Fig)>) {
    let study = c.study;
    let records = c.records;
    let lang = c.lang;
    let cl_names = study.checklist_score_names();
    let cs_names = study.class_score_names();
    if !cs_names.is_empty() {
        let values = cl_names
            .iter()
            .map(|a| {
                cs_names
                    .iter()
                    .map(|b| {
                        records
                            .iter()
                            .find(|r| {
                                r.statistic == "pearson_r"
                                    && r.ctx_str("analysis") == Some("mtmm")
                                    && r.ctx_str("level") == Some("classroom")
                                    && r.ctx_str("x") == Some(a)
                                    && r.ctx_str("y") == Some(b)
                                    && r.ctx_str("ci_kind").is_none()
                            })
                            .and_then(|r| r.estimate)
                    })
                    .collect()
            })
            .collect();
        out.push((
            FigureKind::Heatmap,
            Fig {
                id: "mtmm-heatmap".into(),
                caption: tr(lang, "mtmm_caption").into(),
                fig: AnyFig::Heatmap(Heatmap {
                    title: format!("{} ({})", tr(lang, "mtmm_caption"), tr(lang, "level_classroom")),
                    rows: cl_names.iter().map(|a| score_label(study, a, lang)).collect(),
                    cols: cs_names.iter().map(|b| b.trim_start_matches("class_").to_string()).collect(),
                    values,
                }),
            },
        ));
    }
}

/// 6. Score distributions.
fn distribution_figs(c: &FigCtx, out: &mut Vec<(FigureKind, Fig)>) {
    let d = c.d;
    let lang = c.lang;
    let total_lab = c.total_lab.clone();
    {
        let primary: Vec<f64> = d
            .checklist
            .meta
            .iter()
            .zip(d.checklist_scores.values[0].iter())
            .filter(|(m, _)| m.role == Role::Primary)
            .filter_map(|(_, v)| v)
            .collect();
        let rooms: Vec<f64> =
            d.classrooms.column("checklist_total").map(|c| c.iter().flatten().copied().collect()).unwrap_or_default();
        let centers: Vec<f64> =
            d.centers.column("checklist_total").map(|c| c.iter().flatten().copied().collect()).unwrap_or_default();
        let mut by_group: Vec<(String, Vec<f64>)> = Vec::new();
        if let Some(col) = d.classrooms.column("checklist_total") {
            for (v, g) in col.iter().zip(&d.classrooms.age_group) {
                if let (Some(v), false) = (v, g.is_empty()) {
                    match by_group.iter_mut().find(|(n, _)| n.as_str() == &**g) {
                        Some(e) => e.1.push(*v),
                        None => by_group.push((g.to_string(), vec![*v])),
                    }
                }
            }
        }
        by_group.sort_by(|a, b| a.0.cmp(&b.0));
        out.push((
            FigureKind::Distributions,
            Fig {
                id: "distributions".into(),
                caption: tr(lang, "fig_distributions").into(),
                fig: AnyFig::Distribution(Distribution {
                    title: format!("{} — {}", tr(lang, "fig_distributions"), total_lab),
                    hist: rooms.clone(),
                    hist_label: tr(lang, "level_classroom").into(),
                    groups: [
                        (tr(lang, "level_observation").to_string(), primary),
                        (tr(lang, "level_classroom").to_string(), rooms),
                        (tr(lang, "level_center").to_string(), centers),
                    ]
                    .into_iter()
                    .chain(by_group)
                    .collect(),
                    xlab: total_lab.clone(),
                    count_label: tr(lang, "count").into(),
                }),
            },
        ));
    }
}

/// 7. Observer severity and drift.
fn observer_figs(c: &FigCtx, out: &mut Vec<(FigureKind, Fig)>) {
    let records = c.records;
    let lang = c.lang;
    let total_lab = c.total_lab.clone();
    let sev: Vec<(String, f64, f64, f64)> = records
        .iter()
        .filter(|r| r.statistic == "observer_severity")
        .filter_map(|r| Some((r.ctx_str("observer")?.to_string(), r.estimate?, r.ci_low?, r.ci_high?)))
        .collect();
    if !sev.is_empty() {
        let (lo, hi) = sev.iter().fold((0.0f64, 0.0f64), |(a, b), r| (a.min(r.2), b.max(r.3)));
        out.push((
            FigureKind::Observers,
            Fig {
                id: "observers".into(),
                caption: tr(lang, "fig_observers").into(),
                fig: AnyFig::Dots(Dots {
                    title: tr(lang, "fig_observers").into(),
                    rows: sev,
                    yrange: (lo - 0.05, hi + 0.05),
                    ylab: tr(lang, "severity_y").into(),
                    bands: vec![],
                    reference: Some(0.0),
                }),
            },
        ));
    }
    let weeks: Vec<(f64, f64, f64, f64)> = records
        .iter()
        .filter(|r| r.statistic == "weekly_mean")
        .filter_map(|r| {
            Some((
                r.context.get("week")?.as_f64()?,
                r.estimate?,
                r.ci_low.unwrap_or(f64::NAN),
                r.ci_high.unwrap_or(f64::NAN),
            ))
        })
        .collect();
    if weeks.len() >= 2 {
        out.push((
            FigureKind::Observers,
            Fig {
                id: "observer-drift".into(),
                caption: tr(lang, "fig_drift").into(),
                fig: AnyFig::Lines(Lines {
                    title: tr(lang, "fig_drift").into(),
                    x: weeks.iter().map(|w| w.0).collect(),
                    series: vec![
                        (tr(lang, "mean").into(), weeks.iter().map(|w| Some(w.1)).collect()),
                        (
                            format!("{} −", tr(lang, "ci")),
                            weeks.iter().map(|w| Some(w.2).filter(|v| v.is_finite())).collect(),
                        ),
                        (
                            format!("{} +", tr(lang, "ci")),
                            weeks.iter().map(|w| Some(w.3).filter(|v| v.is_finite())).collect(),
                        ),
                    ],
                    xlab: tr(lang, "week").into(),
                    ylab: total_lab.clone(),
                    yrange: None,
                    vline: None,
                }),
            },
        ));
    }
}

/// 8. CLASS dimension profile.
fn class_profile_figs(c: &FigCtx, out: &mut Vec<(FigureKind, Fig)>) {
    let study = c.study;
    let records = c.records;
    let lang = c.lang;
    if let Some(inst) = &study.instrument {
        let rows: Vec<(String, f64, f64, f64)> = inst
            .dimensions
            .iter()
            .filter_map(|dm| {
                let r = find(
                    records,
                    &Query::stat("mean").with_all(&[("level", "classroom"), ("score", &format!("class_{}", dm.code))]),
                )?;
                Some((dm.code.clone(), r.estimate?, r.ci_low?, r.ci_high?))
            })
            .collect();
        if !rows.is_empty() {
            out.push((
                FigureKind::ClassProfile,
                Fig {
                    id: "class-profile".into(),
                    caption: tr(lang, "fig_profile").into(),
                    fig: AnyFig::Dots(Dots {
                        title: tr(lang, "fig_profile").into(),
                        rows,
                        yrange: (inst.min, inst.max),
                        ylab: tr(lang, "class_score").into(),
                        bands: vec![
                            (1.0, 3.0, tr(lang, "band_low").into()),
                            (3.0, 6.0, tr(lang, "band_mid").into()),
                            (6.0, 7.0, tr(lang, "band_high").into()),
                        ],
                        reference: None,
                    }),
                },
            ));
        }
    }
}

/// 9. Short-form trade-off.
fn short_form_figs(c: &FigCtx, out: &mut Vec<(FigureKind, Fig)>) {
    let records = c.records;
    let lang = c.lang;
    let doms = c.doms.clone();
    let steps: Vec<&Record> = Query::stat("short_form_step").all(records).collect();
    if steps.len() >= 2 {
        let g = |r: &Record, k: &str| r.context.get(k).and_then(|v| v.as_f64());
        let mut series = vec![("α".to_string(), steps.iter().map(|r| g(r, "alpha")).collect::<Vec<_>>())];
        for dm in &doms {
            series.push((
                format!("r {}", dm.trim_start_matches("class_")),
                steps.iter().map(|r| g(r, &format!("r_{dm}"))).collect(),
            ));
        }
        series.push(("AUC".into(), steps.iter().map(|r| g(r, "auc")).collect()));
        let cv = tr(lang, "cv");
        if steps.iter().any(|r| r.context.contains_key("mean_r_cv")) {
            series.push((format!("r̄ {cv}"), steps.iter().map(|r| g(r, "mean_r_cv")).collect()));
            series.push((format!("AUC {cv}"), steps.iter().map(|r| g(r, "auc_cv")).collect()));
        }
        out.push((
            FigureKind::ShortForm,
            Fig {
                id: "short-form".into(),
                caption: tr(lang, "short_form_caption").into(),
                fig: AnyFig::Lines(Lines {
                    title: tr(lang, "fig_short_form").into(),
                    x: steps.iter().filter_map(|r| r.estimate).collect(),
                    series,
                    xlab: tr(lang, "n_items").into(),
                    ylab: tr(lang, "value").into(),
                    yrange: None,
                    vline: None,
                }),
            },
        ));
    }
}

/// 10. D studies: per CLASS domain, Φ and Eρ² against cycles (one line per number of observers),
///     and the center mean's Φ against classrooms per center (one line per number of visits).
fn d_study_figs(c: &FigCtx, out: &mut Vec<(FigureKind, Fig)>) {
    use super::dependability::{at_value, of};
    use crate::study::dependability::{GDesign, CLASSROOMS, CYCLES, OBSERVERS, VISITS};
    let lang = c.lang;
    for dm in &c.doms {
        let rs = of(c.records, GDesign::ClassCycles, dm);
        let mut series = Vec::new();
        for (stat, sym) in [("phi_coefficient", "Φ"), ("g_coefficient", "Eρ²")] {
            for &n_o in &OBSERVERS {
                let ys: Vec<Option<f64>> = CYCLES
                    .iter()
                    .map(|&k| at_value(&rs, stat, &[("n_cycle", k as f64), ("n_observer", n_o as f64)]))
                    .collect();
                let who = tr(lang, if n_o == 1 { "dep_one_observer" } else { "dep_two_observers" });
                series.push((format!("{sym}, {who}"), ys));
            }
        }
        if series.iter().all(|s| s.1.iter().all(|y| y.is_none())) {
            continue;
        }
        let title = format!("{} — {}", tr(lang, "fig_dstudy_class"), score_label(c.study, dm, lang));
        let yrange = legend_room(&series);
        out.push((
            FigureKind::DStudy,
            Fig {
                id: format!("d-study-{}", dm.trim_start_matches("class_")),
                caption: title.clone(),
                fig: AnyFig::Lines(Lines {
                    title,
                    x: CYCLES.iter().map(|&k| k as f64).collect(),
                    series,
                    xlab: tr(lang, "dep_cycles_axis").into(),
                    ylab: tr(lang, "coefficient").into(),
                    yrange,
                    vline: None,
                }),
            },
        ));
    }
    let rs = of(c.records, GDesign::CenterMonitoring, "checklist_total");
    let series: Vec<(String, Vec<Option<f64>>)> = VISITS
        .iter()
        .map(|&n_v| {
            let ys = CLASSROOMS
                .iter()
                .map(|&n_r| at_value(&rs, "phi_coefficient", &[("n_classroom", n_r as f64), ("n_visit", n_v as f64)]))
                .collect();
            (format!("Φ, {n_v} {}", tr(lang, &super::dependability::count_key(n_v, "dep_visit"))), ys)
        })
        .filter(|s: &(String, Vec<Option<f64>>)| s.1.iter().any(|y| y.is_some()))
        .collect();
    if !series.is_empty() {
        let yrange = legend_room(&series);
        out.push((
            FigureKind::DStudy,
            Fig {
                id: "d-study-center".into(),
                caption: tr(lang, "fig_dstudy_center").into(),
                fig: AnyFig::Lines(Lines {
                    title: tr(lang, "fig_dstudy_center").into(),
                    x: CLASSROOMS.iter().map(|&k| k as f64).collect(),
                    series,
                    xlab: tr(lang, "dep_classrooms_per_center").into(),
                    ylab: "Φ".into(),
                    yrange,
                    vline: None,
                }),
            },
        ));
    }
}

/// A y range with room below the lines for the legend (drawn at the lower left): D-study curves rise
/// from the left, so their lowest point is there.
fn legend_room(series: &[(String, Vec<Option<f64>>)]) -> Option<(f64, f64)> {
    let ys = series.iter().flat_map(|s| s.1.iter().flatten().copied());
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| (a.min(y), b.max(y)));
    let span = (hi - lo).max(0.05);
    (lo <= hi).then_some((lo - 0.15 * span * series.len() as f64, hi + 0.05 * span))
}

/// Draw every figure into `dir` and return the report section.
pub fn section(study: &Study, d: &StudyData, records: &[Record], lang: Lang, dir: &Path) -> Result<super::Section> {
    Ok(section_of(build_and_draw(study, d, records, lang, dir)?, Vec::new(), lang))
}

/// Draw `figs` into `dir` (SVG and PNG), side by side (rayon), returned in order: each figure's kind
/// and report block.
pub fn draw(figs: Vec<(FigureKind, Fig)>, dir: &Path) -> Result<Vec<(FigureKind, Block)>> {
    use rayon::prelude::*;
    figs.into_par_iter()
        .map(|(kind, f)| {
            let svg = f.write(dir)?;
            Ok((kind, Block::Figure { id: f.id, caption: f.caption, svg }))
        })
        .collect()
}

/// The figures section from figures drawn in two parts: `rest`, every kind but the D studies
/// (in [`build_all`]'s order), and `d_study`, the [`d_study`] figures, which go where
/// [`build_all`] puts them: after every kind before [`FigureKind::DStudy`].
pub fn section_of(rest: Vec<(FigureKind, Block)>, d_study: Vec<(FigureKind, Block)>, lang: Lang) -> super::Section {
    let at = rest.iter().position(|(k, _)| (*k as u8) > (FigureKind::DStudy as u8)).unwrap_or(rest.len());
    let mut blocks: Vec<Block> = Vec::with_capacity(rest.len() + d_study.len());
    let mut rest = rest.into_iter().map(|(_, b)| b);
    blocks.extend(rest.by_ref().take(at));
    blocks.extend(d_study.into_iter().map(|(_, b)| b));
    blocks.extend(rest);
    super::Section { id: "figures".into(), title: tr(lang, "figures").into(), blocks }
}
