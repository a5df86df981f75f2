//! `init`: draft a study spec from the files' headers and values.
//!
//! ID columns are recognised by Spanish and English names (clave, centro, guardería, sala,
//! aula, observador, rol, ciclo, ...) and confirmed by their values (dates must parse, roles must
//! be known codes). Item columns are recognised by their value sets (`Sí`/`No`, small integer
//! scales, with not-applicable and missing codes), their subscale by the form group prefix.
//! CLASS dimensions are matched by abbreviation or full name in English or Spanish.

use super::instrument::{builtin, BUILTIN_VERSIONS};
use super::spec::{
    Analysis, ChecklistSpec, ClassLayout, ClassSpec, Codes, Columns, FileSpec, Files, Item, ItemType, Roles,
    RosterSpec, Scoring, Spec, StudyMeta, Subscale,
};
use crate::io::table::{code_eq, fold_code, normalize_name, strip_group_prefix, ReadOptions, TextTable};
use crate::io::values::{parse_datetime, parse_number};
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Per-column value profile.
struct Profile {
    distinct: BTreeSet<String>,
    overflow: bool,
    non_empty: usize,
}

fn profile(t: &TextTable) -> Result<Vec<Profile>> {
    let mut p: Vec<Profile> =
        t.headers.iter().map(|_| Profile { distinct: BTreeSet::new(), overflow: false, non_empty: 0 }).collect();
    for r in t.records().take(50_000) {
        let (_, rec) = r?;
        for (i, f) in rec.iter().enumerate() {
            let f = f.trim();
            if f.is_empty() {
                continue;
            }
            let pr = &mut p[i];
            pr.non_empty += 1;
            if !pr.overflow {
                pr.distinct.insert(f.to_string());
                if pr.distinct.len() > 40 {
                    pr.overflow = true;
                }
            }
        }
    }
    Ok(p)
}

const KEY: &[&str] =
    &["key", "instanceid", "uuid", "_uuid", "meta_instanceid", "clave_envio", "folio", "submission_key"];
const CENTER: &[&str] = &[
    "clave_centro",
    "centro",
    "center",
    "center_id",
    "id_centro",
    "guarderia",
    "clave_guarderia",
    "cct",
    "centre",
    "unidad",
];
const CLASSROOM: &[&str] =
    &["sala", "aula", "classroom", "classroom_id", "id_sala", "salon", "room", "grupo", "clave_sala"];
const OBSERVER: &[&str] = &[
    "observador",
    "observadora",
    "observer",
    "observer_id",
    "enumerator",
    "evaluador",
    "encuestador",
    "id_observador",
];
const ROLE: &[&str] = &["rol", "role", "tipo_observacion", "tipo", "confiabilidad", "doble_codificacion"];
const DATE: &[&str] = &["fecha_visita", "fecha", "date", "visit_date", "fecha_observacion"];
const START: &[&str] = &["starttime", "hora_inicio", "start", "inicio", "start_time"];
const END: &[&str] = &["endtime", "hora_fin", "end", "fin", "end_time"];
const CYCLE: &[&str] = &["ciclo", "cycle", "num_ciclo", "cycle_number"];
const SUBMITTED: &[&str] = &["submissiondate", "_submission_time", "submission_time", "fecha_envio", "submitted"];
const ROUND: &[&str] = &["round", "ronda", "periodo", "wave", "ola", "num_ronda", "round_number"];
const AGE_GROUP: &[&str] = &["grupo_edad", "grupo_de_edad", "age_group", "edad_grupo", "age_band"];

fn groups_ok(p: &Profile) -> bool {
    !p.overflow && (2..=12).contains(&p.distinct.len()) && p.distinct.iter().any(|v| v.parse::<f64>().is_err())
}

/// Find a column by synonym: exact normalized match first, then a header containing the
/// synonym as a `_`-separated token. `ok` validates the column's values.
fn find_role(
    t: &TextTable,
    prof: &[Profile],
    syn: &[&str],
    taken: &BTreeSet<usize>,
    ok: &dyn Fn(&Profile) -> bool,
) -> Option<usize> {
    let norm: Vec<String> = t.headers.iter().map(|h| normalize_name(strip_group_prefix(h))).collect();
    for s in syn {
        if let Some(i) = (0..norm.len()).find(|&i| !taken.contains(&i) && norm[i] == *s && ok(&prof[i])) {
            return Some(i);
        }
    }
    for s in syn {
        if let Some(i) =
            (0..norm.len()).find(|&i| !taken.contains(&i) && norm[i].split('_').any(|tok| tok == *s) && ok(&prof[i]))
        {
            return Some(i);
        }
    }
    None
}

fn dates_ok(p: &Profile) -> bool {
    p.non_empty > 0 && p.distinct.iter().all(|v| parse_datetime(v).is_some())
}

fn roles_ok(p: &Profile) -> bool {
    let r = Roles::default();
    p.non_empty > 0 && p.distinct.iter().all(|v| r.primary.iter().chain(r.reliability.iter()).any(|c| code_eq(c, v)))
}

fn any(_: &Profile) -> bool {
    true
}

struct Guess {
    columns: Columns,
    notes: Vec<String>,
    taken: BTreeSet<usize>,
}

fn guess_columns(t: &TextTable, prof: &[Profile], want_cycle: bool) -> Guess {
    let mut taken = BTreeSet::new();
    let mut notes = Vec::new();
    let file = t.file_name();
    let mut pick = |name: &str, syn: &[&str], ok: &dyn Fn(&Profile) -> bool, taken: &mut BTreeSet<usize>| {
        let r = find_role(t, prof, syn, taken, ok);
        match r {
            Some(i) => {
                taken.insert(i);
                notes.push(format!("{file}: {name} = '{}'", t.headers[i]));
                Some(t.headers[i].clone())
            }
            None => {
                notes.push(format!("{file}: no {name} column recognised"));
                None
            }
        }
    };
    let key = pick("key", KEY, &any, &mut taken);
    let center = pick("center", CENTER, &any, &mut taken);
    let classroom = pick("classroom", CLASSROOM, &any, &mut taken);
    let observer = pick("observer", OBSERVER, &any, &mut taken);
    let role = pick("role", ROLE, &roles_ok, &mut taken);
    let date = pick("date", DATE, &dates_ok, &mut taken);
    let start = pick("start time", START, &dates_ok, &mut taken);
    let end = pick("end time", END, &dates_ok, &mut taken);
    let cycle = if want_cycle { pick("cycle", CYCLE, &any, &mut taken) } else { None };
    let age_group = pick("age group", AGE_GROUP, &groups_ok, &mut taken);
    let submitted = if want_cycle { None } else { pick("submission time", SUBMITTED, &dates_ok, &mut taken) };
    let round = if want_cycle { None } else { pick_quiet(t, prof, ROUND, &mut taken, &mut notes) };
    Guess {
        columns: Columns {
            key,
            center: center.unwrap_or_else(|| "CENTER_COLUMN_NOT_FOUND".into()),
            classroom: classroom.unwrap_or_else(|| "CLASSROOM_COLUMN_NOT_FOUND".into()),
            observer,
            role,
            date,
            start,
            end,
            cycle,
            age_group,
            submitted,
            round,
        },
        notes,
        taken,
    }
}

/// An optional role (the round of monitoring exports): noted only when found.
fn pick_quiet(
    t: &TextTable,
    prof: &[Profile],
    syn: &[&str],
    taken: &mut BTreeSet<usize>,
    notes: &mut Vec<String>,
) -> Option<String> {
    let i = find_role(t, prof, syn, taken, &|p: &Profile| p.non_empty > 0 && !p.overflow)?;
    taken.insert(i);
    notes.push(format!("{}: round = '{}' (monitoring rounds, see `checkval monitor`)", t.file_name(), t.headers[i]));
    Some(t.headers[i].clone())
}

fn sanitize_id(s: &str) -> String {
    let n = normalize_name(s);
    if n.is_empty() {
        "general".into()
    } else {
        n
    }
}

/// Classify a column as a checklist item from its values.
fn classify_item(p: &Profile, codes: &Codes, yes: &[String], no: &[String]) -> Option<(ItemType, Vec<f64>)> {
    if p.overflow || p.non_empty == 0 {
        return None;
    }
    let is_code = |v: &str| codes.missing.iter().chain(codes.not_applicable.iter()).any(|c| code_eq(c, v));
    let substantive: Vec<&String> = p.distinct.iter().filter(|v| !is_code(v)).collect();
    if substantive.is_empty() {
        return None;
    }
    let folded: BTreeSet<String> = substantive.iter().map(|v| fold_code(v)).collect();
    let yes_f: BTreeSet<String> = yes.iter().map(|v| fold_code(v)).collect();
    let no_f: BTreeSet<String> = no.iter().map(|v| fold_code(v)).collect();
    let textual = folded.iter().any(|v| v.parse::<f64>().is_err());
    if textual && folded.iter().all(|v| yes_f.contains(v) || no_f.contains(v)) {
        return Some((ItemType::Binary, vec![]));
    }
    let nums: Option<Vec<f64>> =
        substantive.iter().map(|v| parse_number(v, crate::io::dialect::DecimalMark::Point).ok()).collect();
    let nums = nums?;
    if nums.iter().any(|v| v.fract() != 0.0 || *v < 0.0 || *v > 10.0) || folded.len() < 2 {
        return None;
    }
    let lo = nums.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = nums.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if lo == 0.0 && hi == 1.0 {
        return Some((ItemType::Binary, vec![]));
    }
    let values: Vec<f64> = (lo as i64..=hi as i64).map(|v| v as f64).collect();
    if values.len() > 7 {
        return None;
    }
    Some((ItemType::Ordinal, values))
}

fn relative(from_dir: &Path, target: &Path) -> PathBuf {
    let a = from_dir.canonicalize().unwrap_or_else(|_| from_dir.to_path_buf());
    let b = target.canonicalize().unwrap_or_else(|_| target.to_path_buf());
    let ac: Vec<_> = a.components().collect();
    let bc: Vec<_> = b.components().collect();
    let common = ac.iter().zip(&bc).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return b;
    }
    let mut p = PathBuf::new();
    for _ in common..ac.len() {
        p.push("..");
    }
    for c in &bc[common..] {
        p.push(c.as_os_str());
    }
    p
}

pub struct InitResult {
    pub toml: String,
    pub notes: Vec<String>,
    pub problems: Vec<String>,
}

pub fn draft(checklist: &Path, class: Option<&Path>, roster: Option<&Path>, out: &Path) -> Result<InitResult> {
    let out_dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut notes = Vec::new();
    let mut problems = Vec::new();
    let t = TextTable::open(checklist, &ReadOptions::default())?;
    notes.push(dialect_note(&t));
    let prof = profile(&t)?;
    let g = guess_columns(&t, &prof, false);
    notes.extend(g.notes.iter().cloned());
    if g.columns.center.ends_with("NOT_FOUND") || g.columns.classroom.ends_with("NOT_FOUND") {
        problems.push(format!("{}: set checklist.columns.center and .classroom by hand", t.file_name()));
    }
    let codes = Codes::default();
    let (items, subscales) = draft_items(&t, &prof, &g.taken, &codes, &mut problems);
    notes.push(format!(
        "{}: {} item column(s) recognised ({} binary, {} ordinal) in {} subscale(s): {}",
        t.file_name(),
        items.len(),
        items.iter().filter(|i| i.kind == ItemType::Binary).count(),
        items.iter().filter(|i| i.kind == ItemType::Ordinal).count(),
        subscales.len(),
        subscales.join(", ")
    ));
    if items.is_empty() {
        problems.push("no item columns recognised: add [[checklist.items]] by hand".into());
    }
    problems.push(
        "reverse-scored items cannot be told from the data: set `reverse = true` where an item is worded negatively"
            .into(),
    );
    problems.push("item labels are empty: fill label_es / label_en for the report".into());
    let mut spec = Spec {
        study: StudyMeta { name: "Draft study spec".into(), description: String::new() },
        files: Files {
            checklist: FileSpec { path: relative(out_dir, checklist), ..Default::default() },
            class: None,
            roster: None,
        },
        checklist: ChecklistSpec {
            columns: g.columns,
            codes,
            subscales: subscales
                .iter()
                .map(|s| Subscale { id: s.clone(), label_es: String::new(), label_en: String::new() })
                .collect(),
            items,
            carry: Vec::new(),
        },
        roles: Roles::default(),
        scoring: Scoring::default(),
        class: None,
        roster: RosterSpec::default(),
        analysis: Analysis::default(),
        checks: Default::default(),
        monitor: None,
    };
    let mut d = Draft { spec: &mut spec, out_dir, notes: &mut notes, problems: &mut problems };
    if let Some(cp) = class {
        d.class(cp)?;
    }
    if let Some(rp) = roster {
        d.roster(rp)?;
    }
    let toml = render(&spec, &notes, &problems)?;
    Ok(InitResult { toml, notes, problems })
}

/// "file: encoding, delimiter, decimal" for the notes.
fn dialect_note(t: &TextTable) -> String {
    format!(
        "{}: {}, delimiter {}, decimal '{}'",
        t.file_name(),
        t.dialect.encoding,
        t.dialect.delimiter,
        t.dialect.decimal
    )
}

/// One item per column not taken by an ID role whose values look like answers; returns the
/// items and their subscales (form groups) in order of appearance.
fn draft_items(
    t: &TextTable,
    prof: &[Profile],
    taken: &BTreeSet<usize>,
    codes: &Codes,
    problems: &mut Vec<String>,
) -> (Vec<Item>, Vec<String>) {
    let (yes, no) = (
        ["Sí", "Si", "Yes", "True", "Verdadero"].iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        ["No", "False", "Falso"].iter().map(|s| s.to_string()).collect::<Vec<_>>(),
    );
    let mut items = Vec::new();
    let mut subscales: Vec<String> = Vec::new();
    let mut ids = BTreeSet::new();
    for (i, h) in t.headers.iter().enumerate() {
        if taken.contains(&i) {
            continue;
        }
        let Some((kind, values)) = classify_item(&prof[i], codes, &yes, &no) else { continue };
        let (group, id) = match h.rsplit_once(['/', '-']) {
            Some((grp, id)) => (sanitize_id(strip_group_prefix(grp)), id.to_string()),
            None => ("general".to_string(), h.clone()),
        };
        if !ids.insert(id.clone()) {
            problems.push(format!("item id '{id}' appears twice; kept the first"));
            continue;
        }
        if !subscales.contains(&group) {
            subscales.push(group.clone());
        }
        let is_numeric_binary = kind == ItemType::Binary && prof[i].distinct.iter().any(|v| v == "1" || v == "0");
        items.push(draft_item(h, id, group, kind, values, is_numeric_binary));
    }
    (items, subscales)
}

/// The spec entry of an item found in column `h`.
fn draft_item(h: &str, id: String, group: String, kind: ItemType, values: Vec<f64>, is_numeric_binary: bool) -> Item {
    Item {
        column: if id == *h { None } else { Some(h.to_string()) },
        id: id.clone(),
        label_es: String::new(),
        label_en: String::new(),
        subscale: group,
        kind,
        yes: if kind == ItemType::Binary {
            if is_numeric_binary {
                vec!["1".into()]
            } else {
                vec!["Sí".into(), "Si".into()]
            }
        } else {
            vec![]
        },
        no: if kind == ItemType::Binary {
            if is_numeric_binary {
                vec!["0".into()]
            } else {
                vec!["No".into()]
            }
        } else {
            vec![]
        },
        values,
        labels: BTreeMap::new(),
        not_applicable: vec![],
        reverse: false,
    }
}

/// The spec being drafted, with what was recognised and what needs attention.
struct Draft<'a> {
    spec: &'a mut Spec,
    /// Where the spec is written (file paths are relative to it).
    out_dir: &'a Path,
    notes: &'a mut Vec<String>,
    problems: &'a mut Vec<String>,
}

impl Draft<'_> {
    /// The CLASS export: ID columns, the version whose dimensions match most columns, and
    /// the cycle column.
    fn class(&mut self, cp: &Path) -> Result<()> {
        let ct = TextTable::open(cp, &ReadOptions::default())?;
        self.notes.push(dialect_note(&ct));
        let cprof = profile(&ct)?;
        let cg = guess_columns(&ct, &cprof, true);
        self.notes.extend(cg.notes.iter().cloned());
        let (version, map) = best_class_version(&ct);
        let inst = builtin(version).expect("builtin");
        self.notes.push(format!(
            "{}: CLASS {version} ({} of {} dimensions matched)",
            ct.file_name(),
            map.len(),
            inst.dimensions.len()
        ));
        if map.len() < inst.dimensions.len() {
            let missing: Vec<&str> =
                inst.dimensions.iter().filter(|d| !map.contains_key(&d.code)).map(|d| d.code.as_str()).collect();
            self.problems.push(format!(
                "CLASS dimensions without a column: {} (map them in [class.dimensions])",
                missing.join(", ")
            ));
        }
        if cg.columns.cycle.is_none() {
            self.problems.push(
                "no CLASS cycle column recognised: set class.columns.cycle, or layout = \"wide\" with wide_pattern"
                    .into(),
            );
        }
        self.spec.files.class = Some(FileSpec { path: relative(self.out_dir, cp), ..Default::default() });
        self.spec.class = Some(ClassSpec {
            version: version.to_string(),
            layout: ClassLayout::Long,
            cycles: 4,
            wide_pattern: None,
            columns: cg.columns,
            dimensions: map,
            instrument: None,
        });
        Ok(())
    }

    /// The roster: its center column and the attributes carried to centers.csv.
    fn roster(&mut self, rp: &Path) -> Result<()> {
        let rt = TextTable::open(rp, &ReadOptions::default())?;
        let rprof = profile(&rt)?;
        let center = find_role(&rt, &rprof, CENTER, &BTreeSet::new(), &any);
        match center {
            Some(i) => {
                self.notes.push(format!("{}: center = '{}'", rt.file_name(), rt.headers[i]));
                let attrs: Vec<String> = (0..rt.headers.len())
                    .filter(|&j| {
                        j != i && !rprof[j].overflow && rprof[j].distinct.len() >= 2 && rprof[j].distinct.len() <= 40
                    })
                    .map(|j| rt.headers[j].clone())
                    .filter(|h| !h.starts_with("n_"))
                    .collect();
                self.notes.push(format!("{}: attributes carried to centers.csv: {}", rt.file_name(), attrs.join(", ")));
                let dif = attrs.iter().find(|a| {
                    let j = rt.headers.iter().position(|h| h == *a).expect("attribute column");
                    (2..=6).contains(&rprof[j].distinct.len())
                });
                if let Some(g) = dif {
                    self.notes.push(format!(
                        "analysis.dif_groups = [\"{g}\"]: a roster attribute with 2-6 levels to test item functioning by"
                    ));
                    self.spec.analysis.dif_groups = vec![g.clone()];
                }
                self.spec.roster = RosterSpec { center: Some(rt.headers[i].clone()), attributes: attrs };
            }
            None => self.problems.push(format!("{}: no center column recognised; set [roster] center", rt.file_name())),
        }
        self.spec.files.roster = Some(FileSpec { path: relative(self.out_dir, rp), ..Default::default() });
        Ok(())
    }
}

/// The built-in CLASS version whose dimensions match most columns of `ct` (the first on a
/// tie), with its dimension → column map.
fn best_class_version(ct: &TextTable) -> (&'static str, BTreeMap<String, String>) {
    let mut best: Option<(&str, usize, BTreeMap<String, String>)> = None;
    for v in BUILTIN_VERSIONS {
        let inst = builtin(v).expect("builtin");
        let mut map = BTreeMap::new();
        for d in &inst.dimensions {
            let names = [d.code.as_str(), d.name_en.as_str(), d.name_es.as_str()]
                .into_iter()
                .chain(d.aliases.iter().map(|s| s.as_str()))
                .collect::<Vec<_>>();
            if let Some(i) = names.iter().find_map(|n| ct.find(n)) {
                map.insert(d.code.clone(), ct.headers[i].clone());
            }
        }
        let score = map.len() * 100 / inst.dimensions.len();
        if best.as_ref().is_none_or(|b| score > b.1) {
            best = Some((v, score, map));
        }
    }
    let (version, _pct, map) = best.expect("versions");
    (version, map)
}

/// The spec as TOML under a header listing the notes and problems.
fn render(spec: &Spec, notes: &[String], problems: &[String]) -> Result<String> {
    let body = toml::to_string(spec)?;
    let mut toml = String::from("# Study spec drafted by `checkval init`. Review every line; see docs/study-spec.md.\n#\n# What was recognised:\n");
    for n in notes {
        toml.push_str(&format!("#   {n}\n"));
    }
    toml.push_str("#\n# What needs your attention:\n");
    for p in problems {
        toml.push_str(&format!("#   {p}\n"));
    }
    toml.push('\n');
    toml.push_str(&body);
    toml.push_str(&threshold_example(spec));
    Ok(toml)
}

/// A commented `[[analysis.thresholds]]` example with CLASS-based suggestions: without a
/// threshold `run` leaves out the ROC screening section (and says so in the report).
fn threshold_example(spec: &Spec) -> String {
    let Some(inst) = spec.class.as_ref().and_then(|c| builtin(&c.version)) else { return String::new() };
    if !spec.analysis.thresholds.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "\n# Screening (ROC) needs a quality threshold on a CLASS score; none is set, so `run` leaves the\n\
         # ROC section out and the report says so. The choice is the study's, not checkval's. CLASS\n\
         # domain scores run 1-7 (1-2 low, 3-5 middle, 6-7 high); common choices are below the middle\n\
         # range (e.g. < 3.5 for emotional support, < 3 for instructional support). Uncomment and edit:\n",
    );
    for d in &inst.domains {
        let cut = if d.code.contains("IS") || d.code.contains("ESL") { "3" } else { "3.5" };
        s.push_str(&format!(
            "#\n# [[analysis.thresholds]]\n# name = \"low_{c}\"\n# score = \"class_{c}\"\n# below = {cut}\n\
             # label_es = \"{es} bajo ({c} < {cut})\"\n# label_en = \"Low {en} ({c} < {cut})\"\n",
            c = d.code,
            es = d.name_es,
            en = d.name_en.to_lowercase(),
        ));
    }
    s
}
