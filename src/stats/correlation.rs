//! Correlations and their inference.
//!
//! | statistic | CI | p | reference (test) |
//! |---|---|---|---|
//! | Pearson r | Fisher z: `tanh(atanh r ± z/√(n − 3))` | `t = r√((n−2)/(1−r²))`, df `n − 2` | R `cor.test` |
//! | Spearman ρ | Bonett & Wright (2000): `tanh(atanh ρ ± z √((1 + ρ²/2)/(n − 3)))` | t approximation, df `n − 2` (scipy `spearmanr`) | scipy |
//! | Kendall τ-b | Fieller, Hartley & Pearson (1957): `tanh(atanh τ ± z √(0.437/(n − 4)))` | normal approximation with the tie-corrected variance (scipy `kendalltau`) | scipy |
//! | partial r | Fisher z with `n − 3 − q` | t with df `n − 2 − q` | pingouin `partial_corr` |
//! | disattenuated r | `r / √(r_xx r_yy)` | — | Spearman (1904) |
//! | dependent r, overlapping | Williams' t (df `n − 3`); Meng, Rosenthal & Rubin (1992) Z; Steiger (1980) pooled Z | t / normal | psych `r.test` (Williams); MRR and Steiger by their published formulas |
//! | dependent r, non-overlapping | Steiger (1980) Z | normal | psych `r.test` |
//!
//! Pinned in `tests/cli/reference_validity.rs` against `scripts/reference/validity.R` / `.py`.

use super::{Na, StatResult};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Pearson,
    Spearman,
    Kendall,
}

impl Method {
    pub fn stat_name(self) -> &'static str {
        match self {
            Method::Pearson => "pearson_r",
            Method::Spearman => "spearman_rho",
            Method::Kendall => "kendall_tau_b",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Corr {
    pub r: f64,
    pub n: usize,
    pub ci: Option<(f64, f64)>,
    pub ci_method: &'static str,
    pub p_value: Option<f64>,
}

fn norm() -> Normal {
    Normal::new(0.0, 1.0).expect("normal")
}

/// Weighted Pearson correlation with integer-like weights (a weight of 2 = the row twice).
pub fn pearson_w(x: &[f64], y: &[f64], w: Option<&[u32]>) -> Option<f64> {
    let (mut sw, mut sx, mut sy) = (0.0, 0.0, 0.0);
    for i in 0..x.len() {
        let wi = w.map_or(1.0, |w| w[i] as f64);
        sw += wi;
        sx += wi * x[i];
        sy += wi * y[i];
    }
    if sw < 3.0 {
        return None;
    }
    let (mx, my) = (sx / sw, sy / sw);
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for i in 0..x.len() {
        let wi = w.map_or(1.0, |w| w[i] as f64);
        if wi == 0.0 {
            continue;
        }
        let (dx, dy) = (x[i] - mx, y[i] - my);
        sxx += wi * dx * dx;
        syy += wi * dy * dy;
        sxy += wi * dx * dy;
    }
    if !(sxx > 0.0 && syy > 0.0) {
        return None;
    }
    Some((sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// Average ranks (ties share the mean rank), 1-based.
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            r[idx[k]] = avg;
        }
        i = j + 1;
    }
    r
}

/// Kendall's τ-b with the counts needed for its variance.
fn kendall_parts(x: &[f64], y: &[f64]) -> (f64, f64, f64, f64) {
    let n = x.len();
    let (mut s, mut tx, mut ty) = (0.0, 0.0, 0.0);
    for i in 0..n {
        for j in i + 1..n {
            // f64::signum(0.0) is 1.0, so compare explicitly.
            let sign = |d: f64| {
                if d > 0.0 {
                    1.0
                } else if d < 0.0 {
                    -1.0
                } else {
                    0.0
                }
            };
            let a = sign(x[i] - x[j]);
            let b = sign(y[i] - y[j]);
            s += a * b;
            if a == 0.0 {
                tx += 1.0;
            }
            if b == 0.0 {
                ty += 1.0;
            }
        }
    }
    let n0 = (n * (n - 1)) as f64 / 2.0;
    (s, n0, tx, ty)
}

pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> Option<f64> {
    let (s, n0, tx, ty) = kendall_parts(x, y);
    let d = ((n0 - tx) * (n0 - ty)).sqrt();
    if !(d > 0.0) {
        return None;
    }
    Some(s / d)
}

/// Tie-corrected variance of Kendall's S (Kendall 1970), for the normal-approximation p-value.
fn kendall_p(x: &[f64], y: &[f64], s: f64) -> Option<f64> {
    let n = x.len() as f64;
    let ties = |v: &[f64]| -> Vec<f64> {
        let mut s = v.to_vec();
        s.sort_by(|a, b| a.total_cmp(b));
        let mut out = Vec::new();
        let mut i = 0;
        while i < s.len() {
            let mut j = i;
            while j + 1 < s.len() && s[j + 1] == s[i] {
                j += 1;
            }
            if j > i {
                out.push((j - i + 1) as f64);
            }
            i = j + 1;
        }
        out
    };
    let tx = ties(x);
    let ty = ties(y);
    let v0 = n * (n - 1.0) * (2.0 * n + 5.0);
    let vt: f64 = tx.iter().map(|t| t * (t - 1.0) * (2.0 * t + 5.0)).sum();
    let vu: f64 = ty.iter().map(|t| t * (t - 1.0) * (2.0 * t + 5.0)).sum();
    let v1 = tx.iter().map(|t| t * (t - 1.0)).sum::<f64>() * ty.iter().map(|t| t * (t - 1.0)).sum::<f64>();
    let v2 = tx.iter().map(|t| t * (t - 1.0) * (t - 2.0)).sum::<f64>()
        * ty.iter().map(|t| t * (t - 1.0) * (t - 2.0)).sum::<f64>();
    let var = (v0 - vt - vu) / 18.0 + v1 / (2.0 * n * (n - 1.0)) + v2 / (9.0 * n * (n - 1.0) * (n - 2.0));
    if !(var > 0.0) {
        return None;
    }
    Some(2.0 * norm().sf((s / var.sqrt()).abs()))
}

fn fisher_ci(r: f64, se: f64, level: f64) -> Option<(f64, f64)> {
    if !(r.abs() < 1.0) || !se.is_finite() {
        return None;
    }
    let z = norm().inverse_cdf(0.5 + level / 2.0);
    let zr = r.atanh();
    Some(((zr - z * se).tanh(), (zr + z * se).tanh()))
}

fn t_p(r: f64, df: f64) -> Option<f64> {
    if df <= 0.0 {
        return None;
    }
    if r.abs() >= 1.0 {
        return Some(0.0);
    }
    let t = r * (df / (1.0 - r * r)).sqrt();
    let d = StudentsT::new(0.0, 1.0, df).ok()?;
    Some(2.0 * d.sf(t.abs()))
}

/// A correlation with its analytic CI and p-value. Pairs with a missing value are dropped by
/// the caller. NA when `n < 4` or a variable is constant.
pub fn correlate(x: &[f64], y: &[f64], method: Method, level: f64) -> StatResult<Corr> {
    let n = x.len();
    if n < 4 {
        return Err(Na::new(format!("n = {n} pairs < 4")));
    }
    let nf = n as f64;
    let constant = |v: &[f64]| v.iter().all(|a| *a == v[0]);
    if constant(x) || constant(y) {
        return Err(Na::new("a variable is constant: the correlation is undefined"));
    }
    match method {
        Method::Pearson => {
            let r = pearson_w(x, y, None).ok_or_else(|| Na::new("zero variance"))?;
            Ok(Corr {
                r,
                n,
                ci: fisher_ci(r, 1.0 / (nf - 3.0).sqrt(), level),
                ci_method: "Fisher z",
                p_value: t_p(r, nf - 2.0),
            })
        }
        Method::Spearman => {
            let r = pearson_w(&ranks(x), &ranks(y), None).ok_or_else(|| Na::new("zero variance"))?;
            let se = ((1.0 + r * r / 2.0) / (nf - 3.0)).sqrt();
            Ok(Corr {
                r,
                n,
                ci: fisher_ci(r, se, level),
                ci_method: "Fisher z, Bonett–Wright SE",
                p_value: t_p(r, nf - 2.0),
            })
        }
        Method::Kendall => {
            if n < 5 {
                return Err(Na::new(format!("n = {n} pairs < 5")));
            }
            let (s, n0, tx, ty) = kendall_parts(x, y);
            let d = ((n0 - tx) * (n0 - ty)).sqrt();
            if !(d > 0.0) {
                return Err(Na::new("a variable is constant"));
            }
            let r = s / d;
            Ok(Corr {
                r,
                n,
                ci: fisher_ci(r, (0.437 / (nf - 4.0)).sqrt(), level),
                ci_method: "Fisher z, Fieller–Hartley–Pearson SE",
                p_value: kendall_p(x, y, s),
            })
        }
    }
}

/// Correlation of a (possibly weighted) sample, for bootstrap replicates.
pub fn corr_weighted(x: &[f64], y: &[f64], w: &[u32], method: Method) -> Option<f64> {
    match method {
        Method::Pearson => pearson_w(x, y, Some(w)),
        _ => {
            let mut xs = Vec::new();
            let mut ys = Vec::new();
            for i in 0..x.len() {
                for _ in 0..w[i] {
                    xs.push(x[i]);
                    ys.push(y[i]);
                }
            }
            match method {
                Method::Spearman => pearson_w(&ranks(&xs), &ranks(&ys), None),
                _ => kendall_tau_b(&xs, &ys),
            }
        }
    }
}

/// Leave-one-out (or leave-one-cluster-out) estimates for BCa acceleration.
pub fn jackknife(x: &[f64], y: &[f64], cluster: Option<(&[usize], usize)>, method: Method) -> Vec<f64> {
    let n = x.len();
    let groups: Vec<Vec<usize>> = match cluster {
        Some((c, k)) => {
            let mut g = vec![Vec::new(); k];
            for (i, &ci) in c.iter().enumerate() {
                g[ci].push(i);
            }
            g.into_iter().filter(|v| !v.is_empty()).collect()
        }
        None => (0..n).map(|i| vec![i]).collect(),
    };
    groups
        .iter()
        .filter_map(|g| {
            let mut w = vec![1u32; n];
            for &i in g {
                w[i] = 0;
            }
            corr_weighted(x, y, &w, method)
        })
        .collect()
}

/// Partial correlation of x and y given covariates (columns of `z`), by correlating the OLS
/// residuals of x and y on [1, z]. CI Fisher z with `n − 3 − q`; p from t with `n − 2 − q`.
pub fn partial_corr(x: &[f64], y: &[f64], z: &[Vec<f64>], level: f64) -> StatResult<Corr> {
    let n = x.len();
    let q = z.len();
    if n < q + 4 {
        return Err(Na::new(format!("n = {n} too small for {q} covariate(s)")));
    }
    let rx = residuals(x, z)?;
    let ry = residuals(y, z)?;
    let r = pearson_w(&rx, &ry, None).ok_or_else(|| Na::new("no residual variance"))?;
    let nf = n as f64;
    Ok(Corr {
        r,
        n,
        ci: fisher_ci(r, 1.0 / (nf - 3.0 - q as f64).sqrt(), level),
        ci_method: "Fisher z (n − 3 − q)",
        p_value: t_p(r, nf - 2.0 - q as f64),
    })
}

/// OLS residuals of `y` on an intercept and the columns of `z` (normal equations, Cholesky).
pub fn residuals(y: &[f64], z: &[Vec<f64>]) -> StatResult<Vec<f64>> {
    let n = y.len();
    let p = z.len() + 1;
    let col = |j: usize, i: usize| if j == 0 { 1.0 } else { z[j - 1][i] };
    let mut xtx = vec![0.0; p * p];
    let mut xty = vec![0.0; p];
    for i in 0..n {
        for a in 0..p {
            xty[a] += col(a, i) * y[i];
            for b in 0..p {
                xtx[a * p + b] += col(a, i) * col(b, i);
            }
        }
    }
    let l = super::linalg::cholesky(&xtx, p).ok_or_else(|| Na::new("covariates are collinear or constant"))?;
    let beta = super::linalg::solve_chol(&l, p, &xty);
    Ok((0..n).map(|i| y[i] - (0..p).map(|a| beta[a] * col(a, i)).sum::<f64>()).collect())
}

/// Disattenuated correlation `r / √(r_xx r_yy)`. NA when a reliability is not in (0, 1].
pub fn disattenuate(r: f64, rxx: f64, ryy: f64) -> StatResult<f64> {
    if !(rxx > 0.0 && rxx <= 1.0 && ryy > 0.0 && ryy <= 1.0) {
        return Err(Na::new("reliabilities must be in (0, 1]"));
    }
    Ok(r / (rxx * ryy).sqrt())
}

/// Steiger (1980) test of two dependent overlapping correlations `r_jk` vs `r_jh` (sharing
/// `j`), with `r_kh` the correlation of the two non-shared variables, as R psych `r.test(n,
/// r12, r13, r23)`: `Z = (z_jk − z_jh) √(n − 3) / √(2 − 2 s)` with the pooled
/// `r̄ = (r_jk + r_jh)/2` and `s = [r_kh (1 − 2r̄²) − r̄²(1 − 2r̄² − r_kh²)/2] / (1 − r̄²)²`.
pub fn steiger_overlapping(rjk: f64, rjh: f64, rkh: f64, n: usize) -> StatResult<(f64, f64)> {
    if n < 4 {
        return Err(Na::new("n < 4"));
    }
    let rm = (rjk + rjh) / 2.0;
    let s = (rkh * (1.0 - 2.0 * rm * rm) - 0.5 * rm * rm * (1.0 - 2.0 * rm * rm - rkh * rkh)) / (1.0 - rm * rm).powi(2);
    let z = (rjk.atanh() - rjh.atanh()) * ((n as f64 - 3.0).sqrt()) / (2.0 - 2.0 * s).sqrt();
    if !z.is_finite() {
        return Err(Na::new("degenerate correlations"));
    }
    Ok((z, 2.0 * norm().sf(z.abs())))
}

/// Williams' (1959) t for two dependent overlapping correlations `r_12` vs `r_13`, with `r_23`,
/// as R psych `r.test(n, r12, r13, r23)`: `t = (r12 − r13) √((n − 1)(1 + r23) / (2 (n − 1)/(n − 3)
/// |R| + r̄² (1 − r23)³))`, df `n − 3`.
pub fn williams_t(r12: f64, r13: f64, r23: f64, n: usize) -> StatResult<(f64, f64)> {
    if n < 5 {
        return Err(Na::new("n < 5"));
    }
    let nf = n as f64;
    let det = 1.0 - r12 * r12 - r23 * r23 - r13 * r13 + 2.0 * r12 * r23 * r13;
    let av = (r12 + r13) / 2.0;
    let t = (r12 - r13)
        * ((nf - 1.0) * (1.0 + r23) / ((2.0 * (nf - 1.0) / (nf - 3.0)) * det + av * av * (1.0 - r23).powi(3))).sqrt();
    if !t.is_finite() {
        return Err(Na::new("degenerate correlations"));
    }
    let d = StudentsT::new(0.0, 1.0, nf - 3.0).map_err(|e| Na::new(e.to_string()))?;
    Ok((t, 2.0 * d.sf(t.abs())))
}

/// Meng, Rosenthal & Rubin (1992) Z for two dependent overlapping correlations `r_1 = r_y1`,
/// `r_2 = r_y2` with `r_x = r_12`: `Z = (z_1 − z_2) √((n − 3) / (2 (1 − r_x) h))`,
/// `h = (1 − f r̄²)/(1 − r̄²)`, `f = min(1, (1 − r_x)/(2 (1 − r̄²)))`, `r̄² = (r_1² + r_2²)/2`.
pub fn meng_rosenthal_rubin(r1: f64, r2: f64, rx: f64, n: usize) -> StatResult<(f64, f64)> {
    if n < 4 {
        return Err(Na::new("n < 4"));
    }
    let rbar2 = (r1 * r1 + r2 * r2) / 2.0;
    let f = ((1.0 - rx) / (2.0 * (1.0 - rbar2))).min(1.0);
    let h = (1.0 - f * rbar2) / (1.0 - rbar2);
    let z = (r1.atanh() - r2.atanh()) * ((n as f64 - 3.0) / (2.0 * (1.0 - rx) * h)).sqrt();
    if !z.is_finite() {
        return Err(Na::new("degenerate correlations"));
    }
    Ok((z, 2.0 * norm().sf(z.abs())))
}

/// Steiger (1980) test of two dependent non-overlapping correlations `r_12` vs `r_34`, as
/// R psych `r.test(n, r12, r34, r13, r14, r23, r24)`.
#[allow(clippy::too_many_arguments)]
pub fn steiger_nonoverlapping(
    r12: f64,
    r34: f64,
    r13: f64,
    r14: f64,
    r23: f64,
    r24: f64,
    n: usize,
) -> StatResult<(f64, f64)> {
    if n < 4 {
        return Err(Na::new("n < 4"));
    }
    let rm = (r12 + r34) / 2.0;
    let psi = 0.5
        * ((r13 - rm * r23) * (r24 - r23 * rm)
            + (r14 - r13 * rm) * (r23 - rm * r13)
            + (r13 - r14 * rm) * (r24 - rm * r14)
            + (r14 - rm * r24) * (r23 - r24 * rm));
    let s = psi / (1.0 - rm * rm).powi(2);
    let z = (r12.atanh() - r34.atanh()) * ((n as f64 - 3.0).sqrt()) / (2.0 - 2.0 * s).sqrt();
    if !z.is_finite() {
        return Err(Na::new("degenerate correlations"));
    }
    Ok((z, 2.0 * norm().sf(z.abs())))
}

/// Benjamini–Hochberg adjusted p-values (R `p.adjust(method = "BH")`); `None` passes through.
pub fn bh_adjust(p: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_some()).collect();
    let m = idx.len() as f64;
    idx.sort_by(|&a, &b| p[b].unwrap().total_cmp(&p[a].unwrap()));
    let mut out = vec![None; p.len()];
    let mut running = 1.0f64;
    for (rank_from_top, &i) in idx.iter().enumerate() {
        let rank = m - rank_from_top as f64;
        running = running.min(p[i].unwrap() * m / rank);
        out[i] = Some(running.min(1.0));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    #[test]
    fn mrr_by_hand() {
        // r1 = .5, r2 = .3, rx = .4, n = 100: r̄² = .17, f = .6/1.66, h = (1 − f·.17)/.83
        let (z, _) = meng_rosenthal_rubin(0.5, 0.3, 0.4, 100).unwrap();
        let f: f64 = 0.6 / (2.0 * 0.83);
        let h: f64 = (1.0 - f * 0.17) / 0.83;
        let want = (0.5f64.atanh() - 0.3f64.atanh()) * (97.0 / (2.0 * 0.6 * h)).sqrt();
        assert_abs_diff_eq!(z, want, epsilon = 1e-12);
    }
    #[test]
    fn ranks_with_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }
    #[test]
    fn bh_matches_r() {
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.2), "BH") → 0.04 0.0533333 0.0533333 0.2
        let a = bh_adjust(&[Some(0.01), Some(0.04), Some(0.03), Some(0.2), None]);
        assert_abs_diff_eq!(a[0].unwrap(), 0.04, epsilon = 1e-12);
        assert_abs_diff_eq!(a[1].unwrap(), 0.16 / 3.0, epsilon = 1e-12);
        assert_abs_diff_eq!(a[2].unwrap(), 0.16 / 3.0, epsilon = 1e-12);
        assert_abs_diff_eq!(a[3].unwrap(), 0.2, epsilon = 1e-12);
        assert!(a[4].is_none());
    }
    #[test]
    fn degenerate() {
        assert!(correlate(&[1.0, 1.0, 1.0, 1.0], &[1.0, 2.0, 3.0, 4.0], Method::Pearson, 0.95).is_err());
        assert!(correlate(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], Method::Pearson, 0.95).is_err());
        let c = correlate(&[1.0, 2.0, 3.0, 4.0], &[2.0, 4.0, 6.0, 8.0], Method::Pearson, 0.95).unwrap();
        assert_abs_diff_eq!(c.r, 1.0);
        assert!(c.ci.is_none());
        assert!(disattenuate(0.5, 0.0, 0.8).is_err());
    }
    #[test]
    fn weighted_equals_duplicated() {
        let x = [1.0, 2.0, 3.5, 4.0, 7.0];
        let y = [2.0, 1.0, 4.0, 3.0, 9.0];
        let w = [1, 2, 0, 1, 3];
        let (mut xd, mut yd) = (vec![], vec![]);
        for i in 0..5 {
            for _ in 0..w[i] {
                xd.push(x[i]);
                yd.push(y[i]);
            }
        }
        assert_abs_diff_eq!(pearson_w(&x, &y, Some(&w)).unwrap(), pearson_w(&xd, &yd, None).unwrap(), epsilon = 1e-12);
        assert_abs_diff_eq!(
            corr_weighted(&x, &y, &w, Method::Kendall).unwrap(),
            kendall_tau_b(&xd, &yd).unwrap(),
            epsilon = 1e-12
        );
    }
}
