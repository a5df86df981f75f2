//! Tidy output tables, held as polars `DataFrame`s and written as CSV.
//!
//! String cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR at the
//! start) are neutralized with a leading apostrophe: field teams open these files in Excel.

use anyhow::{Context, Result};
use polars::prelude::{Column, CsvWriter, DataFrame, SerWriter};
use std::path::Path;

/// A column under construction; string cells are borrowed from the data they describe.
pub enum Col<'a> {
    Str(&'static str, Vec<Option<&'a str>>),
    Text(String, Vec<Option<&'a str>>),
    F64(String, Vec<Option<f64>>),
    U32(String, Vec<u32>),
    OptU32(String, Vec<Option<u32>>),
}

/// Neutralize a cell against CSV/formula injection (OWASP): a cell starting with `=`, `+`,
/// `-`, `@`, tab or carriage return gets a leading apostrophe, so spreadsheets show it as text
/// instead of evaluating it. A plain number (`-0.25`, `+3`, `-1e-3`) is left alone: it cannot
/// be a formula, and an apostrophe would turn a negative estimate into text.
pub fn neutralize(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') if !is_plain_number(s) => {
            std::borrow::Cow::Owned(format!("'{s}"))
        }
        _ => std::borrow::Cow::Borrowed(s),
    }
}

fn is_plain_number(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && s.parse::<f64>().is_ok_and(|x| x.is_finite())
}

#[cfg(test)]
mod neutralize_tests {
    use super::neutralize;

    #[test]
    fn formulas_are_neutralized_numbers_are_not() {
        for f in ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "=HYPERLINK(\"http://x\")", "\t=1", "-", "+"] {
            assert_eq!(neutralize(f), format!("'{f}"), "{f}");
        }
        for n in ["-0.25", "+3", "-1e-3", "12", "Sí", "", "a=b"] {
            assert_eq!(neutralize(n), n, "{n}");
        }
    }
}

fn str_column(name: &str, v: Vec<Option<&str>>) -> Column {
    let cows: Vec<Option<std::borrow::Cow<'_, str>>> = v.into_iter().map(|o| o.map(neutralize)).collect();
    let refs: Vec<Option<&str>> = cows.iter().map(|o| o.as_deref()).collect();
    Column::new(name.into(), refs)
}

/// Build a `DataFrame` from columns of equal length.
pub fn frame(cols: Vec<Col<'_>>) -> Result<DataFrame> {
    let columns: Vec<Column> = cols
        .into_iter()
        .map(|c| match c {
            Col::Str(n, v) => str_column(n, v),
            Col::Text(n, v) => str_column(&n, v),
            Col::F64(n, v) => Column::new(n.as_str().into(), v),
            Col::U32(n, v) => Column::new(n.as_str().into(), v),
            Col::OptU32(n, v) => Column::new(n.as_str().into(), v),
        })
        .collect();
    DataFrame::new_infer_height(columns).context("building output table")
}

/// Render a frame as CSV bytes: `,` separated, header, NA as empty cell.
pub fn csv_bytes(df: &mut DataFrame) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    CsvWriter::new(&mut buf)
        .include_header(true)
        .with_null_value("".into())
        .n_threads(1)
        .finish(df)
        .context("writing CSV")?;
    Ok(buf)
}

/// Write a frame as CSV, atomically, streaming into the temporary file (no in-memory copy
/// of a large output).
pub fn write_csv(path: &Path, df: &mut DataFrame) -> Result<()> {
    super::atomic::write_atomic_with(path, |w| {
        CsvWriter::new(w).include_header(true).with_null_value("".into()).n_threads(1).finish(df).context("writing CSV")
    })
}

/// Rows per chunk of [`write_csv_chunked`]: a multiple of polars' CSV batch (1,024 rows), so the
/// row slices serialized are the same as when the whole frame is written. 16,384 rows: a national
/// export's chunks in flight (two batches of one per thread, each file) stay within tens of MB.
const WRITE_CHUNK_ROWS: usize = 16 * 1024;

/// [`write_csv`] for a large table given as `cols(lo, hi)`, the columns of rows `lo..hi`: the
/// rows are built into frames and serialized in chunks, in parallel, and written in file order
/// (a batch of chunks is written while the next is serialized).
/// The bytes are those of [`write_csv`] on the whole frame (polars serializes row slices one
/// by one too), while memory holds a few chunks instead of a copy of every cell.
pub fn write_csv_chunked<'a>(
    path: &Path,
    n_rows: usize,
    cols: impl Fn(usize, usize) -> Vec<Col<'a>> + Sync,
) -> Result<()> {
    use rayon::prelude::*;
    use std::io::Write;
    let n_chunks = n_rows.div_ceil(WRITE_CHUNK_ROWS).max(1);
    let per_batch = rayon::current_num_threads();
    let chunk = |c: usize| -> Result<Vec<u8>> {
        let (lo, hi) = (c * WRITE_CHUNK_ROWS, ((c + 1) * WRITE_CHUNK_ROWS).min(n_rows));
        let mut df = frame(cols(lo, hi))?;
        let mut buf = Vec::new();
        CsvWriter::new(&mut buf)
            .include_header(c == 0)
            .with_null_value("".into())
            .n_threads(1)
            .finish(&mut df)
            .context("writing CSV")?;
        Ok(buf)
    };
    let batch = |first: usize| -> Vec<Result<Vec<u8>>> {
        (first..(first + per_batch).min(n_chunks)).into_par_iter().map(chunk).collect()
    };
    super::atomic::write_atomic_with(path, |w| {
        // Each batch is written while the next one is serialized.
        let mut done: Vec<Result<Vec<u8>>> = Vec::new();
        for first in (0..n_chunks).step_by(per_batch) {
            let (next, written) = rayon::join(
                || batch(first),
                || done.drain(..).try_for_each(|b| w.write_all(&b?).map_err(anyhow::Error::from)),
            );
            written?;
            done = next;
        }
        done.into_iter().try_for_each(|b| w.write_all(&b?).map_err(anyhow::Error::from))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn csv_with_na_and_injection_guard() {
        let mut df = frame(vec![
            Col::Str("id", vec![Some("=cmd()"), Some("a")]),
            Col::F64("x".into(), vec![Some(0.5), None]),
            Col::U32("n".into(), vec![3, 0]),
        ])
        .unwrap();
        let s = String::from_utf8(csv_bytes(&mut df).unwrap()).unwrap();
        assert_eq!(s, "id,x,n\n'=cmd(),0.5,3\na,,0\n");
    }

    /// Chunked writing gives the bytes of the whole frame written at once, across chunk
    /// boundaries and for an empty table (header only).
    #[test]
    fn chunked_csv_matches_whole_frame() {
        let dir = tempfile::tempdir().unwrap();
        for n in [0usize, 5, WRITE_CHUNK_ROWS + 1000] {
            let ids: Vec<String> =
                (0..n).map(|i| if i % 7 == 0 { format!("=x{i}") } else { format!("id {i}") }).collect();
            let cols = |lo: usize, hi: usize| {
                vec![
                    Col::Str("id", ids[lo..hi].iter().map(|s| Some(s.as_str())).collect()),
                    Col::F64("x".into(), (lo..hi).map(|i| (i % 3 != 0).then(|| i as f64 / 7.0)).collect()),
                    Col::U32("n".into(), (lo..hi).map(|i| i as u32).collect()),
                ]
            };
            let (whole, chunked) = (dir.path().join("whole.csv"), dir.path().join("chunked.csv"));
            write_csv(&whole, &mut frame(cols(0, n)).unwrap()).unwrap();
            write_csv_chunked(&chunked, n, cols).unwrap();
            assert_eq!(std::fs::read(&whole).unwrap(), std::fs::read(&chunked).unwrap(), "{n} rows");
        }
    }
}
