//! The short-form search, honest about selection.
//!
//! Backward elimination on classroom item means keeps, at each step, the items whose short total
//! correlates best with the CLASS domains. Judged on the sample that chose the items, the short
//! total looks better than it is (capitalisation on chance: on a simulated 150-center study the
//! mean r climbs as items are dropped). So the search is repeated inside a K-fold
//! cross-validation by center: each fold selects its forms on the other centers' classrooms and
//! scores its own held-out classrooms with them. The held-out short totals of all folds are
//! pooled, and α, r with each CLASS domain and the AUC are computed out of sample for every form
//! size. Both the in-sample and the out-of-sample values are reported; `short_form_optimism` is
//! their difference in mean r for the proposed form.

use super::ingest::Role;
use super::pipeline::StudyData;
use super::score::{code_value, item_value_table};
use super::spec::Study;
use crate::analysis::StatOpts;
use crate::results::Record;
use crate::stats::consistency::{cronbach_alpha_rows, Missing, PairwiseAll};
use crate::stats::correlation;
use crate::stats::roc::{self, Direction};
use crate::stats::Na;
use crate::stats::StatResult;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One step of the short-form search: the form's size, the item removed to reach it, the mean
/// r with the CLASS domains, α, r with each domain and the AUC for the first threshold.
struct FormStep {
    k: usize,
    removed: Option<String>,
    mean_r: f64,
    alpha: Result<f64, Na>,
    r: Vec<Option<f64>>,
    auc: Option<f64>,
}

/// The out-of-sample values of one form size: α averaged over the folds' held-out
/// observations, and r and AUC of the pooled held-out short totals.
#[derive(Debug, Clone)]
struct CvStep {
    alpha: Option<f64>,
    r: Vec<Option<f64>>,
    mean_r: f64,
    auc: Option<f64>,
}

/// Scores a candidate item set on a subset of classrooms (all of them, a training fold or a
/// held-out fold): classroom short totals, their correlations with the CLASS domains, α on the
/// primary observations of those classrooms and the AUC for the first threshold.
struct FormScorer<'a> {
    study: &'a Study,
    d: &'a StudyData,
    item_means: &'a [Vec<Option<f64>>],
    o: &'a StatOpts,
    dom_cols: Vec<&'a [Option<f64>]>,
    /// Primary observations whose classroom is in the subset (all primary ones for the full sample).
    primary: Vec<usize>,
    vt: Vec<Vec<f64>>,
    /// Which classrooms take part (`None`: all of them).
    rooms: Option<Vec<bool>>,
    /// Every pairwise covariance of the primary observations' items, computed at the first α.
    pairwise: OnceLock<StatResult<PairwiseAll>>,
}

impl<'a> FormScorer<'a> {
    fn new(study: &'a Study, d: &'a StudyData, item_means: &'a [Vec<Option<f64>>], o: &'a StatOpts) -> Self {
        let rooms = &d.classrooms;
        let dom_cols: Vec<&[Option<f64>]> = domains(study).iter().filter_map(|dname| rooms.column(dname)).collect();
        let primary: Vec<usize> =
            (0..d.checklist.meta.len()).filter(|&i| d.checklist.meta[i].role == Role::Primary).collect();
        FormScorer {
            study,
            d,
            item_means,
            o,
            dom_cols,
            primary,
            vt: item_value_table(study),
            rooms: None,
            pairwise: OnceLock::new(),
        }
    }

    /// The same scorer restricted to the classrooms in `keep` (`obs_room`: each observation's
    /// classroom row, if it has one).
    fn restricted(&self, keep: Vec<bool>, obs_room: &[Option<usize>]) -> FormScorer<'a> {
        let primary = self.primary.iter().copied().filter(|&i| obs_room[i].is_some_and(|r| keep[r])).collect();
        FormScorer {
            study: self.study,
            d: self.d,
            item_means: self.item_means,
            o: self.o,
            dom_cols: self.dom_cols.clone(),
            primary,
            vt: self.vt.clone(),
            rooms: Some(keep),
            pairwise: OnceLock::new(),
        }
    }

    /// Classroom short totals: the mean of the set's item means, if enough are answered
    /// (`None` outside the scorer's classrooms).
    fn score(&self, set: &[usize]) -> Vec<Option<f64>> {
        let min_ans = self.study.spec.scoring.min_answered;
        (0..self.d.classrooms.len())
            .map(|r| {
                if self.rooms.as_ref().is_some_and(|k| !k[r]) {
                    return None;
                }
                // The answered item means' sum in set order (as `Iterator::sum`, from −0) and count.
                let (sum, n) = set
                    .iter()
                    .filter_map(|&j| self.item_means[j][r])
                    .fold((-0.0f64, 0usize), |(s, n), v| (s + v, n + 1));
                if n == 0 || (n as f64) < min_ans * set.len() as f64 - 1e-9 {
                    None
                } else {
                    Some(sum / n as f64)
                }
            })
            .collect()
    }

    /// r of a short total with each CLASS domain.
    fn rs(&self, s: &[Option<f64>]) -> Vec<Option<f64>> {
        // The pairs in one pair of buffers sized once (this runs for every candidate form).
        let (mut x, mut y) = (Vec::with_capacity(s.len()), Vec::with_capacity(s.len()));
        self.dom_cols
            .iter()
            .map(|dc| {
                x.clear();
                y.clear();
                for (a, b) in s.iter().zip(dc.iter()) {
                    if let (Some(a), Some(b)) = (a, b) {
                        x.push(*a);
                        y.push(*b);
                    }
                }
                correlation::pearson_w(&x, &y, None)
            })
            .collect()
    }

    /// Cronbach's α of the set on the primary observations (missing items as `analysis.alpha_missing`).
    /// Under pairwise deletion every set's matrix is a submatrix of one computed once
    /// ([`PairwiseAll`], the same α and NA reasons as the set's own rows).
    fn alpha(&self, set: &[usize]) -> Result<f64, Na> {
        let cl = &self.d.checklist;
        let rows_of = |cols: &[usize]| -> Vec<Vec<Option<f64>>> {
            self.primary
                .iter()
                .map(|&i| cols.iter().map(|&j| code_value(&self.vt, j, cl.row(i)[j])).collect())
                .collect()
        };
        let missing = self.study.spec.analysis.alpha_missing;
        if missing == Missing::Pairwise {
            let all = self.pairwise.get_or_init(|| PairwiseAll::new(&rows_of(&(0..self.vt.len()).collect::<Vec<_>>())));
            if let Ok(all) = all {
                return all.alpha(set);
            }
        }
        cronbach_alpha_rows(&rows_of(set), missing)
    }

    /// AUC of a short total for the first threshold.
    fn auc(&self, s: &[Option<f64>]) -> Option<f64> {
        let th = self.study.spec.analysis.thresholds.first()?;
        let truth = self.d.classrooms.column(&th.score)?;
        let (sc, t): (Vec<f64>, Vec<bool>) = s
            .iter()
            .zip(truth)
            .filter_map(|(a, b)| {
                let (a, b) = ((*a)?, (*b)?);
                Some((a, if let Some(x) = th.below { b < x } else { b >= th.at_or_above.unwrap_or(f64::INFINITY) }))
            })
            .unzip();
        let dir = if th.below.is_some() { Direction::Lower } else { Direction::Higher };
        roc::auc_delong(&sc, &t, dir, self.o.ci_level).ok().map(|a| a.auc)
    }

    fn step(&self, set: &[usize], removed: Option<String>) -> FormStep {
        let s = self.score(set);
        let r = self.rs(&s);
        FormStep { k: set.len(), removed, mean_r: mean_r(&r), alpha: self.alpha(set), r, auc: self.auc(&s) }
    }
}

fn domains(study: &Study) -> Vec<String> {
    study
        .instrument
        .as_ref()
        .map(|i| i.domains.iter().map(|d| format!("class_{}", d.code)).collect())
        .unwrap_or_default()
}

/// Mean of the defined correlations (−∞ when none is).
fn mean_r(v: &[Option<f64>]) -> f64 {
    let p: Vec<f64> = v.iter().flatten().copied().collect();
    if p.is_empty() {
        f64::NEG_INFINITY
    } else {
        p.iter().sum::<f64>() / p.len() as f64
    }
}

/// The short-form records: one `short_form_step` per form size with its in-sample and
/// cross-validated values, `short_form_proposed` (or NA) and `short_form_optimism` (or NA).
///
/// Backward elimination: at each step drop the item whose removal keeps the highest mean
/// correlation of the short total with the CLASS domains, never taking a subscale below
/// `min_items_per_subscale`. The proposal is the smallest form meeting `min_alpha` and
/// `max_r_loss` in sample; its out-of-sample values are reported beside.
pub fn short_form_records(
    study: &Study,
    d: &StudyData,
    item_means: &[Vec<Option<f64>>],
    o: &StatOpts,
    room_center: &[usize],
    n_centers: usize,
) -> Vec<Record> {
    let fs = FormScorer::new(study, d, item_means, o);
    let steps: Vec<FormStep> =
        elimination_path(study, &fs).into_iter().map(|(set, removed)| fs.step(&set, removed)).collect();
    let cv = cross_validate(study, &fs, room_center, n_centers, o.seed);
    step_records(study, &steps, &cv)
}

/// The elimination path, from the full form down to the smallest allowed one: each form's item
/// set and the item removed to reach it. Trial removals update running per-classroom sums
/// instead of rescoring every classroom from scratch; the reported values of each form are
/// computed afresh by [`FormScorer::step`].
fn elimination_path(study: &Study, fs: &FormScorer) -> Vec<(Vec<usize>, Option<String>)> {
    let items = &study.spec.checklist.items;
    let mut set: Vec<usize> = (0..items.len()).collect();
    let mut path = vec![(set.clone(), None)];
    let min_k = study.spec.analysis.short_form.min_items_per_subscale.max(1);
    let mut run = RunningTotals::new(fs, &set);
    loop {
        let mut best: Option<(usize, f64)> = None;
        for (pos, &j) in set.iter().enumerate() {
            let sub = &items[j].subscale;
            let left = set.iter().filter(|&&q| items[q].subscale == *sub).count();
            if left <= min_k {
                continue;
            }
            let m = mean_r(&fs.rs(&run.without(fs, j, set.len() - 1)));
            if best.is_none_or(|(_, b)| m > b + 1e-12) {
                best = Some((pos, m));
            }
        }
        let Some((pos, _)) = best else { break };
        let j = set.remove(pos);
        run.remove(fs, j);
        path.push((set.clone(), Some(items[j].id.clone())));
    }
    path
}

/// Per-classroom sums and counts of the current form's item means.
struct RunningTotals {
    sum: Vec<f64>,
    cnt: Vec<u32>,
}

impl RunningTotals {
    fn new(fs: &FormScorer, set: &[usize]) -> Self {
        let n = fs.d.classrooms.len();
        let mut t = RunningTotals { sum: vec![0.0; n], cnt: vec![0; n] };
        for &j in set {
            for (r, v) in fs.item_means[j].iter().enumerate() {
                if let Some(v) = v {
                    t.sum[r] += v;
                    t.cnt[r] += 1;
                }
            }
        }
        t
    }

    fn remove(&mut self, fs: &FormScorer, j: usize) {
        for (r, v) in fs.item_means[j].iter().enumerate() {
            if let Some(v) = v {
                self.sum[r] -= v;
                self.cnt[r] -= 1;
            }
        }
    }

    /// The short totals of the form without item `j` (`k` items left), as [`FormScorer::score`].
    fn without(&self, fs: &FormScorer, j: usize, k: usize) -> Vec<Option<f64>> {
        let min_ans = fs.study.spec.scoring.min_answered;
        (0..self.sum.len())
            .map(|r| {
                if fs.rooms.as_ref().is_some_and(|keep| !keep[r]) {
                    return None;
                }
                let (mut s, mut c) = (self.sum[r], self.cnt[r]);
                if let Some(v) = fs.item_means[j][r] {
                    s -= v;
                    c -= 1;
                }
                if c == 0 || (c as f64) < min_ans * k as f64 - 1e-9 {
                    None
                } else {
                    Some(s / c as f64)
                }
            })
            .collect()
    }
}

/// Each checklist observation's classroom row (`None` when its classroom has no row).
pub(super) fn observation_rooms(d: &StudyData) -> Vec<Option<usize>> {
    let rooms = &d.classrooms;
    let index: BTreeMap<(&str, &str), usize> =
        rooms.center.iter().zip(&rooms.classroom).enumerate().map(|(i, (c, r))| ((&**c, &**r), i)).collect();
    d.checklist.meta.iter().map(|m| index.get(&(&*m.center, &*m.classroom)).copied()).collect()
}

/// The fold of every center: centers in a seeded random order, dealt round-robin into `k` folds.
fn center_folds(n_centers: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n_centers).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5f0f_5f0f);
    for i in (1..order.len()).rev() {
        let j = crate::stats::bootstrap::below(&mut rng, (i + 1) as u32) as usize;
        order.swap(i, j);
    }
    let mut fold = vec![0; n_centers];
    for (pos, &c) in order.iter().enumerate() {
        fold[c] = pos % k;
    }
    fold
}

/// K-fold cross-validation by center of the whole search (see the module documentation).
/// Err: why it cannot run (too few centers, no CLASS domain).
fn cross_validate(
    study: &Study,
    fs: &FormScorer,
    room_center: &[usize],
    n_centers: usize,
    seed: u64,
) -> Result<Vec<CvStep>, String> {
    use rayon::prelude::*;
    let k = study.spec.analysis.short_form.folds;
    if k < 2 {
        return Err(format!("analysis.short_form.folds = {k}: cross-validation needs at least 2 folds"));
    }
    if n_centers < 2 * k {
        return Err(format!("{n_centers} centers: {k}-fold cross-validation by center needs at least {}", 2 * k));
    }
    if fs.dom_cols.is_empty() {
        return Err("no CLASS domain scores to validate the short forms against".into());
    }
    let fold = center_folds(n_centers, k, seed);
    let obs_room = observation_rooms(fs.d);
    let n_rooms = fs.d.classrooms.len();
    // Per fold: the held-out short totals and α of each form size selected on the other folds.
    let per_fold: Vec<Vec<(Vec<Option<f64>>, Option<f64>)>> = (0..k)
        .into_par_iter()
        .map(|f| {
            let held: Vec<bool> = (0..n_rooms).map(|r| fold[room_center[r]] == f).collect();
            let train = fs.restricted(held.iter().map(|h| !h).collect(), &obs_room);
            let test = fs.restricted(held, &obs_room);
            elimination_path(study, &train)
                .into_iter()
                .map(|(set, _)| (test.score(&set), test.alpha(&set).ok()))
                .collect()
        })
        .collect();
    let n_steps = per_fold[0].len();
    if per_fold.iter().any(|p| p.len() != n_steps) {
        return Err("the folds' elimination paths differ in length".into());
    }
    Ok((0..n_steps).map(|s| pooled_step(fs, &per_fold, s, n_rooms)).collect())
}

/// Pools the held-out short totals of form size `s` over the folds and scores them.
fn pooled_step(fs: &FormScorer, per_fold: &[Vec<(Vec<Option<f64>>, Option<f64>)>], s: usize, n_rooms: usize) -> CvStep {
    let mut pooled: Vec<Option<f64>> = vec![None; n_rooms];
    let mut alphas = Vec::new();
    for fold in per_fold {
        let (scores, alpha) = &fold[s];
        for (p, v) in pooled.iter_mut().zip(scores) {
            if v.is_some() {
                *p = *v;
            }
        }
        alphas.extend(*alpha);
    }
    let r = fs.rs(&pooled);
    let alpha = if alphas.is_empty() { None } else { Some(alphas.iter().sum::<f64>() / alphas.len() as f64) };
    CvStep { alpha, mean_r: mean_r(&r), r, auc: fs.auc(&pooled) }
}

/// Adds one step's in-sample and cross-validated values to a record.
fn with_values(mut r: Record, st: &FormStep, cv: Option<&CvStep>, doms: &[String]) -> Record {
    r = r.ctx("mean_r", st.mean_r);
    match &st.alpha {
        Ok(a) => r = r.ctx("alpha", *a),
        Err(na) => r = r.ctx("alpha_na_reason", na.0.clone()),
    }
    for (dn, rv) in doms.iter().zip(&st.r) {
        if let Some(v) = rv {
            r = r.ctx(&format!("r_{dn}"), *v);
        }
    }
    if let Some(a) = st.auc {
        r = r.ctx("auc", a);
    }
    if let Some(cv) = cv {
        if cv.mean_r.is_finite() {
            r = r.ctx("mean_r_cv", cv.mean_r);
        }
        if let Some(a) = cv.alpha {
            r = r.ctx("alpha_cv", a);
        }
        for (dn, rv) in doms.iter().zip(&cv.r) {
            if let Some(v) = rv {
                r = r.ctx(&format!("r_cv_{dn}"), *v);
            }
        }
        if let Some(a) = cv.auc {
            r = r.ctx("auc_cv", a);
        }
    }
    r
}

/// One `short_form_step` record per step, the proposed form right after its step (the last
/// step meeting the criteria) or a NA record when none does, then `short_form_optimism`.
fn step_records(study: &Study, steps: &[FormStep], cv: &Result<Vec<CvStep>, String>) -> Vec<Record> {
    let mut out = Vec::new();
    let doms = domains(study);
    let items = &study.spec.checklist.items;
    let sf = &study.spec.analysis.short_form;
    let full_r = steps[0].mean_r;
    let proposed = steps
        .iter()
        .rposition(|st| st.alpha.as_ref().is_ok_and(|a| *a >= sf.min_alpha) && full_r - st.mean_r <= sf.max_r_loss);
    let cv_at = |i: usize| cv.as_ref().ok().and_then(|c| c.get(i));
    let mut kept: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
    for (i, st) in steps.iter().enumerate() {
        if let Some(rm) = &st.removed {
            kept.retain(|k| k != rm);
        }
        let r = Record::new("short_form_step", Ok(st.k as f64))
            .ctx("analysis", "short_form")
            .ctx("k", st.k)
            .ctx("removed", st.removed.clone().unwrap_or_default());
        out.push(with_values(r, st, cv_at(i), &doms));
        if proposed == Some(i) {
            let p = Record::new("short_form_proposed", Ok(st.k as f64))
                .ctx("analysis", "short_form")
                .ctx("items", kept.join(", "))
                .ctx(
                    "criterion",
                    format!(
                        "alpha >= {}, mean r loss <= {}, at least {} items per subscale",
                        sf.min_alpha, sf.max_r_loss, sf.min_items_per_subscale
                    ),
                )
                .ctx("full_mean_r", full_r);
            let p = match (cv_at(0), cv_at(i)) {
                (Some(c0), Some(ci)) => p.ctx(
                    "meets_criteria_cv",
                    ci.alpha.is_some_and(|a| a >= sf.min_alpha) && c0.mean_r - ci.mean_r <= sf.max_r_loss,
                ),
                _ => p,
            };
            out.push(with_values(p, st, cv_at(i), &doms));
        }
    }
    if proposed.is_none() {
        out.push(
            Record::na(
                "short_form_proposed",
                format!("no form meets alpha >= {} with a mean r loss <= {}", sf.min_alpha, sf.max_r_loss),
            )
            .ctx("analysis", "short_form"),
        );
    }
    out.push(optimism_record(steps, cv, proposed.unwrap_or(steps.len() - 1), sf.folds));
    out
}

/// `short_form_optimism`: in-sample minus cross-validated mean r of the proposed form (the
/// smallest form when none is proposed).
fn optimism_record(steps: &[FormStep], cv: &Result<Vec<CvStep>, String>, at: usize, folds: usize) -> Record {
    let base = |r: Record| r.ctx("analysis", "short_form").ctx("k", steps[at].k).ctx("folds", folds);
    match cv {
        Err(why) => base(Record::na("short_form_optimism", why.clone())),
        Ok(c) => match c.get(at).map(|s| s.mean_r).filter(|m| m.is_finite() && steps[at].mean_r.is_finite()) {
            Some(m) => base(Record::new("short_form_optimism", Ok(steps[at].mean_r - m)))
                .ctx("mean_r", steps[at].mean_r)
                .ctx("mean_r_cv", m),
            None => base(Record::na("short_form_optimism", "the form's mean r is undefined in or out of sample")),
        },
    }
}
