//! Tidy output tables, held as polars `DataFrame`s and written as CSV.
//!
//! String cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR at the
//! start) are neutralized with a leading apostrophe: field teams open these files in Excel.

use anyhow::{Context, Result};
use polars::prelude::{Column, CsvWriter, DataFrame, SerWriter};
use std::path::Path;

/// A column under construction; string cells are borrowed from the data they describe.
#[derive(Clone)]
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

/// Append every row of `cols` (and the header first when `header`) as CSV: the bytes of
/// [`csv_bytes`] on [`frame`] of the same columns, without building the frame. The rules are
/// polars' (`QuoteStyle::Necessary`): NA is an empty cell, an empty string is `""`, a string
/// with the delimiter, a quote or a line break is quoted with its quotes doubled, formula-like
/// strings are neutralized first; numbers are formatted by the crates polars calls (`zmij` for
/// `f64`, `itoa` for integers). Property test `direct_rows_equal_polars_writer`.
fn write_rows(cols: &[Col<'_>], header: bool, buf: &mut Vec<u8>) {
    if header {
        for (j, c) in cols.iter().enumerate() {
            if j > 0 {
                buf.push(b',');
            }
            // Header names are not neutralized (polars writes them as they are).
            csv_cell(buf, c.name().as_bytes());
        }
        buf.push(b'\n');
    }
    let (mut f, mut i) = (zmij::Buffer::new(), itoa::Buffer::new());
    for r in 0..cols.first().map_or(0, Col::len) {
        for (j, c) in cols.iter().enumerate() {
            if j > 0 {
                buf.push(b',');
            }
            match c {
                Col::Str(_, v) | Col::Text(_, v) => {
                    if let Some(s) = v[r] {
                        csv_cell(buf, neutralize(s).as_bytes());
                    }
                }
                Col::F64(_, v) => buf.extend_from_slice(v[r].map_or("", |x| f.format(x)).as_bytes()),
                Col::U32(_, v) => buf.extend_from_slice(i.format(v[r]).as_bytes()),
                Col::OptU32(_, v) => buf.extend_from_slice(v[r].map_or("", |x| i.format(x)).as_bytes()),
            }
        }
        buf.push(b'\n');
    }
}

/// One string cell as polars' writer quotes it: `""` when empty (an empty cell is NA), quoted
/// with inner quotes doubled when it holds a comma, a quote or a line break.
fn csv_cell(buf: &mut Vec<u8>, b: &[u8]) {
    if b.is_empty() {
        return buf.extend_from_slice(b"\"\"");
    }
    if memchr::memchr3(b',', b'\n', b'\r', b).is_none() && memchr::memchr(b'"', b).is_none() {
        return buf.extend_from_slice(b);
    }
    buf.push(b'"');
    for part in b.split_inclusive(|&c| c == b'"') {
        buf.extend_from_slice(part);
        if part.ends_with(b"\"") {
            buf.push(b'"');
        }
    }
    buf.push(b'"');
}

impl Col<'_> {
    fn name(&self) -> &str {
        match self {
            Col::Str(n, _) => n,
            Col::Text(n, _) | Col::F64(n, _) | Col::U32(n, _) | Col::OptU32(n, _) => n,
        }
    }
    fn len(&self) -> usize {
        match self {
            Col::Str(_, v) | Col::Text(_, v) => v.len(),
            Col::F64(_, v) => v.len(),
            Col::U32(_, v) => v.len(),
            Col::OptU32(_, v) => v.len(),
        }
    }
}

/// Rows per chunk of [`write_csv_chunked`]. 16,384 rows: a national
/// export's chunks in flight (two batches of one per thread, each file) stay within tens of MB.
const WRITE_CHUNK_ROWS: usize = 16 * 1024;

/// [`write_csv`] for a large table given as `cols(lo, hi)`, the columns of rows `lo..hi`: the
/// rows are serialized in chunks ([`write_rows`], no frame built), in parallel, and written in
/// file order (a batch of chunks is written while the next is serialized).
/// The bytes are those of [`write_csv`] on the whole frame, while memory holds a few chunks
/// instead of a copy of every cell.
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
        let cols = cols(lo, hi);
        // What `frame` refuses: columns of unequal length or repeated names.
        let names: std::collections::HashSet<&str> = cols.iter().map(Col::name).collect();
        anyhow::ensure!(
            names.len() == cols.len() && cols.iter().all(|col| col.len() == hi - lo),
            "building output table: repeated column names or columns of unequal length"
        );
        let mut buf = Vec::new();
        write_rows(&cols, c == 0, &mut buf);
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

    /// The direct serializer writes the bytes of polars' CSV writer on the same columns: strings
    /// with delimiters, quotes, line breaks, accents, formula starts, blanks and NA; floats of
    /// every magnitude and sign, NaN and infinities; integers with and without NA.
    #[test]
    fn direct_rows_equal_polars_writer() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
        let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
        let mut runner = TestRunner::new_with_rng(Config::with_cases(2_000), rng);
        let piece = prop::sample::select(vec!["a", "Sí", ",", "\"", "\n", "\r", "=", "-", "+1", " ", "\t", "@", "0.5"]);
        let text = prop::option::weighted(0.8, prop::collection::vec(piece, 0..5).prop_map(|p| p.concat()));
        let float = prop::option::weighted(
            0.8,
            prop_oneof![
                any::<f64>(),
                (-1e6f64..1e6),
                (0.0f64..1.0),
                prop::sample::select(vec![
                    0.0,
                    -0.0,
                    1e-7,
                    1e16,
                    1e21,
                    5e-324,
                    f64::NAN,
                    f64::INFINITY,
                    f64::NEG_INFINITY
                ])
            ],
        );
        let row = (text.clone(), text, float, any::<u32>(), prop::option::of(any::<u32>()));
        let shape = (prop::collection::vec(row, 0..20), prop::sample::select(vec!["x", "a,b", "q\"", "=f"]));
        runner
            .run(&shape, |(rows, name)| {
                let cols = vec![
                    Col::Str("s", rows.iter().map(|r| r.0.as_deref()).collect()),
                    Col::Text(name.to_string(), rows.iter().map(|r| r.1.as_deref()).collect()),
                    Col::F64("f".into(), rows.iter().map(|r| r.2).collect()),
                    Col::U32("u".into(), rows.iter().map(|r| r.3).collect()),
                    Col::OptU32("o".into(), rows.iter().map(|r| r.4).collect()),
                ];
                let expected = csv_bytes(&mut frame(cols.clone()).unwrap()).unwrap();
                let mut direct = Vec::new();
                write_rows(&cols, true, &mut direct);
                prop_assert_eq!(String::from_utf8(direct).unwrap(), String::from_utf8(expected).unwrap());
                Ok(())
            })
            .unwrap();
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
