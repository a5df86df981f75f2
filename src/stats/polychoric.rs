//! Bivariate normal probabilities and polychoric correlations.
//!
//! `bvn_upper(h, k, r) = P(X > h, Y > k)` for a standard bivariate normal with correlation `r`,
//! by Genz's (2004) BVND method (Drezner–Wesolowsky with Gauss–Legendre quadrature), accurate to
//! about 1e-14. Pinned against high-precision numerical integration in the tests below.
//!
//! Polychoric correlation (Olsson 1979, two-step ML): thresholds from each item's marginal
//! cumulative proportions, `τ = Φ⁻¹(cum p)`, then `ρ = argmax Σ n_ab log P_ab(ρ)` over
//! (−1, 1) by golden-section/Brent search to 1e-10. This is the estimator of R psych
//! `polychoric(global = TRUE)`, whose own optimiser stops at ≈1e-4 (R `optimize` default), so
//! tests compare against psych's objective optimised to full precision
//! (`scripts/reference/reliability.R`, `alpha_missing.R`) and against psych's printed values at
//! 1e-3. With missing values ([`polychoric_matrix_pairwise`]) thresholds come from each item's
//! answered values and each table from the pair's complete rows, as psych.

use super::{Na, StatResult};
use statrs::function::erf::erfc;

const X6: [f64; 3] = [-0.932_469_514_203_152_2, -0.661_209_386_466_264_7, -0.238_619_186_083_197_0];
const W6: [f64; 3] = [0.171_324_492_379_170_5, 0.360_761_573_048_138_4, 0.467_913_934_572_690_4];
const X12: [f64; 6] = [
    -0.981_560_634_246_719_1,
    -0.904_117_256_370_475_0,
    -0.769_902_674_194_305_0,
    -0.587_317_954_286_617_1,
    -0.367_831_498_998_180_2,
    -0.125_233_408_511_469_2,
];
const W12: [f64; 6] = [
    0.047_175_336_386_511_77,
    0.106_939_325_995_318_3,
    0.160_078_328_543_346_4,
    0.203_167_426_723_065_9,
    0.233_492_536_538_354_7,
    0.249_147_045_813_402_9,
];
const X20: [f64; 10] = [
    -0.993_128_599_185_094_9,
    -0.963_971_927_277_913_8,
    -0.912_234_428_251_325_9,
    -0.839_116_971_822_218_8,
    -0.746_331_906_460_150_8,
    -0.636_053_680_726_515_0,
    -0.510_867_001_950_827_1,
    -0.373_706_088_715_419_6,
    -0.227_785_851_141_645_1,
    -0.076_526_521_133_497_33,
];
const W20: [f64; 10] = [
    0.017_614_007_139_152_12,
    0.040_601_429_800_386_94,
    0.062_672_048_334_109_06,
    0.083_276_741_576_704_75,
    0.101_930_119_817_240_4,
    0.118_194_531_961_518_4,
    0.131_688_638_449_176_6,
    0.142_096_109_318_382_1,
    0.149_172_986_472_603_7,
    0.152_753_387_130_725_9,
];

/// Standard normal CDF.
pub fn phi(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Standard normal quantile.
pub fn phi_inv(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::new(0.0, 1.0).expect("normal").inverse_cdf(p)
}

/// `P(X > h, Y > k)` with correlation `r` (Genz 2004, BVND).
pub fn bvn_upper(h: f64, k: f64, r: f64) -> f64 {
    if h == f64::INFINITY || k == f64::INFINITY {
        return 0.0;
    }
    if h == f64::NEG_INFINITY {
        return phi(-k);
    }
    if k == f64::NEG_INFINITY {
        return phi(-h);
    }
    let (x, w): (&[f64], &[f64]) = if r.abs() < 0.3 {
        (&X6, &W6)
    } else if r.abs() < 0.75 {
        (&X12, &W12)
    } else {
        (&X20, &W20)
    };
    let two_pi = 2.0 * std::f64::consts::PI;
    let mut k = k;
    let mut hk = h * k;
    let mut bvn = 0.0;
    if r.abs() < 0.925 {
        let hs = (h * h + k * k) / 2.0;
        let asr = r.asin();
        for i in 0..x.len() {
            for s in [-1.0, 1.0] {
                let sn = (asr * (s * x[i] + 1.0) / 2.0).sin();
                bvn += w[i] * ((sn * hk - hs) / (1.0 - sn * sn)).exp();
            }
        }
        bvn = bvn * asr / (2.0 * two_pi) + phi(-h) * phi(-k);
        return bvn.clamp(0.0, 1.0);
    }
    if r < 0.0 {
        k = -k;
        hk = -hk;
    }
    if r.abs() < 1.0 {
        let as_ = (1.0 - r) * (1.0 + r);
        let mut a = as_.sqrt();
        let bs = (h - k) * (h - k);
        let c = (4.0 - hk) / 8.0;
        let d = (12.0 - hk) / 16.0;
        bvn = a
            * (-(bs / as_ + hk) / 2.0).exp()
            * (1.0 - c * (bs - as_) * (1.0 - d * bs / 5.0) / 3.0 + c * d * as_ * as_ / 5.0);
        if hk > -160.0 {
            let b = bs.sqrt();
            bvn -= (-hk / 2.0).exp() * two_pi.sqrt() * phi(-b / a) * b * (1.0 - c * bs * (1.0 - d * bs / 5.0) / 3.0);
        }
        a /= 2.0;
        for i in 0..x.len() {
            for s in [-1.0, 1.0] {
                let xs = (a * (s * x[i] + 1.0)).powi(2);
                let rs = (1.0 - xs).sqrt();
                let asr = -(bs / xs + hk) / 2.0;
                if asr > -100.0 {
                    bvn += a
                        * w[i]
                        * asr.exp()
                        * ((-hk * (1.0 - rs) / (2.0 * (1.0 + rs))).exp() / rs - (1.0 + c * xs * (1.0 + d * xs)));
                }
            }
        }
        bvn = -bvn / two_pi;
    }
    if r > 0.0 {
        bvn += phi(-h.max(k));
    } else {
        bvn = -bvn;
        if k > h {
            // after the sign flip of k above, h and k are compared as in Genz's code
            bvn += phi(k) - phi(h);
        }
    }
    bvn.clamp(0.0, 1.0)
}

/// `P(X ≤ h, Y ≤ k)` (lower orthant), with infinite limits allowed.
pub fn bvn_lower(h: f64, k: f64, r: f64) -> f64 {
    if h == f64::NEG_INFINITY || k == f64::NEG_INFINITY {
        return 0.0;
    }
    if h == f64::INFINITY {
        return phi(k);
    }
    if k == f64::INFINITY {
        return phi(h);
    }
    bvn_upper(-h, -k, r)
}

/// Thresholds of an ordinal variable coded `0..m` from its category counts.
pub fn thresholds(counts: &[f64]) -> StatResult<Vec<f64>> {
    let total: f64 = counts.iter().sum();
    if total <= 0.0 {
        return Err(Na::new("no observations"));
    }
    let mut cum = 0.0;
    let mut t = Vec::with_capacity(counts.len().saturating_sub(1));
    for c in &counts[..counts.len() - 1] {
        cum += c;
        t.push(phi_inv((cum / total).clamp(1e-12, 1.0 - 1e-12)));
    }
    Ok(t)
}

fn cell_probs(rho: f64, tx: &[f64], ty: &[f64]) -> Vec<Vec<f64>> {
    let cx: Vec<f64> =
        std::iter::once(f64::NEG_INFINITY).chain(tx.iter().copied()).chain(std::iter::once(f64::INFINITY)).collect();
    let cy: Vec<f64> =
        std::iter::once(f64::NEG_INFINITY).chain(ty.iter().copied()).chain(std::iter::once(f64::INFINITY)).collect();
    // cumulative F[i][j] = P(X ≤ cx[i], Y ≤ cy[j])
    let f: Vec<Vec<f64>> = cx.iter().map(|&a| cy.iter().map(|&b| bvn_lower(a, b, rho)).collect()).collect();
    (0..cx.len() - 1)
        .map(|i| (0..cy.len() - 1).map(|j| f[i + 1][j + 1] - f[i][j + 1] - f[i + 1][j] + f[i][j]).collect())
        .collect()
}

/// Negative log-likelihood (per observation) of the table under correlation `rho`.
fn neg_loglik(rho: f64, tx: &[f64], ty: &[f64], tab: &[Vec<f64>]) -> f64 {
    let p = cell_probs(rho, tx, ty);
    let mut s = 0.0;
    for (i, row) in tab.iter().enumerate() {
        for (j, &n) in row.iter().enumerate() {
            if n > 0.0 && p[i][j] > 0.0 {
                s -= n * p[i][j].ln();
            }
        }
    }
    s
}

/// Brent's minimiser on `[a, b]` (golden section with parabolic steps).
pub fn brent_min(f: impl Fn(f64) -> f64, a: f64, b: f64, tol: f64) -> f64 {
    let golden = 0.381_966_011_250_105_1;
    let (mut a, mut b) = (a, b);
    let mut x = a + golden * (b - a);
    let (mut w, mut v) = (x, x);
    let mut fx = f(x);
    let (mut fw, mut fv) = (fx, fx);
    let mut d: f64 = 0.0;
    let mut e: f64 = 0.0;
    for _ in 0..500 {
        let xm = 0.5 * (a + b);
        let tol1 = tol * x.abs() + 1e-12;
        let tol2 = 2.0 * tol1;
        if (x - xm).abs() <= tol2 - 0.5 * (b - a) {
            break;
        }
        let mut golden_step = true;
        if e.abs() > tol1 {
            let r = (x - w) * (fx - fv);
            let mut q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            }
            q = q.abs();
            let etemp = e;
            e = d;
            if !(p.abs() >= (0.5 * q * etemp).abs() || p <= q * (a - x) || p >= q * (b - x)) {
                d = p / q;
                let u = x + d;
                if u - a < tol2 || b - u < tol2 {
                    d = if xm >= x { tol1 } else { -tol1 };
                }
                golden_step = false;
            }
        }
        if golden_step {
            e = if x >= xm { a - x } else { b - x };
            d = golden * e;
        }
        let u = if d.abs() >= tol1 { x + d } else { x + if d >= 0.0 { tol1 } else { -tol1 } };
        let fu = f(u);
        if fu <= fx {
            if u >= x {
                a = x;
            } else {
                b = x;
            }
            v = w;
            fv = fw;
            w = x;
            fw = fx;
            x = u;
            fx = fu;
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if fu <= fw || w == x {
                v = w;
                fv = fw;
                w = u;
                fw = fu;
            } else if fu <= fv || v == x || v == w {
                v = u;
                fv = fu;
            }
        }
    }
    x
}

/// Polychoric correlation of two ordinal variables given their thresholds and the contingency
/// table of complete pairs (`tab[a][b]` = count with x = a, y = b).
pub fn polychoric_with(tx: &[f64], ty: &[f64], tab: &[Vec<f64>]) -> StatResult<f64> {
    if tx.is_empty() || ty.is_empty() {
        return Err(Na::new("a variable with a single category"));
    }
    let total: f64 = tab.iter().flatten().sum();
    if total <= 0.0 {
        return Err(Na::new("no complete pairs"));
    }
    let f = |r: f64| neg_loglik(r, tx, ty, tab);
    let r = brent_min(f, -0.999_999, 0.999_999, 1e-10);
    if !r.is_finite() {
        return Err(Na::new("polychoric estimation failed"));
    }
    Ok(r)
}

/// Polychoric correlation matrix of `k` ordinal variables (`data[i][j]` = category index of
/// row `i`, variable `j`, complete rows). `n_cats[j]` is the number of categories of `j`.
pub fn polychoric_matrix(data: &[Vec<usize>], n_cats: &[usize]) -> StatResult<Vec<f64>> {
    let data: Vec<Vec<Option<usize>>> = data.iter().map(|row| row.iter().map(|&c| Some(c)).collect()).collect();
    polychoric_matrix_pairwise(&data, n_cats)
}

/// Polychoric correlation matrix with missing values (`None`), as psych `polychoric` (global
/// thresholds): each variable's thresholds from its answered values, each pair's table from the
/// rows where both are answered. On complete rows this is [`polychoric_matrix`].
pub fn polychoric_matrix_pairwise(data: &[Vec<Option<usize>>], n_cats: &[usize]) -> StatResult<Vec<f64>> {
    let k = n_cats.len();
    let marg: Vec<Vec<f64>> = (0..k)
        .map(|j| {
            let mut c = vec![0.0; n_cats[j]];
            for row in data {
                if let Some(v) = row[j] {
                    c[v] += 1.0;
                }
            }
            c
        })
        .collect();
    polychoric_from_tables(&marg, |a, b| {
        let mut tab = vec![vec![0.0; n_cats[b]]; n_cats[a]];
        for row in data {
            if let (Some(x), Some(y)) = (row[a], row[b]) {
                tab[x][y] += 1.0;
            }
        }
        tab
    })
}

/// Polychoric correlation matrix from counts: `marg[j]` is variable `j`'s count per category
/// (over its answered values), `tab(a, b)` the `a × b` table of the rows where both are answered
/// (`a < b`). Categories with no count are dropped (they carry no threshold information). This is
/// [`polychoric_matrix_pairwise`] for counts tabulated elsewhere (`stats::item_tables`, one pass
/// over a large table); the pairs are estimated in parallel, and the first NA in pair order is
/// reported, so the result does not depend on the thread count.
pub fn polychoric_from_tables(
    marg: &[Vec<f64>],
    tab: impl Fn(usize, usize) -> Vec<Vec<f64>> + Sync,
) -> StatResult<Vec<f64>> {
    use rayon::prelude::*;
    let k = marg.len();
    let mut th = Vec::with_capacity(k);
    // Re-index categories to observed ones.
    let mut maps: Vec<Vec<usize>> = Vec::with_capacity(k);
    for (j, c) in marg.iter().enumerate() {
        let mut m = vec![0; c.len()];
        let mut next = 0;
        for (cat, &count) in c.iter().enumerate() {
            m[cat] = next;
            if count > 0.0 {
                next += 1;
            }
        }
        maps.push(m);
        let c: Vec<f64> = c.iter().copied().filter(|&x| x > 0.0).collect();
        if c.len() < 2 {
            return Err(Na::new(format!("item {} has a single observed category", j + 1)));
        }
        th.push(thresholds(&c)?);
    }
    let pairs: Vec<(usize, usize)> = (0..k).flat_map(|a| (a + 1..k).map(move |b| (a, b))).collect();
    let rhos: Vec<StatResult<f64>> = pairs
        .par_iter()
        .map(|&(a, b)| {
            let full = tab(a, b);
            let mut t = vec![vec![0.0; th[b].len() + 1]; th[a].len() + 1];
            for (x, row) in full.iter().enumerate() {
                // (an empty category maps past the last observed one: it has no counts to add)
                for (y, &n) in row.iter().enumerate().filter(|(_, &n)| n > 0.0) {
                    t[maps[a][x]][maps[b][y]] += n;
                }
            }
            polychoric_with(&th[a], &th[b], &t)
        })
        .collect();
    let mut r = vec![0.0; k * k];
    for a in 0..k {
        r[a * k + a] = 1.0;
    }
    for (&(a, b), rho) in pairs.iter().zip(rhos) {
        let rho = rho?;
        r[a * k + b] = rho;
        r[b * k + a] = rho;
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    #[test]
    fn bvn_against_numerical_integration() {
        // scipy.integrate.quad of φ(x)·Φ̄((k − r x)/√(1 − r²)) over (h, ∞).
        let cases = [
            (0.0, 0.0, 0.5, 0.333_333_333_333_333_37),
            (0.3, -0.7, 0.2, 0.313_016_225_986_485_9),
            (-1.2, 0.4, -0.6, 0.256_338_401_024_292_23),
            (1.5, 1.1, 0.95, 0.064_166_268_698_465_41),
            (0.2, 0.1, -0.97, 0.005_229_979_487_470_862),
            (-0.5, -2.0, 0.8, 0.691_129_527_488_208_3),
            (2.0, -1.0, 0.999, 0.022_750_131_948_179_212),
        ];
        for (h, k, r, want) in cases {
            assert_abs_diff_eq!(bvn_upper(h, k, r), want, epsilon = 1e-10);
        }
    }
    #[test]
    fn tetrachoric_recovers_independence_and_perfect() {
        // Independent 2×2 table with equal margins → ρ = 0.
        let t = thresholds(&[50.0, 50.0]).unwrap();
        let r = polychoric_with(&t, &t, &[vec![25.0, 25.0], vec![25.0, 25.0]]).unwrap();
        assert_abs_diff_eq!(r, 0.0, epsilon = 1e-6);
        // With 50/50 margins, P(both high) = 1/4 + asin(ρ)/(2π) = 0.4 → ρ = sin(0.3π).
        let r = polychoric_with(&t, &t, &[vec![40.0, 10.0], vec![10.0, 40.0]]).unwrap();
        assert_abs_diff_eq!(r, (0.3 * std::f64::consts::PI).sin(), epsilon = 1e-7);
    }
}
