//! Internal consistency of a scale: rows = observations, columns = items. Missing item values
//! are handled [`Missing::Pairwise`] (the default, as R psych `alpha` and pingouin
//! `cronbach_alpha`) or [`Missing::Listwise`].
//!
//! | statistic | formula | CI | reference (test) |
//! |---|---|---|---|
//! | Cronbach's α | `k/(k−1) · (1 − tr C / Σ C)`, `C` the item covariance matrix | Feldt: `1 − (1 − α) F_{1∓γ/2}(n−1, (n−1)(k−1))`; percentile bootstrap over rows | Cronbach (1951); Feldt (1965); psych `alpha`, `alpha.ci` |
//! | standardized α | `k r̄ / (1 + (k−1) r̄)`, `r̄` mean inter-item r of `cov2cor(C)` | — | psych `std.alpha` |
//! | KR-20 | `k/(k−1) · (1 − Σ p_j q_j / σ²_X)` (population variances; equals α on 0/1 items); complete rows only | as α | Kuder & Richardson (1937) |
//! | ω total | one-factor ML on `C`: `(Σ λ_j)² / ((Σ λ_j)² + Σ ψ_j)` (covariance metric) | — | McDonald (1999); lavaan `cfa` |
//! | ordinal α | `k/(k−1) · (1 − k / Σ_ab R_ab)` on the polychoric matrix `R` | — | Zumbo, Gadermann & Zeisser (2007); psych `alpha(polychoric(x)$rho)` |
//! | corrected item–total r | `(Σ_b C_jb − C_jj) / √(C_jj Σ C_{−j,−j})` (= `cor(x_j, X − x_j)` on complete rows) | — | psych `r.drop` |
//! | α if item deleted | α of `C_{−j,−j}` | — | psych `alpha.drop` |
//!
//! Pairwise: `C` is R `cov(use = "pairwise")` ([`pairwise_cov`]): each entry over the rows where
//! both items are present, with that subset's means and `n_ab − 1`; the correlation matrix is
//! `cov2cor(C)` as psych; the polychorics take each item's thresholds from its answered values
//! and each pair's table from the rows where both are answered (psych `polychoric`, global
//! thresholds). Listwise: the same formulas on the complete rows ([`Items`]).
//!
//! Pinned in `tests/cli/reference_reliability.rs` against `tests/fixtures/reference/reliability.json`
//! (`scripts/reference/reliability.R`) and, with missing values, `alpha_missing.json`
//! (`scripts/reference/alpha_missing.R` and `.py`: psych, lavaan and pingouin on psych's bfi).

use super::bootstrap::{percentile_ci, resample_count_blocks, resample_counts};
use super::item_tables::PairTables;
use super::linalg::leading_eigen;
use super::polychoric::{polychoric_from_tables, polychoric_matrix_pairwise};
use super::{Na, StatResult};
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

/// How α and its family treat missing item values (`--missing`, `analysis.alpha_missing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Missing {
    /// Each covariance over the observations where both items are present (psych `alpha`,
    /// pingouin `cronbach_alpha`).
    #[default]
    Pairwise,
    /// Only observations with every item present.
    Listwise,
}

impl Missing {
    /// The name written to records (`"missing": "pairwise"`).
    pub fn name(self) -> &'static str {
        match self {
            Missing::Pairwise => "pairwise",
            Missing::Listwise => "listwise",
        }
    }
}

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

/// An item matrix with missing values kept, for pairwise-complete statistics. Rows with no item
/// present carry no information: they are dropped and counted in `empty`.
#[derive(Debug, Clone)]
pub struct ItemRows {
    /// Row-major `n × k`; `0.0` where missing.
    pub x: Vec<f64>,
    /// Row-major `n × k`: whether the value is present.
    pub present: Vec<bool>,
    /// Rows with at least one item present.
    pub n: usize,
    pub k: usize,
    /// Rows dropped because no item was present.
    pub empty: usize,
}

impl ItemRows {
    pub fn new(rows: &[Vec<Option<f64>>]) -> StatResult<ItemRows> {
        let k = rows.first().map_or(0, |r| r.len());
        let (mut x, mut present) = (Vec::new(), Vec::new());
        let (mut n, mut empty) = (0, 0);
        for r in rows {
            if r.len() != k {
                return Err(Na::new("rows of different lengths"));
            }
            if r.iter().all(|v| v.is_none()) {
                empty += 1;
                continue;
            }
            x.extend(r.iter().map(|v| v.unwrap_or(0.0)));
            present.extend(r.iter().map(|v| v.is_some()));
            n += 1;
        }
        Ok(ItemRows { x, present, n, k, empty })
    }
    /// Value of row `i`, item `j`.
    pub fn get(&self, i: usize, j: usize) -> Option<f64> {
        let ij = i * self.k + j;
        self.present[ij].then_some(self.x[ij])
    }
    /// Rows with every item present (the listwise n).
    pub fn n_complete(&self) -> usize {
        (0..self.n).filter(|&i| self.present[i * self.k..(i + 1) * self.k].iter().all(|&p| p)).count()
    }
    fn check(&self) -> StatResult<()> {
        if self.k < 2 {
            return Err(Na::new(format!("k = {} item(s) < 2", self.k)));
        }
        if self.n < 3 {
            return Err(Na::new(format!("n = {} observations with an item < 3", self.n)));
        }
        Ok(())
    }
}

/// Covariances from pairwise-complete observations, as R `cov(use = "pairwise")`.
#[derive(Debug, Clone)]
pub struct PairwiseCov {
    /// `k × k`: each entry over the rows where both items are present, with that subset's means
    /// and an `n_ab − 1` denominator (the diagonal: each item's variance over its answered values).
    pub c: Vec<f64>,
    /// `k × k`: the observations behind each entry (the diagonal: each item's answered count).
    pub pair_n: Vec<usize>,
    pub k: usize,
    /// Item means over each item's answered values.
    pub means: Vec<f64>,
}

impl PairwiseCov {
    /// The smallest number of observations behind a covariance.
    pub fn min_pair_n(&self) -> usize {
        self.pair_n.iter().copied().min().unwrap_or(0)
    }
}

/// The pairwise-complete covariance matrix (two passes per pair: subset means, then products).
/// NA when two items are answered together on fewer than 2 observations (R gives NA there too).
pub fn pairwise_cov(d: &ItemRows) -> StatResult<PairwiseCov> {
    d.check()?;
    let k = d.k;
    let mut c = vec![0.0; k * k];
    let mut pair_n = vec![0; k * k];
    let mut means = vec![0.0; k];
    for a in 0..k {
        for b in a..k {
            let (cab, m, ma) = pair_moments(d, a, b);
            if m < 2 {
                return Err(pair_na(a, b));
            }
            c[a * k + b] = cab;
            c[b * k + a] = cab;
            pair_n[a * k + b] = m;
            pair_n[b * k + a] = m;
            if a == b {
                means[a] = ma;
            }
        }
    }
    Ok(PairwiseCov { c, pair_n, k, means })
}

/// The NA of a pair (items numbered from 1) answered together on fewer than 2 observations.
fn pair_na(a: usize, b: usize) -> Na {
    Na::new(if a == b {
        format!("item {} is answered on fewer than 2 observations", a + 1)
    } else {
        format!("items {} and {} are answered together on fewer than 2 observations", a + 1, b + 1)
    })
}

/// Covariance, count and mean of `a` of the pair `(a, b)` over the rows where both are present
/// (the covariance is 0 when the count is below 2).
fn pair_moments(d: &ItemRows, a: usize, b: usize) -> (f64, usize, f64) {
    let (n, k) = (d.n, d.k);
    let both = |i: &usize| d.present[i * k + a] && d.present[i * k + b];
    let (mut sa, mut sb, mut m) = (0.0, 0.0, 0usize);
    for i in (0..n).filter(both) {
        sa += d.x[i * k + a];
        sb += d.x[i * k + b];
        m += 1;
    }
    if m < 2 {
        return (0.0, m, 0.0);
    }
    let (ma, mb) = (sa / m as f64, sb / m as f64);
    let s: f64 = (0..n).filter(both).map(|i| (d.x[i * k + a] - ma) * (d.x[i * k + b] - mb)).sum();
    (s / (m - 1) as f64, m, ma)
}

/// Every pairwise covariance of a table once, for α of many item subsets (the short-form
/// search): a covariance depends only on the rows where both of its items are present, so the
/// subset's matrix is a submatrix of the whole one, and [`PairwiseAll::alpha`] equals
/// [`cronbach_alpha_rows`] on the subset's columns with [`Missing::Pairwise`], NA reasons included
/// (test `pairwise_all_equals_rows`).
pub struct PairwiseAll {
    d: ItemRows,
    /// `k × k` covariances and counts (count < 2: no covariance).
    c: Vec<f64>,
    pair_n: Vec<usize>,
}

impl PairwiseAll {
    pub fn new(rows: &[Vec<Option<f64>>]) -> StatResult<PairwiseAll> {
        let d = ItemRows::new(rows)?;
        let k = d.k;
        let (mut c, mut pair_n) = (vec![0.0; k * k], vec![0; k * k]);
        for a in 0..k {
            for b in a..k {
                let (cab, m, _) = pair_moments(&d, a, b);
                (c[a * k + b], c[b * k + a], pair_n[a * k + b], pair_n[b * k + a]) = (cab, cab, m, m);
            }
        }
        Ok(PairwiseAll { d, c, pair_n })
    }

    /// Pairwise α of the items `set` (column indices, in the subset's order).
    pub fn alpha(&self, set: &[usize]) -> StatResult<f64> {
        let (d, k) = (&self.d, self.d.k);
        let n = (0..d.n).filter(|&i| set.iter().any(|&j| d.present[i * k + j])).count();
        ItemRows { x: Vec::new(), present: Vec::new(), n, k: set.len(), empty: 0 }.check()?;
        let ks = set.len();
        let mut c = vec![0.0; ks * ks];
        for a in 0..ks {
            for b in a..ks {
                let e = set[a] * k + set[b];
                if self.pair_n[e] < 2 {
                    return Err(pair_na(a, b));
                }
                (c[a * ks + b], c[b * ks + a]) = (self.c[e], self.c[e]);
            }
        }
        alpha_from_cov(&c, ks)
    }
}

/// The sizes every statistic of the family needs: `k ≥ 2` items and `n ≥ 3` `rows` (the words
/// of the NA reason: "complete rows", "observations with an item").
pub fn check_sizes(k: usize, n: usize, rows: &str) -> StatResult<()> {
    if k < 2 {
        return Err(Na::new(format!("k = {k} item(s) < 2")));
    }
    if n < 3 {
        return Err(Na::new(format!("n = {n} {rows} < 3")));
    }
    Ok(())
}

/// Count, means and centred cross-product sum of a pair's cells `(count, x_a, x_b)`.
fn cell_moments(cells: &[(f64, f64, f64)]) -> (usize, f64, f64) {
    let m: f64 = cells.iter().map(|c| c.0).sum();
    let ma = cells.iter().map(|c| c.0 * c.1).sum::<f64>() / m;
    let mb = cells.iter().map(|c| c.0 * c.2).sum::<f64>() / m;
    let s = cells.iter().map(|c| c.0 * (c.1 - ma) * (c.2 - mb)).sum();
    (m as usize, ma, s)
}

/// [`pairwise_cov`] from the pair tables of coded items (`values[j][code]`): each entry over the
/// rows where both items are present, as R `cov(use = "pairwise")`, with sums taken over table
/// cells (count × value) instead of rows. Over the rows of a listwise mask it is [`Items::cov`].
/// Equal to the row-wise version up to rounding (pinned in `tests::tables_match_rows`).
pub fn pairwise_cov_from_tables(t: &PairTables, values: &[Vec<f64>]) -> StatResult<PairwiseCov> {
    let k = t.k;
    let mut c = vec![0.0; k * k];
    let mut pair_n = vec![0; k * k];
    let mut means = vec![0.0; k];
    let mut cells = Vec::new();
    for a in 0..k {
        for b in a..k {
            cells.clear();
            if a == b {
                cells.extend(t.marginal(a).iter().zip(&values[a]).map(|(&n, &v)| (n as f64, v, v)));
            } else {
                for (x, row) in t.table(a, b).iter().enumerate() {
                    cells.extend(row.iter().enumerate().map(|(y, &n)| (n as f64, values[a][x], values[b][y])));
                }
            }
            cells.retain(|c| c.0 > 0.0);
            let (m, ma, s) = cell_moments(&cells);
            if m < 2 {
                return Err(Na::new(if a == b {
                    format!("item {} is answered on fewer than 2 observations", a + 1)
                } else {
                    format!("items {} and {} are answered together on fewer than 2 observations", a + 1, b + 1)
                }));
            }
            c[a * k + b] = s / (m - 1) as f64;
            c[b * k + a] = c[a * k + b];
            pair_n[a * k + b] = m;
            pair_n[b * k + a] = m;
            if a == b {
                means[a] = ma;
            }
        }
    }
    Ok(PairwiseCov { c, pair_n, k, means })
}

/// [`kr20`] from the pair tables of `n` complete rows (a listwise mask).
pub fn kr20_from_tables(t: &PairTables, values: &[Vec<f64>], n: usize) -> StatResult<f64> {
    check_sizes(t.k, n, "complete rows")?;
    let used = |j: usize| t.marginal(j).iter().zip(&values[j]).filter(|(&c, _)| c > 0).map(|(_, &v)| v);
    if (0..t.k).any(|j| used(j).any(|v| v != 0.0 && v != 1.0)) {
        return Err(Na::new("KR-20 needs every item scored 0/1"));
    }
    let nf = n as f64;
    let pc = pairwise_cov_from_tables(t, values)?;
    let pq: f64 = pc.means.iter().map(|p| p * (1.0 - p)).sum();
    // Population variance of the total: Σ_ab cov_ab (n − 1)/n.
    let var = pc.c.iter().sum::<f64>() * (nf - 1.0) / nf;
    if !(var > 0.0) {
        return Err(Na::new("the total score has zero variance"));
    }
    Ok(t.k as f64 / (t.k as f64 - 1.0) * (1.0 - pq / var))
}

/// [`ordinal_alpha_pairwise`] (or, over a listwise mask, [`ordinal_alpha`]) from the pair tables
/// of coded items: categories are the codes observed in the tables.
pub fn ordinal_alpha_from_tables(t: &PairTables) -> StatResult<f64> {
    if (0..t.k).any(|j| t.marginal(j).iter().filter(|&&c| c > 0).count() > 10) {
        return Err(Na::new("an item has more than 10 distinct values: not ordinal"));
    }
    let marg: Vec<Vec<f64>> = (0..t.k).map(|j| t.marginal(j).iter().map(|&c| c as f64).collect()).collect();
    let tab = |a: usize, b: usize| -> Vec<Vec<f64>> {
        t.table(a, b).iter().map(|row| row.iter().map(|&c| c as f64).collect()).collect()
    };
    let r = polychoric_from_tables(&marg, tab)?;
    alpha_from_cor(&r, t.k)
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

/// Cronbach's α of rows with missing values under the given rule.
pub fn cronbach_alpha_rows(rows: &[Vec<Option<f64>>], missing: Missing) -> StatResult<f64> {
    match missing {
        Missing::Listwise => cronbach_alpha(&Items::listwise(rows)?),
        Missing::Pairwise => {
            let pc = pairwise_cov(&ItemRows::new(rows)?)?;
            alpha_from_cov(&pc.c, pc.k)
        }
    }
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
    standardized_alpha_from_cov(&it.cov(), it.k)
}

/// Standardized α of a covariance matrix: α of `cov2cor(C)` (psych `std.alpha`).
pub fn standardized_alpha_from_cov(c: &[f64], k: usize) -> StatResult<f64> {
    let r = cor_from_cov(c, k)?;
    alpha_from_cor(&r, k)
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
    omega_from_cov(&it.cov(), it.k)
}

/// McDonald's ω total of a covariance matrix: one-factor ML on `cov2cor(C)`, back in the
/// covariance metric (the fit is scale-invariant, so this is the ML fit of `C` itself).
pub fn omega_from_cov(c: &[f64], k: usize) -> StatResult<f64> {
    let r = cor_from_cov(c, k)?;
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
    ordinal_alpha_of(it.n, it.k, |i, j| Some(it.x[i * it.k + j]))
}

/// Ordinal α from pairwise polychorics (thresholds from each item's answered values, each
/// pair's table from the rows where both are answered).
pub fn ordinal_alpha_pairwise(d: &ItemRows) -> StatResult<f64> {
    d.check()?;
    ordinal_alpha_of(d.n, d.k, |i, j| d.get(i, j))
}

fn ordinal_alpha_of(n: usize, k: usize, get: impl Fn(usize, usize) -> Option<f64>) -> StatResult<f64> {
    let cats: Vec<Vec<f64>> = (0..k)
        .map(|j| {
            let mut v: Vec<f64> = (0..n).filter_map(|i| get(i, j)).collect();
            v.sort_by(|a, b| a.total_cmp(b));
            v.dedup();
            v
        })
        .collect();
    if cats.iter().any(|c| c.len() > 10) {
        return Err(Na::new("an item has more than 10 distinct values: not ordinal"));
    }
    let data: Vec<Vec<Option<usize>>> = (0..n)
        .map(|i| (0..k).map(|j| get(i, j).map(|v| cats[j].iter().position(|&c| c == v).expect("cat"))).collect())
        .collect();
    let n_cats: Vec<usize> = cats.iter().map(|c| c.len()).collect();
    let r = polychoric_matrix_pairwise(&data, &n_cats)?;
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
    let n = it.n as f64;
    let means: Vec<f64> = (0..it.k).map(|j| it.col(j).sum::<f64>() / n).collect();
    Ok(item_stats_from_cov(&it.cov(), it.k, &means))
}

/// Per-item statistics from a covariance matrix and the item means (psych `item.stats` and
/// `alpha.drop`): SD `√C_jj`, `r.drop`, α of `C_{−j,−j}`.
pub fn item_stats_from_cov(c: &[f64], k: usize, means: &[f64]) -> Vec<ItemStat> {
    let total_var: f64 = c.iter().sum();
    (0..k)
        .map(|j| {
            let mean = means[j];
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
        .collect()
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

/// Percentile bootstrap CI for raw α under pairwise deletion: each replicate resamples rows and
/// recomputes the pairwise covariance matrix (as psych `alpha(n.iter = )`), from per-pair sums
/// (`n_ab`, `Σ x_a`, `Σ x_b`, `Σ x_a x_b` over the rows where both are present), `O(n k²)` each.
///
/// When every value is an integer (item codes), the sums of a block of replicates are one matrix
/// product ([`PairGemm`]), exact in floating point, so the replicates equal the row-by-row
/// loop's to the bit (test `pair_gemm_equals_loop`); otherwise the loop runs.
pub fn alpha_bootstrap_pairwise(d: &ItemRows, b: usize, seed: u64, level: f64) -> StatResult<(f64, f64, usize)> {
    d.check()?;
    let reps = match PairGemm::new(d) {
        Some(g) => g.replicates(b, seed),
        None => pairwise_loop_replicates(d, b, seed),
    };
    percentile_ci(&reps, level).ok_or_else(|| Na::new("too few bootstrap replicates with a defined α"))
}

/// Offsets of the packed upper triangle of a `k × k` matrix: entry `(a, b ≥ a)` is at
/// `off[a] + b − a`.
fn triangle_offsets(k: usize) -> Vec<usize> {
    (0..k)
        .scan(0, |acc, a| {
            let o = *acc;
            *acc += k - a;
            Some(o)
        })
        .collect()
}

/// α of one replicate from its pair sums: `sums(e) = (n_ab, Σ x_a, Σ x_b, Σ x_a x_b)` of the
/// packed pair `e`; `None` when a pair has fewer than 2 rows or the total variance is not
/// positive.
fn alpha_from_pair_sums(k: usize, sums: impl Fn(usize) -> [f64; 4]) -> Option<f64> {
    let (mut diag, mut total, mut e) = (0.0, 0.0, 0);
    for a in 0..k {
        for bb in a..k {
            let [m, sa, sb, sab] = sums(e);
            e += 1;
            if m < 2.0 {
                return None;
            }
            let c = (sab - sa * sb / m) / (m - 1.0);
            if a == bb {
                diag += c;
                total += c;
            } else {
                total += 2.0 * c;
            }
        }
    }
    if !(total > 0.0) {
        return None;
    }
    Some(k as f64 / (k as f64 - 1.0) * (1.0 - diag / total))
}

/// The replicates of [`alpha_bootstrap_pairwise`] row by row (any values).
fn pairwise_loop_replicates(d: &ItemRows, b: usize, seed: u64) -> Vec<Option<f64>> {
    let (n, k) = (d.n, d.k);
    let tri = k * (k + 1) / 2;
    // Row i's present items, as (index, value).
    let rows: Vec<Vec<(usize, f64)>> =
        (0..n).map(|i| (0..k).filter_map(|j| d.get(i, j).map(|v| (j, v))).collect()).collect();
    let off = triangle_offsets(k);
    resample_counts(
        n,
        b,
        seed,
        || [vec![0.0f64; tri], vec![0.0f64; tri], vec![0.0f64; tri], vec![0.0f64; tri]],
        |counts, [m, sa, sb, sab]| {
            for v in [&mut *m, &mut *sa, &mut *sb, &mut *sab] {
                v.fill(0.0);
            }
            for (i, row) in rows.iter().enumerate() {
                if counts[i] == 0 {
                    continue;
                }
                let w = counts[i] as f64;
                for (p, &(a, xa)) in row.iter().enumerate() {
                    let wa = w * xa;
                    for &(bb, xb) in &row[p..] {
                        let e = off[a] + bb - a;
                        m[e] += w;
                        sa[e] += wa;
                        sb[e] += w * xb;
                        sab[e] += wa * xb;
                    }
                }
            }
            alpha_from_pair_sums(k, |e| [m[e], sa[e], sb[e], sab[e]])
        },
    )
}

/// The pair sums of a block of bootstrap replicates from one dense matrix product and sparse
/// corrections. Every row contributes the features `1`, each `x̃_a` and each packed `x̃_a x̃_b`
/// (`x̃` the value, 0 when missing): `S = Fᵀ W`, `F` the rows' features and `W` the replicates'
/// counts (rows × replicates), so column `r` of `S` holds replicate `r`'s `Σw`, `Σ w x̃_a` and
/// `Σ w x̃_a x̃_b`. For complete data these are the pair sums `(n_ab, Σ x_a, Σ x_b, Σ x_a x_b)`.
/// A row with missing items adds correction terms for its missing items only: with `q_b = 1`
/// when item `b` is missing, `Q_b = Σ w q_b`, `QQ_ab = Σ w q_a q_b` and `XQ_ab = Σ w x̃_a q_b`,
/// the sums over the rows where both items are present are `n_ab = Σw − (Q_a + Q_b − QQ_ab)`,
/// `Σ x_a = Σ w x̃_a − XQ_ab`, `Σ x_b = Σ w x̃_b − XQ_ba` and `Σ x_a x_b = Σ w x̃_a x̃_b` (a
/// missing value adds 0). A row missing `m` of `k` items has about `m k` correction entries
/// where the pairs' four features would be `2k²`.
///
/// Exactness: with integer values every product, partial sum and difference is an integer
/// bounded by `n · max(1, max|x|)²` (the counts sum to `n`), so single precision is exact below
/// 2²⁴ and double below 2⁵³, whatever order the product (matrixmultiply's blocked kernel, FMA or
/// not) adds in; the pair sums, and so every replicate's α, equal the row-by-row loop's to the
/// bit (test `pair_gemm_equals_loop`). Used only then, and when a block's counts fit in memory
/// (`n ≤` [`PairGemm::MAX_ROWS`]).
pub struct PairGemm<'a> {
    d: &'a ItemRows,
    single: bool,
    /// Each row with a missing item and its missing items (its correction entries are formed
    /// from them block by block, [`Corrections::entries`], rather than stored).
    partial: Vec<(usize, Vec<u32>)>,
    /// The numbering of the correction features that occur.
    corr: Corrections,
    /// Per packed pair `(a, b)`: the features `[Q_a, Q_b, QQ_ab, XQ_ab, XQ_ba]` (`corr.n`, a
    /// slot that stays 0, for those no row has; on the diagonal `QQ_aa = Q_a`, `XQ_aa = 0`).
    pair_corr: Vec<[u32; 5]>,
}

/// The numbering of correction features: of `Q_b` (`b`), `QQ_ab` (`k +` packed pair) and
/// `XQ_ab` (`k + k(k+1)/2 + a k + b`), densely in order of first use.
struct Corrections {
    k: usize,
    off: Vec<usize>,
    id: Vec<u32>,
    n: u32,
}

impl Corrections {
    fn new(k: usize) -> Self {
        Corrections { k, off: triangle_offsets(k), id: vec![u32::MAX; k + k * (k + 1) / 2 + k * k], n: 0 }
    }
    fn q(b: usize) -> usize {
        b
    }
    fn qq(&self, a: usize, b: usize) -> usize {
        self.k + self.off[a] + b - a
    }
    fn xq(&self, a: usize, b: usize) -> usize {
        self.k + self.k * (self.k + 1) / 2 + a * self.k + b
    }
    /// The dense number of a feature, numbering it if new.
    fn use_feature(&mut self, full: usize) -> u32 {
        if self.id[full] == u32::MAX {
            self.id[full] = self.n;
            self.n += 1;
        }
        self.id[full]
    }
    /// The dense number of a feature, or the zero slot `n` when no row has it.
    fn slot(&self, full: usize) -> u32 {
        if self.id[full] == u32::MAX {
            self.n
        } else {
            self.id[full]
        }
    }
    /// Calls `f(feature, value)` for each correction entry of a row with values `x`, presence
    /// `p` and missing items `miss` (features by their full number).
    fn entries(&self, x: &[f64], p: &[bool], miss: &[u32], mut f: impl FnMut(usize, f64)) {
        for (t, &b) in miss.iter().enumerate() {
            let b = b as usize;
            f(Self::q(b), 1.0);
            for &c in &miss[t + 1..] {
                f(self.qq(b, c as usize), 1.0);
            }
            for a in (0..self.k).filter(|&a| p[a] && x[a] != 0.0) {
                f(self.xq(a, b), x[a]);
            }
        }
    }
    /// Per packed pair, the slots read by [`PairGemm::block`].
    fn pairs(&self) -> Vec<[u32; 5]> {
        let (k, zero) = (self.k, self.n);
        (0..k)
            .flat_map(|a| (a..k).map(move |b| (a, b)))
            .map(|(a, b)| {
                let qa = self.slot(Self::q(a));
                if a == b {
                    [qa, qa, qa, zero, zero]
                } else {
                    [
                        qa,
                        self.slot(Self::q(b)),
                        self.slot(self.qq(a, b)),
                        self.slot(self.xq(a, b)),
                        self.slot(self.xq(b, a)),
                    ]
                }
            })
            .collect()
    }
}

impl<'a> PairGemm<'a> {
    /// Rows above which the loop is used (a block's counts are `256 n` integers).
    pub const MAX_ROWS: usize = 50_000;
    /// Rows of `F` built and multiplied at a time.
    const CHUNK: usize = 1024;

    /// `None` unless every present value is an integer and the bound holds in double precision.
    pub fn new(d: &'a ItemRows) -> Option<PairGemm<'a>> {
        if d.n > Self::MAX_ROWS || d.x.iter().any(|v| v.fract() != 0.0) {
            return None;
        }
        let m = d.x.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        let bound = d.n as f64 * m * m;
        if !(bound < 2f64.powi(53)) {
            return None;
        }
        let k = d.k;
        let mut corr = Corrections::new(k);
        let partial: Vec<(usize, Vec<u32>)> = (0..d.n)
            .map(|i| (i, (0..k as u32).filter(|&b| !d.present[i * k + b as usize]).collect::<Vec<u32>>()))
            .filter(|(_, miss)| !miss.is_empty())
            .collect();
        let mut used = Vec::new();
        for (i, miss) in &partial {
            corr.entries(&d.x[i * k..(i + 1) * k], &d.present[i * k..(i + 1) * k], miss, |f, _| used.push(f));
            for f in used.drain(..) {
                corr.use_feature(f);
            }
        }
        let pair_corr = corr.pairs();
        Some(PairGemm { d, single: bound < 2f64.powi(24), partial, corr, pair_corr })
    }

    /// One α per replicate, with [`resample_count_blocks`]'s draws (those of `resample_counts`).
    pub fn replicates(&self, b: usize, seed: u64) -> Vec<Option<f64>> {
        resample_count_blocks(self.d.n, b, seed, |counts, reps| {
            if self.single {
                self.block::<f32>(counts, reps, |v| v as f32, |v| v as f64)
            } else {
                self.block::<f64>(counts, reps, |v| v, |v| v)
            }
        })
    }

    fn block<T: nalgebra::RealField + Copy>(
        &self,
        counts: &[u32],
        reps: usize,
        to: impl Fn(f64) -> T,
        back: impl Fn(T) -> f64,
    ) -> Vec<Option<f64>> {
        let k = self.d.k;
        let s = self.product(1 + k + k * (k + 1) / 2, counts, reps, &to);
        let (corr, width) = (self.corrections(counts, reps, &to), self.corr.n as usize + 1);
        let pairs: Vec<(usize, usize)> = (0..k).flat_map(|a| (a..k).map(move |b| (a, b))).collect();
        (0..reps)
            .map(|r| {
                let col = s.column(r);
                let c = &corr[r * width..(r + 1) * width];
                let v = |i: usize| back(col[i]);
                let q = |i: u32| back(c[i as usize]);
                alpha_from_pair_sums(k, |e| {
                    let (a, bb) = pairs[e];
                    let [qa, qb, qq, xab, xba] = self.pair_corr[e];
                    [v(0) - (q(qa) + q(qb) - q(qq)), v(1 + a) - q(xab), v(1 + bb) - q(xba), v(1 + k + e)]
                })
            })
            .collect()
    }

    /// `Σ_i F_i w_iᵀ` over every row (features × replicates), `CHUNK` rows at a time.
    fn product<T: nalgebra::RealField + Copy>(
        &self,
        nf: usize,
        counts: &[u32],
        reps: usize,
        to: &impl Fn(f64) -> T,
    ) -> DMatrix<T> {
        let n = self.d.n;
        let mut s = DMatrix::<T>::zeros(nf, reps);
        for start in (0..n).step_by(Self::CHUNK) {
            let len = Self::CHUNK.min(n - start);
            let mut f = DMatrix::<T>::zeros(nf, len);
            for c in 0..len {
                self.features(start + c, f.column_mut(c).as_mut_slice(), to);
            }
            let w = DMatrix::<T>::from_fn(len, reps, |c, r| to(counts[r * n + start + c] as f64));
            s.gemm(T::one(), &f, &w, T::one());
        }
        s
    }

    /// The correction sums of the block, replicate by replicate (`corr.n + 1` each, the last 0):
    /// each partial row's entries times its counts, added feature by feature over the block.
    fn corrections<T: nalgebra::RealField + Copy>(
        &self,
        counts: &[u32],
        reps: usize,
        to: &impl Fn(f64) -> T,
    ) -> Vec<T> {
        let (n, k, nc) = (self.d.n, self.d.k, self.corr.n as usize);
        let mut by_feature = vec![T::zero(); nc * reps];
        let mut w = vec![T::zero(); reps];
        for (i, miss) in &self.partial {
            for (r, wr) in w.iter_mut().enumerate() {
                *wr = to(counts[r * n + i] as f64);
            }
            let (x, p) = (&self.d.x[i * k..(i + 1) * k], &self.d.present[i * k..(i + 1) * k]);
            self.corr.entries(x, p, miss, |f, val| {
                let (f, val) = (self.corr.id[f] as usize, to(val));
                for (d, &wr) in by_feature[f * reps..(f + 1) * reps].iter_mut().zip(&w) {
                    *d += val * wr;
                }
            });
        }
        let mut out = vec![T::zero(); (nc + 1) * reps];
        for (f, row) in by_feature.chunks_exact(reps.max(1)).enumerate() {
            for (r, &v) in row.iter().enumerate() {
                out[r * (nc + 1) + f] = v;
            }
        }
        out
    }

    /// Row `i`'s features: `1`, every `x̃_a`, every packed `x̃_a x̃_b` (`x̃ = 0` when missing).
    fn features<T: Copy>(&self, i: usize, col: &mut [T], to: &impl Fn(f64) -> T) {
        let k = self.d.k;
        let x = &self.d.x[i * k..(i + 1) * k];
        col[0] = to(1.0);
        for a in 0..k {
            col[1 + a] = to(x[a]);
        }
        let mut e = 1 + k;
        for a in 0..k {
            for bb in a..k {
                col[e] = to(x[a] * x[bb]);
                e += 1;
            }
        }
    }
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
    fn pairwise_cov_matches_r() {
        // R: cov(x, use = "pairwise") and psych::alpha(x)$total$raw_alpha; a row with no item is
        // dropped and counted.
        let v = |a: Option<f64>, b: Option<f64>, c: Option<f64>| vec![a, b, c];
        let rows = vec![
            v(Some(1.), Some(2.), Some(1.)),
            v(Some(2.), None, Some(3.)),
            v(Some(3.), Some(3.), None),
            v(None, None, None),
            v(Some(4.), Some(5.), Some(4.)),
            v(None, Some(1.), Some(2.)),
            v(Some(2.), Some(2.), Some(2.)),
        ];
        let d = ItemRows::new(&rows).unwrap();
        assert_eq!((d.n, d.empty, d.n_complete()), (6, 1, 3));
        let pc = pairwise_cov(&d).unwrap();
        let want =
            [1.3, 1.6666666666666667, 1.5, 1.6666666666666667, 2.3, 1.8333333333333333, 1.5, 1.8333333333333333, 1.3];
        for (g, w) in pc.c.iter().zip(want) {
            assert_abs_diff_eq!(*g, w, epsilon = 1e-14);
        }
        assert_eq!(pc.pair_n, vec![5, 4, 4, 4, 5, 4, 4, 4, 5]);
        assert_eq!(pc.min_pair_n(), 4);
        // Pairwise matrices need not be positive semi-definite: α can exceed 1 (as in psych).
        assert_abs_diff_eq!(alpha_from_cov(&pc.c, 3).unwrap(), 1.006711409395973, epsilon = 1e-12);
        assert_abs_diff_eq!(cronbach_alpha_rows(&rows, Missing::Pairwise).unwrap(), 1.006711409395973, epsilon = 1e-12);
        // Two items never answered together → NA, never NaN.
        let rows = vec![vec![Some(1.), None], vec![Some(2.), None], vec![None, Some(1.)], vec![None, Some(3.)]];
        assert!(pairwise_cov(&ItemRows::new(&rows).unwrap()).unwrap_err().0.contains("together"));
    }
    #[test]
    fn pair_gemm_equals_loop() {
        // 1,100 rows (two chunks of F), items 0–3 with ~15% missing, one value 7: the matrix
        // product's replicates equal the loop's to the bit, in single and double precision.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut rows: Vec<Vec<Option<f64>>> =
            (0..1100).map(|_| (0..6).map(|_| (next() % 100 >= 15).then(|| (next() % 4) as f64)).collect()).collect();
        rows[3][2] = Some(7.0);
        let d = ItemRows::new(&rows).unwrap();
        let want = pairwise_loop_replicates(&d, 300, 11);
        assert!(want.iter().filter(|r| r.is_some()).count() == 300);
        let g = PairGemm::new(&d).unwrap();
        assert!(g.single);
        assert_eq!(g.replicates(300, 11), want);
        let g64 = PairGemm { single: false, ..PairGemm::new(&d).unwrap() };
        assert!(!g64.partial.is_empty() && g64.partial.len() < d.n);
        assert_eq!(g64.replicates(300, 11), want);
        // Negative codes and heavy missingness (up to 5 of 6 items missing in a row; pairs
        // missing together): the corrections' differences stay exact.
        let heavy: Vec<Vec<Option<f64>>> = (0..400)
            .map(|_| (0..6).map(|_| (next() % 100 >= 45).then(|| (next() % 5) as f64 - 2.0)).collect())
            .collect();
        let d = ItemRows::new(&heavy).unwrap();
        let want = pairwise_loop_replicates(&d, 300, 12);
        assert!(want.iter().filter(|r| r.is_some()).count() > 250);
        assert_eq!(PairGemm::new(&d).unwrap().replicates(300, 12), want);
        // Non-integer values take the loop.
        rows[0][0] = Some(0.5);
        assert!(PairGemm::new(&ItemRows::new(&rows).unwrap()).is_none());
    }
    #[test]
    fn pairwise_all_equals_rows() {
        // Subsets of a table with missing values, in any column order, give the same α (or the
        // same NA reason) as the subset's own rows.
        let v = |r: [i8; 5]| r.iter().map(|&x| (x >= 0).then_some(x as f64)).collect::<Vec<_>>();
        let rows: Vec<Vec<Option<f64>>> = vec![
            v([1, 2, 1, -1, 0]),
            v([2, -1, 3, -1, 1]),
            v([3, 3, -1, -1, 0]),
            v([-1, -1, -1, 2, -1]),
            v([4, 5, 4, -1, 2]),
            v([-1, 1, 2, -1, 1]),
            v([2, 2, 2, 3, 2]),
        ];
        let all = PairwiseAll::new(&rows).unwrap();
        for set in [vec![0, 1, 2], vec![2, 0, 4], vec![1, 4], vec![0, 3], vec![3, 4, 1], vec![2]] {
            let sub: Vec<Vec<Option<f64>>> = rows.iter().map(|r| set.iter().map(|&j| r[j]).collect()).collect();
            let want = cronbach_alpha_rows(&sub, Missing::Pairwise);
            match (all.alpha(&set), want) {
                (Ok(a), Ok(b)) => assert_eq!(a.to_bits(), b.to_bits(), "{set:?}"),
                (Err(a), Err(b)) => assert_eq!(a.0, b.0, "{set:?}"),
                (a, b) => panic!("{set:?}: {a:?} vs {b:?}"),
            }
        }
        assert!(all.alpha(&[0, 3]).unwrap_err().0.contains("together"));
        assert!(all.alpha(&[2]).unwrap_err().0.contains("< 2"));
    }
    #[test]
    fn missing_rule_names() {
        assert_eq!(Missing::default(), Missing::Pairwise);
        assert_eq!((Missing::Pairwise.name(), Missing::Listwise.name()), ("pairwise", "listwise"));
        assert_eq!(serde_json::to_string(&Missing::Listwise).unwrap(), "\"listwise\"");
    }
    #[test]
    fn listwise_counts_dropped() {
        let rows = vec![vec![Some(1.0), None], vec![Some(1.0), Some(2.0)]];
        let it = Items::listwise(&rows).unwrap();
        assert_eq!((it.n, it.dropped), (1, 1));
        assert!(cronbach_alpha(&it).is_err());
    }
}
