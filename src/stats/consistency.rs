//! Internal consistency of a scale: rows = observations, columns = items, listwise complete.
//!
//! | statistic | formula | CI | reference (test) |
//! |---|---|---|---|
//! | Cronbach's α | `k/(k−1) · (1 − Σ s²_j / s²_X)` | Feldt: `1 − (1 − α) F_{1∓γ/2}(n−1, (n−1)(k−1))`; percentile bootstrap over rows | Cronbach (1951); Feldt (1965); psych `alpha`, `alpha.ci` |
//! | standardized α | `k r̄ / (1 + (k−1) r̄)`, `r̄` mean inter-item r | — | psych `std.alpha` |
//! | KR-20 | `k/(k−1) · (1 − Σ p_j q_j / σ²_X)` (population variances; equals α on 0/1 items) | as α | Kuder & Richardson (1937) |
//! | ω total | one-factor ML: `(Σ λ_j)² / ((Σ λ_j)² + Σ ψ_j)` (covariance metric) | — | McDonald (1999); lavaan `cfa` |
//! | ordinal α | `k/(k−1) · (1 − k / Σ_ab R_ab)` on the polychoric matrix `R` | — | Zumbo, Gadermann & Zeisser (2007); psych `alpha(polychoric(x)$rho)` |
//! | corrected item–total r | `cor(x_j, X − x_j)` | — | psych `r.drop` |
//! | α if item deleted | α of the other `k − 1` items on the same rows | — | psych `alpha.drop` |
//!
//! All are pinned in `tests/cli/reference_reliability.rs` against
//! `tests/fixtures/reference/reliability.json` (from `scripts/reference/reliability.R`).

use super::bootstrap::{percentile_ci, resample_counts};
use super::linalg::leading_eigen;
use super::polychoric::polychoric_matrix;
use super::{Na, StatResult};
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

/// A listwise-complete item matrix.
#[derive(Debug, Clone)]
pub struct Items {
    /// Row-major `n × k`.
    pub x: Vec<f64>,
    pub n: usize,
    pub k: usize,
    /// Rows dropped for a missing value.
    pub dropped: usize,
}

impl Items {
    /// Keep rows where every item is present.
    pub fn listwise(rows: &[Vec<Option<f64>>]) -> StatResult<Items> {
        let k = rows.first().map_or(0, |r| r.len());
        let mut x = Vec::new();
        let mut n = 0;
        let mut dropped = 0;
        for r in rows {
            if r.len() != k {
                return Err(Na::new("rows of different lengths"));
            }
            if r.iter().all(|v| v.is_some()) {
                x.extend(r.iter().map(|v| v.expect("present")));
                n += 1;
            } else {
                dropped += 1;
            }
        }
        Ok(Items { x, n, k, dropped })
    }
    fn col(&self, j: usize) -> impl Iterator<Item = f64> + '_ {
        (0..self.n).map(move |i| self.x[i * self.k + j])
    }
    fn check(&self) -> StatResult<()> {
        if self.k < 2 {
            return Err(Na::new(format!("k = {} item(s) < 2", self.k)));
        }
        if self.n < 3 {
            return Err(Na::new(format!("n = {} complete rows < 3", self.n)));
        }
        Ok(())
    }
    /// Sample covariance matrix (`n − 1`).
    pub fn cov(&self) -> Vec<f64> {
        let (n, k) = (self.n, self.k);
        let means: Vec<f64> = (0..k).map(|j| self.col(j).sum::<f64>() / n as f64).collect();
        let mut c = vec![0.0; k * k];
        for i in 0..n {
            let row = &self.x[i * k..(i + 1) * k];
            for a in 0..k {
                let da = row[a] - means[a];
                for b in a..k {
                    c[a * k + b] += da * (row[b] - means[b]);
                }
            }
        }
        for a in 0..k {
            for b in a..k {
                c[a * k + b] /= (n - 1) as f64;
                c[b * k + a] = c[a * k + b];
            }
        }
        c
    }
}

/// α from a covariance matrix.
pub fn alpha_from_cov(c: &[f64], k: usize) -> StatResult<f64> {
    let total: f64 = c.iter().sum();
    let diag: f64 = (0..k).map(|j| c[j * k + j]).sum();
    if !(total > 0.0) {
        return Err(Na::new("the total score has zero variance"));
    }
    Ok(k as f64 / (k as f64 - 1.0) * (1.0 - diag / total))
}

/// Cronbach's α (raw).
pub fn cronbach_alpha(it: &Items) -> StatResult<f64> {
    it.check()?;
    alpha_from_cov(&it.cov(), it.k)
}

/// Feldt (1965) CI for α: `[1 − (1 − α) F_{1−γ/2}, 1 − (1 − α) F_{γ/2}]` with
/// `F(n − 1, (n − 1)(k − 1))`, as psych `alpha.ci` and pingouin `cronbach_alpha`.
pub fn feldt_ci(alpha: f64, n: usize, k: usize, level: f64) -> StatResult<(f64, f64)> {
    if n < 3 || k < 2 {
        return Err(Na::new("n < 3 or k < 2"));
    }
    let df1 = (n - 1) as f64;
    let df2 = ((n - 1) * (k - 1)) as f64;
    let f = FisherSnedecor::new(df1, df2).map_err(|e| Na::new(e.to_string()))?;
    let g = 1.0 - level;
    Ok((1.0 - (1.0 - alpha) * f.inverse_cdf(1.0 - g / 2.0), 1.0 - (1.0 - alpha) * f.inverse_cdf(g / 2.0)))
}

/// Correlation matrix from a covariance matrix; NA if an item has zero variance.
pub fn cor_from_cov(c: &[f64], k: usize) -> StatResult<Vec<f64>> {
    let sd: Vec<f64> = (0..k).map(|j| c[j * k + j].sqrt()).collect();
    if let Some(j) = sd.iter().position(|s| !(*s > 0.0)) {
        return Err(Na::new(format!("item {} has zero variance", j + 1)));
    }
    Ok((0..k * k).map(|ab| c[ab] / (sd[ab / k] * sd[ab % k])).collect())
}

/// α of a correlation matrix: `k/(k − 1) · (1 − k / Σ R)` (= standardized α).
pub fn alpha_from_cor(r: &[f64], k: usize) -> StatResult<f64> {
    let total: f64 = r.iter().sum();
    if !(total > 0.0) {
        return Err(Na::new("non-positive sum of correlations"));
    }
    Ok(k as f64 / (k as f64 - 1.0) * (1.0 - k as f64 / total))
}

/// Standardized α (α of the item correlation matrix).
pub fn standardized_alpha(it: &Items) -> StatResult<f64> {
    it.check()?;
    let r = cor_from_cov(&it.cov(), it.k)?;
    alpha_from_cor(&r, it.k)
}

/// KR-20, defined only when every value is 0 or 1.
pub fn kr20(it: &Items) -> StatResult<f64> {
    it.check()?;
    if it.x.iter().any(|&v| v != 0.0 && v != 1.0) {
        return Err(Na::new("KR-20 needs every item scored 0/1"));
    }
    let n = it.n as f64;
    let pq: f64 = (0..it.k)
        .map(|j| {
            let p = it.col(j).sum::<f64>() / n;
            p * (1.0 - p)
        })
        .sum();
    let totals: Vec<f64> = (0..it.n).map(|i| it.x[i * it.k..(i + 1) * it.k].iter().sum()).collect();
    let m = totals.iter().sum::<f64>() / n;
    let var = totals.iter().map(|t| (t - m).powi(2)).sum::<f64>() / n;
    if !(var > 0.0) {
        return Err(Na::new("the total score has zero variance"));
    }
    Ok(it.k as f64 / (it.k as f64 - 1.0) * (1.0 - pq / var))
}

/// One-factor maximum-likelihood factor analysis of a correlation matrix by the
/// Jöreskog (1967) fixed point: for given uniquenesses ψ, loadings are
/// `ψ^{1/2} v √(θ − 1)` with (θ, v) the leading eigenpair of `ψ^{−1/2} R ψ^{−1/2}`; then
/// `ψ = diag(R − λλ')`. Returns standardized loadings and uniquenesses.
pub fn one_factor_ml(r: &[f64], k: usize) -> StatResult<(Vec<f64>, Vec<f64>)> {
    if k < 3 {
        return Err(Na::new("a one-factor model needs at least 3 items"));
    }
    // Start from squared multiple correlations approximated by max |r|.
    let mut psi: Vec<f64> = (0..k)
        .map(|a| 1.0 - (0..k).filter(|&b| b != a).map(|b| r[a * k + b].abs()).fold(0.0, f64::max).powi(2))
        .map(|p| p.clamp(0.05, 0.95))
        .collect();
    let mut lambda = vec![0.0; k];
    for iter in 0..20_000 {
        let s: Vec<f64> = psi.iter().map(|p| p.sqrt()).collect();
        let m: Vec<f64> = (0..k * k).map(|ab| r[ab] / (s[ab / k] * s[ab % k])).collect();
        let (theta, v) = leading_eigen(&m, k);
        let scale = (theta - 1.0).max(0.0).sqrt();
        let sign = if v.iter().sum::<f64>() < 0.0 { -1.0 } else { 1.0 };
        let new_lambda: Vec<f64> = (0..k).map(|j| sign * s[j] * v[j] * scale).collect();
        let new_psi: Vec<f64> = (0..k).map(|j| (1.0 - new_lambda[j] * new_lambda[j]).max(1e-6)).collect();
        let diff: f64 = new_psi.iter().zip(&psi).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        lambda = new_lambda;
        psi = new_psi;
        if diff < 1e-12 {
            break;
        }
        if iter == 19_999 {
            return Err(Na::new("one-factor ML did not converge"));
        }
    }
    if psi.iter().any(|&p| p <= 1e-5) {
        return Err(Na::new("Heywood case (a uniqueness at zero): ω is not reported"));
    }
    Ok((lambda, psi))
}

/// McDonald's ω total from a one-factor ML model (covariance metric).
pub fn omega_total(it: &Items) -> StatResult<f64> {
    it.check()?;
    let c = it.cov();
    let k = it.k;
    let r = cor_from_cov(&c, k)?;
    let (lambda, psi) = one_factor_ml(&r, k)?;
    let sd: Vec<f64> = (0..k).map(|j| c[j * k + j].sqrt()).collect();
    let sl: f64 = (0..k).map(|j| lambda[j] * sd[j]).sum();
    let sp: f64 = (0..k).map(|j| psi[j] * sd[j] * sd[j]).sum();
    Ok(sl * sl / (sl * sl + sp))
}

/// Ordinal α: α of the polychoric correlation matrix. Values must be ordered categories
/// (any numbers; they are ranked).
pub fn ordinal_alpha(it: &Items) -> StatResult<f64> {
    it.check()?;
    let k = it.k;
    let mut cats: Vec<Vec<f64>> = (0..k)
        .map(|j| {
            let mut v: Vec<f64> = it.col(j).collect();
            v.sort_by(|a, b| a.total_cmp(b));
            v.dedup();
            v
        })
        .collect();
    if cats.iter().any(|c| c.len() > 10) {
        return Err(Na::new("an item has more than 10 distinct values: not ordinal"));
    }
    let data: Vec<Vec<usize>> = (0..it.n)
        .map(|i| (0..k).map(|j| cats[j].iter().position(|&c| c == it.x[i * k + j]).expect("cat")).collect())
        .collect();
    let n_cats: Vec<usize> = cats.iter_mut().map(|c| c.len()).collect();
    let r = polychoric_matrix(&data, &n_cats)?;
    alpha_from_cor(&r, k)
}

/// Per-item statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemStat {
    pub mean: f64,
    pub sd: f64,
    pub r_drop: StatResult<f64>,
    pub alpha_if_deleted: StatResult<f64>,
}

pub fn item_stats(it: &Items) -> StatResult<Vec<ItemStat>> {
    it.check()?;
    let c = it.cov();
    let k = it.k;
    let n = it.n as f64;
    let total_var: f64 = c.iter().sum();
    Ok((0..k)
        .map(|j| {
            let mean = it.col(j).sum::<f64>() / n;
            let vj = c[j * k + j];
            // cov(x_j, X − x_j) = Σ_b c[j][b] − v_j ; var(X − x_j) = total − 2 Σ_b c[j][b] + v_j
            let row: f64 = (0..k).map(|b| c[j * k + b]).sum();
            let cov_rest = row - vj;
            let var_rest = total_var - 2.0 * row + vj;
            let r_drop = if vj > 0.0 && var_rest > 0.0 {
                Ok(cov_rest / (vj * var_rest).sqrt())
            } else {
                Err(Na::new("zero variance"))
            };
            let alpha_if_deleted = if k >= 3 {
                let idx: Vec<usize> = (0..k).filter(|&b| b != j).collect();
                let sub: Vec<f64> =
                    idx.iter().flat_map(|&a| idx.iter().map(move |&b| (a, b))).map(|(a, b)| c[a * k + b]).collect();
                alpha_from_cov(&sub, k - 1)
            } else {
                Err(Na::new("fewer than 3 items"))
            };
            ItemStat { mean, sd: vj.sqrt(), r_drop, alpha_if_deleted }
        })
        .collect())
}

/// Percentile bootstrap CI for raw α, resampling rows. Uses sufficient statistics per replicate
/// (item sums, item sums of squares, total sums), so each replicate costs `O(n k)`.
pub fn alpha_bootstrap(it: &Items, b: usize, seed: u64, level: f64) -> StatResult<(f64, f64, usize)> {
    it.check()?;
    let (n, k) = (it.n, it.k);
    let totals: Vec<f64> = (0..n).map(|i| it.x[i * k..(i + 1) * k].iter().sum()).collect();
    let sq: Vec<f64> = it.x.iter().map(|v| v * v).collect();
    let reps = resample_counts(
        n,
        b,
        seed,
        || (vec![0.0f64; k], vec![0.0f64; k]),
        |counts, (s1, s2)| {
            s1.iter_mut().for_each(|v| *v = 0.0);
            s2.iter_mut().for_each(|v| *v = 0.0);
            let (mut t1, mut t2) = (0.0, 0.0);
            for i in 0..n {
                let c = counts[i];
                if c == 0 {
                    continue;
                }
                let w = c as f64;
                let row = &it.x[i * k..(i + 1) * k];
                let rsq = &sq[i * k..(i + 1) * k];
                for j in 0..k {
                    s1[j] += w * row[j];
                    s2[j] += w * rsq[j];
                }
                t1 += w * totals[i];
                t2 += w * totals[i] * totals[i];
            }
            let nf = n as f64;
            let sum_var: f64 = (0..k).map(|j| s2[j] - s1[j] * s1[j] / nf).sum();
            let tot_var = t2 - t1 * t1 / nf;
            if tot_var <= 0.0 {
                return None;
            }
            Some(k as f64 / (k as f64 - 1.0) * (1.0 - sum_var / tot_var))
        },
    );
    percentile_ci(&reps, level).ok_or_else(|| Na::new("too few bootstrap replicates with a defined α"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    fn items(rows: &[&[f64]]) -> Items {
        Items::listwise(&rows.iter().map(|r| r.iter().map(|v| Some(*v)).collect()).collect::<Vec<_>>()).unwrap()
    }
    #[test]
    fn alpha_by_hand() {
        // Two identical items → α = 1; item variances 1 each; total var 4 → 2(1 − 2/4) = 1.
        let it = items(&[&[1.0, 1.0], &[2.0, 2.0], &[3.0, 3.0]]);
        assert_abs_diff_eq!(cronbach_alpha(&it).unwrap(), 1.0, epsilon = 1e-12);
        // Zero total variance → NA, never NaN.
        let it = items(&[&[1.0, 1.0], &[1.0, 1.0], &[1.0, 1.0]]);
        assert!(cronbach_alpha(&it).is_err());
        assert!(standardized_alpha(&it).is_err());
    }
    #[test]
    fn kr20_equals_alpha_on_binary() {
        let it = items(&[&[1., 0., 1.], &[1., 1., 1.], &[0., 0., 1.], &[0., 0., 0.], &[1., 1., 0.]]);
        assert_abs_diff_eq!(kr20(&it).unwrap(), cronbach_alpha(&it).unwrap(), epsilon = 1e-12);
        let it2 = items(&[&[2., 0.], &[1., 1.], &[0., 0.]]);
        assert!(kr20(&it2).is_err());
    }
    #[test]
    fn listwise_counts_dropped() {
        let rows = vec![vec![Some(1.0), None], vec![Some(1.0), Some(2.0)]];
        let it = Items::listwise(&rows).unwrap();
        assert_eq!((it.n, it.dropped), (1, 1));
        assert!(cronbach_alpha(&it).is_err());
    }
}
