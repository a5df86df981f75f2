//! SPSS system files (`.sav`), uncompressed or bytecode-compressed.
//!
//! Layout (IBM SPSS Statistics "System File Format", as documented by GNU PSPP's developer
//! guide): a 176-byte header (`$FL2`, layout code 2 or 3 giving the byte order, compression,
//! case count, bias 100), then dictionary records — type 2 variables (with labels and up to
//! three discrete user-missing values or a range), type 3/4 value labels, type 6 documents,
//! type 7 extensions (3: machine info with the code page, 13: long names, 14: very long
//! strings, 20: encoding, 21/22: long-string labels and missing values) — ended by type 999,
//! then the cases as 8-byte slots.
//!
//! What checkval writes for each cell: system-missing → empty; a user-missing value → its
//! label if it has one (so `99 = "No aplica"` reaches the item coder as `No aplica`), else empty;
//! other labelled values → the label when `value_labels` is on (default), else the code;
//! DATE/ADATE/EDATE/SDATE formats → `YYYY-MM-DD`; DATETIME/YMDHMS → ISO date-time.
//! ZSAV (zlib, `$FL3`) files are refused with a clear message.

use super::{corrupt, cstr, fmt_num, iso_from_unix_secs, Cursor, Grid, GridOptions};
use crate::error::{ErrorKind, InputError};
use encoding_rs::Encoding;
use std::collections::HashMap;
use std::path::Path;

/// Seconds from the SPSS epoch (1582-10-14) to 1970-01-01.
const SPSS_EPOCH_OFFSET: f64 = 12_219_379_200.0;

#[derive(Debug, Clone)]
enum Missing {
    None,
    Values(Vec<[u8; 8]>),
    Range { lo: f64, hi: f64, extra: Option<f64> },
}

#[derive(Debug, Clone)]
struct Var {
    short: String,
    name: String,
    /// 0 numeric, else string width in bytes.
    width: usize,
    /// Index of the first 8-byte slot in a case.
    slot: usize,
    /// Slots occupied by this (segment) variable record.
    n_slots: usize,
    fmt_type: u8,
    missing: Missing,
    labels: Vec<([u8; 8], String)>,
    /// Later segments of a very long string, as indices into the segment list.
    segments: Vec<usize>,
    /// True for a continuation segment that is folded into its first segment.
    hidden: bool,
}

pub fn read(path: &Path, bytes: &[u8], opts: &GridOptions) -> Result<Grid, InputError> {
    if bytes.len() < 176 || (&bytes[..4] != b"$FL2" && &bytes[..4] != b"$FL3") {
        return Err(InputError::new(ErrorKind::BinaryFile, path)
            .found("no SPSS system-file signature ($FL2) at the start")
            .expected("an SPSS .sav file saved by SPSS, PSPP, pyreadstat or haven"));
    }
    if &bytes[..4] == b"$FL3" {
        return Err(InputError::new(ErrorKind::BinaryFile, path)
            .found("a zlib-compressed SPSS file (.zsav)")
            .expected("an uncompressed or standard-compressed .sav (in SPSS: Save As, uncheck 'compress')"));
    }
    let mut c = Cursor::new(path, bytes);
    let header = read_header(&mut c)?;
    let mut dict = read_dictionary(&mut c)?;
    let enc = dict.encoding();
    let mut grid = Grid::default();
    grid.notes.push(format!(
        "SPSS system file, {} encoding, {}",
        enc.name(),
        if header.compression == 1 { "bytecode-compressed" } else { "uncompressed" }
    ));
    dict.resolve(enc);
    let vars = &dict.vars;
    grid.headers = vars.iter().filter(|v| !v.hidden).map(|v| v.name.clone()).collect();
    if dict.n_slots == 0 {
        return Err(InputError::new(ErrorKind::EmptyFile, path)
            .found("an SPSS file with no variables")
            .expected("a header row and at least one data row"));
    }
    let mut cases = CaseReader::new(&header, dict.n_slots);
    let mut case_no = 0usize;
    let expected = if header.ncases >= 0 { Some(header.ncases as usize) } else { None };
    loop {
        if expected.is_some_and(|n| case_no >= n) {
            break;
        }
        if !cases.next_case(&mut c, case_no)? {
            break;
        }
        case_no += 1;
        let mut row = Vec::with_capacity(grid.headers.len());
        for v in vars.iter().filter(|v| !v.hidden) {
            row.push(cell(v, vars, &cases.slots, &c, enc, opts.value_labels));
        }
        grid.rows.push(row);
    }
    if let Some(n) = expected {
        if case_no < n {
            return Err(corrupt(path, &format!("{case_no} case(s) where the header announces {n}"), c.pos));
        }
    }
    Ok(grid)
}

/// What the 176-byte file header says about the cases.
struct Header {
    /// 0 uncompressed, 1 bytecode-compressed.
    compression: i32,
    /// Announced case count (−1 when unknown).
    ncases: i32,
    /// Compression bias (100).
    bias: f64,
}

/// The file header, after the signature: layout code (which sets the byte order), compression,
/// case count and bias. Leaves `c` at the first dictionary record.
#[allow(clippy::result_large_err)]
fn read_header(c: &mut Cursor) -> Result<Header, InputError> {
    let (path, bytes) = (c.path, c.b);
    c.skip(64)?;
    let layout_le = i32::from_le_bytes(bytes[64..68].try_into().unwrap());
    c.big = !(layout_le == 2 || layout_le == 3);
    let layout = c.i32()?;
    if layout != 2 && layout != 3 {
        return Err(corrupt(path, &format!("layout code {layout_le}"), 64));
    }
    let _nominal = c.i32()?;
    let compression = c.i32()?;
    let _weight = c.i32()?;
    let ncases = c.i32()?;
    let bias = c.f64()?;
    c.skip(9 + 8 + 64 + 3)?;
    if compression > 1 {
        return Err(InputError::new(ErrorKind::BinaryFile, path)
            .found("a zlib-compressed SPSS file (.zsav)")
            .expected("an uncompressed or standard-compressed .sav"));
    }
    Ok(Header { compression, ncases, bias })
}

/// Raw value labels: (value, label bytes) pairs and the 1-based dictionary indices they apply to.
type RawLabels = (Vec<([u8; 8], Vec<u8>)>, Vec<usize>);

/// The dictionary as read, before the encoding is known.
#[derive(Default)]
struct Dictionary {
    vars: Vec<Var>,
    /// Dictionary index (1-based slot) → position in `vars`.
    slot_owner: HashMap<usize, usize>,
    n_slots: usize,
    code_page: Option<i32>,
    enc_name: Option<String>,
    long_names: Option<Vec<u8>>,
    very_long: Option<Vec<u8>>,
    /// Value labels wait for the encoding, which may come later in the dictionary.
    raw_labels: Vec<RawLabels>,
    raw_var_names: Vec<Vec<u8>>,
}

/// The dictionary records, up to and including the type 999 terminator.
#[allow(clippy::result_large_err)]
fn read_dictionary(c: &mut Cursor) -> Result<Dictionary, InputError> {
    let path = c.path;
    let mut dict = Dictionary::default();
    loop {
        let at = c.pos;
        let rec = c.i32()?;
        match rec {
            2 => dict.read_variable(c, at)?,
            3 => dict.read_value_labels(c, at)?,
            6 => {
                let n = c.u32()? as usize;
                c.skip(n.checked_mul(80).ok_or_else(|| corrupt(path, "document size", at))?)?;
            }
            7 => dict.read_extension(c, at)?,
            999 => {
                c.i32()?;
                break;
            }
            other => return Err(corrupt(path, &format!("unknown dictionary record type {other}"), at)),
        }
    }
    Ok(dict)
}

impl Dictionary {
    /// A type 2 variable record (or the continuation slot of a string variable) at `at`.
    #[allow(clippy::result_large_err)]
    fn read_variable(&mut self, c: &mut Cursor, at: usize) -> Result<(), InputError> {
        let path = c.path;
        let typ = c.i32()?;
        let has_label = c.i32()?;
        let n_missing = c.i32()?;
        let print = c.i32()?;
        let _write = c.i32()?;
        let name = c.take(8)?.to_vec();
        if has_label == 1 {
            let len = c.u32()? as usize;
            c.skip(len.div_ceil(4) * 4)?;
        }
        let nm = n_missing.unsigned_abs() as usize;
        if nm > 3 {
            return Err(corrupt(path, &format!("{n_missing} missing values on one variable"), at));
        }
        let mut vals = Vec::with_capacity(nm);
        for _ in 0..nm {
            vals.push(<[u8; 8]>::try_from(c.take(8)?).unwrap());
        }
        self.n_slots += 1;
        if typ == -1 {
            // Continuation slot of the previous string variable.
            if let Some(v) = self.vars.last_mut() {
                v.n_slots += 1;
                self.slot_owner.insert(self.n_slots, self.vars.len() - 1);
            }
            return Ok(());
        }
        if !(0..=255).contains(&typ) {
            return Err(corrupt(path, &format!("variable type {typ}"), at));
        }
        let missing = match n_missing {
            0 => Missing::None,
            1..=3 => Missing::Values(vals),
            -2 | -3 => {
                let lo = c.f64_at(&vals[0]);
                let hi = c.f64_at(&vals[1]);
                Missing::Range { lo, hi, extra: vals.get(2).map(|v| c.f64_at(v)) }
            }
            _ => return Err(corrupt(path, &format!("missing-value count {n_missing}"), at)),
        };
        self.slot_owner.insert(self.n_slots, self.vars.len());
        self.raw_var_names.push(name);
        self.vars.push(Var {
            short: String::new(),
            name: String::new(),
            width: typ as usize,
            slot: self.n_slots - 1,
            n_slots: 1,
            fmt_type: ((print >> 16) & 0xff) as u8,
            missing,
            labels: Vec::new(),
            segments: Vec::new(),
            hidden: false,
        });
        Ok(())
    }

    /// A type 3 value-label record at `at` and the type 4 variable list that must follow it.
    #[allow(clippy::result_large_err)]
    fn read_value_labels(&mut self, c: &mut Cursor, at: usize) -> Result<(), InputError> {
        let path = c.path;
        let n = c.u32()? as usize;
        if n > c.b.len() / 9 {
            return Err(corrupt(path, "a value-label count larger than the file", at));
        }
        let mut labs = Vec::with_capacity(n);
        for _ in 0..n {
            let v = <[u8; 8]>::try_from(c.take(8)?).unwrap();
            let len = c.u8()? as usize;
            let padded = (len + 1).div_ceil(8) * 8 - 1;
            let l = c.take(padded)?[..len].to_vec();
            labs.push((v, l));
        }
        let rec4 = c.i32()?;
        if rec4 != 4 {
            return Err(corrupt(path, "a value-label record not followed by its variable list", c.pos - 4));
        }
        let k = c.u32()? as usize;
        if k > self.n_slots.max(1) {
            return Err(corrupt(path, "a value-label record for more variables than the file has", c.pos));
        }
        let mut idx = Vec::with_capacity(k);
        for _ in 0..k {
            idx.push(c.u32()? as usize);
        }
        self.raw_labels.push((labs, idx));
        Ok(())
    }

    /// A type 7 extension record at `at`: machine info (code page), long names, very long
    /// strings and the encoding are kept; the others are skipped.
    #[allow(clippy::result_large_err)]
    fn read_extension(&mut self, c: &mut Cursor, at: usize) -> Result<(), InputError> {
        let path = c.path;
        let sub = c.i32()?;
        let size = c.u32()? as usize;
        let count = c.u32()? as usize;
        let data = c.take(size.checked_mul(count).ok_or_else(|| corrupt(path, "extension size", at))?)?;
        match sub {
            3 if data.len() >= 32 => {
                let a: [u8; 4] = data[28..32].try_into().unwrap();
                self.code_page = Some(if c.big { i32::from_be_bytes(a) } else { i32::from_le_bytes(a) });
            }
            13 => self.long_names = Some(data.to_vec()),
            14 => self.very_long = Some(data.to_vec()),
            20 => self.enc_name = Some(String::from_utf8_lossy(data).trim().to_string()),
            _ => {}
        }
        Ok(())
    }

    /// The text encoding: the encoding record, else the code page, else Windows-1252.
    fn encoding(&self) -> &'static Encoding {
        self.enc_name
            .as_deref()
            .and_then(|n| Encoding::for_label(n.as_bytes()))
            .or_else(|| match self.code_page {
                Some(65001) => Some(encoding_rs::UTF_8),
                Some(cp) if cp > 0 => Encoding::for_label(format!("windows-{cp}").as_bytes()),
                _ => None,
            })
            .unwrap_or(encoding_rs::WINDOWS_1252)
    }

    /// Decode the variable names (short, then long), fold very long strings into their first
    /// segment, and attach the value labels.
    fn resolve(&mut self, enc: &'static Encoding) {
        let vars = &mut self.vars;
        for (v, raw) in vars.iter_mut().zip(&self.raw_var_names) {
            v.short = cstr(raw, enc);
            v.name = v.short.clone();
        }
        if let Some(ln) = self.long_names.take() {
            let (s, _, _) = enc.decode(&ln);
            let map: HashMap<String, String> = s
                .split('\t')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_uppercase(), v.to_string()))
                .collect();
            for v in vars.iter_mut() {
                if let Some(l) = map.get(&v.short.to_uppercase()) {
                    v.name = l.clone();
                }
            }
        }
        if let Some(vl) = self.very_long.take() {
            let (s, _, _) = enc.decode(&vl);
            for kv in s.split(['\t', '\0']).filter(|x| !x.is_empty()) {
                let Some((k, w)) = kv.split_once('=') else { continue };
                let Ok(w) = w.trim_end_matches('\0').trim().parse::<usize>() else { continue };
                let Some(i) = vars.iter().position(|v| v.short.eq_ignore_ascii_case(k)) else { continue };
                let n_seg = w.div_ceil(252);
                vars[i].width = w;
                for j in 1..n_seg {
                    if let Some(seg) = vars.get_mut(i + j) {
                        seg.hidden = true;
                    }
                    vars[i].segments.push(i + j);
                }
            }
        }
        for (labs, idx) in std::mem::take(&mut self.raw_labels) {
            let decoded: Vec<([u8; 8], String)> =
                labs.into_iter().map(|(v, l)| (v, enc.decode(&l).0.trim_end().to_string())).collect();
            for i in idx {
                if let Some(&vi) = self.slot_owner.get(&i) {
                    vars[vi].labels.extend(decoded.iter().cloned());
                }
            }
        }
    }
}

/// Reads the cases one at a time into 8-byte slots, decompressing bytecode if needed.
struct CaseReader {
    compression: i32,
    bias: f64,
    /// The current case.
    slots: Vec<[u8; 8]>,
    /// Bytecode decompression state: the current block of codes and the next one to use.
    codes: [u8; 8],
    code_i: usize,
}

impl CaseReader {
    fn new(header: &Header, n_slots: usize) -> Self {
        CaseReader {
            compression: header.compression,
            bias: header.bias,
            slots: vec![[0u8; 8]; n_slots],
            codes: [0; 8],
            code_i: 8,
        }
    }

    /// Read case `case_no` (0-based) into `slots`; false at the end of the data.
    #[allow(clippy::result_large_err)]
    fn next_case(&mut self, c: &mut Cursor, case_no: usize) -> Result<bool, InputError> {
        let sysmis = -f64::MAX;
        let end = c.b.len();
        for (k, slot) in self.slots.iter_mut().enumerate() {
            if self.compression == 0 {
                if c.pos == end && k == 0 {
                    return Ok(false);
                }
                *slot = c.take(8)?.try_into().unwrap();
                continue;
            }
            loop {
                if self.code_i == 8 {
                    if c.pos == end && k == 0 {
                        return Ok(false);
                    }
                    self.codes = c.take(8)?.try_into().unwrap();
                    self.code_i = 0;
                }
                let code = self.codes[self.code_i];
                self.code_i += 1;
                match code {
                    0 => continue,
                    1..=251 => {
                        let x = code as f64 - self.bias;
                        *slot = if c.big { x.to_bits().to_be_bytes() } else { x.to_bits().to_le_bytes() };
                    }
                    252 => {
                        if k == 0 {
                            return Ok(false);
                        }
                        return Err(corrupt(
                            c.path,
                            &format!("end of data in the middle of case {}", case_no + 1),
                            c.pos,
                        ));
                    }
                    253 => *slot = c.take(8)?.try_into().unwrap(),
                    254 => *slot = *b"        ",
                    255 => *slot = if c.big { sysmis.to_bits().to_be_bytes() } else { sysmis.to_bits().to_le_bytes() },
                }
                break;
            }
        }
        Ok(true)
    }
}

fn cell(v: &Var, all: &[Var], slots: &[[u8; 8]], c: &Cursor, enc: &'static Encoding, use_labels: bool) -> String {
    if v.width == 0 {
        let raw = slots[v.slot];
        let x = c.f64_at(&raw);
        if x == -f64::MAX || !x.is_finite() {
            return String::new();
        }
        let label = v.labels.iter().find(|(k, _)| c.f64_at(k) == x).map(|(_, l)| l.clone());
        let user_missing = match &v.missing {
            Missing::None => false,
            Missing::Values(vs) => vs.iter().any(|m| c.f64_at(m) == x),
            Missing::Range { lo, hi, extra } => (x >= *lo && x <= *hi) || extra.is_some_and(|e| e == x),
        };
        if user_missing {
            return label.unwrap_or_default();
        }
        if use_labels {
            if let Some(l) = label {
                return l;
            }
        }
        return match v.fmt_type {
            // DATE, ADATE, JDATE, EDATE, SDATE, MOYR, QYR, WKYR
            20 | 23 | 24 | 28 | 29 | 30 | 38 | 39 => iso_from_unix_secs(x - SPSS_EPOCH_OFFSET, false),
            // DATETIME, YMDHMS
            22 | 41 => iso_from_unix_secs(x - SPSS_EPOCH_OFFSET, true),
            _ => fmt_num(x),
        };
    }
    // Strings: the slots of this variable (and of its very-long segments, 252 bytes each).
    let mut raw: Vec<u8> = Vec::with_capacity(v.width);
    let seg_bytes = |s: &Var| -> Vec<u8> {
        let mut b = Vec::with_capacity(s.n_slots * 8);
        for k in 0..s.n_slots {
            b.extend_from_slice(&slots[s.slot + k]);
        }
        b
    };
    if v.segments.is_empty() {
        let mut b = seg_bytes(v);
        b.truncate(v.width.min(255));
        raw = b;
    } else {
        let mut b = seg_bytes(v);
        b.truncate(252);
        raw.extend_from_slice(&b);
        for &s in &v.segments {
            let mut b = seg_bytes(&all[s]);
            b.truncate(252);
            raw.extend_from_slice(&b);
        }
    }
    while raw.last() == Some(&b' ') || raw.last() == Some(&0) {
        raw.pop();
    }
    let s = enc.decode(&raw).0.to_string();
    if let Missing::Values(vs) = &v.missing {
        if vs.iter().any(|m| enc.decode(m).0.trim_end() == s) {
            let mut key = [b' '; 8];
            let n = raw.len().min(8);
            key[..n].copy_from_slice(&raw[..n]);
            return v.labels.iter().find(|(k, _)| *k == key).map(|(_, l)| l.clone()).unwrap_or_default();
        }
    }
    if use_labels && raw.len() <= 8 {
        let mut key = [b' '; 8];
        key[..raw.len()].copy_from_slice(&raw);
        if let Some((_, l)) = v.labels.iter().find(|(k, _)| *k == key) {
            return l.clone();
        }
    }
    s
}
