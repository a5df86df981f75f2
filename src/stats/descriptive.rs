//! Descriptive statistics.

use super::{Na, StatResult};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Arithmetic mean. NA when `x` is empty.
pub fn mean(x: &[f64]) -> StatResult<f64> {
    if x.is_empty() {
        return Err(Na::new("no values"));
    }
    Ok(x.iter().sum::<f64>() / x.len() as f64)
}

/// Sample variance with denominator `n − 1` (two-pass). NA when `n < 2`.
pub fn variance(x: &[f64]) -> StatResult<f64> {
    if x.len() < 2 {
        return Err(Na::new(format!("n = {} < 2", x.len())));
    }
    let m = mean(x)?;
    Ok(x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64)
}

/// Sample standard deviation (`n − 1`).
pub fn sd(x: &[f64]) -> StatResult<f64> {
    variance(x).map(f64::sqrt)
}

/// Two-sided quantile of Student's t with `df` degrees of freedom at `level` (e.g. 0.95 → t_{.975}).
pub fn t_crit(level: f64, df: f64) -> StatResult<f64> {
    if df <= 0.0 {
        return Err(Na::new("no degrees of freedom"));
    }
    let t = StudentsT::new(0.0, 1.0, df).map_err(|e| Na::new(e.to_string()))?;
    Ok(t.inverse_cdf(0.5 + level / 2.0))
}

/// Standard normal quantile.
pub fn z_crit(level: f64) -> f64 {
    let n = statrs::distribution::Normal::new(0.0, 1.0).expect("standard normal");
    n.inverse_cdf(0.5 + level / 2.0)
}

/// Mean with its standard error `s/√n` and t-based CI `x̄ ± t_{n−1, 1−α/2} · s/√n`.
/// Reference: any introductory text; matches R `t.test(x)$conf.int`. Pinned by
/// `stats::descriptive::tests::mean_ci_matches_r`.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanCi {
    pub mean: f64,
    pub sd: f64,
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub n: usize,
}

pub fn mean_ci(x: &[f64], level: f64) -> StatResult<MeanCi> {
    let m = mean(x)?;
    let s = sd(x)?;
    let n = x.len();
    let se = s / (n as f64).sqrt();
    let t = t_crit(level, (n - 1) as f64)?;
    Ok(MeanCi { mean: m, sd: s, se, ci_low: m - t * se, ci_high: m + t * se, n })
}

/// Minimum and maximum. NA when empty.
pub fn min_max(x: &[f64]) -> StatResult<(f64, f64)> {
    if x.is_empty() {
        return Err(Na::new("no values"));
    }
    Ok(x.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v))))
}

/// Quantile with linear interpolation between order statistics (R type 7, the R default).
pub fn quantile(x: &[f64], p: f64) -> StatResult<f64> {
    if x.is_empty() {
        return Err(Na::new("no values"));
    }
    let mut v = x.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let h = (v.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Ok(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    #[test]
    fn mean_ci_matches_r() {
        // scipy: stats.t.interval(0.95, 5, loc=x.mean(), scale=stats.sem(x)) → (1.982665292476173, 4.917334707523827)
        // (identical to R t.test(x)$conf.int)
        let x = [2.1, 3.4, 1.9, 5.6, 4.4, 3.3];
        let m = mean_ci(&x, 0.95).unwrap();
        assert_abs_diff_eq!(m.mean, 3.45, epsilon = 1e-12);
        assert_abs_diff_eq!(m.sd, 1.3982131454109563, epsilon = 1e-12);
        assert_abs_diff_eq!(m.ci_low, 1.982665292476173, epsilon = 1e-9);
        assert_abs_diff_eq!(m.ci_high, 4.917334707523827, epsilon = 1e-9);
    }
    #[test]
    fn degenerate() {
        assert!(mean(&[]).is_err());
        assert!(sd(&[1.0]).is_err());
        assert!(mean_ci(&[1.0], 0.95).is_err());
    }
    #[test]
    fn quantile_type7() {
        // R: quantile(c(1,2,3,4,10), c(.25,.5,.9)) → 2, 3, 7.6
        let x = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_abs_diff_eq!(quantile(&x, 0.25).unwrap(), 2.0);
        assert_abs_diff_eq!(quantile(&x, 0.5).unwrap(), 3.0);
        assert_abs_diff_eq!(quantile(&x, 0.9).unwrap(), 7.6, epsilon = 1e-12);
    }
}
