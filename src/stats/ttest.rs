//! Two-sample tests.
//!
//! **Welch's t test** (Welch 1947): difference of means `m_a − m_b`, SE `√(v_a/n_a + v_b/n_b)`,
//! Welch–Satterthwaite df `(v_a/n_a + v_b/n_b)² / ((v_a/n_a)²/(n_a−1) + (v_b/n_b)²/(n_b−1))`,
//! two-sided p from Student's t; Cohen's d with the pooled SD. Used by the observer-severity
//! records. Pinned to `scipy.stats.ttest_ind(equal_var=False)` (`welch_matches_scipy` below).

use super::descriptive::{mean, variance};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Welch's t test of `a` vs `b`: (difference, SE, df, t, p) and Cohen's d with the pooled SD.
pub fn welch(a: &[f64], b: &[f64]) -> Option<(f64, f64, f64, f64, f64, f64)> {
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    welch_summary(
        (a.len() as f64, mean(a).ok()?, variance(a).ok()?),
        (b.len() as f64, mean(b).ok()?, variance(b).ok()?),
    )
}

/// Welch's test from (n, mean, variance) of each group.
pub fn welch_summary(a: (f64, f64, f64), b: (f64, f64, f64)) -> Option<(f64, f64, f64, f64, f64, f64)> {
    let ((na, ma, va), (nb, mb, vb)) = (a, b);
    if na < 2.0 || nb < 2.0 {
        return None;
    }
    let se = (va / na + vb / nb).sqrt();
    if !(se > 0.0) {
        return None;
    }
    let df = (va / na + vb / nb).powi(2) / ((va / na).powi(2) / (na - 1.0) + (vb / nb).powi(2) / (nb - 1.0));
    let t = (ma - mb) / se;
    let p = 2.0 * StudentsT::new(0.0, 1.0, df).ok()?.sf(t.abs());
    let pooled = (((na - 1.0) * va + (nb - 1.0) * vb) / (na + nb - 2.0)).sqrt();
    let d = if pooled > 0.0 { (ma - mb) / pooled } else { f64::NAN };
    Some((ma - mb, se, df, t, p, d))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn welch_matches_scipy() {
        // scipy.stats.ttest_ind([1,2,3,4,5], [2,4,6,8,10,12], equal_var=False):
        // t = −2.3763541031440183, p = 0.04928433820673049, df = 6.972255729794934
        let (diff, _, df, t, p, _) = welch(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0, 4.0, 6.0, 8.0, 10.0, 12.0]).unwrap();
        assert!((diff + 4.0).abs() < 1e-12);
        assert!((t + 2.3763541031440183).abs() < 1e-10, "{t}");
        assert!((df - 6.972255729794934).abs() < 1e-10, "{df}");
        assert!((p - 0.04928433820673049).abs() < 1e-9, "{p}");
    }
}
