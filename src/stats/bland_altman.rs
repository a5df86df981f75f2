//! Bland–Altman agreement between two measurements on one scale (Bland & Altman 1986, 1999).
//!
//! `d_i = a_i − b_i`; bias `d̄` with CI `d̄ ± t_{n−1} s/√n`; limits of agreement
//! `d̄ ± 1.96 s` with CIs `LoA ± t_{n−1} √(3 s²/n)` (the approximate SE of Bland & Altman 1986);
//! proportional bias: OLS slope of `d` on `(a + b)/2` with its t CI and p-value.
//! Pinned: Bland & Altman (1986) peak-flow data (bias −2.1, SD 38.8) in
//! `tests/cli/reference_validity.rs`, plus R `lm` for the slope.

use super::descriptive::{mean, sd, t_crit};
use super::{Na, StatResult};
use statrs::distribution::{ContinuousCDF, StudentsT};

#[derive(Debug, Clone, PartialEq)]
pub struct BlandAltman {
    pub n: usize,
    pub bias: f64,
    pub sd: f64,
    pub bias_ci: (f64, f64),
    pub loa_low: f64,
    pub loa_high: f64,
    pub loa_low_ci: (f64, f64),
    pub loa_high_ci: (f64, f64),
    pub slope: StatResult<(f64, f64, f64, f64)>,
}

pub fn bland_altman(a: &[f64], b: &[f64], level: f64) -> StatResult<BlandAltman> {
    let n = a.len();
    if n < 3 {
        return Err(Na::new(format!("n = {n} pairs < 3")));
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let m: Vec<f64> = a.iter().zip(b).map(|(x, y)| (x + y) / 2.0).collect();
    let bias = mean(&d)?;
    let s = sd(&d)?;
    let nf = n as f64;
    let t = t_crit(level, nf - 1.0)?;
    let se_b = s / nf.sqrt();
    let se_l = (3.0 * s * s / nf).sqrt();
    let (lo, hi) = (bias - 1.96 * s, bias + 1.96 * s);
    // Proportional bias: d ~ mean.
    let slope = (|| {
        let mm = mean(&m)?;
        let sxx: f64 = m.iter().map(|v| (v - mm).powi(2)).sum();
        if !(sxx > 0.0) {
            return Err(Na::new("the means do not vary"));
        }
        let sxy: f64 = m.iter().zip(&d).map(|(x, y)| (x - mm) * (y - bias)).sum();
        let beta = sxy / sxx;
        let alpha0 = bias - beta * mm;
        let rss: f64 = m.iter().zip(&d).map(|(x, y)| (y - alpha0 - beta * x).powi(2)).sum();
        if n < 4 {
            return Err(Na::new("n < 4"));
        }
        let se = (rss / (nf - 2.0) / sxx).sqrt();
        let tc = t_crit(level, nf - 2.0)?;
        let p = if se > 0.0 {
            2.0 * StudentsT::new(0.0, 1.0, nf - 2.0).map_err(|e| Na::new(e.to_string()))?.sf((beta / se).abs())
        } else {
            0.0
        };
        Ok((beta, beta - tc * se, beta + tc * se, p))
    })();
    Ok(BlandAltman {
        n,
        bias,
        sd: s,
        bias_ci: (bias - t * se_b, bias + t * se_b),
        loa_low: lo,
        loa_high: hi,
        loa_low_ci: (lo - t * se_l, lo + t * se_l),
        loa_high_ci: (hi - t * se_l, hi + t * se_l),
        slope,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn identical_measurements() {
        let a = [1.0, 2.0, 3.0, 4.0];
        // Bias 0 and SD 0 are well defined; limits collapse onto the bias.
        let r = bland_altman(&a, &a, 0.95).unwrap();
        assert_eq!(r.bias, 0.0);
        assert_eq!(r.sd, 0.0);
        assert_eq!((r.loa_low, r.loa_high), (0.0, 0.0));
        assert!(bland_altman(&[1.0, 2.0], &[1.0, 2.0], 0.95).is_err());
    }
}
