//! Small dense linear algebra: Cholesky factorisation, solves, log-determinants, and the
//! leading eigenpair of a symmetric matrix. Row-major `Vec<f64>` of size `n × n`.

/// Lower-triangular Cholesky factor of a symmetric positive-definite matrix, or `None`.
pub fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= l[j * n + k] * l[j * n + k];
        }
        if !(d > 0.0) || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        l[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            l[i * n + j] = s / d;
        }
    }
    Some(l)
}

/// `log |A|` from its Cholesky factor.
pub fn logdet_chol(l: &[f64], n: usize) -> f64 {
    (0..n).map(|i| 2.0 * l[i * n + i].ln()).sum()
}

/// Solve `A x = b` given the Cholesky factor of `A`.
pub fn solve_chol(l: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
    let mut y = b.to_vec();
    for i in 0..n {
        let mut s = y[i];
        for k in 0..i {
            s -= l[i * n + k] * y[k];
        }
        y[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = y[i];
        for k in i + 1..n {
            s -= l[k * n + i] * y[k];
        }
        y[i] = s / l[i * n + i];
    }
    y
}

/// Leading eigenvalue and unit eigenvector of a symmetric matrix (row-major `n × n`), from
/// nalgebra's symmetric eigendecomposition (Householder tridiagonalisation and implicit QR).
/// The eigenvector's sign is nalgebra's; callers that need a sign fix it.
pub fn leading_eigen(a: &[f64], n: usize) -> (f64, Vec<f64>) {
    if n == 0 {
        return (0.0, Vec::new());
    }
    let m = nalgebra::DMatrix::from_row_slice(n, n, a);
    let e = nalgebra::SymmetricEigen::new(m);
    let top = (0..n).max_by(|&i, &j| e.eigenvalues[i].total_cmp(&e.eigenvalues[j])).unwrap_or(0);
    (e.eigenvalues[top], e.eigenvectors.column(top).iter().copied().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    #[test]
    fn cholesky_solve_logdet() {
        let a = [4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0];
        let l = cholesky(&a, 3).unwrap();
        let x = solve_chol(&l, 3, &[1.0, 2.0, 3.0]);
        for i in 0..3 {
            let s: f64 = (0..3).map(|j| a[i * 3 + j] * x[j]).sum();
            assert_abs_diff_eq!(s, [1.0, 2.0, 3.0][i], epsilon = 1e-12);
        }
        // det = 4(15−1) − 2(6−0.6) + 0.6(2−3) = 56 − 10.8 − 0.6 = 44.6
        assert_abs_diff_eq!(logdet_chol(&l, 3), 44.6f64.ln(), epsilon = 1e-12);
        assert!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
    }
    #[test]
    fn eigen() {
        let a = [2.0, 1.0, 1.0, 2.0];
        let (l, v) = leading_eigen(&a, 2);
        assert_abs_diff_eq!(l, 3.0, epsilon = 1e-10);
        assert_abs_diff_eq!(v[0].abs(), 0.5f64.sqrt(), epsilon = 1e-7);
    }
}
