//! Differential item functioning: Mantel–Haenszel and logistic-regression DIF.
//!
//! **Matching.** Each person's matching score is the sum of the anchor items plus the studied item
//! (difR's convention); without purification every item is an anchor. **Purification** (difR,
//! Holland & Thayer 1988): items flagged at α = .05 are removed from the anchor, the tests are
//! re-run, and this repeats until the flagged set is stable (at most 10 iterations).
//!
//! **Mantel–Haenszel** (Holland & Thayer 1988), binary items. In each score stratum `k` with
//! `T_k ≥ 2` persons, `A_k`/`B_k` reference correct/incorrect, `C_k`/`D_k` focal correct/incorrect:
//! `α_MH = Σ A_k D_k/T_k / Σ B_k C_k/T_k`, `Δ_MH = −2.35 ln α_MH` (ETS delta; negative = the item
//! favours the reference group), `χ²_MH = (|Σ A_k − Σ E(A_k)| − ½)² / Σ Var(A_k)` (the continuity correction only when the
//! deviation is ≥ ½, as R's `mantelhaen.test`; difR subtracts ½ always) with
//! `Var(A_k) = n_Rk n_Fk m_1k m_0k / (T_k² (T_k − 1))` (1 df). SE of `ln α_MH` by Robins, Breslow &
//! Greenland (1986) (as R's `mantelhaen.test` CI), `SE(Δ) = 2.35 SE(ln α)`. ETS class: **A** if
//! `|Δ| < 1` or `p ≥ .05`; **C** if `|Δ| ≥ 1.5` and `(|Δ| − 1)/SE > 1.645` (|Δ| significantly above 1);
//! **B** otherwise.
//!
//! **Logistic regression** (Swaminathan & Rogers 1990; Zumbo 1999): models `M0: S`, `M1: S + G`,
//! `M2: S + G + S·G` for the item given the matching score `S` and the focal indicator `G`; binary
//! items by logistic regression, ordinal items by the cumulative-logit (proportional-odds) model
//! (`MASS::polr`, logistic link), both by Newton–Raphson. Likelihood-ratio tests: uniform (M1 vs
//! M0, 1 df), non-uniform (M2 vs M1, 1 df), both (M2 vs M0, 2 df). Effect size: the change in
//! Nagelkerke R² (`R²_N = (1 − (L₀/L)^{2/n}) / (1 − L₀^{2/n})`, `L₀` the intercept-only (thresholds-only)
//! likelihood), classed by Zumbo & Thomas (A < .13 ≤ B < .26 ≤ C) and Jodoin & Gierl (2001)
//! (A < .035 ≤ B < .07 ≤ C); a class above A needs the test to be significant (p < .05).
//!
//! Pinned to R (`mantelhaen.test`, `glm`, `MASS::polr`, applied as difR does) on a simulated fixture
//! with planted DIF: `scripts/reference/dif.R` → `tests/fixtures/structure/dif_reference.json`;
//! tests `dif::tests::*` and `tests/cli/structure.rs`.

use super::{Na, StatResult};
use nalgebra::{DMatrix, DVector};
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// ETS DIF class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EtsClass {
    A,
    B,
    C,
}

impl EtsClass {
    pub fn as_str(self) -> &'static str {
        match self {
            EtsClass::A => "A",
            EtsClass::B => "B",
            EtsClass::C => "C",
        }
    }
}

/// Mantel–Haenszel DIF of one item.
#[derive(Debug, Clone)]
pub struct MhDif {
    pub alpha: f64,
    pub delta: f64,
    pub se_delta: f64,
    pub chisq: f64,
    pub p: f64,
    pub strata: usize,
    pub ets: EtsClass,
}

fn chisq_sf(x: f64, df: f64) -> f64 {
    ChiSquared::new(df).map(|d| 1.0 - d.cdf(x.max(0.0))).unwrap_or(f64::NAN)
}

/// ETS A/B/C class from Δ_MH, its SE and the MH p-value (module doc).
pub fn ets_class(delta: f64, se: f64, p: f64) -> EtsClass {
    let d = delta.abs();
    if d < 1.0 || !(p < 0.05) {
        EtsClass::A
    } else if d >= 1.5 && (d - 1.0) / se > 1.645 {
        EtsClass::C
    } else {
        EtsClass::B
    }
}

/// Mantel–Haenszel DIF of a binary `item` (0/1) matched on `score`, `focal[i]` true for the focal
/// group. NA when no stratum has both groups and both responses.
pub fn mh_dif(item: &[u8], score: &[f64], focal: &[bool]) -> StatResult<MhDif> {
    let mut levels: Vec<f64> = score.to_vec();
    levels.sort_by(|a, b| a.total_cmp(b));
    levels.dedup();
    let (mut sa, mut sea, mut sva, mut r, mut s) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut pr, mut psqr, mut qs) = (0.0, 0.0, 0.0);
    let mut strata = 0;
    for lv in &levels {
        let mut t = [0.0f64; 4]; // A, B, C, D
        for i in 0..item.len() {
            if score[i] == *lv {
                let cell = usize::from(focal[i]) * 2 + usize::from(item[i] == 0);
                t[cell] += 1.0;
            }
        }
        let tk = t.iter().sum::<f64>();
        if tk < 2.0 {
            continue;
        }
        strata += 1;
        let (a, b, c, d) = (t[0], t[1], t[2], t[3]);
        let (nr, nf, m1, m0) = (a + b, c + d, a + c, b + d);
        sa += a;
        sea += nr * m1 / tk;
        sva += nr * nf * m1 * m0 / (tk * tk * (tk - 1.0));
        let (rk, sk) = (a * d / tk, b * c / tk);
        let (pk, qk) = ((a + d) / tk, (b + c) / tk);
        r += rk;
        s += sk;
        pr += pk * rk;
        psqr += pk * sk + qk * rk;
        qs += qk * sk;
    }
    if !(r > 0.0 && s > 0.0 && sva > 0.0) {
        return Err(Na::new("no score stratum with both groups and both responses (α_MH undefined)"));
    }
    let alpha = r / s;
    let var_ln = pr / (2.0 * r * r) + psqr / (2.0 * r * s) + qs / (2.0 * s * s);
    let dev = (sa - sea).abs();
    let chisq = (if dev >= 0.5 { dev - 0.5 } else { dev }).powi(2) / sva;
    let p = chisq_sf(chisq, 1.0);
    let delta = -2.35 * alpha.ln();
    let se_delta = 2.35 * var_ln.sqrt();
    Ok(MhDif { alpha, delta, se_delta, chisq, p, strata, ets: ets_class(delta, se_delta, p) })
}

/// Matching scores: the anchor items plus the studied item.
fn matching(x: &[Vec<u8>], anchor: &[bool], item: usize) -> Vec<f64> {
    x.iter()
        .map(|r| r.iter().enumerate().filter(|(j, _)| anchor[*j] || *j == item).map(|(_, v)| *v as f64).sum())
        .collect()
}

/// Run `test` on every item, with difR's iterative purification when `purify` (module doc);
/// `flag` says whether a result is DIF at .05. Returns the results, the final anchor and the
/// number of iterations.
pub fn with_purification<T>(
    x: &[Vec<u8>],
    purify: bool,
    test: &dyn Fn(usize, &[f64]) -> StatResult<T>,
    flag: &dyn Fn(&T) -> bool,
) -> (Vec<StatResult<T>>, Vec<bool>, usize) {
    let j = x.first().map(|r| r.len()).unwrap_or(0);
    let mut anchor = vec![true; j];
    let mut iterations = 0;
    loop {
        iterations += 1;
        let res: Vec<StatResult<T>> = (0..j).map(|k| test(k, &matching(x, &anchor, k))).collect();
        let flagged: Vec<bool> = res.iter().map(|r| r.as_ref().map(flag).unwrap_or(false)).collect();
        let new_anchor: Vec<bool> = flagged.iter().map(|f| !f).collect();
        if !purify || new_anchor == anchor || iterations >= 10 {
            return (res, anchor, iterations);
        }
        anchor = new_anchor;
    }
}

/// MH DIF for every binary item of `x` (persons × items, 0/1), optionally purified.
pub fn mh_dif_items(x: &[Vec<u8>], focal: &[bool], purify: bool) -> (Vec<StatResult<MhDif>>, Vec<bool>, usize) {
    let j = x.first().map(|r| r.len()).unwrap_or(0);
    let cols: Vec<Vec<u8>> = (0..j).map(|k| x.iter().map(|r| r[k]).collect()).collect();
    with_purification(x, purify, &|k, s| mh_dif(&cols[k], s, focal), &|m: &MhDif| m.p < 0.05)
}

/// Cumulative-logit (proportional-odds) fit: `P(Y ≤ c) = logistic(θ_c − xᵀβ)`; for two categories
/// this is logistic regression with intercept `−θ_0`. Returns the maximised log-likelihood.
pub fn cumulative_logit_loglik<R: AsRef<[f64]>>(y: &[usize], x: &[R], k: usize) -> StatResult<f64> {
    let n = y.len();
    let data = CumLogitRows::new(y, x, k);
    let (nt, p) = (data.nt, data.p);
    let mut counts = vec![0.0; k];
    y.iter().for_each(|&c| counts[c] += 1.0);
    let mut cum = 0.0;
    let mut par: Vec<f64> = (0..nt)
        .map(|c| {
            cum += counts[c];
            let q = cum / n as f64;
            (q / (1.0 - q)).ln()
        })
        .collect();
    par.extend(std::iter::repeat_n(0.0, p));
    let (mut ll, mut g) = data.eval(&par);
    for _ in 0..200 {
        if g.iter().fold(0.0f64, |a, v| a.max(v.abs())) < 1e-9 * n as f64 {
            return if ll.is_finite() { Ok(ll) } else { Err(Na::new("non-finite log-likelihood")) };
        }
        // Newton with the Hessian by central differences of the analytic gradient.
        let d = par.len();
        let eps: Vec<f64> = par.iter().map(|v| 1e-5 * (1.0 + v.abs())).collect();
        let points: Vec<Vec<f64>> = (0..2 * d)
            .map(|e| {
                let mut pt = par.clone();
                if e % 2 == 0 {
                    pt[e / 2] += eps[e / 2];
                } else {
                    pt[e / 2] -= eps[e / 2];
                }
                pt
            })
            .collect();
        let gs = data.gradients_at(&points);
        let h = DMatrix::from_fn(d, d, |row, col| (gs[2 * col][row] - gs[2 * col + 1][row]) / (2.0 * eps[col]));
        let h = (&h + h.transpose()) * 0.5;
        let step = (-h).cholesky().map(|c| c.solve(&DVector::from_vec(g.clone())));
        let step: Vec<f64> = match step {
            Some(s) => s.iter().copied().collect(),
            None => g.iter().map(|v| v * 1e-3).collect(),
        };
        let mut t = 1.0;
        let mut moved = false;
        for _ in 0..40 {
            let trial: Vec<f64> = par.iter().zip(&step).map(|(a, s)| a + t * s).collect();
            let ordered = trial[..nt].windows(2).all(|w| w[0] < w[1]);
            if ordered {
                let (lt, gt) = data.eval(&trial);
                if lt.is_finite() && lt >= ll - 1e-12 * ll.abs() {
                    par = trial;
                    ll = lt;
                    g = gt;
                    moved = true;
                    break;
                }
            }
            t *= 0.5;
        }
        if !moved {
            break;
        }
    }
    Err(Na::new("the cumulative-logit model did not converge (separation?)"))
}

/// The rows of a cumulative-logit fit grouped by covariate vector and category (a DIF design has
/// few covariate vectors: an integer matching score times the group). A row's likelihood terms
/// depend only on its group, and each cumulative probability only on the covariate vector and
/// threshold, so [`CumLogitRows::eval`] computes each once and then adds the terms over the rows
/// in row order: the same floating-point operations, in the same order, as evaluating row by row
/// (test `pattern_terms_equal_row_terms`).
struct CumLogitRows<'a> {
    y: &'a [usize],
    /// Each row's (covariate vector, category) group, an index into `groups`.
    group: Vec<usize>,
    /// Per group: its covariate vector (index into `xs`) and the indices into `cuts` of its
    /// upper and lower threshold.
    groups: Vec<(usize, Option<usize>, Option<usize>)>,
    /// The (covariate vector, threshold) pairs some group needs.
    cuts: Vec<(usize, usize)>,
    xs: Vec<&'a [f64]>,
    nt: usize,
    p: usize,
}

impl<'a> CumLogitRows<'a> {
    fn new<R: AsRef<[f64]>>(y: &'a [usize], x: &'a [R], k: usize) -> Self {
        use std::collections::HashMap;
        let nt = k - 1;
        let (mut xs, mut x_ids): (Vec<&[f64]>, HashMap<BitsKey, usize>) = Default::default();
        let (mut groups, mut group_ids) = (Vec::new(), HashMap::new());
        let (mut cuts, mut cut_ids) = (Vec::new(), HashMap::new());
        let mut cut = |q: usize, t: usize| {
            *cut_ids.entry((q, t)).or_insert_with(|| {
                cuts.push((q, t));
                cuts.len() - 1
            })
        };
        let group = x
            .iter()
            .zip(y)
            .map(|(r, &c)| {
                let r = r.as_ref();
                let q = *x_ids.entry(BitsKey(r)).or_insert_with(|| {
                    xs.push(r);
                    xs.len() - 1
                });
                *group_ids.entry((q, c)).or_insert_with(|| {
                    groups.push((q, (c < nt).then(|| cut(q, c)), (c > 0).then(|| cut(q, c - 1))));
                    groups.len() - 1
                })
            })
            .collect();
        CumLogitRows { y, group, groups, cuts, xs, nt, p: x.first().map_or(0, |r| r.as_ref().len()) }
    }

    /// The log-likelihood (one logarithm per group) and its gradient at `par` (thresholds, then
    /// slopes).
    fn eval(&self, par: &[f64]) -> (f64, Vec<f64>) {
        let w = 3 + self.p;
        let mut terms = self.terms(par);
        // Apart from the terms: the finite-difference Hessian's gradients take no logarithm.
        terms.chunks_exact_mut(w).for_each(|t| t[0] = t[0].ln());
        let ll = self.group.iter().fold(0.0, |ll, &q| ll + terms[q * w]);
        (ll, self.gradients(&[terms]).swap_remove(0))
    }

    /// The gradients at several points (the central differences of a Hessian) in one pass over
    /// the rows: each gradient is summed in row order as on its own, and the independent sums
    /// overlap in the processor instead of each waiting on its own chain of additions.
    fn gradients_at(&self, pars: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let terms: Vec<Vec<f64>> = pars.iter().map(|par| self.terms(par)).collect();
        self.gradients(&terms)
    }

    /// Per group: pr, du/pr, dl/pr, then x_m (du − dl)/pr for each slope.
    fn terms(&self, par: &[f64]) -> Vec<f64> {
        let (nt, p) = (self.nt, self.p);
        let etas: Vec<f64> = self.xs.iter().map(|xq| (0..p).map(|m| xq[m] * par[nt + m]).sum()).collect();
        let cuts: Vec<(f64, f64)> = self.cuts.iter().map(|&(q, t)| cdf_pdf(par[t] - etas[q])).collect();
        let w = 3 + p;
        let mut terms = vec![0.0; self.groups.len() * w];
        for (&(q, up, lo), t) in self.groups.iter().zip(terms.chunks_exact_mut(w)) {
            let (fu, du) = up.map_or((1.0, 0.0), |u| cuts[u]);
            let (fl, dl) = lo.map_or((0.0, 0.0), |l| cuts[l]);
            let pr = fu - fl;
            t[0] = pr;
            t[1] = du / pr;
            t[2] = dl / pr;
            for m in 0..p {
                t[3 + m] = self.xs[q][m] * (du - dl) / pr;
            }
        }
        terms
    }

    /// The gradient of each set of group terms, added over the rows in row order. The points'
    /// terms are laid out side by side (per group and term, one value per point) and so are
    /// their gradients (per component, one sum per point), so a row updates every point's sum
    /// of a component with one slice operation; each sum still takes its addends in row order.
    fn gradients(&self, terms: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let (nt, p, w, np) = (self.nt, self.p, 3 + self.p, terms.len());
        let tw = (w - 1) * np;
        let mut tt = vec![0.0; self.groups.len() * tw];
        for (pt, t) in terms.iter().enumerate() {
            for (q, tq) in t.chunks_exact(w).enumerate() {
                for j in 1..w {
                    tt[q * tw + (j - 1) * np + pt] = tq[j];
                }
            }
        }
        let mut g = vec![0.0; (nt + p) * np];
        for (&c, &q) in self.y.iter().zip(&self.group) {
            let t = &tt[q * tw..(q + 1) * tw];
            if c < nt {
                g[c * np..(c + 1) * np].iter_mut().zip(&t[..np]).for_each(|(a, v)| *a += v);
            }
            if c > 0 {
                g[(c - 1) * np..c * np].iter_mut().zip(&t[np..2 * np]).for_each(|(a, v)| *a -= v);
            }
            g[nt * np..].iter_mut().zip(&t[2 * np..]).for_each(|(a, v)| *a -= v);
        }
        (0..np).map(|pt| (0..nt + p).map(|comp| g[comp * np + pt]).collect()).collect()
    }
}

/// A covariate vector as a hash key: equal when every value has the same bits (so the key
/// does not copy the vector).
struct BitsKey<'a>(&'a [f64]);

impl PartialEq for BitsKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len() && self.0.iter().zip(other.0).all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

impl Eq for BitsKey<'_> {}

impl std::hash::Hash for BitsKey<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.0.len().hash(h);
        self.0.iter().for_each(|v| v.to_bits().hash(h));
    }
}

fn cdf_pdf(z: f64) -> (f64, f64) {
    let f = 1.0 / (1.0 + (-z).exp());
    (f, f * (1.0 - f))
}

/// Zumbo–Thomas and Jodoin–Gierl classes of a Nagelkerke ΔR² (A when not significant).
pub fn r2_classes(delta_r2: f64, p: f64) -> (EtsClass, EtsClass) {
    let class = |b: f64, c: f64| {
        if !(p < 0.05) || delta_r2 < b {
            EtsClass::A
        } else if delta_r2 < c {
            EtsClass::B
        } else {
            EtsClass::C
        }
    };
    (class(0.13, 0.26), class(0.035, 0.07))
}

/// The three likelihood-ratio DIF tests of one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LrTest {
    Uniform,
    NonUniform,
    Both,
}

impl LrTest {
    pub const ALL: [LrTest; 3] = [LrTest::Uniform, LrTest::NonUniform, LrTest::Both];
    pub fn as_str(self) -> &'static str {
        match self {
            LrTest::Uniform => "uniform",
            LrTest::NonUniform => "nonuniform",
            LrTest::Both => "both",
        }
    }
}

/// Logistic-regression DIF of one item: per test (in [`LrTest::ALL`] order) χ², df, p and ΔR².
#[derive(Debug, Clone)]
pub struct LrDif {
    pub chisq: [f64; 3],
    pub df: [f64; 3],
    pub p: [f64; 3],
    pub delta_r2: [f64; 3],
    /// Nagelkerke R² of M0, M1, M2.
    pub r2: [f64; 3],
    pub categories: usize,
}

/// Logistic (binary) or cumulative-logit (ordinal) DIF of `item` (category codes) matched on
/// `score` (module doc). NA when the item has one observed category or a model does not converge.
pub fn logistic_dif(item: &[u8], score: &[f64], focal: &[bool]) -> StatResult<LrDif> {
    let mut cats: Vec<u8> = item.to_vec();
    cats.sort_unstable();
    cats.dedup();
    if cats.len() < 2 {
        return Err(Na::new("the item has a single observed response"));
    }
    let y: Vec<usize> = item.iter().map(|v| cats.iter().position(|c| c == v).unwrap_or(0)).collect();
    let k = cats.len();
    let n = y.len() as f64;
    let g: Vec<f64> = focal.iter().map(|&f| f64::from(u8::from(f))).collect();
    let full: Vec<[f64; 3]> = (0..y.len()).map(|i| [score[i], g[i], score[i] * g[i]]).collect();
    let design = |m: usize| -> Vec<&[f64]> { full.iter().map(|r| &r[..m]).collect() };
    let mut counts = vec![0.0; k];
    y.iter().for_each(|&c| counts[c] += 1.0);
    let ll00: f64 = counts.iter().filter(|c| **c > 0.0).map(|c| c * (c / n).ln()).sum();
    let ll: Vec<f64> = (1..=3).map(|m| cumulative_logit_loglik(&y, &design(m), k)).collect::<StatResult<_>>()?;
    let nagel = |l: f64| (1.0 - (2.0 * (ll00 - l) / n).exp()) / (1.0 - (2.0 * ll00 / n).exp());
    let r2 = [nagel(ll[0]), nagel(ll[1]), nagel(ll[2])];
    let chisq = [2.0 * (ll[1] - ll[0]), 2.0 * (ll[2] - ll[1]), 2.0 * (ll[2] - ll[0])].map(|v| v.max(0.0));
    let df = [1.0, 1.0, 2.0];
    let p = [chisq_sf(chisq[0], 1.0), chisq_sf(chisq[1], 1.0), chisq_sf(chisq[2], 2.0)];
    let delta_r2 = [r2[1] - r2[0], r2[2] - r2[1], r2[2] - r2[0]];
    Ok(LrDif { chisq, df, p, delta_r2, r2, categories: k })
}

/// Logistic DIF for every item of `x` (persons × items, category codes), optionally purified on
/// the `both` test.
pub fn logistic_dif_items(x: &[Vec<u8>], focal: &[bool], purify: bool) -> (Vec<StatResult<LrDif>>, Vec<bool>, usize) {
    let j = x.first().map(|r| r.len()).unwrap_or(0);
    let cols: Vec<Vec<u8>> = (0..j).map(|k| x.iter().map(|r| r[k]).collect()).collect();
    with_purification(x, purify, &|k, s| logistic_dif(&cols[k], s, focal), &|d: &LrDif| d.p[2] < 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn data() -> (Vec<Vec<u8>>, Vec<Vec<u8>>, Vec<bool>) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/structure/dif_data.csv");
        let mut rd = csv::Reader::from_path(path).unwrap();
        let (mut bin, mut ord, mut foc) = (Vec::new(), Vec::new(), Vec::new());
        for r in rd.records() {
            let r = r.unwrap();
            foc.push(&r[0] == "F");
            let v: Vec<u8> = (1..15).map(|c| r[c].parse().unwrap()).collect();
            bin.push(v[..10].to_vec());
            ord.push(v[10..].to_vec());
        }
        (bin, ord, foc)
    }

    fn reference() -> Value {
        let s = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/structure/dif_reference.json"
        ));
        serde_json::from_str(&s.unwrap()).unwrap()
    }

    fn f(v: &Value) -> f64 {
        v.as_f64().unwrap()
    }

    #[test]
    fn mantel_haenszel_matches_r() {
        let (bin, _, foc) = data();
        let refv = reference();
        for (purify, key) in [(false, "mh"), (true, "mh_purified")] {
            let (res, anchor, it) = mh_dif_items(&bin, &foc, purify);
            let want = if purify { &refv[key]["results"] } else { &refv[key] };
            for (k, r) in res.iter().enumerate() {
                let r = r.as_ref().unwrap();
                let w = &want[k];
                assert!((r.chisq - f(&w["chisq"])).abs() < 1e-8, "{key} item {k} chisq {} vs {}", r.chisq, w["chisq"]);
                assert!((r.p - f(&w["p"])).abs() < 1e-8);
                assert!((r.alpha - f(&w["alpha"])).abs() < 1e-8);
                assert!((r.delta - f(&w["delta"])).abs() < 1e-8);
                assert!((r.se_delta - f(&w["se_delta"])).abs() < 1e-6);
            }
            if purify {
                let flagged: Vec<f64> = (0..10).filter(|&k| !anchor[k]).map(|k| (k + 1) as f64).collect();
                let want: Vec<f64> = refv[key]["flagged"].as_array().unwrap().iter().map(f).collect();
                assert_eq!(flagged, want);
                assert_eq!(it as f64, f(&refv[key]["iterations"]));
            }
        }
    }

    /// Row-by-row evaluation, as the fit was written before rows were grouped by pattern.
    fn row_terms(y: &[usize], x: &[Vec<f64>], k: usize, par: &[f64]) -> (f64, Vec<f64>) {
        let (nt, p) = (k - 1, x[0].len());
        let mut ll = 0.0;
        let mut g = vec![0.0; nt + p];
        for i in 0..y.len() {
            let eta: f64 = (0..p).map(|m| x[i][m] * par[nt + m]).sum();
            let c = y[i];
            let (fu, du) = if c < nt { cdf_pdf(par[c] - eta) } else { (1.0, 0.0) };
            let (fl, dl) = if c > 0 { cdf_pdf(par[c - 1] - eta) } else { (0.0, 0.0) };
            let pr = fu - fl;
            ll += pr.ln();
            if c < nt {
                g[c] += du / pr;
            }
            if c > 0 {
                g[c - 1] -= dl / pr;
            }
            for m in 0..p {
                g[nt + m] -= x[i][m] * (du - dl) / pr;
            }
        }
        (ll, g)
    }

    #[test]
    fn pattern_terms_equal_row_terms() {
        use rand_core::{RngCore, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut unif = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        // DIF designs (integer score, group, interaction: few patterns) and one with a
        // continuous column (every row its own pattern).
        for (k, p, continuous) in [(2, 1, false), (2, 3, false), (3, 2, false), (4, 3, false), (3, 3, true)] {
            let n = 300;
            let y: Vec<usize> = (0..n).map(|_| (unif() * k as f64) as usize).collect();
            let x: Vec<Vec<f64>> = (0..n)
                .map(|i| {
                    let (s, f) = ((unif() * 12.0).floor(), f64::from(u8::from(i % 3 == 0)));
                    [s, f, if continuous { unif() } else { s * f }][..p].to_vec()
                })
                .collect();
            let rows = CumLogitRows::new(&y, &x, k);
            assert_eq!(rows.xs.len() == n, continuous, "{k} {p}: {} patterns", rows.xs.len());
            let mut points = Vec::new();
            for _ in 0..20 {
                let mut par: Vec<f64> = (0..k - 1 + p).map(|_| 4.0 * unif() - 2.0).collect();
                par[..k - 1].sort_by(f64::total_cmp);
                points.push(par.clone());
                let (a, b) = (rows.eval(&par), row_terms(&y, &x, k, &par));
                assert_eq!(a.0.to_bits(), b.0.to_bits(), "{k} {p}");
                assert!(a.1.iter().zip(&b.1).all(|(u, v)| u.to_bits() == v.to_bits()), "{k} {p}: {:?} {:?}", a.1, b.1);
            }
            // The gradients at many points in one pass equal each point's own.
            for (pt, g) in points.iter().zip(rows.gradients_at(&points)) {
                let own = row_terms(&y, &x, k, pt).1;
                assert!(g.iter().zip(&own).all(|(u, v)| u.to_bits() == v.to_bits()), "{k} {p}: {g:?} {own:?}");
            }
        }
    }

    #[test]
    fn logistic_and_cumulative_logit_match_glm_and_polr() {
        let (bin, ord, foc) = data();
        let refv = reference();
        for (x, key) in [(&bin, "logistic"), (&ord, "ordinal")] {
            let (res, _, _) = logistic_dif_items(x, &foc, false);
            for (k, r) in res.iter().enumerate() {
                let r = r.as_ref().unwrap();
                let w = &refv[key][k];
                for t in 0..3 {
                    assert!(
                        (r.chisq[t] - f(&w["chisq"][t])).abs() < 1e-5,
                        "{key} {k} {t}: {} vs {}",
                        r.chisq[t],
                        w["chisq"][t]
                    );
                    assert!((r.p[t] - f(&w["p"][t])).abs() < 1e-6);
                    assert!((r.delta_r2[t] - f(&w["delta_r2"][t])).abs() < 1e-6);
                    assert!((r.r2[t] - f(&w["r2"][t])).abs() < 1e-6);
                }
            }
        }
    }

    #[test]
    fn ets_and_r2_classes() {
        assert_eq!(ets_class(-0.9, 0.3, 0.001), EtsClass::A);
        assert_eq!(ets_class(1.2, 0.3, 0.2), EtsClass::A);
        assert_eq!(ets_class(-1.2, 0.3, 0.001), EtsClass::B);
        assert_eq!(ets_class(-1.6, 0.5, 0.001), EtsClass::B); // |Δ| ≥ 1.5 but not significantly above 1
        assert_eq!(ets_class(-2.3, 0.49, 1e-6), EtsClass::C);
        assert_eq!(r2_classes(0.05, 0.001), (EtsClass::A, EtsClass::B));
        assert_eq!(r2_classes(0.3, 0.001), (EtsClass::C, EtsClass::C));
        assert_eq!(r2_classes(0.3, 0.2), (EtsClass::A, EtsClass::A));
    }

    #[test]
    fn degenerate_items_are_na() {
        let item = vec![1u8; 10];
        let score: Vec<f64> = (0..10).map(|i| (i % 3) as f64).collect();
        let focal: Vec<bool> = (0..10).map(|i| i % 2 == 0).collect();
        assert!(mh_dif(&item, &score, &focal).is_err());
        assert!(logistic_dif(&item, &score, &focal).is_err());
    }
}
