//! Plain numeric tables for the ad-hoc `stat` commands: one row per unit, one column per item
//! or rater. Blank, `NA`, `N/A`, `#N/A` and `.` are missing; anything else must be a finite number.

use super::table::{ReadOptions, TextTable};
use super::values::{parse_number, NumError};
use crate::error::{ErrorKind, InputError};
use std::path::Path;

pub const MISSING: [&str; 5] = ["", "NA", "N/A", "#N/A", "."];

pub struct NumericTable {
    pub names: Vec<String>,
    pub rows: Vec<Vec<Option<f64>>>,
    /// Text columns kept alongside (e.g. a cluster id), by request.
    pub text: Vec<Vec<String>>,
    pub text_names: Vec<String>,
}

/// Read `columns` (all columns not in `text_cols` when `None`) as numbers, plus `text_cols` as text.
pub fn read_numeric(path: &Path, columns: Option<&[String]>, text_cols: &[String]) -> Result<NumericTable, InputError> {
    let t = TextTable::open(path, &ReadOptions::default())?;
    let text_idx: Vec<usize> = text_cols.iter().map(|c| t.resolve(c, "column")).collect::<Result<_, _>>()?;
    let idx: Vec<usize> = match columns {
        Some(cols) => cols.iter().map(|c| t.resolve(c, "column")).collect::<Result<_, _>>()?,
        None => (0..t.headers.len()).filter(|i| !text_idx.contains(i)).collect(),
    };
    let mut rows = Vec::new();
    let mut text = vec![Vec::new(); text_idx.len()];
    for r in t.records() {
        let (line, rec) = r?;
        let mut row = Vec::with_capacity(idx.len());
        for &c in &idx {
            let cell = rec.get(c).unwrap_or("").trim();
            if MISSING.contains(&cell) {
                row.push(None);
                continue;
            }
            match parse_number(cell, t.decimal) {
                Ok(v) => row.push(Some(v)),
                Err(e) => {
                    return Err(InputError::new(ErrorKind::InvalidNumber, path)
                        .line(line)
                        .column(t.headers[c].clone())
                        .found(cell)
                        .expected(match e {
                            NumError::NonFinite => {
                                "a finite number (NaN and Inf are not ratings; leave the cell blank or write NA)"
                            }
                            NumError::NotANumber => "a number, or blank/NA for missing",
                        }))
                }
            }
        }
        for (k, &c) in text_idx.iter().enumerate() {
            text[k].push(rec.get(c).unwrap_or("").trim().to_string());
        }
        rows.push(row);
    }
    for (j, &c) in idx.iter().enumerate() {
        if rows.iter().all(|r| r[j].is_none()) {
            return Err(InputError::new(ErrorKind::AllMissing, path)
                .column(t.headers[c].clone())
                .found("a column with no values")
                .expected("at least one number"));
        }
    }
    Ok(NumericTable {
        names: idx.iter().map(|&i| t.headers[i].clone()).collect(),
        rows,
        text,
        text_names: text_cols.to_vec(),
    })
}
