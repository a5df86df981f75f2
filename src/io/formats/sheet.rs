//! Workbooks (XLSX, XLSM, XLSB, XLS, ODS) through calamine.
//!
//! The first row of the chosen sheet (the spec's `sheet`, else the first) is the header, unless
//! title rows above it are detected or the spec's `header_row` says where it is (both handled
//! by [`TextTable`](crate::io::TextTable), as for CSV; rows keep their spreadsheet numbers). Cells
//! are written as text: numbers in shortest form, booleans as `1`/`0` (a `TRUE` tick box is a
//! yes), dates as ISO 8601, formula errors (`#N/A`, `#DIV/0!`) as empty cells with a note.

use super::{fmt_num, Grid, GridOptions};
use crate::error::{ErrorKind, InputError};
use calamine::{open_workbook_auto_from_rs, Data, Reader};
use std::path::Path;

pub fn read(path: &Path, bytes: &[u8], opts: &GridOptions) -> Result<Grid, InputError> {
    let mut wb = open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec())).map_err(|e| {
        InputError::new(ErrorKind::BinaryFile, path)
            .found(format!("not a readable workbook ({e})"))
            .expected("an .xlsx, .xlsm, .xlsb, .xls or .ods workbook")
    })?;
    let names = wb.sheet_names();
    let name = match &opts.sheet {
        Some(s) => {
            names.iter().find(|n| n.as_str() == s || n.trim().eq_ignore_ascii_case(s.trim())).cloned().ok_or_else(
                || {
                    InputError::new(ErrorKind::Spec, path)
                        .found(format!("sheet = \"{s}\""))
                        .expected(format!("one of the workbook's sheets: {}", names.join(", ")))
                },
            )?
        }
        None => names.first().cloned().ok_or_else(|| {
            InputError::new(ErrorKind::EmptyFile, path)
                .found("a workbook with no sheets")
                .expected("a sheet with a header row")
        })?,
    };
    let range = wb.worksheet_range(&name).map_err(|e| {
        InputError::new(ErrorKind::BinaryFile, path)
            .found(format!("sheet '{name}' could not be read ({e})"))
            .expected("a readable worksheet")
    })?;
    let mut g = Grid::default();
    g.notes.push(format!("sheet '{name}' of {} sheet(s)", names.len()));
    // Leading empty rows/columns are kept out by calamine's used range; the range may start
    // below row 1, in which case row numbers shift by its start (`first_row`).
    let (row0, _) = range.start().unwrap_or((0, 0));
    let mut errors = 0usize;
    let mut rows = range.rows();
    let Some(header) = rows.next() else {
        return Err(InputError::new(ErrorKind::EmptyFile, path)
            .found(format!("sheet '{name}' is empty"))
            .expected("a header row and at least one data row"));
    };
    g.headers = header.iter().map(|c| cell_text(c, &mut errors)).collect();
    if row0 > 0 {
        g.notes.push(format!("the table starts on spreadsheet row {}", row0 + 1));
    }
    g.first_row = u64::from(row0);
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| cell_text(c, &mut errors)).collect();
        g.rows.push(cells);
    }
    // Trailing fully-empty rows (formatting left in the sheet) are not data.
    while g.rows.last().is_some_and(|r| r.iter().all(|c| c.is_empty())) {
        g.rows.pop();
    }
    if errors > 0 {
        g.notes.push(format!("{errors} formula error cell(s) read as empty"));
    }
    Ok(g)
}

fn cell_text(c: &Data, errors: &mut usize) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => fmt_num(*f),
        Data::Bool(b) => (if *b { "1" } else { "0" }).to_string(),
        Data::DateTime(d) => {
            if d.is_duration() {
                return fmt_num(d.as_f64() * 86_400.0);
            }
            let (y, mo, da, h, mi, s, _) = d.to_ymd_hms_milli();
            if h == 0 && mi == 0 && s == 0 && d.as_f64().fract() == 0.0 {
                format!("{y:04}-{mo:02}-{da:02}")
            } else {
                format!("{y:04}-{mo:02}-{da:02}T{h:02}:{mi:02}:{s:02}")
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) => {
            *errors += 1;
            String::new()
        }
    }
}
