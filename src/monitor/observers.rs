//! Observer severity and drift across rounds.
//!
//! Severity: the additive model `y_i = μ_round + a_center + b_observer + e_i` over primary
//! observations with a round (center effects persist across rounds, so observers are compared
//! on the centers they share through the rounds), fitted on (center, round, observer) cell
//! sums as the ridge least-squares solution (minimum of `Σ (y − μ − a − b)² + k Σ b²`; conjugate
//! gradients on the normal equations of `(μ, b)` with the center effects absorbed, to a
//! residual norm of 1e-12 of the right-hand side's), with ridge shrinkage of `b`:
//! `b_o = Σ_{i∈o} r_i / (n_o + k)`, `k = σ̂²_e / τ̂²_b`, where `τ̂²_b` is the method-of-moments
//! variance of the unshrunk observer means (their variance minus the mean `σ̂²_e/n_o`) and
//! `σ̂²_e` the residual variance of the cell means (weighted by cell size), both taken after two
//! backfitting sweeps from zero. `b` is centred to mean 0 over observers. When fewer than two
//! observers share a center (every center seen by one observer only, or a single observer),
//! severity is not identified and no adjustment is made (NA with that reason).
//!
//! Adjusted scores: `y_i − b_o` for every scale (each scale has its own `b`); `monitor` refits
//! the center model on them and shows both scores.
//!
//! Drift: `check`'s observer-drift test ([`crate::study::checks::drift_test`]) on each
//! observer's residuals `y_i − μ̂_round − â_center` against weeks since the first visit
//! (≥ 8 observations over ≥ 2 weeks; flagged when p < .01 and the fitted change exceeds half
//! the SD of the totals).

use super::rounds::{Rounds, NO_ROUND};
use crate::io::values::parse_datetime;
use crate::study::checks::{drift_test, Drift};
use crate::study::ingest::{ChecklistData, IdHash, Role};
use crate::study::score::{ObsScores, ScoreCol};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// One observer's row in `monitor.json`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ObserverRow {
    pub observer: String,
    pub n_observations: usize,
    pub n_centers: usize,
    /// Severity on the total score (positive: scores higher than peers on the same centers).
    pub effect: f64,
    pub drift: Option<Drift>,
}

/// The observer analysis.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Observers {
    /// Whether scores were adjusted.
    pub adjusted: bool,
    /// Why not, when they were not.
    pub note: Option<String>,
    pub observers: Vec<ObserverRow>,
    #[serde(skip)]
    effects: Vec<Vec<f64>>,
    #[serde(skip)]
    obs_index: Vec<u32>,
}

/// A (center, round, observer) cell: its indices, the sum and count of its scores and their
/// sum of squares.
type CellSums = (usize, usize, usize, f64, f64);

/// The ridge fit of `y = μ_round + a_center + b_observer` for one scale, on the cell sums of the
/// observations (the same least-squares solution, a fraction of the work). Returns
/// (b, residuals per observation).
fn severity_fit(
    y: &ScoreCol,
    idx: &[(u32, u16, u32, u32)],
    n_c: usize,
    n_r: usize,
    n_o: usize,
) -> Option<(Vec<f64>, Vec<(u32, f64)>)> {
    // `idx` is sorted by (center, round, observer, observation): cells are runs.
    let mut cells: Vec<CellSums> = Vec::new();
    let mut n_pts = 0usize;
    for &(c, r, o, i) in idx {
        let Some(v) = y.get(i as usize) else { continue };
        n_pts += 1;
        match cells.last_mut() {
            Some(l) if (l.0, l.1, l.2) == (c as usize, r as usize, o as usize) => {
                l.3 += v;
                l.4 += 1.0;
            }
            _ => cells.push((c as usize, r as usize, o as usize, v, 1.0)),
        }
    }
    if n_pts < 3 {
        return None;
    }
    // The weights of each mean do not change between sweeps.
    let weights = |n: usize, key: fn(&CellSums) -> usize| {
        let mut w = vec![0.0; n];
        for p in &cells {
            w[key(p)] += p.4;
        }
        w
    };
    let (w_r, w_c, w_o) = (weights(n_r, |p| p.1), weights(n_c, |p| p.0), weights(n_o, |p| p.2));
    // Two backfitting sweeps give the state the ridge constant is estimated from.
    let (mut mu, mut a, mut b) = (vec![0.0; n_r], vec![0.0; n_c], vec![0.0; n_o]);
    let mut k = 0.0;
    for sweep in 0..2 {
        let new_mu = mean_by(&cells, &w_r, |p| p.1, |p| a[p.0] + b[p.2], 0.0);
        let new_a = mean_by(&cells, &w_c, |p| p.0, |p| new_mu[p.1] + b[p.2], 0.0);
        if sweep == 1 {
            k = ridge(&cells, &new_mu, &new_a, n_o, n_pts, n_c);
        }
        b = mean_by(&cells, &w_o, |p| p.2, |p| new_mu[p.1] + new_a[p.0], k);
        let centre = b.iter().sum::<f64>() / n_o as f64;
        b.iter_mut().for_each(|x| *x -= centre);
        (mu, a) = (new_mu, new_a);
    }
    let runs = center_runs(&cells);
    solve_ridge(&cells, &runs, n_r, k, &w_r, &w_o, &mut mu, &mut b);
    a = mean_by(&cells, &w_c, |p| p.0, |p| mu[p.1] + b[p.2], 0.0);
    let res = idx
        .iter()
        .filter_map(|&(c, r, _, i)| y.get(i as usize).map(|v| (i, v - mu[r as usize] - a[c as usize])))
        .collect();
    Some((b, res))
}

/// `[start, end)` of each center's cells (cells are sorted by center).
fn center_runs(cells: &[CellSums]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..=cells.len() {
        if i == cells.len() || cells[i].0 != cells[start].0 {
            runs.push((start, i));
            start = i;
        }
    }
    runs
}

/// `H x` for the normal equations of `(μ, b)` with the center effects absorbed:
/// `H = Mᵀ(I − P_c)M + k·diag(0, I)`, `M x` the fitted `μ_r + b_o` of each observation and
/// `P_c` the projection on center means. One pass over the cells, a center at a time.
fn ridge_apply(cells: &[CellSums], runs: &[(usize, usize)], n_r: usize, k: f64, x: &[f64], out: &mut [f64]) {
    out.iter_mut().for_each(|v| *v = 0.0);
    for &(s, e) in runs {
        let run = &cells[s..e];
        let (mut f, mut w) = (0.0, 0.0);
        for p in run {
            f += p.4 * (x[p.1] + x[n_r + p.2]);
            w += p.4;
        }
        let m = f / w;
        for p in run {
            let d = p.4 * (x[p.1] + x[n_r + p.2] - m);
            out[p.1] += d;
            out[n_r + p.2] += d;
        }
    }
    for (o, v) in out[n_r..].iter_mut().enumerate() {
        *v += k * x[n_r + o];
    }
}

/// The ridge least-squares solution of `y = μ_round + a_center + b_observer`
/// (minimum of `Σ (y − μ − a − b)² + k Σ b²`), by conjugate gradients on the normal equations
/// of `(μ, b)` with the center effects absorbed (Jacobi preconditioner; from the given `mu` and
/// `b`; until the residual norm is 1e-12 of the right-hand side's, at most 2,000 iterations).
/// Backfitting reaches the same point, but on the sparse center–observer graph of a national
/// network it needs hundreds of sweeps. `b` is returned centred to mean 0 (with `k > 0` the
/// minimum already is; the centre moves to `μ`, the fit is unchanged).
#[allow(clippy::too_many_arguments)]
fn solve_ridge(
    cells: &[CellSums],
    runs: &[(usize, usize)],
    n_r: usize,
    k: f64,
    w_r: &[f64],
    w_o: &[f64],
    mu: &mut [f64],
    b: &mut [f64],
) {
    let dim = n_r + b.len();
    let mut rhs = vec![0.0; dim];
    for &(s, e) in runs {
        let run = &cells[s..e];
        let mean = run.iter().map(|p| p.3).sum::<f64>() / run.iter().map(|p| p.4).sum::<f64>();
        for p in run {
            let t = p.3 - p.4 * mean;
            rhs[p.1] += t;
            rhs[n_r + p.2] += t;
        }
    }
    let diag: Vec<f64> = w_r.iter().chain(w_o).enumerate().map(|(i, &w)| if i < n_r { w } else { w + k }).collect();
    let precond = |r: &[f64], z: &mut [f64]| {
        for ((z, r), d) in z.iter_mut().zip(r).zip(&diag) {
            *z = if *d > 0.0 { r / d } else { *r };
        }
    };
    let mut x: Vec<f64> = mu.iter().chain(b.iter()).copied().collect();
    let mut hx = vec![0.0; dim];
    ridge_apply(cells, runs, n_r, k, &x, &mut hx);
    let mut r: Vec<f64> = rhs.iter().zip(&hx).map(|(g, h)| g - h).collect();
    let tol = 1e-12 * rhs.iter().map(|v| v * v).sum::<f64>().sqrt();
    let mut z = vec![0.0; dim];
    precond(&r, &mut z);
    let mut d = z.clone();
    let mut rz: f64 = r.iter().zip(&z).map(|(a, b)| a * b).sum();
    for _ in 0..2000 {
        if r.iter().map(|v| v * v).sum::<f64>().sqrt() <= tol {
            break;
        }
        ridge_apply(cells, runs, n_r, k, &d, &mut hx);
        let dhd: f64 = d.iter().zip(&hx).map(|(a, b)| a * b).sum();
        if !(dhd > 0.0) {
            break;
        }
        let alpha = rz / dhd;
        for ((x, r), (d, h)) in x.iter_mut().zip(r.iter_mut()).zip(d.iter().zip(&hx)) {
            *x += alpha * d;
            *r -= alpha * h;
        }
        precond(&r, &mut z);
        let rz_new: f64 = r.iter().zip(&z).map(|(a, b)| a * b).sum();
        let beta = rz_new / rz;
        rz = rz_new;
        for (d, z) in d.iter_mut().zip(&z) {
            *d = z + beta * *d;
        }
    }
    let centre = x[n_r..].iter().sum::<f64>() / b.len() as f64;
    for (i, v) in mu.iter_mut().enumerate() {
        *v = x[i] + centre;
    }
    for (o, v) in b.iter_mut().enumerate() {
        *v = x[n_r + o] - centre;
    }
}

/// Weighted means of the cell residuals by one index (`key`), with a ridge constant `shrink`
/// (generic, not `dyn`: each call runs the closures once per cell).
/// `w` holds the summed cell counts by the same index.
fn mean_by(
    cells: &[CellSums],
    w: &[f64],
    key: impl Fn(&CellSums) -> usize,
    res: impl Fn(&CellSums) -> f64,
    shrink: f64,
) -> Vec<f64> {
    let mut s = vec![0.0; w.len()];
    for p in cells {
        s[key(p)] += p.3 - p.4 * res(p);
    }
    s.iter().zip(w).map(|(s, w)| if *w > 0.0 { s / (w + shrink) } else { 0.0 }).collect::<Vec<f64>>()
}

/// The ridge constant `σ̂²_e / τ̂²_b` from the moments of the unshrunk observer means.
fn ridge(cells: &[CellSums], mu: &[f64], a: &[f64], n_o: usize, n_pts: usize, n_c: usize) -> f64 {
    let mut s = vec![0.0; n_o];
    let mut w = vec![0.0; n_o];
    for p in cells {
        s[p.2] += p.3 - p.4 * (mu[p.1] + a[p.0]);
        w[p.2] += p.4;
    }
    let raw: Vec<f64> = s.iter().zip(&w).map(|(s, w)| if *w > 0.0 { s / w } else { 0.0 }).collect();
    // Residual variance between cells after removing the observer means (cell-level SS; the
    // within-cell part is not needed for the ratio's order of magnitude).
    let mut rss = 0.0;
    for p in cells {
        let m = p.3 / p.4 - mu[p.1] - a[p.0] - raw[p.2];
        rss += p.4 * m * m;
    }
    let s2 = rss / (n_pts as f64 - (n_c + n_o) as f64).max(1.0);
    let used: Vec<usize> = (0..n_o).filter(|&o| w[o] > 0.0).collect();
    let m = used.iter().map(|&o| raw[o]).sum::<f64>() / used.len() as f64;
    let var = used.iter().map(|&o| (raw[o] - m).powi(2)).sum::<f64>() / (used.len() as f64 - 1.0).max(1.0);
    let noise = used.iter().map(|&o| s2 / w[o]).sum::<f64>() / used.len() as f64;
    s2 / (var - noise).max(1e-12)
}

/// Estimate observer severity (per scale) and drift.
pub fn estimate(data: &ChecklistData, scores: &ObsScores, rounds: &Rounds) -> Observers {
    let mut oidx: BTreeMap<&str, u32> = BTreeMap::new();
    let mut cidx: HashMap<&str, u32, IdHash> = HashMap::default();
    for (i, m) in data.meta.iter().enumerate() {
        if m.role == Role::Primary && rounds.of_obs[i] != NO_ROUND && !m.observer.is_empty() {
            oidx.entry(&m.observer).or_insert(0);
            let n = cidx.len() as u32;
            cidx.entry(&m.center).or_insert(n);
        }
    }
    for (k, v) in oidx.values_mut().enumerate() {
        *v = k as u32;
    }
    let by_name: HashMap<&str, u32, IdHash> = oidx.iter().map(|(&k, &v)| (k, v)).collect();
    let mut idx = Vec::new();
    let mut obs_index = vec![u32::MAX; data.meta.len()];
    for (i, m) in data.meta.iter().enumerate() {
        if m.role == Role::Primary && rounds.of_obs[i] != NO_ROUND && !m.observer.is_empty() {
            let o = by_name[&*m.observer];
            obs_index[i] = o;
            idx.push((cidx[&*m.center], rounds.of_obs[i], o, i as u32));
        }
    }
    // Identified only when some center is seen by two or more observers.
    let mut seen: HashMap<u32, u32> = HashMap::new();
    let mut shared = false;
    for &(c, _, o, _) in &idx {
        match seen.get(&c) {
            Some(&o0) if o0 != o => shared = true,
            None => {
                seen.insert(c, o);
            }
            _ => {}
        }
    }
    let names: Vec<&str> = oidx.keys().copied().collect();
    if names.len() < 2 || !shared {
        return Observers {
            note: Some("observer severity not estimable: no center is seen by two or more observers".into()),
            ..Default::default()
        };
    }
    let (n_c, n_r, n_o) = (cidx.len(), rounds.names.len(), names.len());
    idx.sort_unstable();
    let fits: Vec<Option<(Vec<f64>, Vec<(u32, f64)>)>> =
        scores.values.par_iter().map(|y| severity_fit(y, &idx, n_c, n_r, n_o)).collect();
    let Some((b_total, res)) = fits[0].clone() else {
        return Observers {
            note: Some("observer severity not estimable: too few scores".into()),
            ..Default::default()
        };
    };
    let effects: Vec<Vec<f64>> = fits.into_iter().map(|f| f.map(|f| f.0).unwrap_or_else(|| vec![0.0; n_o])).collect();
    let observers = observer_rows(data, &names, &idx, &obs_index, &b_total, &res, scores);
    Observers { adjusted: true, note: None, observers, effects, obs_index }
}

/// `obs_of[i]`: the observer index of observation `i` (`u32::MAX` when it has none).
fn observer_rows(
    data: &ChecklistData,
    names: &[&str],
    idx: &[(u32, u16, u32, u32)],
    obs_of: &[u32],
    b: &[f64],
    res: &[(u32, f64)],
    scores: &ObsScores,
) -> Vec<ObserverRow> {
    let n_o = names.len();
    let mut n_obs = vec![0usize; n_o];
    let mut centers: Vec<Vec<u32>> = vec![Vec::new(); n_o];
    for &(c, _, o, _) in idx {
        n_obs[o as usize] += 1;
        centers[o as usize].push(c);
    }
    // Visit days, parsed once (observations share a few hundred date strings).
    let mut parsed: HashMap<&str, Option<i64>, IdHash> = HashMap::default();
    let days: Vec<Option<i64>> = data
        .meta
        .iter()
        .map(|m| {
            let d = m.date.as_deref()?;
            *parsed.entry(d).or_insert_with(|| parse_datetime(d).map(|t| t.days()))
        })
        .collect();
    let day0 = days.iter().flatten().copied().min();
    let mut pts: Vec<Vec<(f64, f64)>> = vec![Vec::new(); n_o];
    if let Some(day0) = day0 {
        for &(i, r) in res {
            if let Some(d) = days[i as usize] {
                pts[obs_of[i as usize] as usize].push(((d - day0) as f64 / 7.0, r));
            }
        }
    }
    let totals: Vec<f64> = idx.iter().filter_map(|&(_, _, _, i)| scores.values[0].get(i as usize)).collect();
    let sd = crate::stats::descriptive::sd(&totals).unwrap_or(0.0);
    (0..n_o)
        .map(|o| {
            centers[o].sort_unstable();
            centers[o].dedup();
            ObserverRow {
                observer: names[o].to_string(),
                n_observations: n_obs[o],
                n_centers: centers[o].len(),
                effect: b[o],
                drift: if sd > 0.0 { drift_test(&pts[o], sd, 8, 2.0) } else { None },
            }
        })
        .collect()
}

impl Observers {
    /// Scores with each observation's observer effect removed (scale by scale).
    pub fn adjust(&self, scores: &ObsScores) -> Option<ObsScores> {
        if !self.adjusted {
            return None;
        }
        let values = scores
            .values
            .iter()
            .zip(&self.effects)
            .map(|(col, b)| {
                col.iter()
                    .zip(&self.obs_index)
                    .map(|(v, &o)| v.map(|v| if o == u32::MAX { v } else { v - b[o as usize] }))
                    .collect()
            })
            .collect();
        Some(ObsScores {
            names: scores.names.clone(),
            values,
            notes: Vec::new(),
            count_a: Vec::new(),
            count_b: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::{DMatrix, DVector};
    use rand_core::{RngCore, SeedableRng};

    /// The conjugate-gradient solution equals the dense ridge least-squares solution of the
    /// full model (μ with the first round fixed at 0, a, b), on a sparse random design.
    #[test]
    fn ridge_solution_equals_dense_least_squares() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut u = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let (n_c, n_r, n_o, k) = (40usize, 3usize, 7usize, 0.8);
        let mut cells: Vec<CellSums> = Vec::new();
        let mut obs: Vec<(usize, usize, usize, f64)> = Vec::new();
        for c in 0..n_c {
            for r in 0..n_r {
                let o = (u() * n_o as f64) as usize;
                let n = 1 + (u() * 3.0) as usize;
                let mut sum = 0.0;
                for _ in 0..n {
                    let y = 0.1 * c as f64 % 0.7 + 0.05 * o as f64 + u();
                    obs.push((c, r, o, y));
                    sum += y;
                }
                cells.push((c, r, o, sum, n as f64));
            }
        }
        let weights = |n: usize, key: fn(&CellSums) -> usize| {
            let mut w = vec![0.0; n];
            cells.iter().for_each(|p| w[key(p)] += p.4);
            w
        };
        let (w_r, w_o) = (weights(n_r, |p| p.1), weights(n_o, |p| p.2));
        let (mut mu, mut b) = (vec![0.0; n_r], vec![0.0; n_o]);
        solve_ridge(&cells, &center_runs(&cells), n_r, k, &w_r, &w_o, &mut mu, &mut b);
        // Dense: columns μ_1..μ_{R-1}, a_0..a_{C-1}, b_0..b_{O-1}.
        let p = (n_r - 1) + n_c + n_o;
        let x = DMatrix::from_fn(obs.len(), p, |i, j| {
            let (c, r, o, _) = obs[i];
            let hit = if j < n_r - 1 {
                r == j + 1
            } else if j < n_r - 1 + n_c {
                c == j - (n_r - 1)
            } else {
                o == j - (n_r - 1 + n_c)
            };
            if hit {
                1.0
            } else {
                0.0
            }
        });
        let y = DVector::from_iterator(obs.len(), obs.iter().map(|o| o.3));
        let mut xtx = x.transpose() * &x;
        for j in (n_r - 1 + n_c)..p {
            xtx[(j, j)] += k;
        }
        let coef = xtx.cholesky().expect("positive definite").solve(&(x.transpose() * y));
        let dense: Vec<f64> = (0..n_o).map(|o| coef[n_r - 1 + n_c + o]).collect();
        assert!(dense.iter().sum::<f64>().abs() < 1e-10, "the ridge minimum has Σ b = 0");
        for (cg, d) in b.iter().zip(&dense) {
            assert!((cg - d).abs() < 1e-10, "{cg} vs {d}");
        }
    }
}
