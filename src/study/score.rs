//! Scoring: checklist items → subscale and total scores per observation; CLASS cycles →
//! dimensions → domains per observation; primary observations → classrooms → centers.
//!
//! # Checklist scores (`checklist_total`, `checklist_<subscale>`)
//! For an observation and a scale with items `J`: `A` = items not marked not-applicable,
//! `R ⊆ A` = items answered. The score exists only if `|A| > 0` and `|R| / |A| ≥ min_answered`
//! (default 0.8); otherwise it is NA with the reason. With `method = "proportion"` the score is
//! `mean_{j∈R} s_j` where `s_j = (x_j − min_j)/(max_j − min_j)` (binary: 1 met, 0 not met); with
//! `method = "mean"` it is `mean_{j∈R} x_j`. Reverse-scored items enter as `1 − s_j`
//! (proportion) or `min_j + max_j − x_j` (mean). Pinned by `study::score::tests`.
//!
//! # CLASS scores (`class_<DIM>`, `class_<DOMAIN>`)
//! Dimension = mean over the observation's cycles with a value; domain = mean of its dimension
//! scores with reversed dimensions (Negative Climate) entered as `min + max − x` (= 8 − NC);
//! a domain is NA if any of its dimensions is. `class_NC` stays raw.
//!
//! # Levels
//! Classroom = mean over its *primary* observations (reliability copies are for agreement only);
//! center = mean over its classrooms. Every mean carries `<score>_n`, the count behind it.

use super::ingest::{ChecklistData, ClassData, ObsMeta, Role, MISSING_CODE, NA_CODE};
use super::spec::{ItemType, ScoringMethod, Study};
use crate::choices::Level;
use rayon::prelude::*;
use std::sync::Arc;

/// One score of every observation, NA included: an `f64` a value with NA stored as NaN (a
/// score is a mean of finite values, never NaN itself), 8 bytes instead of `Option<f64>`'s 16:
/// a national export holds six such columns of a million observations. Read as `Option<f64>`.
#[derive(Debug, Clone, Default)]
pub struct ScoreCol(Vec<f64>);

/// Equal when every value reads back the same (`None` equals `None`, unlike NaN).
impl PartialEq for ScoreCol {
    fn eq(&self, other: &ScoreCol) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl ScoreCol {
    fn pack(v: Option<f64>) -> f64 {
        v.unwrap_or(f64::NAN)
    }
    fn unpack(x: f64) -> Option<f64> {
        (!x.is_nan()).then_some(x)
    }
    pub fn with_capacity(n: usize) -> ScoreCol {
        ScoreCol(Vec::with_capacity(n))
    }
    pub fn push(&mut self, v: Option<f64>) {
        self.0.push(Self::pack(v));
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The score of observation `i` (panics past the end, as indexing does).
    pub fn get(&self, i: usize) -> Option<f64> {
        Self::unpack(self.0[i])
    }
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<f64>> + Clone + '_ {
        self.0.iter().map(|&x| Self::unpack(x))
    }
    /// Observations `r` (empty past the end).
    pub fn range(&self, r: std::ops::Range<usize>) -> impl Iterator<Item = Option<f64>> + '_ {
        self.0.get(r).unwrap_or_default().iter().map(|&x| Self::unpack(x))
    }
}

impl FromIterator<Option<f64>> for ScoreCol {
    fn from_iter<I: IntoIterator<Item = Option<f64>>>(it: I) -> ScoreCol {
        ScoreCol(it.into_iter().map(ScoreCol::pack).collect())
    }
}

/// Per-observation scores of one instrument, column-major.
pub struct ObsScores {
    pub names: Vec<String>,
    /// `values[s].get(i)`: score `s` of observation `i`.
    pub values: Vec<ScoreCol>,
    /// Why a score is NA, per observation (joined, `None` when all scores exist).
    pub notes: Vec<Option<String>>,
    /// Checklist: answered items (total scale); CLASS: distinct cycles.
    pub count_a: Vec<u32>,
    /// Checklist: not-applicable items; CLASS: cycles with every dimension missing.
    pub count_b: Vec<u32>,
}

/// Precomputed per-item value table: `table[j][code]` is the item's contribution to a score
/// (the reflected value, rescaled to 0–1 for the proportion method).
fn item_tables(study: &Study) -> Vec<Vec<f64>> {
    let method = study.spec.scoring.method;
    item_value_table(study)
        .into_iter()
        .zip(&study.spec.checklist.items)
        .map(|(vals, it)| {
            let (lo, hi) = it.range();
            vals.into_iter()
                .map(|x| match method {
                    ScoringMethod::Proportion => (x - lo) / (hi - lo),
                    ScoringMethod::Mean => x,
                })
                .collect()
        })
        .collect()
}

/// Score one observation's item codes. Returns per-scale values and notes.
/// Scales: 0 = total, 1.. = subscales. `scale_of[j]` is item j's subscale index (1-based).
fn score_row(
    codes: &[u8],
    tables: &[Vec<f64>],
    scale_of: &[usize],
    n_scales: usize,
    min_answered: f64,
    names: &[String],
    out: &mut [Option<f64>],
) -> (Option<String>, u32, u32) {
    // Scales are few (total + subscales): keep the accumulators on the stack.
    const MAX: usize = 64;
    assert!(n_scales <= MAX, "at most {} subscales", MAX - 1);
    let mut sum = [0.0f64; MAX];
    let mut answered = [0u32; MAX];
    let mut na = [0u32; MAX];
    let mut total = [0u32; MAX];
    for (j, &c) in codes.iter().enumerate() {
        let s = scale_of[j];
        total[0] += 1;
        total[s] += 1;
        match c {
            NA_CODE => {
                na[0] += 1;
                na[s] += 1;
            }
            MISSING_CODE => {}
            v => {
                let x = tables[j][v as usize];
                sum[0] += x;
                sum[s] += x;
                answered[0] += 1;
                answered[s] += 1;
            }
        }
    }
    let mut notes: Option<String> = None;
    for s in 0..n_scales {
        let applicable = total[s] - na[s];
        let val = if applicable == 0 {
            Err(format!("{}: no applicable items", names[s]))
        } else if (answered[s] as f64) < min_answered * applicable as f64 - 1e-9 {
            Err(format!(
                "{}: {}/{} applicable items answered ({:.0}%) < {:.0}%",
                names[s],
                answered[s],
                applicable,
                100.0 * answered[s] as f64 / applicable as f64,
                100.0 * min_answered
            ))
        } else {
            Ok(sum[s] / answered[s] as f64)
        };
        out[s] = match val {
            Ok(v) => Some(v),
            Err(reason) => {
                match &mut notes {
                    Some(n) => {
                        n.push_str("; ");
                        n.push_str(&reason);
                    }
                    None => notes = Some(reason),
                }
                None
            }
        };
    }
    (notes, answered[0], na[0])
}

pub fn score_checklist(study: &Study, data: &ChecklistData) -> ObsScores {
    let names = study.checklist_score_names();
    let n_scales = names.len();
    let scale_of: Vec<usize> = study
        .spec
        .checklist
        .items
        .iter()
        .map(|it| 1 + study.subscales.iter().position(|s| *s == it.subscale).expect("subscale"))
        .collect();
    let tables = item_tables(study);
    let min_answered = study.spec.scoring.min_answered;
    let n = data.meta.len();
    // Fixed-size chunks scored in parallel, each into its own slices of the result columns:
    // the result does not depend on the thread count, and no second copy is held.
    const CHUNK: usize = 16_384;
    let mut values: Vec<Vec<f64>> = vec![vec![f64::NAN; n]; n_scales];
    let mut notes: Vec<Option<String>> = vec![None; n];
    let (mut count_a, mut count_b) = (vec![0u32; n], vec![0u32; n]);
    column_blocks(&mut values, n, CHUNK)
        .into_par_iter()
        .zip(notes.par_chunks_mut(CHUNK))
        .zip(count_a.par_chunks_mut(CHUNK).zip(count_b.par_chunks_mut(CHUNK)))
        .enumerate()
        .for_each(|(c, ((mut cols, notes), (a, b)))| {
            let mut out = vec![None; n_scales];
            for (r, i) in (c * CHUNK..).take(notes.len()).enumerate() {
                let (nt, ca, cb) = score_row(data.row(i), &tables, &scale_of, n_scales, min_answered, &names, &mut out);
                for (col, v) in cols.iter_mut().zip(&out) {
                    col[r] = ScoreCol::pack(*v);
                }
                (notes[r], a[r], b[r]) = (nt, ca, cb);
            }
        });
    ObsScores { names, values: values.into_iter().map(ScoreCol).collect(), notes, count_a, count_b }
}

pub fn score_class(study: &Study, data: &ClassData) -> ObsScores {
    let inst = study.instrument.as_ref().expect("instrument");
    let names = study.class_score_names();
    let nd = inst.dimensions.len();
    let n = data.obs.len();
    let mut sum = vec![vec![0.0f64; nd]; n];
    let mut cnt = vec![vec![0u32; nd]; n];
    let mut cycles: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut empty = vec![0u32; n];
    for c in &data.cycles {
        if !cycles[c.obs].contains(&c.cycle) {
            cycles[c.obs].push(c.cycle);
        }
        if c.values.iter().all(|v| v.is_none()) {
            empty[c.obs] += 1;
        }
        for (d, v) in c.values.iter().enumerate() {
            if let Some(v) = v {
                sum[c.obs][d] += v;
                cnt[c.obs][d] += 1;
            }
        }
    }
    let mut values = vec![ScoreCol::with_capacity(n); names.len()];
    let mut notes = Vec::with_capacity(n);
    for i in 0..n {
        let mut note: Vec<String> = Vec::new();
        let dims: Vec<Option<f64>> =
            (0..nd).map(|d| if cnt[i][d] > 0 { Some(sum[i][d] / cnt[i][d] as f64) } else { None }).collect();
        for (d, v) in dims.iter().enumerate() {
            if v.is_none() {
                note.push(format!("class_{}: no cycle with a score", inst.dimensions[d].code));
            }
            values[d].push(*v);
        }
        for (k, dom) in inst.domains.iter().enumerate() {
            let mut s = 0.0;
            let mut m = 0;
            let mut missing = Vec::new();
            for (d, dim) in inst.dimensions.iter().enumerate() {
                if dim.domain != dom.code {
                    continue;
                }
                match dims[d] {
                    Some(v) => {
                        s += if dim.reversed { inst.min + inst.max - v } else { v };
                        m += 1;
                    }
                    None => missing.push(dim.code.clone()),
                }
            }
            let v = if missing.is_empty() && m > 0 {
                Some(s / m as f64)
            } else {
                note.push(format!("class_{}: dimension(s) {} missing", dom.code, missing.join(", ")));
                None
            };
            values[nd + k].push(v);
        }
        notes.push(if note.is_empty() { None } else { Some(note.join("; ")) });
    }
    ObsScores { names, values, notes, count_a: cycles.iter().map(|c| c.len() as u32).collect(), count_b: empty }
}

/// A level's table (classroom or center), column-major.
pub struct LevelTable {
    pub level: Level,
    pub center: Vec<Arc<str>>,
    /// Empty strings at center level.
    pub classroom: Vec<Arc<str>>,
    pub names: Vec<String>,
    pub values: Vec<Vec<Option<f64>>>,
    pub ns: Vec<Vec<u32>>,
    pub n_checklist_obs: Vec<u32>,
    pub n_class_obs: Vec<u32>,
    pub n_class_cycles: Vec<u32>,
    /// Center level: classrooms with any data.
    pub n_classrooms: Vec<u32>,
    /// Center level: roster attributes (name → values).
    pub attributes: Vec<(String, Vec<String>)>,
    /// Classroom level: the age group recorded with its observations ("" if none).
    pub age_group: Vec<Arc<str>>,
}

impl LevelTable {
    pub fn len(&self) -> usize {
        self.center.len()
    }
    pub fn is_empty(&self) -> bool {
        self.center.is_empty()
    }
    pub fn column(&self, name: &str) -> Option<&[Option<f64>]> {
        self.names.iter().position(|n| n == name).map(|i| self.values[i].as_slice())
    }
}

/// One primary observation on its way to a classroom: its key and where its scores are.
struct RoomRow<'a> {
    center: &'a Arc<str>,
    classroom: &'a Arc<str>,
    /// A CLASS observation (`false`: checklist); checklist rows come first in a classroom.
    class: bool,
    i: u32,
}

/// The order of two IDs: equal without reading them when both are the same interned string
/// (rows of one center or classroom mostly share theirs), else by their text.
fn id_cmp(a: &Arc<str>, b: &Arc<str>) -> std::cmp::Ordering {
    if Arc::ptr_eq(a, b) {
        std::cmp::Ordering::Equal
    } else {
        a.cmp(b)
    }
}

/// The running totals of a center.
#[derive(Default)]
struct Totals {
    n_cl: u32,
    n_cs: u32,
    n_cyc: u32,
    n_rooms: u32,
}

/// Means of the flat `sum`/`cnt` accumulators (`n` units × `k` scores), column-major.
fn mean_columns(sum: &[f64], cnt: &[u32], k: usize) -> (Vec<Vec<Option<f64>>>, Vec<Vec<u32>>) {
    let n = cnt.len().checked_div(k).unwrap_or(0);
    let values = (0..k)
        .into_par_iter()
        .map(|s| (0..n).map(|r| (cnt[r * k + s] > 0).then(|| sum[r * k + s] / cnt[r * k + s] as f64)).collect())
        .collect();
    let ns = (0..k).into_par_iter().map(|s| (0..n).map(|r| cnt[r * k + s]).collect()).collect();
    (values, ns)
}

/// The runs of equal keys in a sorted slice, as `start..end` ranges.
fn runs<T>(rows: &[T], same: impl Fn(&T, &T) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=rows.len() {
        if i == rows.len() || !same(&rows[i - 1], &rows[i]) {
            if i > start {
                out.push(start..i);
            }
            start = i;
        }
    }
    out
}

/// The primary observations of one instrument, as rows to sort into classrooms.
fn primary_rows(meta: &[ObsMeta], class: bool) -> impl ParallelIterator<Item = RoomRow<'_>> {
    meta.par_iter().enumerate().filter(|(_, m)| m.role == Role::Primary).map(move |(i, m)| RoomRow {
        center: &m.center,
        classroom: &m.classroom,
        class,
        i: i as u32,
    })
}

/// Primary observations → classroom means, in (center, classroom) order.
///
/// The primary rows are sorted by (center, classroom, instrument, row) — the ties broken by
/// the row, so the order is the same at any thread count — and each classroom's scores are
/// summed in file order, checklist then CLASS, as a sequential pass would. The classrooms are
/// summed side by side. Pinned by `study::score::tests::classrooms_and_centers_equal_a_plain_pass`.
pub fn classrooms(cl_meta: &[ObsMeta], cl: &ObsScores, class: Option<(&[ObsMeta], &ObsScores)>) -> LevelTable {
    let mut names = cl.names.clone();
    if let Some((_, cs)) = class {
        names.extend(cs.names.iter().cloned());
    }
    let k = names.len();
    let kc = cl.names.len();
    let mut rows: Vec<RoomRow> = primary_rows(cl_meta, false).collect();
    if let Some((cm, _)) = class {
        rows.par_extend(primary_rows(cm, true));
    }
    rows.par_sort_unstable_by(|a, b| {
        id_cmp(a.center, b.center)
            .then_with(|| id_cmp(a.classroom, b.classroom))
            .then((a.class, a.i).cmp(&(b.class, b.i)))
    });
    let rooms = runs(&rows, |a, b| a.center == b.center && a.classroom == b.classroom);
    let n = rooms.len();
    // Each block of classrooms is summed into its own slices of the result columns: no flat
    // accumulators beside the table.
    const BLOCK: usize = 4096;
    let mut values: Vec<Vec<Option<f64>>> = vec![vec![None; n]; k];
    let mut ns: Vec<Vec<u32>> = vec![vec![0; n]; k];
    let (mut n_cl, mut n_cs, mut n_cyc) = (vec![0u32; n], vec![0u32; n], vec![0u32; n]);
    let mut age_group: Vec<Arc<str>> = vec![Arc::from(""); n];
    let meta_of = |r: &RoomRow| if r.class { &class.expect("class").0[r.i as usize] } else { &cl_meta[r.i as usize] };
    column_blocks(&mut values, n, BLOCK)
        .into_par_iter()
        .zip(column_blocks(&mut ns, n, BLOCK))
        .zip(n_cl.par_chunks_mut(BLOCK).zip(n_cs.par_chunks_mut(BLOCK)))
        .zip(n_cyc.par_chunks_mut(BLOCK).zip(age_group.par_chunks_mut(BLOCK)))
        .zip(rooms.par_chunks(BLOCK))
        .for_each(|((((mut vals, mut counts), (ncl, ncs)), (ncyc, groups)), block)| {
            let (mut sum, mut cnt) = (vec![0.0f64; k], vec![0u32; k]);
            for (j, range) in block.iter().enumerate() {
                sum.fill(0.0);
                cnt.fill(0);
                let mut group: Option<&Arc<str>> = None;
                for r in &rows[range.clone()] {
                    if group.is_none_or(|g| g.is_empty()) {
                        group = meta_of(r).age_group.as_ref().or(group);
                    }
                    let i = r.i as usize;
                    let (scores, offset) = match class {
                        Some((_, cs)) if r.class => {
                            ncs[j] += 1;
                            ncyc[j] += cs.count_a[i];
                            (cs, kc)
                        }
                        _ => {
                            ncl[j] += 1;
                            (cl, 0)
                        }
                    };
                    for (s, col) in scores.values.iter().enumerate() {
                        if let Some(v) = col.get(i) {
                            sum[offset + s] += v;
                            cnt[offset + s] += 1;
                        }
                    }
                }
                if let Some(g) = group {
                    groups[j] = g.clone();
                }
                for s in 0..k {
                    vals[s][j] = (cnt[s] > 0).then(|| sum[s] / cnt[s] as f64);
                    counts[s][j] = cnt[s];
                }
            }
        });
    LevelTable {
        level: Level::Classroom,
        center: rooms.iter().map(|g| rows[g.start].center.clone()).collect(),
        classroom: rooms.iter().map(|g| rows[g.start].classroom.clone()).collect(),
        values,
        ns,
        n_checklist_obs: n_cl,
        n_class_obs: n_cs,
        n_class_cycles: n_cyc,
        n_classrooms: vec![1; n],
        attributes: Vec::new(),
        age_group,
        names,
    }
}

/// Columns of `n` rows cut into blocks of `size` rows: `out[b][col]` is block `b` of column
/// `col` (every block has an entry, with no columns too).
fn column_blocks<T>(cols: &mut [Vec<T>], n: usize, size: usize) -> Vec<Vec<&mut [T]>> {
    let mut out: Vec<Vec<&mut [T]>> = (0..n.div_ceil(size)).map(|_| Vec::with_capacity(cols.len())).collect();
    for col in cols {
        for (b, piece) in col.chunks_mut(size).enumerate() {
            out[b].push(piece);
        }
    }
    out
}

/// Classrooms → center means, in center order; roster centers without data appear with NA
/// scores.
///
/// The classrooms are taken in center order (a stable sort, which keeps a center's classrooms
/// in table order and costs one pass on [`classrooms`]' already sorted table), merged with the
/// roster's sorted centers, and each center summed side by side. Pinned by
/// `study::score::tests::classrooms_and_centers_equal_a_plain_pass`.
pub fn centers(rooms: &LevelTable, roster: Option<&super::ingest::Roster>) -> LevelTable {
    let k = rooms.names.len();
    let mut order: Vec<usize> = (0..rooms.len()).collect();
    order.par_sort_by(|&a, &b| id_cmp(&rooms.center[a], &rooms.center[b]));
    let groups = runs(&order, |&a, &b| rooms.center[a] == rooms.center[b]);
    // Merge the data's centers with the roster's (both sorted and distinct).
    let mut units: Vec<(Arc<str>, std::ops::Range<usize>, Option<&Vec<String>>)> = Vec::new();
    let mut listed = roster.into_iter().flat_map(|r| r.centers.iter()).peekable();
    for g in &groups {
        let c = &rooms.center[order[g.start]];
        while let Some((id, attrs)) = listed.next_if(|(id, _)| id.as_str() < &**c) {
            units.push((Arc::from(id.as_str()), 0..0, Some(attrs)));
        }
        let attrs = listed.next_if(|(id, _)| id.as_str() == &**c).map(|(_, a)| a);
        units.push((c.clone(), g.clone(), attrs));
    }
    units.extend(listed.map(|(id, attrs)| (Arc::from(id.as_str()), 0..0, Some(attrs))));
    let nc = units.len();
    let (mut sum, mut cnt) = (vec![0.0f64; nc * k.max(1)], vec![0u32; nc * k.max(1)]);
    let totals: Vec<Totals> = sum
        .par_chunks_mut(k.max(1))
        .zip(cnt.par_chunks_mut(k.max(1)))
        .zip(units.par_iter())
        .map(|((sum, cnt), (_, range, _))| {
            let mut t = Totals::default();
            for &i in &order[range.clone()] {
                t.n_rooms += 1;
                t.n_cl += rooms.n_checklist_obs[i];
                t.n_cs += rooms.n_class_obs[i];
                t.n_cyc += rooms.n_class_cycles[i];
                for s in 0..k {
                    if let Some(v) = rooms.values[s][i] {
                        sum[s] += v;
                        cnt[s] += 1;
                    }
                }
            }
            t
        })
        .collect();
    let (values, ns) = mean_columns(&sum, &cnt, k);
    let attributes = match roster {
        Some(r) => r
            .attributes
            .iter()
            .enumerate()
            .map(|(ai, name)| {
                (name.clone(), units.iter().map(|(_, _, a)| a.map(|v| v[ai].clone()).unwrap_or_default()).collect())
            })
            .collect(),
        None => Vec::new(),
    };
    LevelTable {
        level: Level::Center,
        classroom: vec![Arc::from(""); nc],
        values,
        ns,
        n_checklist_obs: totals.iter().map(|t| t.n_cl).collect(),
        n_class_obs: totals.iter().map(|t| t.n_cs).collect(),
        n_class_cycles: totals.iter().map(|t| t.n_cyc).collect(),
        n_classrooms: totals.iter().map(|t| t.n_rooms).collect(),
        attributes,
        age_group: vec![Arc::from(""); nc],
        center: units.into_iter().map(|(c, _, _)| c).collect(),
        names: rooms.names.clone(),
    }
}

/// Item values on their own scale (reverse-scored items reflected), `None` for not-applicable
/// or missing: `values[j][code]`. Used by reliability and item analyses.
pub fn item_value_table(study: &Study) -> Vec<Vec<f64>> {
    study
        .spec
        .checklist
        .items
        .iter()
        .map(|it| {
            let vals: Vec<f64> = match it.kind {
                ItemType::Binary => vec![0.0, 1.0],
                ItemType::Ordinal => it.values.clone(),
            };
            let (lo, hi) = it.range();
            vals.iter().map(|&x| if it.reverse { lo + hi - x } else { x }).collect()
        })
        .collect()
}

pub fn code_value(table: &[Vec<f64>], j: usize, code: u8) -> Option<f64> {
    match code {
        NA_CODE | MISSING_CODE => None,
        c => table[j].get(c as usize).copied(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::spec::Study;
    use std::path::Path;

    fn study(method: &str, min: f64) -> Study {
        let toml = format!(
            r#"
[files.checklist]
path = "c.csv"
[checklist.columns]
center = "centro"
classroom = "sala"
[scoring]
method = "{method}"
min_answered = {min}
[[checklist.items]]
id = "a"
subscale = "s1"
type = "binary"
[[checklist.items]]
id = "b"
subscale = "s1"
type = "binary"
reverse = true
[[checklist.items]]
id = "c"
subscale = "s2"
type = "ordinal"
values = [0, 1, 2]
[[checklist.items]]
id = "d"
subscale = "s2"
type = "ordinal"
values = [0, 1, 2]
reverse = true
"#
        );
        Study::from_str(Path::new("s.toml"), &toml).unwrap()
    }

    fn run(st: &Study, codes: &[u8]) -> (Vec<Option<f64>>, Option<String>) {
        let names = st.checklist_score_names();
        let scale_of = vec![1, 1, 2, 2];
        let mut out = vec![None; 3];
        let (notes, _, _) =
            score_row(codes, &item_tables(st), &scale_of, 3, st.spec.scoring.min_answered, &names, &mut out);
        (out, notes)
    }

    /// A CLASS or checklist observation with the given key and role.
    fn meta(center: &str, classroom: &str, primary: bool, group: Option<&str>) -> ObsMeta {
        ObsMeta {
            key: String::new(),
            center: center.into(),
            classroom: classroom.into(),
            observer: "".into(),
            role: if primary { Role::Primary } else { Role::Reliability },
            date: None,
            start: None,
            end: None,
            submitted: None,
            age_group: group.map(Into::into),
            round: None,
            line: 0,
        }
    }

    /// Random observations over few keys (so that classrooms repeat, in any order), with NA
    /// scores, reliability rows and age groups.
    fn random_obs(rng: &mut rand_chacha::ChaCha8Rng, n: usize, k: usize) -> (Vec<ObsMeta>, ObsScores) {
        use rand_core::RngCore;
        let mut meta = Vec::new();
        let mut values = vec![ScoreCol::default(); k];
        let mut count_a = Vec::new();
        for _ in 0..n {
            let r = rng.next_u64();
            let group = ["", "A", "B"][(r >> 20) as usize % 3];
            meta.push(meta_of(&format!("c{}", r % 7), &format!("s{}", (r >> 8) % 3), r >> 16 & 7 != 0, group));
            for col in values.iter_mut() {
                let v = rng.next_u64();
                col.push((!v.is_multiple_of(5)).then_some((v >> 8) as f64 / (1u64 << 56) as f64));
            }
            count_a.push((r >> 24) as u32 % 5);
        }
        let names = (0..k).map(|s| format!("x{s}")).collect();
        (meta, ObsScores { names, values, notes: vec![None; n], count_a, count_b: vec![0; n] })
    }

    fn meta_of(c: &str, s: &str, primary: bool, group: &str) -> ObsMeta {
        meta(c, s, primary, (!group.is_empty()).then_some(group))
    }

    /// The plain sequential pass the tables must equal: sums in file order, checklist then
    /// CLASS, keyed in sorted maps.
    type Plain = std::collections::BTreeMap<(String, String), (Vec<f64>, Vec<u32>, [u32; 3], String)>;
    fn plain_rooms(parts: &[(&[ObsMeta], &ObsScores, usize)], k: usize) -> Plain {
        let mut rooms = Plain::new();
        for (is_class, &(meta, sc, offset)) in parts.iter().enumerate() {
            for (i, m) in meta.iter().enumerate().filter(|(_, m)| m.role == Role::Primary) {
                let e = rooms
                    .entry((m.center.to_string(), m.classroom.to_string()))
                    .or_insert_with(|| (vec![0.0; k], vec![0; k], [0; 3], String::new()));
                if e.3.is_empty() {
                    e.3 = m.age_group.as_deref().unwrap_or("").to_string();
                }
                if is_class == 1 {
                    e.2[1] += 1;
                    e.2[2] += sc.count_a[i];
                } else {
                    e.2[0] += 1;
                }
                for (s, col) in sc.values.iter().enumerate() {
                    if let Some(v) = col.get(i) {
                        e.0[offset + s] += v;
                        e.1[offset + s] += 1;
                    }
                }
            }
        }
        rooms
    }

    /// NA and every finite value (zero, negative zero, extremes) read back as pushed, through
    /// `get`, `iter`, `range` (empty when out of bounds, as the writer relies on) and `collect`.
    #[test]
    fn score_col_round_trips() {
        let vals = [Some(0.5), None, Some(0.0), Some(-0.0), Some(f64::MAX), Some(-1e-300), None];
        let mut col = ScoreCol::with_capacity(vals.len());
        vals.iter().for_each(|&v| col.push(v));
        assert_eq!(col.len(), vals.len());
        for (i, v) in vals.iter().enumerate() {
            assert_eq!(col.get(i).map(f64::to_bits), v.map(f64::to_bits));
        }
        assert_eq!(col.iter().collect::<Vec<_>>(), vals.to_vec());
        assert_eq!(col.range(5..99).count(), 0);
        assert_eq!(col.range(1..3).collect::<Vec<_>>(), vec![None, Some(0.0)]);
        assert_eq!(vals.iter().copied().collect::<ScoreCol>(), col);
        assert_ne!(vals.iter().map(|v| v.or(Some(1.0))).collect::<ScoreCol>(), col);
        assert!(ScoreCol::default().is_empty());
    }

    #[test]
    fn classrooms_and_centers_equal_a_plain_pass() {
        use rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(12);
        for n in [0, 1, 5, 40, 300] {
            let (cm, cs) = random_obs(&mut rng, n, 3);
            let (km, ks) = random_obs(&mut rng, n / 2, 2);
            let rooms = classrooms(&cm, &cs, Some((&km, &ks)));
            let plain = plain_rooms(&[(&cm, &cs, 0), (&km, &ks, 3)], 5);
            assert_eq!(rooms.len(), plain.len());
            for (r, ((c, s), (sum, cnt, n3, g))) in plain.iter().enumerate() {
                assert_eq!((&*rooms.center[r], &*rooms.classroom[r], &*rooms.age_group[r]), (&**c, &**s, &**g));
                assert_eq!([rooms.n_checklist_obs[r], rooms.n_class_obs[r], rooms.n_class_cycles[r]], *n3);
                for j in 0..5 {
                    assert_eq!(rooms.ns[j][r], cnt[j]);
                    // Bit for bit: the same sums in the same order.
                    assert_eq!(rooms.values[j][r], (cnt[j] > 0).then(|| sum[j] / cnt[j] as f64));
                }
            }
            // Centers, with a roster holding two centers without data ("a0" sorts first).
            let mut listed: std::collections::BTreeMap<String, Vec<String>> =
                ["a0", "c3", "z9"].iter().map(|c| (c.to_string(), vec![format!("{c}-zone")])).collect();
            listed.retain(|c, _| c != "c3" || n > 0);
            let roster = crate::study::ingest::Roster {
                file: String::new(),
                dialect: crate::io::table::Dialect {
                    encoding: String::new(),
                    bom: false,
                    encoding_detected: false,
                    delimiter: String::new(),
                    delimiter_detected: false,
                    decimal: '.',
                    decimal_detected: false,
                    header_line: 1,
                    notes: Vec::new(),
                },
                centers: listed.clone(),
                lines: Default::default(),
                attributes: vec!["zone".into()],
            };
            let centers = centers(&rooms, Some(&roster));
            let mut plain_c: std::collections::BTreeMap<String, (Vec<f64>, Vec<u32>, [u32; 4])> =
                listed.keys().map(|c| (c.clone(), (vec![0.0; 5], vec![0; 5], [0; 4]))).collect();
            for r in 0..rooms.len() {
                let e =
                    plain_c.entry(rooms.center[r].to_string()).or_insert_with(|| (vec![0.0; 5], vec![0; 5], [0; 4]));
                let n4 = [1, rooms.n_checklist_obs[r], rooms.n_class_obs[r], rooms.n_class_cycles[r]];
                e.2.iter_mut().zip(n4).for_each(|(a, b)| *a += b);
                for j in 0..5 {
                    if let Some(v) = rooms.values[j][r] {
                        e.0[j] += v;
                        e.1[j] += 1;
                    }
                }
            }
            assert_eq!(
                centers.center.iter().map(|c| &**c).collect::<Vec<_>>(),
                plain_c.keys().map(|c| &**c).collect::<Vec<_>>()
            );
            for (c, (id, (sum, cnt, n4))) in plain_c.iter().enumerate() {
                let zone = listed.get(id).map(|v| v[0].clone()).unwrap_or_default();
                assert_eq!(centers.attributes[0].1[c], zone);
                let got = [centers.n_classrooms[c], centers.n_checklist_obs[c], centers.n_class_obs[c]];
                assert_eq!((got, centers.n_class_cycles[c]), ([n4[0], n4[1], n4[2]], n4[3]));
                for j in 0..5 {
                    assert_eq!(centers.values[j][c], (cnt[j] > 0).then(|| sum[j] / cnt[j] as f64));
                }
            }
        }
    }

    #[test]
    fn proportion_by_hand() {
        let st = study("proportion", 0.8);
        // a = 1 (met), b = 1 reversed → 0, c = 2 → 1.0, d = index 0 (value 0) reversed → 2 → 1.0
        let (v, notes) = run(&st, &[1, 1, 2, 0]);
        assert_eq!(v, vec![Some(3.0 / 4.0), Some(0.5), Some(1.0)]);
        assert!(notes.is_none());
        // c = 1 → 0.5; d = value 1 reversed → 1 → 0.5
        let (v, _) = run(&st, &[0, 0, 1, 1]);
        assert_eq!(v, vec![Some((0.0 + 1.0 + 0.5 + 0.5) / 4.0), Some(0.5), Some(0.5)]);
    }

    #[test]
    fn mean_method_by_hand() {
        let st = study("mean", 0.8);
        let (v, _) = run(&st, &[1, 1, 2, 0]);
        // items: 1, 0, 2, 2 → total 5/4; s1 = 0.5; s2 = 2
        assert_eq!(v, vec![Some(1.25), Some(0.5), Some(2.0)]);
    }

    #[test]
    fn proration_and_not_applicable() {
        let st = study("proportion", 0.8);
        // b not applicable: s1 has 1 applicable item answered → exists; total 3/3 answered.
        let (v, _) = run(&st, &[1, NA_CODE, 2, 2]);
        assert_eq!(v[1], Some(1.0));
        assert_eq!(v[0], Some((1.0 + 1.0 + 0.0) / 3.0));
        // one missing of 4 applicable: 75% < 80% → total NA with reason; s1 1/2 → NA
        let (v, notes) = run(&st, &[1, MISSING_CODE, 2, 2]);
        assert_eq!(v[0], None);
        assert_eq!(v[1], None);
        assert_eq!(v[2], Some(0.5));
        let n = notes.unwrap();
        assert!(n.contains("checklist_total: 3/4 applicable items answered (75%) < 80%"), "{n}");
        // all not applicable in s1 → NA, reason says so
        let (v, notes) = run(&st, &[NA_CODE, NA_CODE, 2, 2]);
        assert_eq!(v[1], None);
        assert!(notes.unwrap().contains("checklist_s1: no applicable items"));
        // with min_answered = 0.75 the 3/4 case now scores
        let st = study("proportion", 0.75);
        let (v, _) = run(&st, &[1, MISSING_CODE, 2, 2]);
        assert_eq!(v[0], Some((1.0 + 1.0 + 0.0) / 3.0));
    }
}
