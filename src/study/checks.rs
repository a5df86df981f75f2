//! High-frequency field checks (`checkval check`): the daily routine of the survey firm, in the
//! spirit of IPA's `ipacheck` and `bcstats`, with the double-coded observation as back-check and
//! the observer as enumerator. Every finding is one [`IssueRow`] with file, row, IDs, column,
//! value, check id, severity and a message in Spanish and English. A row about one observation
//! (of the checklist, the CLASS file or a roster center) names it: key, center, classroom,
//! observer, date and, for a CLASS cycle, the cycle, as far as the file has them.

use super::idmatch::IdRef;
use super::ingest::IdHash;
use super::ingest::{ChecklistData, ClassData, ObsMeta, Role, Roster, MISSING_CODE, NA_CODE};
use super::instrument::Instrument;
use super::pipeline::Observations;
use super::quality::Severity;
use super::reliability::pair_observations;
use super::spec::Study;
use crate::io::values::parse_datetime;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IssueRow {
    pub family: &'static str,
    pub check_id: &'static str,
    pub severity: Severity,
    pub file: String,
    pub row: Option<u64>,
    pub key: String,
    pub center: String,
    pub classroom: String,
    pub observer: String,
    /// ISO date of the visit.
    pub date: String,
    /// CLASS cycle, for a problem in one cycle's row.
    pub cycle: Option<u32>,
    pub column: String,
    pub value: String,
    pub message_en: String,
    pub message_es: String,
}

pub const FAMILIES: [&str; 6] = ["ids", "values", "class", "timing", "observers", "backcheck"];

fn row(family: &'static str, check_id: &'static str, severity: Severity, file: &str, m: Option<&ObsMeta>) -> IssueRow {
    IssueRow {
        family,
        check_id,
        severity,
        file: file.to_string(),
        row: m.map(|m| m.line),
        key: m.map(|m| m.key.clone()).unwrap_or_default(),
        center: m.map(|m| m.center.to_string()).unwrap_or_default(),
        classroom: m.map(|m| m.classroom.to_string()).unwrap_or_default(),
        observer: m.map(|m| m.observer.to_string()).unwrap_or_default(),
        date: m.and_then(|m| m.date.as_deref()).unwrap_or_default().to_string(),
        cycle: None,
        column: String::new(),
        value: String::new(),
        message_en: String::new(),
        message_es: String::new(),
    }
}

impl IssueRow {
    fn msg(mut self, en: impl Into<String>, es: impl Into<String>) -> Self {
        self.message_en = en.into();
        self.message_es = es.into();
        self
    }
    fn col(mut self, c: impl Into<String>, v: impl Into<String>) -> Self {
        self.column = c.into();
        self.value = v.into();
        self
    }
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    // The middle values by selection (linear), as a full sort would place them.
    let n = v.len();
    let (below, &mut mid, _) = v.select_nth_unstable_by(n / 2, |a, b| a.total_cmp(b));
    Some(if n % 2 == 1 {
        mid
    } else {
        let lower = below.iter().copied().max_by(|a, b| a.total_cmp(b)).expect("n ≥ 2");
        (lower + mid) / 2.0
    })
}

/// Run every check. `since` keeps observations dated on or after it (ISO date).
///
/// The checks are independent (each reads the ingested data and writes its own rows): they run in
/// parallel, and their rows are concatenated in the fixed order below, so the output is the same
/// at any thread count. With `CHECKVAL_TIMING` set, each check's time goes to standard error.
pub fn run_checks(study: &Study, d: &Observations, since: Option<&str>) -> Vec<IssueRow> {
    use rayon::prelude::*;
    let cx = Ctx { study, d, cl: &d.checklist, cf: d.checklist.file.as_str(), since };
    let checks = check_list(&cx);
    let timing = std::env::var_os("CHECKVAL_TIMING").is_some();
    let parts: Vec<Vec<IssueRow>> = checks
        .par_iter()
        .map(|(name, check)| {
            let t0 = std::time::Instant::now();
            let mut rows = Vec::new();
            check(&mut rows);
            if timing {
                eprintln!("timing: check {name}: {:.2} s, {} rows", t0.elapsed().as_secs_f64(), rows.len());
            }
            rows
        })
        .collect();
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    parts.into_iter().for_each(|p| out.extend(p));
    out
}

/// One check of [`run_checks`]: its name (for timing) and the function that writes its rows.
type Check<'c> = (&'static str, Box<dyn Fn(&mut Vec<IssueRow>) + Send + Sync + 'c>);

/// Every check, in the order of their rows in the output.
fn check_list<'c>(cx: &'c Ctx<'c>) -> Vec<Check<'c>> {
    let (study, d) = (cx.study, cx.d);
    let mut v: Vec<Check<'c>> = Vec::new();
    // ---- values: invalid cells excluded at ingest
    v.push(("excluded_values", Box::new(move |o| excluded_values(cx, o))));
    // ---- ids
    if let Some(roster) = &d.roster {
        v.push(("roster", Box::new(move |o| roster_checks(cx, roster, o))));
    }
    v.push(("duplicates", Box::new(move |o| duplicate_checks(cx, o))));
    if let Some(c) = &d.class {
        v.push(("instrument_links", Box::new(move |o| instrument_link_checks(cx, c, o))));
    }
    // ---- values
    v.push(("straight_lining", Box::new(move |o| straight_lining(cx, o))));
    v.push(("outlying_scores", Box::new(move |o| outlying_scores(cx, o))));
    v.push(("missing_rates", Box::new(move |o| missing_rates(cx, o))));
    // ---- CLASS cycles
    if let (Some(c), Some(_)) = (&d.class, &study.instrument) {
        v.push(("class_cycles", Box::new(move |o| class_cycle_checks(cx, c, o))));
    }
    // ---- timing (the observer-day checks need the visits' days)
    v.push((
        "timing",
        Box::new(move |o| {
            let per_day = visit_timing_checks(cx, o);
            observer_day_checks(cx, &per_day, o);
        }),
    ));
    // ---- observers: severity
    v.push(("observer_severity", Box::new(move |o| observer_severity_checks(cx, o))));
    // ---- observers: drift over the fieldwork weeks (OLS slope of the observer's totals on
    // weeks since the first visit; flagged when p < .01 and the fitted change over the
    // observer's fieldwork exceeds half the SD of all totals).
    v.push(("observer_drift", Box::new(move |o| drift_checks(d, &|m: &ObsMeta| cx.keep(m), o))));
    // ---- back-checks: double-coded pairs
    v.push(("pairs", Box::new(move |o| pair_checks(cx, o))));
    v.push(("double_coded_share", Box::new(move |o| double_coded_share(cx, o))));
    if let (Some(c), Some(inst)) = (&d.class, &study.instrument) {
        v.push(("class_within_one", Box::new(move |o| class_within_one(cx, c, inst, o))));
    }
    v
}

/// The entries of a per-observer (or per-ID) map in key order. Hash maps count a million rows
/// faster than ordered maps (one string comparison per level of the tree and row); the few
/// thousand keys are sorted once, so the issue rows come out in the same order.
fn sorted_by_key<K: Ord, V>(m: HashMap<K, V, IdHash>) -> Vec<(K, V)> {
    let mut v: Vec<(K, V)> = m.into_iter().collect();
    v.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    v
}

/// What every check reads: the spec, the ingested data and the `since` filter.
struct Ctx<'a> {
    study: &'a Study,
    d: &'a Observations,
    cl: &'a ChecklistData,
    /// The checklist file, as named in the issue rows.
    cf: &'a str,
    since: Option<&'a str>,
}

impl Ctx<'_> {
    /// Observations dated on or after `since` (all of them without it).
    fn keep(&self, m: &ObsMeta) -> bool {
        self.since.is_none_or(|s| m.date.as_deref().is_none_or(|dt| dt >= s))
    }
}

/// Invalid cells excluded at ingest (`--keep-going`).
fn excluded_values(cx: &Ctx, out: &mut Vec<IssueRow>) {
    for v in &cx.d.issues.excluded {
        let file = std::path::Path::new(&v.file)
            .file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_else(|| v.file.clone());
        let mut r = row("values", "invalid_value", Severity::Error, &file, None).col(v.column.clone(), v.value.clone());
        r.row = Some(v.line);
        let ids = v.ids.clone();
        (r.key, r.center, r.classroom, r.observer, r.date, r.cycle) =
            (ids.key, ids.center, ids.classroom, ids.observer, ids.date, ids.cycle);
        out.push(r.msg(
            format!("value outside the allowed set; expected {}", v.expected),
            format!("valor fuera de los permitidos; se esperaba {}", v.expected),
        ));
    }
}

/// Centers missing from the roster (checklist and CLASS observations, with the closest roster
/// ID), roster centers without data, and progress by the first roster attribute.
fn roster_checks(cx: &Ctx, roster: &Roster, out: &mut Vec<IssueRow>) {
    let (study, cl, cf) = (cx.study, cx.cl, cx.cf);
    let class = cx.d.class.as_ref();
    let class_col = study.spec.class.as_ref().map(|c| c.columns.center.clone()).unwrap_or_default();
    let files = std::iter::once((cf, &study.spec.checklist.columns.center, cl.meta.as_slice()))
        .chain(class.map(|c| (c.file.as_str(), &class_col, c.obs.as_slice())));
    for (file, col, metas) in files {
        for m in metas.iter().filter(|m| cx.keep(m) && !roster.centers.contains_key(&*m.center)) {
            let (hint_en, hint_es) =
                cx.d.id_matches.centers.get(&*m.center).map(|c| c.message(IdRef::RosterCenter)).unwrap_or_default();
            out.push(
                row("ids", "center_not_in_roster", Severity::Error, file, Some(m))
                    .col(col.clone(), m.center.to_string())
                    .msg(
                        format!("center not in the roster{hint_en}"),
                        format!("el centro no está en el marco muestral{hint_es}"),
                    ),
            );
        }
    }
    let seen: HashSet<&str, IdHash> = cl.meta.iter().map(|m| &*m.center).collect();
    let mut by_attr: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (c, attrs) in &roster.centers {
        let group = attrs.first().cloned().unwrap_or_default();
        let e = by_attr.entry(group).or_default();
        e.0 += 1;
        if seen.contains(c.as_str()) {
            e.1 += 1;
        } else {
            let mut r = row("ids", "roster_center_without_data", Severity::Info, &roster.file, None);
            r.center = c.clone();
            r.row = roster.lines.get(c).copied();
            out.push(r.msg(
                "roster center with no checklist data yet",
                "centro del marco muestral sin datos de lista de cotejo",
            ));
        }
    }
    for (g, (n, done)) in by_attr {
        let mut r = row("ids", "progress", Severity::Info, &roster.file, None)
            .col(roster.attributes.first().cloned().unwrap_or_default(), g.clone());
        r.value = g.clone();
        out.push(r.msg(
            format!("{done} of {n} centers visited ({:.0}%)", 100.0 * done as f64 / n as f64),
            format!("{done} de {n} centros visitados ({:.0}%)", 100.0 * done as f64 / n as f64),
        ));
    }
}

/// Repeated submission keys and repeated visits (same classroom, observer and date).
fn duplicate_checks(cx: &Ctx, out: &mut Vec<IssueRow>) {
    let (study, cl, cf) = (cx.study, cx.cl, cx.cf);
    // Hash maps for the per-row lookups (a national export has a million rows).
    // Sized up front: growing rehashes every key, and reading a million keys scattered on the
    // heap again is most of the cost.
    let has_key = study.spec.checklist.columns.key.is_some();
    let n = cl.meta.len();
    let mut keys: HashMap<&str, usize, IdHash> =
        HashMap::with_capacity_and_hasher(if has_key { n } else { 0 }, IdHash::default());
    let mut visits: HashMap<(&str, &str, &str, Option<&str>), usize, IdHash> =
        HashMap::with_capacity_and_hasher(n, IdHash::default());
    for (i, m) in cl.meta.iter().enumerate().filter(|(_, m)| cx.keep(m)) {
        if has_key {
            if let Some(&first) = keys.get(m.key.as_str()) {
                let same = cl.row(first) == cl.row(i);
                out.push(
                    row("ids", if same { "duplicate_exact" } else { "duplicate_key" }, Severity::Error, cf, Some(m))
                        .col(study.spec.checklist.columns.key.clone().unwrap_or_default(), m.key.clone())
                        .msg(
                            format!(
                                "submission key already on line {}{}",
                                cl.meta[first].line,
                                if same { " (identical answers)" } else { "" }
                            ),
                            format!(
                                "clave de envío repetida (línea {}{})",
                                cl.meta[first].line,
                                if same { ", respuestas idénticas" } else { "" }
                            ),
                        ),
                );
            } else {
                keys.insert(&m.key, i);
            }
        }
        let k = (&*m.center, &*m.classroom, &*m.observer, m.date.as_deref());
        if let Some(&first) = visits.get(&k) {
            if cl.meta[first].key != m.key {
                out.push(row("ids", "duplicate_visit", Severity::Warning, cf, Some(m)).msg(
                    format!("same classroom, observer and date as line {}", cl.meta[first].line),
                    format!("misma sala, observador y fecha que la línea {}", cl.meta[first].line),
                ));
            }
        } else {
            visits.insert(k, i);
        }
    }
}

/// Classrooms observed with one instrument only.
fn instrument_link_checks(cx: &Ctx, c: &ClassData, out: &mut Vec<IssueRow>) {
    let (cl, cf) = (cx.cl, cx.cf);
    let cs_rooms: BTreeSet<(&str, &str)> = c.obs.iter().map(|m| (&*m.center, &*m.classroom)).collect();
    let cl_rooms: BTreeSet<(&str, &str)> = cl.meta.iter().map(|m| (&*m.center, &*m.classroom)).collect();
    // Near-matches of classroom IDs between the two files (see `idmatch`).
    let near = &cx.d.id_matches.classrooms;
    let near_rev = cx.d.id_matches.class_rooms_for_checklist();
    for m in cl.meta.iter().filter(|m| m.role == Role::Primary && cx.keep(m)) {
        if !cs_rooms.contains(&(&*m.center, &*m.classroom)) {
            let (en, es) = match near_rev.get(&(&*m.center, &*m.classroom)) {
                Some((r, how)) => (
                    format!("; the CLASS file has classroom '{r}' in this center ({})", how.describe_en()),
                    format!("; el archivo CLASS tiene la sala '{r}' en este centro ({})", how.describe_es()),
                ),
                None => Default::default(),
            };
            out.push(row("ids", "checklist_without_class", Severity::Warning, cf, Some(m)).msg(
                format!("no CLASS observation for this classroom{en}"),
                format!("no hay observación CLASS de esta sala{es}"),
            ));
        }
    }
    for m in c.obs.iter().filter(|m| m.role == Role::Primary && cx.keep(m)) {
        if !cl_rooms.contains(&(&*m.center, &*m.classroom)) {
            let (en, es) = near
                .get(&(m.center.to_string(), m.classroom.to_string()))
                .map(|n| n.message(IdRef::ChecklistClassroom))
                .unwrap_or_default();
            out.push(row("ids", "class_without_checklist", Severity::Warning, &c.file, Some(m)).msg(
                format!("no checklist observation for this classroom{en}"),
                format!("no hay lista de cotejo de esta sala{es}"),
            ));
        }
    }
}

/// Straight-lining. Identical answers are only suspicious where they cannot all be honest:
/// three or more ordinal items, or a section with a reverse-worded item.
fn straight_lining(cx: &Ctx, out: &mut Vec<IssueRow>) {
    let (study, cl) = (cx.study, cx.cl);
    let items = &study.spec.checklist.items;
    let sections: Vec<(&String, Vec<usize>)> = study
        .subscales
        .iter()
        .map(|sub| (sub, (0..items.len()).filter(|&j| items[j].subscale == *sub).collect()))
        .collect();
    // Per row and independent: parallel over rows, merged in file order (same output for
    // any thread count).
    use rayon::prelude::*;
    let straight: Vec<Vec<IssueRow>> = cl
        .meta
        .par_iter()
        .enumerate()
        .filter(|(_, m)| cx.keep(m))
        .map(|(i, m)| straight_lined_sections(cx, &sections, i, m))
        .collect();
    out.extend(straight.into_iter().flatten());
}

/// The subscales of row `i` answered identically throughout (see [`straight_lining`]).
fn straight_lined_sections(cx: &Ctx, sections: &[(&String, Vec<usize>)], i: usize, m: &ObsMeta) -> Vec<IssueRow> {
    let items = &cx.study.spec.checklist.items;
    let r = cx.cl.row(i);
    let mut found = Vec::new();
    for (sub, js) in sections {
        let (mut n, mut n_ord, mut first, mut all_same, mut ord_first, mut ord_same, mut has_rev) =
            (0usize, 0usize, None, true, None, true, false);
        for &j in js {
            let c = r[j];
            if c == NA_CODE || c == MISSING_CODE {
                continue;
            }
            n += 1;
            all_same &= *first.get_or_insert(c) == c;
            has_rev |= items[j].reverse;
            if items[j].kind == super::spec::ItemType::Ordinal {
                n_ord += 1;
                ord_same &= *ord_first.get_or_insert(c) == c;
            }
        }
        let all_same = n >= 5 && all_same;
        if all_same && ((n_ord >= 3 && ord_same) || has_rev) {
            found.push(
                row("values", "straight_lining", Severity::Info, cx.cf, Some(m))
                    .col(sub.to_string(), format!("{n} items"))
                    .msg(
                        format!("identical answers across the whole subscale '{sub}'"),
                        format!("respuestas idénticas en toda la subescala '{sub}'"),
                    ),
            );
        }
    }
    found
}

/// Outlying checklist totals: all-worst or all-best forms (proportion scoring), then totals
/// far from the median in robust-z terms.
fn outlying_scores(cx: &Ctx, out: &mut Vec<IssueRow>) {
    let (study, cl, cf) = (cx.study, cx.cl, cx.cf);
    let totals: Vec<(usize, f64)> =
        cx.d.checklist_scores.values[0].iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, v))).collect();
    // Floor or ceiling: every answered item at its worst (or best) value. On a bounded 0–1
    // proportion no single total can be far from the median in robust-z terms when classrooms
    // differ as much as they do, so an all-worst/all-best form is flagged directly.
    if study.spec.scoring.method == super::spec::ScoringMethod::Proportion {
        for &(i, v) in &totals {
            let m = &cl.meta[i];
            let answered = cl.row(i).iter().filter(|&&c| c != NA_CODE && c != MISSING_CODE).count();
            if cx.keep(m) && answered >= 5 && (v <= 1e-12 || v >= 1.0 - 1e-12) {
                let (en, es) = if v <= 1e-12 { ("worst", "peor") } else { ("best", "mejor") };
                out.push(
                    row("values", "outlying_score", Severity::Warning, cf, Some(m))
                        .col("checklist_total", format!("{v:.3}"))
                        .msg(
                            format!("all {answered} answered items at their {en} value"),
                            format!("los {answered} reactivos respondidos en su {es} valor"),
                        ),
                );
            }
        }
    }
    let mut vals: Vec<f64> = totals.iter().map(|t| t.1).collect();
    if let Some(med) = median(&mut vals) {
        let mut dev: Vec<f64> = totals.iter().map(|t| (t.1 - med).abs()).collect();
        if let Some(mad) = median(&mut dev).map(|x| 1.4826 * x).filter(|x| *x > 0.0) {
            for &(i, v) in &totals {
                let z = (v - med) / mad;
                if z.abs() > study.spec.checks.outlier_z && cx.keep(&cl.meta[i]) {
                    out.push(
                        row("values", "outlying_score", Severity::Warning, cf, Some(&cl.meta[i]))
                            .col("checklist_total", format!("{v:.3}"))
                            .msg(
                                format!("checklist total far from the others (robust z = {z:.1})"),
                                format!("total muy alejado del resto (z robusta = {z:.1})"),
                            ),
                    );
                }
            }
        }
    }
}

/// Missing and not-applicable rates by item and by observer.
fn missing_rates(cx: &Ctx, out: &mut Vec<IssueRow>) {
    let (cl, cf) = (cx.cl, cx.cf);
    let primary: Vec<usize> = (0..cl.meta.len()).filter(|&i| cx.keep(&cl.meta[i])).collect();
    for (j, it) in cx.study.spec.checklist.items.iter().enumerate() {
        let n = primary.len().max(1) as f64;
        let miss = primary.iter().filter(|&&i| cl.row(i)[j] == MISSING_CODE).count() as f64 / n;
        let na = primary.iter().filter(|&&i| cl.row(i)[j] == NA_CODE).count() as f64 / n;
        if miss > 0.05 {
            out.push(
                row("values", "item_missing_rate", Severity::Warning, cf, None)
                    .col(it.id.clone(), format!("{:.1}%", 100.0 * miss))
                    .msg(
                        "more than 5% of answers missing for this item",
                        "más de 5% de respuestas faltantes en este reactivo",
                    ),
            );
        }
        if na > 0.0 {
            out.push(
                row("values", "item_na_rate", Severity::Info, cf, None)
                    .col(it.id.clone(), format!("{:.1}%", 100.0 * na))
                    .msg("share of 'not applicable' answers", "proporción de respuestas «no aplica»"),
            );
        }
    }
    let mut by_obs: HashMap<&str, (usize, usize), IdHash> = HashMap::default();
    for &i in &primary {
        let e = by_obs.entry(&cl.meta[i].observer).or_default();
        e.0 += cl.row(i).iter().filter(|&&c| c == MISSING_CODE).count();
        e.1 += cl.n_items;
    }
    for (o, (miss, tot)) in sorted_by_key(by_obs) {
        let rate = miss as f64 / tot.max(1) as f64;
        if rate > 0.05 {
            let mut r = row("values", "observer_missing_rate", Severity::Warning, cf, None)
                .col("", format!("{:.1}%", 100.0 * rate));
            r.observer = o.to_string();
            out.push(r.msg(
                "this observer leaves more than 5% of items blank",
                "este observador deja en blanco más de 5% de los reactivos",
            ));
        }
    }
}

/// CLASS cycles entered twice or empty, observations with too few cycles or a gap.
fn class_cycle_checks(cx: &Ctx, c: &ClassData, out: &mut Vec<IssueRow>) {
    let expected = cx.study.spec.class.as_ref().map_or(4, |c| c.cycles);
    let mut cycles: Vec<Vec<u32>> = vec![Vec::new(); c.obs.len()];
    for cy in &c.cycles {
        // Rows about one cycle name the cycle's own row.
        let at_cycle = |r: IssueRow| IssueRow { row: Some(cy.line), cycle: Some(cy.cycle), ..r };
        if cycles[cy.obs].contains(&cy.cycle) {
            out.push(at_cycle(
                row("class", "duplicate_cycle", Severity::Error, &c.file, Some(&c.obs[cy.obs]))
                    .col("cycle", cy.cycle.to_string())
                    .msg("cycle entered twice for this observation", "ciclo capturado dos veces en esta observación"),
            ));
        }
        cycles[cy.obs].push(cy.cycle);
        if cy.values.iter().all(|v| v.is_none()) {
            out.push(at_cycle(
                row("class", "empty_cycle", Severity::Warning, &c.file, Some(&c.obs[cy.obs]))
                    .col("cycle", cy.cycle.to_string())
                    .msg("cycle without any dimension score", "ciclo sin ningún puntaje"),
            ));
        }
    }
    for (i, cs) in cycles.iter_mut().enumerate() {
        let m = &c.obs[i];
        if !cx.keep(m) {
            continue;
        }
        cs.sort();
        cs.dedup();
        if (cs.len() as u32) < expected {
            out.push(
                row("class", "few_cycles", Severity::Warning, &c.file, Some(m))
                    .col("cycles", cs.len().to_string())
                    .msg(
                        format!("{} of {expected} expected cycles", cs.len()),
                        format!("{} de {expected} ciclos esperados", cs.len()),
                    ),
            );
        }
        if let Some(&mx) = cs.last() {
            let gaps: Vec<String> = (1..mx).filter(|k| !cs.contains(k)).map(|k| k.to_string()).collect();
            if !gaps.is_empty() {
                out.push(
                    row("class", "cycle_gap", Severity::Warning, &c.file, Some(m))
                        .col("cycle", gaps.join(","))
                        .msg("gap in the cycle numbering", "salto en la numeración de ciclos"),
                );
            }
        }
    }
}

/// Per-visit timing: duration, fieldwork window and submission delay. Returns the kept
/// observations of each observer and day, for [`observer_day_checks`].
fn visit_timing_checks<'a>(cx: &Ctx<'a>, out: &mut Vec<IssueRow>) -> HashMap<(&'a str, &'a str), Vec<usize>, IdHash> {
    let (cl, cf, ck) = (cx.cl, cx.cf, &cx.study.spec.checks);
    let window =
        (ck.fieldwork_start.as_deref().and_then(parse_datetime), ck.fieldwork_end.as_deref().and_then(parse_datetime));
    let mut per_day: HashMap<(&str, &str), Vec<usize>, IdHash> = HashMap::default();
    for (i, m) in cl.meta.iter().enumerate().filter(|(_, m)| cx.keep(m)) {
        if let (Some(s), Some(e)) = (m.start, m.end) {
            let mins = (e.timestamp() - s.timestamp()) as f64 / 60.0;
            if mins < ck.min_duration_min || mins > ck.max_duration_min {
                let sev = if mins < 0.0 { Severity::Error } else { Severity::Warning };
                out.push(row("timing", "duration", sev, cf, Some(m)).col("duration_min", format!("{mins:.1}")).msg(
                    format!(
                        "observation lasted {mins:.1} min (expected {}–{})",
                        ck.min_duration_min, ck.max_duration_min
                    ),
                    format!(
                        "la observación duró {mins:.1} min (se esperaba {}–{})",
                        ck.min_duration_min, ck.max_duration_min
                    ),
                ));
            }
        }
        if let Some(dt) = m.date.as_deref().and_then(parse_datetime) {
            if window.0.is_some_and(|w| dt.days() < w.days()) || window.1.is_some_and(|w| dt.days() > w.days()) {
                out.push(
                    row("timing", "outside_fieldwork", Severity::Error, cf, Some(m))
                        .col("date", m.date.as_deref().unwrap_or("").to_string())
                        .msg("visit date outside the fieldwork window", "fecha de visita fuera del periodo de campo"),
                );
            }
        }
        if let Some(date) = m.date.as_deref() {
            per_day.entry((&*m.observer, date)).or_default().push(i);
        }
        submission_delay_check(cx, m, out);
    }
    per_day
}

/// Submission delay: from the end of the visit (else its start or date) to the upload.
fn submission_delay_check(cx: &Ctx, m: &ObsMeta, out: &mut Vec<IssueRow>) {
    let (study, cf, ck) = (cx.study, cx.cf, &cx.study.spec.checks);
    let visit = m.end.or(m.start).or_else(|| m.date.as_deref().and_then(parse_datetime));
    if let (Some(sub), Some(v)) = (m.submitted, visit) {
        let days = (sub.timestamp() - v.timestamp()) as f64 / 86_400.0;
        let col = || study.spec.checklist.columns.submitted.clone().unwrap_or_default();
        if days > ck.max_submission_delay_days {
            out.push(row("timing", "late_submission", Severity::Warning, cf, Some(m)).col(col(), sub.iso()).msg(
                format!("submitted {days:.1} days after the visit (limit {})", ck.max_submission_delay_days),
                format!("enviada {days:.1} días después de la visita (límite {})", ck.max_submission_delay_days),
            ));
        } else if days < -1.0 / 24.0 {
            out.push(row("timing", "submitted_before_visit", Severity::Error, cf, Some(m)).col(col(), sub.iso()).msg(
                "submission time is before the visit: check the tablet's clock or the visit date",
                "la hora de envío es anterior a la visita: revisar el reloj de la tableta o la fecha",
            ));
        }
    }
}

/// Too many observations by one observer in one day, and overlapping visits.
fn observer_day_checks(cx: &Ctx, per_day: &HashMap<(&str, &str), Vec<usize>, IdHash>, out: &mut Vec<IssueRow>) {
    let (cl, cf, ck) = (cx.cl, cx.cf, &cx.study.spec.checks);
    let mut days: Vec<(&(&str, &str), &Vec<usize>)> = per_day.iter().collect();
    days.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for ((obs, date), idx) in days {
        if idx.len() > ck.max_obs_per_observer_day {
            let mut r = row("timing", "too_many_per_day", Severity::Warning, cf, None).col("date", date.to_string());
            r.observer = obs.to_string();
            out.push(r.msg(
                format!("{} observations in one day", idx.len()),
                format!("{} observaciones en un día", idx.len()),
            ));
        }
        // Overlapping visits of one observer in different classrooms.
        let mut iv: Vec<(i64, i64, usize)> =
            idx.iter().filter_map(|&i| Some((cl.meta[i].start?.timestamp(), cl.meta[i].end?.timestamp(), i))).collect();
        iv.sort();
        for w in iv.windows(2) {
            let (a, b) = (&cl.meta[w[0].2], &cl.meta[w[1].2]);
            if w[1].0 < w[0].1 && (a.center != b.center || a.classroom != b.classroom) {
                out.push(row("timing", "overlapping_visits", Severity::Error, cf, Some(b)).msg(
                    format!("overlaps in time with the same observer's visit on line {}", a.line),
                    format!("se traslapa con otra visita del mismo observador (línea {})", a.line),
                ));
            }
        }
    }
}

/// Lenient or severe observers (from the observer-severity statistics).
fn observer_severity_checks(cx: &Ctx, out: &mut Vec<IssueRow>) {
    for r in super::observers::observer_records(cx.d, cx.study.spec.analysis.ci_level) {
        if r.statistic != "observer_severity" {
            continue;
        }
        let dd = r.context.get("cohen_d").and_then(|v| v.as_f64()).unwrap_or(0.0);
        if r.p_value.is_some_and(|p| p < 0.05) && dd.abs() >= 0.5 {
            let mut x = row("observers", "observer_severity", Severity::Warning, cx.cf, None)
                .col("checklist_total", format!("{:+.3}", r.estimate.unwrap_or(0.0)));
            x.observer = r.ctx_str("observer").unwrap_or("").to_string();
            let (en, es) = if dd > 0.0 { ("lenient", "indulgente") } else { ("severe", "severo") };
            out.push(x.msg(
                format!("{en} observer: d = {dd:.2}, p = {:.3}", r.p_value.unwrap_or(1.0)),
                format!("observador {es}: d = {dd:.2}, p = {:.3}", r.p_value.unwrap_or(1.0)),
            ));
        }
    }
}

/// Double-coded checklist pairs: incomplete pairs, then discrepancies by pair and by item.
fn pair_checks(cx: &Ctx, out: &mut Vec<IssueRow>) {
    let (cl, cf) = (cx.cl, cx.cf);
    let pairs = pair_observations(&cl.meta);
    let paired: BTreeSet<usize> = pairs.iter().map(|p| p.1).collect();
    for (i, m) in cl.meta.iter().enumerate().filter(|(_, m)| m.role == Role::Reliability && cx.keep(m)) {
        if !paired.contains(&i) {
            out.push(row("backcheck", "pair_incomplete", Severity::Error, cf, Some(m)).msg(
                "reliability observation without a primary observation of the same classroom and date",
                "observación de confiabilidad sin observación principal de la misma sala y fecha",
            ));
        }
    }
    pair_discrepancies(cx, &pairs, out);
}

/// Share of differing items per pair (flagged above the threshold), per item, and the five
/// worst pairs.
fn pair_discrepancies(cx: &Ctx, pairs: &[(usize, usize)], out: &mut Vec<IssueRow>) {
    let (cl, cf) = (cx.cl, cx.cf);
    let items = &cx.study.spec.checklist.items;
    let th = cx.study.spec.checks.discrepancy_threshold;
    let mut pair_rates: Vec<(f64, usize, usize)> = Vec::new();
    let mut item_disc = vec![(0usize, 0usize); items.len()];
    for &(p, r) in pairs.iter().filter(|(_, r)| cx.keep(&cl.meta[*r])) {
        let (mut diff, mut cmp) = (0, 0);
        for j in 0..items.len() {
            let (a, b) = (cl.row(p)[j], cl.row(r)[j]);
            if a == MISSING_CODE || b == MISSING_CODE {
                continue;
            }
            cmp += 1;
            item_disc[j].1 += 1;
            if a != b {
                diff += 1;
                item_disc[j].0 += 1;
            }
        }
        if cmp > 0 {
            let rate = diff as f64 / cmp as f64;
            pair_rates.push((rate, p, r));
            if rate > th {
                out.push(
                    row("backcheck", "pair_discrepancy", Severity::Warning, cf, Some(&cl.meta[r]))
                        .col("primary_key", cl.meta[p].key.clone())
                        .msg(
                            format!(
                                "{:.0}% of items differ from the primary observation (threshold {:.0}%)",
                                100.0 * rate,
                                100.0 * th
                            ),
                            format!(
                                "{:.0}% de los reactivos difieren de la observación principal (umbral {:.0}%)",
                                100.0 * rate,
                                100.0 * th
                            ),
                        ),
                );
            }
        }
    }
    for (j, (dif, n)) in item_disc.iter().enumerate() {
        if *n > 0 && *dif as f64 / *n as f64 > th {
            out.push(
                row("backcheck", "item_discrepancy", Severity::Warning, cf, None)
                    .col(items[j].id.clone(), format!("{:.0}%", 100.0 * *dif as f64 / *n as f64))
                    .msg(
                        format!("observers disagree on this item in {dif} of {n} pairs"),
                        format!("los observadores difieren en este reactivo en {dif} de {n} pares"),
                    ),
            );
        }
    }
    pair_rates.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (rate, p, r) in pair_rates.iter().take(5) {
        out.push(
            row("backcheck", "worst_pair", Severity::Info, cf, Some(&cl.meta[*r]))
                .col("primary_key", cl.meta[*p].key.clone())
                .msg(
                    format!("{:.0}% discrepancy with observer {}", 100.0 * rate, cl.meta[*p].observer),
                    format!("{:.0}% de discrepancia con el observador {}", 100.0 * rate, cl.meta[*p].observer),
                ),
        );
    }
}

/// Share double-coded per observer.
fn double_coded_share(cx: &Ctx, out: &mut Vec<IssueRow>) {
    let mut share: HashMap<&str, (usize, usize), IdHash> = HashMap::default();
    for m in cx.cl.meta.iter().filter(|m| cx.keep(m)) {
        let e = share.entry(&m.observer).or_default();
        e.1 += 1;
        if m.role == Role::Reliability {
            e.0 += 1;
        }
    }
    for (o, (rel, n)) in sorted_by_key(share) {
        let mut r = row("backcheck", "double_coded_share", Severity::Info, cx.cf, None)
            .col("", format!("{:.0}%", 100.0 * rel as f64 / n as f64));
        r.observer = o.to_string();
        out.push(r.msg(
            format!("{rel} of {n} observations are reliability copies"),
            format!("{rel} de {n} observaciones son copias de confiabilidad"),
        ));
    }
}

/// CLASS within-one per pair and dimension. The certification rule: within one point on at
/// least 80% of the pair's dimension × cycle scores; the weakest dimension is named.
fn class_within_one(cx: &Ctx, c: &ClassData, inst: &Instrument, out: &mut Vec<IssueRow>) {
    let cpairs = pair_observations(&c.obs);
    let mut cyc: BTreeMap<(usize, u32), &Vec<Option<f64>>> = BTreeMap::new();
    for cy in &c.cycles {
        cyc.insert((cy.obs, cy.cycle), &cy.values);
    }
    for &(p, r) in cpairs.iter().filter(|(_, r)| cx.keep(&c.obs[*r])) {
        let (mut within, mut n) = (0, 0);
        let mut worst: Option<(String, usize, usize)> = None;
        for (di, dim) in inst.dimensions.iter().enumerate() {
            let (mut w, mut k) = (0, 0);
            for (&(_, cycle), v) in cyc.range((p, 0)..(p + 1, 0)) {
                if let (Some(x), Some(y)) = (v[di], cyc.get(&(r, cycle)).and_then(|q| q[di])) {
                    k += 1;
                    if (x - y).abs() <= 1.0 + 1e-9 {
                        w += 1;
                    }
                }
            }
            within += w;
            n += k;
            if k > 0 && worst.as_ref().is_none_or(|x| (w as f64 / k as f64) < x.1 as f64 / x.2 as f64) {
                worst = Some((dim.code.clone(), w, k));
            }
        }
        if n > 0 && (within as f64) < 0.8 * n as f64 {
            let (wd, ww, wk) = worst.unwrap_or_default();
            out.push(
                row("backcheck", "class_within_one", Severity::Warning, &c.file, Some(&c.obs[r]))
                    .col(wd.clone(), format!("{within}/{n}"))
                    .msg(
                        format!(
                            "within one point on {within} of {n} scores (< 80%); weakest dimension {wd} ({ww}/{wk})"
                        ),
                        format!("a un punto en {within} de {n} puntajes (< 80%); dimensión más débil {wd} ({ww}/{wk})"),
                    ),
            );
        }
    }
}

/// An observer's drift: the OLS slope of their scores on time, its two-sided t-test p value and
/// the fitted change over their span. `flagged` when p < .01 and |change| > SD/2.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Drift {
    pub slope: f64,
    pub p: f64,
    pub change: f64,
    pub span: f64,
    pub n: usize,
    pub flagged: bool,
}

/// The drift test of `check` (observer_drift) on points (time, score): `None` with fewer than
/// `min_n` points, a span shorter than `min_span`, or no residual variance. `sd` is the SD of
/// all scores (the yardstick for a meaningful change). Used by `monitor` across rounds.
pub fn drift_test(pts: &[(f64, f64)], sd: f64, min_n: usize, min_span: f64) -> Option<Drift> {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let n = pts.len();
    if n < min_n.max(3) {
        return None;
    }
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n as f64;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n as f64;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let span = pts.iter().map(|p| p.0).fold(f64::MIN, f64::max) - pts.iter().map(|p| p.0).fold(f64::MAX, f64::min);
    if sxx <= 0.0 || span < min_span {
        return None;
    }
    let b = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / sxx;
    let rss: f64 = pts.iter().map(|p| (p.1 - my - b * (p.0 - mx)).powi(2)).sum();
    let se = (rss / (n - 2) as f64 / sxx).sqrt();
    if se <= 0.0 || !se.is_finite() {
        return None;
    }
    let t = b / se;
    let p = StudentsT::new(0.0, 1.0, (n - 2) as f64).map(|dist| 2.0 * (1.0 - dist.cdf(t.abs()))).unwrap_or(1.0);
    let change = b * span;
    Some(Drift { slope: b, p, change, span, n, flagged: p < 0.01 && change.abs() > 0.5 * sd })
}

fn drift_checks(d: &Observations, keep: &dyn Fn(&ObsMeta) -> bool, out: &mut Vec<IssueRow>) {
    let cl = &d.checklist;
    let totals = &d.checklist_scores.values[0];
    let mut by_obs: HashMap<&str, Vec<(f64, f64)>, IdHash> = HashMap::default();
    let mut all = Vec::new();
    let day0 = cl.meta.iter().filter_map(|m| m.date.as_deref().and_then(parse_datetime)).map(|d| d.days()).min();
    let Some(day0) = day0 else { return };
    for (i, m) in cl.meta.iter().enumerate() {
        if m.role != Role::Primary || !keep(m) {
            continue;
        }
        if let (Some(t), Some(dt)) = (totals.get(i), m.date.as_deref().and_then(parse_datetime)) {
            by_obs.entry(&m.observer).or_default().push(((dt.days() - day0) as f64 / 7.0, t));
            all.push(t);
        }
    }
    let sd = crate::stats::descriptive::sd(&all);
    let Some(sd) = sd.ok().filter(|s| *s > 0.0) else { return };
    for (o, pts) in sorted_by_key(by_obs) {
        let Some(Drift { slope: b, p, change, span, n, flagged }) = drift_test(&pts, sd, 8, 2.0) else { continue };
        if flagged {
            let mut r = row("observers", "observer_drift", Severity::Warning, &cl.file, None)
                .col("checklist_total", format!("{b:+.4}/week"));
            r.observer = o.to_string();
            let (en, es) = if b > 0.0 { ("upward", "al alza") } else { ("downward", "a la baja") };
            out.push(r.msg(
                format!("{en} drift: {change:+.3} over {span:.0} weeks (slope p = {p:.4}, {n} observations)"),
                format!("deriva {es}: {change:+.3} en {span:.0} semanas (pendiente p = {p:.4}, {n} observaciones)"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    /// The median by selection is the median of the sorted values, for odd and even counts,
    /// ties and signed zeros.
    #[test]
    fn median_by_selection_matches_sorting() {
        let cases: [&[f64]; 5] = [&[3.0], &[2.0, 1.0], &[5.0, -1.0, 2.5, 2.5, 0.0, -0.0], &[0.1, 0.7, 0.3], &[]];
        for c in cases {
            let mut sorted = c.to_vec();
            sorted.sort_by(|a, b| a.total_cmp(b));
            let n = sorted.len();
            let want =
                (n > 0).then(|| if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 });
            assert_eq!(median(&mut c.to_vec()).map(f64::to_bits), want.map(f64::to_bits), "{c:?}");
        }
    }
}
