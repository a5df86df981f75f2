//! Inter-rater agreement for a units × raters table with missing ratings allowed.
//!
//! Conventions (chosen to match the reference implementations, and pinned by tests in
//! `tests/cli/reference_agreement.rs` against fixtures from `scripts/reference/agreement.py`):
//!
//! * **Percent agreement** (Gwet 2014, §2): over units rated by ≥ 2 raters,
//!   `p_a = mean_i Σ_k r_ik (r*_ik − 1) / (r_i (r_i − 1))`, with `r*_ik = Σ_l w_kl r_il`.
//!   Identity weights give exact agreement; *within-one* uses `w_kl = 1{|c_k − c_l| ≤ 1}`.
//! * **Fleiss' κ, Conger's κ, Gwet's AC1/AC2, Brennan–Prediger**: Gwet's (2014) generalised
//!   formulas for missing ratings, as in R irrCAC / Python irrCAC (`*.raw` functions):
//!   `κ = (p_a − p_e)/(1 − p_e)` with the coefficient's own `p_e`; variance by Gwet's
//!   linearisation, `v = Σ_i (κ*_i − κ)² / (n (n − 1))`, CI `κ ± t_{n−1} √v`, upper bound capped
//!   at 1, two-sided p from `t = κ/√v` with `n − 1` df (irrCAC reports a one-sided p for BP; we
//!   report two-sided for all).
//! * **Cohen's κ and weighted κ** (two raters, units with both ratings): SE is the large-sample
//!   SE of Fleiss, Cohen & Everitt (1969) as in statsmodels `cohens_kappa` and SAS PROC FREQ;
//!   CI `κ ± z SE`; p from the SE under the null (two-sided). Weights are built from the
//!   category *values*: linear `1 − |a − b| / (max − min)`, quadratic `1 − (a − b)² / (max − min)²`.
//! * **Krippendorff's α** (Krippendorff 2011): coincidence matrix over pairable values,
//!   `α = 1 − (n − 1) Σ o_ck δ²_ck / Σ n_c n_k δ²_ck` with nominal, ordinal, interval and ratio
//!   metrics; CI by a percentile bootstrap over units (documented; Krippendorff's own bootstrap
//!   resamples pairable values and is not reproduced).

use super::bootstrap::{percentile_ci, resample_counts};
use super::descriptive::{t_crit, z_crit};
use super::{Na, StatResult};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Weighting schemes, built from category values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightKind {
    Identity,
    Linear,
    Quadratic,
    /// 1 when categories differ by at most 1 (CLASS "within one").
    WithinOne,
}

impl WeightKind {
    pub fn name(self) -> &'static str {
        match self {
            WeightKind::Identity => "identity",
            WeightKind::Linear => "linear",
            WeightKind::Quadratic => "quadratic",
            WeightKind::WithinOne => "within-one",
        }
    }
}

pub fn weight_matrix(kind: WeightKind, cats: &[f64]) -> Vec<Vec<f64>> {
    let q = cats.len();
    let range = if q > 1 { cats[q - 1] - cats[0] } else { 1.0 };
    let mut w = vec![vec![0.0; q]; q];
    for k in 0..q {
        for l in 0..q {
            let d = (cats[k] - cats[l]).abs();
            w[k][l] = match kind {
                WeightKind::Identity => f64::from(k == l),
                WeightKind::Linear => 1.0 - d / range,
                WeightKind::Quadratic => 1.0 - d * d / (range * range),
                WeightKind::WithinOne => f64::from(d <= 1.0 + 1e-9),
            };
        }
    }
    w
}

/// Krippendorff's metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    Nominal,
    Ordinal,
    Interval,
    Ratio,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "nominal" => Some(Level::Nominal),
            "ordinal" => Some(Level::Ordinal),
            "interval" => Some(Level::Interval),
            "ratio" => Some(Level::Ratio),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Level::Nominal => "nominal",
            Level::Ordinal => "ordinal",
            Level::Interval => "interval",
            Level::Ratio => "ratio",
        }
    }
}

/// A units × raters table coded to category indices. Units with no rating are dropped.
#[derive(Debug, Clone)]
pub struct RatingTable {
    pub cats: Vec<f64>,
    /// `idx[i][g]`: category index given by rater `g` to unit `i`.
    pub idx: Vec<Vec<Option<usize>>>,
    /// `counts[i][k]`: raters who put unit `i` in category `k`.
    pub counts: Vec<Vec<f64>>,
    pub n_raters: usize,
}

impl RatingTable {
    /// Build from raw ratings (`None` = not rated). Categories are the sorted distinct values,
    /// or `cats` when given (values outside it are an error).
    pub fn new(units: &[Vec<Option<f64>>], cats: Option<&[f64]>) -> StatResult<RatingTable> {
        let n_raters = units.iter().map(|u| u.len()).max().unwrap_or(0);
        let mut cv: Vec<f64> = match cats {
            Some(c) => c.to_vec(),
            None => units.iter().flatten().flatten().copied().collect(),
        };
        cv.sort_by(|a, b| a.total_cmp(b));
        cv.dedup();
        let find = |v: f64| cv.iter().position(|c| (c - v).abs() < 1e-9);
        let mut idx = Vec::new();
        let mut counts = Vec::new();
        for u in units {
            if u.iter().all(|v| v.is_none()) {
                continue;
            }
            let mut row = vec![None; n_raters];
            let mut cnt = vec![0.0; cv.len()];
            for (g, v) in u.iter().enumerate() {
                if let Some(v) = v {
                    let k = find(*v).ok_or_else(|| Na::new(format!("rating {v} is not a declared category")))?;
                    row[g] = Some(k);
                    cnt[k] += 1.0;
                }
            }
            idx.push(row);
            counts.push(cnt);
        }
        if idx.is_empty() {
            return Err(Na::new("no rated units"));
        }
        Ok(RatingTable { cats: cv, idx, counts, n_raters })
    }

    pub fn n(&self) -> usize {
        self.idx.len()
    }
    pub fn q(&self) -> usize {
        self.cats.len()
    }
    fn ri(&self, i: usize) -> f64 {
        self.counts[i].iter().sum()
    }
}

/// A chance-corrected coefficient with its inference.
#[derive(Debug, Clone, PartialEq)]
pub struct Coef {
    pub estimate: f64,
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub ci_method: &'static str,
    pub p_value: Option<f64>,
    pub pa: f64,
    pub pe: f64,
    /// Units used.
    pub n: usize,
}

/// Percent agreement parts: per-unit agreement, `p_a`, and the number of units with ≥ 2 ratings.
struct PaParts {
    pa: f64,
    pa_i: Vec<f64>,
    has2: Vec<bool>,
    n2more: usize,
}

fn pa_parts(t: &RatingTable, w: &[Vec<f64>]) -> StatResult<PaParts> {
    let q = t.q();
    let mut pa_i = Vec::with_capacity(t.n());
    let mut has2 = Vec::with_capacity(t.n());
    let mut sum = 0.0;
    let mut n2 = 0;
    for i in 0..t.n() {
        let c = &t.counts[i];
        let ri = t.ri(i);
        let mut s = 0.0;
        for k in 0..q {
            if c[k] == 0.0 {
                continue;
            }
            let aw: f64 = (0..q).map(|l| w[k][l] * c[l]).sum();
            s += c[k] * (aw - 1.0);
        }
        let den = ri * (ri - 1.0);
        let v = if den > 0.0 { s / den } else { 0.0 };
        pa_i.push(v);
        has2.push(ri >= 2.0);
        if ri >= 2.0 {
            sum += v;
            n2 += 1;
        }
    }
    if n2 == 0 {
        return Err(Na::new("no unit was rated by two or more raters"));
    }
    Ok(PaParts { pa: sum / n2 as f64, pa_i, has2, n2more: n2 })
}

/// Percent agreement (Gwet's definition); `WeightKind::WithinOne` gives within-one agreement.
/// Reference: Gwet (2014) *Handbook of Inter-Rater Reliability*, 4th ed., ch. 2; pinned against
/// irrCAC's `pa` for the Fleiss (1971) data (0.55556) in `reference_agreement.rs`.
pub fn percent_agreement(t: &RatingTable, kind: WeightKind) -> StatResult<(f64, usize)> {
    let w = weight_matrix(kind, &t.cats);
    let p = pa_parts(t, &w)?;
    Ok((p.pa, p.n2more))
}

fn pi_vec(t: &RatingTable) -> Vec<f64> {
    let n = t.n() as f64;
    let mut pi = vec![0.0; t.q()];
    for i in 0..t.n() {
        let ri = t.ri(i);
        for k in 0..t.q() {
            pi[k] += t.counts[i][k] / ri / n;
        }
    }
    pi
}

/// Gwet-style inference from per-unit linearised values `x_i` (already centred forms).
fn finish(est: f64, x: &[f64], pa: f64, pe: f64, level: f64, n: usize) -> StatResult<Coef> {
    if n < 3 {
        return Err(Na::new(format!("n = {n} units < 3")));
    }
    let nf = n as f64;
    let var = x.iter().map(|v| (v - est).powi(2)).sum::<f64>() / (nf * (nf - 1.0));
    let se = var.sqrt();
    let t = t_crit(level, nf - 1.0)?;
    let p = if se > 0.0 {
        let dist = StudentsT::new(0.0, 1.0, nf - 1.0).map_err(|e| Na::new(e.to_string()))?;
        Some(2.0 * (1.0 - dist.cdf((est / se).abs())))
    } else {
        None
    };
    Ok(Coef {
        estimate: est,
        se,
        ci_low: est - t * se,
        ci_high: (est + t * se).min(1.0),
        ci_method: "t (Gwet linearisation)",
        p_value: p,
        pa,
        pe,
        n,
    })
}

fn chance_guard(pe: f64) -> StatResult<()> {
    if !(pe < 1.0 - 1e-12) {
        Err(Na::new("chance agreement is 1 (a single category was used): the coefficient is undefined"))
    } else {
        Ok(())
    }
}

/// Fleiss' generalised κ for any number of raters with missing ratings.
/// `p_e = Σ_kl w_kl π_k π_l`, `π_k = mean_i r_ik / r_i`. Reference: Fleiss (1971); Gwet (2014).
/// Pinned: Fleiss (1971) data, κ = 0.4302445, SE = 0.0542 (irrCAC).
pub fn fleiss_kappa(t: &RatingTable, kind: WeightKind, level: f64) -> StatResult<Coef> {
    let w = weight_matrix(kind, &t.cats);
    let p = pa_parts(t, &w)?;
    let q = t.q();
    let pi = pi_vec(t);
    let mut pe = 0.0;
    for k in 0..q {
        for l in 0..q {
            pe += w[k][l] * pi[k] * pi[l];
        }
    }
    chance_guard(pe)?;
    let kappa = (p.pa - pe) / (1.0 - pe);
    let n = t.n() as f64;
    let piw: Vec<f64> = (0..q).map(|k| (0..q).map(|l| (w[k][l] + w[l][k]) * pi[l]).sum::<f64>() / 2.0).collect();
    let x: Vec<f64> = (0..t.n())
        .map(|i| {
            let ri = t.ri(i);
            let ki = (n / p.n2more as f64) * (p.pa_i[i] - if p.has2[i] { pe } else { 0.0 }) / (1.0 - pe);
            let pei: f64 = (0..q).map(|k| t.counts[i][k] * piw[k]).sum::<f64>() / ri;
            ki - 2.0 * (1.0 - kappa) * (pei - pe) / (1.0 - pe)
        })
        .collect();
    finish(kappa, &x, p.pa, pe, level, t.n())
}

/// Gwet's AC1 (identity weights) or AC2 (other weights).
/// `p_e = (Σ_kl w_kl / (q (q − 1))) Σ_k π_k (1 − π_k)`. Reference: Gwet (2008), Br J Math Stat
/// Psychol 61; Gwet (2014). Pinned: Fleiss (1971) data AC1 = 0.44788 (irrCAC).
pub fn gwet_ac(t: &RatingTable, kind: WeightKind, level: f64) -> StatResult<Coef> {
    let q = t.q();
    if q < 2 {
        return Err(Na::new("a single category was used: AC1 is undefined"));
    }
    let w = weight_matrix(kind, &t.cats);
    let p = pa_parts(t, &w)?;
    let pi = pi_vec(t);
    let tw: f64 = w.iter().flatten().sum();
    let c = tw / (q * (q - 1)) as f64;
    let pe = c * pi.iter().map(|p| p * (1.0 - p)).sum::<f64>();
    chance_guard(pe)?;
    let ac = (p.pa - pe) / (1.0 - pe);
    let n = t.n() as f64;
    let x: Vec<f64> = (0..t.n())
        .map(|i| {
            let ri = t.ri(i);
            let ai = (n / p.n2more as f64) * (p.pa_i[i] - if p.has2[i] { pe } else { 0.0 }) / (1.0 - pe);
            let pei = c * (0..q).map(|k| t.counts[i][k] * (1.0 - pi[k])).sum::<f64>() / ri;
            ai - 2.0 * (1.0 - ac) * (pei - pe) / (1.0 - pe)
        })
        .collect();
    finish(ac, &x, p.pa, pe, level, t.n())
}

/// Brennan–Prediger: `p_e = Σ_kl w_kl / q²`. Reference: Brennan & Prediger (1981); Gwet (2014).
pub fn brennan_prediger(t: &RatingTable, kind: WeightKind, level: f64) -> StatResult<Coef> {
    let q = t.q();
    if q < 2 {
        return Err(Na::new("a single category was used: Brennan–Prediger is undefined"));
    }
    let w = weight_matrix(kind, &t.cats);
    let p = pa_parts(t, &w)?;
    let pe = w.iter().flatten().sum::<f64>() / (q * q) as f64;
    chance_guard(pe)?;
    let bp = (p.pa - pe) / (1.0 - pe);
    let n = t.n() as f64;
    let x: Vec<f64> = (0..t.n())
        .map(|i| (n / p.n2more as f64) * (p.pa_i[i] - if p.has2[i] { pe } else { 0.0 }) / (1.0 - pe))
        .collect();
    finish(bp, &x, p.pa, pe, level, t.n())
}

/// Conger's κ: `p_e = Σ_kl w_kl (p̄_k p̄_l − s²_kl / r)` from each rater's classification
/// probabilities `p_gk`; variance by Gwet's linearisation (irrCAC `conger.kappa.raw`).
/// Raters who rated nothing are dropped. Reference: Conger (1980), Psychol Bull 88; Gwet (2014).
pub fn conger_kappa(t: &RatingTable, kind: WeightKind, level: f64) -> StatResult<Coef> {
    let q = t.q();
    let w = weight_matrix(kind, &t.cats);
    let p = pa_parts(t, &w)?;
    let raters: Vec<usize> = (0..t.n_raters).filter(|&g| t.idx.iter().any(|u| u[g].is_some())).collect();
    let r = raters.len();
    if r < 2 {
        return Err(Na::new("fewer than two raters"));
    }
    let n = t.n();
    let nf = n as f64;
    let rf = r as f64;
    let mut ng = vec![0.0; r];
    let mut pgk = vec![vec![0.0; q]; r];
    for (gi, &g) in raters.iter().enumerate() {
        for u in &t.idx {
            if let Some(k) = u[g] {
                pgk[gi][k] += 1.0;
                ng[gi] += 1.0;
            }
        }
        for k in 0..q {
            pgk[gi][k] /= ng[gi];
        }
    }
    let pbar: Vec<f64> = (0..q).map(|k| (0..r).map(|g| pgk[g][k]).sum::<f64>() / rf).collect();
    let mut pe = 0.0;
    for k in 0..q {
        for l in 0..q {
            let s2 = ((0..r).map(|g| pgk[g][k] * pgk[g][l]).sum::<f64>() - rf * pbar[k] * pbar[l]) / (rf - 1.0);
            pe += w[k][l] * (pbar[k] * pbar[l] - s2 / rf);
        }
    }
    chance_guard(pe)?;
    let kappa = (p.pa - pe) / (1.0 - pe);
    let x: Vec<f64> = (0..n)
        .map(|i| {
            let mut lam_sum = 0.0;
            for (gi, &g) in raters.iter().enumerate() {
                let eps = if t.idx[i][g].is_some() { 1.0 } else { 0.0 };
                let mut lam = 0.0;
                for k in 0..q {
                    let mut lk = 0.0;
                    for l in 0..q {
                        let delta = if t.idx[i][g] == Some(l) { 1.0 } else { 0.0 };
                        lk += w[k][l] * (delta - (eps - ng[gi] / nf) * pgk[gi][l]);
                    }
                    lk *= nf / ng[gi];
                    lam += lk * (rf * pbar[k] - pgk[gi][k]);
                }
                lam_sum += lam;
            }
            let pei = lam_sum / (rf * (rf - 1.0));
            let ki = (nf / p.n2more as f64) * (p.pa_i[i] - if p.has2[i] { pe } else { 0.0 }) / (1.0 - pe);
            ki - 2.0 * (1.0 - kappa) * (pei - pe) / (1.0 - pe)
        })
        .collect();
    finish(kappa, &x, p.pa, pe, level, n)
}

/// Cohen's κ for two raters (`kind = Identity`) or weighted κ (linear/quadratic weights from
/// category values). Units missing either rating are dropped.
/// Formula: `κ_w = (p_o − p_e)/(1 − p_e)`, `p_o = Σ w_ij p_ij`, `p_e = Σ w_ij p_i. p_.j`.
/// SE (Fleiss, Cohen & Everitt 1969): `var = [Σ p_ij (w_ij − (w̄_i. + w̄_.j)(1 − κ))² −
/// (κ − p_e(1 − κ))²] / (n (1 − p_e)²)`; CI `κ ± z SE`; p from the null SE.
/// Pinned: Stuart (1953) κ = .5953888, linear .6523804, quadratic .7023343 (scikit-learn), SEs
/// from statsmodels.
pub fn cohen_kappa(a: &[Option<f64>], b: &[Option<f64>], kind: WeightKind, level: f64) -> StatResult<Coef> {
    let pairs: Vec<(f64, f64)> = a.iter().zip(b).filter_map(|(x, y)| Some(((*x)?, (*y)?))).collect();
    let n = pairs.len();
    if n < 2 {
        return Err(Na::new(format!("n = {n} units rated by both raters < 2")));
    }
    let mut cats: Vec<f64> = pairs.iter().flat_map(|(x, y)| [*x, *y]).collect();
    cats.sort_by(|x, y| x.total_cmp(y));
    cats.dedup();
    let q = cats.len();
    if q < 2 {
        return Err(Na::new("a single category was used: κ is undefined"));
    }
    let pos = |v: f64| cats.iter().position(|c| *c == v).expect("category");
    let nf = n as f64;
    let mut p = vec![vec![0.0; q]; q];
    for (x, y) in &pairs {
        p[pos(*x)][pos(*y)] += 1.0 / nf;
    }
    let w = weight_matrix(kind, &cats);
    let row: Vec<f64> = (0..q).map(|i| p[i].iter().sum()).collect();
    let col: Vec<f64> = (0..q).map(|j| (0..q).map(|i| p[i][j]).sum()).collect();
    let mut po = 0.0;
    let mut pe = 0.0;
    for i in 0..q {
        for j in 0..q {
            po += w[i][j] * p[i][j];
            pe += w[i][j] * row[i] * col[j];
        }
    }
    chance_guard(pe)?;
    let k = (po - pe) / (1.0 - pe);
    let wr: Vec<f64> = (0..q).map(|i| (0..q).map(|j| w[i][j] * col[j]).sum()).collect();
    let wc: Vec<f64> = (0..q).map(|j| (0..q).map(|i| w[i][j] * row[i]).sum()).collect();
    let mut a_term = 0.0;
    let mut a0 = 0.0;
    for i in 0..q {
        for j in 0..q {
            a_term += p[i][j] * (w[i][j] - (wr[i] + wc[j]) * (1.0 - k)).powi(2);
            a0 += row[i] * col[j] * (w[i][j] - (wr[i] + wc[j])).powi(2);
        }
    }
    let fac = 1.0 / ((1.0 - pe).powi(2) * nf);
    let var = (a_term - (k - pe * (1.0 - k)).powi(2)) * fac;
    let var0 = (a0 - pe * pe) * fac;
    let se = var.max(0.0).sqrt();
    let z = z_crit(level);
    let p_value = if var0 > 0.0 {
        let nd = Normal::new(0.0, 1.0).expect("normal");
        Some(2.0 * (1.0 - nd.cdf((k / var0.sqrt()).abs())))
    } else {
        None
    };
    Ok(Coef {
        estimate: k,
        se,
        ci_low: k - z * se,
        ci_high: (k + z * se).min(1.0),
        ci_method: "normal (Fleiss–Cohen–Everitt SE)",
        p_value,
        pa: po,
        pe,
        n,
    })
}

/// Percentile bootstrap CI for Cohen's κ (two raters), resampling units with both ratings.
/// Each replicate rebuilds the q × q table from precomputed category pairs: `O(n + q²)`.
pub fn cohen_kappa_bootstrap(
    a: &[Option<f64>],
    b: &[Option<f64>],
    kind: WeightKind,
    reps: usize,
    seed: u64,
    level: f64,
) -> StatResult<(f64, f64, usize)> {
    let pairs: Vec<(f64, f64)> = a.iter().zip(b).filter_map(|(x, y)| Some(((*x)?, (*y)?))).collect();
    let mut cats: Vec<f64> = pairs.iter().flat_map(|(x, y)| [*x, *y]).collect();
    cats.sort_by(|x, y| x.total_cmp(y));
    cats.dedup();
    let q = cats.len();
    if pairs.len() < 3 || q < 2 {
        return Err(Na::new("fewer than 3 pairs or a single category"));
    }
    let idx: Vec<(usize, usize)> = pairs
        .iter()
        .map(|(x, y)| (cats.iter().position(|c| c == x).expect("cat"), cats.iter().position(|c| c == y).expect("cat")))
        .collect();
    let w = weight_matrix(kind, &cats);
    let n = idx.len();
    let out = resample_counts(
        n,
        reps,
        seed,
        || (vec![0.0f64; q * q], vec![0.0f64; q], vec![0.0f64; q]),
        |counts, (tab, row, col)| {
            tab.iter_mut().for_each(|v| *v = 0.0);
            row.iter_mut().for_each(|v| *v = 0.0);
            col.iter_mut().for_each(|v| *v = 0.0);
            for (i, &(x, y)) in idx.iter().enumerate() {
                tab[x * q + y] += counts[i] as f64;
            }
            let nf = n as f64;
            let (mut po, mut pe) = (0.0, 0.0);
            for i in 0..q {
                for j in 0..q {
                    let v = tab[i * q + j] / nf;
                    row[i] += v;
                    col[j] += v;
                    po += w[i][j] * v;
                }
            }
            for i in 0..q {
                for j in 0..q {
                    pe += w[i][j] * row[i] * col[j];
                }
            }
            if pe >= 1.0 - 1e-12 {
                None
            } else {
                Some((po - pe) / (1.0 - pe))
            }
        },
    );
    percentile_ci(&out, level).ok_or_else(|| Na::new("too few defined replicates"))
}

/// Krippendorff's α with its coincidence data.
#[derive(Debug, Clone)]
pub struct KrippPrep {
    cats: Vec<f64>,
    /// Per pairable unit: its (c, k, weight) coincidence contributions.
    units: Vec<Vec<(usize, usize, f64)>>,
    delta: Vec<Vec<f64>>,
}

impl KrippPrep {
    pub fn new(t: &RatingTable, level: Level) -> StatResult<KrippPrep> {
        let q = t.q();
        let mut units = Vec::new();
        for c in &t.counts {
            let m: f64 = c.iter().sum();
            if m < 2.0 {
                continue;
            }
            let mut v = Vec::new();
            for a in 0..q {
                for b in 0..q {
                    let pairs = c[a] * (c[b] - if a == b { 1.0 } else { 0.0 });
                    if pairs > 0.0 {
                        v.push((a, b, pairs / (m - 1.0)));
                    }
                }
            }
            units.push(v);
        }
        if units.is_empty() {
            return Err(Na::new("no unit has two or more ratings"));
        }
        // Marginals of the full data, needed for the ordinal metric.
        let mut nc = vec![0.0; q];
        for u in &units {
            for &(a, _, w) in u {
                nc[a] += w;
            }
        }
        let cats = t.cats.clone();
        let delta = delta_matrix(level, &cats, &nc)?;
        Ok(KrippPrep { cats, units, delta })
    }

    /// α with unit weights (`None` = each unit once).
    fn alpha_weighted(&self, weights: Option<&[u32]>) -> Option<f64> {
        let q = self.cats.len();
        let mut o = vec![0.0; q * q];
        for (ui, u) in self.units.iter().enumerate() {
            let wt = weights.map_or(1.0, |w| w[ui] as f64);
            if wt == 0.0 {
                continue;
            }
            for &(a, b, w) in u {
                o[a * q + b] += wt * w;
            }
        }
        let nc: Vec<f64> = (0..q).map(|a| (0..q).map(|b| o[a * q + b]).sum()).collect();
        let n: f64 = nc.iter().sum();
        let mut d_o = 0.0;
        let mut d_e = 0.0;
        for a in 0..q {
            for b in 0..q {
                d_o += o[a * q + b] * self.delta[a][b];
                d_e += nc[a] * nc[b] * self.delta[a][b];
            }
        }
        if d_e <= 0.0 || n <= 1.0 {
            return None;
        }
        Some(1.0 - (n - 1.0) * d_o / d_e)
    }

    pub fn n_units(&self) -> usize {
        self.units.len()
    }
}

fn delta_matrix(level: Level, cats: &[f64], nc: &[f64]) -> StatResult<Vec<Vec<f64>>> {
    let q = cats.len();
    let mut d = vec![vec![0.0; q]; q];
    for a in 0..q {
        for b in 0..q {
            d[a][b] = match level {
                Level::Nominal => f64::from(a != b),
                Level::Interval => (cats[a] - cats[b]).powi(2),
                Level::Ratio => {
                    let s = cats[a] + cats[b];
                    if s == 0.0 {
                        0.0
                    } else {
                        ((cats[a] - cats[b]) / s).powi(2)
                    }
                }
                Level::Ordinal => {
                    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                    let s: f64 = nc[lo..=hi].iter().sum::<f64>() - (nc[a] + nc[b]) / 2.0;
                    s * s
                }
            };
        }
    }
    if level == Level::Ratio && cats.iter().any(|&c| c < 0.0) {
        return Err(Na::new("ratio level needs non-negative values"));
    }
    Ok(d)
}

/// Krippendorff's α with a unit-bootstrap percentile CI (`boot` replicates, `seed`).
/// Pinned: Krippendorff (2011) 4 × 12 example, nominal .743, ordinal .815, interval .849,
/// ratio .797; Fleiss (1971) nominal .43341 (irrCAC); Python `krippendorff` on random data.
pub fn krippendorff_alpha(t: &RatingTable, level: Level, ci_level: f64, boot: usize, seed: u64) -> StatResult<Coef> {
    let prep = KrippPrep::new(t, level)?;
    let est =
        prep.alpha_weighted(None).ok_or_else(|| Na::new("no variation among the pairable values: α is undefined"))?;
    let nu = prep.n_units();
    let (lo, hi, se) = if boot > 0 && nu >= 3 {
        let reps = resample_counts(nu, boot, seed, || (), |c, _| prep.alpha_weighted(Some(c)));
        let vals: Vec<f64> = reps.iter().flatten().copied().collect();
        let se = super::descriptive::sd(&vals).unwrap_or(f64::NAN);
        match percentile_ci(&reps, ci_level) {
            Some((l, h, _)) => (l, h, se),
            None => (f64::NAN, f64::NAN, f64::NAN),
        }
    } else {
        (f64::NAN, f64::NAN, f64::NAN)
    };
    Ok(Coef {
        estimate: est,
        se,
        ci_low: lo,
        ci_high: hi,
        ci_method: "percentile bootstrap over units",
        p_value: None,
        pa: f64::NAN,
        pe: f64::NAN,
        n: nu,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    fn units(rows: &[&[Option<f64>]]) -> Vec<Vec<Option<f64>>> {
        rows.iter().map(|r| r.to_vec()).collect()
    }

    #[test]
    fn krippendorff_2011_example() {
        // Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers × 12
        // units, '.' = missing. Rows are units, columns observers A–D.
        let n = None;
        let s = |x: f64| Some(x);
        let data = units(&[
            &[s(1.), s(1.), n, s(1.)],
            &[s(2.), s(2.), s(3.), s(2.)],
            &[s(3.), s(3.), s(3.), s(3.)],
            &[s(3.), s(3.), s(3.), s(3.)],
            &[s(2.), s(2.), s(2.), s(2.)],
            &[s(1.), s(2.), s(3.), s(4.)],
            &[s(4.), s(4.), s(4.), s(4.)],
            &[s(1.), s(1.), s(2.), s(1.)],
            &[s(2.), s(2.), s(2.), s(2.)],
            &[n, s(5.), s(5.), s(5.)],
            &[n, n, s(1.), s(1.)],
            &[n, n, s(3.), n],
        ]);
        let t = RatingTable::new(&data, None).unwrap();
        let a = |l| krippendorff_alpha(&t, l, 0.95, 0, 1).unwrap().estimate;
        assert_abs_diff_eq!(a(Level::Nominal), 0.743, epsilon = 5e-4);
        assert_abs_diff_eq!(a(Level::Ordinal), 0.815, epsilon = 5e-4);
        assert_abs_diff_eq!(a(Level::Interval), 0.849, epsilon = 5e-4);
        assert_abs_diff_eq!(a(Level::Ratio), 0.797, epsilon = 5e-4);
    }

    #[test]
    fn perfect_agreement_and_single_category() {
        let s = |x: f64| Some(x);
        let data = units(&[&[s(1.), s(1.)], &[s(2.), s(2.)], &[s(3.), s(3.)], &[s(1.), s(1.)]]);
        let t = RatingTable::new(&data, None).unwrap();
        let k = fleiss_kappa(&t, WeightKind::Identity, 0.95).unwrap();
        assert_abs_diff_eq!(k.estimate, 1.0, epsilon = 1e-12);
        assert!(k.ci_high <= 1.0 && k.se.is_finite());
        let c = cohen_kappa(&[s(1.), s(2.), s(3.), s(1.)], &[s(1.), s(2.), s(3.), s(1.)], WeightKind::Identity, 0.95)
            .unwrap();
        assert_abs_diff_eq!(c.estimate, 1.0, epsilon = 1e-12);
        // One category only: κ undefined, never NaN.
        let one = units(&[&[s(1.), s(1.)], &[s(1.), s(1.)], &[s(1.), s(1.)]]);
        let t = RatingTable::new(&one, None).unwrap();
        assert!(fleiss_kappa(&t, WeightKind::Identity, 0.95).is_err());
        assert!(gwet_ac(&t, WeightKind::Identity, 0.95).is_err());
        assert!(krippendorff_alpha(&t, Level::Nominal, 0.95, 0, 1).is_err());
        assert!(cohen_kappa(&[s(1.); 3], &[s(1.); 3], WeightKind::Identity, 0.95).is_err());
        let (pa, n) = percent_agreement(&t, WeightKind::Identity).unwrap();
        assert_eq!((pa, n), (1.0, 3));
    }

    #[test]
    fn weights_use_values_not_positions() {
        // Categories 1, 2, 5: linear weight between 1 and 2 is 1 − 1/4, not 1 − 1/2.
        let w = weight_matrix(WeightKind::Linear, &[1.0, 2.0, 5.0]);
        assert_abs_diff_eq!(w[0][1], 0.75);
        assert_abs_diff_eq!(w[1][2], 0.25);
        let q = weight_matrix(WeightKind::Quadratic, &[1.0, 2.0, 5.0]);
        assert_abs_diff_eq!(q[0][1], 1.0 - 1.0 / 16.0);
        let w1 = weight_matrix(WeightKind::WithinOne, &[1.0, 2.0, 3.0]);
        assert_eq!(w1[0], vec![1.0, 1.0, 0.0]);
    }

    #[test]
    fn weighted_kappa_by_hand_unequal_spacing() {
        // 2×… table by hand: pairs (1,1), (1,2), (2,2), (5,5), (2,5), (5,1)
        let s = |x: f64| Some(x);
        let a = [s(1.), s(1.), s(2.), s(5.), s(2.), s(5.)];
        let b = [s(1.), s(2.), s(2.), s(5.), s(5.), s(1.)];
        let k = cohen_kappa(&a, &b, WeightKind::Linear, 0.95).unwrap();
        // w: (1,1)=1,(1,2)=.75,(2,2)=1,(5,5)=1,(2,5)=.25,(5,1)=0 → p_o = 4/6
        // rows: 1:2/6, 2:2/6, 5:2/6; cols: 1:2/6, 2:2/6, 5:2/6 → p_e = Σ w / 9
        let wsum = 3.0 + 2.0 * 0.75 + 2.0 * 0.25 + 2.0 * 0.0;
        let pe = wsum / 9.0;
        let po = 4.0 / 6.0;
        assert_abs_diff_eq!(k.estimate, (po - pe) / (1.0 - pe), epsilon = 1e-12);
    }
}
