//! `clean`: apply a corrections file to the checklist export with an audit trail.
//!
//! Corrections are keyed by the submission key. Actions: `set` (the default: change `column`
//! from `old_value` to `new_value`, only if the cell still holds `old_value`), `drop` (remove the
//! submission), `mark_reliability` (set the role column to the first reliability code). Nothing
//! is applied blindly: a correction whose key, column or old value does not match is reported
//! as `skipped` with the reason. Raw files are never written to; the cleaned export, the audit
//! log and a spec pointing at the cleaned export are written to the output directory.
//!
//! Corrections target the checklist export by default; a `file` column set to `class` targets
//! the CLASS export. An optional `row` column (the row number shown in `check`'s issue log)
//! restricts a correction to that row, which is how one copy of an exact duplicate is dropped
//! and how CLASS rows without a key column are addressed. The corrections file may be CSV or a
//! workbook (XLSX/ODS). Cleaned exports are UTF-8 CSV whatever the input format. In the
//! cleaned checklist, columns that are neither a role, an item nor listed in
//! `checklist.carry` are dropped (free text is carried only where the spec says so).
//!
//! `check` proposes the evident fixes in this same format (`corrections-draft.csv`, see
//! [`CorrectionRow`] and `study::drafts`).

use super::privacy::Pseudonymizer;
use super::spec::{Columns, Study};
use crate::error::{ErrorKind, InputError};
use crate::io::table::{normalize_name, resolve_column, ReadOptions, TextTable};
use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// Outcome of one correction in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditStatus {
    /// The old value matched and the change was made.
    Applied,
    /// The correction was not applied (stale old value, unknown key, ...); `message` says why.
    Skipped,
}

/// What a correction does (the `action` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Change `column` from `old_value` to `new_value` (only if the cell still holds the old value).
    Set,
    /// Remove the submission (or, with `row`, that row).
    Drop,
    /// Set the role column to the first reliability code.
    MarkReliability,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Set => "set",
            Action::Drop => "drop",
            Action::MarkReliability => "mark_reliability",
        }
    }
    /// From the `action` cell (blank = `set`), case-insensitive.
    fn parse(s: &str) -> Option<Action> {
        match s.to_ascii_lowercase().as_str() {
            "" | "set" => Some(Action::Set),
            "drop" => Some(Action::Drop),
            "mark_reliability" => Some(Action::MarkReliability),
            _ => None,
        }
    }
}

/// The export a correction targets (the `file` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    Checklist,
    Class,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Checklist => "checklist",
            Target::Class => "class",
        }
    }
    /// From the `file` cell (blank = the checklist), case-insensitive.
    fn parse(s: &str) -> Option<Target> {
        match s.to_ascii_lowercase().as_str() {
            "" | "checklist" | "lista" => Some(Target::Checklist),
            "class" => Some(Target::Class),
            _ => None,
        }
    }
}

/// One row of a corrections file, as `clean --corrections` reads it (and as `check` proposes
/// them in `corrections-draft.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectionRow {
    pub file: Target,
    /// The row number shown in `check`'s issue log (restricts the correction to that row).
    pub row: Option<u64>,
    /// The submission key (blank with `row`).
    pub key: String,
    pub column: String,
    pub old: String,
    pub new: String,
    pub reason: String,
    pub who: String,
    pub date: String,
    pub action: Action,
}

/// The columns of a corrections file, in the order `check` writes them.
pub const CORRECTION_COLUMNS: [&str; 10] =
    ["file", "row", "key", "column", "old_value", "new_value", "reason", "who", "date", "action"];

/// A corrections file (UTF-8 CSV) that `clean --corrections` reads back as written. Cells are
/// not neutralised (an old value must match the cell): callers leave out rows whose values a
/// spreadsheet would run as a formula.
pub fn corrections_csv(rows: &[CorrectionRow]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CORRECTION_COLUMNS)?;
    for c in rows {
        let row = c.row.map(|r| r.to_string()).unwrap_or_default();
        w.write_record([
            c.file.as_str(),
            &row,
            &c.key,
            &c.column,
            &c.old,
            &c.new,
            &c.reason,
            &c.who,
            &c.date,
            c.action.as_str(),
        ])?;
    }
    w.into_inner().context("csv")
}

impl AuditStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditStatus::Applied => "applied",
            AuditStatus::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub file: String,
    pub row: String,
    pub key: String,
    pub action: String,
    pub column: String,
    pub before: String,
    pub after: String,
    pub reason: String,
    pub who: String,
    pub date: String,
    pub status: AuditStatus,
    pub message: String,
}

impl AuditRow {
    /// The audit row of a correction, before its outcome is known.
    fn of(c: &Correction, key: &str) -> AuditRow {
        AuditRow {
            file: c.file.as_str().to_string(),
            row: c.row.map(|r| r.to_string()).unwrap_or_default(),
            key: key.to_string(),
            action: c.action.as_str().to_string(),
            column: c.column.clone(),
            before: String::new(),
            after: String::new(),
            reason: c.reason.clone(),
            who: c.who.clone(),
            date: c.date.clone(),
            status: AuditStatus::Applied,
            message: String::new(),
        }
    }
}

struct Correction {
    line: u64,
    file: Target,
    row: Option<u64>,
    key: String,
    action: Action,
    column: String,
    old: String,
    new: String,
    reason: String,
    who: String,
    date: String,
}

fn read_corrections(path: &Path) -> Result<Vec<Correction>, InputError> {
    let t = TextTable::open(path, &ReadOptions::default())?;
    let opt = |names: &[&str]| names.iter().find_map(|n| t.find(n));
    let ck = opt(&["key", "clave"]);
    let (cc, cf, crow) = (
        opt(&["column", "columna", "variable"]),
        opt(&["file", "archivo"]),
        opt(&["row", "fila", "line", "linea", "línea"]),
    );
    let (co, cn) = (opt(&["old_value", "old", "valor_anterior"]), opt(&["new_value", "new", "valor_nuevo"]));
    let (cr, cw, cd, ca) = (
        opt(&["reason", "motivo"]),
        opt(&["who", "quien", "quién"]),
        opt(&["date", "fecha"]),
        opt(&["action", "accion", "acción"]),
    );
    if ck.is_none() && crow.is_none() {
        return Err(InputError::new(ErrorKind::UnknownColumn, path)
            .line(t.header_line)
            .found(format!("columns {}", t.headers.join(", ")))
            .expected("a key column (or a row column): key, column, old_value, new_value, reason, who, date"));
    }
    let mut out = Vec::new();
    for r in t.records() {
        let (line, rec) = r?;
        let g = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").trim().to_string();
        let bad = |col: &str, found: String, expected: &str| {
            InputError::new(ErrorKind::InvalidValue, path)
                .line(line)
                .column(col.to_string())
                .found(found)
                .expected(expected.to_string())
        };
        let action = Action::parse(&g(ca)).ok_or_else(|| bad("action", g(ca), "set, drop or mark_reliability"))?;
        let file = Target::parse(&g(cf)).ok_or_else(|| bad("file", g(cf), "checklist or class"))?;
        let row = match g(crow) {
            s if s.is_empty() => None,
            s => Some(s.parse::<u64>().map_err(|_| bad("row", s.clone(), "a row number from the issue log"))?),
        };
        if action == Action::Set && (cc.is_none() || co.is_none() || cn.is_none()) {
            return Err(InputError::new(ErrorKind::UnknownColumn, path)
                .line(t.header_line)
                .found("a 'set' correction without column, old_value and new_value columns")
                .expected("columns key, column, old_value, new_value, reason, who, date"));
        }
        let key = g(ck);
        if key.is_empty() && row.is_none() {
            return Err(bad(
                "key",
                "an empty key and no row".into(),
                "the submission key or the row number of the row to correct",
            ));
        }
        out.push(Correction {
            line,
            file,
            row,
            key,
            action,
            column: g(cc),
            old: g(co),
            new: g(cn),
            reason: g(cr),
            who: g(cw),
            date: g(cd),
        });
    }
    Ok(out)
}

pub struct CleanResult {
    pub audit: Vec<AuditRow>,
    pub rows_in: usize,
    pub rows_out: usize,
    /// Checklist columns dropped because the spec does not use or carry them.
    pub dropped_columns: Vec<String>,
}

/// Which columns hold IDs to pseudonymize.
struct IdCols {
    center: usize,
    classroom: usize,
    observer: Option<usize>,
}

struct FileResult {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    rows_in: usize,
    delimiter: u8,
}

/// Apply the corrections aimed at one file.
fn apply_file(
    t: &TextTable,
    corr: &[&Correction],
    key_col: Option<usize>,
    role_col: Option<usize>,
    reliability_code: Option<&String>,
    audit: &mut Vec<AuditRow>,
    used: &mut [bool],
) -> Result<FileResult> {
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_row: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, c) in corr.iter().enumerate() {
        match c.row {
            Some(r) => by_row.entry(r).or_default().push(i),
            None => by_key.entry(c.key.as_str()).or_default().push(i),
        }
    }
    let mut rows = Vec::new();
    let mut rows_in = 0;
    for r in t.records() {
        let (line, rec) = r?;
        rows_in += 1;
        let mut row: Vec<String> = rec.iter().map(|s| s.to_string()).collect();
        let key = key_col.map(|k| row[k].trim().to_string()).unwrap_or_default();
        let mut drop = false;
        let mine: Vec<usize> = by_key
            .get(key.as_str())
            .into_iter()
            .flatten()
            .chain(by_row.get(&line).into_iter().flatten().filter(|&&i| corr[i].key.is_empty() || corr[i].key == key))
            .copied()
            .collect();
        for ci in mine {
            used[ci] = true;
            let c = corr[ci];
            let mut a = AuditRow::of(c, &key);
            a.row = line.to_string();
            match c.action {
                Action::Drop => {
                    drop = true;
                    a.message = "submission dropped".into();
                }
                Action::MarkReliability => match (role_col, reliability_code) {
                    (Some(rc), Some(code)) => {
                        a.column = t.headers[rc].clone();
                        a.before = row[rc].clone();
                        a.after = code.clone();
                        row[rc] = code.clone();
                    }
                    _ => {
                        a.status = AuditStatus::Skipped;
                        a.message = "the spec has no role column".into();
                    }
                },
                Action::Set => match resolve_column(&t.path, &t.headers, &c.column, "correction") {
                    Ok(col) => {
                        a.column = t.headers[col].clone();
                        a.before = row[col].clone();
                        if row[col].trim() == c.old {
                            a.after = c.new.clone();
                            row[col] = c.new.clone();
                        } else {
                            a.status = AuditStatus::Skipped;
                            a.after = row[col].clone();
                            a.message = format!(
                                "old value does not match: the file holds '{}', the correction expects '{}'",
                                row[col], c.old
                            );
                        }
                    }
                    Err(e) => {
                        a.status = AuditStatus::Skipped;
                        a.message = format!(
                            "unknown column '{}'{}",
                            c.column,
                            e.hint.map(|h| format!(" ({h})")).unwrap_or_default()
                        );
                    }
                },
            }
            audit.push(a);
        }
        if !drop {
            rows.push(row);
        }
    }
    Ok(FileResult { headers: t.headers.clone(), rows, rows_in, delimiter: t.delimiter })
}

fn pseudonymize_rows(p: &Pseudonymizer, rows: &mut [Vec<String>], ids: &IdCols) {
    for r in rows {
        let center = r[ids.center].trim().to_string();
        r[ids.classroom] = p.classroom(&center, r[ids.classroom].trim());
        r[ids.center] = p.center(&center);
        if let Some(o) = ids.observer {
            r[o] = p.observer(r[o].trim());
        }
    }
}

fn write_csv(path: &Path, delimiter: u8, headers: &[String], rows: &[Vec<String>], keep: &[usize]) -> Result<()> {
    let mut w = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
    w.write_record(keep.iter().map(|&i| &headers[i]))?;
    for r in rows {
        w.write_record(keep.iter().map(|&i| crate::io::frame::neutralize(&r[i]).into_owned()))?;
    }
    crate::io::atomic::write_atomic(path, &w.into_inner().context("csv")?)
}

/// Cleaned file name: the input's stem with a `.csv` extension.
fn csv_name(path: &Path, default: &str) -> String {
    path.file_stem().map(|s| format!("{}.csv", s.to_string_lossy())).unwrap_or_else(|| default.into())
}

pub fn clean(study: &Study, corrections: &Path, out: &Path, pseudo: Option<&Pseudonymizer>) -> Result<CleanResult> {
    let key_col = study.spec.checklist.columns.key.clone().ok_or_else(|| {
        InputError::new(ErrorKind::Spec, &study.spec_path)
            .found("no checklist.columns.key")
            .expected("a submission key column: corrections are matched by key")
    })?;
    let corr = read_corrections(corrections)?;
    let mut used = vec![false; corr.len()];
    let mut audit = Vec::new();
    // ---- checklist
    let cl = clean_checklist(study, &key_col, &corr, &mut used, &mut audit, out, pseudo)?;
    // ---- CLASS (only when corrections target it, or IDs must be pseudonymized)
    let class_name = clean_class(study, &corr, &mut used, &mut audit, out, pseudo, &cl.name)?;
    audit_unused(&corr, &used, &mut audit);
    if let Some(p) = pseudo {
        pseudonymize_audit(study, p, &mut audit);
    }
    // Audit log (neutralised: it is opened in Excel).
    write_audit(&out.join("audit.csv"), &audit)?;
    // A spec that reads the cleaned exports (and the original files it did not rewrite).
    write_cleaned_spec(study, out, &cl.name, class_name)?;
    Ok(CleanResult { rows_out: cl.rows_out, rows_in: cl.rows_in, audit, dropped_columns: cl.dropped_columns })
}

/// What cleaning the checklist export leaves for the rest of `clean`.
struct CleanedChecklist {
    /// File name of the cleaned export in the output directory.
    name: String,
    rows_in: usize,
    rows_out: usize,
    dropped_columns: Vec<String>,
}

impl IdCols {
    fn resolve(t: &TextTable, cols: &Columns) -> Result<IdCols> {
        Ok(IdCols {
            center: t.resolve(&cols.center, "center")?,
            classroom: t.resolve(&cols.classroom, "classroom")?,
            observer: cols.observer.as_ref().map(|o| t.resolve(o, "observer")).transpose()?,
        })
    }
}

/// Apply the corrections aimed at `file` (`checklist` or `class`), marking in `used` the ones
/// that matched a row.
fn apply_to(
    t: &TextTable,
    file: Target,
    corr: &[Correction],
    key_col: Option<usize>,
    role_col: Option<usize>,
    reliability_code: Option<&String>,
    audit: &mut Vec<AuditRow>,
    used: &mut [bool],
) -> Result<FileResult> {
    let idx: Vec<usize> = (0..corr.len()).filter(|&i| corr[i].file == file).collect();
    let sub: Vec<&Correction> = idx.iter().map(|&i| &corr[i]).collect();
    let mut sub_used = vec![false; sub.len()];
    let res = apply_file(t, &sub, key_col, role_col, reliability_code, audit, &mut sub_used)?;
    for (k, &i) in idx.iter().enumerate() {
        used[i] |= sub_used[k];
    }
    Ok(res)
}

/// Correct, trim to the used columns, pseudonymize and write the checklist export.
fn clean_checklist(
    study: &Study,
    key_col: &str,
    corr: &[Correction],
    used: &mut [bool],
    audit: &mut Vec<AuditRow>,
    out: &Path,
    pseudo: Option<&Pseudonymizer>,
) -> Result<CleanedChecklist> {
    let spec = &study.spec;
    let fs = &spec.files.checklist;
    let path = study.resolve_path(&fs.path);
    let t = TextTable::open(&path, &fs.read_options())?;
    let cols = &spec.checklist.columns;
    let kc = t.resolve(key_col, "key")?;
    let role_col = match &cols.role {
        Some(r) => Some(t.resolve(r, "role")?),
        None => None,
    };
    let mut res =
        apply_to(&t, Target::Checklist, corr, Some(kc), role_col, spec.roles.reliability.first(), audit, used)?;
    let keep = kept_columns(study, &t)?;
    let dropped_columns: Vec<String> =
        (0..t.headers.len()).filter(|i| !keep.contains(i)).map(|i| t.headers[i].clone()).collect();
    if let Some(p) = pseudo {
        pseudonymize_rows(p, &mut res.rows, &IdCols::resolve(&t, cols)?);
    }
    let name = csv_name(&path, "checklist.csv");
    write_csv(&out.join(&name), res.delimiter, &res.headers, &res.rows, &keep)?;
    Ok(CleanedChecklist { name, rows_in: res.rows_in, rows_out: res.rows.len(), dropped_columns })
}

/// Checklist columns kept in the cleaned export: roles, items, carried free text (sorted).
fn kept_columns(study: &Study, t: &TextTable) -> Result<Vec<usize>> {
    let spec = &study.spec;
    let cols = &spec.checklist.columns;
    let mut keep_set = std::collections::BTreeSet::new();
    for c in [
        Some(&cols.center),
        Some(&cols.classroom),
        cols.key.as_ref(),
        cols.observer.as_ref(),
        cols.role.as_ref(),
        cols.date.as_ref(),
        cols.start.as_ref(),
        cols.end.as_ref(),
        cols.age_group.as_ref(),
        cols.submitted.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        keep_set.insert(t.resolve(c, "column")?);
    }
    for it in &spec.checklist.items {
        keep_set.insert(t.resolve(it.column.as_deref().unwrap_or(&it.id), "item")?);
    }
    for c in &spec.checklist.carry {
        keep_set.insert(t.resolve(c, "carried column")?);
    }
    Ok(keep_set.into_iter().collect())
}

/// Correct, pseudonymize and write the CLASS export, when corrections target it or IDs must
/// be pseudonymized. Returns the cleaned file's name (never the checklist's `checklist_name`).
fn clean_class(
    study: &Study,
    corr: &[Correction],
    used: &mut [bool],
    audit: &mut Vec<AuditRow>,
    out: &Path,
    pseudo: Option<&Pseudonymizer>,
    checklist_name: &str,
) -> Result<Option<String>> {
    let spec = &study.spec;
    let has_class_corr = corr.iter().any(|c| c.file == Target::Class);
    let (Some(cfs), Some(cspec)) = (&spec.files.class, &spec.class) else { return Ok(None) };
    if !has_class_corr && pseudo.is_none() {
        return Ok(None);
    }
    let cpath = study.resolve_path(&cfs.path);
    let ct = TextTable::open(&cpath, &cfs.read_options())?;
    let ccols = &cspec.columns;
    let ckc = ccols.key.as_ref().map(|k| ct.resolve(k, "key")).transpose()?;
    let crole = ccols.role.as_ref().map(|r| ct.resolve(r, "role")).transpose()?;
    let mut cres = apply_to(&ct, Target::Class, corr, ckc, crole, spec.roles.reliability.first(), audit, used)?;
    if let Some(p) = pseudo {
        pseudonymize_rows(p, &mut cres.rows, &IdCols::resolve(&ct, ccols)?);
    }
    let mut n = csv_name(&cpath, "class.csv");
    if n == checklist_name {
        n = format!("class_{n}");
    }
    let all: Vec<usize> = (0..cres.headers.len()).collect();
    write_csv(&out.join(&n), cres.delimiter, &cres.headers, &cres.rows, &all)?;
    Ok(Some(n))
}

/// A `skipped` audit row for every correction that matched no row.
fn audit_unused(corr: &[Correction], used: &[bool], audit: &mut Vec<AuditRow>) {
    for (_, c) in corr.iter().enumerate().filter(|(i, _)| !used[*i]) {
        let mut a = AuditRow::of(c, &c.key);
        a.status = AuditStatus::Skipped;
        a.message = match c.row {
            Some(r) => {
                format!(
                    "no row {r} in the {} file matching this correction (corrections file line {})",
                    c.file.as_str(),
                    c.line
                )
            }
            None => format!("no submission with this key (corrections file line {})", c.line),
        };
        audit.push(a);
    }
}

/// Before/after values of ID columns must not leak the raw IDs either.
fn pseudonymize_audit(study: &Study, p: &Pseudonymizer, audit: &mut [AuditRow]) {
    let cols = &study.spec.checklist.columns;
    let id_names = [Some(&cols.center), cols.observer.as_ref()];
    for a in audit.iter_mut() {
        if id_names.iter().flatten().any(|n| normalize_name(n) == normalize_name(&a.column)) {
            let is_center = normalize_name(&a.column) == normalize_name(&cols.center);
            let f = |v: &str| {
                if v.is_empty() {
                    String::new()
                } else if is_center {
                    p.center(v)
                } else {
                    p.observer(v)
                }
            };
            a.before = f(&a.before);
            a.after = f(&a.after);
        }
    }
}

/// The audit log as CSV (neutralised: it is opened in Excel).
fn write_audit(path: &Path, audit: &[AuditRow]) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "file", "row", "key", "action", "column", "before", "after", "reason", "who", "date", "status", "message",
    ])?;
    for a in audit {
        let f = [
            &a.file,
            &a.row,
            &a.key,
            &a.action,
            &a.column,
            &a.before,
            &a.after,
            &a.reason,
            &a.who,
            &a.date,
            a.status.as_str(),
            &a.message,
        ];
        w.write_record(f.iter().map(|s| crate::io::frame::neutralize(s).into_owned()))?;
    }
    crate::io::atomic::write_atomic(path, &w.into_inner().context("csv")?)
}

/// A spec that reads the cleaned exports (and the original files it did not rewrite, by
/// absolute path).
fn write_cleaned_spec(study: &Study, out: &Path, checklist_name: &str, class_name: Option<String>) -> Result<()> {
    let text = std::fs::read_to_string(&study.spec_path)?;
    let mut v: toml::Value = toml::from_str(&text)?;
    let abs = |p: &std::path::PathBuf| {
        study.resolve_path(p).canonicalize().unwrap_or_else(|_| study.resolve_path(p)).display().to_string()
    };
    if let Some(files) = v.get_mut("files").and_then(|f| f.as_table_mut()) {
        for (role, f) in files.iter_mut() {
            if let Some(tb) = f.as_table_mut() {
                let cleaned = match role.as_str() {
                    "checklist" => Some(checklist_name.to_string()),
                    "class" => class_name.clone(),
                    _ => None,
                };
                if let Some(n) = cleaned {
                    tb.insert("path".into(), toml::Value::String(n));
                    for k in ["encoding", "format", "sheet", "value_labels", "decimal", "header_row"] {
                        tb.remove(k);
                    }
                } else if let Some(p) = tb.get("path").and_then(|p| p.as_str()) {
                    let p = std::path::PathBuf::from(p);
                    tb.insert("path".into(), toml::Value::String(abs(&p)));
                }
            }
        }
    }
    crate::io::atomic::write_atomic_str(
        &out.join("study.toml"),
        &format!("# Written by `checkval clean`: reads the cleaned exports.\n{}", toml::to_string(&v)?),
    )
}
