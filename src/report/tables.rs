//! Every report table as `tables/<id>.csv` and as one sheet of `tables.xlsx`, through the
//! shared sheet writer in [`crate::io::export`].

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

/// A report table as an export sheet: caption as the title, the note below it.
pub fn table_sheet(t: &Table) -> Sheet {
    Sheet {
        name: t.id.trim_start_matches("tab-").to_string(),
        title: Some(t.caption.clone()),
        notes: t.note.iter().cloned().collect(),
        headers: t.headers.clone(),
        rows: t.rows.iter().map(|r| r.iter().map(|c| Cell::Text(c.clone())).collect()).collect(),
    }
}

pub fn table_csv(t: &Table) -> Result<Vec<u8>> {
    sheet_csv(&table_sheet(t))
}

pub fn write_all(doc: &Doc, out: &Path) -> Result<()> {
    let ts = tables(doc);
    let dir = out.join("tables");
    let mut book = Book::new();
    for t in &ts {
        let sheet = table_sheet(t);
        write_atomic(&dir.join(format!("{}.csv", sheet.name)), &sheet_csv(&sheet)?)?;
        book.add(&sheet)?;
    }
    write_atomic(&out.join("tables.xlsx"), &book.finish()?)
}
