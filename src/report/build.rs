//! Build the report [`Doc`] from what the pipeline actually computed.

use super::cell::Cell;
use super::i18n::tr;
use super::{Block, Doc, Section, Table};
use crate::cells;
use crate::choices::Lang;
use crate::format::num;
use crate::io::export::NumFormat;
use crate::results::{find, Query, Record};
use crate::study::pipeline::StudyData;
use crate::study::quality::Severity;
use crate::study::spec::{ScoringMethod, Study};

/// Human label of a score column in the report language.
pub fn score_label(study: &Study, name: &str, lang: Lang) -> String {
    if name == "checklist_total" {
        return tr(lang, "checklist_total").to_string();
    }
    if let Some(sub) = name.strip_prefix("checklist_") {
        return format!("{}: {}", tr(lang, "checklist_prefix"), study.subscale_label(sub, lang));
    }
    if let (Some(code), Some(inst)) = (name.strip_prefix("class_"), &study.instrument) {
        if let Some(d) = inst.dimension(code) {
            return format!("CLASS {} ({})", code, if lang.is_es() { &d.name_es } else { &d.name_en });
        }
        if let Some(d) = inst.domains.iter().find(|d| d.code == code) {
            return format!("CLASS {} ({})", code, if lang.is_es() { &d.name_es } else { &d.name_en });
        }
    }
    name.to_string()
}

/// A whole count (shown without decimals), or 0 when absent as the sample table always did.
fn count(v: Option<f64>) -> Cell {
    let v = v.unwrap_or(0.0);
    Cell::num(num(v, 0), Some(v), NumFormat::Integer)
}

fn sample_section(lang: Lang, records: &[Record]) -> Section {
    let get = |stat: &str, inst: Option<&str>| {
        let q = Query::stat(stat);
        find(records, &inst.map_or(q.clone(), |i| q.with("instrument", i))).and_then(|r| r.estimate)
    };
    let mut rows = vec![
        cells![tr(lang, "centers"), count(get("n_centers", None))],
        cells![tr(lang, "classrooms"), count(get("n_classrooms", None))],
        cells![tr(lang, "checklist_obs"), count(get("n_observations", Some("checklist")))],
        cells![tr(lang, "reliability_obs"), count(get("n_reliability_observations", Some("checklist")))],
        cells![tr(lang, "double_coded"), Cell::pct(get("double_coded_share", None))],
    ];
    if let Some(n) = get("n_observations", Some("class")) {
        rows.push(cells![tr(lang, "class_obs"), count(Some(n))]);
        rows.push(cells![tr(lang, "class_cycles"), count(get("n_cycles", Some("class")))]);
    }
    Section {
        id: "sample".into(),
        title: tr(lang, "sample").into(),
        blocks: vec![Block::Table(Table {
            id: "tab-sample".into(),
            caption: tr(lang, "sample").into(),
            headers: vec![tr(lang, "quantity").into(), tr(lang, "value").into()],
            rows,
            numeric: vec![false, true],
            note: None,
        })],
    }
}

fn quality_section(lang: Lang, d: &StudyData) -> Section {
    let mut items = Vec::new();
    for l in &d.quality.lines {
        if l.severity == Severity::Info || l.count > 0 {
            let sev = match l.severity {
                Severity::Info => tr(lang, "sev_info"),
                Severity::Warning => tr(lang, "sev_warning"),
                Severity::Error => tr(lang, "sev_error"),
            };
            items.push(format!("[{sev}] {}", d.quality.message(l, lang)));
        }
    }
    let mut blocks = vec![Block::List(items)];
    if d.quality.problems() == 0 {
        blocks.push(Block::Para(tr(lang, "no_problems").into()));
    }
    Section { id: "quality".into(), title: tr(lang, "quality").into(), blocks }
}

fn descriptive_section(study: &Study, lang: Lang, records: &[Record]) -> Section {
    let mut rows = Vec::new();
    for r in Query::stat("mean").without("age_group").all(records) {
        let (Some(level), Some(score)) = (r.ctx_str("level"), r.ctx_str("score")) else { continue };
        let c = [("level", level), ("score", score)];
        let sd = find(records, &Query::stat("sd").with_all(&c));
        let mn = find(records, &Query::stat("min").with_all(&c));
        let mx = find(records, &Query::stat("max").with_all(&c));
        let prop = score.starts_with("checklist_") && study.spec.scoring.method == ScoringMethod::Proportion;
        let dec = if prop { 3 } else { 2 };
        let fmt = if prop { NumFormat::Dec3 } else { NumFormat::Dec2 };
        let num = |v: f64, d: usize| if prop { crate::format::bounded(v, d) } else { num(v, d) };
        let cnum = |v: Option<f64>| Cell::num(v.map(|v| num(v, dec)).unwrap_or_else(|| "NA".into()), v, fmt);
        rows.push(cells![
            tr(lang, &format!("level_{level}")),
            score_label(study, score, lang),
            Cell::count(r.n, ""),
            cnum(r.estimate),
            cnum(sd.and_then(|s| s.estimate)),
            Cell::ci_only(r.ci_low, r.ci_high, dec, prop, "—"),
            cnum(mn.and_then(|s| s.estimate)),
            cnum(mx.and_then(|s| s.estimate)),
        ]);
    }
    let level_pct = format!("{:.0}%", 100.0 * study.spec.analysis.ci_level);
    Section {
        id: "scores".into(),
        title: tr(lang, "scores").into(),
        blocks: vec![Block::Table(Table {
            id: "tab-descriptives".into(),
            caption: tr(lang, "desc_caption").into(),
            headers: vec![
                tr(lang, "level").into(),
                tr(lang, "score").into(),
                "n".into(),
                tr(lang, "mean").into(),
                tr(lang, "sd").into(),
                format!("{level_pct} {}", tr(lang, "ci")),
                tr(lang, "min").into(),
                tr(lang, "max").into(),
            ],
            rows,
            numeric: vec![false, false, true, true, true, true, true, true],
            note: Some(tr(lang, "obs_note").into()),
        })],
    }
}

fn methods_section(study: &Study, lang: Lang, sections: (bool, bool)) -> Section {
    let es = lang.is_es();
    let s = &study.spec;
    let mut paras = Vec::new();
    let n_items = s.checklist.items.len();
    let n_sub = study.subscales.len();
    let min = 100.0 * s.scoring.min_answered;
    paras.push(match (s.scoring.method, es) {
        (ScoringMethod::Proportion, false) => format!("Checklist scores ({n_items} items, {n_sub} subscales) are the share of applicable items met; ordinal items are rescaled to 0–1 and reverse-scored items reflected. Items marked not applicable are excluded from the denominator. A score is computed only when at least {min:.0}% of the applicable items were answered; otherwise it is missing and the reason is recorded."),
        (ScoringMethod::Proportion, true) => format!("Los puntajes de la lista de cotejo ({n_items} reactivos, {n_sub} subescalas) son la proporción de reactivos aplicables que se cumplen; los reactivos ordinales se reescalan a 0–1 y los reactivos inversos se invierten. Los reactivos marcados «no aplica» salen del denominador. Un puntaje se calcula solo si se respondió al menos el {min:.0}% de los reactivos aplicables; si no, queda como faltante y se registra el motivo."),
        (ScoringMethod::Mean, false) => format!("Checklist scores ({n_items} items, {n_sub} subscales) are the mean of the answered applicable items, with reverse-scored items reflected. A score is computed only when at least {min:.0}% of the applicable items were answered."),
        (ScoringMethod::Mean, true) => format!("Los puntajes de la lista de cotejo ({n_items} reactivos, {n_sub} subescalas) son el promedio de los reactivos aplicables con respuesta; los reactivos inversos se invierten. Un puntaje se calcula solo si se respondió al menos el {min:.0}% de los reactivos aplicables."),
    });
    if let (Some(c), Some(inst)) = (&s.class, &study.instrument) {
        let doms: Vec<String> = inst
            .domains
            .iter()
            .map(|d| {
                let dims: Vec<String> = inst
                    .dims_of(&d.code)
                    .iter()
                    .map(|x| if x.reversed { format!("(8 − {})", x.code) } else { x.code.clone() })
                    .collect();
                format!("{} = {}", d.code, dims.join(", "))
            })
            .collect();
        paras.push(if es {
            format!("CLASS {} se calificó en escala 1–7 en {} ciclos esperados por observación. Cada dimensión es el promedio de sus ciclos; cada dominio es el promedio de sus dimensiones, con Clima negativo invertido (8 − CN) solo dentro del dominio: {}.", inst.name, c.cycles, doms.join("; "))
        } else {
            format!("CLASS {} was scored 1–7 over {} expected cycles per observation. Each dimension is the mean of its cycles; each domain is the mean of its dimensions, with Negative Climate reversed (8 − NC) only inside the domain: {}.", inst.name, c.cycles, doms.join("; "))
        });
    }
    let a = &s.analysis;
    let b = a.bootstrap;
    let lvl = format!("{:.0}%", 100.0 * a.ci_level);
    if sections.0 {
        paras.push(if es {
            format!("Consistencia interna: α de Cronbach con IC de Feldt (1965) y bootstrap percentil ({b} remuestras de observaciones); α estandarizada; KR-20 cuando todos los reactivos son dicotómicos; ω total de un modelo unifactorial de máxima verosimilitud (McDonald, 1999) y α ordinal a partir de correlaciones policóricas (Zumbo et al., 2007). {}", super::i18n::consistency_methods(lang, a.alpha_missing))
        } else {
            format!("Internal consistency: Cronbach's α with a Feldt (1965) CI and a percentile bootstrap CI ({b} resamples of observations); standardized α; KR-20 when all items are binary; ω total from a one-factor maximum-likelihood model (McDonald, 1999) and ordinal α from polychoric correlations (Zumbo et al., 2007). {}", super::i18n::consistency_methods(lang, a.alpha_missing))
        });
        paras.push(if es {
            "Acuerdo entre observadores: cada observación de confiabilidad se empareja con la observación principal de la misma sala y fecha. Por reactivo se reporta el porcentaje de acuerdo, la κ de Cohen (EE de Fleiss, Cohen y Everitt, 1969) y el AC1 de Gwet (2008), que es el indicador principal porque κ es paradójicamente baja cuando un reactivo casi siempre se cumple. Las CCI de los puntajes siguen las fórmulas de Shrout y Fleiss (1979) y McGraw y Wong (1996), con los IC de R psych; la CCI por REML usa a los observadores reales como evaluadores aleatorios cruzados. En CLASS se reporta el acuerdo exacto y a un punto por dimensión y ciclo, con el criterio de 80%.".to_string()
        } else {
            "Inter-observer agreement: each reliability observation is paired with the primary observation of the same classroom and date. Per item we report percent agreement, Cohen's κ (Fleiss, Cohen & Everitt, 1969, SE) and Gwet's AC1 (2008), the headline because κ is paradoxically low when an item is almost always met. Score ICCs follow Shrout & Fleiss (1979) and McGraw & Wong (1996), with R psych's CIs; the REML ICC treats the actual observers as crossed random raters. For CLASS we report exact and within-one agreement per dimension and cycle against the 80% criterion.".to_string()
        });
    }
    if sections.1 {
        let covs = if a.covariates.is_empty() { String::new() } else { a.covariates.join(", ") };
        paras.push(if es {
            format!("Validez concurrente: r de Pearson con IC por z de Fisher y, a nivel sala, un bootstrap por conglomerados que remuestrea centros completos ({b} remuestras; intervalos percentil y BCa). La correlación desatenuada divide entre la raíz del producto de las CCI(A,1) entre observadores de ambos puntajes{}. Las correlaciones dependientes se comparan con la t de Williams, la Z de Meng, Rosenthal y Rubin (1992) y la Z de Steiger (1980). Todos los IC son al {lvl}.", if covs.is_empty() { String::new() } else { format!("; las correlaciones parciales controlan por {covs}") })
        } else {
            format!("Concurrent validity: Pearson r with Fisher-z CIs and, at classroom level, a cluster bootstrap resampling whole centers ({b} resamples; percentile and BCa intervals). The disattenuated correlation divides by the square root of the product of both scores' inter-observer ICC(A,1){}. Dependent correlations are compared with Williams' t, the Meng, Rosenthal & Rubin (1992) Z and Steiger's (1980) Z. All CIs are {lvl}.", if covs.is_empty() { String::new() } else { format!("; partial correlations control for {covs}") })
        });
        if !a.thresholds.is_empty() {
            let sc = &a.screening;
            paras.push(if es {
                format!("Detección: para cada umbral de calidad se calcula el AUC con IC de DeLong et al. (1988) y bootstrap por conglomerados; el punto de corte se elige por «{}»; sensibilidad, especificidad y valores predictivos llevan IC de Wilson. Criterio de tamizaje: límite inferior del IC del AUC ≥ {}, sensibilidad ≥ {} y especificidad ≥ {}. La dirección (puntajes bajos indican baja calidad) se fija de antemano y nunca se invierte.", a.cutoff_rule, sc.min_auc_lower, sc.min_sensitivity, sc.min_specificity)
            } else {
                format!("Screening: for each quality threshold the AUC has a DeLong et al. (1988) CI and a cluster bootstrap CI; the cut-off is chosen by '{}'; sensitivity, specificity and predictive values carry Wilson CIs. Benchmark: AUC CI lower bound ≥ {}, sensitivity ≥ {} and specificity ≥ {}. The direction (low scores mean low quality) is fixed in advance and never flipped.", a.cutoff_rule, sc.min_auc_lower, sc.min_sensitivity, sc.min_specificity)
            });
        }
        let sf = &a.short_form;
        paras.push(if es {
            format!("Reactivos: correlación punto-biserial de cada reactivo (promedio por sala) con cada dominio CLASS, con p ajustadas por Benjamini y Hochberg. La versión corta se busca por eliminación hacia atrás y solo se propone si α ≥ {}, la pérdida en r promedio ≤ {} y quedan al menos {} reactivos por subescala. El agrupamiento de salas en centros se describe con la CCI(1) por REML y el efecto de diseño.", sf.min_alpha, sf.max_r_loss, sf.min_items_per_subscale)
        } else {
            format!("Items: point-biserial correlation of each item (classroom mean) with each CLASS domain, with Benjamini–Hochberg adjusted p-values. The short form is searched by backward elimination and proposed only if α ≥ {}, the mean-r loss ≤ {} and at least {} items per subscale remain. Clustering of classrooms in centers is described by the REML ICC(1) and the design effect.", sf.min_alpha, sf.max_r_loss, sf.min_items_per_subscale)
        });
    }
    paras.push(if es {
        format!("Semilla aleatoria {}: el mismo conjunto de datos y la misma semilla producen exactamente los mismos resultados, con cualquier número de hilos. Las fórmulas y pruebas de cada estadístico están en docs/statistics.md.", a.seed)
    } else {
        format!("Random seed {}: the same data and seed give exactly the same results, whatever the number of threads. Formulas and the tests behind every statistic are in docs/statistics.md.", a.seed)
    });
    paras.push(if es {
        "Las salas se califican con sus observaciones principales (las copias de confiabilidad sirven solo para medir acuerdo entre observadores) y los centros con el promedio de sus salas. Los intervalos de confianza de las medias usan la distribución t.".to_string()
    } else {
        "Classrooms are scored from their primary observations (reliability copies are used only to measure inter-observer agreement) and centers as the mean of their classrooms. Confidence intervals for means use the t distribution.".to_string()
    });
    Section {
        id: "methods".into(),
        title: tr(lang, "methods").into(),
        blocks: paras.into_iter().map(Block::Para).collect(),
    }
}

fn provenance_section(lang: Lang, prov: &serde_json::Value) -> Section {
    let mut rows = vec![cells![tr(lang, "version").to_string(), prov["version"].as_str().unwrap_or("").to_string()]];
    rows.push(cells![
        tr(lang, "spec").to_string(),
        format!(
            "{} (sha256 {})",
            prov["spec"]["path"].as_str().unwrap_or(""),
            &prov["spec"]["sha256"].as_str().unwrap_or("")
                [..12.min(prov["spec"]["sha256"].as_str().unwrap_or("").len())]
        ),
    ]);
    if let Some(inputs) = prov["inputs"].as_array() {
        for i in inputs {
            let h = i["sha256"].as_str().unwrap_or("");
            rows.push(cells![
                format!("{} ({})", tr(lang, "file"), i["role"].as_str().unwrap_or("")),
                format!("{} (sha256 {})", i["path"].as_str().unwrap_or(""), &h[..12.min(h.len())]),
            ]);
        }
    }
    rows.push(cells![tr(lang, "seed").to_string(), prov["seed"].to_string()]);
    Section {
        id: "provenance".into(),
        title: tr(lang, "provenance").into(),
        blocks: vec![Block::Table(Table {
            id: "tab-provenance".into(),
            caption: tr(lang, "provenance").into(),
            headers: vec![tr(lang, "quantity").into(), tr(lang, "value").into()],
            rows,
            numeric: vec![false, false],
            note: None,
        })],
    }
}

/// Assemble the whole report. `extra` sections (reliability, validity, ...) go before Methods.
pub fn build(
    study: &Study,
    d: &StudyData,
    records: &[Record],
    prov: &serde_json::Value,
    lang: Lang,
    extra: Vec<Section>,
) -> Doc {
    let mut sections = vec![
        super::findings::section(study, d, records, lang),
        sample_section(lang, records),
        quality_section(lang, d),
        descriptive_section(study, lang, records),
    ];
    sections.extend(extra);
    let ran = (
        find(records, &Query::any().with("analysis", "internal_consistency")).is_some(),
        find(records, &Query::any().with("analysis", "mtmm")).is_some(),
    );
    let mut methods = methods_section(study, lang, ran);
    if let Some(p) = super::dependability::methods_paragraph(records, lang) {
        // Before the closing paragraphs on the seed and on levels.
        let at = methods.blocks.len().saturating_sub(2);
        methods.blocks.insert(at, Block::Para(p));
    }
    sections.push(methods);
    sections.push(provenance_section(lang, prov));
    let name = if study.spec.study.name.is_empty() { String::new() } else { study.spec.study.name.clone() };
    Doc { title: tr(lang, "title").into(), subtitle: name, lang, sections }
}
