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
            .hint(format!("tried: {tried}. Set `delimiter` for this file in the spec if it is unusual"))),
    }
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
    fn mixed_decimals_default_to_point() {
        let t = "a;b\n1,5;2.5\n";
        assert_eq!(detect_decimal(t, b';').0, DecimalMark::Point);
    }
}
