//! The pipeline: ingest → data-quality summary → scores → statistics → outputs.

use super::idmatch::{IdMatches, Nearness};
use super::ingest::{self, ChecklistData, ClassData, Issues, ObsMeta, OnInvalid, Role, Roster};
use super::quality::{colon_list, Quality, Severity};
use super::score::{self, LevelTable, ObsScores};
use super::spec::Study;
use crate::choices::Level;
use crate::io::frame::{self, Col};
use crate::results::Record;
use crate::stats::{self, descriptive};
use anyhow::Result;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Options shared by the study commands.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub keep_going: bool,
    /// Report language override (`--lang`), else the spec's.
    pub lang: Option<crate::choices::Lang>,
    /// `--pseudonymize`: IDs replaced right after ingest, so no output sees the raw ones.
    pub pseudonymize: Option<super::privacy::Pseudonymizer>,
}

/// Everything ingested and scored at the level of the observation: what `check` reads
/// ([`load_observations`]). [`StudyData`] adds the classroom and center tables and the
/// data-quality summary, and reads as this through `Deref`.
pub struct Observations {
    pub checklist: ChecklistData,
    pub checklist_scores: ObsScores,
    pub class: Option<ClassData>,
    pub class_scores: Option<ObsScores>,
    pub roster: Option<Roster>,
    pub issues: Issues,
    /// Center and classroom IDs that match a reference ID only nearly (case, spaces, accents,
    /// one character): `check` proposes the fix, `run` warns.
    pub id_matches: IdMatches,
    /// IDs were pseudonymized at ingest (`--pseudonymize`).
    pub pseudonymized: bool,
}

/// Everything ingested and scored ([`load`]): the observations, the classroom and center
/// tables and the data-quality summary.
pub struct StudyData {
    pub obs: Observations,
    pub classrooms: LevelTable,
    pub centers: LevelTable,
    pub quality: Quality,
}

impl std::ops::Deref for StudyData {
    type Target = Observations;
    fn deref(&self) -> &Observations {
        &self.obs
    }
}

/// With `CHECKVAL_TIMING` set, the elapsed time and resident memory at the end of each phase of
/// [`load`] (and of `check`) on stderr (for benchmarks; nothing else reads it).
pub fn phase_time(t0: std::time::Instant, phase: &str) {
    if std::env::var_os("CHECKVAL_TIMING").is_some() {
        let rss = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| l[6..].trim().to_string()))
            .unwrap_or_default();
        eprintln!("timing: {phase} done at {:.2} s (RSS {rss})", t0.elapsed().as_secs_f64());
    }
}

pub fn load(study: &Study, opts: &RunOptions) -> Result<StudyData> {
    let t0 = std::time::Instant::now();
    Ok(with_levels(study, load_observations(study, opts)?, t0))
}

/// The second part of [`load`]: the classroom and center tables and the data-quality summary of
/// the observations (which read the scores, not the item codes: `score` releases those first).
/// `t0` is the start of the phase timings.
pub fn with_levels(study: &Study, obs: Observations, t0: std::time::Instant) -> StudyData {
    // The classroom and center tables and the data-quality summary (which reads only the
    // observations) are built side by side.
    let ((classrooms, centers), quality) = rayon::join(
        || {
            let classrooms = score::classrooms(
                &obs.checklist.meta,
                &obs.checklist_scores,
                obs.class.as_ref().zip(obs.class_scores.as_ref()).map(|(c, s)| (c.obs.as_slice(), s)),
            );
            let centers = score::centers(&classrooms, obs.roster.as_ref());
            phase_time(t0, "classrooms and centers");
            (classrooms, centers)
        },
        || {
            let q = quality_summary(study, &obs);
            phase_time(t0, "quality summary");
            q
        },
    );
    StudyData { obs, classrooms, centers, quality }
}

/// The files read (side by side), IDs matched (and pseudonymized with `--pseudonymize`) and
/// every observation scored: the first part of [`load`], and all that `check` needs.
pub fn load_observations(study: &Study, opts: &RunOptions) -> Result<Observations> {
    let t0 = std::time::Instant::now();
    // The three files are read side by side; the CLASS file's excluded values follow the
    // checklist's, and errors are reported in file order, as a sequential read would.
    let mode = if opts.keep_going { OnInvalid::Exclude } else { OnInvalid::Stop };
    let (checklist, (class, roster)) = rayon::join(
        || {
            let mut issues = Issues::new(mode);
            ingest::read_checklist(study, &mut issues).map(|c| (c, issues))
        },
        || {
            rayon::join(
                || {
                    let mut issues = Issues::new(mode);
                    ingest::read_class(study, &mut issues).map(|c| (c, issues))
                },
                || ingest::read_roster(study),
            )
        },
    );
    let (mut checklist, mut issues) = checklist?;
    let (mut class, class_issues) = class?;
    issues.append(class_issues);
    let mut roster = roster?;
    phase_time(t0, "read files");
    // The near-matches read only the IDs and the scores only the codes and cycles: they are
    // found side by side (before pseudonymization, which changes IDs and no score).
    let (mut id_matches, (checklist_scores, class_scores)) = rayon::join(
        || IdMatches::find(&checklist.meta, class.as_ref().map(|c| c.obs.as_slice()), roster.as_ref()),
        || {
            let scores = rayon::join(
                || score::score_checklist(study, &checklist),
                || class.as_ref().map(|c| score::score_class(study, c)),
            );
            phase_time(t0, "observation scores");
            scores
        },
    );
    phase_time(t0, "ID matches");
    if let Some(p) = &opts.pseudonymize {
        p.apply(&mut checklist.meta, class.as_mut().map(|c| c.obs.as_mut_slice()), roster.as_mut());
        p.apply_excluded(&mut issues.excluded);
        id_matches.pseudonymize(p);
    }
    Ok(Observations {
        checklist,
        checklist_scores,
        class,
        class_scores,
        roster,
        issues,
        id_matches,
        pseudonymized: opts.pseudonymize.is_some(),
    })
}

fn quality_summary(study: &Study, d: &Observations) -> Quality {
    let mut q = Quality::default();
    ingest_notes(&mut q, d);
    item_missing_notes(&mut q, study, d);
    if let (Some(c), Some(cs)) = (&d.class, &d.class_scores) {
        class_notes(&mut q, study, &d.checklist, c, cs);
    }
    double_coding_notes(&mut q, &d.checklist);
    if let Some(r) = &d.roster {
        roster_notes(&mut q, &d.checklist, r);
    }
    near_match_notes(&mut q, d);
    q
}

/// Classrooms whose center ID (or, in the CLASS file, classroom ID) matches a reference ID
/// only nearly: they are left unmatched, and `check` proposes the fix. Pushed only when some
/// are found.
fn near_match_notes(q: &mut Quality, d: &Observations) {
    let m = &d.id_matches;
    // Distinct (center, classroom) of both files whose center is a near-match, by nearness.
    let mut rooms: BTreeMap<Nearness, BTreeSet<(&str, &str)>> = BTreeMap::new();
    let metas = d.checklist.meta.iter().chain(d.class.iter().flat_map(|c| c.obs.iter()));
    for meta in metas {
        if let Some(c) = m.centers.get(&*meta.center) {
            rooms.entry(c.how()).or_default().insert((&*meta.center, &*meta.classroom));
        }
    }
    for (how, set) in rooms {
        let (en, es) = match how {
            Nearness::Folded => {
                ("only after ignoring case, spaces and accents", "solo sin contar mayúsculas, espacios ni acentos")
            }
            Nearness::OneEdit => ("only up to one character", "salvo por un carácter"),
        };
        let n = set.len();
        let ids: Vec<String> = set.iter().map(|(c, _)| c.to_string()).collect::<BTreeSet<_>>().into_iter().collect();
        q.push(
            Severity::Warning,
            "center_near_roster",
            n,
            format!("{n} classroom(s) have a center ID that matches a roster ID {en}, so they are not matched to the roster{}; see checkval check (corrections-draft.csv)", colon_list(&ids)),
            format!("{n} sala(s) tienen una clave de centro que coincide con una del marco muestral {es}, así que no se asocian con él{}; ver checkval check (corrections-draft.csv)", colon_list(&ids)),
        );
    }
    let n = m.classrooms.len();
    if n > 0 {
        let ids: Vec<String> = m.classrooms.keys().map(|(c, r)| format!("{c}/{r}")).collect();
        q.push(
            Severity::Warning,
            "classroom_near_match",
            n,
            format!("{n} CLASS classroom(s) match a checklist classroom of their center only nearly (case, spaces, accents or one character), so their scores are not paired{}; see checkval check", colon_list(&ids)),
            format!("{n} sala(s) CLASS coinciden con una sala de la lista de cotejo de su centro solo aproximadamente (mayúsculas, espacios, acentos o un carácter), así que sus puntajes no se emparejan{}; ver checkval check", colon_list(&ids)),
        );
    }
}

/// Rows read and kept, each file's dialect, and values excluded with `--keep-going`.
fn ingest_notes(q: &mut Quality, d: &Observations) {
    let cl = &d.checklist;
    let n_rel = cl.meta.iter().filter(|m| m.role == Role::Reliability).count();
    q.push(
        Severity::Info,
        "checklist_rows",
        cl.meta.len(),
        format!(
            "{}: {} rows read, {} observations kept ({} primary, {} reliability)",
            cl.file,
            cl.rows_read,
            cl.meta.len(),
            cl.meta.len() - n_rel,
            n_rel
        ),
        format!(
            "{}: {} filas leídas, {} observaciones conservadas ({} principales, {} de confiabilidad)",
            cl.file,
            cl.rows_read,
            cl.meta.len(),
            cl.meta.len() - n_rel,
            n_rel
        ),
    );
    for (file, dialect) in std::iter::once((&cl.file, &cl.dialect))
        .chain(d.class.as_ref().map(|c| (&c.file, &c.dialect)))
        .chain(d.roster.as_ref().map(|r| (&r.file, &r.dialect)))
    {
        q.push(
            Severity::Info,
            "dialect",
            0,
            format!(
                "{file}: {}{}, delimiter {}, decimal '{}'",
                dialect.encoding,
                if dialect.bom { " (BOM)" } else { "" },
                dialect.delimiter,
                dialect.decimal
            ),
            format!(
                "{file}: {}{}, separador {}, decimal '{}'",
                dialect.encoding,
                if dialect.bom { " (BOM)" } else { "" },
                dialect.delimiter,
                dialect.decimal
            ),
        );
    }
    header_notes(q, d);
    if d.issues.n_excluded > 0 {
        let first = &d.issues.excluded[0];
        q.push(
            Severity::Warning,
            "excluded_values",
            d.issues.n_excluded,
            format!(
                "{} invalid value(s) excluded (--keep-going); first: {} line {}, column '{}', found '{}'",
                d.issues.n_excluded, first.file, first.line, first.column, first.value
            ),
            format!(
                "{} valor(es) inválido(s) excluido(s) (--keep-going); el primero: {} línea {}, columna '{}', valor '{}'",
                d.issues.n_excluded, first.file, first.line, first.column, first.value
            ),
        );
    }
}

/// Files whose header is below line 1: the title rows skipped (pushed only for such files).
fn header_notes(q: &mut Quality, d: &Observations) {
    let files = std::iter::once((&d.checklist.file, &d.checklist.dialect))
        .chain(d.class.as_ref().map(|c| (&c.file, &c.dialect)))
        .chain(d.roster.as_ref().map(|r| (&r.file, &r.dialect)));
    for (file, dialect) in files.filter(|(_, dl)| dl.header_line > 1) {
        let l = dialect.header_line;
        q.push(
            Severity::Info,
            "header_row",
            (l - 1) as usize,
            format!("{file}: header on line {l}; the {} line(s) above it (title or blank rows) were skipped", l - 1),
            format!(
                "{file}: encabezado en la línea {l}; se omitieron las {} línea(s) anteriores (título o filas vacías)",
                l - 1
            ),
        );
    }
}

/// Item missingness, and observations left without a checklist total.
fn item_missing_notes(q: &mut Quality, study: &Study, d: &Observations) {
    // From the scoring's per-observation counts (answered and not-applicable items of the
    // total scale, which holds every item), so the item codes need not be kept for this.
    let sc = &d.checklist_scores;
    let na: usize = sc.count_b.iter().map(|&b| b as usize).sum();
    let cells = sc.count_a.len() * d.checklist.n_items;
    let miss = cells - na - sc.count_a.iter().map(|&a| a as usize).sum::<usize>();
    let cells = cells.max(1);
    q.push(
        Severity::Info,
        "item_missing",
        miss,
        format!(
            "checklist items: {:.1}% missing, {:.1}% not applicable",
            100.0 * miss as f64 / cells as f64,
            100.0 * na as f64 / cells as f64
        ),
        format!(
            "reactivos: {:.1}% sin respuesta, {:.1}% no aplica",
            100.0 * miss as f64 / cells as f64,
            100.0 * na as f64 / cells as f64
        ),
    );
    let na_total = d.checklist_scores.values[0].iter().filter(|v| v.is_none()).count();
    q.push(
        Severity::Warning,
        "checklist_total_na",
        na_total,
        format!(
            "{na_total} observation(s) without checklist_total (fewer than {:.0}% of applicable items answered)",
            100.0 * study.spec.scoring.min_answered
        ),
        format!(
            "{na_total} observación(es) sin checklist_total (menos del {:.0}% de reactivos aplicables con respuesta)",
            100.0 * study.spec.scoring.min_answered
        ),
    );
}

/// CLASS rows and cycles, short observations, and classrooms with one instrument only.
fn class_notes(q: &mut Quality, study: &Study, cl: &ChecklistData, c: &ClassData, cs: &ObsScores) {
    let n_rel = c.obs.iter().filter(|m| m.role == Role::Reliability).count();
    q.push(
        Severity::Info,
        "class_rows",
        c.obs.len(),
        format!(
            "{}: {} rows read, {} CLASS observations ({} reliability), {} cycles",
            c.file,
            c.rows_read,
            c.obs.len(),
            n_rel,
            c.cycles.len()
        ),
        format!(
            "{}: {} filas leídas, {} observaciones CLASS ({} de confiabilidad), {} ciclos",
            c.file,
            c.rows_read,
            c.obs.len(),
            n_rel,
            c.cycles.len()
        ),
    );
    let expected = study.spec.class.as_ref().map(|c| c.cycles).unwrap_or(4);
    let short = cs.count_a.iter().filter(|&&n| n < expected).count();
    q.push(
        Severity::Warning,
        "class_short_cycles",
        short,
        format!("{short} CLASS observation(s) with fewer than {expected} cycles"),
        format!("{short} observación(es) CLASS con menos de {expected} ciclos"),
    );
    // Classrooms with one instrument only.
    let cl_rooms: BTreeSet<(&str, &str)> = cl.meta.iter().map(|m| (&*m.center, &*m.classroom)).collect();
    let cs_rooms: BTreeSet<(&str, &str)> = c.obs.iter().map(|m| (&*m.center, &*m.classroom)).collect();
    let only_cl: Vec<String> = cl_rooms.difference(&cs_rooms).map(|(a, b)| format!("{a}/{b}")).collect();
    let only_cs: Vec<String> = cs_rooms.difference(&cl_rooms).map(|(a, b)| format!("{a}/{b}")).collect();
    q.push(
        Severity::Warning,
        "checklist_without_class",
        only_cl.len(),
        format!("{} classroom(s) with checklist but no CLASS observation{}", only_cl.len(), colon_list(&only_cl)),
        format!("{} sala(s) con lista de cotejo pero sin observación CLASS{}", only_cl.len(), colon_list(&only_cl)),
    );
    q.push(
        Severity::Warning,
        "class_without_checklist",
        only_cs.len(),
        format!("{} classroom(s) with CLASS but no checklist observation{}", only_cs.len(), colon_list(&only_cs)),
        format!("{} sala(s) con CLASS pero sin lista de cotejo{}", only_cs.len(), colon_list(&only_cs)),
    );
}

/// Double coding: reliability observations without a primary one of the same visit.
fn double_coding_notes<'a>(q: &mut Quality, cl: &'a ChecklistData) {
    // Only visits with a reliability observation can be orphans: they are collected first
    // (15–20% of a million rows), then the primary observations mark theirs; only the orphans
    // are sorted (listed in key order).
    type Visit<'a> = (&'a str, &'a str, Option<&'a str>);
    let key = |m: &'a ingest::ObsMeta| -> Visit<'a> { (&*m.center, &*m.classroom, m.date.as_deref()) };
    let mut has_primary: HashMap<Visit, bool, ingest::IdHash> = HashMap::default();
    for m in cl.meta.iter().filter(|m| m.role == Role::Reliability) {
        has_primary.entry(key(m)).or_insert(false);
    }
    if !has_primary.is_empty() {
        for m in cl.meta.iter().filter(|m| m.role == Role::Primary) {
            if let Some(seen) = has_primary.get_mut(&key(m)) {
                *seen = true;
            }
        }
    }
    let mut orphan_keys: Vec<Visit> = has_primary.into_iter().filter(|&(_, p)| !p).map(|(k, _)| k).collect();
    orphan_keys.sort_unstable();
    let orphan: Vec<String> =
        orphan_keys.into_iter().map(|(c, s, d)| format!("{c}/{s} {}", d.unwrap_or_default())).collect();
    q.push(
        Severity::Warning,
        "reliability_without_primary",
        orphan.len(),
        format!(
            "{} reliability observation(s) without a primary observation of the same classroom and date{}",
            orphan.len(),
            colon_list(&orphan)
        ),
        format!(
            "{} observación(es) de confiabilidad sin observación principal de la misma sala y fecha{}",
            orphan.len(),
            colon_list(&orphan)
        ),
    );
}

/// Checklist centers missing from the roster, and roster centers without data.
fn roster_notes(q: &mut Quality, cl: &ChecklistData, r: &Roster) {
    // Rows of a center mostly come together: a repeat of the previous row's center is skipped
    // before the hash set.
    let mut data_centers: HashSet<&str, ingest::IdHash> = HashSet::default();
    let mut prev: Option<&str> = None;
    for m in &cl.meta {
        if prev != Some(&*m.center) {
            prev = Some(&*m.center);
            data_centers.insert(&*m.center);
        }
    }
    // The roster's IDs in a hash set too: 200k lookups in its B-tree cost ~18 string
    // comparisons each.
    let roster: HashSet<&str, ingest::IdHash> = r.centers.keys().map(String::as_str).collect();
    let mut not_in: Vec<&str> = data_centers.iter().copied().filter(|c| !roster.contains(c)).collect();
    not_in.sort_unstable();
    let not_in: Vec<String> = not_in.into_iter().map(str::to_string).collect();
    q.push(
        Severity::Warning,
        "center_not_in_roster",
        not_in.len(),
        format!("{} center(s) in the checklist are not in the roster{}", not_in.len(), colon_list(&not_in)),
        format!(
            "{} centro(s) de la lista de cotejo no están en el marco muestral{}",
            not_in.len(),
            colon_list(&not_in)
        ),
    );
    let no_data: Vec<String> = r.centers.keys().filter(|c| !data_centers.contains(c.as_str())).cloned().collect();
    q.push(
        Severity::Info,
        "roster_without_data",
        no_data.len(),
        format!(
            "{} of {} roster centers have no checklist data yet{}",
            no_data.len(),
            r.centers.len(),
            colon_list(&no_data)
        ),
        format!(
            "{} de {} centros del marco muestral aún sin datos{}",
            no_data.len(),
            r.centers.len(),
            colon_list(&no_data)
        ),
    );
}

/// Sample counts and descriptive statistics for every score at every level.
pub fn descriptive_records(study: &Study, d: &StudyData) -> Vec<Record> {
    let level = study.spec.analysis.ci_level;
    let mut out = Vec::new();
    let cl = &d.checklist;
    let n_rel = cl.meta.iter().filter(|m| m.role == Role::Reliability).count();
    let rooms_with_data = d.classrooms.len();
    let centers_with_data = d.centers.n_classrooms.iter().filter(|&&n| n > 0).count();
    let dc_rooms: BTreeSet<(&str, &str)> =
        cl.meta.iter().filter(|m| m.role == Role::Reliability).map(|m| (&*m.center, &*m.classroom)).collect();
    out.push(Record::new("n_centers", Ok(centers_with_data as f64)).n(centers_with_data));
    out.push(Record::new("n_classrooms", Ok(rooms_with_data as f64)).n(rooms_with_data));
    out.push(Record::new("n_observations", Ok(cl.meta.len() as f64)).n(cl.meta.len()).ctx("instrument", "checklist"));
    out.push(Record::new("n_reliability_observations", Ok(n_rel as f64)).n(n_rel).ctx("instrument", "checklist"));
    let share = if rooms_with_data > 0 {
        Ok(dc_rooms.len() as f64 / rooms_with_data as f64)
    } else {
        Err(stats::Na::new("no classrooms"))
    };
    out.push(
        Record::new("double_coded_share", share)
            .n(rooms_with_data)
            .ctx("instrument", "checklist")
            .ctx("unit", "classroom"),
    );
    if let Some(c) = &d.class {
        let n_rel = c.obs.iter().filter(|m| m.role == Role::Reliability).count();
        out.push(Record::new("n_observations", Ok(c.obs.len() as f64)).n(c.obs.len()).ctx("instrument", "class"));
        out.push(Record::new("n_reliability_observations", Ok(n_rel as f64)).n(n_rel).ctx("instrument", "class"));
        out.push(Record::new("n_cycles", Ok(c.cycles.len() as f64)).n(c.cycles.len()).ctx("instrument", "class"));
    }
    // Each score's present values (of the primary observations at observation level).
    let mut push_level = |lvl: &str, names: &[String], xs: Vec<Vec<f64>>| {
        for (name, x) in names.iter().zip(xs) {
            let rec = match descriptive::mean_ci(&x, level) {
                Ok(m) => Record::new("mean", Ok(m.mean)).se(m.se).ci(m.ci_low, m.ci_high, level, "t"),
                Err(na) => Record::new("mean", descriptive::mean(&x)).ctx("ci_na_reason", na.0),
            };
            out.push(rec.n(x.len()).ctx("level", lvl).ctx("score", name.as_str()));
            out.push(Record::new("sd", descriptive::sd(&x)).n(x.len()).ctx("level", lvl).ctx("score", name.as_str()));
            if let Ok((lo, hi)) = descriptive::min_max(&x) {
                out.push(Record::new("min", Ok(lo)).n(x.len()).ctx("level", lvl).ctx("score", name.as_str()));
                out.push(Record::new("max", Ok(hi)).n(x.len()).ctx("level", lvl).ctx("score", name.as_str()));
            }
        }
    };
    let primary = |meta: &[ObsMeta], sc: &ObsScores| -> Vec<Vec<f64>> {
        let primary = |(v, m): (Option<f64>, &ObsMeta)| v.filter(|_| m.role == Role::Primary);
        sc.values.iter().map(|col| col.iter().zip(meta).filter_map(primary).collect()).collect()
    };
    push_level("observation", &d.checklist_scores.names, primary(&cl.meta, &d.checklist_scores));
    if let (Some(c), Some(cs)) = (&d.class, &d.class_scores) {
        push_level("observation", &cs.names, primary(&c.obs, cs));
    }
    for lvl in &study.spec.analysis.levels {
        let t = if *lvl == Level::Classroom { &d.classrooms } else { &d.centers };
        push_level(t.level.as_str(), &t.names, t.values.iter().map(|c| stats::present(c)).collect());
    }
    // Classroom means by age group.
    let rooms = &d.classrooms;
    let mut groups: Vec<&str> = rooms.age_group.iter().map(|g| &**g).filter(|g| !g.is_empty()).collect();
    groups.sort();
    groups.dedup();
    for g in groups {
        for (name, col) in rooms.names.iter().zip(&rooms.values) {
            let x: Vec<f64> =
                col.iter().zip(&rooms.age_group).filter(|(_, ag)| &***ag == g).filter_map(|(v, _)| *v).collect();
            let rec = match descriptive::mean_ci(&x, level) {
                Ok(m) => Record::new("mean", Ok(m.mean)).se(m.se).ci(m.ci_low, m.ci_high, level, "t"),
                Err(na) => Record::new("mean", descriptive::mean(&x)).ctx("ci_na_reason", na.0),
            };
            out.push(rec.n(x.len()).ctx("level", "classroom").ctx("score", name.as_str()).ctx("age_group", g));
        }
    }
    out
}

/// Write `DIR/scores/{observations,classrooms,centers}.csv`.
pub fn write_scores(study: &Study, d: &StudyData, out: &Path) -> Result<Vec<PathBuf>> {
    let dir = out.join("scores");
    // Observations: checklist rows, then CLASS rows. Built and written in chunks of rows (a
    // national export has a million): no copy of every cell is held at once. The level tables
    // are written beside them.
    let n = d.checklist.meta.len() + d.class.as_ref().map_or(0, |c| c.obs.len());
    let p = dir.join("observations.csv");
    let (obs, levels) = rayon::join(
        || frame::write_csv_chunked(&p, n, |lo, hi| observation_cols(study, d, lo, hi)),
        || {
            [&d.classrooms, &d.centers]
                .into_iter()
                .map(|t| {
                    let p = dir.join(if t.level == Level::Classroom { "classrooms.csv" } else { "centers.csv" });
                    frame::write_csv_chunked(&p, t.len(), |lo, hi| level_cols(t, lo, hi)).map(|()| p)
                })
                .collect::<Result<Vec<PathBuf>>>()
        },
    );
    obs?;
    Ok(std::iter::once(p).chain(levels?).collect())
}

/// Columns of `observations.csv` for observations `lo..hi` (checklist rows, then CLASS rows).
fn observation_cols<'a>(study: &Study, d: &'a StudyData, lo: usize, hi: usize) -> Vec<Col<'a>> {
    let cl = &d.checklist;
    let cs_names = study.class_score_names();
    let n_cl = cl.meta.len();
    let n = hi - lo;
    let mut source = Vec::with_capacity(n);
    let mut key = Vec::with_capacity(n);
    let mut center = Vec::with_capacity(n);
    let mut room = Vec::with_capacity(n);
    let mut observer = Vec::with_capacity(n);
    let mut role = Vec::with_capacity(n);
    let mut date = Vec::with_capacity(n);
    let mut line = Vec::with_capacity(n);
    let mut answered = Vec::with_capacity(n);
    let mut na_items = Vec::with_capacity(n);
    let mut cycles = Vec::with_capacity(n);
    let mut notes: Vec<Option<&str>> = Vec::with_capacity(n);
    for i in lo..hi {
        let (src, m) = match i.checked_sub(n_cl) {
            None => ("checklist", &cl.meta[i]),
            Some(c) => ("class", &d.class.as_ref().expect("class rows").obs[c]),
        };
        source.push(Some(src));
        key.push(Some(m.key.as_str()));
        center.push(Some(&*m.center));
        room.push(Some(&*m.classroom));
        observer.push(Some(&*m.observer));
        role.push(Some(m.role.as_str()));
        date.push(m.date.as_deref());
        line.push(m.line as u32);
        match i.checked_sub(n_cl) {
            None => {
                answered.push(Some(d.checklist_scores.count_a[i]));
                na_items.push(Some(d.checklist_scores.count_b[i]));
                cycles.push(None);
                notes.push(d.checklist_scores.notes[i].as_deref());
            }
            Some(c) => {
                let cs = d.class_scores.as_ref().expect("class scores");
                answered.push(None);
                na_items.push(None);
                cycles.push(Some(cs.count_a[c]));
                notes.push(cs.notes[c].as_deref());
            }
        }
    }
    let mut cols = vec![
        Col::Str("source", source),
        Col::Str("key", key),
        Col::Str("center", center),
        Col::Str("classroom", room),
        Col::Str("observer", observer),
        Col::Str("role", role),
        Col::Str("date", date),
        Col::U32("line".into(), line),
        Col::OptU32("n_items_answered".into(), answered),
        Col::OptU32("n_items_not_applicable".into(), na_items),
        Col::OptU32("n_cycles".into(), cycles),
    ];
    // Score `s` of observation `i`, or NA for the other instrument's rows.
    let (cl_end, cs_start) = (hi.min(n_cl), lo.max(n_cl));
    for (s, name) in d.checklist_scores.names.iter().enumerate() {
        let mut v: Vec<Option<f64>> = d.checklist_scores.values[s].range(lo..cl_end).collect();
        v.resize(n, None);
        cols.push(Col::F64(name.clone(), v));
    }
    for (s, name) in cs_names.iter().enumerate() {
        let mut v: Vec<Option<f64>> = vec![None; cl_end.saturating_sub(lo)];
        if let (Some(cs), true) = (&d.class_scores, hi > n_cl) {
            v.extend(cs.values[s].range(cs_start - n_cl..hi - n_cl));
        }
        v.resize(n, None);
        cols.push(Col::F64(name.clone(), v));
    }
    cols.push(Col::Str("notes", notes));
    cols
}

/// Columns of `classrooms.csv` or `centers.csv` for rows `lo..hi` of `t`.
fn level_cols(t: &LevelTable, lo: usize, hi: usize) -> Vec<Col<'_>> {
    fn strs<S: AsRef<str>>(v: &[S], lo: usize, hi: usize) -> Vec<Option<&str>> {
        v[lo..hi].iter().map(|s| Some(s.as_ref())).collect()
    }
    let mut cols = vec![Col::Str("center", strs(&t.center, lo, hi))];
    if t.level == Level::Classroom {
        cols.push(Col::Str("classroom", strs(&t.classroom, lo, hi)));
        // Whether the column exists depends on the whole table, not on the chunk.
        if t.age_group.iter().any(|g| !g.is_empty()) {
            cols.push(Col::Str(
                "age_group",
                t.age_group[lo..hi].iter().map(|s| Some(&**s).filter(|s| !s.is_empty())).collect(),
            ));
        }
    } else {
        for (name, vals) in &t.attributes {
            cols.push(Col::Text(name.clone(), strs(vals, lo, hi)));
        }
        cols.push(Col::U32("n_classrooms".into(), t.n_classrooms[lo..hi].to_vec()));
    }
    cols.push(Col::U32("n_checklist_obs".into(), t.n_checklist_obs[lo..hi].to_vec()));
    cols.push(Col::U32("n_class_obs".into(), t.n_class_obs[lo..hi].to_vec()));
    cols.push(Col::U32("n_class_cycles".into(), t.n_class_cycles[lo..hi].to_vec()));
    for (s, name) in t.names.iter().enumerate() {
        cols.push(Col::F64(name.clone(), t.values[s][lo..hi].to_vec()));
        cols.push(Col::U32(format!("{name}_n"), t.ns[s][lo..hi].to_vec()));
    }
    cols
}

pub fn sha256_file(p: &Path) -> Result<String> {
    let bytes = std::fs::read(p)?;
    Ok(sha256_hex(&bytes))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let h = Sha256::digest(bytes);
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// Input files with their hashes, for provenance.
pub fn provenance(study: &Study, d: &StudyData) -> Result<serde_json::Value> {
    let mut inputs = Vec::new();
    let spec_hash = sha256_file(&study.spec_path)?;
    let files = [
        ("checklist", Some(&study.spec.files.checklist), Some(&d.checklist.dialect)),
        ("class", study.spec.files.class.as_ref(), d.class.as_ref().map(|c| &c.dialect)),
        ("roster", study.spec.files.roster.as_ref(), d.roster.as_ref().map(|r| &r.dialect)),
    ];
    for (role, fs, dialect) in files {
        if let Some(fs) = fs {
            let p = study.resolve_path(&fs.path);
            inputs.push(serde_json::json!({
                "role": role,
                "path": fs.path.display().to_string(),
                "sha256": sha256_file(&p)?,
                "dialect": dialect,
            }));
        }
    }
    Ok(serde_json::json!({
        "tool": "checkval",
        "version": env!("CARGO_PKG_VERSION"),
        "pseudonymized": d.pseudonymized,
        "spec": {
            "path": study.spec_path.file_name().map(|s| s.to_string_lossy().to_string()),
            "sha256": spec_hash,
        },
        "inputs": inputs,
        "seed": study.spec.analysis.seed,
        "bootstrap": study.spec.analysis.bootstrap,
        "ci_level": study.spec.analysis.ci_level,
        "keep_going_excluded": d.issues.n_excluded,
    }))
}
