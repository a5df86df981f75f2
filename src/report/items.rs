//! The report's "Items to review" section: the flagged items, the reasons in words and the
//! statistics behind them, for the checklist's next revision cycle.

use super::cell::Cell;
use super::{Block, Section, Table};
use crate::cells;
use crate::choices::Lang;
use crate::results::{Query, Record};
use crate::study::item_review::Flag;
use crate::study::spec::Study;

/// A flag in words.
pub fn flag_text(f: Flag, lang: Lang) -> &'static str {
    match f {
        Flag::Floor => lang.pick("casi nunca se cumple (piso)", "almost never met (floor)"),
        Flag::Ceiling => lang.pick("casi siempre se cumple (techo)", "almost always met (ceiling)"),
        Flag::LowDiscrimination => lang.pick("baja correlación con el total", "low item–total correlation"),
        Flag::LowersAlpha => lang.pick("α sube sin el reactivo", "α rises without the item"),
        Flag::LowAgreement => lang.pick("bajo acuerdo entre observadores", "low agreement between observers"),
        Flag::NoClassValidity => lang.pick("no se relaciona con CLASS", "unrelated to CLASS"),
        Flag::HighNa => lang.pick("mucho «no aplica»", "often not applicable"),
        Flag::HighMissing => lang.pick("muchos datos faltantes", "often missing"),
        Flag::LowIrtDiscrimination => lang.pick("baja discriminación TRI", "low IRT discrimination"),
        Flag::PoorFit => lang.pick("mal ajuste al modelo TRI", "poor IRT item fit"),
        Flag::Dif => lang.pick("funcionamiento diferencial (DIF B/C)", "differential functioning (DIF B/C)"),
    }
}

fn label<'a>(study: &'a Study, id: &str, lang: Lang) -> &'a str {
    study
        .spec
        .checklist
        .items
        .iter()
        .find(|i| i.id == id)
        .map(|i| lang.pick(&i.label_es, &i.label_en).as_str())
        .filter(|l| !l.is_empty())
        .unwrap_or("")
}

pub fn section(study: &Study, records: &[Record], lang: Lang) -> Section {
    let mut reviews: Vec<&Record> =
        Query::stat("item_review").all(records).filter(|r| r.estimate.is_some_and(|k| k > 0.0)).collect();
    // Most flags first; the checklist's order otherwise (the sort is stable).
    reviews.sort_by(|a, b| b.estimate.partial_cmp(&a.estimate).unwrap_or(std::cmp::Ordering::Equal));
    let n_items = Query::stat("item_review").all(records).count();
    let c = &study.spec.analysis.item_review;
    let intro = lang
        .pick(
            "Cada reactivo se compara con convenciones habituales, que el estudio puede cambiar en [analysis.item_review]; una señal invita a revisar el reactivo, no es un veredicto. Reactivos señalados: {n} de {k}.",
            "Each item is compared with common conventions, which the study can change in [analysis.item_review]; a flag invites a review of the item and is not a verdict. Items flagged: {n} of {k}.",
        )
        .replace("{n}", &reviews.len().to_string())
        .replace("{k}", &n_items.to_string());
    let mut blocks = vec![Block::Para(intro)];
    if !reviews.is_empty() {
        blocks.push(Block::Table(review_table(study, &reviews, lang)));
    }
    let conventions = lang
        .pick(
            "Convenciones: piso/techo si la media en el rango 0–1 es ≤ {e} o ≥ {1e}; r reactivo–total corregida < {it}; α sube más de .005 sin el reactivo; AC1 < {ac1}; ningún dominio CLASS con r ≥ .10 y p ajustada < .05; «no aplica» > {na}; faltantes > {miss}; pendiente TRI < {a}; ajuste TRI con p ajustada < .01; DIF clase B o C (ETS).",
            "Conventions: floor/ceiling when the mean on the 0–1 range is ≤ {e} or ≥ {1e}; corrected item–total r < {it}; α rises by more than .005 without the item; AC1 < {ac1}; no CLASS domain with r ≥ .10 and adjusted p < .05; not applicable > {na}; missing > {miss}; IRT slope < {a}; IRT item fit with adjusted p < .01; DIF class B or C (ETS).",
        )
        .replace("{1e}", &fmt(1.0 - c.extreme_share))
        .replace("{e}", &fmt(c.extreme_share))
        .replace("{it}", &fmt(c.min_item_total))
        .replace("{ac1}", &fmt(c.min_ac1))
        .replace("{na}", &fmt(c.max_na_share))
        .replace("{miss}", &fmt(c.max_missing_share))
        .replace("{a}", &fmt(c.min_irt_discrimination));
    blocks.push(Block::Para(conventions));
    Section { id: "items".into(), title: lang.pick("Reactivos a revisar", "Items to review").into(), blocks }
}

fn fmt(x: f64) -> String {
    crate::format::bounded(x, 2)
}

fn review_table(study: &Study, reviews: &[&Record], lang: Lang) -> Table {
    let g = |r: &Record, k: &str| Cell::bounded(r.context.get(k).and_then(|v| v.as_f64()), 2);
    let rows = reviews
        .iter()
        .map(|r| {
            let id = r.ctx_str("item").unwrap_or("");
            let reasons: Vec<&str> = r
                .context
                .get("flags")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter().filter_map(|f| f.as_str().and_then(Flag::from_code)).map(|f| flag_text(f, lang)).collect()
                })
                .unwrap_or_default();
            cells![
                id,
                label(study, id, lang),
                r.ctx_str("subscale").unwrap_or(""),
                g(r, "p"),
                g(r, "item_total_r"),
                g(r, "ac1"),
                g(r, "max_class_r"),
                reasons.join("; "),
            ]
        })
        .collect();
    Table {
        id: "tab-items-to-review".into(),
        caption: lang.pick("Reactivos a revisar", "Items to review").into(),
        headers: vec![
            lang.pick("Reactivo", "Item").into(),
            lang.pick("Texto", "Text").into(),
            lang.pick("Subescala", "Subscale").into(),
            "p".into(),
            "r it".into(),
            "AC1".into(),
            "r CLASS".into(),
            lang.pick("Motivos", "Reasons").into(),
        ],
        rows,
        numeric: vec![false, false, false, true, true, true, true, false],
        note: Some(
            lang.pick(
                "p: media del reactivo en su rango 0–1; r it: correlación reactivo–total corregida; AC1: acuerdo entre observadores; r CLASS: la mayor correlación con un dominio CLASS (nivel sala).",
                "p: the item's mean on its 0–1 range; r it: corrected item–total correlation; AC1: agreement between observers; r CLASS: the largest correlation with a CLASS domain (classroom level).",
            )
            .into(),
        ),
    }
}
