//! Parquet files through polars' reader (`parquet` feature; no lazy engine).
//!
//! Column types map to text as elsewhere: integers and floats in shortest form, booleans as
//! `1`/`0`, `Date` as `YYYY-MM-DD`, `Datetime` (any unit, time zone ignored) as ISO date-time,
//! strings as they are. Nulls (and NaN) are empty cells.

use super::{fmt_num, iso_from_unix_secs, Grid};
use crate::error::{ErrorKind, InputError};
use polars::prelude::*;
use std::path::Path;

pub fn read(path: &Path, bytes: &[u8]) -> Result<Grid, InputError> {
    let bad = |e: PolarsError| {
        InputError::new(ErrorKind::BinaryFile, path)
            .found(format!("not a readable Parquet file ({e})"))
            .expected("a Parquet file written by pandas/pyarrow, polars, R arrow or Spark")
    };
    if !bytes.starts_with(b"PAR1") {
        return Err(InputError::new(ErrorKind::BinaryFile, path)
            .found("no Parquet signature (PAR1) at the start")
            .expected("a Parquet file"));
    }
    let df = ParquetReader::new(std::io::Cursor::new(bytes)).finish().map_err(bad)?;
    let mut g = Grid::default();
    g.notes.push(format!("Parquet, {} row(s) × {} column(s)", df.height(), df.width()));
    let n = df.height();
    let mut cols: Vec<Vec<String>> = Vec::with_capacity(df.width());
    for col in df.columns() {
        g.headers.push(col.name().to_string());
        let s = col.as_materialized_series();
        let cells: Vec<String> = match s.dtype() {
            DataType::String => s.str().map_err(bad)?.iter().map(|v| v.unwrap_or("").to_string()).collect(),
            DataType::Boolean => s
                .bool()
                .map_err(bad)?
                .iter()
                .map(|v| v.map_or(String::new(), |b| if b { "1".into() } else { "0".into() }))
                .collect(),
            DataType::Date => s
                .date()
                .map_err(bad)?
                .physical()
                .iter()
                .map(|v| v.map_or(String::new(), |d| iso_from_unix_secs(d as f64 * 86_400.0, false)))
                .collect(),
            DataType::Datetime(tu, _) => {
                let div = match tu {
                    TimeUnit::Nanoseconds => 1e9,
                    TimeUnit::Microseconds => 1e6,
                    TimeUnit::Milliseconds => 1e3,
                };
                s.datetime()
                    .map_err(bad)?
                    .physical()
                    .iter()
                    .map(|v| v.map_or(String::new(), |t| iso_from_unix_secs(t as f64 / div, true)))
                    .collect()
            }
            dt if dt.is_primitive_numeric() => {
                let f = s.cast(&DataType::Float64).map_err(bad)?;
                f.f64().map_err(bad)?.iter().map(|v| v.map_or(String::new(), fmt_num)).collect()
            }
            other => {
                return Err(InputError::new(ErrorKind::InvalidValue, path)
                    .column(col.name().to_string())
                    .found(format!("a Parquet column of type {other}"))
                    .expected("text, numbers, booleans, dates or date-times"))
            }
        };
        cols.push(cells);
    }
    g.rows = (0..n).map(|i| cols.iter().map(|c| c[i].clone()).collect()).collect();
    Ok(g)
}
