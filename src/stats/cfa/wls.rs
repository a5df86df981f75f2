//! WLSMV CFA for ordered items, as lavaan `cfa(ordered = ..., estimator = "WLSMV")`.
//!
//! 1. **Sample statistics** (two-step, Olsson 1979): thresholds `τ = Φ⁻¹(cumulative proportions)`
//!    per item, then each polychoric (tetrachoric) correlation by ML of the pair's table given the
//!    thresholds ([`crate::stats::polychoric::polychoric_with`]).
//! 2. **Γ** (Muthén 1984; lavaan `muthen1984`): the asymptotic covariance of √N times the
//!    correlations from per-observation influence values. With the univariate threshold scores
//!    `s_τ`, the pair's scores `s_ρ = ∂log P_ab/∂ρ` and `s_τ^pair = ∂log P_ab/∂τ`, and the
//!    observed (summed) information blocks `A₁₁ = Σ s_τ s_τ'` (per item), `A₂₂ = Σ s_ρ²`,
//!    `A₂₁ = Σ s_ρ s_τ^pair'`: `IF_ρ = (s_ρ − A₂₁ A₁₁⁻¹ s_τ) / A₂₂` and `Γ = N Σ IF IF'`.
//! 3. **DWLS** in the delta parameterization (Σ* has unit diagonal, residual variances
//!    `1 − diag(ΛΨΛ')` are not parameters): minimise `F = Σ w_q (r_q − ρ_q(θ))²` with
//!    `w = 1/diag(Γ)` by Gauss–Newton. The thresholds are saturated (estimates = sample thresholds),
//!    so only the correlation block enters below. `T = (N − 1)·F` (lavaan's `chisq`: its DWLS
//!    objective carries the factor (N − 1)/N).
//! 4. **Robust SEs** (sandwich): `V = M J'WΓWJ M / (N − 1)`, `M = (J'WJ)⁻¹`, `J = ∂ρ/∂θ'`.
//! 5. **Scaled-and-shifted test** (Asparouhov & Muthén 2010; lavaan `test = "scaled.shifted"`):
//!    `U = W − WJMJ'W`, `a = √(df / tr((UΓ)²))`, `b = df − a·tr(UΓ)`, `T* = a·T + b` on df.
//!    The baseline (zero correlations) has `U₀ = W`. CFI/TLI/RMSEA `.scaled` use `T*` and `T₀*`;
//!    RMSEA uses N − 1. SRMR is the root mean square of the residual correlations over p(p+1)/2.
//!
//! Pinned against lavaan 0.6.14 on a simulated 3 × 4 binary-item data set to 1e-4 (test
//! `binary_three_factors_match_lavaan` below; `scripts/reference/cfa.R`). A 2 × 2 table with one
//! empty cell gets lavaan's correction (0.5 moved onto it, margins kept) before the correlation is
//! estimated (test `empty_cell_matches_lavaan`).

use super::fit::{cfi, chisq_p, rmsea, tli};
use super::model::{Kind, Model};
use super::{dsigma, free_index, matrices, solution, spd_inverse, CfaFit, Estimate, Estimator, FitIndices, Scaled};
use crate::stats::polychoric::{bvn_lower, phi, polychoric_with, thresholds};
use crate::stats::Na;
use nalgebra::DMatrix;

/// The largest number of categories accepted for an ordered item.
pub const MAX_CATEGORIES: usize = 20;

fn dnorm(x: f64) -> f64 {
    if x.is_finite() {
        (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
    } else {
        0.0
    }
}

/// Bivariate normal density at (h, k) with correlation r (0 at infinite limits).
fn dbvn(h: f64, k: f64, r: f64) -> f64 {
    if !h.is_finite() || !k.is_finite() {
        return 0.0;
    }
    let s = 1.0 - r * r;
    (-(h * h - 2.0 * r * h * k + k * k) / (2.0 * s)).exp() / (2.0 * std::f64::consts::PI * s.sqrt())
}

/// `∂Φ₂(h, k; r)/∂h = φ(h) Φ((k − r h)/√(1 − r²))`.
fn dbvn_dh(h: f64, k: f64, r: f64) -> f64 {
    if !h.is_finite() || k == f64::NEG_INFINITY {
        return 0.0;
    }
    if k == f64::INFINITY {
        return dnorm(h);
    }
    dnorm(h) * phi((k - r * h) / (1.0 - r * r).sqrt())
}

fn with_limits(t: &[f64]) -> Vec<f64> {
    std::iter::once(f64::NEG_INFINITY).chain(t.iter().copied()).chain(std::iter::once(f64::INFINITY)).collect()
}

/// One ordered item: category of each observation and thresholds.
struct Item {
    cat: Vec<usize>,
    th: Vec<f64>,
    /// `A₁₁⁻¹ s_τ(c)` per category c (the threshold part of the influence function).
    a11inv_score: Vec<Vec<f64>>,
    /// `diag(A₁₁⁻¹)`: the sampling variances of the thresholds.
    th_var: Vec<f64>,
}

fn item(col: &[f64], name: &str) -> Result<Item, Na> {
    let mut levels: Vec<f64> = col.to_vec();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    if levels.len() > MAX_CATEGORIES {
        return Err(Na::new(format!(
            "ordered item '{name}' has {} distinct values (at most {MAX_CATEGORIES} categories)",
            levels.len()
        )));
    }
    let cat: Vec<usize> = col.iter().map(|v| levels.partition_point(|l| l < v)).collect();
    let k = levels.len();
    let mut counts = vec![0.0; k];
    for &c in &cat {
        counts[c] += 1.0;
    }
    let th = thresholds(&counts)?;
    let cx = with_limits(&th);
    // Univariate scores per category: ∂log P_c/∂τ_t = φ(τ_t)([c = t] − [c = t + 1]) / P_c.
    let score: Vec<Vec<f64>> = (0..k)
        .map(|c| {
            let pc = phi(cx[c + 1]) - phi(cx[c]);
            (0..k - 1).map(|t| dnorm(th[t]) * ((c == t) as i32 - (c == t + 1) as i32) as f64 / pc).collect()
        })
        .collect();
    let mut a11 = DMatrix::zeros(k - 1, k - 1);
    for c in 0..k {
        for s in 0..k - 1 {
            for t in 0..k - 1 {
                a11[(s, t)] += counts[c] * score[c][s] * score[c][t];
            }
        }
    }
    let inv = spd_inverse(&a11).ok_or_else(|| Na::new(format!("item '{name}': singular threshold information")))?;
    let a11inv_score =
        score.iter().map(|s| (&inv * DMatrix::from_column_slice(k - 1, 1, s)).as_slice().to_vec()).collect();
    let th_var = (0..k - 1).map(|t| inv[(t, t)]).collect();
    Ok(Item { cat, th, a11inv_score, th_var })
}

/// The table the correlation is estimated from, as lavaan (`zero.add = c(0.5, 0)`,
/// `zero.keep.margins = TRUE`): a 2 × 2 table with one empty cell gets 0.5 moved onto that cell and
/// its opposite corner from the other two (margins kept); two empty cells make the correlation ±1,
/// reported as NA here (its information is zero). Larger tables are used as they are.
fn zero_cell_corrected(tab: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, Na> {
    let mut t = tab.to_vec();
    if t.len() != 2 || t[0].len() != 2 {
        return Ok(t);
    }
    let zeros: Vec<(usize, usize)> =
        (0..2).flat_map(|a| (0..2).map(move |b| (a, b))).filter(|&(a, b)| t[a][b] == 0.0).collect();
    match zeros.len() {
        0 => {}
        1 => {
            let d = if zeros[0].0 == zeros[0].1 { 0.5 } else { -0.5 };
            t[0][0] += d;
            t[1][1] += d;
            t[0][1] -= d;
            t[1][0] -= d;
        }
        _ => return Err(Na::new("two empty cells in the 2 x 2 table (a correlation of +/-1)")),
    }
    Ok(t)
}

/// The polychoric correlation of a pair and its influence values per cell of the table.
fn pair(x: &Item, y: &Item) -> Result<(f64, Vec<Vec<f64>>), Na> {
    let (kx, ky) = (x.th.len() + 1, y.th.len() + 1);
    let mut tab = vec![vec![0.0; ky]; kx];
    for (&a, &b) in x.cat.iter().zip(&y.cat) {
        tab[a][b] += 1.0;
    }
    let r = polychoric_with(&x.th, &y.th, &zero_cell_corrected(&tab)?)?;
    let (cx, cy) = (with_limits(&x.th), with_limits(&y.th));
    let f = |h: f64, k: f64| bvn_lower(h, k, r);
    // Per cell: P, ∂P/∂ρ, ∂P/∂τx_t, ∂P/∂τy_t.
    let mut p = vec![vec![0.0; ky]; kx];
    let mut dr = vec![vec![0.0; ky]; kx];
    let mut dx = vec![vec![vec![0.0; kx - 1]; ky]; kx];
    let mut dy = vec![vec![vec![0.0; ky - 1]; ky]; kx];
    for a in 0..kx {
        for b in 0..ky {
            p[a][b] = f(cx[a + 1], cy[b + 1]) - f(cx[a], cy[b + 1]) - f(cx[a + 1], cy[b]) + f(cx[a], cy[b]);
            dr[a][b] = dbvn(cx[a + 1], cy[b + 1], r) - dbvn(cx[a], cy[b + 1], r) - dbvn(cx[a + 1], cy[b], r)
                + dbvn(cx[a], cy[b], r);
            let gx = |h: f64| dbvn_dh(h, cy[b + 1], r) - dbvn_dh(h, cy[b], r);
            let gy = |k: f64| dbvn_dh(k, cx[a + 1], r) - dbvn_dh(k, cx[a], r);
            if a < kx - 1 {
                dx[a][b][a] += gx(cx[a + 1]);
            }
            if a > 0 {
                dx[a][b][a - 1] -= gx(cx[a]);
            }
            if b < ky - 1 {
                dy[a][b][b] += gy(cy[b + 1]);
            }
            if b > 0 {
                dy[a][b][b - 1] -= gy(cy[b]);
            }
        }
    }
    let mut a22 = 0.0;
    let mut a21x = vec![0.0; kx - 1];
    let mut a21y = vec![0.0; ky - 1];
    for a in 0..kx {
        for b in 0..ky {
            if tab[a][b] == 0.0 {
                continue;
            }
            let s = dr[a][b] / p[a][b];
            a22 += tab[a][b] * s * s;
            for t in 0..kx - 1 {
                a21x[t] += tab[a][b] * s * dx[a][b][t] / p[a][b];
            }
            for t in 0..ky - 1 {
                a21y[t] += tab[a][b] * s * dy[a][b][t] / p[a][b];
            }
        }
    }
    if !(a22 > 0.0) {
        return Err(Na::new("a polychoric correlation without information (empty table cells?)"));
    }
    let dot = |u: &[f64], v: &[f64]| u.iter().zip(v).map(|(a, b)| a * b).sum::<f64>();
    let infl = (0..kx)
        .map(|a| {
            (0..ky)
                .map(|b| {
                    let s = if p[a][b] > 0.0 { dr[a][b] / p[a][b] } else { 0.0 };
                    (s - dot(&a21x, &x.a11inv_score[a]) - dot(&a21y, &y.a11inv_score[b])) / a22
                })
                .collect()
        })
        .collect();
    Ok((r, infl))
}

/// Polychoric correlations (pairs (i, j), i < j, row by row), thresholds per item, and Γ of the
/// correlations (NACOV, the covariance of √N·r).
pub(crate) struct OrdinalStats {
    pub thresholds: Vec<Vec<f64>>,
    pub threshold_var: Vec<Vec<f64>>,
    pub pairs: Vec<(usize, usize)>,
    pub r: Vec<f64>,
    pub gamma: DMatrix<f64>,
}

pub(crate) fn ordinal_stats(cols: &[&[f64]], names: &[String]) -> Result<OrdinalStats, Na> {
    let items: Vec<Item> = cols.iter().zip(names).map(|(c, n)| item(c, n)).collect::<Result<_, _>>()?;
    let p = items.len();
    let n = cols[0].len();
    let pairs: Vec<(usize, usize)> = (0..p).flat_map(|i| (i + 1..p).map(move |j| (i, j))).collect();
    let mut r = Vec::with_capacity(pairs.len());
    let mut infl = DMatrix::zeros(n, pairs.len());
    for (q, &(i, j)) in pairs.iter().enumerate() {
        let (rq, cell) =
            pair(&items[i], &items[j]).map_err(|e| Na::new(format!("items '{}' and '{}': {e}", names[i], names[j])))?;
        r.push(rq);
        for obs in 0..n {
            infl[(obs, q)] = cell[items[i].cat[obs]][items[j].cat[obs]];
        }
    }
    let gamma = infl.transpose() * &infl * (n as f64);
    Ok(OrdinalStats {
        thresholds: items.iter().map(|it| it.th.clone()).collect(),
        threshold_var: items.iter().map(|it| it.th_var.clone()).collect(),
        pairs,
        r,
        gamma,
    })
}

/// Model correlations ρ_q and their Jacobian J (pairs × free parameters).
fn rho_jac(model: &Model, values: &[f64], pairs: &[(usize, usize)], kinds: &[Kind]) -> (Vec<f64>, DMatrix<f64>) {
    let (lam, psi, theta) = matrices(model, values);
    let sigma = &lam * psi * lam.transpose() + theta;
    let ds = dsigma(model, values, kinds);
    let rho = pairs.iter().map(|&(i, j)| sigma[(i, j)]).collect();
    let jac = DMatrix::from_fn(pairs.len(), kinds.len(), |q, c| ds[c][(pairs[q].0, pairs[q].1)]);
    (rho, jac)
}

fn dwls_f(r: &[f64], rho: &[f64], w: &[f64]) -> f64 {
    r.iter().zip(rho).zip(w).map(|((a, b), w)| w * (a - b) * (a - b)).sum()
}

/// Start values in the delta parameterization: marker loadings fixed, free loadings 1 (0.7 without
/// a marker), factor variances 0.5, covariances 0.
fn start_values(model: &Model) -> Vec<f64> {
    model
        .params
        .iter()
        .map(|par| match (par.free, par.kind) {
            (false, _) => par.value,
            (true, Kind::Loading(_, k)) => {
                let var_fixed = model.params.iter().any(|x| x.kind == Kind::FactorCov(k, k) && !x.free);
                if var_fixed {
                    0.7
                } else {
                    1.0
                }
            }
            (true, Kind::FactorCov(k, l)) if k == l => 0.5,
            _ => 0.0,
        })
        .collect()
}

/// Gauss–Newton minimisation of the DWLS function; returns values, F and iterations.
fn optimise(model: &Model, st: &OrdinalStats, w: &[f64], kinds: &[Kind]) -> Result<(Vec<f64>, f64, usize), Na> {
    let free = free_index(model);
    let mut values = start_values(model);
    let (mut rho, mut jac) = rho_jac(model, &values, &st.pairs, kinds);
    let mut f = dwls_f(&st.r, &rho, w);
    for iter in 1..=500 {
        let wj = DMatrix::from_fn(jac.nrows(), jac.ncols(), |q, c| w[q] * jac[(q, c)]);
        let resid = DMatrix::from_iterator(st.r.len(), 1, st.r.iter().zip(&rho).map(|(a, b)| a - b));
        let grad = wj.transpose() * &resid;
        if grad.iter().all(|g| g.abs() < 1e-12) {
            return Ok((values, f, iter));
        }
        let info = jac.transpose() * &wj;
        let inv = spd_inverse(&info).ok_or_else(|| Na::new("singular DWLS information (model not identified?)"))?;
        let step = inv * grad;
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..40 {
            let mut trial = values.clone();
            for (c, &fi) in free.iter().enumerate() {
                trial[fi] += t * step[c];
            }
            let (rt, jt) = rho_jac(model, &trial, &st.pairs, kinds);
            let ft = dwls_f(&st.r, &rt, w);
            if ft.is_finite() && ft <= f {
                let done = f - ft < 1e-16 * f.max(1e-300);
                values = trial;
                rho = rt;
                jac = jt;
                f = ft;
                accepted = true;
                if done {
                    return Ok((values, f, iter));
                }
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            return Ok((values, f, iter));
        }
    }
    Err(Na::new("DWLS did not converge in 500 Gauss-Newton iterations"))
}

/// `tr(UΓ)`, `tr((UΓ)²)` and the sandwich meat `J'WΓWJ`, with `U = W − WJMJ'W`, never forming U.
fn traces(gamma: &DMatrix<f64>, w: &[f64], jac: &DMatrix<f64>, m: &DMatrix<f64>) -> (f64, f64, DMatrix<f64>) {
    let np = w.len();
    let wj = DMatrix::from_fn(np, jac.ncols(), |q, c| w[q] * jac[(q, c)]);
    let k = wj.transpose() * gamma; // J'WΓ (q × P*)
    let meat = &k * &wj; // J'WΓWJ
    let (tr1_0, tr2_0) = baseline_traces(gamma, w);
    let mkwj = m * &meat;
    let kw = DMatrix::from_fn(k.nrows(), np, |r, q| k[(r, q)] * w[q]);
    let kwk = &kw * k.transpose();
    let tr1 = tr1_0 - mkwj.trace();
    let tr2 = tr2_0 - 2.0 * (m * kwk).trace() + (&mkwj * &mkwj).trace();
    (tr1, tr2, meat)
}

/// `tr(WΓ)` and `tr((WΓ)²)`: the traces with `U = W` (the baseline model, no free correlations).
fn baseline_traces(gamma: &DMatrix<f64>, w: &[f64]) -> (f64, f64) {
    let np = w.len();
    let tr1 = (0..np).map(|q| w[q] * gamma[(q, q)]).sum();
    let mut tr2 = 0.0;
    for b in 0..np {
        for a in 0..np {
            let g = gamma[(a, b)];
            tr2 += w[a] * w[b] * g * g;
        }
    }
    (tr1, tr2)
}

/// Fit the model by WLSMV to ordered items `cols`.
pub(crate) fn fit(model: &Model, cols: &[&[f64]], df: usize) -> Result<CfaFit, Na> {
    let n = cols[0].len();
    let nf = n as f64;
    let p = cols.len();
    let st = ordinal_stats(cols, &model.observed)?;
    let w: Vec<f64> = (0..st.r.len()).map(|q| 1.0 / st.gamma[(q, q)]).collect();
    if w.iter().any(|x| !x.is_finite() || *x <= 0.0) {
        return Err(Na::new("zero asymptotic variance of a polychoric correlation"));
    }
    let free = free_index(model);
    let kinds: Vec<Kind> = free.iter().map(|&i| model.params[i].kind).collect();
    let (values, f, iterations) = optimise(model, &st, &w, &kinds)?;
    let (rho, jac) = rho_jac(model, &values, &st.pairs, &kinds);
    let wj = DMatrix::from_fn(jac.nrows(), jac.ncols(), |q, c| w[q] * jac[(q, c)]);
    let m = spd_inverse(&(jac.transpose() * &wj)).ok_or_else(|| Na::new("singular DWLS information"))?;
    let (tr1, tr2, meat) = traces(&st.gamma, &w, &jac, &m);
    let vcov = &m * meat * &m / (nf - 1.0); // lavaan: the DWLS information carries (N − 1)
    let ones = |_: &[f64]| vec![1.0; p];
    let (mut estimates, std_loadings, factor_correlations) = solution(model, &values, &vcov, &ones);
    push_delta_extras(model, &values, &st, nf, &mut estimates);
    // lavaan's DWLS objective carries (N − 1)/N (lav_model_objective), so χ² = (N − 1)·F.
    let chisq = (nf - 1.0) * f;
    let baseline_chisq = (nf - 1.0) * dwls_f(&st.r, &vec![0.0; st.r.len()], &w);
    let baseline_df = st.r.len();
    let (b1, b2) = baseline_traces(&st.gamma, &w);
    let scaled = (df > 0).then(|| {
        let a = (df as f64 / tr2).sqrt();
        let shift = df as f64 - a * tr1;
        let a0 = (baseline_df as f64 / b2).sqrt();
        let t0 = a0 * baseline_chisq + baseline_df as f64 - a0 * b1;
        let t = a * chisq + shift;
        Scaled {
            chisq: t,
            a,
            shift,
            p_value: chisq_p(t, df),
            baseline_chisq: t0,
            cfi: cfi(t, df, t0, baseline_df),
            tli: tli(t, df, t0, baseline_df),
            rmsea: rmsea(t, df, nf - 1.0),
        }
    });
    let srmr = (st.r.iter().zip(&rho).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / (p * (p + 1) / 2) as f64).sqrt();
    let fit = FitIndices {
        chisq,
        df,
        p_value: chisq_p(chisq, df),
        npar: free.len() + st.thresholds.iter().map(|t| t.len()).sum::<usize>(),
        baseline_chisq,
        baseline_df,
        cfi: cfi(chisq, df, baseline_chisq, baseline_df),
        tli: tli(chisq, df, baseline_chisq, baseline_df),
        rmsea: rmsea(chisq, df, nf - 1.0),
        rmsea_ci: None,
        srmr,
        loglik: None,
        aic: None,
        bic: None,
        scaled,
    };
    Ok(CfaFit {
        estimator: Estimator::Wlsmv,
        n,
        observed: model.observed.clone(),
        factors: model.factors.clone(),
        estimates,
        std_loadings,
        factor_correlations,
        fit,
        modindices: Vec::new(),
        iterations,
    })
}

/// Thresholds (`item | t1`, SE = √(A₁₁⁻¹·N/(N − 1)), the (N − 1) as lavaan's SEs) and the residual variances of the delta
/// parameterization (`1 − diag(ΛΨΛ')`, fixed, no SE), as lavaan lists them.
fn push_delta_extras(model: &Model, values: &[f64], st: &OrdinalStats, n: f64, out: &mut Vec<Estimate>) {
    let (lam, psi, _) = matrices(model, values);
    let common = &lam * psi * lam.transpose();
    for (i, name) in model.observed.iter().enumerate() {
        out.push(Estimate {
            lhs: name.clone(),
            op: "~~",
            rhs: name.clone(),
            est: 1.0 - common[(i, i)],
            se: None,
            free: false,
        });
    }
    for (i, name) in model.observed.iter().enumerate() {
        for (t, (&th, &v)) in st.thresholds[i].iter().zip(&st.threshold_var[i]).enumerate() {
            out.push(Estimate {
                lhs: name.clone(),
                op: "|",
                rhs: format!("t{}", t + 1),
                est: th,
                se: Some((v * n / (n - 1.0)).max(0.0).sqrt()),
                free: true,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ml::tests::read_csv;
    use super::super::{fit_cfa, CfaOptions, Estimator};

    fn reference() -> serde_json::Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cfa/binary3x4_wlsmv.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    const MODEL: &str = "f1 =~ y1 + y2 + y3 + y4; f2 =~ y5 + y6 + y7 + y8; f3 =~ y9 + y10 + y11 + y12";

    fn check_estimates(fit: &super::super::CfaFit, refs: &serde_json::Value, tol: f64) {
        for e in refs.as_array().unwrap() {
            let (lhs, op, rhs) = (e["lhs"].as_str().unwrap(), e["op"].as_str().unwrap(), e["rhs"].as_str().unwrap());
            let Some(ours) = fit.estimates.iter().find(|x| x.lhs == lhs && x.op == op && x.rhs == rhs) else {
                continue;
            };
            assert!(
                (ours.est - e["est"].as_f64().unwrap()).abs() < tol,
                "{lhs} {op} {rhs}: {} vs {}",
                ours.est,
                e["est"]
            );
            if let (Some(se), Some(o)) = (e["se"].as_f64().filter(|s| *s > 0.0), ours.se) {
                assert!((o - se).abs() < tol, "se {lhs} {op} {rhs}: {o} vs {se}");
            }
        }
    }

    #[test]
    fn binary_three_factors_match_lavaan() {
        let (names, cols) = read_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cfa/binary3x4.csv"));
        let fit = fit_cfa(&cols, &names, MODEL, &CfaOptions { estimator: Estimator::Wlsmv, std_lv: false }).unwrap();
        let r = reference();
        let f = |k: &str| r["fit"][k][0].as_f64().unwrap();
        let s = fit.fit.scaled.clone().unwrap();
        check_estimates(&fit, &r["estimates"], 1e-4);
        let ours = [
            ("chisq", fit.fit.chisq),
            ("chisq.scaled", s.chisq),
            ("pvalue.scaled", s.p_value),
            ("baseline.chisq", fit.fit.baseline_chisq),
            ("baseline.chisq.scaled", s.baseline_chisq),
            ("cfi", fit.fit.cfi),
            ("tli", fit.fit.tli),
            ("rmsea", fit.fit.rmsea),
            ("cfi.scaled", s.cfi),
            ("tli.scaled", s.tli),
            ("rmsea.scaled", s.rmsea),
            ("srmr", fit.fit.srmr),
            ("chisq.scaling.factor", 1.0 / s.a),
        ];
        for (k, v) in ours {
            // lavaan agrees to ~1e-7; pinned at 1e-4 (relative above 1).
            assert!((v - f(k)).abs() < 1e-4 * f(k).abs().max(1.0), "{k}: ours {v}, lavaan {}", f(k));
        }
        assert_eq!(fit.fit.df as f64, f("df"));
        for e in r["std_all"].as_array().unwrap().iter().filter(|e| e["op"] == "=~") {
            let ours = fit.std_loadings.iter().find(|x| x.lhs == e["lhs"] && x.rhs == e["rhs"]).unwrap();
            assert!((ours.est - e["est"].as_f64().unwrap()).abs() < 1e-4);
            assert!((ours.se.unwrap() - e["se"].as_f64().unwrap()).abs() < 1e-4);
        }
        let fc = r["std_all"].as_array().unwrap().iter().filter(|e| e["op"] == "~~" && e["lhs"] != e["rhs"]);
        for e in fc.filter(|e| e["lhs"].as_str().unwrap().starts_with('f')) {
            let ours = fit.factor_correlations.iter().find(|x| x.lhs == e["lhs"] && x.rhs == e["rhs"]).unwrap();
            assert!((ours.est - e["est"].as_f64().unwrap()).abs() < 1e-4);
        }
    }

    #[test]
    fn polychoric_and_gamma_match_lavaan() {
        let (names, cols) = read_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cfa/binary3x4.csv"));
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let st = super::ordinal_stats(&refs, &names).unwrap();
        let r = reference();
        // lavCor's upper triangle, column-major: (1,2), (1,3), (2,3), (1,4), ...
        let poly: Vec<f64> = r["polychoric"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let mut k = 0;
        for j in 1..12 {
            for i in 0..j {
                let q = st.pairs.iter().position(|&x| x == (i, j)).unwrap();
                assert!((st.r[q] - poly[k]).abs() < 1e-5, "r({i},{j})");
                k += 1;
            }
        }
        // NACOV diagonal: 12 thresholds, then correlations in lavaan's vech order (2,1), (3,1), ...
        let nacov: Vec<f64> = r["nacov_diag"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let mut k = 12;
        for i in 0..12 {
            for j in i + 1..12 {
                let q = st.pairs.iter().position(|&x| x == (i, j)).unwrap();
                assert!((st.gamma[(q, q)] - nacov[k]).abs() < 1e-4 * nacov[k], "gamma({i},{j})");
                k += 1;
            }
        }
        for i in 0..12 {
            assert!((st.threshold_var[i][0] * 500.0 - nacov[i]).abs() < 1e-6 * nacov[i]);
        }
    }

    #[test]
    fn std_lv_matches_lavaan() {
        let (names, cols) = read_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cfa/binary3x4.csv"));
        let fit = fit_cfa(&cols, &names, MODEL, &CfaOptions { estimator: Estimator::Wlsmv, std_lv: true }).unwrap();
        let r = reference();
        check_estimates(&fit, &r["std_lv"]["estimates"], 1e-4);
        assert!((fit.fit.chisq - r["std_lv"]["fit"]["chisq"][0].as_f64().unwrap()).abs() < 1e-4);
    }

    #[test]
    fn empty_cell_matches_lavaan() {
        let (names, cols) = read_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cfa/zero_cell.csv"));
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cfa/zero_cell_wlsmv.json");
        let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(r["table_r_y1"][1], 0, "the fixture has an empty cell");
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let st = super::ordinal_stats(&refs, &names).unwrap();
        let poly: Vec<f64> = r["polychoric"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let mut k = 0;
        for j in 1..5 {
            for i in 0..j {
                let q = st.pairs.iter().position(|&x| x == (i, j)).unwrap();
                assert!((st.r[q] - poly[k]).abs() < 1e-5, "r({i},{j}): {} vs {}", st.r[q], poly[k]);
                k += 1;
            }
        }
        let opts = CfaOptions { estimator: Estimator::Wlsmv, std_lv: false };
        let fit = fit_cfa(&cols, &names, "f =~ y1 + y2 + y3 + y4 + r", &opts).unwrap();
        let f = |k: &str| r["fit"][k][0].as_f64().unwrap();
        let s = fit.fit.scaled.clone().unwrap();
        for (k, v) in
            [("chisq", fit.fit.chisq), ("chisq.scaled", s.chisq), ("cfi.scaled", s.cfi), ("srmr", fit.fit.srmr)]
        {
            assert!((v - f(k)).abs() < 1e-4 * f(k).abs().max(1.0), "{k}: ours {v}, lavaan {}", f(k));
        }
        check_estimates(&fit, &r["estimates"], 1e-4);
    }

    #[test]
    fn constant_item_is_na() {
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let a: Vec<f64> = (0..40).map(|i| (i % 2) as f64).collect();
        let b: Vec<f64> = (0..40).map(|i| ((i / 3) % 2) as f64).collect();
        let c = vec![1.0; 40];
        let e =
            fit_cfa(&[a, b, c], &names, "f =~ a + b + c", &CfaOptions { estimator: Estimator::Wlsmv, std_lv: false });
        assert!(matches!(e, Err(super::super::CfaError::Na(ref na)) if na.0.contains("'c' is constant")), "{e:?}");
    }
}
