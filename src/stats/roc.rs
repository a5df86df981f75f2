//! ROC analysis of a continuous score against a binary truth.
//!
//! - **Direction** is stated, never flipped: `Higher` = higher scores indicate the positive
//!   class (pROC `direction = "<"`), `Lower` = lower scores do (pROC `">"`).
//! - **AUC** = `P(S₊ > S₋) + ½ P(S₊ = S₋)` (Mann–Whitney).
//! - **DeLong** (DeLong, DeLong & Clarke-Pearson 1988; Sun & Xu 2014): structural components
//!   `V₁₀(i) = mean_j ψ(x_i, y_j)`, `V₀₁(j) = mean_i ψ(x_i, y_j)`, `Var = s²₁₀/m + s²₀₁/n`;
//!   CI `AUC ± z SE` clipped to [0, 1], as pROC `ci.auc(method = "delong")`.
//! - **Paired DeLong test** of two scores on the same units: `Z = (A₁ − A₂)/√(V₁ + V₂ − 2C)`,
//!   as pROC `roc.test(method = "delong", paired = TRUE)`.
//! - **Bootstrap CI**: stratified (positives and negatives resampled separately), percentile,
//!   as pROC `ci.auc(method = "bootstrap")` (different random streams, same procedure).
//! - **Cut-offs**: every observed score value `c`, flagging `score ≥ c` (Higher) or
//!   `score ≤ c` (Lower); sensitivity, specificity, PPV, NPV with Wilson (1927) CIs; Youden's
//!   `J = Se + Sp − 1`. Choice by Youden, closest-to-(0,1) or minimum sensitivity.
//!
//! Pinned against pROC on its `aSAH` data (s100b AUC .7314, DeLong CI .6301–.8326) in
//! `tests/cli/reference_validity.rs`.

use super::bootstrap::{counts_matrix, percentile_ci};
use super::{Na, StatResult};
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Direction {
    Higher,
    Lower,
}

impl Direction {
    pub fn name(self) -> &'static str {
        match self {
            Direction::Higher => "higher",
            Direction::Lower => "lower",
        }
    }
}

/// ROC cut-off rule (`analysis.cutoff_rule`): `youden` (default), `closest` (closest to (0, 1))
/// or `min_sensitivity:NN` (the most specific cut-off with sensitivity ≥ NN%).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum CutoffRule {
    #[default]
    Youden,
    Closest,
    MinSensitivity(u32),
}

impl std::str::FromStr for CutoffRule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "youden" => Ok(CutoffRule::Youden),
            "closest" => Ok(CutoffRule::Closest),
            _ => s
                .strip_prefix("min_sensitivity:")
                .and_then(|v| v.parse::<u32>().ok())
                .filter(|v| *v <= 100)
                .map(CutoffRule::MinSensitivity)
                .ok_or_else(|| {
                    format!("unknown cut-off rule `{s}`, expected `youden`, `closest` or `min_sensitivity:NN`")
                }),
        }
    }
}

impl TryFrom<String> for CutoffRule {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<CutoffRule> for String {
    fn from(r: CutoffRule) -> String {
        r.to_string()
    }
}

impl std::fmt::Display for CutoffRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CutoffRule::Youden => f.write_str("youden"),
            CutoffRule::Closest => f.write_str("closest"),
            CutoffRule::MinSensitivity(p) => write!(f, "min_sensitivity:{p}"),
        }
    }
}

fn psi(x: f64, y: f64) -> f64 {
    if x > y {
        1.0
    } else if x == y {
        0.5
    } else {
        0.0
    }
}

/// Positives and negatives as "higher is positive" scores.
fn split(score: &[f64], truth: &[bool], dir: Direction) -> (Vec<f64>, Vec<f64>) {
    let s = |v: f64| if dir == Direction::Higher { v } else { -v };
    let pos = score.iter().zip(truth).filter(|(_, t)| **t).map(|(v, _)| s(*v)).collect();
    let neg = score.iter().zip(truth).filter(|(_, t)| !**t).map(|(v, _)| s(*v)).collect();
    (pos, neg)
}

/// DeLong structural components.
fn components(pos: &[f64], neg: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
    // O(m n) with sorting would be faster; m·n ≤ a few 10^5 in validation studies.
    let (m, n) = (pos.len(), neg.len());
    let mut v10 = vec![0.0; m];
    let mut v01 = vec![0.0; n];
    for (i, &x) in pos.iter().enumerate() {
        for (j, &y) in neg.iter().enumerate() {
            let p = psi(x, y);
            v10[i] += p;
            v01[j] += p;
        }
    }
    v10.iter_mut().for_each(|v| *v /= n as f64);
    v01.iter_mut().for_each(|v| *v /= m as f64);
    let auc = v10.iter().sum::<f64>() / m as f64;
    (auc, v10, v01)
}

fn var(v: &[f64]) -> f64 {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() as f64 - 1.0)
}

fn cov(a: &[f64], b: &[f64]) -> f64 {
    let ma = a.iter().sum::<f64>() / a.len() as f64;
    let mb = b.iter().sum::<f64>() / b.len() as f64;
    a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum::<f64>() / (a.len() as f64 - 1.0)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Auc {
    pub auc: f64,
    pub se: f64,
    pub ci: (f64, f64),
    pub n_pos: usize,
    pub n_neg: usize,
}

fn check(pos: &[f64], neg: &[f64]) -> StatResult<()> {
    if pos.len() < 2 || neg.len() < 2 {
        return Err(Na::new(format!(
            "{} positive and {} negative units: need at least 2 of each",
            pos.len(),
            neg.len()
        )));
    }
    Ok(())
}

/// AUC with its DeLong SE and CI.
pub fn auc_delong(score: &[f64], truth: &[bool], dir: Direction, level: f64) -> StatResult<Auc> {
    let (pos, neg) = split(score, truth, dir);
    check(&pos, &neg)?;
    let (auc, v10, v01) = components(&pos, &neg);
    let se = (var(&v10) / pos.len() as f64 + var(&v01) / neg.len() as f64).sqrt();
    let z = Normal::new(0.0, 1.0).expect("normal").inverse_cdf(0.5 + level / 2.0);
    Ok(Auc { auc, se, ci: ((auc - z * se).max(0.0), (auc + z * se).min(1.0)), n_pos: pos.len(), n_neg: neg.len() })
}

/// Stratified bootstrap percentile CI for the AUC.
pub fn auc_bootstrap(
    score: &[f64],
    truth: &[bool],
    dir: Direction,
    b: usize,
    seed: u64,
    level: f64,
) -> StatResult<(f64, f64)> {
    let (pos, neg) = split(score, truth, dir);
    check(&pos, &neg)?;
    let (m, n) = (pos.len(), neg.len());
    // Stratified: positives and negatives are resampled from independent streams.
    let pc = counts_matrix(m, b, seed);
    let nc = counts_matrix(n, b, seed ^ 0x9e37_79b9_7f4a_7c15);
    let reps: Vec<Option<f64>> = (0..b)
        .into_par_iter()
        .map(|r| {
            let (pc, nc) = (&pc[r], &nc[r]);
            let mut s = 0.0;
            for (i, &x) in pos.iter().enumerate() {
                if pc[i] == 0 {
                    continue;
                }
                for (j, &y) in neg.iter().enumerate() {
                    if nc[j] > 0 {
                        s += (pc[i] * nc[j]) as f64 * psi(x, y);
                    }
                }
            }
            Some(s / (m * n) as f64)
        })
        .collect();
    percentile_ci(&reps, level).map(|(l, h, _)| (l, h)).ok_or_else(|| Na::new("too few bootstrap replicates"))
}

/// Paired DeLong test of two scores' AUCs on the same units (each with its own direction).
pub fn delong_paired(
    s1: &[f64],
    d1: Direction,
    s2: &[f64],
    d2: Direction,
    truth: &[bool],
) -> StatResult<(f64, f64, f64, f64)> {
    let (p1, n1) = split(s1, truth, d1);
    let (p2, n2) = split(s2, truth, d2);
    check(&p1, &n1)?;
    let (a1, v10a, v01a) = components(&p1, &n1);
    let (a2, v10b, v01b) = components(&p2, &n2);
    let (m, n) = (p1.len() as f64, n1.len() as f64);
    let va = var(&v10a) / m + var(&v01a) / n;
    let vb = var(&v10b) / m + var(&v01b) / n;
    let c = cov(&v10a, &v10b) / m + cov(&v01a, &v01b) / n;
    let d = va + vb - 2.0 * c;
    if !(d > 0.0) {
        return Err(Na::new("the two scores give identical rankings: the test is undefined"));
    }
    let z = (a1 - a2) / d.sqrt();
    let p = 2.0 * Normal::new(0.0, 1.0).expect("normal").sf(z.abs());
    Ok((a1, a2, z, p))
}

/// Wilson score interval for `k` successes out of `n`.
pub fn wilson(k: usize, n: usize, level: f64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let z = Normal::new(0.0, 1.0).expect("normal").inverse_cdf(0.5 + level / 2.0);
    let (kf, nf) = (k as f64, n as f64);
    let p = kf / nf;
    let den = 1.0 + z * z / nf;
    let c = (p + z * z / (2.0 * nf)) / den;
    let h = z * (p * (1.0 - p) / nf + z * z / (4.0 * nf * nf)).sqrt() / den;
    Some(((c - h).max(0.0), (c + h).min(1.0)))
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cutoff {
    pub threshold: f64,
    pub tp: usize,
    pub fp: usize,
    pub tn: usize,
    pub fn_: usize,
    pub sensitivity: f64,
    pub specificity: f64,
    pub youden: f64,
}

impl Cutoff {
    pub fn ppv(&self) -> Option<f64> {
        let d = self.tp + self.fp;
        if d == 0 {
            None
        } else {
            Some(self.tp as f64 / d as f64)
        }
    }
    pub fn npv(&self) -> Option<f64> {
        let d = self.tn + self.fn_;
        if d == 0 {
            None
        } else {
            Some(self.tn as f64 / d as f64)
        }
    }
}

/// Every cut-off: flag `score ≥ c` (Higher) or `score ≤ c` (Lower), ordered from the most to
/// the least inclusive threshold.
pub fn cutoffs(score: &[f64], truth: &[bool], dir: Direction) -> Vec<Cutoff> {
    let mut vals: Vec<f64> = score.to_vec();
    vals.sort_by(|a, b| a.total_cmp(b));
    vals.dedup();
    if dir == Direction::Lower {
        vals.reverse();
    }
    let n_pos = truth.iter().filter(|t| **t).count();
    let n_neg = truth.len() - n_pos;
    vals.iter()
        .map(|&c| {
            let (mut tp, mut fp) = (0, 0);
            for (s, t) in score.iter().zip(truth) {
                let flag = if dir == Direction::Higher { *s >= c } else { *s <= c };
                if flag {
                    if *t {
                        tp += 1;
                    } else {
                        fp += 1;
                    }
                }
            }
            let se = if n_pos > 0 { tp as f64 / n_pos as f64 } else { f64::NAN };
            let sp = if n_neg > 0 { (n_neg - fp) as f64 / n_neg as f64 } else { f64::NAN };
            Cutoff {
                threshold: c,
                tp,
                fp,
                tn: n_neg - fp,
                fn_: n_pos - tp,
                sensitivity: se,
                specificity: sp,
                youden: se + sp - 1.0,
            }
        })
        .collect()
}

/// Index of the chosen cut-off. Ties keep the first (most inclusive) threshold.
pub fn choose(cuts: &[Cutoff], rule: CutoffRule) -> Option<usize> {
    let score = |c: &Cutoff| -> Option<f64> {
        match rule {
            CutoffRule::Youden => Some(c.youden),
            CutoffRule::Closest => Some(-((1.0 - c.sensitivity).powi(2) + (1.0 - c.specificity).powi(2))),
            CutoffRule::MinSensitivity(pct) => {
                if c.sensitivity + 1e-12 >= pct as f64 / 100.0 {
                    Some(c.specificity)
                } else {
                    None
                }
            }
        }
    };
    let mut best: Option<(usize, f64)> = None;
    for (i, c) in cuts.iter().enumerate() {
        if let Some(v) = score(c) {
            if v.is_finite() && best.is_none_or(|(_, b)| v > b + 1e-12) {
                best = Some((i, v));
            }
        }
    }
    best.map(|b| b.0)
}

/// Precomputed ordering for fast weighted AUCs (bootstrap replicates): units sorted by
/// "higher is positive" score, grouped into ties.
pub struct AucOrder {
    /// (is_positive, unit index) in ascending score order, with tie-group boundaries.
    order: Vec<(bool, usize)>,
    groups: Vec<(usize, usize)>,
}

impl AucOrder {
    pub fn new(score: &[f64], truth: &[bool], dir: Direction) -> AucOrder {
        let s = |v: f64| if dir == Direction::Higher { v } else { -v };
        let mut idx: Vec<usize> = (0..score.len()).collect();
        idx.sort_by(|&a, &b| s(score[a]).total_cmp(&s(score[b])));
        let mut groups = Vec::new();
        let mut i = 0;
        while i < idx.len() {
            let mut j = i;
            while j + 1 < idx.len() && s(score[idx[j + 1]]) == s(score[idx[i]]) {
                j += 1;
            }
            groups.push((i, j + 1));
            i = j + 1;
        }
        AucOrder { order: idx.iter().map(|&u| (truth[u], u)).collect(), groups }
    }

    /// The same order with each unit replaced by its cluster (`cluster[u]`), so that
    /// [`Self::auc`] takes one weight per cluster: a cluster bootstrap replicate's counts need
    /// not be spread over the units. Every sum in [`Self::auc`] is of integers and halves, exact
    /// in double precision below 2⁵², so the AUC equals that of the spread unit weights bit for
    /// bit (test `cluster_order_equals_unit_weights`) while [`Self::cluster_weights_exact`].
    pub fn by_cluster(&self, cluster: &[usize]) -> AucOrder {
        AucOrder { order: self.order.iter().map(|&(pos, u)| (pos, cluster[u])).collect(), groups: self.groups.clone() }
    }

    /// Whether every sum of [`Self::auc`] is exact for any replicate of `k` clusters drawn with
    /// replacement: the total unit weight is at most `k` times the largest cluster, and each
    /// product is at most its square.
    pub fn cluster_weights_exact(cluster: &[usize], k: usize) -> bool {
        let mut size = vec![0u64; k];
        cluster.iter().for_each(|&c| size[c] += 1);
        let total = k as f64 * size.iter().copied().max().unwrap_or(0) as f64;
        total * total < 2f64.powi(52)
    }

    /// AUC with integer unit weights, in O(n): each positive beats the negative weight below
    /// its tie group and ties with half of the negative weight inside it.
    pub fn auc(&self, w: &[u32]) -> Option<f64> {
        let (mut below_neg, mut num, mut wp, mut wn) = (0.0, 0.0, 0.0, 0.0);
        for &(a, b) in &self.groups {
            let (mut gp, mut gn) = (0.0, 0.0);
            for &(pos, u) in &self.order[a..b] {
                let wu = w[u] as f64;
                if pos {
                    gp += wu;
                } else {
                    gn += wu;
                }
            }
            num += gp * (below_neg + 0.5 * gn);
            below_neg += gn;
            wp += gp;
            wn += gn;
        }
        if wp == 0.0 || wn == 0.0 {
            None
        } else {
            Some(num / (wp * wn))
        }
    }
}

/// ROC curve of a weighted sample as (FPR, TPR) steps, from a precomputed order.
fn roc_points_weighted(ord: &AucOrder, w: &[u32]) -> Option<Vec<(f64, f64)>> {
    // Walk from the highest "positive-looking" score down: thresholds from strict to lax.
    let (mut tp, mut fp) = (0.0, 0.0);
    let (mut wp, mut wn) = (0.0, 0.0);
    for &(pos, u) in &ord.order {
        if pos {
            wp += w[u] as f64;
        } else {
            wn += w[u] as f64;
        }
    }
    if wp == 0.0 || wn == 0.0 {
        return None;
    }
    let mut pts = vec![(0.0, 0.0)];
    for &(a, b) in ord.groups.iter().rev() {
        for &(pos, u) in &ord.order[a..b] {
            if pos {
                tp += w[u] as f64;
            } else {
                fp += w[u] as f64;
            }
        }
        pts.push((fp / wn, tp / wp));
    }
    Some(pts)
}

/// Highest TPR reached at FPR ≤ `x` on a step curve.
fn tpr_at(pts: &[(f64, f64)], x: f64) -> f64 {
    pts.iter().filter(|p| p.0 <= x + 1e-12).map(|p| p.1).fold(0.0, f64::max)
}

/// [`tpr_at`] at every point of an ascending `grid`, in one sweep. The points of
/// [`roc_points_weighted`] are non-decreasing in both FPR and TPR (cumulative weights over fixed
/// totals), so the points with FPR ≤ `x` are a prefix and its highest TPR is its last one: the
/// same value as [`tpr_at`] (test `tpr_sweep_equals_scan`). A grid that is not ascending takes
/// [`tpr_at`] point by point.
fn tpr_on_grid(pts: &[(f64, f64)], grid: &[f64]) -> Vec<f64> {
    if grid.windows(2).any(|g| !(g[0] <= g[1])) {
        return grid.iter().map(|&g| tpr_at(pts, g)).collect();
    }
    let (mut i, mut best) = (0, 0.0f64);
    grid.iter()
        .map(|&g| {
            while i < pts.len() && pts[i].0 <= g + 1e-12 {
                best = best.max(pts[i].1);
                i += 1;
            }
            best
        })
        .collect()
}

/// Bootstrap envelope of the ROC curve: for each false-positive rate on `grid`, the
/// percentile interval of the replicate curves' sensitivity (Macskassy & Provost 2004,
/// vertical averaging). Resamples whole clusters when `cluster` is given, units otherwise.
pub fn roc_envelope(
    score: &[f64],
    truth: &[bool],
    dir: Direction,
    cluster: Option<(&[usize], usize)>,
    b: usize,
    seed: u64,
    level: f64,
    grid: &[f64],
) -> Option<Vec<(f64, f64, f64)>> {
    let ord = AucOrder::new(score, truth, dir);
    let n = score.len();
    let curves: Vec<Vec<f64>> = match cluster {
        Some((cl, k)) => {
            let cm = counts_matrix(k, b, seed);
            cm.par_iter()
                .filter_map(|cc| {
                    let w: Vec<u32> = cl.iter().map(|&c| cc[c]).collect();
                    roc_points_weighted(&ord, &w).map(|p| tpr_on_grid(&p, grid))
                })
                .collect()
        }
        None => counts_matrix(n, b, seed)
            .par_iter()
            .filter_map(|w| roc_points_weighted(&ord, w).map(|p| tpr_on_grid(&p, grid)))
            .collect(),
    };
    if curves.len() < 10 {
        return None;
    }
    Some(
        grid.iter()
            .enumerate()
            .map(|(i, &g)| {
                let col: Vec<Option<f64>> = curves.iter().map(|c| Some(c[i])).collect();
                let (lo, hi, _) = percentile_ci(&col, level).unwrap_or((f64::NAN, f64::NAN, 0));
                (g, lo, hi)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    #[test]
    fn auc_and_direction() {
        let s = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let t = [false, false, true, false, true, true];
        let a = auc_delong(&s, &t, Direction::Higher, 0.95).unwrap();
        assert_abs_diff_eq!(a.auc, 8.0 / 9.0, epsilon = 1e-12);
        let b = auc_delong(&s, &t, Direction::Lower, 0.95).unwrap();
        assert_abs_diff_eq!(b.auc, 1.0 / 9.0, epsilon = 1e-12);
        assert!(auc_delong(&s, &[true, false, false, false, false, false], Direction::Higher, 0.95).is_err());
    }
    #[test]
    fn tpr_sweep_equals_scan() {
        // Weighted curves with ties; the sweep equals the scan at every grid point, bit for bit.
        let s = [0.3, 0.5, 0.5, 0.9, 0.1, 0.5, 0.7, 0.2, 0.8, 0.4];
        let t = [true, false, true, true, false, false, true, false, true, false];
        let grid: Vec<f64> = (0..=50).map(|i| i as f64 / 50.0).collect();
        for dir in [Direction::Higher, Direction::Lower] {
            let ord = AucOrder::new(&s, &t, dir);
            for w in [[1u32; 10], [2, 0, 1, 3, 1, 2, 0, 1, 1, 4], [0, 1, 0, 2, 3, 0, 1, 1, 0, 1]] {
                let p = roc_points_weighted(&ord, &w).unwrap();
                let scan: Vec<f64> = grid.iter().map(|&g| tpr_at(&p, g)).collect();
                assert_eq!(tpr_on_grid(&p, &grid), scan);
                let rev: Vec<f64> = grid.iter().rev().copied().collect();
                let want: Vec<f64> = rev.iter().map(|&g| tpr_at(&p, g)).collect();
                assert_eq!(tpr_on_grid(&p, &rev), want);
            }
        }
    }
    #[test]
    fn weighted_auc_equals_duplicated_rows() {
        let s = [0.3, 0.5, 0.5, 0.9, 0.1, 0.5, 0.7];
        let t = [true, false, true, true, false, false, true];
        for dir in [Direction::Higher, Direction::Lower] {
            let ord = AucOrder::new(&s, &t, dir);
            let full = auc_delong(&s, &t, dir, 0.95).unwrap().auc;
            assert_abs_diff_eq!(ord.auc(&[1; 7]).unwrap(), full, epsilon = 1e-12);
            let w = [2u32, 0, 1, 3, 1, 2, 0];
            let (mut sd, mut td) = (vec![], vec![]);
            for i in 0..7 {
                for _ in 0..w[i] {
                    sd.push(s[i]);
                    td.push(t[i]);
                }
            }
            assert_abs_diff_eq!(ord.auc(&w).unwrap(), auc_delong(&sd, &td, dir, 0.95).unwrap().auc, epsilon = 1e-12);
        }
    }
    #[test]
    fn cluster_order_equals_unit_weights() {
        // 60 units in 9 clusters with tied scores; cluster replicates as the cluster bootstrap draws
        // them: the AUC from the cluster counts equals the one from the spread unit weights.
        let s: Vec<f64> = (0..60).map(|i| ((i * 7) % 13) as f64 / 4.0).collect();
        let t: Vec<bool> = (0..60).map(|i| (i * 5) % 7 < 3).collect();
        let cl: Vec<usize> = (0..60).map(|i| (i * 4) % 9).collect();
        assert!(AucOrder::cluster_weights_exact(&cl, 9));
        // 8,200 clusters, one of 8,200 units: totals up to 2²⁶ and more, products beyond 2⁵².
        assert!(!AucOrder::cluster_weights_exact(&vec![0; 8_200], 8_200));
        assert!(AucOrder::cluster_weights_exact(&vec![0; 8_000], 8_000));
        for dir in [Direction::Higher, Direction::Lower] {
            let ord = AucOrder::new(&s, &t, dir);
            let by_cl = ord.by_cluster(&cl);
            let spread = crate::stats::bootstrap::resample_clusters(&cl, 9, 300, 11, || (), |w, _| ord.auc(w));
            let direct = crate::stats::bootstrap::resample_counts(9, 300, 11, || (), |cc, _| by_cl.auc(cc));
            assert_eq!(
                spread.iter().map(|v| v.map(f64::to_bits)).collect::<Vec<_>>(),
                direct.iter().map(|v| v.map(f64::to_bits)).collect::<Vec<_>>()
            );
            assert!(spread.iter().flatten().any(|&a| a != spread[0].unwrap_or(-1.0)), "replicates vary");
        }
    }
    #[test]
    fn envelope_brackets_the_curve() {
        let s: Vec<f64> = (0..200).map(|i| (i as f64 * 0.37).sin() + if i % 3 == 0 { 0.8 } else { 0.0 }).collect();
        let t: Vec<bool> = (0..200).map(|i| i % 3 == 0).collect();
        let grid: Vec<f64> = (0..=20).map(|i| i as f64 / 20.0).collect();
        let env = roc_envelope(&s, &t, Direction::Higher, None, 400, 3, 0.95, &grid).unwrap();
        let ord = AucOrder::new(&s, &t, Direction::Higher);
        let full = roc_points_weighted(&ord, &[1; 200]).unwrap();
        for (g, lo, hi) in env {
            let v = tpr_at(&full, g);
            assert!(lo <= v + 1e-9 && v <= hi + 1e-9, "fpr {g}: {lo} {v} {hi}");
        }
    }
    #[test]
    fn wilson_known() {
        // statsmodels proportion_confint(8, 10, method='wilson')
        let (l, h) = wilson(8, 10, 0.95).unwrap();
        assert_abs_diff_eq!(l, 0.49016247153664183, epsilon = 1e-10);
        assert_abs_diff_eq!(h, 0.9433178485456247, epsilon = 1e-10);
    }
    #[test]
    fn cutoffs_and_youden() {
        let s = [1.0, 2.0, 3.0, 4.0];
        let t = [true, true, false, false];
        let c = cutoffs(&s, &t, Direction::Lower);
        let i = choose(&c, CutoffRule::Youden).unwrap();
        assert_eq!(c[i].threshold, 2.0);
        assert_abs_diff_eq!(c[i].youden, 1.0);
        let j = choose(&c, CutoffRule::MinSensitivity(100)).unwrap();
        assert_eq!(c[j].threshold, 2.0);
    }
}
