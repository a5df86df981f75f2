//! Exploratory factor analysis of a correlation matrix, as `psych::fa`, and parallel analysis.
//!
//! **Extraction.** Uniquenesses ψ are found by box-constrained minimisation (ψ ∈ [0.005, 1], start
//! `1 − SMC`, projected BFGS run to a projected-gradient norm below 1e-10; psych uses L-BFGS-B with
//! the same bounds and start):
//! - `ml`: the normal-theory discrepancy `F(ψ) = −Σ_{m>k} (ln e_m − e_m) − k + p`, `e` the
//!   eigenvalues of `Ψ^{-1/2} R Ψ^{-1/2}` (Jöreskog 1967; psych `FAfn`), gradient
//!   `diag(ΛΛᵀ + Ψ − R)/ψ²`; loadings `Ψ^{1/2} V_k diag(√max(e_k − 1, 0))`.
//! - `minres`: unweighted least squares, `F(ψ) = ½ Σ_{m>k} λ_m²`, `λ` the eigenvalues of `R − Ψ`
//!   (Harman's minres: its minimum has zero diagonal residual, where psych's off-diagonal criterion
//!   has its minimum too); loadings `V_k diag(√max(λ_k, 0))`.
//!
//! Reported, as psych: `communality = diag(ΛΛᵀ)` of the unrotated solution, `uniqueness = 1 −
//! communality`, and from the rotated solution with model `M = ΛΦΛᵀ` (diagonal set to 1) the
//! objective `F = tr(M⁻¹R) − ln|M⁻¹R| − p`, `χ² = (n − 1 − (2p + 5)/6 − 2k/3)·F` (Bartlett's
//! correction), `df = p(p−1)/2 − pk + k(k−1)/2`, `TLI = (M₀ − F/df)/(M₀ − 1/n_m)` with
//! `M₀ = 2F₀/(p(p−1))`, `F₀ = −ln|R|`, `n_m` the χ² multiplier, and
//! `RMSEA = √max(χ²/(df·n) − 1/(n − 1), 0)` with psych's 90% CI: the non-centrality `λ` solving
//! `P(χ²_df(λ) ≤ χ²) = 0.95` (lower bound) or `0.05` (upper), `√(λ/((n − 1) df))`.
//!
//! **Convention for order and sign** (psych's): after rotation each column is multiplied by the
//! sign of its sum, then the columns are ordered by decreasing variance accounted for,
//! `diag(Φ ΛᵀΛ)` (`diag(ΛᵀΛ)` for orthogonal solutions); Φ is permuted and signed to match.
//!
//! Pinned to psych 2.2.9 (`fa(x, 3, fm = "ml"|"minres", rotate = "oblimin"|"promax"|"varimax"|
//! "none")`) on Holzinger–Swineford x1–x9 by `scripts/reference/efa.R` →
//! `tests/fixtures/structure/efa_psych.json`; tests `efa::tests::*` and `tests/cli/structure.rs`.

use super::rotation::{oblimin, promax, varimax};
use super::{Na, StatResult};
use nalgebra::{DMatrix, DVector, SymmetricEigen};
use rand_core::RngCore;
use rayon::prelude::*;
use statrs::function::gamma::gamma_lr;

/// Factor extraction method (`--method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FitMethod {
    /// Maximum likelihood.
    Ml,
    /// Minimum residual (unweighted least squares).
    Minres,
}

/// Rotation (`--rotation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Rotation {
    /// Direct oblimin, γ = 0 (quartimin), oblique.
    Oblimin,
    /// Promax (m = 4) after varimax, oblique.
    Promax,
    /// Varimax, orthogonal.
    Varimax,
    /// The unrotated solution.
    None,
}

impl Rotation {
    pub fn name(self) -> &'static str {
        match self {
            Rotation::Oblimin => "oblimin",
            Rotation::Promax => "promax",
            Rotation::Varimax => "varimax",
            Rotation::None => "none",
        }
    }
}

/// A fitted factor model. Matrices are row-major: `loadings[i * k + j]` is item `i`, factor `j`.
#[derive(Debug, Clone)]
pub struct EfaFit {
    pub p: usize,
    pub k: usize,
    pub loadings: Vec<f64>,
    /// Factor correlations (`k × k`) of an oblique rotation.
    pub phi: Option<Vec<f64>>,
    pub communality: Vec<f64>,
    pub uniqueness: Vec<f64>,
    pub objective: f64,
    pub chisq: f64,
    pub df: f64,
    pub p_value: Option<f64>,
    pub tli: f64,
    /// RMSEA with its 90% CI (`None` when df = 0).
    pub rmsea: Option<(f64, f64, f64)>,
    /// The optimiser and the rotation met their tolerances.
    pub converged: bool,
}

/// Eigenvalues (decreasing) and eigenvectors (columns, same order) of a symmetric matrix.
pub fn sym_eigen(m: &DMatrix<f64>) -> (Vec<f64>, DMatrix<f64>) {
    let e = SymmetricEigen::new(m.clone());
    let mut idx: Vec<usize> = (0..m.nrows()).collect();
    idx.sort_by(|&a, &b| e.eigenvalues[b].total_cmp(&e.eigenvalues[a]));
    let vals = idx.iter().map(|&i| e.eigenvalues[i]).collect();
    let vecs = DMatrix::from_fn(m.nrows(), m.nrows(), |r, c| e.eigenvectors[(r, idx[c])]);
    (vals, vecs)
}

/// Squared multiple correlations `1 − 1/diag(R⁻¹)` (psych `smc`).
pub fn smc(r: &DMatrix<f64>) -> StatResult<Vec<f64>> {
    let inv = r.clone().try_inverse().ok_or_else(|| Na::new("singular correlation matrix"))?;
    Ok((0..r.nrows()).map(|i| 1.0 - 1.0 / inv[(i, i)]).collect())
}

/// Minimise `f` over the box `[lo, hi]ⁿ` by projected BFGS (active set of variables at a bound
/// whose gradient points outward; Armijo backtracking along the projected path). Returns the
/// minimiser and whether the projected gradient fell below `gtol`.
pub fn minimize_box(
    f: &dyn Fn(&[f64]) -> f64,
    grad: &dyn Fn(&[f64]) -> Vec<f64>,
    x0: &[f64],
    lo: f64,
    hi: f64,
    gtol: f64,
) -> (Vec<f64>, bool) {
    let n = x0.len();
    let mut x: Vec<f64> = x0.iter().map(|v| v.clamp(lo, hi)).collect();
    let mut fx = f(&x);
    let mut g = grad(&x);
    let mut h = DMatrix::<f64>::identity(n, n);
    let mut first = true;
    for _ in 0..2000 {
        let free: Vec<bool> = (0..n).map(|i| !((x[i] <= lo && g[i] > 0.0) || (x[i] >= hi && g[i] < 0.0))).collect();
        let pg = (0..n).filter(|&i| free[i]).map(|i| g[i].abs()).fold(0.0, f64::max);
        if pg < gtol {
            return (x, true);
        }
        let mut d: Vec<f64> = (0..n)
            .map(|i| if free[i] { -(0..n).filter(|&j| free[j]).map(|j| h[(i, j)] * g[j]).sum::<f64>() } else { 0.0 })
            .collect();
        if d.iter().zip(&g).map(|(a, b)| a * b).sum::<f64>() >= 0.0 {
            h = DMatrix::identity(n, n);
            d = (0..n).map(|i| if free[i] { -g[i] } else { 0.0 }).collect();
        }
        if first {
            let m = d.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
            d.iter_mut().for_each(|v| *v *= 0.05 / m);
            first = false;
        }
        let mut t = 1.0;
        let mut accepted = None;
        for _ in 0..60 {
            let xn: Vec<f64> = (0..n).map(|i| (x[i] + t * d[i]).clamp(lo, hi)).collect();
            let fnew = f(&xn);
            let dec: f64 = (0..n).map(|i| g[i] * (xn[i] - x[i])).sum();
            if fnew.is_finite() && fnew <= fx + 1e-4 * dec {
                accepted = Some((xn, fnew));
                break;
            }
            t *= 0.5;
        }
        let Some((xn, fnew)) = accepted else { return (x, pg < gtol.sqrt()) };
        let gn = grad(&xn);
        let s = DVector::from_iterator(n, (0..n).map(|i| xn[i] - x[i]));
        let y = DVector::from_iterator(n, (0..n).map(|i| gn[i] - g[i]));
        let sy = s.dot(&y);
        if sy > 1e-16 {
            let rho = 1.0 / sy;
            let i = DMatrix::<f64>::identity(n, n);
            let a = &i - rho * &s * y.transpose();
            h = &a * &h * a.transpose() + rho * &s * s.transpose();
        }
        let small = (fx - fnew).abs() <= 1e-16 * fx.abs().max(1.0) && s.amax() < 1e-14;
        x = xn;
        fx = fnew;
        g = gn;
        if small {
            break;
        }
    }
    let pg = (0..n).filter(|&i| !((x[i] <= lo && g[i] > 0.0) || (x[i] >= hi && g[i] < 0.0))).map(|i| g[i].abs());
    let pg = pg.fold(0.0, f64::max);
    (x, pg < gtol.sqrt())
}

fn scaled(r: &DMatrix<f64>, psi: &[f64]) -> DMatrix<f64> {
    DMatrix::from_fn(r.nrows(), r.ncols(), |i, j| r[(i, j)] / (psi[i] * psi[j]).sqrt())
}

fn ml_loadings(r: &DMatrix<f64>, psi: &[f64], k: usize) -> DMatrix<f64> {
    let (e, v) = sym_eigen(&scaled(r, psi));
    DMatrix::from_fn(r.nrows(), k, |i, j| psi[i].sqrt() * v[(i, j)] * (e[j] - 1.0).max(0.0).sqrt())
}

fn reduced(r: &DMatrix<f64>, psi: &[f64]) -> DMatrix<f64> {
    let mut s = r.clone();
    for i in 0..r.nrows() {
        s[(i, i)] -= psi[i];
    }
    s
}

fn uls_loadings(r: &DMatrix<f64>, psi: &[f64], k: usize) -> DMatrix<f64> {
    let (e, v) = sym_eigen(&reduced(r, psi));
    DMatrix::from_fn(r.nrows(), k, |i, j| v[(i, j)] * e[j].max(0.0).sqrt())
}

/// Unrotated loadings (`p × k`) by `method`, and whether the optimiser converged.
pub fn extract(r: &DMatrix<f64>, k: usize, method: FitMethod) -> StatResult<(DMatrix<f64>, bool)> {
    let p = r.nrows();
    let start: Vec<f64> = smc(r)?.iter().map(|s| 1.0 - s).collect();
    let (psi, ok) = match method {
        FitMethod::Ml => {
            let f = |psi: &[f64]| {
                let (e, _) = sym_eigen(&scaled(r, psi));
                let s: f64 = e[k..].iter().map(|v| v.ln() - v).sum();
                -(s - k as f64 + p as f64)
            };
            let g = |psi: &[f64]| {
                let l = ml_loadings(r, psi, k);
                let m = &l * l.transpose();
                (0..p).map(|i| (m[(i, i)] + psi[i] - r[(i, i)]) / (psi[i] * psi[i])).collect()
            };
            minimize_box(&f, &g, &start, 0.005, 1.0, 1e-10)
        }
        FitMethod::Minres => {
            let f = |psi: &[f64]| {
                let (e, _) = sym_eigen(&reduced(r, psi));
                0.5 * e[k..].iter().map(|v| v * v).sum::<f64>()
            };
            let g = |psi: &[f64]| {
                let (e, v) = sym_eigen(&reduced(r, psi));
                (0..p).map(|i| -(k..p).map(|m| e[m] * v[(i, m)] * v[(i, m)]).sum::<f64>()).collect()
            };
            minimize_box(&f, &g, &start, 0.005, 1.0, 1e-10)
        }
    };
    let l = match method {
        FitMethod::Ml => ml_loadings(r, &psi, k),
        FitMethod::Minres => uls_loadings(r, &psi, k),
    };
    if l.iter().any(|v| !v.is_finite()) {
        return Err(Na::new("factor extraction failed (non-finite loadings)"));
    }
    Ok((l, ok))
}

/// Flip each column to a positive sum (psych's sign convention).
fn sign_columns(l: &mut DMatrix<f64>, phi: &mut Option<DMatrix<f64>>) {
    for j in 0..l.ncols() {
        let s: f64 = l.column(j).sum();
        if s < 0.0 {
            l.column_mut(j).neg_mut();
            if let Some(ph) = phi.as_mut() {
                ph.column_mut(j).neg_mut();
                ph.row_mut(j).neg_mut();
            }
        }
    }
}

/// Order the columns by decreasing variance accounted for (psych's order convention).
fn order_columns(l: &DMatrix<f64>, phi: &Option<DMatrix<f64>>) -> (DMatrix<f64>, Option<DMatrix<f64>>) {
    let ltl = l.transpose() * l;
    let ev: Vec<f64> = match phi {
        Some(ph) => (ph * &ltl).diagonal().iter().copied().collect(),
        None => ltl.diagonal().iter().copied().collect(),
    };
    let mut idx: Vec<usize> = (0..l.ncols()).collect();
    idx.sort_by(|&a, &b| ev[b].total_cmp(&ev[a]));
    let lo = DMatrix::from_fn(l.nrows(), l.ncols(), |i, j| l[(i, idx[j])]);
    let po = phi.as_ref().map(|ph| DMatrix::from_fn(ph.nrows(), ph.ncols(), |i, j| ph[(idx[i], idx[j])]));
    (lo, po)
}

/// Degrees of freedom of the k-factor model of p variables.
pub fn efa_df(p: usize, k: usize) -> f64 {
    let (p, k) = (p as f64, k as f64);
    p * (p - 1.0) / 2.0 - p * k + k * (k - 1.0) / 2.0
}

/// Fit a `k`-factor model to the correlation matrix `r` (`p × p`, row-major) of `n` observations,
/// rotate it and compute psych's fit statistics (module doc). NA when `k` is 0, `k ≥ p`, the
/// model has negative degrees of freedom, or `r` is singular.
pub fn fit_efa(r: &[f64], p: usize, n: usize, k: usize, method: FitMethod, rotation: Rotation) -> StatResult<EfaFit> {
    if k == 0 || k >= p {
        return Err(Na::new(format!("{k} factors for {p} items: need 1 ≤ factors < items")));
    }
    let df = efa_df(p, k);
    if df < 0.0 {
        return Err(Na::new(format!("too many factors: {k} factors for {p} items leave {df} degrees of freedom")));
    }
    if r.len() != p * p || r.iter().any(|v| !v.is_finite()) {
        return Err(Na::new("correlation matrix is not finite"));
    }
    let rm = DMatrix::from_row_slice(p, p, r);
    let (mut l0, mut ok) = extract(&rm, k, method)?;
    let mut none = None;
    sign_columns(&mut l0, &mut none);
    let communality: Vec<f64> = (0..p).map(|i| l0.row(i).iter().map(|v| v * v).sum()).collect();
    let uniqueness: Vec<f64> = (0..p).map(|i| rm[(i, i)] - communality[i]).collect();
    let (mut l, mut phi) = match rotation {
        Rotation::None => (l0.clone(), None),
        Rotation::Varimax => {
            let (v, _, c) = varimax(&l0);
            ok &= c;
            (v, None)
        }
        Rotation::Promax | Rotation::Oblimin => {
            let rot = if rotation == Rotation::Promax { promax(&l0, 4) } else { oblimin(&l0) };
            let rot = rot.ok_or_else(|| Na::new("rotation failed (singular transformation)"))?;
            ok &= rot.converged;
            (rot.loadings, rot.phi)
        }
    };
    sign_columns(&mut l, &mut phi);
    let (l, phi) = if k > 1 { order_columns(&l, &phi) } else { (l, phi) };
    let stats = fit_statistics(&rm, &l, phi.as_ref(), n)?;
    Ok(EfaFit {
        p,
        k,
        loadings: (0..p).flat_map(|i| (0..k).map(move |j| (i, j))).map(|(i, j)| l[(i, j)]).collect(),
        phi: phi.map(|ph| (0..k).flat_map(|i| (0..k).map(move |j| (i, j))).map(|(i, j)| ph[(i, j)]).collect()),
        communality,
        uniqueness,
        objective: stats.objective,
        chisq: stats.chisq,
        df,
        p_value: stats.p_value,
        tli: stats.tli,
        rmsea: stats.rmsea,
        converged: ok,
    })
}

struct FitStats {
    objective: f64,
    chisq: f64,
    p_value: Option<f64>,
    tli: f64,
    rmsea: Option<(f64, f64, f64)>,
}

/// psych's `fa.stats` likelihood-based statistics (module doc).
fn fit_statistics(r: &DMatrix<f64>, l: &DMatrix<f64>, phi: Option<&DMatrix<f64>>, n: usize) -> StatResult<FitStats> {
    let (p, k) = (l.nrows(), l.ncols());
    let mut model = match phi {
        Some(ph) => l * ph * l.transpose(),
        None => l * l.transpose(),
    };
    for i in 0..p {
        model[(i, i)] = r[(i, i)];
    }
    let minv_r = model.lu().solve(r).ok_or_else(|| Na::new("model correlation matrix is singular"))?;
    let det = minv_r.determinant();
    if !(det > 0.0) {
        return Err(Na::new("model correlation matrix is not positive definite"));
    }
    let objective = minv_r.trace() - det.ln() - p as f64;
    let nf = n as f64;
    let mult = (nf - 1.0) - (2.0 * p as f64 + 5.0) / 6.0 - 2.0 * k as f64 / 3.0;
    let chisq = (objective * mult).max(0.0);
    let df = efa_df(p, k);
    let rdet = r.determinant();
    if !(rdet > 0.0) {
        return Err(Na::new("correlation matrix is not positive definite"));
    }
    let f0 = r.trace() - rdet.ln() - p as f64;
    let m0 = f0 * 2.0 / (p as f64 * (p as f64 - 1.0));
    let tli = (m0 - objective / df) / (m0 - 1.0 / mult);
    let (p_value, rmsea) = if df > 0.0 {
        let pv = 1.0 - ncchisq_cdf(chisq, df, 0.0);
        (Some(pv), Some(rmsea_ci(chisq, df, nf)))
    } else {
        (None, None)
    };
    Ok(FitStats { objective, chisq, p_value, tli, rmsea })
}

/// RMSEA and psych's 90% CI from the χ² statistic (module doc).
fn rmsea_ci(chisq: f64, df: f64, n: f64) -> (f64, f64, f64) {
    let rmsea = (chisq / (df * n) - 1.0 / (n - 1.0)).max(0.0).sqrt();
    let tail = 0.05;
    let hi = chisq.max(n) + 2.0 * n;
    let c0 = ncchisq_cdf(chisq, df, 0.0);
    let bound = |target: f64| {
        let lam = root(&|x| ncchisq_cdf(chisq, df, x) - target, 0.0, hi);
        (lam / (n - 1.0) / df).sqrt()
    };
    let upper = if c0 > tail { bound(tail) } else { 0.0 };
    let lower = if c0 > 1.0 - tail { bound(1.0 - tail) } else { 0.0 };
    (rmsea, lower.min(rmsea), upper.max(rmsea))
}

/// A root of a continuous `f` with a sign change on `[a, b]` (bisection to machine precision;
/// `a` or `b` when there is no sign change).
pub fn root(f: &dyn Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    let mut fa = f(a);
    if fa * f(b) > 0.0 {
        return if fa.abs() < f(b).abs() { a } else { b };
    }
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        let fm = f(m);
        if fm == 0.0 || (b - a) < 1e-13 * (1.0 + m.abs()) {
            return m;
        }
        if fa * fm < 0.0 {
            b = m;
        } else {
            a = m;
            fa = fm;
        }
    }
    0.5 * (a + b)
}

/// CDF of the non-central χ² with `df` degrees of freedom and non-centrality `ncp`, as a Poisson
/// mixture of central χ² CDFs `Σ_j Pois(j; ncp/2) P(χ²_{df+2j} ≤ x)` (Johnson, Kotz &
/// Balakrishnan 1995, eq. 29.2), summed outward from the Poisson mode until the weights vanish.
pub fn ncchisq_cdf(x: f64, df: f64, ncp: f64) -> f64 {
    if !(x > 0.0) {
        return 0.0;
    }
    let central = |j: f64| gamma_lr(df / 2.0 + j, x / 2.0);
    if ncp <= 0.0 {
        return central(0.0);
    }
    let mu = ncp / 2.0;
    let mode = mu.floor();
    let lw = |j: f64| -mu + j * mu.ln() - statrs::function::gamma::ln_gamma(j + 1.0);
    let mut total = 0.0;
    let mut j = mode;
    loop {
        let w = lw(j).exp();
        total += w * central(j);
        if (w < 1e-17 && j > mode) || j > mode + 10_000.0 {
            break;
        }
        j += 1.0;
    }
    let mut j = mode - 1.0;
    while j >= 0.0 {
        let w = lw(j).exp();
        total += w * central(j);
        if w < 1e-17 {
            break;
        }
        j -= 1.0;
    }
    total.clamp(0.0, 1.0)
}

/// Parallel analysis (Horn 1965) as `psych::fa.parallel(fa = "both", SMC = TRUE, sim = TRUE)`:
/// `n_iter` data sets of `n × p` independent standard normal values (ChaCha8 seeded with `seed`,
/// stream = replicate number, Box–Muller), their Pearson correlation matrices, and for each the
/// principal-component eigenvalues (of `R`) and the factor eigenvalues (of `R` with squared
/// multiple correlations on the diagonal). The simulated threshold is the 95th percentile
/// (R type 7) of each ordered eigenvalue over replicates; the number of factors (components) is
/// the number of leading real eigenvalues that exceed their thresholds. Replicates run in parallel
/// and are combined in replicate order, so results do not depend on the thread count.
#[derive(Debug, Clone)]
pub struct Parallel {
    pub real_fa: Vec<f64>,
    pub real_pc: Vec<f64>,
    pub sim_fa: Vec<f64>,
    pub sim_pc: Vec<f64>,
    pub n_factors: usize,
    pub n_components: usize,
    pub n_iter: usize,
}

/// Eigenvalues of `r` and of `r` with SMCs on the diagonal, decreasing.
pub fn pc_fa_eigenvalues(r: &DMatrix<f64>) -> StatResult<(Vec<f64>, Vec<f64>)> {
    let pc = sym_eigen(r).0;
    let s = smc(r)?;
    let mut rs = r.clone();
    for i in 0..r.nrows() {
        rs[(i, i)] = s[i];
    }
    Ok((pc, sym_eigen(&rs).0))
}

fn simulated_correlation(n: usize, p: usize, seed: u64, rep: usize) -> DMatrix<f64> {
    let mut rng = super::bootstrap::block_rng(seed, rep as u64);
    let mut u = || ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let mut x = DMatrix::<f64>::zeros(n, p);
    for v in x.iter_mut() {
        *v = (-2.0 * u().ln()).sqrt() * (2.0 * std::f64::consts::PI * u()).cos();
    }
    for j in 0..p {
        let mut c = x.column_mut(j);
        let m = c.mean();
        c.add_scalar_mut(-m);
        let s = c.norm();
        c /= s;
    }
    x.transpose() * &x
}

/// Parallel analysis for the correlation matrix `r` (`p × p`) of `n` observations (see [`Parallel`]).
pub fn parallel_analysis(r: &[f64], p: usize, n: usize, n_iter: usize, seed: u64) -> StatResult<Parallel> {
    if n < 3 || p < 2 || n_iter < 2 {
        return Err(Na::new("parallel analysis needs ≥ 3 observations, ≥ 2 items and ≥ 2 replicates"));
    }
    let rm = DMatrix::from_row_slice(p, p, r);
    let (real_pc, real_fa) = pc_fa_eigenvalues(&rm)?;
    let reps: Vec<StatResult<(Vec<f64>, Vec<f64>)>> =
        (0..n_iter).into_par_iter().map(|i| pc_fa_eigenvalues(&simulated_correlation(n, p, seed, i))).collect();
    let reps: Vec<(Vec<f64>, Vec<f64>)> = reps.into_iter().collect::<StatResult<_>>()?;
    let q95 = |pick: &dyn Fn(&(Vec<f64>, Vec<f64>)) -> f64| {
        let v: Vec<f64> = reps.iter().map(pick).collect();
        super::descriptive::quantile(&v, 0.95).unwrap_or(f64::NAN)
    };
    let sim_pc: Vec<f64> = (0..p).map(|m| q95(&|r| r.0[m])).collect();
    let sim_fa: Vec<f64> = (0..p).map(|m| q95(&|r| r.1[m])).collect();
    let lead = |real: &[f64], sim: &[f64]| real.iter().zip(sim).take_while(|(a, b)| a > b).count();
    Ok(Parallel {
        n_factors: lead(&real_fa, &sim_fa),
        n_components: lead(&real_pc, &sim_pc),
        real_fa,
        real_pc,
        sim_fa,
        sim_pc,
        n_iter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn reference() -> Value {
        let s =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/structure/efa_psych.json"));
        serde_json::from_str(&s.unwrap()).unwrap()
    }

    /// Pearson correlation matrix of Holzinger–Swineford x1–x9 (301 rows).
    fn hs_corr() -> (Vec<f64>, usize) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/structure/HolzingerSwineford1939.csv");
        let mut rd = csv::Reader::from_path(path).unwrap();
        let head = rd.headers().unwrap().clone();
        let cols: Vec<usize> = (1..=9).map(|i| head.iter().position(|h| h == format!("x{i}")).unwrap()).collect();
        let rows: Vec<Vec<f64>> =
            rd.records().map(|r| cols.iter().map(|&c| r.as_ref().unwrap()[c].parse().unwrap()).collect()).collect();
        let n = rows.len();
        let x = DMatrix::from_fn(n, 9, |i, j| rows[i][j]);
        let mut z = x.clone();
        for j in 0..9 {
            let mut c = z.column_mut(j);
            let m = c.mean();
            c.add_scalar_mut(-m);
            let s = c.norm();
            c /= s;
        }
        let r = z.transpose() * z;
        (r.iter().copied().collect(), n) // symmetric: column-major = row-major
    }

    fn nums(v: &Value) -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .flat_map(|x| if x.is_array() { nums(x) } else { vec![x.as_f64().unwrap()] })
            .collect()
    }

    fn check(fm: FitMethod, rot: Rotation) {
        let refv = reference();
        let (r, n) = hs_corr();
        let fm_name = if fm == FitMethod::Ml { "ml" } else { "minres" };
        let want =
            refv["fits"].as_array().unwrap().iter().find(|f| f["fm"] == fm_name && f["rotate"] == rot.name()).unwrap();
        let fit = fit_efa(&r, 9, n, 3, fm, rot).unwrap();
        assert!(fit.converged);
        let close = |got: &[f64], want: &[f64], tol: f64, what: &str| {
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(want) {
                assert!((g - w).abs() < tol, "{fm_name} {} {what}: {g} vs {w}", rot.name());
            }
        };
        close(&fit.uniqueness, &nums(&want["uniquenesses"]), 1e-4, "uniqueness");
        close(&fit.communality, &nums(&want["communality"]), 1e-4, "communality");
        close(&fit.loadings, &nums(&want["loadings"]), 1e-4, "loadings");
        if let Some(phi) = &fit.phi {
            close(phi, &nums(&want["phi"]), 1e-4, "phi");
        } else {
            assert!(want["phi"].is_null());
        }
        close(
            &[fit.chisq, fit.df, fit.tli],
            &[want["chisq"].as_f64().unwrap(), want["dof"].as_f64().unwrap(), want["tli"].as_f64().unwrap()],
            1e-3,
            "fit",
        );
        let (a, b, c) = fit.rmsea.unwrap();
        close(&[a, b, c], &nums(&want["rmsea"]), 1e-4, "rmsea");
    }

    #[test]
    fn ml_oblimin_matches_psych() {
        check(FitMethod::Ml, Rotation::Oblimin);
    }
    #[test]
    fn ml_promax_varimax_none_match_psych() {
        check(FitMethod::Ml, Rotation::Promax);
        check(FitMethod::Ml, Rotation::Varimax);
        check(FitMethod::Ml, Rotation::None);
    }
    #[test]
    fn minres_rotations_match_psych() {
        for rot in [Rotation::Oblimin, Rotation::Promax, Rotation::Varimax, Rotation::None] {
            check(FitMethod::Minres, rot);
        }
    }

    #[test]
    fn eigenvalues_and_parallel_analysis_match_psych() {
        let refv = reference();
        let (r, n) = hs_corr();
        let pa = parallel_analysis(&r, 9, n, 20, 7).unwrap();
        for (g, w) in pa.real_pc.iter().zip(nums(&refv["eigen_pc"])) {
            assert!((g - w).abs() < 1e-10);
        }
        for (g, w) in pa.real_fa.iter().zip(nums(&refv["eigen_fa_smc"])) {
            assert!((g - w).abs() < 1e-10);
        }
        assert_eq!(pa.n_factors as f64, refv["parallel_nfact"].as_f64().unwrap());
        // Simulated eigenvalues of null data: the first exceeds 1, the sum of PC eigenvalues is p.
        assert!(pa.sim_pc[0] > 1.0 && pa.sim_pc[0] < 1.6);
        let again = parallel_analysis(&r, 9, n, 20, 7).unwrap();
        assert_eq!(pa.sim_fa, again.sim_fa);
    }

    #[test]
    fn degenerate_inputs_are_na() {
        let (r, n) = hs_corr();
        assert!(fit_efa(&r, 9, n, 6, FitMethod::Ml, Rotation::Oblimin).is_err()); // df < 0
        assert!(fit_efa(&r, 9, n, 0, FitMethod::Ml, Rotation::Oblimin).is_err());
        let mut sing = r.clone();
        for i in 0..9 {
            sing[i] = r[9 + i]; // row 0 = row 1 -> singular
            sing[i * 9] = r[i * 9 + 1];
        }
        sing[0] = 1.0;
        sing[1] = 1.0;
        sing[9] = 1.0;
        assert!(fit_efa(&sing, 9, n, 2, FitMethod::Ml, Rotation::None).is_err());
    }

    #[test]
    fn noncentral_chisq_matches_r() {
        // R: pchisq(22.38, 12, ncp = 5) = 0.8054031484; pchisq(10, 3) = 0.9814338645
        assert!((ncchisq_cdf(10.0, 3.0, 0.0) - 0.9814338645).abs() < 1e-9);
        assert!((ncchisq_cdf(22.38, 12.0, 5.0) - 0.8054031484).abs() < 1e-9);
    }
}
