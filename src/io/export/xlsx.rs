//! XLSX export: the one sheet writer. Title (bold) and notes above a bold, frozen header row;
//! numbers as numeric cells with number formats; text as text cells (a value starting with `=`
//! is never a formula); column widths from the header and the first 500 rows. Workbooks are
//! reproducible: the document's creation time comes from `SOURCE_DATE_EPOCH` when set, else a
//! fixed date, so the same inputs give byte-identical files.

use super::{Cell, NumFormat, Sheet};
use anyhow::{Context, Result};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};

/// Rows scanned for column widths (autofit scans every cell: seconds on a national export).
const WIDTH_ROWS: usize = 500;
/// The creation time when `SOURCE_DATE_EPOCH` is not set: 2026-01-01T00:00:00Z.
const DEFAULT_EPOCH: i64 = 1_767_225_600;

/// A workbook being written, with the formats every sheet shares.
pub struct Book {
    wb: Workbook,
    used: Vec<String>,
    bold: Format,
    formats: [Format; 5],
}

fn fmt_index(f: NumFormat) -> usize {
    match f {
        NumFormat::Integer => 0,
        NumFormat::Dec2 => 1,
        NumFormat::Dec3 => 2,
        NumFormat::Percent => 3,
        NumFormat::General => 4,
    }
}

impl Default for Book {
    fn default() -> Self {
        Self::new()
    }
}

impl Book {
    pub fn new() -> Book {
        let mut wb = Workbook::new();
        let epoch = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse::<i64>().ok());
        if let Ok(dt) = ExcelDateTime::from_timestamp(epoch.unwrap_or(DEFAULT_EPOCH)) {
            wb.set_properties(&DocProperties::new().set_creation_datetime(&dt));
        }
        let formats = [
            Format::new().set_num_format("0"),
            Format::new().set_num_format("0.00"),
            Format::new().set_num_format("0.000"),
            Format::new().set_num_format("0.0%"),
            Format::new(),
        ];
        Book { wb, used: Vec::new(), bold: Format::new().set_bold(), formats }
    }

    /// Excel sheet names: at most 31 characters, none of `[]:*?/\`, unique (case-insensitive).
    fn sheet_name(&mut self, id: &str) -> String {
        let base: String = id.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(28).collect();
        let mut name = base.clone();
        let mut k = 2;
        while self.used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
            name = format!("{base}~{k}");
            k += 1;
        }
        self.used.push(name.clone());
        name
    }

    /// Add a sheet with its rows.
    pub fn add(&mut self, sheet: &Sheet) -> Result<()> {
        self.add_rows(sheet, sheet.rows.iter().map(|r| r.as_slice()))
    }

    /// Add a sheet whose rows come from an iterator (the sheet's own `rows` are ignored).
    pub fn add_rows<R: AsRef<[Cell]>>(&mut self, sheet: &Sheet, rows: impl Iterator<Item = R>) -> Result<()> {
        self.add_sheet(sheet, rows, false)
    }

    /// [`Book::add_rows`] for a large sheet: each row is flushed to a temporary file as soon as
    /// the next one starts (rust_xlsxwriter's constant-memory mode), so the rows can be built
    /// one at a time and never held together. Text is written as inline strings (no
    /// shared-strings table: no hashing of every string, no table in memory; the file is a few
    /// percent larger) and rows carry no `spans` hint; values and formats are those of
    /// [`Book::add_rows`].
    pub fn add_rows_streamed<R: AsRef<[Cell]>>(&mut self, sheet: &Sheet, rows: impl Iterator<Item = R>) -> Result<()> {
        self.add_sheet(sheet, rows, true)
    }

    fn add_sheet<R: AsRef<[Cell]>>(
        &mut self,
        sheet: &Sheet,
        rows: impl Iterator<Item = R>,
        low_memory: bool,
    ) -> Result<()> {
        let name = self.sheet_name(&sheet.name);
        let ws = if low_memory { self.wb.add_worksheet_with_constant_memory() } else { self.wb.add_worksheet() };
        ws.set_name(name).context("sheet name")?;
        let mut row = 0u32;
        if let Some(t) = &sheet.title {
            ws.write_string_with_format(row, 0, t, &self.bold)?;
            row += 1;
        }
        for n in &sheet.notes {
            ws.write_string(row, 0, n)?;
            row += 1;
        }
        if row > 0 {
            row += 1;
        }
        let mut width: Vec<usize> = sheet.headers.iter().map(|h| h.chars().count()).collect();
        for (j, h) in sheet.headers.iter().enumerate() {
            ws.write_string_with_format(row, j as u16, h, &self.bold)?;
        }
        ws.set_freeze_panes(row + 1, 0)?;
        for (i, r) in rows.enumerate() {
            write_row(
                ws,
                row + 1 + i as u32,
                r.as_ref(),
                &self.formats,
                if i < WIDTH_ROWS { Some(&mut width) } else { None },
            )?;
        }
        for (j, w) in width.iter().enumerate() {
            ws.set_column_width(j as u16, (*w).clamp(6, 80) as f64 + 1.0)?;
        }
        Ok(())
    }

    /// The workbook's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>> {
        self.wb.save_to_buffer().context("writing the workbook")
    }

    /// Write the workbook to `w` (the bytes of [`Book::finish`], without holding them).
    pub fn finish_to<W: std::io::Write + std::io::Seek + Send>(mut self, w: W) -> Result<()> {
        self.wb.save_to_writer(w).context("writing the workbook")
    }
}

fn write_row(
    ws: &mut Worksheet,
    row: u32,
    cells: &[Cell],
    formats: &[Format; 5],
    width: Option<&mut Vec<usize>>,
) -> Result<()> {
    let mut width = width;
    for (j, c) in cells.iter().enumerate() {
        let col = j as u16;
        let shown = match c {
            Cell::Text(s) => {
                ws.write_string(row, col, s)?;
                s.chars().count()
            }
            Cell::Number(v, f) => {
                ws.write_number_with_format(row, col, *v, &formats[fmt_index(*f)])?;
                8
            }
            Cell::Empty => 0,
        };
        if let Some(w) = width.as_deref_mut() {
            if j < w.len() {
                w[j] = w[j].max(shown);
            } else {
                w.push(shown);
            }
        }
    }
    Ok(())
}
