//! Confirmatory factor analysis (CFA) as lavaan 0.6 computes it (Rosseel 2012).
//!
//! The model `Σ = ΛΨΛ' + Θ` (loadings Λ, factor covariances Ψ, residual covariances Θ) is given
//! in the lavaan syntax subset of [`model`] and fitted by
//! - **ML** ([`ml`], Jöreskog 1969): `F_ML = log|Σ| + tr(SΣ⁻¹) − log|S| − p` with the sample
//!   covariance `S` divided by N, minimised by Fisher scoring with analytic derivatives;
//!   `χ² = N·F_ML`; SEs from the expected information; modification indices (Sörbom 1989) as
//!   lavaan `modindices()`;
//! - **WLSMV** ([`wls`]) for ordered items: two-step thresholds and polychoric (tetrachoric)
//!   correlations (Olsson 1979), their asymptotic covariance Γ from the per-observation scores
//!   (Muthén 1984; Muthén, du Toit & Spisic 1997), DWLS estimates in the delta parameterization
//!   with weight `diag(Γ)⁻¹`, robust (sandwich) SEs, and the mean-and-variance adjusted
//!   (`scaled.shifted`) test of Asparouhov & Muthén (2010).
//!
//! Fit indices (CFI, TLI, RMSEA with its noncentral-χ² CI, SRMR, AIC/BIC) are in [`fit`].
//! Pinned against lavaan 0.6.14 on Holzinger & Swineford (1939) (ML, 1e-4) and on a simulated
//! binary data set (WLSMV, 1e-4): `scripts/reference/cfa.R`, `tests/fixtures/cfa/`, the tests at
//! the end of [`ml`] and [`wls`] and `tests/cli/cfa.rs`.

pub mod fit;
pub mod ml;
pub mod model;
pub mod wls;

use crate::stats::Na;
use model::{Kind, Model, SyntaxError};
use nalgebra::DMatrix;

/// The estimator: maximum likelihood for continuous items, WLSMV (DWLS with robust SEs and the
/// scaled-and-shifted test) for ordered items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Estimator {
    Ml,
    Wlsmv,
}

impl Estimator {
    pub fn name(self) -> &'static str {
        match self {
            Estimator::Ml => "ML",
            Estimator::Wlsmv => "WLSMV",
        }
    }
}

/// Options of a CFA fit. With WLSMV every model item is treated as ordered (integer-coded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CfaOptions {
    pub estimator: Estimator,
    /// Identify factors by fixing their variances to 1 (all loadings free) instead of markers.
    pub std_lv: bool,
}

/// Why a fit could not be made: a model syntax error, a model variable absent from the data,
/// or a degenerate fit (NA with its reason: constant item, non-positive-definite S, no convergence).
#[derive(Debug, Clone, PartialEq)]
pub enum CfaError {
    Syntax(SyntaxError),
    MissingVariable { name: String },
    Na(Na),
}

impl std::fmt::Display for CfaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CfaError::Syntax(e) => write!(f, "model syntax: {e}"),
            CfaError::MissingVariable { name } => write!(f, "model variable '{name}' is not a column of the data"),
            CfaError::Na(na) => write!(f, "{na}"),
        }
    }
}

impl From<Na> for CfaError {
    fn from(na: Na) -> Self {
        CfaError::Na(na)
    }
}

/// One parameter as lavaan's `parameterEstimates()`: `lhs op rhs`, estimate, SE (free ones).
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub lhs: String,
    pub op: &'static str,
    pub rhs: String,
    pub est: f64,
    pub se: Option<f64>,
    pub free: bool,
}

/// A standardized (std.all) value with its delta-method SE.
#[derive(Debug, Clone, PartialEq)]
pub struct StdValue {
    pub lhs: String,
    pub rhs: String,
    pub est: f64,
    pub se: Option<f64>,
}

/// A modification index (Sörbom 1989): the score test of freeing one fixed parameter, and the
/// expected parameter change (EPC).
#[derive(Debug, Clone, PartialEq)]
pub struct ModIndex {
    pub lhs: String,
    pub op: &'static str,
    pub rhs: String,
    pub mi: f64,
    pub epc: f64,
}

/// The scaled-and-shifted test (WLSMV): `T* = a·T + b`, `a = √(df / tr((UΓ)²))`,
/// `b = df − a·tr(UΓ)`, and the fit indices computed from it (lavaan's `.scaled` measures).
#[derive(Debug, Clone, PartialEq)]
pub struct Scaled {
    pub chisq: f64,
    pub a: f64,
    pub shift: f64,
    pub p_value: f64,
    pub baseline_chisq: f64,
    pub cfi: f64,
    pub tli: f64,
    pub rmsea: f64,
}

/// Fit measures of a CFA (see [`fit`] for the formulas).
#[derive(Debug, Clone, PartialEq)]
pub struct FitIndices {
    pub chisq: f64,
    pub df: usize,
    pub p_value: f64,
    pub npar: usize,
    pub baseline_chisq: f64,
    pub baseline_df: usize,
    pub cfi: f64,
    pub tli: f64,
    pub rmsea: f64,
    /// 90% CI of the RMSEA (ML only).
    pub rmsea_ci: Option<(f64, f64)>,
    pub srmr: f64,
    /// Log-likelihood, AIC and BIC (ML only).
    pub loglik: Option<f64>,
    pub aic: Option<f64>,
    pub bic: Option<f64>,
    pub scaled: Option<Scaled>,
}

/// A fitted CFA.
#[derive(Debug, Clone, PartialEq)]
pub struct CfaFit {
    pub estimator: Estimator,
    pub n: usize,
    pub observed: Vec<String>,
    pub factors: Vec<String>,
    pub estimates: Vec<Estimate>,
    /// std.all loadings: `lhs` = factor, `rhs` = item.
    pub std_loadings: Vec<StdValue>,
    /// Factor correlations: `lhs`, `rhs` = the two factors.
    pub factor_correlations: Vec<StdValue>,
    pub fit: FitIndices,
    /// The 10 largest modification indices (ML only), largest first.
    pub modindices: Vec<ModIndex>,
    pub iterations: usize,
}

/// Fit a CFA. `columns[j]` holds the values of variable `names[j]` (complete rows only: drop rows
/// with missing values before, as lavaan's listwise default); the model's items are looked up by
/// name. With [`Estimator::Wlsmv`] the items must be integer-coded categories (any integers; the
/// distinct values in order are the categories).
pub fn fit_cfa(columns: &[Vec<f64>], names: &[String], syntax: &str, opts: &CfaOptions) -> Result<CfaFit, CfaError> {
    let model = model::parse_model(syntax, opts.std_lv, opts.estimator == Estimator::Ml).map_err(CfaError::Syntax)?;
    let cols: Vec<&[f64]> = model
        .observed
        .iter()
        .map(|o| {
            names
                .iter()
                .position(|n| n == o)
                .map(|j| columns[j].as_slice())
                .ok_or_else(|| CfaError::MissingVariable { name: o.clone() })
        })
        .collect::<Result<_, _>>()?;
    let n = cols.first().map(|c| c.len()).unwrap_or(0);
    if n < 3 {
        return Err(Na::new(format!("{n} complete observations (a CFA needs many more)")).into());
    }
    for (c, o) in cols.iter().zip(&model.observed) {
        if c.iter().any(|v| !v.is_finite()) {
            return Err(Na::new(format!("item '{o}' has missing or non-finite values")).into());
        }
        if c.iter().all(|v| *v == c[0]) {
            return Err(Na::new(format!("item '{o}' is constant")).into());
        }
    }
    let df = model_df(&model, opts.estimator)?;
    match opts.estimator {
        Estimator::Ml => ml::fit(&model, &cols, df),
        Estimator::Wlsmv => wls::fit(&model, &cols, df),
    }
    .map_err(CfaError::Na)
}

/// Degrees of freedom: moments (p(p+1)/2 for ML; p(p−1)/2 correlations for WLSMV, the thresholds
/// being saturated) minus free parameters (not counting thresholds).
fn model_df(model: &Model, est: Estimator) -> Result<usize, Na> {
    let p = model.observed.len();
    let moments = if est == Estimator::Ml { p * (p + 1) / 2 } else { p * (p - 1) / 2 };
    let q = model.params.iter().filter(|x| x.free).count();
    if q > moments {
        return Err(Na::new(format!("model not identified: {q} free parameters for {moments} moments")));
    }
    Ok(moments - q)
}

/// Λ (p×m), Ψ (m×m) and Θ (p×p) from parameter values (one value per parameter of `model`).
pub(crate) fn matrices(model: &Model, values: &[f64]) -> (DMatrix<f64>, DMatrix<f64>, DMatrix<f64>) {
    let (p, m) = (model.observed.len(), model.factors.len());
    let mut lam = DMatrix::zeros(p, m);
    let mut psi = DMatrix::zeros(m, m);
    let mut theta = DMatrix::zeros(p, p);
    for (par, &v) in model.params.iter().zip(values) {
        match par.kind {
            Kind::Loading(i, k) => lam[(i, k)] = v,
            Kind::FactorCov(k, l) => {
                psi[(k, l)] = v;
                psi[(l, k)] = v;
            }
            Kind::Resid(i, j) => {
                theta[(i, j)] = v;
                theta[(j, i)] = v;
            }
        }
    }
    (lam, psi, theta)
}

/// The model-implied covariance `Σ = ΛΨΛ' + Θ`.
pub(crate) fn implied(model: &Model, values: &[f64]) -> DMatrix<f64> {
    let (lam, psi, theta) = matrices(model, values);
    &lam * psi * lam.transpose() + theta
}

/// `∂Σ/∂θ` for the parameter kinds in `kinds`, at `values`.
pub(crate) fn dsigma(model: &Model, values: &[f64], kinds: &[Kind]) -> Vec<DMatrix<f64>> {
    let (lam, psi, _) = matrices(model, values);
    let p = lam.nrows();
    let mmat = &lam * &psi;
    kinds
        .iter()
        .map(|kind| {
            let mut d = DMatrix::zeros(p, p);
            match *kind {
                Kind::Loading(i, k) => {
                    for b in 0..p {
                        d[(i, b)] += mmat[(b, k)];
                        d[(b, i)] += mmat[(b, k)];
                    }
                }
                Kind::FactorCov(k, l) => {
                    for a in 0..p {
                        for b in 0..p {
                            d[(a, b)] = if k == l {
                                lam[(a, k)] * lam[(b, k)]
                            } else {
                                lam[(a, k)] * lam[(b, l)] + lam[(a, l)] * lam[(b, k)]
                            };
                        }
                    }
                }
                Kind::Resid(i, j) => {
                    d[(i, j)] = 1.0;
                    d[(j, i)] = 1.0;
                }
            }
            d
        })
        .collect()
}

/// Indices of the free parameters.
pub(crate) fn free_index(model: &Model) -> Vec<usize> {
    (0..model.params.len()).filter(|&i| model.params[i].free).collect()
}

/// Standardized solution (std.all) at `values`: loadings `λ_ik √ψ_kk / √σ_ii` (σ_ii from `Σ`) and
/// factor correlations `ψ_kl / √(ψ_kk ψ_ll)`, in that order.
pub(crate) fn std_all(model: &Model, values: &[f64], sigma_diag: &dyn Fn(&[f64]) -> Vec<f64>) -> Vec<f64> {
    let (lam, psi, _) = matrices(model, values);
    let sd = sigma_diag(values);
    let mut out = Vec::new();
    for par in &model.params {
        if let Kind::Loading(i, k) = par.kind {
            out.push(lam[(i, k)] * psi[(k, k)].max(0.0).sqrt() / sd[i].max(1e-300).sqrt());
        }
    }
    let m = model.factors.len();
    for k in 0..m {
        for l in k + 1..m {
            out.push(psi[(k, l)] / (psi[(k, k)] * psi[(l, l)]).max(1e-300).sqrt());
        }
    }
    out
}

/// Delta-method SEs of `g(θ)`: `diag(J V J')` with `J` by central differences over the free
/// parameters and `V` their covariance matrix.
pub(crate) fn delta_se(
    values: &[f64],
    free: &[usize],
    vcov: &DMatrix<f64>,
    g: &dyn Fn(&[f64]) -> Vec<f64>,
) -> Vec<f64> {
    let k = g(values).len();
    let q = free.len();
    let mut jac = DMatrix::zeros(k, q);
    for (c, &fi) in free.iter().enumerate() {
        let h = 1e-6 * values[fi].abs().max(1.0);
        let mut up = values.to_vec();
        let mut dn = values.to_vec();
        up[fi] += h;
        dn[fi] -= h;
        let (gu, gd) = (g(&up), g(&dn));
        for r in 0..k {
            jac[(r, c)] = (gu[r] - gd[r]) / (2.0 * h);
        }
    }
    let v = &jac * vcov * jac.transpose();
    (0..k).map(|r| v[(r, r)].max(0.0).sqrt()).collect()
}

/// Assemble estimates, standardized values and their SEs (shared by ML and WLSMV).
pub(crate) fn solution(
    model: &Model,
    values: &[f64],
    vcov: &DMatrix<f64>,
    sigma_diag: &dyn Fn(&[f64]) -> Vec<f64>,
) -> (Vec<Estimate>, Vec<StdValue>, Vec<StdValue>) {
    let free = free_index(model);
    let name = |k: Kind| -> (String, &'static str, String) {
        match k {
            Kind::Loading(i, f) => (model.factors[f].clone(), "=~", model.observed[i].clone()),
            Kind::FactorCov(a, b) => (model.factors[a].clone(), "~~", model.factors[b].clone()),
            Kind::Resid(a, b) => (model.observed[a].clone(), "~~", model.observed[b].clone()),
        }
    };
    let estimates = model
        .params
        .iter()
        .enumerate()
        .map(|(i, par)| {
            let (lhs, op, rhs) = name(par.kind);
            let se = free.iter().position(|&f| f == i).map(|c| vcov[(c, c)].max(0.0).sqrt());
            Estimate { lhs, op, rhs, est: values[i], se, free: par.free }
        })
        .collect();
    let g = |v: &[f64]| std_all(model, v, sigma_diag);
    let est = g(values);
    let se = delta_se(values, &free, vcov, &g);
    let mut loads = Vec::new();
    let mut cors = Vec::new();
    let mut it = est.iter().zip(&se);
    for par in &model.params {
        if let Kind::Loading(..) = par.kind {
            let (e, s) = it.next().expect("std value");
            let (lhs, _, rhs) = name(par.kind);
            loads.push(StdValue { lhs, rhs, est: *e, se: Some(*s).filter(|s| *s > 0.0) });
        }
    }
    let m = model.factors.len();
    for k in 0..m {
        for l in k + 1..m {
            let (e, s) = it.next().expect("std value");
            let se = Some(*s).filter(|s| *s > 0.0);
            cors.push(StdValue { lhs: model.factors[k].clone(), rhs: model.factors[l].clone(), est: *e, se });
        }
    }
    (estimates, loads, cors)
}

/// Solve `A x = b` for a symmetric positive-definite `A`, or `None`.
pub(crate) fn spd_inverse(a: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    let c = nalgebra::Cholesky::new(a.clone())?;
    let inv = c.inverse();
    inv.iter().all(|v| v.is_finite()).then_some(inv)
}
