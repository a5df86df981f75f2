//! Every tabular output (report tables, the issue log, scores, the audit log) goes through here:
//! a [`Sheet`] of typed [`Cell`]s becomes an XLSX worksheet ([`xlsx`]) or a CSV file ([`csv`]).
//! One file per format, as hyperfine's `export/`.

pub mod csv;
pub mod xlsx;

/// How a number is shown in a workbook (the value itself is always stored in full).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumFormat {
    /// Whole numbers: counts, n.
    Integer,
    /// Two decimals (`0.00`): means, r, κ, α.
    Dec2,
    /// Three decimals (`0.000`): p-values, thresholds.
    Dec3,
    /// A proportion shown as a percentage (`0.0%`).
    Percent,
    /// Excel's General format.
    General,
}

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64, NumFormat),
    /// No value (an NA estimate): an empty cell in XLSX and CSV.
    Empty,
}

impl Cell {
    /// A number cell, or an empty cell for a missing or non-finite value.
    pub fn num(v: Option<f64>, f: NumFormat) -> Cell {
        match v {
            Some(x) if x.is_finite() => Cell::Number(x, f),
            _ => Cell::Empty,
        }
    }
    /// The cell's text in a CSV file: numbers in full precision.
    pub fn csv_text(&self) -> String {
        let mut s = String::new();
        self.push_csv_text(&mut s);
        s
    }
    /// [`Cell::csv_text`] appended to `buf` (no allocation per cell in long exports).
    pub fn push_csv_text(&self, buf: &mut String) {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        match self {
            Cell::Text(s) => buf.push_str(s),
            Cell::Number(v, NumFormat::Integer) if v.fract() == 0.0 && v.abs() < 1e15 => {
                let _ = write!(buf, "{}", *v as i64);
            }
            Cell::Number(v, _) => {
                let _ = write!(buf, "{v}");
            }
            Cell::Empty => {}
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

/// A table to export: a title and notes (above the header in a workbook), the header row and
/// the rows.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// Worksheet name (sanitised and made unique by the XLSX writer).
    pub name: String,
    pub title: Option<String>,
    pub notes: Vec<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}
