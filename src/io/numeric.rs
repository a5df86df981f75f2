//! Plain numeric tables for the ad-hoc `stat` commands: one row per unit, one column per item
//! or rater. Blank, `NA`, `N/A`, `#N/A` and `.` are missing; anything else must be a finite number.

use super::dialect::DecimalMark;
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
                Err(e) => return Err(number_error(path, line, &t.headers[c], cell, e)),
            }
        }
        for (k, &c) in text_idx.iter().enumerate() {
            text[k].push(rec.get(c).unwrap_or("").trim().to_string());
        }
        rows.push(row);
    }
    for (j, &c) in idx.iter().enumerate() {
        if rows.iter().all(|r| r[j].is_none()) {
            return Err(all_missing(path, &t.headers[c]));
        }
    }
    Ok(NumericTable {
        names: idx.iter().map(|&i| t.headers[i].clone()).collect(),
        rows,
        text,
        text_names: text_cols.to_vec(),
    })
}

fn number_error(path: &Path, line: u64, column: &str, cell: &str, e: NumError) -> InputError {
    InputError::new(ErrorKind::InvalidNumber, path).line(line).column(column.to_string()).found(cell).expected(
        match e {
            NumError::NonFinite => "a finite number (NaN and Inf are not ratings; leave the cell blank or write NA)",
            NumError::NotANumber => "a number, or blank/NA for missing",
        },
    )
}

fn all_missing(path: &Path, column: &str) -> InputError {
    InputError::new(ErrorKind::AllMissing, path)
        .column(column.to_string())
        .found("a column with no values")
        .expected("at least one number")
}

/// Code of a missing value in [`CodedColumns`].
pub const CODE_MISSING: u8 = u8::MAX;

/// Numeric columns with few distinct values, one byte per cell: `codes[j][i]` stands for
/// `values[j][code]` (ascending), or [`CODE_MISSING`]. A national item table (10⁶ rows × 50 items)
/// takes 50 MB this way instead of 800 MB as `Option<f64>` rows.
pub struct CodedColumns {
    pub names: Vec<String>,
    pub n_rows: usize,
    pub codes: Vec<Vec<u8>>,
    pub values: Vec<Vec<f64>>,
}

/// One column of one chunk: raw cell text → local code, local code → value.
#[derive(Default)]
struct LocalColumn {
    /// Spellings of up to 7 bytes, packed in an integer with their length (see [`short_key`]).
    short: Vec<(u64, u8)>,
    raw: Vec<(Box<str>, u8)>,
    values: Vec<f64>,
    codes: Vec<u8>,
    /// More distinct values than codes: the table is read row-wise instead.
    overflow: bool,
    /// One-byte cells (`0`, `1`, `.`: nearly every cell of an item table) already seen: the code
    /// pushed for byte `b` (its code or [`CODE_MISSING`]) plus one at `b`, 0 if not seen yet.
    single: Vec<u16>,
}

/// A cell of up to 7 bytes as one integer (bytes, then the length in the top byte), so that the
/// usual cells (`0`, `1`, `3`, `2.5`) are looked up without string comparisons.
fn short_key(cell: &str) -> Option<u64> {
    let b = cell.as_bytes();
    (b.len() <= 7).then(|| b.iter().rev().fold(b.len() as u64, |k, &x| (k << 8) | x as u64))
}

/// Whether a (trimmed) cell is one of the [`MISSING`] spellings.
fn is_missing(cell: &str) -> bool {
    match cell.as_bytes().first() {
        None => true,
        Some(b'N' | b'#' | b'.') => MISSING.contains(&cell),
        Some(_) => false,
    }
}

/// Distinct raw spellings per column and chunk before giving up on coding.
const MAX_RAW: usize = 1024;

impl LocalColumn {
    /// The code of `cell`, or `Ok(None)` when the column has too many distinct values to code.
    fn code(&mut self, cell: &str, decimal: DecimalMark) -> Result<Option<u8>, NumError> {
        let key = short_key(cell);
        if let Some(key) = key {
            if let Some(&(_, c)) = self.short.iter().find(|(k, _)| *k == key) {
                return Ok(Some(c));
            }
        } else if let Some(&(_, c)) = self.raw.iter().find(|(r, _)| &**r == cell) {
            return Ok(Some(c));
        }
        let v = parse_number(cell, decimal)?;
        let c = match self.values.iter().position(|&x| x == v) {
            Some(c) => c as u8,
            None if self.values.len() < CODE_MISSING as usize => {
                self.values.push(v);
                (self.values.len() - 1) as u8
            }
            None => return Ok(None),
        };
        match key {
            Some(key) if self.short.len() < MAX_RAW => self.short.push((key, c)),
            None if self.raw.len() < MAX_RAW => self.raw.push((cell.into(), c)),
            _ => {}
        }
        Ok(Some(c))
    }
}

/// [`read_numeric`] for item tables, parsed in parallel chunks into [`CodedColumns`]. Same
/// missing-value rule, errors (the first in file order) and column checks; `Ok(None)` when a
/// column has more than 254 distinct values (read it with [`read_numeric`]).
pub fn read_coded(path: &Path, columns: Option<&[String]>) -> Result<Option<CodedColumns>, InputError> {
    use rayon::prelude::*;
    let t = TextTable::open(path, &ReadOptions::default())?;
    let idx: Vec<usize> = match columns {
        Some(cols) => cols.iter().map(|c| t.resolve(c, "column")).collect::<Result<_, _>>()?,
        None => (0..t.headers.len()).collect(),
    };
    let chunks = t.chunks(4 * rayon::current_num_threads());
    let parsed: Vec<Result<Option<Vec<LocalColumn>>, InputError>> = chunks
        .par_iter()
        .map(|ch| {
            let fresh = || idx.iter().map(|_| LocalColumn::default()).collect::<Vec<_>>();
            // Without quotes a record is one line and a field is what lies between delimiters:
            // split directly; anything unusual (quotes, a ragged row) goes through the CSV reader,
            // which reports it.
            let mut cols = fresh();
            let plain = !ch.text.contains('"')
                && plain_rows(ch.text, t.delimiter, t.headers.len(), |i, fields| {
                    code_row(&mut cols, &idx, &t, ch.first_line + i as u64, |c| fields[c])
                })?;
            if !plain {
                cols = fresh();
                ch.each_record(|line, rec| code_row(&mut cols, &idx, &t, line, |c| rec.get(c).unwrap_or("")))?;
            }
            Ok((!cols.iter().any(|c| c.overflow)).then_some(cols))
        })
        .collect();
    let mut locals = Vec::with_capacity(parsed.len());
    for p in parsed {
        match p? {
            Some(cols) => locals.push(cols),
            None => return Ok(None),
        }
    }
    merge_chunks(path, &t, &idx, locals)
}

/// Code one row's cells (`cell_at(column)`) into the chunk's columns.
fn code_row<'a>(
    cols: &mut [LocalColumn],
    idx: &[usize],
    t: &TextTable,
    line: u64,
    cell_at: impl Fn(usize) -> &'a str,
) -> Result<(), InputError> {
    for (col, &c) in cols.iter_mut().zip(idx) {
        let raw = cell_at(c);
        // A one-byte cell (ASCII, as the text is UTF-8) codes as it did the first time.
        let one = match raw.as_bytes() {
            &[b] => {
                if col.single.is_empty() {
                    col.single = vec![0; 128];
                }
                match col.single[b as usize] {
                    0 => Some(b as usize),
                    k => {
                        col.codes.push((k - 1) as u8);
                        continue;
                    }
                }
            }
            _ => None,
        };
        let cell = trim_cell(raw);
        let code = if is_missing(cell) {
            CODE_MISSING
        } else {
            match col.code(cell, t.decimal) {
                Ok(Some(code)) => code,
                Ok(None) => {
                    col.overflow = true;
                    continue;
                }
                Err(e) => return Err(number_error(&t.path, line, &t.headers[c], cell, e)),
            }
        };
        col.codes.push(code);
        if let Some(b) = one {
            col.single[b] = code as u16 + 1;
        }
    }
    Ok(())
}

/// `cell.trim()`, without scanning for Unicode whitespace when the cell starts and ends with a
/// visible ASCII character (`0`, `1`, `2.5`: nearly every cell of an item table).
fn trim_cell(cell: &str) -> &str {
    match (cell.as_bytes().first(), cell.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => cell,
        _ => cell.trim(),
    }
}

/// Visit the lines of unquoted delimited text as fields (`f(line index, fields)`), skipping
/// blank lines as the CSV reader does; `Ok(false)` (stop, nothing reliable visited) at the first
/// line with another number of fields than `n_fields` or an oversized field.
fn plain_rows(
    text: &str,
    delimiter: u8,
    n_fields: usize,
    mut f: impl FnMut(usize, &[&str]) -> Result<(), InputError>,
) -> Result<bool, InputError> {
    let delim = delimiter as char;
    let mut fields: Vec<&str> = Vec::with_capacity(n_fields);
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        fields.clear();
        // A one-char array rather than a `char` pattern: matched char by char, so fields of one
        // or two bytes are split without a memchr and a memcmp call each.
        fields.extend(line.split([delim]));
        if fields.len() != n_fields || fields.iter().any(|x| x.len() > super::table::MAX_FIELD_BYTES) {
            return Ok(false);
        }
        f(i, &fields)?;
    }
    Ok(true)
}

/// One code book per column over all chunks (values ascending), and the codes in file order.
fn merge_chunks(
    path: &Path,
    t: &TextTable,
    idx: &[usize],
    locals: Vec<Vec<LocalColumn>>,
) -> Result<Option<CodedColumns>, InputError> {
    let n_rows: usize = locals.iter().map(|cols| cols.first().map_or(0, |c| c.codes.len())).sum();
    let mut codes = Vec::with_capacity(idx.len());
    let mut values = Vec::with_capacity(idx.len());
    for (j, &c) in idx.iter().enumerate() {
        let mut vals: Vec<f64> = locals.iter().flat_map(|cols| cols[j].values.iter().copied()).collect();
        vals.sort_by(|a, b| a.total_cmp(b));
        vals.dedup_by(|a, b| a == b);
        if vals.is_empty() {
            return Err(all_missing(path, &t.headers[c]));
        }
        if vals.len() >= CODE_MISSING as usize {
            return Ok(None);
        }
        let mut col = Vec::with_capacity(n_rows);
        for cols in &locals {
            let l = &cols[j];
            let mut map = [CODE_MISSING; 256];
            for (lc, v) in l.values.iter().enumerate() {
                map[lc] = vals.iter().position(|x| x == v).expect("merged value") as u8;
            }
            col.extend(l.codes.iter().map(|&lc| map[lc as usize]));
        }
        codes.push(col);
        values.push(vals);
    }
    Ok(Some(CodedColumns { names: idx.iter().map(|&i| t.headers[i].clone()).collect(), n_rows, codes, values }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One-byte cells take their first coding again (values, missing spellings, blanks), in the
    /// order the uncached path assigns codes.
    #[test]
    fn one_byte_cells_code_as_the_first_time() {
        let path = std::env::temp_dir().join(format!("checkval-one-byte-{}.csv", std::process::id()));
        std::fs::write(&path, "a,b\n1,2\n").unwrap();
        let t = TextTable::open(&path, &ReadOptions::default()).unwrap();
        std::fs::remove_file(&path).unwrap();
        let cells = ["1", "0", ".", "1", "2.5", " ", "0", ".", "2.5", "1", "7"];
        let mut cached = vec![LocalColumn::default()];
        for (i, c) in cells.iter().enumerate() {
            code_row(&mut cached, &[0], &t, i as u64 + 2, |_| c).unwrap();
        }
        let mut plain = LocalColumn::default();
        let want: Vec<u8> = cells
            .iter()
            .map(|c| {
                let c = trim_cell(c);
                if is_missing(c) {
                    CODE_MISSING
                } else {
                    plain.code(c, DecimalMark::Point).unwrap().unwrap()
                }
            })
            .collect();
        assert_eq!(cached[0].codes, want);
        assert_eq!(cached[0].values, plain.values);
        // An invalid one-byte cell is still an error, named by its line.
        let err = code_row(&mut cached, &[0], &t, 40, |_| "x").unwrap_err();
        assert_eq!(err.line, Some(40));
    }

    /// The shortcut trims exactly as `str::trim`, including Unicode spaces at either end.
    #[test]
    fn trim_cell_is_trim() {
        for c in ["", "1", " 1", "1 ", "\t2.5\r", "\u{a0}3", "3\u{a0}", "NA", " . ", "a b", "\u{3000}", "é", "1é"] {
            assert_eq!(trim_cell(c), c.trim(), "{c:?}");
        }
    }
}
