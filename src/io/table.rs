//! Delimited-text sources: one place for reading field exports.
//!
//! [`TextTable::open`] reads a file, decodes it, detects the delimiter and decimal mark (unless
//! the spec forces them), validates the header, and then streams records with their physical
//! line numbers, so that a million-row export never has to sit in memory as strings.

use super::dialect::{self, DecimalMark};
use super::encoding::{self, EncodingInfo};
use super::formats::{self, Format, GridOptions};
use super::text::Text;
use crate::error::{closest_names, ErrorKind, InputError};
use std::path::{Path, PathBuf};

/// Text files of at least this size are memory-mapped when they are UTF-8 as they stand.
const MAP_FROM_BYTES: u64 = 8 << 20;

/// Largest single field accepted (bytes). Larger fields are almost always a broken quote.
pub const MAX_FIELD_BYTES: usize = 1 << 20;

/// Per-file reading options from the spec; `None` means detect.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub decimal: Option<String>,
    /// `auto` (by extension), `csv`, `xlsx`, `ods`, `sav`, `dta`, `parquet`.
    pub format: Option<String>,
    /// Workbook sheet (default: the first).
    pub sheet: Option<String>,
    /// SPSS/Stata: write codes instead of value labels.
    pub codes: bool,
    /// Where the header row is (title rows above it are skipped).
    pub header: HeaderRow,
}

/// Where a table's header row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderRow {
    /// Detected: title and blank rows above the header are skipped (see
    /// [`dialect::find_header`]).
    #[default]
    Detect,
    /// The spec's `header_row`: the 1-based row (physical line, or spreadsheet row) of the header.
    At(u64),
    /// The first row, always (formats whose header is the variable names).
    First,
}

/// What was inferred about a file, logged and written to provenance.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Dialect {
    pub encoding: String,
    pub bom: bool,
    pub encoding_detected: bool,
    pub delimiter: String,
    pub delimiter_detected: bool,
    pub decimal: char,
    pub decimal_detected: bool,
    /// Physical line (spreadsheet row) of the header; 1 unless title rows were skipped.
    #[serde(skip_serializing_if = "is_first_line")]
    pub header_line: u64,
    pub notes: Vec<String>,
}

fn is_first_line(l: &u64) -> bool {
    *l == 1
}

/// A decoded delimited file with a validated header.
pub struct TextTable {
    pub path: PathBuf,
    /// The decoded file, including any title rows above the header.
    pub text: Text,
    /// Byte offset of the header record in `text` (0 unless title rows were skipped).
    pub start: usize,
    /// Physical line of the header (1 unless title rows were skipped); records keep their
    /// physical line numbers.
    pub header_line: u64,
    pub delimiter: u8,
    pub decimal: DecimalMark,
    pub headers: Vec<String>,
    pub dialect: Dialect,
}

impl std::fmt::Debug for TextTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextTable")
            .field("path", &self.path)
            .field("headers", &self.headers)
            .field("dialect", &self.dialect)
            .finish()
    }
}

impl TextTable {
    pub fn open(path: &Path, opts: &ReadOptions) -> Result<TextTable, InputError> {
        Self::open_mapping_from(path, opts, MAP_FROM_BYTES)
    }

    /// [`open`](Self::open), mapping text files of at least `map_from` bytes that are UTF-8 as
    /// they stand instead of reading them (see [`Text`]).
    fn open_mapping_from(path: &Path, opts: &ReadOptions, map_from: u64) -> Result<TextTable, InputError> {
        let io_err = |e: std::io::Error| {
            let kind = if e.kind() == std::io::ErrorKind::NotFound { ErrorKind::FileNotFound } else { ErrorKind::Io };
            InputError::new(kind, path).found(e.to_string()).expected("a readable file")
        };
        let file = std::fs::File::open(path).map_err(io_err)?;
        let format = Format::resolve(path, opts.format.as_deref())?;
        if format == Format::Text {
            let label = opts.encoding.as_deref();
            if let Some(text) = Text::map_utf8(&file, map_from, |b| encoding::reads_as_utf8(b, label)) {
                let utf8 = EncodingInfo { name: "UTF-8".into(), bom: false, detected: true };
                return Self::from_decoded(path, text, utf8, opts, 0);
            }
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut &file, &mut bytes).map_err(io_err)?;
        if format == Format::Text {
            return Self::from_vec(path, bytes, opts);
        }
        let grid = formats::read_grid(
            path,
            &bytes,
            format,
            &GridOptions { sheet: opts.sheet.clone(), value_labels: !opts.codes },
        )?;
        if grid.rows.is_empty() {
            return Err(InputError::new(ErrorKind::HeaderOnly, path)
                .line(1 + grid.first_row)
                .found("a header row and no data rows")
                .expected("at least one data row"));
        }
        // Workbooks may carry title rows above the table (detected like CSV title rows, and
        // `header_row` counts spreadsheet rows); other formats' header is the variable names.
        let header = match (format, opts.header) {
            (Format::Spreadsheet, HeaderRow::At(n)) if n > grid.first_row => HeaderRow::At(n - grid.first_row),
            (Format::Spreadsheet, HeaderRow::At(n)) => {
                return Err(InputError::new(ErrorKind::Spec, path)
                    .column("header_row")
                    .found(format!("header_row = {n}"))
                    .expected(format!("a row of the sheet's table, which starts on row {}", grid.first_row + 1)))
            }
            (Format::Spreadsheet, h) => h,
            _ => HeaderRow::First,
        };
        let text = grid.to_csv();
        let plain = ReadOptions {
            encoding: Some("utf-8".into()),
            delimiter: Some(",".into()),
            decimal: Some(".".into()),
            header,
            ..Default::default()
        };
        // Rows are numbered as in the spreadsheet when its table starts below row 1.
        let mut t = Self::from_text(path, text.into_bytes(), &plain, grid.first_row)?;
        t.dialect.encoding = format!("{} (read as UTF-8 text)", format.name());
        let header_notes = std::mem::replace(&mut t.dialect.notes, grid.notes);
        t.dialect.notes.extend(header_notes.into_iter().filter(|n| n.starts_with("header")));
        Ok(t)
    }

    pub fn from_bytes(path: &Path, bytes: &[u8], opts: &ReadOptions) -> Result<TextTable, InputError> {
        Self::from_vec(path, bytes.to_vec(), opts)
    }

    pub fn from_vec(path: &Path, bytes: Vec<u8>, opts: &ReadOptions) -> Result<TextTable, InputError> {
        Self::from_text(path, bytes, opts, 0)
    }

    /// [`from_vec`](Self::from_vec) for text whose first line is physical line
    /// `lines_above + 1` of the source (a spreadsheet table that starts below row 1).
    fn from_text(path: &Path, bytes: Vec<u8>, opts: &ReadOptions, lines_above: u64) -> Result<TextTable, InputError> {
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(InputError::new(ErrorKind::EmptyFile, path)
                .found("an empty file")
                .expected("a header row and at least one data row"));
        }
        let (text, enc): (String, EncodingInfo) = encoding::decode_owned(path, bytes, opts.encoding.as_deref())?;
        Self::from_decoded(path, text.into(), enc, opts, lines_above)
    }

    /// The table of decoded text: header, delimiter and decimal mark located or taken from the
    /// options.
    fn from_decoded(
        path: &Path,
        text: Text,
        enc: EncodingInfo,
        opts: &ReadOptions,
        lines_above: u64,
    ) -> Result<TextTable, InputError> {
        if text.bytes().all(|b| b.is_ascii_whitespace()) {
            return Err(InputError::new(ErrorKind::EmptyFile, path)
                .found("an empty file")
                .expected("a header row and at least one data row"));
        }
        let mut notes = Vec::new();
        let forced_delim = dialect::parse_delimiter(opts.delimiter.as_deref(), path)?;
        let head = locate_header(path, &text, forced_delim, opts.header)?;
        let (start, header_line) = head.as_ref().map_or((0, 1), |h| (h.byte, h.line));
        let header_line = header_line + lines_above;
        if let Some(h) = &head {
            notes.push(header_note(h, header_line, opts.header));
        }
        let body = &text[start..];
        let (delimiter, delim_detected) = match forced_delim {
            Some(d) => (d, false),
            None => {
                let (d, tried) = dialect::detect_delimiter(path, body)?;
                notes.push(format!("delimiter {} detected ({tried})", dialect::delimiter_name(d)));
                (d, true)
            }
        };
        let (decimal, dec_detected) = match dialect::parse_decimal(opts.decimal.as_deref(), path)? {
            Some(d) => (d, false),
            None => {
                let (d, why) = dialect::detect_decimal(body, delimiter);
                notes.push(format!("decimal mark {why}"));
                (d, true)
            }
        };
        let headers = read_headers(path, body, delimiter, header_line)?;
        let dialect = Dialect {
            encoding: enc.name.clone(),
            bom: enc.bom,
            encoding_detected: enc.detected,
            delimiter: dialect::delimiter_name(delimiter),
            delimiter_detected: delim_detected,
            decimal: decimal.as_char(),
            decimal_detected: dec_detected,
            header_line,
            notes,
        };
        let t = TextTable { path: path.to_path_buf(), text, start, header_line, delimiter, decimal, headers, dialect };
        // Header-only files are an error: there is nothing to analyse.
        if t.records().next().is_none() {
            return Err(InputError::new(ErrorKind::HeaderOnly, path)
                .line(header_line)
                .found("a header row and no data rows")
                .expected("at least one data row"));
        }
        Ok(t)
    }

    /// Stream data records as `(line, record)`; the header is line 1.
    pub fn records(&self) -> Records<'_> {
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .has_headers(true)
            .flexible(false)
            .from_reader(self.body().as_bytes());
        // Consume the header so positions are right.
        let _ = rdr.byte_headers();
        Records { table: self, rdr, done: false, scan_byte: 0, scan_line: self.header_line }
    }

    /// The text from the header on (title rows above it left out).
    pub fn body(&self) -> &str {
        &self.text[self.start..]
    }

    /// Visit every data record with its line, reusing one record buffer (the fast path for
    /// large exports). Stops at the first error from the file or from `f`.
    pub fn each_record(
        &self,
        mut f: impl FnMut(u64, &csv::StringRecord) -> Result<(), InputError>,
    ) -> Result<(), InputError> {
        let mut it = self.records();
        let mut rec = csv::StringRecord::new();
        loop {
            match it.next_into(&mut rec) {
                None => return Ok(()),
                Some(Err(e)) => return Err(e),
                Some(Ok(line)) => f(line, &rec)?,
            }
        }
    }

    /// Split the data rows into about `n` contiguous chunks at line breaks outside quotes, so
    /// that large exports can be parsed in parallel. Chunks are in file order.
    pub fn chunks(&self, n: usize) -> Vec<Chunk<'_>> {
        let body = self.body();
        let bytes = body.as_bytes();
        // End of the header record: the first newline outside quotes.
        let mut in_q = false;
        let mut start = bytes.len();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'"' {
                in_q = !in_q;
            } else if b == b'\n' && !in_q {
                start = i + 1;
                break;
            }
        }
        let data = &bytes[start..];
        let target = (data.len() / n.max(1)).max(1 << 20);
        let mut out = Vec::new();
        // The first data line: after the header record's own line breaks.
        let mut line = self.header_line + bytes[..start].iter().filter(|&&c| c == b'\n').count() as u64;
        let mut begin = 0usize;
        let mut quotes_even = true;
        let mut lines_in_chunk = 0u64;
        // Only quotes and line breaks matter: jump between them (memchr2 scans a 700 MB export in
        // a fraction of the byte-at-a-time loop's time).
        for i in memchr::memchr2_iter(b'"', b'\n', data) {
            if data[i] == b'"' {
                quotes_even = !quotes_even;
            } else {
                lines_in_chunk += 1;
                if quotes_even && i + 1 - begin >= target {
                    out.push(Chunk { table: self, text: &body[start + begin..start + i + 1], first_line: line });
                    line += lines_in_chunk;
                    lines_in_chunk = 0;
                    begin = i + 1;
                }
            }
        }
        if begin < data.len() {
            out.push(Chunk { table: self, text: &body[start + begin..], first_line: line });
        }
        out
    }

    /// Resolve a column name to its index: exact, then case/accent/spacing-insensitive, then by
    /// the last segment of a SurveyCTO/ODK/Kobo group path (`grupo-item`, `grupo/item`).
    pub fn resolve(&self, wanted: &str, role: &str) -> Result<usize, InputError> {
        resolve_column(&self.path, &self.headers, wanted, role)
    }

    /// Like [`resolve`](Self::resolve) but `None` when the column is absent.
    pub fn find(&self, wanted: &str) -> Option<usize> {
        resolve_column(&self.path, &self.headers, wanted, "").ok()
    }

    pub fn file_name(&self) -> String {
        self.path.file_name().map(|s| s.to_string_lossy().to_string()).unwrap_or_default()
    }
}

pub struct Records<'a> {
    table: &'a TextTable,
    rdr: csv::Reader<&'a [u8]>,
    done: bool,
    /// Incremental line counting (the csv crate's own line count is off by one for CRLF files).
    scan_byte: usize,
    scan_line: u64,
}

impl Records<'_> {
    /// Physical line where the record starting at byte `b` begins: newlines before it, skipping
    /// the line terminator the csv reader leaves in front of the record.
    fn line_at(&mut self, b: usize) -> u64 {
        let bytes = self.table.body().as_bytes();
        let mut b = b.min(bytes.len());
        while b < bytes.len() && (bytes[b] == b'\n' || bytes[b] == b'\r') {
            b += 1;
        }
        if b < self.scan_byte {
            self.scan_byte = 0;
            self.scan_line = self.table.header_line;
        }
        self.scan_line += bytes[self.scan_byte..b].iter().filter(|&&c| c == b'\n').count() as u64;
        self.scan_byte = b;
        self.scan_line
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<(u64, csv::StringRecord), InputError>;
    fn next(&mut self) -> Option<Self::Item> {
        let mut rec = csv::StringRecord::new();
        self.next_into(&mut rec).map(|r| r.map(|line| (line, rec)))
    }
}

impl<'a> Records<'a> {
    /// Read the next record into `rec`; returns its line.
    pub fn next_into(&mut self, rec: &mut csv::StringRecord) -> Option<Result<u64, InputError>> {
        if self.done {
            return None;
        }
        match self.rdr.read_record(rec) {
            Ok(true) => {
                let line = match rec.position() {
                    Some(p) => self.line_at(p.byte() as usize),
                    None => 0,
                };
                if let Some((i, f)) = rec.iter().enumerate().find(|(_, f)| f.len() > MAX_FIELD_BYTES) {
                    self.done = true;
                    return Some(Err(InputError::new(ErrorKind::FieldTooLarge, &self.table.path)
                        .line(line)
                        .column(self.table.headers.get(i).cloned().unwrap_or_default())
                        .found(format!("a field of {} bytes", f.len()))
                        .expected(format!("fields under {} bytes (an unclosed quote?)", MAX_FIELD_BYTES))));
                }
                Some(Ok(line))
            }
            Ok(false) => None,
            Err(e) => {
                self.done = true;
                let line = e.position().map(|p| self.line_at(p.byte() as usize));
                let mut err = csv_error(&self.table.path, e, self.table.headers.len());
                if let Some(l) = line {
                    err.line = Some(l);
                }
                Some(Err(err))
            }
        }
    }
}

/// A contiguous run of data rows (see [`TextTable::chunks`]).
pub struct Chunk<'a> {
    pub table: &'a TextTable,
    pub text: &'a str,
    /// Physical line of the chunk's first row.
    pub first_line: u64,
}

/// One record of a [`Chunk`]: its fields as slices of the chunk's text (no copy, no UTF-8
/// check: the text is UTF-8 cut at ASCII delimiters, quotes and line breaks), or, for a record
/// with escaped quotes or other unusual quoting, as the CSV reader unescaped them.
pub struct Record<'t> {
    text: &'t str,
    /// The unescaped fields of a record left to the CSV reader (`in_owned`).
    owned: String,
    in_owned: bool,
    /// Byte range of each field in `text`, or in `owned` when `in_owned`.
    spans: Vec<(usize, usize)>,
}

impl Record<'_> {
    fn source(&self) -> &str {
        if self.in_owned {
            &self.owned
        } else {
            self.text
        }
    }
    /// Field `i` as text (`None` past the last field).
    pub fn get(&self, i: usize) -> Option<&str> {
        let &(a, b) = self.spans.get(i)?;
        // Spans start and end next to ASCII bytes (or at the text's ends): always char boundaries.
        self.source().get(a..b)
    }
    /// Field `i` as raw bytes (`None` past the last field), for callers that match exact
    /// spellings.
    pub fn get_bytes(&self, i: usize) -> Option<&[u8]> {
        let &(a, b) = self.spans.get(i)?;
        self.source().as_bytes().get(a..b)
    }
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.spans.len()
    }
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// Reads the records of a chunk. Records whose fields are plain (no quote) or quoted without
/// inner quotes (`"Mar 3, 2026 10:42:59 AM"`: every row of a SurveyCTO export) are split in
/// place; any other record is handed to `csv_core`, the CSV crate's own state machine, from its
/// first byte. The fields are those the CSV reader gives (flexible records, `\r`, `\n` and
/// `\r\n` terminators, blank lines skipped): property test `split_records_as_csv_reader`.
struct Splitter {
    delimiter: u8,
    /// Bytes that end or complicate an unquoted field.
    stop: [bool; 256],
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl Splitter {
    fn new(delimiter: u8) -> Splitter {
        let mut stop = [false; 256];
        for b in [delimiter, b'"', b'\r', b'\n'] {
            stop[b as usize] = true;
        }
        Splitter { delimiter, stop, out: vec![0; 1024], ends: vec![0; 64] }
    }

    /// Read the next record from byte `at` into `rec`, past blank lines as the CSV reader
    /// skips them; returns its first byte and the byte after it, `None` at the end of the text.
    fn next<'t>(&mut self, text: &'t str, mut at: usize, rec: &mut Record<'t>) -> Option<(usize, usize)> {
        let b = text.as_bytes();
        while at < b.len() && matches!(b[at], b'\n' | b'\r') {
            at += 1;
        }
        if at >= b.len() {
            return None;
        }
        rec.text = text;
        rec.in_owned = false;
        let end = match self.plain(b, at, &mut rec.spans) {
            Some(end) => end,
            None => self.with_csv_core(text, at, rec),
        };
        Some((at, end))
    }

    /// Split a record with plain and simply quoted fields in place; `None` for anything else.
    fn plain(&self, b: &[u8], mut i: usize, spans: &mut Vec<(usize, usize)>) -> Option<usize> {
        spans.clear();
        loop {
            if b.get(i) == Some(&b'"') {
                let close = i + 1 + memchr::memchr(b'"', &b[i + 1..])?;
                spans.push((i + 1, close));
                i = close + 1;
            } else {
                let start = i;
                while i < b.len() && !self.stop[b[i] as usize] {
                    i += 1;
                }
                spans.push((start, i));
            }
            match b.get(i) {
                None => return Some(i),
                Some(&c) if c == self.delimiter => i += 1,
                Some(b'\r' | b'\n') => return Some(i + 1),
                // A quote inside a field, or text after a closing quote.
                Some(_) => return None,
            }
        }
    }

    /// Read one record with `csv_core` from byte `at`; returns the byte after it.
    fn with_csv_core<'t>(&mut self, text: &'t str, at: usize, rec: &mut Record<'t>) -> usize {
        let mut core = csv_core::ReaderBuilder::new().delimiter(self.delimiter).build();
        let input = &text.as_bytes()[at..];
        let (mut nin, mut nout, mut nend) = (0, 0, 0);
        loop {
            // An empty input (all of it consumed) tells the reader the text has ended.
            let (res, i, o, e) = core.read_record(&input[nin..], &mut self.out[nout..], &mut self.ends[nend..]);
            (nin, nout, nend) = (nin + i, nout + o, nend + e);
            match res {
                csv_core::ReadRecordResult::InputEmpty => {}
                csv_core::ReadRecordResult::OutputFull => self.out.resize(2 * self.out.len(), 0),
                csv_core::ReadRecordResult::OutputEndsFull => self.ends.resize(2 * self.ends.len(), 0),
                csv_core::ReadRecordResult::Record | csv_core::ReadRecordResult::End => break,
            }
        }
        // Unescaping removes ASCII quotes from UTF-8 text, so the fields stay UTF-8.
        rec.owned.clear();
        rec.owned.push_str(&String::from_utf8_lossy(&self.out[..nout]));
        rec.in_owned = true;
        rec.spans.clear();
        let mut start = 0;
        for &end in &self.ends[..nend] {
            rec.spans.push((start, end));
            start = end;
        }
        at + nin
    }
}

/// Read access to a record's fields as text, for code that takes rows from either reader.
pub trait Fields {
    fn field(&self, i: usize) -> Option<&str>;
}

impl Fields for Record<'_> {
    fn field(&self, i: usize) -> Option<&str> {
        self.get(i)
    }
}

impl Fields for csv::StringRecord {
    fn field(&self, i: usize) -> Option<&str> {
        self.get(i)
    }
}

impl Chunk<'_> {
    /// Visit every record with its physical line; rows must have the header's field count.
    pub fn each_record(&self, mut f: impl FnMut(u64, &Record) -> Result<(), InputError>) -> Result<(), InputError> {
        let t = self.table;
        let bytes = self.text.as_bytes();
        let mut split = Splitter::new(t.delimiter);
        let mut rec = Record { text: self.text, owned: String::new(), in_owned: false, spans: Vec::new() };
        let (mut at, mut scan_byte, mut line) = (0usize, 0usize, self.first_line);
        while let Some((start, end)) = split.next(self.text, at, &mut rec) {
            line += memchr::memchr_iter(b'\n', &bytes[scan_byte..start]).count() as u64;
            (scan_byte, at) = (start, end);
            if rec.len() != t.headers.len() {
                return Err(InputError::new(ErrorKind::RaggedRow, &t.path)
                    .line(line)
                    .found(format!("{} field(s)", rec.len()))
                    .expected(format!("{} fields, as in the header", t.headers.len()))
                    .hint("a truncated row, or an unquoted delimiter inside a value"));
            }
            // Only a record longer than the limit can hold a field that is.
            let size = |i: usize| rec.get_bytes(i).map_or(0, <[u8]>::len);
            if at - scan_byte > MAX_FIELD_BYTES {
                if let Some(i) = (0..rec.len()).find(|&i| size(i) > MAX_FIELD_BYTES) {
                    return Err(InputError::new(ErrorKind::FieldTooLarge, &t.path)
                        .line(line)
                        .column(t.headers[i].clone())
                        .found(format!("a field of {} bytes", size(i)))
                        .expected(format!("fields under {} bytes (an unclosed quote?)", MAX_FIELD_BYTES)));
                }
            }
            f(line, &rec)?;
        }
        Ok(())
    }
}

fn csv_error(path: &Path, e: csv::Error, n_headers: usize) -> InputError {
    let line = e.position().map(|p| p.line());
    let mut err = match e.kind() {
        csv::ErrorKind::UnequalLengths { len, .. } => InputError::new(ErrorKind::RaggedRow, path)
            .found(format!("{len} field(s)"))
            .expected(format!("{n_headers} fields, as in the header"))
            .hint("a truncated row, or an unquoted delimiter inside a value"),
        csv::ErrorKind::Utf8 { .. } => {
            InputError::new(ErrorKind::Encoding, path).found("invalid UTF-8").expected("text")
        }
        _ => InputError::new(ErrorKind::Io, path).found(e.to_string()).expected("a well-formed delimited file"),
    };
    if let Some(l) = line {
        err = err.line(l);
    }
    err
}

/// Where the header starts, per `header` (`None`: on the first record, nothing skipped). With
/// detection and a forced delimiter, title rows are looked for with it. Otherwise the readings
/// considered are the delimiter detected on the whole file (with any title rows it shows), and
/// each candidate delimiter whose title rows [`dialect::find_header`] finds and which
/// detection confirms on the text from that header on (a bare title line defeats detection on
/// the whole file, or fools it when the title holds a comma). The reading with the widest
/// header wins; ties keep the whole-file reading.
fn locate_header(
    path: &Path,
    text: &str,
    forced: Option<u8>,
    header: HeaderRow,
) -> Result<Option<dialect::HeaderStart>, InputError> {
    match header {
        HeaderRow::First | HeaderRow::At(1) => return Ok(None),
        HeaderRow::At(n) => return header_at(path, text, n).map(Some),
        HeaderRow::Detect => {}
    }
    if let Some(d) = forced {
        return Ok(dialect::find_header(text, d));
    }
    let width = |h: &Option<dialect::HeaderStart>, d: u8| {
        let from = h.as_ref().map_or(0, |h| h.byte);
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(d)
            .has_headers(false)
            .flexible(true)
            .from_reader(&text.as_bytes()[from..]);
        rdr.byte_records().next().and_then(|r| r.ok()).map_or(0, |r| r.len())
    };
    let mut best: Option<(usize, Option<dialect::HeaderStart>)> = None;
    let mut consider = |h: Option<dialect::HeaderStart>, d: u8| {
        let w = width(&h, d);
        if best.as_ref().is_none_or(|(bw, _)| w > *bw) {
            best = Some((w, h));
        }
    };
    if let Ok((d, _)) = dialect::detect_delimiter(path, text) {
        consider(dialect::find_header(text, d), d);
    }
    for &d in &dialect::CANDIDATES {
        if let Some(h) = dialect::find_header(text, d) {
            if dialect::detect_delimiter(path, &text[h.byte..]).is_ok_and(|x| x.0 == d) {
                consider(Some(h), d);
            }
        }
    }
    Ok(best.and_then(|(_, h)| h))
}

/// The header on physical line `n` (the spec's `header_row`).
fn header_at(path: &Path, text: &str, n: u64) -> Result<dialect::HeaderStart, InputError> {
    let bad = |found: String| {
        InputError::new(ErrorKind::Spec, path)
            .line(n)
            .column("header_row")
            .found(found)
            .expected("header_row = the row number of the header line (1 = the first line)")
    };
    if n == 0 {
        return Err(bad("header_row = 0".into()));
    }
    let mut byte = 0usize;
    for _ in 1..n {
        match text[byte..].find('\n') {
            Some(i) => byte += i + 1,
            None => return Err(bad(format!("header_row = {n}, but the file has fewer lines"))),
        }
    }
    let line_text = text[byte..].lines().next().unwrap_or("");
    if line_text.trim().is_empty() {
        return Err(bad(format!("header_row = {n}, but line {n} is blank")));
    }
    let title = text[..byte].lines().map(str::trim).find(|l| !l.is_empty()).map(|l| l.chars().take(40).collect());
    Ok(dialect::HeaderStart { byte, line: n, title })
}

/// The ingest-log line for a header found below line 1.
fn header_note(h: &dialect::HeaderStart, line: u64, how: HeaderRow) -> String {
    let why = match how {
        HeaderRow::At(_) => "header_row in the spec",
        _ => "detected",
    };
    format!(
        "header on line {line} ({why}): the {} line(s) above it skipped as title or blank rows{}",
        h.line - 1,
        h.title.as_ref().map(|t| format!(" (title '{t}')")).unwrap_or_default()
    )
}

fn read_headers(path: &Path, text: &str, delim: u8, line: u64) -> Result<Vec<String>, InputError> {
    let mut rdr =
        csv::ReaderBuilder::new().delimiter(delim).has_headers(true).flexible(false).from_reader(text.as_bytes());
    let h = rdr.headers().map_err(|e| csv_error(path, e, 0))?.clone();
    let mut out: Vec<String> = Vec::with_capacity(h.len());
    for (i, name) in h.iter().enumerate() {
        let name = name.trim().trim_start_matches('\u{feff}').to_string();
        let name = if name.is_empty() { format!("unnamed_{}", i + 1) } else { name };
        if let Some(j) = out.iter().position(|o| *o == name) {
            return Err(InputError::new(ErrorKind::DuplicateHeader, path)
                .line(line)
                .column(name.clone())
                .found(format!("'{name}' at positions {} and {}", j + 1, i + 1))
                .expected("unique column names"));
        }
        out.push(name);
    }
    Ok(out)
}

/// Lower-case, strip accents, and map every non-alphanumeric run to `_`.
pub fn normalize_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_us = true;
    for c in s.chars() {
        let c = fold_accent(c.to_lowercase().next().unwrap_or(c));
        if c.is_alphanumeric() {
            out.push(c);
            last_us = false;
        } else if !last_us {
            out.push('_');
            last_us = true;
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// Fold Spanish/Portuguese accented letters to ASCII.
pub fn fold_accent(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        other => other,
    }
}

/// The last segment of a form-platform group path: `grupo/item` → `item`, `grupo-item` → `item`.
pub fn strip_group_prefix(h: &str) -> &str {
    let after_slash = h.rsplit('/').next().unwrap_or(h);
    after_slash.rsplit('-').next().unwrap_or(after_slash)
}

/// See [`TextTable::resolve`].
pub fn resolve_column(path: &Path, headers: &[String], wanted: &str, role: &str) -> Result<usize, InputError> {
    if let Some(i) = headers.iter().position(|h| h == wanted) {
        return Ok(i);
    }
    let w = normalize_name(wanted);
    let norm: Vec<usize> = (0..headers.len()).filter(|&i| normalize_name(&headers[i]) == w).collect();
    if norm.len() == 1 {
        return Ok(norm[0]);
    }
    let grouped: Vec<usize> = (0..headers.len())
        .filter(|&i| headers[i].contains(['/', '-']) && normalize_name(strip_group_prefix(&headers[i])) == w)
        .collect();
    let candidates = if norm.len() > 1 { norm } else { grouped };
    match candidates.len() {
        1 => Ok(candidates[0]),
        0 => {
            let close = closest_names(wanted, headers.iter().map(|s| s.as_str()));
            let what = if role.is_empty() { String::new() } else { format!(" ({role})") };
            Err(InputError::new(ErrorKind::UnknownColumn, path)
                .column(wanted)
                .found(format!("no column '{wanted}'{what}"))
                .expected("a column of that name")
                .hint(format!("closest existing names: {}", close.join(", "))))
        }
        _ => Err(InputError::new(ErrorKind::AmbiguousColumn, path)
            .column(wanted)
            .found(format!(
                "several columns match: {}",
                candidates.iter().map(|&i| headers[i].as_str()).collect::<Vec<_>>().join(", ")
            ))
            .expected("exactly one column; write the full column name in the spec")),
    }
}

/// Compare two codes the way field data needs: trimmed, case- and accent-insensitive.
pub fn code_eq(a: &str, b: &str) -> bool {
    // Compared character by character, without building the folded strings (this runs for
    // every row of a national export).
    a == b || folded_chars(a).eq(folded_chars(b))
}

/// Fold a code for comparison: trimmed, lower-cased, accents removed (`Sí` = `si`).
pub fn fold_code(s: &str) -> String {
    folded_chars(s).collect()
}

/// The characters of [`fold_code`]`(s)`.
fn folded_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    s.trim().chars().map(|c| fold_accent(c.to_lowercase().next().unwrap_or(c)))
}

#[cfg(test)]
mod tests {
    use super::*;
    fn tt(s: &str) -> Result<TextTable, InputError> {
        TextTable::from_bytes(Path::new("t.csv"), s.as_bytes(), &ReadOptions::default())
    }
    /// Records of `text` as the chunk reader splits them, without the header check.
    fn split_all(text: &str, delimiter: u8) -> Vec<Vec<String>> {
        let (mut split, mut out, mut at) = (Splitter::new(delimiter), Vec::new(), 0);
        let mut rec = Record { text, owned: String::new(), in_owned: false, spans: Vec::new() };
        while let Some((_, end)) = split.next(text, at, &mut rec) {
            out.push((0..rec.len()).map(|i| rec.get(i).unwrap().to_string()).collect());
            at = end;
        }
        out
    }
    /// The in-place splitter (with its `csv_core` fallback) gives the records and fields of the
    /// CSV reader on text made of delimiters, quotes, line breaks, accents and letters.
    #[test]
    fn split_records_as_csv_reader() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
        let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
        let mut runner = TestRunner::new_with_rng(Config::with_cases(20_000), rng);
        let piece = prop::sample::select(vec!["a", "Sí", ",", ";", "\"", "\"\"", "\r", "\n", "\r\n", " ", "No aplica"]);
        let shape = (prop::collection::vec(piece, 0..24), prop::bool::ANY);
        runner
            .run(&shape, |(pieces, semicolon)| {
                let text: String = pieces.concat();
                let delimiter = if semicolon { b';' } else { b',' };
                let mut rdr = csv::ReaderBuilder::new()
                    .delimiter(delimiter)
                    .has_headers(false)
                    .flexible(true)
                    .from_reader(text.as_bytes());
                let expected: Vec<Vec<String>> = rdr
                    .byte_records()
                    .map(|r| r.unwrap().iter().map(|f| String::from_utf8(f.to_vec()).unwrap()).collect())
                    .collect();
                prop_assert_eq!(split_all(&text, delimiter), expected, "{:?}", text);
                Ok(())
            })
            .unwrap();
    }
    #[test]
    fn quoted_fields_split_in_place_and_escapes_unescaped() {
        let text = "\"Mar 3, 2026 10:42:59 AM\",Sí,\r\n\"di \"\"hola\"\"\",x\"y,\"a\"b\n\n\"multi\nline\",,\"\"";
        assert_eq!(
            split_all(text, b','),
            vec![
                vec!["Mar 3, 2026 10:42:59 AM", "Sí", ""],
                vec!["di \"hola\"", "x\"y", "ab"],
                vec!["multi\nline", "", ""],
            ]
        );
    }
    #[test]
    fn group_prefixes_resolve() {
        let t = tt("KEY,clima-ei01,grupo/ei02,Sala\nk1,Sí,No,A\n").unwrap();
        assert_eq!(t.resolve("ei01", "item").unwrap(), 1);
        assert_eq!(t.resolve("ei02", "item").unwrap(), 2);
        assert_eq!(t.resolve("sala", "classroom").unwrap(), 3);
        let e = t.resolve("ei03", "item").unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownColumn);
        assert!(e.hint.unwrap().contains("ei0"));
    }
    #[test]
    fn ambiguous_group_suffix() {
        let t = tt("a-x,b-x\n1,2\n").unwrap();
        assert_eq!(t.resolve("x", "item").unwrap_err().kind, ErrorKind::AmbiguousColumn);
    }
    #[test]
    fn ragged_row_has_line() {
        let t = tt("a,b,c\n1,2,3\n4,5\n").unwrap();
        let errs: Vec<_> = t.records().filter_map(|r| r.err()).collect();
        assert_eq!(errs[0].kind, ErrorKind::RaggedRow);
        assert_eq!(errs[0].line, Some(3));
    }
    #[test]
    fn crlf_line_numbers() {
        let t = tt("a,b\r\n1,2\r\n\r\n3,4\r\n").unwrap();
        let lines: Vec<u64> = t.records().map(|r| r.unwrap().0).collect();
        assert_eq!(lines, vec![2, 4]);
        let t = tt("a,b\n1,2\n3,4\n").unwrap();
        let lines: Vec<u64> = t.records().map(|r| r.unwrap().0).collect();
        assert_eq!(lines, vec![2, 3]);
    }
    #[test]
    fn chunks_cover_every_row_with_lines() {
        let mut text = String::from("a,b\n");
        for i in 0..50_000 {
            if i == 777 {
                text.push_str("\"multi\nline\",x\n");
            } else {
                text.push_str(&format!("{i},y\n"));
            }
        }
        let t = tt(&text).unwrap();
        let chunks = t.chunks(8);
        let mut lines = Vec::new();
        for c in &chunks {
            c.each_record(|l, r| {
                lines.push((l, r.get(0).unwrap().to_string()));
                Ok(())
            })
            .unwrap();
        }
        let serial: Vec<(u64, String)> =
            t.records().map(|r| r.unwrap()).map(|(l, r)| (l, r.get(0).unwrap().to_string())).collect();
        assert_eq!(lines, serial);
        assert_eq!(lines.len(), 50_000);
    }
    #[test]
    fn title_rows_are_skipped_and_lines_stay_physical() {
        let t = tt("Reporte CLASS\r\n\r\nCentro;Sala;PC\r\nC1;S1;5\r\nC1;S2;4\r\n").unwrap();
        assert_eq!(t.headers, vec!["Centro", "Sala", "PC"]);
        assert_eq!((t.header_line, t.dialect.header_line), (3, 3));
        assert!(t.dialect.notes.iter().any(|n| n.contains("header on line 3") && n.contains("Reporte CLASS")));
        let lines: Vec<u64> = t.records().map(|r| r.unwrap().0).collect();
        assert_eq!(lines, vec![4, 5]);
        let mut chunked = Vec::new();
        for c in t.chunks(4) {
            c.each_record(|l, _| {
                chunked.push(l);
                Ok(())
            })
            .unwrap();
        }
        assert_eq!(chunked, lines);
        // A ragged row below the title names its physical line.
        let t = tt("Reporte\n\na;b;c\n1;2;3\n4;5\n").unwrap();
        let errs: Vec<_> = t.records().filter_map(|r| r.err()).collect();
        assert_eq!(errs[0].line, Some(5));
    }
    #[test]
    fn header_row_option() {
        let text = "Programa;IMSS;Ciclo 1\nCentro;Sala;PC\nC1;S1;5\n";
        let at = |n| {
            TextTable::from_bytes(
                Path::new("t.csv"),
                text.as_bytes(),
                &ReadOptions { header: HeaderRow::At(n), ..Default::default() },
            )
        };
        let t = at(2).unwrap();
        assert_eq!((t.headers[0].as_str(), t.header_line), ("Centro", 2));
        assert_eq!(t.records().map(|r| r.unwrap().0).collect::<Vec<_>>(), vec![3]);
        assert!(t.dialect.notes.iter().any(|n| n.contains("header_row")));
        assert_eq!(at(1).unwrap().headers[0], "Programa");
        for bad in [0, 9] {
            let e = at(bad).unwrap_err();
            assert_eq!((e.kind, e.column.as_deref()), (ErrorKind::Spec, Some("header_row")), "{bad}");
        }
        // Detection alone keeps the notes row as the header (it is not title-like).
        assert_eq!(tt(text).unwrap().headers[0], "Programa");
    }
    #[test]
    fn header_only_and_empty() {
        assert_eq!(tt("a,b\n").unwrap_err().kind, ErrorKind::HeaderOnly);
        assert_eq!(tt("  \n").unwrap_err().kind, ErrorKind::EmptyFile);
    }
    #[test]
    fn duplicate_header() {
        let e = tt("a,b,a\n1,2,3\n").unwrap_err();
        assert_eq!(e.kind, ErrorKind::DuplicateHeader);
    }
    #[test]
    fn normalize() {
        assert_eq!(normalize_name(" Clima  Positivo "), "clima_positivo");
        assert_eq!(normalize_name("Guardería"), "guarderia");
        assert_eq!(normalize_name("Año-Sección"), "ano_seccion");
    }
}
