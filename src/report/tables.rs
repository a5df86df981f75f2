//! Every report table as `tables/<id>.csv` and as one sheet of `tables.xlsx`, through the
//! shared sheet writer in [`crate::io::export`].

use super::cell::{Cell as RCell, Value};
use super::{Block, Doc, Table};
use crate::io::atomic::write_atomic;
use crate::io::export::{csv::sheet_csv, xlsx::Book, Cell, Sheet};
use anyhow::Result;
use std::path::Path;

fn tables(doc: &Doc) -> Vec<&Table> {
    doc.sections
        .iter()
        .flat_map(|s| s.blocks.iter())
        .filter_map(|b| if let Block::Table(t) = b { Some(t) } else { None })
        .collect()
}

/// The estimate's header without its bracketed CI description: `α [95% CI, Feldt]` → `α`.
fn base_header(h: &str) -> &str {
    h.split(" [").next().unwrap_or(h).trim()
}

/// A report table as an export sheet: caption as the title, the note below it; every number a
/// numeric cell, and a column of estimates with CIs split into estimate, ci_low and ci_high.
pub fn table_sheet(t: &Table) -> Sheet {
    let kinds: Vec<ColKind> = (0..t.headers.len()).map(|j| col_kind(t, j)).collect();
    let mut headers = Vec::new();
    for (h, k) in t.headers.iter().zip(&kinds) {
        let base = base_header(h);
        let base = if base.is_empty() { h.as_str() } else { base };
        match k {
            ColKind::Plain => headers.push(h.clone()),
            ColKind::EstCi => headers.extend([base.to_string(), format!("{base} ci_low"), format!("{base} ci_high")]),
            ColKind::CiOnly => headers.extend([format!("{base} ci_low"), format!("{base} ci_high")]),
        }
    }
    let rows = t.rows.iter().map(|r| r.iter().zip(&kinds).flat_map(|(c, k)| export_cells(c, *k)).collect()).collect();
    Sheet {
        name: t.id.trim_start_matches("tab-").to_string(),
        title: Some(t.caption.clone()),
        notes: t.note.iter().cloned().collect(),
        headers,
        rows,
    }
}

/// How a column is exported: as it is, as estimate + CI bounds, or as CI bounds only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColKind {
    Plain,
    EstCi,
    CiOnly,
}

fn col_kind(t: &Table, j: usize) -> ColKind {
    let cells = || t.rows.iter().filter_map(|r| r.get(j));
    if !cells().any(|c| matches!(c.value, Value::Est { .. })) {
        return ColKind::Plain;
    }
    let has_estimate = cells().any(|c| match &c.value {
        Value::Est { v, .. } | Value::Num(v, _) => v.is_some(),
        Value::None => false,
    });
    if has_estimate {
        ColKind::EstCi
    } else {
        ColKind::CiOnly
    }
}

/// One report cell as one export cell, or as the estimate and/or CI bounds of a CI column.
fn export_cells(c: &RCell, kind: ColKind) -> Vec<Cell> {
    let one = match &c.value {
        Value::None => {
            if c.text.is_empty() || c.text == "NA" || c.text == "—" {
                Cell::Empty
            } else {
                Cell::Text(c.text.clone())
            }
        }
        Value::Num(v, f) => Cell::num(*v, *f),
        Value::Est { v, fmt, .. } => Cell::num(*v, *fmt),
    };
    let (lo, hi) = match &c.value {
        Value::Est { lo, hi, fmt, .. } => (Cell::num(*lo, *fmt), Cell::num(*hi, *fmt)),
        _ => (Cell::Empty, Cell::Empty),
    };
    match kind {
        ColKind::Plain => vec![one],
        ColKind::EstCi => vec![one, lo, hi],
        ColKind::CiOnly => vec![lo, hi],
    }
}

/// The key findings as the first sheet of `tables.xlsx`: one sentence per row and the sheet of
/// the table it summarises.
fn findings_sheet(doc: &Doc) -> Option<Sheet> {
    let sec = doc.sections.iter().find(|s| s.id == "findings")?;
    let mut rows = Vec::new();
    for b in &sec.blocks {
        match b {
            Block::Findings(fs) => rows.extend(
                fs.iter()
                    .map(|f| vec![Cell::Text(f.text.clone()), Cell::Text(f.target.trim_start_matches("tab-").into())]),
            ),
            Block::List(items) => rows.extend(items.iter().map(|i| vec![Cell::Text(i.clone()), Cell::Empty])),
            Block::Para(p) => rows.push(vec![Cell::Text(p.clone()), Cell::Empty]),
            _ => {}
        }
    }
    let es = doc.lang.is_es();
    Some(Sheet {
        name: if es { "hallazgos" } else { "findings" }.into(),
        title: Some(sec.title.clone()),
        notes: Vec::new(),
        headers: vec![if es { "Hallazgo" } else { "Finding" }.into(), if es { "Tabla" } else { "Table" }.into()],
        rows,
    })
}

pub fn table_csv(t: &Table) -> Result<Vec<u8>> {
    sheet_csv(&table_sheet(t))
}

/// `tables/<name>.csv` for every table of the report and `tables.xlsx` with the findings and
/// every table, a sheet each. The CSV files are written (in parallel) beside the workbook,
/// which is built sheet by sheet in the report's order; each file is written atomically. Of
/// tables with the same name, the file holds the last, as when they were written in order.
pub fn write_all(doc: &Doc, out: &Path) -> Result<()> {
    use rayon::prelude::*;
    let sheets: Vec<Sheet> = tables(doc).into_iter().map(table_sheet).collect();
    let last: std::collections::HashMap<&str, usize> =
        sheets.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
    let dir = out.join("tables");
    let (csv, xlsx) = rayon::join(
        || {
            sheets
                .par_iter()
                .enumerate()
                .filter(|(i, s)| last[s.name.as_str()] == *i)
                .try_for_each(|(_, s)| write_atomic(&dir.join(format!("{}.csv", s.name)), &sheet_csv(s)?))
        },
        || -> Result<()> {
            let mut book = Book::new();
            if let Some(sheet) = findings_sheet(doc) {
                book.add(&sheet)?;
            }
            for s in &sheets {
                book.add(s)?;
            }
            write_atomic(&out.join("tables.xlsx"), &book.finish()?)
        },
    );
    csv?;
    xlsx
}
