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
use std::collections::HashMap;

/// Per-observation scores of one instrument, column-major.
pub struct ObsScores {
    pub names: Vec<String>,
    /// `values[s][i]`: score `s` of observation `i`.
    pub values: Vec<Vec<Option<f64>>>,
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
    // Fixed-size chunks scored in parallel and concatenated in order: the result does not
    // depend on the thread count.
    const CHUNK: usize = 16_384;
    type Part = (Vec<Vec<Option<f64>>>, Vec<Option<String>>, Vec<u32>, Vec<u32>);
    let parts: Vec<Part> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let (lo, hi) = (c * CHUNK, ((c + 1) * CHUNK).min(n));
            let mut cols: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(hi - lo); n_scales];
            let mut notes = Vec::with_capacity(hi - lo);
            let mut a = Vec::with_capacity(hi - lo);
            let mut b = Vec::with_capacity(hi - lo);
            let mut out = vec![None; n_scales];
            for i in lo..hi {
                let (nt, ca, cb) = score_row(data.row(i), &tables, &scale_of, n_scales, min_answered, &names, &mut out);
                for (s, v) in out.iter().enumerate() {
                    cols[s].push(*v);
                }
                notes.push(nt);
                a.push(ca);
                b.push(cb);
            }
            (cols, notes, a, b)
        })
        .collect();
    let mut values = vec![Vec::with_capacity(n); n_scales];
    let mut notes = Vec::with_capacity(n);
    let mut count_a = Vec::with_capacity(n);
    let mut count_b = Vec::with_capacity(n);
    for (cols, nt, a, b) in parts {
        for (s, c) in cols.into_iter().enumerate() {
            values[s].extend(c);
        }
        notes.extend(nt);
        count_a.extend(a);
        count_b.extend(b);
    }
    ObsScores { names, values, notes, count_a, count_b }
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
    let mut values = vec![Vec::with_capacity(n); names.len()];
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
    pub center: Vec<String>,
    /// Empty strings at center level.
    pub classroom: Vec<String>,
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
    pub age_group: Vec<String>,
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

/// Primary observations → classroom means.
pub fn classrooms(
    study: &Study,
    cl_meta: &[ObsMeta],
    cl: &ObsScores,
    class: Option<(&[ObsMeta], &ObsScores)>,
) -> LevelTable {
    let mut names = cl.names.clone();
    if let Some((_, cs)) = class {
        names.extend(cs.names.iter().cloned());
    }
    let _ = study;
    let k = names.len();
    let kc = cl.names.len();
    // Room index per (center, classroom), then flat accumulators: one pass and no per-room
    // allocations (a national export has hundreds of thousands of classrooms).
    let mut index: HashMap<(&str, &str), usize, super::ingest::FnvBuild> = HashMap::default();
    let mut keys: Vec<(&str, &str)> = Vec::new();
    let mut sum: Vec<f64> = Vec::new();
    let mut cnt: Vec<u32> = Vec::new();
    let mut n_cl = Vec::new();
    let mut n_cs = Vec::new();
    let mut n_cyc = Vec::new();
    let mut groups: Vec<&str> = Vec::new();
    let obs_iter = cl_meta.iter().enumerate().filter(|(_, m)| m.role == Role::Primary).map(|(i, m)| (false, i, m));
    let class_iter = class
        .into_iter()
        .flat_map(|(cm, _)| cm.iter().enumerate().filter(|(_, m)| m.role == Role::Primary).map(|(i, m)| (true, i, m)));
    for (is_class, i, m) in obs_iter.chain(class_iter) {
        let key = (&*m.center, &*m.classroom);
        let r = match index.get(&key) {
            Some(&r) => r,
            None => {
                let r = keys.len();
                index.insert(key, r);
                keys.push(key);
                sum.extend(std::iter::repeat_n(0.0, k));
                cnt.extend(std::iter::repeat_n(0, k));
                n_cl.push(0u32);
                n_cs.push(0u32);
                n_cyc.push(0u32);
                groups.push("");
                r
            }
        };
        if groups[r].is_empty() {
            if let Some(g) = &m.age_group {
                groups[r] = g;
            }
        }
        if is_class {
            let (_, cs) = class.expect("class");
            n_cs[r] += 1;
            n_cyc[r] += cs.count_a[i];
            for (s, col) in cs.values.iter().enumerate() {
                if let Some(v) = col[i] {
                    sum[r * k + kc + s] += v;
                    cnt[r * k + kc + s] += 1;
                }
            }
        } else {
            n_cl[r] += 1;
            for (s, col) in cl.values.iter().enumerate() {
                if let Some(v) = col[i] {
                    sum[r * k + s] += v;
                    cnt[r * k + s] += 1;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..keys.len()).collect();
    // The keys are distinct: a parallel sort gives the same order.
    order.par_sort_unstable_by(|&a, &b| keys[a].cmp(&keys[b]));
    let n = order.len();
    LevelTable {
        level: Level::Classroom,
        center: order.iter().map(|&r| keys[r].0.to_string()).collect(),
        classroom: order.iter().map(|&r| keys[r].1.to_string()).collect(),
        values: (0..k)
            .map(|s| {
                order
                    .iter()
                    .map(|&r| if cnt[r * k + s] > 0 { Some(sum[r * k + s] / cnt[r * k + s] as f64) } else { None })
                    .collect()
            })
            .collect(),
        ns: (0..k).map(|s| order.iter().map(|&r| cnt[r * k + s]).collect()).collect(),
        n_checklist_obs: order.iter().map(|&r| n_cl[r]).collect(),
        n_class_obs: order.iter().map(|&r| n_cs[r]).collect(),
        n_class_cycles: order.iter().map(|&r| n_cyc[r]).collect(),
        n_classrooms: vec![1; n],
        attributes: Vec::new(),
        age_group: order.iter().map(|&r| groups[r].to_string()).collect(),
        names,
    }
}

/// Classrooms → center means; roster centers without data appear with NA scores.
pub fn centers(rooms: &LevelTable, roster: Option<&super::ingest::Roster>) -> LevelTable {
    let k = rooms.names.len();
    let mut index: HashMap<&str, usize, super::ingest::FnvBuild> = HashMap::default();
    let mut keys: Vec<&str> = Vec::new();
    let roster_ids = roster.into_iter().flat_map(|r| r.centers.keys().map(|c| c.as_str()));
    for c in roster_ids.chain(rooms.center.iter().map(|c| c.as_str())) {
        if !index.contains_key(c) {
            index.insert(c, keys.len());
            keys.push(c);
        }
    }
    let nc = keys.len();
    let mut sum = vec![0.0f64; nc * k];
    let mut cnt = vec![0u32; nc * k];
    let (mut n_rooms, mut n_cl, mut n_cs, mut n_cyc) = (vec![0u32; nc], vec![0u32; nc], vec![0u32; nc], vec![0u32; nc]);
    for i in 0..rooms.len() {
        let c = index[rooms.center[i].as_str()];
        n_rooms[c] += 1;
        n_cl[c] += rooms.n_checklist_obs[i];
        n_cs[c] += rooms.n_class_obs[i];
        n_cyc[c] += rooms.n_class_cycles[i];
        for s in 0..k {
            if let Some(v) = rooms.values[s][i] {
                sum[c * k + s] += v;
                cnt[c * k + s] += 1;
            }
        }
    }
    let mut order: Vec<usize> = (0..nc).collect();
    // The keys are distinct: a parallel sort gives the same order.
    order.par_sort_unstable_by(|&a, &b| keys[a].cmp(keys[b]));
    let center: Vec<String> = order.iter().map(|&c| keys[c].to_string()).collect();
    let attributes = match roster {
        Some(r) => r
            .attributes
            .iter()
            .enumerate()
            .map(|(ai, name)| {
                (
                    name.clone(),
                    center.iter().map(|c| r.centers.get(c).map(|v| v[ai].clone()).unwrap_or_default()).collect(),
                )
            })
            .collect(),
        None => Vec::new(),
    };
    LevelTable {
        level: Level::Center,
        classroom: vec![String::new(); nc],
        values: (0..k)
            .map(|s| {
                order
                    .iter()
                    .map(|&c| if cnt[c * k + s] > 0 { Some(sum[c * k + s] / cnt[c * k + s] as f64) } else { None })
                    .collect()
            })
            .collect(),
        ns: (0..k).map(|s| order.iter().map(|&c| cnt[c * k + s]).collect()).collect(),
        n_checklist_obs: order.iter().map(|&c| n_cl[c]).collect(),
        n_class_obs: order.iter().map(|&c| n_cs[c]).collect(),
        n_class_cycles: order.iter().map(|&c| n_cyc[c]).collect(),
        n_classrooms: order.iter().map(|&c| n_rooms[c]).collect(),
        attributes,
        age_group: vec![String::new(); nc],
        center,
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
