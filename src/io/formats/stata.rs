//! Stata datasets (`.dta`): formats 113–115 (Stata 8–12) and 117–119 (Stata 13 and later).
//!
//! Layout (Stata's `help dta`): old formats have a fixed binary header (release, byte order,
//! K, N), type/name/format/label tables, expansion fields, the data, then value-label tables;
//! formats 117+ wrap the same parts in `<tag>`s with a `<map>` of offsets, add `strL` long
//! strings (GSO blocks) and wider names (129 bytes in 118/119, UTF-8).
//!
//! Cells: numeric missing (`.`, and the extended `.a`–`.z`, i.e. any value above the type's
//! largest non-missing value) → empty; labelled values → their label when `value_labels` is on
//! (default); `%td` dates → `YYYY-MM-DD`; `%tc`/`%tC` date-times → ISO date-time.

use super::{corrupt, cstr, fmt_num, iso_from_unix_secs, Cursor, Grid, GridOptions};
use crate::error::{ErrorKind, InputError};
use encoding_rs::Encoding;
use std::collections::HashMap;
use std::path::Path;

/// Days from 1960-01-01 (Stata's epoch) to 1970-01-01.
const STATA_EPOCH_DAYS: f64 = 3653.0;

#[derive(Debug, Clone, Copy, PartialEq)]
enum VType {
    Str(usize),
    StrL,
    Byte,
    Int,
    Long,
    Float,
    Double,
}

impl VType {
    fn width(self) -> usize {
        match self {
            VType::Str(n) => n,
            VType::StrL => 8,
            VType::Byte => 1,
            VType::Int => 2,
            VType::Long | VType::Float => 4,
            VType::Double => 8,
        }
    }
}

struct Meta {
    release: u32,
    types: Vec<VType>,
    names: Vec<String>,
    formats: Vec<String>,
    label_names: Vec<String>,
}

pub fn read(path: &Path, bytes: &[u8], opts: &GridOptions) -> Result<Grid, InputError> {
    if bytes.starts_with(b"<stata_dta>") {
        read_tagged(path, bytes, opts)
    } else if bytes.len() > 4 && matches!(bytes[0], 113..=115) && matches!(bytes[1], 1 | 2) {
        read_old(path, bytes, opts)
    } else {
        Err(InputError::new(ErrorKind::BinaryFile, path)
            .found("no Stata signature (format 113-115 header or <stata_dta>) at the start")
            .expected("a Stata .dta file, version 8 or later (saveold or pandas to_stata work)"))
    }
}

fn type_old(code: u8) -> Option<VType> {
    Some(match code {
        1..=244 => VType::Str(code as usize),
        251 => VType::Byte,
        252 => VType::Int,
        253 => VType::Long,
        254 => VType::Float,
        255 => VType::Double,
        _ => return None,
    })
}

fn type_new(code: u16) -> Option<VType> {
    Some(match code {
        1..=2045 => VType::Str(code as usize),
        32768 => VType::StrL,
        65526 => VType::Double,
        65527 => VType::Float,
        65528 => VType::Long,
        65529 => VType::Int,
        65530 => VType::Byte,
        _ => return None,
    })
}

fn read_old(path: &Path, bytes: &[u8], opts: &GridOptions) -> Result<Grid, InputError> {
    let mut c = Cursor::new(path, bytes);
    let release = c.u8()? as u32;
    c.big = c.u8()? == 1;
    c.skip(2)?;
    let k = c.u16()? as usize;
    let n = c.u32()? as usize;
    c.skip(81 + 18)?;
    let enc = encoding_rs::WINDOWS_1252;
    let mut types = Vec::with_capacity(k);
    for _ in 0..k {
        let at = c.pos;
        let t = c.u8()?;
        types.push(type_old(t).ok_or_else(|| corrupt(path, &format!("variable type code {t}"), at))?);
    }
    let names = (0..k).map(|_| c.take(33).map(|b| cstr(b, enc))).collect::<Result<Vec<_>, _>>()?;
    c.skip(2 * (k + 1))?;
    let fmt_len = if release == 113 { 12 } else { 49 };
    let formats = (0..k).map(|_| c.take(fmt_len).map(|b| cstr(b, enc))).collect::<Result<Vec<_>, _>>()?;
    let label_names = (0..k).map(|_| c.take(33).map(|b| cstr(b, enc))).collect::<Result<Vec<_>, _>>()?;
    c.skip(81 * k)?;
    loop {
        let t = c.u8()?;
        let len = c.u32()? as usize;
        if t == 0 && len == 0 {
            break;
        }
        c.skip(len)?;
    }
    let meta = Meta { release, types, names, formats, label_names };
    let data_start = c.pos;
    let row_w: usize = meta.types.iter().map(|t| t.width()).sum();
    let data_len = row_w.checked_mul(n).ok_or_else(|| corrupt(path, "an impossible observation count", 4))?;
    c.skip(data_len)?;
    // Value labels run to the end of the file.
    let mut tables: HashMap<String, HashMap<i32, String>> = HashMap::new();
    while c.pos < bytes.len() {
        let len = c.u32()? as usize;
        let name = cstr(c.take(33)?, enc);
        c.skip(3)?;
        let table = c.take(len)?;
        tables.insert(name, parse_label_table(path, table, c.big, enc)?);
    }
    build(path, bytes, &meta, data_start, n, &tables, &HashMap::new(), enc, opts, c.big)
}

fn parse_label_table(
    path: &Path,
    t: &[u8],
    big: bool,
    enc: &'static Encoding,
) -> Result<HashMap<i32, String>, InputError> {
    let mut c = Cursor::new(path, t);
    c.big = big;
    let n = c.u32()? as usize;
    let txtlen = c.u32()? as usize;
    if n > t.len() / 8 {
        return Err(corrupt(path, "a value-label table larger than its block", 0));
    }
    let offs = (0..n).map(|_| c.u32().map(|x| x as usize)).collect::<Result<Vec<_>, _>>()?;
    let vals = (0..n).map(|_| c.i32()).collect::<Result<Vec<_>, _>>()?;
    let txt = c.take(txtlen)?;
    let mut out = HashMap::with_capacity(n);
    for (o, v) in offs.into_iter().zip(vals) {
        if o < txt.len() {
            out.insert(v, cstr(&txt[o..], enc));
        }
    }
    Ok(out)
}

/// Position just after the next occurrence of `tag` at or after `from`.
fn after_tag(path: &Path, b: &[u8], from: usize, tag: &[u8]) -> Result<usize, InputError> {
    b.get(from..)
        .and_then(|s| s.windows(tag.len()).position(|w| w == tag))
        .map(|p| from + p + tag.len())
        .ok_or_else(|| corrupt(path, &format!("missing {}", String::from_utf8_lossy(tag)), from))
}

fn read_tagged(path: &Path, bytes: &[u8], opts: &GridOptions) -> Result<Grid, InputError> {
    let mut c = Cursor::new(path, bytes);
    c.pos = after_tag(path, bytes, 0, b"<release>")?;
    let release: u32 = std::str::from_utf8(c.take(3)?)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| corrupt(path, "an unreadable release number", c.pos))?;
    if !(117..=119).contains(&release) {
        return Err(InputError::new(ErrorKind::BinaryFile, path)
            .found(format!("Stata format {release}"))
            .expected("format 113-115 or 117-119"));
    }
    c.pos = after_tag(path, bytes, c.pos, b"<byteorder>")?;
    c.big = c.take(3)? == b"MSF";
    c.pos = after_tag(path, bytes, c.pos, b"<K>")?;
    let k = if release == 119 { c.u32()? as usize } else { c.u16()? as usize };
    c.pos = after_tag(path, bytes, c.pos, b"<N>")?;
    let n = if release == 117 { c.u32()? as usize } else { c.u64()? as usize };
    c.pos = after_tag(path, bytes, c.pos, b"<map>")?;
    let map = (0..14).map(|_| c.u64().map(|x| x as usize)).collect::<Result<Vec<_>, _>>()?;
    let enc: &'static Encoding = if release >= 118 { encoding_rs::UTF_8 } else { encoding_rs::WINDOWS_1252 };
    let name_len = if release >= 118 { 129 } else { 33 };
    let fmt_len = if release >= 118 { 57 } else { 49 };
    c.pos = after_tag(path, bytes, map[2], b"<variable_types>")?;
    let mut types = Vec::with_capacity(k);
    for _ in 0..k {
        let at = c.pos;
        let t = c.u16()?;
        types.push(type_new(t).ok_or_else(|| corrupt(path, &format!("variable type code {t}"), at))?);
    }
    c.pos = after_tag(path, bytes, map[3], b"<varnames>")?;
    let names = (0..k).map(|_| c.take(name_len).map(|b| cstr(b, enc))).collect::<Result<Vec<_>, _>>()?;
    c.pos = after_tag(path, bytes, map[5], b"<formats>")?;
    let formats = (0..k).map(|_| c.take(fmt_len).map(|b| cstr(b, enc))).collect::<Result<Vec<_>, _>>()?;
    c.pos = after_tag(path, bytes, map[6], b"<value_label_names>")?;
    let label_names = (0..k).map(|_| c.take(name_len).map(|b| cstr(b, enc))).collect::<Result<Vec<_>, _>>()?;
    let data_start = after_tag(path, bytes, map[9], b"<data>")?;
    // strLs: (v, o) → text.
    let mut strls: HashMap<(u64, u64), String> = HashMap::new();
    let mut p = after_tag(path, bytes, map[10], b"<strls>")?;
    while bytes.get(p..p + 3) == Some(b"GSO") {
        c.pos = p + 3;
        let v = c.u32()? as u64;
        let o = if release == 117 { c.u32()? as u64 } else { c.u64()? };
        let t = c.u8()?;
        let len = c.u32()? as usize;
        let data = c.take(len)?;
        let text = if t == 130 { cstr(data, enc) } else { enc.decode(data).0.to_string() };
        strls.insert((v, o), text);
        p = c.pos;
    }
    let mut tables: HashMap<String, HashMap<i32, String>> = HashMap::new();
    let mut p = after_tag(path, bytes, map[11], b"<value_labels>")?;
    while bytes.get(p..p + 5) == Some(b"<lbl>") {
        c.pos = p + 5;
        let len = c.u32()? as usize;
        let name = cstr(c.take(name_len)?, enc);
        c.skip(3)?;
        let table = c.take(len)?;
        tables.insert(name, parse_label_table(path, table, c.big, enc)?);
        p = after_tag(path, bytes, c.pos, b"</lbl>")?;
    }
    let meta = Meta { release, types, names, formats, label_names };
    build(path, bytes, &meta, data_start, n, &tables, &strls, enc, opts, c.big)
}

#[allow(clippy::too_many_arguments)]
fn build(
    path: &Path,
    bytes: &[u8],
    meta: &Meta,
    data_start: usize,
    n: usize,
    tables: &HashMap<String, HashMap<i32, String>>,
    strls: &HashMap<(u64, u64), String>,
    enc: &'static Encoding,
    opts: &GridOptions,
    big: bool,
) -> Result<Grid, InputError> {
    let mut grid = Grid::default();
    grid.notes.push(format!("Stata format {}, {} encoding", meta.release, enc.name()));
    grid.headers = meta.names.clone();
    let widths: Vec<usize> = meta.types.iter().map(|t| t.width()).collect();
    let row_w: usize = widths.iter().sum();
    let total = row_w
        .checked_mul(n)
        .and_then(|x| x.checked_add(data_start))
        .ok_or_else(|| corrupt(path, "an impossible observation count", data_start))?;
    if total > bytes.len() {
        return Err(corrupt(path, &format!("{n} observation(s) announced but the data stop early"), bytes.len()));
    }
    let kinds: Vec<u8> = meta
        .formats
        .iter()
        .map(|f| {
            let f = f.to_ascii_lowercase();
            if f.starts_with("%td") || f.starts_with("%d") {
                1
            } else if f.starts_with("%tc") {
                2
            } else {
                0
            }
        })
        .collect();
    let c = Cursor { b: bytes, pos: 0, big, path };
    grid.rows.reserve(n);
    for i in 0..n {
        let mut off = data_start + i * row_w;
        let mut row = Vec::with_capacity(widths.len());
        for (j, t) in meta.types.iter().enumerate() {
            let b = &bytes[off..off + widths[j]];
            off += widths[j];
            let num: Option<f64> = match *t {
                VType::Str(_) => {
                    row.push(cstr(b, enc));
                    continue;
                }
                VType::StrL => {
                    let (v, o) = if meta.release == 117 {
                        let v = u32::from_le_bytes(b[..4].try_into().unwrap());
                        let o = u32::from_le_bytes(b[4..8].try_into().unwrap());
                        if big {
                            (
                                u32::from_be_bytes(b[..4].try_into().unwrap()) as u64,
                                u32::from_be_bytes(b[4..8].try_into().unwrap()) as u64,
                            )
                        } else {
                            (v as u64, o as u64)
                        }
                    } else if big {
                        (
                            u16::from_be_bytes(b[..2].try_into().unwrap()) as u64,
                            u64::from_be_bytes([0, 0, b[2], b[3], b[4], b[5], b[6], b[7]]),
                        )
                    } else {
                        (
                            u16::from_le_bytes(b[..2].try_into().unwrap()) as u64,
                            u64::from_le_bytes([b[2], b[3], b[4], b[5], b[6], b[7], 0, 0]),
                        )
                    };
                    row.push(if v == 0 && o == 0 {
                        String::new()
                    } else {
                        strls.get(&(v, o)).cloned().unwrap_or_default()
                    });
                    continue;
                }
                VType::Byte => {
                    let x = b[0] as i8;
                    (x <= 100).then_some(x as f64)
                }
                VType::Int => {
                    let a: [u8; 2] = b.try_into().unwrap();
                    let x = if big { i16::from_be_bytes(a) } else { i16::from_le_bytes(a) };
                    (x <= 32_740).then_some(x as f64)
                }
                VType::Long => {
                    let a: [u8; 4] = b.try_into().unwrap();
                    let x = if big { i32::from_be_bytes(a) } else { i32::from_le_bytes(a) };
                    (x <= 2_147_483_620).then_some(x as f64)
                }
                VType::Float => {
                    let a: [u8; 4] = b.try_into().unwrap();
                    let x = f32::from_bits(if big { u32::from_be_bytes(a) } else { u32::from_le_bytes(a) });
                    // Missing values start at 2^127.
                    (x.is_finite() && x < 1.701_411_8e38).then_some(x as f64)
                }
                VType::Double => {
                    let x = c.f64_at(b);
                    (x.is_finite() && x < 8.988_465_674_311_579e307).then_some(x)
                }
            };
            let Some(x) = num else {
                row.push(String::new());
                continue;
            };
            if opts.value_labels && !meta.label_names[j].is_empty() && x == x.trunc() {
                if let Some(l) = tables.get(&meta.label_names[j]).and_then(|t| t.get(&(x as i32))) {
                    row.push(l.clone());
                    continue;
                }
            }
            row.push(match kinds[j] {
                1 => iso_from_unix_secs((x - STATA_EPOCH_DAYS) * 86_400.0, false),
                2 => iso_from_unix_secs(x / 1000.0 - STATA_EPOCH_DAYS * 86_400.0, true),
                _ => fmt_num(x),
            });
        }
        grid.rows.push(row);
    }
    Ok(grid)
}
