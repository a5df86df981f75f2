//! Delimiter and decimal-mark detection for delimited text.
//!
//! Spanish-locale Excel writes `;`-separated files with a decimal comma; SurveyCTO/ODK/Kobo write
//! `,`-separated UTF-8; "Unicode text" exports are tab-separated. Detection reads up to 200
//! quote-aware records and keeps the candidate that splits every record into the same number
//! (> 1) of fields, preferring the larger count. What was tried is kept for error messages.

use crate::error::{ErrorKind, InputError};
use std::path::Path;

pub const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Decimal mark used by numbers in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum DecimalMark {
    Point,
    Comma,
}

impl DecimalMark {
    pub fn as_char(self) -> char {
        match self {
            DecimalMark::Point => '.',
            DecimalMark::Comma => ',',
        }
    }
}

pub fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".to_string(),
        c => format!("'{}'", c as char),
    }
}

/// Parse a spec override (`auto`, `,`, `;`, `tab`, `\t`, `|`). `None` means detect.
pub fn parse_delimiter(label: Option<&str>, path: &Path) -> Result<Option<u8>, InputError> {
    match label {
        None => Ok(None),
        Some(l) => match l {
            "" | "auto" => Ok(None),
            "," | "comma" => Ok(Some(b',')),
            ";" | "semicolon" => Ok(Some(b';')),
            "\t" | "\\t" | "tab" => Ok(Some(b'\t')),
            "|" | "pipe" => Ok(Some(b'|')),
            other => Err(InputError::new(ErrorKind::Spec, path)
                .column("delimiter")
                .found(other)
                .expected("auto, ',', ';', 'tab' or '|'")),
        },
    }
}

pub fn parse_decimal(label: Option<&str>, path: &Path) -> Result<Option<DecimalMark>, InputError> {
    match label {
        None | Some("") | Some("auto") => Ok(None),
        Some(".") | Some("point") => Ok(Some(DecimalMark::Point)),
        Some(",") | Some("comma") => Ok(Some(DecimalMark::Comma)),
        Some(other) => {
            Err(InputError::new(ErrorKind::Spec, path).column("decimal").found(other).expected("auto, '.' or ','"))
        }
    }
}

/// Field counts of the first `max_records` records when split by `delim`, honouring quotes.
fn field_counts(text: &str, delim: u8, max_records: usize) -> Vec<usize> {
    let mut rdr =
        csv::ReaderBuilder::new().delimiter(delim).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut out = Vec::new();
    let mut rec = csv::ByteRecord::new();
    while out.len() < max_records {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {
                // Blank lines are skipped by the csv crate already.
                out.push(rec.len());
            }
            Ok(false) => break,
            Err(_) => break,
        }
    }
    out
}

/// Detect the delimiter. The header's field count must be > 1 and shared by all but 10% (at
/// least one) of the sampled records (so one truncated row is reported as a ragged row, not as a failed
/// detection). Returns the delimiter and a description of what was tried.
pub fn detect_delimiter(path: &Path, text: &str) -> Result<(u8, String), InputError> {
    let mut tried = Vec::new();
    let mut best: Option<(u8, f64, usize)> = None;
    for &d in &CANDIDATES {
        let counts = field_counts(text, d, 200);
        if counts.is_empty() {
            continue;
        }
        let h = counts[0];
        let agreeing = counts.iter().filter(|&&c| c == h).count();
        let disagree = counts.len() - agreeing;
        let agree = agreeing as f64 / counts.len() as f64;
        let min = *counts.iter().min().unwrap();
        let max = *counts.iter().max().unwrap();
        tried.push(if min == max {
            format!("{} gives {} field(s) on every line", delimiter_name(d), min)
        } else {
            format!("{} gives {}–{} fields per line", delimiter_name(d), min, max)
        });
        if h > 1 && disagree <= (counts.len() / 10).max(1) && best.is_none_or(|(_, a, n)| (agree, h) > (a, n)) {
            best = Some((d, agree, h));
        }
    }
    let tried = tried.join("; ");
    match best {
        Some((d, _, _)) => Ok((d, tried)),
        None => Err(InputError::new(ErrorKind::Delimiter, path)
            .found("no delimiter that splits the lines into the header's number of fields")
            .expected("a ',', ';', tab or '|' delimited file with a header row")
            .hint(format!(
                "tried: {tried}. Set `delimiter` for this file in the spec if it is unusual, or `header_row` if \
                 rows above the header (a title, notes) are not recognised as such"
            ))),
    }
}

/// Rows above the header that are looked at: title, notes and blank rows of an export.
pub const MAX_ROWS_ABOVE_HEADER: usize = 20;

/// Where a table's header starts when rows above it were skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderStart {
    /// Byte offset of the header record in the text.
    pub byte: usize,
    /// Physical line of the header (1-based).
    pub line: u64,
    /// The first non-empty cell above the header (a title), shortened, for the ingest log.
    pub title: Option<String>,
}

/// A number, date or time as exports write them (`3`, `-2,5`, `27/05/2026`, `09:08`,
/// `2026-03-04T09:30:00`): digits with separators only.
fn is_numberish(s: &str) -> bool {
    let s = s.trim();
    s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b',' | b'-' | b'+' | b'/' | b':' | b'T' | b' '))
}

/// One sampled record for [`find_header`].
struct Sampled {
    byte: usize,
    len: usize,
    filled: usize,
    text_cells: usize,
    first: Option<String>,
}

/// The first records of `text` split by `delim` (quote-aware; blank lines are skipped).
fn sample_records(text: &str, delim: u8, max: usize) -> Vec<Sampled> {
    let mut rdr =
        csv::ReaderBuilder::new().delimiter(delim).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut out = Vec::new();
    let mut rec = csv::StringRecord::new();
    while out.len() < max {
        match rdr.read_record(&mut rec) {
            Ok(true) => {
                let filled: Vec<&str> = rec.iter().map(str::trim).filter(|c| !c.is_empty()).collect();
                out.push(Sampled {
                    byte: rec.position().map_or(0, |p| p.byte() as usize),
                    len: rec.len(),
                    filled: filled.len(),
                    text_cells: filled.iter().filter(|c| !is_numberish(c)).count(),
                    first: filled.first().map(|c| c.chars().take(40).collect()),
                });
            }
            Ok(false) | Err(_) => break,
        }
    }
    out
}

/// Physical line (1-based) of the record starting at byte `b` (past the line terminator the
/// csv reader leaves in front of a record).
pub fn line_of_byte(text: &str, b: usize) -> (usize, u64) {
    let bytes = text.as_bytes();
    let mut b = b.min(bytes.len());
    while b < bytes.len() && (bytes[b] == b'\n' || bytes[b] == b'\r') {
        b += 1;
    }
    (b, 1 + bytes[..b].iter().filter(|&&c| c == b'\n').count() as u64)
}

/// Title and blank rows above the header (a CLASS export saved from Excel with a title row and
/// an empty row above the table). The header is the first of the first
/// [`MAX_ROWS_ABOVE_HEADER`] + 1 records whose count of non-empty cells equals the modal
/// number of fields of the (up to 200) records after it, and whose non-empty cells are mostly
/// (more than half) text rather than numbers, dates or times. Every record above it must be
/// title-like: fewer than half of that width filled. `None` when the header is the first
/// record (nothing to skip) or no record qualifies (the first record is then the header, as
/// without detection).
pub fn find_header(text: &str, delim: u8) -> Option<HeaderStart> {
    let recs = sample_records(text, delim, MAX_ROWS_ABOVE_HEADER + 201);
    for h in 0..recs.len().min(MAX_ROWS_ABOVE_HEADER + 1) {
        let following = &recs[h + 1..recs.len().min(h + 201)];
        let mut counts: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
        for r in following {
            *counts.entry(r.len).or_default() += 1;
        }
        // The modal width; ties go to the wider one.
        let (&width, _) = counts.iter().max_by_key(|(w, n)| (**n, **w))?;
        let r = &recs[h];
        if width > 1 && r.filled == width && 2 * r.text_cells > r.filled {
            if h == 0 {
                return None;
            }
            let (byte, line) = line_of_byte(text, r.byte);
            let title = recs[..h].iter().find_map(|x| x.first.clone());
            return Some(HeaderStart { byte, line, title });
        }
        if 2 * r.filled >= width.max(2) {
            // A table-like row: no title block above a header here.
            return None;
        }
    }
    None
}

fn is_decimal_with(s: &str, mark: char) -> bool {
    let s = s.trim();
    let s = s.strip_prefix('-').unwrap_or(s);
    let mut parts = s.splitn(2, mark);
    let a = parts.next().unwrap_or("");
    let b = match parts.next() {
        Some(b) => b,
        None => return false,
    };
    !a.is_empty() && !b.is_empty() && a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit())
}

/// Detect the decimal mark from the cells of up to 2,000 records. A comma is chosen only if some
/// cells look like `3,5` and none like `3.5`; a `,`-delimited file is always `.`.
pub fn detect_decimal(text: &str, delim: u8) -> (DecimalMark, String) {
    if delim == b',' {
        return (DecimalMark::Point, "'.' (the delimiter is ',')".into());
    }
    let mut rdr =
        csv::ReaderBuilder::new().delimiter(delim).has_headers(true).flexible(true).from_reader(text.as_bytes());
    let (mut comma, mut point) = (0usize, 0usize);
    for rec in rdr.records().take(2000).flatten() {
        for f in rec.iter() {
            if is_decimal_with(f, ',') {
                comma += 1;
            } else if is_decimal_with(f, '.') {
                point += 1;
            }
        }
    }
    if comma > 0 && point == 0 {
        (DecimalMark::Comma, format!("',' ({comma} cells like 3,5 and none like 3.5)"))
    } else {
        (DecimalMark::Point, format!("'.' ({point} cells like 3.5, {comma} like 3,5)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn semicolon_with_decimal_comma() {
        let t = "a;b;c\n1;2,5;x\n3;4,25;\"y;z\"\n";
        let (d, _) = detect_delimiter(Path::new("f"), t).unwrap();
        assert_eq!(d, b';');
        assert_eq!(detect_decimal(t, d).0, DecimalMark::Comma);
    }
    #[test]
    fn comma_with_quoted_commas() {
        let t = "a,b\n\"1,5\",2\n3,4\n";
        let (d, _) = detect_delimiter(Path::new("f"), t).unwrap();
        assert_eq!(d, b',');
        assert_eq!(detect_decimal(t, d).0, DecimalMark::Point);
    }
    #[test]
    fn tab() {
        let t = "a\tb\tc\n1\t2\t3\n";
        assert_eq!(detect_delimiter(Path::new("f"), t).unwrap().0, b'\t');
    }
    #[test]
    fn single_column_is_an_error_listing_tries() {
        let e = detect_delimiter(Path::new("f"), "a\nb\n").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Delimiter);
        assert!(e.hint.unwrap().contains("';'"));
    }
    #[test]
    fn title_and_blank_rows_above_the_header_are_found() {
        let table = "Centro;Sala;Ciclo;PC\nC1;S1;1;5,5\nC1;S1;2;4\nC2;S1;1;3\n";
        // Excel-padded title and empty rows, a bare title line, and a blank line.
        for (above, line) in [
            ("Reporte CLASS;;;\n;;;\n", 3),
            ("Observación CLASS, ciclo 1\n\n", 3),
            ("Reporte\nExportado: 2026-05-01;;;\n\n", 4),
        ] {
            let text = format!("{above}{table}");
            let h = find_header(&text, b';').unwrap_or_else(|| panic!("no header found under {above:?}"));
            assert_eq!(h.line, line, "{above:?}");
            assert!(text[h.byte..].starts_with("Centro;"), "{above:?}");
            assert!(h.title.is_some());
        }
        // No title: nothing to skip.
        assert_eq!(find_header(table, b';'), None);
        // A header with an unnamed column is still the first row (no guessing below it).
        assert_eq!(find_header(";a;b\n1;Sí;No\n2;No;Sí\n", b';'), None);
        // A notes row with most cells filled is not a title: detection declines.
        assert_eq!(find_header("Programa;IMSS;Región;\nCentro;Sala;Ciclo;PC\nC1;S1;1;5\n", b';'), None);
    }
    #[test]
    fn numeric_rows_are_not_headers() {
        // Title, then rows that are all numbers: no header to find.
        assert_eq!(find_header("Totales\n1;2;3\n4;5;6\n", b';'), None);
        assert!(is_numberish("27/05/2026") && is_numberish("19,1") && is_numberish("09:08"));
        assert!(!is_numberish("Clima positivo") && !is_numberish("GDR-0001") && !is_numberish(""));
    }
    #[test]
    fn mixed_decimals_default_to_point() {
        let t = "a;b\n1,5;2.5\n";
        assert_eq!(detect_decimal(t, b';').0, DecimalMark::Point);
    }
}
