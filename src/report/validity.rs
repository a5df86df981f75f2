//! The report's validity section.

use super::build::score_label;
use super::cell::Cell;
use super::i18n::tr;
use super::{Block, Section, Table};
use crate::cells;
use crate::choices::Lang;
use crate::format::{bounded, ci};
use crate::io::export::NumFormat;
use crate::results::{find, CiFamily, Query, Record};
use crate::study::spec::Study;

fn r_ci(r: Option<&Record>) -> Cell {
    match r.and_then(|r| r.estimate.map(|e| (e, r))) {
        Some((e, r)) => Cell::est_text(
            format!("{} {}", bounded(e, 2), ci(r.ci_low, r.ci_high, 2, true)),
            Some(e),
            r.ci_low,
            r.ci_high,
            NumFormat::Dec2,
        ),
        None => "NA".into(),
    }
}

/// What every part of the validity section reads.
struct Ctx<'a> {
    study: &'a Study,
    records: &'a [Record],
    lang: Lang,
    es: bool,
    lvl: String,
    cl_names: Vec<String>,
    cs_names: Vec<String>,
    doms: Vec<String>,
}

pub fn section(study: &Study, records: &[Record], lang: Lang) -> Section {
    let es = lang.is_es();
    let mut blocks = Vec::new();
    let lvl = format!("{:.0}%", 100.0 * study.spec.analysis.ci_level);
    let cl_names = study.checklist_score_names();
    let cs_names = study.class_score_names();
    let doms: Vec<String> = study
        .instrument
        .as_ref()
        .map(|i| i.domains.iter().map(|d| format!("class_{}", d.code)).collect())
        .unwrap_or_default();
    let c = Ctx { study, records, lang, es, lvl, cl_names, cs_names, doms };
    headline_table(&c, &mut blocks);
    mtmm_tables(&c, &mut blocks);
    disattenuated_table(&c, &mut blocks);
    dependent_table(&c, &mut blocks);
    roc_table(&c, &mut blocks);
    item_validity_table(&c, &mut blocks);
    short_form_table(&c, &mut blocks);
    multilevel_table(&c, &mut blocks);
    Section { id: "validity".into(), title: tr(lang, "validity").into(), blocks }
}

/// Headline table: checklist total × CLASS domains at both levels.
fn headline_table(c: &Ctx, blocks: &mut Vec<Block>) {
    let study = c.study;
    let records = c.records;
    let lang = c.lang;
    let es = c.es;
    let lvl = c.lvl.clone();
    let cl_names = c.cl_names.clone();
    let doms = c.doms.clone();
    let mut rows = Vec::new();
    for l in &study.spec.analysis.levels {
        for a in &cl_names {
            for b in &doms {
                let c = [("analysis", "mtmm"), ("level", l.as_str()), ("x", a.as_str()), ("y", b.as_str())];
                let r = find(records, &Query::stat("pearson_r").with_all(&c).without("ci_kind"));
                let p = find(records, &Query::stat("pearson_r").with_all(&c).with("ci_kind", "percentile"));
                rows.push(cells![
                    tr(lang, &format!("level_{l}")).to_string(),
                    score_label(study, a, lang),
                    b.trim_start_matches("class_").to_string(),
                    Cell::count(r.and_then(|r| r.n), ""),
                    r_ci(r),
                    p.map(|p| Cell::ci_only(p.ci_low, p.ci_high, 2, true, "—")).unwrap_or_else(|| "—".into()),
                ]);
            }
        }
    }
    blocks.push(Block::Para(if es {
        "La pregunta central: ¿la lista de cotejo mide lo mismo que CLASS? Cada puntaje de la lista se correlaciona con cada dominio CLASS a nivel de sala y de centro. A nivel de sala, el intervalo bootstrap remuestrea centros completos, porque las salas de un mismo centro no son independientes.".into()
    } else {
        "The central question: does the checklist measure what CLASS measures? Each checklist score is correlated with each CLASS domain at classroom and center level. At classroom level the bootstrap interval resamples whole centers, because classrooms in the same center are not independent.".into()
    }));
    blocks.push(Block::Table(Table {
        id: "tab-validity".into(),
        caption: tr(lang, "validity_caption").into(),
        headers: vec![
            tr(lang, "level").into(),
            tr(lang, "checklist_prefix").into(),
            tr(lang, "domain").into(),
            "n".into(),
            format!("r [{lvl} {}, Fisher z]", tr(lang, "ci")),
            format!("{} bootstrap", tr(lang, "ci")),
        ],
        rows,
        numeric: vec![false, false, false, true, true, true],
        note: Some(tr(lang, "validity_note").into()),
    }));
}

/// Multitrait–multimethod matrices (r only) at each level.
fn mtmm_tables(c: &Ctx, blocks: &mut Vec<Block>) {
    let study = c.study;
    let records = c.records;
    let lang = c.lang;
    let cl_names = c.cl_names.clone();
    let cs_names = c.cs_names.clone();
    for l in &study.spec.analysis.levels {
        let mut rows = Vec::new();
        for a in &cl_names {
            let mut row = cells![score_label(study, a, lang)];
            for b in &cs_names {
                let c = [("analysis", "mtmm"), ("level", l.as_str()), ("x", a.as_str()), ("y", b.as_str())];
                row.push(Cell::bounded(
                    find(records, &Query::stat("pearson_r").with_all(&c).without("ci_kind")).and_then(|r| r.estimate),
                    2,
                ));
            }
            rows.push(row);
        }
        let mut headers = vec![tr(lang, "score").to_string()];
        headers.extend(cs_names.iter().map(|b| b.trim_start_matches("class_").to_string()));
        let mut numeric = vec![false];
        numeric.extend(cs_names.iter().map(|_| true));
        blocks.push(Block::Table(Table {
            id: format!("tab-mtmm-{l}"),
            caption: format!("{} ({})", tr(lang, "mtmm_caption"), tr(lang, &format!("level_{l}"))),
            headers,
            rows,
            numeric,
            note: None,
        }));
    }
}

/// Disattenuated and partial correlations.
fn disattenuated_table(c: &Ctx, blocks: &mut Vec<Block>) {
    let study = c.study;
    let records = c.records;
    let lang = c.lang;
    let doms = c.doms.clone();
    let mut rows = Vec::new();
    for b in &doms {
        let c = [("analysis", "disattenuated"), ("x", "checklist_total"), ("y", b.as_str())];
        if let Some(r) = find(records, &Query::stat("disattenuated_r").with_all(&c)) {
            let g = |k: &str| Cell::bounded(r.context.get(k).and_then(|v| v.as_f64()), 2);
            let partial =
                find(records, &Query::stat("partial_r").with_all(&[("analysis", "partial"), ("y", b.as_str())]));
            rows.push(cells![
                b.trim_start_matches("class_").to_string(),
                g("observed_r"),
                g("reliability_x"),
                g("reliability_y"),
                Cell::bounded(r.estimate, 2),
                r_ci(partial),
            ]);
        }
    }
    let covs = study.spec.analysis.covariates.join(", ");
    blocks.push(Block::Table(Table {
        id: "tab-disattenuated".into(),
        caption: tr(lang, "disatt_caption").into(),
        headers: vec![
            tr(lang, "domain").into(),
            "r".into(),
            format!("{} ({})", tr(lang, "rel_short"), tr(lang, "checklist_prefix")),
            format!("{} (CLASS)", tr(lang, "rel_short")),
            tr(lang, "disatt_r").into(),
            if covs.is_empty() {
                tr(lang, "partial_r_none").to_string()
            } else {
                format!("{} ({covs})", tr(lang, "partial_r"))
            },
        ],
        rows,
        numeric: vec![false, true, true, true, true, true],
        note: Some(tr(lang, "disatt_note").into()),
    }));
}

/// Tests of dependent correlations.
fn dependent_table(c: &Ctx, blocks: &mut Vec<Block>) {
    let records = c.records;
    let lang = c.lang;
    let dep: Vec<&Record> = Query::any().with("analysis", "dependent_correlations").all(records).collect();
    if !dep.is_empty() {
        let rows = dep
            .iter()
            .map(|r| {
                cells![
                    r.ctx_str("comparison").unwrap_or(""),
                    r.statistic.clone(),
                    Cell::plain(r.estimate, 2),
                    Cell::num(
                        r.p_value.map(crate::format::p_value).unwrap_or_else(|| "NA".into()),
                        r.p_value,
                        NumFormat::Dec3
                    ),
                ]
            })
            .collect();
        blocks.push(Block::Table(Table {
            id: "tab-dependent".into(),
            caption: tr(lang, "dependent_caption").into(),
            headers: vec![
                tr(lang, "comparison").into(),
                tr(lang, "test").into(),
                tr(lang, "statistic").into(),
                "p".into(),
            ],
            rows,
            numeric: vec![false, false, true, true],
            note: None,
        }));
    }
}

/// ROC screening per quality threshold.
fn roc_table(c: &Ctx, blocks: &mut Vec<Block>) {
    let study = c.study;
    let records = c.records;
    let lang = c.lang;
    let es = c.es;
    let lvl = c.lvl.clone();
    let cl_names = c.cl_names.clone();
    for th in &study.spec.analysis.thresholds {
        let mut rows = Vec::new();
        for a in &cl_names {
            let c = [("analysis", "roc"), ("threshold", th.name.as_str()), ("score", a.as_str())];
            let auc = find(records, &Query::stat("auc").with_all(&c).ci(CiFamily::DeLong));
            let aucb = find(records, &Query::stat("auc").with_all(&c).ci(CiFamily::Bootstrap));
            let thr = find(records, &Query::any_of(&["youden_threshold", "chosen_threshold"]).with_all(&c));
            let se = find(records, &Query::stat("sensitivity").with_all(&c));
            let sp = find(records, &Query::stat("specificity").with_all(&c));
            let bench = find(records, &Query::stat("screening_benchmark_met").with_all(&c))
                .and_then(|r| r.context.get("meets_criterion"))
                .and_then(|v| v.as_bool());
            rows.push(cells![
                score_label(study, a, lang),
                Cell::count(
                    auc.and_then(|r| r.context.get("n_positive")).and_then(|v| v.as_u64()).map(|v| v as usize),
                    ""
                ),
                r_ci(auc),
                aucb.map(|b| Cell::ci_only(b.ci_low, b.ci_high, 2, true, "—")).unwrap_or_else(|| "—".into()),
                Cell::plain(thr.and_then(|r| r.estimate), 3),
                r_ci(se),
                r_ci(sp),
                match bench {
                    Some(true) => tr(lang, "yes"),
                    Some(false) => tr(lang, "no"),
                    None => "—",
                },
            ]);
        }
        let label = if es { &th.label_es } else { &th.label_en };
        let label = if label.is_empty() { th.name.clone() } else { label.clone() };
        let sc = &study.spec.analysis.screening;
        blocks.push(Block::Table(Table {
            id: format!("tab-roc-{}", th.name),
            caption: format!("{}: {label}", tr(lang, "roc_caption")),
            headers: vec![
                tr(lang, "score").into(),
                tr(lang, "positives").into(),
                format!("AUC [{lvl} {}, DeLong]", tr(lang, "ci")),
                format!("{} bootstrap", tr(lang, "ci")),
                tr(lang, "cutoff").into(),
                tr(lang, "sensitivity").into(),
                tr(lang, "specificity").into(),
                tr(lang, "benchmark").into(),
            ],
            rows,
            numeric: vec![false, true, true, true, true, true, true, false],
            note: Some(if es {
                format!("Una sala se marca cuando su puntaje de la lista está en o por debajo del punto de corte. Criterio de tamizaje: límite inferior del IC del AUC ≥ {}, sensibilidad y especificidad ≥ {} y {}.", sc.min_auc_lower, sc.min_sensitivity, sc.min_specificity)
            } else {
                format!("A classroom is flagged when its checklist score is at or below the cut-off. Screening benchmark: AUC CI lower bound ≥ {}, sensitivity ≥ {} and specificity ≥ {}.", sc.min_auc_lower, sc.min_sensitivity, sc.min_specificity)
            }),
        }));
    }
}

/// Item validity against each CLASS domain.
fn item_validity_table(c: &Ctx, blocks: &mut Vec<Block>) {
    let study = c.study;
    let records = c.records;
    let lang = c.lang;
    let doms = c.doms.clone();
    let mut rows = Vec::new();
    for it in &study.spec.checklist.items {
        let mut row = cells![it.id.clone(), study.subscale_label(&it.subscale, lang)];
        for b in &doms {
            let r = find(
                records,
                &Query::any().with_all(&[("analysis", "item_validity"), ("item", it.id.as_str()), ("y", b.as_str())]),
            );
            row.push(Cell::bounded(r.and_then(|r| r.estimate), 2));
        }
        let flag = find(records, &Query::stat("item_discriminates").with_all(&[("item", it.id.as_str())]))
            .and_then(|r| r.estimate);
        row.push(Cell::from(if flag == Some(0.0) { tr(lang, "no_discrimination") } else { "" }));
        rows.push(row);
    }
    let mut headers = vec![tr(lang, "item").to_string(), tr(lang, "subscale").to_string()];
    headers.extend(doms.iter().map(|b| format!("r {}", b.trim_start_matches("class_"))));
    headers.push(tr(lang, "flag").into());
    let mut numeric = vec![false, false];
    numeric.extend(doms.iter().map(|_| true));
    numeric.push(false);
    blocks.push(Block::Table(Table {
        id: "tab-item-validity".into(),
        caption: tr(lang, "item_validity_caption").into(),
        headers,
        rows,
        numeric,
        note: Some(tr(lang, "item_validity_note").into()),
    }));
}

/// The short-form search: in-sample and cross-validated values of every form size.
fn short_form_table(c: &Ctx, blocks: &mut Vec<Block>) {
    let records = c.records;
    let lang = c.lang;
    let steps: Vec<&Record> = Query::stat("short_form_step").all(records).collect();
    if steps.is_empty() {
        return;
    }
    let cv = tr(lang, "cv");
    let rows = steps.iter().map(|r| short_form_row(r, &c.doms)).collect();
    let mut headers = vec!["k".to_string(), tr(lang, "removed").into(), "α".into(), format!("α {cv}")];
    headers.extend(c.doms.iter().map(|b| format!("r {}", b.trim_start_matches("class_"))));
    headers.extend(["r̄".to_string(), format!("r̄ {cv}"), "AUC".into(), format!("AUC {cv}")]);
    let mut numeric = vec![true, false, true, true];
    numeric.extend(c.doms.iter().map(|_| true));
    numeric.extend([true; 4]);
    blocks.push(Block::Table(Table {
        id: "tab-short-form".into(),
        caption: tr(lang, "short_form_caption").into(),
        headers,
        rows,
        numeric,
        note: Some(short_form_note(records, lang)),
    }));
}

/// One form size: k, the item removed, α, r with each domain, mean r and AUC (in sample and CV).
fn short_form_row(r: &Record, doms: &[String]) -> Vec<Cell> {
    let g = |k: &str| Cell::bounded(r.context.get(k).and_then(|v| v.as_f64()), 2);
    let k = r.context.get("k").and_then(|v| v.as_f64());
    let k_text = r.context.get("k").map(|v| v.to_string()).unwrap_or_default();
    let mut row = cells![
        Cell::num(k_text, k, NumFormat::Integer),
        r.ctx_str("removed").unwrap_or(""),
        g("alpha"),
        g("alpha_cv"),
    ];
    for b in doms {
        row.push(g(&format!("r_{b}")));
    }
    row.extend([g("mean_r"), g("mean_r_cv"), g("auc"), g("auc_cv")]);
    row
}

/// The proposal, its out-of-sample values and how they were estimated.
fn short_form_note(records: &[Record], lang: Lang) -> String {
    let f = |r: &Record, k: &str| crate::format::opt_bounded(r.context.get(k).and_then(|v| v.as_f64()), 2);
    let mut parts = Vec::new();
    match find(records, &Query::stat("short_form_proposed").with_all(&[])) {
        Some(p) if p.estimate.is_some() => {
            parts.push(format!(
                "{}: {} ({} {}).",
                tr(lang, "proposed"),
                p.ctx_str("items").unwrap_or(""),
                p.estimate.unwrap_or(0.0),
                tr(lang, "items_word")
            ));
            if p.context.contains_key("mean_r_cv") {
                parts.push(
                    tr(lang, "short_form_oos")
                        .replace("{r_cv}", &f(p, "mean_r_cv"))
                        .replace("{r}", &f(p, "mean_r"))
                        .replace("{auc_cv}", &f(p, "auc_cv"))
                        .replace("{auc}", &f(p, "auc"))
                        .replace("{a_cv}", &f(p, "alpha_cv"))
                        .replace("{a}", &f(p, "alpha")),
                );
            }
            if p.context.get("meets_criteria_cv").and_then(|v| v.as_bool()) == Some(false) {
                parts.push(tr(lang, "short_form_fails_cv").into());
            }
        }
        Some(p) => parts.push(format!("{}: {}", tr(lang, "no_proposal"), p.na_reason.clone().unwrap_or_default())),
        None => {}
    }
    match find(records, &Query::stat("short_form_optimism").with_all(&[])) {
        Some(o) if o.estimate.is_some() => {
            let k = o.context.get("folds").and_then(|v| v.as_u64()).unwrap_or(0);
            parts.push(tr(lang, "short_form_cv_note").replace("{k}", &k.to_string()));
        }
        Some(o) => parts.push(format!("{}: {}", tr(lang, "short_form_cv_na"), o.na_reason.clone().unwrap_or_default())),
        None => {}
    }
    parts.join(" ")
}

/// Clustering of classrooms in centers.
fn multilevel_table(c: &Ctx, blocks: &mut Vec<Block>) {
    let study = c.study;
    let records = c.records;
    let lang = c.lang;
    let es = c.es;
    let cl_names = c.cl_names.clone();
    let cs_names = c.cs_names.clone();
    let mut rows = Vec::new();
    let mut all = cl_names.clone();
    all.extend(cs_names.iter().cloned());
    for s in &all {
        let icc =
            find(records, &Query::stat("icc_center").with_all(&[("analysis", "multilevel"), ("score", s.as_str())]));
        let deff =
            find(records, &Query::stat("design_effect").with_all(&[("analysis", "multilevel"), ("score", s.as_str())]));
        rows.push(cells![
            score_label(study, s, lang),
            Cell::bounded(icc.and_then(|r| r.estimate), 2),
            Cell::plain(deff.and_then(|r| r.estimate), 2),
        ]);
    }
    let prec: Vec<String> = records
        .iter()
        .filter(|r| r.statistic == "n_required_for_precision")
        .filter_map(|r| {
            let y = r.ctx_str("y")?.trim_start_matches("class_").to_string();
            let need = r.estimate?;
            let n = r.n?;
            let ok = r.context.get("adequate")?.as_bool()?;
            Some(if es {
                format!(
                    "{y}: {n} centros; se necesitan ~{need:.0} para ±{} ({})",
                    study.spec.analysis.precision,
                    if ok { "suficiente" } else { "insuficiente" }
                )
            } else {
                format!(
                    "{y}: {n} centers; ~{need:.0} needed for ±{} ({})",
                    study.spec.analysis.precision,
                    if ok { "enough" } else { "too few" }
                )
            })
        })
        .collect();
    blocks.push(Block::Table(Table {
        id: "tab-multilevel".into(),
        caption: tr(lang, "multilevel_caption").into(),
        headers: vec![tr(lang, "score").into(), tr(lang, "icc_center").into(), tr(lang, "deff").into()],
        rows,
        numeric: vec![false, true, true],
        note: Some(format!("{} {}", tr(lang, "multilevel_note"), prec.join("; "))),
    }));
}
