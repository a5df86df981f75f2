//! Read the study's files (as the spec describes them) into tidy in-memory tables.
//!
//! Checklist answers become a compact item matrix of codes (`u8` per cell: the index of the
//! value in the item's allowed set, or [`NA_CODE`] / [`MISSING_CODE`]), so a million-row export
//! with 50 items takes 50 MB. Values outside an item's allowed set stop the run with file, line,
//! column and value, or with `--keep-going` are excluded (treated as missing) and counted.

use super::spec::{Columns, Item, ItemType, Study};
use crate::error::{ErrorKind, InputError};
use crate::io::table::{code_eq, fold_code};
use crate::io::table::{Dialect, TextTable};
use crate::io::values::{parse_datetime, parse_number, DateTime, NumError};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The hasher of the ID hash maps: foldhash with its fixed default seed, so iteration order
/// is the same in every run (outputs never depend on it: tallies are emitted in key order).
/// It hashes eight bytes at a time; FNV-1a, used before, took one multiply per byte, half of
/// `check`'s duplicate search on a million rows.
pub type IdHash = foldhash::fast::FixedState;

/// String interner for repeated IDs. Each role (center, classroom, ...) remembers its last
/// value: rows of one visit, classroom or center mostly come together, and a repeat costs one
/// comparison instead of a hash lookup.
#[derive(Default)]
pub struct Interner {
    strings: std::collections::HashSet<Arc<str>, IdHash>,
    dates: HashMap<i64, Arc<str>, IdHash>,
    last: [Option<Arc<str>>; Slot::COUNT],
}

/// The roles whose last value [`Interner::get_in`] remembers.
#[derive(Clone, Copy)]
pub enum Slot {
    Center,
    Classroom,
    Observer,
    AgeGroup,
    Round,
}

impl Slot {
    const COUNT: usize = 5;
}

impl Interner {
    pub fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.strings.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.strings.insert(a.clone());
        a
    }
    /// [`get`](Self::get), first comparing with the last value of the same role.
    pub fn get_in(&mut self, slot: Slot, s: &str) -> Arc<str> {
        let last = &mut self.last[slot as usize];
        if let Some(a) = last.as_ref().filter(|a| ***a == *s) {
            return a.clone();
        }
        let a = self.get(s);
        self.last[slot as usize] = Some(a.clone());
        a
    }
    /// The ISO date of a day number, formatted once per distinct day.
    pub fn date(&mut self, d: &DateTime) -> Arc<str> {
        self.dates.entry(d.days()).or_insert_with(|| Arc::from(d.date_iso().as_str())).clone()
    }
}

pub const NA_CODE: u8 = 254;
pub const MISSING_CODE: u8 = 255;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Primary,
    Reliability,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Primary => "primary",
            Role::Reliability => "reliability",
        }
    }
}

/// Identification and timing of one observation (a checklist submission or a CLASS visit).
/// Repeated IDs (center, classroom, observer, date) are interned: a million observations of a
/// few thousand classrooms share their strings.
#[derive(Debug, Clone)]
pub struct ObsMeta {
    pub key: String,
    pub center: Arc<str>,
    pub classroom: Arc<str>,
    pub observer: Arc<str>,
    pub role: Role,
    /// ISO date of the visit, if known.
    pub date: Option<Arc<str>>,
    pub start: Option<DateTime>,
    pub end: Option<DateTime>,
    /// When the form was submitted to the server, if the spec names the column.
    pub submitted: Option<DateTime>,
    /// Age group of the classroom, if the spec names the column.
    pub age_group: Option<Arc<str>>,
    /// Monitoring round, if the spec names the column (blank = `None`).
    pub round: Option<Arc<str>>,
    /// Physical line of the (first) row in the file.
    pub line: u64,
}

/// A value that was excluded under `--keep-going`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ValueIssue {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub value: String,
    pub expected: String,
    /// The observation the row belongs to (as far as the row names it).
    pub ids: RowIds,
}

/// The IDs a row carries, as written in the file (trimmed; the date as ISO when it parses),
/// so that a problem found in the row names its observation.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RowIds {
    /// The submission key, or `file:line` when the file has no key column (as in [`ObsMeta`]).
    pub key: String,
    pub center: String,
    pub classroom: String,
    pub observer: String,
    pub date: String,
    /// CLASS rows: the cycle, once read.
    pub cycle: Option<u32>,
}

/// How strictly to treat invalid values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnInvalid {
    Stop,
    Exclude,
}

/// Collects excluded values; under [`OnInvalid::Stop`] the first one is an error.
pub struct Issues {
    pub mode: OnInvalid,
    pub excluded: Vec<ValueIssue>,
    pub n_excluded: usize,
}

impl Issues {
    pub fn new(mode: OnInvalid) -> Self {
        Issues { mode, excluded: Vec::new(), n_excluded: 0 }
    }
    /// Append the values another reader excluded after this one's (the first 10,000 are kept,
    /// as if one reader had read both).
    pub fn append(&mut self, other: Issues) {
        self.n_excluded += other.n_excluded;
        let room = 10_000usize.saturating_sub(self.excluded.len());
        self.excluded.extend(other.excluded.into_iter().take(room));
    }
    /// Name the row's observation in the values excluded since `from` (the IDs are only read
    /// when some were: the common case costs nothing). A cycle already set is kept.
    fn name_row(&mut self, from: usize, ids: impl FnOnce() -> RowIds) {
        if self.excluded.len() > from {
            let ids = ids();
            for v in &mut self.excluded[from..] {
                v.ids = RowIds { cycle: v.ids.cycle, ..ids.clone() };
            }
        }
    }
    /// Set the CLASS cycle of the values excluded since `from`.
    fn name_cycle(&mut self, from: usize, cycle: u32) {
        for v in self.excluded.iter_mut().skip(from) {
            v.ids.cycle = Some(cycle);
        }
    }
    fn invalid(&mut self, err: InputError) -> Result<(), InputError> {
        match self.mode {
            OnInvalid::Stop => Err(err),
            OnInvalid::Exclude => {
                self.n_excluded += 1;
                if self.excluded.len() < 10_000 {
                    self.excluded.push(ValueIssue {
                        file: err.file.clone(),
                        line: err.line.unwrap_or(0),
                        column: err.column.clone().unwrap_or_default(),
                        value: err.found.clone().unwrap_or_default(),
                        expected: err.expected.clone().unwrap_or_default(),
                        ids: RowIds::default(),
                    });
                }
                Ok(())
            }
        }
    }
}

pub struct ChecklistData {
    pub file: String,
    pub dialect: Dialect,
    pub meta: Vec<ObsMeta>,
    pub n_items: usize,
    /// Row-major `meta.len() × n_items` codes.
    pub codes: Vec<u8>,
    pub rows_read: usize,
}

impl ChecklistData {
    pub fn row(&self, i: usize) -> &[u8] {
        &self.codes[i * self.n_items..(i + 1) * self.n_items]
    }
}

pub struct ClassCycle {
    pub obs: usize,
    pub cycle: u32,
    /// One value per instrument dimension (None = blank).
    pub values: Vec<Option<f64>>,
    pub line: u64,
}

pub struct ClassData {
    pub file: String,
    pub dialect: Dialect,
    pub obs: Vec<ObsMeta>,
    pub cycles: Vec<ClassCycle>,
    pub rows_read: usize,
}

#[derive(Debug, Clone)]
pub struct Roster {
    pub file: String,
    pub dialect: Dialect,
    /// Center id → attribute values (in spec order).
    pub centers: BTreeMap<String, Vec<String>>,
    /// Center id → its line in the roster file.
    pub lines: BTreeMap<String, u64>,
    pub attributes: Vec<String>,
}

/// Column indices for the roles in [`Columns`].
struct RoleCols {
    key: Option<usize>,
    center: usize,
    classroom: usize,
    observer: Option<usize>,
    role: Option<usize>,
    date: Option<usize>,
    start: Option<usize>,
    end: Option<usize>,
    submitted: Option<usize>,
    age_group: Option<usize>,
    round: Option<usize>,
}

fn opt_col(t: &TextTable, c: &Option<String>, role: &str) -> Result<Option<usize>, InputError> {
    c.as_ref().map(|name| t.resolve(name, role)).transpose()
}

impl RoleCols {
    fn new(t: &TextTable, c: &Columns) -> Result<Self, InputError> {
        Ok(RoleCols {
            key: opt_col(t, &c.key, "key")?,
            center: t.resolve(&c.center, "center")?,
            classroom: t.resolve(&c.classroom, "classroom")?,
            observer: opt_col(t, &c.observer, "observer")?,
            role: opt_col(t, &c.role, "role")?,
            date: opt_col(t, &c.date, "date")?,
            start: opt_col(t, &c.start, "start time")?,
            end: opt_col(t, &c.end, "end time")?,
            submitted: opt_col(t, &c.submitted, "submission time")?,
            age_group: opt_col(t, &c.age_group, "age group")?,
            round: opt_col(t, &c.round, "round")?,
        })
    }

    /// The submission key, or `file:line` without a key column.
    fn key_of(&self, t: &TextTable, line: u64, rec: &impl crate::io::table::Fields) -> String {
        match self.key.and_then(|c| rec.field(c)).map(str::trim) {
            Some(k) if !k.is_empty() => k.to_string(),
            _ => format!("{}:{}", t.file_name(), line),
        }
    }

    /// The IDs of one record as written (the date as ISO when it parses), for the values
    /// excluded from it.
    fn ids(&self, t: &TextTable, line: u64, rec: &impl crate::io::table::Fields) -> RowIds {
        let get = |i: usize| rec.field(i).unwrap_or("").trim();
        RowIds {
            key: self.key_of(t, line, rec),
            center: get(self.center).to_string(),
            classroom: get(self.classroom).to_string(),
            observer: self.observer.map(get).unwrap_or("").to_string(),
            date: self
                .date
                .or(self.start)
                .map(get)
                .map(|v| parse_datetime(v).map_or(v.to_string(), |d| d.date_iso()))
                .unwrap_or_default(),
            cycle: None,
        }
    }

    /// Read the meta fields of one record. `Ok(None)` = row excluded under keep-going.
    fn read(
        &self,
        study: &Study,
        t: &TextTable,
        line: u64,
        rec: &impl crate::io::table::Fields,
        issues: &mut Issues,
        names: &mut Interner,
    ) -> Result<Option<ObsMeta>, InputError> {
        let get = |i: usize| rec.field(i).unwrap_or("").trim();
        let err =
            |col: usize, kind: ErrorKind| InputError::new(kind, &t.path).line(line).column(t.headers[col].clone());
        let center = get(self.center);
        let classroom = get(self.classroom);
        for (col, v, what) in [(self.center, center, "a center ID"), (self.classroom, classroom, "a classroom ID")] {
            if v.is_empty() {
                issues.invalid(err(col, ErrorKind::InvalidValue).found("a blank ID").expected(what))?;
                return Ok(None);
            }
        }
        let role = match self.role {
            None => Role::Primary,
            Some(c) => {
                let v = get(c);
                let roles = &study.spec.roles;
                if roles.primary.iter().any(|p| code_eq(p, v)) {
                    Role::Primary
                } else if roles.reliability.iter().any(|p| code_eq(p, v)) {
                    Role::Reliability
                } else {
                    issues.invalid(err(c, ErrorKind::InvalidValue).found(v).expected(format!(
                        "a role: primary = {} or reliability = {}",
                        roles.primary.join("/"),
                        roles.reliability.join("/")
                    )))?;
                    return Ok(None);
                }
            }
        };
        let dt = |c: Option<usize>, issues: &mut Issues| -> Result<Option<DateTime>, InputError> {
            match c {
                None => Ok(None),
                Some(c) => {
                    let v = get(c);
                    if v.is_empty() {
                        return Ok(None);
                    }
                    match parse_datetime(v) {
                        Some(d) => Ok(Some(d)),
                        None => {
                            issues.invalid(
                                err(c, ErrorKind::InvalidDate)
                                    .found(v)
                                    .expected("a date such as 2026-03-04, 04/03/2026 or Mar 4, 2026 9:05:11 AM"),
                            )?;
                            Ok(None)
                        }
                    }
                }
            }
        };
        let date = dt(self.date, issues)?;
        let start = dt(self.start, issues)?;
        let end = dt(self.end, issues)?;
        let submitted = dt(self.submitted, issues)?;
        Ok(Some(ObsMeta {
            key: self.key_of(t, line, rec),
            center: names.get_in(Slot::Center, center),
            classroom: names.get_in(Slot::Classroom, classroom),
            observer: names.get_in(Slot::Observer, self.observer.map(&get).unwrap_or("")),
            role,
            date: date.or(start).map(|d| names.date(&d)),
            start,
            end,
            submitted,
            age_group: self.age_group.map(get).filter(|v| !v.is_empty()).map(|v| names.get_in(Slot::AgeGroup, v)),
            round: self.round.map(get).filter(|v| !v.is_empty()).map(|v| names.get_in(Slot::Round, v)),
            line,
        }))
    }
}

/// Maps cells of one item to codes. Exact raw strings are tried first (fast path), then the
/// folded (trimmed, lower-case, accent-free) form.
pub struct ItemCoder {
    exact: Vec<(String, u8)>,
    /// The exact spellings of at most 8 bytes (`Sí`, `No`, `2`, blank: nearly every cell),
    /// as (length, bytes zero-padded into a `u64`, code), in `exact`'s order.
    short: Vec<(usize, u64, u8)>,
    folded: HashMap<String, u8>,
    values: Vec<f64>,
    kind: ItemType,
}

impl ItemCoder {
    pub fn new(item: &Item, study: &Study) -> ItemCoder {
        let mut pairs: Vec<(String, u8)> = Vec::new();
        match item.kind {
            ItemType::Binary => {
                pairs.extend(item.yes.iter().map(|y| (y.clone(), 1)));
                pairs.extend(item.no.iter().map(|n| (n.clone(), 0)));
            }
            ItemType::Ordinal => {
                for (l, v) in &item.labels {
                    if let Some(i) = item.values.iter().position(|x| x == v) {
                        pairs.push((l.clone(), i as u8));
                    }
                }
                // The values as they are usually written (`2`, `0.5`), before any parsing.
                for (i, v) in item.values.iter().enumerate() {
                    let text = v.to_string();
                    if !pairs.iter().any(|(s, _)| *s == text) {
                        pairs.push((text, i as u8));
                    }
                }
            }
        }
        pairs.extend(item.not_applicable.iter().map(|s| (s.clone(), NA_CODE)));
        pairs.extend(study.spec.checklist.codes.not_applicable.iter().map(|s| (s.clone(), NA_CODE)));
        pairs.extend(study.spec.checklist.codes.missing.iter().map(|s| (s.clone(), MISSING_CODE)));
        pairs.push((String::new(), MISSING_CODE));
        let mut folded = HashMap::new();
        for (s, c) in &pairs {
            folded.entry(fold_code(s)).or_insert(*c);
        }
        let short = pairs.iter().filter_map(|(s, c)| Some((s.len(), pack8(s.as_bytes())?, *c))).collect();
        ItemCoder { exact: pairs, short, folded, values: item.values.clone(), kind: item.kind }
    }

    /// Code a cell; `None` = not in the allowed set.
    pub fn code(&self, cell: &str, dec: crate::io::dialect::DecimalMark) -> Option<u8> {
        if let Some(c) = self.exact(cell.as_bytes()) {
            return Some(c);
        }
        if self.kind == ItemType::Ordinal {
            if let Ok(v) = parse_number(cell, dec) {
                if let Some(i) = self.values.iter().position(|x| (x - v).abs() < 1e-9) {
                    return Some(i as u8);
                }
            }
        }
        self.folded.get(&fold_code(cell)).copied()
    }

    /// The code of a cell spelled exactly as one of the allowed values (the usual case), from
    /// its bytes: no UTF-8 check and no folding. `None` = ask [`code`](Self::code).
    pub fn exact(&self, b: &[u8]) -> Option<u8> {
        // Cells are a few bytes: one integer comparison per candidate (a call to memcmp per
        // candidate was a tenth of ingest on a national export; a byte loop, a twentieth).
        match pack8(b) {
            Some(k) => self.short.iter().find(|&&(n, p, _)| n == b.len() && p == k).map(|&(_, _, c)| c),
            None => self.exact.iter().find(|(s, _)| s.as_bytes() == b).map(|(_, c)| *c),
        }
    }

    pub fn describe(item: &Item, study: &Study) -> String {
        let mut allowed: Vec<String> = match item.kind {
            ItemType::Binary => item.yes.iter().chain(item.no.iter()).cloned().collect(),
            ItemType::Ordinal => item.values.iter().map(|v| v.to_string()).chain(item.labels.keys().cloned()).collect(),
        };
        allowed.extend(item.not_applicable.iter().cloned());
        allowed.extend(study.spec.checklist.codes.not_applicable.iter().cloned());
        allowed.extend(study.spec.checklist.codes.missing.iter().cloned());
        allowed.push("(blank)".into());
        format!("one of {}", allowed.join(", "))
    }
}

/// The bytes of a string of at most 8 bytes, zero-padded into an integer (with its length, a
/// key that tells every such string apart); `None` for longer strings.
fn pack8(b: &[u8]) -> Option<u64> {
    // A shift per byte: a copy into a buffer calls memcpy for a length known only at run time.
    (b.len() <= 8).then(|| b.iter().rev().fold(0u64, |x, &c| (x << 8) | u64::from(c)))
}

pub fn read_checklist(study: &Study, issues: &mut Issues) -> Result<ChecklistData, InputError> {
    let fs = &study.spec.files.checklist;
    let path = study.resolve_path(&fs.path);
    let mut t = TextTable::open(&path, &fs.read_options())?;
    let cols = RoleCols::new(&t, &study.spec.checklist.columns)?;
    let items = &study.spec.checklist.items;
    let mut item_cols = Vec::with_capacity(items.len());
    for it in items {
        item_cols.push(t.resolve(it.column_name(), &format!("item {}", it.id))?);
    }
    let coders: Vec<ItemCoder> = items.iter().map(|it| ItemCoder::new(it, study)).collect();
    let n_items = items.len();
    // Parse fixed chunks in parallel (at most a few per thread) and merge them in file order:
    // the result, including which error is reported first, does not depend on thread count.
    let chunks = t.chunks(4 * rayon::current_num_threads());
    struct Part {
        meta: Vec<ObsMeta>,
        codes: Vec<u8>,
        rows: usize,
        issues: Issues,
        error: Option<InputError>,
    }
    let parts: Vec<Part> = chunks
        .par_iter()
        .map(|chunk| {
            let mut p =
                Part { meta: Vec::new(), codes: Vec::new(), rows: 0, issues: Issues::new(issues.mode), error: None };
            let mut row_codes = vec![0u8; n_items];
            let mut names = Interner::default();
            let res = chunk.each_record(|line, rec| {
                p.rows += 1;
                let from = p.issues.excluded.len();
                let m = match cols.read(study, &t, line, rec, &mut p.issues, &mut names)? {
                    Some(m) => m,
                    None => {
                        p.issues.name_row(from, || cols.ids(&t, line, rec));
                        return Ok(());
                    }
                };
                for (j, (&c, coder)) in item_cols.iter().zip(&coders).enumerate() {
                    // Exact spellings are matched on the bytes; only other cells are read as text.
                    let exact = coder.exact(rec.get_bytes(c).unwrap_or_default());
                    let cell = || rec.get(c).unwrap_or("");
                    row_codes[j] = match exact.or_else(|| coder.code(cell(), t.decimal)) {
                        Some(code) => code,
                        None => {
                            let cell = cell();
                            let mut e = InputError::new(ErrorKind::InvalidValue, &t.path)
                                .line(line)
                                .column(t.headers[c].clone())
                                .found(cell)
                                .expected(ItemCoder::describe(&items[j], study));
                            if let Ok(v) = parse_number(cell, t.decimal) {
                                let (lo, hi) = items[j].range();
                                if items[j].kind == ItemType::Ordinal && (v < lo || v > hi) {
                                    e = e.hint(format!("out of range {lo}–{hi}"));
                                }
                            }
                            p.issues.invalid(e)?;
                            MISSING_CODE
                        }
                    };
                }
                p.codes.extend_from_slice(&row_codes);
                p.meta.push(m);
                p.issues.name_row(from, || cols.ids(&t, line, rec));
                Ok(())
            });
            p.error = res.err();
            // Nothing reads this chunk's text again: its pages leave resident memory while the
            // other chunks are parsed.
            t.text.release(chunk.text);
            p
        })
        .collect();
    // The raw text (the size of the file) is no longer needed: release it before the parts are
    // merged, so that the two never add up to the peak.
    drop(chunks);
    t.text = Default::default();
    t.start = 0;
    let mut meta = Vec::with_capacity(parts.iter().map(|p| p.meta.len()).sum());
    let mut codes = Vec::with_capacity(parts.iter().map(|p| p.codes.len()).sum());
    let mut rows_read = 0;
    for p in parts {
        if let Some(e) = p.error {
            return Err(e);
        }
        rows_read += p.rows;
        meta.extend(p.meta);
        codes.extend_from_slice(&p.codes);
        issues.append(p.issues);
    }
    // An item with no answer in any row is almost always a renamed or misplaced column.
    if !meta.is_empty() {
        for (j, it) in items.iter().enumerate() {
            if codes.iter().skip(j).step_by(n_items).all(|&c| c == MISSING_CODE) {
                issues.invalid(
                    InputError::new(ErrorKind::AllMissing, &t.path)
                        .column(t.headers[item_cols[j]].clone())
                        .found(format!("no answer in any of the {} rows", meta.len()))
                        .expected(format!("answers for item {}", it.id))
                        .hint("a renamed or shifted column? If the item was not asked in this round, remove it from the spec"),
                )?;
            }
        }
    }
    Ok(ChecklistData { file: t.file_name(), dialect: t.dialect.clone(), meta, n_items, codes, rows_read })
}

/// Column of a CLASS dimension: the spec mapping, else the code, the English or Spanish name,
/// or an alias.
pub fn class_dimension_column(
    t: &TextTable,
    study: &Study,
    dim: &super::instrument::Dimension,
) -> Result<usize, InputError> {
    let c = study.spec.class.as_ref().expect("class spec");
    if let Some(col) = c.dimensions.get(&dim.code) {
        return t.resolve(col, &format!("CLASS {}", dim.code));
    }
    for name in [dim.code.as_str(), dim.name_en.as_str(), dim.name_es.as_str()]
        .into_iter()
        .chain(dim.aliases.iter().map(|s| s.as_str()))
    {
        if let Some(i) = t.find(name) {
            return Ok(i);
        }
    }
    t.resolve(&dim.code, &format!("CLASS {} ({})", dim.code, dim.name_en))
}

pub fn read_class(study: &Study, issues: &mut Issues) -> Result<Option<ClassData>, InputError> {
    let (c, fs, inst) = match (&study.spec.class, &study.spec.files.class, &study.instrument) {
        (Some(c), Some(fs), Some(i)) => (c, fs, i),
        _ => return Ok(None),
    };
    let path = study.resolve_path(&fs.path);
    let t = TextTable::open(&path, &fs.read_options())?;
    let cols = RoleCols::new(&t, &c.columns)?;
    let nd = inst.dimensions.len();
    // (cycle, dimension) → column
    let mut layout: Vec<(u32, Vec<usize>)> = Vec::new();
    let cycle_col = match c.layout {
        super::spec::ClassLayout::Long => {
            let base: Vec<usize> =
                inst.dimensions.iter().map(|d| class_dimension_column(&t, study, d)).collect::<Result<_, _>>()?;
            layout.push((0, base));
            Some(t.resolve(c.columns.cycle.as_deref().unwrap_or("cycle"), "cycle")?)
        }
        super::spec::ClassLayout::Wide => {
            let pat = c.wide_pattern.clone().unwrap_or_else(|| "{col}_{cycle}".into());
            for cy in 1..=c.cycles {
                let mut v = Vec::with_capacity(nd);
                for d in &inst.dimensions {
                    let base = c.dimensions.get(&d.code).cloned().unwrap_or_else(|| d.code.clone());
                    let name =
                        pat.replace("{col}", &base).replace("{code}", &d.code).replace("{cycle}", &cy.to_string());
                    v.push(t.resolve(&name, &format!("CLASS {} cycle {cy}", d.code))?);
                }
                layout.push((cy, v));
            }
            None
        }
    };
    let mut obs: Vec<ObsMeta> = Vec::new();
    let mut names = Interner::default();
    let mut index: HashMap<(String, Arc<str>, Arc<str>, Arc<str>, Option<Arc<str>>, Role), usize> = HashMap::new();
    let mut cycles = Vec::new();
    let mut rows_read = 0;
    for r in t.records() {
        let (line, rec) = r?;
        rows_read += 1;
        let from = issues.excluded.len();
        let m = match cols.read(study, &t, line, &rec, issues, &mut names)? {
            Some(m) => m,
            None => {
                issues.name_row(from, || cols.ids(&t, line, &rec));
                continue;
            }
        };
        let id = if cols.key.is_some() {
            (m.key.clone(), names.get(""), names.get(""), names.get(""), None, m.role)
        } else {
            (String::new(), m.center.clone(), m.classroom.clone(), m.observer.clone(), m.date.clone(), m.role)
        };
        let oi = match index.get(&id) {
            Some(&i) => i,
            None => {
                obs.push(m);
                index.insert(id, obs.len() - 1);
                obs.len() - 1
            }
        };
        for (cy, dcols) in &layout {
            let cycle = match cycle_col {
                Some(cc) => {
                    let v = rec.get(cc).unwrap_or("").trim();
                    match parse_number(v, t.decimal) {
                        Ok(x) if x >= 1.0 && x.fract() == 0.0 && x <= 1000.0 => x as u32,
                        res => {
                            let kind = if res.is_ok() { ErrorKind::InvalidValue } else { ErrorKind::InvalidNumber };
                            issues.invalid(
                                InputError::new(kind, &t.path)
                                    .line(line)
                                    .column(t.headers[cc].clone())
                                    .found(v)
                                    .expected("a cycle number 1, 2, 3, ..."),
                            )?;
                            continue;
                        }
                    }
                }
                None => *cy,
            };
            let from_cycle = issues.excluded.len();
            let mut values = Vec::with_capacity(nd);
            for (d, &col) in inst.dimensions.iter().zip(dcols) {
                let cell = rec.get(col).unwrap_or("").trim();
                if cell.is_empty() || study.spec.checklist.codes.missing.iter().any(|m| code_eq(m, cell)) {
                    values.push(None);
                    continue;
                }
                let v = match parse_number(cell, t.decimal) {
                    Ok(v) if v >= inst.min && v <= inst.max => Some(v),
                    res => {
                        let (why, kind) = match res {
                            Err(NumError::NonFinite) => ("a finite number", ErrorKind::InvalidNumber),
                            Err(NumError::NotANumber) => ("a number", ErrorKind::InvalidNumber),
                            Ok(_) => ("a score inside the valid range", ErrorKind::InvalidValue),
                        };
                        issues.invalid(
                            InputError::new(kind, &t.path)
                                .line(line)
                                .column(t.headers[col].clone())
                                .found(cell)
                                .expected(format!("{why}: CLASS {} scores range {}–{}", d.code, inst.min, inst.max)),
                        )?;
                        None
                    }
                };
                values.push(v);
            }
            issues.name_cycle(from_cycle, cycle);
            cycles.push(ClassCycle { obs: oi, cycle, values, line });
        }
        issues.name_row(from, || cols.ids(&t, line, &rec));
    }
    Ok(Some(ClassData { file: t.file_name(), dialect: t.dialect.clone(), obs, cycles, rows_read }))
}

pub fn read_roster(study: &Study) -> Result<Option<Roster>, InputError> {
    let fs = match &study.spec.files.roster {
        Some(f) => f,
        None => return Ok(None),
    };
    let path = study.resolve_path(&fs.path);
    let t = TextTable::open(&path, &fs.read_options())?;
    let center_name = study.spec.roster.center.clone().unwrap_or_else(|| study.spec.checklist.columns.center.clone());
    let cc = t.resolve(&center_name, "roster center")?;
    let attrs: Vec<usize> =
        study.spec.roster.attributes.iter().map(|a| t.resolve(a, "roster attribute")).collect::<Result<_, _>>()?;
    // The rows are read (with the chunk reader: no record allocated per row), then sorted by ID
    // to find repeated IDs and to build the maps in bulk (a national roster has 212,000 rows).
    let mut rows: Vec<(String, u64, Vec<String>)> = Vec::new();
    let mut read = Ok(());
    for chunk in t.chunks(1) {
        read = read.and_then(|()| {
            chunk.each_record(|line, rec| {
                let id = rec.get(cc).unwrap_or("").trim();
                if id.is_empty() {
                    return Err(InputError::new(ErrorKind::InvalidValue, &path)
                        .line(line)
                        .column(t.headers[cc].clone())
                        .found("a blank center ID")
                        .expected("a center ID on every roster row"));
                }
                rows.push((
                    id.to_string(),
                    line,
                    attrs.iter().map(|&a| rec.get(a).unwrap_or("").trim().to_string()).collect(),
                ));
                Ok(())
            })
        });
    }
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    // The first row in file order whose ID came before: reported before any later problem (the
    // rows read stop at the first one).
    if let Some(dup) = rows.windows(2).filter(|w| w[0].0 == w[1].0).map(|w| &w[1]).min_by_key(|r| r.1) {
        return Err(InputError::new(ErrorKind::InvalidValue, &path)
            .line(dup.1)
            .column(t.headers[cc].clone())
            .found(dup.0.clone())
            .expected("each center once in the roster"));
    }
    read?;
    let lines = rows.iter().map(|(id, line, _)| (id.clone(), *line)).collect();
    let centers = rows.into_iter().map(|(id, _, vals)| (id, vals)).collect();
    Ok(Some(Roster {
        file: t.file_name(),
        dialect: t.dialect.clone(),
        centers,
        lines,
        attributes: study.spec.roster.attributes.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The packed lookup finds what a search of the spellings in order finds (first match wins),
    /// for short and long cells, blanks, accents and near misses.
    #[test]
    fn exact_lookup_matches_ordered_search() {
        let pairs: Vec<(String, u8)> = ["Sí", "No", "2", "", "No aplica", "X", "X", "abcdefgh", "abcdefghi", "\0"]
            .iter()
            .enumerate()
            .map(|(i, s)| (s.to_string(), i as u8))
            .collect();
        let short = pairs.iter().filter_map(|(s, c)| Some((s.len(), pack8(s.as_bytes())?, *c))).collect();
        let coder =
            ItemCoder { exact: pairs.clone(), short, folded: HashMap::new(), values: vec![], kind: ItemType::Binary };
        let cells = [
            "Sí",
            "No",
            "2",
            "",
            "No aplica",
            "X",
            "abcdefgh",
            "abcdefghi",
            "\0",
            "S",
            "Sí ",
            "no",
            "\0\0",
            "abcdefghij",
        ];
        for cell in cells {
            let naive = pairs.iter().find(|(s, _)| s == cell).map(|(_, c)| *c);
            assert_eq!(coder.exact(cell.as_bytes()), naive, "{cell:?}");
        }
        assert_eq!(coder.exact(b"X"), Some(5));
        assert_eq!(coder.exact(b"S"), None);
    }
}
