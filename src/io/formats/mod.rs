//! Non-text inputs: spreadsheets (XLSX/XLSM/XLS/ODS), SPSS `.sav`, Stata `.dta` and Parquet.
//!
//! Every reader produces a [`Grid`] (a header and rows of cell strings), which is rendered to
//! UTF-8 CSV in memory and read by [`TextTable`](super::TextTable) like any export, so the
//! rest of the pipeline sees one kind of table. Conventions shared by all formats:
//! - the row number reported in errors is the record number plus one (the header is row 1),
//!   which is the spreadsheet row for XLSX/ODS;
//! - numbers are written in Rust's shortest round-trip form with a `.` decimal mark, integers
//!   without a fraction;
//! - dates become ISO 8601 (`2026-03-04` or `2026-03-04T09:30:00`);
//! - values with a value label (SPSS, Stata) are written as the label unless the spec sets
//!   `value_labels = false`; user-missing (SPSS) and extended missing (Stata `.a`–`.z`) values
//!   without a label become empty cells;
//! - line breaks inside a cell become spaces, so that one record is one row.

pub mod parquet;
pub mod sheet;
pub mod spss;
pub mod stata;

use crate::error::{ErrorKind, InputError};
use std::path::Path;

/// File formats checkval reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Spreadsheet,
    Spss,
    Stata,
    Parquet,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "delimited text",
            Format::Spreadsheet => "spreadsheet",
            Format::Spss => "SPSS .sav",
            Format::Stata => "Stata .dta",
            Format::Parquet => "Parquet",
        }
    }

    /// From the spec's `format` (or `auto`/none: from the extension).
    pub fn resolve(path: &Path, label: Option<&str>) -> Result<Format, InputError> {
        let l = label.map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty() && s != "auto");
        let key = match l {
            Some(l) => l,
            None => path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default(),
        };
        Ok(match key.as_str() {
            "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" | "excel" | "spreadsheet" => Format::Spreadsheet,
            "sav" | "spss" => Format::Spss,
            "dta" | "stata" => Format::Stata,
            "parquet" | "pq" => Format::Parquet,
            "csv" | "tsv" | "txt" | "tab" | "text" | "" => Format::Text,
            other if label.is_some() => {
                return Err(InputError::new(ErrorKind::Spec, path)
                    .found(format!("format = \"{other}\""))
                    .expected("one of auto, csv, xlsx, ods, sav, dta, parquet"))
            }
            _ => Format::Text,
        })
    }
}

/// Options that apply to binary formats.
#[derive(Debug, Clone, Default)]
pub struct GridOptions {
    /// Sheet name for workbooks (default: the first sheet).
    pub sheet: Option<String>,
    /// Write value labels instead of codes (default true).
    pub value_labels: bool,
}

/// A decoded table: header names and rows of cells.
#[derive(Debug, Default)]
pub struct Grid {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// What the reader noticed (encoding, sheet, labels applied), for provenance.
    pub notes: Vec<String>,
    /// Rows of the source above the first grid row (a spreadsheet table starting below row 1),
    /// so that reported rows are the spreadsheet's.
    pub first_row: u64,
}

impl Grid {
    /// Render as RFC 4180 CSV (comma, `.` decimals, LF line ends).
    pub fn to_csv(&self) -> String {
        let mut out = String::with_capacity(self.rows.len() * self.headers.len() * 4 + 64);
        let mut push_row = |cells: &mut dyn Iterator<Item = &str>| {
            let mut first = true;
            for c in cells {
                if !first {
                    out.push(',');
                }
                first = false;
                let c = if c.contains(['\n', '\r']) {
                    std::borrow::Cow::Owned(c.replace("\r\n", " ").replace(['\n', '\r'], " "))
                } else {
                    std::borrow::Cow::Borrowed(c)
                };
                if c.contains([',', '"']) || c.starts_with(' ') || c.ends_with(' ') {
                    out.push('"');
                    out.push_str(&c.replace('"', "\"\""));
                    out.push('"');
                } else {
                    out.push_str(&c);
                }
            }
            out.push('\n');
        };
        push_row(&mut self.headers.iter().map(|s| s.as_str()));
        for r in &self.rows {
            push_row(&mut r.iter().map(|s| s.as_str()));
        }
        out
    }
}

/// Read a non-text file into a grid.
pub fn read_grid(path: &Path, bytes: &[u8], format: Format, opts: &GridOptions) -> Result<Grid, InputError> {
    let g = match format {
        Format::Spreadsheet => sheet::read(path, bytes, opts)?,
        Format::Spss => spss::read(path, bytes, opts)?,
        Format::Stata => stata::read(path, bytes, opts)?,
        Format::Parquet => parquet::read(path, bytes)?,
        Format::Text => unreachable!("text files are read by TextTable"),
    };
    if g.headers.is_empty() {
        return Err(InputError::new(ErrorKind::EmptyFile, path)
            .found(format!("a {} file with no columns", format.name()))
            .expected("a header row and at least one data row"));
    }
    Ok(g)
}

/// Format a number the way the CSV exports do: integers without a fraction.
pub fn fmt_num(x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    if x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// ISO date or date-time from days since 1970-01-01 plus seconds into the day.
pub fn iso_from_unix_secs(secs: f64, with_time: bool) -> String {
    if !secs.is_finite() {
        return String::new();
    }
    let s = secs.round() as i64;
    let days = s.div_euclid(86_400);
    let rem = s.rem_euclid(86_400);
    let Some(dt) = crate::io::values::DateTime::new(days, rem) else { return String::new() };
    if with_time {
        dt.iso()
    } else {
        dt.date_iso()
    }
}

/// A truncated or malformed binary file.
pub(crate) fn corrupt(path: &Path, what: &str, at: usize) -> InputError {
    InputError::new(ErrorKind::BinaryFile, path)
        .found(format!("{what} (byte offset {at})"))
        .expected("a complete, well-formed file; re-export it from the source program")
}

/// Little/big-endian cursor over a byte slice with bounds-checked reads.
pub(crate) struct Cursor<'a> {
    pub b: &'a [u8],
    pub pos: usize,
    pub big: bool,
    pub path: &'a Path,
}

impl<'a> Cursor<'a> {
    pub fn new(path: &'a Path, b: &'a [u8]) -> Self {
        Cursor { b, pos: 0, big: false, path }
    }
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], InputError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or_else(|| corrupt(self.path, "the file ends in the middle of a record", self.pos))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    pub fn skip(&mut self, n: usize) -> Result<(), InputError> {
        self.take(n).map(|_| ())
    }
    pub fn u8(&mut self) -> Result<u8, InputError> {
        Ok(self.take(1)?[0])
    }
    pub fn u16(&mut self) -> Result<u16, InputError> {
        let a: [u8; 2] = self.take(2)?.try_into().unwrap();
        Ok(if self.big { u16::from_be_bytes(a) } else { u16::from_le_bytes(a) })
    }
    pub fn u32(&mut self) -> Result<u32, InputError> {
        let a: [u8; 4] = self.take(4)?.try_into().unwrap();
        Ok(if self.big { u32::from_be_bytes(a) } else { u32::from_le_bytes(a) })
    }
    pub fn i32(&mut self) -> Result<i32, InputError> {
        Ok(self.u32()? as i32)
    }
    pub fn u64(&mut self) -> Result<u64, InputError> {
        let a: [u8; 8] = self.take(8)?.try_into().unwrap();
        Ok(if self.big { u64::from_be_bytes(a) } else { u64::from_le_bytes(a) })
    }
    pub fn f64(&mut self) -> Result<f64, InputError> {
        Ok(f64::from_bits(self.u64()?))
    }
    pub fn f64_at(&self, a: &[u8]) -> f64 {
        let a: [u8; 8] = a[..8].try_into().unwrap();
        f64::from_bits(if self.big { u64::from_be_bytes(a) } else { u64::from_le_bytes(a) })
    }
}

/// Bytes up to the first NUL, trailing spaces trimmed, decoded with `enc`.
pub(crate) fn cstr(bytes: &[u8], enc: &'static encoding_rs::Encoding) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let (s, _, _) = enc.decode(&bytes[..end]);
    s.trim_end().to_string()
}
