//! Every report table as `tables/<id>.csv` and as one sheet of `tables.xlsx`.

use super::{Block, Doc, Table};
use crate::io::atomic::write_atomic;
use crate::io::frame::neutralize;
use anyhow::{Context, Result};
use rust_xlsxwriter::{Format, Workbook};
use std::path::Path;

fn tables(doc: &Doc) -> Vec<&Table> {
    doc.sections
        .iter()
        .flat_map(|s| s.blocks.iter())
        .filter_map(|b| if let Block::Table(t) = b { Some(t) } else { None })
        .collect()
}

pub fn table_csv(t: &Table) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(t.headers.iter().map(|h| neutralize(h).into_owned()))?;
    for r in &t.rows {
        w.write_record(r.iter().map(|c| neutralize(c).into_owned()))?;
    }
    w.into_inner().context("csv")
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(id: &str, used: &mut Vec<String>) -> String {
    let base: String = id.trim_start_matches("tab-").chars().filter(|c| !"[]:*?/\\".contains(*c)).take(28).collect();
    let mut name = base.clone();
    let mut k = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
        name = format!("{base}~{k}");
        k += 1;
    }
    used.push(name.clone());
    name
}

pub fn write_all(doc: &Doc, out: &Path) -> Result<()> {
    let ts = tables(doc);
    let dir = out.join("tables");
    for t in &ts {
        write_atomic(&dir.join(format!("{}.csv", t.id.trim_start_matches("tab-"))), &table_csv(t)?)?;
    }
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let mut used = Vec::new();
    for t in &ts {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.id, &mut used)).context("sheet name")?;
        ws.write_string_with_format(0, 0, &t.caption, &bold)?;
        for (j, h) in t.headers.iter().enumerate() {
            ws.write_string_with_format(2, j as u16, h, &bold)?;
        }
        for (i, r) in t.rows.iter().enumerate() {
            for (j, c) in r.iter().enumerate() {
                ws.write_string((i + 3) as u32, j as u16, c.as_str())?;
            }
        }
        if let Some(n) = &t.note {
            ws.write_string((t.rows.len() + 4) as u32, 0, n.as_str())?;
        }
        ws.autofit();
    }
    let bytes = wb.save_to_buffer().context("writing tables.xlsx")?;
    write_atomic(&out.join("tables.xlsx"), &bytes)
}
