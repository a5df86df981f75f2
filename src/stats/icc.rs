//! Intraclass correlations.
//!
//! **ANOVA forms** (Shrout & Fleiss 1979; McGraw & Wong 1996) on targets × raters with complete
//! rows (targets with a missing rating are dropped and counted). With `MSR` (targets), `MSC`
//! (raters), `MSE` (residual), `MSW` (within targets):
//!
//! | name | McGraw–Wong | formula | F test |
//! |---|---|---|---|
//! | `icc1` | ICC(1) one-way, single | `(MSR − MSW)/(MSR + (k−1)MSW)` | `MSR/MSW`, df `n−1, n(k−1)` |
//! | `icc2` | ICC(A,1) absolute agreement, single | `(MSR − MSE)/(MSR + (k−1)MSE + k(MSC − MSE)/n)` | `MSR/MSE`, df `n−1, (n−1)(k−1)` |
//! | `icc3` | ICC(C,1) consistency, single | `(MSR − MSE)/(MSR + (k−1)MSE)` | `MSR/MSE` |
//! | `icc1k` | ICC(k) one-way, average | `(MSR − MSW)/MSR` | as icc1 |
//! | `icc2k` | ICC(A,k) absolute agreement, average | `(MSR − MSE)/(MSR + (MSC − MSE)/n)` | as icc2 |
//! | `icc3k` | ICC(C,k) consistency, average | `(MSR − MSE)/MSR` | as icc3 |
//!
//! CIs are those of R psych `ICC` (exact F for icc1/icc3 and their averages; Satterthwaite df
//! for icc2/icc2k, McGraw & Wong 1996 Table 7), which pingouin reproduces. Pinned: Shrout & Fleiss
//! (1979) 6 × 4 example and psych on random data (`tests/cli/reference_reliability.rs`).
//!
//! **REML forms** for unbalanced designs and missing ratings: `y = μ + a_target + b_rater + e`
//! (crossed random effects) fitted by REML through Henderson's mixed-model equations, giving
//! `icc_reml_agreement = σ²_a/(σ²_a + σ²_b + σ²_e)` and `icc_reml_consistency =
//! σ²_a/(σ²_a + σ²_e)`; the one-way model `y = μ + a + e` gives `icc_reml_oneway`. Pinned
//! against lme4 `lmer(REML = TRUE)`.

use super::linalg::{cholesky, logdet_chol, solve_chol};
use super::{Na, StatResult};
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

#[derive(Debug, Clone, PartialEq)]
pub struct IccForm {
    pub name: &'static str,
    pub label_en: &'static str,
    pub label_es: &'static str,
    /// NA when the form's denominator is zero (for example ICC(A,k) when
    /// MSR + (MSC − MSE)/n = 0): the form is undefined, not "poor".
    pub estimate: StatResult<f64>,
    pub f: f64,
    pub df1: f64,
    pub df2: f64,
    pub p_value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IccAnova {
    pub n: usize,
    pub k: usize,
    pub dropped: usize,
    pub msr: f64,
    pub msc: f64,
    pub mse: f64,
    pub msw: f64,
    pub forms: Vec<IccForm>,
}

fn qf(p: f64, d1: f64, d2: f64) -> StatResult<f64> {
    let f = FisherSnedecor::new(d1, d2).map_err(|e| Na::new(e.to_string()))?;
    Ok(f.inverse_cdf(p))
}

fn pf_upper(x: f64, d1: f64, d2: f64) -> StatResult<f64> {
    let f = FisherSnedecor::new(d1, d2).map_err(|e| Na::new(e.to_string()))?;
    Ok(f.sf(x))
}

/// The six Shrout–Fleiss / McGraw–Wong ICCs with F tests and psych's CIs.
pub fn icc_anova(rows: &[Vec<Option<f64>>], level: f64) -> StatResult<IccAnova> {
    let k = rows.first().map_or(0, |r| r.len());
    let complete: Vec<Vec<f64>> = rows
        .iter()
        .filter(|r| r.iter().all(|v| v.is_some()))
        .map(|r| r.iter().map(|v| v.expect("some")).collect())
        .collect();
    let dropped = rows.len() - complete.len();
    let n = complete.len();
    if k < 2 {
        return Err(Na::new("fewer than two raters"));
    }
    if n < 3 {
        return Err(Na::new(format!("n = {n} targets with complete ratings < 3")));
    }
    let ms = mean_squares(&complete, n, k);
    if !(ms.msw > 0.0) || !(ms.mse > 0.0) {
        return Err(Na::new("no within-target variation (perfect agreement): the F tests and CIs are undefined"));
    }
    if !(ms.msr > 0.0) {
        return Err(Na::new("no between-target variation: ICC is undefined"));
    }
    let forms = icc_forms(&ms, n as f64, k as f64, level)?;
    Ok(IccAnova { n, k, dropped, msr: ms.msr, msc: ms.msc, mse: ms.mse, msw: ms.msw, forms })
}

/// Mean squares of a complete targets × raters table.
struct MeanSquares {
    /// Between targets (rows).
    msr: f64,
    /// Between raters (columns).
    msc: f64,
    /// Residual.
    mse: f64,
    /// Within targets.
    msw: f64,
}

fn mean_squares(complete: &[Vec<f64>], n: usize, k: usize) -> MeanSquares {
    let (nf, kf) = (n as f64, k as f64);
    let gm = complete.iter().flatten().sum::<f64>() / (nf * kf);
    let row_m: Vec<f64> = complete.iter().map(|r| r.iter().sum::<f64>() / kf).collect();
    let col_m: Vec<f64> = (0..k).map(|j| complete.iter().map(|r| r[j]).sum::<f64>() / nf).collect();
    let sst: f64 = complete.iter().flatten().map(|v| (v - gm).powi(2)).sum();
    let ssr = kf * row_m.iter().map(|m| (m - gm).powi(2)).sum::<f64>();
    let ssc = nf * col_m.iter().map(|m| (m - gm).powi(2)).sum::<f64>();
    let sse = (sst - ssr - ssc).max(0.0);
    let ssw = (sst - ssr).max(0.0);
    MeanSquares {
        msr: ssr / (nf - 1.0),
        msc: ssc / (kf - 1.0),
        mse: sse / ((nf - 1.0) * (kf - 1.0)),
        msw: ssw / (nf * (kf - 1.0)),
    }
}

/// F tests and the raw CI bounds shared by the six forms.
struct FTests {
    /// One-way test (icc1, icc1k): F, df1, df2, p.
    one_way: (f64, f64, f64, f64),
    /// Two-way test (the other four forms): F, df1, df2, p.
    two_way: (f64, f64, f64, f64),
    /// Lower and upper F bounds for icc1 / icc1k.
    f1: (f64, f64),
    /// Lower and upper F bounds for icc3 / icc3k.
    f3: (f64, f64),
    /// CI of icc2 (Satterthwaite df, McGraw & Wong 1996 Table 7).
    icc2_ci: (f64, f64),
}

fn f_tests(ms: &MeanSquares, nf: f64, kf: f64, icc2: f64, level: f64) -> StatResult<FTests> {
    let MeanSquares { msr, msc, mse, msw } = *ms;
    let a = 1.0 - level;
    let (d11n, d11d) = (nf - 1.0, nf * (kf - 1.0));
    let (d21n, d21d) = (nf - 1.0, (nf - 1.0) * (kf - 1.0));
    let f11 = msr / msw;
    let f21 = msr / mse;
    let p11 = pf_upper(f11, d11n, d11d)?;
    let p21 = pf_upper(f21, d21n, d21d)?;
    let f1l = f11 / qf(1.0 - a / 2.0, d11n, d11d)?;
    let f1u = f11 * qf(1.0 - a / 2.0, d11d, d11n)?;
    let f3l = f21 / qf(1.0 - a / 2.0, d21n, d21d)?;
    let f3u = f21 * qf(1.0 - a / 2.0, d21d, d21n)?;
    let fj = msc / mse;
    let vn = (kf - 1.0) * (nf - 1.0) * (kf * icc2 * fj + nf * (1.0 + (kf - 1.0) * icc2) - kf * icc2).powi(2);
    let vd = (nf - 1.0) * kf * kf * icc2 * icc2 * fj * fj + (nf * (1.0 + (kf - 1.0) * icc2) - kf * icc2).powi(2);
    let v = vn / vd;
    let icc2_ci = if v.is_finite() && v > 0.0 {
        let f2u = qf(1.0 - a / 2.0, nf - 1.0, v)?;
        let f2l = qf(1.0 - a / 2.0, v, nf - 1.0)?;
        (
            nf * (msr - f2u * mse) / (f2u * (kf * msc + (kf * nf - kf - nf) * mse) + nf * msr),
            nf * (f2l * msr - mse) / (kf * msc + (kf * nf - kf - nf) * mse + nf * f2l * msr),
        )
    } else {
        (f64::NAN, f64::NAN)
    };
    Ok(FTests {
        one_way: (f11, d11n, d11d, p11),
        two_way: (f21, d21n, d21d, p21),
        f1: (f1l, f1u),
        f3: (f3l, f3u),
        icc2_ci,
    })
}

/// One form from its (name, English label, Spanish label), estimate, (F, df1, df2, p) and CI.
fn form(
    label: (&'static str, &'static str, &'static str),
    estimate: f64,
    test: (f64, f64, f64, f64),
    ci: (f64, f64),
) -> IccForm {
    let (name, label_en, label_es) = label;
    let (f, df1, df2, p_value) = test;
    let estimate = if estimate.is_finite() {
        Ok(estimate)
    } else {
        Err(Na::new(format!("{label_en}: the denominator of the form is zero for these mean squares")))
    };
    IccForm { name, label_en, label_es, estimate, f, df1, df2, p_value, ci_low: ci.0, ci_high: ci.1 }
}

/// The six forms in the order icc1, icc2, icc3, icc1k, icc2k, icc3k.
fn icc_forms(ms: &MeanSquares, nf: f64, kf: f64, level: f64) -> StatResult<Vec<IccForm>> {
    let MeanSquares { msr, msc, mse, msw } = *ms;
    let icc1 = (msr - msw) / (msr + (kf - 1.0) * msw);
    let icc2 = (msr - mse) / (msr + (kf - 1.0) * mse + kf * (msc - mse) / nf);
    let icc3 = (msr - mse) / (msr + (kf - 1.0) * mse);
    let icc1k = (msr - msw) / msr;
    let icc2k = (msr - mse) / (msr + (msc - mse) / nf);
    let icc3k = (msr - mse) / msr;
    let t = f_tests(ms, nf, kf, icc2, level)?;
    let ((f1l, f1u), (f3l, f3u), (l2, u2)) = (t.f1, t.f3, t.icc2_ci);
    Ok(vec![
        form(
            ("icc1", "ICC(1), one-way random, single rater", "CCI(1), unifactorial aleatorio, un observador"),
            icc1,
            t.one_way,
            ((f1l - 1.0) / (f1l + kf - 1.0), (f1u - 1.0) / (f1u + kf - 1.0)),
        ),
        form(
            ("icc2", "ICC(A,1), absolute agreement, single rater", "CCI(A,1), acuerdo absoluto, un observador"),
            icc2,
            t.two_way,
            (l2, u2),
        ),
        form(
            ("icc3", "ICC(C,1), consistency, single rater", "CCI(C,1), consistencia, un observador"),
            icc3,
            t.two_way,
            ((f3l - 1.0) / (f3l + kf - 1.0), (f3u - 1.0) / (f3u + kf - 1.0)),
        ),
        form(
            (
                "icc1k",
                "ICC(k), one-way random, mean of k raters",
                "CCI(k), unifactorial aleatorio, promedio de k observadores",
            ),
            icc1k,
            t.one_way,
            (1.0 - 1.0 / f1l, 1.0 - 1.0 / f1u),
        ),
        form(
            (
                "icc2k",
                "ICC(A,k), absolute agreement, mean of k raters",
                "CCI(A,k), acuerdo absoluto, promedio de k observadores",
            ),
            icc2k,
            t.two_way,
            (l2 * kf / (1.0 + l2 * (kf - 1.0)), u2 * kf / (1.0 + u2 * (kf - 1.0))),
        ),
        form(
            ("icc3k", "ICC(C,k), consistency, mean of k raters", "CCI(C,k), consistencia, promedio de k observadores"),
            icc3k,
            t.two_way,
            (1.0 - 1.0 / f3l, 1.0 - 1.0 / f3u),
        ),
    ])
}

/// REML variance components and ICCs.
#[derive(Debug, Clone, PartialEq)]
pub struct IccReml {
    pub var_target: f64,
    /// `None` for the one-way model.
    pub var_rater: Option<f64>,
    pub var_resid: f64,
    pub n_obs: usize,
    pub n_targets: usize,
    pub n_raters: usize,
}

impl IccReml {
    pub fn agreement(&self) -> f64 {
        self.var_target / (self.var_target + self.var_rater.unwrap_or(0.0) + self.var_resid)
    }
    pub fn consistency(&self) -> f64 {
        self.var_target / (self.var_target + self.var_resid)
    }
}

/// The γ-independent structure of the mixed-model equations, built once per fit.
struct MmeStructure {
    n_t: usize,
    /// Intercept + raters.
    dd: usize,
    count_t: Vec<f64>,
    ra: Vec<f64>,
    /// Per target: coupling to the D block (column, count).
    b: Vec<Vec<(usize, f64)>>,
    d0: Vec<f64>,
    rd: Vec<f64>,
    yy: f64,
    nobs: usize,
}

impl MmeStructure {
    fn new(y: &[f64], target: &[usize], n_t: usize, rater: Option<(&[usize], usize)>) -> MmeStructure {
        let dd = 1 + rater.map_or(0, |r| r.1);
        let mut s = MmeStructure {
            n_t,
            dd,
            count_t: vec![0.0; n_t],
            ra: vec![0.0; n_t],
            b: vec![Vec::new(); n_t],
            d0: vec![0.0; dd * dd],
            rd: vec![0.0; dd],
            yy: y.iter().map(|v| v * v).sum(),
            nobs: y.len(),
        };
        for i in 0..y.len() {
            let t = target[i];
            s.count_t[t] += 1.0;
            s.ra[t] += y[i];
            let cols: [Option<usize>; 2] = [Some(0), rater.map(|(g, _)| 1 + g[i])];
            for c in cols.iter().flatten() {
                s.rd[*c] += y[i];
                match s.b[t].iter_mut().find(|(k, _)| k == c) {
                    Some(e) => e.1 += 1.0,
                    None => s.b[t].push((*c, 1.0)),
                }
                for c2 in cols.iter().flatten() {
                    s.d0[c * dd + c2] += 1.0;
                }
            }
        }
        s
    }

    /// Profiled REML deviance `−2ℓ = (N − 1) log(y'Py/(N − 1)) + Σ_r q_r log γ_r + log|C|`
    /// through Henderson's mixed-model equations, eliminating the diagonal target block
    /// analytically (Schur complement): `O(N + q_b³)` per evaluation.
    fn deviance(&self, log_gamma: &[f64]) -> Option<(f64, f64)> {
        let dd = self.dd;
        let inv_ga = (-log_gamma[0]).exp();
        let mut d = self.d0.clone();
        let mut logdet_g = self.n_t as f64 * log_gamma[0];
        if dd > 1 {
            let inv_gb = (-log_gamma[1]).exp();
            for j in 1..dd {
                d[j * dd + j] += inv_gb;
            }
            logdet_g += (dd - 1) as f64 * log_gamma[1];
        }
        let mut rs = self.rd.clone();
        let mut logdet_a = 0.0;
        for t in 0..self.n_t {
            let a = self.count_t[t] + inv_ga;
            logdet_a += a.ln();
            for &(c1, v1) in &self.b[t] {
                rs[c1] -= v1 * self.ra[t] / a;
                for &(c2, v2) in &self.b[t] {
                    d[c1 * dd + c2] -= v1 * v2 / a;
                }
            }
        }
        let l = cholesky(&d, dd)?;
        let xd = solve_chol(&l, dd, &rs);
        let mut sol_rhs: f64 = xd.iter().zip(&self.rd).map(|(x, r)| x * r).sum();
        for t in 0..self.n_t {
            let a = self.count_t[t] + inv_ga;
            let bx: f64 = self.b[t].iter().map(|&(c, v)| v * xd[c]).sum();
            sol_rhs += (self.ra[t] - bx) / a * self.ra[t];
        }
        let ypy = self.yy - sol_rhs;
        if !(ypy > 0.0) {
            return None;
        }
        let df = (self.nobs - 1) as f64;
        Some((df * (ypy / df).ln() + logdet_g + logdet_a + logdet_chol(&l, dd), ypy / df))
    }
}

/// Nelder–Mead minimiser (fixed iteration budget, deterministic).
pub fn nelder_mead(f: &dyn Fn(&[f64]) -> f64, x0: &[f64], step: f64, iters: usize) -> Vec<f64> {
    let d = x0.len();
    let mut simplex: Vec<Vec<f64>> = vec![x0.to_vec()];
    for i in 0..d {
        let mut x = x0.to_vec();
        x[i] += step;
        simplex.push(x);
    }
    let mut fx: Vec<f64> = simplex.iter().map(|x| f(x)).collect();
    for it in 0..iters {
        let mut order: Vec<usize> = (0..=d).collect();
        order.sort_by(|&a, &b| fx[a].total_cmp(&fx[b]));
        simplex = order.iter().map(|&i| simplex[i].clone()).collect();
        fx = order.iter().map(|&i| fx[i]).collect();
        let spread: f64 = (1..=d)
            .flat_map(|i| (0..d).map(move |j| (i, j)))
            .map(|(i, j)| (simplex[i][j] - simplex[0][j]).abs())
            .fold(0.0, f64::max);
        if (fx[d] - fx[0]).abs() < 1e-11 && spread < 1e-8 {
            break;
        }
        // A plateau (a variance at the boundary): the deviance no longer changes at all.
        if fx[d] == fx[0] && it > 50 {
            break;
        }
        let centroid: Vec<f64> = (0..d).map(|j| simplex[..d].iter().map(|x| x[j]).sum::<f64>() / d as f64).collect();
        let pt = |t: f64| -> Vec<f64> { (0..d).map(|j| centroid[j] + t * (simplex[d][j] - centroid[j])).collect() };
        let xr = pt(-1.0);
        let fr = f(&xr);
        if fr < fx[0] {
            let xe = pt(-2.0);
            let fe = f(&xe);
            if fe < fr {
                simplex[d] = xe;
                fx[d] = fe;
            } else {
                simplex[d] = xr;
                fx[d] = fr;
            }
        } else if fr < fx[d - 1] {
            simplex[d] = xr;
            fx[d] = fr;
        } else {
            let (xc, fc) = if fr < fx[d] {
                let x = pt(-0.5);
                let v = f(&x);
                (x, v)
            } else {
                let x = pt(0.5);
                let v = f(&x);
                (x, v)
            };
            if fc < fx[d].min(fr) {
                simplex[d] = xc;
                fx[d] = fc;
            } else {
                for i in 1..=d {
                    simplex[i] = (0..d).map(|j| simplex[0][j] + 0.5 * (simplex[i][j] - simplex[0][j])).collect();
                    fx[i] = f(&simplex[i]);
                }
            }
        }
    }
    let best = (0..=d).min_by(|&a, &b| fx[a].total_cmp(&fx[b])).expect("simplex");
    simplex[best].clone()
}

/// Long-format ratings: (target index, rater index, value).
pub fn icc_reml(obs: &[(usize, usize, f64)], two_way: bool) -> StatResult<IccReml> {
    if obs.len() < 4 {
        return Err(Na::new("fewer than 4 ratings"));
    }
    let n_t = obs.iter().map(|o| o.0).max().map_or(0, |m| m + 1);
    let n_r = obs.iter().map(|o| o.1).max().map_or(0, |m| m + 1);
    let mut per_target = vec![0usize; n_t];
    for o in obs {
        per_target[o.0] += 1;
    }
    if per_target.iter().filter(|&&c| c >= 2).count() < 2 {
        return Err(Na::new("fewer than two targets rated twice: within-target variance is not identified"));
    }
    let y: Vec<f64> = obs.iter().map(|o| o.2).collect();
    // Centre and scale for numerical stability (ICCs are scale-free).
    let m = y.iter().sum::<f64>() / y.len() as f64;
    let s = (y.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (y.len() - 1) as f64).sqrt();
    if !(s > 0.0) {
        return Err(Na::new("all ratings are equal: ICC is undefined"));
    }
    let y: Vec<f64> = y.iter().map(|v| (v - m) / s).collect();
    let gt: Vec<usize> = obs.iter().map(|o| o.0).collect();
    let gr: Vec<usize> = obs.iter().map(|o| o.1).collect();
    let rater = if two_way && n_r >= 2 { Some((gr.as_slice(), n_r)) } else { None };
    let dims = if rater.is_some() { 2 } else { 1 };
    let clamp = |x: f64| x.clamp(-25.0, 12.0);
    let mme = MmeStructure::new(&y, &gt, n_t, rater);
    let f = |lg: &[f64]| {
        let lg: Vec<f64> = lg.iter().map(|&v| clamp(v)).collect();
        mme.deviance(&lg).map_or(f64::INFINITY, |d| d.0)
    };
    // Two starts (interior and near the boundary), then keep the better optimum: the deviance
    // can be flat when a component is close to zero.
    let mut best = vec![0.0; dims];
    let mut best_f = f64::INFINITY;
    for start in [0.0, -3.0] {
        let x = nelder_mead(&f, &vec![start; dims], 1.0, 3000);
        let fx = f(&x);
        if fx < best_f {
            best_f = fx;
            best = x;
        }
    }
    let lg: Vec<f64> = best.iter().map(|&v| clamp(v)).collect();
    let (_, s2e) = mme.deviance(&lg).ok_or_else(|| Na::new("REML fit failed"))?;
    let var = |g: f64| if g <= -24.9 { 0.0 } else { g.exp() * s2e * s * s };
    Ok(IccReml {
        var_target: var(lg[0]),
        var_rater: if dims == 2 { Some(var(lg[1])) } else { None },
        var_resid: s2e * s * s,
        n_obs: obs.len(),
        n_targets: n_t,
        n_raters: n_r,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    /// Shrout & Fleiss (1979), Table 2: 6 targets × 4 judges.
    pub fn shrout_fleiss() -> Vec<Vec<Option<f64>>> {
        [[9., 2., 5., 8.], [6., 1., 3., 2.], [8., 4., 6., 8.], [7., 1., 2., 6.], [10., 5., 6., 9.], [6., 2., 4., 7.]]
            .iter()
            .map(|r| r.iter().map(|v| Some(*v)).collect())
            .collect()
    }
    #[test]
    fn shrout_fleiss_published_values() {
        let r = icc_anova(&shrout_fleiss(), 0.95).unwrap();
        let want = [0.166, 0.290, 0.715, 0.443, 0.620, 0.909];
        for (f, w) in r.forms.iter().zip(want) {
            assert_abs_diff_eq!(f.estimate.clone().unwrap(), w, epsilon = 5e-4);
        }
    }
    /// MSR + (MSC − MSE)/n = 0 here, so ICC(A,k) is undefined: NA with a reason, not NaN
    /// labelled "poor"; the forms with a non-zero denominator stay defined.
    #[test]
    fn zero_denominator_form_is_na() {
        let rows: Vec<Vec<Option<f64>>> = [[0., 1., 5.], [3., 3., 1.], [2., 2., 3.], [4., 5., 1.]]
            .iter()
            .map(|r| r.iter().map(|&v| Some(v)).collect())
            .collect();
        let r = icc_anova(&rows, 0.95).unwrap();
        let by = |n: &str| r.forms.iter().find(|f| f.name == n).unwrap().estimate.clone();
        assert!(by("icc2k").unwrap_err().0.contains("denominator"));
        assert!(by("icc3").unwrap().is_finite());
    }

    #[test]
    fn perfect_agreement_is_na() {
        let rows: Vec<Vec<Option<f64>>> = (0..5).map(|i| vec![Some(i as f64); 3]).collect();
        assert!(icc_anova(&rows, 0.95).is_err());
    }
    #[test]
    fn reml_balanced_matches_anova_when_interior() {
        // For balanced complete data with positive components, REML = ANOVA estimators.
        let r = icc_anova(&shrout_fleiss(), 0.95).unwrap();
        let obs: Vec<(usize, usize, f64)> = shrout_fleiss()
            .iter()
            .enumerate()
            .flat_map(|(i, row)| row.iter().enumerate().map(move |(j, v)| (i, j, v.unwrap())))
            .collect();
        let reml = icc_reml(&obs, true).unwrap();
        let (n, k) = (6.0, 4.0);
        let s2e = r.mse;
        let s2a = (r.msr - r.mse) / k;
        let s2b = (r.msc - r.mse) / n;
        assert_abs_diff_eq!(reml.var_resid, s2e, epsilon = 1e-6);
        assert_abs_diff_eq!(reml.var_target, s2a, epsilon = 1e-6);
        assert_abs_diff_eq!(reml.var_rater.unwrap(), s2b, epsilon = 1e-6);
        assert_abs_diff_eq!(reml.agreement(), r.forms[1].estimate.clone().unwrap(), epsilon = 1e-6);
        let one = icc_reml(&obs, false).unwrap();
        assert_abs_diff_eq!(one.consistency(), r.forms[0].estimate.clone().unwrap(), epsilon = 1e-6);
    }
}
