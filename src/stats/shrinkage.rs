//! Empirical-Bayes shrinkage of group means and reliable change, for monitoring rounds.
//!
//! # Model ([`reml_oneway`])
//! Units `y_gk` (classrooms `k`) nested in groups `g` (center × round), groups nested in blocks
//! `b(g)` (rounds): `y_gk = μ_b(g) + u_g + e_gk`, `u_g ~ N(0, τ²)`, `e_gk ~ N(0, σ²)`, with one
//! fixed mean per block. This is lme4's `lmer(y ~ 0 + block + (1 | group), REML = TRUE)`.
//! Because each group lies in one block, the REML criterion has a closed form in the group
//! summaries (`n_g`, mean `ȳ_g`, within sum of squares `W_g`). With `γ = τ²/σ²`,
//! `w_g = n_g / (1 + n_g γ)`, `μ̂_b = Σ_{g∈b} w_g ȳ_g / Σ_{g∈b} w_g`,
//! `Q(γ) = Σ_g W_g + Σ_g w_g (ȳ_g − μ̂_b)²`, the profiled criterion is
//! `−2ℓ_R(γ) = (N − p) log Q(γ) + Σ_g log(1 + n_g γ) + Σ_b log Σ_{g∈b} w_g` (+ const),
//! `σ̂² = Q(γ̂)/(N − p)`, `τ̂² = γ̂ σ̂²` (N units, p blocks). `γ̂` is found by a grid over
//! `log γ` followed by golden-section search; the boundary `γ = 0` is tried as well.
//!
//! # Shrinkage ([`OneWayFit::eb`])
//! Conditional mode (BLUP) `û_g = λ_g (ȳ_g − μ̂_b)` with `λ_g = n_g γ̂ / (1 + n_g γ̂)`, and
//! conditional variance `τ̂² (1 − λ_g) = σ̂² λ_g / n_g` (lme4's `ranef(condVar = TRUE)`, which
//! treats `μ̂_b`, `σ̂²`, `τ̂²` as known). The shrunk group score is `μ̂_b + û_g`.
//!
//! Pinned against lme4 1.1 (`scripts/reference/monitor.R` →
//! `tests/fixtures/monitor/lmer_oneway.json`) in `tests::matches_lmer`.
//!
//! # Reliable change ([`reliable_change`])
//! Jacobson & Truax (1991): the change of a group mean between two rounds,
//! `Δ = ȳ_2 − ȳ_1`, has measurement (sampling) error `SE = sqrt(σ̂²/n_1 + σ̂²/n_2)`;
//! the change is reliable when `|Δ| > z_{(1+c)/2} · SE` *and* `|Δ| ≥ min_change`.

use super::{Na, StatResult};

/// The REML fit of the one-way model with block means.
#[derive(Debug, Clone)]
pub struct OneWayFit {
    /// Within-group (unit) variance σ².
    pub sigma2: f64,
    /// Between-group variance τ².
    pub tau2: f64,
    /// Fixed block means μ_b (NaN-free: a block without groups has mean NA = `None`).
    pub block_means: Vec<Option<f64>>,
    /// The profiled −2 × REML log-likelihood at the optimum, up to a constant.
    pub criterion: f64,
}

/// Group summaries: block index, unit count, mean, within sum of squares.
pub struct Groups<'a> {
    pub block: &'a [usize],
    pub n: &'a [f64],
    pub mean: &'a [f64],
    pub ssw: &'a [f64],
}

/// What every evaluation of the criterion shares: the total within sum of squares and, when
/// groups have a handful of sizes (at most 1,024 distinct unit counts), the groups pooled by
/// (block, size): they share `w_g` and `log(1 + n_g γ)`, so with each pool's count `c`, mean `m̄`
/// and sum of squared deviations `S` of its group means,
/// `Σ_{g∈pool} w_g (ȳ_g − μ̂_b)² = w (S + c (m̄ − μ̂_b)²)`: an evaluation costs a pass over the
/// pools, not over the groups (a national network has 500,000+ center × round groups and the
/// search evaluates the criterion ~100 times). The pooled sums are exact algebra; only the
/// order of the floating-point sums differs from the per-group formulas.
struct Prepared {
    ssw: f64,
    /// (block, unit count, groups, mean of their means, Σ (mean − pool mean)²).
    pools: Option<Vec<(usize, f64, f64, f64, f64)>>,
}

impl Prepared {
    fn new(g: &Groups) -> Prepared {
        let mut ssw = 0.0;
        for &x in g.ssw {
            ssw += x;
        }
        let mut index: std::collections::HashMap<(usize, u64), usize> = std::collections::HashMap::new();
        let mut pools: Vec<(usize, f64, f64, f64, f64)> = Vec::new();
        let mut of = Vec::with_capacity(g.n.len());
        for (i, &n) in g.n.iter().enumerate() {
            let k = *index.entry((g.block[i], n.to_bits())).or_insert_with(|| {
                pools.push((g.block[i], n, 0.0, 0.0, 0.0));
                pools.len() - 1
            });
            of.push(k);
            if pools.len() > 1024 {
                return Prepared { ssw, pools: None };
            }
            pools[k].2 += 1.0;
            pools[k].3 += g.mean[i];
        }
        for p in pools.iter_mut() {
            p.3 /= p.2;
        }
        for (i, &k) in of.iter().enumerate() {
            let d = g.mean[i] - pools[k].3;
            pools[k].4 += d * d;
        }
        Prepared { ssw, pools: Some(pools) }
    }
}

/// Block means, their weights `Σ w_g`, `Q(γ)` and `Σ log(1 + n_g γ)` for a given γ.
fn profile(g: &Groups, pre: &Prepared, n_blocks: usize, gamma: f64) -> (Vec<f64>, Vec<f64>, f64, f64) {
    let mut sw = vec![0.0; n_blocks];
    let mut swy = vec![0.0; n_blocks];
    let mut logdet = 0.0;
    let mut q = pre.ssw;
    if let Some(pools) = &pre.pools {
        for &(b, n, c, m, _) in pools {
            let w = n / (1.0 + n * gamma);
            sw[b] += c * w;
            swy[b] += c * w * m;
            logdet += c * (1.0 + n * gamma).ln();
        }
        let mu = block_means(&sw, &swy);
        for &(b, n, c, m, ss) in pools {
            let d = m - mu[b];
            q += n / (1.0 + n * gamma) * (ss + c * d * d);
        }
        return (mu, sw, q, logdet);
    }
    for i in 0..g.n.len() {
        let w = g.n[i] / (1.0 + g.n[i] * gamma);
        sw[g.block[i]] += w;
        swy[g.block[i]] += w * g.mean[i];
        logdet += (1.0 + g.n[i] * gamma).ln();
    }
    let mu = block_means(&sw, &swy);
    for i in 0..g.n.len() {
        let d = g.mean[i] - mu[g.block[i]];
        q += g.n[i] / (1.0 + g.n[i] * gamma) * d * d;
    }
    (mu, sw, q, logdet)
}

fn block_means(sw: &[f64], swy: &[f64]) -> Vec<f64> {
    sw.iter().zip(swy).map(|(&a, &b)| if a > 0.0 { b / a } else { 0.0 }).collect()
}

/// The profiled REML criterion at γ.
fn criterion(g: &Groups, pre: &Prepared, n_blocks: usize, df: f64, gamma: f64) -> f64 {
    let (_, sw, q, logdet) = profile(g, pre, n_blocks, gamma);
    let lw: f64 = sw.iter().filter(|&&w| w > 0.0).map(|w| w.ln()).sum();
    df * q.ln() + logdet + lw
}

/// REML fit of `y = μ_block + u_group + e` from group summaries (see the module docs).
/// NA when there are fewer than two groups, no within-group degrees of freedom, or no
/// within-group variation.
pub fn reml_oneway(g: &Groups, n_blocks: usize) -> StatResult<OneWayFit> {
    let m = g.n.len();
    if m < 2 || g.block.len() != m || g.mean.len() != m || g.ssw.len() != m {
        return Err(Na::new("fewer than two groups"));
    }
    if g.block.iter().any(|&b| b >= n_blocks) || g.n.iter().any(|&n| n < 1.0) {
        return Err(Na::new("invalid group summaries"));
    }
    let n_units: f64 = g.n.iter().sum();
    let used_blocks = {
        let mut u = vec![false; n_blocks];
        for &b in g.block {
            u[b] = true;
        }
        u.iter().filter(|&&x| x).count() as f64
    };
    let df = n_units - used_blocks;
    let within_df = n_units - m as f64;
    if within_df < 1.0 {
        return Err(Na::new("no group has two or more units: within and between variance cannot be separated"));
    }
    if g.ssw.iter().sum::<f64>() <= 0.0 {
        return Err(Na::new("no variation within groups"));
    }
    let pre = Prepared::new(g);
    let f = |lg: f64| criterion(g, &pre, n_blocks, df, lg.exp());
    // Grid over log γ in [−14, 8], then golden section around the best grid point.
    let (lo, hi, steps) = (-14.0f64, 8.0f64, 45);
    let h = (hi - lo) / steps as f64;
    let mut best = (0usize, f64::INFINITY);
    for k in 0..=steps {
        let v = f(lo + h * k as f64);
        if v < best.1 {
            best = (k, v);
        }
    }
    let (mut a, mut b) = (lo + h * (best.0 as f64 - 1.0), lo + h * (best.0 as f64 + 1.0));
    let r = (5f64.sqrt() - 1.0) / 2.0;
    let (mut x1, mut x2) = (b - r * (b - a), a + r * (b - a));
    let (mut f1, mut f2) = (f(x1), f(x2));
    while b - a > 1e-10 {
        if f1 < f2 {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - r * (b - a);
            f1 = f(x1);
        } else {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + r * (b - a);
            f2 = f(x2);
        }
    }
    let mut gamma = ((a + b) / 2.0).exp();
    let mut crit = f(gamma.ln());
    let c0 = criterion(g, &pre, n_blocks, df, 0.0);
    if c0 <= crit {
        gamma = 0.0;
        crit = c0;
    }
    let (mu, sw, q, _) = profile(g, &pre, n_blocks, gamma);
    let sigma2 = q / df;
    if !(sigma2.is_finite() && sigma2 > 0.0) {
        return Err(Na::new("within-group variance is not positive"));
    }
    let block_means = mu.iter().zip(&sw).map(|(&m, &w)| if w > 0.0 { Some(m) } else { None }).collect();
    Ok(OneWayFit { sigma2, tau2: gamma * sigma2, block_means, criterion: crit })
}

/// One group's shrunk score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shrunk {
    /// `μ̂_b + û_g`.
    pub score: f64,
    /// Conditional standard deviation `sqrt(τ̂² (1 − λ_g))`.
    pub sd: f64,
    /// Shrinkage weight λ_g (1 = no shrinkage).
    pub weight: f64,
}

impl OneWayFit {
    /// Empirical-Bayes score of a group with `n` units, mean `mean`, in block `block`.
    pub fn eb(&self, block: usize, n: f64, mean: f64) -> StatResult<Shrunk> {
        let mu = self.block_means.get(block).copied().flatten().ok_or_else(|| Na::new("round without groups"))?;
        if n < 1.0 {
            return Err(Na::new("no units"));
        }
        let lambda = n * self.tau2 / (n * self.tau2 + self.sigma2);
        Ok(Shrunk { score: mu + lambda * (mean - mu), sd: (self.tau2 * (1.0 - lambda)).sqrt(), weight: lambda })
    }
}

/// Direction of a change judged against measurement error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
    Flat,
}

/// The Jacobson–Truax reliable change of a mean from `n1` to `n2` units with unit variance
/// `sigma2`: returns (Δ, SE, direction). See the module docs.
pub fn reliable_change(
    mean1: f64,
    n1: f64,
    mean2: f64,
    n2: f64,
    sigma2: f64,
    z: f64,
    min_change: f64,
) -> StatResult<(f64, f64, Direction)> {
    if n1 < 1.0 || n2 < 1.0 {
        return Err(Na::new("a round without units"));
    }
    if !(sigma2.is_finite() && sigma2 > 0.0) {
        return Err(Na::new("no measurement-error variance"));
    }
    let d = mean2 - mean1;
    let se = (sigma2 / n1 + sigma2 / n2).sqrt();
    let dir = if d.abs() > z * se && d.abs() >= min_change {
        if d > 0.0 {
            Direction::Up
        } else {
            Direction::Down
        }
    } else {
        Direction::Flat
    };
    Ok((d, se, dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summaries(data: &[(usize, usize, f64)]) -> (Vec<usize>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<usize>) {
        // (block, group, y) → per-group summaries in first-appearance order.
        let mut ids: Vec<usize> = Vec::new();
        let mut rows: Vec<(usize, Vec<f64>)> = Vec::new();
        for &(b, g, y) in data {
            match ids.iter().position(|&x| x == g) {
                Some(k) => rows[k].1.push(y),
                None => {
                    ids.push(g);
                    rows.push((b, vec![y]));
                }
            }
        }
        let block = rows.iter().map(|r| r.0).collect();
        let n = rows.iter().map(|r| r.1.len() as f64).collect();
        let mean: Vec<f64> = rows.iter().map(|r| r.1.iter().sum::<f64>() / r.1.len() as f64).collect();
        let ssw = rows.iter().zip(&mean).map(|(r, m)| r.1.iter().map(|y| (y - m).powi(2)).sum()).collect();
        (block, n, mean, ssw, ids)
    }

    /// The lme4 reference (`scripts/reference/monitor.R`) and its data as (block, group, y).
    fn lmer_fixture() -> (serde_json::Value, Vec<(usize, usize, f64)>) {
        let text = include_str!("../../tests/fixtures/monitor/lmer_oneway.json");
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let data = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r[0].as_u64().unwrap() as usize, r[1].as_u64().unwrap() as usize, r[2].as_f64().unwrap()))
            .collect();
        (v, data)
    }

    #[test]
    fn matches_lmer() {
        let (v, data) = lmer_fixture();
        let (block, n, mean, ssw, ids) = summaries(&data);
        let g = Groups { block: &block, n: &n, mean: &mean, ssw: &ssw };
        let fit = reml_oneway(&g, 2).unwrap();
        let close = |a: f64, b: f64, tol: f64| assert!((a - b).abs() <= tol * b.abs().max(1.0), "{a} vs {b}");
        close(fit.sigma2, v["sigma2"].as_f64().unwrap(), 1e-5);
        close(fit.tau2, v["tau2"].as_f64().unwrap(), 1e-5);
        for (b, m) in v["fixef"].as_array().unwrap().iter().enumerate() {
            close(fit.block_means[b].unwrap(), m.as_f64().unwrap(), 1e-6);
        }
        let modes = v["ranef"].as_object().unwrap();
        let sds = v["ranef_sd"].as_object().unwrap();
        for (k, &gid) in ids.iter().enumerate() {
            let s = fit.eb(block[k], n[k], mean[k]).unwrap();
            let mu = fit.block_means[block[k]].unwrap();
            close(s.score - mu, modes[&gid.to_string()].as_f64().unwrap(), 1e-5);
            close(s.sd, sds[&gid.to_string()].as_f64().unwrap(), 1e-5);
        }
    }

    /// The pooled criterion (groups pooled by block and size) equals the per-group formulas.
    #[test]
    fn pooled_profile_equals_per_group() {
        let (_, data) = lmer_fixture();
        let (block, n, mean, ssw, _) = summaries(&data);
        let g = Groups { block: &block, n: &n, mean: &mean, ssw: &ssw };
        let pooled = Prepared::new(&g);
        let pools = pooled.pools.as_ref().expect("few sizes: pooled").len();
        assert!(pools < n.len(), "{pools} pools for {} groups", n.len());
        let per_group = Prepared { ssw: pooled.ssw, pools: None };
        for gamma in [0.0, 0.01, 0.3, 2.0, 50.0] {
            let (m1, w1, q1, l1) = profile(&g, &pooled, 2, gamma);
            let (m2, w2, q2, l2) = profile(&g, &per_group, 2, gamma);
            let close = |a: f64, b: f64| assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "γ = {gamma}: {a} vs {b}");
            close(q1, q2);
            close(l1, l2);
            m1.iter().zip(&m2).chain(w1.iter().zip(&w2)).for_each(|(a, b)| close(*a, *b));
        }
    }

    #[test]
    fn balanced_moments_agree_with_reml() {
        // Balanced one-way design, one block: REML = ANOVA moments when τ² > 0.
        let data: Vec<(usize, usize, f64)> = (0..6)
            .flat_map(|g| (0..3).map(move |k| (0, g, g as f64 * 0.7 + [0.1, -0.3, 0.5][k] * (1.0 + g as f64 / 5.0))))
            .collect();
        let (block, n, mean, ssw, _) = summaries(&data);
        let fit = reml_oneway(&Groups { block: &block, n: &n, mean: &mean, ssw: &ssw }, 1).unwrap();
        let msw = ssw.iter().sum::<f64>() / 12.0;
        let gm = mean.iter().sum::<f64>() / 6.0;
        let msb = 3.0 * mean.iter().map(|m| (m - gm).powi(2)).sum::<f64>() / 5.0;
        assert!((fit.sigma2 - msw).abs() < 1e-7);
        assert!((fit.tau2 - (msb - msw) / 3.0).abs() < 1e-7);
    }

    #[test]
    fn degenerate_inputs_are_na() {
        let g = Groups { block: &[0, 0], n: &[1.0, 1.0], mean: &[1.0, 2.0], ssw: &[0.0, 0.0] };
        assert!(reml_oneway(&g, 1).is_err());
        let g = Groups { block: &[0, 0], n: &[2.0, 2.0], mean: &[1.0, 2.0], ssw: &[0.0, 0.0] };
        assert!(reml_oneway(&g, 1).is_err());
        assert!(reliable_change(1.0, 0.0, 2.0, 2.0, 1.0, 1.96, 0.0).is_err());
    }

    #[test]
    fn reliable_change_needs_both_criteria() {
        // SE = sqrt(0.04/4 · 2) = 0.1414; z·SE = 0.277.
        let (d, se, dir) = reliable_change(0.5, 4.0, 0.8, 4.0, 0.04, 1.96, 0.05).unwrap();
        assert!((d - 0.3).abs() < 1e-12 && (se - 0.02f64.sqrt()).abs() < 1e-12);
        assert_eq!(dir, Direction::Up);
        assert_eq!(reliable_change(0.5, 4.0, 0.2, 4.0, 0.04, 1.96, 0.05).unwrap().2, Direction::Down);
        assert_eq!(reliable_change(0.5, 4.0, 0.7, 4.0, 0.04, 1.96, 0.05).unwrap().2, Direction::Flat);
        // Beyond error but below the minimum meaningful change.
        assert_eq!(reliable_change(0.5, 400.0, 0.53, 400.0, 0.04, 1.96, 0.05).unwrap().2, Direction::Flat);
    }
}
