//! Factor rotations of a `p × k` loading matrix: varimax, promax and (direct) oblimin.
//!
//! Each follows the R implementation that `psych::fa` calls, step for step, including its
//! stopping rule, so that the same unrotated loadings give the same rotated loadings:
//!
//! - **Varimax** (Kaiser 1958): `stats::varimax(x, normalize = TRUE, eps = 1e-5)`: rows scaled to
//!   unit length (Kaiser normalisation); the orthogonal `T` maximising the varimax criterion is
//!   updated by `T = U Vᵀ` from the SVD of `B = Xᵀ(Z³ − Z diag(1ᵀZ²)/p)`, `Z = X T`, until the
//!   singular-value sum grows by less than a factor `1 + eps`.
//! - **Promax** (Hendrickson & White 1964), as psych's `rotate = "promax"` (`kaiser(f, "Promax")`,
//!   `m = 4`): rows scaled to unit length, varimax, target `Q = X∘|X|^(m−1)`, `U = (XᵀX)⁻¹XᵀQ`
//!   rescaled so that `diag((UᵀU)⁻¹)` becomes 1, loadings `X U` scaled back; factor correlations
//!   `Φ = U⁻¹U⁻ᵀ` with `U` the product of the varimax and promax transformations.
//! - **Oblimin** with γ = 0 (quartimin; Jennrich 2002, gradient projection):
//!   `GPArotation::GPFoblq(A, Tmat = I, normalize = FALSE, eps = 1e-5, maxit = 1000)` with the
//!   oblimin criterion `f = ¼ Σ (L²)∘(L² N)`, `N = 11ᵀ − I`; loadings `L = A T⁻ᵀ`, `Φ = TᵀT`.
//!
//! Pinned to psych 2.2.9 / GPArotation 2022.10 through `fit_efa` on the Holzinger–Swineford data
//! (`tests/fixtures/structure/efa_psych.json`, tests `efa::tests::*_matches_psych`).

use nalgebra::DMatrix;

/// A rotated solution: loadings (`p × k`) and, for oblique rotations, the factor correlations.
#[derive(Debug, Clone)]
pub struct Rotated {
    pub loadings: DMatrix<f64>,
    pub phi: Option<DMatrix<f64>>,
    /// Whether the iteration met its tolerance.
    pub converged: bool,
}

fn row_norms(x: &DMatrix<f64>) -> Vec<f64> {
    (0..x.nrows()).map(|i| x.row(i).iter().map(|v| v * v).sum::<f64>().sqrt()).collect()
}

fn scale_rows(x: &DMatrix<f64>, s: &[f64], divide: bool) -> DMatrix<f64> {
    DMatrix::from_fn(x.nrows(), x.ncols(), |i, j| if divide { x[(i, j)] / s[i] } else { x[(i, j)] * s[i] })
}

/// Varimax with Kaiser normalisation, as `stats::varimax` (see the module doc). Returns the
/// rotated loadings and the rotation matrix `T` (loadings = `x T`).
pub fn varimax(x: &DMatrix<f64>) -> (DMatrix<f64>, DMatrix<f64>, bool) {
    let (p, k) = (x.nrows(), x.ncols());
    if k < 2 {
        return (x.clone(), DMatrix::identity(k, k), true);
    }
    let sc = row_norms(x);
    let xn = scale_rows(x, &sc, true);
    let mut t = DMatrix::<f64>::identity(k, k);
    let mut d = 0.0;
    let mut converged = false;
    for _ in 0..1000 {
        let z = &xn * &t;
        let colsq: Vec<f64> = (0..k).map(|j| z.column(j).iter().map(|v| v * v).sum()).collect();
        let inner = DMatrix::from_fn(p, k, |i, j| z[(i, j)].powi(3) - z[(i, j)] * colsq[j] / p as f64);
        let b = xn.transpose() * inner;
        let svd = b.svd(true, true);
        let (u, vt) = (svd.u.expect("u"), svd.v_t.expect("v_t"));
        t = u * vt;
        let dpast = d;
        d = svd.singular_values.sum();
        if d < dpast * (1.0 + 1e-5) {
            converged = true;
            break;
        }
    }
    let z = scale_rows(&(&xn * &t), &sc, false);
    (z, t, converged)
}

/// Promax (m = 4) after varimax, both with Kaiser normalisation, as psych (module doc).
pub fn promax(f: &DMatrix<f64>, m: i32) -> Option<Rotated> {
    let k = f.ncols();
    if k < 2 {
        return Some(Rotated { loadings: f.clone(), phi: None, converged: true });
    }
    let h = row_norms(f);
    if h.iter().any(|v| !(*v > 0.0)) {
        return None;
    }
    let x0 = scale_rows(f, &h, true);
    let (x, rot, converged) = varimax(&x0);
    let q = x.map(|v| v * v.abs().powi(m - 1));
    let xtx = x.transpose() * &x;
    let u = xtx.try_inverse()? * x.transpose() * q;
    let d = (u.transpose() * &u).try_inverse()?.diagonal();
    let u = &u * DMatrix::from_diagonal(&d.map(f64::sqrt));
    let z = &x * &u;
    let u_all = rot * u;
    let ui = u_all.try_inverse()?;
    let phi = &ui * ui.transpose();
    Some(Rotated { loadings: scale_rows(&z, &h, false), phi: Some(phi), converged })
}

/// The oblimin (γ = 0, quartimin) criterion and its gradient with respect to `L`.
fn quartimin(l: &DMatrix<f64>) -> (f64, DMatrix<f64>) {
    let k = l.ncols();
    let l2 = l.map(|v| v * v);
    let n = DMatrix::from_fn(k, k, |i, j| if i == j { 0.0 } else { 1.0 });
    let x = &l2 * n;
    let f = l2.component_mul(&x).sum() / 4.0;
    (f, l.component_mul(&x))
}

/// Direct oblimin (γ = 0) by gradient projection from `T = I`, as `GPArotation::GPFoblq`.
pub fn oblimin(a: &DMatrix<f64>) -> Option<Rotated> {
    let k = a.ncols();
    if k < 2 {
        return Some(Rotated { loadings: a.clone(), phi: None, converged: true });
    }
    let mut tmat = DMatrix::<f64>::identity(k, k);
    let mut al = 1.0;
    let mut l = a * tmat.clone().try_inverse()?.transpose();
    let (mut f, gq) = quartimin(&l);
    let mut g = -(l.transpose() * gq * tmat.clone().try_inverse()?).transpose();
    let mut converged = false;
    for _ in 0..=1000 {
        let colsum: Vec<f64> = (0..k).map(|j| (0..k).map(|i| tmat[(i, j)] * g[(i, j)]).sum()).collect();
        let gp = &g - &tmat * DMatrix::from_diagonal(&nalgebra::DVector::from_vec(colsum));
        let s = gp.norm();
        if s < 1e-5 {
            converged = true;
            break;
        }
        al *= 2.0;
        let mut tmatt = tmat.clone();
        let (mut ft, mut gqt) = (f, DMatrix::zeros(a.nrows(), k));
        for _ in 0..=10 {
            let x = &tmat - al * &gp;
            let v: Vec<f64> = (0..k).map(|j| 1.0 / x.column(j).norm()).collect();
            tmatt = DMatrix::from_fn(k, k, |i, j| x[(i, j)] * v[j]);
            l = a * tmatt.clone().try_inverse()?.transpose();
            (ft, gqt) = quartimin(&l);
            if f - ft > 0.5 * s * s * al {
                break;
            }
            al /= 2.0;
        }
        tmat = tmatt;
        f = ft;
        g = -(l.transpose() * &gqt * tmat.clone().try_inverse()?).transpose();
    }
    let phi = tmat.transpose() * &tmat;
    Some(Rotated { loadings: l, phi: Some(phi), converged })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> DMatrix<f64> {
        // Two clear clusters with cross-loadings (unrotated-looking: all load on factor 1).
        DMatrix::from_row_slice(6, 2, &[0.7, 0.3, 0.65, 0.35, 0.6, 0.25, 0.55, -0.4, 0.6, -0.35, 0.5, -0.45])
    }

    #[test]
    fn rotations_preserve_the_common_variance() {
        let a = example();
        let h2 = |l: &DMatrix<f64>, phi: Option<&DMatrix<f64>>| {
            let m = match phi {
                Some(p) => l * p * l.transpose(),
                None => l * l.transpose(),
            };
            m.diagonal()
        };
        let base = h2(&a, None);
        let (v, t, ok) = varimax(&a);
        assert!(ok);
        assert!((t.transpose() * &t - DMatrix::identity(2, 2)).norm() < 1e-10);
        assert!((h2(&v, None) - &base).norm() < 1e-10);
        let o = oblimin(&a).unwrap();
        assert!(o.converged);
        assert!((h2(&o.loadings, o.phi.as_ref()) - &base).norm() < 1e-8);
        let p = promax(&a, 4).unwrap();
        assert!((h2(&p.loadings, p.phi.as_ref()) - &base).norm() < 1e-8);
        // Oblique rotations simplify: the smaller loading of each row shrinks relative to varimax.
        let minor = |l: &DMatrix<f64>| (0..6).map(|i| l[(i, 0)].abs().min(l[(i, 1)].abs())).sum::<f64>();
        assert!(minor(&o.loadings) < minor(&v));
    }
}
