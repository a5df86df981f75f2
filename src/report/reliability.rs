//! The report's reliability section, built from the records the pipeline computed.

use super::build::score_label;
use super::cell::Cell;
use super::i18n::tr;
use super::{Block, Section, Table};
use crate::cells;
use crate::choices::Lang;
use crate::format::ci;
use crate::io::export::NumFormat;
use crate::results::{find, CiFamily, Query, Record};
use crate::study::spec::Study;

fn est(r: Option<&Record>) -> Cell {
    Cell::bounded(r.and_then(|r| r.estimate), 2)
}

fn est_ci(r: Option<&Record>) -> Cell {
    match r {
        Some(r) => Cell::bounded_ci(r.estimate, r.ci_low, r.ci_high, 2),
        None => Cell::bounded(None, 2),
    }
}

pub fn section(study: &Study, records: &[Record], lang: Lang) -> Section {
    let mut blocks = Vec::new();
    consistency_table(study, records, lang, &mut blocks);
    item_agreement_blocks(study, records, lang, &mut blocks);
    score_icc_table(study, records, lang, &mut blocks);
    bland_altman_table(study, records, lang, &mut blocks);
    class_cycles_table(study, records, lang, &mut blocks);
    observers_table(study, records, lang, &mut blocks);
    Section { id: "reliability".into(), title: tr(lang, "reliability").into(), blocks }
}

/// Internal consistency of the total and each subscale.
fn consistency_table(study: &Study, records: &[Record], lang: Lang, blocks: &mut Vec<Block>) {
    let mut rows = Vec::new();
    let mut scales: Vec<String> = vec!["checklist_total".into()];
    scales.extend(study.subscales.iter().map(|s| format!("checklist_{s}")));
    for s in &scales {
        let c = [("analysis", "internal_consistency"), ("scale", s.as_str())];
        let feldt = find(records, &Query::stat("cronbach_alpha").with("scale", s).ci(CiFamily::Feldt));
        let boot = find(records, &Query::stat("cronbach_alpha").with("scale", s).ci(CiFamily::Bootstrap));
        let a = feldt.or_else(|| find(records, &Query::stat("cronbach_alpha").with_all(&c)));
        rows.push(cells![
            score_label(study, s, lang),
            Cell::count(a.and_then(|r| r.n), ""),
            est_ci(a),
            boot.map(|r| Cell::ci_only(r.ci_low, r.ci_high, 2, true, "—")).unwrap_or_else(|| "—".into()),
            est(find(records, &Query::stat("omega_total").with_all(&c))),
            est(find(records, &Query::stat("ordinal_alpha").with_all(&c))),
        ]);
    }
    let lvl = format!("{:.0}%", 100.0 * study.spec.analysis.ci_level);
    blocks.push(Block::Table(Table {
        id: "tab-consistency".into(),
        caption: tr(lang, "consistency_caption").into(),
        headers: vec![
            tr(lang, "scale").into(),
            "n".into(),
            format!("α [{lvl} {}, Feldt]", tr(lang, "ci")),
            format!("{} bootstrap", tr(lang, "ci")),
            "ω".into(),
            tr(lang, "ordinal_alpha").into(),
        ],
        rows,
        numeric: vec![false, true, true, true, true, true],
        note: Some(tr(lang, super::i18n::consistency_note_key(study.spec.analysis.alpha_missing)).into()),
    }));
}

/// Item-level agreement on double-coded visits (paragraph and table).
fn item_agreement_blocks(study: &Study, records: &[Record], lang: Lang, blocks: &mut Vec<Block>) {
    let es = lang.is_es();
    let lvl = format!("{:.0}%", 100.0 * study.spec.analysis.ci_level);
    let n_pairs = find(records, &Query::stat("n_double_coded_pairs").with_all(&[("instrument", "checklist")]))
        .and_then(|r| r.estimate)
        .unwrap_or(0.0);
    blocks.push(Block::Para(if es {
        format!("{} visitas con doble codificación de la lista de cotejo se usaron para medir el acuerdo entre observadores, reactivo por reactivo. El AC1 de Gwet es el indicador principal: con reactivos que casi siempre se cumplen (o casi nunca), κ resulta paradójicamente bajo aunque el acuerdo sea alto.", n_pairs)
    } else {
        format!("{} double-coded checklist visits were used to measure inter-observer agreement item by item. Gwet's AC1 is the headline: with items that are almost always (or almost never) met, κ is paradoxically low even when agreement is high.", n_pairs)
    }));
    let mut rows = Vec::new();
    for it in &study.spec.checklist.items {
        let c = [("analysis", "item_agreement"), ("item", it.id.as_str())];
        let pa = find(records, &Query::stat("percent_agreement").with_all(&c));
        rows.push(cells![
            it.id.clone(),
            study.subscale_label(&it.subscale, lang),
            Cell::count(pa.and_then(|r| r.n), ""),
            Cell::pct(pa.and_then(|r| r.estimate)),
            est_ci(find(records, &Query::stat("cohen_kappa").with_all(&c))),
            est_ci(find(records, &Query::stat("gwet_ac1").with_all(&c))),
        ]);
    }
    blocks.push(Block::Table(Table {
        id: "tab-item-agreement".into(),
        caption: tr(lang, "item_agreement_caption").into(),
        headers: vec![
            tr(lang, "item").into(),
            tr(lang, "subscale").into(),
            tr(lang, "pairs").into(),
            tr(lang, "agreement").into(),
            format!("κ [{lvl} {}]", tr(lang, "ci")),
            format!("AC1 [{lvl} {}]", tr(lang, "ci")),
        ],
        rows,
        numeric: vec![false, false, true, true, true, true],
        note: None,
    }));
}

/// ICCs of scores on double-coded visits.
fn score_icc_table(study: &Study, records: &[Record], lang: Lang, blocks: &mut Vec<Block>) {
    let lvl = format!("{:.0}%", 100.0 * study.spec.analysis.ci_level);
    let mut rows = Vec::new();
    let mut names = study.checklist_score_names();
    names.extend(study.class_score_names());
    for s in &names {
        let c = [("analysis", "score_icc"), ("score", s.as_str())];
        let i2 = find(records, &Query::stat("icc2").with_all(&c));
        if i2.is_none() {
            continue;
        }
        rows.push(cells![
            score_label(study, s, lang),
            Cell::count(i2.and_then(|r| r.n), ""),
            est_ci(i2),
            est_ci(find(records, &Query::stat("icc1").with_all(&c))),
            est(find(records, &Query::stat("icc_reml_agreement").with_all(&c))),
            i2.and_then(|r| r.ctx_str("interpretation"))
                .map(|c| super::i18n::interpretation(lang, c, "icc2"))
                .unwrap_or_default(),
        ]);
    }
    blocks.push(Block::Table(Table {
        id: "tab-score-icc".into(),
        caption: tr(lang, "icc_caption").into(),
        headers: vec![
            tr(lang, "score").into(),
            tr(lang, "pairs").into(),
            format!("ICC(A,1) [{lvl} {}]", tr(lang, "ci")),
            format!("ICC(1) [{lvl} {}]", tr(lang, "ci")),
            tr(lang, "reml_icc").into(),
            tr(lang, "interpretation").into(),
        ],
        rows,
        numeric: vec![false, true, true, true, true, false],
        note: Some(tr(lang, "icc_note").into()),
    }));
}

/// Bland–Altman limits of agreement of double-coded scores.
fn bland_altman_table(study: &Study, records: &[Record], lang: Lang, blocks: &mut Vec<Block>) {
    let mut names = study.checklist_score_names();
    names.extend(study.class_score_names());
    let mut rows = Vec::new();
    for s in &names {
        let c = [("analysis", "bland_altman"), ("score", s.as_str())];
        let Some(bias) = find(records, &Query::stat("bias").with_all(&c)) else { continue };
        let fmt = |r: Option<&Record>| match r.and_then(|r| r.estimate.map(|e| (e, r))) {
            Some((e, r)) => Cell::est_text(
                format!("{} {}", crate::format::num(e, 3), ci(r.ci_low, r.ci_high, 3, false)),
                Some(e),
                r.ci_low,
                r.ci_high,
                NumFormat::Dec3,
            ),
            None => "NA".into(),
        };
        rows.push(cells![
            score_label(study, s, lang),
            Cell::count(bias.n, ""),
            fmt(Some(bias)),
            fmt(find(records, &Query::stat("loa_low").with_all(&c))),
            fmt(find(records, &Query::stat("loa_high").with_all(&c))),
        ]);
    }
    if !rows.is_empty() {
        blocks.push(Block::Table(Table {
            id: "tab-bland-altman".into(),
            caption: tr(lang, "ba_caption").into(),
            headers: vec![
                tr(lang, "score").into(),
                tr(lang, "pairs").into(),
                tr(lang, "bias").into(),
                tr(lang, "loa_low").into(),
                tr(lang, "loa_high").into(),
            ],
            rows,
            numeric: vec![false, true, true, true, true],
            note: Some(tr(lang, "ba_note").into()),
        }));
    }
}

/// CLASS exact and within-one agreement per dimension.
fn class_cycles_table(study: &Study, records: &[Record], lang: Lang, blocks: &mut Vec<Block>) {
    let es = lang.is_es();
    if let Some(inst) = &study.instrument {
        let mut rows = Vec::new();
        for d in &inst.dimensions {
            let c = [("analysis", "class_cycle_agreement"), ("dimension", d.code.as_str())];
            let w = find(records, &Query::stat("within_one_agreement").with_all(&c));
            let meets = w.and_then(|r| r.context.get("meets_criterion")).and_then(|v| v.as_bool());
            rows.push(cells![
                format!("{} ({})", d.code, if es { &d.name_es } else { &d.name_en }),
                Cell::count(w.and_then(|r| r.n), ""),
                Cell::pct(find(records, &Query::stat("percent_agreement").with_all(&c)).and_then(|r| r.estimate)),
                Cell::pct(w.and_then(|r| r.estimate)),
                match meets {
                    Some(true) => tr(lang, "yes"),
                    Some(false) => tr(lang, "no"),
                    None => "—",
                },
            ]);
        }
        blocks.push(Block::Table(Table {
            id: "tab-class-agreement".into(),
            caption: tr(lang, "class_agreement_caption").into(),
            headers: vec![
                tr(lang, "dimension").into(),
                tr(lang, "cycle_pairs").into(),
                tr(lang, "exact").into(),
                tr(lang, "within_one").into(),
                "≥ 80%".into(),
            ],
            rows,
            numeric: vec![false, true, true, true, false],
            note: None,
        }));
    }
}

/// Each observer's agreement with their partners.
fn observers_table(_study: &Study, records: &[Record], lang: Lang, blocks: &mut Vec<Block>) {
    let mut rows = Vec::new();
    let q = Query::any_of(&["observer_percent_agreement", "observer_severity", "observer_within_one_agreement"]);
    for r in q.all(records) {
        let inst = r.ctx_str("instrument").unwrap_or("");
        rows.push(cells![
            r.ctx_str("observer").unwrap_or("").to_string(),
            if inst == "class" { "CLASS".into() } else { tr(lang, "checklist_prefix").to_string() },
            if inst == "class" { tr(lang, "within_one").to_string() } else { tr(lang, "exact").to_string() },
            Cell::count(r.n, ""),
            Cell::pct(r.estimate),
        ]);
    }
    blocks.push(Block::Table(Table {
        id: "tab-observers".into(),
        caption: tr(lang, "observer_caption").into(),
        headers: vec![
            tr(lang, "observer").into(),
            tr(lang, "instrument").into(),
            tr(lang, "criterion").into(),
            tr(lang, "comparisons").into(),
            tr(lang, "agreement").into(),
        ],
        rows,
        numeric: vec![false, false, false, true, true],
        note: None,
    }));
}
