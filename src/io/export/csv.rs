//! CSV export of a [`Sheet`]: UTF-8, a header row, numbers in full precision, text cells that
//! a spreadsheet would run as formulas neutralised.

use super::{Cell, Sheet};
use crate::io::frame::neutralize;
use anyhow::{Context, Result};

/// The CSV bytes of a sheet (header and rows; title and notes are not part of a CSV).
pub fn sheet_csv(sheet: &Sheet) -> Result<Vec<u8>> {
    rows_csv(&sheet.headers, sheet.rows.iter().map(|r| r.as_slice()))
}

/// CSV bytes from a header and any iterator of rows.
pub fn rows_csv<'a>(headers: &[String], rows: impl Iterator<Item = &'a [Cell]>) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut w = RowsCsv::new(&mut buf, headers)?;
    for r in rows {
        w.row(r)?;
    }
    w.finish()?;
    Ok(buf)
}

/// A CSV being written row by row to any writer: the bytes of [`rows_csv`], without holding
/// the table.
pub struct RowsCsv<W: std::io::Write> {
    w: ::csv::Writer<W>,
    buf: String,
}

impl<W: std::io::Write> RowsCsv<W> {
    /// Start the CSV with its header row.
    pub fn new(out: W, headers: &[String]) -> Result<Self> {
        let mut w = ::csv::Writer::from_writer(out);
        w.write_record(headers.iter().map(|h| neutralize(h).into_owned()))?;
        Ok(RowsCsv { w, buf: String::new() })
    }

    /// One row.
    pub fn row(&mut self, cells: &[Cell]) -> Result<()> {
        for c in cells {
            match c {
                Cell::Text(s) => self.w.write_field(neutralize(s).as_bytes())?,
                other => {
                    self.buf.clear();
                    other.push_csv_text(&mut self.buf);
                    self.w.write_field(&self.buf)?
                }
            }
        }
        self.w.write_record(None::<&[u8]>)?;
        Ok(())
    }

    /// Flush what is buffered.
    pub fn finish(mut self) -> Result<()> {
        self.w.flush().context("csv")
    }
}

/// [`rows_csv`] for text rows, streamed to `out` (no copy of the table in memory): the same
/// bytes, one row built at a time.
pub fn text_rows_csv_to<W: std::io::Write, R: AsRef<str>>(
    out: W,
    headers: &[&str],
    rows: impl Iterator<Item = Vec<R>>,
) -> Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    w.write_record(headers.iter().map(|h| neutralize(h).into_owned()))?;
    for r in rows {
        for c in &r {
            w.write_field(neutralize(c.as_ref()).as_bytes())?;
        }
        w.write_record(None::<&[u8]>)?;
    }
    w.flush().context("csv")
}
