//! The report's dependability section (generalizability theory): variance components and D
//! studies of CLASS (cycles × observers), the checklist (items × observers) and the center mean
//! (classrooms × visits), built from the records of [`crate::study::dependability`].

use super::build::score_label;
use super::cell::Cell;
use super::i18n::tr;
use super::{Block, Section, Table};
use crate::cells;
use crate::choices::Lang;
use crate::format::bounded;
use crate::results::{Query, Record};
use crate::study::dependability::{
    class_scores, GDesign, CENTER_TARGETS, CLASSROOMS, CYCLES, MAX_CLASSROOMS, MAX_CYCLES, OBSERVERS, PHI_TARGET,
    VISITS,
};
use crate::study::spec::Study;

/// The dependability records of one G study and score.
pub fn of<'a>(records: &'a [Record], g: GDesign, score: &str) -> Vec<&'a Record> {
    let q = Query::any().with_all(&[("analysis", "dependability"), ("gstudy", g.as_str()), ("score", score)]);
    q.all(records).collect()
}

/// A numeric context value.
pub fn ctx_f(r: &Record, key: &str) -> Option<f64> {
    r.context.get(key).and_then(|v| v.as_f64())
}

/// The record of `stat` whose numeric context keys equal `sizes` (D-study grid records only).
pub fn at<'a>(rs: &[&'a Record], stat: &str, sizes: &[(&str, f64)]) -> Option<&'a Record> {
    rs.iter()
        .find(|r| {
            r.statistic == stat
                && r.ctx_str("design") != Some("observed")
                && sizes.iter().all(|(k, v)| ctx_f(r, k).is_some_and(|x| (x - v).abs() < 1e-9))
        })
        .copied()
}

/// The estimate of [`at`].
pub fn at_value(rs: &[&Record], stat: &str, sizes: &[(&str, f64)]) -> Option<f64> {
    at(rs, stat, sizes).and_then(|r| r.estimate)
}

/// The expected number of CLASS cycles per observation (the spec's, within the D-study grid).
pub fn class_cycles(study: &Study) -> usize {
    let n = study.spec.class.as_ref().map(|c| c.cycles as usize).unwrap_or(4);
    n.clamp(CYCLES[0], CYCLES[CYCLES.len() - 1])
}

/// An effect's name in the report language (`classroom x cycle` → `Sala × ciclo`).
fn effect_label(name: &str, lang: Lang) -> String {
    let word = |w: &str| -> String {
        let (es, en) = match w {
            "classroom" => ("sala", "classroom"),
            "cycle" => ("ciclo", "cycle"),
            "observer" => ("observador", "observer"),
            "item" => ("reactivo", "item"),
            "center" => ("centro", "center"),
            "visit" => ("visita", "visit"),
            "observation" => ("observación", "observation"),
            "residual" => ("residual", "residual"),
            other => (other, other),
        };
        lang.pick(es, en).to_string()
    };
    let s: String = name
        .split(':')
        .map(|part| part.split(" x ").map(word).collect::<Vec<_>>().join(" × "))
        .collect::<Vec<_>>()
        .join(":");
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

pub fn section(study: &Study, records: &[Record], lang: Lang) -> Section {
    let mut blocks = vec![Block::Para(tr(lang, "dep_intro").into())];
    class_blocks(study, records, lang, &mut blocks);
    checklist_blocks(study, records, lang, &mut blocks);
    center_blocks(records, lang, &mut blocks);
    Section { id: "dependability".into(), title: tr(lang, "dependability").into(), blocks }
}

// ------------------------------------------------------------------------------------------------
// CLASS.

/// A CLASS score's D study at the spec's cycles with one observer.
pub struct ClassSummary {
    /// Cycles (the spec's, within the grid).
    pub cycles: usize,
    /// Φ with `cycles` cycles and one observer.
    pub phi: f64,
    /// Cycles for Φ ≥ [`PHI_TARGET`] with one observer (`None`: more than [`MAX_CYCLES`]).
    pub needed: Option<usize>,
}

pub fn class_summary(study: &Study, records: &[Record], score: &str) -> Option<ClassSummary> {
    let rs = of(records, GDesign::ClassCycles, score);
    let cycles = class_cycles(study);
    let phi = at_value(&rs, "phi_coefficient", &[("n_cycle", cycles as f64), ("n_observer", 1.0)])?;
    let need = rs.iter().find(|r| r.statistic == "cycles_needed" && ctx_f(r, "n_observer") == Some(1.0))?;
    Some(ClassSummary { cycles, phi, needed: need.estimate.map(|k| k as usize) })
}

impl ClassSummary {
    /// "5 cycles reach .80", "3 cycles already reach .80", "not even 12 cycles reach .80".
    pub fn reach(&self, lang: Lang) -> String {
        let t = bounded(PHI_TARGET, 2);
        match (self.needed, lang) {
            (Some(1), Lang::Es) => format!("basta 1 ciclo para llegar a {t}"),
            (Some(1), Lang::En) => format!("1 cycle already reaches {t}"),
            (Some(k), Lang::Es) if k <= self.cycles => format!("bastan {k} ciclos para llegar a {t}"),
            (Some(k), Lang::En) if k <= self.cycles => format!("{k} cycles already reach {t}"),
            (Some(k), Lang::Es) => format!("{k} ciclos alcanzan {t}"),
            (Some(k), Lang::En) => format!("{k} cycles reach {t}"),
            (None, Lang::Es) => format!("ni con {MAX_CYCLES} ciclos se llega a {t}"),
            (None, Lang::En) => format!("not even {MAX_CYCLES} cycles reach {t}"),
        }
    }
    /// "with 4 cycles and one observer, Φ = .78; 5 cycles reach .80".
    pub fn sentence(&self, lang: Lang) -> String {
        let (n, p) = (self.cycles, bounded(self.phi, 2));
        match lang {
            Lang::Es => format!("con {n} ciclos y un observador, Φ = {p}; {}", self.reach(lang)),
            Lang::En => format!("with {n} cycles and one observer, Φ = {p}; {}", self.reach(lang)),
        }
    }
}

fn class_blocks(study: &Study, records: &[Record], lang: Lang, blocks: &mut Vec<Block>) {
    let Some(inst) = &study.instrument else { return };
    let scores = class_scores(inst);
    let mut sentences = Vec::new();
    for d in &inst.domains {
        let s = format!("class_{}", d.code);
        if let Some(c) = class_summary(study, records, &s) {
            sentences.push(format!("{}: {}.", score_label(study, &s, lang), c.sentence(lang)));
        }
    }
    if !sentences.is_empty() {
        blocks.push(Block::Para(sentences.join(" ")));
    }
    class_g_table(study, records, lang, &scores, blocks);
    class_d_table(study, records, lang, &scores, blocks);
}

/// Variance components of CLASS: one row per score, the shares of every effect.
fn class_g_table(study: &Study, records: &[Record], lang: Lang, scores: &[String], blocks: &mut Vec<Block>) {
    let mut effects: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for s in scores {
        let comps: Vec<&Record> = of(records, GDesign::ClassCycles, s)
            .into_iter()
            .filter(|r| r.statistic == "variance_component" && r.estimate.is_some())
            .collect();
        if comps.is_empty() {
            continue;
        }
        if effects.is_empty() {
            effects = comps.iter().filter_map(|r| r.ctx_str("effect").map(String::from)).collect();
        }
        let n =
            of(records, GDesign::ClassCycles, s).iter().find(|r| r.statistic == "phi_coefficient").and_then(|r| r.n);
        let mut row = cells![score_label(study, s, lang), Cell::count(n, "")];
        let share = |e: &str| comps.iter().find(|r| r.ctx_str("effect") == Some(e)).and_then(|r| ctx_f(r, "share"));
        row.push(Cell::plain(
            comps.iter().find(|r| r.ctx_str("effect") == Some("classroom")).and_then(|r| r.estimate),
            3,
        ));
        row.extend(effects.iter().map(|e| Cell::pct(share(e))));
        rows.push(row);
    }
    if rows.is_empty() {
        return;
    }
    let mut headers =
        vec![tr(lang, "score").to_string(), tr(lang, "pairs").into(), tr(lang, "dep_var_classroom").into()];
    headers.extend(effects.iter().map(|e| format!("% {}", effect_label(e, lang))));
    let k = headers.len();
    blocks.push(Block::Table(Table {
        id: "tab-gstudy-class".into(),
        caption: tr(lang, "dep_class_g_caption").into(),
        headers,
        rows,
        numeric: (0..k).map(|j| j > 0).collect(),
        note: Some(tr(lang, "dep_class_g_note").into()),
    }));
}

/// Φ of CLASS scores by cycles and observers, and the cycles needed for Φ ≥ .80.
fn class_d_table(study: &Study, records: &[Record], lang: Lang, scores: &[String], blocks: &mut Vec<Block>) {
    let mut rows = Vec::new();
    for s in scores {
        let rs = of(records, GDesign::ClassCycles, s);
        for &n_o in &OBSERVERS {
            let phis: Vec<Option<f64>> = CYCLES
                .iter()
                .map(|&c| at_value(&rs, "phi_coefficient", &[("n_cycle", c as f64), ("n_observer", n_o as f64)]))
                .collect();
            if phis.iter().all(|p| p.is_none()) {
                continue;
            }
            let need = rs.iter().find(|r| r.statistic == "cycles_needed" && ctx_f(r, "n_observer") == Some(n_o as f64));
            let mut row = cells![score_label(study, s, lang), Cell::count(Some(n_o), "")];
            row.extend(phis.into_iter().map(|p| Cell::bounded(p, 2)));
            row.push(needed_cell(need.and_then(|r| r.estimate), MAX_CYCLES));
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return;
    }
    let mut headers = vec![tr(lang, "score").to_string(), tr(lang, "dep_observers").into()];
    headers.extend(CYCLES.iter().map(|&c| format!("Φ, {c} {}", tr(lang, &count_key(c, "dep_cycle")))));
    headers.push(format!("{} (Φ ≥ {})", tr(lang, "dep_cycles_needed"), bounded(PHI_TARGET, 2)));
    let k = headers.len();
    blocks.push(Block::Table(Table {
        id: "tab-dstudy-class".into(),
        caption: tr(lang, "dep_class_d_caption").into(),
        headers,
        rows,
        numeric: (0..k).map(|j| j > 0).collect(),
        note: Some(tr(lang, "dep_class_d_note").into()),
    }));
}

/// The i18n key of a unit word for a count: `<stem>_one` for 1, `<stem>s_short` otherwise.
pub fn count_key(n: usize, stem: &str) -> String {
    if n == 1 {
        format!("{stem}_one")
    } else {
        format!("{stem}s_short")
    }
}

/// A count needed, or the text `> max` when the target is not reached (a text cell in the
/// workbook too, so the information is not lost as an empty number).
fn needed_cell(v: Option<f64>, max: usize) -> Cell {
    match v {
        Some(k) => Cell::count(Some(k as usize), ""),
        None => Cell::from(format!("> {max}")),
    }
}

// ------------------------------------------------------------------------------------------------
// Checklist.

fn checklist_blocks(study: &Study, records: &[Record], lang: Lang, blocks: &mut Vec<Block>) {
    let items = of(records, GDesign::ChecklistItems, "checklist_total");
    let obs = of(records, GDesign::ChecklistObservers, "checklist_total");
    let k = study.spec.checklist.items.len();
    let kf = k as f64;
    let phi1 = at_value(&obs, "phi_coefficient", &[("n_item", kf), ("n_observer", 1.0)]);
    let g1 = at_value(&obs, "g_coefficient", &[("n_item", kf), ("n_observer", 1.0)]);
    let phi_i = at_value(&items, "phi_coefficient", &[("n_item", kf)]);
    if let (Some(p), Some(g)) = (phi1.or(phi_i), g1.or_else(|| at_value(&items, "g_coefficient", &[("n_item", kf)]))) {
        let (p, g) = (bounded(p, 2), bounded(g, 2));
        blocks.push(Block::Para(match lang {
            Lang::Es => {
                format!("Lista de cotejo: con sus {k} reactivos y un observador, Φ = {p} (Eρ² = {g}) para el total.")
            }
            Lang::En => format!("Checklist: with its {k} items and one observer, the total has Φ = {p} (Eρ² = {g})."),
        }));
    }
    checklist_g_table(lang, &items, &obs, blocks);
    checklist_d_table(lang, &items, &obs, blocks);
}

fn checklist_g_table(lang: Lang, items: &[&Record], obs: &[&Record], blocks: &mut Vec<Block>) {
    let mut rows = Vec::new();
    for (design, rs) in [("dep_design_items", items), ("dep_design_observers", obs)] {
        let n = rs.iter().find(|r| r.statistic == "phi_coefficient").and_then(|r| r.n);
        for r in rs.iter().filter(|r| r.statistic == "variance_component" && r.estimate.is_some()) {
            rows.push(cells![
                tr(lang, design),
                Cell::count(n, ""),
                effect_label(r.ctx_str("effect").unwrap_or(""), lang),
                Cell::plain(r.estimate, 4),
                Cell::pct(ctx_f(r, "share")),
            ]);
        }
    }
    if rows.is_empty() {
        return;
    }
    blocks.push(Block::Table(Table {
        id: "tab-gstudy-checklist".into(),
        caption: tr(lang, "dep_checklist_g_caption").into(),
        headers: vec![
            tr(lang, "dep_design").into(),
            "n".into(),
            tr(lang, "dep_effect").into(),
            "σ²".into(),
            tr(lang, "dep_share").into(),
        ],
        rows,
        numeric: vec![false, true, false, true, true],
        note: Some(tr(lang, "dep_checklist_g_note").into()),
    }));
}

fn checklist_d_table(lang: Lang, items: &[&Record], obs: &[&Record], blocks: &mut Vec<Block>) {
    let mut sizes: Vec<f64> = items
        .iter()
        .chain(obs)
        .filter(|r| r.ctx_str("design") == Some("d_study"))
        .filter_map(|r| ctx_f(r, "n_item"))
        .collect();
    sizes.sort_by(|a, b| a.total_cmp(b));
    sizes.dedup();
    let mut rows = Vec::new();
    for &n in &sizes {
        let mut row = cells![Cell::count(Some(n as usize), "")];
        for stat in ["g_coefficient", "phi_coefficient"] {
            row.push(Cell::bounded(at_value(items, stat, &[("n_item", n)]), 2));
        }
        for &n_o in &OBSERVERS {
            for stat in ["g_coefficient", "phi_coefficient"] {
                row.push(Cell::bounded(at_value(obs, stat, &[("n_item", n), ("n_observer", n_o as f64)]), 2));
            }
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return;
    }
    let one = tr(lang, "dep_one_observer");
    let two = tr(lang, "dep_two_observers");
    let prim = tr(lang, "dep_primary_short");
    blocks.push(Block::Table(Table {
        id: "tab-dstudy-checklist".into(),
        caption: tr(lang, "dep_checklist_d_caption").into(),
        headers: vec![
            tr(lang, "dep_items").into(),
            format!("Eρ² ({prim})"),
            format!("Φ ({prim})"),
            format!("Eρ², {one}"),
            format!("Φ, {one}"),
            format!("Eρ², {two}"),
            format!("Φ, {two}"),
        ],
        rows,
        numeric: vec![true; 7],
        note: Some(tr(lang, "dep_checklist_d_note").into()),
    }));
}

// ------------------------------------------------------------------------------------------------
// Center monitoring.

/// "Φ ≥ .80 needs 5 classrooms with one visit each (3 with two)" for the center mean.
pub fn center_phrase(records: &[Record], target: f64, lang: Lang) -> Option<String> {
    let rs = of(records, GDesign::CenterMonitoring, "checklist_total");
    let need = |n_v: usize| {
        rs.iter()
            .find(|r| {
                r.statistic == "classrooms_needed"
                    && ctx_f(r, "n_visit") == Some(n_v as f64)
                    && ctx_f(r, "target").is_some_and(|t| (t - target).abs() < 1e-9)
            })
            .copied()
    };
    let one = need(1)?;
    let t = bounded(target, 2);
    let main = match (one.estimate, lang) {
        (Some(k), Lang::Es) => format!("Φ ≥ {t} requiere {k:.0} salas por centro con una visita cada una"),
        (Some(k), Lang::En) => format!("Φ ≥ {t} needs {k:.0} classrooms per center with one visit each"),
        (None, Lang::Es) => format!("Φ ≥ {t} no se alcanza con {MAX_CLASSROOMS} salas de una visita"),
        (None, Lang::En) => format!("Φ ≥ {t} is not reached with {MAX_CLASSROOMS} classrooms of one visit"),
    };
    let two = need(2).and_then(|r| r.estimate).filter(|k| Some(*k) != one.estimate).map(|k| match lang {
        Lang::Es => format!(" ({k:.0} con dos visitas)"),
        Lang::En => format!(" ({k:.0} with two visits)"),
    });
    Some(main + &two.unwrap_or_default())
}

fn center_blocks(records: &[Record], lang: Lang, blocks: &mut Vec<Block>) {
    let rs = of(records, GDesign::CenterMonitoring, "checklist_total");
    if rs.is_empty() {
        return;
    }
    let ve = rs.first().and_then(|r| r.ctx_str("visit_variance")).unwrap_or("");
    let mut para = vec![tr(lang, "dep_center_intro").to_string()];
    para.push(tr(lang, &format!("dep_visits_{ve}")).to_string());
    let phrases: Vec<String> = CENTER_TARGETS.iter().filter_map(|&t| center_phrase(records, t, lang)).collect();
    if !phrases.is_empty() {
        para.push(format!("{}.", phrases.join("; ")));
    }
    blocks.push(Block::Para(para.join(" ")));
    let comps: Vec<&&Record> =
        rs.iter().filter(|r| r.statistic == "variance_component" && r.estimate.is_some()).collect();
    if !comps.is_empty() {
        blocks.push(Block::Table(Table {
            id: "tab-gstudy-center".into(),
            caption: tr(lang, "dep_center_g_caption").into(),
            headers: vec![tr(lang, "dep_effect").into(), "σ²".into(), tr(lang, "dep_share").into()],
            rows: comps
                .iter()
                .map(|r| {
                    cells![
                        effect_label(r.ctx_str("effect").unwrap_or(""), lang),
                        Cell::plain(r.estimate, 4),
                        Cell::pct(ctx_f(r, "share")),
                    ]
                })
                .collect(),
            numeric: vec![false, true, true],
            note: Some(tr(lang, "dep_center_g_note").into()),
        }));
    }
    center_d_tables(&rs, lang, blocks);
}

fn center_d_tables(rs: &[&Record], lang: Lang, blocks: &mut Vec<Block>) {
    let rows: Vec<_> = CLASSROOMS
        .iter()
        .map(|&n_r| {
            let mut row = cells![Cell::count(Some(n_r), "")];
            row.extend(VISITS.iter().map(|&n_v| {
                Cell::bounded(
                    at_value(rs, "phi_coefficient", &[("n_classroom", n_r as f64), ("n_visit", n_v as f64)]),
                    2,
                )
            }));
            row
        })
        .collect();
    let mut headers = vec![tr(lang, "dep_classrooms_per_center").to_string()];
    headers.extend(VISITS.iter().map(|&v| format!("Φ, {v} {}", tr(lang, &count_key(v, "dep_visit")))));
    blocks.push(Block::Table(Table {
        id: "tab-dstudy-center".into(),
        caption: tr(lang, "dep_center_d_caption").into(),
        headers,
        rows,
        numeric: vec![true; 1 + VISITS.len()],
        note: None,
    }));
    let rows: Vec<_> = CENTER_TARGETS
        .iter()
        .map(|&t| {
            let mut row = cells![format!("Φ ≥ {}", bounded(t, 2))];
            row.extend(VISITS.iter().map(|&n_v| {
                let r = rs.iter().find(|r| {
                    r.statistic == "classrooms_needed"
                        && ctx_f(r, "n_visit") == Some(n_v as f64)
                        && ctx_f(r, "target").is_some_and(|x| (x - t).abs() < 1e-9)
                });
                match r {
                    Some(r) if r.estimate.is_none() && ctx_f(r, "max_classrooms").is_none() => Cell::from("NA"),
                    Some(r) => needed_cell(r.estimate, MAX_CLASSROOMS),
                    None => Cell::from("NA"),
                }
            }));
            row
        })
        .collect();
    let mut headers = vec![tr(lang, "dep_target").to_string()];
    headers.extend(VISITS.iter().map(|&v| format!("{v} {}", tr(lang, &count_key(v, "dep_visit")))));
    blocks.push(Block::Table(Table {
        id: "tab-center-needed".into(),
        caption: tr(lang, "dep_center_needed_caption").into(),
        headers,
        rows,
        numeric: vec![false, true, true, true, true],
        note: Some(tr(lang, "dep_center_needed_note").into()),
    }));
}

// ------------------------------------------------------------------------------------------------
// Methods.

/// The methods paragraph on G and D studies (`None` when the section did not run).
pub fn methods_paragraph(records: &[Record], lang: Lang) -> Option<String> {
    crate::results::find(records, &Query::any().with("analysis", "dependability"))?;
    Some(match lang {
        Lang::Es => format!("Dependabilidad: teoría de la generalizabilidad (Brennan, 2001). Los componentes de varianza del modelo de efectos aleatorios se estiman por ANOVA (cuadrados medios esperados) cuando los datos están balanceados y por REML, como lme4, en otro caso. CLASS: sala × ciclo × observador en las observaciones con doble codificación, con los observadores reales, por dominio y por dimensión. Lista de cotejo: sala × reactivo en las observaciones principales y sala × reactivo × observador en las visitas con doble codificación, con los observadores anidados en las visitas (Φ es el mismo que con observadores cruzados). Estudios D (Brennan, cap. 4): δ suma σ²(α)/n′(α), con n′(α) el producto de los números de ciclos, reactivos u observadores de α, sobre los efectos con la sala, y Δ agrega los efectos sin ella; Eρ² = σ²(sala)/(σ²(sala) + δ) y Φ = σ²(sala)/(σ²(sala) + Δ); se reportan los ciclos (1–{}) y las salas por centro (1–{}) necesarios para Φ ≥ .80 (y .70). Promedio del centro: salas anidadas en centros, visitas en salas y observaciones en visitas, estimado con los niveles numerados dentro de cada centro y sumando los componentes confundidos: Φ = σ²(centro)/(σ²(centro) + σ²(sala:centro)/n′ₛ + σ²(visita:sala:centro)/(n′ₛ n′ᵥ)). Los ajustes ANOVA llevan IC bootstrap percentil sobre salas (hasta {} remuestras); los ajustes REML no llevan IC en este informe.", MAX_CYCLES, MAX_CLASSROOMS, crate::study::dependability::MAX_ANOVA_BOOTSTRAP),
        Lang::En => format!("Dependability: generalizability theory (Brennan, 2001). Variance components of the random-effects model are estimated by ANOVA (expected mean squares) when the data are balanced and by REML, as lme4, otherwise. CLASS: classroom × cycle × observer on the double-coded observations with the actual observers, per domain and per dimension. Checklist: classroom × item on the primary observations and classroom × item × observer on the double-coded visits, with observers nested in visits (Φ is that of crossed observers). D studies (Brennan, ch. 4): δ sums σ²(α)/n′(α), n′(α) the product of α's numbers of cycles, items or observers, over the effects involving the classroom, and Δ adds the effects that do not; Eρ² = σ²(classroom)/(σ²(classroom) + δ) and Φ = σ²(classroom)/(σ²(classroom) + Δ); we report the cycles (1–{}) and classrooms per center (1–{}) needed for Φ ≥ .80 (and .70). Center mean: classrooms nested in centers, visits in classrooms and observations in visits, estimated with levels numbered within each center and the confounded components added: Φ = σ²(center)/(σ²(center) + σ²(classroom:center)/n′_r + σ²(visit:classroom:center)/(n′_r n′_v)). ANOVA fits carry percentile bootstrap CIs over classrooms (up to {} resamples); REML fits carry no CI in this report.", MAX_CYCLES, MAX_CLASSROOMS, crate::study::dependability::MAX_ANOVA_BOOTSTRAP),
    })
}
