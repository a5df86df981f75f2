//! "Key findings" / "Hallazgos principales": the first section of every report format and the
//! first sheet of `tables.xlsx`. Plain sentences with numbers and CIs, each written from the
//! records (never recomputed) and linked to the table it summarises; and "Analyses not run":
//! every analysis that did not run, with the reason and the spec key that enables it.

use super::build::score_label;
use super::{Block, Finding, Section};
use crate::choices::{Lang, Level};
use crate::format::{bounded, ci, num};
use crate::results::{find, CiFamily, Query, Record};
use crate::study::pipeline::StudyData;
use crate::study::spec::Study;

/// `.92 [.91, .94]`
fn est_ci(r: &Record) -> Option<String> {
    Some(format!("{} {}", bounded(r.estimate?, 2), ci(r.ci_low, r.ci_high, 2, true)))
}

fn link(text: String, table: &str, lang: Lang) -> Finding {
    Finding { text, target: table.to_string(), target_label: lang.pick("ver tabla", "see table").to_string() }
}

/// Median of a non-empty slice.
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn reliability(records: &[Record], lang: Lang, out: &mut Vec<Finding>) {
    let q = Query::stat("cronbach_alpha").with("scale", "checklist_total").ci(CiFamily::Feldt);
    if let Some((r, s)) = find(records, &q).and_then(|r| Some((r, est_ci(r)?))) {
        let n = r.n.unwrap_or(0);
        out.push(link(
            lang.pick(
                &format!("Consistencia interna: el total de la lista de cotejo tiene α = {s} (n = {n})."),
                &format!("Internal consistency: the checklist total has α = {s} (n = {n})."),
            )
            .to_string(),
            "tab-consistency",
            lang,
        ));
    }
    let q = Query::stat("gwet_ac1").with_all(&[("analysis", "item_agreement"), ("instrument", "checklist")]);
    let mut ac1: Vec<f64> = q.all(records).filter_map(|r| r.estimate).collect();
    if !ac1.is_empty() {
        let k = ac1.len();
        let good = ac1.iter().filter(|&&v| v >= 0.60).count();
        let share = 100.0 * good as f64 / k as f64;
        let med = bounded(median(&mut ac1), 2);
        out.push(link(
            lang.pick(
                &format!("Acuerdo entre observadores: la mediana del AC1 de Gwet por reactivo es {med}; {good} de {k} reactivos ({share:.0}%) alcanzan AC1 ≥ .60."),
                &format!("Inter-observer agreement: the median item AC1 (Gwet) is {med}; {good} of {k} items ({share:.0}%) reach AC1 ≥ .60."),
            )
            .to_string(),
            "tab-item-agreement",
            lang,
        ));
    }
    let q = Query::stat("icc2").with_all(&[("analysis", "score_icc"), ("score", "checklist_total")]);
    if let Some((r, s)) = find(records, &q).and_then(|r| Some((r, est_ci(r)?))) {
        let n = r.n.unwrap_or(0);
        out.push(link(
            lang.pick(
                &format!("Acuerdo en puntajes: la CCI(A,1) del total es {s} en {n} visitas con doble codificación."),
                &format!("Score agreement: the checklist total's ICC(A,1) is {s} on {n} double-coded visits."),
            )
            .to_string(),
            "tab-score-icc",
            lang,
        ));
    }
}

/// Dependability (G theory): Φ of each CLASS domain with the spec's cycles and one observer, and
/// the cycles that reach .80.
fn dependability(study: &Study, records: &[Record], lang: Lang, out: &mut Vec<Finding>) {
    use super::dependability::class_summary;
    let Some(inst) = &study.instrument else { return };
    let sums: Vec<(String, super::dependability::ClassSummary)> = inst
        .domains
        .iter()
        .filter_map(|d| Some((d.code.clone(), class_summary(study, records, &format!("class_{}", d.code))?)))
        .collect();
    let Some(n) = sums.first().map(|s| s.1.cycles) else { return };
    let parts: Vec<String> =
        sums.iter().map(|(code, s)| format!("CLASS {code} Φ = {} ({})", bounded(s.phi, 2), s.reach(lang))).collect();
    let joined = parts.join("; ");
    out.push(link(
        lang.pick(
            &format!("Dependabilidad (teoría G), con {n} ciclos y un observador: {joined}."),
            &format!("Dependability (G theory), with {n} cycles and one observer: {joined}."),
        )
        .to_string(),
        "tab-dstudy-class",
        lang,
    ));
}

fn validity(study: &Study, records: &[Record], lang: Lang, out: &mut Vec<Finding>) {
    let Some(inst) = &study.instrument else { return };
    for d in &inst.domains {
        let y = format!("class_{}", d.code);
        let at = |level: Level| {
            let c = [("analysis", "mtmm"), ("level", level.as_str()), ("x", "checklist_total"), ("y", y.as_str())];
            find(records, &Query::stat("pearson_r").with_all(&c).without("ci_kind"))
                .and_then(|r| Some((est_ci(r)?, r.n?)))
        };
        let parts: Vec<String> = [Level::Classroom, Level::Center]
            .into_iter()
            .filter_map(|l| {
                let (s, n) = at(l)?;
                let lv = match (l, lang) {
                    (Level::Classroom, Lang::Es) => "salas",
                    (Level::Center, Lang::Es) => "centros",
                    (Level::Classroom, Lang::En) => "classrooms",
                    (Level::Center, Lang::En) => "centers",
                };
                Some(format!("r = {s} ({n} {lv})"))
            })
            .collect();
        if parts.is_empty() {
            continue;
        }
        let dom = score_label(study, &y, lang);
        let joined = parts.join(lang.pick(" y ", " and "));
        out.push(link(
            lang.pick(
                &format!("Validez concurrente: el total de la lista de cotejo frente a {dom}: {joined}."),
                &format!("Concurrent validity: checklist total against {dom}: {joined}."),
            )
            .to_string(),
            "tab-validity",
            lang,
        ));
    }
}

fn screening(study: &Study, records: &[Record], lang: Lang, out: &mut Vec<Finding>) {
    for th in &study.spec.analysis.thresholds {
        let c = [("analysis", "roc"), ("threshold", th.name.as_str()), ("score", "checklist_total")];
        let Some(auc) = find(records, &Query::stat("auc").with_all(&c).ci(CiFamily::DeLong)).and_then(est_ci) else {
            continue;
        };
        let thr = find(records, &Query::any_of(&["youden_threshold", "chosen_threshold"]).with_all(&c))
            .and_then(|r| r.estimate);
        let se = find(records, &Query::stat("sensitivity").with_all(&c)).and_then(est_ci);
        let sp = find(records, &Query::stat("specificity").with_all(&c)).and_then(est_ci);
        let label = lang.pick(&th.label_es, &th.label_en);
        let label = if label.is_empty() { th.name.as_str() } else { label.as_str() };
        let at = match (thr, se, sp) {
            (Some(t), Some(se), Some(sp)) => lang
                .pick(
                    &format!("; con el punto de corte ≤ {}, sensibilidad {se} y especificidad {sp}", num(t, 3)),
                    &format!("; at the cut-off ≤ {}, sensitivity {se} and specificity {sp}", num(t, 3)),
                )
                .to_string(),
            _ => String::new(),
        };
        out.push(link(
            lang.pick(
                &format!("Detección ({label}): AUC = {auc}{at}."),
                &format!("Screening ({label}): AUC = {auc}{at}."),
            )
            .to_string(),
            &format!("tab-roc-{}", th.name),
            lang,
        ));
    }
}

/// The proposed short form with its in-sample and cross-validated mean r.
fn short_form(records: &[Record], lang: Lang, out: &mut Vec<Finding>) {
    let Some(p) = find(records, &Query::stat("short_form_proposed").with_all(&[])) else { return };
    let (Some(k), Some(r)) = (p.estimate, p.context.get("mean_r").and_then(|v| v.as_f64())) else { return };
    let Some(r_cv) = p.context.get("mean_r_cv").and_then(|v| v.as_f64()) else { return };
    let (r, r_cv) = (bounded(r, 2), bounded(r_cv, 2));
    out.push(link(
        lang.pick(
            &format!("Versión corta: {k} reactivos; r̄ con CLASS = {r_cv} fuera de muestra ({r} en la muestra que los eligió)."),
            &format!("Short form: {k} items; mean r with CLASS = {r_cv} out of sample ({r} in the sample that chose them)."),
        )
        .to_string(),
        "tab-short-form",
        lang,
    ));
}

/// How many items the review flags, and which.
fn items_to_review(records: &[Record], lang: Lang, out: &mut Vec<Finding>) {
    let all: Vec<&Record> = Query::stat("item_review").all(records).collect();
    if all.is_empty() {
        return;
    }
    let flagged: Vec<&str> =
        all.iter().filter(|r| r.estimate.is_some_and(|k| k > 0.0)).filter_map(|r| r.ctx_str("item")).collect();
    let (n, k) = (flagged.len(), all.len());
    let text = if flagged.is_empty() {
        lang.pick(&format!("Reactivos a revisar: ninguno de {k}."), &format!("Items to review: none of {k}."))
            .to_string()
    } else {
        let list = flagged.join(", ");
        lang.pick(
            &format!("Reactivos a revisar: {n} de {k} ({list})."),
            &format!("Items to review: {n} of {k} ({list})."),
        )
        .to_string()
    };
    if flagged.is_empty() {
        out.push(Finding {
            text,
            target: "items".into(),
            target_label: lang.pick("ver sección", "see section").into(),
        });
    } else {
        out.push(link(text, "tab-items-to-review", lang));
    }
}

fn data_problems(d: &StudyData, lang: Lang, out: &mut Vec<Finding>) {
    let k = d.quality.problems();
    let text = match (k, lang) {
        (0, Lang::Es) => "Calidad de los datos: no se encontraron problemas.".to_string(),
        (0, Lang::En) => "Data quality: no problems found.".to_string(),
        (1, Lang::Es) => "Calidad de los datos: un tipo de problema con casos (advertencia o error).".to_string(),
        (1, Lang::En) => "Data quality: one kind of problem with cases (a warning or an error).".to_string(),
        (k, Lang::Es) => format!("Calidad de los datos: {k} tipos de problema con casos (advertencias o errores)."),
        (k, Lang::En) => format!("Data quality: {k} kinds of problem with cases (warnings or errors)."),
    };
    out.push(Finding { text, target: "quality".into(), target_label: lang.pick("ver sección", "see section").into() });
}

/// The key findings section, first in every report.
pub fn section(study: &Study, d: &StudyData, records: &[Record], lang: Lang) -> Section {
    let mut f = Vec::new();
    reliability(records, lang, &mut f);
    dependability(study, records, lang, &mut f);
    validity(study, records, lang, &mut f);
    screening(study, records, lang, &mut f);
    short_form(records, lang, &mut f);
    items_to_review(records, lang, &mut f);
    data_problems(d, lang, &mut f);
    let mut blocks = vec![Block::Findings(f)];
    let skipped = skipped(study, d, records, lang);
    if !skipped.is_empty() {
        blocks.push(Block::Para(lang.pick("Análisis que no se realizaron:", "Analyses not run:").to_string()));
        blocks.push(Block::List(skipped));
    }
    Section { id: "findings".into(), title: lang.pick("Hallazgos principales", "Key findings").into(), blocks }
}

/// Every analysis that did not run, with the reason and the spec key that turns it on.
fn skipped(study: &Study, d: &StudyData, records: &[Record], lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    let es = lang.is_es();
    if study.instrument.is_none() {
        out.push(if es {
            "Validez concurrente y detección: no hay archivo CLASS. Se activan con `files.class` y la sección `[class]` de la especificación.".into()
        } else {
            "Concurrent validity and screening: no CLASS file. Enable with `files.class` and the `[class]` section of the spec.".into()
        });
    } else if study.spec.analysis.thresholds.is_empty() {
        out.push(if es {
            "Detección (ROC): la especificación no define un umbral de calidad. Agregue `[[analysis.thresholds]]` (por ejemplo, dominio EBS < 3.5 como calidad baja; la elección es del estudio).".into()
        } else {
            "Screening (ROC): the spec defines no quality threshold. Add `[[analysis.thresholds]]` (for example EBS domain < 3.5 as low quality; the choice is the study's).".into()
        });
    }
    let pairs =
        find(records, &Query::stat("n_double_coded_pairs").with("instrument", "checklist")).and_then(|r| r.estimate);
    if pairs.unwrap_or(0.0) < 2.0 {
        out.push(if es {
            "Acuerdo entre observadores: hay menos de 2 visitas con doble codificación. Se calcula cuando la columna `checklist.columns.role` marca visitas de confiabilidad.".into()
        } else {
            "Inter-observer agreement: fewer than 2 double-coded visits. It is computed when the `checklist.columns.role` column marks reliability visits.".into()
        });
    }
    if d.classrooms.age_group.iter().all(|g| g.is_empty()) {
        out.push(if es {
            "Descriptivos por grupo de edad: no hay columna de grupo de edad (`checklist.columns.age_group`).".into()
        } else {
            "Descriptives by age group: no age-group column (`checklist.columns.age_group`).".into()
        });
    }
    na_summary(records, lang, &mut out);
    out
}

/// Degenerate statistics: NA records grouped by statistic and reason (at most 8 lines).
fn na_summary(records: &[Record], lang: Lang, out: &mut Vec<String>) {
    let mut groups: Vec<(&str, &str, usize)> = Vec::new();
    for r in records.iter().filter(|r| r.estimate.is_none()) {
        let reason = r.na_reason.as_deref().unwrap_or("");
        match groups.iter_mut().find(|(s, w, _)| *s == r.statistic && *w == reason) {
            Some(g) => g.2 += 1,
            None => groups.push((&r.statistic, reason, 1)),
        }
    }
    for (stat, reason, n) in groups.iter().take(8) {
        out.push(
            lang.pick(
                &format!("`{stat}` no disponible ({n}×): {reason}."),
                &format!("`{stat}` not available ({n}×): {reason}."),
            )
            .to_string(),
        );
    }
    if groups.len() > 8 {
        let more = groups.len() - 8;
        out.push(
            lang.pick(
                &format!("… y {more} grupos más (ver results.json)."),
                &format!("… and {more} more groups (see results.json)."),
            )
            .to_string(),
        );
    }
}
