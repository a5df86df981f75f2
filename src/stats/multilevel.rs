//! Clustering of classrooms in centers.
//!
//! - ICC(1) of center: one-way REML variance components of a classroom-level score
//!   (`y = μ + u_center + e`), `ICC = σ²_u / (σ²_u + σ²_e)` — the unbalanced-design estimator
//!   (see `stats::icc::icc_reml`, pinned against lme4).
//! - Design effect (Kish 1965): `deff = 1 + (m̄ − 1) ICC`, `m̄` = mean classrooms per center.
//! - Precision of a correlation: with Fisher z, the CI half-width at `r` is about
//!   `z (1 − r²)/√(n − 3)`, so the `n` needed for half-width `h` is `3 + (z (1 − r²)/h)²`.

use super::icc::icc_reml;
use super::{Na, StatResult};

#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    pub icc: f64,
    pub deff: f64,
    pub mean_cluster_size: f64,
    pub n_units: usize,
    pub n_clusters: usize,
}

pub fn clustering(values: &[(usize, f64)]) -> StatResult<Clustering> {
    let n_clusters = values.iter().map(|v| v.0).max().map_or(0, |m| m + 1);
    let obs: Vec<(usize, usize, f64)> = values.iter().map(|&(c, v)| (c, 0, v)).collect();
    let fit = icc_reml(&obs, false)?;
    let used = {
        let mut seen = vec![false; n_clusters];
        for v in values {
            seen[v.0] = true;
        }
        seen.iter().filter(|s| **s).count()
    };
    if used < 2 {
        return Err(Na::new("fewer than two clusters"));
    }
    let m = values.len() as f64 / used as f64;
    let icc = fit.consistency();
    Ok(Clustering { icc, deff: 1.0 + (m - 1.0) * icc, mean_cluster_size: m, n_units: values.len(), n_clusters: used })
}

/// Pairs needed for a Fisher-z CI half-width `h` around `r` at `level`.
pub fn n_for_precision(r: f64, h: f64, level: f64) -> StatResult<f64> {
    if !(h > 0.0) || !(r.abs() < 1.0) {
        return Err(Na::new("need 0 < h and |r| < 1"));
    }
    let z = super::descriptive::z_crit(level);
    Ok(3.0 + (z * (1.0 - r * r) / h).powi(2))
}
