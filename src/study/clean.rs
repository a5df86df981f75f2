//! `clean`: apply a corrections file to the checklist export with an audit trail.
//!
//! Corrections are keyed by the submission key. Actions: `set` (the default: change `column`
//! from `old_value` to `new_value`, only if the cell still holds `old_value`), `drop` (remove the
//! submission), `mark_reliability` (set the role column to the first reliability code). Nothing
//! is applied blindly: a correction whose key, column or old value does not match is reported
//! as `skipped` with the reason. Raw files are never written to; the cleaned export, the audit
//! log and a spec pointing at the cleaned export are written to the output directory.

use super::spec::Study;
use crate::error::{ErrorKind, InputError};
use crate::io::table::{resolve_column, ReadOptions, TextTable};
use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub key: String,
    pub action: String,
    pub column: String,
    pub before: String,
    pub after: String,
    pub reason: String,
    pub who: String,
    pub date: String,
    pub status: &'static str,
    pub message: String,
}

impl AuditRow {
    /// The audit row of a correction, before its outcome is known.
    fn of(c: &Correction, key: &str) -> AuditRow {
        AuditRow {
            key: key.to_string(),
            action: c.action.clone(),
            column: c.column.clone(),
            before: String::new(),
            after: String::new(),
            reason: c.reason.clone(),
            who: c.who.clone(),
            date: c.date.clone(),
            status: "applied",
            message: String::new(),
        }
    }
}

struct Correction {
    line: u64,
    key: String,
    action: String,
    column: String,
    old: String,
    new: String,
    reason: String,
    who: String,
    date: String,
}

fn read_corrections(path: &Path) -> Result<Vec<Correction>, InputError> {
    let t = TextTable::open(path, &ReadOptions::default())?;
    let col = |name: &str| t.resolve(name, "corrections");
    let opt = |names: &[&str]| names.iter().find_map(|n| t.find(n));
    let (ck, cc) = (col("key")?, opt(&["column", "columna", "variable"]));
    let (co, cn) = (opt(&["old_value", "old", "valor_anterior"]), opt(&["new_value", "new", "valor_nuevo"]));
    let (cr, cw, cd, ca) = (opt(&["reason", "motivo"]), opt(&["who", "quien", "quién"]), opt(&["date", "fecha"]), opt(&["action", "accion", "acción"]));
    let mut out = Vec::new();
    for r in t.records() {
        let (line, rec) = r?;
        let g = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").trim().to_string();
        let action = match g(ca).to_ascii_lowercase().as_str() {
            "" | "set" => "set".to_string(),
            "drop" => "drop".to_string(),
            "mark_reliability" => "mark_reliability".to_string(),
            other => {
                return Err(InputError::new(ErrorKind::InvalidValue, path)
                    .line(line)
                    .column("action")
                    .found(other.to_string())
                    .expected("set, drop or mark_reliability"))
            }
        };
        if action == "set" && (cc.is_none() || co.is_none() || cn.is_none()) {
            return Err(InputError::new(ErrorKind::UnknownColumn, path)
                .line(1)
                .found("a 'set' correction without column, old_value and new_value columns")
                .expected("columns key, column, old_value, new_value, reason, who, date"));
        }
        out.push(Correction { line, key: g(Some(ck)), action, column: g(cc), old: g(co), new: g(cn), reason: g(cr), who: g(cw), date: g(cd) });
    }
    Ok(out)
}

pub struct CleanResult {
    pub audit: Vec<AuditRow>,
    pub rows_in: usize,
    pub rows_out: usize,
}

pub fn clean(study: &Study, corrections: &Path, out: &Path) -> Result<CleanResult> {
    let fs = &study.spec.files.checklist;
    let path = study.resolve_path(&fs.path);
    let key_col = study.spec.checklist.columns.key.clone().ok_or_else(|| {
        InputError::new(ErrorKind::Spec, &study.spec_path).found("no checklist.columns.key").expected("a submission key column: corrections are matched by key")
    })?;
    let t = TextTable::open(&path, &fs.read_options())?;
    let kc = t.resolve(&key_col, "key")?;
    let role_col = match &study.spec.checklist.columns.role {
        Some(r) => Some(t.resolve(r, "role")?),
        None => None,
    };
    let corr = read_corrections(corrections)?;
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in corr.iter().enumerate() {
        by_key.entry(c.key.as_str()).or_default().push(i);
    }
    let mut used = vec![false; corr.len()];
    let mut audit = Vec::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut rows_in = 0;
    for r in t.records() {
        let (_, rec) = r?;
        rows_in += 1;
        let mut row: Vec<String> = rec.iter().map(|s| s.to_string()).collect();
        let key = row[kc].trim().to_string();
        let mut drop = false;
        for &ci in by_key.get(key.as_str()).map(|v| v.as_slice()).unwrap_or(&[]) {
            used[ci] = true;
            let c = &corr[ci];
            let mut a = AuditRow::of(c, &key);
            match c.action.as_str() {
                "drop" => {
                    drop = true;
                    a.message = "submission dropped".into();
                }
                "mark_reliability" => match (role_col, study.spec.roles.reliability.first()) {
                    (Some(rc), Some(code)) => {
                        a.column = t.headers[rc].clone();
                        a.before = row[rc].clone();
                        a.after = code.clone();
                        row[rc] = code.clone();
                    }
                    _ => {
                        a.status = "skipped";
                        a.message = "the spec has no role column".into();
                    }
                },
                _ => match resolve_column(&t.path, &t.headers, &c.column, "correction") {
                    Ok(col) => {
                        a.column = t.headers[col].clone();
                        a.before = row[col].clone();
                        if row[col].trim() == c.old {
                            a.after = c.new.clone();
                            row[col] = c.new.clone();
                        } else {
                            a.status = "skipped";
                            a.after = row[col].clone();
                            a.message = format!("old value does not match: the file holds '{}', the correction expects '{}'", row[col], c.old);
                        }
                    }
                    Err(e) => {
                        a.status = "skipped";
                        a.message = format!("unknown column '{}'{}", c.column, e.hint.map(|h| format!(" ({h})")).unwrap_or_default());
                    }
                },
            }
            audit.push(a);
        }
        if !drop {
            rows.push(row);
        }
    }
    for (_, c) in corr.iter().enumerate().filter(|(i, _)| !used[*i]) {
        let mut a = AuditRow::of(c, &c.key);
        a.status = "skipped";
        a.message = format!("no submission with this key (corrections file line {})", c.line);
        audit.push(a);
    }
    // Cleaned export: UTF-8, same delimiter, same columns.
    let mut w = csv::WriterBuilder::new().delimiter(t.delimiter).from_writer(Vec::new());
    w.write_record(&t.headers)?;
    for r in &rows {
        w.write_record(r)?;
    }
    let name = path.file_name().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "checklist.csv".into());
    crate::io::atomic::write_atomic(&out.join(&name), &w.into_inner().context("csv")?)?;
    // Audit log (neutralised: it is opened in Excel).
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["key", "action", "column", "before", "after", "reason", "who", "date", "status", "message"])?;
    for a in &audit {
        let f = [&a.key, &a.action, &a.column, &a.before, &a.after, &a.reason, &a.who, &a.date, &a.status.to_string(), &a.message];
        w.write_record(f.iter().map(|s| crate::io::frame::neutralize(s).into_owned()))?;
    }
    crate::io::atomic::write_atomic(&out.join("audit.csv"), &w.into_inner().context("csv")?)?;
    // A spec that reads the cleaned export and the original CLASS and roster files.
    let text = std::fs::read_to_string(&study.spec_path)?;
    let mut v: toml::Value = toml::from_str(&text)?;
    let abs = |p: &std::path::PathBuf| study.resolve_path(p).canonicalize().unwrap_or_else(|_| study.resolve_path(p)).display().to_string();
    if let Some(files) = v.get_mut("files").and_then(|f| f.as_table_mut()) {
        for (role, f) in files.iter_mut() {
            if let Some(tb) = f.as_table_mut() {
                if role == "checklist" {
                    tb.insert("path".into(), toml::Value::String(name.clone()));
                    tb.remove("encoding");
                } else if let Some(p) = tb.get("path").and_then(|p| p.as_str()) {
                    let p = std::path::PathBuf::from(p);
                    tb.insert("path".into(), toml::Value::String(abs(&p)));
                }
            }
        }
    }
    crate::io::atomic::write_atomic_str(&out.join("study.toml"), &format!("# Written by `checkval clean`: reads the cleaned checklist export.\n{}", toml::to_string(&v)?))?;
    Ok(CleanResult { rows_out: rows.len(), rows_in, audit })
}
