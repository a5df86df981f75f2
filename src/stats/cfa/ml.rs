//! Maximum-likelihood CFA (Jöreskog 1969) as lavaan `cfa(estimator = "ML")`.
//!
//! `S` is the sample covariance with divisor N. `F_ML(θ) = log|Σ| + tr(SΣ⁻¹) − log|S| − p` is
//! minimised by Fisher scoring: gradient `g_a = tr(Σ⁻¹Σ_a) − tr(Σ⁻¹SΣ⁻¹Σ_a)` and expected Hessian
//! `H_ab = tr(Σ⁻¹Σ_aΣ⁻¹Σ_b)` (`Σ_a = ∂Σ/∂θ_a`), step `−H⁻¹g` halved until F decreases. `χ² = N·F`;
//! SEs from the expected information `N·H/2`; `loglik = −N/2·(p log 2π + log|Σ| + tr(SΣ⁻¹))`,
//! `AIC = −2 loglik + 2q`, `BIC = −2 loglik + q log N` (q free parameters). The baseline is the
//! independence model (diagonal Σ = diag S): `T₀ = N(Σ log s_ii − log|S|)` on p(p−1)/2 df.
//!
//! Modification indices (Sörbom 1989; lavaan `modindices()`): for each absent loading, absent
//! residual covariance and fixed factor covariance `c`, with `V_c = H_cc − H_cf H_ff⁻¹ H_fc`,
//! `MI = N g_c² / (2 V_c)` and `EPC = −g_c / V_c`.
//!
//! Pinned against lavaan 0.6.14 on Holzinger & Swineford (1939) to 1e-4 (test
//! `holzinger_swineford_matches_lavaan` below; `scripts/reference/cfa.R`).

use super::fit::{cfi, chisq_p, rmsea, rmsea_ci, tli};
use super::model::{Kind, Model};
use super::{dsigma, free_index, implied, solution, spd_inverse, CfaFit, Estimator, FitIndices, ModIndex};
use crate::stats::Na;
use nalgebra::DMatrix;

/// Sample covariance matrix with divisor N.
pub(crate) fn sample_cov(cols: &[&[f64]]) -> DMatrix<f64> {
    let p = cols.len();
    let n = cols[0].len() as f64;
    let means: Vec<f64> = cols.iter().map(|c| c.iter().sum::<f64>() / n).collect();
    DMatrix::from_fn(p, p, |a, b| {
        cols[a].iter().zip(cols[b]).map(|(x, y)| (x - means[a]) * (y - means[b])).sum::<f64>() / n
    })
}

/// `log|Σ| + tr(SΣ⁻¹)` and `Σ⁻¹`, or `None` when Σ is not positive definite.
fn objective(s: &DMatrix<f64>, sigma: &DMatrix<f64>) -> Option<(f64, DMatrix<f64>)> {
    let c = nalgebra::Cholesky::new(sigma.clone())?;
    let logdet = 2.0 * c.l().diagonal().iter().map(|d| d.ln()).sum::<f64>();
    let inv = c.inverse();
    let tr = (s * &inv).trace();
    let f = logdet + tr;
    f.is_finite().then_some((f, inv))
}

/// Simple start values: residual variances s_ii/2, factor variances s_mm/2 of the marker, loadings
/// √(s_ii/s_mm) with the sign of s_im (0.7·√s_ii without a marker), covariances 0.
pub(crate) fn start_values(model: &Model, s: &DMatrix<f64>) -> Vec<f64> {
    let m = model.factors.len();
    let mut marker: Vec<Option<(usize, f64)>> = vec![None; m];
    let mut first: Vec<Option<usize>> = vec![None; m];
    for par in &model.params {
        if let Kind::Loading(i, k) = par.kind {
            first[k].get_or_insert(i);
            if !par.free && par.value != 0.0 && marker[k].is_none() {
                marker[k] = Some((i, par.value));
            }
        }
    }
    model
        .params
        .iter()
        .map(|par| {
            if !par.free {
                return par.value;
            }
            match par.kind {
                Kind::Loading(i, k) => {
                    let (r, scale) = match marker[k] {
                        Some((mi, v)) => (mi, s[(mi, mi)].sqrt() * v),
                        None => (first[k].unwrap_or(i), s[(i, i)].sqrt() / 0.7),
                    };
                    let sign = if s[(i, r)] < 0.0 { -1.0 } else { 1.0 };
                    sign * s[(i, i)].sqrt() / scale.max(1e-12)
                }
                Kind::FactorCov(k, l) if k == l => match marker[k] {
                    Some((mi, v)) => 0.5 * s[(mi, mi)] / (v * v),
                    None => 1.0,
                },
                Kind::Resid(i, j) if i == j => 0.5 * s[(i, i)],
                _ => 0.0,
            }
        })
        .collect()
}

/// Gradient `g` and expected Hessian `H` of `F_ML` for the parameter kinds `kinds`.
fn grad_hess(
    model: &Model,
    values: &[f64],
    s: &DMatrix<f64>,
    inv: &DMatrix<f64>,
    kinds: &[Kind],
) -> (Vec<f64>, DMatrix<f64>) {
    let ds = dsigma(model, values, kinds);
    let a: Vec<DMatrix<f64>> = ds.iter().map(|d| inv * d).collect();
    let b = inv * s;
    let g: Vec<f64> = a.iter().map(|ai| ai.trace() - (&b * ai).trace()).collect();
    let q = kinds.len();
    let mut h = DMatrix::zeros(q, q);
    for x in 0..q {
        for y in x..q {
            let v = a[x].component_mul(&a[y].transpose()).sum();
            h[(x, y)] = v;
            h[(y, x)] = v;
        }
    }
    (g, h)
}

/// Fisher scoring from the start values. Returns the parameter values, `F` (without the
/// `−log|S| − p` constant) and the number of iterations.
fn optimise(model: &Model, s: &DMatrix<f64>) -> Result<(Vec<f64>, f64, usize), Na> {
    let free = free_index(model);
    let kinds: Vec<Kind> = free.iter().map(|&i| model.params[i].kind).collect();
    let mut values = start_values(model, s);
    let (mut f, mut inv) =
        objective(s, &implied(model, &values)).ok_or_else(|| Na::new("start values give a non-positive-definite Σ"))?;
    for iter in 1..=500 {
        let (g, h) = grad_hess(model, &values, s, &inv, &kinds);
        if g.iter().all(|x| x.abs() < 1e-10) {
            return Ok((values, f, iter));
        }
        let hinv = spd_inverse(&h).ok_or_else(|| Na::new("singular information matrix (model not identified?)"))?;
        let step = -(&hinv * DMatrix::from_column_slice(g.len(), 1, &g));
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..40 {
            let mut trial = values.clone();
            for (c, &fi) in free.iter().enumerate() {
                trial[fi] += t * step[c];
            }
            if let Some((ft, it)) = objective(s, &implied(model, &trial)) {
                if ft <= f + 1e-14 * f.abs().max(1.0) {
                    let done = (f - ft).abs() < 1e-15 * f.abs().max(1.0);
                    values = trial;
                    f = ft;
                    inv = it;
                    accepted = true;
                    if done {
                        return Ok((values, f, iter));
                    }
                    break;
                }
            }
            t *= 0.5;
        }
        if !accepted {
            return Ok((values, f, iter));
        }
    }
    Err(Na::new("ML did not converge in 500 Fisher-scoring iterations"))
}

/// Fit the model by ML to the complete columns `cols`.
pub(crate) fn fit(model: &Model, cols: &[&[f64]], df: usize) -> Result<CfaFit, Na> {
    let n = cols[0].len();
    let nf = n as f64;
    let p = cols.len();
    let s = sample_cov(cols);
    let (logdet_s, _) =
        objective(&s, &s).ok_or_else(|| Na::new("sample covariance matrix is not positive definite"))?;
    let logdet_s = logdet_s - p as f64;
    let (values, f, iterations) = optimise(model, &s)?;
    let fmin = (f - logdet_s - p as f64).max(0.0);
    let chisq = nf * fmin;
    let free = free_index(model);
    let kinds: Vec<Kind> = free.iter().map(|&i| model.params[i].kind).collect();
    let sigma = implied(model, &values);
    let (_, inv) = objective(&s, &sigma).ok_or_else(|| Na::new("fitted Σ is not positive definite"))?;
    let (_, h) = grad_hess(model, &values, &s, &inv, &kinds);
    let vcov =
        spd_inverse(&h).ok_or_else(|| Na::new("singular information matrix (model not identified?)"))? * (2.0 / nf);
    let sd = |v: &[f64]| {
        let sg = implied(model, v);
        (0..p).map(|i| sg[(i, i)]).collect::<Vec<_>>()
    };
    let (estimates, std_loadings, factor_correlations) = solution(model, &values, &vcov, &sd);
    let baseline_chisq = nf * ((0..p).map(|i| s[(i, i)].ln()).sum::<f64>() - logdet_s);
    let baseline_df = p * (p - 1) / 2;
    let q = free.len() as f64;
    let loglik = -0.5 * nf * (p as f64 * (2.0 * std::f64::consts::PI).ln() + f);
    let mut srmr = 0.0;
    for i in 0..p {
        for j in 0..=i {
            srmr += ((s[(i, j)] - sigma[(i, j)]) / (s[(i, i)] * s[(j, j)]).sqrt()).powi(2);
        }
    }
    let fit = FitIndices {
        chisq,
        df,
        p_value: chisq_p(chisq, df),
        npar: free.len(),
        baseline_chisq,
        baseline_df,
        cfi: cfi(chisq, df, baseline_chisq, baseline_df),
        tli: tli(chisq, df, baseline_chisq, baseline_df),
        rmsea: rmsea(chisq, df, nf),
        rmsea_ci: Some(rmsea_ci(chisq, df, nf)),
        srmr: (srmr / (p * (p + 1) / 2) as f64).sqrt(),
        loglik: Some(loglik),
        aic: Some(-2.0 * loglik + 2.0 * q),
        bic: Some(-2.0 * loglik + q * nf.ln()),
        scaled: None,
    };
    let modindices = modification_indices(model, &values, &s, &inv, &kinds, nf);
    Ok(CfaFit {
        estimator: Estimator::Ml,
        n,
        observed: model.observed.clone(),
        factors: model.factors.clone(),
        estimates,
        std_loadings,
        factor_correlations,
        fit,
        modindices,
        iterations,
    })
}

/// The 10 largest modification indices over absent loadings, absent residual covariances and
/// fixed factor covariances.
fn modification_indices(
    model: &Model,
    values: &[f64],
    s: &DMatrix<f64>,
    inv: &DMatrix<f64>,
    kinds: &[Kind],
    n: f64,
) -> Vec<ModIndex> {
    let (p, m) = (model.observed.len(), model.factors.len());
    let has = |k: Kind| model.params.iter().any(|x| x.kind == k);
    let mut cand: Vec<Kind> = Vec::new();
    for k in 0..m {
        cand.extend((0..p).map(|i| Kind::Loading(i, k)).filter(|&x| !has(x)));
    }
    for i in 0..p {
        cand.extend((i + 1..p).map(|j| Kind::Resid(i, j)).filter(|&x| !has(x)));
    }
    cand.extend(
        model.params.iter().filter(|x| !x.free && matches!(x.kind, Kind::FactorCov(a, b) if a != b)).map(|x| x.kind),
    );
    if cand.is_empty() {
        return Vec::new();
    }
    let q = kinds.len();
    let all: Vec<Kind> = kinds.iter().copied().chain(cand.iter().copied()).collect();
    let (g, h) = grad_hess(model, values, s, inv, &all);
    let h11 = h.view((0, 0), (q, q)).into_owned();
    let Some(h11inv) = spd_inverse(&h11) else {
        return Vec::new();
    };
    let mut out: Vec<ModIndex> = Vec::new();
    for (c, kind) in cand.iter().enumerate() {
        let col = q + c;
        let h21 = h.view((col, 0), (1, q)).into_owned();
        let v = h[(col, col)] - (&h21 * &h11inv * h21.transpose())[(0, 0)];
        if !(v > 1e-12) {
            continue;
        }
        let gc = g[col];
        let (lhs, op, rhs) = match *kind {
            Kind::Loading(i, k) => (model.factors[k].clone(), "=~", model.observed[i].clone()),
            Kind::Resid(i, j) => (model.observed[i].clone(), "~~", model.observed[j].clone()),
            Kind::FactorCov(a, b) => (model.factors[a].clone(), "~~", model.factors[b].clone()),
        };
        out.push(ModIndex { lhs, op, rhs, mi: n * gc * gc / (2.0 * v), epc: -gc / v });
    }
    out.sort_by(|a, b| b.mi.total_cmp(&a.mi));
    out.truncate(10);
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::{fit_cfa, CfaOptions};
    use super::*;

    /// The Holzinger–Swineford fixture (x1..x9, n = 301) as columns.
    pub(crate) fn read_csv(path: &str) -> (Vec<String>, Vec<Vec<f64>>) {
        let text = std::fs::read_to_string(path).unwrap();
        let mut lines = text.lines();
        let names: Vec<String> = lines.next().unwrap().split(',').map(|s| s.trim_matches('"').to_string()).collect();
        let mut cols = vec![Vec::new(); names.len()];
        for l in lines {
            for (j, v) in l.split(',').enumerate() {
                cols[j].push(v.parse::<f64>().unwrap());
            }
        }
        (names, cols)
    }

    fn reference() -> serde_json::Value {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cfa/hs_ml.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    const HS: &str = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9";

    #[test]
    fn holzinger_swineford_matches_lavaan() {
        let (names, cols) = read_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cfa/hs.csv"));
        let opts = CfaOptions { estimator: Estimator::Ml, std_lv: false };
        let fit = fit_cfa(&cols, &names, HS, &opts).unwrap();
        let r = reference();
        let f = |k: &str| r["fit"][k][0].as_f64().unwrap();
        let ci = fit.fit.rmsea_ci.unwrap();
        let ours = [
            ("chisq", fit.fit.chisq),
            ("pvalue", fit.fit.p_value),
            ("cfi", fit.fit.cfi),
            ("tli", fit.fit.tli),
            ("rmsea", fit.fit.rmsea),
            ("rmsea.ci.lower", ci.0),
            ("rmsea.ci.upper", ci.1),
            ("srmr", fit.fit.srmr),
            ("aic", fit.fit.aic.unwrap()),
            ("bic", fit.fit.bic.unwrap()),
            ("logl", fit.fit.loglik.unwrap()),
            ("baseline.chisq", fit.fit.baseline_chisq),
        ];
        for (k, v) in ours {
            assert!((v - f(k)).abs() < 1e-4, "{k}: ours {v}, lavaan {}", f(k));
        }
        assert_eq!(fit.fit.df as f64, f("df"));
        assert_eq!(fit.fit.npar as f64, f("npar"));
        for e in r["estimates"].as_array().unwrap() {
            let (lhs, op, rhs) = (e["lhs"].as_str().unwrap(), e["op"].as_str().unwrap(), e["rhs"].as_str().unwrap());
            let ours = fit.estimates.iter().find(|x| x.lhs == lhs && x.op == op && x.rhs == rhs);
            let ours = ours.unwrap_or_else(|| panic!("{lhs} {op} {rhs}"));
            assert!((ours.est - e["est"].as_f64().unwrap()).abs() < 1e-4, "{lhs} {op} {rhs}");
            if let Some(se) = e["se"].as_f64().filter(|s| *s > 0.0) {
                assert!((ours.se.unwrap() - se).abs() < 1e-4, "se {lhs} {op} {rhs}");
            }
        }
        for e in r["std_all"].as_array().unwrap().iter().filter(|e| e["op"] == "=~") {
            let (lhs, rhs) = (e["lhs"].as_str().unwrap(), e["rhs"].as_str().unwrap());
            let ours = fit.std_loadings.iter().find(|x| x.lhs == lhs && x.rhs == rhs).unwrap();
            assert!((ours.est - e["est"].as_f64().unwrap()).abs() < 1e-4, "std {lhs} {rhs}");
            assert!((ours.se.unwrap() - e["se"].as_f64().unwrap()).abs() < 1e-4, "std se {lhs} {rhs}");
        }
        let mi = r["modindices"].as_array().unwrap();
        assert_eq!(fit.modindices.len(), mi.len());
        for (o, e) in fit.modindices.iter().zip(mi) {
            assert_eq!(
                (o.lhs.as_str(), o.op, o.rhs.as_str()),
                (e["lhs"].as_str().unwrap(), e["op"].as_str().unwrap(), e["rhs"].as_str().unwrap())
            );
            assert!((o.mi - e["mi"].as_f64().unwrap()).abs() < 1e-3, "mi {o:?}");
            assert!((o.epc - e["epc"].as_f64().unwrap()).abs() < 1e-3, "epc {o:?}");
        }
    }

    #[test]
    fn std_lv_gives_the_same_fit() {
        let (names, cols) = read_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cfa/hs.csv"));
        let a = fit_cfa(&cols, &names, HS, &CfaOptions { estimator: Estimator::Ml, std_lv: false }).unwrap();
        let b = fit_cfa(&cols, &names, HS, &CfaOptions { estimator: Estimator::Ml, std_lv: true }).unwrap();
        assert!((a.fit.chisq - b.fit.chisq).abs() < 1e-6);
        let r = reference();
        for e in r["std_lv"]["estimates"].as_array().unwrap().iter().filter(|e| e["op"] == "=~") {
            let ours = b.estimates.iter().find(|x| x.lhs == e["lhs"] && x.op == "=~" && x.rhs == e["rhs"]).unwrap();
            assert!((ours.est - e["est"].as_f64().unwrap()).abs() < 1e-4);
            assert!((ours.se.unwrap() - e["se"].as_f64().unwrap()).abs() < 1e-4);
        }
    }

    #[test]
    fn collinear_items_give_na_not_a_panic() {
        let x: Vec<f64> = (0..50).map(|i| (i as f64 * 0.37).sin()).collect();
        let y: Vec<f64> = (0..50).map(|i| (i as f64 * 0.91).cos()).collect();
        let z: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a + b).collect();
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let e = fit_cfa(&[x, y, z], &names, "f =~ a + b + c", &CfaOptions { estimator: Estimator::Ml, std_lv: false })
            .unwrap_err();
        assert!(matches!(e, super::super::CfaError::Na(ref na) if na.0.contains("not positive definite")), "{e}");
    }
}
