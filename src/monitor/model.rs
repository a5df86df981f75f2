//! The monitoring model: classroom scores per round → center-round summaries → empirical-Bayes
//! center scores per scale ([`crate::stats::shrinkage`]), reliable change against the previous
//! observed round, level, profile, priority subscale and items.
//!
//! - Classroom score in a round: mean of its primary observations' scores in that round.
//! - Center score: REML fit of `y = μ_round + u_center,round + e` over classroom scores (one fit
//!   per scale: total and each subscale), EB shrinkage toward the network round mean; interval
//!   `score ± z·sd` with the conditional SD.
//! - Change: the raw center mean minus its previous observed round's, with the Jacobson–Truax
//!   SE `sqrt(σ²/n₁ + σ²/n₂)`; `trend` is improving/declining only when `|Δ| > z·SE` and
//!   `|Δ| ≥ min_change`. A center's first observed round has no change; its profile uses
//!   `stable`.
//! - Level: cut-offs from the spec (tertiles of the first round's EB scores by default).
//! - Priority items: the three items whose center mean (over the round's observations) is
//!   furthest below the network's round mean; strengths: the three furthest above.
//! - Priority subscale: the subscale whose EB score is lowest relative to the network round
//!   mean, in between-center SD units (`sqrt τ²`, else `sqrt σ²`).

use super::rounds::{Rounds, NO_ROUND};
use crate::stats::descriptive::z_crit;
use crate::stats::shrinkage::{reliable_change, reml_oneway, Direction, Groups, OneWayFit, Shrunk};
use crate::stats::{Na, StatResult};
use crate::study::ingest::{ChecklistData, IdHash, Role, MISSING_CODE, NA_CODE};
use crate::study::monitor_spec::{LevelRule, MonitorSpec, Profile, QualityLevel, Trend};
use crate::study::score::{item_value_table, ObsScores, ScoreCol};
use crate::study::spec::Study;
use crate::study::validity::ScreeningCutoff;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// One center in one round.
#[derive(Debug, Clone)]
pub struct CenterRound {
    pub center: u32,
    pub round: u16,
    pub n_classrooms: u32,
    pub n_observations: u32,
    /// Raw mean of classroom scores per scale (0 = total, then subscales).
    pub raw: Vec<Option<f64>>,
    /// Classrooms with a score, per scale.
    pub n: Vec<u32>,
    /// Within-center sum of squares of classroom scores, per scale.
    pub ssw: Vec<f64>,
    pub eb: Vec<Option<Shrunk>>,
    /// (Δ, SE) of the total against the previous observed round.
    pub change: Option<(f64, f64)>,
    pub trend: Option<Trend>,
    pub level: Option<QualityLevel>,
    pub profile: Option<Profile>,
    /// Subscale index (0-based into the study's subscales).
    pub priority_subscale: Option<usize>,
    /// Item indices, weakest first.
    pub priority_items: Vec<u16>,
    /// Item indices, strongest first.
    pub strengths: Vec<u16>,
    /// The total's EB score without the observer adjustment (when scores were adjusted).
    pub unadjusted: Option<f64>,
    pub observers: Vec<Arc<str>>,
    pub dates: Vec<Arc<str>>,
    pub note: Option<String>,
}

/// The monitoring results for all centers and rounds.
pub struct Monitor {
    pub rounds: Vec<String>,
    pub centers: Vec<String>,
    /// Roster attribute values per center (blank when the center is not in the roster).
    pub attrs: Vec<Vec<String>>,
    pub attr_names: Vec<String>,
    /// Scale ids: `total`, then the subscale ids.
    pub scales: Vec<String>,
    /// Sorted by center, then round.
    pub rows: Vec<CenterRound>,
    pub fits: Vec<StatResult<OneWayFit>>,
    /// (low, high_from) on the total score: low below `low` (at or below it when
    /// `low_inclusive`), high from `high_from`.
    pub cuts: Option<(f64, f64)>,
    /// Low includes scores equal to the low cut-off (the ROC rule with a `below` threshold:
    /// `run` flags classrooms with `total ≤ cutoff`).
    pub low_inclusive: bool,
    pub level_rule: LevelRule,
    /// The validated ROC cut-off the levels come from (`levels = "roc"`).
    pub screening: Option<ScreeningCutoff>,
    /// Why there are no levels, when there are none.
    pub level_note: Option<String>,
    pub z: f64,
    pub spec: MonitorSpec,
    /// Network item means per round (`[round][item]`, 0–1).
    pub item_means: Vec<Vec<Option<f64>>>,
    pub excluded_no_round: usize,
    /// Scores, changes and trends are adjusted for observer severity.
    pub observer_adjusted: bool,
}

impl Monitor {
    /// Index of the first row of each center (and `rows.len()` at the end).
    pub fn center_starts(&self) -> Vec<usize> {
        let mut s = vec![0];
        for i in 1..self.rows.len() {
            if self.rows[i].center != self.rows[i - 1].center {
                s.push(i);
            }
        }
        s.push(self.rows.len());
        s
    }
}

/// Observation indices grouped by center and round: (center, round, classroom, observation).
type Key = (u32, u16, u32, u32);

fn group_keys(data: &ChecklistData, rounds: &Rounds) -> (Vec<String>, Vec<Key>) {
    let mut names: Vec<&str> = data.meta.iter().map(|m| &*m.center).collect();
    names.par_sort_unstable();
    names.dedup();
    let cidx: HashMap<&str, u32, IdHash> = names.iter().enumerate().map(|(i, &n)| (n, i as u32)).collect();
    let mut rooms: HashMap<(u32, &str), u32, IdHash> = HashMap::default();
    let mut keys = Vec::with_capacity(data.meta.len());
    for (i, m) in data.meta.iter().enumerate() {
        let r = rounds.of_obs[i];
        if r == NO_ROUND || m.role != Role::Primary {
            continue;
        }
        let c = cidx[&*m.center];
        let next = rooms.len() as u32;
        let room = *rooms.entry((c, &*m.classroom)).or_insert(next);
        keys.push((c, r, room, i as u32));
    }
    keys.par_sort_unstable();
    (names.into_iter().map(str::to_string).collect(), keys)
}

/// Item values rescaled to 0–1 (reflected), `[item][code]`.
fn item_scale(study: &Study) -> Vec<Vec<f64>> {
    item_value_table(study)
        .into_iter()
        .zip(&study.spec.checklist.items)
        .map(|(v, it)| {
            let (lo, hi) = it.range();
            v.into_iter().map(|x| (x - lo) / (hi - lo)).collect()
        })
        .collect()
}

fn item_value(tab: &[Vec<f64>], j: usize, code: u8) -> Option<f64> {
    match code {
        NA_CODE | MISSING_CODE => None,
        c => tab[j].get(c as usize).copied(),
    }
}

/// Network item means per round.
fn network_item_means(data: &ChecklistData, keys: &[Key], n_rounds: usize, tab: &[Vec<f64>]) -> Vec<Vec<Option<f64>>> {
    let ni = data.n_items;
    let mut sum = vec![vec![0.0; ni]; n_rounds];
    let mut cnt = vec![vec![0u64; ni]; n_rounds];
    for &(_, r, _, i) in keys {
        for (j, &code) in data.row(i as usize).iter().enumerate() {
            if let Some(v) = item_value(tab, j, code) {
                sum[r as usize][j] += v;
                cnt[r as usize][j] += 1;
            }
        }
    }
    sum.iter()
        .zip(&cnt)
        .map(|(s, c)| s.iter().zip(c).map(|(&s, &c)| if c > 0 { Some(s / c as f64) } else { None }).collect())
        .collect()
}

/// The classrooms of one center-round: runs of its sorted keys.
fn rooms(keys: &[Key]) -> impl Iterator<Item = &[Key]> {
    keys.chunk_by(|a, b| a.2 == b.2)
}

/// One scale of one center-round: the mean of its classroom scores (each the mean of the
/// classroom's observations with a score), their number and within sum of squares.
/// `buf` is scratch space for the classroom scores.
fn scale_summary(keys: &[Key], col: &ScoreCol, buf: &mut Vec<f64>) -> (Option<f64>, u32, f64) {
    buf.clear();
    for room in rooms(keys) {
        let mut k = 0usize;
        let sum: f64 = room.iter().filter_map(|key| col.get(key.3 as usize)).inspect(|_| k += 1).sum();
        if k > 0 {
            buf.push(sum / k as f64);
        }
    }
    let m = if buf.is_empty() { None } else { Some(buf.iter().sum::<f64>() / buf.len() as f64) };
    (m, buf.len() as u32, m.map_or(0.0, |m| buf.iter().map(|x| (x - m) * (x - m)).sum()))
}

/// Summarise one center-round from its sorted keys.
fn summarise(
    keys: &[Key],
    data: &ChecklistData,
    scores: &ObsScores,
    tab: &[Vec<f64>],
    net_items: &[Vec<Option<f64>>],
) -> CenterRound {
    let n_scales = scores.values.len();
    let (center, round) = (keys[0].0, keys[0].1);
    let mut raw = Vec::with_capacity(n_scales);
    let mut n = Vec::with_capacity(n_scales);
    let mut ssw = Vec::with_capacity(n_scales);
    let mut room_scores = Vec::new();
    for col in &scores.values {
        let (m, k, w) = scale_summary(keys, col, &mut room_scores);
        raw.push(m);
        n.push(k);
        ssw.push(w);
    }
    let n_classrooms = rooms(keys).count() as u32;
    // Item means over the round's observations, against the network.
    let ni = data.n_items;
    let mut sum = vec![0.0; ni];
    let mut cnt = vec![0u32; ni];
    let mut observers: Vec<Arc<str>> = Vec::new();
    let mut dates: Vec<Arc<str>> = Vec::new();
    for key in keys {
        let i = key.3 as usize;
        for (j, &code) in data.row(i).iter().enumerate() {
            if let Some(v) = item_value(tab, j, code) {
                sum[j] += v;
                cnt[j] += 1;
            }
        }
        let m = &data.meta[i];
        if !m.observer.is_empty() && !observers.contains(&m.observer) {
            observers.push(m.observer.clone());
        }
        if let Some(d) = &m.date {
            if !dates.contains(d) {
                dates.push(d.clone());
            }
        }
    }
    observers.sort();
    dates.sort();
    let mut dev: Vec<(f64, u16)> = (0..ni)
        .filter_map(|j| {
            let net = net_items[round as usize][j]?;
            (cnt[j] > 0).then(|| (sum[j] / cnt[j] as f64 - net, j as u16))
        })
        .collect();
    dev.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let priority_items = dev.iter().take(3).map(|d| d.1).collect();
    let strengths = dev.iter().rev().take(3).filter(|d| d.0 > 0.0).map(|d| d.1).collect();
    CenterRound {
        center,
        round,
        n_classrooms,
        n_observations: keys.len() as u32,
        raw,
        n,
        ssw,
        eb: vec![None; n_scales],
        change: None,
        trend: None,
        level: None,
        profile: None,
        priority_subscale: None,
        priority_items,
        strengths,
        unadjusted: None,
        observers,
        dates,
        note: None,
    }
}

/// Fit the model of one scale over all center-rounds with a score.
fn fit_scale(rows: &[CenterRound], s: usize, n_rounds: usize) -> StatResult<OneWayFit> {
    fit_summaries(rows.iter().map(|r| (r.round, r.n[s], r.raw[s], r.ssw[s])), n_rounds)
}

/// Fit the model over center-round summaries (round, classrooms, mean, within SS); those
/// without a classroom score are left out.
fn fit_summaries(sums: impl Iterator<Item = (u16, u32, Option<f64>, f64)>, n_rounds: usize) -> StatResult<OneWayFit> {
    let (mut block, mut n, mut mean, mut ssw) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (r, k, m, w) in sums.filter(|s| s.1 > 0) {
        block.push(r as usize);
        n.push(k as f64);
        mean.push(m.unwrap_or(0.0));
        ssw.push(w);
    }
    reml_oneway(&Groups { block: &block, n: &n, mean: &mean, ssw: &ssw }, n_rounds)
}

/// The total's EB score of each center-round from other observation scores (the scores
/// without the observer adjustment): the same center-rounds, in the same order, as the rows.
fn totals(keys: &[Key], starts: &[usize], scores: &ObsScores, n_rounds: usize) -> Vec<Option<f64>> {
    let col = &scores.values[0];
    let sums: Vec<(u16, u32, Option<f64>, f64)> = starts
        .par_windows(2)
        .map_init(Vec::new, |buf, w| {
            let (m, k, ssw) = scale_summary(&keys[w[0]..w[1]], col, buf);
            (keys[w[0]].1, k, m, ssw)
        })
        .collect();
    let fit = fit_summaries(sums.iter().copied(), n_rounds);
    sums.iter()
        .map(|&(r, k, m, _)| match (&fit, m) {
            (Ok(f), Some(m)) => f.eb(r as usize, k as f64, m).ok().map(|e| e.score),
            _ => None,
        })
        .collect()
}

/// Build the monitor from scored checklist data. With `unadjusted` (the scores before the
/// observer adjustment, `scores` being the adjusted ones), each row also carries the total's
/// EB score from the unadjusted scores.
pub fn build(
    study: &Study,
    data: &ChecklistData,
    scores: &ObsScores,
    unadjusted: Option<&ObsScores>,
    rounds: &Rounds,
    roster: Option<&crate::study::ingest::Roster>,
    screening: Option<&StatResult<ScreeningCutoff>>,
) -> Result<Monitor, crate::error::InputError> {
    let spec = study.spec.monitor.clone().unwrap_or_default();
    let n_rounds = rounds.names.len();
    let (centers, keys) = group_keys(data, rounds);
    let tab = item_scale(study);
    let item_means = network_item_means(data, &keys, n_rounds, &tab);
    let mut starts = vec![0];
    for i in 1..keys.len() {
        if (keys[i].0, keys[i].1) != (keys[i - 1].0, keys[i - 1].1) {
            starts.push(i);
        }
    }
    starts.push(keys.len());
    let mut rows: Vec<CenterRound> = if keys.is_empty() {
        Vec::new()
    } else {
        starts.par_windows(2).map(|w| summarise(&keys[w[0]..w[1]], data, scores, &tab, &item_means)).collect()
    };
    // One REML fit per scale (and one for the unadjusted total), independent of each other.
    let (plain, fits) = rayon::join(
        || unadjusted.map(|plain| totals(&keys, &starts, plain, n_rounds)),
        || -> Vec<StatResult<OneWayFit>> {
            (0..scores.values.len()).into_par_iter().map(|s| fit_scale(&rows, s, n_rounds)).collect()
        },
    );
    if let Some(plain) = plain {
        for (r, u) in rows.iter_mut().zip(plain) {
            r.unadjusted = u;
        }
    }
    for r in rows.iter_mut() {
        for (s, fit) in fits.iter().enumerate() {
            if let (Ok(f), Some(m)) = (fit, r.raw[s]) {
                r.eb[s] = f.eb(r.round as usize, r.n[s] as f64, m).ok();
            }
        }
    }
    let z = z_crit(spec.confidence);
    changes(&mut rows, &fits, z, spec.min_change);
    let level_rule = spec.levels.unwrap_or(if screening.is_some() { LevelRule::Roc } else { LevelRule::Tertiles });
    let levels = level_cuts(&rows, &spec, level_rule, screening)?;
    let cuts = levels.cuts;
    let low_inclusive = levels.low_inclusive;
    for r in rows.iter_mut() {
        r.level = match (cuts, r.eb[0]) {
            (Some((lo, hi)), Some(e)) => Some(if e.score < lo || (low_inclusive && e.score == lo) {
                QualityLevel::Low
            } else if e.score >= hi {
                QualityLevel::High
            } else {
                QualityLevel::Medium
            }),
            _ => None,
        };
        r.profile = r.level.map(|l| Profile(l, r.trend.unwrap_or(Trend::Stable)));
        r.priority_subscale = priority_subscale(r, &fits);
        if r.eb[0].is_none() {
            r.note = Some(match &fits[0] {
                Err(e) => format!("no center score: {e}"),
                Ok(_) => "no classroom with a total score in this round".into(),
            });
        }
    }
    let attr_names = roster.map(|r| r.attributes.clone()).unwrap_or_default();
    let attrs = centers
        .iter()
        .map(|c| {
            roster.and_then(|r| r.centers.get(c).cloned()).unwrap_or_else(|| vec![String::new(); attr_names.len()])
        })
        .collect();
    let mut scales = vec!["total".to_string()];
    scales.extend(study.subscales.iter().cloned());
    Ok(Monitor {
        rounds: rounds.names.clone(),
        observer_adjusted: unadjusted.is_some(),
        centers,
        attrs,
        attr_names,
        scales,
        rows,
        fits,
        cuts,
        low_inclusive,
        level_rule,
        screening: levels.screening,
        level_note: levels.note,
        z,
        spec,
        item_means,
        excluded_no_round: rounds.missing,
    })
}

/// Change and trend of the total against each center's previous observed round.
fn changes(rows: &mut [CenterRound], fits: &[StatResult<OneWayFit>], z: f64, min_change: f64) {
    let sigma2 = match &fits[0] {
        Ok(f) => f.sigma2,
        Err(_) => return,
    };
    let mut prev: Option<usize> = None;
    for i in 0..rows.len() {
        if prev.is_some_and(|p| rows[p].center != rows[i].center) {
            prev = None;
        }
        if rows[i].raw[0].is_none() {
            continue;
        }
        if let Some(p) = prev {
            let (a, b) = (&rows[p], &rows[i]);
            if let Ok((d, se, dir)) = reliable_change(
                a.raw[0].unwrap_or(0.0),
                a.n[0] as f64,
                b.raw[0].unwrap_or(0.0),
                b.n[0] as f64,
                sigma2,
                z,
                min_change,
            ) {
                rows[i].change = Some((d, se));
                rows[i].trend = Some(match dir {
                    Direction::Up => Trend::Improving,
                    Direction::Down => Trend::Declining,
                    Direction::Flat => Trend::Stable,
                });
            }
        }
        prev = Some(i);
    }
}

/// The level cut-offs and where they came from.
struct Levels {
    cuts: Option<(f64, f64)>,
    low_inclusive: bool,
    screening: Option<ScreeningCutoff>,
    note: Option<String>,
}

/// Cut-offs (low, high from) on the total score, by the spec's rule.
fn level_cuts(
    rows: &[CenterRound],
    spec: &MonitorSpec,
    rule: LevelRule,
    screening: Option<&StatResult<ScreeningCutoff>>,
) -> Result<Levels, crate::error::InputError> {
    let first =
        || -> Vec<f64> { rows.iter().filter(|r| r.round == 0).filter_map(|r| r.eb[0].map(|e| e.score)).collect() };
    let none = |note: String| Levels { cuts: None, low_inclusive: false, screening: None, note: Some(note) };
    match rule {
        LevelRule::Fixed => {
            Ok(Levels { cuts: spec.cutoffs.map(|[a, b]| (a, b)), low_inclusive: false, screening: None, note: None })
        }
        LevelRule::Tertiles => {
            let first = first();
            if first.len() < 3 {
                return Ok(none(format!("{} center(s) with a score in the first round: tertiles need 3", first.len())));
            }
            let q = |p: f64| crate::stats::descriptive::quantile(&first, p).ok();
            Ok(Levels { cuts: q(1.0 / 3.0).zip(q(2.0 / 3.0)), low_inclusive: false, screening: None, note: None })
        }
        LevelRule::Roc => {
            let sc = match screening {
                None => return Err(crate::error::InputError::new(crate::error::ErrorKind::Spec, "study spec")
                    .found("monitor.levels = \"roc\" without a validation study")
                    .expected(
                        "[class], [files.class] and an [[analysis.thresholds]] (or levels = \"tertiles\" or \"fixed\")",
                    )),
                Some(Err(na)) => return Ok(none(format!("no validated ROC cut-off: {na}"))),
                Some(Ok(sc)) => sc,
            };
            // Low: the classrooms the screen flags (total ≤ cut-off against a `below`
            // threshold) or does not pass (total < cut-off against an `at_or_above` one).
            let low_inclusive = sc.direction == crate::stats::roc::Direction::Lower;
            let c = sc.cutoff;
            let rest: Vec<f64> = first().into_iter().filter(|&x| !(x < c || (low_inclusive && x == c))).collect();
            let Ok(median) = crate::stats::descriptive::quantile(&rest, 0.5) else {
                return Ok(Levels {
                    screening: Some(sc.clone()),
                    ..none("no center above the ROC cut-off in the first round: medium and high cannot be split".into())
                });
            };
            Ok(Levels { cuts: Some((c, median)), low_inclusive, screening: Some(sc.clone()), note: None })
        }
    }
}

fn priority_subscale(r: &CenterRound, fits: &[StatResult<OneWayFit>]) -> Option<usize> {
    let mut best: Option<(f64, usize)> = None;
    for s in 1..fits.len() {
        let (Ok(f), Some(e)) = (&fits[s], r.eb[s]) else { continue };
        let Some(mu) = f.block_means[r.round as usize] else { continue };
        let sd = if f.tau2 > 0.0 { f.tau2.sqrt() } else { f.sigma2.sqrt() };
        let zz = (e.score - mu) / sd;
        if best.is_none_or(|b| zz < b.0) {
            best = Some((zz, s - 1));
        }
    }
    best.map(|b| b.1)
}

/// The reason a model could not be fitted, for notes.
pub fn fit_note(f: &StatResult<OneWayFit>) -> Option<&Na> {
    f.as_ref().err()
}
