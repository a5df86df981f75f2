//! The report's "Structure and item functioning" section: CFA fit and loadings, the exploratory
//! check (parallel analysis), the IRT item table and DIF.

use super::cell::Cell;
use super::{Block, Section, Table};
use crate::cells;
use crate::choices::Lang;
use crate::format::{bounded, ci, num, p_value};
use crate::results::{find, Query, Record};
use crate::study::spec::Study;

const MODELS: [(&str, &str, &str); 2] = [
    ("checklist_subscales", "Lista de cotejo: subescalas", "Checklist: subscales"),
    ("class_domains", "CLASS: dominios", "CLASS: domains"),
];

fn get<'a>(records: &'a [Record], stat: &str, model: &'a str) -> Option<&'a Record> {
    find(records, &Query::stat(stat).with_all(&[("analysis", "cfa"), ("model", model)]))
}

pub fn section(study: &Study, records: &[Record], lang: Lang) -> Section {
    let mut blocks = vec![Block::Para(
        lang.pick(
            "¿Se sostiene la estructura prevista? Un análisis factorial confirmatorio (AFC) pone a prueba las subescalas de la lista de cotejo (WLSMV, reactivos ordinales) y los dominios de CLASS (máxima verosimilitud, puntajes de dimensión por sala); un análisis factorial exploratorio con análisis paralelo es la comprobación sin supuestos. La teoría de respuesta al ítem (TRI) muestra dónde discrimina cada reactivo, y el funcionamiento diferencial (DIF) si un reactivo funciona igual entre grupos.",
            "Does the intended structure hold? A confirmatory factor analysis (CFA) tests the checklist's subscales (WLSMV, ordinal items) and the CLASS domains (maximum likelihood, classroom dimension scores); an exploratory factor analysis with parallel analysis is the assumption-free check. Item response theory (IRT) shows where each item discriminates, and differential item functioning (DIF) whether an item works the same across groups.",
        )
        .to_string(),
    )];
    blocks.push(Block::Table(fit_table(records, lang)));
    if let Some(t) = loading_table(records, lang) {
        blocks.push(Block::Table(t));
    }
    blocks.push(Block::Para(efa_sentence(records, lang)));
    if let Some(t) = irt_table(records, lang) {
        blocks.push(Block::Table(t));
    }
    blocks.extend(dif_blocks(study, records, lang));
    Section {
        id: "structure".into(),
        title: lang.pick("Estructura y funcionamiento de los reactivos", "Structure and item functioning").into(),
        blocks,
    }
}

/// CFA fit of each model: the scaled statistics for WLSMV, the ML ones otherwise.
fn fit_table(records: &[Record], lang: Lang) -> Table {
    let rows = MODELS
        .iter()
        .map(|(m, es, en)| {
            let scaled = get(records, "chisq_scaled", m).is_some();
            let s = |base: &str| if scaled { format!("{base}_scaled") } else { base.to_string() };
            let chi = get(records, &s("chisq"), m);
            let est = |k: &str| get(records, &s(k), m).and_then(|r| r.estimate);
            let rmsea = get(records, "rmsea", m);
            let rmsea_cell = match (est("rmsea"), scaled) {
                (Some(v), false) => Cell::est_text(
                    format!(
                        "{} {}",
                        bounded(v, 3),
                        ci(rmsea.and_then(|r| r.ci_low), rmsea.and_then(|r| r.ci_high), 3, true)
                    ),
                    Some(v),
                    rmsea.and_then(|r| r.ci_low),
                    rmsea.and_then(|r| r.ci_high),
                    crate::io::export::NumFormat::Dec3,
                ),
                (v, _) => Cell::bounded(v, 3),
            };
            let na = chi.and_then(|r| r.na_reason.clone());
            let mut row = cells![
                lang.pick(*es, *en),
                chi.and_then(|r| r.ctx_str("estimator")).unwrap_or(if *m == "class_domains" { "ML" } else { "WLSMV" }),
                Cell::count(chi.and_then(|r| r.n), "NA"),
                Cell::plain(chi.and_then(|r| r.estimate), 2),
                Cell::plain(get(records, "df", m).and_then(|r| r.estimate), 0),
                chi.and_then(|r| r.p_value).map(p_value).unwrap_or_else(|| "NA".into()),
                Cell::bounded(est("cfi"), 3),
                Cell::bounded(est("tli"), 3),
                rmsea_cell,
                Cell::bounded(get(records, "srmr", m).and_then(|r| r.estimate), 3),
            ];
            if let Some(why) = na {
                row[0] = format!("{} (NA: {why})", lang.pick(*es, *en)).into();
            }
            row
        })
        .collect();
    Table {
        id: "tab-cfa-fit".into(),
        caption: lang.pick("Ajuste del análisis factorial confirmatorio", "Confirmatory factor analysis fit").into(),
        headers: ["Model", "Estimator", "n", "χ²", "df", "p", "CFI", "TLI", "RMSEA", "SRMR"]
            .iter()
            .map(|h| match (*h, lang) {
                ("Model", Lang::Es) => "Modelo".to_string(),
                ("Estimator", Lang::Es) => "Estimador".to_string(),
                ("df", Lang::Es) => "gl".to_string(),
                (h, _) => h.to_string(),
            })
            .collect(),
        rows,
        numeric: vec![false, false, true, true, true, true, true, true, true, true],
        note: Some(lang.pick(
            "WLSMV: χ², CFI, TLI y RMSEA escalados y desplazados (media y varianza ajustadas, como lavaan). ML: RMSEA con IC 90%. Convenciones habituales (Hu y Bentler, 1999), no veredictos: CFI y TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08.",
            "WLSMV: scaled-and-shifted χ², CFI, TLI and RMSEA (mean- and variance-adjusted, as lavaan). ML: RMSEA with a 90% CI. Usual conventions (Hu & Bentler, 1999), not verdicts: CFI and TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08.",
        ).into()),
    }
}

/// Standardised loadings of both models.
fn loading_table(records: &[Record], lang: Lang) -> Option<Table> {
    let mut rows = Vec::new();
    for (m, es, en) in MODELS {
        for r in Query::stat("std_loading").with_all(&[("analysis", "cfa"), ("model", m)]).all(records) {
            let Some(v) = r.estimate else { continue };
            rows.push(cells![
                lang.pick(es, en),
                r.ctx_str("factor").unwrap_or(""),
                r.ctx_str("item").unwrap_or(""),
                Cell::bounded_ci(Some(v), r.ci_low, r.ci_high, 2),
            ]);
        }
    }
    (!rows.is_empty()).then(|| Table {
        id: "tab-cfa-loadings".into(),
        caption: lang.pick("Cargas factoriales estandarizadas (AFC)", "Standardised factor loadings (CFA)").into(),
        headers: vec![
            lang.pick("Modelo", "Model").into(),
            lang.pick("Factor", "Factor").into(),
            lang.pick("Indicador", "Indicator").into(),
            "λ".into(),
        ],
        rows,
        numeric: vec![false, false, false, true],
        note: Some(
            lang.pick(
                "Solución completamente estandarizada (std.all) con IC de Wald por el método delta.",
                "Fully standardised solution (std.all) with Wald CIs by the delta method.",
            )
            .into(),
        ),
    })
}

/// Parallel analysis against the spec's subscales.
fn efa_sentence(records: &[Record], lang: Lang) -> String {
    let q = find(records, &Query::stat("subscales_vs_parallel").with_all(&[("analysis", "efa")]));
    let k = q.and_then(|r| r.context.get("parallel_analysis_factors").and_then(|v| v.as_f64()));
    let m = q.and_then(|r| r.context.get("subscales").and_then(|v| v.as_f64()));
    match (k, m) {
        (Some(k), Some(m)) if (k - m).abs() < 0.5 => lang
            .pick(
                &format!("Análisis paralelo (correlaciones de Pearson): retiene {k} factor(es), tantos como subescalas tiene la lista de cotejo."),
                &format!("Parallel analysis (Pearson correlations): it retains {k} factor(s), as many as the checklist's subscales."),
            )
            .to_string(),
        (Some(k), Some(m)) => lang
            .pick(
                &format!("Análisis paralelo (correlaciones de Pearson): retiene {k} factor(es), mientras que la lista de cotejo define {m} subescalas. Conviene revisar si las subescalas se distinguen en los datos (cargas y correlaciones entre factores del AFC)."),
                &format!("Parallel analysis (Pearson correlations): it retains {k} factor(s), while the checklist defines {m} subscales. Check whether the subscales are distinct in the data (the CFA loadings and factor correlations)."),
            )
            .to_string(),
        _ => format!(
            "{}: {}",
            lang.pick("Análisis paralelo no disponible", "Parallel analysis not available"),
            q.and_then(|r| r.na_reason.clone()).unwrap_or_default()
        ),
    }
}

/// 2PL item parameters and fit.
fn irt_table(records: &[Record], lang: Lang) -> Option<Table> {
    let kv = [("analysis", "irt")];
    let rows: Vec<_> = Query::stat("discrimination")
        .with_all(&kv)
        .all(records)
        .filter(|r| r.estimate.is_some())
        .map(|a| {
            let item = a.ctx_str("item").unwrap_or("");
            let it = [("analysis", "irt"), ("item", item)];
            let b = find(records, &Query::stat("difficulty").with_all(&it));
            let pm = |v: Option<f64>, se: Option<f64>| match (v, se) {
                (Some(v), Some(se)) => Cell::est_text(
                    format!("{} ({})", num(v, 2), num(se, 2)),
                    Some(v),
                    None,
                    None,
                    crate::io::export::NumFormat::Dec2,
                ),
                (v, _) => Cell::plain(v, 2),
            };
            let g = |s: &str| find(records, &Query::stat(s).with_all(&it)).and_then(|r| r.estimate);
            cells![
                item,
                pm(a.estimate, a.se),
                pm(b.and_then(|r| r.estimate), b.and_then(|r| r.se)),
                Cell::plain(g("infit"), 2),
                Cell::plain(g("outfit"), 2)
            ]
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let rel = find(records, &Query::stat("marginal_reliability").with_all(&kv)).and_then(|r| r.estimate);
    let rel = rel.map(|v| bounded(v, 2)).unwrap_or_else(|| "NA".into());
    Some(Table {
        id: "tab-irt".into(),
        caption: lang.pick("TRI de dos parámetros de los reactivos sí/no", "Two-parameter IRT of the yes/no items").into(),
        headers: vec![
            lang.pick("Reactivo", "Item").into(),
            lang.pick("Discriminación a (EE)", "Discrimination a (SE)").into(),
            lang.pick("Dificultad b (EE)", "Difficulty b (SE)").into(),
            "Infit".into(),
            "Outfit".into(),
        ],
        rows,
        numeric: vec![false, true, true, true, true],
        note: Some(lang.pick(
            &format!("Máxima verosimilitud marginal con rasgo latente N(0, 1) (21 puntos de cuadratura). b es el nivel de calidad en el que el reactivo se cumple con probabilidad .50; a, cuánto separa salas alrededor de ese nivel. Infit/outfit: cuadrados medios con θ EAP (rango productivo .5–1.5). Confiabilidad marginal: {rel}."),
            &format!("Marginal maximum likelihood with an N(0, 1) latent trait (21 quadrature points). b is the quality level at which the item is met with probability .50; a, how sharply it separates classrooms around that level. Infit/outfit: mean squares with EAP θ (productive range .5–1.5). Marginal reliability: {rel}."),
        ).to_string()),
    })
}

/// DIF: the items with ETS class B or C, or a sentence when there are none.
fn dif_blocks(_study: &Study, records: &[Record], lang: Lang) -> Vec<Block> {
    let all: Vec<&Record> = Query::stat("mh_d_dif").with_all(&[("analysis", "dif")]).all(records).collect();
    if all.is_empty() {
        return vec![Block::Para(
            lang.pick(
                "DIF: no hay grupos para compararlo (grupo de edad o analysis.dif_groups).",
                "DIF: no groups to compare (age group or analysis.dif_groups).",
            )
            .into(),
        )];
    }
    let mut groupings: Vec<String> = all
        .iter()
        .filter_map(|r| {
            Some(format!("{} ({} / {})", r.ctx_str("grouping")?, r.ctx_str("focal")?, r.ctx_str("reference")?))
        })
        .collect();
    groupings.dedup();
    let flagged: Vec<&&Record> =
        all.iter().filter(|r| matches!(r.ctx_str("ets_class"), Some("B") | Some("C"))).collect();
    let intro = lang
        .pick(
            "DIF de Mantel–Haenszel (emparejado por el puntaje total, con purificación) y por regresión logística, en: {g}. Reactivos con DIF moderado o grande (clase ETS B o C): {n}.",
            "Mantel–Haenszel DIF (matched on the total score, with purification) and logistic-regression DIF, in: {g}. Items with moderate or large DIF (ETS class B or C): {n}.",
        )
        .replace("{g}", &groupings.join("; "))
        .replace("{n}", &flagged.len().to_string());
    let mut out = vec![Block::Para(intro)];
    if !flagged.is_empty() {
        let rows = flagged
            .iter()
            .map(|r| {
                cells![
                    r.ctx_str("grouping").unwrap_or(""),
                    format!("{} / {}", r.ctx_str("focal").unwrap_or(""), r.ctx_str("reference").unwrap_or("")),
                    r.ctx_str("item").unwrap_or(""),
                    Cell::plain(r.estimate, 2),
                    Cell::plain(r.se, 2),
                    r.context.get("p_adjusted").and_then(|v| v.as_f64()).map(p_value).unwrap_or_else(|| "NA".into()),
                    r.ctx_str("ets_class").unwrap_or(""),
                ]
            })
            .collect();
        out.push(Block::Table(Table {
            id: "tab-dif".into(),
            caption: lang.pick("Reactivos con DIF moderado o grande", "Items with moderate or large DIF").into(),
            headers: vec![
                lang.pick("Agrupación", "Grouping").into(),
                lang.pick("Focal / referencia", "Focal / reference").into(),
                lang.pick("Reactivo", "Item").into(),
                "MH Δ".into(),
                lang.pick("EE", "SE").into(),
                lang.pick("p ajustada", "adjusted p").into(),
                "ETS".into(),
            ],
            rows,
            numeric: vec![false, false, false, true, true, true, false],
            note: Some(lang.pick("MH Δ = −2.35 ln α_MH (negativo: el reactivo favorece al grupo de referencia). Clases ETS: A insignificante, B moderado, C grande. p ajustada por Benjamini–Hochberg entre reactivos.", "MH Δ = −2.35 ln α_MH (negative: the item favours the reference group). ETS classes: A negligible, B moderate, C large. p adjusted by Benjamini–Hochberg across items.").into()),
        }));
    }
    out
}
