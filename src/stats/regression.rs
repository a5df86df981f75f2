//! Simple linear regression.
//!
//! **OLS line with a 95% confidence band for the mean response**: `ŷ(g) = a + b·g` with
//! `b = Sxy/Sxx`, `a = ȳ − b·x̄`, `s² = Σ(y − ŷ)²/(n−2)` and the band
//! `ŷ(g) ± t(.975, n−2)·s·√(1/n + (g − x̄)²/Sxx)` (Draper & Smith 1998, §3.1). NA (`None`)
//! with fewer than 4 points or no spread in `x`. Used for the scatter figures; pinned to
//! `numpy.polyfit` and statsmodels' `get_prediction().conf_int()` in the test below.

/// Points `(g, fit, low, high)` of the OLS line and its 95% band at each grid value.
pub fn ols_band(x: &[f64], y: &[f64], grid: &[f64]) -> Option<Vec<(f64, f64, f64, f64)>> {
    let n = x.len() as f64;
    if n < 4.0 {
        return None;
    }
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let sxx: f64 = x.iter().map(|v| (v - mx).powi(2)).sum();
    if !(sxx > 0.0) {
        return None;
    }
    let b = x.iter().zip(y).map(|(a, c)| (a - mx) * (c - my)).sum::<f64>() / sxx;
    let a = my - b * mx;
    let s2 = x.iter().zip(y).map(|(u, v)| (v - a - b * u).powi(2)).sum::<f64>() / (n - 2.0);
    let t = super::descriptive::t_crit(0.95, n - 2.0).ok()?;
    Some(
        grid.iter()
            .map(|&g| {
                let fit = a + b * g;
                let se = (s2 * (1.0 / n + (g - mx).powi(2) / sxx)).sqrt();
                (g, fit, fit - t * se, fit + t * se)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn ols_band_matches_statsmodels() {
        // statsmodels OLS(y, add_constant(x)).get_prediction([[1, 3.5]]).summary_frame(alpha=.05):
        // mean 7.016667, mean_ci_lower 6.830253, mean_ci_upper 7.20308 (scale 0.02704761904761876).
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let y = [2.0, 4.1, 5.9, 8.2, 9.8, 12.1];
        let band = ols_band(&x, &y, &[3.5]).unwrap();
        let (g, fit, lo, hi) = band[0];
        assert_eq!(g, 3.5);
        assert!((fit - 7.016666666666667).abs() < 1e-9, "{fit}");
        assert!((lo - 6.830253).abs() < 1e-6 && (hi - 7.20308).abs() < 1e-6, "{lo} {hi}");
        assert!(ols_band(&[1.0, 1.0, 1.0, 1.0], &y[..4], &[1.0]).is_none());
    }
}
