//! Fit indices of a CFA, as lavaan 0.6 `fitMeasures()`.
//!
//! With the model χ² `T` on `df` and the baseline (independence: diagonal Σ for ML, zero
//! correlations for WLSMV) `T₀` on `df₀`:
//! - `CFI = 1 − max(T − df, 0) / max(T − df, T₀ − df₀, 0)` (Bentler 1990);
//! - `TLI = (T₀/df₀ − T/df) / (T₀/df₀ − 1)` (Tucker & Lewis 1973);
//! - `RMSEA = √(max(T − df, 0) / (df·N'))` (Steiger 1990) with `N' = N` for ML and `N − 1` for
//!   WLSMV (as lavaan 0.6.14); its 90% CI by inverting the noncentral χ² distribution in its
//!   noncentrality λ: `F(T; df, λ_L) = 0.95`, `F(T; df, λ_U) = 0.05`, `√(λ/(df·N))`;
//! - `SRMR` (lavaan's `srmr` = Bentler's): `√(mean over i ≤ j of ((s_ij − σ_ij)/√(s_ii s_jj))²)`,
//!   for WLSMV over the residual polychoric correlations with the p(p+1)/2 denominator (lavaan's
//!   `srmr_bentler_nomean`).
//!
//! The `.scaled` versions (WLSMV) put the scaled-and-shifted statistics in place of `T` and `T₀`.
//! Pinned by the reference tests of [`super::ml`] and [`super::wls`].

use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::gamma::gamma_lr;

/// Upper-tail p-value of a χ² statistic.
pub fn chisq_p(stat: f64, df: usize) -> f64 {
    if df == 0 {
        return f64::NAN;
    }
    ChiSquared::new(df as f64).map(|d| d.sf(stat.max(0.0))).unwrap_or(f64::NAN)
}

/// CFI (Bentler 1990); 1 when neither model nor baseline exceeds its df.
pub fn cfi(t: f64, df: usize, t0: f64, df0: usize) -> f64 {
    let num = (t - df as f64).max(0.0);
    let den = (t - df as f64).max(t0 - df0 as f64).max(0.0);
    if den == 0.0 {
        1.0
    } else {
        1.0 - num / den
    }
}

/// TLI / NNFI (Tucker & Lewis 1973).
pub fn tli(t: f64, df: usize, t0: f64, df0: usize) -> f64 {
    if df == 0 {
        return 1.0;
    }
    let r0 = t0 / df0 as f64;
    (r0 - t / df as f64) / (r0 - 1.0)
}

/// RMSEA point estimate with `n_eff` (N for ML, N − 1 for WLSMV).
pub fn rmsea(t: f64, df: usize, n_eff: f64) -> f64 {
    if df == 0 {
        return 0.0;
    }
    ((t - df as f64).max(0.0) / (df as f64 * n_eff)).sqrt()
}

/// CDF of the noncentral χ² distribution, `P(X ≤ x; k, λ)`, as a Poisson(λ/2) mixture of central
/// χ² CDFs summed outward from the Poisson mode until the weights are negligible.
pub fn pchisq_nc(x: f64, k: f64, lambda: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if lambda <= 0.0 {
        return gamma_lr(k / 2.0, x / 2.0);
    }
    let mu = lambda / 2.0;
    let mode = mu.floor();
    let ln_w = |j: f64| -mu + j * mu.ln() - statrs::function::gamma::ln_gamma(j + 1.0);
    let term = |j: f64| ln_w(j).exp() * gamma_lr(k / 2.0 + j, x / 2.0);
    let mut s = term(mode);
    let mut j = mode + 1.0;
    loop {
        let w = ln_w(j).exp();
        s += w * gamma_lr(k / 2.0 + j, x / 2.0);
        if w < 1e-17 || j > mode + 1e5 {
            break;
        }
        j += 1.0;
    }
    let mut j = mode - 1.0;
    while j >= 0.0 {
        let w = ln_w(j).exp();
        s += w * gamma_lr(k / 2.0 + j, x / 2.0);
        if w < 1e-17 {
            break;
        }
        j -= 1.0;
    }
    s.min(1.0)
}

/// λ with `pchisq_nc(t, df, λ) = target` by bisection (the CDF decreases in λ); 0 when even λ = 0
/// gives a CDF below the target.
fn solve_lambda(t: f64, df: f64, target: f64) -> f64 {
    if pchisq_nc(t, df, 0.0) < target {
        return 0.0;
    }
    let mut hi = t.max(1.0);
    while pchisq_nc(t, df, hi) > target {
        hi *= 2.0;
        if hi > 1e8 {
            return f64::NAN;
        }
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if pchisq_nc(t, df, mid) > target {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 * hi.max(1.0) {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// 90% CI of the RMSEA (lavaan `rmsea.ci.lower/upper`, level 0.90).
pub fn rmsea_ci(t: f64, df: usize, n_eff: f64) -> (f64, f64) {
    if df == 0 {
        return (0.0, 0.0);
    }
    let d = df as f64;
    let lo = solve_lambda(t, d, 0.95);
    let hi = solve_lambda(t, d, 0.05);
    ((lo / (d * n_eff)).sqrt(), (hi / (d * n_eff)).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noncentral_chisq_matches_r() {
        // R: pchisq(10, 5, ncp = 2.5), pchisq(50, 24, ncp = 30), pchisq(7, 3)
        assert!((pchisq_nc(10.0, 5.0, 2.5) - 0.7551199172).abs() < 1e-9, "{}", pchisq_nc(10.0, 5.0, 2.5));
        assert!((pchisq_nc(50.0, 24.0, 30.0) - 0.4034663379).abs() < 1e-9, "{}", pchisq_nc(50.0, 24.0, 30.0));
        assert!((pchisq_nc(7.0, 3.0, 0.0) - 0.9281022275).abs() < 1e-9);
    }

    #[test]
    fn cfi_is_one_when_the_model_fits_within_df() {
        assert_eq!(cfi(10.0, 20, 500.0, 36), 1.0);
        assert_eq!(rmsea(10.0, 20, 300.0), 0.0);
    }
}
