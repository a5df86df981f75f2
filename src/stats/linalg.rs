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

/// Leading eigenvalue and unit eigenvector of a symmetric matrix by power iteration with a
/// shift that makes the spectrum non-negative. Converges for a simple leading eigenvalue.
pub fn leading_eigen(a: &[f64], n: usize) -> (f64, Vec<f64>) {
    // Gershgorin bound for a shift.
    let shift = (0..n).map(|i| (0..n).map(|j| a[i * n + j].abs()).sum::<f64>()).fold(0.0, f64::max);
    let mut v = vec![1.0 / (n as f64).sqrt(); n];
    let mut lambda = 0.0;
    for _ in 0..100_000 {
        let mut w = vec![0.0; n];
        for i in 0..n {
            let mut s = shift * v[i];
            for j in 0..n {
                s += a[i * n + j] * v[j];
            }
            w[i] = s;
        }
        let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            break;
        }
        w.iter_mut().for_each(|x| *x /= norm);
        let diff: f64 = w.iter().zip(&v).map(|(a, b)| (a - b).abs()).sum();
        v = w;
        let new_lambda = norm - shift;
        if diff < 1e-14 && (new_lambda - lambda).abs() < 1e-14 * new_lambda.abs().max(1.0) {
            lambda = new_lambda;
            break;
        }
        lambda = new_lambda;
    }
    // Rayleigh quotient for the final value.
    let mut rq = 0.0;
    for i in 0..n {
        for j in 0..n {
            rq += v[i] * a[i * n + j] * v[j];
        }
    }
    let _ = lambda;
    (rq, v)
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
