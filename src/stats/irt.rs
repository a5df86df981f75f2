//! Item response theory for binary items: Rasch, 1PL and 2PL models by marginal maximum likelihood.
//!
//! **Model.** `P(x_ij = 1 | θ_i) = logistic(c_j + a_j θ_i)`, `θ ~ N(0, 1)`; difficulty
//! `b_j = −c_j / a_j`, discrimination `a_j` (ltm's IRT parametrisation). `rasch` fixes every
//! `a_j = 1` (ltm `rasch(X, constraint = cbind(p + 1, 1))`), `1pl` estimates one common `a`
//! (ltm `rasch(X)`), `2pl` one `a_j` per item (ltm `ltm(X ~ z1)`).
//!
//! **Estimation** (Bock & Aitkin 1981). The marginal likelihood `Σ_s f_s ln Σ_q w_q Π_j P_jq^x (1 −
//! P_jq)^(1−x)` over the distinct response patterns `s` (frequency `f_s`; missing responses skipped)
//! uses Gauss–Hermite quadrature for N(0, 1) (`n_quad` points, 21 by default as ltm's `rasch`;
//! Golub–Welsch nodes). EM iterations (expected counts at the nodes, then Newton M-steps) run until
//! the log-likelihood changes by less than 1e-7 (relative), then Newton–Raphson on the marginal
//! likelihood with its analytic Hessian (Louis 1982: posterior mean of the complete-data Hessian
//! plus the posterior covariance of the complete-data score) until the largest score is below 1e-8·n
//! or the Newton step is below 1e-4 (then taken, leaving an O(1e-8) error).
//! **SEs** come from the inverse observed information at the optimum, transformed to `(b, a)` by
//! the delta method (exact at the MLE: the information of `(b, a)` directly). Patterns are split into
//! fixed chunks processed in parallel (rayon) and summed in chunk order, so results do not depend on
//! the thread count.
//!
//! **Also:** `loglik`, `aic = −2ℓ + 2k`, `bic = −2ℓ + k ln n`; item information `a_j² P (1 − P)` and
//! test information on a θ grid; marginal reliability as mirt's `marginal_rxx`,
//! `1 / (1 + ∫ φ(θ) / I(θ) dθ)` (Simpson's rule on [−10, 10]); item fit as infit and outfit mean
//! squares (Wright & Masters 1982) of the responses around the model probabilities at each
//! pattern's EAP θ.
//!
//! Pinned to ltm's published LSAT-6 estimates (Rizopoulos 2006) and to `scripts/reference/irt.R`
//! (an independent base-R MML fit: optim + optimHess) in `tests/fixtures/structure/irt_lsat6.json`;
//! tests `irt::tests::*` and `tests/cli/structure.rs`.

use super::{Na, StatResult};
use nalgebra::{DMatrix, DVector, Dyn, SymmetricEigen};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// The IRT model (`--model`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IrtModel {
    /// Rasch: every discrimination fixed at 1.
    Rasch,
    /// One common discrimination, estimated.
    #[value(name = "1pl")]
    OnePl,
    /// One discrimination per item.
    #[value(name = "2pl")]
    TwoPl,
}

impl IrtModel {
    pub fn name(self) -> &'static str {
        match self {
            IrtModel::Rasch => "rasch",
            IrtModel::OnePl => "1pl",
            IrtModel::TwoPl => "2pl",
        }
    }
    fn n_par(self, j: usize) -> usize {
        match self {
            IrtModel::Rasch => j,
            IrtModel::OnePl => j + 1,
            IrtModel::TwoPl => 2 * j,
        }
    }
}

/// A fitted IRT model.
#[derive(Debug, Clone)]
pub struct IrtFit {
    pub model: IrtModel,
    pub difficulty: Vec<f64>,
    pub discrimination: Vec<f64>,
    pub se_difficulty: Vec<f64>,
    /// SEs of the discriminations (`None` for the Rasch model, where they are fixed).
    pub se_discrimination: Option<Vec<f64>>,
    pub loglik: f64,
    pub n_par: usize,
    pub n_persons: usize,
    pub n_patterns: usize,
    pub aic: f64,
    pub bic: f64,
    pub infit: Vec<f64>,
    pub outfit: Vec<f64>,
    pub marginal_reliability: f64,
    pub converged: bool,
}

/// Gauss–Hermite nodes and weights for the standard normal (Golub & Welsch 1969).
pub fn gauss_hermite(n: usize) -> (Vec<f64>, Vec<f64>) {
    let m = DMatrix::from_fn(n, n, |i, j| if i + 1 == j || j + 1 == i { (i.max(j) as f64).sqrt() } else { 0.0 });
    let e = SymmetricEigen::new(m);
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| e.eigenvalues[a].total_cmp(&e.eigenvalues[b]));
    let x = idx.iter().map(|&i| e.eigenvalues[i]).collect();
    let w = idx.iter().map(|&i| e.eigenvectors[(0, i)].powi(2)).collect();
    (x, w)
}

fn logistic(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Item information `a² P (1 − P)` at `theta`.
pub fn item_information(a: f64, b: f64, theta: f64) -> f64 {
    let p = logistic(a * (theta - b));
    a * a * p * (1.0 - p)
}

/// Test information: the sum of the item informations.
pub fn test_information(a: &[f64], b: &[f64], theta: f64) -> f64 {
    a.iter().zip(b).map(|(&a, &b)| item_information(a, b, theta)).sum()
}

/// Marginal reliability `1 / (1 + ∫ φ(θ)/I(θ) dθ)` (mirt `marginal_rxx`), Simpson on [−10, 10].
pub fn marginal_reliability(a: &[f64], b: &[f64]) -> f64 {
    let m = 4000;
    let h = 20.0 / m as f64;
    let f = |t: f64| (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt() / test_information(a, b, t);
    let s: f64 = (0..=m)
        .map(|i| {
            f(-10.0 + i as f64 * h)
                * if i == 0 || i == m {
                    1.0
                } else if i % 2 == 1 {
                    4.0
                } else {
                    2.0
                }
        })
        .sum();
    1.0 / (1.0 + s * h / 3.0)
}

const CHUNK: usize = 2048;

/// Distinct response patterns in chunks: `x` = responses (missing as 0), `o` = answered (1/0).
struct Chunk {
    x: DMatrix<f64>,
    o: DMatrix<f64>,
    f: Vec<f64>,
    /// Every item answered in every pattern of the chunk.
    complete: bool,
}

struct Data {
    chunks: Vec<Chunk>,
    j: usize,
    complete: bool,
    n_patterns: usize,
}

fn collapse(responses: &[Vec<Option<u8>>], j: usize) -> Data {
    let mut map: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
    for r in responses {
        let key: Vec<u8> = r.iter().map(|v| v.unwrap_or(2)).collect();
        *map.entry(key).or_insert(0.0) += 1.0;
    }
    let complete = map.keys().all(|k| k.iter().all(|&v| v < 2));
    let pats: Vec<(Vec<u8>, f64)> = map.into_iter().collect();
    let n_patterns = pats.len();
    let chunks = pats
        .chunks(CHUNK)
        .map(|c| Chunk {
            x: DMatrix::from_fn(c.len(), j, |i, k| if c[i].0[k] == 1 { 1.0 } else { 0.0 }),
            o: DMatrix::from_fn(c.len(), j, |i, k| if c[i].0[k] < 2 { 1.0 } else { 0.0 }),
            f: c.iter().map(|p| p.1).collect(),
            complete: c.iter().all(|p| p.0.iter().all(|&v| v < 2)),
        })
        .collect();
    Data { chunks, j, complete, n_patterns }
}

/// Item parameters on the logit scale: `c` intercepts and `a` slopes.
#[derive(Debug, Clone)]
struct Params {
    c: Vec<f64>,
    a: Vec<f64>,
}

impl Params {
    fn from_psi(model: IrtModel, psi: &[f64], j: usize) -> Params {
        let c = psi[..j].to_vec();
        let a = match model {
            IrtModel::Rasch => vec![1.0; j],
            IrtModel::OnePl => vec![psi[j]; j],
            IrtModel::TwoPl => psi[j..2 * j].to_vec(),
        };
        Params { c, a }
    }
    /// `d(c, a)/dψ`: rows in (c_0, a_0, c_1, a_1, ...) order, columns ψ.
    fn jacobian(model: IrtModel, j: usize) -> DMatrix<f64> {
        let mut m = DMatrix::zeros(2 * j, model.n_par(j));
        for k in 0..j {
            m[(2 * k, k)] = 1.0;
            match model {
                IrtModel::Rasch => {}
                IrtModel::OnePl => m[(2 * k + 1, j)] = 1.0,
                IrtModel::TwoPl => m[(2 * k + 1, j + k)] = 1.0,
            }
        }
        m
    }
}

/// Per-chunk E-step results.
struct Moments {
    loglik: f64,
    /// Expected correct responses and expected answers at each node (`J × Q`).
    r: DMatrix<f64>,
    n: DMatrix<f64>,
    /// Observed-information pieces (only when requested): `Σ_s f_s ḡ_s ḡ_sᵀ` and the weighted Grams.
    hess: Option<DMatrix<f64>>,
}

/// Quadrature nodes and the model's probabilities at them.
struct Nodes<'a> {
    theta: &'a [f64],
    logw: Vec<f64>,
    /// `P_jq`, `ln P_jq`, `ln(1 − P_jq)` as `Q × J` matrices.
    p: DMatrix<f64>,
    lp: DMatrix<f64>,
    lq: DMatrix<f64>,
}

impl<'a> Nodes<'a> {
    fn new(theta: &'a [f64], w: &[f64], par: &Params) -> Nodes<'a> {
        let (nq, j) = (theta.len(), par.c.len());
        let z = DMatrix::from_fn(nq, j, |q, k| par.c[k] + par.a[k] * theta[q]);
        // ln P = −ln(1 + e^(−z)), ln(1 − P) = −ln(1 + e^z), computed stably.
        let lp = z.map(|v| -softplus(-v));
        let lq = z.map(|v| -softplus(v));
        Nodes { theta, logw: w.iter().map(|v| v.ln()).collect(), p: z.map(logistic), lp, lq }
    }
}

fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// Posterior weights over the nodes (`rows × Q`) and each pattern's log marginal likelihood.
/// The matrices are column-major, so every pass runs down a node's column.
fn posterior(ch: &Chunk, nd: &Nodes) -> (DMatrix<f64>, Vec<f64>) {
    // x ln P + (o − x) ln(1 − P) = x (ln P − ln(1 − P)) + o ln(1 − P); with every item answered,
    // the second term is the same for each pattern (the node's Σ_j ln(1 − P_j)).
    let mut l = &ch.x * (&nd.lp - &nd.lq).transpose();
    if ch.complete {
        for (q, mut col) in l.column_iter_mut().enumerate() {
            col.add_scalar_mut(nd.lq.row(q).sum());
        }
    } else {
        l += &ch.o * nd.lq.transpose();
    }
    let rows = l.nrows();
    let mut m = vec![f64::NEG_INFINITY; rows];
    for (q, mut col) in l.column_iter_mut().enumerate() {
        for (v, mi) in col.iter_mut().zip(m.iter_mut()) {
            *v += nd.logw[q];
            *mi = mi.max(*v);
        }
    }
    let mut s = vec![0.0; rows];
    for mut col in l.column_iter_mut() {
        for ((v, mi), si) in col.iter_mut().zip(&m).zip(s.iter_mut()) {
            *v = (*v - mi).exp();
            *si += *v;
        }
    }
    let inv: Vec<f64> = s.iter().map(|v| 1.0 / v).collect();
    for mut col in l.column_iter_mut() {
        col.iter_mut().zip(&inv).for_each(|(v, r)| *v *= r);
    }
    let ll = m.iter().zip(&s).map(|(mi, si)| mi + si.ln()).collect();
    (l, ll)
}

/// `Aᵀ B` through nalgebra's blocked gemm (matrixmultiply) on a transposed view: `tr_mul` takes
/// one dot product per entry, several times slower on these tall chunks. nalgebra takes its
/// small-matrix path (which mis-indexes row-strided views) when a dimension is ≤ 5, so small
/// products stay on `tr_mul`.
fn at_b(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    let (r, c) = a.shape();
    if r <= 8 || c <= 8 || b.ncols() <= 8 {
        return a.tr_mul(b);
    }
    let at = nalgebra::MatrixView::from_slice_with_strides_generic(a.as_slice(), Dyn(c), Dyn(r), Dyn(r), Dyn(1));
    at * b
}

/// Weighted Gram `Aᵀ diag(w) B`.
fn gram(a: &DMatrix<f64>, w: &[f64], b: &DMatrix<f64>) -> DMatrix<f64> {
    let mut aw = a.clone();
    for mut col in aw.column_iter_mut() {
        col.iter_mut().zip(w).for_each(|(v, wi)| *v *= wi);
    }
    at_b(&aw, b)
}

/// E-step of one chunk; with `hess`, also this chunk's part of the Louis terms of the Hessian
/// (posterior second moment of the complete-data score minus the outer product of the scores).
fn chunk_moments(ch: &Chunk, nd: &Nodes, complete: bool, hess: bool) -> Moments {
    let (h, ll) = posterior(ch, nd);
    let nq = nd.theta.len();
    let rows = ch.f.len();
    let mut fh = h.clone();
    for mut col in fh.column_iter_mut() {
        col.iter_mut().zip(&ch.f).for_each(|(v, f)| *v *= f);
    }
    let r = at_b(&ch.x, &fh);
    let n = at_b(&ch.o, &fh);
    let loglik = ch.f.iter().zip(&ll).map(|(f, l)| f * l).sum();
    if !hess {
        return Moments { loglik, r, n, hess: None };
    }
    let j = ch.x.ncols();
    let th = nd.theta;
    let zpow = |q: usize, e: usize| th[q].powi(e as i32);
    // Σ_q z_α z_β C_q(j, k) with C_q = X̃ᵀ diag(w_q) X̃: three Grams weighted by Σ_q θ_q^e w_sq.
    let cg: Vec<DMatrix<f64>> = (0..3)
        .map(|e| {
            let w = &fh * DVector::from_fn(nq, |q, _| zpow(q, e));
            gram(&ch.x, w.as_slice(), &ch.x)
        })
        .collect();
    // A_q(j, k) = Σ_s w_sq x̃_sj o_sk and B_q(j, k) = Σ_s w_sq o_sj o_sk.
    let (aq, bq): (Vec<DMatrix<f64>>, Vec<DMatrix<f64>>) = if complete {
        (Vec::new(), Vec::new())
    } else {
        (0..nq)
            .map(|q| {
                let w: Vec<f64> = (0..rows).map(|i| fh[(i, q)]).collect();
                (gram(&ch.x, &w, &ch.o), gram(&ch.o, &w, &ch.o))
            })
            .unzip()
    };
    let nsum: Vec<f64> = (0..nq).map(|q| fh.column(q).sum()).collect();
    let a_of = |q: usize, jj: usize, kk: usize| if complete { r[(jj, q)] } else { aq[q][(jj, kk)] };
    let b_of = |q: usize, jj: usize, kk: usize| if complete { nsum[q] } else { bq[q][(jj, kk)] };
    let mut t2 = DMatrix::<f64>::zeros(2 * j, 2 * j);
    for jj in 0..j {
        for kk in 0..j {
            for al in 0..2 {
                for be in 0..2 {
                    let mut s = cg[al + be][(jj, kk)];
                    for q in 0..nq {
                        let (pj, pk) = (nd.p[(q, jj)], nd.p[(q, kk)]);
                        let t = -pk * a_of(q, jj, kk) - pj * a_of(q, kk, jj) + pj * pk * b_of(q, jj, kk);
                        s += zpow(q, al + be) * t;
                    }
                    t2[(2 * jj + al, 2 * kk + be)] = s;
                }
            }
        }
    }
    // Per-pattern scores ḡ_s: o_sj (x_sj − E[P_j]) and o_sj (x_sj E[θ] − E[θ P_j]).
    let hp = &h * &nd.p;
    let mut ht = h.clone();
    for q in 0..nq {
        ht.column_mut(q).scale_mut(th[q]);
    }
    let htp = &ht * &nd.p;
    let tbar: Vec<f64> = (0..rows).map(|i| ht.row(i).sum()).collect();
    let g = DMatrix::from_fn(rows, 2 * j, |i, c| {
        let k = c / 2;
        let (x, o) = (ch.x[(i, k)], ch.o[(i, k)]);
        if c % 2 == 0 {
            o * (x - hp[(i, k)])
        } else {
            o * (x * tbar[i] - htp[(i, k)])
        }
    });
    let gg = gram(&g, &ch.f, &g);
    Moments { loglik, r, n, hess: Some(t2 - gg) }
}

/// E-step over all chunks (parallel, summed in chunk order).
fn moments(data: &Data, nd: &Nodes, hess: bool) -> Moments {
    let parts: Vec<Moments> = data.chunks.par_iter().map(|c| chunk_moments(c, nd, data.complete, hess)).collect();
    let mut it = parts.into_iter();
    let mut acc = it.next().expect("at least one chunk");
    for m in it {
        acc.loglik += m.loglik;
        acc.r += m.r;
        acc.n += m.n;
        if let (Some(a), Some(b)) = (acc.hess.as_mut(), m.hess) {
            *a += b;
        }
    }
    acc
}

/// Gradient and Hessian (in (c_0, a_0, c_1, a_1, ...) order) of the expected complete-data
/// log-likelihood given the expected counts `r`, `n` — the score of the marginal likelihood, and the
/// complete-data part of its Hessian.
fn complete_derivatives(m: &Moments, nd: &Nodes) -> (DVector<f64>, DMatrix<f64>) {
    let (j, nq) = (m.r.nrows(), m.r.ncols());
    let mut g = DVector::zeros(2 * j);
    let mut h = DMatrix::zeros(2 * j, 2 * j);
    for k in 0..j {
        for q in 0..nq {
            let (p, t) = (nd.p[(q, k)], nd.theta[q]);
            let res = m.r[(k, q)] - p * m.n[(k, q)];
            g[2 * k] += res;
            g[2 * k + 1] += res * t;
            let v = m.n[(k, q)] * p * (1.0 - p);
            h[(2 * k, 2 * k)] -= v;
            h[(2 * k, 2 * k + 1)] -= v * t;
            h[(2 * k + 1, 2 * k + 1)] -= v * t * t;
        }
        h[(2 * k + 1, 2 * k)] = h[(2 * k, 2 * k + 1)];
    }
    (g, h)
}

fn to_psi(model: IrtModel, p: &Params) -> Vec<f64> {
    let mut psi = p.c.clone();
    match model {
        IrtModel::Rasch => {}
        IrtModel::OnePl => psi.push(p.a[0]),
        IrtModel::TwoPl => psi.extend(p.a.iter().copied()),
    }
    psi
}

/// Newton step `−H⁻¹g` in ψ for a negative-definite `H`, or `None`.
fn newton_step(g: &DVector<f64>, h: &DMatrix<f64>) -> Option<DVector<f64>> {
    let neg = -h;
    let ch = neg.cholesky()?;
    Some(ch.solve(g))
}

/// EM iterations from `psi` until the log-likelihood settles (relative change < `tol`).
fn em(data: &Data, model: IrtModel, theta: &[f64], w: &[f64], psi: &mut [f64], tol: f64, max_iter: usize) {
    let jac = Params::jacobian(model, data.j);
    let mut prev = f64::NEG_INFINITY;
    for _ in 0..max_iter {
        let par = Params::from_psi(model, psi, data.j);
        let m = moments(data, &Nodes::new(theta, w, &par), false);
        if (m.loglik - prev).abs() < tol * m.loglik.abs() {
            break;
        }
        prev = m.loglik;
        // M-step: Newton on the expected complete-data log-likelihood (concave in c, a).
        for _ in 0..4 {
            let par = Params::from_psi(model, psi, data.j);
            let (g, h) = complete_derivatives(&m, &Nodes::new(theta, w, &par));
            let (g, h) = (jac.tr_mul(&g), jac.tr_mul(&(h * &jac)));
            let Some(step) = newton_step(&g, &h) else { break };
            let scale = 1.0f64.min(1.0 / step.amax().max(1e-300));
            psi.iter_mut().zip(step.iter()).for_each(|(p, s)| *p += scale * s);
            if step.amax() < 1e-10 {
                break;
            }
        }
    }
}

/// Fit `model` to binary `responses` (`responses[i][j]`: person `i`, item `j`, `Some(0|1)` or
/// missing) by marginal ML with `n_quad` Gauss–Hermite points (module doc). NA when an item has
/// no variation, fewer than two items, or too few persons for the parameters.
pub fn fit_irt(responses: &[Vec<Option<u8>>], model: IrtModel, n_quad: usize) -> StatResult<IrtFit> {
    let j = responses.first().map(|r| r.len()).unwrap_or(0);
    if j < 2 {
        return Err(Na::new("IRT needs at least two items"));
    }
    let rows: Vec<Vec<Option<u8>>> = responses.iter().filter(|r| r.iter().any(|v| v.is_some())).cloned().collect();
    let n = rows.len();
    let mut pbar = Vec::with_capacity(j);
    for k in 0..j {
        let (s, m) = rows.iter().filter_map(|r| r[k]).fold((0.0, 0.0), |(s, m), v| (s + v as f64, m + 1.0));
        if m == 0.0 || s == 0.0 || s == m {
            return Err(Na::new(format!("item {} has no variation (all answers equal)", k + 1)));
        }
        pbar.push(s / m);
    }
    if n <= model.n_par(j) {
        return Err(Na::new(format!("{n} persons for {} parameters", model.n_par(j))));
    }
    let data = collapse(&rows, j);
    let (theta, w) = gauss_hermite(n_quad.max(5));
    let start = Params { c: pbar.iter().map(|p| (p / (1.0 - p)).ln()).collect(), a: vec![1.0; j] };
    let mut psi = to_psi(model, &start);
    em(&data, model, &theta, &w, &mut psi, 1e-7, 500);
    let jac = Params::jacobian(model, j);
    let mut converged = false;
    let mut info = None;
    for _ in 0..50 {
        let par = Params::from_psi(model, &psi, j);
        let nd = Nodes::new(&theta, &w, &par);
        let m = moments(&data, &nd, true);
        let (g, h1) = complete_derivatives(&m, &nd);
        let h = h1 + m.hess.as_ref().expect("hessian");
        let (g, h) = (jac.tr_mul(&g), jac.tr_mul(&(h * &jac)));
        if g.amax() < 1e-8 * n as f64 {
            converged = true;
            info = Some(h);
            break;
        }
        let Some(step) = newton_step(&g, &h) else {
            em(&data, model, &theta, &w, &mut psi, 1e-10, 50);
            continue;
        };
        if step.amax() < 1e-4 {
            // Quadratic convergence: the remaining error after this step is O(1e-8); the information at
            // the pre-step point differs from the one at the optimum by O(1e-4) relative, so it is kept
            // (saving one Hessian evaluation, the most expensive part of the fit).
            psi.iter_mut().zip(step.iter()).for_each(|(p, s)| *p += s);
            converged = true;
            info = Some(h);
            break;
        }
        let mut t = 1.0;
        let base = m.loglik;
        for _ in 0..30 {
            let trial: Vec<f64> = psi.iter().zip(step.iter()).map(|(p, s)| p + t * s).collect();
            let nd = Nodes::new(&theta, &w, &Params::from_psi(model, &trial, j));
            if moments(&data, &nd, false).loglik >= base - 1e-12 * base.abs() {
                psi = trial;
                break;
            }
            t *= 0.5;
        }
    }
    let mut info = info.ok_or_else(|| Na::new("marginal ML did not converge"))?;
    let mut par = Params::from_psi(model, &psi, j);
    if par.a.iter().sum::<f64>() < 0.0 {
        // θ ~ N(0, 1) is symmetric: (c, a) and (c, −a) fit equally; report a > 0 (and flip the
        // slope rows and columns of the information to match).
        par.a.iter_mut().for_each(|a| *a = -*a);
        for k in j..info.nrows() {
            info.row_mut(k).neg_mut();
            info.column_mut(k).neg_mut();
        }
    }
    finish(&data, model, &theta, &w, par, &info, n, converged)
}

/// Standard errors, fit indices, item fit and reliability at the optimum.
fn finish(
    data: &Data,
    model: IrtModel,
    theta: &[f64],
    w: &[f64],
    par: Params,
    info: &DMatrix<f64>,
    n: usize,
    converged: bool,
) -> StatResult<IrtFit> {
    let j = data.j;
    let cov = (-info).try_inverse().ok_or_else(|| Na::new("singular information matrix"))?;
    let a_index = |k: usize| match model {
        IrtModel::Rasch => None,
        IrtModel::OnePl => Some(j),
        IrtModel::TwoPl => Some(j + k),
    };
    let mut se_b = Vec::with_capacity(j);
    for k in 0..j {
        // b = −c/a: ∂b/∂c = −1/a, ∂b/∂a = c/a².
        let (c, a) = (par.c[k], par.a[k]);
        let mut v = cov[(k, k)] / (a * a);
        if let Some(ai) = a_index(k) {
            let db_da = c / (a * a);
            v += db_da * db_da * cov[(ai, ai)] + 2.0 * (-1.0 / a) * db_da * cov[(k, ai)];
        }
        se_b.push(v.max(0.0).sqrt());
    }
    let se_a = match model {
        IrtModel::Rasch => None,
        _ => Some((0..j).map(|k| cov[(a_index(k).unwrap_or(0), a_index(k).unwrap_or(0))].max(0.0).sqrt()).collect()),
    };
    let nd = Nodes::new(theta, w, &par);
    let parts: Vec<(f64, Vec<[f64; 4]>)> = data.chunks.par_iter().map(|ch| item_fit_chunk(ch, &nd, &par)).collect();
    let mut loglik = 0.0;
    let mut acc = vec![[0.0; 4]; j];
    for (ll, v) in parts {
        loglik += ll;
        for k in 0..j {
            for e in 0..4 {
                acc[k][e] += v[k][e];
            }
        }
    }
    let k_par = model.n_par(j) as f64;
    let b: Vec<f64> = (0..j).map(|k| -par.c[k] / par.a[k]).collect();
    Ok(IrtFit {
        model,
        marginal_reliability: marginal_reliability(&par.a, &b),
        difficulty: b,
        discrimination: par.a.clone(),
        se_difficulty: se_b,
        se_discrimination: se_a,
        loglik,
        n_par: model.n_par(j),
        n_persons: n,
        n_patterns: data.n_patterns,
        aic: -2.0 * loglik + 2.0 * k_par,
        bic: -2.0 * loglik + k_par * (n as f64).ln(),
        outfit: acc.iter().map(|v| v[0] / v[1]).collect(),
        infit: acc.iter().map(|v| v[2] / v[3]).collect(),
        converged,
    })
}

/// Log-likelihood of a chunk and its item-fit sums at each pattern's EAP θ: per item
/// `[Σ f z², Σ f, Σ f (x − P)², Σ f P(1 − P)]` over answered responses.
fn item_fit_chunk(ch: &Chunk, nd: &Nodes, par: &Params) -> (f64, Vec<[f64; 4]>) {
    let (h, ll) = posterior(ch, nd);
    let j = ch.x.ncols();
    let mut v = vec![[0.0; 4]; j];
    for i in 0..ch.f.len() {
        let eap: f64 = (0..nd.theta.len()).map(|q| h[(i, q)] * nd.theta[q]).sum();
        for k in 0..j {
            if ch.o[(i, k)] == 0.0 {
                continue;
            }
            let p = logistic(par.c[k] + par.a[k] * eap);
            let (r2, var) = ((ch.x[(i, k)] - p).powi(2), p * (1.0 - p));
            let f = ch.f[i];
            v[k][0] += f * r2 / var;
            v[k][1] += f;
            v[k][2] += f * r2;
            v[k][3] += f * var;
        }
    }
    (ch.f.iter().zip(&ll).map(|(f, l)| f * l).sum(), v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn lsat6() -> Vec<Vec<Option<u8>>> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/structure/lsat6_patterns.csv");
        let mut rd = csv::Reader::from_path(path).unwrap();
        let mut out = Vec::new();
        for r in rd.records() {
            let r = r.unwrap();
            let v: Vec<u32> = r.iter().map(|x| x.parse().unwrap()).collect();
            for _ in 0..v[5] {
                out.push(v[..5].iter().map(|&x| Some(x as u8)).collect());
            }
        }
        out
    }

    fn reference() -> Value {
        let s =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/structure/irt_lsat6.json"));
        serde_json::from_str(&s.unwrap()).unwrap()
    }

    fn nums(v: &Value) -> Vec<f64> {
        v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
    }

    fn close(got: &[f64], want: &[f64], tol: f64, what: &str) {
        assert_eq!(got.len(), want.len(), "{what}");
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < tol, "{what}: {g} vs {w}");
        }
    }

    #[test]
    fn strided_gemm_equals_tr_mul() {
        let a = DMatrix::from_fn(37, 12, |i, k| ((i * 7 + k * 3) % 11) as f64 - 5.0);
        let b = DMatrix::from_fn(37, 10, |i, k| ((i * 5 + k) % 13) as f64 * 0.5);
        assert!((at_b(&a, &b) - a.tr_mul(&b)).amax() < 1e-12);
        let small = DMatrix::from_fn(37, 3, |i, k| (i + k) as f64);
        assert!((at_b(&small, &b) - small.tr_mul(&b)).amax() < 1e-12);
    }

    #[test]
    fn gauss_hermite_integrates_normal_moments() {
        let (x, w) = gauss_hermite(21);
        let m = |e: i32| x.iter().zip(&w).map(|(x, w)| w * x.powi(e)).sum::<f64>();
        assert!((m(0) - 1.0).abs() < 1e-12 && m(1).abs() < 1e-12 && (m(2) - 1.0).abs() < 1e-12);
        assert!((m(4) - 3.0).abs() < 1e-10 && (m(6) - 15.0).abs() < 1e-9);
    }

    #[test]
    fn lsat6_matches_ltm_published_and_r_reference() {
        let data = lsat6();
        let refv = reference();
        for model in [IrtModel::Rasch, IrtModel::OnePl, IrtModel::TwoPl] {
            let fit = fit_irt(&data, model, 21).unwrap();
            assert!(fit.converged);
            let want = &refv["fits"][model.name()];
            close(&fit.difficulty, &nums(&want["difficulty"]), 1e-4, "difficulty");
            close(&fit.discrimination, &nums(&want["discrimination"]), 1e-4, "discrimination");
            close(&fit.se_difficulty, &nums(&want["se_difficulty"]), 1e-4, "se b");
            if let Some(se) = &fit.se_discrimination {
                let w = &want["se_discrimination"];
                let w = if w.is_array() { nums(w) } else { vec![w.as_f64().unwrap(); 5] };
                close(se, &w, 1e-4, "se a");
            }
            close(
                &[fit.loglik, fit.aic, fit.bic],
                &[want["loglik"].as_f64().unwrap(), want["aic"].as_f64().unwrap(), want["bic"].as_f64().unwrap()],
                1e-4,
                "loglik",
            );
            close(&fit.infit, &nums(&want["infit"]), 1e-4, "infit");
            close(&fit.outfit, &nums(&want["outfit"]), 1e-4, "outfit");
            close(&[fit.marginal_reliability], &[want["marginal_reliability"].as_f64().unwrap()], 1e-5, "rxx");
            let info: Vec<f64> = nums(&want["test_information"]);
            for (i, t) in nums(&want["theta"]).iter().enumerate() {
                assert!((test_information(&fit.discrimination, &fit.difficulty, *t) - info[i]).abs() < 1e-4);
            }
        }
        // ltm's published estimates (3 decimals).
        let pubv = &refv["published"];
        let r = fit_irt(&data, IrtModel::Rasch, 21).unwrap();
        close(&r.difficulty, &nums(&pubv["rasch_fixed"]["difficulty"]), 2e-3, "published rasch");
        close(&[r.loglik], &[pubv["rasch_fixed"]["loglik"].as_f64().unwrap()], 2e-3, "published rasch loglik");
        let t = fit_irt(&data, IrtModel::TwoPl, 21).unwrap();
        close(&t.difficulty, &nums(&pubv["twopl"]["difficulty"]), 2e-3, "published 2pl b");
        close(&t.discrimination, &nums(&pubv["twopl"]["discrimination"]), 2e-3, "published 2pl a");
        close(&[t.loglik], &[pubv["twopl"]["loglik"].as_f64().unwrap()], 2e-3, "published 2pl loglik");
    }

    #[test]
    fn missing_responses_and_degenerate_items() {
        let mut data = lsat6();
        // Missing responses: the fit still converges and the analytic information is used.
        for (i, r) in data.iter_mut().enumerate() {
            if i % 7 == 0 {
                r[i % 5] = None;
            }
        }
        let fit = fit_irt(&data, IrtModel::TwoPl, 21).unwrap();
        assert!(fit.converged && fit.se_difficulty.iter().all(|s| s.is_finite() && *s > 0.0));
        let constant: Vec<Vec<Option<u8>>> = data.iter().map(|r| vec![r[0], Some(1), r[2]]).collect();
        assert!(fit_irt(&constant, IrtModel::Rasch, 21).unwrap_err().0.contains("item 2 has no variation"));
        assert!(fit_irt(&data[..3], IrtModel::TwoPl, 21).is_err());
    }

    /// The analytic (Louis) Hessian equals central differences of the analytic score, with missing data.
    #[test]
    fn louis_hessian_matches_finite_differences_with_missing() {
        let mut rows = lsat6();
        for (i, r) in rows.iter_mut().enumerate() {
            if i % 5 == 0 {
                r[(i / 5) % 5] = None;
            }
        }
        let data = collapse(&rows, 5);
        assert!(!data.complete);
        let (theta, w) = gauss_hermite(15);
        let par = Params { c: vec![2.0, 0.8, 0.2, 1.2, 1.9], a: vec![0.9, 0.7, 1.1, 0.6, 0.8] };
        let score = |p: &Params| {
            let nd = Nodes::new(&theta, &w, p);
            complete_derivatives(&moments(&data, &nd, false), &nd).0
        };
        let nd = Nodes::new(&theta, &w, &par);
        let m = moments(&data, &nd, true);
        let h = complete_derivatives(&m, &nd).1 + m.hess.unwrap();
        let eps = 1e-5;
        for col in 0..10 {
            let (k, is_a) = (col / 2, col % 2 == 1);
            let bump = |d: f64| {
                let mut p = par.clone();
                if is_a {
                    p.a[k] += d;
                } else {
                    p.c[k] += d;
                }
                score(&p)
            };
            let fd = (bump(eps) - bump(-eps)) / (2.0 * eps);
            for row in 0..10 {
                assert!((fd[row] - h[(row, col)]).abs() < 1e-4 * (1.0 + h[(row, col)].abs()), "{row},{col}");
            }
        }
    }
}
